"""normalize_gene and KNOWN_GENES."""

from __future__ import annotations

import pytest

import onconav.normalize as normalize
from onconav.normalize import KNOWN_GENES, normalize_gene
from onconav.normalize.aliases import gene_table, is_fusion_driver


@pytest.mark.parametrize(
    ("symbol", "official"),
    [
        ("HER2", "ERBB2"),
        ("her2", "ERBB2"),
        ("HER-2", "ERBB2"),
        ("c-MET", "MET"),
        ("C-Met", "MET"),
        ("TRKA", "NTRK1"),
        ("TrkB", "NTRK2"),
        ("TRKC", "NTRK3"),
        ("HER1", "EGFR"),
        ("ERBB1", "EGFR"),
        ("LKB1", "STK11"),
        ("p16", "CDKN2A"),
        ("MEK1", "MAP2K1"),
        ("egfr", "EGFR"),
        (" KRAS ", "KRAS"),
        ("ZZZ3", "ZZZ3"),
        ("zzz3", "ZZZ3"),
        ("TP53", "TP53"),
        ("C11orf30", "C11orf30"),
        ("c11ORF30", "C11orf30"),
        ("NKX2-1", "NKX2-1"),
        ("HLA-A", "HLA-A"),
    ],
)
def test_aliases_and_symbols(symbol, official):
    assert normalize_gene(symbol) == official


@pytest.mark.parametrize(
    "garbage",
    ["", "!!!", "E", "p.L858R", "EGFR L858R", "fusion", "Mutation", "12AB", "A" * 40, "EGFR_x"],
)
def test_garbage_is_not_a_gene(garbage):
    assert normalize_gene(garbage) is None


def test_non_text_is_not_a_gene():
    assert normalize_gene(None) is None  # type: ignore[arg-type]


def test_known_genes():
    assert isinstance(KNOWN_GENES, frozenset)
    required = {
        "EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET", "RET", "NTRK1", "NTRK2", "NTRK3", "ERBB2", "NRG1",
        "EML4", "KIF5B", "CCDC6", "CD74", "SLC34A2", "SDC4", "EZR", "TPM3", "ETV6", "LMNA", "TPR",
        "NCOA4", "TFG", "HIP1", "KLC1", "TP53", "STK11", "KEAP1", "PIK3CA", "SMARCA4", "NRAS",
        "CDKN2A", "NF1", "PTEN", "RB1", "ERBB3", "MAP2K1", "FGFR1", "FGFR2", "FGFR3",
    }  # fmt: skip
    assert required <= KNOWN_GENES
    assert all(normalize_gene(g) == g for g in KNOWN_GENES)


def test_fusion_drivers_are_the_kb_fusion_genes():
    drivers = {
        "ALK",
        "ROS1",
        "RET",
        "NTRK1",
        "NTRK2",
        "NTRK3",
        "NRG1",
        "BRAF",
        "MET",
        "FGFR1",
        "FGFR2",
        "FGFR3",
        "NUTM1",
    }
    assert gene_table().fusion_drivers == drivers
    assert is_fusion_driver("ALK")
    assert not is_fusion_driver("EML4")


def test_no_alias_is_another_genes_symbol():
    table = gene_table()
    for alias, symbol in table.aliases.items():
        if alias in {s.upper() for s in table.symbols}:
            assert alias == symbol.upper(), alias


def test_unknown_module_attribute():
    with pytest.raises(AttributeError):
        _ = normalize.NOT_A_NAME  # type: ignore[attr-defined]
