"""Which knowledge base `--kb` names: a folder, a snapshot file, or a shipped version.

The package ships the current KB as YAML (`kb/data/`) and each earlier version named in its
CHANGELOG as a compressed snapshot (`kb/snapshots/<version>.json.gz`, rebuilt from git history
by `scripts/build_kb_snapshots.py`). The current version's snapshot is built from the live data
on demand, never stored, so a new KB release appears here without a rebuild.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from onconav._cache import cache_dir
from onconav.errors import KBError
from onconav.kb.loader import KnowledgeBase, _load_keyed, default_kb_dir, load_kb
from onconav.kb.snapshot import (
    HASH_SCHEME,
    LoadedKB,
    SnapshotInfo,
    canonical_hash,
    read_snapshot,
    version_key,
)

__all__ = [
    "ShippedVersion",
    "changelog_versions",
    "folder_info",
    "open_kb",
    "shipped_snapshot_dir",
    "shipped_versions",
]

_logger = logging.getLogger(__name__)

_SUFFIX = ".json.gz"
_HEADING = re.compile(r"^## (\d{4}\.\d{1,2}\.\d+)\b", re.MULTILINE)
_NOT_FOUND = "a KB folder, a snapshot file, or a version from `onconav kb versions`"


@dataclass(frozen=True)
class ShippedVersion:
    """One KB version the package can load by name."""

    kb_version: str
    current: bool
    path: Path | None  # the stored snapshot; None for the current version (the live data)


def shipped_snapshot_dir() -> Path:
    """Where the package keeps the snapshots of earlier KB versions."""
    return Path(str(files("onconav.kb") / "snapshots"))


def changelog_versions(text: str) -> list[str]:
    """The versions a KB CHANGELOG has an entry for (`## 2026.12.3 (date)` headings)."""
    return _HEADING.findall(text)


def _hash_cached(root: Path, kb: KnowledgeBase, fingerprint: str | None = None) -> str:
    """The KB folder's content hash, kept beside the compiled KB cache (same fingerprint)."""
    from onconav.kb.loader import _fingerprint

    folder = cache_dir()
    key = fingerprint or (_fingerprint(root) if folder else None)
    path = folder / f"kb-{key}.hash{HASH_SCHEME}" if folder else None
    if path is not None and path.is_file():
        try:
            text = path.read_text(encoding="ascii").strip()
            if text.startswith("sha256:"):
                return text
        except OSError:
            pass
    digest = canonical_hash(kb)
    if path is not None:
        try:
            path.write_text(digest + "\n", encoding="ascii")
        except OSError as exc:
            _logger.debug("KB hash not cached (%s)", exc)
    return digest


def folder_info(
    root: Path, kb: KnowledgeBase, source: str, fingerprint: str | None = None
) -> SnapshotInfo:
    """The version, date and content hash of a KB read from a folder.

    `fingerprint` is the folder's, when the caller has it (`kb.loader._load_keyed`).
    """
    return SnapshotInfo(
        kb_version=kb.meta.kb_version,
        kb_date=kb.meta.kb_date.isoformat(),
        content_hash=_hash_cached(root, kb, fingerprint),
        source=source,
    )


def shipped_versions() -> list[ShippedVersion]:
    """The current version and every stored earlier one, newest first."""
    current = load_kb().meta.kb_version
    out = [ShippedVersion(current, True, None)]
    folder = shipped_snapshot_dir()
    stored = sorted(folder.glob(f"*{_SUFFIX}")) if folder.is_dir() else []
    for path in stored:
        version = path.name[: -len(_SUFFIX)]
        if version != current:
            out.append(ShippedVersion(version, False, path))
    return sorted(out, key=lambda v: version_key(v.kb_version), reverse=True)


def open_kb(spec: str | Path | None = None) -> LoadedKB:
    """Load the KB that `spec` names: None (the shipped one), a folder, a file or a version.

    Raises:
        KBError: `spec` names nothing loadable, or the snapshot is not valid.
        KBValidationError: the folder or snapshot has schema problems.
    """
    if spec is None:
        root = default_kb_dir()
        kb, key = _load_keyed(root)
        return LoadedKB(kb, folder_info(root, kb, "shipped", key))
    path = Path(spec)
    if path.is_dir():
        kb, key = _load_keyed(path)
        return LoadedKB(kb, folder_info(path, kb, f"folder {path}", key))
    if path.is_file():
        return read_snapshot(path)
    if path.exists():
        raise KBError(f"knowledge base not found: not a folder or a regular file ({_NOT_FOUND})",
                      file=str(spec))  # fmt: skip
    for version in shipped_versions():
        if version.kb_version == str(spec):
            if version.path is None:
                return open_kb(None)
            return read_snapshot(version.path, source=f"shipped {version.kb_version}")
    raise KBError(f"knowledge base not found ({_NOT_FOUND})", file=str(spec))
