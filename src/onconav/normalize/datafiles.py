"""Read the normalizer's own YAML data, through a JSON copy in the user cache when possible.

The YAML files are the truth; the JSON copy (keyed by a hash of the file) only spares a cold
start the YAML import and parse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from importlib.resources import files
from typing import Any

from onconav._cache import cache_dir

__all__ = ["load_data"]

_logger = logging.getLogger(__name__)


def load_data(name: str) -> Any:
    """The parsed content of `normalize/data/<name>`, from the JSON cache when it is fresh."""
    raw = files("onconav.normalize").joinpath("data", name).read_bytes()
    folder = cache_dir()
    key = hashlib.sha256(raw).hexdigest()[:20]
    cached = folder / f"normalize-{name}-{key}.json" if folder else None
    if cached is not None and cached.is_file():
        try:
            return json.loads(cached.read_bytes())
        except (OSError, ValueError) as exc:
            _logger.debug("ignoring unreadable cache %s: %s", cached.name, exc)
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    if cached is not None:
        try:
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(cached)
        except (OSError, TypeError) as exc:
            _logger.debug("normalizer cache not written: %s", exc)
    return data
