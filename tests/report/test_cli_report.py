"""`onconav report` in process: every example, audience and format; exit 2 for bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typer
from pypdf import PdfReader
from typer.testing import CliRunner

from onconav.cli_report import report, write_atomic

from .conftest import EXAMPLES

runner = CliRunner()


def _app() -> typer.Typer:
    """The verb registered the way cli.py registers it, on an app of its own."""
    app = typer.Typer(rich_markup_mode=None, add_completion=False)

    @app.callback()
    def _root() -> None:
        """Root."""

    app.command()(report)
    return app


APP = _app()


@pytest.mark.parametrize("fmt", ["html", "markdown", "pdf"])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_every_audience_and_format(tmp_path, path, audience, fmt) -> None:
    out = tmp_path / f"report.{fmt}"
    args = ["report", str(path), "--audience", audience, "--format", fmt, "-o", str(out)]
    result = runner.invoke(APP, args)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF")
        assert len(PdfReader(io.BytesIO(data)).pages) > 0
    elif fmt == "html":
        assert data.startswith(b"<!DOCTYPE html>")
    else:
        assert data.startswith(b"# ")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_html_to_stdout_without_output(tmp_path) -> None:
    result = runner.invoke(APP, ["report", str(EXAMPLES[0]), "--audience", "patient"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")


def test_stdin_case() -> None:
    case = '{"id": "s1", "tumor_type": "LUAD", "alterations": ["KRAS G12C"]}'
    result = runner.invoke(APP, ["report", "-", "-a", "clinician", "-f", "markdown"], input=case)
    assert result.exit_code == 0, result.output
    assert "case s1" in result.stdout
    assert "KRAS G12C" in result.stdout


def test_help_has_a_worked_example() -> None:
    result = runner.invoke(APP, ["report", "--help"])
    assert result.exit_code == 0
    assert "onconav report examples/alk_first_line.json --audience clinician" in result.stdout


def _bad(tmp_path: Path, args: list[str], text: str | None = None, name: str = "case.json"):
    if text is not None:
        (tmp_path / name).write_text(text)
    result = runner.invoke(APP, ["report", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result


def test_missing_file_exits_2(tmp_path) -> None:
    result = _bad(tmp_path, [str(tmp_path / "nope.json"), "-a", "patient"])
    assert result.stderr.count("\n") == 1
    assert "nope.json" in result.stderr


def test_bad_json_exits_2_with_line(tmp_path) -> None:
    path = str(tmp_path / "case.json")
    result = _bad(
        tmp_path, [path, "-a", "clinician"], '{"tumor_type": "LUAD",\n  "alterations": [}'
    )
    assert "line 2" in result.stderr


def test_missing_field_exits_2(tmp_path) -> None:
    path = str(tmp_path / "case.json")
    result = _bad(tmp_path, [path, "-a", "clinician"], '{"alterations": ["EGFR L858R"]}')
    assert "tumor_type" in result.stderr


def test_unknown_tumor_type_exits_2(tmp_path) -> None:
    path = str(tmp_path / "case.json")
    text = '{"tumor_type": "lung adenocarcinomaa", "alterations": ["EGFR L858R"]}'
    result = _bad(tmp_path, [path, "-a", "patient", "-f", "markdown"], text)
    assert "tumor" in result.stderr


def test_several_cases_exit_2(tmp_path) -> None:
    text = '{"tumor_type": "LUAD", "alterations": []}\n{"tumor_type": "LUSC", "alterations": []}\n'
    path = str(tmp_path / "cases.jsonl")
    result = _bad(tmp_path, [path, "-a", "patient"], text, name="cases.jsonl")
    assert "one case" in result.stderr


def test_pdf_needs_output(tmp_path) -> None:
    result = _bad(tmp_path, [str(EXAMPLES[0]), "-a", "patient", "-f", "pdf"])
    assert "--output" in result.stderr


def test_unwritable_output_exits_2(tmp_path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "r.html"
    result = _bad(tmp_path, [str(EXAMPLES[0]), "-a", "patient", "-o", str(out)])
    assert "r.html" in result.stderr


def test_bad_audience_and_format_exit_2(tmp_path) -> None:
    _bad(tmp_path, [str(EXAMPLES[0]), "-a", "nurse"])
    _bad(tmp_path, [str(EXAMPLES[0]), "-a", "patient", "-f", "docx"])
    _bad(tmp_path, [str(EXAMPLES[0])])  # --audience is required


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old")
    write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
