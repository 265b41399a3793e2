"""Real cBioPortal and oncokb-annotator files from ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cohort.helpers import run, summary_json, table


@pytest.mark.slow
def test_cbioportal_egfr_cohort_reconciles(shared_dir: Path, tmp_path: Path) -> None:
    study = shared_dir / "data" / "luad_mskimpact_2021"
    out = tmp_path / "out"
    summary = run(
        out,
        maf=study / "data_mutations.txt",
        sv=study / "data_sv.txt",
        cna=study / "data_cna.txt",
        clinical=study / "data_clinical_sample.txt",
    )
    assert summary.rows_in == summary.rows_annotated + summary.rows_rejected
    for f in summary_json(out)["files"]:
        written = table(out / f["output"])
        assert len(written) == f["rows_in"]
        assert sum(r["ANNOTATED"] == "False" for r in written) == f["rows_rejected"]
    tumor = {r["SAMPLE_ID"]: r["TUMOR_TYPE"] for r in table(out / "samples.tsv")}
    rows = table(out / "annotated_mutations.tsv")
    l858r = [r for r in rows if r["Hugo_Symbol"] == "EGFR" and r["HGVSp_Short"] == "p.L858R"]
    luad = [r for r in l858r if tumor[r["Tumor_Sample_Barcode"]] == "LUAD"]
    assert luad
    assert all(r["HIGHEST_SENSITIVE_LEVEL"] == "LEVEL_1" for r in luad)
    # small cell (transformed) samples: no NSCLC indication applies, only the platinum-etoposide
    # of small cell transformation (KB 2026.12.4; levels ignore the line, as in OncoKB)
    sclc = [r for r in l858r if tumor[r["Tumor_Sample_Barcode"]] == "SCLC"]
    assert sclc
    assert all(r["LEVEL_1"] == "" for r in sclc)
    assert {r["LEVEL_2"] for r in sclc} == {"Carboplatin+Etoposide,Cisplatin+Etoposide"}
    t790m = [r for r in rows if r["Hugo_Symbol"] == "EGFR" and r["HGVSp_Short"] == "p.T790M"]
    assert all(r["HIGHEST_RESISTANCE_LEVEL"] == "LEVEL_R1" for r in t790m)
    assert summary.samples == 186


def test_oncokb_example_lung_sample(shared_dir: Path, tmp_path: Path) -> None:
    d = shared_dir / "data" / "oncokb-annotator"
    run(tmp_path / "out", maf=d / "example_maf.txt", clinical=d / "example_clinical.txt")
    rows = table(tmp_path / "out" / "annotated_mutations.tsv")
    kras = [r for r in rows if r["Hugo_Symbol"] == "KRAS"]
    assert len(kras) == 2
    assert all(r["HIGHEST_LEVEL"] == "LEVEL_1" for r in kras)  # LUAD sample; 3A in March 2021
    assert {r["Tumor_Sample_Barcode"] for r in rows} >= {"TCGA-05-4417-01"}
