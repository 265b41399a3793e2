"""Annotate a cohort: pipeline files in, oncokb-annotator-style tables and a summary out.

    >>> from pathlib import Path
    >>> from onconav.cohort import CohortInputs, annotate_cohort
    >>> summary = annotate_cohort(CohortInputs(maf=Path("data_mutations.txt"),
    ...                                        tumor_type="LUAD"), Path("out"))  # doctest: +SKIP

Flow: open every input as a `Layer` (readers/); pass 1 over each (scan.py: the marked rows,
rows by sample); read each distinct key once (reading.py); the plan (plan.py: tumor types,
match each distinct sample context once, the annotation of each marked row, rejected rows);
the samples table; pass 2 over each (scan.py: every row joined on its row number, streamed
to the output), while plots/ are drawn; then rejected rows and summary.json. All of it goes
to a staged folder that replaces `out` only when complete (output.py).
"""

from __future__ import annotations

import logging
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from onconav import __version__
from onconav.cohort.columns import ANNOTATION_COLUMNS, REJECTED_COLUMNS
from onconav.cohort.events import KBView
from onconav.cohort.layer import Layer
from onconav.cohort.oncoprint import (
    MAX_SAMPLE_COLUMNS,
    SAMPLES_N,
    Oncoprint,
    build_oncoprint,
    sample_count,
)
from onconav.cohort.output import (
    Format,
    check_parquet_names,
    lines_sink,
    staged_output,
    table_sink,
    write_frame,
)
from onconav.cohort.parquet_rows import write_parquet_rows
from onconav.cohort.plan import Plan, Progress, codes, make_plan
from onconav.cohort.plots import import_matplotlib, write_plots
from onconav.cohort.readers.clinical import Clinical, read_clinical
from onconav.cohort.readers.cna import read_cna
from onconav.cohort.readers.fusions import read_fusions, read_sv
from onconav.cohort.readers.maf import read_maf
from onconav.cohort.readers.table import BodyCounts, body_counts
from onconav.cohort.readers.vcf import read_vcf
from onconav.cohort.reading import KeyReader
from onconav.cohort.report_data import alteration_table
from onconav.cohort.report_html import REPORT_NAME, write_report
from onconav.cohort.scan import KeyScan, scan_keys, write_rows
from onconav.cohort.summary import (
    CohortSummary,
    FileSummary,
    count_samples,
    gene_levels,
    sample_groups,
    sample_table,
    summarize_samples,
)
from onconav.errors import CohortInputError
from onconav.kb.index import KBIndex, get_index
from onconav.match.provenance import NORMALIZER_VERSION

__all__ = [
    "CohortInputs",
    "Finished",
    "annotate_cohort",
    "finish",
    "oncoprint_of",
    "start",
]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CohortInputs:
    """The files of one cohort (each optional, at least one data file) and the default tumor type.

    Attributes:
        maf: Mutations (MAF, cBioPortal data_mutations), plain or gzip.
        vcf: An annotated VCF (VEP CSQ, SnpEff ANN or bcftools BCSQ).
        sample_ids: VCF samples to keep, or the name of a single-sample or sites-only VCF's one.
        fusions: oncokb-annotator fusion file (sample, Fusion).
        sv: Structural variants (cBioPortal data_sv.txt; oncokb-annotator SV file).
        cna: Copy number (GISTIC discrete matrix or long format).
        clinical: Sample file with SAMPLE_ID and ONCOTREE_CODE (optionally SETTING).
        tumor_type: Tumor type of samples the clinical file and rows do not give.
    """

    maf: Path | None = None
    vcf: Path | None = None
    sample_ids: tuple[str, ...] = ()
    fusions: Path | None = None
    sv: Path | None = None
    cna: Path | None = None
    clinical: Path | None = None
    tumor_type: str | None = None


def _silent(stage: str, done: int, total: int | None) -> None:
    """The default progress callback: says nothing."""


def _open_layers(inputs: CohortInputs, work: Path) -> list[Layer]:
    layers = []
    if inputs.maf:
        layers.append(read_maf(inputs.maf, work_dir=work))
    if inputs.vcf:
        layers.append(read_vcf(inputs.vcf, work_dir=work, sample_ids=inputs.sample_ids))
    if inputs.fusions:
        layers.append(read_fusions(inputs.fusions, work_dir=work))
    if inputs.sv:
        layers.append(read_sv(inputs.sv, work_dir=work))
    if inputs.cna:
        layers.append(read_cna(inputs.cna, work_dir=work))
    return layers


def _check_tumor_source(
    layers: list[Layer], clinical: Clinical | None, default: str | None
) -> None:
    has_clinical = (
        clinical is not None and clinical.samples["tumor"].null_count() < clinical.samples.height
    )
    if default or has_clinical or any(layer.oncotree is not None for layer in layers):
        return
    raise CohortInputError(
        "no tumor type: give --tumor-type, or a --clinical file with ONCOTREE_CODE",
        field="--tumor-type",
        code="usage",
    )


def _write_layers(
    layers: list[Layer], scans: list[KeyScan], counts: list[Future[BodyCounts] | None], plan: Plan,
    stage: Path, fmt: Format, progress: Progress,
) -> None:  # fmt: skip
    """Pass 2: write every annotated table."""
    for i, (layer, lookup) in enumerate(zip(layers, plan.lookups, strict=True)):
        counted = counts[i]
        progress(f"write {layer.output_stem}", i, len(layers))
        tsv = fmt == "tsv"
        added = ["\t".join(ANNOTATION_COLUMNS)] if tsv else list(ANNOTATION_COLUMNS)
        headers = [*layer.headers, *added]
        path = stage / f"{layer.output_stem}.{fmt}"
        table = layer.table
        if not tsv:
            check_parquet_names(headers, path)
        with ExitStack() as stack:

            def sink(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
                return table_sink(frame, columns, headers, path, fmt, stack)  # noqa: B023

            def lines(frame: pl.LazyFrame) -> pl.LazyFrame:
                # (the input's header, then the annotation columns' if `frame` has them apart)
                cells = ["\t".join(layer.headers), *added]  # noqa: B023
                if len(frame.collect_schema()) == 1:
                    cells = ["\t".join(cells)]
                return lines_sink(frame, cells, path)  # noqa: B023

            def copy(ids: pl.Series, cells: pl.DataFrame) -> bool:
                assert table is not None  # noqa: B023
                return write_parquet_rows(table, headers, ids, cells, path)  # noqa: B023

            body = counted.result() if counted is not None else None
            copying = copy if table is not None and not tsv else None
            write_rows(layer, lookup, sink, tsv, lines, scan=scans[i], counts=body, copy=copying)
    progress("write", len(layers), len(layers))


def _count_body(pool: ThreadPoolExecutor, layer: Layer, scan: KeyScan) -> Future[BodyCounts] | None:
    """Count a layer's tabs, lines and carriage returns in the background (see `write_rows`).

    Either format uses them: TSV to copy the lines as they are, Parquet to have pyarrow read
    them. Tabs are counted line by line when some rows' last cell is blank (pass 1 says so).
    """
    if not layer.verbatim or layer.table is None:
        return None
    return pool.submit(body_counts, layer.table, per_line=scan.blank_last > 0)


@dataclass(frozen=True)
class _Samples:
    """samples.tsv's rows counted, and what the figures and the report are made of."""

    counted: pl.DataFrame
    genes: pl.DataFrame
    oncoprint: Oncoprint | None
    alterations: pl.DataFrame | None


def _samples_out(plan: Plan, stage: Path, fmt: Format, plots: bool, html: bool) -> _Samples:
    """Write samples.tsv, and make the oncoprint's data and the report's alteration table.

    Done between the plan and pass 2, on the main thread: it is Polars' work, which takes both
    cores, so that beside pass 2 it saved no time and raised the run's peak (by about 0.1 GiB
    at a million samples); only the drawing, on one core, is left to run beside pass 2. What
    comes after reads samples.tsv's rows counted (`count_samples`). The gene levels and the
    oncoprint come from the samples counted by group of alike samples (`sample_groups`),
    unless few enough samples are shown for a column each.
    """
    samples = sample_table(plan.samples, plan.levels, plan.actionable)
    write_frame(samples, stage / f"samples.{fmt}", fmt)
    groups, genes = sample_groups(plan.samples, samples, plan.levels)
    op = oncoprint_of(plan, samples, groups, genes) if plots or html else None
    table = alteration_table(plan.labeled, _symbols(plan)) if html else None
    return _Samples(count_samples(samples), genes, op, table)


def _grouped(genes: pl.DataFrame) -> bool:
    """The oncoprint of counted `genes` (`sample_groups`) is drawn a column a group.

    So it is when more than `MAX_SAMPLE_COLUMNS` samples are shown; else a column a sample.
    """
    return bool(genes.unique("SAMPLE_ID")[SAMPLES_N].sum() > MAX_SAMPLE_COLUMNS)


def oncoprint_of(
    plan: Plan, samples: pl.DataFrame, groups: pl.DataFrame, genes: pl.DataFrame
) -> Oncoprint:
    """The oncoprint of both engines.

    Made from the samples counted by group (`sample_groups`' `groups` and `genes`) when more
    than `MAX_SAMPLE_COLUMNS` samples are shown, else from every sample's row of `samples`
    (samples.tsv's table), a column each.
    """
    if _grouped(genes):
        return build_oncoprint(groups, genes)
    return build_oncoprint(samples, gene_levels(plan.samples, plan.levels))


def _symbols(plan: Plan) -> frozenset[str]:
    """The genes of the cohort's matched events."""
    return frozenset(plan.levels["__gene"].unique().to_list())


def _write_rejected(plan: Plan, path: Path, fmt: Format) -> None:
    empty = pl.DataFrame(schema=dict.fromkeys(REJECTED_COLUMNS, pl.String))
    frames = [r.cast(dict.fromkeys(REJECTED_COLUMNS, pl.String)) for r in plan.rejected]
    write_frame(pl.concat(frames) if frames else empty, path, fmt)


def _file_summaries(
    layers: list[Layer], scans: list[KeyScan], plan: Plan, fmt: Format
) -> list[FileSummary]:
    out = []
    for layer, scan, rejected in zip(layers, scans, plan.counts, strict=True):
        n_rej = sum(rejected.values())
        out.append(
            FileSummary(
                file=layer.label, kind=layer.kind, output=f"{layer.output_stem}.{fmt}",
                rows_in=scan.rows, rows_annotated=scan.rows - n_rej, rows_rejected=n_rej,
                rejected_by_reason=codes(rejected),
            )
        )  # fmt: skip
    return out


def _summary(index: KBIndex, files: list[FileSummary], samples: pl.DataFrame, genes: pl.DataFrame,
             plan: Plan, default: str | None, outputs: list[str]) -> CohortSummary:  # fmt: skip
    meta = index.kb.meta
    by_reason: dict[str, int] = {}
    for f in files:
        for code, n in f.rejected_by_reason.items():
            by_reason[code] = by_reason.get(code, 0) + n
    return CohortSummary(
        onconav_version=__version__,
        kb_version=meta.kb_version,
        kb_date=meta.kb_date.isoformat(),
        kb_hash=index.info.content_hash,
        normalizer_version=NORMALIZER_VERSION,
        disclaimer=meta.disclaimer,
        rows_in=sum(f.rows_in for f in files),
        rows_annotated=sum(f.rows_annotated for f in files),
        rows_rejected=sum(f.rows_rejected for f in files),
        rejected_by_reason=codes(by_reason),
        files=files,
        samples=sample_count(samples),
        contexts_matched=len(plan.contexts),
        tumor_type_default=default,
        outputs=outputs,
        **summarize_samples(samples, genes),
    )


def _scan_all(
    layers: list[Layer], view: KBView, clinical: Clinical | None, report: Progress, work: Path
) -> list[KeyScan]:
    """Pass 1 over every layer (marked rows staged in `work`)."""
    known = clinical.samples["sample"] if clinical is not None else None
    scans = []
    for i, layer in enumerate(layers):
        report(f"read {layer.output_stem}", i, len(layers))
        scans.append(scan_keys(layer, view.spellings, known, work))
    return scans


def _annotate_into(
    stage: Path, inputs: CohortInputs, fmt: Format, view: KBView, default: str | None,
    report: Progress, plots: bool, html: bool = True,
) -> CohortSummary:  # fmt: skip
    """Everything `annotate_cohort` does, written into `stage`.

    Helper threads read the clinical file while the data files are opened, import matplotlib
    while Polars reads the inputs (pass 1), count tabs and lines (numpy, which releases the
    GIL) while Python reads the distinct keys, and draw the plots while Polars writes the
    annotated tables (pass 2); samples.tsv, the oncoprint's data and the report's alteration
    table are made just before (`_samples_out`). (Drawing holds the GIL on one core; the rest
    is Polars' or numpy's, which do not.)
    """
    started = time.perf_counter()
    work = stage / ".work"
    work.mkdir()
    with ThreadPoolExecutor(max_workers=3) as pool:
        # (the clinical file is read while the data files are opened: their errors come first)
        reading = (
            pool.submit(read_clinical, inputs.clinical, work_dir=work) if inputs.clinical else None
        )
        layers = _open_layers(inputs, work)
        clinical = reading.result() if reading is not None else None
        _check_tumor_source(layers, clinical, default)
        clin = (clinical.label, clinical.samples) if clinical else None
        if plots:
            pool.submit(import_matplotlib)
        scans = _scan_all(layers, view, clinical, report, work)
        counts = [_count_body(pool, layer, scan) for layer, scan in zip(layers, scans, strict=True)]
        plan = make_plan(KeyReader(view, layers), scans, clin, default, report)
        scans = [replace(s, marked=s.marked.clear()) for s in scans]  # free them for pass 2
        made = _samples_out(plan, stage, fmt, plots, html)
        # (drawing holds the GIL on one core while Polars writes on both)
        drawn = pool.submit(write_plots, made.counted, made.genes, stage / "plots",
                            made.oncoprint) if plots else None  # fmt: skip
        _write_layers(layers, scans, counts, plan, stage, fmt, report)
        drawings = drawn.result() if drawn is not None else []
        _write_rejected(plan, stage / f"rejected.{fmt}", fmt)
    done = Finished(layers, scans, plan, made.counted, made.genes, made.oncoprint, drawings,
                    made.alterations)  # fmt: skip
    return finish(stage, done, view, default, fmt, html, clinical, started)


@dataclass(frozen=True)
class Finished:
    """What an engine has made once every table is written (see `finish`)."""

    layers: list[Layer]
    scans: list[KeyScan]
    plan: Plan
    samples: pl.DataFrame  # (samples.tsv's rows counted: `count_samples`)
    genes: pl.DataFrame
    oncoprint: Oncoprint | None
    drawings: list[str]
    alterations: pl.DataFrame | None = None


def finish(
    stage: Path, done: Finished, view: KBView, default: str | None, fmt: Format, html: bool,
    clinical: Clinical | None, started: float,
) -> CohortSummary:  # fmt: skip
    """The last steps of both engines: summary.json, report.html, the work folder removed."""
    layers, plan = done.layers, done.plan
    outputs = [f"{layer.output_stem}.{fmt}" for layer in layers]
    outputs += [f"samples.{fmt}", f"rejected.{fmt}", *done.drawings, "summary.json"]
    outputs += [REPORT_NAME] if html else []
    files = _file_summaries(layers, done.scans, plan, fmt)
    summary = _summary(view.index, files, done.samples, done.genes, plan, default, outputs)
    text = summary.model_dump_json(indent=2) + "\n"
    (stage / "summary.json").write_text(text, encoding="utf-8")
    if html and done.oncoprint is not None:
        write_report(stage, summary, done.samples, done.oncoprint, plan.labeled, _symbols(plan),
                     plots=done.drawings, seconds=time.perf_counter() - started,
                     table_format=fmt, clinical=clinical.label if clinical else None,
                     alterations=done.alterations)  # fmt: skip
    shutil.rmtree(stage / ".work")
    return summary


def start(inputs: CohortInputs, index: KBIndex | None) -> tuple[KBIndex, str | None]:
    """The knowledge base and the default tumor type's code, once an input is known given.

    Raises:
        CohortInputError: no input file is given.
        TumorTypeError: `inputs.tumor_type` is not a known tumor type.
    """
    index = index or get_index()
    default = index.resolve_tumor_type(inputs.tumor_type).code if inputs.tumor_type else None
    if not any((inputs.maf, inputs.vcf, inputs.fusions, inputs.sv, inputs.cna)):
        raise CohortInputError(
            "nothing to annotate: give --maf, --vcf, --fusions, --sv or --cna",
            field="--maf",
            code="usage",
        )
    return index, default


def annotate_cohort(
    inputs: CohortInputs,
    out: Path,
    *,
    fmt: Format = "tsv",
    index: KBIndex | None = None,
    progress: Progress | None = None,
    plots: bool = True,
    report_html: bool = True,
) -> CohortSummary:
    """Annotate a cohort's files into the folder `out` (see cli.md, `annotate`).

    Args:
        inputs: The files and the default tumor type.
        out: Output folder; replaced atomically (only if empty or an earlier onconav output).
        fmt: `tsv` or `parquet` for the tables.
        index: The knowledge base (the shipped one by default).
        progress: Called as progress(stage, done, total) while the work advances.
        plots: Draw plots/ (PNG and SVG).
        report_html: Write report.html (the figures in it when `plots`).

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
        summary = _annotate_into(
            stage, inputs, fmt, KBView(index), default, report, plots, report_html
        )
        report("done", 1, 1)
    _logger.info("annotated %d of %d rows", summary.rows_annotated, summary.rows_in)
    return summary
