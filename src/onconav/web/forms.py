"""The case form: form fields to a case (case.md) and back, for new and edited cases.

Alterations are one a line; history is one line of therapy a line, `drug + drug: outcome`.
Validation is the core's (`case_from_data`); this module only reshapes.
"""

from __future__ import annotations

from typing import Any, get_args

from starlette.datastructures import FormData

from onconav.kb.models import Condition
from onconav.match.models import Setting, Stage

__all__ = ["CONDITIONS", "OUTCOMES", "SETTINGS", "STAGES", "case_from_form", "form_from_case"]

CONDITIONS: tuple[str, ...] = get_args(Condition)
SETTINGS: tuple[str, ...] = get_args(Setting)
STAGES: tuple[str, ...] = get_args(Stage)
OUTCOMES = ("progression", "intolerance", "ongoing", "completed")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _history(text: str) -> list[dict[str, Any]]:
    entries = []
    for line in _lines(text):
        drugs, _, outcome = line.partition(":")
        entry: dict[str, Any] = {"drugs": [d.strip() for d in drugs.split("+") if d.strip()]}
        if outcome.strip():
            entry["outcome"] = outcome.strip().lower()
        entries.append(entry)
    return entries


def _biomarkers(form: FormData) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tps = _text(form, "pd_l1_tps")
    if tps:
        try:
            out["pd_l1_tps"] = float(tps)
        except ValueError:
            out["pd_l1_tps"] = tps  # the core names the field and says why
    her2 = _text(form, "her2_ihc")
    if her2:
        out["her2_ihc"] = her2
    return out


def case_from_form(form: FormData) -> dict[str, Any]:
    """The case a submitted form describes (not yet validated)."""
    data: dict[str, Any] = {
        "tumor_type": _text(form, "tumor_type"),
        "setting": _text(form, "setting") or "metastatic",
        "alterations": _lines(_text(form, "alterations")),
        "history": _history(_text(form, "history")),
        "conditions": [c for c in form.getlist("conditions") if isinstance(c, str)],
    }
    for name, key in (("label", "id"), ("stage", "stage")):
        if _text(form, name):
            data[key] = _text(form, name)
    biomarkers = _biomarkers(form)
    if biomarkers:
        data["biomarkers"] = biomarkers
    return data


def _alteration_text(item: Any) -> str:
    if isinstance(item, dict):
        return f"{item.get('gene', '')} {item.get('alteration', '')}".strip()
    return str(item)


def form_from_case(case: dict[str, Any]) -> dict[str, Any]:
    """Form values that show a stored (or just submitted) case."""
    biomarkers = case.get("biomarkers") or {}
    history = []
    for entry in case.get("history") or []:
        drugs = " + ".join(entry.get("drugs") or [])
        history.append(f"{drugs}: {entry['outcome']}" if entry.get("outcome") else drugs)
    tps = biomarkers.get("pd_l1_tps")
    return {
        "label": case.get("id") or "",
        "tumor_type": case.get("tumor_type") or "",
        "stage": case.get("stage") or "",
        "setting": case.get("setting") or "metastatic",
        "alterations": "\n".join(_alteration_text(a) for a in case.get("alterations") or []),
        "history": "\n".join(history),
        "conditions": list(case.get("conditions") or []),
        "pd_l1_tps": "" if tps is None else f"{tps:g}" if isinstance(tps, float) else str(tps),
        "her2_ihc": biomarkers.get("her2_ihc") or "",
    }
