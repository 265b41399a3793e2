"""The residue check of protein changes, and transcript-prefixed input."""

from __future__ import annotations

import pytest

from onconav.normalize import normalize_alteration, parse_alteration


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("EGFR Q790M", "residue 790 of EGFR is T, not Q"),
        ("EGFR p.Cys858Arg", "residue 858 of EGFR is L, not C"),
        ("KRAS A12C", "residue 12 of KRAS is G, not A"),
        ("BRAF V601E", "residue 601 of BRAF is K, not V"),
        ("TP53 R2730H", "TP53 has 393 residues"),
        ("KRAS G190D", "KRAS has 188 residues"),
        ("ERBB2 Q1300*", "ERBB2 has 1255 residues"),
        ("TP53 p.Arg500fs", "TP53 has 393 residues"),
        ("EGFR E746_A1750del", "EGFR has 1210 residues"),
        ("EGFR E746_T750del", "residue 750 of EGFR is A, not T"),
        ("EGFR D770_P771insG", "residue 771 of EGFR is N, not P"),
        ("ERBB2 Y772_A776dup", "residue 776 of ERBB2 is G, not A"),
        ("EGFR L747_P753delinsS", None),
        ("EGFR K719X", "residue 719 of EGFR is G, not K"),
        ("RET M1918T", "RET has 1114 residues"),
        ("KRAS p.*200Qext*24", "the stop of KRAS is at 189, not 200"),
    ],
)
def test_reference_residue_and_position(text: str, reason: str | None) -> None:
    a = parse_alteration(text)
    assert a.reason == reason
    assert a.recognized is (reason is None)
    assert a.mismatch is (reason is not None)
    if reason is not None:
        assert a.keys == ()
        assert a.alteration is None
        assert a.gene == text.split()[0]


@pytest.mark.parametrize(
    "text",
    ["EGFR G719X", "EGFR G719A", "KRAS G12X", "BRAF V600X", "TP53 R273fs", "ERBB2 A775_G776insYVMA",
     "EGFR E709_T710delinsD", "EGFR S768_D770dup", "CDKN2A R80*", "TP53 X126_splice"],
)  # fmt: skip
def test_changes_that_fit_pass(text: str) -> None:
    a = parse_alteration(text)
    assert a.recognized, a.reason
    assert a.transcript is not None


@pytest.mark.parametrize("text", ["ALK G1202R", "ALK R9999Q", "MET D1228N", "ROS1 G2032R"])
def test_genes_without_a_protein_are_not_checked(text: str) -> None:
    a = parse_alteration(text)
    assert a.recognized
    assert not a.mismatch
    assert a.transcript is None


def test_object_form_is_checked_too() -> None:
    a = normalize_alteration("EGFR", "p.L8585R")
    assert (a.recognized, a.reason, a.mismatch) == (False, "EGFR has 1210 residues", True)


@pytest.mark.parametrize(
    ("text", "transcript"),
    [
        ("NM_005228.5:c.2573T>G", "NM_005228.5"),
        ("ENST00000275493.7:c.2573T>G", "ENST00000275493.7"),
        ("NM_005228:c.2573T>G", "NM_005228.5"),
        ("ENST00000275493:c.2573T>G", "ENST00000275493.7"),
        ("EGFR NM_005228.5:c.2573T>G", "NM_005228.5"),
        ("NM_005228.5(EGFR):c.2573T>G", "NM_005228.5"),
        ("EGFR(ENST00000275493.7):c.2573T>G", "ENST00000275493.7"),
        ("EGFR NP_005219.2:p.Leu858Arg", "NP_005219.2"),
        ("EGFR ENSP00000275493:p.L858R", "ENSP00000275493.2"),
        ("EGFR c.2573T>G", "NM_005228.5"),
        ("EGFR L858R", "NM_005228.5"),
        ("EGFR NM_005228.4:c.2573T>G", "NM_005228.4"),  # same CDS, verified
        ("EGFR NM_005228.3:c.2573T>G", "NM_005228.3"),  # older version, read on the shipped one
    ],
)
def test_transcript_prefixed_input(text: str, transcript: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.gene, a.alteration, a.transcript) == (True, "EGFR", "L858R", transcript)


@pytest.mark.parametrize(
    "text",
    ["EGFR NM_201282.2:c.2573T>G", "KRAS NM_033360.4:c.34G>T", "BRAF ENST00000288602.6:c.1799T>A",
     "TP53 NP_001119584.1:p.R273H", "NM_033360.4(KRAS):c.35G>A"],
)  # fmt: skip
def test_other_transcripts_are_refused_with_a_reason(text: str) -> None:
    a = parse_alteration(text)
    assert not a.recognized
    assert "is not the transcript onconav reads" in (a.reason or "")
    assert a.gene in {"EGFR", "KRAS", "BRAF", "TP53"}


def test_exon_table_alternate_is_read_for_splice_positions_only() -> None:
    splice = parse_alteration("MET NM_001127500.3:c.3082+1G>T")
    assert splice.recognized
    assert "exon 14 skipping" in splice.keys
    assert splice.transcript == "NM_001127500.3"
    exonic = parse_alteration("MET NM_001127500.3:c.3000A>G")
    assert not exonic.recognized
    assert "no coding sequence of NM_001127500.3" in (exonic.reason or "")
    protein = parse_alteration("MET NM_001127500.3:p.D1246N")
    assert not protein.recognized
    assert "MANE Select" in (protein.reason or "")


def test_unknown_accession_alone_is_no_gene() -> None:
    assert parse_alteration("NM_999999.1:c.1A>G").reason == "no gene symbol"


@pytest.mark.parametrize(
    ("text", "skipping"),
    [
        ("MET NM_000245.4:c.3028+1G>T", True),  # exon 14 donor on the MANE transcript
        ("MET ENST00000397752.8:c.2888-2A>G", True),
        ("MET NM_001127500.3:c.3082+1G>T", True),  # the same donor on the alternate
        ("MET NM_000245.4:c.3082+1G>T", False),  # c.3082 is past exon 14 on NM_000245
        ("MET NM_001127500.3:c.3028+1G>T", False),  # ... and c.3028 inside it on NM_001127500
        ("MET c.3082+1G>T", True),  # no transcript named: either table transcript
    ],
)
def test_splice_positions_are_read_on_the_named_transcript(text: str, skipping: bool) -> None:
    a = parse_alteration(text)
    assert a.recognized, a.reason
    assert ("exon 14 skipping" in a.keys) is skipping
