"""Fuzz onconav's input edges with hypothesis; run by hand, not in CI (CI runs a small count).

    python scripts/fuzz.py --count 100000 --target maf
    python scripts/fuzz.py --count 2000 --target all --seed 7

Targets: `normalizer` (free text, object form, MAF rows), `case` (case files: JSON, JSON
Lines, YAML) and each cohort reader: `maf`, `vcf`, `fusions`, `sv`, `cna` (GISTIC matrix and
long), `clinical`. Inputs are mutations of the project's own fixtures (tests/data/cohort,
examples/): bytes inserted, replaced, deleted, lines duplicated, dropped or swapped, header
fields duplicated, files cut short or gzip-compressed (whole, cut, or as BGZF-like members),
with tokens that reach edge cases (NUL, BOM, CR, invalid UTF-8, NaN, huge numbers, tabs, `#`).

Each target asserts the contract, and anything else is a crash:
- normalizer: an `Alteration` is returned (never an exception, never the internal-error reason);
- case: `Case` values, or a `CaseError` naming the file and a line or field, in one printable
  line; an unknown tumor type is a located `TumorTypeError`;
- readers: a `CohortInputError` naming the file (and a line, unless the whole file is at fault)
  in one printable line, and no output folder nor staging folder left; or, through the full
  `annotate_cohort` (every `--full-every`th input, as it costs about 30 ms), counts that
  reconcile (in = annotated + rejected), one output line a row at one width, and no NUL byte in
  any output.

Each crash is written to `--crashes` (default fuzz-crashes/) as the input and a traceback; a
summary line a target (JSON) goes to standard output and, with `--log`, to that file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "cohort"
EXAMPLES = ROOT / "examples"

TOKENS = [
    b"\x00", b"\t", b"\n", b"\r\n", b"\r", b"#", b"\xff", b"\xc3", b"\xef\xbb\xbf", b'"', b" ",
    b"NA", b"2", b"-2", b"-1.5", b"1e999", b"NaN", b"inf", b"", b"EGFR", b"ALK", b"MET",
    b"p.L858R", b"p.Leu858Arg", b"EML4-ALK", b"::", b"S1", b"S2", b"Hugo_Symbol", b"HGVSp_Short",
    b"Tumor_Sample_Barcode", b"SAMPLE_ID", b"ONCOTREE_CODE", b"\xe2\x80\xa8", b"\xc2\x85",
    b"\x0b", b"\x0c", b"\x1b[31m", b"\\", b"%3D", b"|", b",", b";", b"CSQ=", b"0/1", b"1|1",
    b"A" * 300, b"9" * 5000, b"<script>", b"LUAD", b"banana", b"Amplification", b"fusion",
]  # fmt: skip
CASE_TOKENS = [
    b"NaN", b"Infinity", b"-Infinity", b"1e999", b"9" * 5000, b"[" * 3000, b"{", b"}", b"[", b"]",
    b'"tumor_type": "LUAD", ', b'"tumor_type": "banana", ', b"\\u0000", b"\\u001b", b"\x00",
    b"\xef\xbb\xbf", b"\xff", b'"vaf": NaN, ', b'"id": 1, ', b"null", b"true", b"0", b'""', b",",
    b":", b"&a ", b"*a", b"- ", b"\n", b"\r", b"\t", b'"alterations": "EGFR", ', b"<b>",
    b'"x": 1, ', b"!!python/object:os.system", b"%YAML 1.2\n", b"---\n", b"? ", b"~",
]  # fmt: skip
OPS = ("insert", "replace", "delete", "dup_line", "drop_line", "swap_lines", "dup_field",
       "truncate", "no_final_newline", "crlf", "bom")  # fmt: skip
ALLOWED_WHOLE_FILE = (
    "empty file", "no header line", "no such file", "not a regular file", "is a folder",
    "duplicate column names cannot be written as Parquet",
)  # fmt: skip


@dataclass(frozen=True)
class Mutated:
    """A fuzz input: the file's bytes, and how it is stored (plain, gzip, cut gzip, BGZF-like)."""

    raw: bytes
    packing: str


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


def _apply(raw: bytes, op: str, pos: int, token: bytes) -> bytes:
    n = max(len(raw), 1)
    at = pos % (n + 1)
    lines = _lines(raw)
    i, j = pos % len(lines), (pos // 7) % len(lines)
    if op == "insert":
        return raw[:at] + token + raw[at:]
    if op == "replace":
        return raw[:at] + token + raw[at + 1 :]
    if op == "delete":
        return raw[:at] + raw[at + 1 + pos % 13 :]
    if op == "dup_line":
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if op == "drop_line":
        return b"\n".join(lines[:i] + lines[i + 1 :])
    if op == "swap_lines":
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    if op == "dup_field":
        fields = lines[i].split(b"\t")
        k = pos % len(fields)
        lines[i] = b"\t".join([*fields[: k + 1], fields[k], *fields[k + 1 :]])
        return b"\n".join(lines)
    if op == "truncate":
        return raw[:at]
    if op == "no_final_newline":
        return raw.rstrip(b"\n")
    if op == "crlf":
        return raw.replace(b"\n", b"\r\n")
    return b"\xef\xbb\xbf" + raw  # bom


def mutated(seeds: list[bytes], tokens: list[bytes], packings: bool = True) -> Any:
    """Hypothesis strategy: a seed with up to eight mutations, maybe gzip-packed.

    Hypothesis draws the seed file and one 64-bit number; the mutations are drawn from a
    `random.Random` seeded with it. One draw instead of thirty makes an input about ten times
    cheaper to make, which matters more here than hypothesis's shrinking (crashes are saved
    as they are).
    """
    kinds = ["plain"] * 7 + (["gzip", "gzip-cut", "bgzf-cut"] if packings else [])

    def build(raw: bytes, seed: int) -> Mutated:
        rnd = random.Random(seed)
        for _ in range(rnd.randint(0, 8)):
            raw = _apply(raw, rnd.choice(OPS), rnd.getrandbits(20), rnd.choice(tokens))
        return Mutated(raw, rnd.choice(kinds))

    return st.builds(build, st.sampled_from(seeds), st.integers(0, (1 << 64) - 1))


def _pack(m: Mutated) -> bytes:
    if m.packing == "gzip":
        return gzip.compress(m.raw)
    if m.packing == "gzip-cut":
        packed = gzip.compress(m.raw)
        return packed[: max(2, len(packed) * 2 // 3)]
    if m.packing == "bgzf-cut":  # several members, the last ones missing: a clean cut
        half = len(m.raw) // 2
        return gzip.compress(m.raw[:half]) if half else gzip.compress(m.raw)
    return m.raw


# --- the contract checks --------------------------------------------------------------------


class ContractError(AssertionError):
    """An input on which a target broke its contract."""


def expect(condition: bool, message: object) -> None:
    """Raise `ContractError(message)` unless `condition` holds."""
    if not condition:
        raise ContractError(str(message))


def _printable_line(text: str) -> None:
    expect("\n" not in text and "\r" not in text, f"error is not one line: {text!r}")
    expect(all(c.isprintable() for c in text), f"control character in {text!r}")


def _located_input(err: Any, label: str) -> None:
    _printable_line(str(err))
    expect(err.file == label, f"error names {err.file!r}, not {label!r}: {err}")
    if err.line is None and not err.column:
        expect(err.message.startswith(ALLOWED_WHOLE_FILE), f"error without a line: {err}")


class Workspace:
    """A scratch folder reused by every input of a run (cleared between inputs)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="onconav-fuzz-"))

    def fresh(self) -> Path:
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        return self.root

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class ReaderTarget:
    """A cohort reader: its seeds, the input name it fills and the file suffix."""

    name: str
    seeds: list[str]
    field: str
    suffix: str
    extra: dict[str, Any]


READERS = {
    "maf": ReaderTarget("maf", ["tiny.maf"], "maf", ".maf", {"tumor_type": "LUAD"}),
    "vcf": ReaderTarget("vcf", ["tiny_vep.vcf", "tiny_snpeff.vcf", "tiny_bcsq.vcf"], "vcf",
                        ".vcf", {"tumor_type": "LUAD"}),
    "fusions": ReaderTarget("fusions", ["tiny_fusions.txt"], "fusions", ".txt",
                            {"tumor_type": "LUAD"}),
    "sv": ReaderTarget("sv", ["tiny_sv.txt"], "sv", ".txt", {"tumor_type": "LUAD"}),
    "cna": ReaderTarget("cna", ["tiny_cna.txt", "tiny_cna_long.txt"], "cna", ".txt",
                        {"tumor_type": "LUAD"}),
    "clinical": ReaderTarget("clinical", ["tiny_clinical.txt"], "clinical", ".txt",
                             {"maf": DATA / "tiny.maf"}),
}  # fmt: skip


def _open_reader(target: ReaderTarget, path: Path, work: Path) -> None:
    from onconav.cohort.readers.clinical import read_clinical
    from onconav.cohort.readers.cna import read_cna
    from onconav.cohort.readers.fusions import read_fusions, read_sv
    from onconav.cohort.readers.maf import read_maf
    from onconav.cohort.readers.vcf import read_vcf

    readers: dict[str, Callable[..., Any]] = {
        "maf": read_maf, "vcf": read_vcf, "fusions": read_fusions, "sv": read_sv,
        "cna": read_cna, "clinical": read_clinical,
    }  # fmt: skip
    readers[target.name](path, work_dir=work)


def _check_outputs(out: Path, summary: Any) -> None:
    expect(summary.rows_in == summary.rows_annotated + summary.rows_rejected, summary)
    expect(sum(summary.rejected_by_reason.values()) == summary.rows_rejected, summary)
    for f in summary.files:
        expect(f.rows_in == f.rows_annotated + f.rows_rejected, f)
        lines = (out / f.output).read_bytes().split(b"\n")
        expect(lines[-1] == b"", f"{f.output}: no final line end")
        expect(len(lines) - 2 == f.rows_in, f"{f.output}: {len(lines) - 2} rows, {f.rows_in} in")
        width = lines[0].count(b"\t")
        expect(all(line.count(b"\t") == width for line in lines[1:-1]), f"{f.output}: ragged")
    rejected = (out / "rejected.tsv").read_bytes().split(b"\n")
    expect(len(rejected) - 2 == summary.rows_rejected, "rejected.tsv does not reconcile")
    for path in out.rglob("*"):
        if path.is_file():
            expect(b"\x00" not in path.read_bytes(), f"NUL byte copied into {path.name}")


def check_reader(target: ReaderTarget, m: Mutated, ws: Workspace, full: bool) -> None:
    """The reader contract on one input (see the module docstring)."""
    from onconav.cohort import CohortInputs, annotate_cohort
    from onconav.errors import CohortInputError

    root = ws.fresh()
    path = root / ("input" + target.suffix + (".gz" if m.packing != "plain" else ""))
    path.write_bytes(_pack(m))
    work = root / "work"
    work.mkdir()
    try:
        _open_reader(target, path, work)
    except CohortInputError as err:
        _located_input(err, str(path))
        return
    if not full:
        return
    out = root / "out"
    inputs = CohortInputs(**{target.field: path, **target.extra})
    try:
        summary = annotate_cohort(inputs, out, plots=False, index=_index())
    except CohortInputError as err:
        if err.file is not None:  # (an error about the fixed companion file is not ours)
            _located_input(err, str(path))
        expect(not out.exists(), "an output folder was left after an error")
        expect(not [p for p in root.iterdir() if ".partial-" in p.name], "staging folder left")
        return
    _check_outputs(out, summary)
    expect(not [p for p in root.iterdir() if ".partial-" in p.name], "staging folder left")


_INDEX: list[Any] = []


def _index() -> Any:
    if not _INDEX:
        from onconav.kb.index import get_index

        _INDEX.append(get_index(None))
    return _INDEX[0]


def check_case(m: Mutated, suffix: str, ws: Workspace) -> None:
    """The case-file contract on one input."""
    from onconav._cliutil import match_located
    from onconav.errors import CaseError, TumorTypeError
    from onconav.match.caseio import read_located

    root = ws.fresh()
    path = root / f"case{suffix}"
    path.write_bytes(m.raw)
    label = str(path)
    try:
        found = read_located(label)
    except CaseError as err:
        _printable_line(str(err))
        expect(err.file is not None and err.file.startswith(label), err)
        whole = ("empty", "no case", "a case is", "larger than", "no such file", "is a folder")
        located = err.line is not None or err.field is not None
        expect(located or err.message.startswith(whole), f"not located: {err}")
        return
    for item in found:
        try:
            match_located(_index(), item)
        except TumorTypeError as err:
            _printable_line(str(err))
            expect(err.file is not None and err.file.startswith(label), err)


def check_normalizer(args: tuple[str, str, str, str | None]) -> None:
    """The normalizer contract: an Alteration, never an exception nor an internal error."""
    from onconav.normalize import Alteration, normalize_alteration, parse_alteration
    from onconav.normalize import protein_change_alteration as maf_row
    from onconav.normalize.models import KINDS

    gene, text, vclass, hgvsc = args
    results = [
        getattr(parse_alteration, "__wrapped__", parse_alteration)(f"{gene} {text}"),
        getattr(normalize_alteration, "__wrapped__", normalize_alteration)(gene, text),
        getattr(maf_row, "__wrapped__", maf_row)(gene, text, vclass, hgvsc=hgvsc),
    ]
    for a in results:
        expect(isinstance(a, Alteration), a)
        expect(a.kind in KINDS, a)
        expect(a.reason != "internal error reading this alteration", a)
        expect(a.recognized is (a.reason is None), a)


# --- strategies -------------------------------------------------------------------------------

_ALT_ALPHABET = "EGFRMTALKpc.0123456789_*+->:()/ delinsfsdupTerXxqHERKIFRETNTRK?=[];,\t\u00a0é"
_ALT_PIECES = [
    "p.",
    "L",
    "858",
    "R",
    "Leu",
    "Arg",
    "_",
    "del",
    "ins",
    "dup",
    "fs*",
    "Ter",
    "c.",
    "+1",
    "G>T",
    "exon ",
    "19",
    "ex",
    " ",
    "9" * 12,
    "1" * 5000,
    "(",
    ")",
    "::",
    "-",
    "amplification",
    "fusion",
    "skipping",
    "?",
    "=",
    "delins",
    "\u0000",
    "0",
]
GENES = st.sampled_from(["EGFR", "ERBB2", "HER2", "MET", "KRAS", "ALK", "ROS1", "RET", "NTRK1",
                         "BRAF", "TP53", "ZZZ3", "", " ", "c-MET", "EML4"])  # fmt: skip


def normalizer_inputs() -> Any:
    """Hypothesis strategy: (gene, alteration text, variant class, HGVSc)."""
    text = st.one_of(
        st.text(max_size=40),
        st.text(alphabet=_ALT_ALPHABET, max_size=40),
        st.lists(st.sampled_from(_ALT_PIECES), max_size=8).map("".join),
    )
    vclass = st.sampled_from(["Missense_Mutation", "Splice_Site", "In_Frame_Del", "Silent", "",
                              "Intron", "Frame_Shift_Del", "x"])  # fmt: skip
    hgvsc = st.one_of(st.none(), st.text(alphabet="c.0123456789+-_>ACGTdelinsup", max_size=20))
    return st.tuples(GENES, text, vclass, hgvsc)


def _case_seeds() -> list[tuple[bytes, str]]:
    import yaml

    seeds = []
    for path in sorted(EXAMPLES.glob("*.json")):
        raw = path.read_bytes()
        data = json.loads(raw)
        seeds.append((raw, ".json"))
        seeds.append((json.dumps(data).encode() + b"\n" + json.dumps(data).encode(), ".jsonl"))
        seeds.append((yaml.safe_dump(data).encode(), ".yaml"))
    return seeds


def case_inputs() -> Any:
    """Hypothesis strategy: (mutated case file, suffix)."""
    seeds = _case_seeds()

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Mutated, str]:
        raw, suffix = draw(st.sampled_from(seeds))
        m = draw(mutated([raw], CASE_TOKENS + TOKENS[:20], packings=False))
        return m, draw(st.sampled_from([suffix] * 4 + [".json", ".jsonl", ".yml", ""]))

    return build()


# --- the runner -------------------------------------------------------------------------------

TARGET_NAMES = ("normalizer", "case", *READERS)


def _target(name: str, ws: Workspace, full_every: int) -> tuple[Any, Callable[[Any, int], None]]:
    if name == "normalizer":
        return normalizer_inputs(), lambda x, n: check_normalizer(x)
    if name == "case":
        return case_inputs(), lambda x, n: check_case(x[0], x[1], ws)
    target = READERS[name]
    seeds = [(DATA / s).read_bytes() for s in target.seeds]

    def check(x: Mutated, n: int) -> None:
        # (Chosen by the input, not the count, so that hypothesis's replay behaves the same.)
        check_reader(target, x, ws, zlib.crc32(x.raw + x.packing.encode()) % full_every == 0)

    return mutated(seeds, TOKENS), check


def _save_crash(folder: Path, name: str, n: int, example: Any, exc: BaseException) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{name}-{os.getpid()}-{n}"
    if isinstance(example, Mutated):
        stem.with_suffix(".input").write_bytes(_pack(example))
    elif isinstance(example, tuple) and example and isinstance(example[0], Mutated):
        stem.with_suffix(".input").write_bytes(example[0].raw)
    else:
        stem.with_suffix(".input").write_text(repr(example), encoding="utf-8")
    trace = "".join(traceback.format_exception(exc))
    stem.with_suffix(".txt").write_text(f"{example!r}\n\n{trace}", encoding="utf-8")
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def _property(strategy: Any, check: Callable[[Any, int], None], last: list[Any], n: int) -> Any:
    """A hypothesis test of `n` inputs; `last` holds the current input and the count."""
    last.append(0)

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)  # fmt: skip
    @given(strategy)
    def prop(x: Any) -> None:
        last[0] = x
        last[1] += 1
        check(x, last[1])

    return prop


def run_target(name: str, count: int, seed: int, crashes: Path, full_every: int) -> dict[str, Any]:
    """Run `count` inputs of one target; crashes are saved and counted, the run goes on."""
    ws = Workspace()
    strategy, check = _target(name, ws, full_every)
    done = 0
    found: dict[str, int] = {}
    rng = random.Random(seed)
    start = time.monotonic()
    try:
        while done < count:
            before = done
            last: list[Any] = [None]
            prop = _property(strategy, check, last, min(count - done, 2000))

            prop._hypothesis_internal_use_seed = rng.getrandbits(64)  # type: ignore[attr-defined]
            try:
                prop()
            except Exception as exc:  # noqa: BLE001 - a crash is recorded, and the run goes on
                key = _save_crash(crashes, name, done, last[0], exc)
                found[key] = found.get(key, 0) + 1
            done += last[1]
            if done == before:
                break
    finally:
        ws.close()
    seconds = time.monotonic() - start
    return {"target": name, "inputs": done, "crashes": found, "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run each target, print a JSON summary line a target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="inputs per target")
    parser.add_argument("--target", default="all", choices=("all", *TARGET_NAMES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full-every", type=int, default=5,
                        help="run the whole annotate_cohort on every Nth reader input")  # fmt: skip
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"))
    parser.add_argument("--log", type=Path, default=None, help="append the summary lines here")
    args = parser.parse_args(argv)
    names = TARGET_NAMES if args.target == "all" else (args.target,)
    failed = False
    commit = _commit()  # (the code under test: taken before the run, not after it)
    for i, name in enumerate(names):
        result = run_target(name, args.count, args.seed * 1000 + i, args.crashes, args.full_every)
        result["commit"] = commit
        line = json.dumps(result)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if args.log is not None:
            with args.log.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        failed = failed or bool(result["crashes"])
    return 1 if failed else 0


def _commit() -> str:
    head = ROOT / ".git"
    try:
        import subprocess

        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=False)  # fmt: skip
        return out.stdout.strip() or str(head)
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
