"""c. changes translated on the shipped MANE CDS: each class with members the issue does not name.

Expected protein names are those of the literature and of COSMIC / VEP output for these
well-known changes (NM_ numbering of the MANE Select transcript).
"""

from __future__ import annotations

import pytest

from onconav.normalize import parse_alteration, protein_change_alteration


def _read(text: str) -> tuple[bool, str | None, str]:
    a = parse_alteration(text)
    return a.recognized, a.alteration, a.kind


@pytest.mark.parametrize(
    ("text", "protein"),
    [
        ("EGFR c.2155G>A", "G719S"),
        ("EGFR c.2155G>T", "G719C"),
        ("EGFR c.2582T>A", "L861Q"),
        ("EGFR c.2303G>T", "S768I"),
        ("EGFR c.2390G>C", "C797S"),
        ("KRAS c.35G>T", "G12V"),
        ("KRAS c.38G>A", "G13D"),
        ("KRAS c.182A>G", "Q61R"),
        ("KRAS c.183A>C", "Q61H"),
        ("BRAF c.1406G>C", "G469A"),
        ("TP53 c.524G>A", "R175H"),
        ("TP53 c.743G>A", "R248Q"),
        ("ERBB2 c.2264T>C", "L755S"),
        ("ERBB2 c.929C>T", "S310F"),
        ("ERBB2 c.2524G>A", "V842I"),
        ("RET c.2753T>C", "M918T"),
        ("RET c.1900T>C", "C634R"),
        ("BRAF c.1798_1799delinsAA", "V600K"),
        ("KRAS c.34_35delinsTT", "G12F"),
    ],
)
def test_substitutions(text: str, protein: str) -> None:
    assert _read(text) == (True, protein, "substitution")
    gene = text.split()[0]
    assert parse_alteration(text).keys == parse_alteration(f"{gene} {protein}").keys


@pytest.mark.parametrize(
    ("text", "protein"),
    [
        ("TP53 c.916C>T", "R306*"),
        ("CDKN2A c.238C>T", "R80*"),
        ("EGFR c.2239_2240delinsTAA", "L747*"),
    ],
)
def test_nonsense(text: str, protein: str) -> None:
    assert _read(text) == (True, protein, "nonsense")


@pytest.mark.parametrize(
    ("text", "protein", "kind", "key"),
    [
        ("EGFR c.2237_2251del", "E746_T751delinsA", "delins", "exon 19 deletion"),
        ("EGFR c.2239_2248delinsC", "L747_A750delinsP", "delins", "exon 19 deletion"),
        ("EGFR c.2239_2256del", "L747_S752del", "deletion", "exon 19 deletion"),
        ("EGFR c.2240_2257del", "L747_P753delinsS", "delins", "exon 19 deletion"),
        ("EGFR c.2235_2252delinsAAT", "E746_T751delinsI", "delins", "exon 19 deletion"),
        ("EGFR c.2310_2311insGGT", "D770_N771insG", "insertion", "exon 20 insertion"),
        # COSMIC's legacy D770_N771insSVD: S-V-D repeats S768-D770, so HGVS (and VEP) write dup
        ("EGFR c.2311_2312insGCGTGGACA", "S768_D770dup", "duplication", "exon 20 insertion"),
        ("EGFR c.2300_2308dup", "A767_V769dup", "duplication", "exon 20 insertion"),
        ("ERBB2 c.2313_2324dup", "Y772_A775dup", "duplication", "exon 20 insertion"),
    ],
)
def test_in_frame_indels(text: str, protein: str, kind: str, key: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.alteration, a.kind) == (True, protein, kind), a.reason
    assert key in a.keys


def test_insertion_of_a_repeat_is_a_duplication_at_its_3_prime_end() -> None:
    # Inserting a copy of A767-S768-V769 right after V769 (COSMIC's V769_D770insASV) is, by the
    # HGVS 3' rule, the duplication A767_V769dup: the form VEP writes.
    assert _read("EGFR c.2307_2308insGCCAGCGTG")[1] == "A767_V769dup"


def test_deletion_in_a_run_is_named_at_its_last_residue() -> None:
    # KRAS G12-G13 are GGT-GGC: deleting codon 12 or codon 13 removes one Gly of the run; HGVS
    # names the most C-terminal one, G13.
    assert _read("KRAS c.34_36del")[1] == "G13del"
    assert _read("KRAS c.37_39del")[1] == "G13del"


@pytest.mark.parametrize(
    ("text", "protein"),
    [("EGFR c.2369_2370insA", "Q791fs"), ("TP53 c.215delC", "V73fs"), ("KRAS c.35del", "G12fs"),
     ("EGFR c.2240_2254delinsC", "L747fs")],
)  # fmt: skip
def test_frameshifts(text: str, protein: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.alteration, a.kind) == (True, protein, "frameshift")
    assert "mutation" in a.keys


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("EGFR c.2361G>A", "not protein-altering (synonymous) (c.2361G>A)"),
        ("KRAS c.36T>C", "not protein-altering (synonymous) (c.36T>C)"),
        (
            "TP53 c.1180T>C",
            "the change reaches the stop codon; give the protein change (c.1180T>C)",
        ),
    ],
)
def test_changes_with_no_protein_name(text: str, reason: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.reason, a.mismatch) == (False, reason, False)


def test_start_codon_loss_is_an_unknown_effect() -> None:
    assert _read("KRAS c.1A>G") == (True, "M1?", "substitution")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("EGFR c.2573A>G", "c.2573 of EGFR is T, not A"),
        ("BRAF c.1799A>T", "c.1799 of BRAF is T, not A"),
        ("EGFR c.2236_2250delAAAAAAAAAAAAAAA", "c.2236_2250 of EGFR is GAATTAAGAGAAGCA, not "
         "AAAAAAAAAAAAAAA"),
        ("EGFR c.2236_2250delGAA", "c.2236_2250 of EGFR spans 15 bases, not 3"),
        ("KRAS c.9999G>A", "the CDS of KRAS (NM_004985.5) has 567 bases, not 9999"),
        ("RET c.3346_3347insA", "the CDS of RET (NM_020975.6) has 3345 bases, not 3347"),
    ],
)  # fmt: skip
def test_contradictions_of_the_cds_are_mismatches(text: str, reason: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.reason, a.mismatch) == (False, reason, True)


@pytest.mark.parametrize("gene", ["ALK", "ROS1", "MET", "NTRK1", "PIK3CA", "STK11"])
def test_no_cds_shipped_asks_for_the_protein_change(gene: str) -> None:
    a = parse_alteration(f"{gene} c.100A>G")
    assert not a.recognized
    assert a.reason == f"no coding sequence of {gene} is shipped: give the protein change"


@pytest.mark.parametrize(
    ("text", "alteration", "key"),
    [
        ("MET c.3082+1G>T", "c.3082+1G>T", "exon 14 skipping"),
        ("MET c.3028+2T>C", "c.3028+2T>C", "exon 14 skipping"),
        ("MET c.2888-2A>G", "c.2888-2A>G", "exon 14 skipping"),
        ("EGFR c.2184+1G>A", "c.2184+1G>A", "mutation"),
    ],
)
def test_splice_positions_keep_their_c_form(text: str, alteration: str, key: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.alteration, a.kind) == (True, alteration, "splice")
    assert key in a.keys


def test_maf_row_reads_hgvsc_when_the_protein_columns_are_empty() -> None:
    a = protein_change_alteration("EGFR", "", "Missense_Mutation", hgvsc="c.2573T>G")
    assert (a.alteration, a.transcript) == ("L858R", "NM_005228.5")
    b = protein_change_alteration(
        "KRAS", None, "Missense_Mutation", hgvsc="ENST00000311936:c.34G>T"
    )
    assert (b.alteration, b.transcript) == ("G12C", "ENST00000311936.8")


def test_maf_protein_mismatch_is_not_read_again_from_hgvsc() -> None:
    a = protein_change_alteration("EGFR", "p.Q858R", "Missense_Mutation", hgvsc="c.2573T>G")
    assert (a.recognized, a.mismatch, a.reason) == (False, True, "residue 858 of EGFR is L, not Q")
