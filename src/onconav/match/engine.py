"""Match one case against the knowledge base: options best first, an avoid list, warnings.

Pure functions over a `KBIndex`: the same case and KB always give the same result. The steps:
read the case (tumor type, alterations, history, conditions), collect what argues against drugs
(resistance, prior progression, contraindications), then the indications that fit, then the
resistance mechanisms and their next steps, then order everything and explain it.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from onconav import __version__
from onconav.kb.index import KBIndex
from onconav.kb.models import Indication, Mechanism, Resistance, Source
from onconav.kb.validate import GENERIC_KEYS
from onconav.match.models import (
    AlterationInput,
    AlterationResult,
    Avoid,
    Case,
    MatchResult,
    Option,
    ResistanceFinding,
    TumorTypeResult,
)
from onconav.match.rules import (
    LEVEL_RANK,
    CaseFacts,
    case_facts,
    fits_after_first_line,
    indication_line,
    mechanism_applies,
)
from onconav.normalize import Alteration, normalize_alteration, parse_alteration

__all__ = ["match_case"]

_logger = logging.getLogger(__name__)
_STATUS_RANK = {"recommended": 0, "consider": 1, "trial": 2}
_CNS_RANK = {"high": 0, "moderate": 1, "low": 2, "unknown": 2}
_ACTIONABLE_CATEGORIES = {"driver", "fusion", "amplification", "resistance_mutation"}
_WILDCARD = re.compile(r"^[A-Z]\d+X$")
# A contraindication for one drug: (drug, avoid rather than caution, reason, sources).
_Contra = tuple[str, bool, str, tuple[Source, ...]]


@dataclass
class _AvoidDraft:
    reasons: list[str] = field(default_factory=list)
    kind: str = "prior_progression"
    level: str | None = None
    sources: list[Source] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    triggers: set[tuple[str, str]] = field(default_factory=set)

    def add(self, reason: str, kind: str, level: str | None, sources: Iterable[Source]) -> None:
        self.kinds.add(kind)
        if reason not in self.reasons:
            self.reasons.append(reason)
        order = ("resistance", "contraindication", "prior_progression", "no_benefit")
        if order.index(kind) < order.index(self.kind) or not self.sources:
            self.kind = kind
        if level and (self.level is None or LEVEL_RANK[level] < LEVEL_RANK[self.level]):
            self.level = level
        for s in sources:
            if s not in self.sources:
                self.sources.append(s)


@dataclass
class _Work:
    """What the engine accumulates for one case."""

    index: KBIndex
    facts: CaseFacts
    alterations: list[AlterationResult]
    avoid: dict[str, _AvoidDraft] = field(default_factory=dict)
    favoured: dict[str, list[str]] = field(default_factory=dict)
    restored: set[str] = field(default_factory=set)
    cautions: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    used_genes: set[str] = field(default_factory=set)
    memo: _Memo = field(init=False)

    def __post_init__(self) -> None:
        self.memo = _memo(self.index)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def _normalize(item: str | AlterationInput) -> tuple[Alteration, AlterationInput | None]:
    if isinstance(item, str):
        return parse_alteration(item), None
    alt = normalize_alteration(
        item.gene,
        item.alteration,
        partner=item.partner,
        exon=item.exon,
        copy_number=item.copy_number,
    )
    return alt, item


def _read_alteration(
    index: KBIndex, item: str | AlterationInput
) -> tuple[AlterationResult, frozenset[str]]:
    alt, obj = _normalize(item)
    text = item if isinstance(item, str) else f"{item.gene} {item.alteration}"
    extra = {
        "vaf": obj.vaf if obj else None,
        "source": obj.source if obj else None,
        "copy_number": alt.copy_number,
        "partner": alt.partner,
        "exon": alt.exon,
    }
    if not alt.recognized or alt.gene is None:
        message = alt.reason or "not understood"
        result = AlterationResult(
            input=text,
            gene=alt.gene,
            category="unknown",
            recognized=False,
            message=message,
            **extra,
        )
        return result, frozenset()
    keys = index.expand_keys(alt.gene, alt.keys)
    category, _targetable = index.class_category(alt.gene, keys)
    if category is None:
        category = {"fusion": "fusion", "amplification": "amplification"}.get(alt.kind, "other")
    gene = index.genes.get(alt.gene)
    names = {c.key: c.name for c in gene.alteration_classes} if gene else {}
    classes = [names[k] for k in names if k in keys]
    result = AlterationResult(
        input=text,
        gene=alt.gene,
        alteration=alt.alteration,
        category=category,
        recognized=True,
        classes=classes,
        **extra,
    )
    return result, keys


def _history(index: KBIndex, case: Case, warn: list[str]
             ) -> list[tuple[frozenset[str], str | None]]:  # fmt: skip
    """The case's prior therapies as KB drug names (unknown names warned about and dropped)."""
    history: list[tuple[frozenset[str], str | None]] = []
    for entry in case.history:
        names = set()
        for text in entry.drugs:
            name = index.drug_name(text)
            if name is None:
                warn.append(f"Drug {text!r} in the history is not in the knowledge base; ignored.")
            else:
                names.add(name)
        history.append((frozenset(names), entry.outcome))
    return history


def _specificity(index: KBIndex, gene: str, alteration: str) -> int:
    """How specific a resistance key is: compound > exact change > wildcard, exon or class."""
    if "+" in alteration:
        return 3
    broad = (
        alteration in index.class_keys(gene)
        or alteration in GENERIC_KEYS
        or alteration.startswith("exon ")
        or _WILDCARD.match(alteration) is not None
    )
    return 1 if broad else 2


def _apply_resistance(work: _Work) -> None:
    """Resistance entries that the case's alterations meet, the most specific per drug winning.

    A specific entry (`MET D1228V`) overrides a wildcard (`MET D1228X`) or class entry for the
    same drug, so that a documented exception is not drowned by the general rule.
    """
    index, facts = work.index, work.facts
    memo = work.memo
    by_drug: dict[str, list[Resistance]] = {}
    for gene, keys in facts.keys_by_gene.items():
        met = memo.resistance_met.get((gene, keys))
        if met is None:
            met = tuple(
                r
                for r in index.resistance_by_gene.get(gene, ())
                if index.resistance_parts[id(r)] <= keys
            )
            memo.keep(memo.resistance_met, (gene, keys), met)
        for r in met:
            targets = index.drugs[r.drug].targets
            if (
                targets
                and gene not in targets
                and not any(t in facts.keys_by_gene for t in targets)
            ):
                continue  # off-target resistance speaks only where the drug's target is altered
            by_drug.setdefault(r.drug, []).append(r)
            work.used_genes.add(gene)
    for drug, entries in by_drug.items():
        top = max(memo.specificity(r) for r in entries)
        for r in entries:
            if memo.specificity(r) < top:
                continue
            label = f"{r.gene} {r.alteration}"
            if r.effect == "resistant":
                draft = work.avoid.setdefault(drug, _AvoidDraft())
                draft.add(f"{label}: {r.note}", "resistance", r.level, r.sources)
                draft.triggers.update((r.gene, p.strip()) for p in r.alteration.split("+"))
            elif r.effect == "reduced":
                work.cautions.setdefault(drug, []).append(f"{label}: reduced activity. {r.note}")
            else:
                work.favoured.setdefault(drug, []).append(f"{label}: {r.note}")
                if r.restores_sensitivity:
                    work.restored.add(drug)


def _apply_history(work: _Work) -> None:
    index = work.index
    for names, outcome in work.facts.history:
        if outcome != "progression":
            continue
        for name in sorted(names):
            drug = index.drugs[name]
            if name in work.restored:
                work.warn(f"Progression on {name} earlier, but {work.favoured[name][0]}")
                continue
            if drug.retreatment_reasonable:
                work.warn(f"Progression on {name}: re-treatment may still be reasonable.")
                continue
            work.avoid.setdefault(name, _AvoidDraft()).add(
                f"prior progression on {name}", "prior_progression", None, drug.sources[:1]
            )


def _apply_conditions(work: _Work) -> None:
    contraindicated = work.memo.contraindicated
    for condition in sorted(work.facts.conditions):
        for name, avoid, reason, sources in contraindicated.get(condition, ()):
            if avoid:
                work.avoid.setdefault(name, _AvoidDraft()).add(
                    reason, "contraindication", None, sources
                )
            else:
                work.cautions.setdefault(name, []).append(reason)


def _contraindicated(index: KBIndex, condition: str) -> tuple[_Contra, ...]:
    """Per drug that `condition` touches, in the order the engine applies them."""
    label = condition.replace("_", " ")
    return tuple(
        (name, c.severity == "avoid", f"{label}: {c.reason}", tuple(c.sources))
        for c in index.contraindications.get(condition, ())
        for name in sorted(index.drugs_of(c.drugs, c.classes))
    )


def _option(work: _Work, ind: Indication, line: str, prefix: str = "") -> Option:
    text = prefix + ind.rationale if prefix else ind.rationale
    favoured, cautioned = work.favoured, work.cautions
    key: tuple[str, str, str, tuple[str, ...]]
    if favoured.keys().isdisjoint(ind.drugs) and cautioned.keys().isdisjoint(ind.drugs):
        key = (ind.id, line, text, ())  # the usual case: nothing to add
    else:
        rationale = [text]
        for d in ind.drugs:
            rationale.extend(favoured.get(d, ()))
        cautions = [c for d in ind.drugs for c in cautioned.get(d, ())]
        key = (ind.id, line, " ".join(rationale), tuple(dict.fromkeys(cautions)))
    options = work.memo.options
    found = options.get(key)
    if found is None:
        found = _new_option(work.index, ind, line, key[2], list(key[3]))
        work.memo.keep(options, key, found)
    return found


def _new_option(index: KBIndex, ind: Indication, line: str, rationale: str,
                cautions: list[str]) -> Option:  # fmt: skip
    return Option(
        drugs=list(ind.drugs),
        brands=[b for d in ind.drugs for b in index.drugs[d].brands[:1]],
        biomarker=ind.biomarker_label,
        level=ind.level,
        setting=ind.setting,
        line=line,
        status=ind.status,
        rationale=rationale,
        sources=list(ind.sources),
        indication_id=ind.id,
        approval_year=ind.approval_year,
        pivotal_trial=ind.pivotal_trial,
        amp_tier=ind.amp_tier,
        escat=ind.escat,
        cautions=cautions,
    )


def _blocked(work: _Work, ind: Indication) -> bool:
    """True when a drug of `ind` is in the avoid list and the option may not go on with it.

    Two exceptions, both only for options that are not a recommended standard (so a drug in
    the avoid list is never in a recommended option), and only for combinations:
    - a drug avoided for prior progression may stay in a combination that continues it
      (osimertinib + savolitinib after osimertinib) when the indication's `prior` names it;
    - a drug avoided for a resistance alteration may stay in an option written for exactly
      that alteration (osimertinib + gefitinib for C797S in trans with T790M).
    """
    if work.avoid.keys().isdisjoint(ind.drugs):
        return False
    if ind.status == "recommended" or len(ind.drugs) < 2:
        return True
    continued = work.index.drugs_of(ind.prior.drugs, ind.prior.classes) if ind.prior else set()
    named = {(ind.gene, a) for a in ind.alterations if ind.gene}
    named |= {(req.gene, a) for req in ind.requires for a in req.alterations}
    for drug in ind.drugs:
        draft = work.avoid.get(drug)
        if draft is None:
            continue
        allowed = set()
        if drug in continued:
            allowed.add("prior_progression")
        if draft.triggers and draft.triggers <= named:
            allowed.add("resistance")
        if not draft.kinds <= allowed:
            return True
    return False


class _Memo:
    """Per-index memo of what depends only on the KB and a few facts of a case."""

    _LIMIT = 8192  # signatures kept; the memo is emptied when full (it only saves time)

    def __init__(self, index: KBIndex) -> None:
        # (No reference to `index` here: the memo lives as long as the index does.)
        # Per pool (a gene, or None for the gene-free indications): the genes whose keys and
        # copy numbers, and the biomarkers whose values, `indication_line` may read for it.
        self.pool_facts: dict[str | None, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.lines: dict[tuple[object, ...], tuple[tuple[Indication, str], ...]] = {}
        # Options are frozen and made only of their key's parts, so one instance serves all
        # the results that have it (nothing in onconav changes a result after matching).
        self.options: dict[tuple[object, ...], Option] = {}
        self.later: dict[tuple[object, ...], tuple[Indication, ...]] = {}
        # Resistance entries of a gene whose keys all are among the case's keys of that gene.
        # What `_read_alteration` makes of one recognized alteration as written.
        self.alterations: dict[str | AlterationInput, tuple[AlterationResult, frozenset[str]]]
        self.alterations = {}
        self.resistance_met: dict[tuple[str, frozenset[str]], tuple[Resistance, ...]] = {}
        self._specificity: dict[int, int] = {
            id(r): _specificity(index, r.gene, r.alteration) for r in index.kb.resistance
        }
        self.contraindicated: dict[str, tuple[_Contra, ...]] = {
            condition: _contraindicated(index, condition) for condition in index.contraindications
        }
        self.findings: dict[tuple[object, ...], ResistanceFinding] = {}
        self.tumors: dict[str, TumorTypeResult] = {}
        # Mechanisms that can apply: the histology ones, and per gene the ones on that gene
        # (`mechanism_applies` answers None for any other); positions keep the KB order.
        self.histology_mechanisms: list[tuple[int, Mechanism]] = []
        self.mechanisms_by_gene: dict[str, list[tuple[int, Mechanism]]] = {}
        for pos, mech in enumerate(index.mechanisms):
            if mech.trigger == "histology":
                self.histology_mechanisms.append((pos, mech))
            elif mech.gene:
                self.mechanisms_by_gene.setdefault(mech.gene, []).append((pos, mech))

    def specificity(self, r: Resistance) -> int:
        return self._specificity[id(r)]

    def keep(self, table: dict[Any, Any], key: object, value: object) -> None:
        if len(table) >= self._LIMIT:
            table.clear()
        table[key] = value

    def facts_of(self, index: KBIndex, gene: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self.pool_facts.get(gene)
        if found is None:
            pool = index.indications_by_gene.get(gene, ()) if gene else index.gene_free_indications
            genes = {c.gene for ind in pool for c in (*ind.requires, *ind.not_with)}
            genes |= {ind.gene for ind in pool if ind.gene}
            markers = {ind.biomarker.key for ind in pool if ind.biomarker is not None}
            found = self.pool_facts[gene] = (tuple(sorted(genes)), tuple(sorted(markers)))
        return found


_MEMOS: weakref.WeakKeyDictionary[KBIndex, _Memo] = weakref.WeakKeyDictionary()


def _memo(index: KBIndex) -> _Memo:
    memo = _MEMOS.get(index)
    if memo is None:
        memo = _MEMOS[index] = _Memo(index)
    return memo


def _signature(work: _Work, memo: _Memo, gene: str | None) -> tuple[object, ...]:
    """Every fact of the case that the rules can read for the indications of `gene`.

    `indication_line` and `fits_after_first_line` are pure functions of the indication and of
    these facts: setting, tumor type, histology, the keys and copy numbers of the genes the
    pool names, the values of the biomarkers it names, and the whole history.
    """
    facts = work.facts
    genes, markers = memo.facts_of(work.index, gene)
    case = facts.case
    values = case.biomarkers
    keys, copies = facts.keys_by_gene, facts.copy_number_by_gene
    return (
        gene,
        case.setting,
        facts.tumor_code,
        facts.squamous,
        tuple((keys.get(g), copies.get(g)) for g in genes),
        tuple(getattr(values, k, None) for k in markers) if values is not None else None,
        tuple(facts.history),
    )


def _lines(work: _Work, gene: str | None) -> tuple[tuple[Indication, str], ...]:
    """The indications of `gene` (None: gene-free) that apply to the case, with line labels.

    Many cases share the facts that decide them (above all the ~40 gene-free
    chemo-immunotherapy and PD-L1 indications), so the answer is kept per signature.
    """
    index, facts, memo = work.index, work.facts, work.memo
    signature = _signature(work, memo, gene)
    found = memo.lines.get(signature)
    if found is None:
        pairs = []
        for ind in index.placed(gene, facts.case.setting, facts.tumor_code):
            line = indication_line(index, ind, facts)
            if line is not None:
                pairs.append((ind, line))
        found = tuple(pairs)
        memo.keep(memo.lines, signature, found)
    return found


def _later(work: _Work, gene: str) -> tuple[Indication, ...]:
    """The level 1-2 indications of `gene` that fit the case but for needing prior therapy."""
    index, facts, memo = work.index, work.facts, work.memo
    signature = _signature(work, memo, gene)
    found = memo.later.get(signature)
    if found is None:
        found = tuple(
            ind
            for ind in index.indications_by_gene.get(gene, ())
            if ind.level in ("1", "2") and fits_after_first_line(index, ind, facts)
        )
        memo.keep(memo.later, signature, found)
    return found


def _collect_options(work: _Work) -> dict[str, Option]:
    options: dict[str, Option] = {}
    applying = [pair for gene in work.facts.keys_by_gene for pair in _lines(work, gene)]
    applying.extend(_lines(work, None))
    for ind, line in applying:
        if ind.id in options or _blocked(work, ind):
            continue
        if ind.gene:
            work.used_genes.add(ind.gene)
        options[ind.id] = _option(work, ind, line)
    return options


def _later_line_hints(work: _Work, options: dict[str, Option]) -> None:
    """Name the targeted options a first-line case will reach after its first therapy."""
    index, facts = work.index, work.facts
    if facts.prior_therapy:
        return  # fits_after_first_line holds for no indication then
    for gene in facts.keys_by_gene:
        later = [ind for ind in _later(work, gene) if ind.id not in options]
        standard = (o for o in options.values() if o.level in ("1", "2"))
        if later and not any(index.indications[o.indication_id].gene == gene for o in standard):
            work.used_genes.add(gene)
            drugs = ", ".join(dict.fromkeys(" + ".join(i.drugs) for i in later))
            work.warn(
                f"{later[0].biomarker_label}: targeted options ({drugs}) are approved after prior "
                "systemic therapy; plan them for second line."
            )


def _copy_number_notes(work: _Work) -> None:
    """Say when a copy-number floor decided (or could not decide) an amplification option."""
    facts = work.facts
    for gene in facts.keys_by_gene:
        floors = {
            ind.min_copy_number
            for ind in work.index.indications_by_gene.get(gene, ())
            if ind.min_copy_number is not None and facts.keys_by_gene[gene] & set(ind.alterations)
        }
        if not floors:
            continue
        floor = min(f for f in floors if f is not None)
        copies = facts.copy_number_by_gene.get(gene)
        if copies is None:
            work.warn(
                f"{gene} amplification: benefit from {gene} inhibitors is shown at a copy number "
                f"of {floor:g} or more; the copy number was not reported."
            )
        elif copies < floor:
            work.warn(
                f"{gene} amplification at copy number {copies:g} is below the level ({floor:g}) "
                f"at which {gene} inhibitors showed activity; those options are left out."
            )


def _collect_mechanisms(work: _Work, options: dict[str, Option]) -> list[ResistanceFinding]:
    index, memo = work.index, work.memo
    findings = []
    candidates = list(memo.histology_mechanisms)
    for gene in work.facts.keys_by_gene:
        candidates.extend(memo.mechanisms_by_gene.get(gene, ()))
    for _pos, mech in sorted(candidates, key=lambda pair: pair[0]):
        trigger = mechanism_applies(index, mech, work.facts)
        if trigger is None:
            continue
        steps: list[str] = []
        for step in mech.next_steps:
            if step.action:
                steps.append(step.action)
                continue
            ind = index.indications.get(step.indication or "")
            if ind is None:
                continue
            if _blocked(work, ind):
                steps.append(f"{' + '.join(ind.drugs)}: not advised here (see avoid list)")
                continue
            steps.append(f"{' + '.join(ind.drugs)} ({ind.biomarker_label}; level {ind.level})")
            if ind.id not in options and (work.facts.is_lung or ind.tissue_agnostic):
                options[ind.id] = _option(work, ind, ind.line, prefix=f"{mech.name}. ")
        key = (mech.id, trigger, tuple(steps))
        finding = memo.findings.get(key)
        if finding is None:
            finding = ResistanceFinding(
                mechanism=mech.id,
                name=mech.name,
                kind=mech.kind,
                trigger=trigger,
                summary=mech.summary,
                patient_summary=mech.patient_summary,
                next_steps=steps,
                sources=list(mech.sources),
            )
            memo.keep(memo.findings, key, finding)
        findings.append(finding)
    return findings


def _sort_key(work: _Work, opt: Option) -> tuple[int, ...]:
    index = work.index
    fit = 1 if opt.line == "any line" else 0
    favoured = 1 if work.favoured.keys().isdisjoint(opt.drugs) else 0
    reduced = 0 if work.cautions.keys().isdisjoint(opt.drugs) else 1
    cns = 0
    if "brain_metastases" in work.facts.conditions:
        cns = min(_CNS_RANK[index.drugs[d].cns_activity] for d in opt.drugs)
    preference = index.indications[opt.indication_id].preference
    return (
        LEVEL_RANK[opt.level],
        fit,
        favoured,
        reduced,
        cns,
        _STATUS_RANK[opt.status],
        preference,
    )


def _avoid_list(work: _Work) -> list[Avoid]:
    out = []
    for name, draft in work.avoid.items():
        sources = draft.sources or work.index.drugs[name].sources[:1]
        out.append(
            Avoid(
                drugs=[name],
                reason=_join_sentences(draft.reasons),
                kind=draft.kind,
                level=draft.level,
                sources=sources,
            )
        )
    kinds = {"resistance": 0, "contraindication": 1, "prior_progression": 2, "no_benefit": 3}
    return sorted(out, key=lambda a: (kinds[a.kind], LEVEL_RANK.get(a.level or "", 9), a.drugs))


def _warnings(work: _Work, options: list[Option], case: Case) -> None:
    facts, index = work.facts, work.index
    if not facts.is_lung:
        work.warn(
            f"Tumor type {facts.tumor_code} is not a lung cancer: only tissue-agnostic "
            "indications were considered."
        )
    for a in work.alterations:
        if not a.recognized:
            work.warn(f"Alteration {a.input!r} was not understood ({a.message}); not used.")
        elif a.category == "co_mutation" and a.gene in index.genes:
            work.warn(f"Co-alteration {a.gene} {a.alteration}: {index.genes[a.gene].summary}")
    actionable = [a for a in work.alterations if a.actionable]
    if not actionable:
        work.warn(
            "No actionable driver alteration was found; broad molecular testing (DNA and RNA) "
            "of tissue is advised if not done."
        )
        sources = {a.source for a in work.alterations if a.recognized}
        if sources == {"plasma"} or any(a.source == "plasma" for a in work.alterations):
            work.warn(
                "Plasma (liquid biopsy) testing can miss drivers, above all fusions; a negative "
                "plasma result should be followed by tissue testing."
            )
    for drug, notes in work.cautions.items():
        if any(drug in o.drugs for o in options):
            for note in notes:
                work.warn(f"Caution with {drug}: {note}")
    if not options:
        work.warn("No option in the knowledge base fits this case; consider a clinical trial.")


def _tumor(index: KBIndex, text: str) -> TumorTypeResult:
    node = index.resolve_tumor_type(text)
    return TumorTypeResult(
        input=text, code=node.code, name=node.name, is_lung=index.is_lung(node.code)
    )


def match_case(index: KBIndex, case: Case) -> MatchResult:
    """Match one case against the KB.

    Raises:
        TumorTypeError: the tumor type maps to no OncoTree code.
    """
    memo = _memo(index)
    tumor = memo.tumors.get(case.tumor_type)
    if tumor is None:  # (an unknown tumor type raises here, each time)
        tumor = _tumor(index, case.tumor_type)
        memo.keep(memo.tumors, case.tumor_type, tumor)
    alterations: list[AlterationResult] = []
    own_keys: list[frozenset[str]] = []
    keys_by_gene: dict[str, frozenset[str]] = {}
    copies: dict[str, float] = {}
    for item in case.alterations:
        found = memo.alterations.get(item)
        if found is None:
            found = _read_alteration(index, item)
            if found[0].recognized:  # (an unrecognized one may log why, each time)
                memo.keep(memo.alterations, item, found)
        result, keys = found
        alterations.append(result)
        own_keys.append(keys)
        if result.gene and result.copy_number is not None and "amplification" in keys:
            copies[result.gene] = max(copies.get(result.gene, 0.0), result.copy_number)
        if result.gene and keys:
            keys_by_gene[result.gene] = keys_by_gene.get(result.gene, frozenset()) | keys
    early_warnings: list[str] = []
    history = _history(index, case, early_warnings)
    facts = case_facts(
        index, case, tumor.code, keys_by_gene, history=history, copy_number_by_gene=copies
    )
    work = _Work(index=index, facts=facts, alterations=alterations)
    for w in early_warnings:
        work.warn(w)
    _apply_resistance(work)
    _apply_history(work)
    _apply_conditions(work)
    options_by_id = _collect_options(work)
    findings = _collect_mechanisms(work, options_by_id)
    _later_line_hints(work, options_by_id)
    _copy_number_notes(work)
    options = sorted(options_by_id.values(), key=lambda o: _sort_key(work, o))
    options = _dedupe(options)
    work.alterations = [
        a.model_copy(update={"actionable": True}) if _actionable(work, a, keys) else a
        for a, keys in zip(alterations, own_keys, strict=True)
    ]
    _warnings(work, options, case)
    meta = index.kb.meta
    return MatchResult(
        onconav_version=__version__,
        kb_version=meta.kb_version,
        kb_date=meta.kb_date.isoformat(),
        disclaimer=meta.disclaimer,
        case_id=case.id,
        tumor_type=tumor,
        setting=case.setting,
        line="later" if facts.prior_therapy else "first",
        history=[_history_text(e.drugs, e.outcome) for e in case.history],
        conditions=sorted(facts.conditions),
        alterations=work.alterations,
        options=options,
        avoid=_avoid_list(work),
        resistance=findings,
        warnings=work.warnings,
    )


def _join_sentences(parts: list[str]) -> str:
    """Reasons as sentences: each starts upper-case and ends with a full stop."""
    out = []
    for part in parts:
        text = part.strip()
        text = text[:1].upper() + text[1:]
        out.append(text if text.endswith((".", "!", "?")) else text + ".")
    return " ".join(out)


def _actionable(work: _Work, alt: AlterationResult, keys: frozenset[str]) -> bool:
    """A driver-type alteration that this case used, or that some KB indication targets."""
    if alt.gene is None or alt.category not in _ACTIONABLE_CATEGORIES:
        return False
    if alt.gene in work.used_genes:
        return True
    return any(
        keys.intersection(i.alterations) for i in work.index.indications_by_gene.get(alt.gene, ())
    )


def _history_text(drugs: list[str], outcome: str | None) -> str:
    return " + ".join(drugs) + (f" ({outcome})" if outcome else "")


def _dedupe(options: list[Option]) -> list[Option]:
    """Keep the best-ranked option of each drug set (the list is already sorted)."""
    seen: set[frozenset[str]] = set()
    out = []
    for opt in options:
        key = frozenset(opt.drugs)
        if key not in seen:
            seen.add(key)
            out.append(opt)
    return out
