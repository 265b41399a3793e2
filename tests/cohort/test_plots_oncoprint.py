"""The oncoprint's data: every cell's glyph and colour, the column order, panels and groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from onconav.cohort import annotate as annotate_module
from onconav.cohort import summary as sm
from onconav.cohort.oncoprint import (
    MAX_SAMPLE_COLUMNS,
    PANEL_COLUMNS,
    alteration_type,
    build_oncoprint,
    sample_count,
)
from onconav.cohort.plan import Plan
from onconav.cohort.plots import genes_figure, levels_figure
from onconav.cohort.report_data import _resistance_counts, _tumor_types
from tests.cohort.helpers import DATA, run
from tests.cohort.test_context_keys import _cohort

# The spec, written out (not read from the module): Okabe-Ito colours, OncoPrinter's heights.
MISSENSE = ("missense", "#009E73", 0.33)
TRUNCATING = ("truncating", "#000000", 0.33)
INFRAME = ("inframe", "#E69F00", 0.33)
FUSION = ("fusion", "#CC79A7", 0.66)
AMPLIFICATION = ("amplification", "#D55E00", 1.0)
DELETION = ("deletion", "#0072B2", 1.0)
OTHER = ("other", "#56B4E9", 0.33)

# sample: (actionable alterations, {gene: level}, highest sensitive, highest resistance)
COHORT = {
    "S1": ("EGFR L858R", {"EGFR": "1"}, "1", None),
    "S2": ("EGFR E746_A750del", {"EGFR": "1"}, "1", None),
    "S3": ("MET X1010_splice,MET amplification", {"MET": "1"}, "1", None),
    "S4": ("EML4-ALK fusion", {"ALK": "1"}, "1", None),
    "S5": ("CDKN2A deletion", {"CDKN2A": "4"}, "4", None),
    "S6": ("EGFR L858R,EGFR T790M", {"EGFR": "R1"}, "1", "R1"),
    "S7": ("NKX2-1 amplification", {"NKX2-1": "3B"}, "3B", None),
    "S8": ("KIF5B-RET fusion,TP53 R213*", {"RET": "1", "TP53": "4"}, "1", None),
    "S9": ("ERBB2 mutation", {"ERBB2": "3A"}, "3A", None),
    "S10": (None, {}, None, None),
    "S11": ("STK11 Q37fs", {"STK11": "R2"}, None, "R2"),
    "S12": ("ERBB2 A775_G776insYVMA,ERBB2 amplification", {"ERBB2": "2"}, "2", None),
}
# (sample, gene) -> glyphs, tallest first (one copy-number, one fusion, one mutation at most)
EXPECTED = {
    ("S1", "EGFR"): [MISSENSE],
    ("S2", "EGFR"): [INFRAME],
    ("S3", "MET"): [AMPLIFICATION, TRUNCATING],
    ("S4", "ALK"): [FUSION],
    ("S5", "CDKN2A"): [DELETION],
    ("S6", "EGFR"): [MISSENSE],
    ("S7", "NKX2-1"): [AMPLIFICATION],
    ("S8", "RET"): [FUSION],
    ("S8", "TP53"): [TRUNCATING],
    ("S9", "ERBB2"): [OTHER],
    ("S11", "STK11"): [TRUNCATING],
    ("S12", "ERBB2"): [AMPLIFICATION, INFRAME],
}


def _frames(cohort: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    level = lambda x: f"LEVEL_{x}" if x else None  # noqa: E731
    samples = pl.DataFrame(
        {
            "SAMPLE_ID": list(cohort),
            "ACTIONABLE_ALTERATIONS": [v[0] for v in cohort.values()],
            "HIGHEST_SENSITIVE_LEVEL": [level(v[2]) for v in cohort.values()],
            "HIGHEST_RESISTANCE_LEVEL": [level(v[3]) for v in cohort.values()],
        },
        schema=dict.fromkeys(
            (
                "SAMPLE_ID",
                "ACTIONABLE_ALTERATIONS",
                "HIGHEST_SENSITIVE_LEVEL",
                "HIGHEST_RESISTANCE_LEVEL",
            ),
            pl.String,
        ),
    )
    rows = [(s, g, lv) for s, v in cohort.items() for g, lv in v[1].items()]
    genes = pl.DataFrame(rows, schema=["SAMPLE_ID", "GENE", "LEVEL"], orient="row")
    return samples, genes


def test_every_cell_has_the_glyph_and_colour_of_its_alteration_types() -> None:
    op = build_oncoprint(*_frames(COHORT))
    seen = {}
    for col in op.columns:
        for gene, cell in zip(op.genes, col.cells, strict=True):
            if cell is not None:
                seen[(col.label, gene)] = [(g.type, g.colour, g.height) for g in cell.glyphs]
                assert cell.gene == gene
                assert cell.level == COHORT[col.label][1][gene]
    assert seen == EXPECTED
    # the two alteration types of one gene are both kept on the cell
    s3 = op.columns[[c.label for c in op.columns].index("S3")]
    assert s3.cells[op.genes.index("MET")].types == ("amplification", "truncating")


@pytest.mark.parametrize("order", ["by name", "reversed", "as written"])
def test_cells_are_the_same_whatever_the_order_of_the_sample_table(order: str) -> None:
    # samples.tsv comes sorted by name, and cells are then found by binary search; any other
    # order is joined. A sample of the gene table missing from the sample table is left out.
    samples, genes = _frames(COHORT)
    if order != "as written":
        samples = samples.sort("SAMPLE_ID", descending=order == "reversed")
    base = build_oncoprint(*_frames(COHORT))
    stray = pl.DataFrame([("S0", "EGFR", "1")], schema=genes.schema, orient="row")
    op = build_oncoprint(samples, pl.concat([stray, genes]))
    assert [c.label for c in op.columns] == [c.label for c in base.columns]
    assert op.columns == base.columns
    assert op.shown_samples == base.shown_samples == len(COHORT) - 1


def test_every_type_of_the_legend_is_exercised() -> None:
    kinds = {g[0] for glyphs in EXPECTED.values() for g in glyphs}
    assert kinds == {
        "missense",
        "truncating",
        "inframe",
        "fusion",
        "amplification",
        "deletion",
        "other",
    }


def test_rows_and_columns_are_sorted_as_oncoprinter_sorts() -> None:
    op = build_oncoprint(*_frames(COHORT))
    # genes: most samples first, then by name; every gene of the genes table has a row
    assert op.genes == ("EGFR", "ERBB2", "ALK", "CDKN2A", "MET", "NKX2-1", "RET", "STK11", "TP53")
    assert op.gene_samples["EGFR"] == 3
    assert op.gene_samples["ERBB2"] == 2
    # columns: by EGFR (in-frame before missense; then level 1 before R1), then ERBB2 (copy
    # number before gene-level), then the next genes; the sample without one is not a column
    labels = [c.label for c in op.columns]
    assert labels == ["S2", "S1", "S6", "S12", "S9", "S4", "S5", "S3", "S7", "S8", "S11"]
    assert op.shown_samples == 11
    assert op.cohort_samples == 12
    assert "11 of 12 samples" in op.note
    assert not op.grouped
    assert op.panels == ((0, 11),)
    # the level tracks: each sample's highest sensitive and resistance level
    by_label = {c.label: c for c in op.columns}
    assert (by_label["S6"].sensitive, by_label["S6"].resistance) == ("1", "R1")
    assert (by_label["S11"].sensitive, by_label["S11"].resistance) == (None, "R2")


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("KRAS G12C", "missense"),
        ("BRAF V600E", "missense"),
        ("EGFR L747_P753delinsS", "inframe"),
        ("ERBB2 Y772_A775dup", "inframe"),
        ("EGFR exon 19 deletion", "inframe"),
        ("EGFR exon 20 insertion", "inframe"),
        ("MET exon 14 skipping", "truncating"),
        ("MET c.3082+1G>T", "truncating"),
        ("STK11 Q37fs", "truncating"),
        ("CD74-ROS1 fusion", "fusion"),
        ("ALK fusion", "fusion"),
        ("MET amplification", "amplification"),
        ("PTEN deletion", "deletion"),
        ("EGFR mutation", "other"),
    ],
)
def test_alteration_types(label: str, kind: str) -> None:
    assert alteration_type(label) == kind


def _many(n: int, patterns: int) -> dict:
    kinds = [
        ("EGFR L858R", {"EGFR": "1"}, "1", None),
        ("KRAS G12C", {"KRAS": "1"}, "1", None),
        ("EML4-ALK fusion", {"ALK": "1"}, "1", None),
        ("MET amplification", {"MET": "2"}, "2", None),
        ("EGFR L858R,EGFR T790M", {"EGFR": "R1"}, "1", "R1"),
    ][:patterns]
    return {f"P{i:06d}": kinds[i % len(kinds)] for i in range(n)}


def test_past_a_panel_samples_go_on_several_panels_all_drawn() -> None:
    n = 2 * PANEL_COLUMNS + 7
    op = build_oncoprint(*_frames(_many(n, 5)))
    assert not op.grouped
    assert len(op.columns) == n
    assert op.panels == ((0, 500), (500, 1000), (1000, n))
    assert "on 3 panels" in op.note


def test_past_the_cap_samples_are_grouped_and_the_figure_says_so() -> None:
    n = MAX_SAMPLE_COLUMNS + 1
    op = build_oncoprint(*_frames(_many(n, 5)))
    assert op.grouped
    assert len(op.columns) == 5  # one column per pattern
    assert sum(c.count for c in op.columns) == n  # nobody dropped
    assert op.panels == ((0, 5),)
    assert "each column is a group of samples" in op.note
    assert f"{n:,} of {n:,} samples" in op.note
    counts = {c.cells[op.genes.index("ALK")] is not None: c.count for c in op.columns}
    assert counts[True] == len([i for i in range(n) if i % 5 == 2])


def test_grouped_columns_that_tie_on_label_and_count_keep_one_order() -> None:
    # Groups of equal size differing only past the first type of a cell, or in a level track,
    # tie on the drawing's sort key; their order must not depend on how the groups were found.
    kinds = [
        ("EGFR L858R,EGFR E746_A750del", {"EGFR": "1"}, "1", None),
        ("EGFR E746_A750del", {"EGFR": "1"}, "1", None),
        ("EGFR E746_A750del", {"EGFR": "1"}, "1", "R1"),
        ("EGFR E746_A750del", {"EGFR": "1"}, "1", "R2"),
        ("KRAS G12C,KRAS G12C", {"KRAS": "1"}, "1", "R2"),
        ("KRAS G12C", {"KRAS": "1"}, "1", "R1"),
    ]
    n = MAX_SAMPLE_COLUMNS + 4 * len(kinds)
    cohort = {f"P{i:06d}": kinds[i % len(kinds)] for i in range(n)}
    samples, genes = _frames(cohort)
    first = build_oncoprint(samples, genes)
    assert first.grouped
    assert len({(c.label, c.count) for c in first.columns}) < len(first.columns)  # ties
    for seed in range(4):
        shuffled = build_oncoprint(samples.sample(fraction=1, seed=seed, shuffle=True),
                                   genes.sample(fraction=1, seed=seed + 9, shuffle=True))  # fmt: skip
        assert shuffled == first


def test_rows_come_from_every_input_kind(tmp_path) -> None:
    """Mutations, fusions, SVs and copy number all fill their gene's row (not only the MAF)."""
    out = tmp_path / "out"
    summary = run(
        out,
        maf=DATA / "tiny.maf",
        fusions=DATA / "tiny_fusions.txt",
        cna=DATA / "tiny_cna.txt",
        clinical=DATA / "tiny_clinical.txt",
    )
    samples = pl.read_csv(out / "samples.tsv", separator="\t", infer_schema=False)
    rows = [
        (s, label.split(" ", 1)[0].split("-")[-1])
        for s, text in samples.select("SAMPLE_ID", "ACTIONABLE_ALTERATIONS").iter_rows()
        if text
        for label in text.split(",")
    ]
    genes = pl.DataFrame(rows, schema=["SAMPLE_ID", "GENE"], orient="row").unique()
    genes = genes.with_columns(pl.lit("1").alias("LEVEL"))
    op = build_oncoprint(samples, genes)
    assert set(op.genes) == set(summary.samples_by_gene)
    kinds = {t for c in op.columns for cell in c.cells if cell for t in cell.types}
    assert {"fusion", "amplification", "missense"} <= kinds
    for gene in op.genes:
        assert (
            sum(1 for c in op.columns if c.cells[op.genes.index(gene)])
            == summary.samples_by_gene[gene]
        )


def test_a_cohort_without_actionable_alterations_draws_an_empty_oncoprint() -> None:
    from onconav.cohort.plots import oncoprint_figure

    samples, genes = _frames({"S1": (None, {}, None, None), "S2": (None, {}, None, None)})
    op = build_oncoprint(samples, genes)
    assert (op.genes, op.columns, op.panels) == ((), (), ())
    assert "0 of 2 samples" in op.note
    fig = oncoprint_figure(op)  # no warning (warnings are errors)
    assert "no sample has an actionable alteration" in [t.get_text() for t in fig.axes[0].texts]


def _counted(cohort: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`_frames` of a cohort with one row a group of identical samples, counted in `N`."""
    first: dict[tuple, str] = {}
    n: dict[str, int] = {}
    for sample, value in cohort.items():
        key = (value[0], tuple(sorted(value[1].items())), value[2], value[3])
        name = first.setdefault(key, sample)
        n[name] = n.get(name, 0) + 1
    samples, genes = _frames({s: cohort[s] for s in n})
    count = pl.DataFrame({"SAMPLE_ID": list(n), "N": list(n.values())})
    return samples.join(count, on="SAMPLE_ID"), genes.join(count, on="SAMPLE_ID")


@pytest.mark.parametrize("extra", [1, 37, 5000])
def test_counted_samples_draw_what_their_samples_draw(extra: int) -> None:
    # Past the cap, a row counted for N alike samples stands for them: the same columns,
    # counts per gene, note, shown and cohort samples, whatever the groups' names.
    cohort = _many(MAX_SAMPLE_COLUMNS + extra, 5) | COHORT
    cohort |= {f"Q{i}": COHORT["S10"] for i in range(extra)}  # (no actionable alteration)
    expected = build_oncoprint(*_frames(cohort))
    counted = build_oncoprint(*_counted(cohort))
    assert expected.grouped
    assert counted == expected
    assert expected.cohort_samples == len(cohort)


def test_counted_samples_too_few_to_group_are_refused() -> None:
    with pytest.raises(ValueError, match="too few"):
        build_oncoprint(*_counted(_many(50, 5)))
    # (counted rows of one sample each are samples: drawn a column each)
    op = build_oncoprint(*_counted(COHORT))
    assert op == build_oncoprint(*_frames(COHORT))


def test_figures_from_sample_groups_equal_those_from_every_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run's figures and summary come from its samples counted by group (`sample_groups`);
    # made from every sample's row (`gene_levels`) instead, they are the same.
    plans: list[Plan] = []
    made = annotate_module._samples_out

    def kept(plan: Plan, *args: Any) -> Any:
        plans.append(plan)
        return made(plan, *args)

    monkeypatch.setattr(annotate_module, "_samples_out", kept)
    summary = run(tmp_path / "out", **_cohort(tmp_path, n_samples=2600, seed=11))
    (plan,) = plans
    samples = sm.sample_table(plan.samples, plan.levels, plan.actionable)
    every = sm.gene_levels(plan.samples, plan.levels)
    groups, counted = sm.sample_groups(plan.samples, samples, plan.levels)
    assert groups.height < samples.height - 300  # (alike samples share a row)
    assert int(groups["N"].sum()) == samples.height == 2600
    op = build_oncoprint(groups, counted)
    assert op.grouped
    assert op == build_oncoprint(samples, every)
    assert sm.summarize_samples(samples, counted) == sm.summarize_samples(samples, every)
    assert summary.samples_by_gene == sm.summarize_samples(samples, every)["samples_by_gene"]

    def bars(genes: pl.DataFrame) -> list[tuple[float, float, float]]:
        ax = genes_figure(genes).axes[0]
        return [(p.get_x(), p.get_y(), p.get_width()) for p in ax.patches]

    assert bars(counted) == bars(every)
    assert len(bars(every)) >= 10

    # What reads samples.tsv's rows after it is written reads them counted (`count_samples`).
    rows = sm.count_samples(samples)
    assert rows.height < 100
    assert sample_count(rows) == sample_count(samples) == 2600
    assert sm.summarize_samples(rows, counted) == sm.summarize_samples(samples, every)
    assert (
        summary.samples_by_highest_level
        == sm.summarize_samples(samples, every)["samples_by_highest_level"]
    )
    assert _tumor_types(rows).equals(_tumor_types(samples))
    assert _tumor_types(rows).height >= 3
    assert _resistance_counts(rows) == _resistance_counts(samples)
    assert sum(_resistance_counts(rows).values()) == 2600
    assert _resistance_counts(rows)["none"] < 2600  # (some sample has a resistance level)
    heights = [[(p.get_height(), p.get_x()) for p in levels_figure(t).axes[0].patches]
               for t in (rows, samples)]  # fmt: skip
    assert heights[0] == heights[1]
    assert sum(h for h, _ in heights[0]) == 2600
    assert levels_figure(rows).axes[0].get_title() == levels_figure(samples).axes[0].get_title()


def test_counted_gene_levels_are_not_drawn_beside_every_sample(tmp_path: Path) -> None:
    from onconav.cohort.plots import write_plots

    cohort = _many(MAX_SAMPLE_COLUMNS + 10, 5)
    samples, _ = _frames(cohort)
    groups, counted = _counted(cohort)
    with pytest.raises(ValueError, match="counted"):
        write_plots(samples, counted, tmp_path / "plots")
    drawn = write_plots(samples, counted, tmp_path / "plots", build_oncoprint(groups, counted))
    assert len(drawn) == 6  # (three plots, PNG and SVG)
