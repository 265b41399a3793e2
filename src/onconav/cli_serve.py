"""`onconav serve` (the web app and HTTP API) and `onconav user` (accounts and API tokens).

The lead registers them in `cli.py`: `app.command()(serve)` and `app.add_typer(user_app,
name="user")`. The server binds to loopback unless `--allow-remote` is given with another host.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from onconav._cliutil import fail
from onconav.errors import OnconavError

__all__ = ["is_loopback", "serve", "user_add", "user_app", "user_token"]

_DB_HELP = "SQLite file, or a SQLAlchemy URL (postgresql+psycopg://user@host/db)."

user_app = typer.Typer(
    help="Accounts of the web app: add users, make API tokens.",
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


def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: Annotated[str, typer.Option(help=_DB_HELP)] = "onconav.db",
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a --host other than loopback.")
    ] = False,
    require_auth: Annotated[
        bool,
        typer.Option("--require-auth", help="Close match, kb, normalize and /docs to anonymous."),
    ] = False,
    max_upload_mb: Annotated[float, typer.Option(help="Largest MAF upload.")] = 10.0,
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder for annotation jobs (default: a temp folder).")
    ] = None,
    kb: Annotated[
        Path | None,
        typer.Option(help="Knowledge base: a folder, a snapshot file or a shipped version."),
    ] = None,
) -> None:
    """Run the web app and HTTP API (OpenAPI reference at /docs).

    Binds to 127.0.0.1 unless told otherwise; another address needs --allow-remote, prints a
    warning, and closes the stateless endpoints to anonymous callers as --require-auth does.
    Cases and jobs always need a login or an API token (onconav user add, onconav user token).

    Example (then open http://127.0.0.1:8000/):

    \b
      onconav user add alice --team thoracic
      onconav serve --db onconav.db
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    import uvicorn

    from onconav.web.app import WebSettings, configure_logging, create_app

    remote = not is_loopback(host)
    if remote and not allow_remote:
        fail(f"--host {host}: not a loopback address; add --allow-remote to bind there")
    if remote:
        sys.stderr.write(
            f"onconav: WARNING: serving on {host}, reachable from other machines; "
            "use HTTPS in front and strong passwords. Anonymous access is closed.\n"
        )
    settings = WebSettings(
        db=db,
        require_auth=require_auth or remote,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        data_dir=data_dir,
        kb_dir=kb,
        secure_cookies=remote,
    )
    configure_logging()
    try:
        app = create_app(settings)
    except OnconavError as exc:
        fail(str(exc))
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def _accounts(db: str):  # type: ignore[no-untyped-def]
    from onconav.web.accounts import Accounts
    from onconav.web.store import Store, database_url

    store = Store(database_url(db))
    store.migrate()
    return Accounts(store)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The new user's name.")],
    team: Annotated[str, typer.Option(help="Team (created when new); teams share cases.")],
    db: Annotated[str, typer.Option(help=_DB_HELP)] = "onconav.db",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user to a team; the password is asked for (or read from standard input).

    Example:
    \b
      onconav user add alice --team thoracic --db onconav.db
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = _accounts(db).add_user(username, password, team)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(f"added {user.username} to team {team}\n")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="A name to tell tokens apart.")] = "pipeline",
    db: Annotated[str, typer.Option(help=_DB_HELP)] = "onconav.db",
) -> None:
    """Make an API token (printed once; send it as `Authorization: Bearer TOKEN`).

    Example:
    \b
      onconav user token alice --name nightly-pipeline
    """  # noqa: D301 - click's no-rewrap marker is a real backspace character
    try:
        token = _accounts(db).create_token(username, name)
    except OnconavError as exc:
        fail(str(exc))
    sys.stdout.write(token + "\n")
