"""Pass 2 copies each line's text: every shape of line comes out with the header's width.

A file whose every line is known to hold exactly the header's fields is copied as it is (the
fast path); any other (a blank last cell, a short line, a comment line inside the body) is
padded line by line. Both must give the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onconav.cohort import scan
from onconav.cohort.columns import ANNOTATION_COLUMNS
from onconav.cohort.readers.table import BodyCounts, body_counts, open_table
from onconav.errors import CohortInputError
from tests.cohort.helpers import DATA, copy_with, run, table

MAF = DATA / "tiny.maf"


def _filled(raw: bytes) -> bytes:
    """tiny.maf with every blank last cell filled: a rectangular file."""
    return b"\n".join(line + b"-" if line.endswith(b"\t") else line for line in raw.split(b"\n"))


def _rows(out: Path) -> list[dict[str, str]]:
    return table(out / "annotated_mutations.tsv")


def test_body_counts_after_the_header(workdir: Path) -> None:
    path = workdir / "t.tsv"
    path.write_bytes(b"#meta\twith\ttabs\na\tb\tc\n1\t2\t3\n#c\t\n4\t5\t6")
    assert body_counts(open_table(path, work_dir=workdir)) == BodyCounts(tabs=5, lines=3)
    path.write_bytes(b"a\tb\n1\t2\r\n\n")
    assert body_counts(open_table(path, work_dir=workdir)) == BodyCounts(tabs=1, lines=2, returns=1)


def test_rectangular_file_is_annotated_like_a_padded_one(tmp_path: Path, workdir: Path) -> None:
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    # The same rows, one of them cut short (its last cell dropped): takes the padding path.
    short = copy_with(filled, workdir, "short.maf", lambda b: b.replace(b"\t8\tx\n", b"\t8\n"))
    run(tmp_path / "a", maf=filled, tumor_type="LUAD")
    run(tmp_path / "b", maf=short, tumor_type="LUAD")
    a, b = _rows(tmp_path / "a"), _rows(tmp_path / "b")
    assert len(a) == len(b) == 11
    kras_a = next(r for r in a if r["Hugo_Symbol"] == "KRAS")
    kras_b = next(r for r in b if r["Hugo_Symbol"] == "KRAS")
    assert kras_a['Note "quoted"'] == "x"
    assert kras_b['Note "quoted"'] == ""
    assert kras_a["HIGHEST_LEVEL"] == kras_b["HIGHEST_LEVEL"] == "LEVEL_1"
    for ra, rb in zip(a, b, strict=True):
        assert {k: v for k, v in ra.items() if k != 'Note "quoted"'} == {
            k: v for k, v in rb.items() if k != 'Note "quoted"'
        }


def test_rectangular_output_keeps_lines_and_order(tmp_path: Path, workdir: Path) -> None:
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    run(tmp_path / "out", maf=filled, tumor_type="LUAD")
    text = (tmp_path / "out" / "annotated_mutations.tsv").read_text(encoding="utf-8").splitlines()
    body = filled.read_text(encoding="utf-8").splitlines()[2:]
    width = len(text[0].split("\t"))
    assert width == 8 + len(ANNOTATION_COLUMNS)
    for line, source in zip(text[1:], body, strict=True):
        assert line.startswith(source + "\t")
        assert len(line.split("\t")) == width


def test_which_files_are_copied_as_they_are(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = scan._verbatim

    def spy(*args: Any) -> Any:
        seen.append(args[-1])
        return real(*args)

    monkeypatch.setattr(scan, "_verbatim", spy)
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    run(tmp_path / "a", maf=filled, tumor_type="LUAD")
    run(tmp_path / "b", maf=MAF, tumor_type="LUAD")  # blank last cells, every line whole
    short = copy_with(filled, workdir, "short.maf", lambda b: b.replace(b"\t8\tx\n", b"\t8\n"))
    run(tmp_path / "c", maf=short, tumor_type="LUAD")  # one line a field short
    assert seen == [True, True, False]
    assert _rows(tmp_path / "b") == [
        {**r, 'Note "quoted"': r['Note "quoted"'] if r['Note "quoted"'] != "-" else ""}
        for r in _rows(tmp_path / "a")
    ]


@pytest.mark.parametrize("block", [1, 3, 7, 64, 1 << 24])
@pytest.mark.parametrize(
    ("body", "even"),
    [
        (b"1\t2\t\n\t\t\n4\t5\t6\n", True),
        (b"1\t2\t\n\t\t\n4\t5\t6", True),  # (no line end after the last line)
        (b"1\t2\n4\t5\t6\t7\n", False),  # (short then long: the tabs add up)
        (b"1\t2\t3\n\n4\t5\t6\n", False),  # (a blank line)
        (b"1\t2\t3\n4\t5", False),
        (b"1\t2\t3\r\n4\t\t\r\n", True),
        (b"", True),
    ],
)
def test_body_counts_line_by_line(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, block: int, body: bytes, even: bool
) -> None:
    # Lines cut across blocks of any size count their tabs whole.
    from onconav.cohort.readers import table as tables

    monkeypatch.setattr(tables, "_BLOCK", block)
    path = workdir / "t.tsv"
    path.write_bytes(b"a\tb\tc\n" + body)
    opened = open_table(path, work_dir=workdir)
    counted = body_counts(opened, per_line=True)
    assert counted.even is even
    assert counted.tabs == body.count(b"\t")
    assert body_counts(opened) == BodyCounts(counted.tabs, counted.lines, counted.returns)


def test_comment_line_inside_the_body_is_skipped(tmp_path: Path, workdir: Path) -> None:
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    commented = copy_with(
        filled, workdir, "c.maf", lambda b: b.replace(b"\nKRAS", b"\n#note\tx\tx\nKRAS", 1)
    )
    run(tmp_path / "out", maf=commented, tumor_type="LUAD")
    rows = _rows(tmp_path / "out")
    assert len(rows) == 11
    assert [r["Hugo_Symbol"] for r in rows[:3]] == ["EGFR", "TP53", "KRAS"]
    assert rows[2]["HIGHEST_LEVEL"] == "LEVEL_1"


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("tabless-comment.maf", lambda b: b.replace(b"\nKRAS", b"\n#note\nKRAS", 1)),
        ("crlf.maf", lambda b: b.replace(b"\n", b"\r\n")),
        ("blank-line.maf", lambda b: b.replace(b"\nKRAS", b"\n\nKRAS", 1)),
    ],
)
def test_odd_lines_give_the_same_rows(
    tmp_path: Path, workdir: Path, name: str, change: Callable[[bytes], bytes]
) -> None:
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    run(tmp_path / "plain", maf=filled, tumor_type="LUAD")
    run(tmp_path / "odd", maf=copy_with(filled, workdir, name, change), tumor_type="LUAD")
    plain, odd = _rows(tmp_path / "plain"), _rows(tmp_path / "odd")
    if name == "blank-line.maf":  # a blank line is a row with no gene: kept, rejected
        assert odd.pop(2)["Hugo_Symbol"] == ""
    assert odd == plain


def test_a_long_line_is_an_error_even_when_tabs_add_up(tmp_path: Path, workdir: Path) -> None:
    # One line a field short and one a field long: the tab total is right, the lines are not.
    filled = copy_with(MAF, workdir, "filled.maf", _filled)
    odd = copy_with(
        filled,
        workdir,
        "odd.maf",
        lambda b: b.replace(b"\t8\tx\n", b"\t8\n").replace(b"\t9\t-\n", b"\t9\t-\textra\n"),
    )
    with pytest.raises(CohortInputError) as info:
        run(tmp_path / "out", maf=odd, tumor_type="LUAD")
    assert info.value.line == 11
    assert info.value.column == "field 9"
    assert not (tmp_path / "out").exists()
