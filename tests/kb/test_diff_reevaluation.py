"""Re-evaluation against two KBs that differ in known ways: `match --compare-kb`, `annotate --compare`."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from tests.kbchanges import write_pair

runner = CliRunner()
COHORT = Path(__file__).resolve().parents[1] / "data" / "cohort"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    return write_pair(tmp_path_factory.mktemp("kbpair"))


def _compare(pair, *argv: str) -> list[dict]:
    old, new = pair
    result = runner.invoke(app, ["match", *argv, "--kb", str(old), "--compare-kb", str(new)])
    assert result.exit_code == 0, result.stderr
    return (
        [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        if (result.stdout.lstrip().startswith("{") and "\n{" in result.stdout)
        else [json.loads(result.stdout)]
    )


def test_an_indication_removed_makes_its_option_disappear(pair) -> None:
    (delta,) = _compare(pair, "-a", "EML4::ALK", "-t", "LUAD")
    assert delta["kb_before"]["kb_version"] == "2099.1.0"
    assert delta["kb_after"]["kb_version"] == "2099.1.1"
    assert delta["changed"]
    gone = [c for c in delta["changes"] if c["change"] == "removed"]
    assert [c["drugs"] for c in gone] == ["alectinib"]
    assert gone[0]["before"]["indication_id"] == "alk-alectinib-first-line"


def test_a_level_change_shows_before_and_after(pair) -> None:
    (delta,) = _compare(pair, "-a", "KRAS G12C", "-t", "LUAD", "--prior", "carboplatin+pemetrexed")
    changed = {c["drugs"]: c for c in delta["changes"]}
    assert changed["adagrasib"]["change"] == "changed"
    assert changed["adagrasib"]["before"]["level"] == "1"
    assert changed["adagrasib"]["after"]["level"] == "2"
    assert "sotorasib" not in changed


def test_a_resistance_entry_added_puts_the_drug_on_the_avoid_list(pair) -> None:
    (delta,) = _compare(pair, "-a", "KRAS G12C", "-a", "KRAS Y96S", "-t", "LUAD",
                        "--prior", "carboplatin+pemetrexed")  # fmt: skip
    avoid = [c for c in delta["changes"] if c["kind"] == "avoid"]
    assert [(c["change"], c["drugs"]) for c in avoid] == [("added", "sotorasib")]
    assert avoid[0]["after"]["level"] == "R2"


def test_an_unaffected_case_has_no_change_and_several_cases_print_one_line_each(pair) -> None:
    cases = [str(ROOT / "examples" / n) for n in ("egfr_l858r_first_line.json", "braf_v600e.json",
                                                  "alk_first_line.json")]  # fmt: skip
    old, new = pair
    result = runner.invoke(app, ["match", *cases, "--kb", str(old), "--compare-kb", str(new)])
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [d["changed"] for d in lines] == [False, False, True]
    text = runner.invoke(app, ["match", *cases, "--kb", str(old), "--compare-kb", str(new),
                               "-f", "text"]).stdout  # fmt: skip
    assert "option gone: alectinib" in text
    assert text.count("no change") == 2
    md = runner.invoke(app, ["match", cases[2], "--kb", str(old), "--compare-kb", str(new),
                             "-f", "markdown"]).stdout  # fmt: skip
    assert md.startswith("# Re-evaluation: KB 2099.1.0")
    assert "- option gone: alectinib" in md


def test_compare_kb_that_is_no_kb_exits_2(pair) -> None:
    old, _ = pair
    result = runner.invoke(app, ["match", "-a", "EGFR L858R", "-t", "LUAD", "--kb", str(old),
                                 "--compare-kb", "no/such/kb"])  # fmt: skip
    assert result.exit_code == 2
    assert "no/such/kb" in result.stderr


# -- annotate --compare ----------------------------------------------------------------------


def _annotate(out: Path, kb: Path | str, *extra: str) -> object:
    return runner.invoke(app, [
        "annotate", "--maf", str(COHORT / "tiny.maf"), "--fusions", str(COHORT / "tiny_fusions.txt"),
        "--clinical", str(COHORT / "tiny_clinical.txt"), "--out", str(out), "--no-plots",
        "--kb", str(kb), *extra,
    ])  # fmt: skip


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {r["SAMPLE_ID"]: r for r in csv.DictReader(handle, delimiter="\t")}


def test_annotate_compare_lists_the_changed_samples_and_why(pair, tmp_path: Path) -> None:
    old, new = pair
    first = tmp_path / "first"
    assert _annotate(first, old).exit_code == 0
    summary = json.loads((first / "summary.json").read_text())
    assert summary["kb_version"] == "2099.1.0"
    assert summary["kb_hash"].startswith("sha256:")
    assert summary["normalizer_version"]
    second = tmp_path / "second"
    result = _annotate(second, new, "--compare", str(first), "--kb-old", str(old))
    assert result.exit_code == 0, result.stderr
    assert "changes.tsv" in result.stdout
    assert stat.S_IMODE((second / "changes.tsv").stat().st_mode) == 0o600  # patient samples
    rows = _rows(second / "changes.tsv")
    # S2: KRAS G12C, adagrasib moved to level 2. S5 (EML4-ALK) keeps alectinib at level 1
    # through its later-line indication (cohort levels ignore the line, as OncoKB's do), so
    # removing the first-line entry changes nothing there; S1, S3 and S4 are untouched.
    assert set(rows) == {"S2"}
    assert rows["S2"]["CHANGE"] == "changed"
    assert rows["S2"]["HIGHEST_LEVEL_BEFORE"] == rows["S2"]["HIGHEST_LEVEL_AFTER"] == "LEVEL_1"
    assert "Adagrasib" in rows["S2"]["LEVEL_1_OPTIONS_BEFORE"]
    assert "Adagrasib" not in rows["S2"]["LEVEL_1_OPTIONS_AFTER"]
    assert "kras-g12c-adagrasib-later changed (level 1 -> 2)" in rows["S2"]["WHY"]
    assert "alectinib" not in rows["S2"]["WHY"]
    s5 = _rows(second / "samples.tsv")["S5"]
    assert "Alectinib" in s5["LEVEL_1_OPTIONS"]


def test_annotate_compare_lists_only_the_affected_sample(pair, tmp_path: Path) -> None:
    """K1 (KRAS G12C) loses adagrasib at level 1; K2 (KRAS G12D) is not touched."""
    old, new = pair
    maf = tmp_path / "kras.maf"
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        "KRAS\tMissense_Mutation\tK1\tp.G12C\nKRAS\tMissense_Mutation\tK2\tp.G12D\n"
    )
    args = ["annotate", "--maf", str(maf), "-t", "LUAD", "--no-plots"]
    assert runner.invoke(app, [*args, "-o", str(tmp_path / "a"), "--kb", str(old)]).exit_code == 0
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "b"), "--kb", str(new), "--compare",
                                 str(tmp_path / "a"), "--kb-old", str(old)])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = _rows(tmp_path / "b" / "changes.tsv")
    assert set(rows) == {"K1"}


def test_annotate_compare_needs_the_old_kb(pair, tmp_path: Path) -> None:
    old, new = pair
    first = tmp_path / "first"
    assert _annotate(first, old).exit_code == 0
    result = _annotate(tmp_path / "second", new, "--compare", str(first))
    assert result.exit_code == 2
    assert "2099.1.0" in result.stderr
    assert "--kb-old" in result.stderr
    assert not (tmp_path / "second").exists()  # nothing half-written
    wrong = _annotate(tmp_path / "third", new, "--compare", str(first), "--kb-old", str(new))
    assert wrong.exit_code == 2
    assert "not 2099.1.1" in wrong.stderr


def test_annotate_compare_with_a_shipped_version_and_the_same_folder(tmp_path: Path) -> None:
    first = tmp_path / "out"
    assert _annotate(first, "2026.11.2").exit_code == 0
    # --out may be the folder compared against: it is read before it is replaced.
    result = _annotate(first, "2026.11.2", "--compare", str(first))
    assert result.exit_code == 0, result.stderr
    assert list(_rows(first / "changes.tsv")) == []
    assert "0 sample(s) changed" in result.stdout


@pytest.mark.parametrize("damage", ["no-summary", "no-version", "no-samples"])
def test_annotate_compare_with_a_folder_that_is_no_output(
    pair, tmp_path: Path, damage: str
) -> None:
    old, _ = pair
    first = tmp_path / "first"
    assert _annotate(first, old).exit_code == 0
    if damage == "no-summary":
        (first / "summary.json").unlink()
    elif damage == "no-version":
        (first / "summary.json").write_text("{}")
    else:
        (first / "samples.tsv").unlink()
    result = _annotate(tmp_path / "second", old, "--compare", str(first), "--kb-old", str(old))
    assert result.exit_code == 2
    assert str(first) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
