"""Time the normalizer: 100k parses of varied strings with the caches cleared (run by hand).

    python benchmarks/bench_normalize.py [N]

Prints strings/s uncached (every call parses) and cached (the cohort annotator's repeated rows).
"""

from __future__ import annotations

import random
import sys
import time

from onconav.normalize import parse_alteration, protein_change_alteration
from onconav.normalize.aliases import normalize_gene

FORMS = [
    "EGFR L858R", "EGFR p.Leu858Arg", "KRAS p.G12C", "BRAF p.V600E", "EGFR p.E746_A750del",
    "EGFR p.Glu746_Ala750del", "EGFR L747_P753delinsS", "EGFR p.D770_N771insSVD",
    "EGFR A767_V769dup", "ERBB2 p.Y772_A775dup", "EGFR exon 19 deletion", "EGFR ex19del",
    "MET exon 14 skipping", "METex14", "MET c.3082+1G>T", "EML4::ALK", "CD74-ROS1", "ALK fusion",
    "MET amplification (CN 9)", "CDKN2A deletion", "TP53 mutation", "HER2 exon 20 insertion",
    "TP53 R273fs*12", "STK11 p.Q37*", "ZZZ3 Q1X9", "egfr l858r",
]  # fmt: skip
GENES = ["EGFR", "KRAS", "TP53", "STK11", "KEAP1", "ALK", "MET", "ERBB2"]
AAS = "ACDEFGHIKLMNPQRSTVWY"


def _varied(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(rng.choice(FORMS))
        else:
            gene, pos = rng.choice(GENES), rng.randint(1, 1200)
            out.append(f"{gene} p.{rng.choice(AAS)}{pos}{rng.choice(AAS + '*')}")
    return out


def _clear() -> None:
    parse_alteration.cache_clear()
    protein_change_alteration.cache_clear()
    normalize_gene.cache_clear()


def _run(texts: list[str], *, cached: bool) -> float:
    start = time.perf_counter()
    for text in texts:
        if not cached:
            parse_alteration.cache_clear()
        parse_alteration(text)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    texts = _varied(n)
    parse_alteration("EGFR L858R")  # build the parser and read the data once
    _clear()
    uncached = _run(texts, cached=False)
    _clear()
    cached = _run(texts, cached=True)
    print(f"{n} strings: uncached {uncached:,.0f} strings/s, cached {cached:,.0f} strings/s")


if __name__ == "__main__":
    main()
