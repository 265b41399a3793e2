"""Cohort levels agree with OncoKB's therapeutic levels for common NSCLC biomarkers.

Every expected level below was checked against OncoKB (review of 2026-12-05, KB 2026.12.2):
- "news MM/YYYY": OncoKB release notes (https://www.oncokb.org/news), read from the
  oncokb/oncokb-public repository (src/main/webapp/app/pages/newsPage/: NewsPageContent.tsx for
  2022-2024, markdown/NewsContentMMYYYY.md from 2025 on).
- "table": OncoKB's biomarker-drug association download (oncokb_biomarker_drug_associations.tsv,
  a copy from about mid-2024), only for levels that no later release note changed.
Levels that onconav deliberately sets apart from OncoKB are not asserted here (see the KB
CHANGELOG, 2026.12.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.cohort.helpers import run, table

# (sample, gene, HGVSp_Short, Variant_Classification)
MUTATIONS = [
    ("EGFR_L858R", "EGFR", "p.L858R", "Missense_Mutation"),
    ("EGFR_T790M", "EGFR", "p.T790M", "Missense_Mutation"),
    ("EGFR_C797S", "EGFR", "p.C797S", "Missense_Mutation"),
    ("EGFR_G719A", "EGFR", "p.G719A", "Missense_Mutation"),
    ("EGFR_EX20INS", "EGFR", "p.A767_V769dup", "In_Frame_Ins"),
    ("ALK_G1202R", "ALK", "p.G1202R", "Missense_Mutation"),
    ("ALK_L1196M", "ALK", "p.L1196M", "Missense_Mutation"),
    ("ROS1_G2032R", "ROS1", "p.G2032R", "Missense_Mutation"),
    ("RET_G810R", "RET", "p.G810R", "Missense_Mutation"),
    ("BRAF_V600E", "BRAF", "p.V600E", "Missense_Mutation"),
    ("KRAS_G12C", "KRAS", "p.G12C", "Missense_Mutation"),
    ("KRAS_G12D", "KRAS", "p.G12D", "Missense_Mutation"),
    ("MET_SPLICE", "MET", "p.X1010_splice", "Splice_Site"),
    ("MET_D1010H", "MET", "p.D1010H", "Missense_Mutation"),
    ("ERBB2_YVMA", "ERBB2", "p.A775_G776insYVMA", "In_Frame_Ins"),
    ("ERBB2_S310F", "ERBB2", "p.S310F", "Missense_Mutation"),
    # Issue 12: oncogenic classes and OncoKB 2024-2026 entries.
    ("ERBB2_L755S", "ERBB2", "p.L755S", "Missense_Mutation"),
    ("ERBB2_V777L", "ERBB2", "p.V777L", "Missense_Mutation"),
    ("ROS1_L2086F", "ROS1", "p.L2086F", "Missense_Mutation"),
    ("ALK_T1151M", "ALK", "p.T1151M", "Missense_Mutation"),
    ("ALK_L1196Q", "ALK", "p.L1196Q", "Missense_Mutation"),
    ("ALK_I1171T", "ALK", "p.I1171T", "Missense_Mutation"),
    ("FGFR3_S249C", "FGFR3", "p.S249C", "Missense_Mutation"),
]
FUSIONS = [
    ("ALK_FUSION", "EML4-ALK"),
    ("ROS1_FUSION", "CD74-ROS1"),
    ("RET_FUSION", "KIF5B-RET"),
    ("NTRK1_FUSION", "TPM3-NTRK1"),
    ("NRG1_FUSION", "CD74-NRG1"),
    ("FGFR3_FUSION", "FGFR3-TACC3"),
    ("FGFR2_FUSION", "FGFR2-BICC1"),
]
AMPLIFICATIONS = [("MET_AMP", "MET"), ("ERBB2_AMP", "ERBB2")]
# The same changes given only as HGVSc (HGVSp_Short empty): translated on the shipped MANE CDS,
# they must get the levels of their protein form. (sample, gene, HGVSc, class, protein sample)
CDNA_MUTATIONS = [
    ("C_EGFR_L858R", "EGFR", "c.2573T>G", "Missense_Mutation", "EGFR_L858R"),
    ("C_EGFR_T790M", "EGFR", "ENST00000275493.7:c.2369C>T", "Missense_Mutation", "EGFR_T790M"),
    ("C_EGFR_C797S", "EGFR", "NM_005228.5:c.2390G>C", "Missense_Mutation", "EGFR_C797S"),
    ("C_EGFR_G719A", "EGFR", "c.2156G>C", "Missense_Mutation", "EGFR_G719A"),
    ("C_EGFR_EX20INS", "EGFR", "c.2300_2308dup", "In_Frame_Ins", "EGFR_EX20INS"),
    ("C_BRAF_V600E", "BRAF", "c.1799T>A", "Missense_Mutation", "BRAF_V600E"),
    ("C_KRAS_G12C", "KRAS", "c.34G>T", "Missense_Mutation", "KRAS_G12C"),
    ("C_KRAS_G12D", "KRAS", "NM_004985:c.35G>A", "Missense_Mutation", "KRAS_G12D"),
    ("C_ERBB2_YVMA", "ERBB2", "c.2313_2324dup", "In_Frame_Ins", "ERBB2_YVMA"),
    ("C_RET_G810R", "RET", "c.2428G>C", "Missense_Mutation", "RET_G810R"),
]

# sample -> (HIGHEST_LEVEL, {level column: treatments that must be in it})
EXPECTED: dict[str, tuple[str, dict[str, set[str]]]] = {
    # Level 1 osimertinib (table); datopotamab deruxtecan added at level 1 (news 07/2025).
    "EGFR_L858R": ("LEVEL_1", {"LEVEL_1": {"Osimertinib", "Datopotamab deruxtecan"}}),
    # Level 1 osimertinib and R1 erlotinib, gefitinib, afatinib (table); datopotamab deruxtecan
    # level 1 (news 07/2025). The annotator ranks R1 above level 1.
    "EGFR_T790M": (
        "LEVEL_R1",
        {
            "LEVEL_1": {"Osimertinib", "Datopotamab deruxtecan"},
            "LEVEL_R1": {"Erlotinib", "Gefitinib", "Afatinib"},
        },
    ),
    # R2 osimertinib (table); level 1 datopotamab deruxtecan for EGFR oncogenic mutations not
    # leveled otherwise, which C797S is not excluded from (news 07/2025).
    "EGFR_C797S": (
        "LEVEL_1",
        {"LEVEL_1": {"Datopotamab deruxtecan"}, "LEVEL_R2": {"Osimertinib"}},
    ),
    # Level 1 afatinib (table) and datopotamab deruxtecan (news 07/2025); level 2 osimertinib
    # (news 05/2022), erlotinib, gefitinib, dacomitinib, amivantamab + chemotherapy (news 07/2024).
    "EGFR_G719A": (
        "LEVEL_1",
        {
            "LEVEL_1": {"Afatinib", "Datopotamab deruxtecan"},
            "LEVEL_2": {
                "Osimertinib",
                "Erlotinib",
                "Gefitinib",
                "Dacomitinib",
                "Amivantamab+Carboplatin+Pemetrexed",
            },
        },
    ),
    # Level 1 amivantamab, amivantamab + chemotherapy (news 03/2024), sunvozertinib and
    # datopotamab deruxtecan (news 07/2025); R1 erlotinib, afatinib, gefitinib (news 03/2024).
    "EGFR_EX20INS": (
        "LEVEL_R1",
        {
            "LEVEL_1": {
                "Amivantamab",
                "Amivantamab+Carboplatin+Pemetrexed",
                "Sunvozertinib",
                "Datopotamab deruxtecan",
            },
            "LEVEL_R1": {"Erlotinib", "Gefitinib", "Afatinib"},
        },
    ),
    # Level 2 lorlatinib and R2 alectinib, crizotinib, ceritinib, brigatinib (news 06/2024);
    # NVL-655 (neladalkib) level 3A (news 10/2024).
    "ALK_G1202R": (
        "LEVEL_2",
        {
            "LEVEL_2": {"Lorlatinib"},
            "LEVEL_3A": {"Neladalkib"},
            "LEVEL_R2": {"Alectinib", "Crizotinib", "Ceritinib", "Brigatinib"},
        },
    ),
    # Level 2 lorlatinib, R2 crizotinib (news 06/2024).
    "ALK_L1196M": ("LEVEL_2", {"LEVEL_2": {"Lorlatinib"}, "LEVEL_R2": {"Crizotinib"}}),
    # Level 3A taletrectinib, R2 crizotinib and lorlatinib (news 10/2024).
    "ROS1_G2032R": (
        "LEVEL_3A",
        {"LEVEL_3A": {"Taletrectinib"}, "LEVEL_R2": {"Crizotinib", "Lorlatinib"}},
    ),
    # R2 selpercatinib (news 05/2026).
    "RET_G810R": ("LEVEL_R2", {"LEVEL_R2": {"Selpercatinib"}}),
    # Level 1 dabrafenib + trametinib (table), encorafenib + binimetinib (news 10/2023).
    "BRAF_V600E": (
        "LEVEL_1",
        {"LEVEL_1": {"Dabrafenib+Trametinib", "Encorafenib+Binimetinib"}},
    ),
    # Level 1 sotorasib, adagrasib (news 12/2022).
    "KRAS_G12C": ("LEVEL_1", {"LEVEL_1": {"Sotorasib", "Adagrasib"}}),
    # Level 3A RMC-6236 (daraxonrasib) for G12A/D/R/S/V in NSCLC (news 12/2023, 10/2024).
    "KRAS_G12D": ("LEVEL_3A", {"LEVEL_3A": {"Daraxonrasib"}}),
    # Level 1 capmatinib, tepotinib and level 2 crizotinib for "D1010, Exon 14 Deletion,
    # Exon 14 in-frame deletions, Exon 14 splice mutations" (table).
    "MET_SPLICE": (
        "LEVEL_1",
        {"LEVEL_1": {"Capmatinib", "Tepotinib"}, "LEVEL_2": {"Crizotinib"}},
    ),
    "MET_D1010H": (
        "LEVEL_1",
        {"LEVEL_1": {"Capmatinib", "Tepotinib"}, "LEVEL_2": {"Crizotinib"}},
    ),
    # Exon 20 insertion in the TKD: level 1 trastuzumab deruxtecan (news 06/2026), zongertinib
    # (news 08/2025) and sevabertinib (news 12/2025); level 2 ado-trastuzumab emtansine (news
    # 08/2025).
    "ERBB2_YVMA": (
        "LEVEL_1",
        {
            "LEVEL_1": {"Trastuzumab deruxtecan", "Zongertinib", "Sevabertinib"},
            "LEVEL_2": {"Trastuzumab emtansine"},
        },
    ),
    # Oncogenic missense outside the TKD: level 1 trastuzumab deruxtecan (news 06/2026); level 2
    # zongertinib (news 09/2025) and ado-trastuzumab emtansine (table, news 09/2025).
    "ERBB2_S310F": (
        "LEVEL_1",
        {
            "LEVEL_1": {"Trastuzumab deruxtecan"},
            "LEVEL_2": {"Zongertinib", "Trastuzumab emtansine"},
        },
    ),
    # Level 1 alectinib, brigatinib, ceritinib, crizotinib, lorlatinib (table), ensartinib
    # (news 01/2025); NVL-655 (neladalkib) 3A (news 10/2024).
    "ALK_FUSION": (
        "LEVEL_1",
        {
            "LEVEL_1": {
                "Alectinib",
                "Brigatinib",
                "Ceritinib",
                "Crizotinib",
                "Lorlatinib",
                "Ensartinib",
            },
            "LEVEL_3A": {"Neladalkib"},
        },
    ),
    # Level 1 crizotinib, entrectinib, repotrectinib (table), taletrectinib (news 06/2025),
    # zidesamtinib (news 08/2026, not in the oncokb-public snapshot read, which ends in July
    # 2026; the FDA approval of 2026-07-22 is in the openFDA Drugs@FDA record of NDA 220185);
    # level 2 ceritinib, lorlatinib (news 05/2022).
    "ROS1_FUSION": (
        "LEVEL_1",
        {
            "LEVEL_1": {
                "Crizotinib",
                "Entrectinib",
                "Repotrectinib",
                "Taletrectinib",
                "Zidesamtinib",
            },
            "LEVEL_2": {"Ceritinib", "Lorlatinib"},
        },
    ),
    # Level 1 selpercatinib, pralsetinib; level 2 cabozantinib (table).
    "RET_FUSION": (
        "LEVEL_1",
        {"LEVEL_1": {"Selpercatinib", "Pralsetinib"}, "LEVEL_2": {"Cabozantinib"}},
    ),
    # Level 1 larotrectinib, entrectinib, repotrectinib, all solid tumors (table).
    "NTRK1_FUSION": (
        "LEVEL_1",
        {"LEVEL_1": {"Larotrectinib", "Entrectinib", "Repotrectinib"}},
    ),
    # Level 1 zenocutuzumab (news 12/2024).
    "NRG1_FUSION": ("LEVEL_1", {"LEVEL_1": {"Zenocutuzumab"}}),
    # ---- issue 12 (KB 2026.12.4), OncoKB release notes read from oncokb/oncokb-public
    # ERBB2 oncogenic missense mutations: level 1 trastuzumab deruxtecan (news 06/2026); kinase-
    # domain (TKD) activating mutations: level 1 zongertinib (news 08/2025), sevabertinib (news
    # 12/2025); level 2 ado-trastuzumab emtansine (table, news 09/2025).
    "ERBB2_L755S": (
        "LEVEL_1",
        {
            "LEVEL_1": {"Trastuzumab deruxtecan", "Zongertinib", "Sevabertinib"},
            "LEVEL_2": {"Trastuzumab emtansine"},
        },
    ),
    "ERBB2_V777L": (
        "LEVEL_1",
        {
            "LEVEL_1": {"Trastuzumab deruxtecan", "Zongertinib", "Sevabertinib"},
            "LEVEL_2": {"Trastuzumab emtansine"},
        },
    ),
    # Level 3A cabozantinib; R2 lorlatinib, repotrectinib (news 10/24/2024).
    "ROS1_L2086F": (
        "LEVEL_3A",
        {"LEVEL_3A": {"Cabozantinib"}, "LEVEL_R2": {"Lorlatinib", "Repotrectinib"}},
    ),
    # R2 crizotinib (news 05/2026).
    "ALK_T1151M": ("LEVEL_R2", {"LEVEL_R2": {"Crizotinib"}}),
    # R2 alectinib (news 05/2026).
    "ALK_L1196Q": ("LEVEL_R2", {"LEVEL_R2": {"Alectinib"}}),
    # R2 alectinib and crizotinib (news 05/2026).
    "ALK_I1171T": ("LEVEL_R2", {"LEVEL_R2": {"Alectinib", "Crizotinib"}}),
    # FGFR2/FGFR3 oncogenic mutations (fusions included) in NSCLC: level 2 erdafitinib (news
    # 02/2025, NCCN V3.2025).
    "FGFR3_S249C": ("LEVEL_2", {"LEVEL_2": {"Erdafitinib"}}),
    "FGFR3_FUSION": ("LEVEL_2", {"LEVEL_2": {"Erdafitinib"}}),
    "FGFR2_FUSION": ("LEVEL_2", {"LEVEL_2": {"Erdafitinib"}}),
    # Level 2 crizotinib, capmatinib, tepotinib (news 05/2022, 10/2022; table).
    "MET_AMP": ("LEVEL_2", {"LEVEL_2": {"Crizotinib", "Capmatinib", "Tepotinib"}}),
    # Trastuzumab deruxtecan level 3A for ERBB2 amplification in all solid tumors (table, level
    # column "3" = 3A; news 03/2026 lists it at 3A in small bowel cancer before a promotion).
    "ERBB2_AMP": ("LEVEL_3A", {"LEVEL_3A": {"Trastuzumab deruxtecan"}}),
}
EXPECTED.update({c[0]: EXPECTED[c[4]] for c in CDNA_MUTATIONS})


def _write(path: Path, header: list[str], rows: Sequence[tuple[str, ...]]) -> Path:
    lines = ["\t".join(header), *("\t".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("oncokb_levels")
    maf = _write(
        folder / "muts.maf",
        ["Tumor_Sample_Barcode", "Hugo_Symbol", "HGVSp_Short", "Variant_Classification", "HGVSc"],
        [(*m, "") for m in MUTATIONS] + [(s, g, "", v, c) for s, g, c, v, _ in CDNA_MUTATIONS],
    )
    fusions = _write(folder / "fusions.txt", ["Tumor_Sample_Barcode", "Fusion"], FUSIONS)
    cna = _write(
        folder / "cna.txt",
        ["Tumor_Sample_Barcode", "Hugo_Symbol", "Copy_Number_Alteration"],
        [(s, g, "Amplification") for s, g in AMPLIFICATIONS],
    )
    out = folder / "out"
    run(out, maf=maf, fusions=fusions, cna=cna, tumor_type="LUAD")
    found: dict[str, dict[str, str]] = {}
    for name in ("annotated_mutations.tsv", "annotated_fusions.tsv", "annotated_cna.tsv"):
        for row in table(out / name):
            assert row["Tumor_Sample_Barcode"] not in found
            found[row["Tumor_Sample_Barcode"]] = row
    return found


def test_every_sample_is_checked(rows: dict[str, dict[str, str]]) -> None:
    assert set(rows) == set(EXPECTED)


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_levels_match_oncokb(rows: dict[str, dict[str, str]], sample: str) -> None:
    highest, cells = EXPECTED[sample]
    row = rows[sample]
    assert row["HIGHEST_LEVEL"] == highest, (sample, row["HIGHEST_LEVEL"])
    for column, treatments in cells.items():
        present = {item for item in row[column].split(",") if item}
        assert treatments <= present, (sample, column, treatments - present)


# The issue-12 samples: what the cohort gives per level is what `match` gives for the same
# alteration, history-free, and after the prior therapy each later-line indication asks for.
ISSUE_12 = {
    "ERBB2_L755S": ["ERBB2 L755S"],
    "ERBB2_V777L": ["ERBB2 V777L"],
    "ROS1_L2086F": ["ROS1 L2086F"],
    "ALK_T1151M": ["ALK T1151M"],
    "ALK_L1196Q": ["ALK L1196Q"],
    "ALK_I1171T": ["ALK I1171T"],
    "FGFR3_S249C": ["FGFR3 S249C"],
    "FGFR3_FUSION": ["FGFR3-TACC3"],
    "FGFR2_FUSION": ["FGFR2-BICC1"],
}


def _match_levels(alterations: list[str]) -> dict[str, set[str]]:
    from onconav.cohort.context import treatment
    from onconav.kb.index import get_index
    from onconav.match.caseio import case_from_data
    from onconav.match.engine import match_case
    from onconav.normalize import parse_alteration

    index = get_index()
    keys: dict[str, frozenset[str]] = {}
    for text in alterations:
        alt = parse_alteration(text)
        assert alt.gene is not None
        keys[alt.gene] = keys.get(alt.gene, frozenset()) | index.expand_keys(alt.gene, alt.keys)
    genes = set(keys)
    histories: list[list[dict[str, object]]] = [[]]
    for ind in (i for g in genes for i in index.indications_by_gene.get(g or "", ())):
        for prior in (p for p in (ind.prior, *ind.also_prior) if p is not None):
            drugs = sorted(index.drugs_of(prior.drugs, prior.classes) - set(ind.drugs))
            if drugs:
                histories.append([{"drugs": [drugs[0]], "outcome": "progression"}])
    histories.append([{"drugs": ["carboplatin", "pemetrexed"], "outcome": "progression"}])
    levels: dict[str, set[str]] = {}
    for history in histories:
        case = {"tumor_type": "LUAD", "alterations": alterations, "history": history}
        result = match_case(index, case_from_data(case))
        for o in result.options:
            ind = index.indications[o.indication_id]
            # The indications written for this alteration (not a mechanism's next steps, not
            # those that need a non-genomic biomarker, which a cohort file does not carry).
            if ind.gene in keys and keys[ind.gene] & set(ind.alterations) and not ind.biomarker:
                levels.setdefault(f"LEVEL_{o.level}", set()).add(treatment(o.drugs))
        if not history:
            for a in result.avoid:
                if a.kind == "resistance" and a.level:
                    levels.setdefault(f"LEVEL_{a.level}", set()).add(treatment(a.drugs))
    return levels


@pytest.mark.parametrize("sample", sorted(ISSUE_12))
def test_cohort_levels_agree_with_match(rows: dict[str, dict[str, str]], sample: str) -> None:
    row = rows[sample]
    from_match = _match_levels(ISSUE_12[sample])
    for column, treatments in from_match.items():
        present = {item for item in row.get(column, "").split(",") if item}
        # A treatment the cohort shows at a better level is shown once, at its best level.
        better = {item for c, v in row.items() if c.startswith("LEVEL_") and c < column
                  for item in v.split(",") if item}  # fmt: skip
        assert treatments - better <= present, (sample, column, treatments - present - better)
    for column, cell in row.items():
        if column.startswith("LEVEL_") and cell:
            shown = set(cell.split(","))
            assert shown <= from_match.get(column, set()), (sample, column, shown)
