"""Pass 2 writes annotation ids gathered from distinct annotations: every path agrees.

The TSV line copy (as is, or padded when rows are shorter than the header) and Parquet set one
annotation id beside each row; whichever path a file takes, each row's cells must be those of
its own sample and key.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.cohort.helpers import run, table
from tests.cohort.test_context_keys import _cohort


def _tsv(path: Path) -> pl.DataFrame:
    rows = table(path)
    return pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))


def test_parquet_cells_equal_tsv_cells(tmp_path: Path) -> None:
    files = _cohort(tmp_path, n_samples=400, seed=9)
    run(tmp_path / "tsv", **files)
    run(tmp_path / "pq", fmt="parquet", **files)
    for stem in ("annotated_mutations", "annotated_fusions", "annotated_cna"):
        tsv = _tsv(tmp_path / "tsv" / f"{stem}.tsv")
        pq = pl.read_parquet(tmp_path / "pq" / f"{stem}.parquet").fill_null("")
        assert tsv.height > 0
        assert pq.equals(tsv), stem


def test_short_rows_are_padded_and_keep_their_cells(tmp_path: Path) -> None:
    files = _cohort(tmp_path, n_samples=300, seed=3)
    run(tmp_path / "long", **files)
    maf = files["maf"]
    # the same rows with a trailing empty column: every row is one field short of the header
    lines = maf.read_text("utf-8").splitlines()
    short = tmp_path / "short.txt"
    short.write_text("\n".join([lines[0] + "\tExtra", *lines[1:]]) + "\n", encoding="utf-8")
    run(tmp_path / "short", **{**files, "maf": short})
    long = _tsv(tmp_path / "long" / "annotated_mutations.tsv")
    padded = _tsv(tmp_path / "short" / "annotated_mutations.tsv")
    assert padded["Extra"].unique().to_list() == [""]
    assert padded.drop("Extra").equals(long)


def test_each_row_gets_its_own_samples_cells(tmp_path: Path) -> None:
    # one key (EGFR L858R) in two samples, one of which also has T790M: two annotations
    maf = tmp_path / "m.txt"
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        "EGFR\tMissense_Mutation\tA\tp.L858R\n"
        "TTN\tMissense_Mutation\tA\tp.A10V\n"
        "EGFR\tMissense_Mutation\tB\tp.L858R\n"
        "EGFR\tMissense_Mutation\tB\tp.T790M\n"
        "EGFR\tMissense_Mutation\tA\tp.L858R\n",
        encoding="utf-8",
    )
    for fmt in ("tsv", "parquet"):
        out = tmp_path / fmt
        run(out, maf=maf, tumor_type="LUAD", fmt=fmt)
        path = out / f"annotated_mutations.{fmt}"
        df = _tsv(path) if fmt == "tsv" else pl.read_parquet(path).fill_null("")
        r1 = df["LEVEL_R1"].to_list()
        assert r1[0] == r1[4] == ""  # sample A: no resistance
        assert r1[1] == ""  # not a knowledge-base gene
        assert r1[3] != ""  # sample B's T790M
        assert df["LEVEL_1"][0] == df["LEVEL_1"][4] != df["LEVEL_1"][2]
