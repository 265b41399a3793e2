"""Matching with the normalizer's reference checks: c. input reaches the driver it encodes,
impossible changes are unrecognized with a reason, and a readable change of a KB gene with no
known meaning is `unknown_significance` (never a driver, never 'no actionable driver')."""

from __future__ import annotations

import pytest

from onconav.kb.index import get_index
from onconav.match.significance import SEQUENCE_KINDS, unclassed_category
from onconav.normalize import parse_alteration
from onconav.normalize.models import KINDS
from tests.match.helpers import best_level, recommended_drugs, run

NO_DRIVER = "No actionable driver alteration was found"


@pytest.mark.parametrize(
    ("alteration", "protein"),
    [
        ("EGFR c.2235_2249del", "E746_A750del"),  # exon 19 deletion
        ("NM_005228.5:c.2573T>G", "L858R"),
        ("EGFR c.2156G>C", "G719A"),
        ("BRAF c.1799T>A", "V600E"),
        ("KRAS NM_004985.5:c.34G>T", "G12C"),
        ("ERBB2 c.2313_2324dup", "Y772_A775dup"),  # exon 20 insertion
    ],
)
def test_c_input_reaches_its_driver(alteration: str, protein: str) -> None:
    result = run(alterations=[alteration])
    (alt,) = result.alterations
    assert (alt.recognized, alt.alteration, alt.category) == (True, protein, "driver")
    assert alt.actionable
    assert alt.transcript is not None
    assert alt.transcript.startswith(("NM_", "ENST"))
    assert not any(NO_DRIVER in w for w in result.warnings)
    same = run(alterations=[f"{alt.gene} {protein}"])
    assert [o.drugs for o in same.options] == [o.drugs for o in result.options]


def test_c_input_gets_the_drug_of_its_protein_change() -> None:
    assert best_level(run(alterations=["EGFR c.2573T>G"]), "osimertinib") == "1"
    assert best_level(run(alterations=["BRAF c.1799T>A"]), "dabrafenib") == "1"


@pytest.mark.parametrize(
    ("alteration", "message"),
    [
        ("EGFR L8585R", "EGFR has 1210 residues"),
        ("EGFR K858R", "residue 858 of EGFR is L, not K"),
        ("KRAS c.34A>T", "c.34 of KRAS is G, not A"),
        ("EGFR NM_201282.2:c.2573T>G", "NM_201282.2 is not the transcript onconav reads EGFR on"),
        ("ALK c.3604G>A", "no coding sequence of ALK is shipped: give the protein change"),
    ],
)
def test_impossible_or_unreadable_changes_are_unrecognized(alteration: str, message: str) -> None:
    result = run(alterations=[alteration])
    (alt,) = result.alterations
    assert not alt.recognized
    assert alt.category == "unknown"
    assert message in (alt.message or "")
    assert any(alteration in w and "not understood" in w for w in result.warnings)


@pytest.mark.parametrize(
    "alteration", ["EGFR R108K", "BRAF P731T", "EGFR c.323G>A", "RET V292M", "NTRK1 R342Q"]
)
def test_change_of_no_known_meaning_is_unknown_significance(alteration: str) -> None:
    result = run(alterations=[alteration])
    (alt,) = result.alterations
    assert alt.recognized
    assert alt.category == "unknown_significance"
    assert not alt.actionable
    assert any("unknown significance" in w and alt.alteration in w for w in result.warnings)
    assert not any(NO_DRIVER in w for w in result.warnings)
    assert not {"osimertinib", "dabrafenib", "selpercatinib"} & recommended_drugs(result)


def test_unknown_significance_next_to_a_driver_leaves_the_driver_alone() -> None:
    result = run(alterations=["EGFR L858R", "EGFR R108K"])
    categories = {a.alteration: a.category for a in result.alterations}
    assert categories == {"L858R": "driver", "R108K": "unknown_significance"}
    assert best_level(result, "osimertinib") == "1"


def test_known_meanings_are_not_unknown_significance() -> None:
    index = get_index()
    for text in [
        "TP53 R273H",
        "STK11 Q37*",
        "KEAP1 G333C",
        "MET D1228N",
        "EGFR C797S",
        "ALK G1202R",
    ]:
        (alt,) = run(alterations=[text]).alterations
        assert alt.category != "unknown_significance", (text, alt.category)
    # the rule itself: only sequence changes of KB genes, only when no entry names a key
    alt = parse_alteration("EGFR R108K")
    assert unclassed_category(index, "EGFR", "fusion", frozenset()) == "fusion"
    assert unclassed_category(index, "EGFR", "substitution", frozenset(alt.keys)) == (
        "unknown_significance"
    )
    assert unclassed_category(index, "ZZZ3", "substitution", frozenset()) == "other"
    assert unclassed_category(index, "EGFR", "gene_level", frozenset()) == "other"
    assert set(KINDS) >= SEQUENCE_KINDS


def test_genes_without_a_reference_protein_are_flagged() -> None:
    result = run(alterations=["NTRK2 G639R", "EML4::ALK", "EGFR L858R", "ALK G1202R"])
    unchecked = [w for w in result.warnings if w.startswith("Not checked against a reference")]
    assert len(unchecked) == 1
    assert "NTRK2 G639R" in unchecked[0]
    assert "EGFR" not in unchecked[0]
    assert "ALK" not in unchecked[0]  # ALK's protein is shipped (UniProt): checked


@pytest.mark.parametrize(
    "alteration",
    ["EGFR blah", "KRAS L8585R", "ALK c.3604G>A", "NTRK fusion??", "MET K1010R", "ROS1 ???"],
)
def test_an_unread_change_of_a_targeted_gene_never_says_driver_negative(alteration: str) -> None:
    result = run(alterations=[alteration])
    assert not result.alterations[0].recognized
    assert not any(NO_DRIVER in w for w in result.warnings)
    (warning,) = [w for w in result.warnings if "could not be read" in w]
    assert repr(alteration) in warning
    assert "driver-negative" in warning


@pytest.mark.parametrize("alteration", ["TP53 blah", "STK11 R9999Q", "FOO1 blah"])
def test_an_unread_change_of_a_gene_no_drug_targets_keeps_the_plain_no_driver_note(
    alteration: str,
) -> None:
    result = run(alterations=[alteration])
    assert any(NO_DRIVER in w for w in result.warnings)
    assert not any("could not be read" in w for w in result.warnings)


def test_an_unread_change_beside_a_driver_adds_no_driver_note() -> None:
    result = run(alterations=["EGFR L858R", "KRAS blah"])
    assert not any(NO_DRIVER in w or "could not be read" in w for w in result.warnings)
