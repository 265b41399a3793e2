"""The web pages: login, the case form, the result page, patient view, PDF, case list."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import login

FORM = {
    "tumor_type": "LUAD",
    "setting": "metastatic",
    "stage": "IVB",
    "alterations": "EGFR exon 19 deletion\nEGFR T790M",
    "history": "gefitinib: progression",
    "conditions": ["brain_metastases"],
    "pd_l1_tps": "5",
    "her2_ihc": "",
    "label": "demo-1",
}


def test_pages_redirect_to_login(client: TestClient) -> None:
    r = client.get("/cases", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/cases"


def test_login_sets_a_safe_cookie(client: TestClient, alice: str) -> None:
    login(client, "alice")
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "alice", "password": "correct horse battery",
                                    "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()


def test_login_needs_its_csrf_token(client: TestClient, alice: str) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "alice", "password": "correct horse battery"})
    assert r.status_code == 403


def test_wrong_password_and_rate_limit(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(login_max_failures=3)
    app.state.ctx.accounts.add_user("gus", "long enough pw", "t")
    with TestClient(app) as c:
        page = c.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        data = {"username": "gus", "password": "wrong", "csrf_token": csrf}
        codes = [c.post("/login", data=data).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        data["password"] = "long enough pw"
        r = c.post("/login", data=data)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0


def test_form_result_patient_pdf_list(client: TestClient, alice: str) -> None:
    csrf = login(client, "alice")
    assert 'for="tumor_type"' in client.get("/cases/new").text
    r = client.post("/cases/new", data={**FORM, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert "Options, best first" in page.text
    assert "osimertinib" in page.text
    assert "Side effects" in page.text
    assert "Avoid" in page.text
    cid = r.headers["location"].rsplit("/", 1)[1]
    patient = client.get(f"/cases/{cid}/patient")
    assert patient.status_code == 200
    assert "Back to the clinician view" in patient.text
    pdf = client.get(f"/cases/{cid}/report?audience=patient&format=pdf")
    assert pdf.content.startswith(b"%PDF")
    listing = client.get("/cases").text
    assert f"/cases/{cid}" in listing
    edit = client.get(f"/cases/{cid}/edit").text
    assert "gefitinib: progression" in edit
    assert 'value="brain_metastases" checked' in edit


def test_form_errors_name_the_field(client: TestClient, alice: str) -> None:
    csrf = login(client, "alice")
    r = client.post("/cases/new", data={**FORM, "tumor_type": "", "csrf_token": csrf})
    assert r.status_code == 422
    assert "tumor_type" in r.text
    assert 'aria-invalid="true"' in r.text
    assert "EGFR T790M" in r.text  # what was typed is kept


def test_forms_need_the_csrf_token(client: TestClient, alice: str) -> None:
    login(client, "alice")
    assert client.post("/cases/new", data=FORM).status_code == 403
    assert client.post("/cases/new", data={**FORM, "csrf_token": "x"}).status_code == 403


def test_edit_rematch_delete_logout(client: TestClient, alice: str, bob: str) -> None:
    csrf = login(client, "alice")
    loc = client.post("/cases/new", data={**FORM, "csrf_token": csrf},
                      follow_redirects=False).headers["location"]  # fmt: skip
    r = client.post(f"{loc}/edit", data={**FORM, "alterations": "KRAS G12C", "csrf_token": csrf})
    assert "sotorasib" in r.text
    r = client.post(f"{loc}/rematch", data={"csrf_token": csrf})
    assert "Matched again" in r.text
    assert client.post(f"{loc}/delete", data={"csrf_token": csrf}).status_code == 200
    assert client.get(loc).status_code == 404
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/api/v1/cases").status_code == 401


def test_other_team_pages_are_404(client: TestClient, alice: str, bob: str) -> None:
    csrf = login(client, "alice")
    loc = client.post("/cases/new", data={**FORM, "csrf_token": csrf},
                      follow_redirects=False).headers["location"]  # fmt: skip
    client.cookies.clear()
    login(client, "bob")
    for path in (loc, f"{loc}/patient", f"{loc}/edit", f"{loc}/report"):
        assert client.get(path).status_code == 404, path
