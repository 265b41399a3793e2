"""The Spark engine: `onconav annotate --engine spark`, and `annotate(spark, inputs, out)`.

The same annotation as the Polars engine (`cohort/annotate.py`), with the same outputs, for
cohorts beyond one machine: Spark reads the inputs and runs both passes on its executors, each
Arrow batch through the Polars engine's own per-batch code (`cohort/batch.py`); the driver
makes the plan (see docs/spark.md). Needs `pip install "onconav[spark]"` and Java 17 or later;
`session.py` checks both without starting a JVM. pyspark is imported only inside this package,
and only when a function needs it.
"""

from __future__ import annotations

from onconav.cohort.spark.engine import annotate

__all__ = ["annotate"]
