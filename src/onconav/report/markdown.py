"""A match result as a Markdown document, for notes and tickets (`match --format markdown`).

Markdown is often turned into HTML (a ticket, a wiki, a notebook), so every value written into
it goes through `markdown_text`: HTML is escaped, and Markdown links and images are dropped
(their text kept), so that a case field cannot carry a `<script>`, a `javascript:` link or a
remote image (a tracking pixel) into a rendered report.
"""

from __future__ import annotations

import re

from onconav.match.models import MatchResult
from onconav.report.citations import source_text

__all__ = ["markdown_text", "match_markdown", "source_text"]

# Inline images and links, and reference definitions, of CommonMark (spec 0.31, 6.3-6.4, 4.7).
_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(\([^)]*\)?|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\s*(\([^)]*\)?|\[[^\]]*\])")
_DEFINITION = re.compile(r"\[([^\]]*)\]\s*:\s*\S*")
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def markdown_text(text: str) -> str:
    """`text` safe to put in Markdown: on one line, HTML escaped, links and images dropped.

    A link keeps its text and loses its target; an image keeps its alt text. Brackets left
    over are escaped, so no link can be formed with the text around it.

    Example:
        >>> markdown_text("<b>x</b> [see](javascript:alert(1)) ![](http://x.example/p.png)")
        '&lt;b&gt;x&lt;/b&gt; see) '
    """
    if "\n" in text or "\r" in text:
        text = " ".join(text.splitlines())
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
        text = _DEFINITION.sub(r"\1", text)
        text = text.replace("[", "\\[").replace("]", "\\]")
    return text.translate(_HTML)


def _cell(text: str) -> str:
    return markdown_text(text).replace("|", "\\|")


def _t(text: object) -> str:
    return markdown_text(str(text))


def match_markdown(result: MatchResult) -> str:
    """Render one match result as Markdown."""
    tt = result.tumor_type
    out = [
        f"# onconav: case {_t(result.case_id or '-')}",
        "",
        f"- Tumor type: {_t(tt.name)} ({_t(tt.code)}; input {_t(repr(tt.input))})",
        f"- Setting: {result.setting}; line: {result.line}",
    ]
    if result.history:
        out.append(f"- History: {_t('; '.join(result.history))}")
    out += [
        "",
        "## Alterations",
        "",
        "| input | normalized | category | recognized |",
        "|---|---|---|---|",
    ]
    for a in result.alterations:
        norm = f"{a.gene} {a.alteration}" if a.recognized else (a.message or "")
        seen = "yes" if a.recognized else "no"
        out.append(f"| {_cell(a.input)} | {_cell(norm)} | {a.category} | {seen} |")
    out += [
        "",
        "## Options (best first)",
        "",
        "| # | level | status | drugs | line | rationale |",
        "|---|---|---|---|---|---|",
    ]
    for n, o in enumerate(result.options, 1):
        out.append(
            f"| {n} | {o.level} | {o.status} | {_cell(' + '.join(o.drugs))} | {_cell(o.line)} | "
            f"{_cell(o.rationale)} ({'; '.join(_cell(source_text(s)) for s in o.sources)}) |"
        )
    if result.avoid:
        out += ["", "## Avoid", "", "| drugs | level | reason |", "|---|---|---|"]
        for av in result.avoid:
            out.append(f"| {_cell(' + '.join(av.drugs))} | {av.level or ''} | {_cell(av.reason)} |")
    if result.resistance:
        out += ["", "## Resistance"]
        for f in result.resistance:
            out += ["", f"**{_t(f.name)}** ({_t(f.trigger)}): {_t(f.summary)}", ""]
            out += [f"- {_t(s)}" for s in f.next_steps]
    if result.warnings:
        out += ["", "## Warnings", ""] + [f"- {_t(w)}" for w in result.warnings]
    out += [
        "",
        f"_Knowledge base {result.kb_version} ({result.kb_date}, {result.kb_hash[:19]}); "
        f"normalizer {result.normalizer_version}. {_t(result.disclaimer)}_",
    ]
    return "\n".join(out)
