"""Cases over the API: CRUD, auth failures, teams, CSRF, revisions, re-match, audit."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from onconav.web.store import UserInfo
from tests.web.conftest import bearer, example, login


def _create(client: TestClient, token: str, name: str = "alk_first_line.json") -> dict:
    r = client.post("/api/v1/cases", json=example(name), headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()


def test_crud_with_a_token(client: TestClient, alice: str) -> None:
    case = _create(client, alice)
    assert case["revision"] == 1
    assert case["kb_version"] == case["result"]["kb_version"]
    listed = client.get("/api/v1/cases", headers=bearer(alice)).json()["items"]
    assert [c["id"] for c in listed] == [case["id"]]
    read = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(alice)).json()
    assert read["result"]["tumor_type"]["code"] == "LUAD"
    update = example("braf_v600e.json")
    r = client.put(f"/api/v1/cases/{case['id']}", json=update, headers=bearer(alice))
    assert r.status_code == 200
    assert r.json()["revision"] == 2
    revisions = client.get(f"/api/v1/cases/{case['id']}/revisions", headers=bearer(alice)).json()
    assert [r["number"] for r in revisions] == [1, 2]
    assert client.delete(f"/api/v1/cases/{case['id']}", headers=bearer(alice)).status_code == 204
    assert client.get(f"/api/v1/cases/{case['id']}", headers=bearer(alice)).status_code == 404


def test_cases_need_a_login(client: TestClient, alice: str) -> None:
    case = _create(client, alice)
    for method, path in [("get", "/api/v1/cases"), ("get", f"/api/v1/cases/{case['id']}"),
                         ("delete", f"/api/v1/cases/{case['id']}"),
                         ("post", f"/api/v1/cases/{case['id']}/rematch"),
                         ("get", f"/cases/{case['id']}/report"),
                         ("get", "/api/v1/jobs/x")]:  # fmt: skip
        assert getattr(client, method)(path).status_code == 401, path
    assert client.post("/api/v1/cases", json=example("braf_v600e.json")).status_code == 401
    bad = {"Authorization": "Bearer onc_not-a-token"}
    assert client.get("/api/v1/cases", headers=bad).status_code == 401


def test_another_team_sees_nothing(client: TestClient, alice: str, bob: str) -> None:
    case = _create(client, alice)
    cid = case["id"]
    assert client.get("/api/v1/cases", headers=bearer(bob)).json()["items"] == []
    assert client.get(f"/api/v1/cases/{cid}", headers=bearer(bob)).status_code == 404
    put = client.put(f"/api/v1/cases/{cid}", json=example("braf_v600e.json"), headers=bearer(bob))
    assert put.status_code == 404
    assert client.delete(f"/api/v1/cases/{cid}", headers=bearer(bob)).status_code == 404
    assert client.get(f"/api/v1/cases/{cid}/revisions", headers=bearer(bob)).status_code == 404
    assert client.post(f"/api/v1/cases/{cid}/rematch", headers=bearer(bob)).status_code == 404
    report = client.get(f"/cases/{cid}/report?format=html", headers=bearer(bob))
    assert report.status_code == 404
    assert client.get(f"/api/v1/cases/{cid}", headers=bearer(alice)).status_code == 200


def test_bad_case_names_the_field(client: TestClient, alice: str) -> None:
    r = client.post("/api/v1/cases", json={"tumor_type": "LUAD"}, headers=bearer(alice))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "alterations"
    bad = client.post("/api/v1/cases", content=b"{", headers={**bearer(alice),
                      "content-type": "application/json"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "bad-json"


def test_session_writes_need_the_csrf_token(client: TestClient, alice: str) -> None:
    csrf = login(client, "alice")
    case = example("braf_v600e.json")
    assert client.get("/api/v1/cases").status_code == 200
    r = client.post("/api/v1/cases", json=case)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert (
        client.post("/api/v1/cases", json=case, headers={"X-CSRF-Token": "nope"}).status_code == 403
    )
    assert (
        client.post("/api/v1/cases", json=case, headers={"X-CSRF-Token": csrf}).status_code == 201
    )


def test_if_match_refuses_a_stale_edit(client: TestClient, alice: str) -> None:
    cid = _create(client, alice)["id"]
    path, body = f"/api/v1/cases/{cid}", example("braf_v600e.json")
    assert (
        client.put(path, json=body, headers={**bearer(alice), "If-Match": "1"}).status_code == 200
    )
    stale = client.put(path, json=body, headers={**bearer(alice), "If-Match": "1"})
    assert stale.status_code == 409


def test_rematch_shows_what_a_new_kb_changed(app: FastAPI, client: TestClient, alice: str) -> None:
    case = _create(client, alice)
    cid = case["id"]
    # Pretend the stored result came from an older KB that listed one option fewer.
    old = dict(case["result"], kb_version="2025.1.0", options=case["result"]["options"][1:])
    user = UserInfo(id=1, username="alice", team_id=1)
    app.state.ctx.store.save_revision(user, cid, case["case"], old, "2025.1.0")
    r = client.post(f"/api/v1/cases/{cid}/rematch", headers=bearer(alice))
    assert r.status_code == 200
    diff = r.json()["diff"]
    assert diff["changed"] is True
    assert diff["kb_version_before"] == "2025.1.0"
    assert diff["options_added"]
    assert r.json()["case"]["revision"] == 3
    again = client.post(f"/api/v1/cases/{cid}/rematch", headers=bearer(alice)).json()
    assert again["diff"]["changed"] is False
    assert again["case"]["revision"] == 3
    d = client.get(f"/api/v1/cases/{cid}/diff?base=2", headers=bearer(alice)).json()
    assert d["options_added"] == diff["options_added"]


def test_every_case_read_and_write_is_audited(app: FastAPI, client: TestClient, alice: str) -> None:
    cid = _create(client, alice, "egfr_l858r_first_line.json")["id"]
    client.get(f"/api/v1/cases/{cid}", headers=bearer(alice))
    client.put(f"/api/v1/cases/{cid}", json=example("braf_v600e.json"), headers=bearer(alice))
    client.get(f"/cases/{cid}/report?format=html", headers=bearer(alice))
    client.delete(f"/api/v1/cases/{cid}", headers=bearer(alice))
    events = app.state.ctx.store.audit_events(cid)
    assert [e.action for e in events] == [
        "case.create",
        "case.read",
        "case.update",
        "case.report",
        "case.delete",
    ]
    assert {e.username for e in events} == {"alice"}
    dumped = json.dumps([e.__dict__ for e in events], default=str)
    for patient_data in ("L858R", "EGFR", "LUAD", "BRAF"):
        assert patient_data not in dumped


def test_reports_as_pdf_html_markdown(client: TestClient, alice: str) -> None:
    cid = _create(client, alice)["id"]
    pdf = client.get(f"/cases/{cid}/report?audience=patient&format=pdf", headers=bearer(alice))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    html = client.get(f"/cases/{cid}/report?audience=clinician&format=html", headers=bearer(alice))
    assert html.text.startswith("<!DOCTYPE html>")
    md = client.get(f"/cases/{cid}/report?format=markdown", headers=bearer(alice))
    assert md.status_code == 200
    assert client.get(f"/cases/{cid}/report?format=docx", headers=bearer(alice)).status_code == 422
