"""What one distinct key of an input file says: an alteration onconav can match, or not.

The annotator reads each distinct key (gene, protein change, class; fusion; copy-number call)
once with the normalizer, and turns it into a `Reading`: the normalized alteration and its
category for the ONCONAV_* columns, the `Event` it contributes to the sample's matching (only
when the knowledge base has an entry its keys can meet), or why the row is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from onconav.cohort.columns import REJECT_REASONS, RejectCode
from onconav.cohort.layer import Key, Layer
from onconav.kb.index import KBIndex
from onconav.match.models import AlterationInput
from onconav.match.significance import referenced_keys, unclassed_category
from onconav.normalize import Alteration
from onconav.normalize.aliases import gene_table

__all__ = ["Event", "KBView", "Reading"]


@dataclass(frozen=True, order=True)
class Event:
    """One normalized alteration that can meet a knowledge-base entry.

    `keys` holds only the match keys that some entry names: two events with the same gene and
    keys (two KRAS variants of unknown significance) match alike, so contexts are built from
    `signature`, and each row's cells from its event's signature.
    """

    gene: str
    alteration: str
    partner: str | None = None
    exon: int | None = None
    keys: frozenset[str] = frozenset()

    @property
    def signature(self) -> tuple[str, frozenset[str]]:
        """What matching sees of the event: its gene and its referenced keys."""
        return self.gene, self.keys

    @property
    def label(self) -> str:
        """How people write it: 'EGFR L858R', 'EML4-ALK fusion', 'MET amplification'."""
        if self.alteration == "fusion" and self.partner:
            return f"{self.partner}-{self.gene} fusion"
        return f"{self.gene} {self.alteration}"

    def as_input(self) -> AlterationInput:
        """The alteration as `match` takes it (it normalizes it again, to the same keys)."""
        exon = self.exon if self.exon is not None and 1 <= self.exon <= 100 else None
        return AlterationInput(
            gene=self.gene, alteration=self.alteration, partner=self.partner, exon=exon
        )


@dataclass(frozen=True)
class Reading:
    """The annotation of one distinct key.

    Attributes:
        alteration: ONCONAV_ALTERATION (normalized), or None.
        category: ONCONAV_CATEGORY, or None (gene outside the knowledge base, or rejected).
        event: What the key adds to its sample's matching, when anything.
        reject: Why rows with this key are rejected, or None.
        reason: The specific reason, for rejected.tsv.
    """

    alteration: str | None = None
    category: str | None = None
    event: Event | None = None
    reject: RejectCode | None = None
    reason: str | None = None


class KBView:
    """Facts derived once from a `KBIndex` for cohort annotation."""

    def __init__(self, index: KBIndex) -> None:
        self.index = index
        self.genes: frozenset[str] = frozenset(index.genes)
        self._meanings: dict[tuple[str, str, frozenset[str]], tuple[str, frozenset[str]]] = {}

    @cached_property
    def spellings(self) -> frozenset[str]:
        """Every way a file may write a knowledge-base gene (symbol and aliases, any case)."""
        names: set[str] = set()
        for symbol, gene in self.index.genes.items():
            names.update((symbol, *gene.aliases))
        names.update(a for a, s in gene_table().aliases.items() if s in self.genes)
        return frozenset(v for n in names for v in (n, n.upper(), n.lower(), n.capitalize()))

    @cached_property
    def referenced(self) -> dict[str, frozenset[str]]:
        """Gene -> the match keys that some entry names (history-free matching can meet)."""
        out: dict[str, set[str]] = {}
        for ind in self.index.indications.values():
            if ind.gene:
                out.setdefault(ind.gene, set()).update(ind.alterations)
            for req in (*ind.requires, *ind.not_with):
                out.setdefault(req.gene, set()).update(req.alterations)
        for gene, entries in self.index.resistance_by_gene.items():
            out.setdefault(gene, set()).update(
                p.strip() for r in entries for p in r.alteration.split("+")
            )
        for mech in self.index.mechanisms:
            if mech.gene and not (mech.after_drugs or mech.after_classes):
                out.setdefault(mech.gene, set()).update(mech.alterations or ("mutation",))
        return {g: frozenset(keys) for g, keys in out.items()}

    @property
    def targets(self) -> frozenset[str]:
        """Genes some drug targets: their mere presence can matter (off-target resistance)."""
        return self.index.drug_targets

    @cached_property
    def special(self) -> dict[str, frozenset[str]]:
        """Gene -> the keys that can change what an alteration of it means.

        Its class keys, their members, and the keys some entry names. Any other key (most
        variants' own change and wildcard) only names the alteration.
        """
        everything = referenced_keys(self.index)  # what says 'unknown_significance' or not
        return {
            g: self.index.class_keys(g)
            | self.index.class_members(g)
            | self.referenced.get(g, set())
            | everything.get(g, frozenset())
            for g in self.genes
        }

    def meaning(self, gene: str, kind: str, keys: frozenset[str]) -> tuple[str, frozenset[str]]:
        """(category, referenced keys) of an alteration of `gene` with these special keys."""
        found = self._meanings.get((gene, kind, keys))
        if found is None:
            expanded = self.index.expand_keys(gene, keys)
            category = self.index.class_category(gene, expanded)[0]
            relevant = expanded & self.referenced.get(gene, frozenset())
            found = self._meanings[(gene, kind, keys)] = (
                category or unclassed_category(self.index, gene, kind, expanded),
                relevant,
            )
        return found

    def recognized(self, alt: Alteration) -> Reading:
        """The reading of a recognized alteration of a knowledge-base gene."""
        gene = alt.gene or ""
        special = self.special.get(gene, frozenset()).intersection(alt.keys)
        category, relevant = self.meaning(gene, alt.kind, special)
        event = Event(gene, alt.alteration or "", alt.partner, alt.exon, relevant)
        keep = bool(relevant) or gene in self.targets
        return Reading(event.label, category, event if keep else None)

    def read(self, layer: Layer, key: Key) -> Reading:
        """Read one distinct key of `layer`."""
        return self.interpret(layer, key, layer.normalize(key))

    def interpret(self, layer: Layer, key: Key, alt: Alteration) -> Reading:
        """What the normalized alteration of one key of `layer` means for the annotation."""
        if alt.recognized and alt.gene in self.genes and alt.alteration:
            return self.recognized(alt)
        if alt.recognized:
            return Reading()
        code = layer.reject(alt, key)
        if code is not None:
            return Reading(reject=code, reason=alt.reason or REJECT_REASONS[code])
        return Reading(category="other")
