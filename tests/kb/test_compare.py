"""`kb compare`: CIViC and MOAlmanac entries for NSCLC marked agree, disagree or not covered."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from onconav.kb.index import get_index
from onconav.match.peers import COLUMNS, compare_peers, read_civic
from tests.conftest import SHARED

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "tests" / "data" / "peers"
CIVIC = PEERS / "civic_evidence.tsv"
MOA = PEERS / "moalmanac"


@pytest.fixture(scope="module")
def table():
    return compare_peers(get_index(), civic=CIVIC, moalmanac=MOA)


def _by_ref(table) -> dict[tuple[str, str], object]:
    return {(r.entry.ref, " + ".join(r.entry.drugs)): r for r in table.rows}


def test_agreement_where_the_kb_says_the_same(table) -> None:
    rows = _by_ref(table)
    assert rows[("EID1", "Osimertinib")].status == "agree"  # A with an FDA source: 1/2; KB 1
    assert rows[("EID9", "Capmatinib")].status == "agree"
    assert rows[("EID2", "Gefitinib")].status == "agree"  # resistance B: R1; KB R1
    assert rows[("EID2", "Gefitinib")].entry.mapped == ("R1",)
    # A peer grading one trial (B: 3A) against an approved drug: onconav is stronger, agreed.
    lorlatinib = rows[("EID4", "Lorlatinib")]
    assert (lorlatinib.status, lorlatinib.how) == ("agree", "onconav stronger")
    assert lorlatinib.entry.alteration == "ALK G1202R"  # a mutation on the fusion, not the fusion
    # A position alone (I1171) is any change there; KB: alectinib resistance.
    assert rows[("EID12", "Alectinib")].entry.alteration == "ALK I1171X"
    assert rows[("EID12", "Alectinib")].status == "agree"
    # Exon-pair names of a fusion (E6;A20) are the fusion, not changes at E6 and A20.
    assert rows[("EID16", "Crizotinib")].entry.alteration == "ALK fusion"
    assert rows[("EID16", "Crizotinib")].status == "agree"


def test_the_most_specific_kb_entry_speaks(table) -> None:
    """FQEA is sensitive to erlotinib although the exon 20 insertion class is resistant."""
    rows = _by_ref(table)
    fqea = rows[("EID14", "Erlotinib")]
    assert fqea.entry.alteration == "EGFR A763_Y764insFQEA"
    assert (fqea.status, fqea.onconav_level) == ("agree", "3A")  # KB 2026.12.4: an indication
    other = rows[("EID15", "Erlotinib")]  # another insertion: the class entry, R1
    assert (other.status, other.how, other.onconav_level) == (
        "agree",
        "resistant, onconav stronger",
        "R1",
    )


def test_substitutes_split_and_combinations_stay_whole(table) -> None:
    rows = _by_ref(table)
    assert ("EID11", "Gefitinib") in rows
    assert ("EID11", "Erlotinib") in rows
    combo = rows[("EID13", "Erlotinib + Bevacizumab")]
    assert (
        combo.status == "agree"
        and "egfr-erlotinib-bevacizumab-first-line" in " ".join(combo.onconav_ids)
        or combo.onconav_ids
    )


def test_disagreements_say_how(table) -> None:
    rows = _by_ref(table)
    afatinib = rows[("EID3", "Afatinib")]
    assert afatinib.status == "disagree"
    assert afatinib.how == "opposite: peer sensitivity, onconav R1"
    s768i = rows[("EID8", "Erlotinib")]
    assert s768i.status == "disagree"
    assert s768i.how.startswith("peer: no benefit")
    kras = rows[("somatic_variant.tsv:4", "Gefitinib")]
    assert kras.status == "disagree"
    assert kras.how == "onconav weaker: resistance R2, peer Guideline (R1)"
    top = table.top_disagreements()
    assert len(top) == 3
    assert [r.importance for r, _ in top] == sorted((r.importance for r, _ in top), reverse=True)


def test_not_covered_and_scope(table) -> None:
    rows = _by_ref(table)
    assert rows[("EID6", "Cetuximab")].how.startswith("scope: not a DNA alteration")
    assert rows[("EID7", "Tanespimycin")].how == "scope: drug not in the KB (Tanespimycin)"
    assert rows[("rearrangement.tsv:3", "Vandetanib")].status == "not covered"
    msi = rows[("microsatellite_stability.tsv:2", "Pembrolizumab")]
    assert msi.status == "not covered"
    assert "scope" in msi.how


def test_nothing_dropped_silently(table) -> None:
    civic_rows = len(CIVIC.read_text().splitlines()) - 1
    substitutes = 1  # EID11 names two drugs
    civic = [r for r in table.rows if r.entry.peer == "civic"]
    skipped = sum(v for k, v in table.skipped.items() if k.startswith("civic"))
    assert len({r.entry.ref for r in civic}) + skipped == civic_rows
    assert len(civic) == civic_rows - skipped + substitutes
    counts = table.counts()
    assert sum(counts["civic"][k] for k in ("agree", "disagree", "not covered")) == len(civic)


def test_moalmanac_windows_1252_and_crlf(table) -> None:
    rows = _by_ref(table)
    t790m = rows[("somatic_variant.tsv:2", "Osimertinib")]
    assert t790m.entry.alteration == "EGFR p.T790M"
    assert t790m.status == "agree"
    gene_level = rows[("somatic_variant.tsv:3", "Erlotinib")]
    assert gene_level.status == "agree"
    assert gene_level.onconav_level == "1"
    assert not any(r.entry.ref == "somatic_variant.tsv:5" for r in table.rows)  # melanoma


def test_cli_writes_the_table_and_prints_counts(tmp_path: Path) -> None:
    out = tmp_path / "agreement.tsv"
    result = runner.invoke(app, ["kb", "compare", "--civic", str(CIVIC), "--moalmanac", str(MOA),
                                 "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "civic: 15 entries" in result.stdout
    assert "CIViC B: 3A" in result.stdout
    with out.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 21
    assert {r["status"] for r in rows} == {"agree", "disagree", "not covered"}
    data = json.loads(
        runner.invoke(app, ["kb", "compare", "--civic", str(CIVIC), "-f", "json"]).stdout
    )
    assert data["counts"]["civic"]["agree"] == 11 - 0
    assert "moalmanac" not in data["counts"]
    assert data["mapping"]["civic"]["B"] == ["3A"]
    md = runner.invoke(app, ["kb", "compare", "--moalmanac", str(MOA), "-f", "markdown"]).stdout
    assert md.startswith("# Agreement with peers (NSCLC)")


def test_bad_peer_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "civic.tsv"
    bad.write_text("gene\tvariant\nEGFR\tL858R\n")
    result = runner.invoke(app, ["kb", "compare", "--civic", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.stderr
    assert "column disease" in result.stderr
    empty = tmp_path / "moa"
    empty.mkdir()
    result = runner.invoke(app, ["kb", "compare", "--moalmanac", str(empty)])
    assert result.exit_code == 2
    assert "no MOAlmanac release files" in result.stderr
    assert runner.invoke(app, ["kb", "compare"]).exit_code == 2
    missing = runner.invoke(app, ["kb", "compare", "--civic", str(tmp_path / "none.tsv")])
    assert missing.exit_code == 2
    assert "none.tsv" in missing.stderr


@pytest.mark.parametrize("verb", [["kb", "versions"], ["kb", "diff"], ["kb", "compare"]])
def test_help_examples_of_the_kb_version_verbs_run(verb, monkeypatch, tmp_path: Path) -> None:
    text = runner.invoke(app, [*verb, "--help"], terminal_width=200).stdout
    examples = [x.strip() for x in text.splitlines() if x.strip().startswith("onconav ")]
    assert examples
    for name in ("tests", "src", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    for example in examples:
        result = runner.invoke(app, shlex.split(example)[1:])
        assert result.exit_code == 0, (example, result.output)


def _shared_peers() -> Path:
    data = SHARED / "data"
    if not ((data / "civic").is_dir() and (data / "moalmanac").is_dir()):
        pytest.skip("../shared/data (CIViC, MOAlmanac) is not present")
    return data


def test_on_the_shared_peer_releases(tmp_path: Path) -> None:
    data = _shared_peers()
    civic = sorted((data / "civic").glob("*ClinicalEvidenceSummaries.tsv"))[-1]
    table = compare_peers(get_index(), civic=civic, moalmanac=data / "moalmanac")
    counts = table.counts()
    entries, _ = read_civic(civic)
    assert sum(counts["civic"][k] for k in ("agree", "disagree", "not covered")) == len(entries)
    assert counts["civic"]["agree"] > counts["civic"]["disagree"] > 0
    assert counts["moalmanac"]["agree"] > 0
    assert len(table.top_disagreements()) == 10
