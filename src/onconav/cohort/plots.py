"""Cohort plots, PNG and SVG: samples by highest level, actionable genes, an oncoprint.

Drawn with matplotlib's object API (`Figure`, no pyplot), so nothing global is touched and no
display is needed. Each plot has a title, axis labels and a legend where colour carries meaning,
in colour-blind-safe palettes (oncoprint.py); figures grow with the number of genes. The
oncoprint is drawn from `oncoprint.Oncoprint` (its cells' glyphs), one rectangle per run of equal
cells in a row, so that a large cohort stays a small file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from onconav.cohort.columns import RESISTANCE_LEVELS, SENSITIVE_LEVELS
from onconav.cohort.oncoprint import (
    ALTERATION_TYPES,
    EMPTY_COLOUR,
    LEVEL_COLOURS,
    SAMPLES_N,
    TYPE_COLOURS,
    TYPE_HEIGHTS,
    TYPE_LABELS,
    Oncoprint,
    build_oncoprint,
    samples_of,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PLOT_NAMES",
    "genes_figure",
    "import_matplotlib",
    "levels_figure",
    "oncoprint_figure",
    "write_plots",
]

_logger = logging.getLogger(__name__)

PLOT_NAMES = ("samples_by_level", "actionable_genes", "oncoprint")
_ORDER = (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS)
_ROW = 0.24  # inches a gene row takes: 8-point labels never overlap
_FONT = 9


def import_matplotlib() -> None:
    """Import the parts of matplotlib the plots use (about half a second, done once).

    The annotator calls this on a helper thread while Polars reads the input (the main thread
    then holds no GIL), so the plots later cost only their drawing.
    """
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.collections
    import matplotlib.figure
    import matplotlib.patches
    import matplotlib.ticker  # noqa: F401


def _save(fig: Figure, folder: Path, name: str) -> list[str]:
    """PNG and SVG; the SVG keeps its text as text (editable, searchable in report.html).

    The SVG carries no date, so that the same cohort gives the same files (and report.html).
    """
    from matplotlib import rc_context

    fig.savefig(folder / f"{name}.png", dpi=110)
    fig.set_layout_engine("none")  # laid out by the first save; the SVG keeps that layout
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        fig.savefig(folder / f"{name}.svg", metadata={"Date": None})
    return [f"plots/{name}.png", f"plots/{name}.svg"]


def _levels_of_samples(table: pl.DataFrame) -> dict[str, int]:
    """Samples by highest level: sensitive first, else resistance, else 'none'."""
    level = pl.coalesce("HIGHEST_SENSITIVE_LEVEL", "HIGHEST_RESISTANCE_LEVEL", pl.lit("none"))
    found = table.group_by(level.str.strip_prefix("LEVEL_").alias("L")).agg(samples_of(table))
    return {str(k): int(n) for k, n in found.iter_rows()}


def levels_figure(table: pl.DataFrame) -> Figure:
    """Samples by highest level (sensitive first, else resistance), one bar a level.

    `table` is samples.tsv's table, or counted (`summary.count_samples`).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    found = _levels_of_samples(table)
    names = [*_ORDER, "none"]
    counts = [int(found.get(lv, 0)) for lv in names]
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    labels = [f"Level {n}" if n != "none" else "no level" for n in names]
    bars = ax.bar(labels, counts, color=[LEVEL_COLOURS[n] for n in names], edgecolor="#555555",
                  linewidth=0.5, label=labels)  # fmt: skip
    ax.bar_label(bars, fontsize=_FONT)
    ax.set_xlabel("highest level of the sample (sensitive first; else resistance)")
    ax.set_ylabel("samples")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"Samples by highest level (n = {sum(found.values()):,})")
    ax.tick_params(axis="x", labelsize=_FONT)
    ax.legend(fontsize=_FONT - 1, ncols=2, title="OncoKB-style level", title_fontsize=_FONT)
    return fig


def genes_figure(genes: pl.DataFrame) -> Figure:
    """Samples per actionable gene, stacked by the gene's best level in the sample."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = genes.group_by("GENE").agg(samples_of(genes).alias("n"))
    top = counts.sort("n", "GENE", descending=[True, False])["GENE"].to_list()
    fig = Figure(figsize=(7.5, max(2.6, _ROW * len(top) + 1.6)), layout="constrained")
    ax = fig.add_subplot()
    by_level = genes.group_by("LEVEL", "GENE").agg(samples_of(genes).alias("n"))
    left = [0] * len(top)
    for level in _ORDER:
        n_of = {g: int(n) for _, g, n in by_level.filter(pl.col("LEVEL") == level).iter_rows()}
        values = [n_of.get(g, 0) for g in top]
        if any(values):
            ax.barh(top, values, left=left, color=LEVEL_COLOURS[level], label=f"Level {level}",
                    edgecolor="#555555", linewidth=0.4)  # fmt: skip
            left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=_FONT)
    ax.set_xlabel("samples with an actionable alteration of the gene")
    ax.set_ylabel("gene")
    ax.set_title("Actionable genes (samples, by the gene's best level in the sample)")
    if top:
        ax.legend(fontsize=_FONT - 1, loc="lower right", title="level", title_fontsize=_FONT)
    return fig


def _runs(values: list[Any], widths: list[float]) -> list[tuple[float, float, Any]]:
    """(x, width, value) of each run of equal consecutive values."""
    out: list[tuple[float, float, Any]] = []
    x = 0.0
    for value, w in zip(values, widths, strict=True):
        if out and out[-1][2] == value and out[-1][0] + out[-1][1] == x:
            out[-1] = (out[-1][0], out[-1][1] + w, value)
        else:
            out.append((x, w, value))
        x += w
    return out


def _percent(n: int, total: int) -> str:
    share = 100 * n / total
    return "<1%" if 0 < share < 1 else f"{share:.0f}%"


def _rect(x: float, w: float, y: float, h: float) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _draw_panel(ax: Axes, op: Oncoprint, start: int, stop: int) -> None:
    """Tracks (rows 0, 1) and genes (rows 2 on) of columns start..stop, as one collection."""
    from matplotlib.collections import PolyCollection

    cols = op.columns[start:stop]
    widths = [float(c.count) for c in cols]
    gap = 0.12 if len(cols) <= 150 and not op.grouped else 0.0
    verts, colours = [], []

    def add(values: list[Any], y: float, colour_of: Any) -> None:
        for x, w, value in (_runs(values, widths) if gap == 0 else
                            [(i, 1.0, v) for i, v in enumerate(values)]):  # fmt: skip
            for colour, height in colour_of(value):
                top = y + (1 - height) / 2
                verts.append(_rect(x + gap / 2, w - gap, top + 0.04, height - 0.08))
                colours.append(colour)

    add([c.sensitive or "none" for c in cols], 0, lambda v: [(LEVEL_COLOURS[v], 1.0)])
    add([c.resistance or "none" for c in cols], 1, lambda v: [(LEVEL_COLOURS[v], 1.0)])
    for row in range(len(op.genes)):
        glyphs = [cell.glyphs if (cell := c.cells[row]) else () for c in cols]
        add(glyphs, row + 2.3,
            lambda g: [(EMPTY_COLOUR, 1.0)] + [(x.colour, x.height) for x in g])  # fmt: skip
    ax.add_collection(PolyCollection(verts, facecolors=colours, edgecolors="none"))
    ax.set_xlim(0, sum(widths))
    ax.set_ylim(len(op.genes) + 2.3, 0)
    total = op.cohort_samples or 1
    labels = ["Highest sensitive level", "Highest resistance level"] + [
        f"{g}  {_percent(op.gene_samples[g], total)}" for g in op.genes
    ]
    ax.set_yticks([0.5, 1.5, *(r + 2.8 for r in range(len(op.genes)))], labels, fontsize=_FONT)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _draw_legend(ax: Axes) -> None:
    """Both channels: alteration glyphs (as drawn in the cells), then level colours."""
    from matplotlib.patches import Rectangle

    ax.set_axis_off()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 5)
    ax.text(0, 4.6, "Alteration (glyph and colour):", fontsize=_FONT, weight="bold", va="center")
    for i, t in enumerate(ALTERATION_TYPES):
        x, y = (i % 2) * 50, 3.9 - (i // 2) * 0.75
        ax.add_patch(Rectangle((x, y - 0.3), 1.2, 0.6, color=EMPTY_COLOUR))
        h = TYPE_HEIGHTS[t] * 0.6
        ax.add_patch(Rectangle((x, y - h / 2), 1.2, h, color=TYPE_COLOURS[t]))
        ax.text(x + 2, y, TYPE_LABELS[t], fontsize=_FONT - 1, va="center")
    ax.text(0, 0.7, "Level (tracks on top):", fontsize=_FONT, weight="bold", va="center")
    for i, lv in enumerate([*_ORDER, "none"]):
        left = 24 + i * 9.5
        ax.add_patch(Rectangle((left, 0.4), 1.2, 0.6, facecolor=LEVEL_COLOURS[lv],
                               edgecolor="#999999", linewidth=0.3))  # fmt: skip
        ax.text(left + 2, 0.7, "none" if lv == "none" else lv, fontsize=_FONT - 1, va="center")


def oncoprint_figure(op: Oncoprint) -> Figure:
    """The oncoprint: one panel per column range, the note, and the legend at the bottom."""
    from matplotlib.figure import Figure

    n_cols = max((b - a for a, b in op.panels), default=0)
    width = min(15.0, max(9.0, 3.0 + 0.028 * n_cols)) if not op.grouped else 15.0
    panel_h = _ROW * (len(op.genes) + 2.5) + 0.35
    n_rows = max(1, len(op.panels))
    fig = Figure(figsize=(width, n_rows * panel_h + 2.6), layout="constrained")
    ratios = [panel_h] * n_rows + [1.9]
    axes = fig.subplots(len(ratios), 1, gridspec_kw={"height_ratios": ratios}, squeeze=False)
    for (start, stop), ax in zip(op.panels, axes[:-1, 0], strict=False):
        _draw_panel(ax, op, start, stop)
        what = "groups of samples" if op.grouped else "samples"
        span = f"columns {start + 1:,}-{stop:,} of {len(op.columns):,}"
        ax.set_xlabel(f"{what} ({span}), sorted by gene, then alteration", fontsize=_FONT)
        ax.set_ylabel("gene (share of all samples)", fontsize=_FONT)
    if not op.panels:
        axes[0, 0].set_axis_off()
        axes[0, 0].text(0.5, 0.5, "no sample has an actionable alteration", ha="center")
    _draw_legend(axes[-1, 0])
    fig.suptitle("Oncoprint of actionable alterations", fontsize=_FONT + 3, weight="bold")
    axes[0, 0].set_title(op.note, fontsize=_FONT, loc="left", wrap=True)
    return fig


def write_plots(
    samples: pl.DataFrame, genes: pl.DataFrame, folder: Path, op: Oncoprint | None = None,
    names: tuple[str, ...] = PLOT_NAMES,
) -> list[str]:  # fmt: skip
    """Draw the plots into `folder` (created); return their paths relative to its parent.

    Args:
        samples: samples.tsv's table, or counted (`summary.count_samples`; then the oncoprint,
            if drawn, is `op`).
        genes: (SAMPLE_ID, GENE, LEVEL) per sample and actionable gene, or counted (with
            `oncoprint.SAMPLES_N`; then `op` is given).
        folder: The plots folder.
        op: The oncoprint's data, when already built.
        names: The plots to draw (of `PLOT_NAMES`, drawn in that order); all by default.

    Raises:
        ValueError: `genes` are counted and the oncoprint is to be drawn without `op`.
    """
    if op is None and PLOT_NAMES[2] in names and SAMPLES_N in genes.columns:
        # (the oncoprint of samples.tsv's rows beside counted genes would show one sample a group)
        raise ValueError("counted gene levels need the oncoprint made from them (`op`)")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if PLOT_NAMES[0] in names:
        written += _save(levels_figure(samples), folder, PLOT_NAMES[0])
    if PLOT_NAMES[1] in names:
        written += _save(genes_figure(genes), folder, PLOT_NAMES[1])
    if PLOT_NAMES[2] in names:
        written += _save(oncoprint_figure(op or build_oncoprint(samples, genes)), folder,
                         PLOT_NAMES[2])  # fmt: skip
    _logger.info("wrote %d plot files", len(written))
    return written
