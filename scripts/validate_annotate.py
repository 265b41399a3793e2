"""Validate `onconav annotate` on the real public files in ../shared/data (skips when absent).

1. Annotates each cBioPortal lung cohort (mutations, SV, CNA, clinical), the oncokb-annotator
   example inputs and the CIViC VCF, then reconciles the counts from the files themselves:
   rows counted independently in each input (CNA: non-zero calls) == rows_in == rows written;
   rows_annotated + rows_rejected == rows_in; ANNOTATED=False rows == rejected.tsv rows ==
   rows_rejected; every written row keeps its input cells exactly, in order.
2. Compares onconav's HIGHEST_LEVEL with oncokb-annotator's committed example output
   (example_maf_annotated.txt, OncoKB knowledge of March 2021) for the lung sample, and
   explains each disagreement.

Run: python scripts/validate_annotate.py [--shared ../shared/data] [--keep DIR]
Exit status 1 when a count does not reconcile; disagreements with OncoKB 2021 are reported,
not failures (knowledge changed since, and onconav's knowledge base covers NSCLC only).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from onconav.cohort import CohortInputs, annotate_cohort
from onconav.errors import CohortInputError
from onconav.kb.index import get_index

HERE = Path(__file__).resolve().parent
STUDIES = ("luad_mskimpact_2021", "luad_mskcc_2020", "nsclc_pd1_msk_2018", "nsclc_mskcc_2015")
_NO_CALL = {"", "0", "NA", "NaN", "nan"}

# Why onconav (knowledge of today, NSCLC scope) and OncoKB's March 2021 example differ.
EXPLAIN = {
    "KRAS": "sotorasib was FDA-approved for KRAS G12C NSCLC on 28 May 2021 and adagrasib in "
    "Dec 2022, after this March 2021 annotation (then LEVEL_3A, AMG-510); OncoKB lists it as "
    "LEVEL_1 today too",
    "ATM": "ATM is outside onconav's NSCLC knowledge base; OncoKB's LEVEL_3B olaparib is "
    "evidence from another tumor type (prostate), which onconav does not carry",
    "PTEN": "PTEN is outside onconav's NSCLC knowledge base (OncoKB LEVEL_4, investigational "
    "PI3K-beta/AKT inhibitors)",
}


def _read_tsv(path: Path, comments: bool = True) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a TSV, every cell as text; '#' lines skipped in inputs."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [x.rstrip("\r\n") for x in fh if not (comments and x.startswith("#"))]
    rows = [x.split("\t") for x in lines]
    return rows[0], rows[1:]


def _cna_calls(path: Path) -> int:
    header, rows = _read_tsv(path)
    ids = {"Hugo_Symbol", "Entrez_Gene_Id", "Gene Symbol", "Locus ID", "Cytoband"}
    cols = [i for i, h in enumerate(header) if h not in ids]
    return sum(1 for r in rows for i in cols if i < len(r) and r[i].strip() not in _NO_CALL)


def _expected_rows(kind: str, path: Path) -> int:
    if kind == "cna":
        header, rows = _read_tsv(path)
        if "Copy_Number_Alteration" not in header and "CNA" not in header:
            return _cna_calls(path)
    return len(_read_tsv(path)[1])


def _check_layer(out: Path, f: dict[str, Any], problems: list[str]) -> tuple[int, int]:
    """Reconcile one output table with its input; return (written rows, ANNOTATED False)."""
    src, kind = Path(f["file"]), f["kind"]
    header, rows = _read_tsv(out / f["output"], comments=False)
    expected = _expected_rows(kind, src)
    if not expected == f["rows_in"] == len(rows):
        problems.append(
            f"{src.name}: input {expected}, rows_in {f['rows_in']}, written {len(rows)}"
        )
    if f["rows_in"] != f["rows_annotated"] + f["rows_rejected"]:
        problems.append(f"{src.name}: rows_in != rows_annotated + rows_rejected")
    flag = header.index("ANNOTATED")
    false = sum(r[flag] == "False" for r in rows)
    if false != f["rows_rejected"]:
        problems.append(f"{src.name}: {false} rows ANNOTATED=False, {f['rows_rejected']} rejected")
    if kind in ("mutations", "sv", "fusions"):
        in_header, in_rows = _read_tsv(src)
        width = len(in_header)
        padded = [r + [""] * (width - len(r)) for r in in_rows]
        if header[:width] != in_header or [r[:width] for r in rows] != padded:
            problems.append(f"{src.name}: written cells differ from the input's")
    return len(rows), false


def _reconcile(out: Path, label: str) -> list[str]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    _, rejected = _read_tsv(out / "rejected.tsv", comments=False)
    total_false = 0
    for f in summary["files"]:
        total_false += _check_layer(out, f, problems)[1]
    if not len(rejected) == total_false == summary["rows_rejected"]:
        problems.append(
            f"rejected.tsv {len(rejected)}, flagged {total_false}, "
            f"summary {summary['rows_rejected']}"
        )
    if sum(summary["rejected_by_reason"].values()) != summary["rows_rejected"]:
        problems.append("rejected_by_reason does not add up")
    status = "reconciled" if not problems else "NOT reconciled"
    print(f"  {label}: {summary['rows_in']} rows in = {summary['rows_annotated']} annotated + "
          f"{summary['rows_rejected']} rejected {dict(summary['rejected_by_reason'])}; "
          f"{summary['samples']} samples; {status}")  # fmt: skip
    levels = {k: v for k, v in summary["samples_by_highest_sensitive_level"].items() if v}
    print(f"    samples by highest sensitive level: {levels}")
    for r in rejected[:4]:
        print(f"    rejected: {Path(r[0]).name} line {r[1]}: {r[3]}: {r[4]} ({r[6]} {r[7]})")
    return [f"{label}: {p}" for p in problems]


def _annotate(label: str, out: Path, **inputs: Any) -> tuple[Path, float]:
    start = time.perf_counter()
    annotate_cohort(CohortInputs(**inputs), out, plots=True)
    return out, time.perf_counter() - start


def _studies(shared: Path, work: Path) -> list[str]:
    problems: list[str] = []
    for study in STUDIES:
        d = shared / study
        if not d.is_dir():
            continue
        inputs: dict[str, Any] = {
            "maf": d / "data_mutations.txt",
            "clinical": d / "data_clinical_sample.txt",
        }
        if (d / "data_sv.txt").is_file():
            inputs["sv"] = d / "data_sv.txt"
        if (d / "data_cna.txt").is_file():
            inputs["cna"] = d / "data_cna.txt"
        out, secs = _annotate(study, work / study, **inputs)
        print(f"- {study} ({', '.join(sorted(inputs))}; {secs:.1f} s)")
        problems += _reconcile(out, study)
    return problems


def _oncokb_runs(d: Path, work: Path) -> list[str]:
    problems: list[str] = []
    runs = {
        "oncokb example (MAF, fusions, SV, GISTIC CNA, clinical)": {
            "maf": d / "example_maf.txt", "fusions": d / "example_fusions.txt",
            "sv": d / "example_sv.txt", "cna": d / "example_cna.txt",
            "clinical": d / "example_clinical.txt",
        },
        "oncokb example (GRCh38 MAF, long CNA, clinical)": {
            "maf": d / "example_maf_grch38.txt", "cna": d / "example_individual_cna.txt",
            "clinical": d / "example_clinical.txt",
        },
        "oncokb example (atypical alterations as a MAF)": {
            "maf": d / "example_atypical_alterations.txt", "clinical": d / "example_clinical.txt",
        },
    }  # fmt: skip
    for i, (label, inputs) in enumerate(runs.items()):
        out, secs = _annotate(label, work / f"oncokb-{i}", **inputs)
        print(f"- {label} ({secs:.1f} s)")
        problems += _reconcile(out, label)
    return problems


def _civic_vcf(shared: Path, work: Path) -> list[str]:
    """The CIViC VCF holds raw line breaks inside INFO values, so it is not a valid VCF: the
    reader must refuse it with a located error. Its well-formed records, copied to the work
    folder, then go through the VCF reader (sites-only, CSQ)."""
    vcf = shared / "civic" / "01-Oct-2019-civic_accepted.vcf"
    if not vcf.is_file():
        return []
    print("- CIViC VCF (sites-only, CSQ; --sample-id CIVIC --tumor-type NSCLC)")
    try:
        annotate_cohort(
            CohortInputs(vcf=vcf, sample_ids=("CIVIC",), tumor_type="NSCLC"), work / "civic-raw"
        )
        problems = ["civic VCF with broken lines was not refused"]
    except CohortInputError as exc:
        print(f"  as published: refused, as it should be: {exc}")
        problems = []
    lines = vcf.read_text(encoding="utf-8").splitlines()
    kept = [x for x in lines if x.startswith("#") or x.count("\t") == 7]
    clean = work / "civic-wellformed.vcf"
    clean.write_text("\n".join(kept) + "\n", encoding="utf-8")
    out, secs = _annotate(
        "civic", work / "civic", vcf=clean, sample_ids=("CIVIC",), tumor_type="NSCLC"
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    written = len(_read_tsv(out / "annotated_vcf.tsv", comments=False)[1])
    records = sum(1 for x in kept if not x.startswith("#"))
    ok = (
        records
        == written
        == summary["rows_in"]
        == summary["rows_annotated"] + summary["rows_rejected"]
    )
    print(f"  well-formed records only: {records} records, {summary['rows_in']} rows in, "
          f"{summary['rows_annotated']} annotated, {summary['rows_rejected']} rejected "
          f"{dict(summary['rejected_by_reason'])}; {'reconciled' if ok else 'NOT reconciled'} "
          f"({secs:.1f} s)")  # fmt: skip
    return problems + ([] if ok else ["civic VCF counts do not reconcile"])


def _compare_oncokb(d: Path, out: Path) -> None:
    """HIGHEST_LEVEL of lung-sample rows: onconav today vs oncokb-annotator's 2021 example."""
    ref_header, ref_rows = _read_tsv(d / "example_maf_annotated.txt")
    header, rows = _read_tsv(out / "annotated_mutations.tsv", comments=False)
    with (d / "example_clinical.txt").open(encoding="utf-8") as fh:
        tumor = {r["SAMPLE_ID"]: r["ONCOTREE_CODE"] for r in csv.DictReader(fh, delimiter="\t")}
    index = get_index()
    lung = {s for s, code in tumor.items() if code in index.tumor_types and index.is_lung(code)}
    col = {h: i for i, h in enumerate(header)}
    ref = {h: i for i, h in enumerate(ref_header)}
    agree = total = 0
    print(
        "\nHIGHEST_LEVEL, lung samples: onconav (KB of today) vs oncokb-annotator example "
        "(March 2021)"
    )
    for mine, theirs in zip(rows, ref_rows, strict=False):  # the example has 16 of today's 17 rows
        assert mine[:13] == (theirs[:13] + [""] * 13)[:13], "rows out of step"
        if mine[col["Tumor_Sample_Barcode"]] not in lung:
            continue
        gene, change = mine[col["Hugo_Symbol"]], mine[col["HGVSp_Short"]] or "(none)"
        a, b = mine[col["HIGHEST_LEVEL"]] or "-", theirs[ref["HIGHEST_LEVEL"]] or "-"
        total += 1
        agree += a == b
        why = "" if a == b else f"  <- {EXPLAIN.get(gene, 'see the report')}"
        print(
            f"  {mine[col['Tumor_Sample_Barcode']]} {gene:7s} {change:10s} "
            f"onconav {a:9s} oncokb-2021 {b:9s}{why}"
        )
    print(f"  agreement: {agree} of {total} lung-sample rows")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--keep", type=Path, default=None, help="keep the outputs in this folder")
    args = parser.parse_args()
    if not args.shared.is_dir():
        print(f"skipped: {args.shared} is not present")
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="onconav-validate-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"onconav annotate on real files in {args.shared} (outputs in {work})\n")
    problems = _studies(args.shared, work)
    okb = args.shared / "oncokb-annotator"
    if okb.is_dir():
        problems += _oncokb_runs(okb, work)
    problems += _civic_vcf(args.shared, work)
    if okb.is_dir():
        _compare_oncokb(okb, work / "oncokb-0")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(
        "\ncounts reconcile on every file"
        if not problems
        else "\nPROBLEMS:\n  " + "\n  ".join(problems)
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
