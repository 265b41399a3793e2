"""Load test of `onconav serve` on loopback: POST /api/v1/match beside GET /healthz.

Starts `onconav serve` (a temp SQLite db, access log on, as in production) on a free
127.0.0.1 port, once per worker count, then runs CLIENTS concurrent keep-alive clients for
REQUESTS requests on each endpoint, in the same run. The match bodies are varied real profiles:
one case a tumour sample of ../shared/data/luad_mskimpact_2021 (its mutations as protein
changes, its amplifications and deletions), built at run time; where that folder is absent,
generated profiles of the same shape. Goals: match p95 at most 50 ms; match throughput at least
half the trivial endpoint's. Bounded: a fixed request count and a 120 s ceiling per endpoint;
nothing leaves 127.0.0.1.

Beside throughput and latency, each run reports the server's CPU time per request (its
processes' user + system time, from /proc, Linux only): on a machine shared with other work
the wall-clock figures swing with the neighbours' load, CPU per request far less.

Run: python benchmarks/bench_web.py [CLIENTS] [REQUESTS] [--workers 1,2] [--src DIR] [--repeat N]
     (defaults: 50 clients, 5000 requests, workers 1 then 2; --src also runs the server from
     another checkout's src/ folder, e.g. a baseline, before this checkout at each worker count;
     --repeat runs every configuration N times in turn and ends with the medians)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import json
import os
import random
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _timing import PYTHON

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout (or beside the folder of worktrees), or $ONCONAV_SHARED_DIR.
_SHARED_ROOTS = [Path(os.environ.get("ONCONAV_SHARED_DIR", ROOT.parent / "shared")),
                 ROOT.parent.parent / "shared"]  # fmt: skip
SHARED = next(
    (r / "data" / "luad_mskimpact_2021" for r in _SHARED_ROOTS
     if (r / "data" / "luad_mskimpact_2021").is_dir()),
    ROOT.parent / "shared" / "data" / "luad_mskimpact_2021",
)  # fmt: skip
MIN_PROFILES = 150


def _real_profiles(folder: Path) -> list[dict[str, object]]:
    """One case per tumour sample: protein changes, then amplifications and deletions."""
    alterations: dict[str, list[str]] = collections.defaultdict(list)
    with (folder / "data_mutations.txt").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")),
                              delimiter="\t")  # fmt: skip
        for row in rows:
            protein = (row.get("HGVSp_Short") or "").removeprefix("p.")
            if row.get("Hugo_Symbol") and protein:
                alterations[row["Tumor_Sample_Barcode"]].append(f"{row['Hugo_Symbol']} {protein}")
    cna = folder / "data_cna.txt"
    if cna.is_file():
        with cna.open(encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t")
            samples = next(reader)[1:]
            for row in reader:
                for sample, value in zip(samples, row[1:], strict=False):
                    if value in ("2", "-2") and sample in alterations:
                        kind = "amplification" if value == "2" else "deletion"
                        alterations[sample].append(f"{row[0]} {kind}")
    return [
        {"id": f"bench-{i}", "tumor_type": "LUAD", "alterations": alts[:25]}
        for i, (_sample, alts) in enumerate(sorted(alterations.items()))
        if alts
    ]


def _generated_profiles(count: int = 200) -> list[dict[str, object]]:
    """Profiles of the same shape from a fixed seed, for machines without ../shared."""
    pool = ["EGFR L858R", "EGFR E746_A750del", "EGFR T790M", "EGFR C797S", "KRAS G12C",
            "KRAS G12D", "KRAS G12V", "BRAF V600E", "MET exon 14 skipping", "MET amplification",
            "ALK fusion", "ROS1 fusion", "RET fusion", "NTRK1 fusion", "ERBB2 Y772_A775dup",
            "TP53 R273H", "TP53 R248Q", "STK11 Q37*", "KEAP1 G333C", "SMARCA4 R1192C",
            "CDKN2A deletion", "PIK3CA E545K", "NF1 R1362*", "ARID1A Q586*", "RB1 deletion",
            "ERBB2 amplification", "FGFR1 amplification", "MYC amplification"]  # fmt: skip
    rng = random.Random(13)
    seen: set[tuple[str, ...]] = set()
    out: list[dict[str, object]] = []
    while len(out) < count:
        alts = tuple(sorted(rng.sample(pool, rng.randint(1, 6))))
        if alts not in seen:
            seen.add(alts)
            out.append({"id": f"gen-{len(out)}", "tumor_type": "LUAD", "alterations": list(alts)})
    return out


def profiles() -> tuple[list[dict[str, object]], str]:
    """The match bodies, and where they came from."""
    if SHARED.is_dir():
        real = _real_profiles(SHARED)
        distinct = {tuple(p["alterations"]) for p in real}  # type: ignore[arg-type]
        if len(distinct) >= MIN_PROFILES:
            return real, f"{len(real)} real profiles ({len(distinct)} distinct) from {SHARED}"
    generated = _generated_profiles()
    return generated, f"{len(generated)} generated profiles (../shared absent)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += "Content-Type: application/json\r\n"
    return head.encode() + b"\r\n" + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _client(port: int, raws: list[bytes], quota: int, lat: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in range(quota):
            start = time.perf_counter()
            status = await _one(reader, writer, raws[i % len(raws)])
            lat.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"HTTP {status}")
    finally:
        writer.close()


async def _load(port: int, raws: list[bytes], clients: int, total: int) -> dict[str, float]:
    lat: list[float] = []
    quota = total // clients
    start = time.perf_counter()
    jobs = [_client(port, raws[i:] + raws[:i], quota, lat) for i in range(clients)]
    await asyncio.wait_for(asyncio.gather(*jobs), timeout=120)
    took = time.perf_counter() - start
    q = statistics.quantiles(lat, n=100)
    return {"n": len(lat), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "rps": len(lat) / took}


def _wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start in 60 s")


def _serve(
    port: int, db: Path, workers: int, src: Path | None, log: Path
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    args = [PYTHON, "-m", "onconav", "serve", "--db", str(db), "--port", str(port)]
    if workers > 1:
        args += ["--workers", str(workers)]
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its child processes (the workers); 0 off Linux."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found = [Path(t, "children").read_text().split() for t in tasks]
    except OSError:
        return []
    return [int(c) for names in found for c in names]


def _measure(port: int, pid: int, raws: list[bytes], clients: int, total: int
             ) -> dict[str, float]:  # fmt: skip
    before = _cpu_seconds(pid)
    result = asyncio.run(_load(port, raws, clients, total))
    result["cpu_us"] = (_cpu_seconds(pid) - before) / result["n"] * 1e6
    return result


def _run(label: str, workers: int, src: Path | None, match: list[bytes], clients: int,
         total: int) -> dict[str, dict[str, float]]:  # fmt: skip
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = _serve(port, Path(tmp) / "bench.db", workers, src, Path(tmp) / "serve.log")
        try:
            _wait_up(port, proc)
            time.sleep(1.0 if workers > 1 else 0.0)  # every worker up
            trivial = [_request("GET", "/healthz")]
            asyncio.run(_load(port, match, clients, 500))  # warm-up
            results = {
                "healthz": _measure(port, proc.pid, trivial, clients, total),
                "match": _measure(port, proc.pid, match, clients, total),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\n{label}: {clients} concurrent clients, {total} requests per endpoint")
    _report(results)
    return results


def _report(results: dict[str, dict[str, float]], ratio: float | None = None) -> None:
    for name, r in results.items():
        print(
            f"  {name:8s} n={r['n']:.0f}  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
            f"{r['rps']:7.0f} req/s  server CPU {r['cpu_us']:5.0f} us/request"
        )
    if ratio is None:
        ratio = results["match"]["rps"] / results["healthz"]["rps"]
    p95 = results["match"]["p95_ms"]
    print(f"  match p95 {p95:.1f} ms (goal <= 50): {'ok' if p95 <= 50 else 'MISSED'}")
    print(f"  match/healthz throughput {ratio:.2f} (goal >= 0.50): "
          f"{'ok' if ratio >= 0.5 else 'MISSED'}")  # fmt: skip
    if results["match"]["cpu_us"] > 0:
        cpu = results["healthz"]["cpu_us"] / results["match"]["cpu_us"]
        print(f"  healthz/match server CPU per request {cpu:.2f}")


def _medians(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per endpoint, the median of each figure over the runs."""
    return {
        name: {k: statistics.median(r[name][k] for r in runs) for k in runs[0][name]}
        for name in runs[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clients", nargs="?", type=int, default=50)
    parser.add_argument("requests", nargs="?", type=int, default=5000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    parser.add_argument("--src", type=Path, help="run the server from this src/ folder too")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration")
    args = parser.parse_args()
    cases, origin = profiles()
    print(f"match bodies: {origin}")
    match = [_request("POST", "/api/v1/match", json.dumps(c).encode()) for c in cases]
    sources: list[tuple[str, Path | None]] = [("this checkout", None)]
    if args.src is not None:
        sources.insert(0, (f"baseline ({args.src})", args.src.resolve()))
    runs: dict[str, list[dict[str, dict[str, float]]]] = collections.defaultdict(list)
    for round_ in range(args.repeat):
        for workers in (int(w) for w in args.workers.split(",")):
            for name, src in sources:
                label = f"{name}, {workers} worker{'s' if workers > 1 else ''}"
                suffix = f" (run {round_ + 1}/{args.repeat})" if args.repeat > 1 else ""
                runs[label].append(_run(label + suffix, workers, src, match, args.clients,
                                        args.requests))  # fmt: skip
    if args.repeat > 1:
        for label, results in runs.items():
            print(f"\n{label}: medians of {args.repeat} runs")
            ratio = statistics.median(r["match"]["rps"] / r["healthz"]["rps"] for r in results)
            _report(_medians(results), ratio)  # (the ratio: the median of the runs' ratios)


if __name__ == "__main__":
    main()
