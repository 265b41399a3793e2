"""POST /api/v1/annotate: a MAF annotated in the background, polled, downloaded."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import bearer

TINY_MAF = Path(__file__).resolve().parents[1] / "data" / "cohort" / "tiny.maf"


def _wait(client: TestClient, url: str, token: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(url, headers=bearer(token)).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish in 60 s")


def test_annotate_upload_poll_download(client: TestClient, alice: str, bob: str) -> None:
    files = {"maf": ("tiny.maf", TINY_MAF.read_bytes(), "text/plain")}
    r = client.post("/api/v1/annotate", files=files, data={"tumor_type": "LUAD"},
                    headers=bearer(alice))  # fmt: skip
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["url"], alice)
    assert job["status"] == "done", job
    assert "summary.json" in job["files"]
    summary = client.get(job["files"]["summary.json"], headers=bearer(alice))
    assert summary.status_code == 200
    assert summary.json()["rows_in"] > 0
    table = client.get(job["files"]["annotated_mutations.tsv"], headers=bearer(alice))
    assert "HIGHEST_LEVEL" in table.text
    assert client.get(r.json()["url"], headers=bearer(bob)).status_code == 404
    assert client.get(job["files"]["summary.json"], headers=bearer(bob)).status_code == 404
    missing = client.get(f"{r.json()['url']}/files/..%2Fsecret", headers=bearer(alice))
    assert missing.status_code == 404


def test_annotate_bad_input_fails_the_job(client: TestClient, alice: str) -> None:
    files = {"maf": ("x.maf", b"not\ta\tmaf\n1\t2\t3\n", "text/plain")}
    r = client.post("/api/v1/annotate", files=files, data={"tumor_type": "LUAD"},
                    headers=bearer(alice))  # fmt: skip
    job = _wait(client, r.json()["url"], alice)
    assert job["status"] == "failed"
    assert job["error"]


def test_annotate_needs_a_login_and_a_small_file(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(max_upload_bytes=1000)
    app.state.ctx.accounts.add_user("hal", "long enough pw", "t")
    token = app.state.ctx.accounts.create_token("hal")
    with TestClient(app) as c:
        files = {"maf": ("tiny.maf", TINY_MAF.read_bytes(), "text/plain")}
        assert c.post("/api/v1/annotate", files=files).status_code == 401
        big = {"maf": ("big.maf", b"x" * 200_000, "text/plain")}
        r = c.post("/api/v1/annotate", files=big, headers=bearer(token))
        assert r.status_code == 413
        small_but_over = {"maf": ("big.maf", b"x" * 5000, "text/plain")}
        assert c.post("/api/v1/annotate", files=small_but_over,
                      headers=bearer(token)).status_code == 413  # fmt: skip
