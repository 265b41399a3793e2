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


@pytest.mark.parametrize("size", [1, 2, 7, 16, 33, 64, 1000])
def test_pieces_are_whole_lines_in_order(tmp_path: Path, size: int) -> None:
    # Lines shorter and longer than a piece, a blank line, and an unterminated last line.
    body = b"a\tb\n\n" + b"x" * 40 + b"\tlong\n" + b"c\td\n" * 9 + b"end\tno line end"
    path = tmp_path / "t.tsv"
    path.write_bytes(b"h1\th2\n" + body)
    pieces, offset = [], 6
    while (piece := parquet_rows._piece(path, offset, size)) is not None:
        pieces.append(bytes(piece))
        offset += len(piece)
    assert b"".join(pieces) == body
    assert all(p.endswith(b"\n") for p in pieces[:-1])
    assert pieces[-1].endswith(b"end\tno line end")
    # a piece holds `size` bytes at most, or twice its first line (read whole) at most
    for piece in pieces:
        first = piece.find(b"\n") + 1 or len(piece)
        assert 0 < len(piece) <= max(size, 2 * first)
    assert len(pieces) > 1 or size >= len(body)


def test_an_empty_body_has_no_piece(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes(b"h1\th2\n")
    assert parquet_rows._piece(path, 6, 4) is None


def _with_column(maf: Path, name: str, cells: Callable[[int], str]) -> Path:
    """`maf` with a second column `name`, row i's cell `cells(i)`."""
    lines = maf.read_text(encoding="utf-8").splitlines()
    head, *rows = (line.split("\t", 1) for line in lines)
    body = [f"{r[0]}\t{cells(i)}\t{r[1]}" for i, r in enumerate(rows)]
    out = maf.with_name(f"{name}.maf")
    out.write_text("\n".join([f"{head[0]}\t{name}\t{head[1]}", *body]) + "\n", encoding="utf-8")
    return out


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> list[tuple[frozenset[int], int]]:
    """The columns each read after the first block took as empty, and its byte offset."""
    seen: list[tuple[frozenset[int], int]] = []
    real = parquet_rows._stream

    def spy(table: Any, offset: int, empty: frozenset[int]) -> Any:
        seen.append((empty, offset))
        return real(table, offset, empty)

    monkeypatch.setattr(parquet_rows, "_stream", spy)
    return seen


@pytest.mark.parametrize(("size", "seed"), [(100, 1), (200, 2), (997, 3), (1 << 20, 4)])
def test_blocks_cut_anywhere_give_the_polars_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool], size: int, seed: int
) -> None:
    # Blocks of `size` bytes end anywhere in a row group; a column empty throughout is read
    # as empty after the first block, one with a late cell is read again from its block on.
    monkeypatch.setattr(parquet_rows, "_GROUP_ROWS", 50)
    monkeypatch.setattr(parquet_rows, "_BLOCK", size)
    files = _cohort(tmp_path, n_samples=120, seed=seed)
    maf = _with_column(files["maf"], "Empty", lambda i: "")
    maf = _with_column(maf, "Late", lambda i: "late" if i in {301, 302, 377} else "")
    run(tmp_path / "arrow", fmt="parquet", maf=maf, clinical=files["clinical"])
    assert copies == [True]
    _polars_parquet(tmp_path / "polars", monkeypatch, maf=maf, clinical=files["clinical"])
    path = "annotated_mutations.parquet"
    _same_parquet(tmp_path / "polars" / path, tmp_path / "arrow" / path)
    got = pl.read_parquet(tmp_path / "arrow" / path)
    assert got["Empty"].null_count() == got.height
    assert got["Late"].drop_nulls().to_list() == ["late"] * 3


def test_a_first_line_longer_than_a_block_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool]
) -> None:
    # The first block (which says which columns are empty) is read whole, however long its
    # lines; a longer line after it fails pyarrow's reader, and Polars writes the same file.
    monkeypatch.setattr(parquet_rows, "_BLOCK", 128)
    files = _cohort(tmp_path, n_samples=40, seed=12)
    for where, taken in ((0, [True]), (60, [False])):
        copies.clear()
        long = _with_column(files["maf"], "Note", lambda i, w=where: "n" * 300 if i == w else "")
        out = tmp_path / f"arrow{where}"
        run(out, fmt="parquet", maf=long, clinical=files["clinical"])
        assert copies == taken
        polars = tmp_path / f"polars{where}"
        _polars_parquet(polars, monkeypatch, maf=long, clinical=files["clinical"])
        path = "annotated_mutations.parquet"
        _same_parquet(polars / path, out / path)


def test_a_guessed_empty_column_with_text_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool],
    streams: list[tuple[frozenset[int], int]],
) -> None:  # fmt: skip
    monkeypatch.setattr(parquet_rows, "_BLOCK", 256)
    monkeypatch.setattr(parquet_rows, "_SEEK_BLOCK", 100)  # (the line found across reads)
    files = _cohort(tmp_path, n_samples=80, seed=8)
    maf = _with_column(files["maf"], "Late", lambda i: "x" if i == 150 else "")
    run(tmp_path / "arrow", fmt="parquet", maf=maf, clinical=files["clinical"])
    assert copies == [True]
    late = 1  # (the column's index)
    # read as empty after the first block; from the block holding the cell on, as text
    assert [empty for empty, _ in streams] == [frozenset({late}), frozenset()]
    lines = maf.read_bytes().split(b"\n")
    starts = [len(b"\n".join(lines[: i + 1])) + 1 for i in range(len(lines))]  # (of line i + 1)
    first, again = (offset for _, offset in streams)
    assert first in starts[1:150]  # (a row after the first)
    # again from a line after the rows read, up to the late cell's line (row 150's)
    assert again in starts[starts.index(first) + 1 : 151]
    got = pl.read_parquet(tmp_path / "arrow" / "annotated_mutations.parquet")
    assert got["Late"].to_list() == [None] * 150 + ["x"] + [None] * (got.height - 151)


def _rows_changed(maf: Path, folder: Path, change: dict[int, Callable[[bytes], bytes]]) -> Path:
    """A copy of `maf` with row i (0-based, after the header) changed by `change[i]`."""
    lines = maf.read_bytes().split(b"\n")
    for i, edit in change.items():
        lines[i + 1] = edit(lines[i + 1])
    out = folder / "changed.maf"
    out.write_bytes(b"\n".join(lines))
    return out


@pytest.mark.parametrize("row", [3, 170, 299])
def test_a_short_line_in_any_block_falls_back(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, copies: list[bool], row: int
) -> None:
    # Pass 1 reads a short line as a row with empty last cells; pyarrow refuses it, in the
    # first block or a later one (read as text again, then refused), and Polars writes the file.
    monkeypatch.setattr(parquet_rows, "_GROUP_ROWS", 20)
    monkeypatch.setattr(parquet_rows, "_BLOCK", 128)
    files = _cohort(tmp_path, n_samples=100, seed=6)
    maf = _with_column(files["maf"], "Late", lambda i: "")
    short = _rows_changed(maf, workdir, {row: lambda b: b.rsplit(b"\t", 1)[0]})
    assert len(short.read_bytes().split(b"\n")) > 300
    run(tmp_path / "out", maf=short, clinical=files["clinical"], fmt="parquet")
    assert copies == [False]
    _polars_parquet(tmp_path / "polars", monkeypatch, maf=short, clinical=files["clinical"])
    path = "annotated_mutations.parquet"
    _same_parquet(tmp_path / "polars" / path, tmp_path / "out" / path)


@pytest.mark.parametrize(("row", "column"), [(170, 1), (250, 3), (299, 1)])
def test_text_not_utf8_in_a_later_block_is_a_located_error(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, row: int, column: int
) -> None:
    # In a column read as empty (1) or as text (3): either way the line is named.
    monkeypatch.setattr(parquet_rows, "_BLOCK", 128)
    files = _cohort(tmp_path, n_samples=100, seed=6)
    maf = _with_column(files["maf"], "Late", lambda i: "")

    def edit(line: bytes) -> bytes:
        cells = line.split(b"\t")
        cells[column] += b"caf\xe9"
        return b"\t".join(cells)

    bad = _rows_changed(maf, workdir, {row: edit})
    with pytest.raises(CohortInputError) as info:
        run(tmp_path / "out", maf=bad, clinical=files["clinical"], fmt="parquet")
    assert info.value.line == row + 2
    assert not (tmp_path / "out").exists()
