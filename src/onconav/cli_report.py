"""`onconav report`: one case as a document for a clinician or a patient (HTML, PDF, Markdown).

The lead registers it in `cli.py` with `app.command()(report)`. Like every verb it only reads
the case, calls the core (`match_case`, then `onconav.report`) and writes the file; a user error
is one line on standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from onconav._cliutil import environment_failure, fail
from onconav.errors import OnconavError, ReportError

__all__ = ["ReportAudience", "ReportFormat", "report", "write_atomic"]


class ReportAudience(StrEnum):
    """Who reads the report."""

    clinician = "clinician"
    patient = "patient"


class ReportFormat(StrEnum):
    """Output formats of `report`."""

    html = "html"
    pdf = "pdf"
    markdown = "markdown"


def _os_error(exc: OSError, path: Path) -> OSError:
    """`exc` naming `path` (the report), for the one-line environmental failure."""
    return OSError(exc.errno, exc.strerror or "cannot write", str(path))


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, then rename it into place.

    A reader never sees half a report, and a failed write (a full disk, a folder made
    read-only or removed meanwhile) removes the temporary file and leaves an older report
    untouched.

    Raises:
        ReportError: the folder does not exist (a usage error, exit 2).
        OSError: the write failed (an environmental failure, exit 1), naming `path`.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportError("no such folder", file=str(path), field="--output")
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _os_error(exc, path) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o600)  # patient data (mkstemp already makes it 0600; keep it so)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _os_error(exc, path) from exc


def _document(
    case_path: str, audience: ReportAudience, fmt: ReportFormat, kb: Path | None
) -> bytes:
    """Read the one case in `case_path`, match it and render the report as bytes."""
    from onconav._cliutil import match_located, read_stdin
    from onconav.kb.index import get_index
    from onconav.match.caseio import read_located
    from onconav.report.render import TextFormat, render_pdf, render_report

    stdin_text = read_stdin() if case_path == "-" else None
    cases = read_located(case_path, stdin_text)
    if len(cases) != 1:
        raise ReportError(
            f"a report is for one case; this input holds {len(cases)}", file=case_path
        )
    index = get_index(kb)
    result = match_located(index, cases[0])
    text_fmt: TextFormat = "markdown" if fmt is ReportFormat.markdown else "html"
    text = render_report(result, index, audience.value, text_fmt, case=cases[0].case)
    if fmt is ReportFormat.pdf:
        return render_pdf(text)
    return text.encode("utf-8")


def report(
    case: Annotated[
        str,
        typer.Argument(
            metavar="CASE", help="A case file (.json, .jsonl, .yaml) with one case, or - for stdin."
        ),
    ],
    audience: Annotated[
        ReportAudience,
        typer.Option(
            "--audience",
            "-a",
            help="clinician: levels, citations, monitoring. patient: plain words, grade 8.",
        ),
    ],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html (one file), pdf or markdown.")
    ] = ReportFormat.html,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (atomically); default: standard output."),
    ] = None,
    kb: Annotated[
        Path | None,
        typer.Option(help="Knowledge base: a folder, a snapshot file or a shipped version."),
    ] = None,
) -> None:
    """Write a report of one case for a clinician or a patient, as HTML, PDF or Markdown.

    The clinician report has the case summary, the alterations, the options best first with
    levels and numbered citations, the avoid list, resistance and next steps, drug details,
    references, the KB version and the disclaimer. The patient report says the same in plain
    words (reading grade 8 or below), without evidence codes. HTML is one self-contained file
    that reads on a phone and prints; the PDF is made from it. PDF needs -o.

    Example runs (the first writes alk.html beside you):

    \b
      onconav report examples/alk_first_line.json --audience clinician -o alk.html
      onconav report examples/egfr_l858r_first_line.json -a patient -f pdf -o egfr.pdf
      onconav report examples/braf_v600e.json --audience patient --format markdown
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    try:
        if fmt is ReportFormat.pdf and output is None:
            fail("--output: required for pdf (a PDF is not written to a terminal)")
        data = _document(case, audience, fmt, kb)
        if output is None or str(output) == "-":
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        else:
            write_atomic(output, data)
    except OnconavError as exc:
        fail(str(exc))
    except OSError as exc:
        environment_failure(exc)
