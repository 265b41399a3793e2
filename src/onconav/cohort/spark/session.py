"""Start Spark for the CLI, after checking what it needs: pyspark and Java 17 or later.

Both are checked before a JVM starts, so that a missing one is one line and exit code 2, not a
Py4J traceback. The master is `--master`, else `SPARK_MASTER`, else `local[*]`; under
`spark-submit` the session it set up is used as it is.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from onconav.errors import CohortInputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["INSTALL", "MIN_JAVA", "check_java", "check_pyspark", "java_version", "start"]

INSTALL = 'the Spark engine needs pyspark: pip install "onconav[spark]"'
# Spark 4 runs on Java 17 and 21 (spark.apache.org/docs/latest, "Downloading").
MIN_JAVA = 17
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')
# Arrow batch size of mapInArrow: larger batches pay each batch's fixed costs (is_in sets of
# the gene spellings and samples, expression setup) less often; 50,000 rows of a 123-column
# panel MAF are about 30 MB.
BATCH_ROWS = 50_000


def _fail(message: str) -> CohortInputError:
    return CohortInputError(message, field="--engine", code="usage")


def check_pyspark() -> None:
    """Raise when pyspark is not installed.

    Raises:
        CohortInputError: with the install command.
    """
    if not _has_pyspark():
        raise _fail(INSTALL)


def _has_pyspark() -> bool:
    return importlib.util.find_spec("pyspark") is not None


def _active() -> SparkSession | None:
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("java")


def java_version(java: str) -> int | None:
    """The major version of a `java` executable (8 for '1.8.0'), or None when it cannot run."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60,
                              check=False)  # fmt: skip
    except OSError:
        return None
    m = _VERSION.search(done.stderr + done.stdout)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def check_java() -> None:
    """Raise unless Java 17 or later is found (`JAVA_HOME`, else `java` on the PATH).

    Raises:
        CohortInputError: naming what was found.
    """
    java = _java()
    if java is None:
        raise _fail(f"the Spark engine needs Java {MIN_JAVA} or later; none found (JAVA_HOME or "
                    "java on the PATH), e.g. apt-get install openjdk-17-jre-headless")  # fmt: skip
    version = java_version(java)
    if version is None or version < MIN_JAVA:
        found = f"Java {version}" if version else f"{java}, which does not run"
        raise _fail(f"the Spark engine needs Java {MIN_JAVA} or later; found {found}")


def start(master: str | None) -> tuple[SparkSession, bool]:
    """The running session (a notebook's, a test's) or a new one on `master`, and if it is new.

    Raises:
        CohortInputError: pyspark or Java is missing.
    """
    check_pyspark()
    from pyspark.sql import SparkSession

    active = _active()
    if active is not None:
        return active, False
    builder = SparkSession.builder.appName("onconav annotate")
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # (spark-submit started the JVM)
    if master or not submitted:
        check_java()
        chosen = master or os.environ.get("SPARK_MASTER") or "local[*]"
        if chosen.startswith("local"):  # (the workers are this Python, with onconav in it)
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            # Local mode binds the driver and its UI to loopback, not every interface.
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.master(chosen)
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # (its INFO lines at exit are noise)
    return spark, True
