"""has_nul finds a NUL byte anywhere in a file, mapped a window at a time."""

from __future__ import annotations

import gzip
import mmap
from pathlib import Path

import pytest

from onconav.cohort.readers import source
from tests.cohort.helpers import DATA, run


@pytest.mark.parametrize("where", [0, 4095, 4096, 8191, 9000, 12287])
def test_nul_is_found_in_any_window(
    where: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "_WINDOW", mmap.ALLOCATIONGRANULARITY)
    data = bytearray(b"a\tb\n" * 3072)  # 12288 bytes: three windows
    path = tmp_path / "f.tsv"
    path.write_bytes(bytes(data))
    assert not source.has_nul(path)
    data[where] = 0
    path.write_bytes(bytes(data))
    assert source.has_nul(path)


def test_empty_file_has_no_nul(tmp_path: Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_bytes(b"")
    assert not source.has_nul(path)


@pytest.mark.parametrize("nul", [None, 5, 4100, 12280])
@pytest.mark.parametrize("comment", [None, 8, 4096, 8192, 12284])
def test_one_search_finds_nul_and_comment_lines_as_the_two_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nul: int | None, comment: int | None
) -> None:
    # (`scan_body`, which `open_table` uses, against `has_nul` and `comment_lines` apart)
    monkeypatch.setattr(source, "_WINDOW", mmap.ALLOCATIONGRANULARITY)
    data = bytearray(b"a\tb\n" * 3072)  # 12288 bytes: three windows, a line every 4 bytes
    if comment is not None:
        data[comment] = ord("#")
    if nul is not None:
        data[nul] = 0
    path = tmp_path / "f.tsv"
    path.write_bytes(bytes(data))
    found = source.scan_body(path, 1, comments=True)
    assert found == (source.has_nul(path), source.comment_lines(path, 1))
    assert found[0] is (nul is not None)
    assert found[1] == ((comment // 4 + 1,) if comment is not None and comment >= 4 else ())
    assert source.scan_body(path, 1, comments=False) == (nul is not None, ())


@pytest.mark.parametrize("kind", ["gzip", "nul"])
def test_inputs_of_the_same_name_are_copied_apart(tmp_path: Path, kind: str) -> None:
    # Inputs copied into the work folder (decompressed, or with NUL bytes replaced) may share
    # a name; the clinical file is copied on a helper thread while the data files are, so each
    # copy must be a file of its own, every time (when copies were named by looking for a free
    # name first, the two gzip files below were read as each other in a third of the runs).
    def named(src: Path, folder: str, packed: bool, nul: bool = False) -> Path:
        data = src.read_bytes()
        if nul:  # (a NUL in a cell of the last data row: that row is rejected)
            head, _, last = data.rstrip(b"\n").rpartition(b"\n")
            data = head + b"\n" + last.replace(b"\t", b"\x00\t", 1) + b"\n"
        path = tmp_path / folder / ("x.txt.gz" if packed else "x.txt")
        path.parent.mkdir()
        path.write_bytes(gzip.compress(data) if packed else data)
        return path

    maf = named(DATA / "tiny.maf", "a", packed=kind == "gzip", nul=kind == "nul")
    clinical = named(DATA / "tiny_clinical.txt", "b", packed=True)
    run(tmp_path / "plain", maf=DATA / "tiny.maf", clinical=DATA / "tiny_clinical.txt")
    expected = (tmp_path / "plain" / "samples.tsv").read_text("utf-8")
    for i in range(8):
        out = tmp_path / f"out{i}"
        run(out, maf=maf, clinical=clinical)
        assert (out / "samples.tsv").read_text("utf-8") == expected


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (b"h1\th2\th3\na\tb\tc\n", (2, b"", 0)),
        (b"h1\th2\th3\na\tb", (1, b"a", 1)),
        (b"h1\th2\nx" + b"\t" * 7 + b"y" * 50 + b"\t" * 3, (1, b"x", 10)),  # (spans 3 chunks)
        (b"h1\th2\n" + b"y" * 50 + b"\n# note\t", (2, b"#", 1)),
    ],
)
def test_check_gzip_tells_what_follows_the_last_line_end(
    text: bytes, want: tuple[int, bytes, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Line ends, and the first byte and tabs after the last one, across the blocks it reads."""
    monkeypatch.setattr(source, "_CHUNK", 16)
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(text))
    assert tuple(source.check_gzip(path, "t")) == want
