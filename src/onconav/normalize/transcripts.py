"""What a transcript accession written before a change means for the gene it is read in.

'NM_005228.5:c.2573T>G', 'ENST00000275493:c.2573T>G' and 'NP_005219.2:p.L858R' name the
shipped MANE Select transcript (or its protein), versioned or not; another version with the
same CDS is accepted too. A transcript of the exon tables (`data/exons.yaml`, e.g. MET
NM_001127500) is accepted for splice and intronic positions only. Any other accession of a gene
with shipped reference data is refused with a reason; for a gene without it the accession is
ignored, as before there was reference data.
"""

from __future__ import annotations

from dataclasses import dataclass

from onconav.normalize.exons import exon_table
from onconav.normalize.reference import Transcript, gene_reference, known_transcript

__all__ = ["Given", "resolve"]


@dataclass(frozen=True, slots=True)
class Given:
    """An input's transcript, resolved.

    Attributes:
        accession: The accession to show in the output (None: none given, or ignored).
        on_mane: Whether positions are numbered as on the shipped MANE transcript.
        reason: Why the accession cannot be used, or None.
        numbering: Which exon-table transcripts splice positions are read on: None (any: no
            transcript named, or another version of the MANE one, whose exons may differ),
            'mane', or the named alternate accession.
    """

    accession: str | None = None
    on_mane: bool = True
    reason: str | None = None
    numbering: str | None = None


_NONE = Given()


def _exon_table_transcript(gene: str, accession: str) -> str | None:
    base = accession.upper().partition(".")[0]
    for exon in exon_table().of_gene(gene):
        if not exon.protein_numbering and exon.transcript.partition(".")[0] == base:
            return accession
    return None


def resolve(gene: str, accession: str | None) -> Given:
    """Resolve the accession written before a change of `gene` (None when none was written).

    Example:
        >>> resolve("EGFR", "NM_005228").accession
        'NM_005228.5'
        >>> resolve("MET", "NM_001127500.3").on_mane
        False
    """
    if not accession or gene_reference(gene) is None:
        return _NONE
    found = known_transcript(gene, accession)
    if isinstance(found, Transcript):
        return Given(found.accession, numbering=None if found.role == "other_version" else "mane")
    alternate = _exon_table_transcript(gene, accession)
    if alternate is not None:
        return Given(alternate, on_mane=False, numbering=alternate)
    return Given(reason=found)
