"""Reports from match results: content, plain words, reading grade, escaping, PDF."""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader

from onconav.kb.models import Source
from onconav.report import References, render_pdf, render_report, source_text
from onconav.report.patient import plain_standing, plain_timing

from .conftest import EXAMPLES, constructed_result
from .readability import grade, patient_prose

# What must never reach a patient: OncoKB level codes, in any spelling.
LEVEL_CODE = re.compile(
    r"\blevel[ _]?(1|2|3a|3b|4|r1|r2)\b|\b(3A|3B|R1|R2)\b|LEVEL_", re.IGNORECASE
)


def _text(document: str) -> str:
    """Visible text of an HTML or Markdown report, whitespace collapsed."""
    no_tags = re.sub(r"<[^>]+>", " ", document)
    return " ".join(html.unescape(no_tags).replace("**", "").split())


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(params=["html", "markdown"])
def fmt(request) -> str:
    return request.param


def _assert_clinician_complete(result, doc: str) -> None:
    text = _text(doc)
    for o in result.options:
        assert " + ".join(o.drugs) in re.sub(r" \([^)]*\)", "", text) or all(
            d in text for d in o.drugs
        )
        assert _flat(o.rationale) in text
        assert f"evel {o.level}" in text
        assert o.status in text
    for a in result.avoid:
        assert all(d in text for d in a.drugs)
        assert _flat(a.reason) in text
    for f in result.resistance:
        assert f.name in text
        for step in f.next_steps:
            assert _flat(step) in text
    assert result.kb_version in text
    assert result.kb_date in text
    assert _flat(result.disclaimer) in text


def test_clinician_lists_every_option_and_avoid_constructed(result, index, fmt) -> None:
    _assert_clinician_complete(result, render_report(result, index, "clinician", fmt))


def test_clinician_lists_every_option_and_avoid_examples(example, index, fmt) -> None:
    case, result = example
    _assert_clinician_complete(result, render_report(result, index, "clinician", fmt, case=case))


def test_clinician_numbers_citations_and_lists_references(result, index) -> None:
    doc = render_report(result, index, "clinician", "markdown")
    assert "[1, 2]" in doc
    refs = doc.split("## References", 1)[1]
    for o in result.options:
        for s in o.sources:
            assert s.id in refs
    assert "1. FDA label LORBRENA" in refs


def test_clinician_shows_case_summary_and_drug_details(example, index) -> None:
    case, result = example
    text = _text(render_report(result, index, "clinician", "html", case=case))
    assert result.tumor_type.code in text
    assert result.tumor_type.input in text
    assert result.setting in text
    for a in result.alterations:
        assert a.input in text
    for name in {d for o in result.options for d in o.drugs if o.status == "recommended"}:
        drug = index.drugs[name]
        assert drug.cns_activity in text
        assert drug.serious_side_effects[0] in text


def test_patient_has_no_level_codes(example, index, fmt) -> None:
    case, result = example
    doc = render_report(result, index, "patient", fmt, case=case)
    found = LEVEL_CODE.findall(_text(doc))
    assert not found, found


def test_patient_constructed_has_no_level_codes_or_statuses(result, index) -> None:
    text = _text(render_report(result, index, "patient", "html"))
    assert not LEVEL_CODE.findall(text)
    for word in ("recommended", "consider,", "prior_progression", "resistance_mutation", "R1"):
        assert word not in text
    assert "a standard treatment for your type of cancer" in text
    assert "an option your doctor may consider" in text
    assert "available in a clinical study" in text


def test_patient_names_brands_beside_generic_names(result, index) -> None:
    text = _text(render_report(result, index, "patient", "html"))
    assert "lorlatinib (Lorbrena)" in text
    assert "alectinib (Alecensa)" in text  # avoid list, in plain words
    assert "A change in your tumor makes this medicine unlikely to work." in text


def test_patient_sections(example, index) -> None:
    case, result = example
    text = _text(render_report(result, index, "patient", "html", case=case))
    for heading in (
        "What the test found",
        "Your treatment options",
        "If the cancer grows again",
        "Questions to ask your care team",
        "Words to know",
    ):
        assert heading in text
    assert "More options may exist" in text
    assert _flat(index.kb.meta.patient_disclaimer) in text


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_patient_reading_grade_at_most_8(path, index) -> None:
    from .conftest import _match_example

    case, result = _match_example(path)
    html_doc = render_report(result, index, "patient", "html", case=case)
    assert grade(html_doc) <= 8.0


def test_patient_prose_measures_blocks_as_sentences() -> None:
    prose = patient_prose("<h2>Words</h2><ul><li>One item</li></ul><p>Done.</p><style>p{}</style>")
    assert prose.splitlines() == ["Words.", "One item.", "Done."]


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_html_escapes_case_id_and_alteration(xss_result, index, audience) -> None:
    doc = render_report(xss_result, index, audience, "html")
    assert "<script" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_markdown_neutralizes_markup(xss_result, index, audience) -> None:
    doc = render_report(xss_result, index, audience, "markdown")
    assert "<script" not in doc
    assert "&lt;script&gt;" in doc


def test_html_is_self_contained(result, index) -> None:
    doc = render_report(result, index, "clinician", "html")
    assert doc.startswith("<!DOCTYPE html>")
    assert "<style>" in doc
    for needle in ("<link", "<script", "src=", "@import", "url("):
        assert needle not in doc


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_pdf_is_a_pdf(result, index, audience) -> None:
    pdf = render_pdf(render_report(result, index, audience, "html"))
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 0
    assert any("lorlatinib" in page.extract_text() for page in reader.pages)


def test_unknown_audience_or_format_is_a_report_error(result, index) -> None:
    from onconav.errors import ReportError

    with pytest.raises(ReportError):
        render_report(result, index, "nurse", "html")  # type: ignore[arg-type]
    with pytest.raises(ReportError):
        render_report(result, index, "patient", "docx")  # type: ignore[arg-type]


def test_plain_standing_and_timing() -> None:
    opts = {o.drugs[0]: o for o in constructed_result().options}
    assert plain_standing(opts["lorlatinib"]) == "standard"
    assert plain_standing(opts["brigatinib"]) == "consider"
    assert plain_standing(opts["neladalkib"]) == "study"
    assert plain_timing(opts["lorlatinib"]) == "later"
    assert plain_timing(opts["neladalkib"]) == "any"
    first = opts["lorlatinib"].model_copy(update={"line": "first line"})
    assert plain_timing(first) == "first"
    assert plain_timing(first.model_copy(update={"setting": "adjuvant"})) == "adjuvant"
    later = opts["lorlatinib"].model_copy(update={"status": "next_line"})
    assert plain_standing(later) == "next"


def test_patient_report_calls_next_line_options_a_plan_for_later(index) -> None:
    """KRAS G12C first line: the G12C inhibitors are next_line, not 'an option to consider'."""
    from onconav.match.caseio import case_from_data
    from onconav.match.engine import match_case

    result = match_case(index, case_from_data({"tumor_type": "LUAD", "alterations": ["KRAS G12C"]}))
    assert any(o.status == "next_line" and "sotorasib" in o.drugs for o in result.options)
    text = _text(render_report(result, index, audience="patient", fmt="markdown"))
    sentence = re.search(r"\bsotorasib \(\w+\)\. (This is [^:.]*)", text)
    assert sentence is not None
    assert sentence.group(1) == "This is a plan for later"


def test_references_number_once_and_keep_the_richer_text() -> None:
    refs = References()
    bare = Source(kind="pmid", id="23470965")
    full = Source(kind="pmid", id="23470965", title="Analysis of tumor specimens")
    label_2017 = Source(kind="fda_label", id="TAGRISSO", year=2017)
    label_2024 = Source(kind="fda_label", id="TAGRISSO", year=2024)
    assert refs.cite([label_2024, bare]) == [1, 2]
    assert refs.cite([full, label_2017]) == [2, 3]
    assert refs.entries()[1] == (2, source_text(full))
    assert len(refs.entries()) == 3


def test_match_markdown_still_works(result) -> None:
    from onconav.report.markdown import match_markdown

    doc = match_markdown(result)
    assert "## Options (best first)" in doc
    assert "lorlatinib" in doc


def test_case_biomarkers_and_stage_are_shown(index) -> None:
    from onconav.match.caseio import case_from_data
    from onconav.match.engine import match_case

    case = case_from_data(
        {
            "id": "bm",
            "tumor_type": "LUAD",
            "stage": "IVB",
            "alterations": ["KRAS G12C"],
            "biomarkers": {"pd_l1_tps": 80, "her2_ihc": "3+"},
        }
    )
    result = match_case(index, case)
    clinician = _text(render_report(result, index, "clinician", "html", case=case))
    assert "IVB" in clinician
    assert "PD-L1 TPS (%) 80 HER2 IHC 3+" in clinician
    patient = render_report(result, index, "patient", "html", case=case)
    assert "Result: 80%." in _text(patient)
    assert index.biomarkers["pd_l1_tps"].patient_summary.split()[0] in _text(patient)
    assert not LEVEL_CODE.findall(_text(patient))
    assert grade(patient) <= 8.0
