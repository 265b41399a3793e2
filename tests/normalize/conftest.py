"""Hypothesis profiles for the normalizer tests (tests/conftest.py registers them first)."""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis.errors import InvalidArgument

try:
    settings.get_profile("ci")
except InvalidArgument:  # run without the top-level conftest (e.g. a copied test folder)
    settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "default")
