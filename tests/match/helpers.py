"""Small helpers for engine tests: run a case dict, look into the result."""

from __future__ import annotations

from typing import Any

from onconav.kb.index import get_index
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.match.models import MatchResult


def run(**case: Any) -> MatchResult:
    case.setdefault("tumor_type", "LUAD")
    case.setdefault("alterations", [])
    return match_case(get_index(), case_from_data(case))


def options_with(result: MatchResult, *drugs: str) -> list:
    return [o for o in result.options if set(drugs) <= set(o.drugs)]


def best_level(result: MatchResult, drug: str) -> str | None:
    levels = [o.level for o in options_with(result, drug)]
    order = ["1", "2", "3A", "3B", "4"]
    return min(levels, key=order.index) if levels else None


def avoided(result: MatchResult) -> dict[str, Any]:
    return {d: a for a in result.avoid for d in a.drugs}


def recommended_drugs(result: MatchResult) -> set[str]:
    return {d for o in result.options if o.status == "recommended" for d in o.drugs}
