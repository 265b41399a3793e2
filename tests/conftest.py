"""Shared fixtures and the hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# `../shared` beside the checkout, or $ONCONAV_SHARED_DIR (a git worktree elsewhere).
SHARED = Path(
    os.environ.get("ONCONAV_SHARED_DIR") or Path(__file__).resolve().parent.parent.parent / "shared"
)


@pytest.fixture(scope="session")
def index():
    """The shipped knowledge base, indexed."""
    from onconav.kb.index import get_index

    return get_index()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (or $ONCONAV_SHARED_DIR); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
