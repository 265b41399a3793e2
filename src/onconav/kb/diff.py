"""What changed between two knowledge-base versions, entry by entry, with the sources.

`onconav kb diff OLD NEW` prints this as text, Markdown or JSON. Every section is compared
(indications, resistance, contraindications, drugs, mechanisms, genes, biomarkers, tumor types);
an entry is added, removed, or changed with each field before and after. Order within a
section is not a change (it only breaks ties); a change of content is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from onconav.kb.loader import KnowledgeBase
from onconav.kb.snapshot import SnapshotInfo

__all__ = [
    "SECTION_ORDER",
    "EntryChange",
    "FieldChange",
    "KBDiff",
    "diff_json",
    "diff_kbs",
    "diff_markdown",
    "diff_text",
    "entry_label",
]

# Sections in the order a curator reads them: what changes options first.
SECTION_ORDER = (
    "indications",
    "resistance",
    "contraindications",
    "drugs",
    "mechanisms",
    "genes",
    "biomarkers",
    "tumor_types",
)
Change = Literal["added", "removed", "changed"]
_SINGULAR = {
    "indications": "indication",
    "contraindications": "contraindication",
    "drugs": "drug",
    "mechanisms": "mechanism",
    "genes": "gene",
    "biomarkers": "biomarker",
    "tumor_types": "tumor type",
    "resistance": "resistance",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry, before and after (None: absent)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EntryChange:
    """One entry added, removed or changed, with its sources in each version."""

    section: str
    key: str
    change: Change
    label: str
    fields: list[FieldChange] = field(default_factory=list)
    sources_before: list[dict[str, Any]] = field(default_factory=list)
    sources_after: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class KBDiff:
    """The changes from `old` to `new`."""

    old: SnapshotInfo
    new: SnapshotInfo
    changes: list[EntryChange]

    @property
    def empty(self) -> bool:
        """True when no entry differs."""
        return not self.changes

    def counts(self) -> dict[str, dict[str, int]]:
        """Per section: added, removed, changed; for indications also levels and statuses."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            row = out.setdefault(c.section, {"added": 0, "removed": 0, "changed": 0})
            row[c.change] += 1
            for f in c.fields:
                if c.section == "indications" and f.field in ("level", "status"):
                    name = "levels changed" if f.field == "level" else "statuses changed"
                    row[name] = row.get(name, 0) + 1
        return {s: out[s] for s in SECTION_ORDER if s in out}


def _key(section: str, item: BaseModel) -> str:
    data = item.model_dump()
    if section == "resistance":
        context = f" [{data['context']}]" if data.get("context") else ""
        return f"{data['gene']} {data['alteration']} / {data['drug']}{context}"
    for name in ("id", "name", "symbol", "key", "code"):
        if name in data:
            return str(data[name])
    return repr(data)


def entry_label(section: str, item: BaseModel) -> str:
    """A one-line description of an entry, as curators name it."""
    d = item.model_dump()
    if section == "indications":
        what = f"{d['gene']} {', '.join(d['alterations'])}" if d.get("gene") else ""
        what = what or d["biomarker_label"]
        return (
            f"{what}: {' + '.join(d['drugs'])}, level {d['level']} {d['status']}, "
            f"{d['tumor_type']} {d['setting']} {d['line']}"
        )
    if section == "resistance":
        level = f", {d['level']}" if d.get("level") else ""
        what = f"{d['gene']} {d['alteration']} with {d['drug']}"
        return f"{what}: {d['effect']} ({d['evidence']}{level})"
    if section == "contraindications":
        names = ", ".join([*d["drugs"], *(f"class {c}" for c in d["classes"])])
        return f"{d['condition']}: {d['severity']} {names}"
    if section == "drugs":
        return f"{d['name']} ({d['drug_class']}, {d['approval_status']})"
    if section == "mechanisms":
        return f"{d['name']} ({d['kind']})"
    for name in ("name", "symbol", "key", "code"):
        if name in d:
            return str(d[name])
    return _key(section, item)


def _keyed(section: str, items: list[BaseModel]) -> dict[str, BaseModel]:
    out: dict[str, BaseModel] = {}
    seen: Counter[str] = Counter()
    for item in items:
        key = _key(section, item)
        seen[key] += 1
        out[key if seen[key] == 1 else f"{key} #{seen[key]}"] = item
    return out


def _sources(item: BaseModel) -> list[dict[str, Any]]:
    sources = item.model_dump(mode="json", exclude_none=True).get("sources")
    return sources if isinstance(sources, list) else []


def _field_changes(old: BaseModel, new: BaseModel) -> list[FieldChange]:
    a = old.model_dump(mode="json")
    b = new.model_dump(mode="json")
    return [
        FieldChange(name, a.get(name), b.get(name))
        for name in dict.fromkeys([*a, *b])
        if a.get(name) != b.get(name) and name != "sources"
    ]


def _section_changes(section: str, old: list[BaseModel], new: list[BaseModel]) -> list[EntryChange]:
    before = _keyed(section, old)
    after = _keyed(section, new)
    out: list[EntryChange] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is None and b is not None:
            out.append(EntryChange(section, key, "added", entry_label(section, b),
                                   sources_after=_sources(b)))  # fmt: skip
        elif b is None and a is not None:
            out.append(EntryChange(section, key, "removed", entry_label(section, a),
                                   sources_before=_sources(a)))  # fmt: skip
        elif a is not None and b is not None and a.model_dump() != b.model_dump():
            out.append(
                EntryChange(
                    section,
                    key,
                    "changed",
                    entry_label(section, b),
                    _field_changes(a, b),
                    _sources(a),
                    _sources(b),
                )  # fmt: skip
            )
    return out


def diff_kbs(
    old: KnowledgeBase, new: KnowledgeBase, old_info: SnapshotInfo, new_info: SnapshotInfo
) -> KBDiff:
    """Every entry added, removed or changed from `old` to `new`, section by section."""
    changes: list[EntryChange] = []
    for section in SECTION_ORDER:
        changes += _section_changes(section, getattr(old, section), getattr(new, section))
    return KBDiff(old_info, new_info, changes)


# -- formats -------------------------------------------------------------------------------------


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    import orjson

    return orjson.dumps(value).decode()


def _source_text(source: dict[str, Any]) -> str:
    bits = [str(source.get("kind", "")), str(source.get("id", ""))]
    bits += [str(source[k]) for k in ("journal", "year") if source.get(k)]
    return " ".join(bits)


def _sources_line(change: EntryChange) -> str:
    before = "; ".join(_source_text(s) for s in change.sources_before)
    after = "; ".join(_source_text(s) for s in change.sources_after)
    if change.change == "added":
        return f"sources: {after}"
    if change.change == "removed" or before == after:
        return f"sources: {before}"
    return f"sources before: {before}\nsources after: {after}"


def _header(d: KBDiff) -> str:
    return f"KB {d.old.label} -> {d.new.label}"


def diff_text(d: KBDiff) -> str:
    """The diff for a terminal: a count line per section, then each change."""
    lines = [_header(d)]
    if d.empty:
        return "\n".join([*lines, "no differences"])
    for section, row in d.counts().items():
        lines.append(f"  {section}: " + ", ".join(f"{n} {k}" for k, n in row.items() if n))
    for c in d.changes:
        lines += [
            "",
            f"{c.change.upper()} {_SINGULAR.get(c.section, c.section)} {c.key}: {c.label}",
        ]
        for f in c.fields:
            lines.append(f"  {f.field}: {_value(f.before)} -> {_value(f.after)}")
        lines += ["  " + line for line in _sources_line(c).split("\n")]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def diff_markdown(d: KBDiff) -> str:
    """The diff as a Markdown document: a summary table, then a section per KB section."""
    lines = [f"# {_header(d)}", ""]
    if d.empty:
        return "\n".join([*lines, "No differences."])
    lines += ["| section | added | removed | changed |", "|---|---|---|---|"]
    for section, row in d.counts().items():
        lines.append(f"| {section} | {row['added']} | {row['removed']} | {row['changed']} |")
    for section in SECTION_ORDER:
        mine = [c for c in d.changes if c.section == section]
        if not mine:
            continue
        lines += ["", f"## {section}", ""]
        for c in mine:
            lines.append(f"- **{c.change}** `{c.key}`: {_md(c.label)}")
            for f in c.fields:
                lines.append(f"  - {f.field}: {_md(_value(f.before))} → {_md(_value(f.after))}")
            lines += [f"  - {_md(line)}" for line in _sources_line(c).split("\n")]
    return "\n".join(lines)


def _info_json(info: SnapshotInfo) -> dict[str, Any]:
    return {
        "kb_version": info.kb_version,
        "kb_date": info.kb_date,
        "content_hash": info.content_hash,
        "source": info.source,
    }


def diff_json(d: KBDiff) -> dict[str, Any]:
    """The diff as plain data for tools."""
    return {
        "old": _info_json(d.old),
        "new": _info_json(d.new),
        "empty": d.empty,
        "counts": d.counts(),
        "changes": [
            {
                "section": c.section,
                "key": c.key,
                "change": c.change,
                "label": c.label,
                "fields": [
                    {"field": f.field, "before": f.before, "after": f.after} for f in c.fields
                ],
                "sources_before": c.sources_before,
                "sources_after": c.sources_after,
            }
            for c in d.changes
        ],
    }
