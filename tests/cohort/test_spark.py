"""The Spark engine writes what the Polars engine writes (local mode; skipped without Java).

Under ONCONAV_REQUIRE_SPARK=1 (CI) a skip here fails (tests/cohort/conftest.py).
"""

from __future__ import annotations

import bz2
import filecmp
import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from onconav.cohort import CohortInputs, annotate_cohort
from onconav.errors import CohortInputError
from tests.cohort.helpers import DATA, bgzf, bgzf_blocks, gz, table

_TABLES = ("annotated_mutations", "annotated_fusions", "annotated_sv", "annotated_cna",
           "annotated_vcf", "samples", "rejected")  # fmt: skip

# Rows beyond tiny.maf's: a NUL byte, a short row, comment lines in the body, a CRLF line end,
# an empty line, a sample missing from the clinical file, an unreadable change in a KB gene.
_EXTRA = (
    "KRAS\t3845\tMissense_Mutation\tS4\tp.G12D\tp.Gly12Asp\t4\tnul\x00here\n"
    "# a comment line in the body\n"
    "ALK\t238\tMissense_Mutation\tS1\tp.F1174L\n"
    "#\n"
    "EGFR\t1956\tIn_Frame_Del\tS5\tp.E746_A750del\tp.Glu746_Ala750del\t7\tcrlf\r\n"
    "\n"
    "ERBB2\t2064\tMissense_Mutation\tS7\tp.S310F\tp.Ser310Phe\t3\t\n"
    "MET\t4233\tMissense_Mutation\tS2\tp.???\t\t2\t\n"
)


def _maf(folder: Path, name: str = "cohort.maf") -> Path:
    path = folder / name
    path.write_bytes((DATA / "tiny.maf").read_bytes() + _EXTRA.encode())
    return path


def _both(spark: Any, tmp: Path, inputs: CohortInputs, fmt: str = "tsv") -> tuple[Path, Path]:
    from onconav.cohort.spark import annotate

    polars_out, spark_out = tmp / "polars", tmp / "spark"
    annotate_cohort(inputs, polars_out, fmt=fmt, plots=False, report_html=False)  # type: ignore[arg-type]
    annotate(spark, inputs, spark_out, fmt=fmt, plots=False, report_html=False)  # type: ignore[arg-type]
    return polars_out, spark_out


def _same_files(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name
    return names


def test_engines_write_the_same_files(spark: Any, tmp_path: Path) -> None:
    """MAF (plain), fusions, SV, long copy number (gzip), GISTIC matrix, clinical: byte-equal."""
    folder = tmp_path / "in"
    folder.mkdir()
    inputs = CohortInputs(
        maf=_maf(folder), fusions=gz(DATA / "tiny_fusions.txt", folder), sv=DATA / "tiny_sv.txt",
        cna=gz(DATA / "tiny_cna_long.txt", folder, members=3),
        clinical=DATA / "tiny_clinical.txt", tumor_type="LUAD",
    )  # fmt: skip
    a, b = _both(spark, tmp_path, inputs)
    names = _same_files(a, b)
    assert {"annotated_mutations.tsv", "annotated_cna.tsv", "rejected.tsv"} <= set(names)
    summary = json.loads((b / "summary.json").read_text())
    assert summary["rows_in"] == summary["rows_annotated"] + summary["rows_rejected"]
    codes = {r["CODE"] for r in table(b / "rejected.tsv")}
    assert {"nul-byte", "unknown-sample", "missing-gene"} <= codes
    rows = table(b / "annotated_mutations.tsv")
    assert "\ufffd" in "".join(r['Note "quoted"'] for r in rows)


def test_lines_count_comment_lines(spark: Any, tmp_path: Path) -> None:
    """A '#' line in the body is skipped but counted: rejected.tsv names the file's own line."""
    from onconav.cohort.spark import annotate

    maf = tmp_path / "c.maf"
    text = (
        DATA / "tiny.maf"
    ).read_text() + "# note\n# note\nALK\t238\tMissense_Mutation\t\tp.F1174L\n"
    maf.write_text(text)
    annotate(spark, CohortInputs(maf=maf, tumor_type="LUAD"), tmp_path / "o", plots=False)
    rejected = table(tmp_path / "o" / "rejected.tsv")
    last = len(text.splitlines())
    assert [r["LINE"] for r in rejected if r["GENE"] == "ALK"] == [str(last)]
    assert text.splitlines()[last - 1].startswith("ALK")


def test_matrix_cna_and_vcf_are_handed_over_from_the_driver(spark: Any, tmp_path: Path) -> None:
    inputs = CohortInputs(vcf=DATA / "tiny_vep.vcf", sample_ids=("S1",), cna=DATA / "tiny_cna.txt",
                          tumor_type="LUAD")  # fmt: skip
    a, b = _both(spark, tmp_path, inputs)
    assert {"annotated_vcf.tsv", "annotated_cna.tsv"} <= set(_same_files(a, b))


def test_a_glob_of_gzip_parts_is_one_input_with_lines_per_file(spark: Any, tmp_path: Path) -> None:
    """Split files keep their own line numbers in rejected.tsv; rows come in file order."""
    from onconav.cohort.spark import annotate

    whole = _maf(tmp_path)
    lines = whole.read_bytes().splitlines(keepends=True)
    meta, header, body = lines[0], lines[1], lines[2:]
    parts = tmp_path / "parts"
    parts.mkdir()
    cuts = [0, 5, 11, len(body)]
    for k in range(3):
        with gzip.open(parts / f"part{k}.maf.gz", "wb") as fh:
            fh.write(meta + header + b"".join(body[cuts[k] : cuts[k + 1]]))
    clinical = DATA / "tiny_clinical.txt"
    annotate_cohort(CohortInputs(maf=whole, clinical=clinical), tmp_path / "polars", plots=False,
                    report_html=False)  # fmt: skip
    summary = annotate(spark, CohortInputs(maf=Path(str(parts / "*.maf.gz")), clinical=clinical),
                       tmp_path / "spark", plots=False, report_html=False)  # fmt: skip
    assert summary.rows_in == len([b for b in body if not b.startswith(b"#")])
    polars_rows = (tmp_path / "polars" / "annotated_mutations.tsv").read_bytes()
    assert (tmp_path / "spark" / "annotated_mutations.tsv").read_bytes() == polars_rows
    expected = []
    for r in table(tmp_path / "polars" / "rejected.tsv"):
        i = int(r["LINE"]) - 3  # (index in the body: meta and header lines come first)
        k = next(k for k in range(3) if cuts[k] <= i < cuts[k + 1])
        expected.append({**r, "FILE": str(parts / f"part{k}.maf.gz"), "LINE": str(i - cuts[k] + 3)})
    assert table(tmp_path / "spark" / "rejected.tsv") == expected
    assert len(expected) >= 4


def test_a_plain_file_split_in_blocks_and_batches_keeps_its_rows(
    spark: Any, tmp_path: Path
) -> None:
    """Many blocks a file, many Arrow batches a block: the same rows, lines and padding.

    Each block's lines are numbered across the batches of its partition and offset by the
    blocks before it; the odd rows (a NUL, a short row, a CRLF end, an empty line) fall in
    several blocks, some of which end in the middle of a row or start with one; comment
    lines are skipped but counted in line numbers.
    """
    whole = _maf(tmp_path)
    lines = whole.read_bytes().splitlines(keepends=True)
    head, body = lines[:2], lines[2:]
    maf = tmp_path / "big.maf"
    maf.write_bytes(b"".join(head + body * 60))
    conf = spark.conf
    before = {k: conf.get(k) for k in ("spark.sql.files.maxPartitionBytes",
                                       "spark.sql.execution.arrow.maxRecordsPerBatch")}  # fmt: skip
    conf.set("spark.sql.files.maxPartitionBytes", str(maf.stat().st_size // 7))
    conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "37")
    try:
        a, b = _both(spark, tmp_path, CohortInputs(maf=maf, clinical=DATA / "tiny_clinical.txt"))
    finally:
        for k, v in before.items():
            conf.set(k, v)
    assert _same_files(a, b)
    summary = json.loads((b / "summary.json").read_text())
    assert summary["rows_in"] == sum(not line.startswith(b"#") for line in body) * 60
    assert summary["rows_in"] == summary["rows_annotated"] + summary["rows_rejected"]
    codes = [r["CODE"] for r in table(b / "rejected.tsv")]
    assert codes.count("nul-byte") == 60


def test_parquet_is_a_dataset_of_the_same_rows(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    inputs = CohortInputs(maf=_maf(folder), clinical=DATA / "tiny_clinical.txt")
    a, b = _both(spark, tmp_path, inputs, fmt="parquet")
    dataset = b / "annotated_mutations.parquet"
    assert dataset.is_dir()
    assert all(p.suffix == ".parquet" for p in dataset.iterdir())
    want = pl.read_parquet(a / "annotated_mutations.parquet")
    got = pl.read_parquet(dataset / "*.parquet").select(want.columns)
    assert got.sort(pl.all()).equals(want.sort(pl.all()))
    for name in ("samples.parquet", "rejected.parquet"):
        assert pl.read_parquet(b / name).equals(pl.read_parquet(a / name))


def _same_error(spark: Any, tmp: Path, inputs: CohortInputs) -> CohortInputError:
    """Both engines refuse `inputs` with the same message, and leave no output behind."""
    from onconav.cohort.spark import annotate

    with pytest.raises(CohortInputError) as polars_error:
        annotate_cohort(inputs, tmp / "o1", plots=False)
    with pytest.raises(CohortInputError) as spark_error:
        annotate(spark, inputs, tmp / "o2", plots=False)
    assert str(spark_error.value) == str(polars_error.value)
    assert not (tmp / "o1").exists()
    assert not (tmp / "o2").exists()
    return spark_error.value


@pytest.mark.parametrize(
    "bad",
    [
        b"EGFR\t1\tMissense_Mutation\tS1\tp.L858R\tx\t1\tn\textra\n",
        b"EGFR\t1\tMissense_Mutation\tS\xff1\tp.L858R\tx\t1\tn\n",
    ],
)
def test_unreadable_rows_are_located_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, bad: bytes
) -> None:
    path = tmp_path / "bad.maf"
    path.write_bytes(_maf(tmp_path).read_bytes() + bad)
    _same_error(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD"))


def _copies(folder: Path, differ_at: int | None) -> Path:
    """A MAF with Amino_Acid_Change written twice, alike in every row but `differ_at`."""
    lines = ["Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tAmino_Acid_Change\t"
             "Variant_Classification\tAmino_Acid_Change"]  # fmt: skip
    for i in range(3000):  # (past the lines the driver reads for the header)
        gene, change = (("EGFR", "p.L858R"), ("KRAS", "p.G12C"), ("TP53", "p.R273H"))[i % 3]
        other = "p.X1Y" if i == differ_at else change
        lines.append(f"{gene}\tS{i // 5}\t{change}\t{change}\tMissense_Mutation\t{other}")
    path = folder / f"copies-{differ_at}.maf"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("differ_at", [2, 2500, None])
def test_copied_columns_are_checked_in_every_row_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, differ_at: int | None
) -> None:
    inputs = CohortInputs(maf=_copies(tmp_path, differ_at), tumor_type="LUAD")
    if differ_at is None:
        _same_files(*_both(spark, tmp_path, inputs))
        return
    assert "more than once" in str(_same_error(spark, tmp_path, inputs))


def test_a_truncated_gzip_is_an_input_error(spark: Any, tmp_path: Path) -> None:
    from onconav.cohort.spark import annotate

    packed = gz(_maf(tmp_path), tmp_path)
    cut = tmp_path / "cut.maf.gz"
    cut.write_bytes(packed.read_bytes()[: packed.stat().st_size * 2 // 3])
    with pytest.raises(CohortInputError) as err:
        annotate(spark, CohortInputs(maf=cut, tumor_type="LUAD"), tmp_path / "o", plots=False)
    assert str(cut) in str(err.value)
    assert not (tmp_path / "o").exists()


# A BGZF file cut between two blocks is valid gzip: Spark reads what is left as if whole.
@pytest.mark.parametrize(("kind", "fixture"), [("maf", "tiny.maf"), ("fusions", "tiny_fusions.txt"),
                                               ("sv", "tiny_sv.txt"), ("cna", "tiny_cna_long.txt")])  # fmt: skip
def test_a_bgzf_file_cut_between_blocks_is_refused_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, kind: str, fixture: str
) -> None:
    cut = tmp_path / f"{fixture}.gz"
    cut.write_bytes(bgzf_blocks((DATA / fixture).read_bytes(), 2))
    err = _same_error(spark, tmp_path, CohortInputs(**{kind: cut}, tumor_type="LUAD"))  # type: ignore[arg-type]
    assert "BGZF end-of-file block is missing" in str(err)
    assert err.line is not None
    assert err.line > 1


def test_a_cut_file_among_several_is_named(spark: Any, tmp_path: Path) -> None:
    from onconav.cohort.spark import annotate

    folder = tmp_path / "in"
    folder.mkdir()
    raw = (DATA / "tiny.maf").read_bytes()
    gz(DATA / "tiny.maf", folder)
    cut = folder / "z_cut.maf.gz"
    cut.write_bytes(bgzf_blocks(raw, 1))
    with pytest.raises(CohortInputError, match="end-of-file block") as err:
        annotate(spark, CohortInputs(maf=folder, tumor_type="LUAD"), tmp_path / "o", plots=False)
    assert err.value.file == str(cut)
    assert not (tmp_path / "o").exists()


# Spark drops line ends, so a last line cut short would be read as a row with empty cells.
@pytest.mark.parametrize(("kind", "fixture", "keep"), [
    ("maf", "tiny.maf", 2), ("maf", "tiny.maf", 1), ("fusions", "tiny_fusions.txt", 1),
    ("sv", "tiny_sv.txt", 3),
])  # fmt: skip
def test_a_last_line_cut_short_is_refused_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, kind: str, fixture: str, keep: int
) -> None:
    lines = (DATA / fixture).read_text().splitlines()
    last = "\t".join(lines[-1].split("\t")[:keep])
    path = tmp_path / fixture
    path.write_text("\n".join([*lines[:-1], last]))  # (no line end after it)
    err = _same_error(spark, tmp_path, CohortInputs(**{kind: path}, tumor_type="LUAD"))  # type: ignore[arg-type]
    assert f"the last line has {keep} of" in str(err)
    assert err.line == len(lines)


def _packed(text: str, folder: Path, name: str, packing: str) -> Path:
    """`text` written as `name`.gz: one gzip member, several, or BGZF blocks."""
    path = folder / f"{name}.gz"
    if packing == "bgzf":
        path.write_bytes(bgzf(text.encode(), block=97))
        return path
    raw = folder / name
    raw.write_text(text)
    made = gz(raw, folder, members=3 if packing == "members" else 1)
    raw.unlink()
    return made


# Inside gzip too: the driver reads a local .gz through to find the text after its last line end.
@pytest.mark.parametrize(("kind", "fixture", "keep", "packing"), [
    ("maf", "tiny.maf", 2, "gzip"), ("maf", "tiny.maf", 1, "bgzf"),
    ("fusions", "tiny_fusions.txt", 1, "members"), ("sv", "tiny_sv.txt", 3, "bgzf"),
    ("cna", "tiny_cna_long.txt", 2, "gzip"),
])  # fmt: skip
def test_a_last_line_cut_short_inside_gzip_is_refused_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, kind: str, fixture: str, keep: int, packing: str
) -> None:
    lines = (DATA / fixture).read_text().splitlines()
    last = "\t".join(lines[-1].split("\t")[:keep])
    path = _packed("\n".join([*lines[:-1], last]), tmp_path, fixture, packing)
    err = _same_error(spark, tmp_path, CohortInputs(**{kind: path}, tumor_type="LUAD"))  # type: ignore[arg-type]
    assert f"the last line has {keep} of" in str(err)
    assert err.line == len(lines)
    assert err.file == str(path)


@pytest.mark.parametrize("packing", ["gzip", "bgzf"])
@pytest.mark.parametrize("ending", ["\n", "\n# a comment, cut", ""])
def test_a_gzip_whose_last_line_ends_is_whole_or_a_cut_comment_is_read(
    spark: Any, tmp_path: Path, ending: str, packing: str
) -> None:
    """A short row that ends, a cut comment line, or a whole unterminated last row: no refusal."""
    lines = (DATA / "tiny.maf").read_text().splitlines()
    last = "\t".join(lines[-1].split("\t")[:3]) if ending else lines[-1]
    path = _packed("\n".join([*lines[:-1], last]) + ending, tmp_path, "tiny.maf", packing)
    _same_files(*_both(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD")))


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is read as a remote one (`s3://`, `hdfs://`): through Spark and Hadoop's FS."""
    from onconav.cohort.spark import sources

    monkeypatch.setattr(sources, "_local", lambda name: None)


@pytest.mark.usefixtures("remote")
@pytest.mark.parametrize(("kind", "fixture", "keep"), [
    ("maf", "tiny.maf", 2), ("fusions", "tiny_fusions.txt", 1), ("sv", "tiny_sv.txt", 3),
])  # fmt: skip
def test_a_remote_last_line_cut_short_is_refused_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, kind: str, fixture: str, keep: int
) -> None:
    lines = (DATA / fixture).read_text().splitlines()
    body = [*lines[:3], "# a note", *lines[3:-1]]  # (a comment line counts as a line)
    path = tmp_path / fixture
    path.write_text("\n".join([*body, "\t".join(lines[-1].split("\t")[:keep])]))
    err = _same_error(spark, tmp_path, CohortInputs(**{kind: path}, tumor_type="LUAD"))  # type: ignore[arg-type]
    assert f"the last line has {keep} of" in str(err)
    assert err.line == len(body) + 1


@pytest.mark.usefixtures("remote")
@pytest.mark.parametrize("ending", ["\n", "\n# a comment, cut", "", "long"])
def test_a_remote_last_line_that_ends_is_whole_or_a_cut_comment_is_read(
    spark: Any, tmp_path: Path, ending: str
) -> None:
    """Also a whole unterminated row longer than the first read from the end (64 KiB)."""
    lines = (DATA / "tiny.maf").read_text().splitlines()
    cells = lines[-1].split("\t")
    if ending == "long":
        cells[-1], ending = "y" * 200_000, ""
    last = "\t".join(cells[:3]) if ending else "\t".join(cells)
    path = tmp_path / "tiny.maf"
    path.write_text("\n".join([*lines[:-1], last]) + ending)
    _same_files(*_both(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD")))


def test_a_remote_end_is_read_back_to_its_last_line_end(spark: Any, tmp_path: Path) -> None:
    """The first byte and tabs of the last line, across 64 KiB reads; none for compressed files."""
    from onconav.cohort.spark.sources import _remote_end

    gone = f"file://{tmp_path}/gone.maf"
    with pytest.raises(CohortInputError, match="cannot read the end of the file") as err:
        _remote_end(spark, gone)
    assert err.value.file == gone
    path = tmp_path / "one.maf"
    path.write_bytes(b"a\tb\n" + b"x" * 150_000 + b"\t" * 3 + b"y" * 70_000 + b"\ty")
    assert _remote_end(spark, f"file://{path}") == (b"x", 4)
    path.write_bytes(b"a\tb\nx\ty\n")
    assert _remote_end(spark, f"file://{path}") == (b"", 0)
    path.write_bytes(b"a\tb")
    assert _remote_end(spark, f"file://{path}") == (b"a", 1)
    packed = tmp_path / "one.maf.bz2"
    packed.write_bytes(bz2.compress(b"a\tb\tc\nx\ty\tz\n"))
    assert _remote_end(spark, f"file://{packed}") is None


@pytest.mark.usefixtures("remote")
def test_a_whole_remote_bzip2_file_is_read(spark: Any, tmp_path: Path) -> None:
    """Spark decompresses it by its name; its end is not looked at (it would be compressed)."""
    from onconav.cohort.spark import annotate

    path = tmp_path / "tiny.maf.bz2"
    path.write_bytes(bz2.compress((DATA / "tiny.maf").read_bytes()))
    annotate(spark, CohortInputs(maf=path, tumor_type="LUAD"), tmp_path / "o", plots=False)
    assert (tmp_path / "o" / "annotated_mutations.tsv").exists()


# The Polars engine's order: a line that is not UTF-8 stops its scan at once (then the first bad
# line of either kind is named); a cut last line is found after the scan, and a line with too
# many fields only after that.
@pytest.mark.parametrize("packing", ["plain", "gzip"])
@pytest.mark.parametrize(("bad", "second", "want"), [
    ("EGFR\t1\tMissense_Mutation\tS\udcff1\tp.L858R\tx\t1\tn", "", "not UTF-8"),
    ("EGFR\t1\tMissense_Mutation\tS1\tp.L858R\tx\t1\tn\textra", "", "truncated file"),
    ("EGFR\t1\tMissense_Mutation\tS1\tp.L858R\tx\t1\tn\textra",
     "EGFR\t1\tMissense_Mutation\tS\udcff1\tp.L858R\tx\t1\tn", "9 fields"),
])  # fmt: skip
def test_bad_lines_and_a_cut_last_line_are_named_in_the_polars_engines_order(
    spark: Any, tmp_path: Path, bad: str, second: str, want: str, packing: str
) -> None:
    lines = (DATA / "tiny.maf").read_text().splitlines()
    cut = "\t".join(lines[-1].split("\t")[:2])
    body = [*lines[:3], bad, *lines[3:5], *([second] if second else []), *lines[5:-1], cut]
    path = tmp_path / "both.maf"
    path.write_bytes("\n".join(body).encode("utf-8", "surrogateescape"))
    if packing == "gzip":
        path = gz(path, tmp_path)
    err = _same_error(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD"))
    assert want in str(err)
    assert err.line == (len(body) if want == "truncated file" else 4)


@pytest.mark.parametrize("where", ["local", "remote"])
@pytest.mark.parametrize("fmt", ["tsv", "parquet"])
def test_paths_with_spaces_and_percent_signs_are_read_and_written(
    spark: Any, tmp_path: Path, request: pytest.FixtureRequest, where: str, fmt: str
) -> None:
    """Spark's listing encodes them ('a%20b'): read back or written to as such, they named
    other files (an input "not found", an output lost)."""
    from onconav.cohort.spark import annotate

    if where == "remote":
        request.getfixturevalue("remote")
    folder = tmp_path / "my cohort 100%"
    folder.mkdir()
    (folder / "c" / "x%20y").mkdir(parents=True)
    maf = folder / "a b%25.maf"
    maf.write_bytes((DATA / "tiny.maf").read_bytes())
    clinical = folder / "clin ical.txt"
    clinical.write_bytes((DATA / "tiny_clinical.txt").read_bytes())
    inputs = CohortInputs(maf=maf, clinical=clinical)
    a, b = tmp_path / "polars", folder / "c" / "x%20y" / "out put"
    annotate_cohort(inputs, a, fmt=fmt, plots=False, report_html=False)  # type: ignore[arg-type]
    annotate(spark, inputs, b, fmt=fmt, plots=False, report_html=False)  # type: ignore[arg-type]
    if fmt == "tsv":
        _same_files(a, b)
        return
    want = pl.read_parquet(a / "annotated_mutations.parquet")
    got = pl.read_parquet(b / "annotated_mutations.parquet" / "*.parquet").select(want.columns)
    assert got.sort(pl.all()).equals(want.sort(pl.all()))
    assert pl.read_parquet(b / "samples.parquet").equals(pl.read_parquet(a / "samples.parquet"))


def _long_maf(folder: Path, rows: int = 1500) -> bytes:
    """tiny.maf's rows repeated past the lines the driver reads for the header."""
    lines = (DATA / "tiny.maf").read_text().splitlines()
    body = [lines[2 + i % (len(lines) - 2)] for i in range(rows)]
    return ("\n".join([*lines[:2], *body]) + "\n").encode()


@pytest.mark.parametrize("keep", [0.5, 0.75, 0.95])
def test_a_bgzf_file_cut_inside_a_block_is_refused_as_by_the_polars_engine(
    spark: Any, tmp_path: Path, keep: float
) -> None:
    packed = bgzf(_long_maf(tmp_path), block=4096)
    cut = tmp_path / "cut.maf.gz"
    cut.write_bytes(packed[: int(len(packed) * keep)])
    err = _same_error(spark, tmp_path, CohortInputs(maf=cut, tumor_type="LUAD"))
    assert "truncated gzip" in str(err)
    assert err.line is not None  # (where the stream breaks, to the 1 MiB read: line 1 here)


def test_a_short_last_line_after_comment_lines_is_named_by_its_own_line(
    spark: Any, tmp_path: Path
) -> None:
    lines = (DATA / "tiny.maf").read_text().splitlines()
    body = [*lines[:4], "# a note", "# another", *lines[4:-1]]
    path = tmp_path / "c.maf"
    path.write_text("\n".join([*body, "\t".join(lines[-1].split("\t")[:2])]))
    err = _same_error(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD"))
    assert err.line == len(body) + 1


def test_a_whole_last_line_longer_than_the_tail_read_is_a_row(spark: Any, tmp_path: Path) -> None:
    lines = (DATA / "tiny.maf").read_text().splitlines()
    cells = lines[-1].split("\t")
    cells[-1] = "y" * 70_000
    path = tmp_path / "long.maf"
    path.write_text("\n".join([*lines[:-1], "\t".join(cells)]))  # (no line end after it)
    _same_files(*_both(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD")))


@pytest.mark.parametrize("ending", ["\n", "\n# a comment, cut"])
def test_a_short_last_line_that_ends_or_a_cut_comment_is_read(
    spark: Any, tmp_path: Path, ending: str
) -> None:
    lines = (DATA / "tiny.maf").read_text().splitlines()
    short = "\t".join(lines[-1].split("\t")[:3])
    path = tmp_path / "short.maf"
    path.write_text("\n".join([*lines[:-1], short]) + ending)
    _same_files(*_both(spark, tmp_path, CohortInputs(maf=path, tumor_type="LUAD")))


def test_gzip_must_be_named_gz_for_spark(spark: Any, tmp_path: Path) -> None:
    """Spark picks decompression by the file name: a misnamed file is refused, not misread."""
    from onconav.cohort.spark import annotate

    hidden = tmp_path / "cohort.maf"
    hidden.write_bytes(gzip.compress((DATA / "tiny.maf").read_bytes()))
    with pytest.raises(CohortInputError, match="rename it") as err:
        annotate(spark, CohortInputs(maf=hidden, tumor_type="LUAD"), tmp_path / "o", plots=False)
    assert str(hidden) in str(err.value)


def _cohorts(shared: Path) -> list[dict[str, Path]]:
    out = []
    for study in sorted((shared / "data").iterdir()):
        files = {"maf": "data_mutations.txt", "sv": "data_sv.txt", "cna": "data_cna.txt",
                 "clinical": "data_clinical_sample.txt"}  # fmt: skip
        found = {k: study / v for k, v in files.items() if (study / v).is_file()}
        if "maf" in found:
            out.append(found)
    annotator = shared / "data" / "oncokb-annotator"
    if annotator.is_dir():
        out.append({"maf": annotator / "example_maf.txt", "clinical": annotator /
                    "example_clinical.txt", "fusions": annotator / "example_fusions.txt",
                    "cna": annotator / "example_individual_cna.txt"})  # fmt: skip
    return out


@pytest.mark.slow
def test_engines_agree_on_every_shared_cohort(spark: Any, shared_dir: Path, tmp_path: Path) -> None:
    cohorts = _cohorts(shared_dir)
    assert cohorts
    for i, files in enumerate(cohorts):
        run = tmp_path / str(i)
        a, b = _both(spark, run, CohortInputs(**files, tumor_type="NSCLC"))  # type: ignore[arg-type]
        _same_files(a, b)
