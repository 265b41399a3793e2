"""Schemathesis against /openapi.json (in process, over ASGI): no 500 on any endpoint, answers
that match their schema, status codes and content types the document declares, and no access
across teams. Bounded: a few examples an operation (about a minute in all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onconav.web.app import WebSettings, create_app

pytestmark = pytest.mark.slow
SECRET = "team-b-secret-label"
_STATE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(WebSettings(db=str(tmp / "fuzz.db"), data_dir=tmp / "jobs"))
    accounts, store = app.state.ctx.accounts, app.state.ctx.store
    bob = accounts.add_user("bob", "correct horse battery", "team-b")
    accounts.add_user("alice", "correct horse battery", "team-a")
    case = {"tumor_type": "LUAD", "alterations": ["EGFR L858R"], "id": SECRET}
    from onconav.web.service import save_case

    view = save_case(app.state.ctx, bob, case)
    _STATE.update(token=accounts.create_token("alice"), bob=bob, case_id=view.id, store=store)
    yield app
    app.state.ctx.jobs.shutdown()
    store.dispose()


def no_cross_team_access(ctx: Any, response: Any, case: Any) -> bool:
    """Alice (team A) never sees or changes team B's case."""
    assert SECRET not in response.text, "team B's case leaked to team A"
    return True


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_api_fuzz(fuzz_app: FastAPI) -> None:
    # Each operation in turn, with hypothesis driving schemathesis' strategies (its pytest
    # plugin does not load with this pytest).
    operations = _operations(fuzz_app)
    assert len(operations) >= 15
    headers = {"Authorization": f"Bearer {_STATE['token']}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance, no_cross_team_access]  # fmt: skip
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        run()


def test_team_b_case_untouched_after_fuzzing(fuzz_app: FastAPI) -> None:
    view = _STATE["store"].get_case(_STATE["bob"], _STATE["case_id"])
    assert view is not None
    assert view.revision == 1
    assert view.case["id"] == SECRET
