"""POST /api/v1/match on its plain route: same answers, headers, log lines, audit and OpenAPI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onconav.kb.index import get_index
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.web.app import WebSettings, create_app
from onconav.web.db import AuditEvent
from tests.web.conftest import bearer, example

_CASES = ["egfr_l858r_first_line.json", "egfr_ex19_t790m_after_gefitinib.json",
          "unrecognized_alteration.json", "met_exon14.json"]  # fmt: skip


def _routes(caplog: pytest.LogCaptureFixture) -> list[tuple[object, object]]:
    records = [r for r in caplog.records if r.name == "onconav.web.access"]
    return [(r.fields["route"], r.fields["status"]) for r in records]  # type: ignore[attr-defined]


def test_answers_are_the_engine_results_with_the_edge_headers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="onconav.web.access")
    client = TestClient(create_app(WebSettings(db=str(tmp_path / "w.db"))))
    for name in _CASES:
        data = example(name)
        response = client.post("/api/v1/match", json=data)
        assert response.status_code == 200
        expected = match_case(get_index(), case_from_data(data)).model_dump(mode="json")
        assert response.json() == expected
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    bad = client.post("/api/v1/match", json={"tumor_type": "LUAD", "alterations": 5})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "alterations")
    wrong = client.get("/api/v1/match")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert _routes(caplog) == [("/api/v1/match", 200)] * len(_CASES) + [
        ("/api/v1/match", 422),
        ("/api/v1/match", 405),
    ]


def test_closed_mode_refuses_and_audits_with_the_route(tmp_path: Path) -> None:
    app = create_app(WebSettings(db=str(tmp_path / "w.db"), require_auth=True))
    client = TestClient(app)
    response = client.post("/api/v1/match", json=example(_CASES[0]))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    with app.state.ctx.store.session() as s:
        rows = s.scalars(select(AuditEvent)).all()
    assert [(e.action, e.detail) for e in rows] == [("access.denied", "401 POST /api/v1/match")]


def test_openapi_still_documents_it(tmp_path: Path) -> None:
    app = create_app(WebSettings(db=str(tmp_path / "w.db")))
    post = app.openapi()["paths"]["/api/v1/match"]["post"]
    assert post["tags"] == ["match"]
    assert (
        "tumor_type" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )
    assert "200" in post["responses"]


def test_a_body_in_several_messages_is_read_whole_and_a_disconnect_is_no_answer() -> None:
    import asyncio

    from starlette.requests import ClientDisconnect

    from onconav.web.routes_api import _body

    def receiver(messages: list[dict[str, object]]) -> Callable[[], Awaitable[object]]:
        async def receive() -> object:
            return messages.pop(0)

        return receive

    parts = [
        {"type": "http.request", "body": b'{"tumor_type": ', "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b'"LUAD"}'},
    ]
    assert asyncio.run(_body(receiver(parts))) == b'{"tumor_type": "LUAD"}'
    gone = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
    with pytest.raises(ClientDisconnect):
        asyncio.run(_body(receiver(gone)))


def test_closed_mode_with_a_token_answers_and_logs_the_user(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from onconav.web.accounts import Accounts

    caplog.set_level(logging.INFO, logger="onconav.web.access")
    app = create_app(WebSettings(db=str(tmp_path / "w.db"), require_auth=True))
    accounts = Accounts(app.state.ctx.store)
    accounts.add_user("mia", "a long enough password", "thoracic")
    token = accounts.create_token("mia")
    data = example(_CASES[1])
    response = TestClient(app).post("/api/v1/match", json=data, headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == match_case(get_index(), case_from_data(data)).model_dump(mode="json")
    access = [r for r in caplog.records if r.name == "onconav.web.access"]
    assert [r.fields["user"] for r in access] == ["mia"]  # type: ignore[attr-defined]
