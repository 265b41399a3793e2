"""Exon tables: which exon a residue or c. base lies in, and which splice changes skip an exon.

The boundaries are cited data in `data/exons.yaml` (RefSeq transcripts), read on first use;
a gene or exon that table does not hold is placed by the coding exons of the shipped MANE
transcript (`reference.py`), when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from onconav.normalize.datafiles import load_data
from onconav.normalize.reference import coding_exons

__all__ = [
    "CPos",
    "Exon",
    "ExonTable",
    "cdna_exon",
    "exon_table",
    "residue_exon",
    "skipped_exon",
    "splice_codon_exon",
]


@dataclass(frozen=True, slots=True, order=True)
class CPos:
    """A c. position: coding base `base` plus intronic `offset` (c.3082+1 is CPos(3082, 1)).

    `utr` is '-' for the 5' UTR (c.-15) and '*' for the 3' UTR (c.*12), else ''.
    """

    base: int
    offset: int = 0
    utr: str = ""


@dataclass(frozen=True, slots=True)
class Exon:
    """One exon of one transcript.

    Attributes:
        gene: Official gene symbol.
        transcript: RefSeq accession.
        number: Exon number.
        cdna: First and last coding base (c. numbering).
        residues: First and last codon whose first base is in the exon.
        skipping: Whether splice changes at this exon are read as 'exon N skipping'.
        protein_numbering: Whether protein changes of the gene are numbered on this transcript.
    """

    gene: str
    transcript: str
    number: int
    cdna: tuple[int, int]
    residues: tuple[int, int]
    skipping: bool
    protein_numbering: bool


@dataclass(frozen=True, slots=True)
class ExonTable:
    """All exons, and the intronic windows of splice changes (see `data/exons.yaml`)."""

    exons: tuple[Exon, ...]
    windows: dict[str, dict[str, int]]
    canonical: int

    def of_gene(self, gene: str) -> tuple[Exon, ...]:
        """Return the exons of `gene` on every transcript."""
        return tuple(e for e in self.exons if e.gene == gene)


def _exons(entry: dict[str, Any]) -> list[Exon]:
    return [
        Exon(
            gene=str(entry["gene"]),
            transcript=str(entry["transcript"]),
            number=int(item["exon"]),
            cdna=(int(item["cdna"][0]), int(item["cdna"][1])),
            residues=(int(item["residues"][0]), int(item["residues"][1])),
            skipping=bool(item.get("skipping", False)),
            protein_numbering=bool(entry.get("protein_numbering", False)),
        )
        for item in entry["exons"]
    ]


@cache
def exon_table() -> ExonTable:
    """Load `data/exons.yaml` once.

    Returns:
        The exon table.
    """
    raw = load_data("exons.yaml")
    exons = tuple(e for entry in raw["transcripts"] for e in _exons(entry))
    windows = {k: dict(v) for k, v in raw["splice_windows"].items() if isinstance(v, dict)}
    return ExonTable(exons, windows, int(raw["splice_windows"]["canonical"]))


def residue_exon(gene: str, start: int, end: int | None = None) -> int | None:
    """Return the exon holding residues `start`..`end` on the gene's protein-numbering transcript.

    Args:
        gene: Official symbol.
        start: First residue.
        end: Last residue (defaults to `start`).

    Returns:
        The exon number, or None when the gene has no table and no shipped exons, or the
        range crosses exons.

    Example:
        >>> residue_exon("EGFR", 746, 750), residue_exon("EGFR", 858), residue_exon("KRAS", 12)
        (19, 21, 2)
        >>> residue_exon("ALK", 1196) is None  # no exons shipped for ALK
        True
    """
    last = start if end is None else end
    for exon in exon_table().of_gene(gene):
        low, high = exon.residues
        if exon.protein_numbering and low <= start <= high:
            return exon.number if low <= last <= high else None
    for coding in coding_exons(gene):
        low, high = coding.residues
        if low <= start <= high:
            return coding.number if low <= last <= high else None
    return None


def cdna_exon(gene: str, start: CPos, end: CPos | None = None) -> int | None:
    """Return the exon holding the exonic c. range `start`..`end` (first transcript that has it).

    Returns:
        The exon number, or None when unknown, intronic, UTR, or crossing exons.
    """
    last = start if end is None else end
    if start.offset or last.offset or start.utr or last.utr:
        return None
    ranges = [(e.cdna, e.number) for e in exon_table().of_gene(gene)]
    ranges += [(e.cdna, e.number) for e in coding_exons(gene)]
    for (low, high), number in ranges:
        if low <= start.base <= high and low <= last.base <= high:
            return number
    return None


def _touches(exon: Exon, start: CPos, end: CPos, window: dict[str, int]) -> bool:
    first, last = exon.cdna
    acceptor, donor = CPos(first), CPos(last)
    for pos in (start, end):
        if pos.base == first and -window["acceptor"] <= pos.offset < 0:
            return True
        if pos.base == last and 0 < pos.offset <= window["donor"]:
            return True
    spans_acceptor = start < acceptor <= end and (start.offset or end.offset)
    spans_donor = start <= donor < end and (start.offset or end.offset)
    return bool(spans_acceptor or spans_donor)


def _on(exon: Exon, numbering: str | None) -> bool:
    """Whether `exon` is numbered as `numbering` says (see `skipped_exon`)."""
    if numbering is None:
        return True
    if numbering == "mane":
        return exon.protein_numbering
    return exon.transcript.partition(".")[0] == numbering.partition(".")[0]


def skipped_exon(
    gene: str, start: CPos, end: CPos | None, *, indel: bool, numbering: str | None = None
) -> int | None:
    """Return the exon a c. change skips, if it breaks the splice site of a `skipping` exon.

    Args:
        gene: Official symbol.
        start: First position of the change.
        end: Last position (None for a single base).
        indel: Whether the change is an indel (wider window) rather than a substitution.
        numbering: The transcript the c. positions are on: None when not said (any table
            transcript of the gene), 'mane' for its MANE Select transcript, or an accession.

    Returns:
        The skipped exon's number, or None.

    Example:
        >>> skipped_exon("MET", CPos(3082, 1), None, indel=False)
        14
        >>> skipped_exon("MET", CPos(3082, 1), None, indel=False, numbering="mane") is None
        True
    """
    table = exon_table()
    window = table.windows["indel" if indel else "substitution"]
    last = start if end is None else end
    for exon in table.of_gene(gene):
        if (
            exon.skipping
            and _on(exon, numbering)
            and not start.utr
            and _touches(exon, start, last, window)
        ):
            return exon.number
    return None


def splice_codon_exon(gene: str, codon: int) -> int | None:
    """Return the `skipping` exon whose edge codon is `codon` (MAF 'X1010_splice' labels).

    The label names the codon holding the exon's first or last base: ceil(c / 3).

    Example:
        >>> splice_codon_exon("MET", 1010), splice_codon_exon("MET", 1028)
        (14, 14)
    """
    for exon in exon_table().of_gene(gene):
        first, last = exon.cdna
        if exon.skipping and codon in ((first + 2) // 3, (last + 2) // 3):
            return exon.number
    return None
