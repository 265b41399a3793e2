"""onconav sets Polars' allocator to give purged memory back at once (`onconav._allocator`)."""

from __future__ import annotations

import os
import subprocess
import sys

_SHOW = "import os, sys; {before}import onconav, polars; print(os.environ.get('_RJEM_MALLOC_CONF'))"


def _seen(before: str = "", **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    done = subprocess.run(
        [sys.executable, "-c", _SHOW.format(before=before)],
        env=clean | env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_polars_gets_the_setting_after_its_own() -> None:
    # Polars appends the variable to its own settings: the later value wins.
    assert _seen().split(",")[-1] == "muzzy_decay_ms:0"


def test_a_users_own_setting_wins() -> None:
    found = _seen(_RJEM_MALLOC_CONF="narenas:2").split(",")
    assert found[-1] == "narenas:2"
    assert "muzzy_decay_ms:0" not in found


def test_nothing_is_changed_once_polars_is_loaded() -> None:
    assert "muzzy_decay_ms:0" not in _seen(before="import polars; ").split(",")
