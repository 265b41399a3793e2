"""Load test of `onconav serve` on loopback: POST /api/v1/match beside GET /healthz.

Starts the server (uvicorn, one process, a temp SQLite db) on a free 127.0.0.1 port, then runs
CLIENTS concurrent keep-alive clients for REQUESTS requests on each endpoint, in the same run.
Goals: match p95 at most 50 ms; match throughput at least half the trivial endpoint's.
Bounded: a fixed request count and a 120 s ceiling per endpoint; nothing leaves 127.0.0.1.

Run: python benchmarks/bench_web.py [CLIENTS] [REQUESTS]     (defaults: 50 clients, 5000)
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import PYTHON

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))
]
SERVER = """
import sys, uvicorn
from onconav.web.app import WebSettings, create_app
app = create_app(WebSettings(db=sys.argv[1]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_config=None, access_log=False)
"""


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


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([PYTHON, "-c", SERVER, str(Path(tmp) / "bench.db"), str(port)])
        try:
            _wait_up(port, proc)
            match = [_request("POST", "/api/v1/match", json.dumps(c).encode()) for c in CASES]
            trivial = [_request("GET", "/healthz")]
            asyncio.run(_load(port, match, clients, 500))  # warm-up
            results = {
                "healthz": asyncio.run(_load(port, trivial, clients, total)),
                "match": asyncio.run(_load(port, match, clients, total)),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{clients} concurrent clients, {total} requests per endpoint, 127.0.0.1:{port}")
    for name, r in results.items():
        print(
            f"{name:8s} n={r['n']:.0f}  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
            f"{r['rps']:7.0f} req/s"
        )
    ratio = results["match"]["rps"] / results["healthz"]["rps"]
    p95 = results["match"]["p95_ms"]
    print(f"match p95 {p95:.1f} ms (goal <= 50): {'ok' if p95 <= 50 else 'MISSED'}")
    print(
        f"match/healthz throughput {ratio:.2f} (goal >= 0.50): {'ok' if ratio >= 0.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
