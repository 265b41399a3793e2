"""Rows reconcile: rows_in == rows_annotated + rows_rejected, each rejection counted and listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cohort.helpers import DATA, run, summary_json, table

MAF = DATA / "tiny.maf"
CLINICAL = DATA / "tiny_clinical.txt"


def _write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_reason_counted_listed_and_reconciled(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run(out, maf=MAF, clinical=CLINICAL, fusions=DATA / "tiny_fusions.txt")
    assert summary.rows_in == summary.rows_annotated + summary.rows_rejected
    assert dict(summary.rejected_by_reason) == {
        "missing-gene": 1,
        "unparsable-protein-change": 1,
        "unknown-sample": 1,
        "missing-sample": 1,
        "unparsable-fusion": 1,
    }
    rejected = table(out / "rejected.tsv")
    assert len(rejected) == summary.rows_rejected
    by_code = {r["CODE"]: r for r in rejected}
    assert by_code["unparsable-protein-change"]["LINE"] == "10"
    assert by_code["unparsable-protein-change"]["ALTERATION"] == "p.Zzz999"
    assert "tiny_clinical.txt" in by_code["unknown-sample"]["REASON"]
    assert by_code["unknown-sample"]["SAMPLE"] == "S9"
    assert by_code["missing-gene"]["LINE"] == "9"
    assert by_code["unparsable-fusion"]["FILE"].endswith("tiny_fusions.txt")
    annotated = table(out / "annotated_mutations.tsv") + table(out / "annotated_fusions.tsv")
    assert sum(r["ANNOTATED"] == "False" for r in annotated) == summary.rows_rejected
    for f in summary_json(out)["files"]:
        assert f["rows_in"] == f["rows_annotated"] + f["rows_rejected"]


def test_silent_row_of_kb_gene_is_not_rejected(tmp_path: Path) -> None:
    run(tmp_path / "out", maf=MAF, clinical=CLINICAL)
    silent = [
        r
        for r in table(tmp_path / "out" / "annotated_mutations.tsv")
        if r["HGVSp_Short"] == "p.L858="
    ]
    assert silent[0]["ANNOTATED"] == "True"
    assert silent[0]["ONCONAV_CATEGORY"] == "other"


def test_missing_protein_change(tmp_path: Path, workdir: Path) -> None:
    maf = _write(workdir, "m.maf", [
        "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification",
        "EGFR\tS1\t\tMissense_Mutation",
        "EGFR\tS1\t\t5'Flank",
        "TTN\tS1\t\tMissense_Mutation",
    ])  # fmt: skip
    summary = run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    assert dict(summary.rejected_by_reason) == {"missing-protein-change": 1}


def test_tumor_type_rejections_touch_only_kb_rows(tmp_path: Path, workdir: Path) -> None:
    maf = _write(workdir, "m.maf", [
        "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tONCOTREE_CODE",
        "EGFR\tS1\tp.L858R\tNOT_A_CODE",
        "TTN\tS1\tp.A1T\tNOT_A_CODE",
        "EGFR\tS2\tp.L858R\t",
        "TTN\tS2\tp.A1T\t",
    ])  # fmt: skip
    summary = run(tmp_path / "out", maf=maf)
    assert dict(summary.rejected_by_reason) == {"unknown-tumor-type": 1, "missing-tumor-type": 1}
    samples = {r["SAMPLE_ID"]: r for r in table(tmp_path / "out" / "samples.tsv")}
    assert "unknown tumor type 'NOT_A_CODE'" in samples["S1"]["NOTE"]
    assert "no tumor type" in samples["S2"]["NOTE"]


def test_default_tumor_type_fills_the_gaps(tmp_path: Path, workdir: Path) -> None:
    maf = _write(workdir, "m.maf", [
        "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tONCOTREE_CODE",
        "EGFR\tS2\tp.L858R\t",
    ])  # fmt: skip
    summary = run(tmp_path / "out", maf=maf, tumor_type="lung adenocarcinoma")
    assert summary.rows_rejected == 0
    assert summary.tumor_type_default == "LUAD"


def test_staged_marked_rows_show_rejected_rows_as_held_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rejected rows read the cells that show them back from pass 1's staged file.

    The same inputs with the marked rows held in memory (no work folder) give the same
    rejected.tsv and the same rows, for reasons of every kind: row-level (missing gene,
    missing or unknown sample), key-level (unparsable change) and fusions.
    """
    import onconav.cohort.annotate as annotate_module
    from onconav.cohort import scan

    staged: list[scan.KeyScan] = []

    layers: list[Any] = []

    def spy(layer: Any, *args: Any) -> scan.KeyScan:
        found = scan.scan_keys(layer, *args)
        staged.append(found)
        layers.append(layer)
        return found

    inputs: dict[str, Any] = {
        "maf": MAF,
        "clinical": CLINICAL,
        "fusions": DATA / "tiny_fusions.txt",
    }
    monkeypatch.setattr(annotate_module, "scan_keys", spy)
    run(tmp_path / "staged", **inputs)
    assert staged
    assert all(s.staged is not None for s in staged)
    assert all("GENE" not in s.marked.columns for s in staged)
    # (nor the key cells: they are read from the file as they stream, `scan.key_rows`)
    keys = [scan.key_names(layer) for layer in layers]
    assert all(not set(k) & set(s.marked.columns) for k, s in zip(keys, staged, strict=True))

    def held(*args: Any) -> scan.KeyScan:
        return scan.scan_keys(*args[:3], None)

    monkeypatch.setattr(annotate_module, "scan_keys", held)
    run(tmp_path / "held", **inputs)
    for name in ("rejected.tsv", "annotated_mutations.tsv", "annotated_fusions.tsv"):
        assert (tmp_path / "staged" / name).read_bytes() == (tmp_path / "held" / name).read_bytes()
    assert len(table(tmp_path / "held" / "rejected.tsv")) == 5


@pytest.mark.parametrize("missing", [(), ("S3",), ("S1", "S4")])
def test_every_row_of_a_sample_missing_from_the_clinical_file_is_rejected(
    tmp_path: Path, missing: tuple[str, ...]
) -> None:
    # (the samples missing from the clinical file are found from pass 1's counts: its rows in
    # knowledge-base genes and in other genes alike are rejected, with their lines)
    rows = [
        ("S1", "EGFR", "p.L858R"), ("S2", "TP53", "p.R273H"), ("S3", "KRAS", "p.G12C"),
        ("S3", "TP53", "p.R175H"), ("S4", "CDH1", "p.A778S"), ("S1", "FOXA1", "p.D336Y"),
        ("S2", "BRAF", "p.V600E"), ("S4", "ALK", "p.F1174L"),
    ]  # fmt: skip
    maf = _write(tmp_path, "m.maf", ["Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short",
                                     *("\t".join((g, s, p)) for s, g, p in rows)])  # fmt: skip
    listed = [s for s in ("S1", "S2", "S3", "S4") if s not in missing]
    clinical = _write(tmp_path, "c.txt", ["SAMPLE_ID\tONCOTREE_CODE",
                                          *(f"{s}\tLUAD" for s in listed)])  # fmt: skip
    out = tmp_path / "out"
    summary = run(out, maf=maf, clinical=clinical)
    expected = [i + 2 for i, (s, _, _) in enumerate(rows) if s in missing]
    rejected = table(out / "rejected.tsv")
    assert [int(r["LINE"]) for r in rejected] == expected
    assert {r["CODE"] for r in rejected} <= {"unknown-sample"}
    assert [r["SAMPLE"] for r in rejected] == [rows[n - 2][0] for n in expected]
    assert summary.rows_rejected == len(expected)
    assert summary.rows_annotated == len(rows) - len(expected)
    annotated = table(out / "annotated_mutations.tsv")
    flags = [r["ANNOTATED"] for r in annotated]
    assert flags == ["False" if s in missing else "True" for s, _, _ in rows]
