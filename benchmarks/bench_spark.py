"""The Spark engine against the I/O floor and the Polars engine, in one run (by hand, not CI).

On one generated panel file (`_panel.py`: luad_mskcc_2020's 123 columns, ~10 rows a sample, a
quarter of the rows in knowledge-base genes) and its clinical file, each in a fresh process:
- floor: Polars reading the file and writing it back as TSV, the faster of the two ways
  `bench_annotate.py` measures (its own code);
- polars: `annotate_cohort`, the Polars engine (tables, samples, rejected, summary; plots and
  report off in both engines, so that the comparison is the tables);
- spark: a `local[2]` SparkSession started in the process (its start-up timed apart), then
  `onconav.cohort.spark.annotate`, same outputs.
Reports wall seconds, each engine's ratio to the floor, Spark's start-up, and whether the two
engines wrote the same files (tables, samples, rejected rows, summary.json). Goal: Spark at
most 4x the floor, start-up included. Run on a 2-core machine, shared: read the ratios.

Run: python benchmarks/bench_spark.py [--rows 2000000] [--repeat 1] [--dir DIR] [--src DIR]
     (--src also runs the Spark engine from another checkout's src/ folder, e.g. a baseline, in
     the same run; its ratio is reported as `baseline_spark_over_floor`)
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _panel import write_panel  # noqa: E402
from bench_annotate import _measure, measure_floor  # noqa: E402

_POLARS = """
import sys, json
from pathlib import Path
from onconav.cohort import CohortInputs, annotate_cohort
maf = Path(sys.argv[1])
inputs = CohortInputs(maf=maf, clinical=maf.with_name("clinical.txt"))
s = annotate_cohort(inputs, Path(sys.argv[2]), plots=False, report_html=False)
print(json.dumps({"rows_in": s.rows_in, "rejected": s.rows_rejected, "samples": s.samples}))
"""
_SPARK = """
import os, sys, json, time
from pathlib import Path
t0 = time.perf_counter()
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
from pyspark.sql import SparkSession
from onconav.cohort import CohortInputs
from onconav.cohort.spark import annotate
from onconav.kb.index import get_index
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "50000")
         .config("spark.driver.memory", "2g").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
started = time.perf_counter() - t0
maf = Path(sys.argv[1])
inputs = CohortInputs(maf=maf, clinical=maf.with_name("clinical.txt"))
s = annotate(spark, inputs, Path(sys.argv[2]), plots=False, report_html=False)
print(json.dumps({"startup_s": round(started, 2), "rows_in": s.rows_in,
                  "rejected": s.rows_rejected, "samples": s.samples}))
"""


def _from(src: Path, code: str) -> str:
    """`code` importing onconav from `src` (the driver and, through PYTHONPATH, the workers)."""
    at = repr(str(src))
    return f"import os, sys; sys.path.insert(0, {at}); os.environ['PYTHONPATH'] = {at}\n" + code


def bench(n: int, folder: Path, repeat: int, src: Path | None = None) -> dict[str, object]:
    maf = folder / f"panel_{n}.maf"
    t0 = time.perf_counter()
    n_samples = write_panel(maf, n, narrow=False)
    print(f"  generated {n:,} rows, {n_samples:,} samples, {maf.stat().st_size / 2**30:.2f} GiB "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    floor = min(measure_floor(maf, folder, repeat)[:2])
    out_p, out_s = folder / "polars", folder / "spark"
    pol, pol_mem, pol_out = _measure(_POLARS, [str(maf), str(out_p)], repeat, out_p)
    spk, spk_mem, spk_out = _measure(_SPARK, [str(maf), str(out_s)], repeat, out_s)
    base: dict[str, object] = {}
    if src is not None:
        out_b = folder / "baseline"
        b_s, _, b_out = _measure(_from(src, _SPARK), [str(maf), str(out_b)], repeat, out_b)
        shutil.rmtree(out_b, ignore_errors=True)
        base = {"baseline_spark_s": round(b_s, 2),
                "baseline_spark_over_floor": round(b_s / floor, 2),
                "baseline_startup_s": json.loads(b_out)["startup_s"]}  # fmt: skip
    names = sorted(p.name for p in out_p.iterdir())
    same = names == sorted(p.name for p in out_s.iterdir()) and all(
        filecmp.cmp(out_p / n, out_s / n, shallow=False) for n in names
    )
    if not same:  # (kept for a look: which files differ, and how)
        keep = folder / "differ"
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir()
        shutil.copytree(out_p, keep / "polars")
        shutil.copytree(out_s, keep / "spark")
        print(f"  the engines' files differ: kept in {keep}", flush=True)
    got = json.loads(spk_out)
    for out in (out_p, out_s):
        shutil.rmtree(out, ignore_errors=True)
    maf.unlink()
    return {
        "rows": n, "samples": n_samples, "floor_s": round(floor, 2),
        "polars_s": round(pol, 2), "polars_over_floor": round(pol / floor, 2),
        "spark_s": round(spk, 2), "spark_over_floor": round(spk / floor, 2),
        "spark_startup_s": got["startup_s"],
        "spark_without_startup_over_floor": round((spk - got["startup_s"]) / floor, 2),
        "spark_over_polars": round(spk / pol, 2),
        "peak_gib_polars": round(pol_mem, 2), "peak_gib_spark_driver_python": round(spk_mem, 2),
        **base, "same_files": same, "polars_result": json.loads(pol_out), "spark_result": got,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measure (median)")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    parser.add_argument(
        "--src",
        type=Path,
        default=None,
        help="also run the Spark engine from this src/ folder (a baseline)",
    )
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="onconav-bench-spark-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"onconav Spark engine benchmark, local[2], work folder {folder}", flush=True)
    result = bench(args.rows, folder, args.repeat, args.src)
    print(json.dumps(result, indent=2), flush=True)
    met = "met" if result["spark_over_floor"] <= 4 else "NOT met"  # type: ignore[operator]
    print(f"  goal (Spark <= 4x the floor, start-up included; machine may be shared): {met}")
    if args.dir is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
