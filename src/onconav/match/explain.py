"""Order and explain a match: option sort keys, the avoid list, warnings, texts.

The last steps of `engine.match_case`, once the options, the avoid list and the resistance
findings are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from onconav.match.memo import Notes
from onconav.match.models import AlterationResult, Avoid, Case, Option
from onconav.match.rules import LEVEL_RANK
from onconav.match.work import Work
from onconav.normalize import protein_length

__all__ = [
    "actionable",
    "avoid_list",
    "dedupe",
    "history_text",
    "may_be_actionable",
    "ordered",
    "sort_key",
    "warn_about",
]

_STATUS_RANK = {"recommended": 0, "consider": 1, "trial": 2, "next_line": 3}
_CNS_RANK = {"high": 0, "moderate": 1, "low": 2, "unknown": 2}
_ACTIONABLE_CATEGORIES = {"driver", "fusion", "amplification", "resistance_mutation"}
# A protein change's canonical name starts with its first residue and position ('G1202R').
_PROTEIN_NAME = re.compile(r"^[A-Z*]\d")


def sort_key(work: Work, opt: Option) -> tuple[int, ...]:
    """Rank options: current line before next_line, then level, status, fit and the rest.

    Within the current line: level, status (a recommended standard before an alternative of
    the same level), line fit, favoured, reduced, CNS activity, preference.
    """
    memo = work.memo
    fixed = memo.per_object(memo.ranks, opt, lambda o: _fixed_rank(work, o))
    (next_line, level, status, fit), preference = fixed
    favoured = 1 if not work.favoured or work.favoured.keys().isdisjoint(opt.drugs) else 0
    reduced = 1 if work.cautions and not work.cautions.keys().isdisjoint(opt.drugs) else 0
    cns = 0
    if "brain_metastases" in work.facts.conditions:
        cns = min(_CNS_RANK[work.index.drugs[d].cns_activity] for d in opt.drugs)
    return (next_line, level, status, fit, favoured, reduced, cns, preference)


def ordered(work: Work, options: Iterable[Option]) -> list[Option]:
    """`options` sorted by `sort_key`, best first.

    Most cases have nothing that favours, cautions or (brain metastases) ranks a drug: then
    the case-dependent parts of the key are the same for every option, and the fixed part
    kept per option orders them alike (a stable sort keeps ties as they came).
    """
    if work.favoured or work.cautions or "brain_metastases" in work.facts.conditions:
        return sorted(options, key=lambda o: sort_key(work, o))
    memo = work.memo
    ranks = memo.ranks

    def fixed(opt: Option) -> tuple[tuple[int, int, int, int], int]:
        found = ranks.get(id(opt))
        if found is not None and found[0] is opt:
            return found[1]
        return memo.per_object(ranks, opt, lambda o: _fixed_rank(work, o))

    return sorted(options, key=fixed)


def _fixed_rank(work: Work, opt: Option) -> tuple[tuple[int, int, int, int], int]:
    """The parts of `sort_key` that depend on the option alone (kept per option, memo.py)."""
    head = (
        1 if opt.status == "next_line" else 0,
        LEVEL_RANK[opt.level],
        _STATUS_RANK[opt.status],
        1 if opt.line == "any line" else 0,
    )
    return head, work.index.indications[opt.indication_id].preference


def avoid_list(work: Work) -> list[Avoid]:
    """The avoid list: resistance first, then contraindications, prior progression, no benefit."""
    if not work.avoid:
        return []
    memo = work.memo
    out = []
    for name, draft in work.avoid.items():
        sources = draft.sources or work.index.drugs[name].sources[:1]
        # (The sources are the KB's own objects, alive as long as the index and its memo; the
        # entry holds them too.)
        key = (name, tuple(draft.reasons), draft.kind, draft.level, tuple(map(id, sources)))
        found = memo.avoids.get(key)
        if found is None:
            found = Avoid(
                drugs=[name],
                reason=_join_sentences(draft.reasons),
                kind=draft.kind,
                level=draft.level,
                sources=sources,
            )
            memo.keep(memo.avoids, key, found)
        out.append(found)
    return sorted(out, key=_avoid_rank)


_AVOID_KINDS = {"resistance": 0, "contraindication": 1, "prior_progression": 2, "no_benefit": 3}


def _avoid_rank(a: Avoid) -> tuple[int, int, list[str]]:
    return (_AVOID_KINDS[a.kind], LEVEL_RANK.get(a.level or "", 9), a.drugs)


def warn_about(work: Work, options: list[Option], case: Case) -> None:
    """Add the case-level warnings (non-lung tumor, unread input, co-mutations, no driver...)."""
    facts = work.facts
    if not facts.is_lung:
        work.warn(
            f"Tumor type {facts.tumor_code} is not a lung cancer: only tissue-agnostic "
            "indications were considered."
        )
    _warn_about_alterations(work)
    actionable = [a for a in work.alterations if a.actionable]
    unknown = [f"{a.gene} {a.alteration}" for a in work.alterations
               if a.category == "unknown_significance"]  # fmt: skip
    unread = _unread_targets(work) if not actionable else []
    if unread:
        work.warn(
            "No actionable driver was found among the alterations read, but this does not show "
            f"that there is none: {', '.join(repr(u) for u in unread)} in a gene with targeted "
            "options could not be read. Check how the test report words it (for a mutation, "
            "give the protein change) before treating the case as driver-negative."
        )
    elif not actionable and unknown:
        work.warn(
            "No alteration of known actionable meaning was found, but this does not show that "
            f"there is no driver: {', '.join(unknown)} is of unknown significance."
        )
    elif not actionable:
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


def _unread_targets(work: Work) -> list[str]:
    """Inputs not understood whose gene (or gene group) some targeted drug acts on."""
    targets, groups = work.index.drug_targets, work.memo.target_groups
    return [a.input for a in work.alterations
            if not a.recognized and (a.gene in targets or a.gene in groups)]  # fmt: skip


def _warn_about_alterations(work: Work) -> None:
    """Unread alterations, genes the KB does not know, and co-alterations with a meaning."""
    outside: list[str] = []
    unchecked: list[str] = []
    kept = work.memo.alteration_notes
    for a in work.alterations:
        found = kept.get(id(a))  # (`_notes`, its lookup inlined: once per alteration)
        notes = found[1] if found is not None and found[0] is a else _notes(work, a)
        warning, gene_outside, unchecked_change = notes
        if warning is not None:
            work.warn(warning)
        if gene_outside is not None:
            outside.append(gene_outside)
        if unchecked_change is not None:
            unchecked.append(unchecked_change)
    if unchecked:
        work.warn(
            "Not checked against a reference protein (none is shipped for the gene): "
            f"{', '.join(unchecked)}."
        )
    if outside:
        work.warn(f"Gene not in the knowledge base, so not used: {'; '.join(outside)}.")


def _notes(work: Work, a: AlterationResult) -> Notes:
    """The notes of `a`, made once per read alteration (results share them, memo.py)."""
    memo = work.memo
    return memo.per_object(memo.alteration_notes, a, lambda alt: _make_notes(work, alt))


def _make_notes(work: Work, a: AlterationResult) -> Notes:
    index = work.index
    warning = outside = None
    if not a.recognized:
        warning = f"Alteration {a.input!r} was not understood ({a.message}); not used."
    elif a.message:
        warning = a.message
    elif a.gene in index.gene_groups and a.gene not in index.genes:
        pass
    elif a.gene not in index.genes:
        outside = f"{a.input}{_gene_hint(work, a.gene)}"
    elif a.category == "co_mutation":
        warning = f"Co-alteration {a.gene} {a.alteration}: {index.genes[a.gene].summary}"
    elif a.category == "unknown_significance":
        warning = (
            f"{a.gene} {a.alteration} is a change of unknown significance: the knowledge base "
            "gives it no meaning, so it is not used for matching; review it (molecular tumor "
            "board) before treating the case as driver-negative."
        )
    unchecked = (
        f"{a.gene} {a.alteration}"
        if a.recognized
        and not _has_protein(a.gene)
        and a.gene in index.genes
        and _PROTEIN_NAME.match(a.alteration or "")
        else None
    )
    return warning, outside, unchecked


@cache
def _has_protein(gene: str | None) -> bool:
    """Whether the normalizer ships the gene's reference protein (it checked the residues)."""
    return gene is not None and protein_length(gene) is not None


def _gene_hint(work: Work, gene: str | None) -> str:
    """' (did you mean NTRK1, NTRK2 or NTRK3?)' for a family name the KB splits into genes."""
    if not gene:
        return ""
    found = work.memo.gene_hints.get(gene)
    if found is None:
        found = _family_hint(work, gene)
        work.memo.keep(work.memo.gene_hints, gene, found)
    return found


def _family_hint(work: Work, gene: str) -> str:
    family = sorted(g for g in work.index.genes if g.startswith(gene) and g[len(gene) :].isdigit())
    if not family:
        return ""
    names = ", ".join(family[:-1]) + f" or {family[-1]}" if len(family) > 1 else family[0]
    return f" (which gene: {names}?)"


def _join_sentences(parts: list[str]) -> str:
    """Reasons as sentences: each starts upper-case and ends with a full stop."""
    out = []
    for part in parts:
        text = part.strip()
        text = text[:1].upper() + text[1:]
        out.append(text if text.endswith((".", "!", "?")) else text + ".")
    return " ".join(out)


def actionable(work: Work, alt: AlterationResult, keys: frozenset[str]) -> bool:
    """A driver-type alteration that this case used, or that some KB indication targets."""
    gene = alt.gene
    if gene is None or not may_be_actionable(alt):
        return False
    if gene in work.used_genes:
        return True
    group = work.index.gene_groups.get(gene)
    if group is not None and work.used_genes.intersection(group.genes):
        return True
    targeted = work.memo.targeted
    found = targeted.get((gene, keys))
    if found is None:
        found = any(
            keys.intersection(i.alterations) for i in work.index.indications_by_gene.get(gene, ())
        )
        work.memo.keep(targeted, (gene, keys), found)
    return found


def may_be_actionable(alt: AlterationResult) -> bool:
    """Whether `alt` is of a driver-type category (`actionable` then asks the case)."""
    return alt.gene is not None and alt.category in _ACTIONABLE_CATEGORIES


def history_text(drugs: list[str], outcome: str | None) -> str:
    """One history line as shown: 'osimertinib (progression)'."""
    return " + ".join(drugs) + (f" ({outcome})" if outcome else "")


def dedupe(options: list[Option]) -> list[Option]:
    """Keep the best-ranked option of each drug set (the list is already sorted)."""
    seen: set[frozenset[str]] = set()
    out = []
    for opt in options:
        key = frozenset(opt.drugs)
        if key not in seen:
            seen.add(key)
            out.append(opt)
    return out
