"""Fusions, structural variants, copy number (GISTIC and long), clinical and VCF readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconav.cohort.readers.cna import call_word
from onconav.cohort.readers.fusions import fusion_alteration, split_fusion
from onconav.cohort.readers.vcf import consequence_class, vcf_protein
from tests.cohort.helpers import DATA, gz, run, table

CLINICAL = DATA / "tiny_clinical.txt"


@pytest.mark.parametrize("zipped", [False, True])
def test_fusion_file(tmp_path: Path, workdir: Path, zipped: bool) -> None:
    src = DATA / "tiny_fusions.txt"
    run(tmp_path / "out", fusions=gz(src, workdir) if zipped else src, clinical=CLINICAL)
    rows = {r["Fusion"]: r for r in table(tmp_path / "out" / "annotated_fusions.tsv")}
    assert rows["EML4-ALK"]["ONCONAV_ALTERATION"] == "EML4-ALK fusion"
    assert "Alectinib" in rows["EML4-ALK"]["LEVEL_1"].split(",")
    assert rows["KIF5B-RET fusion"]["HIGHEST_LEVEL"] == "LEVEL_1"
    assert rows["TMPRSS2-ERG"]["ANNOTATED"] == "True"
    assert rows["TMPRSS2-ERG"]["ONCONAV_ALTERATION"] == ""
    assert rows["EGFR-intragenic"]["ANNOTATED"] == "True"  # intragenic: annotated, no level
    assert rows["EGFR-intragenic"]["HIGHEST_LEVEL"] == ""
    assert rows["ALK-???"]["ANNOTATED"] == "False"
    assert [r["Method"] for r in rows.values()] == ["RNA", "RNA", "RNA", "DNA", "DNA"]


@pytest.mark.parametrize("zipped", [False, True])
def test_sv_file(tmp_path: Path, workdir: Path, zipped: bool) -> None:
    src = DATA / "tiny_sv.txt"
    run(tmp_path / "out", sv=gz(src, workdir) if zipped else src, clinical=CLINICAL)
    alk, ros1, fat1 = table(tmp_path / "out" / "annotated_sv.tsv")
    assert alk["ONCONAV_ALTERATION"] == "EML4-ALK fusion"  # ALK written first, still the driver
    assert ros1["ONCONAV_ALTERATION"] == "CD74-ROS1 fusion"
    assert "Crizotinib" in ros1["LEVEL_1"].split(",")
    assert fat1["ANNOTATED"] == "True"
    assert fat1["HIGHEST_LEVEL"] == ""


@pytest.mark.parametrize("zipped", [False, True])
def test_gistic_matrix(tmp_path: Path, workdir: Path, zipped: bool) -> None:
    src = DATA / "tiny_cna.txt"
    summary = run(tmp_path / "out", cna=gz(src, workdir) if zipped else src, clinical=CLINICAL)
    rows = table(tmp_path / "out" / "annotated_cna.tsv")
    calls = [(r["Tumor_Sample_Barcode"], r["Hugo_Symbol"], r["ALTERATION"]) for r in rows]
    assert calls == [  # matrix order: gene by gene, samples left to right; 0 and NA skipped
        ("S1", "MET", "Amplification"),
        ("S1", "ERBB2", "Gain"),
        ("S2", "ERBB2", "Amplification"),
        ("S1", "CDKN2A", "Deletion"),
        ("S2", "CDKN2A", "Loss"),
    ]
    assert summary.rows_in == 5
    assert rows[0]["ONCONAV_ALTERATION"] == "MET amplification"
    assert rows[1]["ONCONAV_ALTERATION"] == ""  # a low-level gain is not an amplification
    assert rows[2]["Entrez_Gene_Id"] == "2064"


def test_long_cna(tmp_path: Path) -> None:
    run(tmp_path / "out", cna=DATA / "tiny_cna_long.txt", clinical=CLINICAL)
    rows = table(tmp_path / "out" / "annotated_cna.tsv")
    assert [r["Copy_Number_Alteration"] for r in rows] == ["Amplification", "2", "Deletion", "Gain"]
    assert rows[1]["ONCONAV_ALTERATION"] == "ERBB2 amplification"


def test_clinical_setting_column(tmp_path: Path, workdir: Path) -> None:
    clinical = workdir / "clin.txt"
    clinical.write_text(
        "#Patient Identifier\n#comment\nSAMPLE_ID\tONCOTREE_CODE\tSETTING\nS1\tLUAD\tAdjuvant\n",
        encoding="utf-8",
    )
    maf = workdir / "m.maf"
    maf.write_text("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nEGFR\tS1\tp.L858R\n")
    run(tmp_path / "out", maf=maf, clinical=clinical)
    (sample,) = table(tmp_path / "out" / "samples.tsv")
    assert sample["SETTING"] == "adjuvant"
    (row,) = table(tmp_path / "out" / "annotated_mutations.tsv")
    assert "Osimertinib" in row["LEVEL_1"]  # ADAURA: adjuvant osimertinib


@pytest.mark.parametrize("zipped", [False, True])
def test_vep_vcf_with_samples(tmp_path: Path, workdir: Path, zipped: bool) -> None:
    src = DATA / "tiny_vep.vcf"
    summary = run(tmp_path / "out", vcf=gz(src, workdir, members=4) if zipped else src,
                  tumor_type="LUAD")  # fmt: skip
    rows = table(tmp_path / "out" / "annotated_vcf.tsv")
    got = [(r["POS"], r["Tumor_Sample_Barcode"], r["ANNOTATED"]) for r in rows]
    assert got == [
        ("55259515", "S1", "True"),
        # KRAS on ENSP00000256078 (KRAS4A, GRCh37 VEP's canonical): not the shipped MANE Select
        # transcript (ENST00000311936, KRAS4B) and no sequence of it is shipped: rejected, with
        # the reason, rather than read on a numbering onconav cannot check.
        ("25398285", "S2", "False"),
        ("7577120", "S1", "True"),
        ("7577120", "S2", "True"),
        ("55249071", "", "False"),  # nobody carries it: one row, rejected no-carrier
        ("55259514", "S1", "True"),
    ]
    assert rows[0]["ONCONAV_ALTERATION"] == "EGFR L858R"  # the PICKed, canonical entry
    assert rows[0]["HGVSp"] == "ENSP00000275493.2:p.Leu858Arg"  # an older version: accepted
    assert rows[2]["ONCONAV_ALTERATION"] == "TP53 R273H"
    assert rows[5]["Variant_Classification"] == "Silent"
    assert dict(summary.rejected_by_reason) == {"no-carrier": 1, "unparsable-protein-change": 1}
    rejected = table(tmp_path / "out" / "rejected.tsv")
    (kras,) = [r for r in rejected if "KRAS" in "\t".join(r.values())]
    assert "ENSP00000256078.4 is not the transcript onconav reads KRAS on" in "\t".join(
        kras.values()
    )


def test_vep_vcf_one_sample_selected(tmp_path: Path) -> None:
    run(tmp_path / "out", vcf=DATA / "tiny_vep.vcf", sample_ids=("S2",), tumor_type="LUAD")
    rows = table(tmp_path / "out" / "annotated_vcf.tsv")
    # S2's KRAS row names a transcript onconav does not ship (see above): only TP53 is annotated
    assert [r["Tumor_Sample_Barcode"] for r in rows if r["ANNOTATED"] == "True"] == ["S2"]


def test_snpeff_sites_only_vcf(tmp_path: Path) -> None:
    run(tmp_path / "out", vcf=DATA / "tiny_snpeff.vcf", sample_ids=("T1",), tumor_type="LUAD")
    braf, met = table(tmp_path / "out" / "annotated_vcf.tsv")
    assert braf["Tumor_Sample_Barcode"] == "T1"
    assert braf["ONCONAV_ALTERATION"] == "BRAF V600E"
    assert met["Variant_Classification"] == "Splice_Site"
    assert "exon 14" in met["ONCONAV_ALTERATION"] or met["HIGHEST_LEVEL"] == "LEVEL_1"


def test_bcftools_csq_vcf(tmp_path: Path) -> None:
    run(tmp_path / "out", vcf=DATA / "tiny_bcsq.vcf", sample_ids=("P7",), tumor_type="LUAD")
    egfr, kras = table(tmp_path / "out" / "annotated_vcf.tsv")
    assert egfr["Tumor_Sample_Barcode"] == "P7"
    assert egfr["ONCONAV_ALTERATION"] == "EGFR L858R"
    assert kras["ONCONAV_ALTERATION"] == "KRAS G12D"


def test_small_reader_helpers() -> None:
    assert split_fusion("ALK-EML4 fusion") == ("ALK", "EML4")
    assert split_fusion("EML4::ALK") == ("EML4", "ALK")
    assert split_fusion("EGFR-intragenic") == ("EGFR", "intragenic")
    assert fusion_alteration("ALK", "EML4", "x").partner == "EML4"
    assert not fusion_alteration("EGFR", "EGFR", "x").recognized
    assert call_word("-1.5") == "Deletion"
    assert call_word("gain") == "Gain"
    assert call_word("x") is None
    assert consequence_class("splice_donor_variant&intron_variant") == "Splice_Site"
    assert vcf_protein("858L>858R") == "p.L858R"
    assert vcf_protein("ENSP1:p.Leu858%3D") == "ENSP1:p.Leu858="


def test_fusion_and_sv_layouts_are_recognized_either_way(tmp_path: Path) -> None:
    summary = run(
        tmp_path / "out",
        fusions=DATA / "tiny_sv.txt",
        sv=DATA / "tiny_fusions.txt",
        clinical=CLINICAL,
    )
    assert table(tmp_path / "out" / "annotated_fusions.tsv")[0]["Site1_Hugo_Symbol"] == "ALK"
    assert table(tmp_path / "out" / "annotated_sv.tsv")[0]["Fusion"] == "EML4-ALK"
    assert summary.rows_in == 8
