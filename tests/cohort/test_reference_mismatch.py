"""Cohort rows whose change contradicts the gene's reference sequence: rejected, in order.

A protein change naming a residue the MANE protein does not have (wrong residue, or past the
end), or an HGVSc naming the wrong base, is rejected with the code `reference-mismatch`: still
written in its place with no level, listed in rejected.tsv with its reason, and counted in
summary.json. HGVSc is read when HGVSp_Short and HGVSp are empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cohort.helpers import run, summary_json, table

HEADER = ["Tumor_Sample_Barcode", "Hugo_Symbol", "HGVSp_Short", "HGVSp", "HGVSc",
          "Variant_Classification"]  # fmt: skip
ROWS = [
    ("S1", "EGFR", "p.L858R", "", "", "Missense_Mutation"),
    ("S2", "EGFR", "p.Q858R", "", "", "Missense_Mutation"),  # residue 858 is L
    ("S3", "KRAS", "", "p.Gly13Cys", "", "Missense_Mutation"),  # readable: G13C
    ("S4", "BRAF", "", "p.Val800Glu", "", "Missense_Mutation"),  # residue 800 is not V
    ("S5", "TP53", "p.R1273H", "", "", "Missense_Mutation"),  # TP53 has 393 residues
    ("S6", "KRAS", "", "", "c.34A>T", "Missense_Mutation"),  # c.34 is G
    ("S7", "EGFR", "", "", "c.2235_2249del", "In_Frame_Del"),  # read from HGVSc
    ("S8", "ERBB2", "", "", "c.99999del", "Frame_Shift_Del"),  # past the CDS
    ("S9", "NTRK2", "p.R9999Q", "", "", "Missense_Mutation"),  # no NTRK2 protein shipped: kept
    ("S10", "EGFR", "p.R108K", "", "", "Missense_Mutation"),  # fits, but no known meaning
    ("S11", "ALK", "p.R9999Q", "", "", "Missense_Mutation"),  # ALK has 1620 residues
    ("S12", "MET", "", "p.Asp1246Asn", "", "Missense_Mutation"),  # NM_001127500 numbering
    ("S13", "NTRK1", "p.G595R", "", "", "Missense_Mutation"),  # fits: annotated
]
MISMATCHES = ["S2", "S4", "S5", "S6", "S8", "S11", "S12"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mismatch")
    maf = folder / "m.maf"
    lines = ["\t".join(HEADER), *("\t".join(r) for r in ROWS)]
    maf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(folder / "out", maf=maf, tumor_type="LUAD")
    return folder / "out"


def test_rows_kept_in_order_and_mismatches_not_annotated(out: Path) -> None:
    rows = table(out / "annotated_mutations.tsv")
    assert [r["Tumor_Sample_Barcode"] for r in rows] == [r[0] for r in ROWS]
    annotated = {r["Tumor_Sample_Barcode"]: r["ANNOTATED"] for r in rows}
    assert [s for s, a in annotated.items() if a == "False"] == MISMATCHES
    by_sample = {r["Tumor_Sample_Barcode"]: r for r in rows}
    for sample in MISMATCHES:
        assert by_sample[sample]["HIGHEST_LEVEL"] == ""
    assert by_sample["S7"]["ONCONAV_ALTERATION"] == "EGFR E746_A750del"
    assert by_sample["S3"]["ONCONAV_ALTERATION"] == "KRAS G13C"
    assert by_sample["S7"]["ONCONAV_CATEGORY"] == "driver"
    assert by_sample["S9"]["ONCONAV_CATEGORY"] == "unknown_significance"
    assert by_sample["S13"]["ONCONAV_ALTERATION"] == "NTRK1 G595R"
    assert by_sample["S13"]["ANNOTATED"] == "True"
    assert (by_sample["S10"]["ONCONAV_CATEGORY"], by_sample["S10"]["HIGHEST_LEVEL"]) == (
        "unknown_significance",
        "",
    )


def test_rejected_with_reasons(out: Path) -> None:
    rejected = {r["SAMPLE"]: r for r in table(out / "rejected.tsv")}
    assert set(rejected) == set(MISMATCHES)
    assert {r["CODE"] for r in rejected.values()} == {"reference-mismatch"}
    assert rejected["S2"]["REASON"] == "residue 858 of EGFR is L, not Q"
    assert rejected["S5"]["REASON"] == "TP53 has 393 residues"
    assert rejected["S6"]["REASON"] == "c.34 of KRAS is G, not A"
    assert "has 3768 bases" in rejected["S8"]["REASON"]
    assert rejected["S11"]["REASON"] == "ALK has 1620 residues"
    assert rejected["S12"]["REASON"] == "residue 1246 of MET is P, not D"


def test_counted_in_summary(out: Path) -> None:
    summary = summary_json(out)
    assert summary["rejected_by_reason"] == {"reference-mismatch": len(MISMATCHES)}
    assert summary["rows_in"] == len(ROWS)
    assert summary["rows_annotated"] + summary["rows_rejected"] == summary["rows_in"]
