"""A '#' line in a table's body is skipped, but counted: rejected.tsv names the file's own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconav.cohort.readers.source import comment_lines
from onconav.cohort.readers.table import open_table
from tests.cohort.helpers import run, table

HEADER = "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification"
BAD = "EGFR\tS{}\tp.Zzz{}\tMissense_Mutation"
GOOD = "KRAS\tS1\tp.G12C\tMissense_Mutation"


def _lines_of_bad_rows(lines: list[str]) -> list[str]:
    return [str(n) for n, text in enumerate(lines, start=1) if "p.Zzz" in text]


@pytest.mark.parametrize(
    "body",
    [
        ["# first body line is a comment", BAD, GOOD, BAD],
        [GOOD, "# one", "# two, in a row", BAD, "#", GOOD, BAD, "# last line"],
        [BAD, GOOD, "#x", BAD, "#y", BAD],
        [BAD, GOOD, BAD],  # (no comment: rows are lines)
    ],
)
def test_rejected_rows_name_their_file_line(tmp_path: Path, body: list[str]) -> None:
    numbered = [line.format(i, i) if "{}" in line else line for i, line in enumerate(body)]
    lines = ["#version 2.4", HEADER, *numbered]
    maf = tmp_path / "m.maf"
    maf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    rejected = table(tmp_path / "out" / "rejected.tsv")
    assert [r["LINE"] for r in rejected] == _lines_of_bad_rows(lines)
    assert summary.rows_in == sum(not x.startswith("#") for x in numbered)


def test_fusion_and_copy_number_rows_too(tmp_path: Path) -> None:
    fusions = tmp_path / "f.txt"
    fusions.write_text(
        "Tumor_Sample_Barcode\tFusion\n# comment\nS1\tEML4-ALK\n#\nS2\tALK-???\n", encoding="utf-8"
    )
    cna = tmp_path / "c.txt"
    cna.write_text(
        "Tumor_Sample_Barcode\tHugo_Symbol\tCopy_Number_Alteration\n#a\n#b\nS1\tMET\tbanana\n",
        encoding="utf-8",
    )
    run(tmp_path / "out", fusions=fusions, cna=cna, tumor_type="LUAD")
    rows = {(r["FILE"], r["LINE"]) for r in table(tmp_path / "out" / "rejected.tsv")}
    assert rows == {(str(fusions), "5"), (str(cna), "4")}


def test_comment_lines_are_found_across_window_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onconav.cohort.readers import source

    monkeypatch.setattr(source, "_WINDOW", 4096)  # (the mapping granularity: several windows)
    lines = ["h\tx"] + [("#c" if n % 97 == 0 else f"r{n}\tv") for n in range(1, 3000)]
    path = tmp_path / "t.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = tuple(n for n, text in enumerate(lines, start=1) if text.startswith("#"))
    assert comment_lines(path, 1) == expected
    assert comment_lines(path, expected[3]) == expected[4:]
    assert open_table(path, work_dir=tmp_path).comments == expected


def test_many_hashes_inside_cells_still_find_the_comment(tmp_path: Path) -> None:
    rows = [f"r{n}\tid#{n}#x" for n in range(3000)]
    lines = ["h\tnote", *rows[:2500], "# the comment", *rows[2500:]]
    path = tmp_path / "t.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert comment_lines(path, 1) == (2502,)
    plain = tmp_path / "p.txt"
    plain.write_text("\n".join(["h\tnote", *rows]) + "\n", encoding="utf-8")
    assert comment_lines(plain, 1) == ()
