"""`WebSettings` and `WebContext`: what the app is built from and what every route reaches.

Kept apart from `app.py` so that `auth.py`, the routers and the service module can name the
context without importing the app factory (no import circle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fastapi import Request
from fastapi.templating import Jinja2Templates

from onconav.kb.index import KBIndex

if TYPE_CHECKING:
    from onconav.web.accounts import Accounts
    from onconav.web.jobs import JobRunner
    from onconav.web.security import LoginLimiter
    from onconav.web.store import Store

__all__ = ["WebContext", "WebSettings", "context", "error_body"]

_MB = 1024 * 1024


@dataclass(frozen=True)
class WebSettings:
    """How the app runs.

    Attributes:
        db: A SQLite file path or a SQLAlchemy URL.
        require_auth: Close the stateless endpoints (match, kb, normalize, docs) too.
        max_body_bytes: Largest request body, uploads aside.
        max_upload_bytes: Largest MAF upload to /api/v1/annotate.
        data_dir: Where job uploads and outputs go (default: `<db>.jobs` beside a SQLite file,
            `onconav-jobs` in the working folder for a database URL).
        kb_dir: The knowledge base folder (the shipped one by default).
        login_max_failures: Failed logins allowed per client address a minute (then 429).
        login_account_free: Failed logins on one account in 15 minutes before each further
            try on it is slowed down (never locked).
        login_max_delay: The longest slow-down, in seconds.
        secure_cookies: Mark cookies Secure (behind HTTPS).
        session_hours: How long a login lasts at most.
        session_idle_minutes: A session not used for this long ends.
        token_days: Default lifetime of a new API token.
        job_retention_days: Finished jobs (rows and files) older than this are removed.
        audit_retention_days: Audit events older than this are removed at start.
        trusted_proxies: Peer addresses whose X-Forwarded-For is believed.
        maintenance: Recover interrupted jobs and apply retention on start (the `serve`
            parent does it once for all workers and turns it off in them).
    """

    db: str = "onconav.db"
    require_auth: bool = False
    max_body_bytes: int = 1 * _MB
    max_upload_bytes: int = 10 * _MB
    data_dir: Path | None = None
    kb_dir: Path | None = None
    login_max_failures: int = 5
    login_account_free: int = 5
    login_max_delay: float = 8.0
    secure_cookies: bool = False
    session_hours: float = 12.0
    session_idle_minutes: float = 30.0
    token_days: int = 90
    job_retention_days: float = 7.0
    audit_retention_days: float = 400.0
    trusted_proxies: tuple[str, ...] = ()
    maintenance: bool = True


@dataclass
class WebContext:
    """What every route needs; one per app, at `app.state.ctx`."""

    settings: WebSettings
    store: Store
    accounts: Accounts
    limiter: LoginLimiter
    jobs: JobRunner
    index: KBIndex
    templates: Jinja2Templates
    extra: dict[str, Any] = field(default_factory=dict)


def context(request: Request) -> WebContext:
    """The app's `WebContext`."""
    return cast("WebContext", request.app.state.ctx)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON of every error answer: {"error": {"code", "message", "field"}}."""
    return {"error": {"code": code, "message": message, "field": field}}
