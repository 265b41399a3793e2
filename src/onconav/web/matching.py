"""Match a posted case, and compare two stored results of one case (the re-match view)."""

from __future__ import annotations

from typing import Any

from onconav.kb.index import KBIndex
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.match.models import Case, MatchResult
from onconav.web.schemas import CaseDiff

__all__ = ["diff_results", "match_data", "option_label"]


def match_data(index: KBIndex, data: Any) -> tuple[Case, MatchResult]:
    """Validate a decoded case and match it.

    Raises:
        CaseError: the case is not valid (the field is named).
        TumorTypeError: the tumor type is unknown.
    """
    case = case_from_data(data, file="case")
    return case, match_case(index, case)


def option_label(option: dict[str, Any]) -> str:
    """`osimertinib (level 1, recommended)`: an option in one line."""
    return f"{' + '.join(option['drugs'])} (level {option['level']}, {option['status']})"


def _drugs(entry: dict[str, Any]) -> str:
    return " + ".join(entry["drugs"])


def diff_results(before: dict[str, Any], after: dict[str, Any]) -> CaseDiff:
    """What changed in the options and the avoid list from one result to another."""
    old = {_drugs(o): option_label(o) for o in before.get("options", [])}
    new = {_drugs(o): option_label(o) for o in after.get("options", [])}
    old_avoid = {_drugs(a) for a in before.get("avoid", [])}
    new_avoid = {_drugs(a) for a in after.get("avoid", [])}
    added = [new[k] for k in new if k not in old]
    removed = [old[k] for k in old if k not in new]
    changed = [f"{old[k]} -> {new[k]}" for k in new if k in old and old[k] != new[k]]
    avoid_added = sorted(new_avoid - old_avoid)
    avoid_removed = sorted(old_avoid - new_avoid)
    return CaseDiff(
        kb_version_before=str(before.get("kb_version", "")),
        kb_version_after=str(after.get("kb_version", "")),
        options_added=added,
        options_removed=removed,
        options_changed=changed,
        avoid_added=avoid_added,
        avoid_removed=avoid_removed,
        changed=bool(added or removed or changed or avoid_added or avoid_removed),
    )
