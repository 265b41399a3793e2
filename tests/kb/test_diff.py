"""`kb diff` and `kb versions`: known changes found, shipped versions listed, CHANGELOG kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from onconav.kb.diff import diff_kbs
from onconav.kb.loader import default_kb_dir
from onconav.kb.versions import changelog_versions, open_kb, shipped_versions
from tests.kbchanges import ADDED_RESISTANCE, LEVEL_CHANGED, REMOVED, write_pair

runner = CliRunner()


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    return write_pair(tmp_path_factory.mktemp("kbpair"))


def test_diff_finds_exactly_the_known_changes(pair) -> None:
    old, new = pair
    result = runner.invoke(app, ["kb", "diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    d = json.loads(result.stdout)
    assert (d["old"]["kb_version"], d["new"]["kb_version"]) == ("2099.1.0", "2099.1.1")
    got = {(c["section"], c["change"], c["key"]) for c in d["changes"]}
    added = "KRAS Y96S / sotorasib"
    assert got == {
        ("indications", "removed", REMOVED),
        ("indications", "changed", LEVEL_CHANGED),
        ("resistance", "added", added),
    }
    changed = next(c for c in d["changes"] if c["change"] == "changed")
    assert changed["fields"] == [{"field": "level", "before": "1", "after": "2"}]
    assert changed["sources_before"]
    assert changed["sources_before"] == changed["sources_after"]
    removed = next(c for c in d["changes"] if c["change"] == "removed")
    assert removed["sources_before"]
    assert not removed["sources_after"]
    res = next(c for c in d["changes"] if c["section"] == "resistance")
    assert res["sources_after"][0]["id"] == ADDED_RESISTANCE.sources[0].id
    assert d["counts"]["indications"] == {"added": 0, "removed": 1, "changed": 1,
                                          "levels changed": 1}  # fmt: skip


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_diff_for_people(pair, fmt: str) -> None:
    old, new = pair
    out = runner.invoke(app, ["kb", "diff", str(old), str(new), "-f", fmt]).stdout
    assert "2099.1.0" in out
    assert "2099.1.1" in out
    assert REMOVED in out
    assert LEVEL_CHANGED in out
    assert "Y96S" in out
    assert ("level: 1 → 2" if fmt == "markdown" else "level: 1 -> 2") in out
    backwards = runner.invoke(app, ["kb", "diff", str(new), str(old), "-f", fmt]).stdout
    assert "added" in backwards.lower()
    assert REMOVED in backwards


def test_a_kb_against_itself_is_empty(pair) -> None:
    old, _ = pair
    out = runner.invoke(app, ["kb", "diff", str(old), str(old)]).stdout
    assert "no differences" in out


def test_diff_of_a_missing_version_exits_2() -> None:
    result = runner.invoke(app, ["kb", "diff", "2026.11.0", "2030.1.0"])
    assert result.exit_code == 2
    assert "2030.1.0" in result.stderr


def test_versions_lists_current_and_every_changelog_release() -> None:
    changelog = (default_kb_dir() / "CHANGELOG.md").read_text()
    shipped = [v.kb_version for v in shipped_versions()]
    assert shipped[0] == open_kb().kb.meta.kb_version
    assert set(changelog_versions(changelog)) == set(shipped), (
        "a KB release without its snapshot: run python scripts/build_kb_snapshots.py"
    )
    result = runner.invoke(app, ["kb", "versions", "--format", "json"])
    rows = json.loads(result.stdout)
    assert [r["kb_version"] for r in rows] == shipped
    assert rows[0]["current"]
    assert not any(r["current"] for r in rows[1:])
    assert len({r["content_hash"] for r in rows}) == len(rows)
    text = runner.invoke(app, ["kb", "versions"]).stdout
    assert "current" in text
    assert "sha256:" in text


def _missing_entries(changelog: str) -> list[str]:
    """Versions whose diff from the previous release is not empty but have no CHANGELOG entry."""
    documented = set(changelog_versions(changelog))
    versions = sorted(shipped_versions(), key=lambda v: [int(p) for p in v.kb_version.split(".")])
    missing = []
    for before, after in zip(versions, versions[1:], strict=False):
        a, b = open_kb(before.kb_version), open_kb(after.kb_version)
        if not diff_kbs(a.kb, b.kb, a.info, b.info).empty and after.kb_version not in documented:
            missing.append(after.kb_version)
    return missing


def test_every_version_that_changed_something_has_a_changelog_entry() -> None:
    changelog = (default_kb_dir() / "CHANGELOG.md").read_text()
    assert _missing_entries(changelog) == []


def test_the_changelog_check_catches_a_missing_entry() -> None:
    changelog = (default_kb_dir() / "CHANGELOG.md").read_text()
    current = open_kb().kb.meta.kb_version
    without = changelog.replace(f"## {current} ", "## (entry lost) ")
    assert _missing_entries(without) == [current]
