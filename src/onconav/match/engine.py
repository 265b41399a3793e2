"""Match one case against the knowledge base: options best first, an avoid list, warnings.

Pure functions over a `KBIndex`: the same case and KB always give the same result. The steps:
read the case (tumor type, alterations, history, conditions), collect what argues against drugs
(resistance, prior progression, contraindications), then the indications that fit, then the
resistance mechanisms and their next steps, then order everything and explain it
(explain.py). What depends only on the KB and a few facts is memoized per index (memo.py).
"""

from __future__ import annotations

import logging

from onconav import __version__
from onconav.kb.index import KBIndex
from onconav.kb.models import Indication, Resistance
from onconav.match.explain import (
    actionable,
    avoid_list,
    dedupe,
    history_text,
    may_be_actionable,
    ordered,
    warn_about,
)
from onconav.match.memo import Reading, memo_of, signature
from onconav.match.models import (
    AlterationInput,
    AlterationResult,
    Case,
    MatchResult,
    Option,
    ResistanceFinding,
    TumorTypeResult,
)
from onconav.match.policy import pending_notes, temper
from onconav.match.provenance import NORMALIZER_VERSION
from onconav.match.rules import (
    case_facts,
    fits_after_first_line,
    indication_line,
    mechanism_applies,
)
from onconav.match.significance import unclassed_category
from onconav.match.work import AvoidDraft, Work
from onconav.normalize import Alteration, normalize_alteration, parse_alteration

__all__ = ["match_case", "most_specific", "resistance_met"]

_logger = logging.getLogger(__name__)


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
    alt = _class_alias(index, alt, text if obj is None else obj.alteration)
    extra = {
        "vaf": obj.vaf if obj else None,
        "source": obj.source if obj else None,
        "copy_number": alt.copy_number,
        "partner": alt.partner,
        "exon": alt.exon,
        "transcript": alt.transcript,
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
        category = unclassed_category(index, alt.gene, alt.kind, keys)
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
    note = _unlisted_note(index, alt, keys)
    if note:
        result = result.model_copy(update={"message": note})
    return result, keys


def _reading(index: KBIndex, item: str | AlterationInput) -> Reading:
    """What one alteration as written gives the engine (kept per spelling, memo.py)."""
    result, keys = _read_alteration(index, item)
    gene = result.gene if result.gene and keys else None
    amplified = (
        result.copy_number
        if gene is not None and result.copy_number is not None and "amplification" in keys
        else None
    )
    return result, keys, gene, amplified, may_be_actionable(result)


def _class_alias(index: KBIndex, alt: Alteration, written: str) -> Alteration:
    """An alteration the normalizer could not read that names a whole class of its gene.

    "EGFR kinase domain duplication" reads as a member of the EGFR class whose `aliases` hold
    "kinase domain duplication" (the text after the gene, any case).
    """
    if alt.recognized or alt.gene is None:
        return alt
    rest = written.strip()
    if rest.upper().startswith(alt.gene.upper()):
        rest = rest[len(alt.gene) :]
    key = index.class_alias(alt.gene, rest.strip(" :-"))
    if key is None:
        return alt
    return Alteration(alt.input, alt.gene, key, "gene_level", True, keys=(key, "mutation"))


def _unlisted_note(index: KBIndex, alt: Alteration, keys: frozenset[str]) -> str | None:
    """Say when a substitution lies in a class's residue range without being a member."""
    if alt.kind != "substitution" or alt.gene is None:
        return None
    found = index.unlisted_in_range(alt.gene, alt.position, keys)
    if not found:
        return None
    where = "; ".join(f"{name}, residues {lo}-{hi}" for name, lo, hi in found)
    return (
        f"{alt.gene} {alt.alteration} lies in the range of {where}, but no source in the "
        "knowledge base shows it to be activating: a variant of unknown significance, not a "
        "member of the class (no option rests on it)."
    )


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


def resistance_met(
    index: KBIndex, keys_by_gene: dict[str, frozenset[str]]
) -> dict[str, list[Resistance]]:
    """Per drug, the resistance entries that a case with these keys meets, in KB order.

    An entry is met when all its parts are among its gene's keys; an off-target entry (on a
    gene the drug does not target) speaks only where one of the drug's targets is altered.
    The engine keeps the most specific entries of each drug (`most_specific`); the cohort's
    contexts read both to know what a history-free match avoids.
    """
    memo = memo_of(index)
    by_drug: dict[str, list[Resistance]] = {}
    for gene, keys in keys_by_gene.items():
        if gene not in index.resistance_by_gene:
            continue  # (most genes of a panel)
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
            if targets and gene not in targets and not any(t in keys_by_gene for t in targets):
                continue  # off-target resistance speaks only where the drug's target is altered
            by_drug.setdefault(r.drug, []).append(r)
    return by_drug


def most_specific(index: KBIndex, entries: list[Resistance]) -> list[Resistance]:
    """Of one drug's met resistance entries (`resistance_met`), the most specific, in order.

    A specific entry (`MET D1228V`) overrides a wildcard (`MET D1228X`) or class entry for the
    same drug, so that a documented exception is not drowned by the general rule.
    """
    memo = memo_of(index)
    top = max(memo.specificity(r) for r in entries)
    return [r for r in entries if memo.specificity(r) == top]


def _apply_resistance(work: Work) -> None:
    """Resistance entries that the case's alterations meet, the most specific per drug winning."""
    for drug, entries in resistance_met(work.index, work.facts.keys_by_gene).items():
        work.used_genes.update(r.gene for r in entries)
        for r in most_specific(work.index, entries):
            label = f"{r.gene} {r.alteration}"
            if r.effect == "resistant":
                draft = work.avoid.setdefault(drug, AvoidDraft())
                draft.add(f"{label}: {r.note}", "resistance", r.level, r.sources)
                draft.triggers.update((r.gene, p.strip()) for p in r.alteration.split("+"))
            elif r.effect == "reduced":
                work.cautions.setdefault(drug, []).append(f"{label}: reduced activity. {r.note}")
            else:
                work.favoured.setdefault(drug, []).append(f"{label}: {r.note}")
                if r.restores_sensitivity:
                    work.restored.add(drug)


def _apply_history(work: Work) -> None:
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
            work.avoid.setdefault(name, AvoidDraft()).add(
                f"prior progression on {name}", "prior_progression", None, drug.sources[:1]
            )


def _apply_conditions(work: Work) -> None:
    contraindicated = work.memo.contraindicated
    for condition in sorted(work.facts.conditions):
        for name, avoid, reason, sources in contraindicated.get(condition, ()):
            if avoid:
                work.avoid.setdefault(name, AvoidDraft()).add(
                    reason, "contraindication", None, sources
                )
            else:
                work.cautions.setdefault(name, []).append(reason)


def _option(work: Work, ind: Indication, line: str, prefix: str = "") -> Option:
    text = prefix + ind.rationale if prefix else ind.rationale
    favoured, cautioned = work.favoured, work.cautions
    key: tuple[str, str, str, tuple[str, ...]]
    if (not favoured or favoured.keys().isdisjoint(ind.drugs)) and (
        not cautioned or cautioned.keys().isdisjoint(ind.drugs)
    ):
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


def _blocked(work: Work, ind: Indication) -> bool:
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


def _signature(work: Work, gene: str | None) -> tuple[object, ...]:
    """`signature` of the case for the indications of `gene`, made once per case and gene."""
    found = work.signatures.get(gene)
    if found is None:
        found = work.signatures[gene] = signature(work.memo, work.index, work.facts, gene)
    return found


def _lines(work: Work, gene: str | None) -> tuple[tuple[Indication, str], ...]:
    """The indications of `gene` (None: gene-free) that apply to the case, with line labels.

    Many cases share the facts that decide them (above all the ~40 gene-free
    chemo-immunotherapy and PD-L1 indications), so the answer is kept per signature.
    """
    index, facts, memo = work.index, work.facts, work.memo
    if gene is not None and gene not in index.indications_by_gene:
        return ()  # (most genes of a panel: no indication names them)
    key = _signature(work, gene)
    found = memo.lines.get(key)
    if found is None:
        pairs = []
        for ind in index.placed(gene, facts.case.setting, facts.tumor_code):
            line = indication_line(index, ind, facts)
            if line is not None:
                pairs.append((ind, line))
        found = tuple(pairs)
        memo.keep(memo.lines, key, found)
    return found


def _later(work: Work, gene: str) -> tuple[Indication, ...]:
    """The level 1-2 indications of `gene` that fit the case but for needing prior therapy."""
    index, facts, memo = work.index, work.facts, work.memo
    if gene not in index.indications_by_gene:
        return ()
    key = _signature(work, gene)
    found = memo.later.get(key)
    if found is None:
        found = tuple(
            ind
            for ind in index.indications_by_gene.get(gene, ())
            if ind.level in ("1", "2") and fits_after_first_line(index, ind, facts)
        )
        memo.keep(memo.later, key, found)
    return found


def _indicated_genes(work: Work) -> list[str]:
    """The case's genes that some indication names, in the case's order.

    A panel's other genes have no options, later-line hints or copy-number floors: the
    steps that look for those ask only these.
    """
    by_gene = work.index.indications_by_gene
    return [gene for gene in work.facts.keys_by_gene if gene in by_gene]


def _collect_options(work: Work, genes: list[str]) -> dict[str, Option]:
    options: dict[str, Option] = {}
    avoid = work.avoid  # (empty for most cases: then nothing is blocked)
    # With nothing favoured or cautioned, an option is made of its indication and line alone.
    plain = not work.favoured and not work.cautions
    for gene in [*genes, None]:
        pairs = _lines(work, gene)
        made = _plain_options(work, pairs) if plain else None
        for k, (ind, line) in enumerate(pairs):
            if ind.id in options or (avoid and _blocked(work, ind)):
                continue
            if ind.gene:
                work.used_genes.add(ind.gene)
            options[ind.id] = made[k] if made is not None else _option(work, ind, line)
    return options


def _plain_options(work: Work, pairs: tuple[tuple[Indication, str], ...]) -> tuple[Option, ...]:
    """The option of each (indication, line) of `pairs` with nothing added to it.

    Kept per `pairs`, one of the memo's answers of `_lines`.
    """
    memo = work.memo
    return memo.per_object(
        memo.plain_options, pairs, lambda ps: tuple(_option(work, i, line) for i, line in ps)
    )


_NEXT_LINE = "after progression on first-line therapy"


def _later_line_hints(work: Work, options: dict[str, Option], genes: list[str]) -> None:
    """List the targeted options a first-line case will reach after its first therapy.

    They are options with status `next_line` (the planned next step), shown after the current
    line's options: KRAS G12C inhibitors in first line, osimertinib for T790M found without a
    history. Only when no standard (level 1-2) option of the gene fits the current line.
    """
    index, facts = work.index, work.facts
    if facts.prior_therapy:
        return  # fits_after_first_line holds for no indication then
    for gene in genes:
        later = [ind for ind in _later(work, gene) if ind.id not in options]
        if not later:
            continue
        standard = (o for o in options.values() if o.level in ("1", "2"))
        if not any(index.indications[o.indication_id].gene == gene for o in standard):
            work.used_genes.add(gene)
            for ind in later:
                if not _blocked(work, ind):
                    options[ind.id] = _next_line_option(work, ind)
            drugs = ", ".join(dict.fromkeys(" + ".join(i.drugs) for i in later))
            work.warn(
                f"{later[0].biomarker_label}: options ({drugs}) are for after prior systemic "
                "therapy; they are listed as next_line, the plan for second line."
            )


def _next_line_option(work: Work, ind: Indication) -> Option:
    """The option of `ind` as the planned next step (status `next_line`), kept per memo."""
    base = _option(work, ind, _NEXT_LINE)
    key = ("next_line", ind.id, base.rationale, tuple(base.cautions))
    found = work.memo.options.get(key)
    if found is None:
        found = base.model_copy(update={"status": "next_line"})
        work.memo.keep(work.memo.options, key, found)
    return found


def _copy_number_notes(work: Work, genes: list[str]) -> None:
    """Say when a copy-number floor decided (or could not decide) an amplification option."""
    facts, memo = work.facts, work.memo
    for gene in genes:  # (the floors are on indications: of the genes that have some)
        keys = facts.keys_by_gene[gene]
        floors = memo.copy_floors.get(gene)
        if floors is None:
            floors = memo.copy_floors[gene] = tuple(
                (ind.min_copy_number, frozenset(ind.alterations))
                for ind in work.index.indications_by_gene.get(gene, ())
                if ind.min_copy_number is not None
            )
        met = [floor for floor, alterations in floors if not keys.isdisjoint(alterations)]
        if not met:
            continue
        floor = min(met)
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


def _collect_mechanisms(work: Work, options: dict[str, Option]) -> list[ResistanceFinding]:
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


def _gene_groups(index: KBIndex, keys_by_gene: dict[str, frozenset[str]],
                 warn: list[str]) -> None:  # fmt: skip
    """An alteration written with a group's name ("NTRK fusion") meets each member gene."""
    for symbol in sorted(keys_by_gene.keys() & index.gene_groups.keys()):
        if symbol in index.genes:
            continue
        group = index.gene_groups[symbol]
        keys = keys_by_gene.pop(symbol)
        for gene in group.genes:
            keys_by_gene[gene] = keys_by_gene.get(gene, frozenset()) | keys
        warn.append(f"{symbol}: {group.note}")


def _marked(work: Work, alt: AlterationResult) -> AlterationResult:
    """`alt` marked actionable; one copy per read alteration (results share them)."""
    memo = work.memo
    return memo.per_object(memo.actionable, alt, _actionable_copy)


def _actionable_copy(alt: AlterationResult) -> AlterationResult:
    return alt.model_copy(update={"actionable": True})


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
    memo = memo_of(index)
    tumor = memo.tumors.get(case.tumor_type)
    if tumor is None:  # (an unknown tumor type raises here, each time)
        tumor = _tumor(index, case.tumor_type)
        memo.keep(memo.tumors, case.tumor_type, tumor)
    readings: list[Reading] = []
    keys_by_gene: dict[str, frozenset[str]] = {}
    copies: dict[str, float] = {}
    for item in case.alterations:
        found = memo.alterations.get(item)
        if found is None:
            found = _reading(index, item)
            # (Unrecognized ones too: the normalizer's own cache answers them again without
            # reading or logging anything, so this keeps the same result and output.)
            memo.keep(memo.alterations, item, found)
        readings.append(found)
        _result, keys, gene, amplified, _candidate = found
        if gene is not None:
            if amplified is not None:
                copies[gene] = max(copies.get(gene, 0.0), amplified)
            before = keys_by_gene.get(gene)
            keys_by_gene[gene] = keys if before is None else before | keys
    alterations = [r[0] for r in readings]
    early_warnings: list[str] = []
    _gene_groups(index, keys_by_gene, early_warnings)
    history = _history(index, case, early_warnings)
    facts = case_facts(
        index, case, tumor.code, keys_by_gene, history=history, copy_number_by_gene=copies
    )
    work = Work(index=index, facts=facts, alterations=alterations)
    for w in early_warnings:
        work.warn(w)
    _apply_resistance(work)
    _apply_history(work)
    _apply_conditions(work)
    genes = _indicated_genes(work)
    options_by_id = _collect_options(work, genes)
    findings = _collect_mechanisms(work, options_by_id)
    _later_line_hints(work, options_by_id, genes)
    temper(work, options_by_id)
    _copy_number_notes(work, genes)
    options = ordered(work, options_by_id.values())
    options = dedupe(options)
    pending_notes(work, options)
    work.alterations = [
        _marked(work, a) if candidate and actionable(work, a, keys) else a
        for a, keys, _gene, _amplified, candidate in readings
    ]
    warn_about(work, options, case)
    meta = index.kb.meta
    return MatchResult(
        onconav_version=__version__,
        kb_version=meta.kb_version,
        kb_date=meta.kb_date.isoformat(),
        kb_hash=index.info.content_hash,
        normalizer_version=NORMALIZER_VERSION,
        disclaimer=meta.disclaimer,
        case_id=case.id,
        tumor_type=tumor,
        setting=case.setting,
        line="later" if facts.prior_therapy else "first",
        history=[history_text(e.drugs, e.outcome) for e in case.history],
        conditions=sorted(facts.conditions),
        alterations=work.alterations,
        options=options,
        avoid=avoid_list(work),
        resistance=findings,
        warnings=work.warnings,
    )
