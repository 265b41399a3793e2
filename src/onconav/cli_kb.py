"""`onconav kb versions | diff | compare`: KB versions, what changed, and agreement with peers.

Registered on the `kb` group by `cli.py`. Like every verb they only read the flags, call the
core (`onconav.kb.versions`, `onconav.kb.diff`, `onconav.match.peers`) and print; a user error is
one line on standard error and exit code 2.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from onconav._cliutil import fail
from onconav.errors import OnconavError

if TYPE_CHECKING:
    from onconav.kb.index import KBIndex
    from onconav.match.models import Case

__all__ = ["DiffFormat", "kb_compare", "kb_diff", "kb_versions", "print_deltas"]


class DiffFormat(StrEnum):
    """Output formats of `kb diff` and `kb versions`."""

    text = "text"
    markdown = "markdown"
    json = "json"


def _json(data: object) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_deltas(old: KBIndex, new: KBIndex, cases: list[Case], fmt: str) -> None:
    """`match --compare-kb`: per case, what appears, disappears or changes between two KBs."""
    import orjson

    from onconav.match.compare import compare_results, delta_json, delta_markdown, delta_text
    from onconav.match.engine import match_case

    if fmt == "markdown":
        sys.stdout.write(f"# Re-evaluation: KB {old.info.label} -> {new.info.label}\n\n")
    for case in cases:
        before = match_case(old, case).model_dump(mode="json")
        after = match_case(new, case).model_dump(mode="json")
        delta = compare_results(before, after)
        if fmt == "json":
            option = 0 if len(cases) > 1 else orjson.OPT_INDENT_2
            sys.stdout.write(orjson.dumps(delta_json(delta), option=option).decode() + "\n")
        elif fmt == "markdown":
            sys.stdout.write(delta_markdown(delta) + "\n\n")
        else:
            sys.stdout.write(delta_text(delta) + "\n")


def kb_versions(
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = (
        DiffFormat.text
    ),
) -> None:
    """List the KB versions this onconav ships: the current one and every earlier release.

    Each earlier version named in the KB CHANGELOG is a snapshot rebuilt from git history
    (scripts/build_kb_snapshots.py); the current one is the live data. Any of them can be
    given to --kb, kb diff and match --compare-kb by name.

    Worked examples:

    \b
      onconav kb versions
      onconav kb versions --format json
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav.kb.versions import open_kb, shipped_versions

    rows = []
    try:
        for v in shipped_versions():
            info = open_kb(v.kb_version).info
            commit = (info.commit or "?")[:10]
            origin = "current (live data)" if v.current else f"snapshot of git {commit}"
            rows.append((v.kb_version, info.kb_date, info.short_hash, origin, info.content_hash))
    except OnconavError as exc:
        fail(str(exc))
    if fmt is DiffFormat.json:
        _json([
            {"kb_version": r[0], "kb_date": r[1], "content_hash": r[4], "current": i == 0}
            for i, r in enumerate(rows)
        ])  # fmt: skip
        return
    if fmt is DiffFormat.markdown:
        sys.stdout.write("| version | date | hash | origin |\n|---|---|---|---|\n")
        sys.stdout.writelines(f"| {r[0]} | {r[1]} | `{r[2]}` | {r[3]} |\n" for r in rows)
        return
    sys.stdout.writelines(f"{r[0]:<11} {r[1]}  {r[2]}  {r[3]}\n" for r in rows)


def kb_diff(
    old: Annotated[str, typer.Argument(help="Older KB: version name, snapshot file or folder.")],
    new: Annotated[str, typer.Argument(help="Newer KB: version name, snapshot file or folder.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = (
        DiffFormat.text
    ),
) -> None:
    """Show what changed between two KB versions: every entry added, removed or changed.

    Indications (levels, statuses), resistance entries, contraindications, drugs, mechanisms,
    genes, biomarkers and tumor types, with each changed field before and after and the
    sources of both versions.

    Worked examples:

    \b
      onconav kb diff 2026.12.1 2026.12.2
      onconav kb diff 2026.11.2 2026.12.3 --format markdown
      onconav kb diff 2026.12.2 2026.12.3 --format json
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav.kb.diff import diff_json, diff_kbs, diff_markdown, diff_text
    from onconav.kb.versions import open_kb

    try:
        a, b = open_kb(old), open_kb(new)
    except OnconavError as exc:
        fail(str(exc))
    d = diff_kbs(a.kb, b.kb, a.info, b.info)
    if fmt is DiffFormat.json:
        _json(diff_json(d))
    elif fmt is DiffFormat.markdown:
        sys.stdout.write(diff_markdown(d) + "\n")
    else:
        sys.stdout.write(diff_text(d) + "\n")


def kb_compare(
    civic: Annotated[
        Path | None, typer.Option(help="CIViC ClinicalEvidenceSummaries TSV (nightly release).")
    ] = None,
    moalmanac: Annotated[
        Path | None, typer.Option(help="MOAlmanac release folder (somatic_variant.tsv, ...).")
    ] = None,
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = (
        DiffFormat.text
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the full table here (TSV).")
    ] = None,
    kb: Annotated[
        str | None, typer.Option(help="KB: folder, snapshot file or version (default: shipped).")
    ] = None,
) -> None:
    """Compare the KB with CIViC and MOAlmanac for NSCLC: agree, disagree (how), not covered.

    Each peer's evidence scale is mapped onto OncoKB levels (the mapping is in the README and
    printed with the table); both the peer's own level and the mapped one are shown. For
    curators checking a release: it changes nothing by itself.

    Worked examples:

    \b
      onconav kb compare --civic tests/data/peers/civic_evidence.tsv -o agreement.tsv
      onconav kb compare --moalmanac tests/data/peers/moalmanac --format markdown
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav.kb.index import get_index
    from onconav.match.peers import compare_peers, compare_text, write_table

    if civic is None and moalmanac is None:
        fail("give --civic FILE, --moalmanac DIR, or both")
    try:
        table = compare_peers(get_index(kb), civic=civic, moalmanac=moalmanac)
        if output is not None:
            write_table(table, output)
    except OnconavError as exc:
        fail(str(exc))
    if fmt is DiffFormat.json:
        _json(table.to_json())
    else:
        sys.stdout.write(compare_text(table, markdown=fmt is DiffFormat.markdown) + "\n")
