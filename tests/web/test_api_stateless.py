"""The stateless endpoints: match, kb, normalize, docs, healthz (open on loopback)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import bearer, example


def test_match_returns_the_contract_keys(client: TestClient) -> None:
    r = client.post("/api/v1/match", json=example("alk_first_line.json"))
    assert r.status_code == 200
    body = r.json()
    for key in ("onconav_version", "kb_version", "case_id", "tumor_type", "setting",
                "alterations", "options", "avoid", "warnings"):  # fmt: skip
        assert key in body
    assert body["options"][0]["sources"]


def test_match_names_the_bad_field(client: TestClient) -> None:
    r = client.post("/api/v1/match", json={"alterations": ["EGFR L858R"]})
    assert r.status_code == 422
    assert r.json()["error"] == {"code": "bad-case", "message": "required", "field": "tumor_type"}
    r = client.post("/api/v1/match", json={"tumor_type": "LUAD", "alterations": [], "setting": "x"})
    assert r.json()["error"]["field"] == "setting"


def test_match_unknown_tumor_type_is_422(client: TestClient) -> None:
    r = client.post("/api/v1/match", json={"tumor_type": "LUADX", "alterations": []})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown-tumor-type"


@pytest.mark.parametrize("body", [b"{bad json", b"", b'{"a": 1'])
def test_match_bad_json_is_422(client: TestClient, body: bytes) -> None:
    r = client.post("/api/v1/match", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] in ("bad-json", "bad-case")


def test_match_array_is_not_a_case(client: TestClient) -> None:
    r = client.post("/api/v1/match", json=[1, 2])
    assert r.status_code == 422


def test_match_body_over_the_limit_is_413(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(max_body_bytes=2000)) as c:
        big = {"tumor_type": "LUAD", "alterations": ["EGFR L858R"] * 400}
        r = c.post("/api/v1/match", json=big)
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "too-large"


def test_kb_endpoints(client: TestClient) -> None:
    genes = client.get("/api/v1/kb/genes").json()
    assert "EGFR" in {g["symbol"] for g in genes}
    drug = client.get("/api/v1/kb/drugs/Tagrisso")
    assert drug.status_code == 200
    assert drug.json()["name"] == "osimertinib"
    assert client.get("/api/v1/kb/drugs/aspirin-x").status_code == 404
    version = client.get("/api/v1/kb/version").json()
    assert version["kb_version"].count(".") == 2


def test_normalize_reads_and_suggests(client: TestClient) -> None:
    body = client.get("/api/v1/normalize", params={"q": "EGFR p.Leu858Arg"}).json()
    assert body["recognized"] is True
    assert body["canonical"] == "EGFR L858R"
    assert body["suggestions"][0] == "EGFR L858R"
    partial = client.get("/api/v1/normalize", params={"q": "EGFR ex"}).json()
    assert partial["recognized"] is False
    assert all(s.startswith("EGFR") for s in partial["suggestions"])
    assert client.get("/api/v1/normalize").json()["recognized"] is False


def test_docs_and_health(client: TestClient) -> None:
    kb = client.get("/api/v1/kb/version").json()["kb_version"]
    assert client.get("/healthz").json() == {"status": "ok", "kb_version": kb}
    docs = client.get("/docs/list")
    assert docs.status_code == 200
    assert "/api/v1/match" in docs.text
    spec = client.get("/openapi.json").json()
    assert "/api/v1/cases/{case_id}" in spec["paths"]


def test_require_auth_closes_the_stateless_endpoints(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(require_auth=True)
    app.state.ctx.accounts.add_user("carol", "long enough pw", "t")
    token = app.state.ctx.accounts.create_token("carol")
    with TestClient(app) as c:
        for path in ("/docs", "/docs/list", "/openapi.json", "/api/v1/kb/genes",
                     "/api/v1/normalize"):  # fmt: skip
            assert c.get(path).status_code == 401, path
        # Load balancers check /healthz without a login; it says nothing else.
        health = c.get("/healthz")
        assert health.status_code == 200
        assert set(health.json()) == {"status", "kb_version"}
        case = example("braf_v600e.json")
        assert c.post("/api/v1/match", json=case).status_code == 401
        assert c.post("/api/v1/match", json=case, headers=bearer(token)).status_code == 200
        assert c.get("/docs", headers=bearer(token)).status_code == 200


def test_logs_hold_no_case_data(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client.post("/api/v1/match", json={"id": "pt-secret-7", "tumor_type": "LUAD",
                                       "alterations": ["EGFR L858R"]})  # fmt: skip
    client.get("/api/v1/normalize", params={"q": "KRAS G12C"})
    # The server's own logs (the test client's HTTP library logs its requests on its side).
    text = "\n".join(
        f"{r.getMessage()} {getattr(r, 'fields', '')}"
        for r in caplog.records
        if r.name.startswith("onconav")
    )
    assert "/api/v1/match" in text
    for secret in ("pt-secret-7", "L858R", "G12C", "KRAS"):
        assert secret not in text
