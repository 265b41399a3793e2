"""The Spark engine's driver: inputs, the two passes on executors, the plan, the outputs.

Flow, as the Polars engine's (`cohort/annotate.py`): open every input (`sources.py`); pass 1
on the executors (`tasks.pass1` through `mapInArrow`), whose marked rows and lines per block
the driver collects, while the rows by sample come from a Spark `groupBy` on the sample; the
plan on the driver (`plan.make_plan`, the Polars engine's own); pass 2 on the executors
(`tasks.pass2`), each table written by Spark: TSV as part files the driver joins in input
order (`parts.py`), Parquet as a dataset folder of part files. Samples, rejected rows,
summary.json, plots/ and report.html are the Polars engine's, made on the driver.

The driver holds the marked rows (rows that may name a knowledge-base gene or are rejected,
with a few key cells), the plan, and the table of samples: not the rows themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from onconav.cohort.annotate import (
    CohortInputs,
    Finished,
    _check_tumor_source,
    _silent,
    _write_rejected,
    finish,
    oncoprint_of,
    start,
)
from onconav.cohort.columns import ANNOTATION_COLUMNS
from onconav.cohort.events import KBView
from onconav.cohort.layer import ROW, Layer
from onconav.cohort.output import Format, staged_output, write_frame
from onconav.cohort.plan import Plan, Progress, make_plan
from onconav.cohort.plots import write_plots
from onconav.cohort.readers.clinical import Clinical
from onconav.cohort.reading import KeyReader
from onconav.cohort.scan import KB, ROW_REJECT, SAMPLE, KeyScan, key_names
from onconav.cohort.spark.lines import LINE_BITS, row_id
from onconav.cohort.spark.parts import join_parts, tidy_dataset
from onconav.cohort.spark.sources import (
    DriverInput,
    TextInput,
    check_ends,
    is_matrix,
    open_driver,
    open_text,
    read_clinical_file,
    readable,
)
from onconav.cohort.spark.tasks import Job, Shared, pass1, pass1_schema, pass2, pass2_schema
from onconav.cohort.summary import CohortSummary, count_samples, sample_groups, sample_table
from onconav.errors import CohortInputError
from onconav.kb.index import KBIndex

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["annotate"]

_logger = logging.getLogger(__name__)

Source = TextInput | DriverInput
_FIELDS = ("__o", "GENE", "ALTERATION", "LINE", "COLUMN")


def _ddl(schema: dict[str, pl.DataType]) -> str:
    kinds = {pl.Int64: "bigint", pl.Boolean: "boolean"}
    return ", ".join(f"`{c}` {kinds.get(type(t), 'string')}" for c, t in schema.items())


def _broadcast(spark: SparkSession, value: object) -> Broadcast[bytes]:
    """Ship a value to the executors once (cloudpickle: layers hold lambdas)."""
    from pyspark import cloudpickle

    data: bytes = cloudpickle.dumps(value)  # type: ignore[no-untyped-call]
    return spark.sparkContext.broadcast(data)


@contextmanager
def _spark_errors(label: str) -> Iterator[None]:
    """Spark's failures reading an input (a corrupt gzip stream, ...) as a located error."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JError) as exc:
        lines = [x for x in str(exc).splitlines() if x.strip()]
        first = next((x for x in lines if "Exception:" in x or "Error:" in x), lines[0] if lines
                     else type(exc).__name__)  # fmt: skip
        raise CohortInputError(f"Spark cannot read it ({first.strip()[:300]})",
                               file=label) from exc  # fmt: skip


def _open_inputs(spark: SparkSession, inputs: CohortInputs, work: Path) -> list[Source]:
    """Every input, in the Polars engine's order (mutations, VCF, fusions, SV, copy number)."""
    out: list[Source] = []
    if inputs.maf:
        out.append(open_text(spark, "mutations", str(inputs.maf), work))
    if inputs.vcf:
        out.append(open_driver(spark, "vcf", str(inputs.vcf), work, inputs.sample_ids))
    if inputs.fusions:
        out.append(open_text(spark, "fusions", str(inputs.fusions), work))
    if inputs.sv:
        out.append(open_text(spark, "sv", str(inputs.sv), work))
    if inputs.cna:
        given = str(inputs.cna)
        matrix = is_matrix(spark, given, work)
        out.append(open_driver(spark, "cna", given, work) if matrix
                   else open_text(spark, "cna", given, work))  # fmt: skip
    return out


def _frame(spark: SparkSession, source: Source) -> DataFrame:
    """The Spark DataFrame of an input: its lines, or the rows the driver read."""
    from pyspark.sql import functions as F  # noqa: N812

    if isinstance(source, TextInput):
        lines = spark.read.option("lineSep", "\n").text([readable(f) for f in source.files])
        return lines.select(
            F.col("_metadata.file_path").alias("__f"),
            F.col("_metadata.file_block_start").alias("__b"),
            F.col("value").cast("binary").alias("__v"),
        )
    rows = source.rows.with_columns(pl.col(pl.UInt32, pl.UInt64, pl.Int32).cast(pl.Int64))
    return spark.createDataFrame(rows.to_arrow())


def _job(source: Source, **more: object) -> Job:
    if isinstance(source, DriverInput):
        return Job(layer=source.layer, text=False, **more)  # type: ignore[arg-type]
    from onconav.cohort.spark.lines import canonical

    return Job(
        layer=source.layer, text=True,
        files={canonical(f): i for i, f in enumerate(source.files)},
        headers=dict(enumerate(source.headers)), comments=source.comments, width=source.width,
        **more,  # type: ignore[arg-type]
    )  # fmt: skip


def _scan(
    spark: SparkSession, source: Source, shared: Broadcast[bytes]
) -> tuple[KeyScan, pl.DataFrame]:
    """Pass 1 over one input: its `KeyScan`, and the lines before each block of a file."""
    from pyspark.sql import functions as F  # noqa: N812

    layer = source.layer
    job = _broadcast(spark, _job(source))
    schema = pass1_schema(layer)
    found = _frame(spark, source).mapInArrow(pass1(job, shared), _ddl(schema)).persist()
    try:
        table = layer.table
        copies = [c.meta.output_name() for c in layer.copies_differ()]
        grouped = (
            found.filter(F.col("__t") == "s")
            .groupBy("__s")
            .agg(F.sum("__n").alias("__n"), F.min("__o").alias("__o"),
                 *(F.sum(c).alias(c) for c in copies))
        )  # fmt: skip
        samples = pl.DataFrame(pl.from_arrow(grouped.toArrow()))
        rest = pl.DataFrame(pl.from_arrow(found.filter(F.col("__t") != "s").toArrow()))
    finally:
        found.unpersist()
        job.unpersist()
    offsets = _offsets(rest)
    # In the Polars engine's order: a line that is not UTF-8 stops its scan, which then names
    # the first bad line of either kind; then copies that differ, a cut last line
    # (`check_tail`), and only then a line with too many fields.
    bad, stops = (
        _first_error(rest, offsets, source) if isinstance(source, TextInput) else (None, False)
    )
    if bad is not None and stops:
        raise bad
    if table is not None:
        table.check_copies(samples)
        samples = samples.select(SAMPLE, "__n", "__o")
    if isinstance(source, TextInput):
        check_ends(spark, source)
    if bad is not None:
        raise bad
    marked = rest.filter(pl.col("__t") == "m")
    if isinstance(source, TextInput):
        marked = marked.join(offsets, on=["__fi", "__b"], how="left")
        line = row_id(pl.col("__fi"), pl.col("__off") + pl.col(ROW) + 1)
        marked = marked.with_columns(line.alias(ROW)).with_columns(pl.col(ROW).alias("LINE"))
    names = [*key_names(layer), *_FIELDS]
    marked = marked.sort(ROW).select(ROW, SAMPLE, ROW_REJECT, KB, *names)
    rows = int(samples["__n"].sum()) if samples.height else 0
    return KeyScan(rows=rows, samples=samples, marked=marked), offsets


def _offsets(rest: pl.DataFrame) -> pl.DataFrame:
    """`__fi`, `__b`, `__off`: the lines of a file before each of its blocks."""
    blocks = rest.filter(pl.col("__t") == "b").group_by("__fi", "__b").agg(pl.col("__n").max())
    blocks = blocks.sort("__fi", "__b")
    off = pl.col("__n").cum_sum().over("__fi") - pl.col("__n")
    return blocks.select("__fi", "__b", off.alias("__off"))


def _first_error(
    rest: pl.DataFrame, offsets: pl.DataFrame, source: TextInput
) -> tuple[CohortInputError | None, bool]:
    """The first unreadable line of the input, as the Polars engine reports it, if any.

    Also whether some line is not UTF-8 (which stops the Polars engine's scan at once).
    """
    errors = rest.filter(pl.col("__t") == "e").join(offsets, on=["__fi", "__b"], how="left")
    if errors.is_empty():
        return None, False
    return _error_of(errors, source), bool(errors["__err"].str.starts_with("utf8:").any())


def _error_of(errors: pl.DataFrame, source: TextInput) -> CohortInputError:
    """The error of the first line of `errors` (pass 1's, with the offsets of their blocks)."""
    errors = errors.with_columns((pl.col("__off") + pl.col(ROW) + 1).alias("__line"))
    first = errors.sort("__fi", "__line").row(0, named=True)
    label, line, width = source.labels[first["__fi"]], int(first["__line"]), source.width
    if str(first["__err"]).startswith("utf8:"):
        assert source.layer.table is not None
        field = min(int(first["__err"][5:]), width - 1)
        return CohortInputError(f"not UTF-8 text (byte {first['__n']} of the line)", file=label,
                                line=line, column=source.layer.table.header[field],
                                code="bad-encoding")  # fmt: skip
    return CohortInputError(f"{first['__n']} fields where the header has {width}", file=label,
                            line=line, column=f"field {width + 1}")  # fmt: skip


def _rejected_files(plan: Plan, sources: list[Source]) -> None:
    """Name each rejected row of a split input by its own file and line (row ids hold both)."""
    mask = (1 << LINE_BITS) - 1
    for i, source in enumerate(sources):
        if not isinstance(source, TextInput):
            continue
        files = pl.Series(source.labels, dtype=pl.String)
        rej = plan.rejected[i]
        plan.rejected[i] = rej.with_columns(
            pl.lit(files).gather(pl.col("LINE") // (1 << LINE_BITS)).alias("FILE"),
            (pl.col("LINE") & mask).alias("LINE"),
        )


def _check_parquet(layers: list[Layer], fmt: Format) -> None:
    for layer in layers:
        if fmt == "parquet" and len(set(layer.headers)) != len(layer.headers):
            raise CohortInputError(
                "duplicate column names cannot be written as Parquet; use --format tsv",
                file=f"{layer.output_stem}.parquet",
            )


def _write(
    spark: SparkSession, source: Source, plan: Plan, i: int, offsets: pl.DataFrame,
    stage: Path, fmt: Format,
) -> None:  # fmt: skip
    """Pass 2 over one input, written to `stage` (TSV: one file in input order)."""
    lookup = plan.lookups[i]
    ids = lookup.ids.with_columns(pl.col(ROW).cast(pl.Int64)).sort(ROW)
    job_value = _job(source, offsets=offsets, ids=ids, table=lookup.table, fmt=fmt)
    job = _broadcast(spark, job_value)
    frame = _frame(spark, source).mapInArrow(pass2(job), _ddl(pass2_schema(job_value)))
    layer = source.layer
    target = stage / f"{layer.output_stem}.{fmt}"
    try:
        if fmt == "parquet":
            frame.write.mode("overwrite").parquet(_local_uri(target))
            tidy_dataset(target)
            return
        parts = stage / ".work" / f"parts-{layer.output_stem}"
        frame.write.mode("overwrite").option("compression", "none").text(_local_uri(parts))
    finally:
        job.unpersist()
    header = "\t".join((*layer.headers, *ANNOTATION_COLUMNS))
    join_parts(parts, header, target)


def _local_uri(path: Path) -> str:
    """`path` on the local file system as Spark writes to it: 'file://' and the path as it is.

    Not `Path.as_uri()`: Spark encodes a path it is given again, so an encoded one ('my%20out')
    named another folder and the output was lost. The scheme keeps a cluster's default file
    system (HDFS) from being used for a driver-side path.
    """
    return f"file://{path.resolve()}"


def _tables(
    spark: SparkSession, sources: list[Source], clinical: Clinical | None, view: KBView,
    default: str | None, report: Progress,
) -> tuple[list[KeyScan], list[pl.DataFrame], Plan]:  # fmt: skip
    """Pass 1 over every input, then the plan."""
    known = clinical.samples["sample"] if clinical is not None else None
    shared = _broadcast(spark, Shared(spellings=view.spellings, known=known))
    scans, offsets = [], []
    for i, source in enumerate(sources):
        report(f"read {source.layer.output_stem}", i, len(sources))
        with _spark_errors(source.layer.label):
            scan, off = _scan(spark, source, shared)
        scans.append(scan)
        offsets.append(off)
    shared.unpersist()
    layers = [s.layer for s in sources]
    clin = (clinical.label, clinical.samples) if clinical else None
    plan = make_plan(KeyReader(view, layers), scans, clin, default, report)
    _rejected_files(plan, sources)
    return scans, offsets, plan


def _annotate_into(
    spark: SparkSession, stage: Path, inputs: CohortInputs, fmt: Format, view: KBView,
    default: str | None, report: Progress, plots: bool, html: bool,
) -> CohortSummary:  # fmt: skip
    started = time.perf_counter()
    work = stage / ".work"
    work.mkdir()
    sources = _open_inputs(spark, inputs, work)
    layers = [s.layer for s in sources]
    _check_parquet(layers, fmt)
    clinical = read_clinical_file(spark, str(inputs.clinical), work) if inputs.clinical else None
    _check_tumor_source(layers, clinical, default)
    scans, offsets, plan = _tables(spark, sources, clinical, view, default, report)
    samples = sample_table(plan.samples, plan.levels, plan.actionable)
    groups, genes = sample_groups(plan.samples, samples, plan.levels)
    for i, source in enumerate(sources):
        report(f"write {source.layer.output_stem}", i, len(sources))
        with _spark_errors(source.layer.label):
            _write(spark, source, plan, i, offsets[i], stage, fmt)
    write_frame(samples, stage / f"samples.{fmt}", fmt)
    _write_rejected(plan, stage / f"rejected.{fmt}", fmt)
    op = oncoprint_of(plan, samples, groups, genes) if plots or html else None
    counted = count_samples(samples)
    drawings = write_plots(counted, genes, stage / "plots", op) if plots else []
    return finish(stage, Finished(layers, scans, plan, counted, genes, op, drawings), view,
                  default, fmt, html, clinical, started)  # fmt: skip


def annotate(
    spark: SparkSession,
    inputs: CohortInputs,
    out: Path,
    *,
    fmt: Format = "tsv",
    index: KBIndex | None = None,
    progress: Progress | None = None,
    plots: bool = True,
    report_html: bool = True,
) -> CohortSummary:
    """Annotate a cohort with Spark into the folder `out`: the Polars engine's outputs.

    Args:
        spark: A running SparkSession (local, a cluster's, a Databricks notebook's).
        inputs: The files (each a file, a folder or a glob, local or `s3://`, `gs://`,
            `hdfs://`; a VCF local), and the default tumor type.
        out: Output folder, on a file system the driver and the executors share; replaced
            atomically as the Polars engine's is.
        fmt: `tsv` (one file a table, rows in input order) or `parquet` (a folder of part
            files a table).
        index: The knowledge base (the shipped one by default; a `--kb` snapshot too).
        progress: Called as progress(stage, done, total).
        plots: Draw plots/.
        report_html: Write report.html.

    Returns:
        The summary also written to `out/summary.json`.

    Raises:
        CohortInputError: an input cannot be read (file, line and column named), no input or
            no tumor type was given, or `out` cannot be used.
        TumorTypeError: `inputs.tumor_type` is not a known tumor type.
    """
    report = progress or _silent
    index, default = start(inputs, index)
    with staged_output(out) as stage:
        summary = _annotate_into(spark, stage, inputs, fmt, KBView(index), default, report,
                                 plots, report_html)  # fmt: skip
        report("done", 1, 1)
    _logger.info("annotated %d of %d rows with Spark", summary.rows_annotated, summary.rows_in)
    return summary
