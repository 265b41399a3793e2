"""The team's stored cases whose result would change under the KB the server runs with.

`GET /api/v1/kb-changes/cases` (JSON) and the page `/kb-changes` list, a page at a time, each
case whose stored result differs from a match made now: the options and avoid entries that
appear, disappear or change level or status (`onconav.match.compare`). The case list shows
"N of your cases are affected by KB X". A stored result made with the same KB (same content
hash) is not matched again; the others are, once per case revision and KB, then remembered.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from onconav.errors import OnconavError
from onconav.match.compare import ResultDelta, compare_results, delta_json
from onconav.web.auth import Caller, api_user, context, page_caller
from onconav.web.matching import match_data
from onconav.web.store import CaseView, UserInfo

__all__ = ["AffectedCase", "AffectedPage", "affected_cases", "affected_count", "router"]

_logger = logging.getLogger(__name__)
_MEMO_KEY = "kbchanges"
_MEMO_SIZE = 20_000
_MEMO_LOCK = threading.Lock()  # routes run on a thread pool

router = APIRouter()
User = Annotated[UserInfo, Depends(api_user)]
PageCaller = Annotated[Caller, Depends(page_caller)]
PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Cases a page.")]


class AffectedCase(BaseModel):
    """One stored case whose result would change, and how."""

    id: int
    revision: int
    label: str | None
    tumor_type: str
    kb_version_before: str
    kb_version_after: str
    highest_level_before: str | None
    highest_level_after: str | None
    changes: list[dict[str, Any]]


class AffectedPage(BaseModel):
    """A page of affected cases, with the totals."""

    kb_version: str
    kb_hash: str
    affected: int
    total_cases: int
    page: int
    per_page: int
    pages: int
    cases: list[AffectedCase]


@dataclass(frozen=True)
class _Entry:
    view: CaseView
    delta: ResultDelta


def _delta(request: Request, view: CaseView) -> ResultDelta | None:
    """What a match made now changes for a stored case (None: nothing, or not re-matchable)."""
    index = context(request).index
    digest = index.info.content_hash
    if view.result.get("kb_hash") == digest:
        return None
    memo: OrderedDict[tuple[int, int, str], ResultDelta | None]
    key = (view.id, view.revision, digest)
    with _MEMO_LOCK:
        memo = context(request).extra.setdefault(_MEMO_KEY, OrderedDict())
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    try:
        _case, result = match_data(index, view.case)
        delta: ResultDelta | None = compare_results(view.result, result.model_dump(mode="json"))
    except OnconavError as exc:
        # A case stored under an older KB that no longer validates (e.g. a tumor type renamed).
        _logger.warning("case #%d not matched again: %s", view.id, exc.code)
        delta = None
    found = delta if delta is not None and delta.changed else None
    with _MEMO_LOCK:
        memo[key] = found
        if len(memo) > _MEMO_SIZE:
            memo.popitem(last=False)
    return found


def affected_cases(request: Request, user: UserInfo) -> tuple[list[_Entry], int]:
    """The team's affected cases, newest first, and how many cases the team has."""
    views = context(request).store.list_cases(user)
    return _affected(request, views), len(views)


def _affected(request: Request, views: list[CaseView]) -> list[_Entry]:
    out = []
    for view in views:
        delta = _delta(request, view)
        if delta is not None:
            out.append(_Entry(view, delta))
    return out


def _page_of(request: Request, user: UserInfo, page: int, per_page: int) -> AffectedPage:
    entries, total = affected_cases(request, user)
    info = context(request).index.info
    chosen = entries[(page - 1) * per_page : page * per_page]
    return AffectedPage(
        kb_version=info.kb_version,
        kb_hash=info.content_hash,
        affected=len(entries),
        total_cases=total,
        page=page,
        per_page=per_page,
        pages=max(1, -(-len(entries) // per_page)),
        cases=[_case(e) for e in chosen],
    )


def _case(entry: _Entry) -> AffectedCase:
    view, delta = entry.view, entry.delta
    data = delta_json(delta)
    label = view.case.get("id")
    return AffectedCase(
        id=view.id,
        revision=view.revision,
        label=str(label) if label is not None else None,
        tumor_type=str(view.case.get("tumor_type", "")),
        kb_version_before=delta.kb_before["kb_version"] or view.kb_version,
        kb_version_after=delta.kb_after["kb_version"],
        highest_level_before=delta.highest_before,
        highest_level_after=delta.highest_after,
        changes=data["changes"],
    )


def affected_count(request: Request, views: list[CaseView]) -> int:
    """How many of these stored cases the current KB affects (for the case list)."""
    return len(_affected(request, views))


@router.get("/api/v1/kb-changes/cases", tags=["cases"])
async def list_affected(
    request: Request, user: User, page: PageNumber = 1, per_page: PerPage = 20
) -> AffectedPage:
    """Your team's stored cases whose result would change under the server's KB, with diffs."""
    return await run_in_threadpool(_page_of, request, user, page, per_page)


@router.get("/kb-changes", include_in_schema=False)
async def affected_page(
    request: Request, caller: PageCaller, page: PageNumber = 1, per_page: PerPage = 20
) -> HTMLResponse:
    """The same list as a page."""
    data = await run_in_threadpool(_page_of, request, caller.user, page, per_page)
    ctx = context(request)
    values = {"caller": caller, "kb": ctx.index.kb.meta, "kb_hash": ctx.index.info.short_hash,
              "data": data}  # fmt: skip
    return ctx.templates.TemplateResponse(request, "kbchanges.html.j2", values)
