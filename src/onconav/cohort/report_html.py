"""report.html: one self-contained page that ties a cohort's numbers and figures together.

Rendered with jinja2 and autoescaping on (explicitly: file names ending `.j2` are not escaped
by `select_autoescape`'s defaults), so a sample id, tumor type or file name holding markup is
shown as text. It needs nothing else: the style is inline, the oncoprint is inline SVG (its
text stays text, so it can be searched and copied) and the other figures are PNG data URIs. No
script, no font or link fetched: it opens from disk, and can be mailed as one file.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from onconav.cohort.oncoprint import Oncoprint
from onconav.cohort.report_data import CohortReport, alteration_table, cohort_report
from onconav.cohort.summary import CohortSummary

__all__ = ["REPORT_NAME", "render_report_html", "write_report"]

_logger = logging.getLogger(__name__)

REPORT_NAME = "report.html"
_SVG_START = re.compile(r"^.*?(<svg\b[^>]*>)", re.DOTALL)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("onconav.cohort", "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["n"] = lambda value: f"{value:,}"
    env.filters["pct"] = lambda value: "<1%" if 0 < value < 1 else f"{value:.0f}%"
    return env


def render_report_html(report: CohortReport) -> str:
    """The page, as text."""
    return _environment().get_template("report.html.j2").render(r=report, s=report.summary)


def _inline_svg(path: Path) -> Markup:
    """An SVG file as an element to put in the page: no XML prolog, scaled to the page width.

    The file is matplotlib's own output (escaped by it, no script), so it is marked safe.
    """
    text = path.read_text(encoding="utf-8")
    found = _SVG_START.match(text)
    if found is None:
        return Markup("")
    tag = re.sub(r'\s(width|height)="[^"]*"', "", found.group(1))
    tag = tag.replace("<svg", '<svg width="100%" role="img" aria-label="oncoprint"', 1)
    return Markup(tag + text[found.end() :])  # noqa: S704 - matplotlib's SVG, see above


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _images(folder: Path, written: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for rel in written:
        path = folder / rel
        if rel.endswith(".png") and not rel.endswith("oncoprint.png"):
            out[path.stem] = _data_uri(path)
        elif rel.endswith("oncoprint.svg"):
            out["oncoprint"] = _inline_svg(path)
    return out


def write_report(
    folder: Path, summary: CohortSummary, samples: pl.DataFrame, op: Oncoprint,
    labeled: pl.DataFrame, genes: frozenset[str], *, seconds: float, table_format: str,
    plots: list[str], clinical: str | None = None, alterations: pl.DataFrame | None = None,
) -> str:  # fmt: skip
    """Write `folder`/report.html and return its name.

    Args:
        folder: The output folder (the plots already in `folder`/plots).
        summary: The run's summary.
        samples: samples.tsv's table, or its rows counted (`summary.count_samples`).
        op: The oncoprint's data.
        labeled: The plan's leveled events (`Plan.labeled`).
        genes: The genes of the cohort's matched events.
        seconds: Time the annotation took so far.
        table_format: `tsv` or `parquet`.
        plots: The plot files written (relative to `folder`).
        clinical: The clinical file's name, when one was given.
        alterations: `alteration_table(labeled, genes)`, when already made.
    """
    if alterations is None:
        alterations = alteration_table(labeled, genes)
    report = cohort_report(
        summary, samples, op, alterations, seconds=seconds, table_format=table_format,
        clinical=clinical,
    )  # fmt: skip
    report.images.update(_images(folder, plots))
    (folder / REPORT_NAME).write_text(render_report_html(report), encoding="utf-8")
    _logger.info("wrote %s", REPORT_NAME)
    return REPORT_NAME
