"""Passwords, tokens, CSRF and the login rate limit: small pieces the store and routes share.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106). Session and API tokens
are 32 random bytes; only their SHA-256 is stored, so a copy of the database opens no session.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import secrets
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "TOKEN_PREFIX",
    "LoginLimiter",
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


class LoginLimiter:
    """Failed logins per key (client address, user name) in a sliding window.

    Args:
        max_failures: Failures allowed within the window before logins are refused.
        window_seconds: Length of the window.
    """

    def __init__(self, max_failures: int = 5, window_seconds: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> collections.deque[float]:
        times = self._failures.setdefault(key, collections.deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until a login may be tried again for any of `keys`; 0 when allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        """Count one failed login against each key."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of these keys."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
