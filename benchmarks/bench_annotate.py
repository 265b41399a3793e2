"""Cohort annotation throughput against the I/O floor, and peak memory (run by hand, not in CI).

Generates a realistic MAF (a cBioPortal-like 24-column layout; ~6% of rows in knowledge-base
genes, mostly hotspots with some variants of unknown significance; the rest spread over 2,000
other genes; ~200 rows a sample) plus a clinical file, then measures, each in a fresh process:
- floor: Polars reading the MAF (every column a string) and writing it back as TSV, done both
  ways Polars offers (read_csv + write_csv, and scan_csv -> sink_csv); the faster is the floor;
- annotate: `annotate_cohort` (all outputs: tables, samples, rejected rows, plots, summary);
and reports rows/s, annotate / floor, and each process's peak resident memory.
Goals (2-core machine): >= 1,000,000 rows/s, <= 1.3x the floor, 10M rows without running out
of memory.

Run: python benchmarks/bench_annotate.py [--rows 1000000 10000000] [--repeat 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

_AA = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
# (gene, HGVSp_Short, class, relative frequency): actionable hotspots and common co-mutations.
_HOTSPOTS = [
    ("EGFR", "p.L858R", "Missense_Mutation", 8), ("EGFR", "p.E746_A750del", "In_Frame_Del", 9),
    ("EGFR", "p.T790M", "Missense_Mutation", 3), ("EGFR", "p.C797S", "Missense_Mutation", 1),
    ("EGFR", "p.G719S", "Missense_Mutation", 1), ("EGFR", "p.A767_V769dup", "In_Frame_Ins", 1),
    ("KRAS", "p.G12C", "Missense_Mutation", 10), ("KRAS", "p.G12D", "Missense_Mutation", 5),
    ("KRAS", "p.G12V", "Missense_Mutation", 6), ("KRAS", "p.G13D", "Missense_Mutation", 1),
    ("BRAF", "p.V600E", "Missense_Mutation", 2), ("BRAF", "p.G469A", "Missense_Mutation", 1),
    ("ERBB2", "p.A775_G776insYVMA", "In_Frame_Ins", 1), ("MET", "p.X1010_splice", "Splice_Site", 2),
    ("TP53", "p.R273H", "Missense_Mutation", 6), ("TP53", "p.R248Q", "Missense_Mutation", 5),
    ("STK11", "p.Q37*", "Nonsense_Mutation", 3), ("KEAP1", "p.G333C", "Missense_Mutation", 2),
    ("PIK3CA", "p.E545K", "Missense_Mutation", 2), ("ALK", "p.F1174L", "Missense_Mutation", 1),
]  # fmt: skip
_KB_GENES = sorted({g for g, *_ in _HOTSPOTS} | {"ROS1", "RET", "NTRK1", "NRG1", "NRAS"})
_CLASSES = ["Missense_Mutation", "Silent", "Nonsense_Mutation", "Frame_Shift_Del", "In_Frame_Del",
            "Splice_Site", "3'UTR", "Intron"]  # fmt: skip
_CLASS_P = [0.55, 0.2, 0.07, 0.06, 0.02, 0.03, 0.04, 0.03]


def _protein(rng: np.random.Generator, n: int) -> np.ndarray:
    pos = rng.integers(1, 1500, n).astype(str)
    ref, alt = _AA[rng.integers(0, 20, n)], _AA[rng.integers(0, 20, n)]
    return np.char.add(np.char.add(np.char.add("p.", ref), pos), alt)


def _genes_and_changes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    genes = np.array([f"GENE{i}" for i in range(2000)], dtype=object)[rng.integers(0, 2000, n)]
    changes = _protein(rng, n).astype(object)
    classes = np.array(_CLASSES, dtype=object)[rng.choice(len(_CLASSES), n, p=_CLASS_P)]
    kb = np.flatnonzero(rng.random(n) < 0.06)
    hot = kb[rng.random(kb.size) < 0.7]
    weights = np.array([w for *_, w in _HOTSPOTS], dtype=float)
    pick = rng.choice(len(_HOTSPOTS), hot.size, p=weights / weights.sum())
    genes[hot] = np.array([h[0] for h in _HOTSPOTS], dtype=object)[pick]
    changes[hot] = np.array([h[1] for h in _HOTSPOTS], dtype=object)[pick]
    classes[hot] = np.array([h[2] for h in _HOTSPOTS], dtype=object)[pick]
    vus = np.setdiff1d(kb, hot)
    genes[vus] = np.array(_KB_GENES, dtype=object)[rng.integers(0, len(_KB_GENES), vus.size)]
    return genes, changes, classes


def make_maf(path: Path, n: int, seed: int = 7) -> int:
    """Write an n-row MAF and a clinical file beside it; return the number of samples."""
    rng = np.random.default_rng(seed)
    n_samples = max(1, n // 200)
    genes, changes, classes = _genes_and_changes(rng, n)
    samples = np.char.add("P-", rng.integers(0, n_samples, n).astype(str).astype(object).astype(str))
    start = rng.integers(1_000_000, 200_000_000, n)
    frame = pl.DataFrame({
        "Hugo_Symbol": genes.astype(str), "Entrez_Gene_Id": rng.integers(1, 99999, n).astype(str),
        "Center": "MSKCC", "NCBI_Build": "GRCh37", "Chromosome": rng.integers(1, 23, n).astype(str),
        "Start_Position": start.astype(str), "End_Position": (start + 1).astype(str), "Strand": "+",
        "Variant_Classification": classes.astype(str), "Variant_Type": "SNP",
        "Reference_Allele": "C", "Tumor_Seq_Allele1": "C", "Tumor_Seq_Allele2": "T",
        "dbSNP_RS": "", "Tumor_Sample_Barcode": samples,
        "Matched_Norm_Sample_Barcode": np.char.add(samples, "-N"),
        "HGVSc": np.char.add("c.", rng.integers(1, 5000, n).astype(str)), "HGVSp": changes.astype(str),
        "HGVSp_Short": changes.astype(str), "Transcript_ID": "ENST00000275493",
        "t_ref_count": rng.integers(0, 500, n).astype(str), "t_alt_count": rng.integers(1, 300, n).astype(str),
        "n_ref_count": rng.integers(0, 500, n).astype(str), "n_alt_count": "0",
    })  # fmt: skip
    frame.write_csv(path, separator="\t", quote_style="never")
    codes = np.array(["LUAD", "LUAD", "LUAD", "LUSC", "NSCLC"])[rng.integers(0, 5, n_samples)]
    clinical = pl.DataFrame({"SAMPLE_ID": [f"P-{i}" for i in range(n_samples)], "ONCOTREE_CODE": codes})
    clinical.write_csv(path.with_name("clinical.txt"), separator="\t")
    return n_samples


_FLOOR_READ_WRITE = """
import polars as pl, sys
kw = dict(separator="\\t", quote_char=None, infer_schema=False, comment_prefix="#")
pl.read_csv(sys.argv[1], **kw).write_csv(sys.argv[2], separator="\\t", quote_style="never")
"""
_FLOOR_STREAM = """
import polars as pl, sys
kw = dict(separator="\\t", quote_char=None, infer_schema=False, comment_prefix="#")
pl.scan_csv(sys.argv[1], **kw).sink_csv(sys.argv[2], separator="\\t", quote_style="never")
"""
_ANNOTATE = """
import sys, json
from pathlib import Path
from onconav.cohort import CohortInputs, annotate_cohort
from onconav.kb.index import get_index
index = get_index()
maf = Path(sys.argv[1])
s = annotate_cohort(CohortInputs(maf=maf, clinical=maf.with_name("clinical.txt")), Path(sys.argv[2]), index=index)
print(json.dumps({"rows_in": s.rows_in, "rejected": s.rows_rejected, "samples": s.samples, "contexts": s.contexts_matched}))
"""


def _run(code: str, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (GiB) and stdout of `python -c code args` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the maximum over all children so far (KiB on Linux).
    return wall, max(peak, before) / 2**20, done.stdout


def _measure(code: str, args: list[str], repeat: int, out: Path) -> tuple[float, float, str]:
    walls, peaks, stdout = [], [], ""
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        out.unlink(missing_ok=True) if out.is_file() else None
        wall, peak, stdout = _run(code, *args)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks), stdout


def bench(n: int, folder: Path, repeat: int) -> dict[str, float | int | str]:
    maf = folder / f"bench_{n}.maf"
    t0 = time.perf_counter()
    n_samples = make_maf(maf, n)
    print(f"  generated {n:,} rows, {n_samples:,} samples, {maf.stat().st_size / 2**30:.2f} GiB "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    copy = folder / "copy.tsv"
    rw, rw_mem, _ = _measure(_FLOOR_READ_WRITE, [str(maf), str(copy)], repeat, copy)
    st, st_mem, _ = _measure(_FLOOR_STREAM, [str(maf), str(copy)], repeat, copy)
    copy.unlink(missing_ok=True)
    out = folder / "annotated"
    an, an_mem, stdout = _measure(_ANNOTATE, [str(maf), str(out)], repeat, out)
    shutil.rmtree(out, ignore_errors=True)
    maf.unlink()
    floor = min(rw, st)
    return {
        "rows": n, "samples": n_samples, "annotate_s": round(an, 2), "rows_per_s": round(n / an),
        "floor_read_write_s": round(rw, 2), "floor_stream_s": round(st, 2),
        "annotate_over_floor": round(an / floor, 2), "annotate_over_read_write": round(an / rw, 2),
        "peak_gib_annotate": round(an_mem, 2), "peak_gib_read_write": round(rw_mem, 2),
        "peak_gib_stream": round(st_mem, 2), "result": stdout.strip(),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="onconav-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"onconav annotate benchmark (polars {pl.__version__}), work folder {folder}")
    for n in args.rows:
        result = bench(n, folder, args.repeat)
        print(json.dumps(result, indent=2), flush=True)
        ok = result["rows_per_s"] >= 1_000_000 and result["annotate_over_floor"] <= 1.3  # type: ignore[operator]
        print(f"  goals (>= 1M rows/s, <= 1.3x floor): {'met' if ok else 'NOT met'}", flush=True)
    if args.dir is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
