"""The `onconav` command: one thin function per verb; the work happens in the stage packages.

Heavy imports happen inside the verbs so that `onconav match CASE` starts fast.
"""

from __future__ import annotations

import functools
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from onconav import __version__
from onconav._cliutil import fail, user_errors
from onconav._startup import lean, restore, started, verb
from onconav.errors import OnconavError

if TYPE_CHECKING:
    from onconav.kb.index import KBIndex
    from onconav.match.models import Case, MatchResult

    app: typer.Typer  # the whole CLI, assembled on first access: see `__getattr__`

__all__ = ["app", "main"]


_logger = logging.getLogger("onconav")


class MatchFormat(StrEnum):
    """Output formats of `match`."""

    json = "json"
    text = "text"
    markdown = "markdown"


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"onconav {__version__}\n")
        raise typer.Exit(0)


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _new_app() -> typer.Typer:
    """The root app: its settings and root options, no verbs yet."""
    made = typer.Typer(
        name="onconav",
        help=(
            "Targeted-therapy options for non-small cell lung cancer: evidence-graded, cited and "
            "resistance-aware. Supports, and does not replace, the treating oncologist's "
            "judgement."
        ),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    made.callback()(_root)
    return made


# The whole CLI is `app`, assembled on first access (see `__getattr__` below).
_app = _new_app()
kb_app = typer.Typer(
    help="Inspect, validate and export the knowledge base.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
_app.add_typer(kb_app, name="kb")


_KB_HELP = "Knowledge base: a folder, a snapshot file, or a version from `onconav kb versions`."


def _index(kb_dir: Path | None) -> KBIndex:
    from onconav.kb.index import get_index

    return get_index(kb_dir)


# The case field each quick-case option fills, so that an error names the option given.
_QUICK_FIELDS = (
    ("alterations", "--alteration"),
    ("tumor_type", "--tumor-type"),
    ("setting", "--setting"),
    ("history", "--prior"),
    ("conditions", "--condition"),
)


def _quick_case(
    alterations: list[str],
    tumor_type: str | None,
    setting: str,
    prior: list[str],
    conditions: list[str],
) -> Case:
    from onconav.errors import CaseError
    from onconav.match.caseio import case_from_data

    if not tumor_type:
        fail("--tumor-type: required with --alteration")
    history = []
    for item in prior:
        drugs, _, outcome = item.partition(":")
        history.append({"drugs": drugs.split("+"), "outcome": outcome or "progression"})
    data = {
        "tumor_type": tumor_type,
        "setting": setting,
        "alterations": alterations,
        "history": history,
        "conditions": conditions,
    }
    try:
        return case_from_data(data, file="--alteration")
    except CaseError as exc:
        raise _option_error(exc, data) from exc


def _option_error(exc: OnconavError, data: dict[str, Any]) -> OnconavError:
    """The error of a quick case, labelled with the option (and the value) that caused it."""
    from onconav.errors import CaseError

    parts = (exc.field or "").split(".")
    option = dict(_QUICK_FIELDS).get(parts[0], "--alteration")
    given: Any = data.get(parts[0])
    if isinstance(given, list) and len(parts) > 1 and parts[1].isdigit():
        given = given[int(parts[1])]
        if option == "--prior":
            given = f"{'+'.join(given['drugs'])}:{given['outcome']}"
    rest = ".".join(parts[2:]) if isinstance(data.get(parts[0]), list) else ""
    label = f"{option} {given!r}" if isinstance(given, str) else option
    return CaseError(exc.message, file=label, field=rest or None, code="usage")


def _print_result(result: MatchResult, fmt: MatchFormat, many: bool) -> None:
    if fmt is MatchFormat.json:
        import orjson

        option = 0 if many else orjson.OPT_INDENT_2
        sys.stdout.write(orjson.dumps(result.model_dump(mode="json"), option=option).decode())
        sys.stdout.write("\n")
    elif fmt is MatchFormat.markdown:
        from onconav.report.markdown import match_markdown

        sys.stdout.write(match_markdown(result) + "\n")
    else:
        from onconav._views import print_match

        print_match(result)


@_app.command()
@user_errors
def match(
    cases: Annotated[
        list[str] | None, typer.Argument(help="Case files (.json, .jsonl, .yaml), or - for stdin.")
    ] = None,
    alteration: Annotated[
        list[str] | None,
        typer.Option("--alteration", "-a", help="An alteration, e.g. 'EGFR L858R' (repeatable)."),
    ] = None,
    tumor_type: Annotated[
        str | None, typer.Option("--tumor-type", "-t", help="OncoTree code or name, e.g. LUAD.")
    ] = None,
    setting: Annotated[
        str, typer.Option(help="metastatic, adjuvant, consolidation or neoadjuvant.")
    ] = "metastatic",
    prior: Annotated[
        list[str] | None,
        typer.Option(help="Prior therapy DRUG[+DRUG][:OUTCOME], e.g. osimertinib:progression."),
    ] = None,
    condition: Annotated[
        list[str] | None, typer.Option(help="A clinical condition, e.g. hemoptysis (repeatable).")
    ] = None,
    fmt: Annotated[MatchFormat, typer.Option("--format", "-f", help="Output format.")] = (
        MatchFormat.json
    ),
    kb: Annotated[Path | None, typer.Option(help=_KB_HELP)] = None,
    compare_kb: Annotated[
        Path | None,
        typer.Option(help="Also match with this KB and print what changes per case."),
    ] = None,
) -> None:
    """Match cases to evidence-graded targeted-therapy options and an avoid list.

    CASE is a case file (JSON, JSON Lines for several, YAML) or - for standard input; or give
    the case with --alteration and --tumor-type. One case prints one JSON object; several
    print JSON Lines. Bad input exits 2 with the file, line and field.

    Worked examples:

    \b
      onconav match examples/alk_first_line.json
      onconav match examples/egfr_ex19_t790m_after_gefitinib.json --format text
      onconav match -a "EGFR L858R" -a "EGFR C797S" -t LUAD --prior osimertinib:progression
      onconav match -a "KRAS G12C" -t "lung adenocarcinoma" --format markdown
      cat cases.jsonl | onconav match - --format json
      onconav match examples/braf_v600e.json --kb 2026.11.2 --compare-kb 2026.12.3 -f text
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav._cliutil import match_located, read_stdin
    from onconav.match.caseio import LocatedCase, read_located

    located: list[LocatedCase] = []
    if alteration:
        quick = _quick_case(alteration, tumor_type, setting, prior or [], condition or [])
        located.append(LocatedCase(quick, "--tumor-type"))
    stdin_text = read_stdin() if cases and "-" in cases else None
    for path in cases or []:
        located.extend(read_located(path, stdin_text))
    if not located:
        fail("give a case file, - for standard input, or --alteration with --tumor-type")
    index = _index(kb)
    many = len(located) > 1
    if compare_kb is not None:
        from onconav.cli_kb import print_deltas

        compare_index = _index(compare_kb)
        started()
        print_deltas(index, compare_index, [found.case for found in located], fmt.value)
        return
    for found in located:
        _print_result(match_located(index, found), fmt, many)
        started()


@kb_app.command("stats")
@user_errors
def kb_stats(
    kb: Annotated[Path | None, typer.Option(help=_KB_HELP)] = None,
) -> None:
    """Count what the knowledge base holds, with its version and date.

    Worked example:

    \b
      onconav kb stats
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav.kb.summary import kb_stats_text

    sys.stdout.write(kb_stats_text(_index(kb)) + "\n")


@kb_app.command("show")
@user_errors
def kb_show(
    name: Annotated[
        str, typer.Argument(help="A gene (ALK, HER2) or a drug (lorlatinib, Tagrisso).")
    ],
    kb: Annotated[Path | None, typer.Option(help=_KB_HELP)] = None,
) -> None:
    """Show a gene or a drug, with its indications, resistance and sources.

    Worked examples:

    \b
      onconav kb show ALK
      onconav kb show HER2
      onconav kb show Tagrisso
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav.kb.summary import show_text

    text = show_text(_index(kb), name)
    if text is None:
        fail(f"{name}: no gene or drug of that name in the knowledge base")
    sys.stdout.write(text + "\n")


@kb_app.command("validate")
@user_errors
def kb_validate(
    directory: Annotated[
        Path | None, typer.Argument(help="A KB folder or snapshot file (default: the shipped KB).")
    ] = None,
) -> None:
    """Check a knowledge-base folder: schema and cross-references, each problem with file and line.

    Exit 0 when clean; else each problem as FILE:LINE: message on standard error, and exit 2.

    Worked examples:

    \b
      onconav kb validate
      onconav kb validate src/onconav/kb/data
      onconav kb validate src/onconav/kb/snapshots/2026.12.1.json.gz
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    from onconav.kb.loader import default_kb_dir
    from onconav.kb.validate import validate_kb_dir

    root = directory or default_kb_dir()
    if root.is_file():
        from onconav.kb.snapshot import read_snapshot

        warnings = read_snapshot(root).warnings  # a problem raises: one line, exit 2
        for w in warnings:
            sys.stderr.write(f"warning: {w}\n")
        note = f" ({len(warnings)} warning(s), read as history)" if warnings else ""
        sys.stdout.write(f"{root}: valid snapshot{note}\n")
        return
    problems = validate_kb_dir(root)
    for p in problems:
        sys.stderr.write(f"{p}\n")
    if problems:
        sys.stderr.write(f"{len(problems)} problem(s)\n")
        raise typer.Exit(2)
    sys.stdout.write(f"{root}: valid\n")


@kb_app.command("audit")
@user_errors
def kb_audit(
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    kb: Annotated[Path | None, typer.Option(help="Knowledge base folder.")] = None,
) -> None:
    """List every fact that rests on curator judgement, for a curator to work through.

    NCCN placements without a document read, preclinical-only entries, severity judgements,
    pending FDA decisions, approvals without a dated source, genes without a protein sequence.

    Worked examples:

    \b
      onconav kb audit
      onconav kb audit --format json
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    if fmt not in ("text", "json"):
        fail(f"--format: {fmt!r} is not supported (use text or json)")
    from onconav.kb.audit import audit, audit_text

    items = audit(_index(kb).kb)
    if fmt == "json":
        import orjson

        rows = [{"kind": i.kind, "entry": i.entry, "reason": i.reason} for i in items]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    sys.stdout.write(audit_text(items) + "\n")


@kb_app.command("export")
@user_errors
def kb_export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="Only json for now.")] = "json",
    kb: Annotated[Path | None, typer.Option(help=_KB_HELP)] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (.gz: compressed).")
    ] = None,
) -> None:
    """Print the whole knowledge base as one snapshot: sorted JSON with its version and hash.

    The snapshot (kb-export.md) carries kb_version, kb_date, snapshot_format and content_hash;
    the same KB always gives the same bytes. Any command's --kb reads it back.

    Worked examples:

    \b
      onconav kb export --format json > onconav-kb.json
      onconav kb export --kb 2026.12.1 -o kb-2026.12.1.json.gz
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    if fmt != "json":
        fail(f"--format: {fmt!r} is not supported (use json)")
    from onconav.kb.snapshot import dumps_snapshot, snapshot_data

    data = dumps_snapshot(snapshot_data(_index(kb).kb))
    if output is None:
        sys.stdout.write(data.decode())
        return
    import gzip

    from onconav.cli_report import write_atomic

    write_atomic(output, gzip.compress(data, mtime=0) if output.suffix == ".gz" else data)


@functools.cache
def _full_app() -> typer.Typer:
    """`_app` with the verbs that live in their own adapter modules, registered once."""
    from onconav.cli_annotate import annotate
    from onconav.cli_kb import kb_compare, kb_diff, kb_versions
    from onconav.cli_report import report
    from onconav.cli_serve import audit_app, serve, user_app

    kb_app.command("versions")(kb_versions)
    kb_app.command("diff")(kb_diff)
    kb_app.command("compare")(kb_compare)

    _app.command()(annotate)
    _app.command()(report)
    _app.command()(serve)
    _app.add_typer(user_app, name="user")
    _app.add_typer(audit_app, name="audit")
    return _app


def __getattr__(name: str) -> typer.Typer:
    # PEP 562: `app`, the whole CLI, is assembled on first access, so that `onconav match`
    # (see `_app_for`) never imports the modules of the other verbs.
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs the command line `args`: for `onconav match ...`, `match` alone.

    Typer builds the click command of every verb of an app, reading the annotations of each,
    before it runs one: for the twenty-odd verbs that took about a tenth of a cold `onconav
    match`. The match-only app has the same settings, root options and `match` function, so
    it prints the same (help and usage errors included); anything else gets the full app.
    """
    if verb(args) != "match":
        return _full_app()
    only = _new_app()
    only.command()(match)
    return only


def main() -> None:
    """Run the CLI; user errors exit 2 with one line, never a traceback.

    Standard output is flushed here too, so that a full or closed output met only at the
    last flush (`--version`, `--help`) is one line and exit 1, as in every verb.
    """
    runner = _app_for(sys.argv[1:])
    leaned = lean(sys.argv[1:])  # (else done by onconav.__main__ already, or not `match`)
    try:
        try:
            runner()
        finally:
            if leaned:  # (run in process, by a test: the collector as it was)
                restore()
            sys.stdout.flush()
    except OnconavError as exc:
        sys.stderr.write(f"onconav: {exc}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        from onconav._cliutil import environment_failure

        try:
            environment_failure(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
