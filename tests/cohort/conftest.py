"""Fixtures for cohort tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch folder for inputs derived from the fixtures."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder
