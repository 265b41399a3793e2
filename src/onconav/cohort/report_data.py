"""What the cohort report (report.html) says, as plain tables computed from the run's results.

Everything here is aggregated: per level, per gene, per alteration, per tumor type, so that the
report stays small and fast at any cohort size (the longest lists are cut, and the report says
by how much). Rendering is in report_html.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import polars as pl

from onconav.cohort.columns import HIGHEST_LEVEL_ORDER, RESISTANCE_LEVELS, SENSITIVE_LEVELS
from onconav.cohort.context import ContextResult
from onconav.cohort.oncoprint import ALTERATION_TYPES, TYPE_LABELS, Oncoprint, label_gene
from onconav.cohort.scan import SAMPLE
from onconav.cohort.summary import CohortSummary
from onconav.normalize import parse_alteration

__all__ = ["AlterationRow", "CohortReport", "alteration_table", "cohort_report"]

MAX_ALTERATIONS = 30  # rows of the most frequent actionable alterations
MAX_TUMOR_TYPES = 40  # rows of the per-tumor-type table; the rest are summed in one row


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
    found = samples["HIGHEST_RESISTANCE_LEVEL"].fill_null("none").value_counts()
    counts = {str(k): int(v) for k, v in found.iter_rows()}
    return {k: counts.get(k, 0) for k in [*(f"LEVEL_{x}" for x in RESISTANCE_LEVELS), "none"]}


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


@functools.lru_cache(maxsize=4096)
def _label_keys(label: str) -> frozenset[str]:
    return frozenset(parse_alteration(label).keys)


def _event_cells(result: ContextResult, label: str, gene: str | None) -> dict[str, list[str]]:
    """The treatments by level of the event of `label` in one context.

    Contexts keep one representative event per signature (what matching sees), so the event is
    found by its label, else among the gene's events as the one sharing most match keys with
    the label (E746_A750del stands for L747_T751del, both exon 19 deletions; not T790M).
    """
    events = [e for e in result.cells if e.label == label]
    if not events:
        events = [e for e in result.cells if e.gene == gene]
        keys = _label_keys(label)
        best = max((len(e.keys & keys) for e in events), default=0)
        events = [e for e in events if len(e.keys & keys) == best]
    out: dict[str, list[str]] = {}
    for event in events:
        for level, items in result.cells[event].best().items():
            bucket = out.setdefault(level, [])
            bucket.extend(i for i in items if i not in bucket)
    return out


def _ranked(weights: dict[str, int]) -> list[str]:
    return [k for k, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))]


def alteration_table(
    plan_samples: pl.DataFrame, contexts: dict[int, ContextResult], samples: pl.DataFrame
) -> pl.DataFrame:
    """(ALTERATION, GENE, SAMPLES, BEST_LEVEL, LEVEL_1, LEVEL_2) of every actionable alteration.

    Args:
        plan_samples: The plan's samples (`__s`, `__ctx`).
        contexts: The plan's matched contexts.
        samples: samples.tsv's table (ACTIONABLE_ALTERATIONS).

    Level-1 and level-2 options are those of the alteration in its samples' contexts (tumor
    type, setting, co-alterations), most often applicable first, joined with ','.
    """
    labels = samples.select(
        "SAMPLE_ID", pl.col("ACTIONABLE_ALTERATIONS").str.split(",").alias("L")
    ).explode("L")
    ctx = plan_samples.select(pl.col(SAMPLE).alias("SAMPLE_ID"), "__ctx")
    pairs = labels.drop_nulls("L").join(ctx, on="SAMPLE_ID").group_by("L", "__ctx").len()
    genes = frozenset(e.gene for result in contexts.values() for e in result.cells)
    found: dict[str, dict[str, dict[str, int]]] = {}
    gene_of = {lb: label_gene(lb, genes) for lb in pairs["L"].unique().to_list()}
    for label, context, n in pairs.iter_rows():
        cells = _event_cells(contexts[context], label, gene_of[label])
        per = found.setdefault(label, {"n": {}, "1": {}, "2": {}, "best": {}})
        per["n"][""] = per["n"].get("", 0) + n
        for level in ("1", "2"):
            for item in cells.get(level, ()):
                per[level][item] = per[level].get(item, 0) + n
        for level in cells:
            per["best"][level] = 1
    rows = [
        (label, gene_of[label] or "", per["n"][""],
         next((lv for lv in HIGHEST_LEVEL_ORDER if lv in per["best"]), ""),
         ",".join(_ranked(per["1"])), ",".join(_ranked(per["2"])))
        for label, per in found.items()
    ]  # fmt: skip
    schema = {"ALTERATION": pl.String, "GENE": pl.String, "SAMPLES": pl.Int64,
              "BEST_LEVEL": pl.String, "LEVEL_1": pl.String, "LEVEL_2": pl.String}  # fmt: skip
    table = pl.DataFrame(rows, schema=schema, orient="row")
    return table.sort("SAMPLES", "ALTERATION", descending=[True, False])


def _tumor_types(samples: pl.DataFrame) -> pl.DataFrame:
    sens = pl.col("HIGHEST_SENSITIVE_LEVEL")
    return (
        samples.group_by(pl.col("TUMOR_TYPE").fill_null("(none)"))
        .agg(
            pl.len().alias("n"),
            (sens == "LEVEL_1").sum().alias("l1"),
            sens.is_in(["LEVEL_1", "LEVEL_2"]).sum().alias("l12"),
            pl.col("HIGHEST_RESISTANCE_LEVEL").is_not_null().sum().alias("res"),
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
        samples: samples.tsv's table.
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
