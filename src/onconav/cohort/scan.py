"""The two passes over each input: mark the rows that need a look, then write every row.

Pass 1 (`scan_keys`) streams the rows once and keeps two small results: rows counted by sample
(with a tumor type the rows give, when the file has ONCOTREE_CODE), and the *marked* rows, those
that may name a knowledge-base gene or are rejected on their own (no gene, no sample, sample
missing from the clinical file), each with its row number and key cells. Pass 2 (`write_rows`)
streams the rows again with each row's annotation id set beside it (a column of four bytes a
row, 0 for an unmarked row: empty cells) and the annotation cells gathered by id from the small
table of distinct annotations, in input order, straight into the output file. No Python code
runs per row and both passes use Polars' streaming engine, so memory is bounded by the marked
rows and the samples, not by the file.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from onconav.cohort.columns import ANNOTATION_COLUMNS
from onconav.cohort.layer import ROW, Layer
from onconav.cohort.readers.table import BodyCounts, check_tail, diagnose
from onconav.errors import CohortInputError

__all__ = [
    "KB",
    "ROW_REJECT",
    "SAMPLE",
    "Annotations",
    "KeyScan",
    "annotation_cells",
    "annotation_texts",
    "key_names",
    "key_rows",
    "mark_columns",
    "scan_keys",
    "write_rows",
]

_logger = logging.getLogger(__name__)

SAMPLE = "__s"
# The marked rows' cells that only show a rejected row (and `__o`, which the plan reads from
# the samples): staged on disk, not held in memory (see `_marked`).
SHOWN = ("__o", "GENE", "ALTERATION", "LINE", "COLUMN")
ROW_REJECT = "__rr"
KB = "__kb"


def key_names(layer: Layer) -> list[str]:
    """Names of the key columns of a layer (`__k0`, `__k1`, ...)."""
    return [f"__k{i}" for i in range(len(layer.keys))]


@dataclass(frozen=True)
class KeyScan:
    """What pass 1 found in one layer.

    Attributes:
        rows: Rows in the input.
        samples: Rows by sample: `__s` (may be null), `__o` (a tumor type the rows give, or
            null), `__n`.
        marked: The rows that need a look: `__i` (row number), `__s`, `__rr` (row-level reject
            code or null), `__kb` (may name a knowledge-base gene), and, unless `staged` is
            set, the key cells `__k*`, `__o` and `GENE`, `ALTERATION`, `LINE`, `COLUMN` to
            show a rejected row (see `key_rows`).
        blank_last: Rows whose last header column is empty or absent, i.e. that may have fewer
            fields than the header (all rows when the layer is not a table's lines).
        staged: A Parquet file of every column of the marked rows (in the work folder), when
            `marked` holds only those the plan needs in memory: the key cells are read from it
            as they stream (`key_rows`), and the cells that show a rejected row for the few
            rows that may be rejected.
    """

    rows: int
    samples: pl.DataFrame
    marked: pl.DataFrame
    blank_last: int = 0
    staged: Path | None = None


def key_rows(scan: KeyScan) -> pl.LazyFrame:
    """The marked rows with their key cells, in row order: from the staged file, if any."""
    return pl.scan_parquet(scan.staged) if scan.staged is not None else scan.marked.lazy()


def row_reject(
    layer: Layer, known: pl.Series | None, *, unknown: pl.Series | None = None
) -> pl.Expr:
    """The row-level reject code (or null): no carrier, no gene, no sample, unknown sample.

    A sample is unknown when `known` (the clinical file's samples) is given and lacks it, or,
    when `unknown` is given instead, when `unknown` names it (cheaper: that list is short).
    """
    if unknown is not None:
        flag = layer.sample.is_in(unknown.implode()) if len(unknown) else pl.lit(False)
    elif known is not None:
        flag = ~layer.sample.is_in(known.implode())
    else:
        flag = pl.lit(False)
    out = (
        pl.when(~layer.has_gene).then(pl.lit("missing-gene"))
        .when(layer.sample.is_null()).then(pl.lit("missing-sample"))
        .when(flag).then(pl.lit("unknown-sample"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )  # fmt: skip
    if layer.row_reject is not None:
        out = pl.coalesce(layer.row_reject, out)
    return out.alias(ROW_REJECT)


def mark_columns(
    layer: Layer, spellings: frozenset[str], known: pl.Series | None, *, indexed: bool = False,
    unknown: pl.Series | None = None,
) -> tuple[pl.LazyFrame, list[pl.Expr]]:  # fmt: skip
    """Pass 1's columns of every row, and the fields a marked row keeps (both engines use it).

    Returns `layer.frame` with `__i` (the row number; kept as it is when `indexed`), `__s`,
    `__rr`, `__kb` and `__o`, and the expressions of the key cells, `__o`, `GENE`,
    `ALTERATION`, `LINE` and `COLUMN`, computed on the marked rows alone. Unknown samples
    are those missing from `known`, or those `unknown` names (see `row_reject`).
    """
    oncotree = layer.oncotree if layer.oncotree is not None else pl.lit(None, pl.String)
    fields = [
        *(k.alias(n) for k, n in zip(layer.keys, key_names(layer), strict=True)),
        pl.col("__o"),
        layer.gene.alias("GENE"),
        layer.detail.alias("ALTERATION"),
        layer.line.cast(pl.Int64).alias("LINE"),
        (layer.column if layer.column is not None else pl.lit(None, pl.String)).alias("COLUMN"),
    ]
    frame = layer.frame if indexed else layer.frame.with_row_index(ROW)
    lf = frame.with_columns(
        layer.sample.alias(SAMPLE),
        row_reject(layer, known, unknown=unknown),
        layer.kb_hint(spellings).fill_null(False).alias(KB),
        oncotree.alias("__o"),
    )
    return lf, fields


def scan_keys(
    layer: Layer, spellings: frozenset[str], known: pl.Series | None, work: Path | None = None
) -> KeyScan:
    """Pass 1 over one layer: the marked rows, and rows counted by sample, from one scan.

    Args:
        layer: The input.
        spellings: How files may write knowledge-base genes.
        known: The clinical file's samples, when one is given.
        work: A private folder where the marked rows are staged (see `_marked`); without it
            they are collected in memory.

    Raises:
        CohortInputError: the input cannot be read, or its last line is cut short.
    """
    # One streamed scan (reading only the columns named here) feeds both: rows counted by
    # sample, and the marked rows with their fields (`collect_all`; 40 % less time than a scan
    # each, for 10 % more memory, at ten million narrow rows). One group a marked row beside the
    # samples held about three times their size in hash tables (3.1 GiB at ten million panel
    # rows). Rows are not looked up among the clinical file's samples as they stream (a hash
    # lookup of every row's sample among a million): the samples missing from it are found from
    # the counts, and only when there are any is the marked-row scan run again, looking for them.
    lf, fields = mark_columns(layer, spellings, None)
    last = layer.table.names[-1] if layer.verbatim and layer.table is not None else None
    blank = pl.col(last).null_count() if last else pl.len()
    counted = lf.group_by(SAMPLE).agg(
        pl.len().alias("__n"), pl.col("__o").min(), blank.alias("__bl"), *layer.copies_differ()
    )

    def kept(lf: pl.LazyFrame, fields: list[pl.Expr]) -> pl.LazyFrame:
        mark = pl.col(KB) | pl.col(ROW_REJECT).is_not_null()
        return lf.filter(mark).select(ROW, SAMPLE, ROW_REJECT, KB, *fields)

    try:
        # (held in memory, the key cells of ten million narrow rows were 0.25 GiB through the
        # plan's start; staged, they are read as they stream)
        shown = (*SHOWN, *key_names(layer))
        samples, marks, staged = _marked(kept(lf, fields), work, shown, counted)
        assert samples is not None
        if layer.table is not None:
            layer.table.check_copies(samples)
        unknown = _unknown(samples[SAMPLE], known)
        if unknown is not None and len(unknown):
            if staged is not None:
                staged.unlink()
            lf, fields = mark_columns(layer, spellings, None, unknown=unknown)
            _, marks, staged = _marked(kept(lf, fields), work, shown)
    except pl.exceptions.PolarsError as exc:
        staging = _staging_failure(exc, work)
        raise (staging if staging is not None else _located(layer, exc)) from exc
    blank_last = int(samples["__bl"].sum()) if samples.height else 0
    samples = samples.select(SAMPLE, "__n", "__o")
    rows = int(samples["__n"].sum()) if samples.height else 0
    if layer.table is not None:
        check_tail(layer.table)
    return KeyScan(rows=rows, samples=samples, marked=marks, blank_last=blank_last,
                   staged=staged)  # fmt: skip


def _unknown(samples: pl.Series, known: pl.Series | None) -> pl.Series | None:
    """The samples (of the rows) missing from `known` (the clinical file's), when it is given."""
    if known is None:
        return None
    return samples.filter(samples.is_not_null() & ~samples.is_in(known.implode()))


def _marked(
    kept: pl.LazyFrame, work: Path | None, shown: tuple[str, ...],
    beside: pl.LazyFrame | None = None,
) -> tuple[pl.DataFrame | None, pl.DataFrame, Path | None]:  # fmt: skip
    """The marked rows in row order, the file they are staged in, and `beside` if given.

    Returns (`beside` collected from the same scan, or None; the rows; the file or None).

    Collected from the stream, they kept a copy of the text of every cell read around them
    (a kept cell is a view into its chunk's buffer) plus the stream's own buffers: 0.8 GiB
    above the start for 0.2 GiB of marked rows at ten million narrow rows. Written to a
    Parquet file in `work` as they stream (in input order; its dictionaries make it a
    fraction of their size) and read back, they cost about twice their own size at the peak,
    and the scan is faster. (An Arrow IPC file read back took more than a collect.) The
    columns in `shown` (the key cells, and the cells that show a rejected row) are left in the
    file: held for every marked row until the plan, they were most of its memory.
    """
    also = [beside] if beside is not None else []
    if work is None:
        schema = kept.collect_schema()
        own = [_owned(c) if t == pl.String else pl.col(c) for c, t in schema.items()]
        *got, marks = pl.collect_all([*also, kept.select(own)], engine="streaming")
        return (got[0] if got else None), marks.sort(ROW), None
    path = work / f"marked-{uuid.uuid4().hex}.parquet"
    try:
        sink = kept.sink_parquet(path, compression="uncompressed", statistics=False,
                                 maintain_order=True, lazy=True)  # fmt: skip
        got = pl.collect_all([*also, sink], engine="streaming")
        lf = pl.scan_parquet(path)
        needed = [c for c in lf.collect_schema().names() if c not in shown]
        marks = lf.select(needed).collect(engine="streaming")
        return (got[0] if also else None), marks, path
    except BaseException:
        path.unlink(missing_ok=True)
        raise


# Failures of writing, not of reading: no room left (disk, quota) or a read-only file system.
_NO_ROOM = re.compile(r"\(os error (?P<errno>28|30|122)\)")


def _staging_failure(exc: Exception, work: Path | None) -> OSError | None:
    """A failure to stage the marked rows in `work` (see `_marked`), as the OSError it is.

    It is the environment's, not the input's: the command line names the output folder.
    """
    found = _NO_ROOM.search(str(exc))
    if work is None or found is None:
        return None
    code = int(found.group("errno"))
    return OSError(code, os.strerror(code), str(work))


def _owned(name: str) -> pl.Expr:
    """A text column as strings of its own, not views into the reader's buffers.

    A kept row's cells, read as they are, point into the buffer of every cell of its column
    in the chunk read: the marked quarter of ten million narrow rows held 1.2 GiB of the
    file's text for 0.2 GiB of its own. A string that is built (here: one character added
    and dropped) is copied out as the stream runs.
    """
    return pl.concat_str(pl.col(name), pl.lit("_")).str.head(-1).alias(name)


def _located(layer: Layer, exc: Exception) -> CohortInputError:
    if layer.table is None:
        return CohortInputError(f"cannot read ({exc})", file=layer.label)
    return diagnose(layer.table, exc)


@dataclass(frozen=True)
class Annotations:
    """The annotation of each marked row of a layer, as an id into its distinct annotations.

    A ten-million-row panel file has millions of marked rows but a few thousand distinct
    annotations: pass 2 carries one integer a row, not fourteen cells.

    Attributes:
        ids: `__i` (row number) and `__ann` of each marked row.
        table: `__ann` and the ANNOTATION_COLUMNS of each distinct annotation; id 0 is an
            unmarked row's (ANNOTATED True, every other cell empty).
    """

    ids: pl.DataFrame
    table: pl.DataFrame


def annotation_texts(table: pl.DataFrame) -> pl.Series:
    """Each distinct annotation's cells as one tab-joined text, indexed by annotation id."""
    cells = [pl.col(c).fill_null("") for c in ANNOTATION_COLUMNS]
    return table.select(pl.concat_str(cells, separator="\t"))["ANNOTATED"]


def annotation_cells(table: pl.DataFrame, ids: pl.Expr) -> list[pl.Expr]:
    """The ANNOTATION_COLUMNS of each row, gathered by its annotation id `ids`."""
    return [pl.lit(table[c]).gather(ids).alias(c) for c in ANNOTATION_COLUMNS]


def _tails(found: Annotations, rows: int) -> pl.LazyFrame:
    """`__tail` of every row in order: its annotation cells as one tab-joined text.

    One integer a row set beside the rows, whose text is gathered from the distinct ones as
    the rows stream (a `replace_strict` of the ids held the whole column: 2 GiB at ten million
    rows).
    """
    texts = annotation_texts(found.table)
    return _ids(found.ids, rows).select(pl.lit(texts).gather(pl.col("__ann")).alias("__tail"))


def _ids(ids: pl.DataFrame, rows: int) -> pl.LazyFrame:
    """`__ann` of every row in order (0 where a row is not marked), as one column.

    Set beside the rows (a horizontal concat), it costs four bytes a row, and is cheaper than
    joining ten million rows on their number.
    """
    column = pl.Series("__ann", dtype=pl.UInt32).extend_constant(0, rows)
    if ids.height:
        column = column.scatter(ids[ROW], ids["__ann"])
    return pl.LazyFrame([column])


def _verbatim(layer: Layer, found: Annotations, rows: int, rectangular: bool) -> pl.LazyFrame:
    """Every row as its line's text, padded to the header's width, then the annotation cells.

    The text is copied, not split into cells and joined again, which is most of the cost of
    writing. When every line after the header is known to be a row with exactly the header's
    fields (`rectangular`), lines are read without a field search and copied as they are,
    beside their annotation cells (`__line`, `__tail`: the writer sets the tab between them;
    joining the two texts first took a tenth of the run at ten million rows). Otherwise a
    line with fewer fields is padded with empty cells, as `scan` reads it, and joined with its
    annotation cells (`__line`); one with more cannot be padded, and its pad length fails a
    strict cast (the caller then falls back to the cell-by-cell path, which reports the line).
    """
    assert layer.table is not None
    text = pl.col("__line").fill_null("")
    if rectangular:  # (the writer puts the tab between the two: no text is joined)
        lines = pl.concat([layer.table.scan_body_lines(), _tails(found, rows)], how="horizontal")
        return lines.select(text, "__tail")
    last = len(layer.table.header) - 1
    tabs = text.str.count_matches("\t", literal=True).cast(pl.Int64)
    pad = pl.lit("\t" * last).str.slice(0, (pl.lit(last, pl.Int64) - tabs).cast(pl.UInt32))
    lines = pl.concat([layer.table.scan_lines(), _tails(found, rows)], how="horizontal")
    return lines.select(pl.concat_str([text, pad, pl.lit("\t"), pl.col("__tail")]).alias("__line"))


def _count(layer: Layer) -> int:
    try:
        return int(layer.frame.select(pl.len()).collect(engine="streaming").item())
    except pl.exceptions.PolarsError as exc:
        raise _located(layer, exc) from exc


def _rectangular(layer: Layer, scan: KeyScan, counts: BodyCounts | None) -> bool:
    """Every line after the header is a row with exactly the header's fields (see `write_rows`)."""
    assert layer.table is not None
    width = len(layer.table.header) - 1
    if counts is None or counts.lines != scan.rows or counts.tabs != scan.rows * width:
        return False
    # (with no blank last cell, no row is short, and then the tabs in all say that none is long)
    return counts.even if counts.even is not None else scan.blank_last == 0


def _only_rows(scan: KeyScan, counts: BodyCounts | None) -> bool:
    """Every line after the header is a row (none is a comment) and none has a carriage return."""
    return counts is not None and counts.lines == scan.rows and counts.returns == 0


def write_rows(
    layer: Layer,
    found: Annotations,
    sink: Callable[[pl.LazyFrame, list[str]], pl.LazyFrame],
    tsv: bool,
    lines: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
    *,
    scan: KeyScan | None = None,
    counts: BodyCounts | None = None,
    copy: Callable[[pl.Series, pl.DataFrame], bool] | None = None,
) -> None:
    """Pass 2: every input row, in order, its columns as read, then the annotation columns.

    Each row gets its annotation id (`Annotations`; an unmarked row's is 0: ANNOTATED True,
    empty cells), set beside the rows in order, and the annotation cells by id from the small
    table of distinct annotations. For TSV the annotation cells travel as one tab-joined text;
    and when the layer is `verbatim` and `lines` is given, each row is written as its line's
    text followed by that text (see `_verbatim`), else cell by cell through `sink`. For Parquet,
    a `verbatim` layer whose lines are all rows is written by `copy` when given (pyarrow reads
    the lines; see `parquet_rows`), else (or when `copy` cannot) through `sink`.

    Args:
        layer: The input.
        found: The annotation of each marked row (made by `plan.make_plan`).
        sink: Makes the lazy sink of a frame, given the names of its columns to write.
        tsv: Write the annotation cells as one tab-joined column.
        lines: Makes the lazy sink of a frame of text columns, written a line a row.
        scan: Pass 1's result (rows, and rows whose last cell is blank); needed with `lines`
            and `copy`.
        counts: The body's tabs, lines and carriage returns (`readers.table.body_counts`), if
            counted. With as many lines as rows (no comment or blank line), no row whose last
            cell is blank (none is short) and rows x (columns - 1) tabs in all (so none is long
            either), every line is a row with exactly the header's fields.
        copy: Writes the Parquet file from the lines, given each row's annotation id and the
            distinct annotations' cells; returns False when it cannot read the lines as the
            scan does.

    Raises:
        CohortInputError: the input cannot be read.
    """
    if tsv and layer.verbatim and lines is not None and scan is not None:
        frame = _verbatim(layer, found, scan.rows, _rectangular(layer, scan, counts))
        try:
            lines(frame).collect(engine="streaming")
        except pl.exceptions.PolarsError as exc:
            _logger.info("copying lines failed (%s); writing cell by cell", exc)
        else:
            return
    if not tsv and layer.verbatim and copy is not None and scan and _only_rows(scan, counts):
        ids = _ids(found.ids, scan.rows).collect()["__ann"]
        if copy(ids, found.table.select(ANNOTATION_COLUMNS)):
            return
    rows = scan.rows if scan is not None else _count(layer)
    if tsv:
        base = pl.concat([layer.frame, _tails(found, rows)], how="horizontal")
        out = sink(base, [*layer.columns, "__tail"])
    else:
        table = found.table
        base = pl.concat([layer.frame, _ids(found.ids, rows)], how="horizontal")
        cells = annotation_cells(table, pl.col("__ann"))
        out = sink(base.with_columns(cells), [*layer.columns, *ANNOTATION_COLUMNS])
    try:
        out.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise _located(layer, exc) from exc
