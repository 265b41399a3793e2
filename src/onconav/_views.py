"""Coloured terminal views for the CLI (rich lives only here and in cli.py).

Every value is given to rich as `Text`, never as a string: rich reads `[...]` in a string as
markup, so an alteration written `EGFR [red]L858R[/red]` would be shown as something else.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from onconav.match.models import MatchResult

__all__ = ["print_match"]

_LEVEL_STYLE = {"1": "bold green", "2": "green", "3A": "yellow", "3B": "yellow", "4": "dim"}


def print_match(result: MatchResult, console: Console | None = None) -> None:
    """Print one match result as tables: alterations, options, avoid list, resistance, warnings."""
    console = console or Console()
    tt = result.tumor_type
    title = (
        f"Case {result.case_id or '-'}: {tt.name} ({tt.code}), {result.setting}, {result.line} line"
    )
    console.rule(Text(title, style="bold"))
    alts = Table("input", "normalized", "category", "recognized", box=None, pad_edge=False)
    for a in result.alterations:
        norm = f"{a.gene} {a.alteration}" if a.recognized else (a.message or "")
        seen = Text("yes") if a.recognized else Text("no", style="red")
        alts.add_row(Text(a.input), Text(norm), Text(a.category), seen)
    console.print(alts)
    options = Table(
        "#", "level", "status", "drugs", "line", "biomarker", title="Options, best first"
    )
    for n, o in enumerate(result.options, 1):
        style = _LEVEL_STYLE.get(o.level, "")
        cells = (o.status, " + ".join(o.drugs), o.line, o.biomarker)
        options.add_row(str(n), Text(o.level, style=style), *map(Text, cells))
    console.print(options)
    if result.avoid:
        avoid = Table("drugs", "level", "reason", title="Avoid", title_style="bold red")
        for entry in result.avoid:
            avoid.add_row(*map(Text, (" + ".join(entry.drugs), entry.level or "", entry.reason)))
        console.print(avoid)
    for f in result.resistance:
        console.print(Text(f"Resistance: {f.name} ({f.trigger})", style="bold magenta"))
        for step in f.next_steps:
            console.print(Text(f"  - {step}"))
    for w in result.warnings:
        console.print(Text(f"! {w}", style="yellow"))
    console.print(
        Text(
            f"KB {result.kb_version} ({result.kb_date}, {result.kb_hash[:19]}); normalizer "
            f"{result.normalizer_version}. {result.disclaimer}",
            style="dim",
        )
    )
