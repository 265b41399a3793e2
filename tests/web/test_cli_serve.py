"""`onconav serve` flags and `onconav user add|token`, in process."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from onconav.cli_serve import is_loopback, serve, user_app

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(serve)
    app.add_typer(user_app, name="user")
    return app


def test_loopback() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.4")


def test_remote_bind_needs_a_flag(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output


def test_user_add_and_token(tmp_path: Path) -> None:
    db = str(tmp_path / "u.db")
    app = _app()
    r = runner.invoke(app, ["user", "add", "ida", "--team", "t1", "--db", db, "--password-stdin"],
                      input="long enough pw\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "added ida" in r.output
    again = runner.invoke(app, ["user", "add", "ida", "--team", "t1", "--db", db,
                                "--password-stdin"], input="long enough pw\n")  # fmt: skip
    assert again.exit_code == 2
    token = runner.invoke(app, ["user", "token", "ida", "--db", db])
    assert token.exit_code == 0
    assert token.output.startswith("onc_")
    assert runner.invoke(app, ["user", "token", "nobody", "--db", db]).exit_code == 2


def test_required_services_turn_skips_into_failures() -> None:
    from tests.web.conftest import required_but_skipped

    pg_skip = "ONCONAV_TEST_PG_URL is not set (PostgreSQL)"
    browser_skip = "/usr/bin/chromium is missing (run .ci/install-browser)"
    assert required_but_skipped(pg_skip, {}) is None
    assert required_but_skipped(browser_skip, {"ONCONAV_REQUIRE_PG": "1"}) is None
    assert "ONCONAV_REQUIRE_PG=1" in (
        required_but_skipped(pg_skip, {"ONCONAV_REQUIRE_PG": "1"}) or ""
    )
    env = {"ONCONAV_REQUIRE_BROWSER": "1"}
    assert "ONCONAV_REQUIRE_BROWSER=1" in (required_but_skipped(browser_skip, env) or "")
    assert (
        required_but_skipped("../shared is not present", {**env, "ONCONAV_REQUIRE_PG": "1"}) is None
    )


def test_serve_freezes_the_start_up_heap_while_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start-up objects are kept out of the collector's passes while uvicorn runs, one worker
    or several (each worker's app factory freezes its own), and thawed when serve returns."""
    import gc
    import logging

    import uvicorn

    from onconav.web import app as web_app

    frozen: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: frozen.append(gc.get_freeze_count()))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.delenv(web_app.SETTINGS_ENV, raising=False)  # (serve --workers sets it)
    assert gc.get_freeze_count() == 0
    r = runner.invoke(_app(), ["serve", "--db", str(tmp_path / "f.db")])
    assert r.exit_code == 0, r.output
    assert len(frozen) == 1
    assert frozen[0] > 10_000  # (the KB alone is tens of thousands of objects)
    assert gc.get_freeze_count() == 0
    r = runner.invoke(_app(), ["serve", "--db", str(tmp_path / "f.db"), "--workers", "2"])
    assert r.exit_code == 0, r.output
    try:
        app = web_app.app_from_env()  # (what each worker runs; serve put its settings in env)
        assert gc.get_freeze_count() > 10_000
        app.state.ctx.store.dispose()
        app.state.ctx.jobs.shutdown()
    finally:
        gc.unfreeze()
