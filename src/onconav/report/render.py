"""Render a match result as a report for a clinician or a patient: HTML, Markdown, or PDF.

The views (`clinician.py`, `patient.py`) decide what to say; the jinja2 templates under
`templates/` lay it out. HTML is autoescaped, so a case id or an alteration that holds markup is
shown as text. Markdown has no escaping of its own: every value goes through
`markdown.markdown_text` (HTML escaped, links and images dropped). The PDF is made from the
same HTML with xhtml2pdf (pure Python) plus a print style.
"""

from __future__ import annotations

import functools
import io
import logging
from typing import Any, Literal

import jinja2

from onconav.errors import ReportError
from onconav.kb.index import KBIndex
from onconav.match.models import Case, MatchResult
from onconav.report.clinician import clinician_view
from onconav.report.markdown import markdown_text
from onconav.report.patient import patient_view

__all__ = ["Audience", "TextFormat", "render_pdf", "render_report"]

_logger = logging.getLogger(__name__)

Audience = Literal["clinician", "patient"]
TextFormat = Literal["html", "markdown"]

_TEMPLATE_SUFFIX = {"html": "html.j2", "markdown": "md.j2"}

# xhtml2pdf's standard PDF fonts (WinAnsi) lack these; the browser shows the originals.
_PDF_CHARS = str.maketrans({"≥": ">=", "≤": "<=", "→": "->", "≈": "~", "α": "alpha", "β": "beta"})
# Page box and footer for xhtml2pdf; a browser never sees this style.
_PDF_STYLE = """<style>
@page { size: a4 portrait; margin: 1.6cm 1.5cm 2cm 1.5cm;
  @frame footer { -pdf-frame-content: pdf-footer; bottom: 0.8cm; margin-left: 1.5cm;
    margin-right: 1.5cm; height: 0.8cm; } }
body { font-size: 10pt; padding: 0; }
body.patient { font-size: 11.5pt; }
h1, h2, h3 { -pdf-keep-with-next: true; }
.screen-only { display: none; }
</style>"""
_PDF_FOOTER = (
    '<div id="pdf-footer" class="pdf-footer">onconav report, page <pdf:pagenumber> of '
    "<pdf:pagecount></div>"
)


def _markdown_value(value: Any) -> Any:
    """Make a value safe to paste into Markdown that a renderer turns into HTML."""
    if isinstance(value, str):
        return markdown_text(value)
    return "" if value is None else value


def _cell(value: object) -> str:
    """A value for one Markdown table cell: no pipes or line breaks."""
    return str(value).replace("|", "\\|").replace("\n", " ")


@functools.lru_cache(maxsize=2)
def _environment(fmt: TextFormat) -> jinja2.Environment:
    loader = jinja2.PackageLoader("onconav.report", "templates")
    if fmt == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    else:
        env = jinja2.Environment(
            loader=loader,
            autoescape=False,  # Markdown: `_markdown_value` escapes each value instead
            finalize=_markdown_value,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    env.filters["cell"] = _cell
    env.filters["refs"] = lambda numbers: ", ".join(str(n) for n in numbers)
    return env


def render_report(
    result: MatchResult,
    index: KBIndex,
    audience: Audience,
    fmt: TextFormat,
    *,
    case: Case | None = None,
) -> str:
    """Render one match result as a report.

    Args:
        result: what `match_case` returned for the case.
        index: the KB the result was made with (drug and gene texts come from it).
        audience: `clinician` (levels, citations, monitoring) or `patient` (plain words).
        fmt: `html` (one self-contained page) or `markdown`.
        case: the case itself, when at hand, for its stage and biomarker values.

    Returns:
        The document as text.

    Raises:
        ReportError: the audience or format is not one of those above.

    Example:
        >>> from onconav.kb.index import get_index
        >>> from onconav.match.caseio import read_cases
        >>> from onconav.match.engine import match_case
        >>> case = read_cases("examples/alk_first_line.json")[0]
        >>> html = render_report(match_case(get_index(), case), get_index(), "patient", "html")
        >>> html.startswith("<!DOCTYPE html>")
        True
    """
    if fmt not in _TEMPLATE_SUFFIX:
        raise ReportError(f"unknown report format {fmt!r}", field="format")
    if audience == "clinician":
        view: object = clinician_view(result, index, case)
    elif audience == "patient":
        view = patient_view(result, index, case)
    else:
        raise ReportError(f"unknown audience {audience!r}", field="audience")
    template = _environment(fmt).get_template(f"{audience}.{_TEMPLATE_SUFFIX[fmt]}")
    return template.render(view=view, result=result)


def _print_variant(html: str) -> str:
    """The HTML with the print style and the page footer that only xhtml2pdf reads."""
    # xhtml2pdf collapses table borders anyway and warns about the property it does not read.
    html = html.translate(_PDF_CHARS).replace("border-collapse: collapse;", "")
    html = html.replace("</head>", _PDF_STYLE + "</head>", 1)
    return html.replace("</body>", _PDF_FOOTER + "</body>", 1)


def render_pdf(html: str) -> bytes:
    """Turn a report's HTML (from `render_report`) into PDF bytes with xhtml2pdf.

    Raises:
        ReportError: xhtml2pdf is missing or reports an error.
    """
    try:
        from xhtml2pdf import pisa  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ReportError("PDF output needs the xhtml2pdf package") from exc
    out = io.BytesIO()
    status = pisa.CreatePDF(_print_variant(html), dest=out, encoding="utf-8")
    if status.err:
        raise ReportError(f"the PDF could not be made ({status.err} error(s) from xhtml2pdf)")
    _logger.info("PDF report: %d bytes", out.tell())
    return out.getvalue()
