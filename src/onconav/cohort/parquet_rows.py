"""Parquet output of a table whose every line is a row: pyarrow reads the lines and writes them.

Pass 2 writes Parquet from the cells, so every row is parsed (a TSV output copies each line's
text instead). For a body known to hold only rows (no comment line, no carriage return; see
`scan.write_rows`), pyarrow's streaming CSV reader and Parquet writer take about half the
processor time of Polars' scan and Parquet sink for the same cells (1M rows of 123 text
columns: 3.3 s against 6.4 s, most of it Polars' field parsing), and a second thread writes one
row group while the next is read. The file holds what the Polars sink would write: the same
names, `large_string` columns (as Polars writes them), an empty cell as null, snappy pages and
no min/max statistics (see `output.table_sink`).

pyarrow checks that each line has the header's number of fields; a line that differs, text
that is not UTF-8 or a row count other than pass 1's makes `write_parquet_rows` return False,
and the caller writes the file again through Polars, which reports the line at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from onconav.cohort.readers.table import Table

if TYPE_CHECKING:  # (imported when used: a TSV run does not pay for pyarrow's import)
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

__all__ = ["write_parquet_rows"]

_logger = logging.getLogger(__name__)

# Rows a row group (Polars' sink writes about 80,000 rows of 137 columns a group), and bytes a
# block the reader parses at a time. Two groups are held at once (one read, one written): 64Ki
# rows of 137 columns and 1 MiB blocks add about 0.3 GiB to the peak, 128Ki rows and 4 MiB blocks
# about 0.5 GiB (the offsets of `large_string` arrays alone are 8 bytes a cell).
_GROUP_ROWS = 1 << 16
_BLOCK = 1 << 20


def _reader(table: Table, source: pa.NativeFile) -> pa_csv.CSVStreamingReader:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = table.names
    source.seek(table.body_offset())
    return pa_csv.open_csv(
        source,
        read_options=pa_csv.ReadOptions(column_names=names, block_size=_BLOCK),
        parse_options=pa_csv.ParseOptions(
            delimiter="\t",
            quote_char=False,
            escape_char=False,
            double_quote=False,
            ignore_empty_lines=False,
        ),  # fmt: skip
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=False,
        ),  # fmt: skip
    )


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
    added = cells.to_arrow().cast(pa.schema([(c, pa.large_string()) for c in cells.columns]))
    schema = pa.schema([(h, pa.large_string()) for h in headers])
    try:
        done = _copy(table, schema, added, row_ids, path)
    except (pa.ArrowException, OSError, IndexError) as exc:  # (the writer's too: Polars retries)
        _logger.info("pyarrow cannot read %s as its lines (%s)", table.label, exc)
        return False
    if done != len(row_ids):
        _logger.info("pyarrow read %d rows of %s, pass 1 %d", done, table.label, len(row_ids))
        return False
    return True


def _copy(table: Table, schema: pa.Schema, added: pa.Table, ids: np.ndarray, path: Path) -> int:
    """Read, gather and write every row group (see `write_parquet_rows`); return the rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    done = read = 0
    with (
        pa.OSFile(str(table.source)) as source,
        pq.ParquetWriter(path, schema, compression="snappy", write_statistics=False) as writer,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending: Future[None] | None = None
        batches: list[pa.RecordBatch] = []
        for batch in _reader(table, source):
            batches.append(batch)
            read += batch.num_rows
            if read - done >= _GROUP_ROWS:
                group = _group(batches, added, ids[done:], schema)
                done, batches = done + group.num_rows, []
                pending = _write(pool, writer, group, pending)
        if batches:
            group = _group(batches, added, ids[done:], schema)
            done += group.num_rows
            pending = _write(pool, writer, group, pending)
        if pending is not None:
            pending.result()
    return done


def _group(
    batches: list[pa.RecordBatch], added: pa.Table, ids: np.ndarray, schema: pa.Schema
) -> pa.Table:
    """One row group: the rows read, then their annotation cells gathered by id."""
    import pyarrow as pa

    read = pa.Table.from_batches(batches)
    n = read.num_rows
    if n > len(ids):
        raise IndexError(f"more rows than annotation ids ({len(ids)} left)")
    extra = added.take(pa.array(ids[:n]))
    return pa.Table.from_arrays([*read.columns, *extra.columns], schema=schema)


def _write(
    pool: ThreadPoolExecutor, writer: pq.ParquetWriter, group: pa.Table, last: Future[None] | None
) -> Future[None]:
    """Write `group` as one row group on the pool's thread, once the one before is written."""
    if last is not None:
        last.result()
    return pool.submit(writer.write_table, group, row_group_size=group.num_rows)
