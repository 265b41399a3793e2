"""Polars' allocator gives freed memory back to the system at once when it purges it.

Polars allocates with jemalloc, and sets it (polars/__init__.py) to purge freed pages after
500 ms, but first only as "muzzy" pages (`muzzy_decay_ms:1000`: marked free with
MADV_FREE, which the kernel keeps counted as resident until it needs the memory), and
returned for good a second later. A cohort run frees and allocates hundreds of MiB step by
step (pass 1, the plan, pass 2), so one step's muzzy pages were still counted while the next
allocated its own: at ten million panel rows, about a tenth of the run's peak memory.
`muzzy_decay_ms:0` returns purged pages at once (MADV_DONTNEED).

Polars reads `_RJEM_MALLOC_CONF` when it is first imported and appends it to its own
settings (so that it overrides them). `onconav/__init__.py` sets it, so the setting holds
for the command, the web app and library use alike, unless Polars was imported first (then
it is too late, and nothing is changed) or the variable is already set (a user's own setting
wins).
"""

from __future__ import annotations

import os
import sys

__all__ = ["ALLOCATOR_SETTINGS", "VARIABLE", "configure"]

VARIABLE = "_RJEM_MALLOC_CONF"
ALLOCATOR_SETTINGS = "muzzy_decay_ms:0"


def configure() -> bool:
    """Set `VARIABLE` for Polars, unless Polars is loaded or it is set; say whether this did."""
    if "polars" in sys.modules or VARIABLE in os.environ:
        return False
    os.environ[VARIABLE] = ALLOCATOR_SETTINGS
    return True
