"""`onconav serve` (web app and HTTP API), `onconav user` (accounts, tokens), `onconav audit`.

The lead registers them in `cli.py`: `app.command()(serve)`, `app.add_typer(user_app,
name="user")` and `app.add_typer(audit_app, name="audit")`. The server binds to loopback unless
`--allow-remote` is given with another host. A database that cannot be reached is one line on
standard error naming it, and exit code 1 (an environment fault, not bad input).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import ipaddress
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from onconav._cliutil import fail
from onconav.errors import OnconavError

if TYPE_CHECKING:
    from onconav.web.accounts import Accounts
    from onconav.web.store import Store

__all__ = [
    "audit_app",
    "audit_export",
    "is_loopback",
    "serve",
    "user_add",
    "user_app",
    "user_disable",
    "user_enable",
    "user_list",
    "user_reset_password",
    "user_revoke",
    "user_token",
    "user_tokens",
]

_DB_HELP = "SQLite file, or a SQLAlchemy URL (postgresql+psycopg://user@host/db)."
_DB = Annotated[str, typer.Option(help=_DB_HELP)]

user_app = typer.Typer(
    help="Accounts of the web app: add, list, disable, enable users; reset passwords; make, "
    "list and revoke API tokens.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
audit_app = typer.Typer(
    help="The web app's audit table (who did what to which case id, failed logins, denials).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _unreachable(message: str) -> NoReturn:
    sys.stderr.write(f"onconav: {message}\n")
    raise typer.Exit(1)


def _listen_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(  # noqa: PLR0913 - one option a setting
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: _DB = "onconav.db",
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a --host other than loopback.")
    ] = False,
    require_auth: Annotated[
        bool,
        typer.Option("--require-auth", help="Close match, kb, normalize and /docs to anonymous."),
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (use PostgreSQL for several).")
    ] = 1,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            help="Address of a reverse proxy whose X-Forwarded-For is believed "
            "(repeatable); without it the header is ignored."
        ),  # fmt: skip
    ] = None,
    max_upload_mb: Annotated[float, typer.Option(help="Largest MAF upload.")] = 10.0,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for annotation jobs (default: DB-jobs beside a SQLite file)."),
    ] = None,
    job_retention_days: Annotated[
        float, typer.Option(min=0.01, help="Remove finished jobs (and files) after this long.")
    ] = 7.0,
    audit_retention_days: Annotated[
        float, typer.Option(min=1, help="Remove audit events older than this at start.")
    ] = 400.0,
    session_idle_minutes: Annotated[
        float, typer.Option(min=1, help="A login unused for this long ends.")
    ] = 30.0,
    session_hours: Annotated[float, typer.Option(min=0.1, help="A login ends after this.")] = 12.0,
    kb: Annotated[
        Path | None,
        typer.Option(help="Knowledge base: a folder, a snapshot file or a shipped version."),
    ] = None,
) -> None:
    """Run the web app and HTTP API (OpenAPI reference at /docs).

    Binds to 127.0.0.1 unless told otherwise; another address needs --allow-remote, prints a
    warning, and closes the stateless endpoints to anonymous callers as --require-auth does.
    Cases and jobs always need a login or an API token (onconav user add, onconav user token).
    Logs one JSON line a request on standard error (never a patient field).

    Example (then open http://127.0.0.1:8000/):

    \b
      onconav user add alice --team thoracic
      onconav serve --db onconav.db
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    import uvicorn

    from onconav.web.app import (
        SETTINGS_ENV,
        DatabaseUnavailable,
        WebSettings,
        configure_logging,
        create_app,
        default_data_dir,
        freeze_heap,
    )
    from onconav.web.jobs import JobRunner
    from onconav.web.store import database_url, safe_url

    remote = not is_loopback(host)
    if remote and not allow_remote:
        fail(f"--host {host}: not a loopback address; add --allow-remote to bind there")
    if remote:
        sys.stderr.write(
            f"onconav: WARNING: serving on {host}, reachable from other machines; "
            "use HTTPS in front and strong passwords. Anonymous access is closed.\n"
        )
    os.umask(0o077)  # patient data: every file the server writes is its user's alone
    settings = WebSettings(
        db=db,
        require_auth=require_auth or remote,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        data_dir=(data_dir or default_data_dir(db)).resolve(),
        kb_dir=kb,
        secure_cookies=remote,
        session_hours=session_hours,
        session_idle_minutes=session_idle_minutes,
        job_retention_days=job_retention_days,
        audit_retention_days=audit_retention_days,
        trusted_proxies=tuple(trusted_proxy or ()),
    )
    configure_logging()
    try:
        app = create_app(settings)  # migrates, recovers interrupted jobs, applies retention
    except DatabaseUnavailable as exc:
        _unreachable(str(exc))
    except OnconavError as exc:
        fail(str(exc))
    sys.stderr.write(
        f"onconav: serving {_listen_url(host, port)} ({workers} worker"
        f"{'s' if workers > 1 else ''}); database {safe_url(database_url(db))}; "
        f"jobs in {settings.data_dir}\n"
    )
    if workers == 1:
        freeze_heap()
        try:
            uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
        finally:
            gc.unfreeze()  # (for a serve run in process, as a test does)
        return
    # Several processes: each builds its own app from the same settings; the start-up work
    # (migration, job recovery, retention) was done once, above.
    app.state.ctx.store.dispose()
    JobRunner.shutdown(app.state.ctx.jobs)
    fields = dataclasses.asdict(dataclasses.replace(settings, maintenance=False))
    os.environ[SETTINGS_ENV] = json.dumps(fields, default=str)
    uvicorn.run("onconav.web.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_config=None, access_log=False)  # fmt: skip


def _store(db: str) -> Store:
    from onconav.web.app import DatabaseUnavailable, WebSettings, open_store

    try:
        return open_store(WebSettings(db=db))
    except DatabaseUnavailable as exc:
        _unreachable(str(exc))


def _accounts(db: str, token_days: int = 90) -> Accounts:
    from onconav.web.accounts import Accounts

    return Accounts(_store(db), token_days=token_days)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _when(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "never"


_STDIN = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The new user's name.")],
    team: Annotated[str, typer.Option(help="Team (created when new); teams share cases.")],
    db: _DB = "onconav.db",
    password_stdin: _STDIN = False,
) -> None:
    """Add a user to a team; the password is asked for (or read from standard input).

    Example:
    \b
      onconav user add alice --team thoracic --db onconav.db
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    password = _password(password_stdin)
    try:
        user = _accounts(db).add_user(username, password, team)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(f"added {user.username} to team {team.strip()}\n")


@user_app.command("list")
def user_list(db: _DB = "onconav.db") -> None:
    """List users: name, team, state, active tokens, created (UTC)."""
    rows = _accounts(db).list_users()
    sys.stdout.write("user\tteam\tstate\ttokens\tcreated\n")
    for r in rows:
        state = "disabled" if r.disabled else "active"
        sys.stdout.write(f"{r.username}\t{r.team}\t{state}\t{r.tokens}\t{_when(r.created_at)}\n")


def _set_disabled(username: str, db: str, disabled: bool) -> None:
    try:
        user = _accounts(db).set_disabled(username, disabled)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(f"{'disabled' if disabled else 'enabled'} {user.username}\n")


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="The user to disable.")], db: _DB = "onconav.db"
) -> None:
    """Disable a user: sessions end now, logins and API tokens stop working."""
    _set_disabled(username, db, True)


@user_app.command("enable")
def user_enable(
    username: Annotated[str, typer.Argument(help="The user to enable.")], db: _DB = "onconav.db"
) -> None:
    """Enable a disabled user again (tokens not expired or revoked work again)."""
    _set_disabled(username, db, False)


@user_app.command("reset-password")
def user_reset_password(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    db: _DB = "onconav.db",
    password_stdin: _STDIN = False,
) -> None:
    """Set a new password (asked for, or read from standard input); every session ends."""
    password = _password(password_stdin)
    try:
        user = _accounts(db).reset_password(username, password)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(f"password of {user.username} reset; their sessions ended\n")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="A name to tell tokens apart.")] = "pipeline",
    expires_days: Annotated[int, typer.Option(min=1, help="Days until it expires.")] = 90,
    db: _DB = "onconav.db",
) -> None:
    """Make an API token (printed once; send it as `Authorization: Bearer TOKEN`).

    Example:
    \b
      onconav user token alice --name nightly-pipeline --expires-days 30
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    try:
        token = _accounts(db).create_token(username, name, expires_days)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(token + "\n")


@user_app.command("tokens")
def user_tokens(
    username: Annotated[str, typer.Argument(help="Whose tokens to list.")], db: _DB = "onconav.db"
) -> None:
    """List a user's API tokens: id, name, state, created, expires, last used (UTC)."""
    try:
        tokens = _accounts(db).tokens(username)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write("id\tname\tstate\tcreated\texpires\tlast_used\n")
    for t in tokens:
        sys.stdout.write(f"{t.id}\t{t.name}\t{t.state}\t{_when(t.created_at)}\t"
                         f"{_when(t.expires_at)}\t{_when(t.last_used_at)}\n")  # fmt: skip


@user_app.command("revoke")
def user_revoke(
    username: Annotated[str, typer.Argument(help="Whose token to revoke.")],
    token: Annotated[str, typer.Argument(help="Token id or name (see `user tokens`), or all.")],
    db: _DB = "onconav.db",
) -> None:
    """Revoke API tokens of a user: it stops working at once."""
    try:
        count = _accounts(db).revoke(username, token)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(f"revoked {count} token{'s' if count != 1 else ''}\n")


@audit_app.command("export")
def audit_export(
    db: _DB = "onconav.db",
    out: Annotated[
        Path | None, typer.Option(help="Write here (mode 0600) instead of standard output.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only events from this UTC date or time (ISO 8601).")
    ] = None,
) -> None:
    """Write the audit table as JSON Lines: at, user, action, case_id, job_id, client, detail.

    Example:
    \b
      onconav audit export --db onconav.db --since 2026-12-01 --out audit.jsonl
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    start = None
    if since is not None:
        try:
            start = dt.datetime.fromisoformat(since).replace(tzinfo=None)
        except ValueError:
            fail(f"--since: {since!r} is not an ISO 8601 date or time")
    events = _store(db).audit_events(since=start)
    lines = [
        json.dumps(
            {
                "at": e.at.isoformat() + "Z",
                "user": e.username,
                "action": e.action,
                "case_id": e.case_id,
                "job_id": e.job_id,
                "client": e.client,
                "detail": e.detail,
            }
        )  # fmt: skip
        + "\n"
        for e in events
    ]
    if out is None:
        sys.stdout.writelines(lines)
        return
    from onconav.web.store import private_file

    try:
        private_file(out)
        with out.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)
    except OSError as exc:
        _unreachable(f"{out}: cannot write: {exc.strerror}")
    sys.stderr.write(f"onconav: {len(lines)} audit events written to {out}\n")
