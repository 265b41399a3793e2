"""The oncoprint as data: which glyph and colour each (sample, gene) cell gets, in which order.

Kept apart from the drawing (plots.py) so that tests read every cell's glyph and colour, not
pixels. Inputs are the sample table (samples.tsv: each sample's actionable alterations and
highest levels) and the (SAMPLE_ID, GENE, LEVEL) table that summary.json counts genes from, so
that every gene counted there has a row, whatever input kind (mutations, SV/fusions, CNA) its
alterations came from.

As cBioPortal's OncoPrinter: rows are genes (most often altered first), columns are samples
sorted by the first gene, then its alteration type, then the next gene, so mutual exclusivity
shows. Copy-number changes fill the whole cell, fusions two thirds of it and mutations the
middle third, so one cell can show an amplification and a mutation at once. The second channel
is two tracks above the genes: each sample's highest sensitive and resistance level.

Every sample with an actionable alteration is drawn: one column each, on several panels past
`PANEL_COLUMNS`; past `MAX_SAMPLE_COLUMNS` samples, one column per group of samples with the
same alterations and levels, its width proportional to the group's size, and the figure says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from onconav.cohort.columns import RESISTANCE_LEVELS, SENSITIVE_LEVELS
from onconav.normalize import parse_alteration

__all__ = [
    "ALTERATION_TYPES",
    "LEVEL_COLOURS",
    "MAX_SAMPLE_COLUMNS",
    "PANEL_COLUMNS",
    "SAMPLES_N",
    "TYPE_COLOURS",
    "TYPE_HEIGHTS",
    "TYPE_LABELS",
    "AltType",
    "Cell",
    "Column",
    "Glyph",
    "Oncoprint",
    "alteration_type",
    "build_oncoprint",
    "label_gene",
    "sample_count",
    "samples_of",
]

AltType = Literal[
    "amplification", "deletion", "fusion", "truncating", "inframe", "missense", "other"
]
# Sort order within a gene (OncoPrinter puts copy number and fusions before mutations).
ALTERATION_TYPES: tuple[AltType, ...] = (
    "amplification", "deletion", "fusion", "truncating", "inframe", "missense", "other",
)  # fmt: skip
TYPE_LABELS: dict[AltType, str] = {
    "amplification": "Amplification", "deletion": "Deep deletion", "fusion": "Fusion",
    "truncating": "Truncating (nonsense, frameshift, splice)",
    "inframe": "In-frame (deletion, insertion, delins)", "missense": "Missense",
    "other": "Other (gene-level)",
}  # fmt: skip
# Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"): safe for the common forms of
# colour blindness; OncoPrinter's hues where they fit (red amplification, blue deletion, green
# missense, black truncating).
TYPE_COLOURS: dict[AltType, str] = {
    "amplification": "#D55E00", "deletion": "#0072B2", "fusion": "#CC79A7",
    "truncating": "#000000", "inframe": "#E69F00", "missense": "#009E73", "other": "#56B4E9",
}  # fmt: skip
# Height of each glyph as a fraction of the cell (copy number fills it, as in OncoPrinter).
TYPE_HEIGHTS: dict[AltType, float] = {
    "amplification": 1.0, "deletion": 1.0, "fusion": 0.66,
    "truncating": 0.33, "inframe": 0.33, "missense": 0.33, "other": 0.33,
}  # fmt: skip
# Levels: ColorBrewer RdBu (marked colour-blind safe): darker blue = stronger sensitivity
# evidence, reds for resistance.
LEVEL_COLOURS: dict[str, str] = {
    "1": "#053061", "2": "#2166AC", "3A": "#4393C3", "3B": "#92C5DE", "4": "#D1E5F0",
    "R1": "#B2182B", "R2": "#F4A582", "none": "#F2F2F2",
}  # fmt: skip
EMPTY_COLOUR = "#E6E6E6"  # an unaltered cell

# A counted table's column: the samples a row stands for (`summary.sample_groups`); a table
# without it has one row a sample.
SAMPLES_N = "N"
PANEL_COLUMNS = 500  # sample columns a panel shows readably (about 4 px each on 14 inches)
MAX_SAMPLE_COLUMNS = 2000  # beyond this, samples are grouped by pattern (4 panels at most)

# normalizer kinds -> OncoPrinter's classes (truncating: nonsense, frameshift, splice).
_KIND_TYPE: dict[str, AltType] = {
    "substitution": "missense", "nonsense": "truncating", "frameshift": "truncating",
    "splice": "truncating", "deletion": "inframe", "insertion": "inframe",
    "duplication": "inframe", "delins": "inframe", "fusion": "fusion",
    "amplification": "amplification", "deep_deletion": "deletion",
}  # fmt: skip
_LEVEL_RANK = {lv: i for i, lv in enumerate((*SENSITIVE_LEVELS, *RESISTANCE_LEVELS))}


@dataclass(frozen=True)
class Glyph:
    """One mark inside a cell: a bar of the type's colour, centred, `height` of the cell."""

    type: AltType
    colour: str
    height: float


@dataclass(frozen=True)
class Cell:
    """One (sample or group, gene) cell: its alteration types, the gene's level, its glyphs."""

    gene: str
    types: tuple[AltType, ...]
    level: str
    glyphs: tuple[Glyph, ...]


@dataclass(frozen=True)
class Column:
    """One column: a sample, or a group of `count` samples with the same cells and levels.

    `cells` follows the oncoprint's gene order; None where the gene is not altered.
    """

    label: str
    count: int
    sensitive: str | None
    resistance: str | None
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class Oncoprint:
    """The whole oncoprint: rows, columns in drawing order, panels and what the figure says.

    Attributes:
        genes: Row order (most samples first).
        gene_samples: Samples with an actionable alteration of each gene.
        columns: Columns, sorted.
        panels: (start, stop) column ranges, one per panel.
        grouped: Columns are groups of samples (past `MAX_SAMPLE_COLUMNS`).
        cohort_samples: Samples in the cohort.
        shown_samples: Samples with an actionable alteration (all drawn).
        note: What the figure states about its columns.
    """

    genes: tuple[str, ...]
    gene_samples: dict[str, int]
    columns: tuple[Column, ...]
    panels: tuple[tuple[int, int], ...]
    grouped: bool
    cohort_samples: int
    shown_samples: int
    note: str


def samples_of(frame: pl.DataFrame) -> pl.Expr:
    """The samples `frame`'s rows stand for, summed: `SAMPLES_N`'s sum, else the rows."""
    return pl.col(SAMPLES_N).sum() if SAMPLES_N in frame.columns else pl.len()


def sample_count(frame: pl.DataFrame) -> int:
    """The samples `frame`'s rows stand for (`samples_of`), as a number."""
    return int(frame.select(samples_of(frame)).item()) if frame.height else 0


def alteration_type(label: str) -> AltType:
    """The oncoprint class of an alteration as samples.tsv writes it ('EGFR L858R').

    Example:
        >>> alteration_type("EML4-ALK fusion"), alteration_type("EGFR E746_A750del")
        ('fusion', 'inframe')
    """
    alt = parse_alteration(label)
    if alt.kind == "exon_event" and alt.alteration:
        skipping = "skipping" in alt.alteration
        return "truncating" if skipping else "inframe"
    return _KIND_TYPE.get(alt.kind, "other")


def label_gene(label: str, genes: frozenset[str]) -> str | None:
    """The gene of a label: 'GENE alteration', or 'PARTNER-GENE fusion' (events.Event.label).

    Args:
        label: An alteration as samples.tsv writes it.
        genes: The genes it may belong to (gene symbols may hold a '-': NKX2-1).
    """
    first = label.split(" ", 1)[0]
    if first in genes:
        return first
    if label.endswith(" fusion"):
        for found in (
            [g for g in genes if first.endswith(f"-{g}")],  # the label's gene comes last
            [g for g in genes if first.startswith(f"{g}-")],
        ):
            if found:
                return max(found, key=len)
    return parse_alteration(label).gene


def _glyphs(types: Iterable[AltType]) -> tuple[Glyph, ...]:
    """Glyphs of a cell, tallest first: one copy-number, one fusion, one mutation at most."""
    out: list[Glyph] = []
    for height in (1.0, 0.66, 0.33):
        first = next((t for t in types if TYPE_HEIGHTS[t] == height), None)
        if first is not None:
            out.append(Glyph(first, TYPE_COLOURS[first], height))
    return tuple(out)


def _label_types(samples: pl.DataFrame, genes: pl.DataFrame) -> pl.DataFrame:
    """(`__i`, GENE, TYPE) of each sample's actionable alterations (`__i`: the sample's row)."""
    labels = (
        samples.select("__i", pl.col("ACTIONABLE_ALTERATIONS").str.split(",").alias("L"))
        .explode("L")
        .drop_nulls("L")
    )
    known = frozenset(genes["GENE"].unique().to_list())
    distinct = labels["L"].unique().to_list()
    gene_of = {lb: label_gene(lb, known) for lb in distinct}
    type_of = {lb: alteration_type(lb) for lb in distinct}
    return labels.select(
        "__i",
        pl.col("L").replace_strict(gene_of, default=None, return_dtype=pl.String).alias("GENE"),
        pl.col("L").replace_strict(type_of, default=None, return_dtype=pl.String).alias("TYPE"),
    )


def _rows_of(samples: pl.DataFrame, genes: pl.DataFrame) -> pl.DataFrame:
    """`genes` with `__i`, the row of its sample in `samples` (rows of unknown samples dropped).

    Found by binary search when the samples' names only increase (samples.tsv's do: sorted,
    each once), else joined.
    """
    names = samples["SAMPLE_ID"]
    before = names.head(max(names.len() - 1, 0))
    increasing = names.null_count() == 0 and bool((names.slice(1) > before).all())
    if not increasing:
        ids = samples.select("SAMPLE_ID").with_row_index("__i")
        return genes.join(ids, on="SAMPLE_ID")
    place = pl.lit(names).search_sorted(pl.col("SAMPLE_ID")).clip(0, max(names.len() - 1, 0))
    found = pl.when(pl.lit(names).gather(place) == pl.col("SAMPLE_ID")).then(place)
    return genes.with_columns(found.cast(pl.UInt32).alias("__i")).drop_nulls("__i")


def _cell_key() -> pl.Expr:
    """(sample row, gene rank) as one integer: sorted as the pair."""
    return pl.col("__i").cast(pl.UInt64) * (1 << 32) + pl.col("__g").cast(pl.UInt64)


def _patterns(samples: pl.DataFrame, genes: pl.DataFrame, order: list[str]) -> pl.DataFrame:
    """One row a shown sample: its cells as text 'GENE=type+type=LEVEL;...' and its levels.

    Samples are numbered by row and genes by rank once, so that the per-cell work groups and
    sorts integers (a cell as one 64-bit key); a cell's types are a set of bits (one a type, in
    `ALTERATION_TYPES` order), written as text once per distinct set.
    """
    bit = {t: 1 << i for i, t in enumerate(ALTERATION_TYPES)}
    rank = {g: i for i, g in enumerate(order)}
    if samples.height == 0:
        schema = dict.fromkeys(("SAMPLE_ID", "P", "S", "X"), pl.String)
        return pl.DataFrame(schema=schema | {"N": pl.Int64})
    numbered = samples.with_row_index("__i")
    types = _label_types(numbered, genes).select(
        "__i",
        pl.col("GENE").replace_strict(rank, default=None, return_dtype=pl.UInt32).alias("__g"),
        pl.col("TYPE").replace_strict(bit, default=None, return_dtype=pl.Int32).alias("__b"),
    )
    cells = _rows_of(samples, genes).select(
        "__i",
        pl.col("GENE").replace_strict(rank, return_dtype=pl.UInt32).alias("__g"),
        "LEVEL",
    )
    cells = cells.select(_cell_key().alias("__k"), "__i", "LEVEL", "__g")
    types = (
        types.drop_nulls("__g").group_by(_cell_key().alias("__k")).agg(pl.col("__b").unique().sum())
    )
    # (one row a sample and gene on both sides: `genes` has one, and types are grouped)
    cells = cells.join(types, on="__k", how="left")
    cells = cells.with_columns(pl.col("__b").fill_null(bit["other"]))
    masks = cells["__b"].unique().to_list()
    text = {m: "+".join(t for t, b in bit.items() if m & b) for m in masks}
    gene = pl.lit(pl.Series(order, dtype=pl.String)).gather(pl.col("__g"))
    kind = pl.col("__b").replace_strict(text, return_dtype=pl.String)
    cells = cells.sort("__k").select(
        pl.col("__i").set_sorted(), pl.format("{}={}={}", gene, kind, "LEVEL").alias("C")
    )
    # (a list a sample, then joined: `str.join` inside the grouping takes longer and more memory)
    per = cells.group_by("__i", maintain_order=True).agg("C")
    at = pl.col("__i")  # (the sample's row)
    weighted = SAMPLES_N in samples.columns
    count = pl.lit(samples[SAMPLES_N]).gather(at) if weighted else pl.lit(1)
    return per.select(
        pl.lit(samples["SAMPLE_ID"]).gather(at).alias("SAMPLE_ID"),
        pl.col("C").list.join(";").alias("P"),
        pl.lit(samples["HIGHEST_SENSITIVE_LEVEL"]).gather(at).str.strip_prefix("LEVEL_").alias("S"),
        pl.lit(samples["HIGHEST_RESISTANCE_LEVEL"])
        .gather(at)
        .str.strip_prefix("LEVEL_")
        .alias("X"),
        count.cast(pl.Int64).alias("N"),
    )


def _column(label: str, count: int, pattern: str, sens: str | None, res: str | None,
            index: dict[str, int]) -> Column:  # fmt: skip
    cells: list[Cell | None] = [None] * len(index)
    for part in pattern.split(";"):
        gene, types_text, level = part.split("=")
        types = tuple(t for t in ALTERATION_TYPES if t in types_text.split("+"))
        cells[index[gene]] = Cell(gene, types, level, _glyphs(types))
    return Column(label, count, sens or None, res or None, tuple(cells))


def _sort_key(column: Column) -> tuple[object, ...]:
    """OncoPrinter's order: by each gene in turn, altered first, then by alteration type.

    Ties (grouped columns with the same label and count) are broken by every type of each
    cell and the level tracks, so that the order never depends on how the groups were found.
    """
    key: list[int] = []
    for cell in column.cells:
        if cell is None:
            key += [1, 0, 0]
        else:
            key += [0, ALTERATION_TYPES.index(cell.types[0]), _LEVEL_RANK.get(cell.level, 9)]
    types = [tuple(ALTERATION_TYPES.index(t) for t in c.types) if c else () for c in column.cells]
    tracks = (column.sensitive or "", column.resistance or "")
    return (*key, -column.count, column.label, *types, *tracks)


def _note(shown: int, cohort: int, grouped: bool, n_columns: int, n_panels: int) -> str:
    base = f"{shown:,} of {cohort:,} samples have an actionable alteration; all are shown"
    if grouped:
        return (
            f"{base}, too many for one column each: each column is a group of samples with the "
            f"same alterations and levels ({n_columns:,} groups), its width proportional to "
            "the group's size"
        )
    if n_panels > 1:
        return f"{base}, one column each, on {n_panels} panels of up to {PANEL_COLUMNS}"
    return f"{base}, one column each"


def build_oncoprint(samples: pl.DataFrame, genes: pl.DataFrame) -> Oncoprint:
    """The oncoprint of a cohort.

    Args:
        samples: samples.tsv's table (SAMPLE_ID, HIGHEST_SENSITIVE_LEVEL,
            HIGHEST_RESISTANCE_LEVEL, ACTIONABLE_ALTERATIONS), or the same counted
            (`summary.sample_groups`: `SAMPLES_N`, the samples a row stands for).
        genes: (SAMPLE_ID, GENE, LEVEL): each sample's best level per actionable gene, or
            each counted row's (with `SAMPLES_N`).

    Returns:
        Rows, sorted columns with every cell's glyphs, panels and the figure's note.

    Raises:
        ValueError: counted rows stand for too few samples to be drawn grouped (at most
            `MAX_SAMPLE_COLUMNS` shown): each sample needs its own column.
    """
    counts = genes.group_by("GENE").agg(samples_of(genes).alias("n"))
    counts = counts.sort("n", "GENE", descending=[True, False])
    order = counts["GENE"].to_list()
    index = {g: i for i, g in enumerate(order)}
    per = _patterns(samples, genes, order) if order else pl.DataFrame(schema={"N": pl.Int64})
    shown = int(per["N"].sum())
    cohort = sample_count(samples)
    grouped = shown > MAX_SAMPLE_COLUMNS
    if grouped:
        per = per.group_by("P", "S", "X").agg(pl.col("N").sum()).select(
            pl.format("{} samples", "N").alias("SAMPLE_ID"), "N", "P", "S", "X"
        )  # fmt: skip
    elif per.height != shown:
        raise ValueError(f"{shown} samples shown: too few to draw from counted rows")
    else:
        per = per.select("SAMPLE_ID", "N", "P", "S", "X") if shown else per
    columns = [_column(lb, n, p, s, x, index) for lb, n, p, s, x in per.iter_rows()]
    columns.sort(key=_sort_key)
    n_panels = 1 if grouped else math.ceil(len(columns) / PANEL_COLUMNS)
    step = len(columns) if grouped else PANEL_COLUMNS
    panels = tuple((i * step, min(len(columns), (i + 1) * step)) for i in range(n_panels))
    return Oncoprint(
        genes=tuple(order),
        gene_samples={str(g): int(n) for g, n in counts.iter_rows()},
        columns=tuple(columns),
        panels=panels,
        grouped=grouped,
        cohort_samples=cohort,
        shown_samples=shown,
        note=_note(shown, cohort, grouped, len(columns), n_panels),
    )
