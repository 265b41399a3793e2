"""The output folder: written whole or not at all; summary, samples, plots, Parquet."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest

from onconav.cohort import output
from onconav.cohort.columns import ANNOTATION_COLUMNS, REJECTED_COLUMNS, SAMPLE_COLUMNS
from onconav.errors import CohortInputError
from tests.cohort.helpers import DATA, run, summary_json, table

MAF = DATA / "tiny.maf"
CLINICAL = DATA / "tiny_clinical.txt"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_all_outputs_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inputs = {"maf": MAF, "fusions": DATA / "tiny_fusions.txt", "sv": DATA / "tiny_sv.txt",
              "cna": DATA / "tiny_cna.txt", "clinical": CLINICAL}  # fmt: skip
    summary = run(out, plots=True, **inputs)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for kind in ("mutations", "fusions", "sv", "cna"):
        assert f"annotated_{kind}.tsv" in names
    for plot in ("samples_by_level", "actionable_genes", "oncoprint"):
        assert {f"plots/{plot}.png", f"plots/{plot}.svg"} <= names
        assert (out / "plots" / f"{plot}.png").read_bytes()[:4] == b"\x89PNG"
    assert {"samples.tsv", "rejected.tsv", "summary.json"} <= names
    assert not _leftovers(tmp_path)  # no staging folder left behind
    data = summary_json(out)
    for key in ("rows_in", "rows_annotated", "rows_rejected", "rejected_by_reason", "samples",
                "samples_by_highest_level", "samples_by_gene", "kb_version", "kb_date",
                "onconav_version", "disclaimer"):  # fmt: skip
        assert key in data
    assert data["rows_in"] == data["rows_annotated"] + data["rows_rejected"]
    assert data["samples"] == 5 == sum(data["samples_by_highest_level"].values())
    assert data["samples_by_gene"]["EGFR"] == 2
    assert summary.outputs == data["outputs"]
    assert table(out / "samples.tsv")[0].keys() == set(SAMPLE_COLUMNS)
    assert list(table(out / "rejected.tsv")[0]) == list(REJECTED_COLUMNS)


def test_parquet(tmp_path: Path) -> None:
    run(tmp_path / "tsv", maf=MAF, clinical=CLINICAL)
    run(tmp_path / "pq", maf=MAF, clinical=CLINICAL, fmt="parquet")
    frame = pl.read_parquet(tmp_path / "pq" / "annotated_mutations.parquet")
    header = (tmp_path / "tsv" / "annotated_mutations.tsv").read_text().splitlines()[0]
    assert frame.columns == header.split("\t")
    assert frame.columns[-len(ANNOTATION_COLUMNS) :] == list(ANNOTATION_COLUMNS)
    tsv = table(tmp_path / "tsv" / "annotated_mutations.tsv")
    assert frame["LEVEL_1"].fill_null("").to_list() == [r["LEVEL_1"] for r in tsv]
    assert (tmp_path / "pq" / "samples.parquet").is_file()
    assert (tmp_path / "pq" / "rejected.parquet").is_file()


def test_duplicate_column_names_kept_in_tsv(tmp_path: Path, workdir: Path) -> None:
    maf = workdir / "dup.maf"
    maf.write_text(
        "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tnote\tnote\nEGFR\tS1\tp.L858R\ta\tb\n"
    )
    run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    lines = (tmp_path / "out" / "annotated_mutations.tsv").read_text().splitlines()
    assert lines[0].split("\t")[:5] == [
        "Hugo_Symbol",
        "Tumor_Sample_Barcode",
        "HGVSp_Short",
        "note",
        "note",
    ]
    assert lines[1].split("\t")[3:5] == ["a", "b"]
    with pytest.raises(CohortInputError, match="Parquet"):
        run(tmp_path / "pq", maf=maf, tumor_type="LUAD", fmt="parquet")


def test_failed_run_leaves_nothing(tmp_path: Path, workdir: Path) -> None:
    bad = workdir / "bad.maf"
    bad.write_bytes(MAF.read_bytes() + b"EGFR\t1\tMissense_Mutation\tS1\tp.L858R\t\t1\tcaf\xe9\n")
    with pytest.raises(CohortInputError):
        run(tmp_path / "out", maf=bad, fusions=DATA / "tiny_fusions.txt", tumor_type="LUAD")
    assert not (tmp_path / "out").exists()
    assert not _leftovers(tmp_path)


def test_failure_keeps_the_previous_output(tmp_path: Path, workdir: Path) -> None:
    out = tmp_path / "out"
    run(out, maf=MAF, clinical=CLINICAL)
    before = (out / "annotated_mutations.tsv").read_bytes()
    with pytest.raises(CohortInputError):
        run(out, maf=workdir / "missing.maf", tumor_type="LUAD")
    assert (out / "annotated_mutations.tsv").read_bytes() == before
    assert not _leftovers(tmp_path)


def test_rerun_replaces_an_earlier_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(out, maf=MAF, clinical=CLINICAL, fusions=DATA / "tiny_fusions.txt")
    run(out, maf=MAF, clinical=CLINICAL)
    assert not (out / "annotated_fusions.tsv").exists()
    assert not _leftovers(tmp_path)


def test_refuses_an_unrelated_folder(tmp_path: Path) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(CohortInputError, match="not an onconav output"):
        run(out, maf=MAF, tumor_type="LUAD")
    assert (out / "thesis.tex").read_text() == "precious"
    file_out = tmp_path / "file"
    file_out.write_text("x")
    with pytest.raises(CohortInputError, match="not a folder"):
        output.check_out(file_out)


@pytest.mark.parametrize("fmt", ["tsv", "parquet"])
def test_outputs_are_the_owners_alone(tmp_path: Path, fmt: str) -> None:
    """Every output holds patient data: the folders 0700, the files 0600, whatever the umask.

    Polars, pyarrow and matplotlib create files with the umask (0644 under 022); tables,
    samples, rejected rows, plots, summary and report are all checked.
    """
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        run(out, maf=MAF, fusions=DATA / "tiny_fusions.txt", cna=DATA / "tiny_cna.txt",
            clinical=CLINICAL, plots=True, fmt=fmt)  # fmt: skip
    finally:
        os.umask(old)
    files = [p for p in out.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {f"annotated_mutations.{fmt}", f"samples.{fmt}", "report.html", "oncoprint.png"} <= names
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}
    folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {oct(0o700)}
