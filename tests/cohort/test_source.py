"""has_nul finds a NUL byte anywhere in a file, mapped a window at a time."""

from __future__ import annotations

import mmap
from pathlib import Path

import pytest

from onconav.cohort.readers import source


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
