"""The cohort's sample table (samples.tsv) and its summary (summary.json).

Both come from the plan alone (samples, contexts, counts), never from the rows: the sample table
has one row a sample (its tumor type, setting, highest levels, actionable alterations and the
options of levels 1 and 2), and the summary reconciles the rows (`rows_in == rows_annotated +
rows_rejected`, per file and overall, rejections counted by reason).
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from onconav.cohort.columns import (
    HIGHEST_LEVEL_ORDER,
    RESISTANCE_LEVELS,
    SAMPLE_COLUMNS,
    SENSITIVE_LEVELS,
    RejectCode,
)
from onconav.cohort.context import ContextResult, best_level
from onconav.cohort.scan import SAMPLE

__all__ = ["CohortSummary", "FileSummary", "gene_levels", "sample_table", "summarize_samples"]

_NONE = "none"


class FileSummary(BaseModel):
    """Rows of one input file."""

    model_config = ConfigDict(frozen=True)

    file: str
    kind: str
    output: str
    rows_in: int
    rows_annotated: int
    rows_rejected: int
    rejected_by_reason: dict[RejectCode, int] = Field(default_factory=dict)


class CohortSummary(BaseModel):
    """summary.json: what was read, what was found, and with which knowledge base."""

    model_config = ConfigDict(frozen=True)

    onconav_version: str
    kb_version: str
    kb_date: str
    kb_hash: str = ""
    normalizer_version: str = ""
    disclaimer: str
    rows_in: int
    rows_annotated: int
    rows_rejected: int
    rejected_by_reason: dict[RejectCode, int]
    files: list[FileSummary]
    samples: int
    samples_by_highest_level: dict[str, int]
    samples_by_highest_sensitive_level: dict[str, int]
    samples_by_gene: dict[str, int]
    contexts_matched: int
    tumor_type_default: str | None
    outputs: list[str]


def _context_rows(contexts: dict[int, ContextResult]) -> pl.DataFrame:
    names = (*SAMPLE_COLUMNS[3:6], "LEVEL_1_OPTIONS", "LEVEL_2_OPTIONS")
    rows: dict[str, list[object]] = {c: [] for c in ("__ctx", *names)}
    for ctx, result in contexts.items():
        levels = {lv for c in result.cells.values() for lv in c.levels}
        rows["__ctx"].append(ctx)
        for name, order in zip(
            SAMPLE_COLUMNS[3:6],
            (HIGHEST_LEVEL_ORDER, SENSITIVE_LEVELS, RESISTANCE_LEVELS),
            strict=True,
        ):
            best = best_level(levels, order)
            rows[name].append(f"LEVEL_{best}" if best else None)
        rows["LEVEL_1_OPTIONS"].append(",".join(result.options.get("1", [])) or None)
        rows["LEVEL_2_OPTIONS"].append(",".join(result.options.get("2", [])) or None)
    schema = {"__ctx": pl.UInt32, **dict.fromkeys(names, pl.String)}
    return pl.DataFrame(rows, schema=schema)


def sample_table(
    samples: pl.DataFrame, contexts: dict[int, ContextResult], actionable: pl.DataFrame
) -> pl.DataFrame:
    """samples.tsv: one row a sample of the cohort (listed in the clinical file, if given)."""
    note = (
        pl.when(pl.col("__srej") == "missing-tumor-type").then(pl.lit("no tumor type; not matched"))
        .when(pl.col("__srej") == "unknown-tumor-type")
        .then(pl.format("unknown tumor type '{}'; not matched", pl.col("tumor")))
    )  # fmt: skip
    df = samples.filter(pl.col("listed")).join(_context_rows(contexts), on="__ctx", how="left")
    df = df.join(actionable, on=SAMPLE, how="left")
    return df.sort(SAMPLE).select(
        pl.col(SAMPLE).alias("SAMPLE_ID"),
        pl.coalesce("tumor_code", "tumor").alias("TUMOR_TYPE"),
        pl.col("setting").alias("SETTING"),
        *SAMPLE_COLUMNS[3:9],
        note.alias("NOTE"),
    )


def gene_levels(samples: pl.DataFrame, contexts: dict[int, ContextResult]) -> pl.DataFrame:
    """(SAMPLE_ID, GENE, LEVEL): each sample's best level per gene (sensitive first)."""
    rows: dict[str, list[object]] = {"__ctx": [], "GENE": [], "LEVEL": []}
    order = (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS)
    for ctx, result in contexts.items():
        by_gene: dict[str, set[str]] = {}
        for event, cells in result.cells.items():
            by_gene.setdefault(event.gene, set()).update(cells.levels)
        for gene, levels in by_gene.items():
            best = best_level(levels, order)
            if best:
                rows["__ctx"].append(ctx)
                rows["GENE"].append(gene)
                rows["LEVEL"].append(best)
    table = pl.DataFrame(rows, schema={"__ctx": pl.UInt32, "GENE": pl.String, "LEVEL": pl.String})
    listed = samples.filter(pl.col("listed") & pl.col("__ctx").is_not_null())
    return listed.join(table, on="__ctx").select(pl.col(SAMPLE).alias("SAMPLE_ID"), "GENE", "LEVEL")


def _counts(column: pl.Series, order: tuple[str, ...]) -> dict[str, int]:
    found = column.fill_null(_NONE).value_counts()
    counts = {str(k): int(v) for k, v in found.iter_rows()}
    keys = [f"LEVEL_{x}" for x in order] + [_NONE]
    return {k: counts.get(k, 0) for k in keys}


def summarize_samples(table: pl.DataFrame, genes: pl.DataFrame) -> dict[str, dict[str, int]]:
    """samples_by_highest_level (oncokb-annotator ranking), ..._sensitive_level, by gene."""
    by_gene = genes.group_by("GENE").agg(pl.col("SAMPLE_ID").n_unique().alias("n"))
    by_gene = by_gene.sort("n", "GENE", descending=[True, False])
    return {
        "samples_by_highest_level": _counts(table["HIGHEST_LEVEL"], HIGHEST_LEVEL_ORDER),
        "samples_by_highest_sensitive_level": _counts(
            table["HIGHEST_SENSITIVE_LEVEL"], SENSITIVE_LEVELS
        ),
        "samples_by_gene": {str(g): int(n) for g, n in by_gene.iter_rows()},
    }
