"""How long loading the compiled KB takes (goal: under 50 ms), against `python -c pass`.

Run: python benchmarks/bench_kb_load.py
"""

from __future__ import annotations

import os
import tempfile
import time

from _timing import PYTHON, wall


def main() -> None:
    from onconav.kb.loader import load_kb

    cache = tempfile.mkdtemp(prefix="onconav-bench-")
    os.environ["ONCONAV_CACHE_DIR"] = cache
    start = time.perf_counter()
    load_kb(use_cache=False)
    yaml_s = time.perf_counter() - start
    load_kb()  # writes the cache
    runs = []
    for _ in range(20):
        start = time.perf_counter()
        load_kb()
        runs.append(time.perf_counter() - start)
    runs.sort()
    cached_s = runs[len(runs) // 2]
    env = {**os.environ, "ONCONAV_CACHE_DIR": cache}
    os.environ.update(env)
    base = wall([PYTHON, "-c", "pass"])
    full = wall([PYTHON, "-c", "from onconav.kb.index import get_index; get_index()"])
    print(f"parse + validate YAML (no cache):  {yaml_s * 1000:8.1f} ms")
    print(f"load compiled KB (cache, median):  {cached_s * 1000:8.1f} ms  (goal < 50 ms)")
    print(f"python -c pass:                    {base * 1000:8.1f} ms")
    print(
        f"python: import + load + index KB:  {full * 1000:8.1f} ms  ({full / base:.1f}x baseline)"
    )


if __name__ == "__main__":
    main()
