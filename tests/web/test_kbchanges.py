"""The web list of stored cases a KB change affects: API, page, case-list notice, escaping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onconav.web.accounts import Accounts
from tests.kbchanges import write_pair
from tests.web.conftest import PASSWORD, bearer, example, login

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "kbs"
    folder.mkdir()
    return write_pair(folder)


def _store(client: TestClient, token: str, case: dict) -> int:
    r = client.post("/api/v1/cases", json=case, headers=bearer(token))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _setup(make_app: Callable[..., FastAPI], pair) -> tuple[FastAPI, dict[str, int], str, str]:
    old, new = pair
    before = make_app(kb_dir=old)
    accounts: Accounts = before.state.ctx.accounts
    accounts.add_user("alice", PASSWORD, "team-a")
    accounts.add_user("bob", PASSWORD, "team-b")
    alice, bob = accounts.create_token("alice"), accounts.create_token("bob")
    ids = {}
    with TestClient(before) as c:
        alk = example("alk_first_line.json")
        ids["alk"] = _store(c, alice, alk)
        ids["egfr"] = _store(c, alice, example("egfr_l858r_first_line.json"))
        ids["hostile"] = _store(c, alice, {**alk, "id": HOSTILE})
        ids["kras"] = _store(c, alice, {"id": "kras-later", "tumor_type": "LUAD",
                                        "alterations": ["KRAS G12C"],
                                        "history": [{"drugs": ["carboplatin", "pemetrexed"],
                                                     "outcome": "progression"}]})  # fmt: skip
        ids["bob"] = _store(c, bob, alk)
    return make_app(kb_dir=new), ids, alice, bob


def test_the_api_lists_affected_cases_with_their_diff(make_app, pair) -> None:
    after, ids, alice, bob = _setup(make_app, pair)
    with TestClient(after) as c:
        r = c.get("/api/v1/kb-changes/cases", headers=bearer(alice))
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["kb_version"] == "2099.1.1"
        assert (data["affected"], data["total_cases"]) == (3, 4)
        got = {case["id"]: case for case in data["cases"]}
        assert set(got) == {ids["alk"], ids["hostile"], ids["kras"]}  # not the EGFR case
        alk = got[ids["alk"]]
        assert (alk["kb_version_before"], alk["kb_version_after"]) == ("2099.1.0", "2099.1.1")
        assert [(ch["change"], ch["drugs"]) for ch in alk["changes"]] == [("removed", "alectinib")]
        kras = {ch["drugs"]: ch for ch in got[ids["kras"]]["changes"]}
        assert kras["adagrasib"]["before"]["level"] == "1"
        assert kras["adagrasib"]["after"]["level"] == "2"
        # Bob's team sees only its own case.
        theirs = c.get("/api/v1/kb-changes/cases", headers=bearer(bob)).json()
        assert [x["id"] for x in theirs["cases"]] == [ids["bob"]]


def test_pagination(make_app, pair) -> None:
    after, ids, alice, _ = _setup(make_app, pair)
    with TestClient(after) as c:
        pages = [c.get(f"/api/v1/kb-changes/cases?per_page=2&page={n}", headers=bearer(alice))
                 .json() for n in (1, 2, 3)]  # fmt: skip
        assert [p["pages"] for p in pages] == [2, 2, 2]
        assert [len(p["cases"]) for p in pages] == [2, 1, 0]
        seen = [x["id"] for p in pages for x in p["cases"]]
        assert len(seen) == len(set(seen)) == 3
        for bad in ("page=0", "per_page=0", "per_page=1000", "page=x"):
            r = c.get(f"/api/v1/kb-changes/cases?{bad}", headers=bearer(alice))
            assert r.status_code == 422, bad


def test_needs_a_login(make_app, pair) -> None:
    after, _ids, _alice, _ = _setup(make_app, pair)
    with TestClient(after) as c:
        assert c.get("/api/v1/kb-changes/cases").status_code == 401
        r = c.get("/kb-changes", headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")


def test_the_case_list_and_the_page_escape_hostile_text(make_app, pair) -> None:
    after, ids, _alice, _ = _setup(make_app, pair)
    with TestClient(after) as c:
        login(c, "alice")
        cases = c.get("/cases").text
        assert "3 of your cases are affected by KB 2099.1.1" in cases
        page = c.get("/kb-changes?per_page=10")
        assert page.status_code == 200
        assert f"/cases/{ids['hostile']}" in page.text
        assert f"/cases/{ids['egfr']}" not in page.text
        assert "option gone: alectinib" in page.text
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text
        assert "<script>alert" not in cases


def test_no_notice_when_nothing_is_affected(make_app, pair) -> None:
    old, _new = pair
    app = make_app(kb_dir=old)
    app.state.ctx.accounts.add_user("carol", PASSWORD, "team-c")
    token = app.state.ctx.accounts.create_token("carol")
    with TestClient(app) as c:
        _store(c, token, example("alk_first_line.json"))
        assert c.get("/api/v1/kb-changes/cases", headers=bearer(token)).json()["affected"] == 0
        login(c, "carol")
        assert "affected by KB" not in c.get("/cases").text
        assert "None of your cases is affected" in c.get("/kb-changes").text
