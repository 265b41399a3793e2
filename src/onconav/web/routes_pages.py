"""The web pages: log in, the case list, the case form, the result page, patient view, report.

Server-rendered with jinja2 (autoescaped); forms work without JavaScript, and `static/app.js`
adds the alteration autocomplete. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from onconav.errors import OnconavError
from onconav.match.caseio import case_from_data
from onconav.match.models import MatchResult
from onconav.report.render import render_pdf, render_report
from onconav.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    client_address,
    page_caller,
)
from onconav.web.context import context
from onconav.web.forms import (
    CONDITIONS,
    OUTCOMES,
    SETTINGS,
    STAGES,
    case_from_form,
    form_from_case,
)
from onconav.web.schemas import CaseDiff, CaseId
from onconav.web.security import canonical_username, new_token, same_token
from onconav.web.service import CaseNotFound, get_case, rematch_case, save_case
from onconav.web.store import CaseView

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PageCaller = Annotated[Caller, Depends(page_caller)]
_LUNG_CODES = ("NSCLC", "LUAD", "LUSC", "LUAS", "LCLC", "LUNE")
_PAGE_SIZE = 50
# A local path: one "/", then no "/" or "\\" (which browsers read as "//", another host), and
# printable ASCII only (no control characters, no spaces).
_LOCAL_PATH = re.compile(r"/(?![/\\])[!-~]{0,2000}")
_PATIENT_NAV = (
    '<nav class="screen-only" aria-label="Case" style="padding:0.5rem 0;">'
    '<a href="/cases/{id}">Back to the clinician view</a> · '
    '<a href="/cases/{id}/report?audience=patient&amp;format=pdf">Download PDF</a></nav>'
)


def _page(request: Request, name: str, caller: Caller | None, status: int = 200,
          **values: Any) -> HTMLResponse:  # fmt: skip
    index = context(request).index
    values.update(caller=caller, kb=index.kb.meta, kb_hash=index.info.short_hash)
    return context(request).templates.TemplateResponse(request, name, values, status_code=status)


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else "/" (no open redirect)."""
    if target and _LOCAL_PATH.fullmatch(target) and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    """The login form (a double-submit CSRF cookie guards it)."""
    token = new_token()
    response = _page(request, "login.html.j2", None, next=_safe_next(next), csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password; start a session, or show the form again.

    Too many failures from one address: 429. Many failures on one account: each further try
    waits a little before the password is checked (slowed down, never locked).
    """
    ctx = context(request)
    address = client_address(request.scope, ctx.settings.trusted_proxies)
    wait = await run_in_threadpool(ctx.limiter.address_wait, address)
    if wait:
        await run_in_threadpool(ctx.store.record, "login.limited", "-", client=address)
        raise HTTPException(429, "too many failed logins", headers={"Retry-After": str(wait)})
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise HTTPException(403, "missing or wrong CSRF token")
    key = canonical_username(username)
    delay = await run_in_threadpool(ctx.limiter.account_delay, key)
    if delay:
        await asyncio.sleep(delay)
    user = await run_in_threadpool(ctx.accounts.authenticate, username, password)
    if user is None:
        await run_in_threadpool(ctx.limiter.failed, address, key)
        await run_in_threadpool(ctx.store.record, "login.failed", key or "-", client=address)
        return _page(request, "login.html.j2", None, 401, next=_safe_next(next),
                     csrf=csrf_token, error="Wrong user name or password.")  # fmt: skip
    await run_in_threadpool(ctx.limiter.succeeded, key)
    await run_in_threadpool(ctx.store.record, "login.ok", user.username, user_id=user.id,
                            client=address)  # fmt: skip
    token, _csrf = await run_in_threadpool(ctx.accounts.open_session, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        max_age=int(ctx.settings.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, caller: PageCaller) -> Response:
    """End the session."""
    context(request).accounts.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home() -> Response:
    """The case list is the home page."""
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases")
def case_list(request: Request, caller: PageCaller, page: int = 1) -> HTMLResponse:
    """The team's cases, newest first, 50 a page (`?page=2`), and how many a KB change affects."""
    from onconav.web.routes_kbchanges import affected_count

    page = min(max(page, 1), 1_000_000)
    store = context(request).store
    cases, total = store.page_cases(caller.user, _PAGE_SIZE, (page - 1) * _PAGE_SIZE)
    pages = max(1, -(-total // _PAGE_SIZE))
    affected = affected_count(request, store.list_cases(caller.user))
    return _page(request, "cases.html.j2", caller, cases=cases, total=total, page=page,
                 pages=pages, affected=affected)  # fmt: skip


def _form_page(request: Request, caller: Caller, values: dict[str, Any], action: str,
               error: OnconavError | None = None) -> HTMLResponse:  # fmt: skip
    return _page(
        request,
        "case_form.html.j2",
        caller,
        422 if error else 200,
        form=values,
        action=action,
        error=error,
        conditions=CONDITIONS,
        settings=SETTINGS,
        stages=STAGES,
        outcomes=OUTCOMES,
        tumor_types=_LUNG_CODES,
    )


@router.get("/cases/new")
def new_case_form(request: Request, caller: PageCaller) -> HTMLResponse:
    """An empty case form."""
    return _form_page(request, caller, form_from_case({}), "/cases/new")


async def _submit(request: Request, caller: Caller, case_id: int | None) -> Response:
    data = case_from_form(await request.form())
    action = f"/cases/{case_id}/edit" if case_id else "/cases/new"
    try:
        view = await run_in_threadpool(save_case, context(request), caller.user, data, case_id)
    except OnconavError as exc:
        return _form_page(request, caller, form_from_case(data), action, exc)
    return RedirectResponse(f"/cases/{view.id}", status_code=303)


@router.post("/cases/new")
async def create_case(request: Request, caller: PageCaller) -> Response:
    """Match and store the submitted case, then show its result."""
    return await _submit(request, caller, None)


def _case(request: Request, caller: Caller, case_id: CaseId, action: str = "case.read") -> CaseView:
    return get_case(context(request), caller.user, case_id, action)


@router.get("/cases/{case_id}/edit")
def edit_case_form(request: Request, caller: PageCaller, case_id: CaseId) -> HTMLResponse:
    """The case form, filled in."""
    view = _case(request, caller, case_id)
    return _form_page(request, caller, form_from_case(view.case), f"/cases/{case_id}/edit")


@router.post("/cases/{case_id}/edit")
async def edit_case(request: Request, caller: PageCaller, case_id: CaseId) -> Response:
    """Save the edited case as a new revision."""
    return await _submit(request, caller, case_id)


@router.post("/cases/{case_id}/delete")
def delete_case(request: Request, caller: PageCaller, case_id: CaseId) -> Response:
    """Delete a case."""
    if not context(request).store.delete_case(caller.user, case_id):
        raise CaseNotFound
    return RedirectResponse("/cases", status_code=303)


def _result_page(request: Request, caller: Caller, view: CaseView,
                 diff: CaseDiff | None = None) -> HTMLResponse:  # fmt: skip
    index = context(request).index
    result = MatchResult.model_validate(view.result)
    names = {d for o in result.options for d in o.drugs} | {
        d for a in result.avoid for d in a.drugs
    }
    drugs = {n: index.drugs[n] for n in names if n in index.drugs}
    return _page(request, "result.html.j2", caller, view=view, result=result, drugs=drugs,
                 diff=diff)  # fmt: skip


@router.get("/cases/{case_id}")
def case_page(request: Request, caller: PageCaller, case_id: CaseId) -> HTMLResponse:
    """The result page (clinician view): options, avoid list, rationale, citations."""
    return _result_page(request, caller, _case(request, caller, case_id))


@router.post("/cases/{case_id}/rematch")
def rematch(request: Request, caller: PageCaller, case_id: CaseId) -> HTMLResponse:
    """Match the case again with the current KB and show what changed."""
    view, diff = rematch_case(context(request), caller.user, case_id)
    return _result_page(request, caller, view, diff)


def _report_html(
    request: Request, view: CaseView, audience: Literal["clinician", "patient"]
) -> str:
    index = context(request).index
    result = MatchResult.model_validate(view.result)
    return render_report(result, index, audience, "html", case=case_from_data(view.case))


@router.get("/cases/{case_id}/patient")
def patient_page(request: Request, caller: PageCaller, case_id: CaseId) -> HTMLResponse:
    """The patient view: the patient report in plain words, with a way back."""
    view = _case(request, caller, case_id, "case.read.patient")
    html = _report_html(request, view, "patient")
    nav = _PATIENT_NAV.format(id=view.id)
    return HTMLResponse(html.replace('<body class="patient">', f'<body class="patient">{nav}', 1))


@router.get("/cases/{case_id}/report")
def report(
    request: Request,
    caller: PageCaller,
    case_id: CaseId,
    audience: Literal["clinician", "patient"] = "clinician",
    format: Literal["html", "pdf", "markdown"] = "pdf",
) -> Response:
    """The report of a case as a download: `?audience=patient&format=pdf`."""
    view = _case(request, caller, case_id, "case.report")
    if format == "markdown":
        result = MatchResult.model_validate(view.result)
        text = render_report(result, context(request).index, audience, "markdown")
        return Response(text, media_type="text/markdown; charset=utf-8")
    html = _report_html(request, view, audience)
    if format == "html":
        return HTMLResponse(html)
    headers = {"Content-Disposition": f'attachment; filename="case-{case_id}-{audience}.pdf"'}
    return Response(render_pdf(html), media_type="application/pdf", headers=headers)
