"""The engine generalizes: every driver, setting, resistance family, history and condition."""

from __future__ import annotations

import pytest

from tests.match.helpers import avoided, best_level, options_with, recommended_drugs, run

EGFR_TKIS_1G = ("gefitinib", "erlotinib")


@pytest.mark.parametrize(
    ("alterations", "history", "drug", "level"),
    [
        (["EGFR L858R"], [], "osimertinib", "1"),
        (["EGFR exon 19 deletion"], [], "osimertinib", "1"),
        (["EGFR p.E746_A750del"], [], "osimertinib", "1"),
        (["EGFR G719S"], [], "afatinib", "1"),
        (["EGFR p.D770_N771insSVD"], [], "amivantamab", "1"),
        (["EML4::ALK"], [], "alectinib", "1"),
        (["EML4-ALK"], [], "lorlatinib", "1"),
        (["CD74-ROS1"], [], "crizotinib", "1"),
        (["CD74::ROS1"], [], "repotrectinib", "1"),
        (["BRAF V600E"], [], "dabrafenib", "1"),
        (["BRAF p.Val600Glu"], [], "encorafenib", "1"),
        (["MET exon 14 skipping"], [], "capmatinib", "1"),
        (["MET c.3082+1G>T"], [], "tepotinib", "1"),
        (["KIF5B::RET"], [], "selpercatinib", "1"),
        (["ETV6-NTRK3"], [], "larotrectinib", "1"),
        (["TPM3::NTRK1"], [], "entrectinib", "1"),
    ],
)
def test_first_line_drivers(alterations, history, drug, level) -> None:
    result = run(alterations=alterations, history=history)
    assert best_level(result, drug) == level
    assert all(a.recognized for a in result.alterations)


@pytest.mark.parametrize(
    ("alteration", "drug"),
    [
        ("KRAS G12C", "sotorasib"),
        ("KRAS p.Gly12Cys", "adagrasib"),
        ("ERBB2 p.Y772_A775dup", "trastuzumab deruxtecan"),
        ("HER2 exon 20 insertion", "trastuzumab deruxtecan"),
        ("CD74::NRG1", "zenocutuzumab"),
    ],
)
def test_later_line_drivers_after_chemoimmunotherapy(alteration, drug) -> None:
    history = [{"drugs": ["carboplatin", "pemetrexed", "pembrolizumab"], "outcome": "progression"}]
    result = run(alterations=[alteration], history=history)
    assert best_level(result, drug) == "1"
    assert {"carboplatin", "pemetrexed", "pembrolizumab"} <= set(avoided(result))


def test_after_prior_therapy_indication_is_not_first_line() -> None:
    result = run(alterations=["KRAS G12C"])
    assert result.line == "first"
    assert not [o for o in options_with(result, "sotorasib") if o.line == "first line"]
    assert "sotorasib" not in recommended_drugs(result)
    assert any("sotorasib" in w and "after prior systemic therapy" in w for w in result.warnings)
    assert next(a for a in result.alterations if a.gene == "KRAS").actionable


@pytest.mark.parametrize(
    ("setting", "alteration", "drug"),
    [
        ("adjuvant", "EGFR L858R", "osimertinib"),
        ("consolidation", "EGFR exon 19 deletion", "osimertinib"),
        ("adjuvant", "EML4::ALK", "alectinib"),
    ],
)
def test_settings(setting, alteration, drug) -> None:
    result = run(alterations=[alteration], setting=setting, stage="IIIA")
    opts = options_with(result, drug)
    assert opts
    assert all(o.setting == setting for o in result.options)


def test_egfr_t790m_after_first_generation_tki() -> None:
    result = run(
        alterations=["EGFR exon 19 deletion", "EGFR T790M"],
        history=[{"drugs": ["Iressa"], "outcome": "progression"}],
    )
    assert result.options[0].drugs == ["osimertinib"] or "osimertinib" in result.options[0].drugs
    avoid = avoided(result)
    assert "gefitinib" in avoid
    assert "T790M" in avoid["gefitinib"].reason
    assert "erlotinib" in avoid


def test_egfr_c797s_after_osimertinib() -> None:
    result = run(
        alterations=["EGFR L858R", "EGFR C797S"],
        history=[{"drugs": ["Tagrisso"], "outcome": "progression"}],
    )
    avoid = avoided(result)
    assert "osimertinib" in avoid
    assert "C797S" in avoid["osimertinib"].reason
    assert avoid["osimertinib"].level in ("R1", "R2")
    assert "osimertinib" not in recommended_drugs(result)


def test_egfr_met_amplification_bypass_after_osimertinib() -> None:
    result = run(
        alterations=["EGFR exon 19 deletion", "MET amplification"],
        history=[{"drugs": ["osimertinib"], "outcome": "progression"}],
    )
    assert any(f.kind == "bypass" and "MET" in f.trigger for f in result.resistance)
    assert any("MET" in o.biomarker for o in result.options)


def test_small_cell_transformation_brings_next_steps() -> None:
    result = run(
        tumor_type="SCLC",
        alterations=["EGFR exon 19 deletion"],
        history=[{"drugs": ["osimertinib"], "outcome": "progression"}],
    )
    kinds = {f.kind for f in result.resistance}
    assert "transformation" in kinds
    steps = " ".join(s for f in result.resistance for s in f.next_steps).lower()
    assert "etoposide" in steps
    assert not any("No actionable" in w for w in result.warnings)


def test_alk_g1202r_after_alectinib() -> None:
    result = run(
        alterations=["EML4::ALK", "ALK p.Gly1202Arg"],
        history=[{"drugs": ["alectinib"], "outcome": "progression"}],
    )
    avoid = avoided(result)
    assert "G1202R" in avoid["alectinib"].reason
    assert best_level(result, "lorlatinib") == "1"
    assert "lorlatinib" not in avoid
    assert "after progression on alectinib" in options_with(result, "lorlatinib")[0].line


def test_alk_compound_mutation_after_lorlatinib() -> None:
    result = run(
        alterations=["EML4::ALK", "ALK G1202R", "ALK L1196M"],
        history=[
            {"drugs": ["alectinib"], "outcome": "progression"},
            {"drugs": ["Lorbrena"], "outcome": "progression"},
        ],
    )
    avoid = avoided(result)
    assert {"alectinib", "lorlatinib"} <= set(avoid)
    assert options_with(result, "neladalkib")
    assert all(o.status == "trial" for o in options_with(result, "neladalkib"))


def test_ros1_g2032r_after_crizotinib() -> None:
    result = run(
        alterations=["CD74-ROS1", "ROS1 G2032R"],
        history=[{"drugs": ["Xalkori"], "outcome": "progression"}],
    )
    avoid = avoided(result)
    assert "crizotinib" in avoid
    assert "entrectinib" in avoid
    assert options_with(result, "repotrectinib") or options_with(result, "taletrectinib")


def test_ret_solvent_front_after_selpercatinib() -> None:
    result = run(
        alterations=["KIF5B::RET", "RET G810R"],
        history=[{"drugs": ["selpercatinib"], "outcome": "progression"}],
    )
    avoid = avoided(result)
    assert "G810R" in avoid["selpercatinib"].reason
    assert "pralsetinib" in avoid


def test_kras_g12c_y96d_after_sotorasib() -> None:
    result = run(
        alterations=["KRAS G12C", "KRAS Y96D"],
        history=[{"drugs": ["Lumakras"], "outcome": "progression"}],
    )
    avoid = avoided(result)
    assert "sotorasib" in avoid
    assert "adagrasib" in avoid
    assert "Y96D" in avoid["adagrasib"].reason


def test_ntrk_solvent_front_after_larotrectinib() -> None:
    result = run(
        alterations=["ETV6::NTRK3", "NTRK3 G623R"],
        history=[{"drugs": ["larotrectinib"], "outcome": "progression"}],
    )
    assert "larotrectinib" in avoided(result)
    assert options_with(result, "repotrectinib")


def test_met_d1228_after_capmatinib() -> None:
    result = run(
        alterations=["MET exon 14 skipping", "MET D1228N"],
        history=[{"drugs": ["capmatinib"], "outcome": "progression"}],
    )
    avoid = avoided(result)
    assert "capmatinib" in avoid
    assert "tepotinib" in avoid


def test_squamous_histology_means_no_bevacizumab() -> None:
    result = run(tumor_type="LUSC", alterations=[], biomarkers={"pd_l1_tps": 10})
    assert "bevacizumab" in avoided(result)
    assert not options_with(result, "bevacizumab")


def test_hemoptysis_moves_antiangiogenics_to_avoid() -> None:
    result = run(alterations=["EGFR L858R"], conditions=["hemoptysis"])
    avoid = avoided(result)
    assert {"bevacizumab", "ramucirumab"} <= set(avoid)
    assert not options_with(result, "ramucirumab")
    assert options_with(result, "osimertinib")


def test_ild_argues_against_trastuzumab_deruxtecan() -> None:
    history = [{"drugs": ["carboplatin", "pemetrexed"], "outcome": "progression"}]
    result = run(
        alterations=["ERBB2 Y772_A775dup"],
        history=history,
        conditions=["interstitial_lung_disease"],
    )
    assert "trastuzumab deruxtecan" not in recommended_drugs(result)
    assert "trastuzumab deruxtecan" in avoided(result) or any(
        "trastuzumab deruxtecan" in w for w in result.warnings
    )


def test_non_lung_tumor_gets_only_tissue_agnostic_options() -> None:
    history = [{"drugs": ["carboplatin", "paclitaxel"], "outcome": "progression"}]
    result = run(tumor_type="THPA", alterations=["BRAF V600E"], history=history)
    assert not result.tumor_type.is_lung
    assert any("not a lung cancer" in w for w in result.warnings)
    assert options_with(result, "dabrafenib", "trametinib")
    assert not options_with(result, "encorafenib")
    assert all(o.indication_id.endswith("tissue-agnostic") for o in result.options)


def test_tissue_agnostic_exclusion_of_colorectal_braf() -> None:
    history = [{"drugs": ["oxaliplatin"], "outcome": "progression"}]
    result = run(tumor_type="COAD", alterations=["BRAF V600E"], history=history)
    assert not options_with(result, "dabrafenib", "trametinib")


def test_her2_ihc_3plus_tissue_agnostic() -> None:
    history = [{"drugs": ["carboplatin", "paclitaxel"], "outcome": "progression"}]
    result = run(tumor_type="LUAD", biomarkers={"her2_ihc": "3+"}, history=history)
    assert options_with(result, "trastuzumab deruxtecan")


def test_pd_l1_high_without_driver() -> None:
    result = run(alterations=["KRAS G12D", "TP53 R273H"], biomarkers={"pd_l1_tps": 80})
    assert options_with(result, "pembrolizumab")
    assert not any("sotorasib" in o.drugs for o in result.options)


def test_pd_l1_options_not_offered_with_egfr_driver() -> None:
    result = run(alterations=["EGFR L858R"], biomarkers={"pd_l1_tps": 80})
    assert not options_with(result, "pembrolizumab")


def test_unrecognized_alteration_is_listed_and_rest_matched() -> None:
    result = run(alterations=["EGFR L858R", "ZZZ3 Q1X9", "!!!"])
    by_input = {a.input: a for a in result.alterations}
    assert by_input["ZZZ3 Q1X9"].recognized is False
    assert by_input["ZZZ3 Q1X9"].message
    assert by_input["!!!"].recognized is False
    assert options_with(result, "osimertinib")
    assert any("ZZZ3 Q1X9" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("history", "offered"),
    [
        ([["carboplatin", "pemetrexed"]], False),  # platinum alone: no EGFR-directed therapy
        ([["osimertinib"]], False),  # an EGFR TKI alone: no platinum
        ([["osimertinib"], ["carboplatin", "pemetrexed"]], True),
        ([["amivantamab", "carboplatin", "pemetrexed"]], True),  # both in one regimen
    ],
)
def test_datopotamab_needs_both_priors_of_its_label(history, offered) -> None:
    result = run(
        alterations=["EGFR E746_A750del"],
        history=[{"drugs": d, "outcome": "progression"} for d in history],
    )
    assert bool(options_with(result, "datopotamab deruxtecan")) is offered


def test_gene_outside_the_kb_is_named_not_dropped() -> None:
    result = run(alterations=["NTRK fusion", "ARID1A Q123*", "TP53 R273H"])
    outside = [w for w in result.warnings if w.startswith("Gene not in the knowledge base")]
    assert len(outside) == 1
    assert "ARID1A Q123*" in outside[0]
    assert "TP53" not in outside[0]  # a KB gene (a co-mutation), not outside
    assert "NTRK" not in outside[0]  # a gene group of the KB (test_gene_group_*), not outside


def test_no_actionable_alteration_plasma_only_warns_tissue() -> None:
    result = run(alterations=[{"gene": "TP53", "alteration": "R273H", "source": "plasma"}])
    text = " ".join(result.warnings).lower()
    assert "no actionable" in text
    assert "tissue" in text


def test_brand_names_in_history() -> None:
    result = run(
        alterations=["EML4::ALK"], history=[{"drugs": ["Alecensa"], "outcome": "progression"}]
    )
    assert "alectinib" in avoided(result)
    assert result.line == "later"


def test_unknown_history_drug_is_a_warning() -> None:
    result = run(alterations=["EGFR L858R"], history=[{"drugs": ["snakeoilumab"]}])
    assert any("snakeoilumab" in w for w in result.warnings)


def test_tumor_type_names_map_to_codes() -> None:
    assert run(tumor_type="lung adenocarcinoma").tumor_type.code == "LUAD"
    assert run(tumor_type="squamous cell lung cancer").tumor_type.code == "LUSC"
    assert run(tumor_type="Non-Small Cell Lung Cancer").tumor_type.code == "NSCLC"


def test_unknown_tumor_type_suggests_names() -> None:
    from onconav.errors import TumorTypeError

    with pytest.raises(TumorTypeError) as info:
        run(tumor_type="lung adenocarcinomma")
    assert "LUAD" in str(info.value) or "lung adenocarcinoma" in str(info.value)


def test_output_carries_versions_and_disclaimer() -> None:
    result = run(alterations=["EGFR L858R"])
    assert result.kb_version
    assert result.onconav_version
    assert "does not replace" in result.disclaimer


def test_met_amplification_copy_number_floor() -> None:
    low = run(alterations=[{"gene": "MET", "alteration": "amplification", "copy_number": 5}])
    assert not options_with(low, "capmatinib")
    assert any("below the level" in w for w in low.warnings)
    high = run(alterations=[{"gene": "MET", "alteration": "amplification", "copy_number": 14}])
    assert options_with(high, "capmatinib")
    unknown = run(alterations=["MET amplification"])
    assert options_with(unknown, "capmatinib")
    assert any("copy number was not reported" in w for w in unknown.warnings)
