"""Table-driven tests of parse_alteration (tests/data/normalize_cases.tsv) and its reasons."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from onconav.normalize import Alteration, normalize_alteration, parse_alteration
from onconav.normalize.grammar import rule_names, rules_used
from onconav.normalize.parser import _decorations, _split_gene
from onconav.normalize.phrases import clean

CASES = Path(__file__).resolve().parent.parent / "data" / "normalize_cases.tsv"


def _rows() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _rows()


def test_table_is_large_enough():
    assert len(ROWS) >= 120
    assert len({r["input"] for r in ROWS}) == len(ROWS), "duplicate inputs in the table"


@pytest.mark.parametrize("row", ROWS, ids=[repr(r["input"]) for r in ROWS])
def test_case(row):
    a = parse_alteration(row["input"])
    assert isinstance(a, Alteration)
    assert a.input == row["input"]
    assert a.recognized is (row["recognized"] == "true"), a.reason
    assert a.gene == (row["gene"] or None)
    assert a.alteration == (row["alteration"] or None)
    assert a.kind == row["kind"]
    assert a.keys == tuple(k for k in row["keys"].split("|") if k)
    if not a.recognized:
        assert a.reason
        assert a.keys == ()
        assert str(a) == row["input"]
    else:
        assert a.reason is None
        assert str(a) == f"{a.gene} {a.alteration}"


RECOGNIZED = [r["input"] for r in ROWS if r["recognized"] == "true"]


@pytest.mark.parametrize("text", RECOGNIZED)
def test_canonical_form_reads_back_the_same(text):
    a = parse_alteration(text)
    b = parse_alteration(str(a))
    assert (b.gene, b.alteration, b.kind, b.keys) == (a.gene, a.alteration, a.kind, a.keys)


def _change_part(text: str) -> str | None:
    found = _split_gene(clean(text))
    if not isinstance(found, tuple):
        return None
    return _decorations(found[1])[0]


def test_every_grammar_rule_has_a_row():
    used: set[str] = set()
    for row in ROWS:
        part = _change_part(row["input"])
        if part:
            used |= rules_used(part)
    assert rule_names() - used == set()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("!!!", "no gene symbol"),
        ("L858R", "no gene symbol"),
        ("ZZZ3 Q1X9", "cannot read protein change 'Q1X9'"),
        ("EGFR", "no alteration given"),
        ("EGFR p.L858=", "not protein-altering (synonymous)"),
        ("EGFR wild-type", "negative result (wild-type)"),
        ("EGFR L858R/T790M", "several alterations in one string; give them one by one"),
        ("EGFR c.3082+1G>", "cannot read cDNA change 'c.3082+1G>'"),
        ("EGFR banana", "cannot read alteration 'banana'"),
    ],
)
def test_reasons(text, reason):
    a = parse_alteration(text)
    assert not a.recognized
    assert a.reason == reason


def test_fields_of_an_indel():
    a = parse_alteration("EGFR p.D770_N771insSVD")
    assert (a.position, a.end_position, a.ref, a.alt, a.exon) == (770, 771, "D", "SVD", 20)


def test_fields_of_a_substitution():
    a = parse_alteration("EGFR p.Leu858Arg")
    assert (a.position, a.end_position, a.ref, a.alt, a.exon) == (858, None, "L", "R", 21)


def test_copy_number_and_partner():
    assert parse_alteration("MET amplification (CN 9)").copy_number == 9.0
    assert parse_alteration("MET copy number 12").copy_number == 12.0
    assert parse_alteration("ALK fusion (EML4)").partner == "EML4"
    assert parse_alteration("CD74::NRG1").partner == "CD74"


def test_results_are_cached():
    assert parse_alteration("EGFR L858R") is parse_alteration("EGFR L858R")
    assert parse_alteration.cache_info().maxsize == 2**16


def test_non_text_is_not_recognized():
    a = parse_alteration(None)  # type: ignore[arg-type]
    assert not a.recognized


class TestObjectForm:
    def test_amplification_with_copy_number(self):
        a = normalize_alteration("MET", "amplification", copy_number=9)
        assert (a.gene, a.alteration, a.kind, a.copy_number) == (
            "MET",
            "amplification",
            "amplification",
            9.0,
        )
        assert a.keys == ("amplification",)

    def test_alias_and_protein_change(self):
        a = normalize_alteration("HER2", "p.Y772_A775dup")
        assert (a.gene, a.alteration, a.keys) == (
            "ERBB2",
            "Y772_A775dup",
            ("Y772_A775dup", "exon 20 insertion", "mutation"),
        )

    def test_fusion_with_partner(self):
        a = normalize_alteration("ALK", "fusion", partner="EML4")
        assert (a.gene, a.partner, a.keys) == ("ALK", "EML4", ("fusion",))

    def test_fusion_named_from_the_partner_side(self):
        a = normalize_alteration("EML4", "fusion", partner="ALK")
        assert (a.gene, a.partner) == ("ALK", "EML4")

    def test_fusion_string_as_alteration(self):
        a = normalize_alteration("ALK", "EML4::ALK")
        assert (a.gene, a.alteration, a.partner) == ("ALK", "fusion", "EML4")

    def test_deletion_with_exon_is_an_exon_deletion(self):
        a = normalize_alteration("EGFR", "deletion", exon=19)
        assert (a.alteration, a.kind, a.exon) == ("exon 19 deletion", "exon_event", 19)
        assert a.keys == ("exon 19 deletion", "mutation")

    def test_insertion_with_exon(self):
        assert normalize_alteration("EGFR", "insertion", exon=20).alteration == "exon 20 insertion"

    def test_deletion_without_exon_is_deep(self):
        a = normalize_alteration("CDKN2A", "deletion", copy_number=0)
        assert (a.kind, a.keys, a.copy_number) == ("deep_deletion", ("deletion",), 0.0)

    def test_given_exon_classifies_an_indel_of_a_gene_without_table(self):
        a = normalize_alteration("KRAS", "p.G12_G13insA", exon=2)
        assert a.keys == ("G12_G13insA", "exon 2 insertion", "mutation")

    def test_gene_repeated_in_alteration(self):
        assert normalize_alteration("EGFR", "EGFR L858R").alteration == "L858R"

    def test_copy_number_without_alteration_text(self):
        assert normalize_alteration("MET", "", copy_number=10).alteration == "amplification"

    def test_unknown_gene(self):
        a = normalize_alteration("!!!", "L858R")
        assert not a.recognized
        assert a.reason == "no gene symbol"

    def test_input_is_gene_and_alteration(self):
        assert normalize_alteration("MET", "amp").input == "MET amp"

    def test_cached(self):
        assert normalize_alteration("MET", "amp") is normalize_alteration("MET", "amp")
