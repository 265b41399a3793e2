"""Reports for people: a match result as a clinician or a patient document (HTML, PDF, Markdown).

`render_report` fills the jinja2 templates under `templates/` from a `MatchResult` and the KB;
`render_pdf` turns the HTML into a PDF. `match_markdown` is the plain `match --format markdown`.
"""

from __future__ import annotations

from onconav.report.citations import References, source_text
from onconav.report.markdown import match_markdown
from onconav.report.render import Audience, TextFormat, render_pdf, render_report

__all__ = [
    "Audience",
    "References",
    "TextFormat",
    "match_markdown",
    "render_pdf",
    "render_report",
    "source_text",
]
