"""What the API and the pages both do to stored cases: save (match, then store) and rematch.

The routers parse requests and shape answers; this module holds the one way each action is
done. A case of another team, or none, is `CaseNotFound` (HTTP 404 in both routers); a stale
base revision is `RevisionConflict` (HTTP 409).
"""

from __future__ import annotations

from typing import Any

from onconav.web.context import WebContext
from onconav.web.matching import diff_results, match_data
from onconav.web.schemas import CaseDiff
from onconav.web.store import CaseView, RevisionConflict, UserInfo

__all__ = ["CaseNotFound", "RevisionConflict", "get_case", "rematch_case", "save_case"]


class CaseNotFound(LookupError):
    """No case of the caller's team has this id (HTTP 404)."""

    def __init__(self, what: str = "case") -> None:
        super().__init__(f"no such {what}")


def get_case(ctx: WebContext, user: UserInfo, case_id: int, action: str = "case.read") -> CaseView:
    """One case of the user's team (audited as `action`).

    Raises:
        CaseNotFound: the team has no such case.
    """
    view = ctx.store.get_case(user, case_id, action)
    if view is None:
        raise CaseNotFound
    return view


def save_case(ctx: WebContext, user: UserInfo, data: Any, case_id: int | None = None,
              base_revision: int | None = None) -> CaseView:  # fmt: skip
    """Match a case and store it: new, or a new revision of `case_id`.

    Raises:
        CaseError: the case is not valid (the field is named).
        CaseNotFound: `case_id` is not a case of the user's team.
        RevisionConflict: `base_revision` is given and is not the latest.
    """
    case, result = match_data(ctx.index, data)
    case_data = case.model_dump(mode="json", exclude_none=True)
    result_data = result.model_dump(mode="json")
    if case_id is None:
        return ctx.store.create_case(user, case_data, result_data, result.kb_version)
    view = ctx.store.save_revision(
        user, case_id, case_data, result_data, result.kb_version, base_revision=base_revision
    )
    if view is None:
        raise CaseNotFound
    return view


def rematch_case(ctx: WebContext, user: UserInfo, case_id: int) -> tuple[CaseView, CaseDiff]:
    """Match a stored case with the current KB; a new revision only when the result changed.

    Raises:
        CaseNotFound: the team has no such case.
    """
    view = get_case(ctx, user, case_id, "case.rematch")
    _case, result = match_data(ctx.index, view.case)
    new = result.model_dump(mode="json")
    diff = diff_results(view.result, new)
    if new != view.result:
        saved = ctx.store.save_revision(
            user, case_id, view.case, new, result.kb_version, action="case.rematch"
        )
        if saved is None:  # deleted meanwhile
            raise CaseNotFound
        view = saved
    return view, diff
