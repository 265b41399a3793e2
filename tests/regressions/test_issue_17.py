"""Issue 17: the oncoprint cut at 400 samples, so rare genes (ALK, NTRK1 from SVs) had empty rows.

A cohort with more common-gene samples than the old cap, plus ALK and NTRK1 fusions from an SV
file: every gene summary.json counts has a filled row, every actionable sample is a column.
"""

from __future__ import annotations

import doctest
from pathlib import Path

from onconav.cohort import CohortInputs, annotate_cohort
from onconav.cohort import oncoprint as oncoprint_module
from onconav.cohort.oncoprint import build_oncoprint
from tests.cohort.helpers import summary_json


def test_rare_sv_genes_fill_their_rows_past_the_old_cap(tmp_path: Path, monkeypatch) -> None:
    maf = tmp_path / "m.maf"
    maf.write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        + "".join(f"KRAS\tMissense_Mutation\tK{i}\tp.G12C\n" for i in range(450)),
        encoding="utf-8",
    )
    sv = tmp_path / "sv.txt"
    sv.write_text(
        "Sample_Id\tSite1_Hugo_Symbol\tSite2_Hugo_Symbol\tClass\tEvent_Info\n"
        + "".join(f"A{i}\tEML4\tALK\tINVERSION\tEML4-ALK Fusion\n" for i in range(6))
        + "N0\tTPM3\tNTRK1\tTRANSLOCATION\tTPM3-NTRK1 Fusion\n",
        encoding="utf-8",
    )
    built = []
    monkeypatch.setattr(
        "onconav.cohort.annotate.build_oncoprint",
        lambda s, g: built.append(build_oncoprint(s, g)) or built[-1],
    )
    out = tmp_path / "out"
    annotate_cohort(CohortInputs(maf=maf, sv=sv, tumor_type="LUAD"), out)
    counted = summary_json(out)["samples_by_gene"]
    assert counted == {"KRAS": 450, "ALK": 6, "NTRK1": 1}
    op = built[0]
    assert op.shown_samples == len(op.columns) == 457
    for gene, n in counted.items():
        row = [c.cells[op.genes.index(gene)] for c in op.columns]
        assert sum(cell is not None for cell in row) == n
    assert "457 of 457 samples" in op.note
    assert "457 of 457 samples" in (out / "report.html").read_text(encoding="utf-8")


def test_oncoprint_docstring_examples() -> None:
    failures, attempted = doctest.testmod(oncoprint_module, verbose=False)
    assert attempted >= 1
    assert failures == 0
