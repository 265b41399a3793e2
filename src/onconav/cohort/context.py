"""Match one sample context and say which levels each of its alterations reaches.

A context is a tumor type, a setting and the set of a sample's events (alterations the knowledge
base can meet); samples that share one share this work, which runs once per context.

Choices:
- A row's level cells come from its alteration *together with the sample's other events*, not
  alone, so that co-occurring resistance shows: with EGFR L858R and T790M, gefitinib is not on
  the L858R row, and the T790M row carries it at LEVEL_R1. What the history-free `match_case`
  of the context avoids for resistance decides what the sample's alterations argue against,
  found with the engine's own choice of resistance entries (`engine.resistance_met`).
- Like OncoKB's levels, the cells name every indication of the event's gene and alteration that
  fits the tumor type and setting *in any line of therapy*: a first-line indication as the
  history-free match finds it, a later-line one as if the prior therapy it asks for had been
  given (KRAS G12C: sotorasib, level 1 after prior therapy). Indications that need a
  non-genomic biomarker (PD-L1, IHC) are not shown: a cohort file does not carry them.
- An indication is attributed to an event when its gene is the event's gene and one of its
  alteration keys is among the event's keys; a resistance entry (effect `resistant`, with a
  level) when one of its parts is among the event's keys, the sample has all of them, and the
  match lists the drug to avoid.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar, cast

from onconav.cohort.columns import HIGHEST_LEVEL_ORDER, RESISTANCE_LEVELS, SENSITIVE_LEVELS
from onconav.cohort.events import Event
from onconav.kb.index import KBIndex
from onconav.kb.models import Indication, Source
from onconav.match.engine import match_case, most_specific, resistance_met
from onconav.match.memo import memo_of, signature
from onconav.match.models import Case, MatchResult
from onconav.match.rules import CaseFacts, case_facts, indication_line

Setting = Literal["metastatic", "adjuvant", "consolidation", "neoadjuvant"]

__all__ = ["Cells", "ContextResult", "best_level", "citation", "match_context", "treatment"]


def treatment(drugs: Iterable[str]) -> str:
    """A treatment cell item, oncokb-annotator style: drugs capitalized, joined with '+'."""
    return "+".join(d[:1].upper() + d[1:] for d in drugs)


def citation(source: Source) -> str:
    """One TX_CITATIONS item: a PMID as digits, else a short label (never a ';')."""
    if source.kind == "pmid":
        return source.id
    if source.kind == "doi":
        return f"doi:{source.id}"
    label = {"fda_label": "FDA label ", "ema_label": "EMA label "}.get(source.kind, "")
    where = " ".join(str(x) for x in (source.journal, source.year) if x)
    text = f"{label}{source.id}" + (f" ({where})" if where else "")
    return text.replace(";", ",")


def best_level(levels: Iterable[str], order: tuple[str, ...] = HIGHEST_LEVEL_ORDER) -> str | None:
    """The first of `order` among `levels`, or None."""
    present = set(levels)
    return next((lv for lv in order if lv in present), None)


@dataclass
class Cells:
    """The level cells of one event in one context."""

    levels: dict[str, list[str]] = field(default_factory=dict)
    citations: list[str] = field(default_factory=list)

    def add(self, level: str, item: str, sources: Iterable[Source]) -> None:
        """Put a treatment at a level (once) and its sources among the citations (once)."""
        items = self.levels.setdefault(level, [])
        if item not in items:
            items.append(item)
        for s in sources:
            text = citation(s)
            if text not in self.citations:
                self.citations.append(text)

    def best(self) -> dict[str, list[str]]:
        """Treatments by level, each sensitive treatment only at its best level."""
        seen: set[str] = set()
        out: dict[str, list[str]] = {}
        for lv in (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS):
            items = [i for i in self.levels.get(lv, ()) if lv in RESISTANCE_LEVELS or i not in seen]
            seen.update(items)
            if items:
                out[lv] = items
        return out

    def row(self) -> dict[str, str | None]:
        """The oncokb-annotator cells: LEVEL_*, HIGHEST_*, TX_CITATIONS."""
        best = self.best()
        out: dict[str, str | None] = {
            f"LEVEL_{lv}": ",".join(best[lv]) if lv in best else None
            for lv in (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS)
        }
        for name, order in (
            ("HIGHEST_LEVEL", HIGHEST_LEVEL_ORDER),
            ("HIGHEST_SENSITIVE_LEVEL", SENSITIVE_LEVELS),
            ("HIGHEST_RESISTANCE_LEVEL", RESISTANCE_LEVELS),
        ):
            top = best_level(self.levels, order)
            out[name] = f"LEVEL_{top}" if top else None
        out["TX_CITATIONS"] = ";".join(self.citations) or None
        return out


@dataclass
class ContextResult:
    """A matched context: the cells of its events (shared between contexts: not to be changed).

    Attributes:
        cells: Cells per event matched for (all of the context's, or those asked for).
    """

    cells: dict[Event, Cells]

    @property
    def options(self) -> dict[str, list[str]]:
        """Treatments by level over those events, each event's at its best level."""
        options: dict[str, list[str]] = {}
        for c in self.cells.values():
            for level, items in c.best().items():
                bucket = options.setdefault(level, [])
                bucket.extend(i for i in items if i not in bucket)
        return options


_STATUS_RANK = {"recommended": 0, "consider": 1, "trial": 2}
# Stands for "some prior systemic therapy" when a later-line indication names none.
_ANY_PRIOR = frozenset({"(prior systemic therapy)"})


# Per index: (tumor type, setting) -> the history-free facts of a case of no alteration.
_BARE: weakref.WeakKeyDictionary[KBIndex, dict[tuple[str, str], CaseFacts]] = (
    weakref.WeakKeyDictionary()
)


def _facts(index: KBIndex, tumor_code: str, setting: str, events: tuple[Event, ...]) -> CaseFacts:
    """History-free facts of a context, built as the engine builds a case's.

    The rules read a case's tumor type, setting, conditions and biomarkers, and its
    alterations only as `keys_by_gene`: one case without alterations serves every context
    of a tumor type and setting, with the context's keys.
    """

    def bare() -> CaseFacts:
        case = Case(tumor_type=tumor_code, setting=cast(Setting, setting), alterations=[])
        return case_facts(index, case, tumor_code, {})

    keys: dict[str, frozenset[str]] = {}
    for e in events:
        keys[e.gene] = keys.get(e.gene, frozenset()) | e.keys
    return replace(_kept(_BARE, index, (tumor_code, setting), bare), keys_by_gene=keys,
                   used_genes=set())  # fmt: skip


def _applies(index: KBIndex, ind: Indication, facts: CaseFacts) -> bool:
    """True when `ind` fits the context in some line: now, or after the prior it asks for."""
    if not facts.is_lung and not ind.tissue_agnostic:
        return False
    if indication_line(index, ind, facts) is not None:
        return True
    if ind.line in ("first", "any"):
        return False
    prior = index.drugs_of(ind.prior.drugs, ind.prior.classes) if ind.prior else _ANY_PRIOR
    history: list[tuple[frozenset[str], str | None]] = [(prior, "progression")]
    history += [(index.drugs_of(p.drugs, p.classes), "progression") for p in ind.also_prior]
    drugs = frozenset(d for names, _ in history for d in names)
    later = replace(facts, history=history, history_drugs=drugs)
    return indication_line(index, ind, later) is not None


# Per index: (indication, the memo's signature of the facts its rules read) -> `_applies`.
_APPLIES: weakref.WeakKeyDictionary[KBIndex, dict[tuple[int, tuple[object, ...]], bool]] = (
    weakref.WeakKeyDictionary()
)
_APPLIES_LIMIT = 1 << 16

_K = TypeVar("_K")
_V = TypeVar("_V")


def _kept(
    tables: weakref.WeakKeyDictionary[KBIndex, dict[_K, _V]], index: KBIndex, key: _K,
    make: Callable[[], _V],
) -> _V:  # fmt: skip
    """`make()`, kept in `index`'s table of `tables` under `key`; the table is emptied when full."""
    table = tables.get(index)
    if table is None:
        table = tables[index] = {}
    found = table.get(key)
    if found is None:
        if len(table) >= _APPLIES_LIMIT:
            table.clear()
        found = table[key] = make()
    return found


def _applies_memo(index: KBIndex, ind: Indication, facts: CaseFacts) -> bool:
    """`_applies`, kept per the match engine's memo signature of the facts it reads.

    `indication_line` is a pure function of the indication and of `signature(facts, gene)`
    (match/memo.py), and so is `_applies`, which adds only a history built from the
    indication; contexts that differ elsewhere share the answer.
    """
    key = (id(ind), signature(memo_of(index), index, facts, ind.gene))
    return _kept(_APPLIES, index, key, lambda: _applies(index, ind, facts))


def _avoided(index: KBIndex, facts: CaseFacts, events: tuple[Event, ...]) -> frozenset[str]:
    """The drugs the history-free `match_case` of the context avoids for resistance.

    The reference for `_resisted` (the tests' oracle takes it instead).
    """
    case = facts.case.model_copy(update={"alterations": [e.as_input() for e in events]})
    result: MatchResult = match_case(index, case)
    return frozenset(d for a in result.avoid if a.kind == "resistance" for d in a.drugs)


def _resisted(index: KBIndex, facts: CaseFacts, events: tuple[Event, ...]) -> frozenset[str]:
    """`_avoided`, from the engine's own choice of resistance entries, without a whole match.

    A case without history gets avoid entries of kind resistance only from
    `engine._apply_resistance`: of the entries its keys meet (`resistance_met`), the most
    specific of each drug win (`most_specific`), and the drug is avoided when one of those is
    `resistant`.
    The keys are the events' referenced keys, which hold every part of an entry. A squamous
    tumor type's contraindications (the only conditions a context has) do not change that
    kind: resistance is applied first, and an avoid entry keeps the kind of its first source
    unless a stronger one comes (`work.AvoidDraft.add`). The oracle test compares both ways.
    """
    met = resistance_met(index, facts.keys_by_gene)
    return frozenset(
        drug
        for drug, entries in met.items()
        if any(r.effect == "resistant" for r in most_specific(index, entries))
    )


def _applicable(
    index: KBIndex, facts: CaseFacts, avoided: frozenset[str], event: Event
) -> tuple[Indication, ...]:
    """The indications of `event` that apply in the context, in the order cells list them."""
    found = [ind for ind in _named(index, event)[0] if not avoided.intersection(ind.drugs)]
    found.sort(key=lambda ind: (_STATUS_RANK[ind.status], ind.preference))
    return tuple(ind for ind in found if _applies_memo(index, ind, facts))


_Named = tuple[tuple[Indication, ...], frozenset[str], list[str]]
# Per index: (gene, keys) -> the gene's indications that name one of the keys, their drugs
# and their genes; and (gene, keys, those drugs avoided, the memo's signatures of the facts
# those indications read) -> the cells `_applicable` gives.
_NAMED: weakref.WeakKeyDictionary[KBIndex, dict[object, _Named]] = weakref.WeakKeyDictionary()
_APPLICABLE: weakref.WeakKeyDictionary[KBIndex, dict[tuple[object, ...], Cells]] = (
    weakref.WeakKeyDictionary()
)


def _named(index: KBIndex, event: Event) -> _Named:
    """The indications of `event`'s gene that name one of its keys, their drugs and genes."""

    def make() -> _Named:
        named = tuple(
            i
            for i in index.indications_by_gene.get(event.gene, ())
            if event.keys.intersection(i.alterations)
        )
        drugs = frozenset(d for i in named for d in i.drugs)
        return named, drugs, sorted({i.gene for i in named if i.gene})

    return _kept(_NAMED, index, event.signature, make)


def _applicable_memo(
    index: KBIndex, facts: CaseFacts, avoided: frozenset[str], event: Event
) -> Cells:
    """The cells of `_applicable`'s indications, kept per what decides them.

    The candidates are the gene's indications that name one of the event's keys; of the
    avoided drugs only theirs matter, and whether each applies is a function of its memo
    signature (`_applies_memo`). Contexts that share these share the answer, so an event
    seen in thousands of contexts is attributed once a distinct case. (Callers copy it.)
    """
    _, drugs, genes = _named(index, event)
    memo = memo_of(index)
    key = (*event.signature, drugs & avoided, *(signature(memo, index, facts, g) for g in genes))
    return _kept(_APPLICABLE, index, key, lambda: _applicable_cells(index, facts, avoided, event))


def _applicable_cells(
    index: KBIndex, facts: CaseFacts, avoided: frozenset[str], event: Event
) -> Cells:
    """The cells of `_applicable`'s indications (`_applicable_memo` without the memo)."""
    cells = Cells()
    for ind in _applicable(index, facts, avoided, event):
        cells.add(ind.level, treatment(ind.drugs), ind.sources)
    return cells


def _attribute_options(
    index: KBIndex, facts: CaseFacts, avoided: frozenset[str], event: Event, cells: Cells
) -> None:
    found = _applicable_memo(index, facts, avoided, event)
    for level, items in found.levels.items():
        kept = cells.levels.setdefault(level, [])
        kept.extend(i for i in items if i not in kept)
    cells.citations.extend(c for c in found.citations if c not in cells.citations)


def _attribute_resistance(
    index: KBIndex, avoided: frozenset[str], event: Event, sample_keys: frozenset[str], cells: Cells
) -> None:
    for r in index.resistance_by_gene.get(event.gene, ()):
        if r.effect != "resistant" or r.level is None or r.drug not in avoided:
            continue
        parts = index.resistance_parts[id(r)]
        if parts <= sample_keys and not event.keys.isdisjoint(parts):
            cells.add(r.level, treatment([r.drug]), r.sources)


def _event_cells(index: KBIndex, facts: CaseFacts, avoided: frozenset[str], event: Event) -> Cells:
    """The cells of one event of a context: its indications that apply, its resistance."""
    cells = Cells()
    _attribute_options(index, facts, avoided, event, cells)
    _attribute_resistance(index, avoided, event, facts.keys_by_gene[event.gene], cells)
    return cells


# Per index: gene -> the drugs of its resistance entries; and what decides an event's cells
# (see `_event_cells_memo`) -> those cells.
_RESISTED_DRUGS: weakref.WeakKeyDictionary[KBIndex, dict[str, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)
_CELLS: weakref.WeakKeyDictionary[KBIndex, dict[tuple[object, ...], Cells]] = (
    weakref.WeakKeyDictionary()
)


def _event_cells_memo(
    index: KBIndex, facts: CaseFacts, avoided: frozenset[str], event: Event
) -> Cells:
    """`_event_cells`, kept per what decides them (the answer is shared: not to be changed).

    Its indications' cells are kept per `_applicable_memo`'s key; its resistance cells read
    the avoided drugs among those of its gene's entries and its gene's keys in the context.
    """
    _, drugs, genes = _named(index, event)
    memo = memo_of(index)
    gene = event.gene

    def of_gene() -> frozenset[str]:
        return frozenset(r.drug for r in index.resistance_by_gene.get(gene, ()))

    resisted = _kept(_RESISTED_DRUGS, index, gene, of_gene)
    key = (
        *event.signature, drugs & avoided, resisted & avoided, facts.keys_by_gene[gene],
        *(signature(memo, index, facts, g) for g in genes),
    )  # fmt: skip
    return _kept(_CELLS, index, key, lambda: _event_cells(index, facts, avoided, event))


def match_context(
    index: KBIndex, tumor_code: str, setting: str, events: tuple[Event, ...],
    wanted: Iterable[Event] | None = None,
) -> ContextResult:  # fmt: skip
    """Match a history-free case of these events and attribute what applies to each event.

    Args:
        index: The knowledge base.
        tumor_code: The context's OncoTree code (callers resolve it first).
        setting: Its setting.
        events: Its events.
        wanted: The events whose cells are wanted (all of `events` by default).
    """
    facts = _facts(index, tumor_code, setting, events)
    avoided = _resisted(index, facts, events)
    found = events if wanted is None else wanted
    return ContextResult({e: _event_cells_memo(index, facts, avoided, e) for e in found})
