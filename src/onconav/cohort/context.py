"""Match one sample context and say which levels each of its alterations reaches.

A context is a tumor type, a setting and the set of a sample's events (alterations the knowledge
base can meet); samples that share one share the match, which runs once, history-free.

Choice (documented in the README's cohort section): the level cells of a row come from matching
the row's alteration *together with the sample's other events*, not alone, so that co-occurring
resistance shows (EGFR L858R with T790M: gefitinib is not offered on the L858R row, and the
T790M row carries it at LEVEL_R1). An option is attributed to an event when its indication's gene
is the event's gene and one of the indication's alteration keys is among the event's keys; a
resistance entry (effect `resistant`, with a level) to an event whose keys include one of its
parts, when the sample has all of them and the match lists the drug to avoid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from onconav.cohort.columns import HIGHEST_LEVEL_ORDER, RESISTANCE_LEVELS, SENSITIVE_LEVELS
from onconav.cohort.events import Event
from onconav.kb.index import KBIndex
from onconav.kb.models import Source
from onconav.match.engine import match_case
from onconav.match.models import Case, MatchResult

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

    def row(self) -> dict[str, str | None]:
        """The oncokb-annotator cells: LEVEL_*, HIGHEST_*, TX_CITATIONS."""
        out: dict[str, str | None] = {
            f"LEVEL_{lv}": ",".join(self.levels[lv]) if lv in self.levels else None
            for lv in (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS)
        }
        for name, order in (
            ("HIGHEST_LEVEL", HIGHEST_LEVEL_ORDER),
            ("HIGHEST_SENSITIVE_LEVEL", SENSITIVE_LEVELS),
            ("HIGHEST_RESISTANCE_LEVEL", RESISTANCE_LEVELS),
        ):
            best = best_level(self.levels, order)
            out[name] = f"LEVEL_{best}" if best else None
        out["TX_CITATIONS"] = ";".join(self.citations) or None
        return out


@dataclass
class ContextResult:
    """A matched context: cells per event, and the sample-level summary."""

    cells: dict[Event, Cells]
    options: dict[str, list[str]]

    def actionable(self) -> list[Event]:
        """Events that reached any level, in order."""
        return [e for e, c in self.cells.items() if c.levels]


def _attribute_options(index: KBIndex, result: MatchResult, event: Event, cells: Cells) -> None:
    for opt in result.options:
        ind = index.indications.get(opt.indication_id)
        if ind is None or ind.gene != event.gene or not event.keys.intersection(ind.alterations):
            continue
        cells.add(opt.level, treatment(opt.drugs), opt.sources)


def _attribute_resistance(
    index: KBIndex, result: MatchResult, event: Event, sample_keys: frozenset[str], cells: Cells
) -> None:
    avoided = {d for a in result.avoid if a.kind == "resistance" for d in a.drugs}
    for r in index.resistance_by_gene.get(event.gene, ()):
        if r.effect != "resistant" or r.level is None or r.drug not in avoided:
            continue
        parts = [p.strip() for p in r.alteration.split("+")]
        if all(p in sample_keys for p in parts) and event.keys.intersection(parts):
            cells.add(r.level, treatment([r.drug]), r.sources)


def match_context(
    index: KBIndex, tumor_code: str, setting: str, events: tuple[Event, ...]
) -> ContextResult:
    """Match a history-free case of these events and attribute its options to each event.

    Raises:
        TumorTypeError: `tumor_code` is not a tumor type of the KB (callers resolve first).
    """
    case = Case(tumor_type=tumor_code, setting=setting, alterations=[e.as_input() for e in events])
    result = match_case(index, case)
    by_gene: dict[str, frozenset[str]] = {}
    for e in events:
        by_gene[e.gene] = by_gene.get(e.gene, frozenset()) | e.keys
    cells: dict[Event, Cells] = {}
    options: dict[str, list[str]] = {}
    for event in events:
        c = cells[event] = Cells()
        _attribute_options(index, result, event, c)
        _attribute_resistance(index, result, event, by_gene[event.gene], c)
        for level, items in c.levels.items():
            bucket = options.setdefault(level, [])
            bucket.extend(i for i in items if i not in bucket)
    return ContextResult(cells=cells, options=options)
