"""The exon tables: residues derive from the c. boundaries; lookups and splice windows."""

from __future__ import annotations

import pytest

from onconav.normalize.exons import (
    CPos,
    cdna_exon,
    exon_table,
    residue_exon,
    skipped_exon,
    splice_codon_exon,
)


def test_residues_are_the_codons_starting_in_each_exon():
    for exon in exon_table().exons:
        first, last = exon.cdna
        assert exon.residues == (-(-(first + 2) // 3), (last + 2) // 3), (exon.gene, exon.number)


def test_egfr_ranges():
    ranges = {e.number: e.residues for e in exon_table().of_gene("EGFR")}
    assert ranges == {18: (688, 728), 19: (729, 761), 20: (762, 823), 21: (824, 875)}


def test_one_protein_numbering_transcript_per_gene():
    genes = [e.gene for e in exon_table().exons if e.protein_numbering]
    transcripts = {(e.gene, e.transcript) for e in exon_table().exons if e.protein_numbering}
    assert len({g for g, _ in transcripts}) == len(transcripts), genes


@pytest.mark.parametrize(
    ("gene", "start", "end", "exon"),
    [
        ("EGFR", 719, None, 18),
        ("EGFR", 746, 750, 19),
        ("EGFR", 761, 762, None),
        ("EGFR", 790, None, 20),
        ("EGFR", 858, None, 21),
        ("ERBB2", 755, 759, 19),
        ("ERBB2", 772, 775, 20),
        ("ERBB2", 842, None, 21),
        ("MET", 1003, None, 14),
        ("KRAS", 12, None, 2),  # from the shipped MANE exons (reference.json.gz)
        ("KRAS", 36, 40, None),  # crosses the exon 2 / exon 3 boundary
        ("BRAF", 600, None, 15),
        ("TP53", 273, None, 8),
        ("ALK", 1196, None, None),  # no exons shipped for ALK
    ],
)
def test_residue_exon(gene, start, end, exon):
    assert residue_exon(gene, start, end) == exon


def test_cdna_exon():
    assert cdna_exon("EGFR", CPos(2235), CPos(2249)) == 19
    assert cdna_exon("EGFR", CPos(2573)) == 21
    assert cdna_exon("EGFR", CPos(2184, 1)) is None


@pytest.mark.parametrize(
    ("start", "end", "indel", "skipped"),
    [
        (CPos(3082, 1), None, False, 14),
        (CPos(3028, 2), None, False, 14),
        (CPos(3028, 3), None, False, 14),
        (CPos(3028, 7), None, False, None),
        (CPos(2888, -1), None, False, 14),
        (CPos(2942, -2), None, False, 14),
        (CPos(2888, -40), None, False, None),
        (CPos(2888, -41), CPos(2888, -2), True, 14),
        (CPos(3082), CPos(3082, 26), True, 14),
        (CPos(2888, -10), CPos(2911), True, 14),
        (CPos(2950), CPos(2960), True, None),
        (CPos(3029, 1), None, False, None),
    ],
)
def test_met_exon_14_splice_windows(start, end, indel, skipped):
    assert skipped_exon("MET", start, end, indel=indel) == skipped


def test_splice_codons():
    assert [splice_codon_exon("MET", c) for c in (963, 1010, 981, 1028, 1000)] == [
        14,
        14,
        14,
        14,
        None,
    ]
    assert splice_codon_exon("EGFR", 729) is None
