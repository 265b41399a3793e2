"""Listing or diffing shipped KB versions does not print every history warning of old snapshots.

Older snapshots break rules added later (approval provenance, sequencing classes); those are
warnings on history, expected on every older release. `kb versions` printed hundreds of them.
`kb validate FILE` still lists them.
"""

from __future__ import annotations

import subprocess
import sys

from onconav.kb.versions import shipped_versions


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onconav", *args], capture_output=True, text=True, check=False
    )


def test_kb_versions_and_diff_print_no_history_warnings() -> None:
    listed = _run("kb", "versions")
    assert listed.returncode == 0
    assert "warning on history" not in listed.stderr
    assert len(listed.stdout.splitlines()) >= 2
    diffed = _run("kb", "diff", "2026.12.3", "2026.12.4")
    assert diffed.returncode == 0
    assert "warning on history" not in diffed.stderr


def test_kb_validate_of_an_old_snapshot_lists_its_history_warnings() -> None:
    oldest = shipped_versions()[-1]  # newest first
    assert oldest.path is not None
    checked = _run("kb", "validate", str(oldest.path))
    assert checked.returncode == 0
    assert "read as history" in checked.stdout
    assert "warning on history" in checked.stderr
