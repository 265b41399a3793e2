"""The two passes over each input: mark the rows that need a look, then write every row.

Pass 1 (`scan_marked`) streams the rows once and keeps only the *marked* rows, those that may
name a knowledge-base gene or are rejected on their own (no gene, no sample, sample missing from
the clinical file), each with its row number and key cells; it hands them over in batches as
Polars reads, so that reading new keys overlaps the scan. Pass 2 (`write_rows`) streams the rows
again, left-joins them on the row number to the marked rows' annotation, in input order (an
unmarked row is annotated with empty cells), writes them, and counts rows by sample from the
same scan. No Python code runs per row, the join key is one integer, and both passes use
Polars' streaming engine, so memory is bounded by the marked rows, not by the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from onconav.cohort.columns import ANNOTATION_COLUMNS
from onconav.cohort.layer import ROW, Layer
from onconav.cohort.readers.table import check_tail, diagnose
from onconav.errors import CohortInputError

__all__ = ["KB", "ROW_REJECT", "SAMPLE", "RowCount", "key_names", "scan_marked", "write_rows"]

SAMPLE = "__s"
ROW_REJECT = "__rr"
KB = "__kb"


def key_names(layer: Layer) -> list[str]:
    """Names of the key columns of a layer (`__k0`, `__k1`, ...)."""
    return [f"__k{i}" for i in range(len(layer.keys))]


@dataclass(frozen=True)
class RowCount:
    """What pass 2 counted in one layer.

    Attributes:
        rows: Rows in the input.
        samples: Rows by sample: `__s` (may be null), `__o` (a tumor type the rows give, or
            null), `__n`.
    """

    rows: int
    samples: pl.DataFrame


def row_reject(layer: Layer, known: pl.Series | None) -> pl.Expr:
    """The row-level reject code (or null): no carrier, no gene, no sample, unknown sample."""
    unknown = ~layer.sample.is_in(known.implode()) if known is not None else pl.lit(False)
    out = (
        pl.when(~layer.has_gene).then(pl.lit("missing-gene"))
        .when(layer.sample.is_null()).then(pl.lit("missing-sample"))
        .when(unknown).then(pl.lit("unknown-sample"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )  # fmt: skip
    if layer.row_reject is not None:
        out = pl.coalesce(layer.row_reject, out)
    return out.alias(ROW_REJECT)


def _marked(layer: Layer, spellings: frozenset[str], known: pl.Series | None) -> pl.LazyFrame:
    oncotree = layer.oncotree if layer.oncotree is not None else pl.lit(None, pl.String)
    lf = layer.frame.with_row_index(ROW).with_columns(
        layer.sample.alias(SAMPLE),
        row_reject(layer, known),
        layer.kb_hint(spellings).fill_null(False).alias(KB),
    )
    return lf.filter(pl.col(KB) | pl.col(ROW_REJECT).is_not_null()).select(
        ROW,
        SAMPLE,
        ROW_REJECT,
        KB,
        *(k.alias(n) for k, n in zip(layer.keys, key_names(layer), strict=True)),
        oncotree.alias("__o"),
        layer.gene.alias("GENE"),
        layer.detail.alias("ALTERATION"),
        layer.line.cast(pl.Int64).alias("LINE"),
        (layer.column if layer.column is not None else pl.lit(None, pl.String)).alias("COLUMN"),
    )


def scan_marked(
    layer: Layer,
    spellings: frozenset[str],
    known: pl.Series | None,
    on_batch: Callable[[pl.DataFrame], None],
) -> pl.DataFrame:
    """Pass 1 over one layer: the marked rows, handed to `on_batch` as Polars reads them.

    The rows are read on Polars' threads while `on_batch` runs on this one (the annotator reads
    new keys there), so the two overlap.

    Args:
        layer: The input.
        spellings: How files may write knowledge-base genes.
        known: The clinical file's samples, when one is given.
        on_batch: Called with each batch of marked rows, in order.

    Returns:
        The marked rows: `__i` (row number), `__s`, `__rr` (row-level reject code or null),
        `__kb`, the key cells `__k*`, `__o`, and `GENE`, `ALTERATION`, `LINE`, `COLUMN`.

    Raises:
        CohortInputError: the input cannot be read (line and column named where found).
    """
    batches = []
    try:
        for batch in _marked(layer, spellings, known).collect_batches(engine="streaming"):
            on_batch(batch)
            batches.append(batch)
    except pl.exceptions.PolarsError as exc:
        raise _located(layer, exc) from exc
    if batches:
        return pl.concat(batches)
    return _marked(layer, spellings, known).clear().collect()


def _located(layer: Layer, exc: Exception) -> CohortInputError:
    if layer.table is None:
        return CohortInputError(f"cannot read ({exc})", file=layer.label)
    return diagnose(layer.table, exc)


def _tail(lookup: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """The annotation cells of each marked row as one tab-joined text, and an unmarked row's."""
    cells = [pl.col(c).fill_null("") for c in ANNOTATION_COLUMNS]
    tail = lookup.select(ROW, pl.concat_str(cells, separator="\t").alias("__tail"))
    return tail, "\t".join(["True", *[""] * (len(ANNOTATION_COLUMNS) - 1)])


def write_rows(
    layer: Layer, lookup: pl.DataFrame, sink: Callable[[pl.LazyFrame, list[str]], pl.LazyFrame],
    tsv: bool,
) -> RowCount:  # fmt: skip
    """Pass 2: every input row, in order, its columns as read, then the annotation columns.

    Rows are joined on the row number to `lookup` (the annotation of each marked row); any
    other row is annotated (ANNOTATED True) with empty cells. For TSV the annotation cells
    travel as one tab-joined text, one join column instead of fourteen. The same scan counts
    rows by sample.

    Args:
        layer: The input.
        lookup: `__i` and the ANNOTATION_COLUMNS of each marked row.
        sink: Makes the lazy sink of a frame, given the names of its columns to write.
        tsv: Write the annotation cells as one tab-joined column.

    Raises:
        CohortInputError: the input cannot be read, or its last line is cut short.
    """
    base = layer.frame.with_row_index(ROW).cache()
    if tsv:
        tail, default = _tail(lookup)
        joined = base.join(tail.lazy(), on=ROW, how="left", maintain_order="left")
        frame = joined.with_columns(pl.col("__tail").fill_null(default))
        out = sink(frame, [*layer.columns, "__tail"])
    else:
        joined = base.join(lookup.lazy(), on=ROW, how="left", maintain_order="left")
        frame = joined.with_columns(pl.col("ANNOTATED").fill_null("True"))
        out = sink(frame, [*layer.columns, *ANNOTATION_COLUMNS])
    oncotree = layer.oncotree if layer.oncotree is not None else pl.lit(None, pl.String)
    counts = base.group_by(layer.sample.alias(SAMPLE)).agg(
        pl.len().alias("__n"), oncotree.drop_nulls().min().alias("__o")
    )
    try:
        _, samples = pl.collect_all([out, counts], engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise _located(layer, exc) from exc
    rows = int(samples["__n"].sum()) if samples.height else 0
    if layer.table is not None:
        check_tail(layer.table, rows)
    return RowCount(rows=rows, samples=samples)
