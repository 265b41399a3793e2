"""How one case's result changes between two knowledge bases (or two stored results).

Used by `onconav match --kb OLD --compare-kb NEW` and by the web's "affected by the KB" list.
It works on results as plain data (`MatchResult.model_dump(mode="json")`), so a result stored
months ago compares with one made now. Options are matched by their drugs (one option per drug
set), avoid entries by their drugs too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from onconav.kb.models import LEVELS

__all__ = [
    "EntryDelta",
    "ResultDelta",
    "compare_results",
    "delta_json",
    "delta_markdown",
    "delta_text",
    "highest_level",
]

Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class EntryDelta:
    """An option or avoid entry that appears, disappears or changes level or status."""

    kind: Literal["option", "avoid"]
    change: Change
    drugs: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def text(self) -> str:
        """`osimertinib: level 1 recommended -> level 2 consider` and the like."""
        a = _state(self.kind, self.before)
        b = _state(self.kind, self.after)
        what = "option" if self.kind == "option" else "avoid"
        if self.change == "added":
            return f"new {what} {self.drugs} ({b})"
        if self.change == "removed":
            return f"{what} gone: {self.drugs} (was {a})"
        return f"{what} {self.drugs}: {a} -> {b}"


@dataclass(frozen=True)
class ResultDelta:
    """Everything that differs for one case between two results."""

    case_id: str | None
    kb_before: dict[str, str]
    kb_after: dict[str, str]
    highest_before: str | None
    highest_after: str | None
    entries: list[EntryDelta] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when an option or avoid entry differs."""
        return bool(self.entries)


def _state(kind: str, entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "-"
    if kind == "option":
        return f"level {entry.get('level')} {entry.get('status')}"
    level = entry.get("level")
    return f"{entry.get('kind')}{f' {level}' if level else ''}"


def _drugs(entry: dict[str, Any]) -> str:
    return " + ".join(entry.get("drugs", []))


def highest_level(result: dict[str, Any]) -> str | None:
    """The best sensitivity level among a result's options (None: no option)."""
    levels = [o.get("level") for o in result.get("options", [])]
    ranked = [lv for lv in LEVELS if lv in levels]
    return ranked[0] if ranked else None


def _compare(kind: Literal["option", "avoid"], before: list[dict[str, Any]],
             after: list[dict[str, Any]], keys: tuple[str, ...]) -> list[EntryDelta]:  # fmt: skip
    old = {_drugs(e): e for e in before}
    new = {_drugs(e): e for e in after}
    out = []
    for name, entry in new.items():
        prior = old.get(name)
        if prior is None:
            out.append(EntryDelta(kind, "added", name, None, _pick(entry, keys)))
        elif any(prior.get(k) != entry.get(k) for k in keys):
            out.append(EntryDelta(kind, "changed", name, _pick(prior, keys), _pick(entry, keys)))
    out += [
        EntryDelta(kind, "removed", name, _pick(entry, keys), None)
        for name, entry in old.items()
        if name not in new
    ]
    return out


def _pick(entry: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: entry.get(k) for k in keys}


def _kb(result: dict[str, Any]) -> dict[str, str]:
    return {
        "kb_version": str(result.get("kb_version", "")),
        "kb_hash": str(result.get("kb_hash", "")),
    }


def compare_results(before: dict[str, Any], after: dict[str, Any]) -> ResultDelta:
    """What changes for one case from result `before` to result `after` (plain data)."""
    entries = _compare("option", before.get("options", []), after.get("options", []),
                       ("level", "status", "indication_id"))  # fmt: skip
    entries += _compare("avoid", before.get("avoid", []), after.get("avoid", []),
                        ("level", "kind"))  # fmt: skip
    return ResultDelta(
        case_id=after.get("case_id", before.get("case_id")),
        kb_before=_kb(before),
        kb_after=_kb(after),
        highest_before=highest_level(before),
        highest_after=highest_level(after),
        entries=entries,
    )


def delta_json(delta: ResultDelta) -> dict[str, Any]:
    """The delta as plain data (one JSON object per case)."""
    return {
        "case_id": delta.case_id,
        "kb_before": delta.kb_before,
        "kb_after": delta.kb_after,
        "changed": delta.changed,
        "highest_level_before": delta.highest_before,
        "highest_level_after": delta.highest_after,
        "changes": [
            {
                "kind": e.kind,
                "change": e.change,
                "drugs": e.drugs,
                "before": e.before,
                "after": e.after,
                "text": e.text,
            }  # fmt: skip
            for e in delta.entries
        ],
    }


def _title(delta: ResultDelta) -> str:
    name = delta.case_id or "case"
    return (
        f"{name}: KB {delta.kb_before['kb_version']} -> {delta.kb_after['kb_version']}, "
        f"highest level {delta.highest_before or '-'} -> {delta.highest_after or '-'}"
    )


def delta_text(delta: ResultDelta) -> str:
    """The delta for a terminal."""
    lines = [_title(delta)]
    lines += [f"  {e.text}" for e in delta.entries] or ["  no change"]
    return "\n".join(lines)


def delta_markdown(delta: ResultDelta) -> str:
    """The delta as a Markdown section."""
    lines = [f"## {_title(delta)}", ""]
    lines += [f"- {e.text}" for e in delta.entries] or ["No change."]
    return "\n".join(lines)
