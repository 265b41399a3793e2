"""Translate an exonic c. change on the shipped CDS into the protein change pipelines write.

The change is applied to the coding sequence, both sequences are translated, and the
difference is named as HGVS names protein changes: a missense or nonsense substitution; an
in-frame deletion, insertion, duplication or delins named by the residues changed and shifted
to the most C-terminal position a repeat allows (the 3' rule, by taking the longest common
prefix first); a frameshift named at its first changed residue. `CdsMismatch` says the input
contradicts the reference (a wrong base, or a position past the CDS).

    >>> from onconav.normalize.grammar import read_change
    >>> from onconav.normalize.reference import gene_reference
    >>> pc = to_protein(gene_reference("EGFR"), read_change("c.2573T>G"))
    >>> pc.kind, pc.ref, pc.start, pc.seq
    ('substitution', 'L', 858, 'R')
"""

from __future__ import annotations

from dataclasses import dataclass

from onconav.normalize.grammar import CdnaChange, ProteinChange
from onconav.normalize.reference import GeneReference, translate

__all__ = ["CdsMismatch", "NotTranslated", "to_protein"]


@dataclass(frozen=True, slots=True)
class CdsMismatch:
    """The c. change contradicts the shipped CDS; `reason` says how."""

    reason: str


@dataclass(frozen=True, slots=True)
class NotTranslated:
    """The change is read, but has no protein change onconav can name; `reason` says why."""

    reason: str


def _span(cc: CdnaChange) -> tuple[int, int]:
    end = cc.start.base if cc.end is None else cc.end.base
    return cc.start.base, end


def _check(ref: GeneReference, cc: CdnaChange) -> CdsMismatch | None:
    first, last = _span(cc)
    size = len(ref.cds)
    if last > size:
        return CdsMismatch(f"the CDS of {ref.gene} ({ref.refseq}) has {size} bases, not {last}")
    if cc.kind == "insertion" and last != first + 1:
        return CdsMismatch(f"insertion flanks must be adjacent bases (c.{first}_{last})")
    given = cc.ref
    if not given:
        return None
    actual = ref.cds[first - 1 : last]
    if cc.kind != "substitution" and len(given) != len(actual):
        span = f"c.{first}_{last} of {ref.gene}"
        return CdsMismatch(f"{span} spans {len(actual)} bases, not {len(given)}")
    if given != actual:
        where = f"c.{first}" if first == last else f"c.{first}_{last}"
        return CdsMismatch(f"{where} of {ref.gene} is {actual}, not {given}")
    return None


def _mutate(cds: str, cc: CdnaChange) -> str:
    first, last = _span(cc)
    if cc.kind == "substitution":
        return cds[: first - 1] + cc.alt + cds[first:]
    if cc.kind == "deletion":
        return cds[: first - 1] + cds[last:]
    if cc.kind == "duplication":
        return cds[:last] + cds[first - 1 : last] + cds[last:]
    if cc.kind == "insertion":
        return cds[:first] + cc.alt + cds[first:]
    return cds[: first - 1] + cc.alt + cds[last:]  # delins


def _to_stop(protein: str) -> str:
    """The protein up to and including its first stop."""
    stop = protein.find("*")
    return protein if stop < 0 else protein[: stop + 1]


def _frameshift(old: str, new: str) -> ProteinChange:
    """Name a frameshift at its first changed residue; the new stop counted from it."""
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(new))
    if at >= len(old) or old[at] == "*":
        return ProteinChange("extension", "*", len(old), seq=new[at : at + 1])
    alt = new[at] if at < len(new) else ""
    if alt == "*":
        return ProteinChange("nonsense", old[at], at + 1, seq="*")
    stop = new.find("*", at)
    tail = str(stop - at + 1) if stop >= 0 else "?"
    return ProteinChange("frameshift", old[at], at + 1, seq=alt, tail=tail)


def _in_frame(old: str, new: str, delta: int, last_codon: int) -> ProteinChange | NotTranslated:
    """Name the difference of two in-frame translations (each ending at its first stop).

    `delta` is the change in codons; `last_codon` the last codon the DNA change touches: a
    premature stop ends the protein, so the residues after it are not compared.
    """
    pre = 0
    while pre < min(len(old), len(new)) and old[pre] == new[pre]:
        pre += 1
    if pre == len(old) == len(new):
        return NotTranslated("not protein-altering (synonymous)")
    if pre < len(new) and new[pre] == "*":
        return ProteinChange("nonsense", old[pre], pre + 1, seq="*")
    if len(new) < len(old) + delta:  # a premature stop after the first changed residue
        deleted, inserted = old[pre : max(last_codon, pre + 1)], new[pre:]
    else:
        suf = 0
        while suf < min(len(old), len(new)) - pre and old[-1 - suf] == new[-1 - suf]:
            suf += 1
        deleted, inserted = old[pre : len(old) - suf], new[pre : len(new) - suf]
    if "*" in deleted:
        return NotTranslated("the change reaches the stop codon; give the protein change")
    if pre == 0:
        return ProteinChange("unknown_effect", "M", 1)
    return _indel(old, pre, deleted, inserted)


def _indel(old: str, pre: int, deleted: str, inserted: str) -> ProteinChange:
    """Name an in-frame change after the common prefix `pre` (deleted and inserted residues)."""
    first, last = pre + 1, pre + len(deleted)
    end_ref, end = (old[last - 1], last) if last > first else (None, None)
    if not inserted:
        return ProteinChange("deletion", old[pre], first, end_ref, end)
    if not deleted:
        size = len(inserted)
        if size <= pre and old[pre - size : pre] == inserted:
            dup_ref, dup_end = (old[pre - 1], pre) if size > 1 else (None, None)
            return ProteinChange("duplication", old[pre - size], pre - size + 1, dup_ref, dup_end)
        return ProteinChange("insertion", old[pre - 1], pre, old[pre], pre + 1, seq=inserted)
    if len(deleted) == len(inserted) == 1:
        return ProteinChange("substitution", deleted, first, seq=inserted)
    seq = inserted[: inserted.find("*") + 1] if "*" in inserted else inserted
    return ProteinChange("delins", old[pre], first, end_ref, end, seq=seq)


def to_protein(ref: GeneReference, cc: CdnaChange) -> ProteinChange | CdsMismatch | NotTranslated:
    """The protein change of an exonic c. change (no intronic offset, no UTR) on `ref`'s CDS.

    Args:
        ref: The gene's reference, with a CDS.
        cc: The change, with coding positions only.

    Returns:
        The protein change, a mismatch with the reference, or why there is no protein name.
    """
    mismatch = _check(ref, cc)
    if mismatch is not None:
        return mismatch
    new_cds = _mutate(ref.cds, cc)
    old = translate(ref.cds)
    new = _to_stop(translate(new_cds))
    if (len(new_cds) - len(ref.cds)) % 3:
        return _frameshift(old, new)
    if new and new[0] != "M":
        return ProteinChange("unknown_effect", "M", 1)
    delta = (len(new_cds) - len(ref.cds)) // 3
    return _in_frame(old, new, delta, (_span(cc)[1] + 2) // 3)
