"""Cold start of `onconav match CASE` against `python -c pass`, in the same run (goal: +300 ms).

Every run is a fresh process. The commands take turns, round by round, so that the load of a
shared machine falls on all of them alike; each is run once first to warm the disk cache, the
bytecode and the KB index cache (as a user's second run finds them). Bytecode is written as an
installed package has it, even where PYTHONDONTWRITEBYTECODE is set in this shell. Reported per
command: median and p90 wall time, and the median's overhead over `python -c pass`.

--src DIR also times the CLI from another checkout's src/ folder (put first on PYTHONPATH, as
in bench_web.py), e.g. a baseline before a change, in the same rounds; the output of both is
compared byte for byte.

--instructions also counts each command's instructions once under valgrind (callgrind): a
figure that, unlike wall and CPU time, does not move with the load of a shared machine.

Run: python benchmarks/bench_cold.py [RUNS] [--case FILE] [--formats text,json] [--src DIR]
                                     [--instructions]
     (defaults: 15 runs, examples/egfr_ex19_t790m_after_gefitinib.json, text and json)
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from _timing import PYTHON

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "egfr_ex19_t790m_after_gefitinib.json"
BUDGET_MS = 300.0


def _env(src: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall time, CPU time (user + system: less sensitive to a busy machine) and stdout."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, check=False)
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return took, cpu, done.stdout


def _commands(
    case: Path, formats: list[str], src: Path | None
) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Label -> (command, environment); `python -c pass` first."""
    out = {"python -c pass": ([PYTHON, "-c", "pass"], _env(None))}
    trees = [("baseline", src)] if src is not None else []
    trees.append(("this checkout", None))
    for fmt in formats:
        for label, tree in trees:
            cmd = [PYTHON, "-m", "onconav", "match", str(case), "--format", fmt]
            out[f"{label}: match --format {fmt}"] = (cmd, _env(tree))
    return out


def _instructions(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions the command executes, counted by valgrind's callgrind."""
    grind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run([*grind, *cmd], env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed on {' '.join(cmd)}: {done.stderr[-500:]}")
    return int(found.group(1))


def _print_instructions(commands: dict[str, tuple[list[str], dict[str, str]]]) -> None:
    counts = {label: _instructions(cmd, env) for label, (cmd, env) in commands.items()}
    base = counts["python -c pass"]
    print("  instructions (valgrind, one run each; independent of the machine's load):")
    for label, count in counts.items():
        line = f"  {label:34s} {count / 1e6:8.0f} M"
        if (
            label.startswith("this checkout")
            and label.replace("this checkout", "baseline") in counts
        ):
            before = counts[label.replace("this checkout", "baseline")]
            line += f"   {count / before:.2f}x the baseline's"
        if label != "python -c pass":
            line += f"   ({count / base:.1f}x python -c pass)"
        print(line)


def _p90(times: list[float]) -> float:
    return statistics.quantiles(times, n=10, method="inclusive")[8]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=15)
    parser.add_argument("--case", type=Path, default=CASE)
    parser.add_argument("--formats", default="text,json", help="e.g. text,json")
    parser.add_argument("--src", type=Path, help="also time the CLI from this src/ folder")
    parser.add_argument("--instructions", action="store_true", help="count them (valgrind)")
    args = parser.parse_args()
    src = args.src.resolve() if args.src is not None else None
    for tree in filter(None, [ROOT / "src", src]):
        compileall.compile_dir(str(tree), quiet=1)
    commands = _commands(args.case.resolve(), args.formats.split(","), src)
    outputs = {label: _once(cmd, env)[2] for label, (cmd, env) in commands.items()}  # warm-up
    times: dict[str, list[float]] = {label: [] for label in commands}
    cpus: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(args.runs):
        for label, (cmd, env) in commands.items():
            took, cpu, _out = _once(cmd, env)
            times[label].append(took)
            cpus[label].append(cpu)
    base = statistics.median(times["python -c pass"])
    print(f"{args.runs} runs each, taking turns; case {args.case}")
    print(f"  {'command':34s} {'wall median':>11s} {'p90':>7s} {'CPU median':>10s}   overhead")
    for label, got in times.items():
        median = statistics.median(got)
        line = (
            f"  {label:34s} {median * 1000:8.1f} ms {_p90(got) * 1000:7.1f} "
            f"{statistics.median(cpus[label]) * 1000:7.1f} ms"
        )
        if label != "python -c pass":
            over = (median - base) * 1000
            verdict = "ok" if over <= BUDGET_MS else "MISSED"
            line += f"   +{over:4.0f} ms (goal <= +{BUDGET_MS:.0f}): {verdict}"
        print(line)
    if src is not None:
        for fmt in args.formats.split(","):
            same = (
                outputs[f"baseline: match --format {fmt}"]
                == outputs[f"this checkout: match --format {fmt}"]
            )
            verdict = "identical to" if same else "DIFFERS from"
            print(f"  --format {fmt}: this checkout's output {verdict} the baseline's")
    if args.instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind")
        _print_instructions(commands)


if __name__ == "__main__":
    main()
