"""Accounts, login sessions and API tokens in the case store (`onconav user ...`, the login page).

Sessions live in the database, not in a signed cookie: logging out, disabling a user or
resetting a password ends them at once, and a session not used for `idle_minutes` ends too.
API tokens have a name and an expiry, can be revoked, and keep the time they were last used
(updated at most once a minute, not a row per request). User names are looked up in one
canonical form (`security.canonical_username`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onconav.errors import InputError
from onconav.web.db import ApiToken, AuditEvent, Team, User, WebSession, utcnow
from onconav.web.security import (
    TOKEN_PREFIX,
    canonical_username,
    hash_password,
    hash_token,
    new_token,
)
from onconav.web.security import verify_password as _verify
from onconav.web.store import Store, UserInfo

__all__ = ["Accounts", "SessionInfo", "TokenInfo", "UserRow"]

_MIN_PASSWORD = 8
_TOUCH = dt.timedelta(seconds=60)  # last-used and last-seen times are this coarse


@dataclass(frozen=True)
class SessionInfo:
    """A live login session: its user and its CSRF token."""

    user: UserInfo
    csrf_token: str


@dataclass(frozen=True)
class UserRow:
    """A user as `onconav user list` shows it."""

    username: str
    team: str
    created_at: dt.datetime
    disabled: bool
    tokens: int


@dataclass(frozen=True)
class TokenInfo:
    """An API token as `onconav user tokens` shows it (never the token itself)."""

    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool

    @property
    def state(self) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked:
            return "revoked"
        return "expired" if self.expires_at <= utcnow() else "active"


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, team_id=user.team_id)


def _audit(s: Session, user: User, action: str, detail: str | None = None) -> None:
    s.add(AuditEvent(user_id=user.id, username=user.username, action=action, detail=detail))


def _check_password(password: str) -> None:
    if len(password) < _MIN_PASSWORD:
        raise InputError(f"at least {_MIN_PASSWORD} characters", field="password")


class Accounts:
    """Users, teams, sessions and tokens over a `Store`.

    Args:
        store: The case store.
        session_hours: How long a login session lasts at most.
        idle_minutes: A session unused for this long ends.
        token_days: Default lifetime of a new API token.
    """

    def __init__(self, store: Store, session_hours: float = 12.0, idle_minutes: float = 30.0,
                 token_days: int = 90) -> None:  # fmt: skip
        self.store = store
        self.session_hours = session_hours
        self.idle = dt.timedelta(minutes=idle_minutes)
        self.token_days = token_days

    # -- users -----------------------------------------------------------------------------

    @staticmethod
    def _user(s: Session, username: str) -> User:
        user = s.scalars(
            select(User).where(User.name_key == canonical_username(username)).order_by(User.id)
        ).first()
        if user is None:
            raise InputError(f"no user {username.strip()!r}", field="username")
        return user

    def add_user(self, username: str, password: str, team: str) -> UserInfo:
        """Create a user in `team` (created when new).

        Raises:
            InputError: the name is taken (in any case or spacing) or empty, or the password
                is shorter than 8.
        """
        username, team = username.strip(), team.strip()
        if not username or not team:
            raise InputError("must not be empty", field="username" if not username else "team")
        if any(not ch.isprintable() for ch in username):
            raise InputError("must be printable characters only", field="username")
        _check_password(password)
        key = canonical_username(username)
        with self.store.session() as s:
            if s.scalars(select(User).where(User.name_key == key)).first():
                raise InputError(f"user {username!r} exists", field="username")
            team_row = s.scalars(select(Team).where(Team.name == team)).first()
            if team_row is None:
                team_row = Team(name=team)
                s.add(team_row)
                s.flush()
            user = User(username=username, name_key=key, password_hash=hash_password(password),
                        team_id=team_row.id)  # fmt: skip
            s.add(user)
            s.flush()
            return _info(user)

    def authenticate(self, username: str, password: str) -> UserInfo | None:
        """The enabled user whose name and password these are, or None."""
        with self.store.session() as s:
            user = s.scalars(
                select(User).where(User.name_key == canonical_username(username)).order_by(User.id)
            ).first()
            usable = user is not None and user.disabled_at is None
            stored = user.password_hash if user and usable else None
            info = _info(user) if user and usable else None
        return info if _verify(stored, password) else None

    def list_users(self) -> list[UserRow]:
        """Every user with team, state and count of active tokens, by name."""
        now = utcnow()
        with self.store.session() as s:
            rows = s.execute(
                select(User, Team.name).join(Team, Team.id == User.team_id).order_by(User.name_key)
            ).all()
            out = []
            for user, team in rows:
                active = s.scalars(
                    select(ApiToken.id).where(
                        ApiToken.user_id == user.id,
                        ApiToken.revoked_at.is_(None),
                        ApiToken.expires_at > now,
                    )
                ).all()
                out.append(UserRow(user.username, team, user.created_at,
                                   user.disabled_at is not None, len(active)))  # fmt: skip
            return out

    def set_disabled(self, username: str, disabled: bool) -> UserInfo:
        """Disable (ending every session; tokens stop working) or enable a user.

        Raises:
            InputError: no such user.
        """
        with self.store.session() as s:
            user = self._user(s, username)
            user.disabled_at = utcnow() if disabled else None
            _audit(s, user, "user.disable" if disabled else "user.enable")
            if disabled:
                s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            return _info(user)

    def reset_password(self, username: str, password: str) -> UserInfo:
        """Set a new password and end every session of the user.

        Raises:
            InputError: no such user, or the password is shorter than 8.
        """
        _check_password(password)
        with self.store.session() as s:
            user = self._user(s, username)
            user.password_hash = hash_password(password)
            _audit(s, user, "user.password-reset")
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            return _info(user)

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, username: str, name: str = "pipeline", days: int | None = None) -> str:
        """A new API token for a user; only its hash is kept, so show it once.

        Raises:
            InputError: no such user, or `days` is not positive.
        """
        days = self.token_days if days is None else days
        if days <= 0:
            raise InputError("must be at least 1", field="expires-days")
        token = new_token(TOKEN_PREFIX)
        expires = utcnow() + dt.timedelta(days=days)
        with self.store.session() as s:
            user = self._user(s, username)
            s.add(ApiToken(user_id=user.id, name=name.strip()[:100] or "token",
                           token_hash=hash_token(token), expires_at=expires))  # fmt: skip
            _audit(s, user, "token.create", name.strip()[:100])
        return token

    def tokens(self, username: str) -> list[TokenInfo]:
        """The API tokens of a user, oldest first.

        Raises:
            InputError: no such user.
        """
        with self.store.session() as s:
            user = self._user(s, username)
            rows = s.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            ).all()
            return [
                TokenInfo(
                    t.id,
                    t.name,
                    t.created_at,
                    t.expires_at,
                    t.last_used_at,
                    t.revoked_at is not None,
                )  # fmt: skip
                for t in rows
            ]

    def revoke(self, username: str, token: str) -> int:
        """Revoke a user's tokens by id or by name (`all` revokes every one); the count.

        Raises:
            InputError: no such user, or no token of that id or name.
        """
        now = utcnow()
        with self.store.session() as s:
            user = self._user(s, username)
            query = select(ApiToken).where(
                ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
            )
            if token != "all":
                query = query.where(
                    ApiToken.id == int(token) if token.isdigit() else ApiToken.name == token
                )
            rows = s.scalars(query).all()
            if not rows and token != "all":
                raise InputError(f"no active token {token!r} of {user.username}", field="token")
            for row in rows:
                row.revoked_at = now
                _audit(s, user, "token.revoke", row.name)
            return len(rows)

    def token_user(self, token: str) -> UserInfo | None:
        """The enabled user a live (unexpired, unrevoked) API token belongs to, or None."""
        now = utcnow()
        with self.store.session() as s:
            found = s.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == hash_token(token))
            ).first()
            if found is None:
                return None
            row, user = found
            if row.revoked_at is not None or row.expires_at <= now or user.disabled_at:
                return None
            if row.last_used_at is None or now - row.last_used_at > _TOUCH:
                row.last_used_at = now
            return _info(user)

    # -- sessions --------------------------------------------------------------------------

    def open_session(self, user: UserInfo) -> tuple[str, str]:
        """Start a login session; returns (cookie token, CSRF token)."""
        token, csrf = new_token(), new_token()
        now = utcnow()
        expires = now + dt.timedelta(hours=self.session_hours)
        with self.store.session() as s:
            s.add(WebSession(token_hash=hash_token(token), user_id=user.id, csrf_token=csrf,
                             expires_at=expires, last_seen_at=now))  # fmt: skip
        return token, csrf

    def session_info(self, token: str) -> SessionInfo | None:
        """The live session a cookie token opens, or None (unknown, expired, idle, disabled)."""
        now = utcnow()
        with self.store.session() as s:
            found = s.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == hash_token(token))
            ).first()
            if found is None:
                return None
            web_session, user = found
            idle = now - web_session.last_seen_at > self.idle
            if web_session.expires_at <= now or idle or user.disabled_at is not None:
                s.delete(web_session)
                return None
            if now - web_session.last_seen_at > _TOUCH:
                web_session.last_seen_at = now
            return SessionInfo(_info(user), web_session.csrf_token)

    def close_session(self, token: str) -> None:
        """End a login session."""
        with self.store.session() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))
