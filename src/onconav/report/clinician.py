"""What the clinician report shows, gathered from a match result and the KB for the templates.

The templates only lay out; every choice of what to show, in which order and with which citation
numbers is made here, so that the HTML and the Markdown report say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onconav.kb.index import KBIndex
from onconav.kb.models import Drug
from onconav.match.models import (
    AlterationResult,
    Avoid,
    Case,
    MatchResult,
    Option,
    ResistanceFinding,
)
from onconav.report.citations import References

__all__ = ["ClinicianView", "clinician_view"]

# Avoid kinds (match-output.md) as the report names them.
_AVOID_LABELS = {
    "resistance": "resistance mutation",
    "prior_progression": "prior progression",
    "contraindication": "contraindication",
    "no_benefit": "no expected benefit",
}
# Case.biomarkers fields as the report names them.
_BIOMARKER_LABELS = {
    "pd_l1_tps": "PD-L1 TPS (%)",
    "her2_ihc": "HER2 IHC",
    "cmet_ihc_3plus_percent": "c-MET IHC 3+ (% of cells)",
    "tmb": "TMB (mut/Mb)",
    "msi": "MSI",
}


@dataclass(frozen=True)
class OptionRow:
    """One option with its rank, display names and citation numbers."""

    rank: int
    option: Option
    names: str
    line: str
    facts: str
    refs: list[int]


@dataclass(frozen=True)
class AvoidRow:
    """One avoid entry with its kind in words and citation numbers."""

    avoid: Avoid
    names: str
    kind_label: str
    refs: list[int]


@dataclass(frozen=True)
class FindingRow:
    """One resistance finding with citation numbers."""

    finding: ResistanceFinding
    refs: list[int]


@dataclass(frozen=True)
class AlterationRow:
    """One tested alteration: normalized form, details and recognition in words."""

    alteration: AlterationResult
    normalized: str
    details: str
    recognized: str


@dataclass(frozen=True)
class DrugRow:
    """One drug of the options, with its KB entry and citation numbers."""

    drug: Drug
    names: str
    refs: list[int]


@dataclass(frozen=True)
class ClinicianView:
    """Everything the clinician templates lay out."""

    result: MatchResult
    stage: str | None
    biomarkers: list[tuple[str, str]]
    alterations: list[AlterationRow]
    options: list[OptionRow]
    avoid: list[AvoidRow]
    resistance: list[FindingRow]
    drugs: list[DrugRow]
    references: list[tuple[int, str]] = field(default_factory=list)


def drug_names(index: KBIndex, drugs: list[str], joiner: str = " + ") -> str:
    """Generic names with the first brand beside each: `osimertinib (Tagrisso)`."""
    out = []
    for name in drugs:
        drug = index.drugs.get(name)
        out.append(f"{name} ({drug.brands[0]})" if drug and drug.brands else name)
    return joiner.join(out)


def _line_label(line: str) -> str:
    """`first` and `later` as `first line` and `later line`; phrases stay as they are."""
    return f"{line} line" if line in ("first", "later") else line


def _facts(o: Option) -> str:
    """Pivotal trial, approval year and the AMP and ESCAT tiers, as one sentence each."""
    facts = [
        f"{label} {value}."
        for label, value in (
            ("Pivotal trial:", o.pivotal_trial),
            ("Approved", o.approval_year),
            ("AMP/ASCO/CAP tier", o.amp_tier),
            ("ESCAT", o.escat),
        )
        if value
    ]
    return " ".join(facts)


def _alteration_row(a: AlterationResult) -> AlterationRow:
    normalized = " ".join(p for p in (a.gene, a.alteration) if p) or "-"
    details = [f"class: {c}" for c in a.classes]
    for label, value in (
        ("partner", a.partner),
        ("exon", a.exon),
        ("copy number", a.copy_number),
        ("VAF", a.vaf),
        ("source", a.source),
    ):
        if value is not None:
            details.append(f"{label}: {value}")
    if a.actionable:
        details.append("actionable")
    recognized = "yes" if a.recognized else f"no: {a.message or 'not understood'}"
    return AlterationRow(a, normalized, "; ".join(details), recognized)


def _biomarkers(case: Case | None) -> list[tuple[str, str]]:
    if case is None or case.biomarkers is None:
        return []
    values = case.biomarkers.model_dump(exclude_none=True)
    return [
        (_BIOMARKER_LABELS.get(k, k), f"{v:g}" if isinstance(v, float) else str(v))
        for k, v in values.items()
    ]


def _option_drugs(index: KBIndex, result: MatchResult) -> list[str]:
    """Every KB drug named by an option, in order of first appearance."""
    names = dict.fromkeys(d for o in result.options for d in o.drugs)
    return [n for n in names if n in index.drugs]


def clinician_view(result: MatchResult, index: KBIndex, case: Case | None = None) -> ClinicianView:
    """Gather what the clinician report shows, numbering citations in reading order."""
    refs = References()
    options = [
        OptionRow(
            n, o, drug_names(index, o.drugs), _line_label(o.line), _facts(o), refs.cite(o.sources)
        )
        for n, o in enumerate(result.options, start=1)
    ]
    avoid = [
        AvoidRow(
            a, drug_names(index, a.drugs), _AVOID_LABELS.get(a.kind, a.kind), refs.cite(a.sources)
        )
        for a in result.avoid
    ]
    resistance = [FindingRow(f, refs.cite(f.sources)) for f in result.resistance]
    drugs = [
        DrugRow(index.drugs[n], drug_names(index, [n]), refs.cite(index.drugs[n].sources[:2]))
        for n in _option_drugs(index, result)
    ]
    return ClinicianView(
        result=result,
        stage=case.stage if case else None,
        biomarkers=_biomarkers(case),
        alterations=[_alteration_row(a) for a in result.alterations],
        options=options,
        avoid=avoid,
        resistance=resistance,
        drugs=drugs,
        references=refs.entries(),
    )
