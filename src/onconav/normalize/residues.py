"""Check a protein change against the gene's MANE Select protein: position and residue.

`EGFR L8585R` names a residue the protein does not have, `EGFR K858R` the wrong residue at
858: both are typing errors that must not become findings. Genes without a shipped protein
are not checked (the match output warns about them).

    >>> from onconav.normalize.grammar import read_change
    >>> mismatch("EGFR", read_change("L8585R")), mismatch("EGFR", read_change("K858R"))
    ('EGFR has 1210 residues', 'residue 858 of EGFR is L, not K')
    >>> mismatch("EGFR", read_change("L858R")) is None
    True
"""

from __future__ import annotations

from onconav.normalize.grammar import ProteinChange
from onconav.normalize.reference import gene_reference

__all__ = ["mismatch", "named_residues"]

# Letters that name no particular residue: 'X' (any, as in G719X's wildcard or X1010_splice).
_ANY = frozenset({"X", ""})


def named_residues(pc: ProteinChange) -> list[tuple[str, int]]:
    """The (residue, position) pairs a protein change names as its reference."""
    pairs = [(pc.ref, pc.start)]
    if pc.end is not None and pc.end_ref is not None:
        pairs.append((pc.end_ref, pc.end))
    return pairs


def _one(gene: str, protein: str, residue: str, position: int) -> str | None:
    size = len(protein)
    if residue == "*":  # a stop: the position after the last residue (extensions)
        if position == size + 1:
            return None
        return f"the stop of {gene} is at {size + 1}, not {position}"
    if position > size:
        return f"{gene} has {size} residues"
    actual = protein[position - 1]
    if residue in _ANY or residue == actual:
        return None
    return f"residue {position} of {gene} is {actual}, not {residue}"


def mismatch(gene: str, pc: ProteinChange) -> str | None:
    """Why `pc` does not fit the gene's MANE protein, or None (fits, or no protein shipped).

    Args:
        gene: Official symbol.
        pc: A protein change with positions (not a whole-protein form).

    Returns:
        A reason such as 'EGFR has 1210 residues', or None.
    """
    ref = gene_reference(gene)
    if ref is None or not ref.protein or pc.start <= 0:
        return None
    for residue, position in named_residues(pc):
        reason = _one(gene, ref.protein, residue, position)
        if reason is not None:
            return reason
    return None
