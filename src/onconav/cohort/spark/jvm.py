r"""Pass 2 of a text input written as TSV in the JVM: its rows do not cross to Python again.

Pass 1 (`tasks.pass1`) ran the shared per-batch code in Python and left, for each file block,
the lines before it (`__off`), the id Spark gave its first line (`__m`, from
`monotonically_increasing_id`, the same in both passes: same files, same partitions), its
first data row (`__d`) and its least fields a row (`__w`). Here Spark reads the lines again
and, in its own expressions, applies `lines.text_rows`'s rules (header and '#' lines skipped,
a NUL as U+FFFD, a line end's '\r' dropped, short rows padded with tabs), numbers each row as
`lines.row_id` does, and joins (as broadcasts: small tables, row order kept) each marked row's
annotation id and each annotation id's text, the texts made by `scan.annotation_texts`, the
Polars engine's own function. Each block's first row starts with the marker line `parts.py`
sorts the runs by.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from onconav.cohort.layer import ROW
from onconav.cohort.spark.lines import LINE_BITS
from onconav.cohort.spark.sources import TextInput
from onconav.cohort.spark.tasks import MARKER

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["write_lines"]


def write_lines(
    spark: SparkSession,
    source: TextInput,
    offsets: pl.DataFrame,
    ids: pl.DataFrame,
    texts: pl.Series,
    parts: Path,
) -> None:
    """Write the input's output lines as Spark text part files in `parts`.

    Args:
        spark: The session.
        source: A text input (pass 1 read it).
        offsets: Pass 1's blocks: `__fi`, `__b`, `__off`, `__m`, `__d`, `__w`, `__fp`.
        ids: `__i` and `__ann` of the marked rows.
        texts: Each annotation id's cells, tab-joined (`scan.annotation_texts`).
        parts: Folder for the part files.
    """
    from pyspark.sql import functions as F  # noqa: N812

    heads = dict(enumerate(source.headers))
    first = pl.when(pl.col("__b") == 0).then(pl.col("__fi").replace_strict(heads)).otherwise(0)
    blocks = offsets.select(
        pl.col("__fp").alias("__f"), "__b", "__fi", "__off", pl.col("__m").alias("__m0"),
        "__d", first.cast(pl.Int64).alias("__lo"),
        (pl.col("__w") >= source.width).alias("__full"),
    )  # fmt: skip
    marked = ids.select(pl.col(ROW).cast(pl.Int64), pl.col("__ann").cast(pl.Int64))
    tails = pl.DataFrame({"__ann": pl.int_range(texts.len(), eager=True), "__tail": texts})
    lines = (
        spark.read.option("lineSep", "\n")
        .text(list(source.files))
        .select(
            F.col("_metadata.file_path").alias("__f"),
            F.col("_metadata.file_block_start").alias("__b"),
            F.col("value"),
            F.monotonically_increasing_id().alias("__m"),
        )
    )
    rows = lines.join(F.broadcast(spark.createDataFrame(blocks.to_arrow())), ["__f", "__b"])
    rows = rows.withColumn("__j", F.col("__m") - F.col("__m0"))
    keep = F.col("__j") >= F.col("__lo")
    if source.comments:
        keep = keep & ~F.col("value").startswith("#")
    # Byte tests first: the rare line with a NUL or a '\r' end pays for the string work.
    value = F.col("value")
    nul = F.when(value.contains("\u0000"), F.replace(value, F.lit("\u0000"), F.lit("\ufffd")))
    value = nul.otherwise(value)
    cr = F.expr("substring(__line, 1, length(__line) - 1)")
    tabs = F.length("__line") - F.length(F.replace("__line", F.lit("\t"), F.lit("")))
    # Counting a line's tabs costs more than the rest of this pass: done only in blocks where
    # pass 1 saw a row with fewer fields than the header.
    short = F.expr(f"repeat('\\t', greatest({source.width - 1} - __tabs, 0))")
    pad = F.when(F.col("__full"), F.lit("")).otherwise(short)
    rid = F.col("__fi") * (1 << LINE_BITS) + F.col("__off") + F.col("__j") + 1
    rows = (
        rows.filter(keep)
        .select("__j", "__d", "__full", value.alias("__line"), rid.alias(ROW))
        .withColumn("__line", F.when(F.col("__line").endswith("\r"), cr).otherwise(F.col("__line")))
        .withColumn("__tabs", F.when(F.col("__full"), F.lit(0)).otherwise(tabs))
        .join(F.broadcast(spark.createDataFrame(marked.to_arrow())), ROW, "left")
        .withColumn("__ann", F.coalesce(F.col("__ann"), F.lit(0).cast("bigint")))
        .join(F.broadcast(spark.createDataFrame(tails.to_arrow())), "__ann")
    )
    body = F.concat(F.col("__line"), pad, F.lit("\t"), F.col("__tail"))
    marker = F.concat(F.lit(MARKER), F.col(ROW).cast("string"), F.lit("\n"), body)
    value = F.when(F.col("__j") == F.col("__d"), marker).otherwise(body).alias("value")
    out = rows.select(value)
    out.write.mode("overwrite").option("compression", "none").text(parts.resolve().as_uri())
