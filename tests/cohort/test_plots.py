"""The plots read on their own: title, axis labels, legend; they grow with the genes, stay legible."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest

from onconav.cohort.oncoprint import build_oncoprint
from onconav.cohort.plots import (
    PLOT_NAMES,
    genes_figure,
    levels_figure,
    oncoprint_figure,
    write_plots,
)

LEVELS = ["1", "2", "3A", "3B", "4", "R1", "R2"]


def _cohort(n_genes: int, n_samples: int = 300) -> tuple[pl.DataFrame, pl.DataFrame]:
    """n_samples samples; sample i has gene i % n_genes (an amplification) at a rotating level."""
    genes = [f"G{i:02d}" for i in range(n_genes)]
    rows = [(f"S{i:04d}", genes[i % n_genes], LEVELS[i % len(LEVELS)]) for i in range(n_samples)]
    samples = pl.DataFrame(
        {
            "SAMPLE_ID": [r[0] for r in rows],
            "ACTIONABLE_ALTERATIONS": [f"{r[1]} amplification" for r in rows],
            "HIGHEST_SENSITIVE_LEVEL": [
                None if r[2].startswith("R") else f"LEVEL_{r[2]}" for r in rows
            ],
            "HIGHEST_RESISTANCE_LEVEL": [
                f"LEVEL_{r[2]}" if r[2].startswith("R") else None for r in rows
            ],
        }
    )
    return samples, pl.DataFrame(rows, schema=["SAMPLE_ID", "GENE", "LEVEL"], orient="row")


def _no_overlap(fig, labels) -> None:
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text()]
    assert boxes
    boxes.sort(key=lambda b: b.y0)
    for lower, upper in zip(boxes, boxes[1:], strict=False):
        assert upper.y0 >= lower.y1 - 0.5, "labels overlap"


def _no_overlap_2d(fig, texts) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [t.get_window_extent(renderer) for t in texts if t.get_text()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "legend texts overlap"
        assert a.x1 <= fig.bbox.x1 + 0.5, "legend text runs off the figure"


def _text_of(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


@pytest.mark.parametrize("n_genes", [10, 40])
def test_oncoprint_rows_are_legible_and_grow_with_genes(n_genes: int) -> None:
    samples, genes = _cohort(n_genes)
    op = build_oncoprint(samples, genes)
    assert len(op.genes) == n_genes
    fig = oncoprint_figure(op)
    panel, legend = fig.axes[0], fig.axes[-1]
    labels = panel.get_yticklabels()
    assert [t.get_text().split()[0] for t in labels[2:]] == list(op.genes)
    assert min(t.get_fontsize() for t in labels) >= 8
    _no_overlap(fig, labels)
    assert fig._suptitle.get_text() == "Oncoprint of actionable alterations"
    assert panel.get_xlabel()
    assert panel.get_ylabel()
    assert "300 of 300 samples" in panel.get_title(loc="left")
    legend_text = _text_of(legend)
    for word in (
        "Amplification",
        "Deep deletion",
        "Fusion",
        "Truncating",
        "In-frame",
        "Missense",
        "Level",
    ):
        assert word in legend_text
    _no_overlap_2d(fig, legend.texts)
    narrow = oncoprint_figure(build_oncoprint(*_cohort(n_genes, 12)))
    _no_overlap_2d(narrow, narrow.axes[-1].texts)
    if n_genes == 40:
        small = oncoprint_figure(build_oncoprint(*_cohort(10)))
        assert fig.get_figheight() > small.get_figheight() * 2


@pytest.mark.parametrize("n_genes", [10, 40])
def test_gene_bars_are_legible_and_grow_with_genes(n_genes: int) -> None:
    _, genes = _cohort(n_genes)
    fig = genes_figure(genes)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == n_genes  # every gene, no cap
    _no_overlap(fig, ax.get_yticklabels())
    assert ax.get_title()
    assert ax.get_xlabel()
    assert ax.get_ylabel()
    assert ax.get_legend() is not None
    assert fig.get_figheight() >= 0.2 * n_genes


def test_levels_figure_has_title_labels_legend() -> None:
    samples, _ = _cohort(10, 70)
    ax = levels_figure(samples).axes[0]
    assert ax.get_title() == "Samples by highest level (n = 70)"
    assert ax.get_xlabel()
    assert ax.get_ylabel()
    assert ax.get_legend() is not None
    assert [p.get_height() for p in ax.patches] == [10, 10, 10, 10, 10, 10, 10, 0]


def test_write_plots_writes_png_and_svg_with_text_kept(tmp_path: Path) -> None:
    samples, genes = _cohort(12, 40)
    written = write_plots(samples, genes, tmp_path / "plots")
    assert sorted(written) == sorted(f"plots/{n}.{e}" for n in PLOT_NAMES for e in ("png", "svg"))
    for name in written:
        assert (tmp_path / name).stat().st_size > 1000
    svg = ET.parse(tmp_path / "plots" / "oncoprint.svg")
    texts = " ".join("".join(e.itertext()) for e in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "G00" in texts
    assert "Alteration (glyph and colour):" in texts


def test_the_same_cohort_draws_the_same_files(tmp_path: Path) -> None:
    # (no date or other per-run stamp in the files: outputs can be compared across runs)
    samples, genes = _cohort(5, 60)
    first = write_plots(samples, genes, tmp_path / "a")
    again = write_plots(samples, genes, tmp_path / "b")
    assert first == again
    for name in first:
        rel = Path(name).relative_to("plots")
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), name
