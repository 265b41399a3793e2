"""report.html: self-contained, escaped, tied to summary.json, skipped with --no-report."""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from onconav.cohort import CohortInputs, annotate_cohort, report_data
from onconav.cohort.oncoprint import MAX_SAMPLE_COLUMNS
from tests.cohort.helpers import DATA, summary_json
from tests.cohort.test_cli_annotate import _app

runner = CliRunner()


class _Page(HTMLParser):
    """Tags, attributes, table rows and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _annotate(out: Path, **kw) -> dict:
    plots = kw.pop("plots", True)
    report = kw.pop("report_html", True)
    annotate_cohort(CohortInputs(**kw), out, plots=plots, report_html=report)
    return summary_json(out)


def _tiny(out: Path, **kw) -> dict:
    return _annotate(
        out, maf=DATA / "tiny.maf", sv=DATA / "tiny_sv.txt", cna=DATA / "tiny_cna.txt",
        clinical=DATA / "tiny_clinical.txt", **kw,
    )  # fmt: skip


def test_report_is_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = _tiny(out)
    assert "report.html" in summary["outputs"]
    page = _page(out / "report.html")
    tags = [t for t, _ in page.tags]
    assert "script" not in tags
    assert "link" not in tags
    assert "iframe" not in tags
    assert "svg" in tags  # the oncoprint, inline
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            value = attrs.get(name)
            if value is None:
                continue
            if tag == "img":
                assert value.startswith("data:image/png;base64,")
            else:  # links stay inside the output folder or the page
                assert not re.match(r"^[a-z]+:|^//", value), value
                assert value.startswith("#") or (out / value).exists(), value
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "url(http" not in html
    assert "@import" not in html


def test_report_ties_the_numbers_together(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = _tiny(out)
    page = _page(out / "report.html")
    text = " ".join(page.text)
    gene_rows = [a["data-gene"] for t, a in page.tags if t == "tr" and "data-gene" in a]
    assert gene_rows == list(summary["samples_by_gene"])  # every counted gene, in order
    assert {"ALK", "ROS1", "MET", "EGFR"} <= set(gene_rows)  # SV, CNA and MAF genes
    for f in summary["files"]:
        assert f["file"] in text
    assert str(DATA / "tiny_clinical.txt") in text
    assert summary["disclaimer"] in text
    assert summary["kb_version"] in text
    assert summary["onconav_version"] in text
    assert "rejected.tsv" in [a.get("href") for _, a in page.tags]
    for code in summary["rejected_by_reason"]:
        assert code in text
    # the oncoprint's legend and a row label for every gene, as text in the inline SVG
    for word in (
        "Alteration (glyph and colour):",
        "Level (tracks on top):",
        "Fusion",
        "Amplification",
    ):
        assert word in text
    for gene in summary["samples_by_gene"]:
        assert re.search(rf"\b{re.escape(gene)}\s+\d+%|\b{re.escape(gene)}\s+<1%", text), gene
    # the alteration table names level-1 options: EGFR L858R in LUAD has osimertinib
    assert "EGFR L858R" in text
    assert "Osimertinib" in text
    assert "LUAD" in text  # per-tumor-type counts


def test_hostile_text_is_shown_as_text(tmp_path: Path) -> None:
    evil_sample = '<script>alert("sample")</script>'
    evil_tumor = "<img src=x onerror=alert(1)>"
    folder = tmp_path / "in"
    folder.mkdir()
    maf = folder / 'a<b>&"x".maf'
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        f"EGFR\tMissense_Mutation\t{evil_sample}\tp.L858R\n"
        "EGFR\tMissense_Mutation\tS2\tp.<b>L858R</b>\n"
        "KRAS\tMissense_Mutation\tS3\tp.G12C\n",
        encoding="utf-8",
    )
    clinical = folder / "clinical.txt"
    clinical.write_text(
        f"SAMPLE_ID\tONCOTREE_CODE\n{evil_sample}\tLUAD\nS2\tLUAD\nS3\t{evil_tumor}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    _annotate(out, maf=maf, clinical=clinical)
    html = (out / "report.html").read_text(encoding="utf-8")
    for evil in (evil_sample, evil_tumor, "<b>", 'a<b>&"x"'):
        assert evil not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the tumor type, as text
    assert "a&lt;b&gt;&amp;&#34;x&#34;.maf" in html  # the file name, as text
    tags = [t for t, _ in _page(out / "report.html").tags]
    assert "script" not in tags
    assert tags.count("img") == 2


def test_report_without_plots_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = _tiny(out, plots=False)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Plots were not drawn" in html
    assert not any(o.startswith("plots/") for o in summary["outputs"])


def test_no_report_skips_it_and_the_console_names_it_otherwise(tmp_path: Path) -> None:
    args = ["annotate", "--maf", str(DATA / "tiny.maf"), "--clinical", str(DATA / "tiny_clinical.txt"),
            "--no-plots"]  # fmt: skip
    result = runner.invoke(_app(), [*args, "--no-report", "-o", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "a" / "report.html").exists()
    assert "report.html" not in summary_json(tmp_path / "a")["outputs"]
    assert "report:" not in result.stdout
    assert "report.html" not in result.stdout
    result = runner.invoke(_app(), [*args, "-o", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert f"report: {tmp_path / 'b' / 'report.html'}" in result.stdout
    assert (tmp_path / "b" / "report.html").is_file()


@pytest.mark.slow
def test_big_cohort_report_is_grouped_and_says_so(tmp_path: Path) -> None:
    """Past the cap, the oncoprint groups samples, the page says so, and nothing is dropped."""
    n = MAX_SAMPLE_COLUMNS + 500
    changes = [
        ("EGFR", "p.L858R"),
        ("KRAS", "p.G12C"),
        ("BRAF", "p.V600E"),
        ("EGFR", "p.E746_A750del"),
    ]
    lines = ["Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short"]
    lines += [
        f"{changes[i % 4][0]}\tMissense_Mutation\tP{i}\t{changes[i % 4][1]}" for i in range(n)
    ]
    maf = tmp_path / "big.maf"
    maf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = _annotate(out, maf=maf, tumor_type="LUAD")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"{n:,} of {n:,} samples have an actionable alteration; all are shown" in html
    assert "each column is a group of samples" in html
    assert json.loads((out / "summary.json").read_text())["samples"] == n == summary["samples"]
    size = (out / "report.html").stat().st_size + sum(
        p.stat().st_size for p in (out / "plots").iterdir()
    )
    assert size < 2_000_000


def _alteration_rows(html: str) -> dict[str, tuple[str, str, str]]:
    """Alteration -> (samples, best level, level-1 options) of the report's alteration table."""
    section = html[html.index('id="alterations"') : html.index('id="tumor-types"')]
    found = re.findall(
        r'<tr><td>([^<]+)</td><td class="num">([\d,]+)</td><td class="num">[^<]*</td><td>([^<]*)</td>\s*'
        r'<td class="drugs">([^<]*)</td>',
        section,
    )
    return {a: (n, best, l1) for a, n, best, l1 in found}


def test_alteration_table_keeps_each_alteration_apart_from_its_co_alterations(
    tmp_path: Path,
) -> None:
    """Two exon 19 deletions share a context (one representative); T790M's R1 stays on T790M."""
    maf = tmp_path / "m.maf"
    rows = [("S1", "p.E746_A750del"), ("S1", "p.T790M"), ("S2", "p.L747_T751del"), ("S2", "p.T790M"),
            ("S3", "p.L858R"), ("S4", "p.L858R")]  # fmt: skip
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        + "".join(f"EGFR\tMissense_Mutation\t{s}\t{p}\n" for s, p in rows),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    _annotate(out, maf=maf, tumor_type="LUAD", plots=False)
    table = _alteration_rows((out / "report.html").read_text(encoding="utf-8"))
    assert set(table) == {"EGFR E746_A750del", "EGFR L747_T751del", "EGFR T790M", "EGFR L858R"}
    assert table["EGFR L858R"][:2] == ("2", "1")
    assert table["EGFR T790M"][:2] == ("2", "R1")
    for deletion in ("EGFR E746_A750del", "EGFR L747_T751del"):
        samples, best, level_1 = table[deletion]
        assert (samples, best) == ("1", "1")
        assert "Osimertinib" in level_1
    assert table["EGFR L747_T751del"][2] == table["EGFR E746_A750del"][2]


def test_cohort_without_actionable_alterations_still_gets_a_report(tmp_path: Path) -> None:
    maf = tmp_path / "m.maf"
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        "FOO\tMissense_Mutation\tS1\tp.A1T\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    summary = _annotate(out, maf=maf, tumor_type="LUAD")
    assert summary["samples_by_gene"] == {}
    text = " ".join(_page(out / "report.html").text)
    assert "No sample has an actionable alteration." in text
    assert "0 of 1 samples have an actionable alteration" in text


def _ranked_by_sample(labeled: pl.DataFrame, column: str) -> dict[str, str]:
    """The alteration table's options as first written: every row exploded, counted per sample."""
    items = labeled.select("label", "__s", pl.col(column).alias("o")).explode("o").drop_nulls("o")
    counts: dict[tuple[str, str], set[str]] = {}
    for label, sample, option in items.unique().iter_rows():
        counts.setdefault((label, option), set()).add(sample)
    out: dict[str, list[tuple[int, str]]] = {}
    for (label, option), samples in counts.items():
        out.setdefault(label, []).append((-len(samples), option))
    return {label: ",".join(o for _, o in sorted(pairs)) for label, pairs in out.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ranked_options_count_each_sample_once(seed: int) -> None:
    # Labels held once or several times by a sample, with lists that differ, repeat, are empty.
    rng = random.Random(seed)
    drugs = ["A", "B", "C", "D"]
    rows = [
        {"__s": f"S{rng.randrange(40)}", "label": f"L{rng.randrange(6)}",
         "__opt1": rng.sample(drugs, rng.randrange(4)) if rng.random() < 0.9 else None}
        for _ in range(400)
    ]  # fmt: skip
    labeled = pl.DataFrame(rows, schema={"__s": pl.String, "label": pl.String,
                                         "__opt1": pl.List(pl.String)})  # fmt: skip
    got = dict(report_data._ranked_options(labeled, "__opt1").iter_rows())
    assert got == _ranked_by_sample(labeled, "__opt1")
    assert len(got) > 3
    # The plan's rows carry `__cells`, an id shared by rows with the same lists: grouped by it.
    lists = labeled["__opt1"].cast(pl.List(pl.String)).list.join("|").fill_null("~")
    cells = labeled.with_columns(lists.rank("dense").cast(pl.UInt32).alias("__cells"))
    assert dict(report_data._ranked_options(cells, "__opt1").iter_rows()) == got


@pytest.mark.parametrize("seed", [4, 5])
def test_alteration_table_is_the_same_with_or_without_cell_ids(seed: int) -> None:
    rng = random.Random(seed)
    drugs, levels = ["A", "B", "C", "D"], ["1", "2", "3A", "R1"]
    kinds = [
        (rng.sample(levels, rng.randrange(1, 3)), rng.sample(drugs, rng.randrange(3)),
         rng.sample(drugs, rng.randrange(3)))
        for _ in range(5)
    ]  # fmt: skip
    rows = []
    for _ in range(300):
        k = rng.randrange(len(kinds))
        rows.append({"__s": rng.randrange(50), "label": f"EGFR L{rng.randrange(4)}R",
                     "__levels": kinds[k][0], "__opt1": kinds[k][1], "__opt2": kinds[k][2],
                     "__cells": k})  # fmt: skip
    labeled = pl.DataFrame(rows, schema={
        "__s": pl.UInt32, "label": pl.String, "__levels": pl.List(pl.String),
        "__opt1": pl.List(pl.String), "__opt2": pl.List(pl.String), "__cells": pl.UInt32,
    })  # fmt: skip
    genes = frozenset({"EGFR"})
    with_ids = report_data.alteration_table(labeled, genes)
    assert with_ids.equals(report_data.alteration_table(labeled.drop("__cells"), genes))
    # The plan hands it the rows counted: a few rows stand for many samples.
    counted = report_data.count_labeled(labeled)
    assert counted.height < labeled.height
    assert counted["__n"].sum() + counted["__n"].null_count() == labeled.height
    assert with_ids.equals(report_data.alteration_table(counted, genes))
    assert with_ids.height == 4
    assert with_ids["LEVEL_1"].str.len_chars().sum() > 0
