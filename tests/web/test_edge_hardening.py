"""Issue 13, the edge: security headers, no-store on patient data, private files, a job folder
that persists (and recovers and expires), the paged case list, the structured access log, a
database lost mid-request (503, then recovery) or unreachable at start (exit 1), the token
migration, and the `user` and `audit` commands."""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from onconav.cli_serve import audit_app, serve, user_app
from onconav.web.db import ApiToken, Job, WebSession
from onconav.web.store import Store, database_url
from tests.web.conftest import PASSWORD, bearer, login

TINY_MAF = Path(__file__).resolve().parents[1] / "data" / "cohort" / "tiny.maf"
CASE = {"tumor_type": "LUAD", "alterations": ["EGFR L858R"], "id": "pt-edge-1"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_security_headers_and_no_store(client: TestClient, alice: str) -> None:
    csrf = login(client, "alice")
    r = client.post("/cases/new", data={"tumor_type": "LUAD", "alterations": "EGFR L858R",
                                        "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    loc = r.headers["location"]
    cid = loc.rsplit("/", 1)[1]
    patient_data = {
        "result page": client.get(loc),
        "patient page": client.get(f"{loc}/patient"),
        "pdf": client.get(f"{loc}/report?format=pdf"),
        "markdown": client.get(f"{loc}/report?format=markdown"),
        "list page": client.get("/cases"),
        "api case": client.get(f"/api/v1/cases/{cid}"),
        "api list": client.get("/api/v1/cases"),
        "api match": client.post("/api/v1/match", json=CASE),
        "login": client.get("/login"),
        "error": client.get("/api/v1/cases/999999"),
    }
    for where, response in patient_data.items():
        h = response.headers
        assert h["cache-control"] == "no-store", where
        assert h["x-content-type-options"] == "nosniff", where
        assert h["x-frame-options"] == "DENY", where
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, where
        assert "script-src 'self'" in csp, where
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], where
    static = client.get("/static/app.css")
    assert "no-store" not in static.headers.get("cache-control", "")
    assert static.headers["x-content-type-options"] == "nosniff"


def test_no_inline_script_in_any_page(client: TestClient, alice: str) -> None:
    login(client, "alice")
    for path in ("/login", "/cases", "/cases/new", "/docs", "/docs/list"):
        html = client.get(path).text
        assert "<script>" not in html.replace(" ", ""), path
        assert " on" not in html.split("<body", 1)[1].split(">", 1)[0], path


def test_swagger_ui_offline_with_the_listing_as_fallback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = client.get("/docs").text
    assert "/docs/assets/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text[:200000]
    assert "/openapi.json" in client.get("/static/swagger-init.js").text
    monkeypatch.setattr("onconav.web.routes_api.swagger_page", lambda: None)
    assert "/api/v1/match" in client.get("/docs").text  # the listing, drawn on the server


def test_database_and_job_files_are_private(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    app = make_app()
    db = Path(app.state.ctx.settings.db)
    assert _mode(db) == 0o600
    app.state.ctx.accounts.add_user("ann", PASSWORD, "t")
    token = app.state.ctx.accounts.create_token("ann")
    with TestClient(app) as c:
        r = c.post("/api/v1/annotate", files={"maf": ("t.maf", TINY_MAF.read_bytes())},
                   data={"tumor_type": "LUAD"}, headers=bearer(token))  # fmt: skip
        job = r.json()
        app.state.ctx.jobs.futures[job["id"]].result(timeout=60)
    folder = app.state.ctx.jobs.job_dir(job["id"])
    assert _mode(folder) == 0o700
    outputs = list((folder / "out").iterdir())
    assert outputs
    assert all(_mode(p) == 0o600 for p in outputs)
    for wal in db.parent.glob(db.name + "-*"):
        if wal.is_file():
            assert _mode(wal) == 0o600, wal


def test_job_folder_persists_beside_the_database_and_recovers(tmp_path: Path) -> None:
    from onconav.web.app import WebSettings, create_app

    db = tmp_path / "cases.db"
    app = create_app(WebSettings(db=str(db)))
    assert app.state.ctx.jobs.data_dir == Path(f"{db}-jobs")
    ctx = app.state.ctx
    ctx.accounts.add_user("bea", PASSWORD, "t")
    token = ctx.accounts.create_token("bea")
    with TestClient(app) as c:
        r = c.post("/api/v1/annotate", files={"maf": ("t.maf", TINY_MAF.read_bytes())},
                   data={"tumor_type": "LUAD"}, headers=bearer(token))  # fmt: skip
        done = r.json()
        ctx.jobs.futures[done["id"]].result(timeout=60)
    user = ctx.accounts.token_user(token)
    # A crash: one job left "running" with its folder, one old finished job past retention.
    ctx.store.create_job(user, "crashed", "annotate")
    ctx.store.update_job("crashed", "running")
    ctx.store.create_job(user, "ancient", "annotate")
    ctx.store.update_job("ancient", "done", files=[])
    with ctx.store.session() as s:
        s.execute(update(Job).where(Job.id == "ancient")
                  .values(finished_at=dt.datetime(2020, 1, 1)))  # fmt: skip
    (ctx.jobs.job_dir("crashed") / "out").mkdir(parents=True)
    (ctx.jobs.job_dir("ancient") / "out").mkdir(parents=True)
    ctx.jobs.shutdown()
    ctx.store.dispose()

    again = create_app(WebSettings(db=str(db)))  # the restart
    with TestClient(again) as c:
        job = c.get(f"/api/v1/jobs/{done['id']}", headers=bearer(token)).json()
        assert job["status"] == "done"
        assert c.get(job["files"]["summary.json"], headers=bearer(token)).status_code == 200
        crashed = c.get("/api/v1/jobs/crashed", headers=bearer(token)).json()
        assert crashed["status"] == "failed"
        assert "interrupted" in crashed["error"]
        assert c.get("/api/v1/jobs/ancient", headers=bearer(token)).status_code == 404
    assert not again.state.ctx.jobs.job_dir("ancient").exists()
    assert not again.state.ctx.jobs.job_dir("crashed").exists()
    again.state.ctx.jobs.shutdown()
    again.state.ctx.store.dispose()


def test_case_list_is_paged(client: TestClient, alice: str) -> None:
    for i in range(7):
        client.post("/api/v1/cases", json=dict(CASE, id=f"p{i}"), headers=bearer(alice))
    first = client.get("/api/v1/cases?limit=3", headers=bearer(alice)).json()
    assert first["total"] == 7
    assert len(first["items"]) == 3
    seen = [c["label"] for c in first["items"]]
    nxt = first["next"]
    while nxt:
        page = client.get(nxt, headers=bearer(alice)).json()
        seen += [c["label"] for c in page["items"]]
        nxt = page["next"]
    assert seen == [f"p{i}" for i in reversed(range(7))]
    assert client.get("/api/v1/cases?limit=1000", headers=bearer(alice)).status_code == 422


def test_case_list_page_is_paged(client: TestClient, alice: str) -> None:
    cases = [client.post("/api/v1/cases", json=dict(CASE, id=f"q{i}"), headers=bearer(alice))
             .json()["id"] for i in range(53)]  # fmt: skip
    login(client, "alice")
    one = client.get("/cases").text
    two = client.get("/cases?page=2").text
    assert "Page 1 of 2" in one
    assert 'href="/cases?page=2"' in one
    assert f'href="/cases/{cases[-1]}"' in one
    assert f'href="/cases/{cases[0]}"' not in one
    assert f'href="/cases/{cases[0]}"' in two
    assert 'href="/cases?page=1"' in two


def test_access_log_is_structured_and_holds_no_patient_field(
    client: TestClient, alice: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="onconav.web.access")
    case = client.post("/api/v1/cases", json=CASE, headers=bearer(alice)).json()
    client.get(f"/api/v1/cases/{case['id']}?q=EGFR", headers=bearer(alice))
    records = [r for r in caplog.records if r.name == "onconav.web.access"]
    fields = [r.fields for r in records]  # type: ignore[attr-defined]
    assert fields[-1]["route"] == "/api/v1/cases/{case_id}"
    assert fields[-1]["user"] == "alice"
    assert fields[-1]["status"] == 200
    assert fields[-1]["client"]
    assert fields[-1]["method"] == "GET"
    assert fields[-1]["ms"] >= 0
    from onconav.web.app import JsonFormatter

    line = json.loads(JsonFormatter().format(records[-1]))
    assert {"ts", "pid", "client", "user", "method", "route", "status", "ms"} <= set(line)
    assert line["ts"].endswith("Z")
    text = json.dumps(fields)
    for secret in ("pt-edge-1", "L858R", "EGFR", "q=", f"/cases/{case['id']}"):
        assert secret not in text


def test_a_lost_database_is_503_and_recovers(app: FastAPI, client: TestClient, alice: str) -> None:
    store = app.state.ctx.store
    working = store._sessions
    broken = create_engine("sqlite:////nonexistent-onconav/x.db")
    store._sessions = sessionmaker(broken, expire_on_commit=False)
    try:
        for r in (client.get("/api/v1/cases", headers=bearer(alice)),
                  client.post("/api/v1/cases", json=CASE, headers=bearer(alice))):  # fmt: skip
            assert r.status_code == 503
            assert r.json()["error"]["code"] == "db-unavailable"
            assert "database" in r.json()["error"]["message"]
        assert client.get("/healthz").status_code == 200  # no database needed
    finally:
        store._sessions = working
    assert client.get("/api/v1/cases", headers=bearer(alice)).status_code == 200


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
    return app


def test_unreachable_database_at_start_is_one_line_and_exit_1() -> None:
    url = "postgresql+psycopg://onconav:s3cret@127.0.0.1:9/none"
    for args in (["serve", "--db", url], ["user", "list", "--db", url],
                 ["audit", "export", "--db", url]):  # fmt: skip
        r = CliRunner().invoke(_cli(), args)
        assert r.exit_code == 1, (args, r.output)
        lines = [line for line in r.output.splitlines() if line.strip()]
        assert len(lines) == 1
        assert "127.0.0.1:9/none" in lines[0]
        assert "Traceback" not in r.output
        assert "s3cret" not in r.output


def test_user_and_audit_commands(tmp_path: Path) -> None:
    db, cli, run = str(tmp_path / "u.db"), _cli(), CliRunner()
    assert run.invoke(cli, ["user", "add", "Jo", "--team", "t", "--db", db, "--password-stdin"],
                      input=PASSWORD + "\n").exit_code == 0  # fmt: skip
    token = run.invoke(cli, ["user", "token", "jo", "--name", "ci", "--expires-days", "3",
                             "--db", db]).output.strip()  # fmt: skip
    assert token.startswith("onc_")
    listing = run.invoke(cli, ["user", "tokens", "JO", "--db", db]).output
    assert "\tci\tactive\t" in listing
    assert token not in listing
    assert "Jo\tt\tactive\t1\t" in run.invoke(cli, ["user", "list", "--db", db]).output
    assert run.invoke(cli, ["user", "disable", "jo", "--db", db]).exit_code == 0
    assert "\tdisabled\t" in run.invoke(cli, ["user", "list", "--db", db]).output
    assert run.invoke(cli, ["user", "enable", "jo", "--db", db]).exit_code == 0
    r = run.invoke(cli, ["user", "reset-password", "jo", "--db", db, "--password-stdin"],
                   input="short\n")  # fmt: skip
    assert r.exit_code == 2
    assert "password" in r.output
    assert run.invoke(cli, ["user", "reset-password", "jo", "--db", db, "--password-stdin"],
                      input="another long one\n").exit_code == 0  # fmt: skip
    assert run.invoke(cli, ["user", "revoke", "jo", "ci", "--db", db]).output == "revoked 1 token\n"
    assert "\trevoked\t" in run.invoke(cli, ["user", "tokens", "jo", "--db", db]).output
    assert run.invoke(cli, ["user", "revoke", "jo", "ci", "--db", db]).exit_code == 2
    assert run.invoke(cli, ["user", "disable", "nobody", "--db", db]).exit_code == 2
    out = tmp_path / "audit.jsonl"
    assert run.invoke(cli, ["audit", "export", "--db", db, "--out", str(out)]).exit_code == 0
    assert _mode(out) == 0o600
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["action"] for e in events] == ["token.create", "user.disable", "user.enable",
                                             "user.password-reset", "token.revoke"]  # fmt: skip
    assert all(set(e) == {"at", "user", "action", "case_id", "job_id", "client", "detail"}
               for e in events)  # fmt: skip
    later = run.invoke(cli, ["audit", "export", "--db", db, "--since", "2999-01-01"])
    assert later.exit_code == 0
    assert later.output == ""
    assert run.invoke(cli, ["audit", "export", "--db", db, "--since", "soon"]).exit_code == 2


def test_audit_retention(app: FastAPI) -> None:
    store = app.state.ctx.store
    store.record("login.failed", "x", client="1.2.3.4")
    from onconav.web.db import AuditEvent

    with store.session() as s:
        s.execute(update(AuditEvent).values(at=dt.datetime(2020, 1, 1)))
    store.record("login.failed", "y", client="1.2.3.4")
    assert store.prune_audit(400) == 1
    assert [e.username for e in store.audit_events()] == ["y"]


def test_tokens_made_before_the_upgrade_expire_90_days_after_it(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    store = Store(database_url(str(tmp_path / "old.db")))
    config = Config()
    config.set_main_option("script_location", "onconav.web:migrations")
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    old = dt.datetime(2026, 1, 1)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO teams (id, name) VALUES (1, 't')")
        conn.exec_driver_sql(
            "INSERT INTO users (id, username, password_hash, team_id, created_at) "
            "VALUES (1, ' Kim ', 'x', 1, '2026-01-01 00:00:00')"
        )
        conn.execute(insert(ApiToken.__table__).values(
            id=1, user_id=1, name="old", token_hash="a" * 64, created_at=old))  # fmt: skip
        conn.exec_driver_sql(
            "INSERT INTO web_sessions (id, token_hash, user_id, csrf_token, created_at, "
            "expires_at) VALUES (1, 'b', 1, 'c', '2026-01-01 00:00:00', '2999-01-01 00:00:00')"
        )
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store.migrate()
    with store.session() as s:
        # Copying `users` on SQLite must not cascade to its tokens and sessions.
        token = s.scalars(select(ApiToken)).one()
        assert s.scalar(select(func.count()).select_from(WebSession)) == 1
    assert before + dt.timedelta(days=90) <= token.expires_at
    assert token.expires_at <= before + dt.timedelta(days=90, minutes=5)
    from onconav.web.accounts import Accounts

    assert [u.username for u in Accounts(store).list_users()] == [" Kim "]
    assert Accounts(store).tokens("kim")[0].state == "active"
    store.dispose()


def test_healthz_open_in_remote_mode_reveals_only_ok_and_kb(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(require_auth=True)
    with TestClient(app) as c:
        r = c.get("/healthz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "kb_version": app.state.ctx.index.kb.meta.kb_version}
        assert "server" not in {k.lower() for k in r.headers if k.lower() == "x-powered-by"}


def test_serve_prints_its_url_and_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    db = tmp_path / "s.db"
    r = CliRunner().invoke(_cli(), ["serve", "--db", str(db), "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert f"serving http://127.0.0.1:8123/ (1 worker); database sqlite:///{db}" in r.output
    assert calls
    assert calls[0]["port"] == 8123
    # The server logs by default: JSON lines, access lines included (it logged nothing before).
    from onconav.web.app import JsonFormatter

    assert any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
    assert logging.getLogger("onconav.web.access").isEnabledFor(logging.INFO)
    r = CliRunner().invoke(_cli(), ["serve", "--db", str(db), "--workers", "2"])
    assert r.exit_code == 0
    assert calls[-1]["workers"] == 2
    assert calls[-1]["factory"] is True
