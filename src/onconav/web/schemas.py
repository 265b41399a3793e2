"""Request and response shapes of the HTTP API (the OpenAPI page is drawn from these)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field

from onconav.match.models import MatchResult

__all__ = [
    "CaseId",
    "UtcDatetime",
    "CaseDiff",
    "CaseOut",
    "CasePage",
    "CaseSummary",
    "ErrorBody",
    "ErrorDetail",
    "GeneOut",
    "Health",
    "JobOut",
    "KBVersion",
    "NormalizeOut",
    "RematchOut",
    "RevisionOut",
]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


# The store keeps UTC without a zone; answers carry it (RFC 3339 `...Z`, as OpenAPI requires).
UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]


# A case id in a path: a positive 32-bit integer (the database's INTEGER; larger is a 422,
# not a 500 from the driver).
CaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]


class ErrorDetail(BaseModel):
    """What went wrong and where."""

    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """Every error answer."""

    error: ErrorDetail


class KBVersion(BaseModel):
    """The knowledge base in use."""

    kb_version: str
    kb_date: str
    onconav_version: str
    kb_hash: str = ""
    normalizer_version: str = ""


class GeneOut(BaseModel):
    """A gene the KB knows, with its alteration classes."""

    symbol: str
    name: str
    aliases: list[str]
    alteration_classes: list[str]


class NormalizeOut(BaseModel):
    """How the normalizer reads a text, and completions for a form field."""

    query: str
    recognized: bool
    gene: str | None = None
    alteration: str | None = None
    kind: str | None = None
    canonical: str | None = None
    reason: str | None = None
    suggestions: list[str] = Field(default_factory=list)


class CaseSummary(BaseModel):
    """A stored case in a list."""

    id: int
    revision: int
    updated_at: UtcDatetime
    kb_version: str
    label: str | None
    tumor_type: str
    options: int


class CasePage(BaseModel):
    """One page of the team's cases, newest first; `next` is the next page's URL, if any."""

    items: list[CaseSummary]
    total: int
    limit: int
    offset: int
    next: str | None


class Health(BaseModel):
    """Liveness: nothing but "ok" and the KB version (open even with --require-auth)."""

    status: Literal["ok"]
    kb_version: str


class CaseOut(BaseModel):
    """A stored case: the case, its latest match result and the KB version of that result."""

    id: int
    revision: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    kb_version: str
    case: dict[str, Any]
    result: MatchResult


class RevisionOut(BaseModel):
    """One saved revision."""

    number: int
    saved_at: UtcDatetime
    kb_version: str
    options: list[str]


class CaseDiff(BaseModel):
    """What changed between two results of a case."""

    kb_version_before: str
    kb_version_after: str
    options_added: list[str]
    options_removed: list[str]
    options_changed: list[str]
    avoid_added: list[str]
    avoid_removed: list[str]
    changed: bool


class RematchOut(BaseModel):
    """A case matched again with the current KB, and what changed."""

    case: CaseOut
    diff: CaseDiff


class JobOut(BaseModel):
    """A background job; `files` lists the downloads once it is done."""

    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    error: str | None
    url: str
    files: dict[str, str]
