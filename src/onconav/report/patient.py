"""What the patient report shows: the match result turned into plain facts for the templates.

No evidence levels or internal codes leave this module: an option's level and status become one
of four standings (`standard`, `consider`, `study`, `next`) that the templates put in plain
words, and every other text comes from the KB's plain-language fields (`patient_summary`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from onconav.kb.index import KBIndex
from onconav.kb.models import Drug, Gene
from onconav.match.models import AlterationResult, Case, MatchResult, Option
from onconav.report.clinician import drug_names

__all__ = ["PatientView", "patient_view", "plain_standing", "plain_timing"]

Standing = Literal["standard", "consider", "study", "next"]
Timing = Literal["first", "later", "any", "adjuvant", "neoadjuvant", "consolidation"]

# OncoKB levels 1 and 2 are standard care (FDA-recognized or guideline-listed); 3A to 4 are not.
_STANDARD_LEVELS = frozenset({"1", "2"})


@dataclass(frozen=True)
class Change:
    """One test result and what it means, in plain words."""

    label: str
    meaning: str | None


@dataclass(frozen=True)
class GeneFinding:
    """A gene the test found changed: what the gene does, then each change found in it."""

    gene: str
    about: str | None
    changes: list[Change]


@dataclass(frozen=True)
class PlainOption:
    """A treatment option: the medicines' names, its standing, when it is used, what each does."""

    names: str
    standing: Standing
    timing: Timing
    about: list[str]


@dataclass(frozen=True)
class PlainDrug:
    """One medicine of the options, with its plain-language KB texts."""

    names: str
    drug: Drug


@dataclass(frozen=True)
class PlainAvoid:
    """A medicine that is not advised, and why, as a kind the templates put in words."""

    names: str
    kind: str


@dataclass(frozen=True)
class PatientView:
    """Everything the patient templates lay out."""

    case_id: str | None
    genes: list[GeneFinding]
    unread: list[str]
    biomarkers: list[tuple[str, str, str]]
    options: list[PlainOption]
    drugs: list[PlainDrug]
    others: bool
    avoid: list[PlainAvoid]
    regrowth: list[str]
    topics: frozenset[str]
    disclaimer: str
    kb_version: str
    kb_date: str
    kb_hash: str = ""


def plain_standing(option: Option) -> Standing:
    """How settled an option is, without codes: standard, to consider, a study, or for later.

    `next` is a `next_line` option: used only if the cancer grows on the current treatment.
    """
    if option.status == "trial":
        return "study"
    if option.status == "next_line":
        return "next"
    if option.status == "recommended" and option.level in _STANDARD_LEVELS:
        return "standard"
    return "consider"


def plain_timing(option: Option) -> Timing:
    """When an option is used: its setting if not metastatic, else its line of treatment."""
    if option.setting in ("adjuvant", "neoadjuvant", "consolidation"):
        return option.setting  # type: ignore[return-value]
    line = option.line.lower()
    if line.startswith("first"):
        return "first"
    if line.startswith("any"):
        return "any"
    return "later"


def _plain_names(index: KBIndex, drugs: list[str]) -> str:
    """`osimertinib (Tagrisso)`; `a (A), b (B) and c (C)` for a combination."""
    names = [drug_names(index, [d]) for d in drugs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _plain_option(index: KBIndex, option: Option) -> PlainOption:
    about = [
        _first_sentence(index.drugs[d].patient_summary) for d in option.drugs if d in index.drugs
    ]
    return PlainOption(
        _plain_names(index, option.drugs), plain_standing(option), plain_timing(option), about
    )


def _detailed(index: KBIndex, options: list[Option]) -> list[str]:
    """Drugs described in full: those of the recommended options, else of the first option."""
    chosen = [o for o in options if o.status == "recommended"] or options[:1]
    return [d for d in dict.fromkeys(d for o in chosen for d in o.drugs) if d in index.drugs]


def _meaning(gene: Gene | None, a: AlterationResult) -> str | None:
    if gene is None:
        return None
    for c in gene.alteration_classes:
        if c.name in a.classes and c.patient_summary:
            return c.patient_summary
    return None


def _genes(index: KBIndex, result: MatchResult) -> list[GeneFinding]:
    by_gene: dict[str, list[Change]] = {}
    for a in result.alterations:
        if not a.recognized or a.gene is None:
            continue
        gene = index.genes.get(a.gene)
        label = " ".join(p for p in (a.gene, a.alteration) if p)
        by_gene.setdefault(a.gene, []).append(Change(label, _meaning(gene, a)))
    return [
        GeneFinding(g, index.genes[g].patient_summary if g in index.genes else None, changes)
        for g, changes in by_gene.items()
    ]


def _biomarkers(index: KBIndex, case: Case | None) -> list[tuple[str, str, str]]:
    if case is None or case.biomarkers is None:
        return []
    out = []
    for key, value in case.biomarkers.model_dump(exclude_none=True).items():
        marker = index.biomarkers.get(key)
        if marker is not None:
            shown = f"{value:g}%" if marker.kind == "percent" else str(value)
            out.append((marker.name, shown, marker.patient_summary))
    return out


def _topics(index: KBIndex, result: MatchResult, options: list[PlainOption]) -> set[str]:
    """Which glossary words and questions fit this report (names used in `_words.j2`)."""
    categories = {a.category for a in result.alterations if a.recognized}
    named = {d for o in result.options for d in o.drugs if d in index.drugs}
    routes = " ".join(index.drugs[d].route for d in named)
    topics: set[str] = {c for c in ("fusion", "amplification") if c in categories}
    if categories - {"fusion", "amplification"}:
        topics.add("mutation")
    if "intravenous" in routes:
        topics.add("infusion")
    if "subcutaneous" in routes:
        topics.add("injection")
    if any(o.standing == "study" for o in options):
        topics.add("study")
    if not options:
        topics.add("no_options")
    return topics


def patient_view(result: MatchResult, index: KBIndex, case: Case | None = None) -> PatientView:
    """Gather what the patient report shows, in plain facts (no levels, no codes)."""
    options = [_plain_option(index, o) for o in result.options]
    detailed = _detailed(index, result.options)
    drugs = [PlainDrug(drug_names(index, [d]), index.drugs[d]) for d in detailed]
    named = {d for o in result.options for d in o.drugs}
    avoid = [PlainAvoid(_plain_names(index, a.drugs), a.kind) for a in result.avoid]
    meta = index.kb.meta
    return PatientView(
        case_id=result.case_id,
        genes=_genes(index, result),
        unread=[a.input for a in result.alterations if not a.recognized],
        biomarkers=_biomarkers(index, case),
        options=options,
        drugs=drugs,
        others=bool(named - set(detailed)),
        avoid=avoid,
        regrowth=list(dict.fromkeys(f.patient_summary for f in result.resistance)),
        topics=frozenset(_topics(index, result, options)),
        disclaimer=meta.patient_disclaimer,
        kb_version=result.kb_version,
        kb_date=result.kb_date,
        kb_hash=result.kb_hash[:19],
    )
