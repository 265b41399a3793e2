"""The two passes over each input: gather distinct keys, then write every row annotated.

Pass 1 (`scan_keys`) streams the rows once and keeps only small aggregates: rows by sample,
row-level rejection and tumor type, and the distinct alteration keys of rows that may name a
knowledge-base gene, with their counts. Pass 2 (`annotated_rows`, `rejected_rows`) streams the
rows again and left-joins each one to its key's annotation, in input order, with no Python code
per row. Both passes read the input with Polars' streaming engine, so memory stays bounded by
the aggregates, not by the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from onconav.cohort.columns import ANNOTATION_COLUMNS, REJECT_REASONS
from onconav.cohort.layer import Layer
from onconav.cohort.readers.table import check_tail, diagnose
from onconav.errors import CohortInputError

__all__ = ["KeyScan", "annotated_rows", "key_names", "rejected_rows", "run_query", "scan_keys"]

SAMPLE = "__s"
ROW_REJECT = "__rr"


def key_names(layer: Layer) -> list[str]:
    """Names of the key columns of a layer (`__k0`, `__k1`, ...)."""
    return [f"__k{i}" for i in range(len(layer.keys))]


@dataclass(frozen=True)
class KeyScan:
    """What pass 1 found in one layer.

    Attributes:
        rows: Rows in the input.
        samples: Rows counted by sample (`__s`), row-level reject (`__rr`), tumor type (`__o`),
            `__kb` (may name a knowledge-base gene), `__n`.
        keys: Distinct (sample, key cells) of rows that may name a knowledge-base gene and
            have no row-level reject, with their count `__n`.
    """

    rows: int
    samples: pl.DataFrame
    keys: pl.DataFrame


def row_reject(layer: Layer, known_samples: pl.Series | None = None) -> pl.Expr:
    """The row-level reject code (or null): no carrier, no gene, no sample, unknown sample."""
    unknown = ~layer.sample.is_in(known_samples) if known_samples is not None else pl.lit(False)
    out = (
        pl.when(~layer.has_gene).then(pl.lit("missing-gene"))
        .when(layer.sample.is_null()).then(pl.lit("missing-sample"))
        .when(unknown).then(pl.lit("unknown-sample"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )  # fmt: skip
    if layer.row_reject is not None:
        out = pl.coalesce(layer.row_reject, out)
    return out.alias(ROW_REJECT)


def _with_keys(layer: Layer, spellings: frozenset[str]) -> pl.LazyFrame:
    return layer.frame.with_columns(
        layer.sample.alias(SAMPLE),
        *(k.alias(n) for k, n in zip(layer.keys, key_names(layer), strict=True)),
        row_reject(layer),
        layer.kb_hint(spellings).fill_null(False).alias("__kb"),
        (layer.oncotree if layer.oncotree is not None else pl.lit(None, pl.String)).alias("__o"),
    )


def run_query(layer: Layer, frames: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Collect several queries over one layer together; a read failure becomes a located error.

    Raises:
        CohortInputError: the input cannot be read (line and column named where found).
    """
    try:
        return pl.collect_all(frames, engine="streaming")
    except pl.exceptions.PolarsError as exc:
        if layer.table is None:
            raise CohortInputError(f"cannot read ({exc})", file=layer.label) from exc
        raise diagnose(layer.table, exc) from exc


def scan_keys(layer: Layer, spellings: frozenset[str]) -> KeyScan:
    """Pass 1 over one layer.

    Raises:
        CohortInputError: the input cannot be read, or its last line is cut short.
    """
    lf = _with_keys(layer, spellings)
    by_sample = lf.group_by(SAMPLE, ROW_REJECT, "__o", "__kb").agg(pl.len().alias("__n"))
    keys = (
        lf.filter(pl.col("__kb") & pl.col(ROW_REJECT).is_null())
        .group_by(SAMPLE, *key_names(layer))
        .agg(pl.len().alias("__n"))
    )
    samples, distinct = run_query(layer, [by_sample, keys])
    rows = int(samples["__n"].sum()) if samples.height else 0
    if layer.table is not None:
        check_tail(layer.table, rows)
    return KeyScan(rows=rows, samples=samples, keys=distinct)


def _joined(layer: Layer, lookup: pl.DataFrame, known: pl.Series | None) -> pl.LazyFrame:
    names = key_names(layer)
    lf = layer.frame.with_columns(
        layer.sample.alias(SAMPLE),
        *(k.alias(n) for k, n in zip(layer.keys, names, strict=True)),
        row_reject(layer, known),
    )
    lf = lf.join(
        lookup.lazy(),
        on=[SAMPLE, *names],
        how="left",
        nulls_equal=True,
        maintain_order="left",
        build_side="prefer_right",
    )
    return lf.with_columns(pl.coalesce(ROW_REJECT, "__rej").alias("__code"))


def annotated_rows(layer: Layer, lookup: pl.DataFrame, known: pl.Series | None) -> pl.LazyFrame:
    """Pass 2: every input row, in order, its columns as read, then the annotation columns.

    `lookup` holds one row per distinct (sample, key) of knowledge-base rows with the
    annotation cells (`__rej` reject code, LEVEL_*, ...); other rows get empty cells.
    """
    lf = _joined(layer, lookup, known)
    ok = pl.col("__code").is_null()
    cells = [
        pl.when(ok).then(pl.lit("True")).otherwise(pl.lit("False")).alias("ANNOTATED"),
        *(pl.when(ok).then(pl.col(c)).alias(c) for c in ANNOTATION_COLUMNS[1:]),
    ]
    return lf.select(*layer.columns, *cells)


def rejected_rows(
    layer: Layer, lookup: pl.DataFrame, known: pl.Series | None, clinical: str | None
) -> pl.LazyFrame:
    """Pass 2's second output: the rejected rows, located, with their reasons."""
    lf = _joined(layer, lookup, known).filter(pl.col("__code").is_not_null())
    reasons = dict(REJECT_REASONS)
    if clinical:
        reasons["unknown-sample"] = f"sample not in the clinical file {clinical}"
    why = pl.coalesce(pl.col("__why"), pl.col("__code").replace_strict(reasons, default=None))
    return lf.select(
        pl.lit(layer.label).alias("FILE"),
        layer.line.cast(pl.Int64).alias("LINE"),
        (layer.column if layer.column is not None else pl.lit(None, pl.String)).alias("COLUMN"),
        pl.col("__code").alias("CODE"),
        why.alias("REASON"),
        layer.sample.alias("SAMPLE"),
        layer.gene.alias("GENE"),
        layer.detail.alias("ALTERATION"),
    )
