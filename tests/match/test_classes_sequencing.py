"""Issue 12: oncogenic classes, treatment sequencing, next_line, pending decisions, special cases.

Each finding of the review stands for a class; the cases below are mostly members the issue did
not name. Category strings are not asserted for variants of unknown significance (the label
changes with the normalizer's `unknown_significance`); membership, driver status and options
are.
"""

from __future__ import annotations

import pytest

from tests.match.helpers import avoided, best_level, options_with, recommended_drugs, run

CHEMO_IO = [{"drugs": ["carboplatin", "pemetrexed", "pembrolizumab"], "outcome": "progression"}]
HER2_DRUGS = ("trastuzumab deruxtecan", "zongertinib", "sevabertinib")
IO_ALONE = ("pembrolizumab", "atezolizumab", "cemiplimab", "nivolumab")


def _her2_class(result) -> bool:
    return any("kinase-domain" in c for a in result.alterations for c in a.classes)


# ------------------------------------------------------------------ HER2 kinase-domain class
@pytest.mark.parametrize(
    "alteration",
    ["ERBB2 L755S", "ERBB2 D769Y", "ERBB2 V777L", "ERBB2 V842I", "ERBB2 R896C", "ERBB2 I767M",
     "ERBB2 T798M", "ERBB2 T733I", "ERBB2 D821N", "ERBB2 L866M", "ERBB2 G776delinsVC"],
)  # fmt: skip
def test_her2_kinase_domain_members_get_her2_drugs_after_chemo_io(alteration: str) -> None:
    result = run(alterations=[alteration], history=CHEMO_IO)
    assert _her2_class(result)
    for drug in HER2_DRUGS:
        assert options_with(result, drug), (alteration, drug)
    assert not any("no actionable driver" in w.lower() for w in result.warnings)


def test_her2_exon19_deletion_is_activating_but_not_in_the_tkd_list() -> None:
    result = run(alterations=["ERBB2 L755_T759del"], history=CHEMO_IO)
    assert best_level(result, "trastuzumab deruxtecan") == "1"
    assert best_level(result, "zongertinib") == "2"  # OncoKB 09/2025: outside the TKD list
    assert not options_with(result, "sevabertinib")


@pytest.mark.parametrize("alteration", ["ERBB2 N857S", "ERBB2 K883E", "ERBB2 A730T"])
def test_her2_kinase_domain_missense_not_shown_activating_is_not_a_member(alteration: str) -> None:
    result = run(alterations=[alteration], history=CHEMO_IO)
    alt = result.alterations[0]
    assert alt.recognized
    assert not alt.classes
    assert alt.category != "driver"
    assert not alt.actionable
    assert not any(options_with(result, d) for d in HER2_DRUGS)
    assert any("unknown significance" in w and "721-975" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("alteration", "residues"),
    [("EGFR K852R", "712-979"), ("BRAF A712T", "457-717"), ("MET N1081S", "1078-1345")],
)
def test_missense_in_other_class_ranges_is_flagged_not_a_member(
    alteration: str, residues: str
) -> None:
    result = run(alterations=[alteration])
    alt = result.alterations[0]
    assert alt.recognized
    assert not alt.classes
    assert alt.category != "driver"
    assert any("unknown significance" in w and residues in w for w in result.warnings)


# ------------------------------------------------------------------ EGFR uncommon alterations
@pytest.mark.parametrize(
    ("alteration", "drug"),
    [
        ("EGFR K745_E746insIPVAIK", "erlotinib"),  # another exon 19 insertion
        ("EGFR I744_K745insKIPVAI", "erlotinib"),
        ("EGFR E709K", "afatinib"),  # exon 18 substitution
        ("EGFR E709_T710delinsD", "afatinib"),  # exon 18 delins
        ("EGFR KDD", "afatinib"),  # the kinase-domain duplication, read by its class name
        ("EGFR exon 18-25 duplication", "afatinib"),
        ("EGFR A763_Y764insFQEA", "erlotinib"),
    ],
)
def test_uncommon_egfr_alterations_get_an_egfr_drug_not_chemo_io(alteration, drug) -> None:
    result = run(alterations=[alteration], biomarkers={"pd_l1_tps": 60})
    assert result.alterations[0].recognized, result.alterations[0].message
    assert options_with(result, drug), alteration
    assert drug not in avoided(result)
    for io in IO_ALONE:
        assert not options_with(result, io, "carboplatin"), (alteration, io)
        assert not [o for o in options_with(result, io) if len(o.drugs) == 1], (alteration, io)


def test_fqea_is_not_avoided_for_first_generation_tkis() -> None:
    result = run(alterations=["EGFR A763_Y764insFQEA"])
    assert "erlotinib" not in avoided(result)
    assert "gefitinib" not in avoided(result)
    assert "erlotinib" in avoided(run(alterations=["EGFR D770_N771insSVD"]))


@pytest.mark.parametrize(
    "alteration", ["EGFR D770_N771insSVD", "EGFR S768_D770dup", "EGFR H773_V774insNPH"]
)
def test_no_immunotherapy_alone_after_chemo_for_exon20_insertions(alteration: str) -> None:
    history = [{"drugs": ["carboplatin", "pemetrexed"], "outcome": "progression"}]
    result = run(alterations=[alteration], history=history, biomarkers={"pd_l1_tps": 80})
    assert options_with(result, "amivantamab")
    for io in IO_ALONE:
        assert not options_with(result, io), (alteration, io)


@pytest.mark.parametrize("alteration", ["EGFR T790M", "EGFR S768_D770dup", "EGFR G719A"])
def test_chemo_io_follows_the_label_wording_egfr_aberrations(alteration: str) -> None:
    result = run(alterations=[alteration], biomarkers={"pd_l1_tps": 10})
    assert not options_with(result, "pembrolizumab", "pemetrexed")
    assert not options_with(result, "nivolumab", "ipilimumab")


# ------------------------------------------------------------------ IO alone with a driver
@pytest.mark.parametrize(
    "alteration", ["ROS1 fusion", "RET fusion", "BRAF V600E", "MET exon 14 skipping"]
)
def test_io_alone_with_a_targetable_driver_is_consider_with_reason(alteration: str) -> None:
    result = run(alterations=[alteration], biomarkers={"pd_l1_tps": 80})
    alone = [o for o in options_with(result, "pembrolizumab") if o.drugs == ["pembrolizumab"]]
    assert alone
    assert all(o.status == "consider" for o in alone)
    assert all(any("lower benefit" in c for c in o.cautions) for o in alone)
    assert result.options[0].status == "recommended"
    assert "pembrolizumab" not in result.options[0].drugs


def test_io_alone_for_kras_g12c_stays_recommended() -> None:
    result = run(alterations=["KRAS G12C"], biomarkers={"pd_l1_tps": 80})
    alone = [o for o in options_with(result, "pembrolizumab") if o.drugs == ["pembrolizumab"]]
    assert alone[0].status == "recommended"


# ------------------------------------------------------------------ sequencing
@pytest.mark.parametrize(
    ("alteration", "prior", "same_class"),
    [
        ("RET fusion", ["selpercatinib"], "pralsetinib"),
        ("ERBB2 A775_G776insYVMA", ["zongertinib"], "sevabertinib"),
        ("KRAS G12C", ["adagrasib"], "sotorasib"),
        ("BRAF V600E", ["encorafenib", "binimetinib"], "dabrafenib"),
        ("MET exon 14 skipping", ["tepotinib"], "capmatinib"),
        ("NTRK1 fusion", ["larotrectinib"], "entrectinib"),
        ("ROS1 fusion", ["taletrectinib"], "repotrectinib"),
        ("ALK fusion", ["lorlatinib"], "brigatinib"),
    ],
)
def test_same_class_after_progression_is_not_recommended(alteration, prior, same_class) -> None:
    history = [{"drugs": ["carboplatin", "pemetrexed"], "outcome": "progression"},
               {"drugs": prior, "outcome": "progression"}]  # fmt: skip
    result = run(alterations=[alteration], history=history)
    assert same_class not in recommended_drugs(result), alteration
    for opt in options_with(result, same_class):
        assert opt.status != "recommended"
        assert any("Progression on" in c and "no source" in c for c in opt.cautions)


@pytest.mark.parametrize(
    ("alteration", "prior", "drug"),
    [
        ("ALK fusion", ["alectinib"], "lorlatinib"),
        ("ALK fusion", ["brigatinib"], "lorlatinib"),
        ("ALK fusion", ["crizotinib"], "alectinib"),
        ("ROS1 fusion", ["crizotinib"], "repotrectinib"),
        ("NTRK3 fusion", ["larotrectinib"], "repotrectinib"),
    ],
)
def test_sourced_same_class_sequence_stays_recommended(alteration, prior, drug) -> None:
    result = run(alterations=[alteration], history=[{"drugs": prior, "outcome": "progression"}])
    assert drug in recommended_drugs(result), (alteration, prior, drug)


def test_intolerance_is_not_progression_for_sequencing() -> None:
    result = run(alterations=["RET fusion"],
                 history=[{"drugs": ["selpercatinib"], "outcome": "intolerance"}])  # fmt: skip
    assert "pralsetinib" in recommended_drugs(result)


# ------------------------------------------------------------------ next_line
@pytest.mark.parametrize(
    ("alteration", "drugs"),
    [
        ("KRAS G12C", {"sotorasib", "adagrasib"}),
        ("EGFR T790M", {"osimertinib"}),
        ("NRG1 fusion", {"zenocutuzumab"}),
    ],
)
def test_next_line_options_come_after_the_current_line(alteration: str, drugs: set) -> None:
    result = run(alterations=[alteration], biomarkers={"pd_l1_tps": 10})
    nxt = [o for o in result.options if o.status == "next_line"]
    assert drugs <= {d for o in nxt for d in o.drugs}
    statuses = [o.status == "next_line" for o in result.options]
    assert statuses == sorted(statuses)  # every current-line option first
    assert all(o.sources for o in nxt)


def test_no_next_line_once_there_is_history() -> None:
    result = run(alterations=["KRAS G12C"], history=CHEMO_IO)
    assert not [o for o in result.options if o.status == "next_line"]
    assert "sotorasib" in recommended_drugs(result)


# ------------------------------------------------------------------ pending FDA decisions
@pytest.mark.parametrize(
    ("case", "drug", "date"),
    [
        ({"alterations": ["ERBB2 A775_G776insYVMA"]}, "sevabertinib", None),
        ({"alterations": ["EGFR L858R"],
          "history": [{"drugs": ["osimertinib"], "outcome": "progression"}]},
         "ivonescimab", "2026-11-14"),
        ({"alterations": ["ALK fusion"],
          "history": [{"drugs": ["lorlatinib"], "outcome": "progression"}]},
         "neladalkib", None),
    ],
)  # fmt: skip
def test_pending_decisions_are_investigational_with_a_warning(case, drug, date) -> None:
    result = run(**case)
    opts = options_with(result, drug)
    assert opts
    for o in opts:
        assert o.status == "trial"
        assert o.level not in ("1", "2")
        assert o.approval_year is None
    notes = [w for w in result.warnings if drug in w and "pending" in w]
    assert notes
    if date:
        assert date in notes[0]


@pytest.mark.parametrize("prior", ["crizotinib", "lorlatinib", "repotrectinib"])
def test_zidesamtinib_is_approved_after_any_ros1_tki(prior: str) -> None:
    result = run(
        alterations=["ROS1 fusion"], history=[{"drugs": [prior], "outcome": "progression"}]
    )
    opts = options_with(result, "zidesamtinib")
    assert opts[0].level == "1"
    assert opts[0].status == "recommended"
    assert not any("zidesamtinib" in w and "pending" in w for w in result.warnings)


# ------------------------------------------------------------------ special situations
@pytest.mark.parametrize(
    ("alteration", "prior"),
    [
        ("EGFR L858R", "osimertinib"),
        ("EGFR E746_A750del", "erlotinib"),
        ("ALK fusion", "alectinib"),
    ],
)
def test_small_cell_transformation_gets_platinum_etoposide(alteration: str, prior: str) -> None:
    result = run(tumor_type="SCLC", alterations=[alteration],
                 history=[{"drugs": [prior], "outcome": "progression"}])  # fmt: skip
    opts = options_with(result, "etoposide")
    assert opts
    assert opts[0] is result.options[0]
    assert all(o.sources for o in opts)


@pytest.mark.parametrize("alteration", ["EGFR L858R", "ALK fusion", "KRAS G12D", "ROS1 fusion"])
def test_pregnancy_warns_on_every_option_and_avoids_nothing_by_itself(alteration: str) -> None:
    plain = run(alterations=[alteration], biomarkers={"pd_l1_tps": 5})
    result = run(alterations=[alteration], biomarkers={"pd_l1_tps": 5}, conditions=["pregnancy"])
    assert result.options
    assert {o.indication_id for o in result.options} == {o.indication_id for o in plain.options}
    assert not [a for a in result.avoid if a.kind == "contraindication"]
    assert all(any("specialist" in c for c in o.cautions) for o in result.options)
    assert any("specialist" in w for w in result.warnings)


@pytest.mark.parametrize("text", ["NTRK fusion", "NTRK rearrangement"])
def test_ntrk_fusion_without_gene_gets_ntrk_options_first(text: str) -> None:
    result = run(alterations=[text], biomarkers={"pd_l1_tps": 10})
    assert result.options[0].drugs[0] in {"larotrectinib", "entrectinib"}
    assert options_with(result, "larotrectinib")
    assert options_with(result, "entrectinib")
    assert any("confirm which gene" in w for w in result.warnings)
    assert result.alterations[0].actionable


# ------------------------------------------------------------------ OncoKB R2 and 3A entries
@pytest.mark.parametrize(
    ("alteration", "drug"),
    [
        ("ALK T1151M", "crizotinib"),
        ("ALK L1196Q", "alectinib"),
        ("ALK V1180L", "alectinib"),
        ("ALK I1171T", "crizotinib"),
        ("EGFR T854A", "erlotinib"),
        ("NTRK1 F589L", "larotrectinib"),
        ("ROS1 L2086F", "repotrectinib"),
        ("ROS1 L2086F", "lorlatinib"),
    ],
)
def test_oncokb_r2_entries_put_the_drug_on_the_avoid_list(alteration: str, drug: str) -> None:
    gene = alteration.split()[0]
    result = run(alterations=[f"{gene} fusion" if gene != "EGFR" else "EGFR L858R", alteration])
    entry = avoided(result).get(drug)
    assert entry is not None, (alteration, drug)
    assert entry.level == "R2", (alteration, drug)


def test_ros1_l2086f_cabozantinib_is_3a() -> None:
    result = run(alterations=["ROS1 fusion", "ROS1 L2086F"],
                 history=[{"drugs": ["lorlatinib"], "outcome": "progression"}])  # fmt: skip
    assert best_level(result, "cabozantinib") == "3A"


@pytest.mark.parametrize(
    ("alteration", "drug", "level"),
    [("FGFR3 S249C", "erdafitinib", "2"), ("FGFR2 fusion", "erdafitinib", "2"),
     ("FGFR3 fusion", "erdafitinib", "2"), ("MAP2K1 K57N", "trametinib", "4"),
     ("MAP2K1 Q56P", "trametinib", "4")],
)  # fmt: skip
def test_new_genes_with_nsclc_evidence(alteration: str, drug: str, level: str) -> None:
    result = run(alterations=[alteration], history=CHEMO_IO)
    assert best_level(result, drug) == level
