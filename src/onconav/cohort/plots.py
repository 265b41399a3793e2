"""Cohort plots, PNG and SVG: samples by highest level, actionable genes, an oncoprint.

Drawn with matplotlib's object API (`Figure`, no pyplot), so nothing global is touched and no
display is needed. Inputs are the sample table and the (sample, gene, level) table.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from onconav.cohort.columns import RESISTANCE_LEVELS, SENSITIVE_LEVELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PLOT_NAMES", "import_matplotlib", "write_plots"]

_logger = logging.getLogger(__name__)

PLOT_NAMES = ("samples_by_level", "actionable_genes", "oncoprint")
# OncoKB's level colours (oncokb.org level icons), then grey for resistance-only and none.
_COLOURS = {
    "1": "#33A02C", "2": "#1F78B4", "3A": "#984EA3", "3B": "#BE98CE", "4": "#424242",
    "R1": "#EE3424", "R2": "#F79A92", "none": "#D9D9D9",
}  # fmt: skip
_ORDER = (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS)
_MAX_GENES = 20
_MAX_SAMPLES = 400


def import_matplotlib() -> None:
    """Import the parts of matplotlib the plots use (about half a second, done once).

    The annotator calls this on a helper thread while Polars reads the input (the main thread
    then holds no GIL), so the plots later cost only their drawing.
    """
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.colors
    import matplotlib.figure  # noqa: F401


def _save(fig: Figure, folder: Path, name: str) -> list[str]:
    fig.tight_layout()
    written = []
    for ext in ("png", "svg"):
        path = folder / f"{name}.{ext}"
        fig.savefig(path, dpi=150) if ext == "png" else fig.savefig(path)
        written.append(f"plots/{path.name}")
    return written


def _level_of_sample(table: pl.DataFrame) -> list[str]:
    sens = table["HIGHEST_SENSITIVE_LEVEL"].str.replace("LEVEL_", "")
    res = table["HIGHEST_RESISTANCE_LEVEL"].str.replace("LEVEL_", "")
    return [s or r or "none" for s, r in zip(sens.to_list(), res.to_list(), strict=True)]


def _by_level(table: pl.DataFrame, folder: Path) -> list[str]:
    from matplotlib.figure import Figure

    levels = _level_of_sample(table)
    names = [*_ORDER, "none"]
    counts = [levels.count(lv) for lv in names]
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    bars = ax.bar([f"Level {n}" if n != "none" else "none" for n in names], counts,
                  color=[_COLOURS[n] for n in names])  # fmt: skip
    ax.bar_label(bars, fontsize=8)
    ax.set_ylabel("samples")
    ax.set_title(f"Samples by highest level (n = {table.height}; sensitive first, else resistance)")
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, folder, PLOT_NAMES[0])


def _top_genes(genes: pl.DataFrame) -> list[str]:
    counts = genes.group_by("GENE").agg(pl.col("SAMPLE_ID").n_unique().alias("n"))
    return counts.sort("n", "GENE", descending=[True, False])["GENE"].head(_MAX_GENES).to_list()


def _by_gene(genes: pl.DataFrame, folder: Path) -> list[str]:
    from matplotlib.figure import Figure

    top = _top_genes(genes)
    fig = Figure(figsize=(7, max(2.5, 0.35 * len(top) + 1.2)))
    ax = fig.add_subplot()
    left = [0] * len(top)
    for level in _ORDER:
        sub = genes.filter(pl.col("LEVEL") == level).group_by("GENE").agg(pl.len().alias("n"))
        n_of = dict(sub.iter_rows())
        values = [int(n_of.get(g, 0)) for g in top]
        if any(values):
            ax.barh(top, values, left=left, color=_COLOURS[level], label=f"Level {level}")
            left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("samples")
    ax.set_title("Actionable genes (samples, by the gene's best level)")
    if top:
        ax.legend(fontsize=8, loc="lower right")
    return _save(fig, folder, PLOT_NAMES[1])


def _oncoprint(genes: pl.DataFrame, folder: Path) -> list[str]:
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    top = _top_genes(genes)
    sub = genes.filter(pl.col("GENE").is_in(top))
    rank = {lv: i for i, lv in enumerate(_ORDER)}
    cells = {(s, g): rank[lv] for s, g, lv in sub.iter_rows()}

    def order(sample: str) -> tuple[int, ...]:
        return tuple(cells.get((sample, g), 99) for g in top)

    samples = sorted({s for s, _ in cells}, key=order)[:_MAX_SAMPLES]
    grid = [[cells.get((s, g), len(_ORDER)) for s in samples] for g in top]
    fig = Figure(figsize=(min(14, 3 + 0.03 * len(samples)), max(2.5, 0.3 * len(top) + 1.5)))
    ax = fig.add_subplot()
    cmap = ListedColormap([_COLOURS[lv] for lv in (*_ORDER, "none")])
    if samples:
        ax.imshow(grid, aspect="auto", interpolation="nearest", cmap=cmap, vmin=0, vmax=len(_ORDER))
    ax.set_yticks(range(len(top)), top, fontsize=8)
    ax.set_xticks([])
    ax.set_xlabel(f"{len(samples)} samples with an actionable alteration" + (
        f" (first {_MAX_SAMPLES})" if len(samples) == _MAX_SAMPLES else ""))  # fmt: skip
    ax.set_title("Oncoprint of actionable alterations (colour: best level of the gene)")
    return _save(fig, folder, PLOT_NAMES[2])


def write_plots(samples: pl.DataFrame, genes: pl.DataFrame, folder: Path) -> list[str]:
    """Draw the three plots into `folder` (created); return their paths relative to its parent.

    Args:
        samples: samples.tsv's table.
        genes: (SAMPLE_ID, GENE, LEVEL) per sample and actionable gene.
        folder: The plots folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = [*_by_level(samples, folder), *_by_gene(genes, folder), *_oncoprint(genes, folder)]
    _logger.info("wrote %d plot files", len(written))
    return written
