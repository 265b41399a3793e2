"""Which category an alteration gets when no alteration class of its gene names it.

A fusion or an amplification is its kind; a sequence change (point mutation, indel, splice
change, exon event) of a knowledge-base gene that meets no key of any entry (indication,
resistance, mechanism) is `unknown_significance`: read, but with no known meaning. It is never
a driver, and the match output warns about it instead of concluding there is no driver.
Anything else stays `other`.
"""

from __future__ import annotations

import weakref

from onconav.kb.index import KBIndex

__all__ = ["SEQUENCE_KINDS", "referenced_keys", "unclassed_category"]

# Alteration kinds (onconav.normalize.KINDS) that name one change of the gene's sequence.
SEQUENCE_KINDS = frozenset(
    {"substitution", "nonsense", "frameshift", "deletion", "insertion", "duplication",
     "delins", "splice", "exon_event"}
)  # fmt: skip

_REFERENCED: weakref.WeakKeyDictionary[KBIndex, dict[str, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def _collect(index: KBIndex) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for ind in index.indications.values():
        if ind.gene:
            out.setdefault(ind.gene, set()).update(ind.alterations)
        for req in (*ind.requires, *ind.not_with):
            out.setdefault(req.gene, set()).update(req.alterations)
    for gene, entries in index.resistance_by_gene.items():
        out.setdefault(gene, set()).update(
            part.strip() for r in entries for part in r.alteration.split("+")
        )
    for mech in index.mechanisms:
        if mech.gene:
            out.setdefault(mech.gene, set()).update(mech.alterations or ("mutation",))
    return {gene: frozenset(keys) for gene, keys in out.items()}


def referenced_keys(index: KBIndex) -> dict[str, frozenset[str]]:
    """Gene -> every match key some entry of the knowledge base names (computed once per index)."""
    found = _REFERENCED.get(index)
    if found is None:
        found = _REFERENCED[index] = _collect(index)
    return found


def unclassed_category(index: KBIndex, gene: str, kind: str, keys: frozenset[str]) -> str:
    """The category of an alteration of `gene` that no alteration class names.

    Args:
        index: The knowledge base.
        gene: Official symbol.
        kind: The normalizer's kind ('substitution', 'fusion', ...).
        keys: Its match keys, class keys included (`KBIndex.expand_keys`).

    Returns:
        'fusion', 'amplification', 'unknown_significance' or 'other'.
    """
    if kind in ("fusion", "amplification"):
        return kind
    if (
        gene in index.genes
        and kind in SEQUENCE_KINDS
        and not keys & referenced_keys(index).get(gene, frozenset())
    ):
        return "unknown_significance"
    return "other"
