"""Parquet written from the lines by pyarrow holds what the Polars sink writes, or is not used.

A file whose every line is a row goes through pyarrow (`parquet_rows`); any other shape (a
comment or short line, a carriage return, text that is not UTF-8) goes through Polars,
either because the counts rule it out or because pyarrow refuses it. Whichever path a file
takes, the Parquet table must equal the one the Polars sink writes, schema included.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from onconav.cohort import annotate, parquet_rows
from onconav.errors import CohortInputError
from tests.cohort.helpers import DATA, copy_with, run
from tests.cohort.test_context_keys import _cohort

MAF = DATA / "tiny.maf"


def _filled(raw: bytes) -> bytes:
    """tiny.maf with every blank last cell filled (no row may be short)."""
    return b"\n".join(line + b"-" if line.endswith(b"\t") else line for line in raw.split(b"\n"))


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each pyarrow copy returned (True: the file is pyarrow's)."""
    seen: list[bool] = []
    real = parquet_rows.write_parquet_rows

    def spy(*args: Any) -> bool:
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(annotate, "write_parquet_rows", spy)
    return seen


def _polars_parquet(out: Path, monkeypatch: pytest.MonkeyPatch, **inputs: Any) -> None:
    """The same run with the pyarrow copy turned down: the Polars sink writes the file."""
    with monkeypatch.context() as m:
        m.setattr(annotate, "write_parquet_rows", lambda *args: False)
        run(out, fmt="parquet", **inputs)


def _same_parquet(a: Path, b: Path) -> None:
    assert pq.read_schema(a).equals(pq.read_schema(b), check_metadata=False)
    for path in (a, b):  # both writers: snappy pages, no min/max statistics
        chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
        assert (chunk.compression, chunk.is_stats_set) == ("SNAPPY", False)
    want, got = pl.read_parquet(a), pl.read_parquet(b)
    assert got.height > 0
    assert got.equals(want)


def test_generated_cohort_equals_the_polars_sink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool]
) -> None:
    files = _cohort(tmp_path, n_samples=300, seed=11)
    run(tmp_path / "arrow", fmt="parquet", **files)
    assert copies == [True, True, True]  # mutations, fusions, long CNA
    _polars_parquet(tmp_path / "polars", monkeypatch, **files)
    for stem in ("annotated_mutations", "annotated_fusions", "annotated_cna"):
        _same_parquet(
            tmp_path / "polars" / f"{stem}.parquet", tmp_path / "arrow" / f"{stem}.parquet"
        )


def _small_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool], *, rows: int,
    n_samples: int, seed: int,
) -> dict[str, Path]:  # fmt: skip
    """A generated cohort copied to tmp_path/arrow in row groups of `rows` over 64-byte blocks."""
    monkeypatch.setattr(parquet_rows, "_GROUP_ROWS", rows)
    monkeypatch.setattr(parquet_rows, "_BLOCK", 64)
    files = _cohort(tmp_path, n_samples=n_samples, seed=seed)
    run(tmp_path / "arrow", fmt="parquet", maf=files["maf"], clinical=files["clinical"])
    assert copies == [True]
    return files


def test_groups_split_and_every_row_keeps_its_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool]
) -> None:
    # Row groups of 7 rows over blocks of 64 bytes: rows cross every boundary.
    files = _small_groups(tmp_path, monkeypatch, copies, rows=7, n_samples=60, seed=4)
    _polars_parquet(tmp_path / "polars", monkeypatch, maf=files["maf"], clinical=files["clinical"])
    path = "annotated_mutations.parquet"
    _same_parquet(tmp_path / "polars" / path, tmp_path / "arrow" / path)
    assert pq.ParquetFile(tmp_path / "arrow" / path).metadata.num_row_groups > 3


@pytest.mark.parametrize(
    ("name", "change", "taken"),
    [
        ("filled.maf", lambda b: b, [True]),
        ("blank-cells.maf", lambda b: b.replace(b"\t-\n", b"\t\n"), [True]),  # empty, not short
        ("comment.maf", lambda b: b.replace(b"\nKRAS", b"\n#note\tx\tx\nKRAS", 1), []),
        # a blank line is a row of empty cells to both readers
        ("blank-line.maf", lambda b: b.replace(b"\nKRAS", b"\n\nKRAS", 1), [True]),
        ("crlf.maf", lambda b: b.replace(b"\n", b"\r\n"), []),
        ("cr-in-cell.maf", lambda b: b.replace(b"\t-\n", b"\ta\rb\n", 1), []),
        ("short.maf", lambda b: b.replace(b"\t8\tx\n", b"\t8\n"), [False]),
    ],
)
def test_odd_lines_take_the_polars_path(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool],
    name: str, change: Callable[[bytes], bytes], taken: list[bool],
) -> None:  # fmt: skip
    odd = copy_with(copy_with(MAF, workdir, "filled.maf", _filled), workdir, name, change)
    run(tmp_path / "out", maf=odd, tumor_type="LUAD", fmt="parquet")
    assert copies == taken
    _polars_parquet(tmp_path / "polars", monkeypatch, maf=odd, tumor_type="LUAD")
    path = "annotated_mutations.parquet"
    _same_parquet(tmp_path / "polars" / path, tmp_path / "out" / path)


def test_text_not_utf8_is_a_located_error(tmp_path: Path, workdir: Path) -> None:
    bad = copy_with(MAF, workdir, "bad.maf", lambda b: _filled(b).replace(b"\tx\n", b"\tcaf\xe9\n"))
    with pytest.raises(CohortInputError) as info:
        run(tmp_path / "out", maf=bad, tumor_type="LUAD", fmt="parquet")
    assert info.value.line == 5
    assert not (tmp_path / "out").exists()


def test_a_pyarrow_error_falls_back_to_polars(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool]
) -> None:
    def fail(*args: Any) -> None:
        raise pa.ArrowIOError("disk trouble")

    monkeypatch.setattr(parquet_rows, "_write", fail)
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    run(tmp_path / "out", maf=filled, tumor_type="LUAD", fmt="parquet")
    assert copies == [False]
    _polars_parquet(tmp_path / "polars", monkeypatch, maf=filled, tumor_type="LUAD")
    path = "annotated_mutations.parquet"
    _same_parquet(tmp_path / "polars" / path, tmp_path / "out" / path)


def _with_row_ids(maf: Path) -> Path:
    """`maf` with a first column of distinct row ids (as the narrow benchmark profile has)."""
    lines = maf.read_text(encoding="utf-8").splitlines()
    rows = [f"r{i}\t{line}" for i, line in enumerate(lines[1:])]
    out = maf.with_name("ids.maf")
    out.write_text("\n".join(["row_id\t" + lines[0], *rows]) + "\n", encoding="utf-8")
    return out


def _encodings(path: Path, column: str) -> set[str]:
    meta = pq.ParquetFile(path).metadata
    where = meta.schema.names.index(column)
    groups = (meta.row_group(g).column(where) for g in range(meta.num_row_groups))
    return {encoding for chunk in groups for encoding in chunk.encodings}


def test_dictionary_pages_only_where_cells_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool]
) -> None:
    # 60 rows a group: the ids are all distinct, genes, samples and changes repeat.
    monkeypatch.setattr(parquet_rows, "_GROUP_ROWS", 60)
    files = _cohort(tmp_path, n_samples=80, seed=7)
    maf = _with_row_ids(files["maf"])
    run(tmp_path / "arrow", fmt="parquet", maf=maf, clinical=files["clinical"])
    assert copies == [True]
    path = tmp_path / "arrow" / "annotated_mutations.parquet"
    assert "RLE_DICTIONARY" not in _encodings(path, "row_id")
    for column in ("Hugo_Symbol", "Tumor_Sample_Barcode", "LEVEL_1", "ONCONAV_ALTERATION"):
        assert "RLE_DICTIONARY" in _encodings(path, column), column
    _polars_parquet(tmp_path / "polars", monkeypatch, maf=maf, clinical=files["clinical"])
    _same_parquet(tmp_path / "polars" / path.name, path)


def test_the_arrow_schema_is_the_one_pyarrow_records(tmp_path: Path, copies: list[bool]) -> None:
    # The cells are written as `string` and annotation columns as dictionaries; the recorded
    # Arrow schema must still be the `large_string` one pyarrow writes for the table as read.
    files = _cohort(tmp_path, n_samples=40, seed=2)
    run(tmp_path / "arrow", fmt="parquet", maf=files["maf"], clinical=files["clinical"])
    assert copies == [True]
    path = tmp_path / "arrow" / "annotated_mutations.parquet"
    got = pq.read_table(path)
    assert {field.type for field in got.schema} == {pa.large_string()}
    plain = tmp_path / "plain.parquet"
    pq.write_table(got, plain)
    want = pq.ParquetFile(plain).metadata.metadata
    assert pq.ParquetFile(path).metadata.metadata == want
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(want[b"ARROW:schema"])))
    assert schema.equals(got.schema)


def test_each_group_keeps_only_the_annotation_cells_it_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool]
) -> None:
    _small_groups(tmp_path, monkeypatch, copies, rows=5, n_samples=30, seed=9)
    columns = ["LEVEL_1", "HIGHEST_LEVEL", "ONCONAV_ALTERATION", "ONCONAV_CATEGORY"]
    path = tmp_path / "arrow" / "annotated_mutations.parquet"
    coded = pq.ParquetFile(path, read_dictionary=columns)
    seen = set()
    for g in range(coded.metadata.num_row_groups):
        group = coded.read_row_group(g, columns=columns)
        for name in columns:
            column = group.column(name).combine_chunks()
            dictionary = column.dictionary.to_pylist()
            used = {v for v in column.to_pylist() if v is not None}
            assert len(dictionary) == len(set(dictionary))
            assert set(dictionary) == used
            seen.add(len(dictionary))
    assert max(seen) > 0
    assert min(seen) == 0
