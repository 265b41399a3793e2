"""Issue 13, accounts and logins: one canonical user name, per-address limits, per-account
slow-down (never a lockout), limits shared through the database, a trusted proxy only when
named, token expiry and revocation, sessions that end on disable, reset and idleness."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from onconav.web.db import ApiToken, AuditEvent, WebSession
from tests.web.conftest import PASSWORD, bearer, login


def _csrf(c: TestClient) -> str:
    page = c.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _try(c: TestClient, name: str, password: str, address: str | None = None) -> int:
    headers = {"X-Forwarded-For": address} if address else {}
    data = {"username": name, "password": password, "csrf_token": _csrf(c)}
    return c.post("/login", data=data, headers=headers, follow_redirects=False).status_code


@pytest.mark.parametrize("variant", ["carol    ", "  carol", "CAROL", "Carol\t", "ｃａｒｏｌ"])
def test_one_canonical_name_for_lookup_and_limit(
    make_app: Callable[..., FastAPI], variant: str
) -> None:
    app = make_app(login_max_failures=100, login_account_free=2, login_max_delay=0.5)
    app.state.ctx.accounts.add_user("carol", PASSWORD, "t")
    with TestClient(app) as c:
        assert _try(c, variant, PASSWORD) == 303  # the same account, whatever the form
        for _ in range(3):
            assert _try(c, variant, "wrong") == 401
        # The padded or re-cased name shares carol's counter: she is slowed down too.
        assert app.state.ctx.limiter.account_delay("carol") == 0.5
        started = time.monotonic()
        assert _try(c, "carol", "wrong") == 401
        assert time.monotonic() - started >= 0.45
    with pytest.raises(Exception, match="exists"):
        app.state.ctx.accounts.add_user(variant, PASSWORD, "t")


def test_per_address_limit_ignores_forwarded_for_without_a_trusted_proxy(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(login_max_failures=3)
    app.state.ctx.accounts.add_user("dan", PASSWORD, "t")
    with TestClient(app) as c:
        codes = [_try(c, f"guess{i}", "wrong", f"10.0.0.{i}") for i in range(4)]
        assert codes == [401, 401, 401, 429]  # one peer, whatever the header says


def test_trusted_proxy_limits_each_client_address(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(login_max_failures=3, trusted_proxies=("testclient",))
    app.state.ctx.accounts.add_user("erin", PASSWORD, "t")
    with TestClient(app) as c:
        codes = [_try(c, f"guess{i}", "wrong", "203.0.113.9") for i in range(4)]
        assert codes == [401, 401, 401, 429]
        r = c.post("/login", data={"username": "erin", "password": PASSWORD,
                                   "csrf_token": _csrf(c)},
                   headers={"X-Forwarded-For": "203.0.113.9"})  # fmt: skip
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        # Another client behind the same proxy is not held back.
        assert _try(c, "erin", PASSWORD, "198.51.100.7") == 303
    events = app.state.ctx.store.audit_events()
    failed = [e for e in events if e.action == "login.failed"]
    assert len(failed) == 3
    assert {e.client for e in failed} == {"203.0.113.9"}


def test_guessing_from_many_addresses_slows_the_account_but_never_locks_it(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(login_max_failures=5, login_account_free=3, login_max_delay=0.4,
                   trusted_proxies=("testclient",))  # fmt: skip
    app.state.ctx.accounts.add_user("fay", PASSWORD, "t")
    with TestClient(app) as c:
        for i in range(8):  # an attacker on 8 addresses
            assert _try(c, "fay", "wrong", f"10.1.0.{i}") == 401
        limiter = app.state.ctx.limiter
        assert limiter.account_delay("fay") == 0.4  # doubled up to the ceiling
        started = time.monotonic()
        assert _try(c, "fay", PASSWORD, "10.2.0.1") == 303  # the owner still gets in
        assert 0.35 <= time.monotonic() - started < 5
        # Her success clears the account's counter.
        assert limiter.account_delay("fay") == 0


def test_limits_are_shared_by_every_worker_through_the_database(
    make_app: Callable[..., FastAPI],
) -> None:
    first, second = make_app(login_max_failures=3), make_app(login_max_failures=3)
    first.state.ctx.accounts.add_user("gil", PASSWORD, "t")
    with TestClient(first) as a, TestClient(second) as b:
        assert [_try(a, "gil", "wrong") for _ in range(3)] == [401, 401, 401]
        assert _try(b, "gil", PASSWORD) == 429


def test_tokens_expire_can_be_revoked_and_record_last_use(app: FastAPI, client: TestClient) -> None:
    accounts, store = app.state.ctx.accounts, app.state.ctx.store
    accounts.add_user("hal", PASSWORD, "t")
    keep = accounts.create_token("hal", "keep")
    short = accounts.create_token("hal", "short", days=1)
    gone = accounts.create_token("hal", "gone")
    assert [t.name for t in accounts.tokens("hal")] == ["keep", "short", "gone"]
    expiry = {t.name: t.expires_at - t.created_at for t in accounts.tokens("hal")}
    assert dt.timedelta(days=89) < expiry["keep"] <= dt.timedelta(days=90)
    assert expiry["short"] <= dt.timedelta(days=1)
    for token in (keep, short, gone):
        assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    with store.session() as s:
        s.execute(update(ApiToken).where(ApiToken.name == "short")
                  .values(expires_at=dt.datetime(2020, 1, 1)))  # fmt: skip
    assert accounts.revoke("hal", "gone") == 1
    assert client.get("/api/v1/cases", headers=bearer(short)).status_code == 401
    assert client.get("/api/v1/cases", headers=bearer(gone)).status_code == 401
    assert client.get("/api/v1/cases", headers=bearer(keep)).status_code == 200
    states = {t.name: (t.state, t.last_used_at) for t in accounts.tokens("hal")}
    assert states["short"][0] == "expired"
    assert states["gone"][0] == "revoked"
    assert states["keep"][0] == "active"
    assert states["keep"][1] is not None
    with store.session() as s:  # stored hashed: the token itself is nowhere in the table
        hashes = s.scalars(select(ApiToken.token_hash)).all()
    assert keep not in hashes
    assert all(len(h) == 64 for h in hashes)
    # The last-used time is one column, not a row per request.
    with store.session() as s:
        assert len(s.scalars(select(ApiToken)).all()) == 3


def test_disable_and_password_reset_end_sessions_and_tokens(
    app: FastAPI, client: TestClient, alice: str
) -> None:
    accounts = app.state.ctx.accounts
    login(client, "alice")
    assert client.get("/api/v1/cases").status_code == 200
    accounts.set_disabled("alice", True)
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers=bearer(alice)).status_code == 401
    assert _try(client, "alice", PASSWORD) == 401  # a disabled account cannot log in
    accounts.set_disabled("alice", False)
    assert client.get("/api/v1/cases", headers=bearer(alice)).status_code == 200
    login(client, "alice")
    accounts.reset_password("ALICE ", "a new long password")
    assert client.get("/api/v1/cases").status_code == 401
    assert _try(client, "alice", PASSWORD) == 401
    assert _try(client, "alice", "a new long password") == 303


def test_idle_sessions_end(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(session_idle_minutes=30)
    app.state.ctx.accounts.add_user("ivy", PASSWORD, "t")
    with TestClient(app) as c:
        login(c, "ivy")
        assert c.get("/api/v1/cases").status_code == 200
        with app.state.ctx.store.session() as s:
            s.execute(update(WebSession).values(
                last_seen_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                - dt.timedelta(minutes=31)))  # fmt: skip
        assert c.get("/api/v1/cases").status_code == 401
        with app.state.ctx.store.session() as s:
            assert s.scalars(select(WebSession)).all() == []


def test_failed_logins_and_denied_requests_are_audited(
    app: FastAPI, client: TestClient, alice: str, bob: str
) -> None:
    case = client.post("/api/v1/cases", json={"tumor_type": "LUAD", "alterations": ["EGFR L858R"]},
                       headers=bearer(alice)).json()  # fmt: skip
    assert _try(client, "alice", "wrong") == 401
    assert client.get(f"/api/v1/cases/{case['id']}", headers=bearer(bob)).status_code == 404
    assert client.put(f"/api/v1/cases/{case['id']}", json={"tumor_type": "LUAD", "alterations": []},
                      headers=bearer(bob)).status_code == 404  # fmt: skip
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers=bearer("onc_forged")).status_code == 401
    with app.state.ctx.store.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    seen = [(e.action, e.username, e.case_id) for e in rows]
    assert ("login.failed", "alice", None) in seen
    assert seen.count(("access.denied", "bob", case["id"])) == 2
    anonymous = [e for e in rows if e.action == "access.denied" and e.username == "-"]
    assert len(anonymous) == 2
    assert all(e.detail == "401 GET /api/v1/cases" for e in anonymous)
    assert all(e.client for e in anonymous)
