"""Fixtures for cohort tests."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch folder for inputs derived from the fixtures."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


# Under CI (.ci/run) ONCONAV_REQUIRE_SPARK=1: a Spark test that skips (no pyspark, no Java)
# FAILS instead, so the engines' equal output cannot go untested unseen. Elsewhere they skip.
_SPARK_WORDS = ("pyspark", "java", "spark")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("ONCONAV_REQUIRE_SPARK") == "1":
        longrepr = report.longrepr
        reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
        if any(w in reason.lower() for w in _SPARK_WORDS):
            report.outcome = "failed"
            report.longrepr = f"ONCONAV_REQUIRE_SPARK=1, but the test skipped: {reason}"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for every Spark test (local[2], no UI, two shuffle partitions).

    Skips (fails under ONCONAV_REQUIRE_SPARK=1) without pyspark or Java 17 or later.
    """
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install onconav[spark])")
    from onconav.cohort.spark.session import check_java
    from onconav.errors import CohortInputError

    try:
        check_java()
    except CohortInputError as exc:
        pytest.skip(f"no Java for Spark: {exc}")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("onconav tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # (py4j logs at INFO when its connections are collected at exit, after pytest has closed
    # the streams its handlers write to: "--- Logging error ---")
    logging.getLogger("py4j").setLevel(logging.WARNING)
    yield session
    session.stop()
