"""protein_change_alteration: MAF HGVSp_Short / HGVSp with Variant_Classification."""

from __future__ import annotations

import pytest

from onconav.normalize import protein_change_alteration


@pytest.mark.parametrize(
    ("gene", "change", "vclass", "alteration", "kind", "keys"),
    [
        (
            "EGFR",
            "p.L858R",
            "Missense_Mutation",
            "L858R",
            "substitution",
            ("L858R", "L858X", "mutation"),
        ),
        (
            "EGFR",
            "p.Leu858Arg",
            "Missense_Mutation",
            "L858R",
            "substitution",
            ("L858R", "L858X", "mutation"),
        ),
        (
            "KRAS",
            "p.G12C",
            "Missense_Mutation",
            "G12C",
            "substitution",
            ("G12C", "G12X", "mutation"),
        ),
        (
            "EGFR",
            "p.E746_A750del",
            "In_Frame_Del",
            "E746_A750del",
            "deletion",
            ("E746_A750del", "exon 19 deletion", "mutation"),
        ),
        (
            "EGFR",
            "p.Glu746_Ala750del",
            "In_Frame_Del",
            "E746_A750del",
            "deletion",
            ("E746_A750del", "exon 19 deletion", "mutation"),
        ),
        (
            "EGFR",
            "p.D770_N771insSVD",
            "In_Frame_Ins",
            "D770_N771insSVD",
            "insertion",
            ("D770_N771insSVD", "exon 20 insertion", "mutation"),
        ),
        (
            "ERBB2",
            "p.Y772_A775dup",
            "In_Frame_Ins",
            "Y772_A775dup",
            "duplication",
            ("Y772_A775dup", "exon 20 insertion", "mutation"),
        ),
        (
            "TP53",
            "p.R213*",
            "Nonsense_Mutation",
            "R213*",
            "nonsense",
            ("R213*", "R213X", "mutation"),
        ),
        (
            "TP53",
            "p.R213X",
            "Nonsense_Mutation",
            "R213*",
            "nonsense",
            ("R213*", "R213X", "mutation"),
        ),
        (
            "TP53",
            "p.Arg213Ter",
            "Nonsense_Mutation",
            "R213*",
            "nonsense",
            ("R213*", "R213X", "mutation"),
        ),
        ("STK11", "p.R304fs", "Frame_Shift_Del", "R304fs", "frameshift", ("R304fs", "mutation")),
        (
            "STK11",
            "p.Arg304GlufsTer5",
            "Frame_Shift_Ins",
            "R304fs",
            "frameshift",
            ("R304fs", "mutation"),
        ),
        (
            "MET",
            "X1010_splice",
            "Splice_Site",
            "X1010_splice",
            "splice",
            ("X1010_splice", "exon 14 skipping", "mutation"),
        ),
        (
            "MET",
            "p.X1010_splice",
            "Splice_Site",
            "X1010_splice",
            "splice",
            ("X1010_splice", "exon 14 skipping", "mutation"),
        ),
        (
            "MET",
            "p.X963_splice",
            "Splice_Site",
            "X963_splice",
            "splice",
            ("X963_splice", "exon 14 skipping", "mutation"),
        ),
        (
            "MET",
            "p.X1028_splice",
            "Splice_Region",
            "X1028_splice",
            "splice",
            ("X1028_splice", "exon 14 skipping", "mutation"),
        ),
        (
            "TP53",
            "p.X126_splice",
            "Splice_Site",
            "X126_splice",
            "splice",
            ("X126_splice", "mutation"),
        ),
        (
            "KRAS",
            "p.M1?",
            "Translation_Start_Site",
            "M1?",
            "substitution",
            ("M1?", "M1X", "mutation"),
        ),
        (
            "KRAS",
            "p.*189Qext*24",
            "Nonstop_Mutation",
            "*189Qext*24",
            "substitution",
            ("*189Qext*24", "mutation"),
        ),
        ("MET", "", "Splice_Site", "splice", "splice", ("splice", "mutation")),
    ],
)
def test_protein_altering_rows(gene, change, vclass, alteration, kind, keys):
    a = protein_change_alteration(gene, change, vclass)
    assert a.recognized, a.reason
    assert (a.alteration, a.kind, a.keys) == (alteration, kind, keys)


@pytest.mark.parametrize(
    "vclass", ["Silent", "Intron", "3'UTR", "5'UTR", "3'Flank", "5'Flank", "IGR", "RNA"]
)
def test_non_coding_classes_are_not_recognized(vclass):
    a = protein_change_alteration("EGFR", "p.L858L", vclass)
    assert not a.recognized
    assert a.reason == f"not protein-altering ({vclass})"


def test_splice_region_without_a_protein_change_is_not_protein_altering():
    a = protein_change_alteration("EGFR", "p.L858=", "Splice_Region")
    assert a.reason == "not protein-altering (Splice_Region)"


def test_empty_met_splice_site_with_hgvsc_is_exon_14_skipping():
    # MANE v1.5 pairs ENST00000397752.8 with NM_000245.4 (same CDS): exon 14's donor is c.3028+1
    # there; c.3082+1 is the same donor on NM_001127500, or on an older ENST00000397752 version.
    a = protein_change_alteration("MET", "", "Splice_Site", hgvsc="ENST00000397752.8:c.3028+1G>T")
    assert (a.alteration, a.keys) == (
        "c.3028+1G>T",
        ("c.3028+1G>T", "exon 14 skipping", "mutation"),
    )
    assert a.exon == 14
    for hgvsc in ("NM_001127500.3:c.3082+1G>T", "ENST00000397752.3:c.3082+1G>T", "c.3082+1G>T"):
        b = protein_change_alteration("MET", "", "Splice_Site", hgvsc=hgvsc)
        assert "exon 14 skipping" in b.keys, hgvsc
    c = protein_change_alteration("MET", "", "Splice_Site", hgvsc="ENST00000397752.8:c.3082+1G>T")
    assert "exon 14 skipping" not in c.keys


def test_missing_protein_change():
    a = protein_change_alteration("KRAS", None, "Missense_Mutation")
    assert a.reason == "no protein change"


def test_unreadable_protein_change():
    a = protein_change_alteration("KRAS", "p.Q1X9", "Missense_Mutation")
    assert a.reason == "cannot read protein change 'p.Q1X9'"


def test_unknown_gene():
    assert (
        protein_change_alteration("!!!", "p.L858R", "Missense_Mutation").reason == "no gene symbol"
    )


def test_alias_gene_and_input():
    a = protein_change_alteration("HER2", "p.V777L", "Missense_Mutation")
    assert (a.gene, a.input) == ("ERBB2", "HER2 p.V777L")


def test_without_class():
    assert protein_change_alteration("BRAF", "p.V600E").alteration == "V600E"


def test_cached():
    first = protein_change_alteration("BRAF", "p.V600E", "Missense_Mutation")
    assert first is protein_change_alteration("BRAF", "p.V600E", "Missense_Mutation")
