r"""Split the lines Spark reads into cells, by the rules the Polars readers follow.

Spark reads each text file (gzip or not) as lines (`spark.read.text`, split on '\\n' only),
each with its file and the byte offset of the file block it came from. A plain file is split
into blocks read by different tasks, and Spark packs blocks into partitions largest first, so a
line's number in its file is not known where it is read: each line gets its index within its
block (`__j`), and the driver adds the block's first line once pass 1 has counted every block's
lines (`__i` in pass 2 is then the file and the line, see `row_id`).

The rules are those of `readers.table.Table.scan` (Polars, quoting off): lines up to the header
are not rows; a line starting with '#' is a comment, skipped; a line end's '\\r' is dropped; an
empty cell is null; a row with fewer fields than the header gets null cells; one with more is
an error (`e` rows, reported by the driver with the file and line). A NUL byte becomes U+FFFD
and the row is rejected `nul-byte`, as `readers.source` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import polars as pl

__all__ = ["BlockState", "canonical", "number_lines", "row_id", "split_cells", "text_rows"]

# A row id (`__i`) of a text input: the file's index above this many bits, its line below.
LINE_BITS = 40
_FILE_SCHEME = re.compile(r"^file:/+")


def canonical(path: str) -> str:
    """A file's path as both Spark's listing and its `_metadata.file_path` can be compared."""
    return _FILE_SCHEME.sub("/", unquote(path))


@dataclass
class BlockState:
    """The block the previous batch of a partition ended in, and its lines so far."""

    key: tuple[int, int] | None = None
    lines: int = 0


def number_lines(frame: pl.DataFrame, state: BlockState) -> pl.DataFrame:
    """Add `__j` (index of each line in its block) and `__g` (a run of one block: 1, 2, ...).

    A partition's lines come in order, block after block; a block may go on from the last batch.
    """
    fi, b = pl.col("__fi"), pl.col("__b")
    new = ((fi != fi.shift()) | (b != b.shift())).fill_null(True)
    frame = frame.with_columns(new.cum_sum().alias("__g"))
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("__g").alias("__j"))
    first = (int(frame["__fi"][0]), int(frame["__b"][0]))
    if first == state.key:
        go_on = pl.when(pl.col("__g") == 1).then(pl.col("__j") + state.lines)
        frame = frame.with_columns(go_on.otherwise(pl.col("__j")).alias("__j"))
    state.key = (int(frame["__fi"][-1]), int(frame["__b"][-1]))
    state.lines = int(frame["__j"][-1]) + 1
    return frame


def _bad_utf8(frame: pl.DataFrame) -> pl.DataFrame:
    """The first line of `frame` that is not UTF-8, as an `e` row (byte offset in `__n`)."""
    for i, raw in enumerate(frame["__v"].to_list()):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as err:
            row = frame.slice(i, 1).select("__fi", "__b", "__j")
            field = raw[: err.start].count(b"\t")  # (the field the bad byte is in, 0-based)
            return row.with_columns(pl.lit(f"utf8:{field}").alias("__err"),
                                    pl.lit(err.start + 1, pl.Int64).alias("__n"))  # fmt: skip
    return (
        frame.clear()
        .select("__fi", "__b", "__j")
        .with_columns(pl.lit(None, pl.String).alias("__err"), pl.lit(None, pl.Int64).alias("__n"))
    )


def text_rows(
    frame: pl.DataFrame, headers: dict[int, int], comments: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The data rows of numbered lines (`__fi`, `__b`, `__j`, `__v` bytes), and errors.

    Args:
        frame: Lines with their file index, block, index in the block and bytes.
        headers: The header's 1-based line of each file index.
        comments: Lines starting with '#' are comments (every table but a VCF).

    Returns:
        (`__fi`, `__b`, `__j`, `__line` text, `__nul`) of each data row, and `e` rows
        (`__fi`, `__b`, `__j`, `__err` 'utf8:<field>', `__n` byte) of lines that cannot be
        read (not UTF-8).
    """
    try:
        text = frame["__v"].cast(pl.String)
    except pl.exceptions.ComputeError:
        return frame.clear().select("__fi", "__b", "__j"), _bad_utf8(frame)
    head = pl.col("__fi").replace_strict(headers, return_dtype=pl.Int64)
    skip = (pl.col("__b") == 0) & (pl.col("__j") < head)
    if comments:
        skip = skip | pl.col("__line").str.starts_with("#")
    line = pl.col("__line")
    rows = (
        frame.select("__fi", "__b", "__j", text.alias("__line"))
        .filter(~skip)
        .with_columns(line.str.contains("\x00", literal=True).alias("__nul"))
        .with_columns(line.str.replace_all("\x00", "\ufffd", literal=True).str.strip_suffix("\r"))
    )
    empty = (
        frame.clear()
        .select("__fi", "__b", "__j")
        .with_columns(pl.lit(None, pl.String).alias("__err"), pl.lit(None, pl.Int64).alias("__n"))
    )
    return rows, empty


def split_cells(
    rows: pl.DataFrame, width: int, wanted: list[int] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows' cells `c0` ... (empty cells null, missing ones null), and over-long rows.

    Only the cells at `wanted` positions are made, when given (pass 1 reads a few columns).

    Returns:
        `rows` with the cells, and `e` rows (`__fi`, `__b`, `__j`, `__err`, `__n` fields) of
        rows with more fields than the header.
    """
    fields = pl.col("__line").str.count_matches("\t", literal=True).cast(pl.Int64) + 1
    positions = list(range(width)) if wanted is None else wanted
    # Split only up to the last cell wanted (`splitn`: the rest stays one piece), so that pass 1
    # reading a few columns of a wide MAF does not cut every line into all its fields.
    pieces = (max(positions) + 2) if positions else 1
    rows = rows.with_columns(
        pl.col("__line").str.splitn("\t", pieces).alias("__parts"), fields.alias("__nf")
    )
    long = rows.filter(pl.col("__nf") > width).select(
        "__fi", "__b", "__j", pl.lit("fields").alias("__err"), pl.col("__nf").alias("__n")
    )
    cells = []
    for i in positions:
        cell = pl.col("__parts").struct.field(f"field_{i}")
        cells.append(pl.when(cell != "").then(cell).alias(f"c{i}"))
    return rows.with_columns(cells).drop("__parts", "__nf"), long


def row_id(file: pl.Expr, line: pl.Expr) -> pl.Expr:
    """The row id (`__i`) of a text input's row: its file index and line, in input order."""
    return file.cast(pl.Int64) * (1 << LINE_BITS) + line
