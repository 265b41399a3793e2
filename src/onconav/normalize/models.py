"""The Alteration value: one tested alteration, read and reduced to the KB's match keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["KINDS", "Alteration", "Kind"]

Kind = Literal[
    "substitution",
    "nonsense",
    "frameshift",
    "deletion",
    "insertion",
    "duplication",
    "delins",
    "exon_event",
    "splice",
    "fusion",
    "amplification",
    "deep_deletion",
    "gene_level",
    "unknown",
]

# The closed vocabulary of `Alteration.kind`, in the order of the Literal above.
KINDS: tuple[Kind, ...] = get_args(Kind)


@dataclass(frozen=True, slots=True)
class Alteration:
    """One alteration as the normalizer read it.

    Attributes:
        input: The text as given.
        gene: Official HGNC symbol (aliases resolved), or None when no gene could be read.
        alteration: Canonical form of the change ('L858R', 'E746_A750del', 'exon 19 deletion',
            'fusion', 'amplification', 'c.3082+1G>T', ...), or None when not recognized.
        kind: One of `KINDS`.
        recognized: Whether the text was understood; if not, `reason` says why.
        reason: A short reason when not recognized.
        exon: Exon of the change, from the exon tables or as given.
        position: Protein start position.
        end_position: Protein end position of a range.
        ref: 1-letter reference amino acid at the start position.
        alt: 1-letter alternate amino acid(s) of a substitution, or the inserted residues.
        partner: Fusion partner (the other gene), official symbol.
        copy_number: Copy number when given.
        keys: Match keys (see the KB README, "Match keys").
        transcript: The reference transcript the change was read or checked on (MANE Select
            RefSeq or Ensembl accession, versioned), when a shipped reference was used.
        mismatch: True when the change contradicts the reference sequence (a residue or base
            that is not there, a position past the end); `reason` says how.
    """

    input: str
    gene: str | None
    alteration: str | None
    kind: Kind
    recognized: bool
    reason: str | None = None
    exon: int | None = None
    position: int | None = None
    end_position: int | None = None
    ref: str | None = None
    alt: str | None = None
    partner: str | None = None
    copy_number: float | None = None
    keys: tuple[str, ...] = ()
    transcript: str | None = None
    mismatch: bool = False

    def __str__(self) -> str:
        """Return 'GENE alteration' when recognized, else the input as given.

        Example:
            >>> str(Alteration("egfr l858r", "EGFR", "L858R", "substitution", True))
            'EGFR L858R'
        """
        if self.recognized and self.gene and self.alteration:
            return f"{self.gene} {self.alteration}"
        return self.input
