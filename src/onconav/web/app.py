"""`create_app`: the onconav web app and HTTP API (FastAPI), over one case store and one KB.

The app is an edge: it parses requests, calls the core (`match_case`, `render_report`,
`annotate_cohort`) through `service.py`, and formats answers. A user error (`OnconavError`) is
HTTP 422 with the field named; a database that cannot be reached is 503 with a clear body, and
the next request that reaches it succeeds (no restart).

One pure-ASGI middleware (`_Edge`) refuses oversized bodies, adds the security headers (CSP
without inline script, frame-ancestors 'none', X-Frame-Options, nosniff, `Cache-Control:
no-store` on everything but static files) and writes the access log: one JSON object a line
(standard-library `logging` with `JsonFormatter`) with time, client, user, method, route
template, status and milliseconds. Never a query string, a case, an alteration or a sample id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onconav import __version__
from onconav.errors import OnconavError
from onconav.kb.index import get_index
from onconav.web.accounts import Accounts
from onconav.web.auth import LoginRequired, client_address
from onconav.web.context import WebContext, WebSettings, error_body
from onconav.web.docs import swagger_assets
from onconav.web.jobs import JobRunner
from onconav.web.security import LoginLimiter
from onconav.web.service import CaseNotFound
from onconav.web.store import RevisionConflict, Store, database_url, safe_url

__all__ = [
    "SETTINGS_ENV",
    "DatabaseUnavailable",
    "JsonFormatter",
    "WebContext",
    "WebSettings",
    "app_from_env",
    "configure_logging",
    "create_app",
    "default_data_dir",
    "error_body",
    "freeze_heap",
    "open_store",
    "settings_from_env",
]

_logger = logging.getLogger(__name__)
_access = logging.getLogger("onconav.web.access")

SETTINGS_ENV = "ONCONAV_WEB_SETTINGS"
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
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_NO_STORE = (b"cache-control", b"no-store")
_HEADERS_NO_STORE = [*_HEADERS, _NO_STORE]
_CACHEABLE = ("/static/", "/docs/assets/")
_DB_DOWN = error_body("db-unavailable", "the case database cannot be reached; try again shortly")


class DatabaseUnavailable(Exception):
    """The database cannot be reached when the app starts (the message names it)."""


class JsonFormatter(logging.Formatter):
    """One JSON object a line.

    Time (UTC, ISO 8601), level, logger, process id, message, and the fields passed as
    `extra={"fields": {...}}`.
    """

    _second: tuple[int, str] = (-1, "")  # the last whole second and its text (one a second)

    def _ts(self, created: float) -> str:
        second = int(created)
        if self._second[0] != second:
            at = dt.datetime.fromtimestamp(second, dt.UTC)
            self._second = (second, at.strftime("%Y-%m-%dT%H:%M:%S"))
        return f"{self._second[1]}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        out: dict[str, Any] = {
            "ts": self._ts(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker, under --workers N
            "msg": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
        return orjson.dumps(out).decode()


def configure_logging(level: int = logging.INFO) -> None:
    """Log to standard error as JSON lines (the server's own logging setup)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Names the JSON lines never show, looked up for every record otherwise (the logging
    # HOWTO's "Optimization"); the process id stays, it tells workers apart.
    logging.logThreads = False
    logging.logMultiprocessing = False
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))


class _Edge:
    """Pure ASGI middleware: body limit (413), security headers, access log."""

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
        path: str = scope["path"]
        extra = _HEADERS if path.startswith(_CACHEABLE) else _HEADERS_NO_STORE

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        length = b"0"
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value  # (the last one, as a dict of the headers would keep)
        if not length.isdigit() or int(length) > limit:
            await _too_large(sending, limit)
        else:
            seen = {"n": 0}

            async def counted() -> Message:
                message = await receive()
                seen["n"] += len(message.get("body", b""))
                if seen["n"] > limit:
                    raise _BodyTooLarge
                return message

            try:
                await self.app(scope, counted, sending)
            except _BodyTooLarge:
                if not status["code"]:
                    await _too_large(sending, limit)
        if _access.isEnabledFor(logging.INFO):
            self._log(scope, status["code"], started)

    def _log(self, scope: Scope, status: int, started: float) -> None:
        route = getattr(scope.get("route"), "path", None)
        if route is None:
            path: str = scope["path"]
            mount = next((m for m in _CACHEABLE if path.startswith(m)), None)
            route = f"{mount}{{path}}" if mount else "(unmatched)"
        state = scope.get("state") or {}
        fields = {
            "client": client_address(scope, self.settings.trusted_proxies),
            "user": state.get("user"),
            "method": scope["method"],
            "route": route,
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        # (makeRecord and handle, as Logger.info does, without its search of the call stack
        # for a file and line that the JSON line never shows.)
        record = _access.makeRecord(_access.name, logging.INFO, __file__, 0, "request", (), None)
        record.fields = fields
        _access.handle(record)


class _BodyTooLarge(Exception):
    """A streamed request body passed the limit."""


async def _too_large(send: Send, limit: int) -> None:
    body = error_body("too-large", f"request body over {limit} bytes")
    response = JSONResponse(body, status_code=413)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def _audit_denied(request: Request, status: int) -> None:
    """Record a 401/403 in the audit table: who (if known), from where, which route."""
    ctx: WebContext = request.app.state.ctx
    caller = getattr(request.state, "caller", None)
    route = request.scope.get("route")
    with contextlib.suppress(OperationalError, InterfaceError):
        await run_in_threadpool(
            ctx.store.record,
            "access.denied",
            caller.user.username if caller else "-",
            user_id=caller.user.id if caller else None,
            client=client_address(request.scope, ctx.settings.trusted_proxies),
            detail=f"{status} {request.method} {getattr(route, 'path', '(unmatched)')}",
        )


def _handlers(app: FastAPI) -> None:  # noqa: C901 - one small function per exception type
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
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (401, 403):
            await _audit_denied(request, exc.status_code)
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        body = error_body(code, str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    async def not_found(_request: Request, exc: Exception) -> Response:
        return JSONResponse(error_body("not-found", str(exc)), status_code=404)

    async def conflict(_request: Request, exc: Exception) -> Response:
        return JSONResponse(error_body("conflict", str(exc)), status_code=409)

    async def db_down(_request: Request, exc: Exception) -> Response:
        lost = isinstance(exc, OperationalError | InterfaceError)
        if isinstance(exc, DBAPIError) and not lost and not exc.connection_invalidated:
            raise exc
        _logger.error("database unreachable: %s", type(exc.__cause__ or exc).__name__)
        return JSONResponse(_DB_DOWN, status_code=503, headers={"Retry-After": "5"})

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OnconavError, onconav_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CaseNotFound, not_found)
    app.add_exception_handler(RevisionConflict, conflict)
    app.add_exception_handler(OperationalError, db_down)
    app.add_exception_handler(InterfaceError, db_down)
    app.add_exception_handler(DBAPIError, db_down)


def default_data_dir(db: str) -> Path:
    """The job folder: `<file>-jobs` beside a SQLite file, `./onconav-jobs` for a URL."""
    url = database_url(db)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(f"{url.removeprefix('sqlite:///')}-jobs")
    return Path("onconav-jobs").resolve()


def _templates(folder: Path) -> Jinja2Templates:
    # Autoescape every template whatever its name: Starlette's default escapes only .html/.xml,
    # and the templates here are *.html.j2.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, undefined=jinja2.Undefined
    )
    return Jinja2Templates(env=env)


def open_store(settings: WebSettings) -> Store:
    """The store of `settings.db`, migrated to the newest revision.

    Raises:
        DatabaseUnavailable: the database cannot be reached (the message names it).
    """
    store = Store(database_url(settings.db))
    try:
        store.migrate()
    except (OperationalError, InterfaceError) as exc:
        store.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
        raise DatabaseUnavailable(
            f"database {safe_url(store.url)} cannot be reached: {reason}"
        ) from exc
    return store


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app: open (and migrate) the store, load the KB, mount routes and pages.

    Raises:
        DatabaseUnavailable: the database cannot be reached.
    """
    from onconav.web import routes_api, routes_kbchanges, routes_pages

    settings = settings or WebSettings()
    store = open_store(settings)
    data_dir = settings.data_dir or default_data_dir(settings.db)
    index = get_index(settings.kb_dir)
    package = Path(__file__).parent
    jobs = JobRunner(store, data_dir, index, retention_days=settings.job_retention_days)
    if settings.maintenance:
        jobs.maintain(settings.job_retention_days)
        store.prune_audit(settings.audit_retention_days)
    ctx = WebContext(
        settings=settings,
        store=store,
        accounts=Accounts(
            store, settings.session_hours, settings.session_idle_minutes, settings.token_days
        ),  # fmt: skip
        limiter=LoginLimiter(
            store,
            settings.login_max_failures,
            60.0,
            settings.login_account_free,
            settings.login_max_delay,
        ),  # fmt: skip
        jobs=jobs,
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
        docs_url=None,  # our own /docs: FastAPI's would load Swagger UI from a CDN
        redoc_url=None,
        openapi_url=None,  # served by routes_api, behind --require-auth when it is set
    )
    app.state.ctx = ctx
    _handlers(app)
    app.include_router(routes_api.router)
    app.include_router(routes_kbchanges.router)
    app.include_router(routes_pages.router)
    app.router.routes[0:0] = routes_api.plain_routes  # tried first (routes_api says why)
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")
    assets = swagger_assets()
    if assets is not None:
        app.mount("/docs/assets", StaticFiles(directory=str(assets)), name="swagger")
    app.add_middleware(_Edge, settings=settings)
    _logger.info("onconav web ready: KB %s", index.kb.meta.kb_version)
    return app


def settings_from_env() -> WebSettings:
    """The settings `onconav serve --workers N` hands its worker processes (JSON, in env)."""
    raw = json.loads(os.environ[SETTINGS_ENV])
    for name in ("data_dir", "kb_dir"):
        if raw.get(name) is not None:
            raw[name] = Path(raw[name])
    raw["trusted_proxies"] = tuple(raw.get("trusted_proxies", ()))
    return WebSettings(**raw)


def app_from_env() -> FastAPI:
    """The app of one worker process (uvicorn's factory for `serve --workers N`)."""
    configure_logging()
    app = create_app(settings_from_env())
    freeze_heap()
    return app


def freeze_heap() -> None:
    """Keep what the server's start built out of every later pass of the cycle collector.

    The imports, the KB, its index and the app are some 160,000 objects that live as long as
    the process. Left in the collector's oldest generation, each full pass walked them all
    (80-160 ms, inside whichever request set it off, about once in 10,000-20,000 matches)
    although none of them becomes garbage. Frozen, a full pass walks only what was made since.
    One collection first, so that no start-up garbage is frozen.
    """
    gc.collect()
    gc.freeze()
