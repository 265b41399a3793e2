"""Reference sequences of the knowledge-base genes: MANE Select CDS, protein and coding exons.

The facts live in `data/reference.json.gz` (sources, versions and licences inside, and in the
README): read on first use only, so that a cold `onconav match` of a fusion or an amplification
never pays for them. Genes without a CDS or a protein are listed there under `gaps`; nothing is
guessed for them.

    >>> protein_length("EGFR"), residue_at("EGFR", 858), residue_at("KRAS", 12)
    (1210, 'L', 'G')
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = [
    "CODONS",
    "CodingExon",
    "GeneReference",
    "Transcript",
    "coding_exons",
    "gene_of_transcript",
    "gene_reference",
    "known_transcript",
    "protein_length",
    "reference_data",
    "residue_at",
    "translate",
]

DATA_FILE = "reference.json.gz"

# The standard genetic code (NCBI translation table 1), '*' for a stop.
_BASES = "TCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODONS: dict[str, str] = {
    a + b + c: _AMINO[16 * i + 4 * j + k]
    for i, a in enumerate(_BASES)
    for j, b in enumerate(_BASES)
    for k, c in enumerate(_BASES)
}

_ACCESSION = re.compile(r"(?P<base>(?:NM|NP|XM|XP|NR|ENST|ENSP)_?\d+)(?:\.(?P<version>\d+))?$")


def translate(cds: str) -> str:
    """Translate whole codons of `cds` ('X' for a codon with other letters than ACGT)."""
    return "".join(CODONS.get(cds[i : i + 3], "X") for i in range(0, len(cds) - 2, 3))


@dataclass(frozen=True, slots=True)
class CodingExon:
    """The coding part of one exon of the MANE transcript.

    Attributes:
        number: Exon number on the transcript (UTR-only exons counted).
        cdna: First and last coding base (c. numbering).
        residues: Codons whose first base lies in the exon (as `data/exons.yaml` counts them).
    """

    number: int
    cdna: tuple[int, int]
    residues: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Transcript:
    """What an accession written in an input is for a gene.

    Attributes:
        accession: The accession as onconav shows it (versioned when the version is known).
        role: 'mane' (the MANE Select RefSeq or Ensembl transcript or its protein), 'same_cds'
            (another version verified to have the same CDS, so the same numbering) or
            'other_version' (another version of the same accession, not compared: read on the
            shipped version, where the residue and base checks catch a numbering that differs).
    """

    accession: str
    role: str


@dataclass(frozen=True, slots=True)
class GeneReference:
    """The reference facts of one gene (see `data/reference.json.gz`).

    Attributes:
        gene: Official symbol.
        refseq: MANE Select RefSeq transcript (NM_, versioned).
        ensembl: MANE Select Ensembl transcript (ENST, versioned).
        refseq_protein: Its RefSeq protein (NP_).
        ensembl_protein: Its Ensembl protein (ENSP).
        cds: Coding sequence with the stop codon, or '' when none was found.
        protein: Protein sequence without the stop, or '' when none was found.
        exons: Coding exons, in order ('' when none were found).
        same_cds: Other accessions verified to carry the same CDS.
        cds_from: The record the CDS was taken from.
    """

    gene: str
    refseq: str
    ensembl: str
    refseq_protein: str
    ensembl_protein: str
    cds: str
    protein: str
    exons: tuple[CodingExon, ...]
    same_cds: tuple[str, ...]
    cds_from: str | None


def _exon(item: list[int]) -> CodingExon:
    number, first, last = (int(x) for x in item)
    return CodingExon(number, (first, last), ((first + 2) // 3, (last + 2) // 3))


def _gene(symbol: str, raw: dict[str, Any]) -> GeneReference:
    return GeneReference(
        gene=symbol,
        refseq=str(raw["refseq"]),
        ensembl=str(raw["ensembl"]),
        refseq_protein=str(raw["refseq_protein"]),
        ensembl_protein=str(raw["ensembl_protein"]),
        cds=str(raw.get("cds", "")),
        protein=str(raw.get("protein", "")),
        exons=tuple(_exon(e) for e in raw.get("exons", ())),
        same_cds=tuple(str(a) for a in raw.get("same_cds", ())),
        cds_from=raw.get("cds_from"),
    )


@cache
def reference_data() -> dict[str, Any]:
    """The parsed data file (sources, genes, gaps), read once."""
    raw = files("onconav.normalize").joinpath("data", DATA_FILE).read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


@cache
def _genes() -> dict[str, GeneReference]:
    return {g: _gene(g, raw) for g, raw in reference_data()["genes"].items()}


def gene_reference(gene: str | None) -> GeneReference | None:
    """The reference facts of `gene` (official symbol), or None for a gene not shipped."""
    return _genes().get(gene or "")


def protein_length(gene: str) -> int | None:
    """Number of residues of the gene's MANE Select protein, or None when no protein is shipped.

    Example:
        >>> protein_length("KRAS"), protein_length("ALK") is None or protein_length("ALK") > 0
        (188, True)
    """
    ref = gene_reference(gene)
    return len(ref.protein) if ref and ref.protein else None


def residue_at(gene: str, position: int) -> str | None:
    """The 1-letter residue at `position` of the gene's MANE protein, None when out of range.

    Also None when the gene has no shipped protein (check `protein_length` first).
    """
    ref = gene_reference(gene)
    if ref is None or not ref.protein or not 1 <= position <= len(ref.protein):
        return None
    return ref.protein[position - 1]


def coding_exons(gene: str) -> tuple[CodingExon, ...]:
    """The coding exons of the gene's MANE transcript (c. and residue ranges); () when unknown."""
    ref = gene_reference(gene)
    return ref.exons if ref else ()


def _split(accession: str) -> tuple[str, str | None] | None:
    match = _ACCESSION.match(accession.strip().upper())
    if match is None:
        return None
    base = match.group("base")
    return base, match.group("version")


def known_transcript(gene: str, accession: str) -> Transcript | str:
    """Say whether `accession` (versioned or not) names the gene's shipped transcript.

    Args:
        gene: Official symbol.
        accession: 'NM_005228.5', 'NM_005228', 'ENST00000275493.7', 'NP_005219.2', ...

    Returns:
        The Transcript, or the reason it cannot be used.

    Example:
        >>> known_transcript("EGFR", "NM_005228")
        Transcript(accession='NM_005228.5', role='mane')
        >>> known_transcript("EGFR", "NM_005228.3").role
        'other_version'
        >>> known_transcript("KRAS", "NM_033360.4")[:41]
        'NM_033360.4 is not the transcript onconav'
    """
    ref = gene_reference(gene)
    split = _split(accession)
    if ref is None:
        return f"no reference transcript of {gene} is shipped; give the change without {accession}"
    if split is None:
        return f"cannot read transcript '{accession}'"
    base, version = split
    for same in ref.same_cds:
        if (base, version) == tuple(same.split(".", 1)):
            return Transcript(same, "same_cds")
    for shipped in (ref.refseq, ref.ensembl, ref.refseq_protein, ref.ensembl_protein):
        ship_base, _, ship_version = shipped.partition(".")
        if base == ship_base and version in (None, ship_version):
            return Transcript(shipped, "mane")
        if base == ship_base:
            # Another version of the MANE transcript (older pipelines): read on the shipped one,
            # shown as written; the residue and base checks catch a numbering that differs.
            return Transcript(f"{base}.{version}", "other_version")
    return (
        f"{accession} is not the transcript onconav reads {gene} on ({ref.refseq}, "
        f"{ref.ensembl}, protein {ref.refseq_protein}); give the change on that transcript"
    )


@cache
def _by_accession() -> dict[str, str]:
    out: dict[str, str] = {}
    for ref in _genes().values():
        for accession in (ref.refseq, ref.ensembl, ref.refseq_protein, ref.ensembl_protein):
            out[accession] = out[accession.partition(".")[0]] = ref.gene
        for same in ref.same_cds:
            out[same] = ref.gene
    return out


def gene_of_transcript(accession: str) -> str | None:
    """The gene whose shipped transcript (or protein) `accession` names, versioned or not.

    Example:
        >>> gene_of_transcript("NM_005228.5"), gene_of_transcript("ENST00000275493")
        ('EGFR', 'EGFR')
    """
    return _by_accession().get(accession.strip().upper())
