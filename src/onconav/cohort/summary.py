"""The cohort's sample table (samples.tsv) and its summary (summary.json).

Both come from the plan alone (samples, matched events' levels, counts), never from the rows:
the sample table has one row a sample (its tumor type, setting, highest levels, actionable
alterations and the options of levels 1 and 2), and the summary reconciles the rows
(`rows_in == rows_annotated + rows_rejected`, per file and overall, rejections counted by reason).
Levels and options are worked out once a profile (samples with the same tumor type, setting
and events: `plan.py`) and set beside each sample by its profile's id.
"""

from __future__ import annotations

from typing import cast

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from onconav.cohort.columns import (
    HIGHEST_LEVEL_ORDER,
    RESISTANCE_LEVELS,
    SAMPLE_COLUMNS,
    SENSITIVE_LEVELS,
    RejectCode,
)
from onconav.cohort.influence import SID
from onconav.cohort.oncoprint import SAMPLES_N, samples_of
from onconav.cohort.scan import SAMPLE

__all__ = [
    "CohortSummary",
    "FileSummary",
    "count_samples",
    "gene_levels",
    "level_counts",
    "sample_groups",
    "sample_table",
    "summarize_samples",
]

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


def _best(column: str, order: tuple[str, ...], prefix: str = "LEVEL_") -> pl.Expr:
    """The first level of `order` in the list `column`, as `LEVEL_x` (null when none)."""
    found = pl.col(column)
    return pl.coalesce(
        [pl.when(found.list.contains(lv)).then(pl.lit(f"{prefix}{lv}")) for lv in order]
    )


def _options(levels: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
    """Per profile, its events' treatments in `column`, by event then as kept, each once."""
    items = levels.select("__p", "__sig", pl.col(column).alias("__o")).explode("__o")
    items = items.drop_nulls("__o").with_row_index("__pos").sort("__p", "__sig", "__pos")
    items = items.unique(subset=["__p", "__o"], keep="first", maintain_order=True)
    per = items.group_by("__p", maintain_order=True).agg("__o")  # (a list, then joined: faster)
    return per.select("__p", pl.col("__o").list.join(",").alias(name))


def _profile_levels(levels: pl.DataFrame) -> pl.DataFrame:
    """Per matched profile: highest levels and the options of levels 1 and 2."""
    reached = levels.group_by("__p").agg(
        pl.col("__levels").list.explode(keep_nulls=False, empty_as_null=False).unique()
    )
    orders = (HIGHEST_LEVEL_ORDER, SENSITIVE_LEVELS, RESISTANCE_LEVELS)
    out = reached.select(
        "__p",
        *(_best("__levels", o).alias(n) for n, o in zip(SAMPLE_COLUMNS[3:6], orders, strict=True)),
    )
    for column, name in (("__opt1", "LEVEL_1_OPTIONS"), ("__opt2", "LEVEL_2_OPTIONS")):
        out = out.join(_options(levels, column, name), on="__p", how="left")
    return out


def sample_table(
    samples: pl.DataFrame, levels: pl.DataFrame, actionable: pl.DataFrame
) -> pl.DataFrame:
    """samples.tsv: one row a sample of the cohort (listed in the clinical file, if given).

    Args:
        samples: The plan's samples (`plan.Plan.samples`), by name, with their profiles.
        levels: Per (profile, matched event): its levels and options (`plan.Plan.levels`).
        actionable: Per sample id, its events that reached a level.
    """
    note = (
        pl.when(pl.col("__srej") == "missing-tumor-type").then(pl.lit("no tumor type; not matched"))
        .when(pl.col("__srej") == "unknown-tumor-type")
        .then(pl.format("unknown tumor type '{}'; not matched", pl.col("tumor")))
    )  # fmt: skip
    listed = _listed(samples, SAMPLE, "tumor", "tumor_code", "setting", "__srej", "__p")
    found = listed.select(SID).join(actionable, on=SID, how="left", maintain_order="left")
    profiles = _by_profile(_profile_levels(levels), cast(int | None, listed["__p"].max()))
    return listed.select(
        pl.col(SAMPLE).alias("SAMPLE_ID"),
        pl.coalesce("tumor_code", "tumor").alias("TUMOR_TYPE"),
        pl.col("setting").alias("SETTING"),
        *(profiles[c] for c in SAMPLE_COLUMNS[3:6]),
        pl.lit(found["ACTIONABLE_ALTERATIONS"]),
        *(profiles[c] for c in SAMPLE_COLUMNS[7:9]),
        note.alias("NOTE"),
    )


def _listed(samples: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """samples.tsv's samples (those listed), in id order: `__sid` and `columns` of the plan's."""
    listed = samples.lazy().filter(pl.col("listed")).select(SID, *columns).collect()
    return listed if listed[SID].is_sorted() else listed.sort(SID)


def _by_profile(table: pl.DataFrame, last: int | None) -> dict[str, pl.Expr]:
    """Each column of `table` (one row a profile) set beside each sample by its profile `__p`.

    Gathered from a table with a row for each profile id up to `last` (the samples' highest),
    not joined: a join, then a sort, carried every column of a million samples along (0.4 GiB).
    """
    ids = pl.DataFrame({"__p": pl.Series(range(0 if last is None else last + 1), dtype=pl.UInt32)})
    dense = ids.join(table, on="__p", how="left", maintain_order="left")
    return {c: pl.lit(dense[c]).gather(pl.col("__p")).alias(c) for c in table.columns}


def _profile_genes(levels: pl.DataFrame) -> pl.DataFrame:
    """(`__p`, GENE, LEVEL): each profile's best level per gene (sensitive first), sorted."""
    by_gene = levels.group_by("__p", "__gene").agg(
        pl.col("__levels").list.explode(keep_nulls=False, empty_as_null=False).unique()
    )
    best = _best("__levels", (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS), prefix="")
    found = by_gene.select("__p", pl.col("__gene").alias("GENE"), best.alias("LEVEL"))
    return found.filter(pl.col("LEVEL").is_not_null()).sort("__p", "GENE")


def gene_levels(samples: pl.DataFrame, levels: pl.DataFrame) -> pl.DataFrame:
    """(SAMPLE_ID, GENE, LEVEL): each sample's best level per gene (sensitive first).

    Worked out per profile (`samples`' `__p`, `levels` by profile), then set beside each
    listed sample of the profile.
    """
    found = _profile_genes(levels)
    listed = _listed(samples, SAMPLE, "__p").filter(pl.col("__p").is_not_null())
    # Sample order, then each profile's genes in order: sorted by (sample, gene) without
    # sorting the joined rows (the sort held all of them twice).
    out = listed.join(found, on="__p", maintain_order="left_right")
    return out.select(pl.col(SAMPLE).alias("SAMPLE_ID"), "GENE", "LEVEL")


def sample_groups(
    samples: pl.DataFrame, table: pl.DataFrame, levels: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The sample table and gene levels counted: one row a group of alike samples.

    Samples of one profile with the same actionable alterations have the same levels, genes
    and oncoprint column, so the figures and the summary's counts need one row a group, with
    `N`, the samples it stands for (see `oncoprint.samples_of`): 74,601 rows for the million
    samples of ten million narrow panel rows. A group is named by its first sample.

    Args:
        samples: The plan's samples (`plan.Plan.samples`).
        table: `sample_table(samples, ...)`: its rows are the listed samples, in id order.
        levels: The plan's levels (`plan.Plan.levels`).

    Returns:
        The groups' rows of `table` (SAMPLE_ID, the highest levels, ACTIONABLE_ALTERATIONS,
        `N`), sorted by SAMPLE_ID, and their (SAMPLE_ID, GENE, LEVEL, `N`).
    """
    keyed = table.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__i"),
                         "ACTIONABLE_ALTERATIONS", _listed(samples, "__p")["__p"])  # fmt: skip
    # (a group's first row, in the table's order: its name's, so the groups are sorted by it)
    groups = keyed.group_by("__p", "ACTIONABLE_ALTERATIONS").agg(
        pl.col("__i").first(), pl.len().cast(pl.Int64).alias(SAMPLES_N)
    )
    groups = groups.sort("__i")
    first = table[groups["__i"]].select("SAMPLE_ID", *SAMPLE_COLUMNS[3:6], "ACTIONABLE_ALTERATIONS")
    rows = first.with_columns(groups[SAMPLES_N])
    genes = rows.select("SAMPLE_ID", groups["__p"], SAMPLES_N).join(
        _profile_genes(levels), on="__p", maintain_order="left_right"
    )
    return rows, genes.select("SAMPLE_ID", "GENE", "LEVEL", SAMPLES_N)


def count_samples(table: pl.DataFrame) -> pl.DataFrame:
    """samples.tsv's table counted: one row a tumor type and highest levels, with `N` samples.

    All that the summary, the levels plot and the report read of the samples: a few dozen rows,
    where the table of a million samples holds about 0.1 GiB (while pass 2 runs).
    """
    keys = ["TUMOR_TYPE", *SAMPLE_COLUMNS[3:6]]
    counted = table.group_by(keys).agg(pl.len().cast(pl.Int64).alias(SAMPLES_N))
    return counted.sort(keys, nulls_last=True)


def level_counts(table: pl.DataFrame, column: str, order: tuple[str, ...]) -> dict[str, int]:
    """Samples by the level in `column` ('LEVEL_x' in `order`, then 'none'), in that order.

    `table` is samples.tsv's table, or counted (`count_samples`).
    """
    found = table.group_by(pl.col(column).fill_null(_NONE)).agg(samples_of(table))
    counts = {str(k): int(v) for k, v in found.iter_rows()}
    keys = [f"LEVEL_{x}" for x in order] + [_NONE]
    return {k: counts.get(k, 0) for k in keys}


def summarize_samples(table: pl.DataFrame, genes: pl.DataFrame) -> dict[str, dict[str, int]]:
    """samples_by_highest_level (oncokb-annotator ranking), ..._sensitive_level, by gene.

    `table` is samples.tsv's table, or counted (`count_samples`); `genes` has one row a sample
    and gene (`gene_levels`), or is counted (`sample_groups`).
    """
    by_gene = genes.group_by("GENE").agg(samples_of(genes).alias("n"))
    by_gene = by_gene.sort("n", "GENE", descending=[True, False])
    return {
        "samples_by_highest_level": level_counts(table, "HIGHEST_LEVEL", HIGHEST_LEVEL_ORDER),
        "samples_by_highest_sensitive_level": level_counts(
            table, "HIGHEST_SENSITIVE_LEVEL", SENSITIVE_LEVELS
        ),
        "samples_by_gene": {str(g): int(n) for g, n in by_gene.iter_rows()},
    }
