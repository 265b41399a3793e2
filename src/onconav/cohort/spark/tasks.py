"""What Spark's executors run: pass 1 and pass 2 over each Arrow batch (`mapInArrow`).

Each function takes the input's `Job` (its layer, files and, for pass 2, the plan's lookup) and
the `Shared` values (the knowledge base's gene spellings, the clinical file's samples), both
shipped once as broadcasts, and turns a partition's Arrow batches into result batches. The
per-row work is `cohort.batch`: the Polars engine's own expressions, applied to the batch.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from onconav.cohort.batch import annotation_ids, mark_batch
from onconav.cohort.columns import ANNOTATION_COLUMNS
from onconav.cohort.layer import ROW, Layer
from onconav.cohort.scan import annotation_cells, annotation_texts
from onconav.cohort.spark.lines import (
    BlockState,
    canonical,
    number_lines,
    row_id,
    split_cells,
    text_rows,
)

if TYPE_CHECKING:
    from pyspark import Broadcast

__all__ = ["MARKER", "Job", "Shared", "pass1", "pass2", "pass1_schema"]

# Starts the line naming the first row id of each run of rows in a TSV part file (no output
# line can hold a NUL byte: readers replace it), so that the driver puts runs in input order.
MARKER = "\x00"
_STR = pl.String
_I64 = pl.Int64

Batches = Iterator[pa.RecordBatch]


@dataclass(frozen=True)
class Shared:
    """What every task needs: gene spellings and the clinical file's samples (or None)."""

    spellings: frozenset[str]
    known: pl.Series | None


@dataclass(frozen=True)
class Job:
    """One input, as its tasks see it.

    Attributes:
        layer: The layer (its frame replaced by each batch).
        text: Rows are lines Spark read (`lines.py`), else rows the driver handed over.
        files: Text inputs: file index of each file's canonical path.
        headers: Text inputs: each file index's header line.
        comments: Text inputs: '#' lines are comments.
        width: Fields of the header (text inputs).
        offsets: Pass 2: `__fi`, `__b`, `__off` (lines before each block of a file).
        ids: Pass 2: `__i` and `__ann` of the marked rows, sorted.
        table: Pass 2: the distinct annotations (`scan.Annotations.table`).
        fmt: Pass 2: `tsv` or `parquet`.
    """

    layer: Layer
    text: bool
    files: dict[str, int] = field(default_factory=dict)
    headers: dict[int, int] = field(default_factory=dict)
    comments: bool = True
    width: int = 0
    offsets: pl.DataFrame | None = None
    ids: pl.DataFrame | None = None
    table: pl.DataFrame | None = None
    fmt: str = "tsv"


def load(value: Broadcast[bytes]) -> Any:
    """A broadcast's value (pickled by the driver with cloudpickle: layers hold lambdas)."""
    return pickle.loads(value.value)  # noqa: S301 - our own driver's bytes


def pass1_schema(layer: Layer) -> dict[str, pl.DataType]:
    """Columns of pass 1's results: `__t` says which kind of row (m, s, b or e) it is."""
    keys: dict[str, pl.DataType] = {f"__k{i}": _STR() for i in range(len(layer.keys))}
    copies = layer.copies_differ()
    return {
        "__t": _STR(), "__fi": _I64(), "__b": _I64(), ROW: _I64(), "__s": _STR(),
        "__rr": _STR(), "__kb": pl.Boolean(), **keys, "__o": _STR(), "GENE": _STR(),
        "ALTERATION": _STR(), "LINE": _I64(), "COLUMN": _STR(), "__n": _I64(), "__err": _STR(),
        **{c.meta.output_name(): _I64() for c in copies},
    }  # fmt: skip


def _arrow(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pa.RecordBatch:
    """`frame` with exactly `schema`'s columns, as one Arrow batch Spark accepts."""
    cols = [
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
        for c, t in schema.items()
    ]
    table = frame.select(cols).to_arrow()
    target = pa.schema([(c, _pa_type(t)) for c, t in schema.items()])
    return pa.RecordBatch.from_arrays(
        [table.column(c).cast(target.field(c).type).combine_chunks() for c in schema],
        schema=target,
    )


def _pa_type(dtype: pl.DataType) -> pa.DataType:
    if dtype == pl.Int64:
        return pa.int64()
    if dtype == pl.Boolean:
        return pa.bool_()
    return pa.string()


def _file_index(frame: pl.DataFrame, job: Job) -> pl.DataFrame:
    names = frame["__f"].unique().to_list()
    index = {n: job.files[canonical(n)] for n in names}
    fi = pl.col("__f").replace_strict(index, return_dtype=_I64).alias("__fi")
    return frame.select(fi, pl.col("__b").cast(_I64), "__v")


def _text_batches(batches: Batches, job: Job) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Each batch's numbered lines and data rows (`__fi`, `__b`, `__j`, `__line`, `__nul`)."""
    state = BlockState()
    for rb in batches:
        lines = pl.DataFrame(pl.from_arrow(rb))
        if lines.is_empty():
            continue
        lines = number_lines(_file_index(lines, job), state)
        rows, errors = text_rows(lines, job.headers, job.comments)
        yield lines, rows if errors.is_empty() else errors


def pass1(
    job_value: Broadcast[bytes], shared_value: Broadcast[bytes]
) -> Callable[[Batches], Batches]:
    """The pass-1 task: marked rows (m), rows by sample (s), lines a block (b), errors (e)."""

    def run(batches: Batches) -> Batches:
        job: Job = load(job_value)
        shared: Shared = load(shared_value)
        schema = pass1_schema(job.layer)
        if job.text:
            yield from _pass1_text(batches, job, shared, schema)
            return
        for rb in batches:
            rows = pl.DataFrame(pl.from_arrow(rb))
            layer = replace(job.layer, frame=rows.lazy())
            marked, samples = mark_batch(layer, shared.spellings, shared.known)
            yield _arrow(_tagged(marked, samples), schema)

    return run


def _tagged(marked: pl.DataFrame, samples: pl.DataFrame, *more: pl.DataFrame) -> pl.DataFrame:
    parts = [marked.with_columns(pl.lit("m").alias("__t")),
             samples.with_columns(pl.lit("s").alias("__t")), *more]  # fmt: skip
    return pl.concat([p.with_columns(pl.col(pl.UInt32).cast(_I64)) for p in parts],
                     how="diagonal_relaxed")  # fmt: skip


def _pass1_text(batches: Batches, job: Job, shared: Shared, schema: dict[str, pl.DataType]
                ) -> Batches:  # fmt: skip
    for lines, rows in _text_batches(batches, job):
        blocks = lines.group_by("__fi", "__b").agg((pl.col("__j").max() + 1).alias("__n"))
        blocks = blocks.with_columns(pl.lit("b").alias("__t"))
        if "__err" in rows.columns:
            errors = pl.concat([_long_before(lines, rows, job), rows], how="diagonal_relaxed")
            errors = errors.rename({"__j": ROW}).with_columns(pl.lit("e").alias("__t"))
            yield _arrow(pl.concat([blocks, errors], how="diagonal_relaxed"), schema)
            continue
        cells, long = split_cells(rows, job.width, _read_cells(job.layer))
        cells = cells.with_columns(pl.col("__j").alias(ROW))
        layer = replace(job.layer, frame=cells.lazy())
        marked, samples = mark_batch(layer, shared.spellings, shared.known, keep=("__fi", "__b"))
        extra = [blocks, long.rename({"__j": ROW}).with_columns(pl.lit("e").alias("__t"))]
        yield _arrow(_tagged(marked, samples, *extra), schema)


def _long_before(lines: pl.DataFrame, bad: pl.DataFrame, job: Job) -> pl.DataFrame:
    """The lines with more fields than the header before `bad` (`lines.text_rows`' error).

    `bad` is the batch's first line that is not UTF-8; the Polars engine names the first bad
    line of either kind.
    """
    where = (pl.col("__fi") == bad["__fi"][0]) & (pl.col("__b") == bad["__b"][0])
    at = lines.with_row_index("__k").filter(where & (pl.col("__j") == bad["__j"][0]))["__k"][0]
    rows, _ = text_rows(lines.head(at), job.headers, job.comments)
    return split_cells(rows, job.width, [])[1]


def _read_cells(layer: Layer) -> list[int]:
    """Positions of the input columns (`c<i>`) pass 1's expressions read."""
    exprs = [layer.sample, *layer.keys, layer.gene, layer.detail, layer.has_gene,
             layer.kb_hint(frozenset()), layer.line]  # fmt: skip
    exprs += [e for e in (layer.column, layer.row_reject, layer.oncotree) if e is not None]
    exprs += layer.copies_differ()
    names = {n for e in exprs for n in e.meta.root_names()}
    return sorted(int(n[1:]) for n in names if n[:1] == "c" and n[1:].isdigit())


def pass2_schema(job: Job) -> dict[str, pl.DataType]:
    """Columns of pass 2's results: one text line (TSV), or the output's cells (Parquet)."""
    if job.fmt == "tsv":
        return {"value": _STR()}
    return {h: _STR() for h in (*job.layer.headers, *ANNOTATION_COLUMNS)}


def pass2(job_value: Broadcast[bytes]) -> Callable[[Batches], Batches]:
    """The pass-2 task: every row with its annotation cells, a run's first row marked (TSV)."""

    def run(batches: Batches) -> Batches:
        job: Job = load(job_value)
        schema = pass2_schema(job)
        last: list[int | None] = [None]
        source = _pass2_text(batches, job) if job.text else _pass2_rows(batches)
        for rows in source:
            yield _arrow(_output(rows, job, last), schema)

    return run


def _pass2_rows(batches: Batches) -> Iterator[pl.DataFrame]:
    for rb in batches:
        rows = pl.DataFrame(pl.from_arrow(rb))
        if not rows.is_empty():
            yield rows.with_columns(pl.lit(0, _I64).alias("__fi"), pl.lit(0, _I64).alias("__b"))


def _pass2_text(batches: Batches, job: Job) -> Iterator[pl.DataFrame]:
    assert job.offsets is not None
    for _lines, rows in _text_batches(batches, job):
        if rows.is_empty():
            continue
        rows = rows.join(job.offsets, on=["__fi", "__b"], how="left", maintain_order="left")
        line = pl.col("__off") + pl.col("__j") + 1
        rows = rows.with_columns(row_id(pl.col("__fi"), line).alias(ROW))
        yield split_cells(rows, job.width)[0] if job.fmt == "parquet" else rows


def _output(rows: pl.DataFrame, job: Job, last: list[int | None]) -> pl.DataFrame:
    """The output of rows numbered `__i`: TSV lines (a marker before each run), or cells."""
    assert job.ids is not None
    assert job.table is not None
    ann = annotation_ids(rows[ROW].cast(_I64), job.ids)
    rows = rows.with_columns(ann)
    if job.fmt == "parquet":
        named = [pl.col(c).cast(_STR).alias(h)
                 for c, h in zip(job.layer.columns, job.layer.headers, strict=True)]  # fmt: skip
        return rows.select(*named, *annotation_cells(job.table, pl.col("__ann")))
    tail = pl.lit(annotation_texts(job.table)).gather(pl.col("__ann"))
    if job.text:
        last_tab = job.width - 1
        tabs = pl.col("__line").str.count_matches("\t", literal=True).cast(_I64)
        pad = pl.lit("\t" * last_tab).str.slice(0, (pl.lit(last_tab, _I64) - tabs).clip(0)
                                                .cast(pl.UInt32))  # fmt: skip
        body = pl.concat_str([pl.col("__line"), pad])
    else:
        cells = [pl.col(c).cast(_STR).fill_null("") for c in job.layer.columns]
        body = pl.concat_str(cells, separator="\t")
    key = pl.struct("__fi", "__b")
    starts = (key != key.shift()).fill_null(True)
    first = (int(rows["__fi"][0]) << 40) | int(rows["__b"][0])
    if last[0] == first:
        starts = starts & (pl.int_range(pl.len()) > 0)
    last[0] = (int(rows["__fi"][-1]) << 40) | int(rows["__b"][-1])
    marker = pl.format(MARKER + "{}\n", pl.col(ROW))
    text = pl.concat_str([body, pl.lit("\t"), tail])
    return rows.select(pl.when(starts).then(pl.concat_str([marker, text])).otherwise(text)
                       .alias("value"))  # fmt: skip
