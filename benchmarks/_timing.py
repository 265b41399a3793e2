"""Small timing helpers shared by the benchmarks (run by hand, never in CI)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence


def wall(cmd: Sequence[str], repeat: int = 7, stdin: bytes | None = None) -> float:
    """Median wall time in seconds of running `cmd` `repeat` times (after one warm-up run)."""
    subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, input=stdin, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


PYTHON = sys.executable
