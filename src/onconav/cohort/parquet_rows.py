"""Parquet output of a table whose every line is a row: pyarrow reads the lines and writes them.

Pass 2 writes Parquet from the cells, so every row is parsed (a TSV output copies each line's
text instead). For a body known to hold only rows (no comment line, no carriage return; see
`scan.write_rows`), pyarrow's CSV reader and Parquet writer take about half the processor time
of Polars' scan and Parquet sink for the same cells (1M rows of 123 text columns: 3.3 s against
6.4 s, most of it Polars' field parsing). The file holds what the Polars sink would write: the
same names, `large_string` columns (as Polars writes them), an empty cell as null, snappy pages
and no min/max statistics (see `output.table_sink`).

pyarrow's streaming reader parses the body in 1 MiB blocks (on its own threads) while a second
thread writes one row group as the next is read; the writer itself is one thread, which sets
the pace on exome-shaped rows.

Four things keep the work down (the values are the same; only the encoding differs):

- A column with no cell in the body's first 1 MiB is read in the rest as Arrow's null type,
  which fails on any cell with text; the rest is then read again as text from the first block
  that failed, so a wrong guess costs time, never a value (`_tables`). A 123-column panel
  file has 89 empty columns: their conversion was a third of its reading time. (Reading the
  body in pieces on two threads of our own was tried as well: no faster than pyarrow's
  threads on a 2-core machine, and 5-10 % slower on exome-shaped and narrow rows.)
- The annotation columns are dictionary arrays over each column's distinct cells, indexed by
  each row's annotation id, so they are neither gathered as text nor hashed by the writer,
  which writes a dictionary array's indices as they are. Each row group's dictionaries hold
  only the cells its rows use.
- An input column gets dictionary pages only when the first row group has at most half as
  many distinct cells as rows. A column of positions or protein changes, nearly all distinct
  in a group, was hashed for a dictionary larger than its plain pages (exome-shaped rows: 4 of
  24 columns, a third of the writer's time on the input columns; the file is 15 % smaller).
- The cells are read as `string` (32-bit offsets, as the Parquet pages are); the file's Arrow
  schema (`ARROW:schema`, which readers use to type the columns) is the `large_string` one,
  written by `_copy` itself, since the writer would record the types it was given.

pyarrow checks that each line has the header's number of fields; a line that differs, text
that is not UTF-8, a line after the first block longer than a block (which the streaming reader
cannot read) or a row count other than pass 1's makes `write_parquet_rows` return False, and
the caller writes the file again through Polars, which reports the line at fault.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from onconav.cohort.readers.table import Table

if TYPE_CHECKING:  # (imported when used: a TSV run does not pay for pyarrow's import)
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

__all__ = ["write_parquet_rows"]

_logger = logging.getLogger(__name__)

# Rows a row group (Polars' sink writes about 80,000 rows of 137 columns a group), and bytes a
# block the reader parses at a time (and of the first block, which says which columns are empty).
# Two groups are held at once (one read, one written): 64Ki rows of 137 columns and 1 MiB blocks
# add about 0.3 GiB to the peak, 128Ki rows and 4 MiB blocks about 0.5 GiB.
_GROUP_ROWS = 1 << 16
_BLOCK = 1 << 20
# Bytes read at a time to find where a block that must be read again starts.
_SEEK_BLOCK = 1 << 24
_NEWLINE = 10
# An input column is dictionary-encoded when the first row group holds at most this share of
# distinct cells (see the module docstring).
_DICTIONARY_SHARE = 0.5
# The key under which Arrow's Parquet writer records the Arrow schema (base64 of its IPC form).
_SCHEMA_KEY = "ARROW:schema"


@dataclass(frozen=True)
class _Added:
    """The annotation columns: each column's distinct cells and each annotation id's code.

    Attributes:
        names: The columns' names in the output.
        values: Per column, its distinct non-null cells.
        codes: Per column, each annotation id's index into `values` (-1: null).
    """

    names: list[str]
    values: list[pa.Array]
    codes: list[np.ndarray]

    @classmethod
    def of(cls, cells: pl.DataFrame, names: Sequence[str]) -> _Added:
        """The columns of `cells` (one row an annotation id), named `names`."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        values, codes = [], []
        for column in cells.to_arrow().columns:
            encoded = pc.dictionary_encode(column.cast(pa.string()).combine_chunks())
            values.append(encoded.dictionary)
            codes.append(encoded.indices.fill_null(-1).to_numpy().astype(np.int32))
        return cls(list(names), values, codes)

    def arrays(self, ids: np.ndarray) -> Iterator[pa.DictionaryArray]:
        """The columns of rows whose annotation ids are `ids`, each with the cells they use."""
        import numpy as np
        import pyarrow as pa

        rows = ids.astype(np.intp)
        used = np.flatnonzero(np.bincount(rows, minlength=1))
        for values, codes in zip(self.values, self.codes, strict=True):
            kept = np.unique(codes.take(used))
            kept = kept[kept >= 0]
            local = np.full(len(values) + 1, -1, np.int32)  # (the last slot serves code -1)
            local[kept] = np.arange(len(kept), dtype=np.int32)
            index = local.take(codes).take(rows)  # (each id's index in the group's dictionary)
            yield pa.DictionaryArray.from_arrays(pa.array(index, mask=index < 0), values.take(kept))


def _piece(source: Path, offset: int, size: int) -> memoryview | None:
    """The text from `offset` on, as whole lines of about `size` bytes (None at the end).

    The piece ends at the last line end in the `size` bytes read; a longer line is read whole,
    and at the end of the file the rest is the piece.
    """
    with source.open("rb", buffering=0) as fh:
        want = size
        while True:
            fh.seek(offset)
            chunk = fh.read(want)
            if len(chunk) < want:  # the end of the file: the rest is the piece
                return memoryview(chunk) if chunk else None
            cut = chunk.rfind(b"\n") + 1
            if cut:
                return memoryview(chunk)[:cut]
            want *= 2


def _options(names: list[str], empty: frozenset[int], **read: int) -> dict[str, object]:
    """The CSV reader's options: tab-separated, no quoting, `empty` columns as the null type."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    types = [pa.null() if i in empty else pa.string() for i in range(len(names))]
    return {
        "read_options": pa_csv.ReadOptions(column_names=names, **read),
        "parse_options": pa_csv.ParseOptions(
            delimiter="\t",
            quote_char=False,
            escape_char=False,
            double_quote=False,
            ignore_empty_lines=False,
        ),
        "convert_options": pa_csv.ConvertOptions(
            column_types=dict(zip(names, types, strict=True)),
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=False,
        ),
    }


def _empty(read: pa.Table) -> frozenset[int]:
    """The columns of `read` with no cell."""
    return frozenset(i for i, c in enumerate(read.columns) if c.null_count == read.num_rows)


def _stream(table: Table, offset: int, empty: frozenset[int]) -> Iterator[pa.Table]:
    """The rows from byte `offset` on, `empty` columns read as the null type.

    Each block's rows come as a table of `string` columns (the empty ones all null).
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = table.names
    options = _options(names, empty, block_size=_BLOCK)
    with pa.OSFile(str(table.source)) as source:
        source.seek(offset)
        for batch in pa_csv.open_csv(source, **options):
            nulls = pa.nulls(batch.num_rows, pa.string())
            columns = [nulls if i in empty else c for i, c in enumerate(batch.columns)]
            yield pa.table(columns, names=names)


def _after_lines(source: Path, offset: int, lines: int) -> int:
    """The byte offset after `lines` more line ends from `offset` on."""
    import numpy as np

    with source.open("rb") as fh:
        fh.seek(offset)
        while block := fh.read(_SEEK_BLOCK):
            ends = np.flatnonzero(np.frombuffer(block, np.uint8) == _NEWLINE)
            if ends.size >= lines:
                return offset + int(ends[lines - 1]) + 1 if lines else offset
            lines -= ends.size
            offset += len(block)
    return offset


def _tables(table: Table) -> Iterator[pa.Table]:
    """The body's rows as tables, in order: its first `_BLOCK` bytes, then a block at a time.

    The columns empty in the first piece are read as the null type in the rest (see the
    module docstring). When a block fails so, the rest is read again as text from that block
    on (found by counting the lines before it); an error then is the body's own.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    offset = table.body_offset()
    first = _piece(table.source, offset, _BLOCK)
    if first is None:
        return
    # (one block: a line longer than the reader's block size would fail)
    options = _options(table.names, frozenset(), block_size=len(first) + 1, use_threads=False)
    read = pa_csv.read_csv(pa.BufferReader(pa.py_buffer(first)), **options)
    yield read
    rest = offset + len(first)
    if rest >= table.source.stat().st_size:
        return
    empty, done = _empty(read), 0
    while True:
        try:
            for part in _stream(table, rest, empty):
                done += part.num_rows
                yield part
        except pa.ArrowInvalid:
            if not empty:
                raise
            empty = frozenset()  # (a guessed column holds text, or the block is bad)
            rest, done = _after_lines(table.source, rest, done), 0
        else:
            return


def write_parquet_rows(
    table: Table, headers: Sequence[str], ids: pl.Series, cells: pl.DataFrame, path: Path
) -> bool:  # fmt: skip
    """Write `table`'s rows with each row's annotation cells to the Parquet file `path`.

    Args:
        table: The input; every line after its header must be a row (see the module docstring).
        headers: The output's column names: the input's header, then the annotation columns.
        ids: Each row's annotation id (an index into `cells`), in row order: one a row pass 1
            counted.
        cells: The distinct annotations' cells, one row an id, in `headers`' last columns' order.
        path: The output file.

    Returns:
        False when pyarrow cannot read the body as `table.scan` does (see the module docstring);
        `path` then holds nothing of use.
    """
    import pyarrow as pa

    row_ids = ids.to_numpy()
    added = _Added.of(cells, headers[len(headers) - cells.width :])
    try:
        done = _copy(table, headers, added, row_ids, path)
    except (pa.ArrowException, OSError, IndexError) as exc:  # (the writer's too: Polars retries)
        _logger.info("pyarrow cannot read %s as its lines (%s)", table.label, exc)
        return False
    if done != len(row_ids):
        _logger.info("pyarrow read %d rows of %s, pass 1 %d", done, table.label, len(row_ids))
        return False
    return True


def _copy(
    table: Table, headers: Sequence[str], added: _Added, ids: np.ndarray, path: Path
) -> int:  # fmt: skip
    """Read, gather and write every row group (see `write_parquet_rows`); return the rows.

    The writer is opened with the first group, whose cells choose the dictionary columns.
    """
    schema = _schema(headers, added)
    done = 0
    # (the pool is left first: a write still running ends before the writer is closed)
    with (
        ExitStack() as stack,
        ThreadPoolExecutor(1) as pool,
    ):
        writer: pq.ParquetWriter | None = None
        pending: Future[None] | None = None
        for group in _groups(_tables(table), added, ids, schema):
            if writer is None:
                writer = stack.enter_context(_writer(path, schema, added, group))
            pending = _write(pool, writer, group, pending)
            done += group.num_rows
        if writer is None:
            writer = stack.enter_context(_writer(path, schema, added, None))
        if pending is not None:
            pending.result()
        writer.add_key_value_metadata({_SCHEMA_KEY: _arrow_schema(headers)})
    return done


def _groups(
    tables: Iterator[pa.Table], added: _Added, ids: np.ndarray, schema: pa.Schema
) -> Iterator[pa.Table]:
    """The row groups of the tables read, of at least `_GROUP_ROWS` rows (but the last)."""
    parts: list[pa.Table] = []
    done = read = 0
    for part in tables:
        parts.append(part)
        read += part.num_rows
        if read - done >= _GROUP_ROWS:
            group = _group(parts, added, ids[done:], schema)
            done, parts = done + group.num_rows, []
            yield group
    if parts:
        yield _group(parts, added, ids[done:], schema)


def _schema(headers: Sequence[str], added: _Added) -> pa.Schema:
    """The columns as written: input columns as read (`string`), annotation columns coded."""
    import pyarrow as pa

    inputs = headers[: len(headers) - len(added.names)]
    coded = pa.dictionary(pa.int32(), pa.string())
    return pa.schema([*((h, pa.string()) for h in inputs), *((h, coded) for h in added.names)])


def _writer(
    path: Path, schema: pa.Schema, added: _Added, first: pa.Table | None
) -> pq.ParquetWriter:  # fmt: skip
    """The Parquet writer of `schema`, with dictionary pages where they pay.

    The annotation columns, and the input columns `_repeating` picks from the `first` group.
    The Arrow schema is left to `_copy`, which records the output's (see the module docstring).
    """
    import pyarrow.parquet as pq

    inputs = schema.names[: len(schema.names) - len(added.names)]
    return pq.ParquetWriter(
        path, schema, compression="snappy", write_statistics=False, store_schema=False,
        use_dictionary=[*_repeating(inputs, first), *added.names],
    )  # fmt: skip


def _repeating(names: Sequence[str], first: pa.Table | None) -> list[str]:
    """The `names` of the columns whose cells repeat enough to pay for dictionary pages.

    Judged on the first row group (`_DICTIONARY_SHARE`); every column when nothing was read.
    """
    import pyarrow.compute as pc

    if first is None or first.num_rows == 0:
        return list(names)
    most = _DICTIONARY_SHARE * first.num_rows
    return [
        name
        for name, column in zip(names, first.columns[: len(names)], strict=True)
        if pc.count_distinct(column, mode="all").as_py() <= most
    ]


def _arrow_schema(headers: Sequence[str]) -> str:
    """The output's Arrow schema as the Parquet writer records it: every column `large_string`."""
    import pyarrow as pa

    schema = pa.schema([(h, pa.large_string()) for h in headers])
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def _group(parts: list[pa.Table], added: _Added, ids: np.ndarray, schema: pa.Schema) -> pa.Table:
    """One row group: the rows read, then their annotation cells by id."""
    import pyarrow as pa

    read = pa.concat_tables(parts)
    n = read.num_rows
    if n > len(ids):
        raise IndexError(f"more rows than annotation ids ({len(ids)} left)")
    return pa.Table.from_arrays([*read.columns, *added.arrays(ids[:n])], schema=schema)


def _write(
    pool: ThreadPoolExecutor, writer: pq.ParquetWriter, group: pa.Table, last: Future[None] | None
) -> Future[None]:
    """Write `group` as one row group on the pool's thread, once the one before is written."""
    if last is not None:
        last.result()
    return pool.submit(writer.write_table, group, row_group_size=group.num_rows)
