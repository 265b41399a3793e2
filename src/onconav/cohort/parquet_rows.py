"""Parquet output of a table whose every line is a row: pyarrow reads the lines and writes them.

Pass 2 writes Parquet from the cells, so every row is parsed (a TSV output copies each line's
text instead). For a body known to hold only rows (no comment line, no carriage return; see
`scan.write_rows`), pyarrow's CSV reader and Parquet writer take about half the processor time
of Polars' scan and Parquet sink for the same cells (1M rows of 123 text columns: 3.3 s against
6.4 s, most of it Polars' field parsing). The file holds what the Polars sink would write: the
same names, `large_string` columns (as Polars writes them), an empty cell as null, snappy pages
and no min/max statistics (see `output.table_sink`).

The work is spread over both cores of a small machine. The body is cut into pieces of whole
lines (`_pieces`), read by two threads at once (`_tables`; pyarrow releases the GIL) and taken
in order into row groups, each row with its annotation id, while a third thread writes the row
group before. The writer itself is one thread, so the readers' work is what can be overlapped.

Four things keep the work down (the values are the same; only the encoding differs):

- A column with no cell in the pieces read so far is read in the next pieces as Arrow's null
  type, which fails on any cell with text; such a piece is read again as text, so a wrong guess
  costs time, never a value (`_Parser`). A 123-column panel file has 89 empty columns: their
  conversion was a third of its reading time.
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
that is not UTF-8 or a row count other than pass 1's makes `write_parquet_rows` return False,
and the caller writes the file again through Polars, which reports the line at fault.
"""

from __future__ import annotations

import base64
import logging
from collections import deque
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
# piece of lines read at a time. Two groups are held at once (one being taken, one written),
# and up to `_AHEAD` pieces besides. Each read of a piece costs about 0.5 ms for 123 columns
# before any line: 1 MiB pieces took a fifth more time to read than 4 MiB ones.
_GROUP_ROWS = 1 << 16
_BLOCK = 1 << 22
# Threads reading pieces, and pieces read ahead of the one the row groups take next.
_PARSERS = 2
_AHEAD = 3
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


def _pieces(source: Path, offset: int, size: int) -> Iterator[memoryview]:
    """The text from `offset` on, in pieces of whole lines of about `size` bytes (at least one).

    A piece ends at the last line end in the `size` bytes read; a longer line is read whole.
    """
    with source.open("rb", buffering=0) as fh:
        while True:
            fh.seek(offset)
            want = size
            chunk = fh.read(want)
            while True:
                if len(chunk) < want:  # the end of the file: the rest is one piece
                    cut = len(chunk)
                    break
                cut = chunk.rfind(b"\n") + 1
                if cut:
                    break
                want *= 2
                fh.seek(offset)
                chunk = fh.read(want)
            if not cut:
                return
            yield memoryview(chunk)[:cut]
            offset += cut


class _Parser:
    """Reads a piece of lines into a table of `string` columns (see `_tables`).

    Columns guessed `empty` are read as Arrow's null type, which costs a fraction of a string
    column and fails on any cell with text; the piece is then read again with every column as
    `string`, so a wrong guess costs time, never a value.
    """

    def __init__(self, names: list[str]) -> None:
        import pyarrow.csv as pa_csv

        self.names = names
        self.parse = pa_csv.ParseOptions(
            delimiter="\t", quote_char=False, escape_char=False, double_quote=False,
            ignore_empty_lines=False,
        )  # fmt: skip

    def _read(self, piece: memoryview, empty: frozenset[int]) -> pa.Table:
        import pyarrow as pa
        import pyarrow.csv as pa_csv

        types = [pa.null() if i in empty else pa.string() for i in range(len(self.names))]
        convert = pa_csv.ConvertOptions(
            column_types=dict(zip(self.names, types, strict=True)), strings_can_be_null=True,
            null_values=[""], quoted_strings_can_be_null=False,
        )  # fmt: skip
        # (one block a piece: by default the reader cuts a piece into 1 MiB blocks, each a chunk
        # of every column, which took about 4 % more time, and fails on a longer line)
        read = pa_csv.ReadOptions(
            column_names=self.names, use_threads=False, block_size=len(piece) + 1
        )
        source = pa.BufferReader(pa.py_buffer(piece))
        return pa_csv.read_csv(source, read, self.parse, convert)

    def __call__(self, piece: memoryview, empty: frozenset[int]) -> pa.Table:
        """The piece's rows, every column `string` (null where a cell is empty)."""
        import pyarrow as pa

        if not empty:
            return self._read(piece, empty)
        try:
            read = self._read(piece, empty)
        except pa.ArrowInvalid:  # (a guessed column holds text, or the piece is bad)
            return self._read(piece, frozenset())
        nulls = pa.nulls(read.num_rows, pa.string())
        return pa.table([nulls if i in empty else c for i, c in enumerate(read.columns)],
                        names=self.names)  # fmt: skip


def _empty(read: pa.Table) -> frozenset[int]:
    """The columns of `read` with no cell."""
    return frozenset(i for i, c in enumerate(read.columns) if c.null_count == read.num_rows)


def _tables(table: Table, parsers: ThreadPoolExecutor) -> Iterator[pa.Table]:
    """The body's rows as tables, in order, its pieces read on the `parsers` threads.

    The first piece is read alone; the columns empty in every piece read so far are guessed
    empty in the pieces submitted next (`_Parser`). Up to `_AHEAD` pieces are read ahead.
    """
    pieces = _pieces(table.source, table.body_offset(), _BLOCK)
    parse = _Parser(table.names)
    ahead: deque[Future[pa.Table]] = deque()
    empty: frozenset[int] | None = None  # (None until the first piece is read)
    try:
        for piece in pieces:
            ahead.append(parsers.submit(parse, piece, empty or frozenset()))
            if empty is None or len(ahead) > _AHEAD:
                read = ahead.popleft().result()
                empty = _empty(read) if empty is None else empty & _empty(read)
                yield read
        while ahead:
            yield ahead.popleft().result()
    finally:
        for future in ahead:
            future.cancel()


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
    # (the pools are left first: a write still running ends before the writer is closed)
    with (
        ExitStack() as stack,
        ThreadPoolExecutor(1) as pool,
        ThreadPoolExecutor(_PARSERS) as parsers,
    ):
        writer: pq.ParquetWriter | None = None
        pending: Future[None] | None = None
        for group in _groups(_tables(table, parsers), added, ids, schema):
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
