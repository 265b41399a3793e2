"""Passwords, tokens, CSRF, user names and the login rate limit: pieces the routes share.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106). Session and API tokens
are 32 random bytes; only their SHA-256 is stored, so a copy of the database opens no session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from onconav.web.db import LoginFailure, utcnow
from onconav.web.store import Store

__all__ = [
    "TOKEN_PREFIX",
    "LoginLimiter",
    "canonical_username",
    "hash_password",
    "hash_token",
    "new_token",
    "same_token",
    "verify_password",
]

TOKEN_PREFIX = "onc_"

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that both paths take the same time.
_DUMMY_HASH = _hasher.hash("onconav-no-such-user")


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash; with no hash, spend the same time and say no."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "") -> str:
    """A new random token (256 bits, URL-safe)."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored for a session or API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens; None never matches."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def canonical_username(name: str) -> str:
    """The one form of a user name that is looked up and rate limited.

    NFKC-normalized, stripped of surrounding whitespace, case-folded: `' Carol '`, `'CAROL'`
    and `'ｃａｒｏｌ'` are one account and share one counter.
    """
    return unicodedata.normalize("NFKC", name).strip().casefold()[:100]


class LoginLimiter:
    """Failed logins, counted in the database so that every worker shares the counts.

    Per client address: `per_address` failures within `window` seconds, then 429 until the
    oldest one leaves the window. Per account: after `account_free` failures within 15
    minutes each further try waits (0.5 s, doubling, at most `max_delay`) before the password
    is checked; the account is never locked, so no one can lock its owner out.

    Args:
        store: The case store (table `login_failures`).
        per_address: Failures allowed per address within the window.
        window: Length of the per-address window, in seconds.
        account_free: Failures on one account before tries on it slow down.
        max_delay: The longest slow-down, in seconds.
    """

    ACCOUNT_WINDOW = 900.0

    def __init__(self, store: Store, per_address: int = 5, window: float = 60.0,
                 account_free: int = 5, max_delay: float = 8.0) -> None:  # fmt: skip
        self.store = store
        self.per_address = per_address
        self.window = window
        self.account_free = account_free
        self.max_delay = max_delay

    def _times(self, kind: str, key: str, seconds: float) -> list[dt.datetime]:
        since = utcnow() - dt.timedelta(seconds=seconds)
        with self.store.session() as s:
            return list(
                s.scalars(
                    select(LoginFailure.at)
                    .where(LoginFailure.kind == kind, LoginFailure.key == key)
                    .where(LoginFailure.at > since)
                    .order_by(LoginFailure.at)
                )
            )

    def address_wait(self, address: str) -> int:
        """Seconds until `address` may try again; 0 when it may now."""
        times = self._times("ip", address, self.window)
        if len(times) < self.per_address:
            return 0
        oldest = times[-self.per_address]
        wait = (oldest + dt.timedelta(seconds=self.window) - utcnow()).total_seconds()
        return max(1, math.ceil(wait))

    def account_delay(self, name_key: str) -> float:
        """Seconds to wait before checking a password for this account (0 for most tries)."""
        extra = len(self._times("user", name_key, self.ACCOUNT_WINDOW)) - self.account_free
        return 0.0 if extra < 0 else min(self.max_delay, 0.5 * 2.0**extra)

    def failed(self, address: str, name_key: str) -> None:
        """Count one failed login against the address and the account."""
        now = utcnow()
        old = now - dt.timedelta(seconds=max(self.window, self.ACCOUNT_WINDOW))
        with self.store.session() as s:
            s.add_all([LoginFailure(kind="ip", key=address[:200], at=now),
                       LoginFailure(kind="user", key=name_key[:200], at=now)])  # fmt: skip
            s.execute(delete(LoginFailure).where(LoginFailure.at < old))

    def succeeded(self, name_key: str) -> None:
        """Forget the account's failures (the address keeps its count)."""
        with self.store.session() as s:
            s.execute(
                delete(LoginFailure).where(
                    LoginFailure.kind == "user", LoginFailure.key == name_key
                )
            )
