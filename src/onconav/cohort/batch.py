"""What an engine does to one batch of rows, in both passes: the code engines share.

The Polars engine streams each input through `scan.mark_columns` (pass 1) and gathers each
row's annotation cells by id with `scan.annotation_texts` / `scan.annotation_cells` (pass 2).
The Spark engine (`cohort/spark/`) runs the same functions on each Arrow batch an executor
receives, through the two functions here, so the two engines' outputs cannot drift apart: a
row is marked by the same expressions and gets the same cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from onconav.cohort.layer import ROW, Layer
from onconav.cohort.scan import KB, ROW_REJECT, SAMPLE, mark_columns

__all__ = ["annotation_ids", "mark_batch"]


def mark_batch(
    layer: Layer,
    spellings: frozenset[str],
    known: pl.Series | None,
    *,
    keep: Sequence[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pass 1 over one batch: its marked rows, and its rows counted by sample.

    Args:
        layer: The input, whose `frame` is the batch, already numbered (`__i`).
        spellings: How files may write knowledge-base genes.
        known: The clinical file's samples, when one is given.
        keep: Columns of the batch to keep beside each marked row (where it came from).

    Returns:
        The marked rows (`__i`, `keep`, `__s`, `__rr`, `__kb`, then the fields `scan.KeyScan`
        lists), and (`__s`, `__n`, `__o`): rows and the least tumor type they give, by sample,
        with the rows whose copies of a copied column differ (`Table.deferred_copies`).
    """
    lf, fields = mark_columns(layer, spellings, known, indexed=True)
    mark = pl.col(KB) | pl.col(ROW_REJECT).is_not_null()
    marked = lf.filter(mark).select(ROW, *keep, SAMPLE, ROW_REJECT, KB, *fields)
    copies = layer.copies_differ()
    counted = lf.group_by(SAMPLE).agg(pl.len().alias("__n"), pl.col("__o").min(), *copies)
    done = pl.collect_all([marked, counted])
    return done[0], done[1]


def annotation_ids(rows: pl.Series, ids: pl.DataFrame) -> pl.Series:
    """The annotation id of each row numbered `rows` (0, an unmarked row's, when not marked).

    Args:
        rows: Row numbers (`__i`) of a batch, ascending within each file.
        ids: `__i` and `__ann` of every marked row of the input, sorted by `__i`.
    """
    if rows.is_empty() or ids.is_empty():
        return pl.Series("__ann", [0] * rows.len(), dtype=pl.UInt32)
    column = ids[ROW]
    bounds = pl.Series([rows.min(), rows.max()], dtype=column.dtype)
    lo = int(column.search_sorted(bounds[:1], side="left")[0])
    hi = int(column.search_sorted(bounds[1:], side="right")[0])
    part = ids.slice(lo, hi - lo)
    frame = pl.DataFrame({ROW: rows})
    joined = frame.join(part, on=ROW, how="left", maintain_order="left")
    return joined["__ann"].fill_null(0).cast(pl.UInt32)
