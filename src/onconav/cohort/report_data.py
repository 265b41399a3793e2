"""What the cohort report (report.html) says, as plain tables computed from the run's results.

Everything here is aggregated: per level, per gene, per alteration, per tumor type, so that the
report stays small and fast at any cohort size (the longest lists are cut, and the report says
by how much). Rendering is in report_html.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from onconav.cohort.columns import HIGHEST_LEVEL_ORDER, RESISTANCE_LEVELS, SENSITIVE_LEVELS
from onconav.cohort.oncoprint import (
    ALTERATION_TYPES,
    SAMPLES_N,
    TYPE_LABELS,
    Oncoprint,
    label_gene,
)
from onconav.cohort.scan import SAMPLE
from onconav.cohort.summary import CohortSummary, level_counts

__all__ = [
    "LABEL_LISTS",
    "AlterationRow",
    "CohortReport",
    "alteration_table",
    "cohort_report",
    "count_labeled",
]

MAX_ALTERATIONS = 30  # rows of the most frequent actionable alterations
MAX_TUMOR_TYPES = 40  # rows of the per-tumor-type table; the rest are summed in one row
LABEL_LISTS = ("__levels", "__opt1", "__opt2")  # a leveled event's levels and options


@dataclass(frozen=True)
class AlterationRow:
    """One actionable alteration of the cohort: its samples and level-1 and level-2 options."""

    alteration: str
    gene: str
    samples: int
    best_level: str
    level_1: list[str]
    level_2: list[str]


@dataclass(frozen=True)
class CohortReport:
    """Everything report.html shows (see the template for the layout)."""

    summary: CohortSummary
    seconds: float
    table_format: str
    levels: list[tuple[str, int, float]]
    sensitive: list[tuple[str, int, float]]
    resistance: list[tuple[str, int, float]]
    genes: list[dict[str, object]]
    type_labels: list[tuple[str, str]]
    alterations: list[AlterationRow]
    alterations_total: int
    tumor_types: list[tuple[str, int, int, int, int]]
    tumor_types_more: tuple[int, int] | None
    oncoprint: Oncoprint
    clinical: str | None = None
    images: dict[str, str] = field(default_factory=dict)


def _share(n: int, total: int) -> float:
    return 100.0 * n / total if total else 0.0


def _level_rows(counts: dict[str, int], total: int) -> list[tuple[str, int, float]]:
    return [(k.replace("LEVEL_", "Level "), n, _share(n, total)) for k, n in counts.items()]


def _resistance_counts(samples: pl.DataFrame) -> dict[str, int]:
    return level_counts(samples, "HIGHEST_RESISTANCE_LEVEL", RESISTANCE_LEVELS)


def _gene_rows(op: Oncoprint, total: int) -> list[dict[str, object]]:
    """Per gene: samples, share, samples by alteration type and by the gene's level."""
    by_type: dict[str, dict[str, int]] = {g: {} for g in op.genes}
    by_level: dict[str, dict[str, int]] = {g: {} for g in op.genes}
    for col in op.columns:
        for cell in col.cells:
            if cell is None:
                continue
            for t in cell.types:
                by_type[cell.gene][t] = by_type[cell.gene].get(t, 0) + col.count
            by_level[cell.gene][cell.level] = by_level[cell.gene].get(cell.level, 0) + col.count
    order = (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS)
    return [
        {
            "gene": g,
            "samples": op.gene_samples[g],
            "share": _share(op.gene_samples[g], total),
            "types": [by_type[g].get(t, 0) for t in ALTERATION_TYPES],
            "levels": ", ".join(f"{lv}: {by_level[g][lv]}" for lv in order if lv in by_level[g]),
        }
        for g in op.genes
    ]


def count_labeled(labeled: pl.DataFrame) -> pl.DataFrame:
    """The leveled events counted: what the alteration table needs, a few thousand rows.

    A label's rows are mostly one a sample: those are counted (`__n`) by label and lists
    (the lists themselves, or `__cells` when given: an id shared by rows with the same lists,
    as the plan's), with `__s` null; rows of a sample that holds a label more than once stay
    one a row, with `__n` null. Other columns keep the group's first value. A frame already
    counted (with `__n`) is returned as it is.

    Args:
        labeled: (`__s`, `label`, then `__cells` or some of `__levels`, `__opt1`, `__opt2`,
            and any other column), one row a sample's event.
    """
    if "__n" in labeled.columns:
        return labeled
    lists = [c for c in LABEL_LISTS if c in labeled.columns]
    keys = ["__cells"] if "__cells" in labeled.columns else lists
    rest = [c for c in labeled.columns if c not in (SAMPLE, "label", *keys)]
    repeated = pl.struct("label", SAMPLE).is_duplicated()
    once = labeled.filter(~repeated).group_by("label", *keys, maintain_order=True)
    counted = once.agg(pl.len().alias("__n"), *(pl.col(c).first() for c in rest))
    counted = counted.with_columns(pl.lit(None, labeled.schema[SAMPLE]).alias(SAMPLE))
    twice = labeled.filter(repeated).with_columns(pl.lit(None, pl.UInt32).alias("__n"))
    columns = [*labeled.columns, "__n"]
    return pl.concat([counted.select(columns), twice.select(columns)])


def _ranked_options(labeled: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per label, the treatments of `column`, most samples first (ties by name), joined.

    A treatment counts once per sample of the label. Rows counted by `count_labeled` count
    `__n` samples each, and their lists are exploded once (exploding every row and keeping
    distinct (label, sample, treatment) took a second and 0.4 GiB at a million samples); rows
    of a sample that holds the label more than once are exploded and counted one sample at a
    time, as before.
    """
    counted = count_labeled(labeled)
    rows = counted.select("label", SAMPLE, pl.col(column).alias("__o"), "__n")
    once = rows.filter(pl.col("__n").is_not_null()).select("label", "__o", "__n").explode("__o")
    twice = rows.filter(pl.col("__n").is_null()).select("label", SAMPLE, "__o").explode("__o")
    items = twice.unique().group_by("label", "__o").agg(pl.len().alias("__n"))
    counts = (
        pl.concat([once.drop_nulls("__o"), items.drop_nulls("__o")])
        .group_by("label", "__o")
        .agg(pl.col("__n").sum().alias("len"))
    )
    ranked = counts.sort("label", "len", "__o", descending=[False, True, False])
    # (a list per group, then joined: `str.join` inside the grouping is slower and larger)
    return (
        ranked.group_by("label", maintain_order=True)
        .agg("__o")
        .with_columns(pl.col("__o").list.join(","))
    )


def alteration_table(labeled: pl.DataFrame, genes: frozenset[str]) -> pl.DataFrame:
    """(ALTERATION, GENE, SAMPLES, BEST_LEVEL, LEVEL_1, LEVEL_2) of every actionable alteration.

    Args:
        labeled: The plan's leveled events (`__s`, `label`, `__levels`, `__opt1`, `__opt2`),
            one row a sample's event or counted (`count_labeled`): each alteration with the
            levels and options of its own cells in its sample's context (tumor type, setting,
            co-alterations), never those of a co-alteration.
        genes: The genes a label may name (to read 'PARTNER-GENE fusion').

    Level-1 and level-2 options are most often applicable first, joined with ','.
    """
    counted = count_labeled(labeled)
    n = pl.col("__n")
    once = counted.filter(n.is_not_null()).group_by("label").agg(n.sum().cast(pl.Int64))
    twice = (
        counted.filter(n.is_null())
        .group_by("label")
        .agg(pl.col(SAMPLE).n_unique().cast(pl.Int64).alias("__n"))
    )
    per = pl.concat([once, twice]).group_by("label").agg(n.sum().alias("SAMPLES"))
    reached = counted.group_by("label").agg(
        pl.col("__levels").list.explode(keep_nulls=False, empty_as_null=False).unique()
    )
    per = per.join(reached, on="label", how="left")
    found = pl.col("__levels").list
    best = pl.coalesce([pl.when(found.contains(lv)).then(pl.lit(lv)) for lv in HIGHEST_LEVEL_ORDER])
    gene_of = {lb: label_gene(lb, genes) or "" for lb in per["label"].to_list()}
    table = per.select(
        pl.col("label").alias("ALTERATION"),
        pl.col("label").replace_strict(gene_of, return_dtype=pl.String).alias("GENE"),
        pl.col("SAMPLES").cast(pl.Int64),
        best.fill_null("").alias("BEST_LEVEL"),
    )
    for column, name in (("__opt1", "LEVEL_1"), ("__opt2", "LEVEL_2")):
        options = _ranked_options(counted, column).rename({"label": "ALTERATION", "__o": name})
        table = table.join(options, on="ALTERATION", how="left").with_columns(
            pl.col(name).fill_null("")
        )
    return table.sort("SAMPLES", "ALTERATION", descending=[True, False])


def _tumor_types(samples: pl.DataFrame) -> pl.DataFrame:
    """Per tumor type: samples, and those at level 1, levels 1-2 and with a resistance level.

    `samples` is samples.tsv's table, or counted (`summary.count_samples`).
    """
    sens = pl.col("HIGHEST_SENSITIVE_LEVEL")
    if SAMPLES_N not in samples.columns:
        samples = samples.with_columns(pl.lit(1, pl.Int64).alias(SAMPLES_N))
    n = pl.col(SAMPLES_N)
    return (
        samples.group_by(pl.col("TUMOR_TYPE").fill_null("(none)"))
        .agg(
            n.sum().alias("n"),
            n.filter(sens == "LEVEL_1").sum().alias("l1"),
            n.filter(sens.is_in(["LEVEL_1", "LEVEL_2"])).sum().alias("l12"),
            n.filter(pl.col("HIGHEST_RESISTANCE_LEVEL").is_not_null()).sum().alias("res"),
        )
        .sort("n", "TUMOR_TYPE", descending=[True, False])
    )


def cohort_report(
    summary: CohortSummary, samples: pl.DataFrame, op: Oncoprint, alterations: pl.DataFrame,
    *, seconds: float, table_format: str, clinical: str | None = None,
) -> CohortReport:  # fmt: skip
    """Gather what report.html shows.

    Args:
        summary: The run's summary (summary.json).
        samples: samples.tsv's table, or counted (`summary.count_samples`).
        op: The oncoprint's data.
        alterations: `alteration_table`'s result.
        seconds: Time the annotation took so far.
        table_format: `tsv` or `parquet` (the links to the tables).
        clinical: The clinical file's name, when one was given.
    """
    total = summary.samples
    tumor = _tumor_types(samples)
    rest = tumor.slice(MAX_TUMOR_TYPES)
    more = (rest.height, int(rest["n"].sum())) if rest.height else None
    alts = [
        AlterationRow(a, g, n, b, [x for x in (l1 or "").split(",") if x],
                      [x for x in (l2 or "").split(",") if x])
        for a, g, n, b, l1, l2 in alterations.head(MAX_ALTERATIONS).iter_rows()
    ]  # fmt: skip
    return CohortReport(
        summary=summary,
        seconds=seconds,
        table_format=table_format,
        levels=_level_rows(summary.samples_by_highest_level, total),
        sensitive=_level_rows(summary.samples_by_highest_sensitive_level, total),
        resistance=_level_rows(_resistance_counts(samples), total),
        genes=_gene_rows(op, total),
        type_labels=[(t, TYPE_LABELS[t]) for t in ALTERATION_TYPES],
        alterations=alts,
        alterations_total=alterations.height,
        tumor_types=[
            (str(t), int(n), int(a), int(b), int(c))
            for t, n, a, b, c in tumor.head(MAX_TUMOR_TYPES).iter_rows()
        ],  # fmt: skip
        tumor_types_more=more,
        oncoprint=op,
        clinical=clinical,
    )
