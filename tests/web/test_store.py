"""The case store on SQLite (and PostgreSQL where ONCONAV_TEST_PG_URL is set)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from onconav.web.accounts import Accounts
from onconav.web.db import Base
from onconav.web.store import Store, database_url
from tests.web.conftest import bearer, example, fresh_db


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_db(request.param, tmp_path)


def test_migrations_match_the_models(db_url: str) -> None:
    store = Store(database_url(db_url))
    store.migrate()
    store.migrate()  # a second upgrade is a no-op
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    store.dispose()


def test_parallel_writers_lose_nothing(client: TestClient, alice: str) -> None:
    case = example("egfr_l858r_first_line.json")
    first = client.post("/api/v1/cases", json=case, headers=bearer(alice)).json()["id"]

    def write(i: int) -> int:
        if i % 2:
            return client.post("/api/v1/cases", json=case, headers=bearer(alice)).status_code
        path = f"/api/v1/cases/{first}"
        return client.put(path, json=dict(case, id=f"edit-{i}"), headers=bearer(alice)).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(write, range(40)))
    assert sorted(set(codes)) == [200, 201]
    listed = client.get("/api/v1/cases", headers=bearer(alice)).json()
    assert listed["total"] == len(listed["items"]) == 1 + 20
    revisions = client.get(f"/api/v1/cases/{first}/revisions", headers=bearer(alice)).json()
    assert [r["number"] for r in revisions] == list(range(1, 22))


def test_accounts(accounts: Accounts) -> None:
    user = accounts.add_user("dana", "long enough pw", "team-d")
    assert accounts.authenticate("dana", "long enough pw") == user
    assert accounts.authenticate("dana", "wrong password") is None
    assert accounts.authenticate("nobody", "long enough pw") is None
    from onconav.errors import InputError

    with pytest.raises(InputError, match="exists"):
        accounts.add_user("dana", "long enough pw", "team-d")
    with pytest.raises(InputError) as err:
        accounts.add_user("erin", "short", "team-d")
    assert err.value.field == "password"
    token, csrf = accounts.open_session(user)
    info = accounts.session_info(token)
    assert info is not None
    assert info.user == user
    assert info.csrf_token == csrf
    accounts.close_session(token)
    assert accounts.session_info(token) is None
    api = accounts.create_token("dana")
    assert api.startswith("onc_")
    assert accounts.token_user(api) == user


def test_passwords_are_hashed_with_argon2(accounts: Accounts) -> None:
    from sqlalchemy import select

    from onconav.web.db import User

    accounts.add_user("fay", "long enough pw", "t")
    with accounts.store.session() as s:
        stored = s.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert "long enough pw" not in stored
