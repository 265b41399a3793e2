"""The rules that decide whether one KB entry applies to one case: pure predicates, no output.

`CaseFacts` is what the engine derives from a case once (tumor type, alteration keys by gene,
history, conditions); each rule reads it and answers yes or no, with a line label for options.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onconav.kb.index import KBIndex
from onconav.kb.models import BiomarkerCriterion, Indication, Mechanism, PriorCriterion
from onconav.match.models import Case

__all__ = [
    "LEVEL_RANK",
    "CaseFacts",
    "case_facts",
    "fits_after_first_line",
    "indication_line",
    "mechanism_applies",
    "prior_met",
]

# OncoKB levels, best first; resistance levels after them.
LEVEL_RANK = {"1": 0, "2": 1, "3A": 2, "3B": 3, "4": 4, "R1": 5, "R2": 6}
_PRIOR_OK_OUTCOMES = {None, "progression", "intolerance", "completed", "ongoing"}
_PROGRESSION_OUTCOMES = {None, "progression"}


@dataclass
class CaseFacts:
    """What matching needs to know about a case, derived once."""

    case: Case
    tumor_code: str
    is_lung: bool
    squamous: bool
    small_cell: bool
    keys_by_gene: dict[str, frozenset[str]]
    history: list[tuple[frozenset[str], str | None]]
    history_drugs: frozenset[str]
    conditions: frozenset[str]
    copy_number_by_gene: dict[str, float] = field(default_factory=dict)
    used_genes: set[str] = field(default_factory=set)

    @property
    def prior_therapy(self) -> bool:
        """True when the case lists any prior systemic therapy."""
        return bool(self.history)


def case_facts(
    index: KBIndex,
    case: Case,
    tumor_code: str,
    keys_by_gene: dict[str, frozenset[str]],
    *,
    history: list[tuple[frozenset[str], str | None]] | None = None,
    copy_number_by_gene: dict[str, float] | None = None,
) -> CaseFacts:
    """The facts of a case, derived once (the one constructor the engine and cohorts share).

    Args:
        index: The knowledge base.
        case: The case (its setting and conditions are read here).
        tumor_code: The case's resolved OncoTree code.
        keys_by_gene: Match keys of the case's alterations, by gene.
        history: Prior therapies as (KB drug names, outcome), in order; none by default.
        copy_number_by_gene: Reported copy number of amplified genes.
    """
    squamous = index.is_squamous(tumor_code) or "squamous_histology" in case.conditions
    conditions = set(case.conditions) | ({"squamous_histology"} if squamous else set())
    past = history or []
    return CaseFacts(
        case=case,
        tumor_code=tumor_code,
        is_lung=index.is_lung(tumor_code),
        squamous=squamous,
        small_cell=index.is_small_cell(tumor_code),
        keys_by_gene=keys_by_gene,
        history=past,
        history_drugs=frozenset(d for names, _ in past for d in names),
        conditions=frozenset(conditions),
        copy_number_by_gene=dict(copy_number_by_gene or {}),
    )


def _biomarker_met(criterion: BiomarkerCriterion, case: Case) -> bool:
    value = getattr(case.biomarkers, criterion.key, None) if case.biomarkers else None
    if value is None:
        # "any value" (min 0, no upper bound) holds for an untested biomarker too.
        return criterion.min == 0 and criterion.max is None and not criterion.values
    if criterion.values:
        return str(value) in criterion.values
    number = float(value)
    if criterion.min is not None and number < criterion.min:
        return False
    return not (criterion.max is not None and number > criterion.max)


def prior_met(index: KBIndex, prior: PriorCriterion, facts: CaseFacts) -> tuple[bool, list[str]]:
    """Whether the history meets a prior-therapy criterion, and which drugs met it."""
    wanted = index.drugs_of(prior.drugs, prior.classes)
    outcomes = _PROGRESSION_OUTCOMES if prior.outcome == "progression" else _PRIOR_OK_OUTCOMES
    hits: list[str] = []
    for drugs, outcome in facts.history:
        if outcome in outcomes:
            hits.extend(sorted(drugs & wanted))
    return bool(hits), hits


def _alterations_met(index: KBIndex, ind: Indication, facts: CaseFacts) -> bool:
    if ind.gene and ind.alterations:
        keys = facts.keys_by_gene.get(ind.gene)
        if not keys or not keys.intersection(ind.alterations):
            return False
        # A reported copy number below the indication's floor rules it out; an unreported one
        # does not (the warning asks for it).
        copies = facts.copy_number_by_gene.get(ind.gene)
        if ind.min_copy_number is not None and copies is not None and copies < ind.min_copy_number:
            return False
    for req in ind.requires:
        keys = facts.keys_by_gene.get(req.gene)
        if not keys or not keys.intersection(req.alterations):
            return False
    for excl in ind.not_with:
        keys = facts.keys_by_gene.get(excl.gene)
        if keys and keys.intersection(excl.alterations):
            return False
    return True


def _place_met(index: KBIndex, ind: Indication, facts: CaseFacts) -> bool:
    if ind.setting != facts.case.setting:
        return False
    if not ind.tissue_agnostic and not index.is_within(facts.tumor_code, ind.tumor_type):
        return False
    if any(index.is_within(facts.tumor_code, code) for code in ind.exclude_tumor_types):
        return False
    if ind.histology == "nonsquamous" and facts.squamous:
        return False
    return not (ind.histology == "squamous" and not facts.squamous)


def indication_line(index: KBIndex, ind: Indication, facts: CaseFacts) -> str | None:
    """The line label under which `ind` applies to the case, or None when it does not apply."""
    if not _place_met(index, ind, facts) or not _alterations_met(index, ind, facts):
        return None
    if ind.biomarker is not None and not _biomarker_met(ind.biomarker, facts.case):
        return None
    if ind.not_prior is not None and prior_met(index, ind.not_prior, facts)[0]:
        return None
    hits: list[str] = []
    for prior in (ind.prior, *ind.also_prior):
        if prior is None:
            continue
        ok, met = prior_met(index, prior, facts)
        if not ok:
            return None
        hits.extend(met)
    if ind.line == "any":
        return "any line"
    if ind.line == "first":
        return _first_line_label(index, ind, facts)
    if not facts.prior_therapy:
        return None
    if ind.line == "later":
        return f"after {' and '.join(dict.fromkeys(hits))}" if hits else "after prior therapy"
    if hits and ind.prior is not None and ind.prior.outcome == "progression":
        return f"after progression on {' and '.join(dict.fromkeys(hits))}"
    return ind.line


def fits_after_first_line(index: KBIndex, ind: Indication, facts: CaseFacts) -> bool:
    """True when `ind` fits the case in all but line: it needs prior therapy the case lacks."""
    if facts.prior_therapy or ind.line in ("first", "any"):
        return False
    if not _place_met(index, ind, facts) or not _alterations_met(index, ind, facts):
        return False
    return ind.biomarker is None or _biomarker_met(ind.biomarker, facts.case)


def _first_line_label(index: KBIndex, ind: Indication, facts: CaseFacts) -> str | None:
    if not facts.prior_therapy:
        return "first line"
    if not ind.gene:
        return None
    if facts.history_drugs & index.gene_drugs.get(ind.gene, frozenset()):
        return None
    return f"first {ind.gene}-directed therapy (after prior therapy)"


def mechanism_applies(index: KBIndex, mech: Mechanism, facts: CaseFacts) -> str | None:
    """What triggered a resistance mechanism in this case, or None when it does not apply."""
    after = index.mechanism_after[mech.id]
    if after and not facts.history_drugs & after:
        return None
    if mech.driver_genes and not any(g in facts.keys_by_gene for g in mech.driver_genes):
        return None
    if mech.trigger == "histology":
        kind = mech.transformed_to or ("small_cell" if "small" in mech.name.lower() else "squamous")
        hit = facts.small_cell if kind == "small_cell" else facts.squamous
        return f"{kind.replace('_', ' ')} histology" if hit else None
    if not mech.gene:
        return None
    keys = facts.keys_by_gene.get(mech.gene)
    if not keys:
        return None
    if mech.alterations:
        found = [a for a in mech.alterations if a in keys]
        return f"{mech.gene} {found[0]}" if found else None
    return mech.gene
