"""Gene symbols: aliases to official HGNC symbols, and which genes drive fusions.

The table is `data/genes.yaml`, read on first use and cached; nothing is read at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from onconav.normalize.datafiles import load_data

__all__ = ["GeneTable", "gene_table", "is_fusion_driver", "known_genes", "normalize_gene"]


# HGNC symbols: a letter, then letters and digits, hyphen-joined parts (NKX2-1, HLA-A); the
# open-reading-frame form C<n>orf<m> keeps its lowercase 'orf' (HGNC guidelines, section 1.1).
_SYMBOL = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_ORF = re.compile(r"(?i)C(\d+|X|Y)ORF(\d+)")
_MAX_SYMBOL = 25


@dataclass(frozen=True, slots=True)
class GeneTable:
    """The parsed gene table.

    Attributes:
        symbols: Official symbols known to the table.
        aliases: Upper-cased alias (and symbol) to official symbol.
        fusion_drivers: Symbols whose fusions are the targetable event (ALK, ROS1, RET, ...).
        positive_fusion: Symbols for which "positive" means a fusion (ALK-positive).
        not_genes: Upper-cased words that look like symbols but name events.
    """

    symbols: frozenset[str]
    aliases: dict[str, str]
    fusion_drivers: frozenset[str]
    positive_fusion: frozenset[str]
    not_genes: frozenset[str]


def _build(raw: dict[str, Any]) -> GeneTable:
    aliases: dict[str, str] = {}
    drivers: set[str] = set()
    positive: set[str] = set()
    for entry in raw["genes"]:
        symbol = str(entry["symbol"])
        aliases[symbol.upper()] = symbol
        for alias in entry.get("aliases") or []:
            aliases.setdefault(str(alias).upper(), symbol)
        if entry.get("fusion_driver"):
            drivers.add(symbol)
        if entry.get("positive_means_fusion"):
            positive.add(symbol)
    symbols = frozenset(str(e["symbol"]) for e in raw["genes"])
    not_genes = frozenset(str(w).upper() for w in raw.get("not_genes") or [])
    return GeneTable(symbols, aliases, frozenset(drivers), frozenset(positive), not_genes)


@cache
def gene_table() -> GeneTable:
    """Load `data/genes.yaml` once.

    Returns:
        The gene table.
    """
    return _build(load_data("genes.yaml"))


def known_genes() -> frozenset[str]:
    """Return the official symbols the alias table knows."""
    return gene_table().symbols


def is_fusion_driver(symbol: str) -> bool:
    """Tell whether `symbol` (official) is a fusion driver.

    Example:
        >>> is_fusion_driver("ALK"), is_fusion_driver("EML4")
        (True, False)
    """
    return symbol in gene_table().fusion_drivers


@lru_cache(maxsize=2**14)
def normalize_gene(symbol: str) -> str | None:
    """Map a gene symbol or alias, in any case, to its official HGNC symbol.

    A well-formed symbol that the table does not know is accepted as itself (upper-cased);
    words that name events ('fusion', 'mutation') and anything else are rejected.

    Args:
        symbol: The symbol as written ('HER2', 'c-MET', 'egfr', 'ZZZ3').

    Returns:
        The official symbol, or None when `symbol` is not a gene symbol.

    Example:
        >>> normalize_gene("HER2"), normalize_gene("c-Met"), normalize_gene("!!!")
        ('ERBB2', 'MET', None)
    """
    if not isinstance(symbol, str):
        return None
    text = symbol.strip()
    if not 2 <= len(text) <= _MAX_SYMBOL:
        return None
    table = gene_table()
    upper = text.upper()
    if upper in table.aliases:
        return table.aliases[upper]
    orf = _ORF.fullmatch(text)
    if orf:
        return f"C{orf.group(1).upper()}orf{orf.group(2)}"
    if upper in table.not_genes or not _SYMBOL.fullmatch(upper):
        return None
    return upper
