"""The per-index memo of the engine: what depends only on the KB and a few facts of a case.

Matching the same KB over many cases (a cohort, the web API) meets the same facts again and
again; the engine keeps, per `KBIndex`, the answers that are pure functions of the KB and of a
signature of those facts. A test compares warm-memo results with memo-cleared ones.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from onconav.kb.index import KBIndex
from onconav.kb.models import Indication, Mechanism, Resistance, Source
from onconav.kb.validate import GENERIC_KEYS
from onconav.match.models import (
    AlterationInput,
    AlterationResult,
    Avoid,
    Option,
    ResistanceFinding,
    TumorTypeResult,
)
from onconav.match.rules import CaseFacts

__all__ = ["Contra", "Memo", "Notes", "Reading", "memo_of", "per_object", "signature"]

_WILDCARD = re.compile(r"^[A-Z]\d+X$")
# What a read alteration adds to the warnings (explain.py): its warning, its entry in the
# genes the KB does not know, its entry in the changes not checked against a reference protein.
Notes = tuple[str | None, str | None, str | None]
# One alteration as the engine reads it: the result, its match keys, its gene when it has
# keys, its copy number when it is an amplification, and whether it is of a driver-type
# category (explain.may_be_actionable).
Reading = tuple[AlterationResult, frozenset[str], str | None, float | None, bool]
# A contraindication for one drug: (drug, avoid rather than caution, reason, sources).
Contra = tuple[str, bool, str, tuple[Source, ...]]

_T = TypeVar("_T")
_V = TypeVar("_V")


def per_object(
    table: dict[int, tuple[_T, _V]], obj: _T, make: Callable[[_T], _V], limit: int
) -> _V:
    """`make(obj)`, kept in `table` under `id(obj)` beside `obj` itself.

    Results share their parts (options, read alterations), so what is made from one part is
    made once. The object is kept with the answer: an id is reused once its object is gone,
    and the stored object tells a reused id from its own. `table` is emptied when full.
    """
    found = table.get(id(obj))
    if found is not None and found[0] is obj:
        return found[1]
    value = make(obj)
    if len(table) >= limit:
        table.clear()
    table[id(obj)] = (obj, value)
    return value


def specificity(index: KBIndex, gene: str, alteration: str) -> int:
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


def contraindicated(index: KBIndex, condition: str) -> tuple[Contra, ...]:
    """Per drug that `condition` touches, in the order the engine applies them."""
    label = condition.replace("_", " ")
    return tuple(
        (name, c.severity == "avoid", f"{label}: {c.reason}", tuple(c.sources))
        for c in index.contraindications.get(condition, ())
        for name in sorted(index.drugs_of(c.drugs, c.classes))
    )


class Memo:
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
        # Per answer of `lines` (by its id, kept with it): the option of each of its pairs
        # when nothing is favoured or cautioned.
        self.plain_options: dict[int, tuple[tuple[Any, ...], tuple[Option, ...]]] = {}
        self.later: dict[tuple[object, ...], tuple[Indication, ...]] = {}
        # Resistance entries of a gene whose keys all are among the case's keys of that gene.
        # What the engine reads from one alteration as written (recognized or not).
        self.alterations: dict[str | AlterationInput, Reading] = {}
        self.resistance_met: dict[tuple[str, frozenset[str]], tuple[Resistance, ...]] = {}
        self._specificity: dict[int, int] = {
            id(r): specificity(index, r.gene, r.alteration) for r in index.kb.resistance
        }
        self.contraindicated: dict[str, tuple[Contra, ...]] = {
            condition: contraindicated(index, condition) for condition in index.contraindications
        }
        self.findings: dict[tuple[object, ...], ResistanceFinding] = {}
        # ' (which gene: NTRK1, NTRK2 or NTRK3?)' per gene symbol the KB does not know.
        self.gene_hints: dict[str, str] = {}
        # Per gene: (copy-number floor, alteration keys) of its indications that have a floor.
        self.copy_floors: dict[str, tuple[tuple[float, frozenset[str]], ...]] = {}
        # A read alteration marked actionable, by the id of the unmarked one (kept in the
        # entry, so that the id is not reused while the entry lives).
        self.actionable: dict[int, tuple[AlterationResult, AlterationResult]] = {}
        # The warning notes of a read alteration (explain.py), by its id, kept the same way.
        self.alteration_notes: dict[int, tuple[AlterationResult, Notes]] = {}
        # Avoid entries by (drug, reasons, kind, level, ids of their KB sources): frozen, so
        # shared like the options.
        self.avoids: dict[tuple[object, ...], Avoid] = {}
        # Whether some indication of a gene names one of these keys (explain.actionable).
        self.targeted: dict[tuple[str, frozenset[str]], bool] = {}
        # Gene groups ("NTRK") with a member that some drug targets (explain.py).
        self.target_groups: frozenset[str] = frozenset(
            name
            for name, group in index.gene_groups.items()
            if index.drug_targets.intersection(group.genes)
        )
        # The fixed part of an option's sort key (explain.py), by its id, kept with it.
        self.ranks: dict[int, tuple[Option, tuple[tuple[int, int, int, int], int]]] = {}
        self.tumors: dict[str, TumorTypeResult] = {}
        # Per indication: its drugs' sequencing classes, and the drugs `sequenced_after` names.
        self.sequencing: dict[str, tuple[frozenset[str], frozenset[str]]] = {
            ind.id: (
                frozenset(c for d in ind.drugs for c in index.sequencing_classes.get(d, ())),
                index.drugs_of(ind.sequenced_after.drugs, ind.sequenced_after.classes)
                if ind.sequenced_after
                else frozenset(),
            )
            for ind in index.kb.indications
        }
        # The targetable driver (policy.py) of a case's keys by gene, or None.
        self.drivers: dict[frozenset[tuple[str, frozenset[str]]], str | None] = {}
        # Indications whose drugs are all immune checkpoint inhibitors, with no partner.
        tags = index.drug_classes
        self.io_alone: frozenset[str] = frozenset(
            ind.id
            for ind in index.kb.indications
            if all("immune_checkpoint_inhibitor" in tags.get(d, frozenset()) for d in ind.drugs)
            and not any(
                c in tags.get(d, frozenset())
                for d in ind.drugs
                for c in ("chemotherapy", "vegf_inhibitor")
            )
        )
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
        """`specificity` of a resistance entry, computed once."""
        return self._specificity[id(r)]

    def per_object(self, table: dict[int, tuple[_T, _V]], obj: _T, make: Callable[[_T], _V]) -> _V:
        """`per_object` on one of the tables."""
        return per_object(table, obj, make, self._LIMIT)

    def keep(self, table: dict[Any, Any], key: object, value: object) -> None:
        """Store `value` under `key` in one of the tables, emptying it first when full."""
        if len(table) >= self._LIMIT:
            table.clear()
        table[key] = value

    def facts_of(self, index: KBIndex, gene: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(genes, biomarkers) the indications of `gene` (None: gene-free) can read."""
        found = self.pool_facts.get(gene)
        if found is None:
            pool = index.indications_by_gene.get(gene, ()) if gene else index.gene_free_indications
            genes = {c.gene for ind in pool for c in (*ind.requires, *ind.not_with)}
            genes |= {ind.gene for ind in pool if ind.gene}
            markers = {ind.biomarker.key for ind in pool if ind.biomarker is not None}
            found = self.pool_facts[gene] = (tuple(sorted(genes)), tuple(sorted(markers)))
        return found


_MEMOS: weakref.WeakKeyDictionary[KBIndex, Memo] = weakref.WeakKeyDictionary()


def memo_of(index: KBIndex) -> Memo:
    """The memo of `index` (made on first use; it lives as long as the index)."""
    memo = _MEMOS.get(index)
    if memo is None:
        memo = _MEMOS[index] = Memo(index)
    return memo


def signature(memo: Memo, index: KBIndex, facts: CaseFacts, gene: str | None
              ) -> tuple[object, ...]:  # fmt: skip
    """Every fact of the case that the rules can read for the indications of `gene`.

    `indication_line` and `fits_after_first_line` are pure functions of the indication and of
    these facts: setting, tumor type, histology, the keys and copy numbers of the genes the
    pool names, the values of the biomarkers it names, and the whole history.
    """
    genes, markers = memo.facts_of(index, gene)
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
