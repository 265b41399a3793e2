"""Accounts, login sessions and API tokens in the case store (`onconav user add`, the login page).

Sessions live in the database, not in a signed cookie: logging out ends them at once, and the
CSRF token of each session is kept beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select

from onconav.errors import InputError
from onconav.web.db import ApiToken, Team, User, WebSession, utcnow
from onconav.web.security import TOKEN_PREFIX, hash_password, hash_token, new_token
from onconav.web.security import verify_password as _verify
from onconav.web.store import Store, UserInfo

__all__ = ["Accounts", "SessionInfo"]

_MIN_PASSWORD = 8


@dataclass(frozen=True)
class SessionInfo:
    """A live login session: its user and its CSRF token."""

    user: UserInfo
    csrf_token: str


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, team_id=user.team_id)


class Accounts:
    """Users, teams, sessions and tokens over a `Store`.

    Args:
        store: The case store.
        session_hours: How long a login session lasts.
    """

    def __init__(self, store: Store, session_hours: float = 12.0) -> None:
        self.store = store
        self.session_hours = session_hours

    def add_user(self, username: str, password: str, team: str) -> UserInfo:
        """Create a user in `team` (created when new).

        Raises:
            InputError: the name is taken or empty, or the password is shorter than 8.
        """
        username, team = username.strip(), team.strip()
        if not username or not team:
            raise InputError("must not be empty", field="username" if not username else "team")
        if len(password) < _MIN_PASSWORD:
            raise InputError(f"at least {_MIN_PASSWORD} characters", field="password")
        with self.store.session() as s:
            if s.scalars(select(User).where(User.username == username)).first():
                raise InputError(f"user {username!r} exists", field="username")
            team_row = s.scalars(select(Team).where(Team.name == team)).first()
            if team_row is None:
                team_row = Team(name=team)
                s.add(team_row)
                s.flush()
            user = User(
                username=username, password_hash=hash_password(password), team_id=team_row.id
            )
            s.add(user)
            s.flush()
            return _info(user)

    def authenticate(self, username: str, password: str) -> UserInfo | None:
        """The user whose name and password these are, or None."""
        with self.store.session() as s:
            user = s.scalars(select(User).where(User.username == username.strip())).first()
            stored = user.password_hash if user else None
            info = _info(user) if user else None
        return info if _verify(stored, password) else None

    def create_token(self, username: str, name: str = "pipeline") -> str:
        """A new API token for a user; only its hash is kept, so show it once.

        Raises:
            InputError: no such user.
        """
        token = new_token(TOKEN_PREFIX)
        with self.store.session() as s:
            user = s.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise InputError(f"no user {username!r}", field="username")
            s.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token)))
        return token

    def token_user(self, token: str) -> UserInfo | None:
        """The user an API token belongs to, or None."""
        with self.store.session() as s:
            row = s.execute(
                select(User)
                .join(ApiToken, ApiToken.user_id == User.id)
                .where(ApiToken.token_hash == hash_token(token))
            ).scalar_one_or_none()
            return _info(row) if row else None

    def open_session(self, user: UserInfo) -> tuple[str, str]:
        """Start a login session; returns (cookie token, CSRF token)."""
        token, csrf = new_token(), new_token()
        expires = utcnow() + dt.timedelta(hours=self.session_hours)
        with self.store.session() as s:
            s.add(
                WebSession(
                    token_hash=hash_token(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    expires_at=expires,
                )
            )
        return token, csrf

    def session_info(self, token: str) -> SessionInfo | None:
        """The live session a cookie token opens, or None (unknown or expired)."""
        with self.store.session() as s:
            found = s.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == hash_token(token))
            ).first()
            if found is None:
                return None
            web_session, user = found
            if web_session.expires_at <= utcnow():
                s.delete(web_session)
                return None
            return SessionInfo(_info(user), web_session.csrf_token)

    def close_session(self, token: str) -> None:
        """End a login session."""
        with self.store.session() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))
