"""The shipped reference data: every KB gene has its MANE accessions; each shipped CDS, protein
and exon table is self-consistent; the exon tables agree with it; and it is read lazily."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from onconav.normalize import coding_exons, protein_length, residue_at
from onconav.normalize.exons import exon_table
from onconav.normalize.reference import (
    CODONS,
    gene_of_transcript,
    gene_reference,
    known_transcript,
    reference_data,
    translate,
)

KB_GENES = Path(__file__).resolve().parents[2] / "src" / "onconav" / "kb" / "data" / "genes"
DATA = reference_data()
GENES = sorted(DATA["genes"])
WITH_CDS = [g for g in GENES if DATA["genes"][g].get("cds")]
WITH_EXONS = [g for g in GENES if DATA["genes"][g].get("exons")]
_VERSIONED = {
    "refseq": r"NM_\d+\.\d+",
    "ensembl": r"ENST\d{11}\.\d+",
    "refseq_protein": r"NP_\d+\.\d+",
    "ensembl_protein": r"ENSP\d{11}\.\d+",
}


def _kb_genes() -> set[str]:
    genes: set[str] = set()
    for path in KB_GENES.glob("*.yaml"):
        genes.update(g["symbol"] for g in yaml.safe_load(path.read_text())["genes"])
    return genes


def test_every_kb_gene_has_its_mane_accessions() -> None:
    assert _kb_genes() <= set(GENES)
    for gene in GENES:
        entry = DATA["genes"][gene]
        for field, pattern in _VERSIONED.items():
            assert re.fullmatch(pattern, entry[field]), (gene, field)
        assert entry["mane_source"] in DATA["sources"]


def test_sources_name_version_and_licence() -> None:
    for source in DATA["sources"].values():
        assert source["name"]
        assert source["version"]
        assert source["licence"]
        assert source["via"]
    for gene in GENES:
        entry = DATA["genes"][gene]
        for key in ("cds_source", "protein_source"):
            if key in entry:
                assert entry[key] in DATA["sources"], (gene, key)


@pytest.mark.parametrize("gene", WITH_CDS)
def test_cds_translates_to_the_protein(gene: str) -> None:
    entry = DATA["genes"][gene]
    cds, protein = entry["cds"], entry["protein"]
    assert set(cds) <= set("ACGT")
    assert len(cds) % 3 == 0
    assert cds.startswith("ATG")
    assert CODONS[cds[-3:]] == "*"
    assert translate(cds) == protein + "*"  # one stop, at the end
    assert protein_length(gene) == len(protein)


WITHOUT_CDS = [
    g for g in GENES if DATA["genes"][g].get("protein") and not DATA["genes"][g].get("cds")
]


@pytest.mark.parametrize("gene", WITHOUT_CDS)
def test_protein_only_entries_name_their_checks(gene: str) -> None:
    """A UniProt protein stands for the MANE one only with both mappings and the same length."""
    entry = DATA["genes"][gene]
    protein = entry["protein"]
    assert set(protein) <= set("ACDEFGHIKLMNPQRSTVWY")
    assert protein.startswith("M")
    assert entry["protein_source"] in DATA["sources"]
    checks = entry["protein_checks"]
    assert entry["refseq_protein"] in checks
    assert entry["ensembl"].split(".")[0] in checks
    assert f"({len(protein)} residues)" in checks
    assert protein_length(gene) == len(protein)


@pytest.mark.parametrize("gene", WITH_EXONS)
def test_coding_exons_add_up_to_the_cds(gene: str) -> None:
    exons = coding_exons(gene)
    size = len(DATA["genes"][gene]["cds"])
    assert exons[0].cdna[0] == 1
    assert exons[-1].cdna[1] == size
    assert sum(e.cdna[1] - e.cdna[0] + 1 for e in exons) == size
    for before, after in zip(exons, exons[1:], strict=False):
        assert after.cdna[0] == before.cdna[1] + 1
        assert after.number == before.number + 1
    assert exons[-1].residues[1] == size // 3  # the stop codon's number


def test_gaps_list_exactly_what_is_missing() -> None:
    gaps = DATA["gaps"]
    assert gaps["cds"] == [g for g in GENES if not DATA["genes"][g].get("cds")]
    assert gaps["protein"] == [g for g in GENES if not DATA["genes"][g].get("protein")]
    assert gaps["exons"] == [g for g in GENES if not DATA["genes"][g].get("exons")]
    for gene in gaps["protein"]:
        assert protein_length(gene) is None
        assert residue_at(gene, 1) is None


def test_exon_tables_agree_with_the_reference() -> None:
    checked = 0
    for exon in exon_table().exons:
        ref = gene_reference(exon.gene)
        if not exon.protein_numbering or ref is None or not ref.exons:
            continue
        shipped = {e.number: e for e in ref.exons}
        assert shipped[exon.number].cdna == exon.cdna, (exon.gene, exon.number)
        assert shipped[exon.number].residues == exon.residues, (exon.gene, exon.number)
        checked += 1
    assert checked >= 7  # EGFR 18-21, ERBB2 19-21


@pytest.mark.parametrize(
    ("gene", "position", "residue"),
    [("EGFR", 790, "T"), ("EGFR", 797, "C"), ("BRAF", 600, "V"), ("KRAS", 61, "Q"),
     ("TP53", 175, "R"), ("ERBB2", 842, "V"), ("RET", 918, "M"), ("CDKN2A", 1, "M")],
)  # fmt: skip
def test_residue_at(gene: str, position: int, residue: str) -> None:
    assert residue_at(gene, position) == residue


def test_residue_at_out_of_range() -> None:
    size = protein_length("EGFR")
    assert size == 1210
    assert residue_at("EGFR", 0) is None
    assert residue_at("EGFR", size + 1) is None
    assert residue_at("NOTAGENE", 5) is None


def test_accessions_lead_to_their_gene() -> None:
    for gene in GENES:
        entry = DATA["genes"][gene]
        for field in _VERSIONED:
            assert gene_of_transcript(entry[field]) == gene
            assert gene_of_transcript(entry[field].split(".")[0]) == gene
            assert known_transcript(gene, entry[field].lower()).role == "mane"  # type: ignore[union-attr]


def test_the_data_file_is_compact() -> None:
    path = Path(__file__).resolve().parents[2] / "src/onconav/normalize/data/reference.json.gz"
    assert path.stat().st_size < 100_000


def test_read_only_when_a_check_needs_it() -> None:
    code = (
        "from onconav.normalize import parse_alteration, reference\n"
        "parse_alteration('EML4::ALK'); parse_alteration('MET amplification')\n"
        "assert reference.reference_data.cache_info().currsize == 0\n"
        "parse_alteration('EGFR L858R')\n"
        "assert reference.reference_data.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
