"""onconav sets Polars' allocator to give purged memory back at once (`onconav._allocator`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import onconav

_SHOW = "import os, sys; {before}import onconav, polars; print(os.environ.get('_RJEM_MALLOC_CONF'))"
_SOURCE = str(Path(onconav.__file__).resolve().parent.parent)  # (this checkout's onconav)


def _seen(before: str = "", **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    clean["PYTHONPATH"] = _SOURCE
    done = subprocess.run(
        [sys.executable, "-c", _SHOW.format(before=before)],
        env=clean | env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().split(",")


def test_polars_gets_the_setting_after_its_own() -> None:
    # Polars appends the variable to its own settings: the later value wins.
    assert _seen()[-1] == "muzzy_decay_ms:0"


def test_a_users_own_setting_wins() -> None:
    found = _seen(_RJEM_MALLOC_CONF="narenas:2")
    assert found[-1] == "narenas:2"
    assert "muzzy_decay_ms:0" not in found


def test_a_value_passed_on_by_a_process_that_imported_polars_gets_the_setting() -> None:
    # (a benchmark or a notebook imports Polars, then starts onconav in a new process)
    assert _seen(_RJEM_MALLOC_CONF="dirty_decay_ms:500,muzzy_decay_ms:1000")[-1] == (
        "muzzy_decay_ms:0"
    )


def test_nothing_is_changed_once_polars_is_loaded() -> None:
    assert "muzzy_decay_ms:0" not in _seen(before="import polars; ")
