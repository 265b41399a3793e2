"""The case store: one repository over SQLAlchemy 2, SQLite by default, PostgreSQL by URL.

Every method is one transaction. Cases are read and written only through a `UserInfo`, whose
team bounds what it can see; every read and write of a case writes an audit event in the same
transaction. On SQLite each transaction starts with `BEGIN IMMEDIATE` (and WAL mode), so
concurrent writers queue instead of failing; on PostgreSQL the case row is locked for update.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from onconav.web.db import AuditEvent, CaseRecord, CaseRevision, Job, utcnow

__all__ = [
    "AuditView",
    "CaseView",
    "JobView",
    "RevisionConflict",
    "RevisionView",
    "Store",
    "UserInfo",
    "database_url",
    "make_engine",
    "private_file",
    "safe_url",
]

_logger = logging.getLogger(__name__)


class RevisionConflict(Exception):
    """An update named a base revision that is no longer the latest (HTTP 409)."""

    def __init__(self, latest: int) -> None:
        super().__init__(f"the case has changed since revision {latest - 1 or 1}")
        self.latest = latest


@dataclass(frozen=True)
class UserInfo:
    """Who is asking: user id, name and team."""

    id: int
    username: str
    team_id: int


@dataclass(frozen=True)
class CaseView:
    """A stored case as the routes see it (case and result decoded)."""

    id: int
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime
    kb_version: str
    case: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class RevisionView:
    """One saved revision of a case."""

    number: int
    saved_at: dt.datetime
    kb_version: str
    case: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class JobView:
    """A background job's state."""

    id: str
    kind: str
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None
    files: list[str]


@dataclass(frozen=True)
class AuditView:
    """One audit event."""

    at: dt.datetime
    username: str
    action: str
    case_id: int | None
    job_id: str | None
    client: str | None = None
    detail: str | None = None


def database_url(db: str) -> str:
    """A SQLAlchemy URL from `--db`: a URL as given, else a SQLite file path."""
    return db if "://" in db else f"sqlite:///{db}"


def safe_url(url: str) -> str:
    """`url` with any password hidden, fit for a log line or an error message."""
    if "://" not in url:
        return url
    return make_url(url).render_as_string(hide_password=True)


def private_file(path: str | os.PathLike[str]) -> None:
    """Create `path` empty with mode 0600 if it is missing, else set its mode to 0600."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (pysqlite's own transaction handling defers it).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`, set up for concurrent writers on SQLite."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            # Patient data: the database file (and SQLite's -wal/-shm, which copy its mode)
            # is readable by its owner only.
            private_file(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _case_view(row: CaseRecord) -> CaseView:
    return CaseView(
        id=row.id,
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
        kb_version=row.kb_version,
        case=json.loads(row.case_json),
        result=json.loads(row.result_json),
    )


def _job_view(row: Job) -> JobView:
    return JobView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        created_at=row.created_at,
        finished_at=row.finished_at,
        error=row.error,
        files=list(json.loads(row.files)),
    )


class Store:
    """The repository: cases, revisions, audit events and jobs (accounts: `accounts.py`).

    Args:
        url: A SQLAlchemy database URL.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on error."""
        with self._sessions.begin() as s:
            yield s

    def migrate(self) -> None:
        """Upgrade the database to the newest migration (creates it when new)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "onconav.web:migrations")
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as conn:
            if sqlite:
                # SQLite alters a table by copying it; with foreign keys on, dropping the old
                # `users` would cascade to tokens and sessions. The pragma works only outside
                # a transaction, so it is set on the raw connection before BEGIN.
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
            finally:
                if sqlite:
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- audit -----------------------------------------------------------------------------

    @staticmethod
    def _audit(
        s: Session, user: UserInfo, action: str, case_id: int | None = None, job: str | None = None
    ) -> None:
        s.add(
            AuditEvent(
                user_id=user.id, username=user.username, action=action, case_id=case_id, job_id=job
            )
        )

    def record(self, action: str, username: str, *, user_id: int | None = None,
               client: str | None = None, detail: str | None = None,
               case_id: int | None = None) -> None:  # fmt: skip
        """An audit event outside a case transaction (a failed login, a denied request)."""
        with self.session() as s:
            s.add(AuditEvent(user_id=user_id, username=username[:100], action=action[:40],
                             case_id=case_id, client=client and client[:64],
                             detail=detail and detail[:200]))  # fmt: skip

    def audit_events(
        self, case_id: int | None = None, since: dt.datetime | None = None
    ) -> list[AuditView]:
        """The audit log, oldest first, optionally of one case or from a time on."""
        with self.session() as s:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if case_id is not None:
                query = query.where(AuditEvent.case_id == case_id)
            if since is not None:
                query = query.where(AuditEvent.at >= since)
            return [
                AuditView(e.at, e.username, e.action, e.case_id, e.job_id, e.client, e.detail)
                for e in s.scalars(query)
            ]

    def prune_audit(self, days: float) -> int:
        """Remove audit events older than `days`; how many went."""
        cutoff = utcnow() - dt.timedelta(days=days)
        with self.session() as s:
            result = s.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)

    # -- cases -----------------------------------------------------------------------------

    def create_case(
        self, user: UserInfo, case: dict[str, Any], result: dict[str, Any], kb_version: str
    ) -> CaseView:
        """Store a new case with its first revision."""
        case_text, result_text = json.dumps(case), json.dumps(result)
        with self.session() as s:
            row = CaseRecord(
                team_id=user.team_id,
                created_by=user.id,
                revision=1,
                case_json=case_text,
                result_json=result_text,
                kb_version=kb_version,
            )
            s.add(row)
            s.flush()
            s.add(
                CaseRevision(
                    case_id=row.id,
                    number=1,
                    saved_by=user.id,
                    case_json=case_text,
                    result_json=result_text,
                    kb_version=kb_version,
                )
            )
            self._audit(s, user, "case.create", row.id)
            return _case_view(row)

    def _owned(self, s: Session, user: UserInfo, case_id: int, lock: bool = False) -> CaseRecord:
        query = select(CaseRecord).where(
            CaseRecord.id == case_id, CaseRecord.team_id == user.team_id
        )
        row = s.scalars(query.with_for_update() if lock else query).first()
        if row is None:
            if s.get(CaseRecord, case_id) is not None:
                # Another team's case: answered as "not found", recorded as denied.
                self._audit(s, user, "access.denied", case_id)
            raise LookupError(case_id)
        return row

    def list_cases(self, user: UserInfo) -> list[CaseView]:
        """Every case of the user's team, newest first (see `page_cases` for one page)."""
        return self.page_cases(user, None, 0)[0]

    def page_cases(
        self, user: UserInfo, limit: int | None, offset: int = 0
    ) -> tuple[list[CaseView], int]:
        """One page of the team's cases, newest first, and how many the team has in all."""
        with self.session() as s:
            team = CaseRecord.team_id == user.team_id
            total = s.scalar(select(func.count()).select_from(CaseRecord).where(team)) or 0
            query = (
                select(CaseRecord)
                .where(team)
                .order_by(CaseRecord.updated_at.desc(), CaseRecord.id.desc())
                .offset(offset)
            )
            rows = s.scalars(query.limit(limit) if limit is not None else query).all()
            self._audit(s, user, "case.list")
            return [_case_view(r) for r in rows], total

    def get_case(self, user: UserInfo, case_id: int, action: str = "case.read") -> CaseView | None:
        """One case of the user's team, or None (another team's case is not found either)."""
        with self.session() as s:
            try:
                row = self._owned(s, user, case_id)
            except LookupError:
                return None
            self._audit(s, user, action, case_id)
            return _case_view(row)

    def save_revision(
        self,
        user: UserInfo,
        case_id: int,
        case: dict[str, Any],
        result: dict[str, Any],
        kb_version: str,
        *,
        base_revision: int | None = None,
        action: str = "case.update",
    ) -> CaseView | None:
        """Save a new revision of a case; None when the team has no such case.

        Raises:
            RevisionConflict: `base_revision` is given and is not the latest revision.
        """
        case_text, result_text = json.dumps(case), json.dumps(result)
        with self.session() as s:
            try:
                row = self._owned(s, user, case_id, lock=True)
            except LookupError:
                return None
            if base_revision is not None and base_revision != row.revision:
                raise RevisionConflict(row.revision + 1)
            latest = s.scalar(
                select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case_id)
            )
            number = (latest or 0) + 1
            s.add(
                CaseRevision(
                    case_id=case_id,
                    number=number,
                    saved_by=user.id,
                    case_json=case_text,
                    result_json=result_text,
                    kb_version=kb_version,
                )
            )
            row.revision, row.case_json, row.result_json = number, case_text, result_text
            row.kb_version, row.updated_at = kb_version, utcnow()
            self._audit(s, user, action, case_id)
            return _case_view(row)

    def revisions(self, user: UserInfo, case_id: int) -> list[RevisionView] | None:
        """Every revision of a case, oldest first; None when the team has no such case."""
        with self.session() as s:
            try:
                self._owned(s, user, case_id)
            except LookupError:
                return None
            rows = s.scalars(
                select(CaseRevision)
                .where(CaseRevision.case_id == case_id)
                .order_by(CaseRevision.number)
            ).all()
            self._audit(s, user, "case.revisions", case_id)
            return [
                RevisionView(
                    r.number,
                    r.saved_at,
                    r.kb_version,
                    json.loads(r.case_json),
                    json.loads(r.result_json),
                )
                for r in rows
            ]

    def delete_case(self, user: UserInfo, case_id: int) -> bool:
        """Delete a case and its revisions; False when the team has no such case."""
        with self.session() as s:
            try:
                row = self._owned(s, user, case_id, lock=True)
            except LookupError:
                return False
            s.query(CaseRevision).filter(CaseRevision.case_id == case_id).delete()
            s.delete(row)
            self._audit(s, user, "case.delete", case_id)
            return True

    # -- jobs ------------------------------------------------------------------------------

    def create_job(self, user: UserInfo, job_id: str, kind: str) -> JobView:
        """Record a queued job of the user's team."""
        with self.session() as s:
            row = Job(id=job_id, team_id=user.team_id, user_id=user.id, kind=kind, status="queued")
            s.add(row)
            self._audit(s, user, f"job.{kind}", job=job_id)
            s.flush()
            return _job_view(row)

    def update_job(
        self, job_id: str, status: str, *, error: str | None = None, files: list[str] | None = None
    ) -> None:
        """Set a job's status (and, when it ends, its error or its output files)."""
        with self.session() as s:
            row = s.get(Job, job_id)
            if row is None:
                return
            row.status = status
            if status in ("done", "failed"):
                row.finished_at = utcnow()
            row.error = error
            if files is not None:
                row.files = json.dumps(files)

    def fail_interrupted_jobs(self) -> list[str]:
        """Mark jobs left queued or running (by a crash or a stop) as failed; their ids."""
        with self.session() as s:
            rows = s.scalars(select(Job).where(Job.status.in_(("queued", "running")))).all()
            for row in rows:
                row.status, row.finished_at = "failed", utcnow()
                row.error, row.files = "interrupted: the server stopped while it ran", "[]"
            return [r.id for r in rows]

    def job_ids(self) -> set[str]:
        """The ids of every job row."""
        with self.session() as s:
            return set(s.scalars(select(Job.id)))

    def old_jobs(self, days: float) -> list[str]:
        """Remove the rows of jobs finished more than `days` ago; their ids."""
        cutoff = utcnow() - dt.timedelta(days=days)
        with self.session() as s:
            rows = s.scalars(select(Job).where(Job.finished_at < cutoff)).all()
            for row in rows:
                s.delete(row)
            return [r.id for r in rows]

    def get_job(self, user: UserInfo, job_id: str) -> JobView | None:
        """A job of the user's team, or None."""
        with self.session() as s:
            row = s.scalars(
                select(Job).where(Job.id == job_id, Job.team_id == user.team_id)
            ).first()
            if row is None and s.get(Job, job_id) is not None:
                self._audit(s, user, "access.denied", job=job_id)
            return _job_view(row) if row else None
