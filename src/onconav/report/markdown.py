"""A match result as a Markdown document, for notes and tickets (`match --format markdown`)."""

from __future__ import annotations

from onconav.match.models import MatchResult
from onconav.report.citations import source_text

__all__ = ["match_markdown", "source_text"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def match_markdown(result: MatchResult) -> str:
    """Render one match result as Markdown."""
    tt = result.tumor_type
    out = [
        f"# onconav: case {result.case_id or '-'}",
        "",
        f"- Tumor type: {tt.name} ({tt.code}; input {tt.input!r})",
        f"- Setting: {result.setting}; line: {result.line}",
    ]
    if result.history:
        out.append(f"- History: {'; '.join(result.history)}")
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
            f"| {n} | {o.level} | {o.status} | {' + '.join(o.drugs)} | {_cell(o.line)} | "
            f"{_cell(o.rationale)} ({'; '.join(_cell(source_text(s)) for s in o.sources)}) |"
        )
    if result.avoid:
        out += ["", "## Avoid", "", "| drugs | level | reason |", "|---|---|---|"]
        for av in result.avoid:
            out.append(f"| {' + '.join(av.drugs)} | {av.level or ''} | {_cell(av.reason)} |")
    if result.resistance:
        out += ["", "## Resistance"]
        for f in result.resistance:
            out += ["", f"**{f.name}** ({f.trigger}): {f.summary}", ""]
            out += [f"- {s}" for s in f.next_steps]
    if result.warnings:
        out += ["", "## Warnings", ""] + [f"- {w}" for w in result.warnings]
    out += [
        "",
        f"_Knowledge base {result.kb_version} ({result.kb_date}, {result.kb_hash[:19]}); "
        f"normalizer {result.normalizer_version}. {result.disclaimer}_",
    ]
    return "\n".join(out)
