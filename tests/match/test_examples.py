"""The public example cases: the project's own copies, and ../shared's checker when present."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from onconav.kb.index import get_index
from onconav.match.caseio import read_cases
from onconav.match.engine import match_case

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "tests/data/examples_expected.json").read_text())
ACTIVE = {"recommended", "consider"}


def _has(entry: dict, drugs: list[str]) -> bool:
    return {d.lower() for d in drugs} <= {d.lower() for d in entry.get("drugs", [])}


def _check(out: dict, kind: str, arg, *rest) -> bool:  # noqa: C901 - one branch per check kind
    opts, avoid = out["options"], out["avoid"]
    by_input = {a["input"]: a for a in out["alterations"]}
    if kind == "recognized":
        return by_input.get(arg, {}).get("recognized") is True
    if kind == "unrecognized":
        return by_input.get(arg, {}).get("recognized") is False
    if kind == "recognized_gene":
        a = by_input.get(arg, {})
        return a.get("recognized") is True and a.get("gene") == rest[0]
    if kind == "include":
        return any(_has(o, arg) and o["status"] in ACTIVE for o in opts)
    if kind == "level":
        return any(_has(o, [arg]) and str(o["level"]) == rest[0] for o in opts)
    if kind == "status":
        return any(_has(o, [arg]) and o["status"] == rest[0] for o in opts)
    if kind == "exclude":
        return not any(_has(o, [arg]) for o in opts)
    if kind == "avoid":
        return any(_has(a, [arg]) for a in avoid)
    raise AssertionError(f"unknown check kind {kind}")


CASES = [(name, checks) for name, checks in EXPECTED.items() if not name.startswith("_")]


@pytest.mark.parametrize(("name", "checks"), CASES, ids=[c[0] for c in CASES])
def test_example_case(name: str, checks: list) -> None:
    (case,) = read_cases(str(ROOT / "examples" / f"{name}.json"))
    out = match_case(get_index(), case).model_dump(mode="json")
    failed = [c for c in checks if not _check(out, *c)]
    assert failed == []


def test_shared_checker_passes(shared_dir: Path) -> None:
    onconav = shutil.which("onconav")
    if onconav is None:
        pytest.skip("onconav is not on PATH")
    proc = subprocess.run(
        [str(shared_dir / "tools/check-examples"), onconav],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
