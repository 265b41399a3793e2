"""Where onconav keeps what it can rebuild (compiled KB, parser tables); never patient data."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path | None:
    """The user cache folder for onconav, created on demand; None when it cannot be written.

    `ONCONAV_CACHE_DIR` wins; else `$XDG_CACHE_HOME/onconav`; else `~/.cache/onconav`.
    """
    explicit = os.environ.get("ONCONAV_CACHE_DIR")
    if explicit:
        path = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME")
        path = (Path(base) if base else Path.home() / ".cache") / "onconav"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None
