"""Fixtures for report tests: constructed match results, and the example cases when they match."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconav.kb.models import Source
from onconav.match.models import (
    AlterationResult,
    Avoid,
    MatchResult,
    Option,
    ResistanceFinding,
    TumorTypeResult,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
XSS = "<script>alert(1)</script>"

_LABEL = Source(
    kind="fda_label", id="LORBRENA", title="LORBRENA prescribing information", year=2018
)
_TRIAL = Source(kind="pmid", id="32853163", journal="N Engl J Med", year=2020)


def _option(drugs: list[str], level: str, status: str, line: str = "later") -> Option:
    return Option(
        drugs=drugs,
        biomarker="ALK fusion",
        level=level,
        setting="metastatic",
        line=line,
        status=status,  # type: ignore[arg-type]
        rationale=f"{' + '.join(drugs)} rationale text.",
        sources=[_LABEL, _TRIAL] if level == "1" else [_TRIAL],
        indication_id="-".join(drugs),
        pivotal_trial="CROWN" if level == "1" else None,
    )


def constructed_result(case_id: str | None = "alk-after-alectinib") -> MatchResult:
    """An ALK case after alectinib with G1202R: built by hand from real KB drug names."""
    return MatchResult(
        onconav_version="0.1.0",
        kb_version="2026.11.0",
        kb_date="2026-11-25",
        disclaimer="onconav supports, and does not replace, the treating oncologist's judgement.",
        case_id=case_id,
        tumor_type=TumorTypeResult(
            input="lung adenocarcinoma", code="LUAD", name="Lung Adenocarcinoma", is_lung=True
        ),
        setting="metastatic",
        line="later",
        history=["alectinib (progression)"],
        alterations=[
            AlterationResult(
                input="EML4::ALK",
                gene="ALK",
                alteration="fusion",
                category="fusion",
                recognized=True,
                classes=["ALK fusion (rearrangement)"],
                partner="EML4",
                actionable=True,
            ),
            AlterationResult(
                input="ALK G1202R",
                gene="ALK",
                alteration="G1202R",
                category="resistance_mutation",
                recognized=True,
                classes=["ALK tyrosine kinase inhibitor resistance mutation"],
                actionable=True,
            ),
            AlterationResult(
                input=f"ZZZ3 {XSS}",
                category="unknown",
                recognized=False,
                message="unknown gene 'ZZZ3'",
            ),
        ],
        options=[
            _option(["lorlatinib"], "1", "recommended"),
            _option(["brigatinib"], "3A", "consider"),
            _option(["neladalkib"], "3B", "trial", line="any line"),
        ],
        avoid=[
            Avoid(
                drugs=["alectinib"],
                reason="ALK G1202R: resistant to alectinib",
                kind="resistance",
                level="R1",
                sources=[_TRIAL],
            ),
            Avoid(
                drugs=["crizotinib"],
                reason="prior progression on crizotinib",
                kind="prior_progression",
                sources=[_LABEL],
            ),
        ],
        resistance=[
            ResistanceFinding(
                mechanism="alk-g1202r",
                name="ALK solvent-front mutation G1202R",
                kind="on_target",
                trigger="ALK G1202R",
                summary="G1202R escapes second-generation ALK inhibitors.",
                patient_summary="A new change in ALK stops some ALK pills from working. Another ALK pill may still work.",
                next_steps=["lorlatinib (ALK fusion; level 1)", "Consider a clinical trial"],
                sources=[_TRIAL],
            ),
        ],
        warnings=[f"Alteration 'ZZZ3 {XSS}' was not understood (unknown gene); not used."],
    )


@pytest.fixture
def result() -> MatchResult:
    return constructed_result()


@pytest.fixture
def xss_result() -> MatchResult:
    return constructed_result(case_id=XSS)


def _match_example(path: Path):
    from onconav.kb.index import get_index
    from onconav.match.caseio import read_cases
    from onconav.match.engine import match_case

    case = read_cases(str(path))[0]
    return case, match_case(get_index(), case)


@pytest.fixture(params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request):
    """(case, match result) of one example case."""
    return _match_example(request.param)
