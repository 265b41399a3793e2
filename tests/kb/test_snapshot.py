"""KB snapshots: stable sorted export, integrity, upgrades, history rules and `--kb FILE|VERSION`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from onconav.cli import app
from onconav.errors import KBError, KBProblem, KBValidationError
from onconav.kb.index import KBIndex, get_index
from onconav.kb.snapshot import (
    SNAPSHOT_FORMAT,
    VersionedRule,
    apply_versioned_rules,
    canonical_hash,
    dumps_snapshot,
    parse_snapshot,
    snapshot_data,
)
from onconav.kb.summary import export_data
from onconav.match.caseio import read_cases
from onconav.match.engine import match_case
from tests.kbchanges import relabel

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("genes", "biomarkers", "drugs", "indications", "resistance", "mechanisms",
            "contraindications", "tumor_types")  # fmt: skip


@pytest.fixture(scope="module")
def export() -> dict:
    result = runner.invoke(app, ["kb", "export", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _snapshot_file(tmp_path: Path, data: dict, name: str = "kb.json") -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(data))
    return path


def test_export_is_a_stable_sorted_snapshot(export: dict) -> None:
    again = runner.invoke(app, ["kb", "export"]).stdout
    assert again == json.dumps(export, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    index = get_index()
    assert export["snapshot_format"] == SNAPSHOT_FORMAT
    assert export["kb_version"] == index.kb.meta.kb_version
    assert export["kb_date"] == index.kb.meta.kb_date.isoformat()
    assert export["content_hash"] == canonical_hash(index.kb) == index.info.content_hash
    ids = [i["id"] for i in export["indications"]]
    assert ids == sorted(ids)
    assert len(ids) == len(index.kb.indications)
    assert [d["name"] for d in export["drugs"]] == sorted(d["name"] for d in export["drugs"])
    genes = [(r["gene"], r["alteration"], r["drug"]) for r in export["resistance"]]
    assert genes == sorted(genes)


def test_export_keeps_the_contract_keys(export: dict) -> None:
    drug = export["drugs"][0]
    for key in ("name", "brands", "drug_class", "targets", "route", "schedule", "cns_activity",
                "approval_status", "common_side_effects", "serious_side_effects",
                "patient_summary", "sources"):  # fmt: skip
        assert key in drug, key
    with_gene = next(i for i in export["indications"] if i.get("gene"))
    assert with_gene["alteration"] == ", ".join(with_gene["alterations"])
    assert all(i["sources"] for i in export["indications"])
    assert all(r["sources"] for r in export["resistance"])


def test_snapshot_reads_back_to_the_same_kb_and_the_same_results(
    tmp_path: Path, export: dict
) -> None:
    index = get_index()
    path = _snapshot_file(tmp_path, export)
    snap = get_index(path)
    assert snap.info.content_hash == index.info.content_hash
    for section in SECTIONS:
        # The curated order comes back too (it breaks ties between equally ranked options).
        assert getattr(snap.kb, section) == getattr(index.kb, section), section
    for example in sorted((ROOT / "examples").glob("*.json")):
        for case in read_cases(str(example), None):
            assert match_case(snap, case) == match_case(index, case)


def test_the_hash_names_the_content_not_the_label() -> None:
    kb = get_index().kb
    assert canonical_hash(relabel(kb, "2099.1.0")) != canonical_hash(kb)
    moved = kb.model_copy(update={"indications": [*kb.indications[1:], kb.indications[0]]})
    assert canonical_hash(moved) != canonical_hash(kb)  # the order decides ties


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["indications"][0].update(
                level="3B" if d["indications"][0]["level"] != "3B" else "4"
            ),
            "content_hash",
        ),
        (lambda d: d.update(snapshot_format=SNAPSHOT_FORMAT + 1), "newer than this onconav reads"),
        (lambda d: d.update(snapshot_format="one"), "snapshot_format"),
        (lambda d: d["drugs"][2].pop("route"), "drugs[2]: route"),
        (lambda d: d["indications"][3].update(level="9"), "indications[3]: level"),
        (lambda d: d["resistance"][1].update(drug="nosuchinib"), "nosuchinib"),
        (lambda d: d["order"].update(drugs=[0, 0]), "order.drugs"),
        (lambda d: d.update(extra_section=[]), "unknown key 'extra_section'"),
        (lambda d: d["meta"].pop("kb_date"), "meta.kb_date"),
    ],
)
def test_a_bad_snapshot_exits_2_naming_the_first_problem(
    tmp_path: Path, export: dict, edit, message: str
) -> None:
    data = json.loads(json.dumps(export))
    edit(data)
    path = _snapshot_file(tmp_path, data)
    for argv in (["kb", "stats", "--kb", str(path)], ["match", "-a", "EGFR L858R", "-t", "LUAD",
                                                       "--kb", str(path)]):  # fmt: skip
        result = runner.invoke(app, argv)
        assert result.exit_code == 2
        assert message in result.stderr, result.stderr
        assert str(path) in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"name": "some other tool", "rows": []}', "not an onconav KB snapshot"),
        (b"\x1f\x8bbroken", "gzip"),
    ],
)
def test_a_foreign_file_exits_2(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "foreign.json"
    path.write_bytes(content)
    result = runner.invoke(app, ["kb", "validate", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert str(path) in result.stderr


def test_a_name_that_is_nothing_exits_2() -> None:
    result = runner.invoke(app, ["kb", "stats", "--kb", "1999.1.1"])
    assert result.exit_code == 2
    assert "1999.1.1" in result.stderr
    assert "onconav kb versions" in result.stderr


def test_missing_fields_take_their_defaults(export: dict) -> None:
    """An older snapshot lacks fields the schema gained later; their defaults apply."""
    data = json.loads(json.dumps(export))
    dropped = 0
    for ind in data["indications"]:
        if ind.get("preference") == 50 and not ind.get("also_prior"):
            ind.pop("preference")
            ind.pop("also_prior", None)
            dropped += 1
    assert dropped >= 5
    loaded = parse_snapshot(orjson.dumps(data), "old.json")
    assert loaded.info.content_hash == export["content_hash"]
    assert loaded.kb.indications == get_index().kb.indications


def test_a_legacy_export_is_upgraded_with_a_warning() -> None:
    """Format 0: what `kb export` printed before snapshots (no meta, no hash, no order)."""
    legacy = export_data(get_index())
    loaded = parse_snapshot(orjson.dumps(legacy), "legacy.json")
    assert loaded.info.snapshot_format == 0
    assert loaded.kb.meta.kb_version == legacy["kb_version"]
    assert sorted(i.id for i in loaded.kb.indications) == sorted(
        i.id for i in get_index().kb.indications
    )
    assert any("no content_hash" in w.message for w in loaded.warnings)


def _pretend_rule(kb, origins) -> list[KBProblem]:
    return [KBProblem("x", None, f"indication {i.id!r}: approved without provenance")
            for i in kb.indications if i.status == "recommended"][:2]  # fmt: skip


def test_newer_rules_fail_current_data_and_warn_on_history(monkeypatch) -> None:
    kb = get_index().kb
    rule = VersionedRule("provenance", since="2099.1.1", check=_pretend_rule)
    errors, warnings = apply_versioned_rules(relabel(kb, "2099.1.0"), {}, [rule])
    assert not errors
    assert len(warnings) == 2
    assert "a warning on history" in warnings[0].message
    errors, warnings = apply_versioned_rules(relabel(kb, "2099.1.1"), {}, [rule])
    assert len(errors) == 2
    assert not warnings
    # Wired into the snapshot reader: history loads with warnings, a current KB fails.
    monkeypatch.setattr("onconav.kb.snapshot.VERSIONED_RULES", [rule])
    old = parse_snapshot(dumps_snapshot(snapshot_data(relabel(kb, "2099.1.0"))), "old.json")
    assert len(old.warnings) == 2
    with pytest.raises(KBValidationError, match="approved without provenance"):
        parse_snapshot(dumps_snapshot(snapshot_data(relabel(kb, "2099.1.1"))), "new.json")


def test_kb_flag_takes_a_file_or_a_version_in_every_command(tmp_path: Path, export: dict) -> None:
    old_version = "2026.11.2"
    path = _snapshot_file(tmp_path, export)
    gz = tmp_path / "kb.json.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    case = str(ROOT / "examples" / "alk_first_line.json")
    for kb, version in ((str(path), export["kb_version"]), (str(gz), export["kb_version"]),
                        (old_version, old_version)):  # fmt: skip
        runs = {
            "match": ["match", case, "--kb", kb],
            "text": ["match", case, "--kb", kb, "--format", "text"],
            "stats": ["kb", "stats", "--kb", kb],
            "show": ["kb", "show", "ALK", "--kb", kb],
            "export": ["kb", "export", "--kb", kb],
            "report": ["report", case, "-a", "clinician", "-f", "markdown", "--kb", kb],
        }
        for name, argv in runs.items():
            result = runner.invoke(app, argv)
            assert result.exit_code == 0, (name, result.stderr)
            if name in ("match", "stats", "export", "report"):
                assert version in result.stdout, name
    matched = json.loads(runner.invoke(app, ["match", case, "--kb", old_version]).stdout)
    assert matched["kb_version"] == old_version
    assert matched["kb_hash"] == get_index(old_version).info.content_hash
    assert matched["normalizer_version"]


def test_in_memory_index_has_a_hash() -> None:
    kb = get_index().kb
    assert KBIndex(kb).info.content_hash == get_index().info.content_hash


def test_export_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "snap.json.gz"
    result = runner.invoke(app, ["kb", "export", "--kb", "2026.12.1", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(gzip.decompress(out.read_bytes()))
    assert data["kb_version"] == "2026.12.1"
    assert runner.invoke(app, ["kb", "validate", str(out)]).exit_code == 0
    with pytest.raises(KBError):
        parse_snapshot(b"{}", "empty.json")


def test_kb_validate_runs_the_versioned_rules_on_current_data(monkeypatch) -> None:
    from onconav.kb.loader import default_kb_dir
    from onconav.kb.validate import validate_kb_dir

    current = get_index().kb.meta.kb_version
    for since, failing in ((current, True), ("2999.1.0", False)):
        rule = VersionedRule("provenance", since=since, check=_pretend_rule)
        monkeypatch.setattr("onconav.kb.snapshot.VERSIONED_RULES", [rule])
        problems = validate_kb_dir(default_kb_dir())
        assert bool(problems) is failing
        assert all("approved without provenance" in p.message for p in problems)
