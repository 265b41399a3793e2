"""`create_app`: the onconav web app and HTTP API (FastAPI), over one case store and one KB.

The app is an edge: it parses requests, calls the core (`match_case`, `render_report`,
`annotate_cohort`) and formats answers. A user error (`OnconavError`) is HTTP 422 with the field
named. Application logs carry the method, the path without its query, the status and the time;
never a case, an alteration or a sample id.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onconav import __version__
from onconav.errors import OnconavError
from onconav.kb.index import KBIndex, get_index
from onconav.web.accounts import Accounts
from onconav.web.auth import LoginRequired
from onconav.web.jobs import JobRunner
from onconav.web.security import LoginLimiter
from onconav.web.store import Store, database_url

__all__ = ["WebContext", "WebSettings", "configure_logging", "create_app", "error_body"]

_logger = logging.getLogger(__name__)
_access = logging.getLogger("onconav.web.access")

_MB = 1024 * 1024
_UPLOAD_PATH = "/api/v1/annotate"
_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    429: "rate-limited",
}


@dataclass(frozen=True)
class WebSettings:
    """How the app runs.

    Attributes:
        db: A SQLite file path or a SQLAlchemy URL.
        require_auth: Close the stateless endpoints (match, kb, normalize, docs) too.
        max_body_bytes: Largest request body, uploads aside.
        max_upload_bytes: Largest MAF upload to /api/v1/annotate.
        data_dir: Where job uploads and outputs go (a temporary folder by default).
        kb_dir: The knowledge base folder (the shipped one by default).
        login_max_failures: Failed logins allowed per address and per user name a minute.
        secure_cookies: Mark cookies Secure (behind HTTPS).
        session_hours: How long a login lasts.
    """

    db: str = "onconav.db"
    require_auth: bool = False
    max_body_bytes: int = 1 * _MB
    max_upload_bytes: int = 10 * _MB
    data_dir: Path | None = None
    kb_dir: Path | None = None
    login_max_failures: int = 5
    secure_cookies: bool = False
    session_hours: float = 12.0


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


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON of every error answer: {"error": {"code", "message", "field"}}."""
    return {"error": {"code": code, "message": message, "field": field}}


def configure_logging(level: int = logging.INFO) -> None:
    """Log to standard error: level, logger, message (the server's own logging setup)."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


class _LimitAndLog:
    """Pure ASGI middleware: refuse bodies over the limit (413), log each request's shape."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    def _limit(self, scope: Scope) -> int:
        # Multipart framing adds a little to the file itself.
        if scope["path"] == _UPLOAD_PATH:
            return self.settings.max_upload_bytes + 64 * 1024
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, started = self._limit(scope), time.perf_counter()
        status = {"code": 0}
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > limit:
            await _too_large(send, limit)
            status["code"] = 413
        else:
            seen = {"n": 0}

            async def counted() -> Message:
                message = await receive()
                seen["n"] += len(message.get("body", b""))
                if seen["n"] > limit:
                    raise _BodyTooLarge
                return message

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                await send(message)

            try:
                await self.app(scope, counted, sending)
            except _BodyTooLarge:
                if not status["code"]:
                    await _too_large(send, limit)
                    status["code"] = 413
        took = (time.perf_counter() - started) * 1000
        _access.info("%s %s %d %.1fms", scope["method"], scope["path"], status["code"], took)


class _BodyTooLarge(Exception):
    """A streamed request body passed the limit."""


async def _too_large(send: Send, limit: int) -> None:
    body = error_body("too-large", f"request body over {limit} bytes")
    response = JSONResponse(body, status_code=413)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _handlers(app: FastAPI) -> None:
    async def onconav_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OnconavError)
        return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=422)

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = dict(exc.errors()[0]) if exc.errors() else {}
        kind = str(first.get("type", ""))
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        code = "bad-json" if kind == "json_invalid" else "bad-case"
        message = "not valid JSON" if code == "bad-json" else str(first.get("msg", "invalid"))
        field = None if code == "bad-json" else ".".join(loc) or None
        return JSONResponse(error_body(code, message, field), status_code=422)

    async def login_required(request: Request, _exc: Exception) -> Response:
        if "text/html" not in request.headers.get("accept", ""):
            body = error_body("unauthorized", "log in or send an API token")
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        body = error_body(code, str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OnconavError, onconav_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(LoginRequired, login_required)


def _templates(folder: Path) -> Jinja2Templates:
    """The page templates, every one autoescaped.

    Starlette's default (`select_autoescape()`) escapes only `.html`, `.htm` and `.xml` names;
    ours end in `.j2`, so without this a case id holding markup reached the page as markup.
    """
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
    return Jinja2Templates(env=env)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app: open (and migrate) the store, load the KB, mount routes and pages."""
    from onconav.web import routes_api, routes_kbchanges, routes_pages

    settings = settings or WebSettings()
    store = Store(database_url(settings.db))
    store.migrate()
    data_dir = settings.data_dir or Path(tempfile.mkdtemp(prefix="onconav-web-"))
    index = get_index(settings.kb_dir)
    package = Path(__file__).parent
    ctx = WebContext(
        settings=settings,
        store=store,
        accounts=Accounts(store, settings.session_hours),
        limiter=LoginLimiter(settings.login_max_failures, 60.0),
        jobs=JobRunner(store, data_dir, index),
        index=index,
        templates=_templates(package / "templates"),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.jobs.shutdown()
        store.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="onconav",
        version=__version__,
        description="Targeted-therapy options for NSCLC. Supports, and does not replace, the "
        "treating oncologist's judgement.",
        docs_url=None,  # our own /docs: Swagger UI would load its scripts from a CDN
        redoc_url=None,
        openapi_url=None,  # served by routes_api, behind --require-auth when it is set
    )
    app.state.ctx = ctx
    _handlers(app)
    app.include_router(routes_api.router)
    app.include_router(routes_kbchanges.router)
    app.include_router(routes_pages.router)
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")
    app.add_middleware(_LimitAndLog, settings=settings)
    _logger.info("onconav web ready: KB %s", index.kb.meta.kb_version)
    return app
