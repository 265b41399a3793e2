"""Fixtures of the web tests: an app on a temporary SQLite file (or PostgreSQL), users, clients."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onconav.web.accounts import Accounts
from onconav.web.app import WebSettings, create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Under CI (.ci/run) these are set: a PostgreSQL or browser test that skips FAILS instead, so
# neither can be skipped unseen. The words name what a skip reason of each kind mentions.
REQUIRED = {
    "ONCONAV_REQUIRE_PG": ("ONCONAV_TEST_PG_URL", "postgresql", "psycopg"),
    "ONCONAV_REQUIRE_BROWSER": ("chromium", "playwright", "browser"),
}


def required_but_skipped(reason: str, environ: Mapping[str, str]) -> str | None:
    """Why a skip with this reason must fail under `environ`, or None when it may skip."""
    for variable, words in REQUIRED.items():
        if environ.get(variable) == "1" and any(w in reason.lower() for w in words):
            return f"{variable}=1, but the test skipped: {reason}"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
        failure = required_but_skipped(reason, os.environ)
        if failure:
            report.outcome, report.longrepr = "failed", failure


PASSWORD = "correct horse battery"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def fresh_db(kind: str, tmp_path: Path) -> str:
    """A fresh database: a SQLite file, or PostgreSQL where ONCONAV_TEST_PG_URL is set."""
    if kind == "sqlite":
        return str(tmp_path / "cases.db")
    url = os.environ.get("ONCONAV_TEST_PG_URL")
    if not url:
        pytest.skip("ONCONAV_TEST_PG_URL is not set (PostgreSQL)")
    _reset_pg(url)
    return url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite; test_store.py runs its tests on PostgreSQL as well."""
    return fresh_db("sqlite", tmp_path)


@pytest.fixture
def make_app(tmp_path: Path, db_url: str) -> Iterator[Callable[..., FastAPI]]:
    """Build apps over one fresh database; settings may be overridden."""
    apps: list[FastAPI] = []

    def build(**overrides: Any) -> FastAPI:
        settings = WebSettings(db=db_url, data_dir=tmp_path / "data", **overrides)
        app = create_app(settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.state.ctx.jobs.shutdown()
        app.state.ctx.store.dispose()


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def accounts(app: FastAPI) -> Accounts:
    return app.state.ctx.accounts  # type: ignore[no-any-return]


@pytest.fixture
def alice(accounts: Accounts) -> str:
    """A user of team A; returns an API token of hers."""
    accounts.add_user("alice", PASSWORD, "team-a")
    return accounts.create_token("alice")


@pytest.fixture
def bob(accounts: Accounts) -> str:
    """A user of team B; returns an API token of his."""
    accounts.add_user("bob", PASSWORD, "team-b")
    return accounts.create_token("bob")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token (from the case list page)."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    cases = client.get("/cases")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', cases.text)
    assert token
    return token.group(1)
