"""Polars' allocator gives freed memory back to the system at once when it purges it.

Polars allocates with jemalloc, and sets it (polars/__init__.py) to purge freed pages after
500 ms, but first only as "muzzy" pages (`muzzy_decay_ms:1000`: marked free with
MADV_FREE, which the kernel keeps counted as resident until it needs the memory), and
returned for good a second later. A cohort run frees and allocates hundreds of MiB step by
step (pass 1, the plan, pass 2), so one step's muzzy pages were still counted while the next
allocated its own: at ten million panel rows, about a tenth of the run's peak memory.
`muzzy_decay_ms:0` returns purged pages at once (MADV_DONTNEED).

Polars reads `_RJEM_MALLOC_CONF` when it is first imported, appends it to its own settings
(so that it overrides them) and writes the result back. `onconav/__init__.py` sets it, so the
setting holds for the command, the web app and library use alike, unless:

- Polars was imported first: then it is too late, and nothing is changed;
- the variable is already set by someone else (a user's own setting wins). A value made only
  of Polars' own settings is not one: it is what a process that imported Polars passes on to
  the processes it starts (a benchmark's, a notebook's), and the setting is added to it.

Older Polars do not set the variable; jemalloc then reads it as it is, to the same effect.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ALLOCATOR_SETTINGS", "VARIABLE", "configure"]

VARIABLE = "_RJEM_MALLOC_CONF"
ALLOCATOR_SETTINGS = "muzzy_decay_ms:0"
# What Polars writes into the variable itself (polars/__init__.py; the last two with
# POLARS_THP=1).
_POLARS_OWN = frozenset(
    {"dirty_decay_ms:500", "muzzy_decay_ms:1000", "thp:always", "metadata_thp:always"}
)


def configure() -> bool:
    """Set `VARIABLE` for Polars, unless Polars is loaded or it is set; say whether this did."""
    if "polars" in sys.modules:
        return False
    found = os.environ.get(VARIABLE)
    if found is None:
        os.environ[VARIABLE] = ALLOCATOR_SETTINGS
        return True
    if found and set(found.split(",")) <= _POLARS_OWN:
        os.environ[VARIABLE] = f"{found},{ALLOCATOR_SETTINGS}"
        return True
    return False
