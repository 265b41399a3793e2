"""From pass 1's aggregates to everything pass 2 and the reports need, without touching rows.

Steps: read each distinct key once (`KBView.read`); decide each sample's tumor type and setting
(clinical file, then the rows' ONCOTREE_CODE, then --tumor-type) or why it has none; group
samples by context (tumor type, setting, set of events) and match each context once; then build,
per input, the lookup table pass 2 joins every row to, and the rejection counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import polars as pl

from onconav.cohort.columns import ANNOTATION_COLUMNS, RejectCode
from onconav.cohort.context import ContextResult, match_context
from onconav.cohort.events import Event, KBView, Reading
from onconav.cohort.layer import Layer
from onconav.cohort.scan import ROW_REJECT, SAMPLE, KeyScan, key_names
from onconav.errors import TumorTypeError

__all__ = ["Plan", "Progress", "make_plan"]

_logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
_CELLS = [
    c
    for c in ANNOTATION_COLUMNS
    if c not in ("ANNOTATED", "ONCONAV_ALTERATION", "ONCONAV_CATEGORY")
]
_STR = pl.String


@dataclass
class Plan:
    """What pass 2 and the reports need.

    Attributes:
        lookups: Per layer, one row per distinct (sample, key) of knowledge-base rows.
        samples: One row a sample (see `_samples`), with `__ctx` (context id or null).
        contexts: Context id -> its match, attributed to events.
        known: The clinical file's samples, when one is given.
        rejected: Per layer, rows rejected by code.
    """

    lookups: list[pl.DataFrame]
    samples: pl.DataFrame
    contexts: dict[int, ContextResult]
    known: pl.Series | None
    rejected: list[dict[str, int]] = field(default_factory=list)


def _readings(view: KBView, layer: Layer, scan: KeyScan, events: dict[Event, int]) -> pl.DataFrame:
    """One row per distinct key: its reading, with an event id (`__ev`) where it has one."""
    names = key_names(layer)
    distinct = scan.keys.select(names).unique()
    cols: dict[str, list[object]] = {c: [] for c in ("__alt", "__cat", "__rej", "__why", "__ev")}
    for key in distinct.iter_rows():
        r: Reading = view.read(layer, key)
        ev = None if r.event is None else events.setdefault(r.event, len(events))
        for name, value in zip(
            cols, (r.alteration, r.category, r.reject, r.reason, ev), strict=True
        ):
            cols[name].append(value)
    schema = {"__alt": _STR, "__cat": _STR, "__rej": _STR, "__why": _STR, "__ev": pl.Int64}
    return pl.concat([distinct, pl.DataFrame(cols, schema=schema)], how="horizontal")


def _tumor_texts(
    scans: list[KeyScan], clinical: pl.DataFrame | None, default: str | None
) -> pl.DataFrame:
    """One row a sample seen or listed: `__s`, `tumor` text (or null), `setting`, `listed`."""
    seen = pl.concat([s.samples.select(SAMPLE, "__o", "__n") for s in scans])
    seen = seen.filter(pl.col(SAMPLE).is_not_null())
    row_tt = (
        seen.filter(pl.col("__o").is_not_null())
        .group_by(SAMPLE, "__o").agg(pl.col("__n").sum())
        .sort("__n", "__o", descending=[True, False])
        .group_by(SAMPLE, maintain_order=True).first()
        .select(SAMPLE, pl.col("__o").alias("__row_tt"))
    )  # fmt: skip
    out = seen.select(SAMPLE).unique().join(row_tt, on=SAMPLE, how="left")
    if clinical is None:
        return out.with_columns(
            pl.coalesce("__row_tt", pl.lit(default, _STR)).alias("tumor"),
            pl.lit("metastatic").alias("setting"),
            pl.lit(True).alias("listed"),
        ).drop("__row_tt")
    clin = clinical.rename({"sample": SAMPLE, "tumor": "__clin_tt"}).with_columns(
        pl.lit(True).alias("listed")
    )
    out = out.join(clin, on=SAMPLE, how="full", coalesce=True)
    return out.with_columns(
        pl.coalesce("__clin_tt", "__row_tt", pl.lit(default, _STR)).alias("tumor"),
        pl.col("setting").fill_null("metastatic"),
        pl.col("listed").fill_null(False),
    ).drop("__clin_tt", "__row_tt")


def _resolve(view: KBView, texts: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for text in texts:
        try:
            out[text] = view.index.resolve_tumor_type(text).code
        except TumorTypeError:
            out[text] = None
    return out


def _samples(
    view: KBView, scans: list[KeyScan], clinical: pl.DataFrame | None, default: str | None
) -> pl.DataFrame:
    """Samples with `tumor_code`, `setting`, `listed` and `__srej` (why their KB rows fail)."""
    df = _tumor_texts(scans, clinical, default)
    codes = _resolve(view, [t for t in df["tumor"].unique().to_list() if t])
    code = pl.col("tumor").replace_strict(codes, default=None, return_dtype=_STR)
    srej = (
        pl.when(~pl.col("listed")).then(pl.lit("unknown-sample"))
        .when(pl.col("tumor").is_null()).then(pl.lit("missing-tumor-type"))
        .when(pl.col("tumor_code").is_null()).then(pl.lit("unknown-tumor-type"))
    )  # fmt: skip
    return df.with_columns(code.alias("tumor_code")).with_columns(srej.alias("__srej"))


def _sample_events(
    layers: list[Layer], scans: list[KeyScan], readings: list[pl.DataFrame]
) -> pl.DataFrame:
    parts = []
    for layer, scan, rd in zip(layers, scans, readings, strict=True):
        names = key_names(layer)
        joined = scan.keys.join(rd, on=names, how="inner", nulls_equal=True)
        parts.append(joined.filter(pl.col("__ev").is_not_null()).select(SAMPLE, "__ev"))
    return pl.concat(parts) if parts else pl.DataFrame(schema={SAMPLE: _STR, "__ev": pl.Int64})


def _contexts(
    view: KBView, samples: pl.DataFrame, sample_events: pl.DataFrame, events: list[Event],
    progress: Progress,
) -> tuple[pl.DataFrame, dict[int, ContextResult]]:  # fmt: skip
    """Attach `__ctx` to samples and match every distinct context once."""
    ok = samples.filter(pl.col("__srej").is_null()).select(SAMPLE, "tumor_code", "setting")
    sets = sample_events.unique().group_by(SAMPLE).agg(pl.col("__ev").sort().alias("__evs"))
    sets = ok.join(sets, on=SAMPLE, how="inner")
    sets = sets.with_columns(pl.col("__evs").cast(pl.List(_STR)).list.join(",").alias("__evkey"))
    distinct = sets.select("tumor_code", "setting", "__evkey", "__evs").unique(
        subset=["tumor_code", "setting", "__evkey"], maintain_order=True
    )
    results: dict[int, ContextResult] = {}
    total = distinct.height
    for i, (code, setting, _key, ids) in enumerate(distinct.iter_rows()):
        results[i] = match_context(view.index, code, setting, tuple(events[j] for j in ids))
        if i % 64 == 0 or i + 1 == total:
            progress("match", i + 1, total)
    ctx = distinct.select("tumor_code", "setting", "__evkey").with_row_index("__ctx")
    mapping = sets.join(ctx, on=["tumor_code", "setting", "__evkey"]).select(SAMPLE, "__ctx")
    return samples.join(mapping, on=SAMPLE, how="left"), results


def _cells_table(contexts: dict[int, ContextResult], events: dict[Event, int]) -> pl.DataFrame:
    rows: dict[str, list[object]] = {"__ctx": [], "__ev": [], **{c: [] for c in _CELLS}}
    for ctx, result in contexts.items():
        for event, cells in result.cells.items():
            rows["__ctx"].append(ctx)
            rows["__ev"].append(events[event])
            for name, value in cells.row().items():
                rows[name].append(value)
    schema = {"__ctx": pl.UInt32, "__ev": pl.Int64, **dict.fromkeys(_CELLS, _STR)}
    return pl.DataFrame(rows, schema=schema)


def _lookup(
    layer: Layer, scan: KeyScan, reading: pl.DataFrame, samples: pl.DataFrame, cells: pl.DataFrame
) -> pl.DataFrame:
    names = key_names(layer)
    df = scan.keys.join(reading, on=names, how="left", nulls_equal=True)
    df = df.join(samples.select(SAMPLE, "__srej", "__ctx"), on=SAMPLE, how="left")
    df = df.join(cells, on=["__ctx", "__ev"], how="left")
    srej = pl.col("__srej")
    return df.select(
        SAMPLE, *names, "__n",
        pl.coalesce(srej, "__rej").alias("__rej"),
        pl.when(srej.is_null()).then(pl.col("__why")).alias("__why"),
        *_CELLS,
        pl.col("__alt").alias("ONCONAV_ALTERATION"),
        pl.col("__cat").alias("ONCONAV_CATEGORY"),
    )  # fmt: skip


def _rejected(scan: KeyScan, lookup: pl.DataFrame, unknown: pl.Series) -> dict[str, int]:
    """Rows rejected by code: row-level ones, unknown samples, then knowledge-base rows."""
    out: dict[str, int] = {}
    s = scan.samples
    rr = s.filter(pl.col(ROW_REJECT).is_not_null()).group_by(ROW_REJECT).agg(pl.col("__n").sum())
    unknown_rows = s.filter(pl.col(ROW_REJECT).is_null() & pl.col(SAMPLE).is_in(unknown))
    kb = lookup.filter(pl.col("__rej").is_not_null() & (pl.col("__rej") != "unknown-sample"))
    for code, n in rr.iter_rows():
        out[code] = out.get(code, 0) + int(n)
    if unknown_rows.height:
        out["unknown-sample"] = out.get("unknown-sample", 0) + int(unknown_rows["__n"].sum())
    for code, n in kb.group_by("__rej").agg(pl.col("__n").sum()).iter_rows():
        out[code] = out.get(code, 0) + int(n)
    return out


def make_plan(
    view: KBView,
    layers: list[Layer],
    scans: list[KeyScan],
    clinical: pl.DataFrame | None,
    default_tumor: str | None,
    progress: Progress,
) -> Plan:
    """Everything between pass 1 and pass 2 (see the module docstring)."""
    events: dict[Event, int] = {}
    readings = [
        _readings(view, layer, scan, events) for layer, scan in zip(layers, scans, strict=True)
    ]
    progress("normalize", len(events), len(events))
    samples = _samples(view, scans, clinical, default_tumor)
    by_id = sorted(events, key=events.__getitem__)
    samples, contexts = _contexts(
        view, samples, _sample_events(layers, scans, readings), by_id, progress
    )
    cells = _cells_table(contexts, events)
    lookups = [
        _lookup(layer, scan, rd, samples, cells)
        for layer, scan, rd in zip(layers, scans, readings, strict=True)
    ]
    known = clinical["sample"] if clinical is not None else None
    unknown = samples.filter(~pl.col("listed"))[SAMPLE]
    rejected = [_rejected(scan, lk, unknown) for scan, lk in zip(scans, lookups, strict=True)]
    _logger.info("%d distinct events, %d contexts matched", len(events), len(contexts))
    return Plan(lookups=lookups, samples=samples, contexts=contexts, known=known, rejected=rejected)


def codes(counts: dict[str, int]) -> dict[RejectCode, int]:
    """Rejection counts with typed codes, largest first."""
    return {cast(RejectCode, k): v for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}
