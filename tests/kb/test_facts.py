"""Spot checks of key clinical facts in the shipped knowledge base, and its coverage floor."""

from __future__ import annotations

import pytest

REQUIRED_DRUGS = [
    *"osimertinib erlotinib gefitinib afatinib dacomitinib amivantamab lazertinib".split(),
    *"necitumumab mobocertinib sunvozertinib crizotinib ceritinib alectinib brigatinib".split(),
    *"lorlatinib ensartinib neladalkib entrectinib repotrectinib taletrectinib".split(),
    *"dabrafenib trametinib encorafenib binimetinib vemurafenib sotorasib adagrasib".split(),
    *"capmatinib tepotinib savolitinib selpercatinib pralsetinib cabozantinib".split(),
    *"larotrectinib zongertinib zenocutuzumab zidesamtinib bevacizumab ramucirumab".split(),
    "carboplatin",
    *"cisplatin pemetrexed docetaxel paclitaxel pembrolizumab nivolumab atezolizumab".split(),
    *["durvalumab", "datopotamab deruxtecan", "telisotuzumab vedotin", "trastuzumab deruxtecan"],
]
REQUIRED_GENES = [*"EGFR ALK ROS1 BRAF KRAS MET RET NTRK1 NTRK2 NTRK3 ERBB2 NRG1".split()]


def _effect(index, gene: str, alteration: str, drug: str) -> str | None:
    for r in index.resistance_by_gene[gene]:
        if r.alteration == alteration and r.drug == drug:
            return r.effect
    return None


def test_required_drugs_and_genes_present(index) -> None:
    assert set(REQUIRED_DRUGS) <= set(index.drugs)
    assert set(REQUIRED_GENES) <= set(index.genes)
    assert {"pd_l1_tps", "her2_ihc", "cmet_ihc_3plus_percent"} <= set(index.biomarkers)


def test_coverage_floor(index) -> None:
    assert len(index.kb.indications) >= 60
    assert len(index.kb.resistance) >= 60


def test_gene_aliases(index) -> None:
    aliases = {a.upper() for g in index.kb.genes for a in g.aliases}
    assert {"HER2", "C-MET", "TRKA", "TRKB", "TRKC"} <= aliases


@pytest.mark.parametrize(
    ("gene", "alteration", "drug", "effect"),
    [
        ("ALK", "G1202R", "alectinib", "resistant"),
        ("ALK", "G1202R", "lorlatinib", "sensitive"),
        ("EGFR", "C797S", "osimertinib", "resistant"),
        ("EGFR", "T790M", "gefitinib", "resistant"),
        ("EGFR", "T790M", "osimertinib", "sensitive"),
        ("ROS1", "G2032R", "crizotinib", "resistant"),
        ("ROS1", "G2032R", "zidesamtinib", "sensitive"),
        ("KRAS", "Y96D", "sotorasib", "resistant"),
    ],
)
def test_resistance_facts(index, gene, alteration, drug, effect) -> None:
    assert _effect(index, gene, alteration, drug) == effect


def test_bevacizumab_not_for_squamous(index) -> None:
    squamous = index.contraindications["squamous_histology"]
    assert any("bevacizumab" in c.drugs and c.severity == "avoid" for c in squamous)
    for ind in index.kb.indications:
        if "bevacizumab" in ind.drugs:
            assert ind.histology == "nonsquamous", ind.id


def test_approval_status(index) -> None:
    assert index.drugs["mobocertinib"].approval_status == "withdrawn"
    assert index.drugs["neladalkib"].approval_status == "investigational"
    assert index.drugs["savolitinib"].approval_status == "investigational"
    assert index.drugs["osimertinib"].approval_status == "approved"
    # Approved 2026-07-22 (openFDA Drugs@FDA record of NDA 220185, read 2026-12-06).
    assert index.drugs["zidesamtinib"].approval_status == "approved"
    assert index.drugs["sacituzumab tirumotecan"].approval_status == "investigational"


def test_approved_drugs_cite_their_label(index) -> None:
    for drug in index.kb.drugs:
        if drug.approval_status == "approved":
            assert any(s.kind == "fda_label" for s in drug.sources), drug.name


def test_level_1_indications_are_fda_approved(index) -> None:
    for ind in index.kb.indications:
        if ind.level == "1":
            assert ind.approval_year is not None, ind.id
            assert all(index.drugs[d].approval_status == "approved" for d in ind.drugs), ind.id


def test_trial_status_only_for_investigational_levels(index) -> None:
    for ind in index.kb.indications:
        if ind.status == "trial":
            assert ind.level in ("3A", "3B", "4"), ind.id


def test_drug_names_resolve_brands(index) -> None:
    assert index.drug_name("Tagrisso") == "osimertinib"
    assert index.drug_name("XALKORI") == "crizotinib"
    assert index.drug_name("fam-trastuzumab deruxtecan-nxki") == "trastuzumab deruxtecan"


def test_patient_texts_read_at_grade_8_or_below(index) -> None:
    textstat = pytest.importorskip("textstat")
    too_hard = []
    for drug in index.kb.drugs:
        text = " ".join([drug.patient_summary, drug.patient_how_taken])
        grade = textstat.flesch_kincaid_grade(text)
        if grade > 8:
            too_hard.append((drug.name, round(grade, 1)))
    assert too_hard == []
