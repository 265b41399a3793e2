"""The residue check of protein changes, and transcript-prefixed input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from onconav.normalize import normalize_alteration, parse_alteration, protein_length
from onconav.normalize.reference import reference_data

KB_DATA = Path(__file__).resolve().parents[2] / "src" / "onconav" / "kb" / "data"


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


@pytest.mark.parametrize("text", ["NTRK2 G639R", "NTRK2 R9999Q", "ROS1 G2032R", "ROS1 Q9999*"])
def test_genes_without_a_protein_are_not_checked(text: str) -> None:
    assert text.split()[0] in reference_data()["gaps"]["protein"]
    a = parse_alteration(text)
    assert a.recognized
    assert not a.mismatch
    assert a.transcript is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ALK R9999Q", "ALK has 1620 residues"),
        ("ALK A1202R", "residue 1202 of ALK is G, not A"),
        ("MET D1246N", "residue 1246 of MET is P, not D"),  # NM_001127500 numbering
        ("NTRK1 G596R", "residue 596 of NTRK1 is D, not G"),
        ("NTRK3 G9623R", "NTRK3 has 839 residues"),
        ("NRAS Q62K", "residue 62 of NRAS is E, not Q"),
        ("PIK3CA E1047K", "residue 1047 of PIK3CA is H, not E"),
        ("STK11 Q437*", "STK11 has 433 residues"),
        ("KEAP1 p.Arg409fs", "residue 409 of KEAP1 is M, not R"),
        ("SMARCA4 T791V", "residue 791 of SMARCA4 is A, not T"),
        ("NRG1 R641Q", "NRG1 has 640 residues"),
        ("NRG1 p.Met2_Glu3del", "residue 2 of NRG1 is S, not M"),
        ("FGFR2 R9999Q", "FGFR2 has 821 residues"),
        ("FGFR2 p.Gly565Ala", "residue 565 of FGFR2 is E, not G"),
        ("FGFR3 R249C", "residue 249 of FGFR3 is S, not R"),
        ("FGFR3 Y807C", "FGFR3 has 806 residues"),
        ("MAP2K1 K56N", "residue 56 of MAP2K1 is Q, not K"),
        ("MAP2K1 p.Pro57Leu", "residue 57 of MAP2K1 is K, not P"),
    ],
)
def test_genes_with_a_uniprot_protein_are_checked(text: str, reason: str) -> None:
    a = parse_alteration(text)
    assert (a.recognized, a.reason, a.mismatch) == (False, reason, True)
    assert a.gene == text.split()[0]


@pytest.mark.parametrize(
    "text",
    ["ALK G1202R", "ALK L1196M", "MET D1228N", "MET Y1230C",
     "NTRK1 G595R", "NTRK3 G623R", "NRAS Q61K", "PIK3CA H1047R",
     "STK11 R304fs", "KEAP1 M409*", "SMARCA4 A791V", "NRG1 S2_E3del",
     "FGFR3 R248C", "FGFR3 S249C", "FGFR3 G370C", "FGFR3 Y373C", "FGFR3 G380R",
     "MAP2K1 K57N", "MAP2K1 Q56P", "MAP2K1 P124S", "FGFR2 E565A", "FGFR2 G646A"],
)  # fmt: skip
def test_changes_that_fit_a_uniprot_protein_pass(text: str) -> None:
    a = parse_alteration(text)
    assert a.recognized, a.reason
    assert a.transcript is not None


def _kb_changes() -> list[tuple[str, str]]:
    """Every (gene, change) a structured KB field names: `alteration` or `alterations`."""
    found: set[tuple[str, str]] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            gene = node.get("gene")
            names = node.get("alterations", [node.get("alteration")])
            if isinstance(gene, str):
                found.update((gene, n) for n in names if isinstance(n, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(KB_DATA.glob("*/*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return sorted(found)


def test_every_kb_change_fits_the_shipped_proteins() -> None:
    """A KB change that the residue check rejected could never match: none may."""
    checked: set[str] = set()
    for gene, change in _kb_changes():
        a = parse_alteration(f"{gene} {change}")
        assert not a.mismatch, (gene, change, a.reason)
        if a.transcript is not None and protein_length(gene) is not None:
            checked.add(gene)
    # the genes whose KB changes name residues, checked against their shipped protein
    assert {"ALK", "MET", "NTRK1", "NTRK3", "EGFR", "KRAS", "BRAF", "ERBB2"} <= checked


def test_every_kb_class_member_fits_the_shipped_proteins() -> None:
    """Alteration-class members (`FGFR3` R248C, `MAP2K1` K57N...) fit their gene's protein too."""
    checked: set[str] = set()
    for path in sorted((KB_DATA / "genes").glob("*.yaml")):
        for gene in yaml.safe_load(path.read_text(encoding="utf-8"))["genes"]:
            symbol = gene["symbol"]
            for klass in gene.get("alteration_classes", []):
                for member in klass.get("members", []):
                    a = parse_alteration(f"{symbol} {member}")
                    assert not a.mismatch, (symbol, member, a.reason)
                    if a.transcript is not None and protein_length(symbol) is not None:
                        checked.add(symbol)
    assert {"FGFR3", "MAP2K1", "ALK", "NTRK1", "EGFR", "KRAS", "PIK3CA"} <= checked


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
