"""Any VEP-annotated VCF records: a located CohortInputError, or rows that reconcile.

Records are drawn from pieces that reach the reader's edge cases: missing or empty INFO, no
CSQ, CSQ entries with too few fields, several entries, escaped characters, genotypes that are
missing, phased, haploid or malformed, and lines with too few or too many columns.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cohort.helpers import reconciled_or_located

HEAD = (
    "##fileformat=VCFv4.2\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl '
    'VEP. Format: Allele|Consequence|IMPACT|SYMBOL|HGVSc|HGVSp|CANONICAL|PICK">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n"
)
ENTRIES = [
    "T|missense_variant|MODERATE|EGFR|c.2573T>G|p.Leu858Arg|YES|1",
    "A|missense_variant|MODERATE|KRAS|c.34G>T|ENSP00000256078.4:p.Gly12Cys|YES|",
    "T|synonymous_variant|LOW|EGFR|c.2572C>T|p.Leu858%3D||",
    "G|intron_variant|MODIFIER|TP53|c.1+5G>A|||",
    "C|missense_variant|MODERATE|MYC|||",
    "T|frameshift_variant|HIGH|ALK|c.1del|p.Zzz|YES|1",
    "|||||||",
    "T",
]
INFOS = ["DP=10", ".", "", "CSQ=", "DP=5;CSQ"]
GENOTYPES = ["0/1", "0/0", "./.", "1|1", "1", ".", "", "a/b", "0/1:12"]


@st.composite
def vcfs(draw: st.DrawFn) -> bytes:
    lines = []
    for i in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["csq"] * 4 + ["info", "short", "long"]))
        if kind == "csq":
            entries = draw(st.lists(st.sampled_from(ENTRIES), min_size=1, max_size=3))
            info = "DP=9;CSQ=" + ",".join(entries)
        else:
            info = draw(st.sampled_from(INFOS))
        cells = ["7", str(1000 + i), ".", "C", "T", "50", "PASS", info, "GT"]
        cells += [draw(st.sampled_from(GENOTYPES)) for _ in range(2)]
        if kind == "short":
            cells = cells[: draw(st.integers(1, len(cells) - 1))]
        elif kind == "long":
            cells.append("extra")
        lines.append("\t".join(cells) + "\n")
    return (HEAD + "".join(lines)).encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vcfs())
def test_vcf_records_reconcile_or_fail_located(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vcf = Path(tmp) / "fuzz.vcf"
        vcf.write_bytes(raw)
        reconciled_or_located(vcf, "annotated_vcf.tsv", vcf=vcf, tumor_type="LUAD")
