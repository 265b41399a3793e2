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
