"""Who is calling: a login session (cookie) or an API token (Bearer), as FastAPI dependencies.

A session is good for pages and the API alike; a request that changes something with a session
cookie must also carry the session's CSRF token (form field `csrf_token` or header
`X-CSRF-Token`). A token request needs none: a browser never sends it on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from onconav.web.context import context
from onconav.web.security import same_token
from onconav.web.store import UserInfo

__all__ = [
    "CSRF_HEADER",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "Caller",
    "LoginRequired",
    "api_user",
    "client_address",
    "context",
    "open_access",
    "page_caller",
]

SESSION_COOKIE = "onconav_session"
LOGIN_CSRF_COOKIE = "onconav_login_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """A page needs a login; the app answers with a redirect to /login."""


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the user, how they came in, and the session's CSRF token."""

    user: UserInfo
    via: Literal["session", "token"]
    csrf_token: str | None = None


def client_address(scope: Scope, trusted_proxies: tuple[str, ...] = ()) -> str:
    """The caller's address.

    The peer's, or, only when the peer is a trusted proxy, the last address that proxy put in
    X-Forwarded-For.
    """
    peer = scope.get("client")
    address = str(peer[0]) if peer else "-"
    if address in trusted_proxies:
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded = value.decode("latin-1").split(",")[-1].strip()
                return forwarded[:64] or address
    return address


def _lookup(request: Request) -> Caller | None:
    accounts = context(request).accounts
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = accounts.token_user(header[7:].strip())
        return Caller(user, "token") if user else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        info = accounts.session_info(cookie)
        if info:
            return Caller(info.user, "session", info.csrf_token)
    return None


async def _caller(request: Request) -> Caller | None:
    if not hasattr(request.state, "caller"):
        request.state.caller = await run_in_threadpool(_lookup, request)
        if request.state.caller is not None:
            # For the access log (a user name, never a patient field).
            request.scope.setdefault("state", {})["user"] = request.state.caller.user.username
    return cast("Caller | None", request.state.caller)


async def _check_csrf(request: Request, caller: Caller) -> None:
    if caller.via != "session" or request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not same_token(sent, caller.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token")


async def api_user(request: Request) -> UserInfo:
    """The calling user; 401 without a session or token, 403 on a bad CSRF token."""
    caller = await _caller(request)
    if caller is None:
        raise HTTPException(
            401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"}
        )
    await _check_csrf(request, caller)
    return caller.user


async def page_caller(request: Request) -> Caller:
    """The caller of a page; without a login, a redirect to the login page."""
    caller = await _caller(request)
    if caller is None:
        raise LoginRequired
    await _check_csrf(request, caller)
    return caller


async def open_access(request: Request) -> None:
    """Stateless endpoints: open unless the server runs with --require-auth."""
    if context(request).settings.require_auth:
        await api_user(request)
