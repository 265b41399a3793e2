"""MAF input: columns found by name in any case and order, rows and cells kept exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconav.cohort.columns import ANNOTATION_COLUMNS
from tests.cohort.helpers import DATA, copy_with, gz, run, summary_json, table

MAF = DATA / "tiny.maf"
CLINICAL = DATA / "tiny_clinical.txt"


def _body(path: Path) -> list[list[str]]:
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    return [line.split("\t") for line in lines]


def test_rows_in_order_and_columns_untouched(tmp_path: Path) -> None:
    run(tmp_path / "out", maf=MAF, clinical=CLINICAL)
    given = _body(MAF)
    written = _body(tmp_path / "out" / "annotated_mutations.tsv")
    width = len(given[0])
    assert len(written) == len(given)
    assert written[0] == [*given[0], *ANNOTATION_COLUMNS]
    for src, out in zip(given[1:], written[1:], strict=True):
        assert out[:width] == src  # every cell as written, quotes included
        assert len(out) == width + len(ANNOTATION_COLUMNS)


@pytest.mark.parametrize("members", [1, 3])
def test_gzip_maf_reads_like_plain(tmp_path: Path, workdir: Path, members: int) -> None:
    run(tmp_path / "plain", maf=MAF, clinical=CLINICAL)
    run(tmp_path / "gz", maf=gz(MAF, workdir, members=members), clinical=CLINICAL)
    plain = (tmp_path / "plain" / "annotated_mutations.tsv").read_bytes()
    assert (tmp_path / "gz" / "annotated_mutations.tsv").read_bytes() == plain


def test_case_insensitive_names_any_order_extra_columns(tmp_path: Path, workdir: Path) -> None:
    rows = [
        ["extra", "hgvsp_short", "TUMOR_SAMPLE_BARCODE", "variant_classification", "HUGO_SYMBOL"],
        ["a", "p.L858R", "S1", "Missense_Mutation", "EGFR"],
        ["b", "p.G12C", "S2", "Missense_Mutation", "KRAS"],
    ]
    maf = workdir / "shuffled.maf"
    maf.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    out = table(tmp_path / "out" / "annotated_mutations.tsv")
    assert [r["extra"] for r in out] == ["a", "b"]
    assert [r["ONCONAV_ALTERATION"] for r in out] == ["EGFR L858R", "KRAS G12C"]


def test_hgvsp_used_when_short_form_missing(tmp_path: Path, workdir: Path) -> None:
    text = "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp\nEGFR\tS1\tp.Leu858Arg\n"
    maf = workdir / "long.maf"
    maf.write_text(text, encoding="utf-8")
    run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    (row,) = table(tmp_path / "out" / "annotated_mutations.tsv")
    assert row["ONCONAV_ALTERATION"] == "EGFR L858R"
    assert row["HIGHEST_LEVEL"] == "LEVEL_1"


def test_crlf_and_bom_are_read(tmp_path: Path, workdir: Path) -> None:
    maf = copy_with(MAF, workdir, "crlf.maf", lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"))
    run(tmp_path / "out", maf=maf, clinical=CLINICAL)
    rows = table(tmp_path / "out" / "annotated_mutations.tsv")
    assert rows[0]["t_alt_count"] == "12"
    assert all(not v.endswith("\r") for r in rows for v in r.values())


def test_oncotree_column_gives_the_tumor_type(tmp_path: Path, workdir: Path) -> None:
    text = (
        "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tONCOTREE_CODE\n"
        "KRAS\tS1\tp.G12C\tLUAD\nKRAS\tS2\tp.G12C\tCOAD\n"
    )
    maf = workdir / "tt.maf"
    maf.write_text(text, encoding="utf-8")
    run(tmp_path / "out", maf=maf)
    lung, bowel = table(tmp_path / "out" / "annotated_mutations.tsv")
    assert "Sotorasib" in lung["LEVEL_1"]
    assert bowel["LEVEL_1"] == ""  # not a lung cancer: NSCLC indications do not apply
    assert summary_json(tmp_path / "out")["rows_rejected"] == 0
