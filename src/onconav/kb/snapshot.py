"""Knowledge-base snapshots: one sorted JSON document per KB version, with a content hash.

A snapshot is what `onconav kb export --format json` prints (contract: kb-export.md) and what
`--kb` reads besides a folder. It is built generically from the pydantic models, so a field the
schema gains flows into snapshots without code here. Reading a snapshot:

1. the JSON must be an onconav snapshot (`snapshot_format`, or a legacy export with
   `kb_version` and the sections; anything else is foreign);
2. an older `snapshot_format` is upgraded in memory, step by step (`_UPGRADES`); fields the
   schema gained since then take their defaults when the items are validated;
3. every item is validated by today's models, then the cross-references are checked;
4. the `content_hash` must match the content: an edited or damaged file is refused;
5. rules added to the schema later (`VERSIONED_RULES`, e.g. checked provenance of approvals)
   fail a snapshot as new as the rule, and only warn on an older one: it is history.

The hash covers the meta and the sections in canonical form (sorted keys, sorted entries,
fields at their default left out), so a schema that grows by fields with defaults keeps the
hash of old content.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from onconav.errors import KBError, KBProblem, KBValidationError
from onconav.kb.loader import SECTIONS, KnowledgeBase, Origins
from onconav.kb.models import KBMeta

__all__ = [
    "HASH_SCHEME",
    "SNAPSHOT_FORMAT",
    "VERSIONED_RULES",
    "LoadedKB",
    "SnapshotInfo",
    "VersionedRule",
    "apply_versioned_rules",
    "canonical_hash",
    "dumps_snapshot",
    "parse_snapshot",
    "read_snapshot",
    "snapshot_data",
    "version_key",
]

_logger = logging.getLogger(__name__)

# The layout of a snapshot document. Bump it when a field is renamed or removed, or a new field
# has no default, and add the step from the previous format to `_UPGRADES`.
SNAPSHOT_FORMAT = 1
# How `canonical_hash` reads a KB; bump when it changes (it keys the cached hash of a folder).
HASH_SCHEME = 1
# Fields an export adds for readers that are not part of the model (kb-export.md).
_DERIVED: dict[str, frozenset[str]] = {"indications": frozenset({"alteration"})}
_TOP_KEYS = frozenset(
    {
        "snapshot_format",
        "kb_version",
        "kb_date",
        "content_hash",
        "meta",
        "order",
        "built_from",
        "disclaimer",
    }
)
_HASH_PREFIX = "sha256:"
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")


def version_key(version: str) -> tuple[int, ...]:
    """`2026.12.3` as (2026, 12, 3), for ordering CalVer versions (unparsable sorts first)."""
    if not _VERSION.match(version):
        return (0,)
    return tuple(int(p) for p in version.split("."))


def _entry_key(section: str, item: dict[str, Any]) -> tuple[str, ...]:
    """The sort key of one entry: its identifier, or the fields that name it."""
    if section == "resistance":
        return (
            str(item.get("gene", "")),
            str(item.get("alteration", "")),
            str(item.get("drug", "")),
            str(item.get("context") or ""),
            str(item.get("effect", "")),
        )
    for name in ("id", "name", "symbol", "key", "code"):
        if name in item:
            return (str(item[name]),)
    return ("",)


@dataclass(frozen=True)
class SnapshotInfo:
    """Which knowledge base a result came from: version, date, content hash and origin."""

    kb_version: str
    kb_date: str
    content_hash: str
    source: str
    snapshot_format: int = SNAPSHOT_FORMAT
    commit: str | None = None

    @property
    def short_hash(self) -> str:
        """`sha256:` and the first 12 hex digits: enough to tell versions apart in print."""
        return self.content_hash[: len(_HASH_PREFIX) + 12]

    @property
    def label(self) -> str:
        """`2026.12.3 (sha256:0123456789ab)`: how outputs name the KB."""
        return f"{self.kb_version} ({self.short_hash})"


@dataclass(frozen=True)
class LoadedKB:
    """A knowledge base read from a folder or a snapshot, with warnings found on the way."""

    kb: KnowledgeBase
    info: SnapshotInfo
    warnings: list[KBProblem] = field(default_factory=list)


# -- writing -------------------------------------------------------------------------------------


def _dump(model: BaseModel, *, canonical: bool) -> dict[str, Any]:
    if canonical:
        return model.model_dump(mode="json", exclude_defaults=True)
    return model.model_dump(mode="json", exclude_none=True)


def _ordering(kb: KnowledgeBase) -> dict[str, list[int]]:
    """For each section, the indexes of its entries in sorted order."""
    out = {}
    for section in SECTIONS:
        keys = [_entry_key(section, _dump(m, canonical=False)) for m in getattr(kb, section)]
        out[section] = sorted(range(len(keys)), key=keys.__getitem__)
    return out


def _curated_order(sorted_idx: list[int]) -> list[int]:
    """Where each entry, in the KB's own order, sits in the sorted list (the inverse order)."""
    pos = [0] * len(sorted_idx)
    for place, original in enumerate(sorted_idx):
        pos[original] = place
    return pos


def _sections(
    kb: KnowledgeBase, *, canonical: bool, ordering: dict[str, list[int]]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        models = getattr(kb, section)
        out[section] = [_dump(models[i], canonical=canonical) for i in ordering[section]]
    return out


def _body(kb: KnowledgeBase, *, canonical: bool) -> dict[str, Any]:
    ordering = _ordering(kb)
    return {
        "meta": _dump(kb.meta, canonical=canonical),
        **_sections(kb, canonical=canonical, ordering=ordering),
        "order": {s: _curated_order(idx) for s, idx in ordering.items()},
    }


def canonical_hash(kb: KnowledgeBase) -> str:
    """The content hash of a KB: sha256 of its canonical JSON (see the module docstring)."""
    import orjson

    digest = hashlib.sha256(orjson.dumps(_body(kb, canonical=True), option=orjson.OPT_SORT_KEYS))
    return _HASH_PREFIX + digest.hexdigest()


def snapshot_data(kb: KnowledgeBase, *, commit: str | None = None) -> dict[str, Any]:
    """The snapshot of `kb` as plain data: the kb-export.md keys, sorted, with format and hash.

    Args:
        kb: the knowledge base.
        commit: the git commit the data was read from (shipped history snapshots name it).
    """
    body = _body(kb, canonical=False)
    for item in body["indications"]:
        alterations = item.get("alterations") or []
        item["alteration"] = ", ".join(alterations) if alterations else None
    data: dict[str, Any] = {
        "snapshot_format": SNAPSHOT_FORMAT,
        "kb_version": kb.meta.kb_version,
        "kb_date": kb.meta.kb_date.isoformat(),
        "content_hash": canonical_hash(kb),
        "disclaimer": kb.meta.disclaimer,
        **body,
    }
    if commit:
        data["built_from"] = {"git_commit": commit}
    return data


def dumps_snapshot(data: dict[str, Any]) -> bytes:
    """The snapshot as bytes: sorted keys, two-space indent, a final newline (stable output)."""
    import orjson

    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


# -- versioned rules -----------------------------------------------------------------------------

RuleCheck = Callable[[KnowledgeBase, Origins], list[KBProblem]]


@dataclass(frozen=True)
class VersionedRule:
    """A validation rule the schema gained at KB version `since`.

    A KB of version `since` or later must pass it (its problems are errors); an older snapshot
    is history, written before the rule existed, so its problems are warnings.
    """

    name: str
    since: str
    check: RuleCheck


# Rules newer than the first KB release. `kb validate` and the snapshot reader run them.
VERSIONED_RULES: list[VersionedRule] = []


def apply_versioned_rules(
    kb: KnowledgeBase, origins: Origins, rules: list[VersionedRule] | None = None
) -> tuple[list[KBProblem], list[KBProblem]]:
    """Run the versioned rules on `kb`: (errors, warnings) by the KB's version."""
    errors: list[KBProblem] = []
    warnings: list[KBProblem] = []
    mine = version_key(kb.meta.kb_version)
    for rule in VERSIONED_RULES if rules is None else rules:
        found = rule.check(kb, origins)
        if mine >= version_key(rule.since):
            errors.extend(found)
        else:
            warnings.extend(
                KBProblem(
                    p.file,
                    p.line,
                    f"{p.message} [{rule.name}, a rule since KB "
                    f"{rule.since}: a warning on history]",
                )  # fmt: skip
                for p in found
            )
    return errors, warnings


# -- reading -------------------------------------------------------------------------------------


def _upgrade_legacy(data: dict[str, Any]) -> dict[str, Any]:
    """Format 0 (an export from before snapshots: no meta, no hash) to format 1."""
    out = dict(data)
    out["meta"] = {
        "kb_version": data.get("kb_version"),
        "kb_date": data.get("kb_date"),
        "title": "onconav knowledge base",
        "disclaimer": data.get("disclaimer")
        or "onconav supports, and does not replace, the treating oncologist's judgement.",
        "patient_disclaimer": "This report helps you talk with your care team.",
    }
    out["snapshot_format"] = 1
    return out


# Upgrade steps: format n to n + 1, applied in order up to SNAPSHOT_FORMAT.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _upgrade_legacy}


def _decode(raw: bytes, name: str) -> dict[str, Any]:
    import orjson

    if raw[:2] == b"\x1f\x8b":
        import gzip

        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise KBError(f"not a readable gzip file ({exc})", file=name) from exc
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise KBError(f"not a KB snapshot: not JSON ({exc})", file=name) from exc
    if not isinstance(data, dict):
        raise KBError("not a KB snapshot: the JSON is not an object", file=name)
    return data


def _format_of(data: dict[str, Any], name: str) -> int:
    fmt = data.get("snapshot_format")
    if fmt is None:
        if "kb_version" in data and "indications" in data and "drugs" in data:
            return 0
        raise KBError(
            "not an onconav KB snapshot (no 'snapshot_format'; made by `onconav kb export`?)",
            file=name,
        )
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise KBError(f"snapshot_format: expected a whole number, got {fmt!r}", file=name)
    if fmt > SNAPSHOT_FORMAT:
        raise KBError(
            f"snapshot_format {fmt} is newer than this onconav reads ({SNAPSHOT_FORMAT}); "
            "upgrade onconav",
            file=name,
        )
    return fmt


def _validate(data: dict[str, Any], name: str) -> tuple[KnowledgeBase, Origins, list[KBProblem]]:
    problems: list[KBProblem] = []
    origins: Origins = {}
    unknown = sorted(k for k in data if k not in SECTIONS and k not in _TOP_KEYS)
    if unknown:
        problems.append(KBProblem(name, None, f"unknown key {unknown[0]!r}"))
    try:
        meta = KBMeta.model_validate(data.get("meta"))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise KBError(f"meta{'.' + where if where else ''}: {err['msg']}", file=name) from exc
    sections: dict[str, list[BaseModel]] = {}
    for section, model in SECTIONS.items():
        items = data.get(section, [])
        if not isinstance(items, list):
            problems.append(KBProblem(name, None, f"{section}: expected a list"))
            items = []
        sections[section] = []
        drop = _DERIVED.get(section, frozenset())
        for i, item in enumerate(items):
            where = f"{name}: {section}[{i}]"
            if not isinstance(item, dict):
                problems.append(KBProblem(where, None, "expected an object"))
                continue
            try:
                valid = model.model_validate({k: v for k, v in item.items() if k not in drop})
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(KBProblem(where, None, f"{loc}: {err['msg']}"))
                continue
            origins[(section, len(sections[section]))] = (where, 0)
            sections[section].append(valid)
    if not problems:
        problems.extend(_reorder(data.get("order"), sections, origins, name))
    kb = KnowledgeBase.model_construct(meta=meta, **sections)  # type: ignore[arg-type]
    return kb, origins, problems


def _reorder(
    order: Any, sections: dict[str, list[BaseModel]], origins: Origins, name: str
) -> list[KBProblem]:
    """Put each section back in the KB's own order (it breaks ties between equal options)."""
    if order is None:
        return []
    if not isinstance(order, dict):
        return [KBProblem(name, None, "order: expected an object")]
    for section, items in sections.items():
        perm = order.get(section, list(range(len(items))))
        if not isinstance(perm, list) or sorted(perm) != list(range(len(items))):
            return [KBProblem(name, None, f"order.{section}: not an order of its {len(items)} "
                              "entries")]  # fmt: skip
        sections[section] = [items[p] for p in perm]
        for i, p in enumerate(perm):
            origins[(section, i)] = (f"{name}: {section}[{p}]", 0)
    return []


def parse_snapshot(raw: bytes, name: str, *, source: str | None = None) -> LoadedKB:
    """Read a snapshot from its bytes (JSON, gzip-compressed or not).

    Args:
        raw: the file's bytes.
        name: the file name, for messages.
        source: how outputs name the origin (default: the file name).

    Raises:
        KBError: not a snapshot, a newer format, or a hash that does not match.
        KBValidationError: entries that today's schema or cross-references reject.
    """
    from onconav.kb.validate import cross_check

    data = _decode(raw, name)
    fmt = _format_of(data, name)
    for step in range(fmt, SNAPSHOT_FORMAT):
        data = _UPGRADES[step](data)
    kb, origins, problems = _validate(data, name)
    if problems:
        raise KBValidationError(problems)
    problems = cross_check(kb, origins)
    errors, warnings = apply_versioned_rules(kb, origins)
    if problems or errors:
        raise KBValidationError(problems + errors)
    digest = canonical_hash(kb)
    stored = data.get("content_hash")
    if stored is None:
        warnings.insert(0, KBProblem(name, None, "no content_hash: an export from before "
                                     "snapshots, read without an integrity check"))  # fmt: skip
    elif stored != digest:
        raise KBError(
            f"content_hash {str(stored)[:19]} does not match the content ({digest[:19]}): "
            "the snapshot was edited or damaged",
            file=name,
        )
    built = data.get("built_from")
    commit = built.get("git_commit") if isinstance(built, dict) else None
    info = SnapshotInfo(
        kb_version=kb.meta.kb_version,
        kb_date=kb.meta.kb_date.isoformat(),
        content_hash=digest,
        source=source or name,
        snapshot_format=fmt,
        commit=commit if isinstance(commit, str) else None,
    )
    # History warnings (rules newer than the snapshot) are expected on every older release:
    # `kb validate FILE` prints them; elsewhere they would bury the output, so only a count.
    history = [w for w in warnings if "a warning on history" in w.message]
    for w in warnings:
        if w not in history:
            _logger.warning("%s", w)
    if history:
        _logger.info("%s: %d warning(s) from rules newer than KB %s (history)", name,
                     len(history), kb.meta.kb_version)  # fmt: skip
    return LoadedKB(kb, info, warnings)


def read_snapshot(path: Path, *, source: str | None = None) -> LoadedKB:
    """Read the snapshot file at `path` (see `parse_snapshot`).

    Raises:
        KBError: the file cannot be read or is not a valid snapshot.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KBError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    return parse_snapshot(raw, str(path), source=source)
