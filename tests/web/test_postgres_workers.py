"""PostgreSQL: `onconav serve --workers 2` under concurrent writers of two teams loses no write,
and a database lost mid-request answers 503 and recovers without a restart.

Needs ONCONAV_TEST_PG_URL (set by .ci/run, which also sets ONCONAV_REQUIRE_PG=1 so that these
cannot skip unseen there).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from onconav.web.accounts import Accounts
from onconav.web.app import WebSettings, create_app
from onconav.web.store import Store
from tests.web.conftest import PASSWORD, bearer, fresh_db

pytestmark = pytest.mark.slow
CASE = {"tumor_type": "LUAD", "alterations": ["EGFR L858R"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg(tmp_path: Path) -> str:
    return fresh_db("postgresql", tmp_path)


def _tokens(url: str) -> dict[str, str]:
    store = Store(url)
    store.migrate()
    accounts = Accounts(store)
    out = {}
    for name, team in (("alice", "team-a"), ("bob", "team-b")):
        accounts.add_user(name, PASSWORD, team)
        out[name] = accounts.create_token(name)
    store.dispose()
    return out


@pytest.fixture
def two_workers(pg: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "onconav", "serve", "--db", pg, "--port", str(port),
         "--workers", "2", "--data-dir", str(tmp_path / "jobs")],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "server did not start"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert text.count("Started server process") == 2, text
    assert "Traceback" not in text, text


def test_two_workers_two_teams_lose_no_write(
    pg: str, two_workers: tuple[str, subprocess.Popen[bytes]]
) -> None:
    base, _proc = two_workers
    tokens = _tokens(pg)
    with httpx.Client(base_url=base, timeout=60) as c:
        first = {
            who: c.post("/api/v1/cases", json=dict(CASE, id=f"{who}-0"), headers=bearer(t)).json()[
                "id"
            ]  # fmt: skip
            for who, t in tokens.items()
        }

    def write(job: tuple[str, int]) -> tuple[str, str, int]:
        who, i = job
        with httpx.Client(base_url=base, timeout=60, headers=bearer(tokens[who])) as c:
            if i % 2:
                return (
                    who,
                    "post",
                    c.post("/api/v1/cases", json=dict(CASE, id=f"{who}-{i}")).status_code,
                )
            r = c.put(f"/api/v1/cases/{first[who]}", json=dict(CASE, id=f"{who}-edit-{i}"))
            return who, "put", r.status_code

    jobs = [(who, i) for i in range(1, 41) for who in tokens]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(write, jobs))
    assert {code for _w, _k, code in results} <= {200, 201}, results
    with httpx.Client(base_url=base, timeout=60) as c:
        for who, token in tokens.items():
            puts = sum(1 for w, k, _c in results if w == who and k == "put")
            posts = sum(1 for w, k, _c in results if w == who and k == "post")
            page = c.get("/api/v1/cases?limit=200", headers=bearer(token)).json()
            assert page["total"] == 1 + posts
            assert {item["label"].split("-")[0] for item in page["items"]} == {who}
            revisions = c.get(f"/api/v1/cases/{first[who]}/revisions", headers=bearer(token))
            assert [r["number"] for r in revisions.json()] == list(range(1, puts + 2))
        other = c.get(f"/api/v1/cases/{first['alice']}", headers=bearer(tokens["bob"]))
        assert other.status_code == 404


class _Proxy:
    """A TCP relay in front of PostgreSQL that can be cut and restored (a network outage)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()


def test_postgres_lost_mid_request_is_503_and_recovers(pg: str, tmp_path: Path) -> None:
    url = make_url(pg)
    proxy = _Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = create_app(WebSettings(db=via_proxy, data_dir=tmp_path / "jobs"))
    app.state.ctx.accounts.add_user("cy", PASSWORD, "t")
    token = app.state.ctx.accounts.create_token("cy")
    try:
        with TestClient(app) as c:
            assert c.post("/api/v1/cases", json=CASE, headers=bearer(token)).status_code == 201
            proxy.stop()  # the database goes away
            for _ in range(3):
                r = c.get("/api/v1/cases", headers=bearer(token))
                assert r.status_code == 503, r.text
                assert r.json()["error"]["code"] == "db-unavailable"
            assert c.get("/healthz").status_code == 200
            proxy.start()  # and comes back: no restart needed
            r = c.get("/api/v1/cases", headers=bearer(token))
            assert r.status_code == 200
            assert r.json()["total"] == 1
            assert c.post("/api/v1/cases", json=CASE, headers=bearer(token)).status_code == 201
    finally:
        proxy.stop()
        app.state.ctx.jobs.shutdown()
        app.state.ctx.store.dispose()
