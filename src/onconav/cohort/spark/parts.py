"""Join the TSV part files Spark wrote into one table, in input order.

Spark writes one part file a partition, and packs file blocks into partitions largest first,
so part order is not input order. Each run of rows from one block starts with a marker line
(`tasks.MARKER` and the run's first row id, ids increasing in input order); the driver reads
each part once to find the runs and copies them, sorted by id, after the header line.
"""

from __future__ import annotations

import mmap
import shutil
from pathlib import Path

from onconav.cohort.spark.tasks import MARKER

__all__ = ["join_parts", "tidy_dataset"]

_MARK = MARKER.encode()
_CHUNK = 1 << 24


def _runs(part: Path) -> list[tuple[int, Path, int, int]]:
    """(first row id, part, start, end) of each run of rows in one part file."""
    size = part.stat().st_size
    if size == 0:
        return []
    runs: list[tuple[int, Path, int, int]] = []
    with part.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:1] != _MARK:
            raise ValueError(f"{part.name}: rows before the first run marker")
        pos = 0
        while pos < size:
            eol = data.find(b"\n", pos)
            key = int(data[pos + 1 : eol])
            nxt = data.find(b"\n" + _MARK, eol)
            end = size if nxt == -1 else nxt + 1
            runs.append((key, part, eol + 1, end))
            pos = end
    return runs


def join_parts(folder: Path, header: str, target: Path) -> None:
    """Write `header`, then every run of the part files in `folder` in row order; remove them."""
    runs = [r for part in sorted(folder.glob("part-*")) for r in _runs(part)]
    runs.sort(key=lambda r: r[0])
    with target.open("wb") as out:
        out.write(header.encode("utf-8") + b"\n")
        for _key, part, start, end in runs:
            with part.open("rb") as fh:
                fh.seek(start)
                left = end - start
                while left > 0:
                    chunk = fh.read(min(_CHUNK, left))
                    out.write(chunk)
                    left -= len(chunk)
    shutil.rmtree(folder)


def tidy_dataset(folder: Path) -> None:
    """Remove Spark's bookkeeping files (`_SUCCESS`, `.crc`) from a local Parquet dataset."""
    for path in folder.iterdir():
        if path.name.startswith(("_", ".")):
            path.unlink()
