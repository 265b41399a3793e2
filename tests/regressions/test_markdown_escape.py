"""Issue 13, escaping: hostile text in every free-text field of a case, through every output.

Outputs: the clinician and patient reports as HTML, Markdown and the HTML the PDF is made from
(and one real PDF), and `onconav match` as JSON, text and Markdown. The hostile text holds
HTML, a `javascript:` link, a remote image and quotes. Each output must show it as text:
- HTML: no `<` or `"` from the case unescaped, no `javascript:` URL in an `href` or `src`;
- Markdown: no raw HTML from the case, and no link or image made from it;
- JSON: the exact text, round-tripped; text: shown as written, not read as markup.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from onconav.kb.index import get_index
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.report.render import _print_variant, render_pdf, render_report

runner = CliRunner()

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> '
    "[click](javascript:alert(2)) ![pixel](http://evil.example/p.png) "
    "<a href=\"javascript:alert(3)\">a</a> [ref]: javascript:alert(4) 'q' &amp;"
)


def _hostile_case() -> dict[str, object]:
    """A case whose every free-text field holds HOSTILE (tumor type and codes must validate)."""
    return {
        "id": HOSTILE,
        "tumor_type": "LUAD",
        "stage": "IV",
        "alterations": [
            "EGFR L858R",
            f"EGFR {HOSTILE}",
            HOSTILE,
            {"gene": "ALK", "alteration": "fusion", "partner": HOSTILE},
            {"gene": HOSTILE, "alteration": HOSTILE},
            {"gene": "MET", "alteration": HOSTILE, "copy_number": 8, "source": "plasma"},
        ],
        "biomarkers": {"pd_l1_tps": 50, "her2_ihc": "1+"},
        "history": [{"drugs": [HOSTILE, "osimertinib"], "outcome": "progression"}],
        "conditions": ["brain_metastases"],
    }


@pytest.fixture(scope="module")
def matched():
    index = get_index()
    case = case_from_data(_hostile_case())
    return index, case, match_case(index, case)


_HTML_URL = re.compile(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _assert_html_safe(doc: str) -> None:
    for raw in ("<script", "<img", '<a href="javascript', 'alert("x")'):
        assert raw not in doc, raw
    assert not _HTML_URL.search(doc)
    assert "&lt;script&gt;" in doc  # (the text is there, escaped: the test is not vacuous)


def _assert_markdown_safe(doc: str) -> None:
    for raw in ("<script", "<img", "<a ", "](javascript:", "![", "](http://evil", "]: javascript"):
        assert raw not in doc, raw
    assert "&lt;script&gt;" in doc
    assert "javascript:alert(2)" not in doc  # (the link's target is dropped, its text kept)
    assert "click" in doc


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_html_reports(matched, audience) -> None:
    index, case, result = matched
    doc = render_report(result, index, audience, "html", case=case)
    _assert_html_safe(doc)
    _assert_html_safe(_print_variant(doc))  # (what the PDF is made from)


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_markdown_reports(matched, audience) -> None:
    index, case, result = matched
    _assert_markdown_safe(render_report(result, index, audience, "markdown", case=case))


def test_a_pdf_is_made_from_hostile_text(matched) -> None:
    index, case, result = matched
    pdf = render_pdf(render_report(result, index, "patient", "html", case=case))
    assert pdf.startswith(b"%PDF")
    assert b"javascript:alert" not in pdf
    assert b"/JavaScript" not in pdf
    assert b"/URI" not in pdf


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(_hostile_case()), encoding="utf-8")
    return str(path)


def test_match_markdown(case_file) -> None:
    result = runner.invoke(app, ["match", case_file, "--format", "markdown"])
    assert result.exit_code == 0, result.output
    _assert_markdown_safe(result.stdout)


def test_match_json_round_trips_the_text(case_file) -> None:
    result = runner.invoke(app, ["match", case_file, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["case_id"] == HOSTILE
    assert HOSTILE in [a["input"] for a in data["alterations"]]


def test_match_text_shows_the_text_as_written(case_file) -> None:
    result = runner.invoke(app, ["match", case_file, "--format", "text"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "[click](javascript:alert(2))" in result.stdout  # (not read as rich markup)


@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_report_command(case_file, tmp_path, audience, fmt) -> None:
    out = tmp_path / f"r.{fmt}"
    result = runner.invoke(app, ["report", case_file, "-a", audience, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = out.read_text(encoding="utf-8")
    (_assert_html_safe if fmt == "html" else _assert_markdown_safe)(doc)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
