"""Level cells: clinical facts that are stable, and oncokb-annotator's cell conventions."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconav.cohort.columns import HIGHEST_LEVEL_ORDER, LEVEL_COLUMNS
from onconav.cohort.context import Cells, best_level, citation, treatment
from onconav.kb.models import Source
from tests.cohort.helpers import DATA, run, table


def _maf(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification"]
    lines += [f"{g}\t{s}\t{p}\tMissense_Mutation" for g, s, p in rows]
    path = folder / "cells.maf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cells(tmp_path: Path, workdir: Path) -> list[dict[str, str]]:
    rows = [
        ("EGFR", "A", "p.L858R"),
        ("KRAS", "B", "p.G12C"),
        ("ZNF423", "C", "p.R100W"),
        ("EGFR", "D", "p.L858R"),
        ("EGFR", "D", "p.T790M"),
    ]
    run(tmp_path / "out", maf=_maf(workdir, rows), tumor_type="LUAD")
    return table(tmp_path / "out" / "annotated_mutations.tsv")


def _drugs(cell: str) -> set[str]:
    return {d for item in cell.split(",") if item for d in item.split("+")}


def test_egfr_l858r_is_level_1_osimertinib(cells: list[dict[str, str]]) -> None:
    row = cells[0]
    assert "Osimertinib" in row["LEVEL_1"].split(",")
    assert row["HIGHEST_LEVEL"] == "LEVEL_1"
    assert row["HIGHEST_SENSITIVE_LEVEL"] == "LEVEL_1"
    assert row["ONCONAV_CATEGORY"] == "driver"


def test_kras_g12c_is_level_1_sotorasib_and_adagrasib(cells: list[dict[str, str]]) -> None:
    row = cells[1]
    assert {"Sotorasib", "Adagrasib"} <= set(row["LEVEL_1"].split(","))
    assert row["ONCONAV_ALTERATION"] == "KRAS G12C"


def test_gene_outside_the_kb_is_annotated_with_no_level(cells: list[dict[str, str]]) -> None:
    row = cells[2]
    assert row["ANNOTATED"] == "True"
    assert all(row[c] == "" for c in LEVEL_COLUMNS)
    assert row["HIGHEST_LEVEL"] == row["ONCONAV_ALTERATION"] == row["ONCONAV_CATEGORY"] == ""


def test_co_occurring_t790m_shapes_both_rows(cells: list[dict[str, str]]) -> None:
    l858r, t790m = cells[3], cells[4]
    assert "Gefitinib" not in _drugs(l858r["LEVEL_1"])  # avoided: T790M in the same sample
    assert "Gefitinib" in _drugs(cells[0]["LEVEL_1"])  # alone, it is an option
    assert "Gefitinib" in _drugs(t790m["LEVEL_R1"])
    assert t790m["HIGHEST_RESISTANCE_LEVEL"] == "LEVEL_R1"
    assert t790m["HIGHEST_LEVEL"] == "LEVEL_R1"  # oncokb-annotator ranks R1 above level 1
    assert "Osimertinib" in t790m["LEVEL_1"].split(",")


def test_cell_conventions(cells: list[dict[str, str]]) -> None:
    items = [i for r in cells for c in LEVEL_COLUMNS for i in r[c].split(",") if i]
    assert any("+" in i for i in items)  # combinations joined with '+'
    assert all(i == i.strip() and i[0].isupper() for i in items)
    citations = cells[0]["TX_CITATIONS"].split(";")
    assert len(citations) > 1
    assert all(c.strip() == c and c for c in citations)
    assert any(c.isdigit() for c in citations)  # PMIDs as digits


def test_a_treatment_shows_only_at_its_best_level() -> None:
    c = Cells()
    src = Source(kind="pmid", id="123")
    c.add("2", "Crizotinib", [src])
    c.add("1", "Crizotinib", [src])
    c.add("1", "Lorlatinib", [src])
    row = c.row()
    assert row["LEVEL_1"] == "Crizotinib,Lorlatinib"
    assert row["LEVEL_2"] is None
    assert row["TX_CITATIONS"] == "123"


def test_helpers() -> None:
    assert treatment(["dabrafenib", "trametinib"]) == "Dabrafenib+Trametinib"
    assert citation(Source(kind="pmid", id="29151359")) == "29151359"
    fda = Source(kind="fda_label", id="TAGRISSO", year=2015)
    assert citation(fda) == "FDA label TAGRISSO (2015)"
    assert citation(Source(kind="guideline", id="NCCN; NSCLC")) == "NCCN, NSCLC"
    assert best_level({"1", "R1"}) == "R1"
    assert best_level({"4", "R2"}) == "4"
    assert HIGHEST_LEVEL_ORDER[0] == "R1"
    assert HIGHEST_LEVEL_ORDER[-1] == "R2"


def test_samples_table(tmp_path: Path) -> None:
    run(tmp_path / "out", maf=DATA / "tiny.maf", clinical=DATA / "tiny_clinical.txt")
    samples = {r["SAMPLE_ID"]: r for r in table(tmp_path / "out" / "samples.tsv")}
    assert set(samples) == {"S1", "S2", "S3", "S4", "S5"}  # S5: clinical file only
    assert samples["S2"]["HIGHEST_SENSITIVE_LEVEL"] == "LEVEL_1"
    assert "KRAS G12C" in samples["S2"]["ACTIONABLE_ALTERATIONS"]
    assert samples["S3"]["ACTIONABLE_ALTERATIONS"] == "EGFR L858R,EGFR T790M"
    assert samples["S3"]["TUMOR_TYPE"] == "NSCLC"
    assert samples["S5"]["HIGHEST_LEVEL"] == ""
    assert "Osimertinib" in samples["S1"]["LEVEL_1_OPTIONS"].split(",")
