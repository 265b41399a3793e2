"""Read one MAF row's protein change (HGVSp_Short or HGVSp) with its Variant_Classification.

When the row has no protein change, its HGVSc is read and translated on the shipped CDS
(`translate.py`); a change that contradicts the reference is `mismatch` (rejected as
`reference-mismatch` in cohorts), and is not read again from another column.

Silent and non-coding classes are not recognized ("not protein-altering (Silent)"); splice-site
rows of MET at exon 14's edges ('p.X1010_splice', or a c. change given as `hgvsc`) are exon 14
skipping. The class vocabulary is `data/variant_classes.yaml`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from onconav.normalize import build, phrases
from onconav.normalize.aliases import normalize_gene
from onconav.normalize.datafiles import load_data
from onconav.normalize.grammar import CdnaChange, ProteinChange, read_change
from onconav.normalize.models import Alteration

__all__ = ["VariantClasses", "protein_change_alteration", "variant_classes"]


_logger = logging.getLogger(__name__)

_EMPTY = frozenset({"", ".", "p.", "p.?", "na", "nan", "none", "null", "-"})


@dataclass(frozen=True, slots=True)
class VariantClasses:
    """MAF Variant_Classification values by whether they alter the protein."""

    protein_altering: frozenset[str]
    conditional: frozenset[str]
    not_protein_altering: frozenset[str]


@cache
def variant_classes() -> VariantClasses:
    """Load `data/variant_classes.yaml` once."""
    raw = load_data("variant_classes.yaml")
    return VariantClasses(
        frozenset(raw["protein_altering"]),
        frozenset(raw["conditional"]),
        frozenset(raw["not_protein_altering"]),
    )


def _from_hgvsc(text: str, gene: str, hgvsc: str | None) -> Alteration | None:
    if not hgvsc:
        return None
    accession, written = phrases.take_transcript(hgvsc.strip())
    change = read_change(written)
    if not isinstance(change, CdnaChange):
        return None
    return build.on_transcript(text, gene, change, accession)


def _from_protein(text: str, gene: str, protein: str, vclass: str) -> Alteration | None:
    accession, written = phrases.take_transcript(protein)
    change = read_change(written)
    if not isinstance(change, ProteinChange):
        return None
    if change.kind == "wildcard" and vclass == "Nonsense_Mutation":
        # Older MAFs write a stop as X (p.R213X); the class says which X is meant.
        change = replace(change, kind="nonsense")
    return build.on_transcript(text, gene, change, accession)


def _read(text: str, gene: str, protein: str, vclass: str, hgvsc: str | None) -> Alteration:
    classes = variant_classes()
    if vclass in classes.not_protein_altering:
        return build.fail(text, gene, f"not protein-altering ({vclass})")
    found = None if protein.lower() in _EMPTY else _from_protein(text, gene, protein, vclass)
    if found is not None and (found.recognized or found.mismatch):
        return found  # a protein change that contradicts the reference is not read again
    from_c = _from_hgvsc(text, gene, hgvsc)
    if from_c is not None and (from_c.recognized or (found is None and from_c.mismatch)):
        return from_c
    if vclass == "Splice_Site":
        return build.splice_unplaced(text, gene)
    if vclass in classes.conditional:
        return build.fail(text, gene, f"not protein-altering ({vclass})")
    if found is not None:
        return found
    if protein.lower() in _EMPTY:
        return from_c or build.fail(text, gene, "no protein change")
    return build.fail(text, gene, f"cannot read protein change '{protein}'")


@lru_cache(maxsize=2**16)
def protein_change_alteration(
    gene: str,
    protein_change: str | None,
    variant_class: str | None = None,
    *,
    hgvsc: str | None = None,
) -> Alteration:
    """Read a MAF row: HGVSp_Short ('p.L858R') or HGVSp ('p.Leu858Arg') plus its class.

    Args:
        gene: Hugo_Symbol.
        protein_change: HGVSp_Short or HGVSp, with or without 'p.'; may be empty.
        variant_class: Variant_Classification (Missense_Mutation, Splice_Site, Silent, ...).
        hgvsc: HGVSc, used when the protein change is empty or unreadable (splice rows).

    Returns:
        The Alteration; never raises.

    Example:
        >>> protein_change_alteration("MET", "p.X1010_splice", "Splice_Site").keys
        ('X1010_splice', 'exon 14 skipping', 'mutation')
        >>> protein_change_alteration("EGFR", "p.L858=", "Silent").reason
        'not protein-altering (Silent)'
    """
    protein = phrases.clean(protein_change) if isinstance(protein_change, str) else ""
    text = phrases.clean(f"{gene} {protein}") if isinstance(gene, str) else protein
    try:
        symbol = normalize_gene(gene) if isinstance(gene, str) else None
        if symbol is None:
            return build.fail(text, None, "no gene symbol")
        vclass = variant_class.strip() if isinstance(variant_class, str) else ""
        return _read(text, symbol, protein, vclass, hgvsc)
    except Exception:  # a bug; one bad row must not stop a cohort
        _logger.warning("normalizer failed on one MAF row", exc_info=True)
        return build.fail(text, None, "internal error reading this alteration")
