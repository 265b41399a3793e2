"""The normalize stage: free-text alteration names to Alteration values with match keys.

    >>> from onconav.normalize import parse_alteration
    >>> parse_alteration("EML4::ALK").keys
    ('fusion',)

Pure: no I/O but reading this package's own data (`data/*.yaml`, `data/reference.json.gz`),
lazily and once. `protein_length`, `residue_at` and `coding_exons` answer from the shipped MANE
Select reference of a gene (None or () when it has none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onconav.normalize.aliases import known_genes, normalize_gene
from onconav.normalize.maf import protein_change_alteration
from onconav.normalize.models import KINDS, Alteration, Kind
from onconav.normalize.parser import normalize_alteration, parse_alteration
from onconav.normalize.reference import coding_exons, protein_length, residue_at

__all__ = [
    "KINDS",
    "KNOWN_GENES",
    "Alteration",
    "Kind",
    "coding_exons",
    "normalize_alteration",
    "normalize_gene",
    "parse_alteration",
    "protein_change_alteration",
    "protein_length",
    "residue_at",
]

if TYPE_CHECKING:
    KNOWN_GENES: frozenset[str]


def __getattr__(name: str) -> frozenset[str]:
    """Provide KNOWN_GENES on first access, so that importing reads no data (PEP 562)."""
    if name == "KNOWN_GENES":
        return known_genes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
