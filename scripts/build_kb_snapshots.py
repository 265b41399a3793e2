#!/usr/bin/env python
"""Rebuild the shipped snapshots of earlier KB versions from git history.

For each `kb_version` that `src/onconav/kb/data/kb.yaml` has carried, take the data folder at
the newest commit (in the history of HEAD) that still carries it: the version as it was last
released. (For 2026.11.0 the commit that created kb.yaml held only the skeleton; the curated
data arrived in later commits under the same version, so the last state is the real one.)
Data committed before its version bump belongs to the version that announced it (see
`release_commits`). Load
it with today's loader and snapshot reader (upgrade rules included), and write
`src/onconav/kb/snapshots/<version>.json.gz`. The current version is not stored: it is built
from the live data when asked for.

Run from anywhere inside the checkout, after every KB release:

    python scripts/build_kb_snapshots.py
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import orjson
import yaml

from onconav.errors import OnconavError
from onconav.kb.loader import SECTIONS, read_kb_dir
from onconav.kb.snapshot import parse_snapshot, snapshot_data
from onconav.kb.validate import cross_check

DATA = "src/onconav/kb/data"
OUT = "src/onconav/kb/snapshots"


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True).stdout


def _version_at(root: Path, commit: str) -> str | None:
    try:
        text = _git(root, "show", f"{commit}:{DATA}/kb.yaml").decode()
    except subprocess.CalledProcessError:
        return None
    meta = (yaml.safe_load(text) or {}).get("meta") or {}
    version = meta.get("kb_version")
    return str(version) if version else None


def _data_id(root: Path, commit: str) -> str:
    """The data folder's content at `commit`, without kb.yaml and the CHANGELOG."""
    listing = _git(root, "ls-tree", "-r", commit, "--", DATA).decode().splitlines()
    return "\n".join(line for line in listing if not line.endswith(("/kb.yaml", "/CHANGELOG.md")))


def release_commits(root: Path) -> dict[str, str]:
    """Each KB version and the commit that holds its released data.

    That is the newest commit of HEAD's history whose kb.yaml carries the version, except that
    data committed before its version bump (the 2026.11.1 audit landed one commit before the
    bump to 2026.11.1) belongs to the version that announced it: a commit whose data equals
    the next version's first data is skipped.
    """
    commits = _git(root, "rev-list", "--topo-order", "HEAD", "--", DATA).decode().split()
    by_version: dict[str, list[str]] = {}
    order: list[str] = []  # newest version first
    for commit in commits:
        version = _version_at(root, commit)
        if version is None:
            continue
        if version not in by_version:
            by_version[version] = []
            order.append(version)
        by_version[version].append(commit)
    out: dict[str, str] = {}
    for i, version in enumerate(order):
        later = by_version[order[i - 1]][-1] if i > 0 else None
        announced = _data_id(root, later) if later else None
        kept = [c for c in by_version[version] if _data_id(root, c) != announced]
        out[version] = (kept or by_version[version])[0]
    return out


def _extract(root: Path, commit: str, into: Path) -> Path:
    archive = _git(root, "archive", "--format=tar", commit, DATA)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / DATA


def _raw_snapshot(folder: Path) -> bytes:
    """The folder's YAML as a format-0 document, for the snapshot reader's upgrade rules."""
    doc: dict[str, object] = {name: [] for name in SECTIONS}
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section, items in data.items():
            if section == "meta":
                doc.update(kb_version=items["kb_version"], kb_date=str(items["kb_date"]))
                doc["disclaimer"] = items.get("disclaimer")
            elif section in SECTIONS:
                doc[section].extend(items)  # type: ignore[attr-defined]
    return orjson.dumps(doc, default=str)


def build(root: Path, commit: str) -> dict[str, object]:
    """The snapshot of the KB data at `commit`, read by today's loader (and upgrade rules)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _extract(root, commit, Path(tmp))
        kb, problems, origins = read_kb_dir(folder)
        if kb is not None and not problems and not cross_check(kb, origins):
            return snapshot_data(kb, commit=commit)
        # Data written for an older schema: through the snapshot upgrade rules.
        loaded = parse_snapshot(_raw_snapshot(folder), f"{commit[:10]}:{DATA}")
        return snapshot_data(loaded.kb, commit=commit)


def main() -> int:
    """Write one snapshot per earlier KB version; print what was written."""
    root = Path(_git(Path.cwd(), "rev-parse", "--show-toplevel").decode().strip())
    current = _version_at(root, "HEAD")
    live = yaml.safe_load((root / DATA / "kb.yaml").read_text())["meta"]["kb_version"]
    out = root / OUT
    out.mkdir(exist_ok=True)
    wanted = {}
    for version, commit in sorted(release_commits(root).items()):
        if version in (live, current):
            continue
        try:
            data = build(root, commit)
        except OnconavError as exc:
            sys.stderr.write(f"{version} ({commit[:10]}): {exc}\n")
            return 1
        blob = gzip.compress(orjson.dumps(data, option=orjson.OPT_SORT_KEYS), 9, mtime=0)
        path = out / f"{version}.json.gz"
        wanted[path.name] = True
        if not path.is_file() or path.read_bytes() != blob:
            path.write_bytes(blob)
        sys.stdout.write(
            f"{version}  {commit[:10]}  {str(data['content_hash'])[:19]}  {len(blob):>7} bytes\n"
        )
    for stale in out.glob("*.json.gz"):
        if stale.name not in wanted:
            stale.unlink()
            sys.stdout.write(f"removed {stale.name} (not a past version of this history)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
