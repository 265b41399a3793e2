"""The HTTP API under /api/v1: match, KB, normalize (stateless), cases and annotation jobs.

Stateless endpoints answer without login unless the server runs with --require-auth; cases and
jobs need a session or an API token, and a team sees only its own (another team's case is 404).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import orjson
from fastapi import (
    APIRouter,
    Body,
    Depends,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from onconav import __version__
from onconav.errors import CaseError
from onconav.kb.index import KBIndex
from onconav.match.jsonout import result_json
from onconav.match.models import Case, MatchResult
from onconav.normalize import parse_alteration
from onconav.web.auth import api_user, open_access
from onconav.web.context import context
from onconav.web.docs import docs_page, swagger_page
from onconav.web.matching import diff_results, match_data
from onconav.web.schemas import (
    CaseDiff,
    CaseId,
    CaseOut,
    CasePage,
    CaseSummary,
    ErrorBody,
    GeneOut,
    Health,
    JobOut,
    KBVersion,
    NormalizeOut,
    RematchOut,
    RevisionOut,
)
from onconav.web.service import CaseNotFound, get_case, rematch_case, save_case
from onconav.web.store import CaseView, JobView, UserInfo

__all__ = ["plain_routes", "router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 413, 422, 429, 503)
}
_CHUNK = 256 * 1024

router = APIRouter(responses=_ERRORS)
Open = Depends(open_access)
User = Annotated[UserInfo, Depends(api_user)]
CaseBody = Annotated[
    dict[str, Any],
    Body(examples=[{"tumor_type": "LUAD", "alterations": ["EGFR L858R"]}]),
]


@router.get("/healthz", tags=["meta"])
async def healthz(request: Request) -> Health:
    """Liveness for load balancers: always open; says "ok" and the KB version, nothing more."""
    return Health(status="ok", kb_version=context(request).index.kb.meta.kb_version)


# The busiest endpoint comes right after /healthz: the router tries the routes in order.
_CASE_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": Case.model_json_schema(),
                "example": {"tumor_type": "LUAD", "alterations": ["EGFR L858R"]},
            }
        },
    }
}


def _decode(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise CaseError("not valid JSON", file="case", code="bad-json") from exc


class _PlainRoute(Route):
    """A Starlette route that names itself in the request scope, as FastAPI's routes do.

    The access log and the audit of denied requests read the route template from there. Any
    other path is turned away by one string comparison: the app tries this route first.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Starlette's match, with `route` in the child scope."""
        if not scope.get("path", "").endswith(self.path):
            return Match.NONE, {}
        found, child = super().matches(scope)
        if found is not Match.NONE:
            child["route"] = self
        return found, child


async def match(request: Request) -> Response:
    """Match one case (contract: case.md) and return the result (match-output.md)."""
    await open_access(request)
    return Response(_answer(request.scope, await request.body()), media_type="application/json")


def _answer(scope: Scope, body: bytes) -> bytes:
    # The body is decoded here, not by FastAPI: the core's validation names the bad field, and
    # a second validation pass is skipped.
    _case, result = match_data(scope["app"].state.ctx.index, _decode(body))
    return result_json(result)


async def _body(receive: Receive) -> bytes:
    """The request body, from its ASGI messages (as Starlette's `Request.body` reads it)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


_JSON_TYPE = (b"content-type", b"application/json")


class _MatchApp:
    """`match` as a bare ASGI app: no Request or Response object unless a login is needed.

    The same answer, headers (the edge middleware adds the rest), errors (raised to the app's
    handlers) and access-log line as `match`. (A class: Starlette would wrap a function as
    a request handler.)
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one POST /api/v1/match."""
        if scope["app"].state.ctx.settings.require_auth:
            request = Request(scope, receive)
            await open_access(request)
            body = await request.body()  # (the access check may have read a form from it)
        else:
            body = await _body(receive)
        content = _answer(scope, body)
        length = (b"content-length", str(len(content)).encode())
        await send({"type": "http.response.start", "status": 200, "headers": [length, _JSON_TYPE]})
        await send({"type": "http.response.body", "body": content})


# Served by a plain Starlette route that the app tries before all others (`plain_routes`), as a
# bare ASGI app: it needs none of FastAPI's per-request work (dependencies, response model,
# route context), about a third of the time the server spent on each match, nor Starlette's
# request and response objects. The API route below, which it shadows, documents it in OpenAPI.
plain_routes = [
    _PlainRoute("/api/v1/match", _MatchApp(), methods=["POST"], include_in_schema=False)
]
router.post(
    "/api/v1/match",
    tags=["match"],
    responses={200: {"model": MatchResult}},
    openapi_extra=_CASE_SCHEMA,
)(match)


@router.get("/openapi.json", dependencies=[Open], include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    """The OpenAPI document."""
    return JSONResponse(request.app.openapi())


@router.get("/docs", dependencies=[Open], include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """Swagger UI from the fastapi-offline package (no CDN); the listing when it is absent."""
    page = swagger_page()
    return HTMLResponse(page if page is not None else docs_page(request.app.openapi()))


@router.get("/docs/list", dependencies=[Open], include_in_schema=False)
async def docs_list(request: Request) -> HTMLResponse:
    """The API reference as a plain listing, drawn on the server (needs no script at all)."""
    return HTMLResponse(docs_page(request.app.openapi()))


@router.get("/api/v1/kb/version", dependencies=[Open], tags=["kb"])
async def kb_version(request: Request) -> KBVersion:
    """The knowledge base's version and date."""
    from onconav.match.provenance import NORMALIZER_VERSION

    index = context(request).index
    meta = index.kb.meta
    return KBVersion(
        kb_version=meta.kb_version, kb_date=meta.kb_date.isoformat(), onconav_version=__version__,
        kb_hash=index.info.content_hash, normalizer_version=NORMALIZER_VERSION,
    )  # fmt: skip


@router.get("/api/v1/kb/genes", dependencies=[Open], tags=["kb"])
async def kb_genes(request: Request) -> list[GeneOut]:
    """Every gene the KB knows, with aliases and alteration classes."""
    return [
        GeneOut(
            symbol=g.symbol,
            name=g.name,
            aliases=list(g.aliases),
            alteration_classes=[c.name for c in g.alteration_classes],
        )
        for g in context(request).index.kb.genes
    ]


@router.get("/api/v1/kb/drugs/{name}", dependencies=[Open], tags=["kb"])
async def kb_drug(request: Request, name: str) -> dict[str, Any]:
    """One drug by INN, brand or alias: class, route, side effects, sources."""
    index = context(request).index
    found = index.drug_name(name)
    if found is None:
        raise HTTPException(404, "no such drug in the knowledge base")
    return index.drugs[found].model_dump(mode="json", exclude_none=True)


@functools.lru_cache(maxsize=4)
def _phrases(index: KBIndex) -> tuple[str, ...]:
    """Gene symbols and the KB's alteration class names that the normalizer reads back."""
    out: list[str] = []
    for gene in index.kb.genes:
        out.append(gene.symbol)
        for c in gene.alteration_classes:
            name = c.name.split(" (")[0]
            phrase = name if name.startswith(gene.symbol + " ") else f"{gene.symbol} {name}"
            if parse_alteration(phrase).recognized:
                out.append(phrase)
    return tuple(dict.fromkeys(out))


def _suggest(index: KBIndex, query: str, canonical: str | None) -> list[str]:
    wanted = query.casefold()
    phrases = _phrases(index)
    starts = [p for p in phrases if p.casefold().startswith(wanted)]
    inside = [p for p in phrases if wanted in p.casefold() and p not in starts]
    lead = [canonical] if canonical else []
    return list(dict.fromkeys(lead + starts + inside))[:10]


@router.get("/api/v1/normalize", dependencies=[Open], tags=["normalize"])
async def normalize(request: Request, q: str = "") -> NormalizeOut:
    """How the normalizer reads `q`, with completions (for the case form's autocomplete)."""
    q = q.strip()[:200]
    if not q:
        return NormalizeOut(query=q, recognized=False, reason="empty")
    alt = parse_alteration(q)
    canonical = str(alt) if alt.recognized else None
    return NormalizeOut(
        query=q,
        recognized=alt.recognized,
        gene=alt.gene,
        alteration=alt.alteration,
        kind=alt.kind,
        canonical=canonical,
        reason=alt.reason,
        suggestions=_suggest(context(request).index, q, canonical),
    )


# -- cases -----------------------------------------------------------------------------------


def case_out(view: CaseView) -> CaseOut:
    """The API shape of a stored case."""
    return CaseOut(
        id=view.id,
        revision=view.revision,
        created_at=view.created_at,
        updated_at=view.updated_at,
        kb_version=view.kb_version,
        case=view.case,
        result=MatchResult.model_validate(view.result),
    )


@router.post("/api/v1/cases", status_code=201, tags=["cases"])
def create_case(request: Request, user: User, data: CaseBody) -> CaseOut:
    """Store a case with its match result."""
    return case_out(save_case(context(request), user, data))


@router.get("/api/v1/cases", tags=["cases"])
def list_cases(
    request: Request,
    user: User,
    limit: Annotated[int, Query(ge=1, le=200, description="Cases a page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Cases to skip")] = 0,
) -> CasePage:
    """The cases of your team, newest first, one page at a time (follow `next`)."""
    views, total = context(request).store.page_cases(user, limit, offset)
    following = offset + limit
    return CasePage(
        items=[
            CaseSummary(
                id=v.id,
                revision=v.revision,
                updated_at=v.updated_at,
                kb_version=v.kb_version,
                label=v.case.get("id"),
                tumor_type=str(v.case.get("tumor_type", "")),
                options=len(v.result.get("options", [])),
            )
            for v in views
        ],
        total=total,
        limit=limit,
        offset=offset,
        next=f"/api/v1/cases?limit={limit}&offset={following}" if following < total else None,
    )


@router.get("/api/v1/cases/{case_id}", tags=["cases"])
def read_case(request: Request, user: User, case_id: CaseId) -> CaseOut:
    """One case of your team."""
    return case_out(get_case(context(request), user, case_id))


@router.put("/api/v1/cases/{case_id}", tags=["cases"], responses={409: {"model": ErrorBody}})
def update_case(
    request: Request,
    user: User,
    case_id: CaseId,
    data: CaseBody,
    if_match: Annotated[str | None, Header(description="Revision this edit is based on")] = None,
) -> CaseOut:
    """Replace a case (a new revision, matched again); 409 if If-Match is not the latest."""
    base = int(if_match.strip('"')) if if_match and if_match.strip('"').isdigit() else None
    return case_out(save_case(context(request), user, data, case_id, base))


@router.delete("/api/v1/cases/{case_id}", status_code=204, tags=["cases"])
def delete_case(request: Request, user: User, case_id: CaseId) -> Response:
    """Delete a case and its revisions (the audit log keeps that it happened)."""
    if not context(request).store.delete_case(user, case_id):
        raise CaseNotFound
    return Response(status_code=204)


@router.get("/api/v1/cases/{case_id}/revisions", tags=["cases"])
def case_revisions(request: Request, user: User, case_id: CaseId) -> list[RevisionOut]:
    """Every saved revision of a case, oldest first."""
    revisions = context(request).store.revisions(user, case_id)
    if revisions is None:
        raise CaseNotFound
    return [
        RevisionOut(
            number=r.number,
            saved_at=r.saved_at,
            kb_version=r.kb_version,
            options=[" + ".join(o["drugs"]) for o in r.result.get("options", [])],
        )
        for r in revisions
    ]


@router.post("/api/v1/cases/{case_id}/rematch", tags=["cases"])
def rematch(request: Request, user: User, case_id: CaseId) -> RematchOut:
    """Match the case again with the KB in use now and show what changed."""
    view, diff = rematch_case(context(request), user, case_id)
    return RematchOut(case=case_out(view), diff=diff)


@router.get("/api/v1/cases/{case_id}/diff", tags=["cases"])
def case_diff(request: Request, user: User, case_id: CaseId, base: int = 1) -> CaseDiff:
    """What changed from revision `base` to the latest."""
    revisions = context(request).store.revisions(user, case_id)
    if not revisions:
        raise CaseNotFound
    before = next((r for r in revisions if r.number == base), None)
    if before is None:
        raise HTTPException(404, "no such revision")
    return diff_results(before.result, revisions[-1].result)


# -- annotation jobs -------------------------------------------------------------------------


def job_out(job: JobView) -> JobOut:
    """The API shape of a job, with download links once it is done."""
    url = f"/api/v1/jobs/{job.id}"
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        created_at=job.created_at,
        finished_at=job.finished_at,
        error=job.error,
        url=url,
        files={name: f"{url}/files/{name}" for name in job.files},
    )


@router.post("/api/v1/annotate", status_code=202, tags=["annotate"])
async def annotate(
    request: Request,
    user: User,
    maf: UploadFile,
    tumor_type: Annotated[str | None, Form(description="Default OncoTree code")] = None,
) -> JobOut:
    """Annotate a small MAF in the background; poll the job's `url`, then download `files`."""
    ctx = context(request)
    job_id, path = ctx.jobs.new_upload()
    size = 0
    with path.open("wb") as out:
        while chunk := await maf.read(_CHUNK):
            size += len(chunk)
            if size > ctx.settings.max_upload_bytes:
                ctx.jobs.discard(job_id)
                raise HTTPException(413, f"upload over {ctx.settings.max_upload_bytes} bytes")
            out.write(chunk)
    job = await run_in_threadpool(ctx.jobs.submit, user, job_id, tumor_type or None)
    return job_out(job)


def _job(request: Request, user: UserInfo, job_id: str) -> JobView:
    job = context(request).store.get_job(user, job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return job


@router.get("/api/v1/jobs/{job_id}", tags=["annotate"])
def job_status(request: Request, user: User, job_id: str) -> JobOut:
    """A job's status and, once done, its downloads."""
    return job_out(_job(request, user, job_id))


@router.get("/api/v1/jobs/{job_id}/files/{name}", tags=["annotate"], response_class=FileResponse)
def job_file(request: Request, user: User, job_id: str, name: str) -> FileResponse:
    """One output file of a finished job."""
    path = context(request).jobs.output(_job(request, user, job_id), name)
    if path is None or not path.is_file():
        raise HTTPException(404, "no such file")
    return FileResponse(path, filename=name)
