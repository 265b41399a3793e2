"""The case store's tables (SQLAlchemy 2 declarative); `migrations/` creates and evolves them.

Cases are stored whole (the case JSON and the match result JSON, with the KB version that made
the result); every save is also kept as a numbered revision, so concurrent writers lose nothing
and a case can be re-matched later and compared. The audit log names who did what to which case
id, when, and nothing else about the patient.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "CaseRecord",
    "CaseRevision",
    "Job",
    "LoginFailure",
    "Team",
    "User",
    "WebSession",
    "utcnow",
]


def utcnow() -> dt.datetime:
    """Now, in UTC, without a zone (SQLite keeps no zone; every stored time is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The declarative base of every table here."""


class Team(Base):
    """A team: its members see each other's cases and no one else's."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class User(Base):
    """An account: a user name, an argon2 password hash and a team."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    # The canonical form of the name (`security.canonical_username`): looked up and limited.
    name_key: Mapped[str] = mapped_column(String(100), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ApiToken(Base):
    """An API token for pipelines; only its SHA-256 is stored. It expires and can be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class WebSession(Base):
    """A login session; the cookie holds a random token whose SHA-256 is stored here."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LoginFailure(Base):
    """One failed login, by client address (`ip`) or canonical user name (`user`).

    The login rate limit counts these rows, so every worker process sees the same counts.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class CaseRecord(Base):
    """A stored case: the latest revision's case, result and KB version."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    case_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    kb_version: Mapped[str] = mapped_column(String(32))


class CaseRevision(Base):
    """One save of a case, kept whole; (case_id, number) is unique."""

    __tablename__ = "case_revisions"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_case_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    saved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    kb_version: Mapped[str] = mapped_column(String(32))


class AuditEvent(Base):
    """Who did what to which case (or job), when: no patient data beyond the case id.

    Failed logins and denied requests are recorded too (`login.failed`, `access.denied`), with
    the client address and the route template in `detail`; `user_id` is then None when no
    account is known.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    job_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Job(Base):
    """A background job (cohort annotation) of one team; `files` is a JSON list of outputs."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    files: Mapped[str] = mapped_column(Text, default="[]")
