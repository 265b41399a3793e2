"""Shared fixtures and the hypothesis profiles."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _logging_as_found() -> Iterator[None]:
    """Each test leaves the root logger as it found it.

    `onconav serve` sets up logging (a handler on the standard error of its moment, INFO); run
    in-process by a test, that stream is the runner's, closed afterwards, and a later test's
    log call would print 'Logging error' tracebacks into its captured output.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    threads, processes = logging.logThreads, logging.logMultiprocessing
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.logThreads, logging.logMultiprocessing = threads, processes
