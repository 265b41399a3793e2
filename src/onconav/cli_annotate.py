"""`onconav annotate`: a cohort's pipeline files in, oncokb-annotator-style tables out.

The lead registers it in `cli.py` with `app.command()(annotate)`. Like every verb it only reads
the flags, calls the core (`onconav.cohort.annotate_cohort`) and reports; it draws a rich
progress bar on standard error when both streams are terminals and `CI` is not set. A user
error is one line on standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from onconav._cliutil import environment_failure, fail
from onconav.errors import OnconavError, TumorTypeError

if TYPE_CHECKING:
    from onconav.cohort import CohortInputs, CohortSummary, Progress
    from onconav.kb.index import KBIndex

__all__ = ["AnnotateEngine", "AnnotateFormat", "annotate", "show_progress"]


class AnnotateFormat(StrEnum):
    """Table formats of `annotate`."""

    tsv = "tsv"
    parquet = "parquet"


class AnnotateEngine(StrEnum):
    """Engines of `annotate`."""

    polars = "polars"
    spark = "spark"


def show_progress() -> bool:
    """True when a progress bar helps: both streams are terminals and `CI` is not set."""
    if os.environ.get("CI"):
        return False
    return sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A progress callback drawing a rich bar on standard error, or None when not wanted."""
    if not show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("annotate", total=None)

        def update(stage: str, done: int, total: int | None) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        yield update


def _report(summary: CohortSummary, out: Path) -> None:
    reasons = ", ".join(f"{code} {n}" for code, n in summary.rejected_by_reason.items())
    levels = ", ".join(
        f"{name} {n}" for name, n in summary.samples_by_highest_sensitive_level.items() if n
    )
    sys.stdout.write(
        f"{summary.rows_in} rows: {summary.rows_annotated} annotated, "
        f"{summary.rows_rejected} rejected{f' ({reasons})' if reasons else ''}\n"
        f"{summary.samples} samples by highest sensitive level: {levels or 'none'}\n"
        f"wrote {out}/ (knowledge base {summary.kb_version}, {summary.kb_hash[:19]})\n"
    )
    if "report.html" in summary.outputs:
        sys.stdout.write(f"report: {out / 'report.html'}\n")


def annotate(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (replaced when complete).")
    ],
    maf: Annotated[
        Path | None, typer.Option(help="Mutations: MAF or cBioPortal data_mutations (.gz too).")
    ] = None,
    vcf: Annotated[
        Path | None, typer.Option(help="VCF annotated by VEP (CSQ), SnpEff (ANN) or bcftools csq.")
    ] = None,
    sample_id: Annotated[
        list[str] | None,
        typer.Option("--sample-id", help="VCF sample to keep, or the name of a one-sample VCF."),
    ] = None,
    fusions: Annotated[
        Path | None, typer.Option(help="Fusions: Tumor_Sample_Barcode and Fusion columns.")
    ] = None,
    sv: Annotated[
        Path | None, typer.Option(help="Structural variants: cBioPortal data_sv.txt.")
    ] = None,
    cna: Annotated[
        Path | None, typer.Option(help="Copy number: GISTIC matrix (data_CNA.txt) or long format.")
    ] = None,
    clinical: Annotated[
        Path | None, typer.Option(help="Samples: SAMPLE_ID, ONCOTREE_CODE (optional SETTING).")
    ] = None,
    tumor_type: Annotated[
        str | None,
        typer.Option(
            "--tumor-type", "-t", help="Tumor type where no input file gives one (e.g. LUAD)."
        ),
    ] = None,
    fmt: Annotated[
        AnnotateFormat, typer.Option("--format", "-f", help="Table format.")
    ] = AnnotateFormat.tsv,
    kb: Annotated[
        Path | None,
        typer.Option(help="Knowledge base: a folder, a snapshot file or a shipped version."),
    ] = None,
    plots: Annotated[bool, typer.Option(help="Draw plots/ (PNG and SVG).")] = True,
    report: Annotated[
        bool, typer.Option(help="Write report.html: the run, tables and figures in one page.")
    ] = True,
    compare: Annotated[
        Path | None,
        typer.Option(help="An earlier output folder: write changes.tsv (samples that changed)."),
    ] = None,
    kb_old: Annotated[
        Path | None,
        typer.Option(help="The KB snapshot the --compare folder was made with, if not shipped."),
    ] = None,
    engine: Annotated[
        AnnotateEngine,
        typer.Option(help="polars (this machine) or spark (a cluster; inputs may be globs)."),
    ] = AnnotateEngine.polars,
    master: Annotated[
        str | None,
        typer.Option(help="Spark master: local[*] (default), yarn, k8s://...; or SPARK_MASTER."),
    ] = None,
) -> None:
    """Annotate a cohort: every row gets oncokb-annotator-style levels and onconav's alteration.

    Writes to OUT: annotated_mutations.tsv (and annotated_vcf, annotated_fusions, annotated_sv,
    annotated_cna where given): every input row in input order, its columns unchanged, plus
    ANNOTATED, LEVEL_1 ... LEVEL_R2, HIGHEST_LEVEL, TX_CITATIONS, ONCONAV_ALTERATION and
    ONCONAV_CATEGORY; samples.tsv (one row a sample); rejected.tsv (rows that could not be
    annotated, with file, line and reason); summary.json; plots/; report.html (the run, tables
    and figures in one page; --no-report skips it). A sample's tumor type comes
    from --clinical, then the rows' ONCOTREE_CODE, then --tumor-type.

    Examples, run in tests/data/cohort:

    \b
        onconav annotate --maf tiny.maf --clinical tiny_clinical.txt --out annotated

    \b
        onconav annotate --maf tiny.maf --cna tiny_cna.txt -t LUAD -o annotated -f parquet

    \b
        onconav annotate --vcf tiny_vep.vcf --sample-id S1 --tumor-type LUAD --out annotated

    With --engine spark (pip install "onconav[spark]", Java 17 or later) the same outputs are
    made with Apache Spark (--master, default local[*]); each input may then be a folder or a
    quoted glob of files, local or s3://, gs://, hdfs:// (see docs/spark.md).

    With --compare EARLIER_OUT, also writes changes.tsv: the samples whose highest level or
    level-1 options differ from the earlier output, and why (the KB changes behind it). The
    earlier folder's KB must be shipped (onconav kb versions) or given with --kb-old SNAPSHOT.
    """  # noqa: D301 - the \b marks keep click from rewrapping the examples
    import polars as pl

    from onconav.cohort import CohortInputs, annotate_cohort
    from onconav.cohort.compare import compare_outputs, previous_kb, read_earlier, write_changes
    from onconav.kb.index import get_index

    inputs = CohortInputs(
        maf=maf, vcf=vcf, sample_ids=tuple(sample_id or ()), fusions=fusions, sv=sv, cna=cna,
        clinical=clinical, tumor_type=tumor_type,
    )  # fmt: skip
    if kb_old is not None and compare is None:
        fail("--kb-old: only with --compare")
    if master is not None and engine != AnnotateEngine.spark:
        fail("--master: only with --engine spark")
    try:
        index = get_index(kb)
        # Read the earlier output (and find its KB) first: --out may replace that folder.
        earlier = read_earlier(compare) if compare is not None else None
        old = previous_kb(earlier, kb_old) if earlier is not None else None
        with _terminate_as_exit(), _progress_bar() as progress:
            if engine == AnnotateEngine.spark:
                summary = _annotate_spark(inputs, out, fmt, index, progress, plots, report, master)
            else:
                summary = annotate_cohort(
                    inputs, out, fmt=fmt.value, index=index, progress=progress, plots=plots,
                    report_html=report,
                )  # fmt: skip
        changes = None
        if earlier is not None and old is not None:
            changes = compare_outputs(earlier, out, old, index)
            write_changes(changes, out / "changes.tsv")
        _report(summary, out)
        if changes is not None and old is not None:
            sys.stdout.write(
                f"{len(changes)} sample(s) changed against {compare}/ (KB {old.info.kb_version} -> "
                f"{index.info.kb_version}): {out}/changes.tsv\n"
            )
        sys.stdout.flush()
    except TumorTypeError as exc:
        if exc.file is None:  # (the default tumor type: name the option that gave it)
            exc.file, exc.field = "--tumor-type", None
        fail(str(exc))
    except OnconavError as exc:
        fail(str(exc))
    except OSError as exc:
        environment_failure(_named(exc, out))
    except pl.exceptions.PolarsError as exc:
        environment_failure(_polars_os_error(exc, out))


def _annotate_spark(
    inputs: CohortInputs, out: Path, fmt: AnnotateFormat, index: KBIndex,
    progress: Progress | None, plots: bool, report: bool, master: str | None,
) -> CohortSummary:  # fmt: skip
    """`annotate` with Spark: pyspark and Java are checked first (exit 2 with one line)."""
    from onconav.cohort.spark import annotate as spark_annotate
    from onconav.cohort.spark.session import start

    session, created = start(master)
    url = session.sparkContext.uiWebUrl
    sys.stderr.write(
        f"spark: {session.sparkContext.master}" + (f", UI {url}" if url else "") + "\n"
    )
    try:
        return spark_annotate(session, inputs, out, fmt=fmt.value, index=index, progress=progress,
                              plots=plots, report_html=report)  # fmt: skip
    finally:
        if created:
            session.stop()


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """Make SIGTERM and SIGHUP exit the way Ctrl-C does, so that the staging folder is removed.

    By default these signals end Python at once, skipping every `finally` and `except`; here
    they raise SystemExit (128 + the signal), which unwinds through the clean-up.
    """

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    handled = [signal.SIGTERM, getattr(signal, "SIGHUP", None)]
    previous = {}
    try:
        for sig in handled:
            if sig is not None:
                previous[sig] = signal.signal(sig, stop)
    except ValueError:  # (not the main thread: leave the signals alone)
        previous = {}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# Polars words an operating-system failure "No such file or directory (os error 2): path".
_POLARS_OS = re.compile(r"^(?P<reason>.*?)\s*\(os error (?P<errno>\d+)\)(?::\s*(?P<path>.+))?$")


def _named(exc: OSError, out: Path) -> OSError:
    """`exc` naming the path at fault: its own, the one Polars names, else `--out`.

    The hidden staging folder is named as `--out`, the folder the user knows.
    """
    if exc.filename is not None and ".partial-" not in str(exc.filename):
        return exc
    m = _POLARS_OS.match(str(exc).strip())
    if m is not None:
        path = m.group("path") or str(out)
        path = str(out) if ".partial-" in path else path
        return OSError(int(m.group("errno")), m.group("reason"), path)
    return OSError(exc.errno or errno.EIO, exc.strerror or str(exc), str(out))


def _polars_os_error(exc: Exception, out: Path) -> OSError:
    """A Polars error that is an operating-system failure (`(os error N)`), as an OSError.

    Raises:
        Exception: `exc` itself when it is not one (a bug: traceback).
    """
    if _POLARS_OS.match(str(exc).strip()) is None:
        raise exc
    return _named(OSError(str(exc)), out)
