"""Match throughput in process (goal: 2,000 cases/s) and `onconav match CASE` cold start.

Cold start is compared with `python -c pass` in the same run (goal: at most 300 ms over it).
Run: python benchmarks/bench_match.py [N_CASES]
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _timing import PYTHON, wall

ALTERATIONS = [
    "EGFR L858R", "EGFR exon 19 deletion", "EGFR p.E746_A750del", "EGFR T790M", "EGFR C797S",
    "EGFR G719S", "EGFR L861Q", "EGFR S768I", "EGFR p.D770_N771insSVD", "EML4::ALK",
    "ALK G1202R", "ALK L1196M", "ALK I1171N", "CD74-ROS1", "ROS1 G2032R", "BRAF V600E",
    "BRAF G469A", "KRAS G12C", "KRAS p.Gly12Asp", "KRAS Y96D", "MET exon 14 skipping",
    "MET amplification", "MET D1228N", "KIF5B::RET", "RET G810R", "ETV6-NTRK3",
    "NTRK1 G595R", "ERBB2 p.Y772_A775dup", "HER2 amplification", "CD74::NRG1", "TP53 R273H",
    "STK11 Q37*", "KEAP1 G333C", "ZZZ3 Q1X9",
]  # fmt: skip
TUMORS = ["LUAD", "NSCLC", "LUSC", "lung adenocarcinoma", "COAD", "SCLC", "LUAS"]
HISTORIES = [
    [],
    [{"drugs": ["gefitinib"], "outcome": "progression"}],
    [{"drugs": ["Tagrisso"], "outcome": "progression"}],
    [{"drugs": ["alectinib"], "outcome": "progression"}],
    [
        {"drugs": ["alectinib"], "outcome": "progression"},
        {"drugs": ["lorlatinib"], "outcome": "progression"},
    ],
    [{"drugs": ["carboplatin", "pemetrexed", "pembrolizumab"], "outcome": "progression"}],
    [{"drugs": ["crizotinib"], "outcome": "intolerance"}],
    [{"drugs": ["sotorasib"], "outcome": "progression"}],
]  # fmt: skip
CONDITIONS = ["hemoptysis", "brain_metastases", "interstitial_lung_disease", "qt_prolongation"]
SETTINGS = ["metastatic"] * 6 + ["adjuvant", "consolidation"]


def make_cases(n: int, seed: int = 42) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        case = {
            "id": f"bench-{i}",
            "tumor_type": rng.choice(TUMORS),
            "setting": rng.choice(SETTINGS),
            "alterations": rng.sample(ALTERATIONS, rng.randint(0, 3)),
            "history": rng.choice(HISTORIES),
            "conditions": rng.sample(CONDITIONS, rng.randint(0, 1)),
        }
        if rng.random() < 0.5:
            case["biomarkers"] = {"pd_l1_tps": rng.choice([0, 5, 30, 60, 90])}
        cases.append(case)
    return cases


def main() -> None:
    from onconav.kb.index import get_index
    from onconav.match.caseio import case_from_data
    from onconav.match.engine import match_case

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    index = get_index()
    cases = [case_from_data(c) for c in make_cases(n)]
    for c in cases[:50]:  # warm the normalizer caches the way a long run would
        match_case(index, c)
    start = time.perf_counter()
    options = sum(len(match_case(index, c).options) for c in cases)
    in_proc = time.perf_counter() - start
    start = time.perf_counter()
    for c in cases:
        match_case(index, c).model_dump_json()
    with_json = time.perf_counter() - start

    tmp = Path(tempfile.mkdtemp(prefix="onconav-bench-"))
    case_file = tmp / "case.json"
    case_file.write_text(json.dumps(make_cases(1, seed=7)[0] | {"alterations": ["EGFR L858R"]}))
    onconav = shutil.which("onconav") or str(Path(PYTHON).parent / "onconav")
    base = wall([PYTHON, "-c", "pass"])
    cold = wall([onconav, "match", str(case_file)])
    print(f"cases matched:            {n} ({options} options in all)")
    print(f"in-process throughput:    {n / in_proc:8.0f} cases/s   (goal >= 2000)")
    print(f"  with JSON serialising:  {n / with_json:8.0f} cases/s")
    print(f"python -c pass:           {base * 1000:8.1f} ms")
    print(
        f"onconav match CASE:       {cold * 1000:8.1f} ms   (+{(cold - base) * 1000:.0f} ms over "
        f"baseline, {cold / base:.1f}x; goal: at most +300 ms)"
    )


if __name__ == "__main__":
    main()
