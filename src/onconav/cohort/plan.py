"""From pass 1's results to everything pass 2 and the reports need, without touching all rows.

Steps: read each distinct key of the marked rows once (`reading.KeyReader`) and give each marked
row its key's reading id; decide each sample's tumor type and setting (clinical file, then the
rows' ONCOTREE_CODE, then --tumor-type) or why it has none; key each sample's events by what
can change their cells (`influence.py`: tumor type, setting and what each event reads of the
others) and match each distinct key once; then, per input, the annotation id of every marked
row into the input's distinct annotations (pass 2 sets the ids beside the rows), and the
rejected rows with their reasons. Everything after the keys are read is joins on integers:
each sample gets an id (`__sid`, its rank by name) as soon as the samples are known, and
samples with the same tumor type, setting and events share a *profile* (`__p`), whose levels
are worked out once; names come back only where a table shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import cast

import polars as pl

from onconav.cohort.columns import (
    ANNOTATION_COLUMNS,
    REJECT_REASONS,
    REJECTED_COLUMNS,
    RejectCode,
)
from onconav.cohort.context import ContextResult, match_context
from onconav.cohort.events import Event, KBView
from onconav.cohort.influence import SID, Influence, event_keys, sorted_distinct
from onconav.cohort.layer import ROW, Layer
from onconav.cohort.reading import EventTable, KeyReader
from onconav.cohort.report_data import LABEL_LISTS, count_labeled
from onconav.cohort.scan import (
    KB,
    ROW_REJECT,
    SAMPLE,
    Annotations,
    KeyScan,
    key_names,
    key_rows,
)
from onconav.errors import TumorTypeError

__all__ = ["Plan", "Progress", "codes", "make_plan", "samples_frame"]

_logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
_OWN = ("ANNOTATED", "ONCONAV_ALTERATION", "ONCONAV_CATEGORY")
_CELLS = [c for c in ANNOTATION_COLUMNS if c not in _OWN]
_STR = pl.String
_NONE32 = (1 << 32) - 1  # a null id in a `_pair` key (ids are below it)
# One row per (context, signature) matched: the cells, the levels reached and the best
# treatments at levels 1 and 2 (samples.tsv's options), in the order `Cells` keeps them.
_CELL_SCHEMA = pl.Schema(
    [("__ctx", pl.UInt32()), ("__sig", pl.Int64()), *((c, pl.String()) for c in _CELLS)]
    + [(c, pl.List(pl.String())) for c in ("__levels", "__opt1", "__opt2")]
)


@dataclass
class Plan:
    """What pass 2 and the reports need.

    Attributes:
        lookups: Per layer, the annotation of each marked row, as an id into its distinct
            annotations (`scan.Annotations`).
        rejected: Per layer, the rejected rows (columns of rejected.tsv).
        counts: Per layer, rejected rows by code.
        samples: One row a sample, by name (see `samples_frame`), with its profile `__p`
            (null when it has no event to match).
        contexts: Context id -> its match, cells keyed by representative event.
        levels: Per (profile, matched event signature): `__p`, `__sig`, `__gene`, `__levels`
            (the levels its cells reach), `__opt1` and `__opt2` (its best treatments at levels
            1 and 2).
        actionable: (`__sid`, `ACTIONABLE_ALTERATIONS`): each sample's events that reached a
            level.
        labeled: Those events, counted (`report_data.count_labeled`: by label and cells,
            one a row where a sample holds a label more than once): `__s` (the sample's id,
            or null), `label`, `__cells` (an id of the lists below), `__n` (samples, or null),
            `__levels`, `__opt1`, `__opt2`.
    """

    lookups: list[Annotations]
    rejected: list[pl.DataFrame]
    counts: list[dict[str, int]]
    samples: pl.DataFrame
    contexts: dict[int, ContextResult]
    levels: pl.DataFrame
    actionable: pl.DataFrame
    labeled: pl.DataFrame


def _sample_ids(marked: pl.DataFrame, samples: pl.DataFrame) -> pl.Series:
    """`__sid` of each marked row: its sample name's place among `samples`' (sorted, distinct).

    Found by binary search rather than a hash table of a million names.
    """
    sample = pl.col(SAMPLE)
    place = pl.lit(samples[SAMPLE]).search_sorted(sample).cast(pl.UInt32)
    return marked.select(pl.when(sample.is_not_null()).then(place).alias(SID))[SID]


def _with_reading(
    layer: Layer, scan: KeyScan, reading: pl.DataFrame, samples: pl.DataFrame, ids: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The marked rows with `__r`, the row of their key's reading (null when none), and `__sid`.

    Key cells are joined once, on the small reading table, and everything after joins on
    integers. `ids` are the rows' sample ids (`_sample_ids`).

    Returns the rows as integers (`__i`, `__sid`, `__own`: rejected on its own, `__kb`, `__r`)
    and, apart, the row-level reject code and the cells that show a rejected row (`__i`,
    `__rr`, `LINE`, `COLUMN`, `GENE`, `ALTERATION`) for the rows that may be rejected alone
    (rejected on their own, by their sample or by their key's reading): held for every marked
    row through the plan, they were most of its memory. When the scan staged its rows
    (`KeyScan.staged`), those cells are read back from the file, then removed.
    """
    keys = key_names(layer)
    found = reading.lazy().select(*keys, "__r")
    # (searched before the streaming join: inside it, the million names took 0.1 GiB more)
    marked = scan.marked.with_columns(ids).lazy()
    if scan.staged is not None:  # (the key cells, read as they stream: see `scan.key_rows`)
        marked = pl.concat([marked, key_rows(scan).select(keys)], how="horizontal")
    df = marked.join(found, on=keys, how="left", nulls_equal=True, maintain_order="left")
    display = ["LINE", "COLUMN", "GENE", "ALTERATION"]
    df = df.select(ROW, SID, ROW_REJECT, KB, "__r", *([] if scan.staged else display))
    maybe = (
        pl.col(ROW_REJECT).is_not_null()
        | pl.col(SID).is_null()
        | pl.lit(samples["__srej"].is_not_null()).gather(pl.col(SID)).fill_null(False)
        | pl.col("__r").is_null()
        | pl.lit(reading["__rej"].is_not_null()).gather(pl.col("__r")).fill_null(False)
    )
    own = pl.col(ROW_REJECT).is_not_null().alias("__own")
    if scan.staged is None:
        rows, shown = pl.collect_all(
            [
                df.select(ROW, SID, own, KB, "__r"),
                df.filter(maybe).select(ROW, ROW_REJECT, *display),
            ],
            engine="streaming",
        )
        return rows, shown
    rows = df.collect(engine="streaming")
    wanted = rows.filter(maybe).select(ROW, ROW_REJECT)
    try:
        staged = pl.scan_parquet(scan.staged).filter(pl.col(ROW).is_in(wanted[ROW].implode()))
        cells = staged.select(ROW, *display).collect(engine="streaming")
    finally:
        scan.staged.unlink(missing_ok=True)
    return rows.select(ROW, SID, own, KB, "__r"), wanted.join(cells, on=ROW, how="left")


def _kb_rows(marked: pl.DataFrame) -> pl.LazyFrame:
    """The knowledge-base rows not rejected on their own."""
    return marked.lazy().filter(pl.col(KB) & ~pl.col("__own"))


def _tumor_texts(
    seen: pl.DataFrame, clinical: pl.DataFrame | None, default: str | None
) -> pl.DataFrame:
    """One row a sample seen or listed: `__s`, `tumor` text (or null), `setting`, `listed`.

    Sorted by `__s` when the clinical file lists the samples seen, and only those.
    """
    seen = seen.filter(pl.col(SAMPLE).is_not_null())
    out = seen.select(SAMPLE, pl.col("__o").alias("__row_tt"))
    if clinical is None:
        return out.with_columns(
            pl.coalesce("__row_tt", pl.lit(default, _STR)).alias("tumor"),
            pl.lit("metastatic").alias("setting"),
            pl.lit(True).alias("listed"),
        ).drop("__row_tt")
    clin = clinical.rename({"sample": SAMPLE, "tumor": "__clin_tt"})
    clin = clin.with_columns(pl.lit(True).alias("listed"))
    if out.height == clin.height:  # (maybe the same samples: compared once both are sorted)
        out, clin = out.sort(SAMPLE), clin.sort(SAMPLE)
    if out.height == clin.height and out[SAMPLE].equals(clin[SAMPLE]):
        # The same samples, as when the clinical file lists every sample of the rows and no
        # other: set side by side, sorted, rather than a full join of a million names each.
        out = out.hstack(clin.drop(SAMPLE))
    else:
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


def samples_frame(
    view: KBView, seen: pl.DataFrame, clinical: pl.DataFrame | None, default: str | None
) -> pl.DataFrame:
    """Samples seen in rows (`__s`, `__o`: one row a sample) or listed in the clinical file.

    Columns: `__sid` (the sample's rank by name: the rows are sorted by it), `__s`, `tumor`
    (text), `tumor_code`, `setting`, `listed` (in the clinical file, or there is none) and
    `__srej` (why their knowledge-base rows are rejected, if they are).
    """
    df = _tumor_texts(seen, clinical, default).sort(SAMPLE).with_row_index(SID)
    codes = _resolve(view, [t for t in df["tumor"].unique().to_list() if t])
    code = pl.col("tumor").replace_strict(codes, default=None, return_dtype=_STR)
    srej = (
        pl.when(~pl.col("listed")).then(pl.lit("unknown-sample"))
        .when(pl.col("tumor").is_null()).then(pl.lit("missing-tumor-type"))
        .when(pl.col("tumor_code").is_null()).then(pl.lit("unknown-tumor-type"))
    )  # fmt: skip
    return df.with_columns(code.alias("tumor_code")).with_columns(srej.alias("__srej"))


def _sample_events(marked: list[pl.DataFrame], readings: list[pl.DataFrame]) -> pl.DataFrame:
    """(`__sid`, event id, signature id) of every event a sample has, in any input.

    Read from the knowledge-base rows not rejected on their own (`marked`: `_with_reading`'s
    rows) as one 64-bit (sample, event) key, made distinct (`sorted_distinct`: by sample, then
    event) and decoded; an event's signature is then gathered by its id.
    """
    empty = pl.DataFrame(schema={SID: pl.UInt32, "__ev": pl.Int64, "__sig": pl.Int64})
    found = pl.concat([rd.select("__ev", "__sig") for rd in readings]) if readings else empty
    found = found.drop_nulls("__ev").unique("__ev")
    if found.is_empty():
        return empty
    size = cast(int, found["__ev"].max()) + 1
    sig_of = pl.Series("__sig", dtype=pl.Int64).extend_constant(None, size)
    sig_of = sig_of.scatter(found["__ev"], found["__sig"])
    parts = []
    for rows, rd in zip(marked, readings, strict=True):
        ev = pl.lit(rd["__ev"]).gather(pl.col("__r"))  # (`__r`: the reading's row)
        key = _pair(pl.col(SID), ev).alias("__k")
        parts.append(_kb_rows(rows).filter(ev.is_not_null()).select(key))
    sample, event = _unpair(pl.col("__k"))
    distinct = sorted_distinct(pl.concat(parts), "__k")
    return distinct.select(sample.alias(SID), event.cast(pl.Int64).alias("__ev")).with_columns(
        pl.lit(sig_of).gather(pl.col("__ev")).alias("__sig")
    )


@dataclass(frozen=True)
class _Keys:
    """`_keys`' result: what matching needs, and each sample's profile.

    Attributes:
        of: (`__sid`, `__p`) of each matchable sample with an event.
        mapping: (`__p`, `__sig`, `__ctx`) of every non-inert event of a profile.
        distinct: One row a context (`tumor_code`, `setting`, `__key`, `__sigs`), in id order.
        wanted: Per context id, the signatures some profile needs its cells of.
    """

    of: pl.DataFrame
    mapping: pl.DataFrame
    distinct: pl.DataFrame
    wanted: dict[int, list[int]]


def _keys(samples: pl.DataFrame, sample_events: pl.DataFrame, events: list[Event],
          influence: Influence) -> _Keys:  # fmt: skip
    """Key each sample's events by what can change their cells (see `influence.py`).

    Each distinct key is a context, matched once by `_match`.
    """
    ok = samples.filter(pl.col("__srej").is_null())
    of, keys = event_keys(ok, sample_events, events, influence)
    names = ["tumor_code", "setting", "__key"]
    distinct = keys.select(*names, "__sigs").unique(subset=names, maintain_order=True)
    ctx = distinct.select(names).with_row_index("__ctx")
    mapping = keys.join(ctx, on=names).select("__p", "__sig", "__ctx")
    wanted: dict[int, list[int]] = {}
    for c, sig in mapping.select("__ctx", "__sig").unique().sort("__ctx", "__sig").iter_rows():
        wanted.setdefault(c, []).append(sig)
    return _Keys(of, mapping, distinct, wanted)


def _match(
    view: KBView, keys: _Keys, events: list[Event], progress: Progress
) -> tuple[dict[int, ContextResult], pl.DataFrame]:
    """Match each distinct context once.

    Returns the match of each context, and the cells of each (`__ctx`, `__sig`) some
    profile's event needs.
    """
    results: dict[int, ContextResult] = {}
    rows: dict[str, list[object]] = {c: [] for c in _CELL_SCHEMA}
    total = keys.distinct.height
    # The cells' values by the id of their (shared) `Cells`, alive in `results`.
    values_of: dict[int, list[object]] = {}
    for i, (code, setting, _key, ids) in enumerate(keys.distinct.iter_rows()):
        events_of = tuple(events[j] for j in ids)
        wanted = keys.wanted.get(i, [])
        mine = [events[sig] for sig in wanted]
        result = results[i] = match_context(view.index, code, setting, events_of, mine)
        for sig, event in zip(wanted, mine, strict=True):
            cells = result.cells[event]
            values = values_of.get(id(cells))
            if values is None:
                best = cells.best()
                values = values_of[id(cells)] = [*cells.row().values(), list(cells.levels),
                                                 best.get("1", []), best.get("2", [])]  # fmt: skip
            for name, value in zip(rows, [i, sig, *values], strict=True):
                rows[name].append(value)
        if i % 64 == 0 or i + 1 == total:
            progress("match", i + 1, total)
    return results, _cell_frame(rows)


_SEP = "\x1f"  # (ASCII unit separator: no level or treatment holds it)


def _cell_frame(rows: dict[str, list[object]]) -> pl.DataFrame:
    """The cells' frame (`_CELL_SCHEMA`) from its columns' values.

    Polars builds a list column from Python lists one inner list at a time (most of the
    frame's time at a few thousand rows); each list goes in as its items joined by `_SEP`
    (null when empty) and is split back by Polars, unless an item holds `_SEP`.
    """
    lists = [cast(list[list[str]], rows[c]) for c in LABEL_LISTS]
    if any(_SEP in item for column in lists for items in column for item in items):
        return pl.DataFrame(rows, schema=_CELL_SCHEMA)
    joined = ([_SEP.join(v) if v else None for v in column] for column in lists)
    text = dict(zip(LABEL_LISTS, joined, strict=True))
    schema = {c: pl.String() if c in LABEL_LISTS else t for c, t in _CELL_SCHEMA.items()}
    frame = pl.DataFrame(rows | text, schema=schema)
    empty = pl.lit([], pl.List(pl.String()))
    return frame.with_columns(pl.col(c).str.split(_SEP).fill_null(empty) for c in LABEL_LISTS)


def _annotation_table(seen: pl.Series, reading: pl.DataFrame, cells: pl.DataFrame
                      ) -> pl.DataFrame:  # fmt: skip
    """Distinct annotations of the rows annotated, with their ids.

    `seen` holds the distinct (reading's row, context) pairs of those rows as sorted `_pair`
    keys: the pair at place k gets id k + 2. Id 0 is an unmarked row's (ANNOTATED True, empty
    cells), 1 a rejected row's (ANNOTATED False, empty cells); the others' cells come from the
    key's reading and the context's.
    """
    high, low = _unpair(pl.col("__k"))
    pairs = pl.DataFrame([seen.alias("__k")]).select(high.alias("__pr"), low.alias("__ctx"))
    pairs = pairs.with_columns(pl.lit(reading["__sig"]).gather(pl.col("__pr")).alias("__sig"))
    pairs = pairs.with_row_index("__ann", offset=2)
    texts = reading.select(pl.col("__r").alias("__pr"), "__alt", "__cat")
    found = pairs.join(texts, on="__pr", how="left").join(cells, on=["__ctx", "__sig"], how="left")
    schema = dict.fromkeys(ANNOTATION_COLUMNS, _STR)
    fixed = pl.DataFrame([{"ANNOTATED": "True"}, {"ANNOTATED": "False"}], schema=schema)
    annotated = found.sort("__ann").select(
        pl.lit("True").alias("ANNOTATED"), *_CELLS,
        pl.col("__alt").alias("ONCONAV_ALTERATION"), pl.col("__cat").alias("ONCONAV_CATEGORY"),
    )  # fmt: skip
    return pl.concat([fixed, annotated]).with_row_index("__ann")


def _pair(high: pl.Expr, low: pl.Expr) -> pl.Expr:
    """Two 32-bit ids as one UInt64 key, null as `_NONE32`: sorted as (high, low), nulls last."""
    wide = pl.UInt64
    return high.cast(wide).fill_null(_NONE32) * (1 << 32) + low.cast(wide).fill_null(_NONE32)


def _unpair(key: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The two 32-bit ids of a `_pair` key (UInt32, null where it held `_NONE32`)."""

    def part(k: pl.Expr) -> pl.Expr:
        return pl.when(k != _NONE32).then(k).cast(pl.UInt32)

    return part(key // (1 << 32)), part(key % (1 << 32))


def _position(keys: pl.Series, key: pl.Expr) -> pl.Expr:
    """Where `key` is among `keys` (null when absent), looked up by hash; `keys` are distinct.

    A hash table of the few keys (`replace_strict`) and a lookup a row: at 2.9M rows among
    25,573 keys, 0.04 s, where a binary search (`search_sorted`, then a check that the key is
    there) took 0.68 s and a left join 0.07 s.
    """
    if keys.is_empty():
        return pl.lit(None, pl.UInt32)
    places = pl.int_range(keys.len(), dtype=pl.UInt32, eager=True)
    return key.replace_strict(keys, places, default=None, return_dtype=pl.UInt32)


def _by_key(
    marked: pl.DataFrame, shown: pl.DataFrame, reading: pl.DataFrame, samples: pl.DataFrame,
    mapping: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Each marked row's signature and context, whether it is annotated, and the rejected rows.

    Reading and sample facts are gathered by position (`__r` is the reading's row, `__sid`
    the sample's), and the context found by (profile, signature) in `mapping`. Returns every
    marked row as integers (`__i`, `__pr`: its reading's row, `__sig`, `__ctx`, `__ok`: not
    rejected) and, apart, the rejected rows' `__i`, `__sid`, reject `__code` and `__why`: their
    text is gathered for those rows alone, not for millions of annotated ones. A row rejected
    on its own takes the reason of its key's reading only when its sample has that key in a
    knowledge-base row that is not, as when reasons were joined per (sample, key).
    """
    r, sid = pl.col("__r"), pl.col(SID)
    sig = pl.lit(reading["__sig"]).gather(r)
    table = mapping.select(_pair(pl.col("__p"), pl.col("__sig")).alias("__k"), "__ctx").sort("__k")
    place = _position(table["__k"], _pair(pl.lit(samples["__p"]).gather(sid), sig))
    ctx = pl.lit(table["__ctx"]).gather(place) if table.height else pl.lit(None, pl.UInt32)
    srej = pl.lit(samples["__srej"].is_not_null()).gather(sid).fill_null(False)
    rej = pl.lit(reading["__rej"].is_not_null()).gather(r).fill_null(False)
    ok = ~pl.col("__own") & ~srej & ~rej
    rows = marked.select(ROW, r.alias("__pr"), sig.alias("__sig"), ctx.alias("__ctx"),
                         ok.alias("__ok"))  # fmt: skip
    return rows, _rejected_rows(marked.filter(~ok), marked, shown, reading, samples)


def _rejected_rows(
    bad: pl.DataFrame, marked: pl.DataFrame, shown: pl.DataFrame, reading: pl.DataFrame,
    samples: pl.DataFrame,
) -> pl.DataFrame:  # fmt: skip
    """`__i`, `__sid`, `__code` and `__why` of the rejected rows (see `_by_key`).

    Their row-level codes come from `shown` (`_with_reading`'s: it holds every row that may
    be rejected).
    """
    r, sid = pl.col("__r"), pl.col(SID)
    codes = shown.select(ROW, ROW_REJECT)
    df = bad.select(ROW, SID, "__r").join(codes, on=ROW, how="left", maintain_order="left")
    df = df.with_columns(
        pl.lit(reading["__rej"]).gather(r).alias("__rej"),
        pl.lit(reading["__why"]).gather(r).alias("__why"),
        pl.lit(samples["__srej"]).gather(sid).alias("__srej"),
    )
    own = df.filter(pl.col(ROW_REJECT).is_not_null())
    if own.height:
        kb = _kb_rows(marked).join(own.lazy().select(SID).unique(), on=SID, how="semi")
        seen = kb.select(SID, "__r").unique().collect()  # (the keys of their samples' rows)
        own = own.join(seen.with_columns(pl.lit(True).alias("__kb")), on=[SID, "__r"],
                       how="left").select(ROW, "__kb")  # fmt: skip
        df = df.join(own, on=ROW, how="left", maintain_order="left")
    else:
        df = df.with_columns(pl.lit(None, pl.Boolean).alias("__kb"))
    paired = pl.col(ROW_REJECT).is_null() | pl.col("__kb").fill_null(False)
    srej = pl.col("__srej")
    return df.select(
        ROW, SID, pl.coalesce(ROW_REJECT, srej, "__rej").alias("__code"),
        pl.when(paired & srej.is_null()).then(pl.col("__why")).alias("__why"),
    )  # fmt: skip


def _row_lookup(
    layer: Layer, df: pl.DataFrame, bad: pl.DataFrame, shown: pl.DataFrame,
    reading: pl.DataFrame, cells: pl.DataFrame, clinical: str | None, names: pl.DataFrame,
) -> tuple[Annotations, pl.DataFrame]:  # fmt: skip
    """The annotation of each marked row, and the rejected rows with their reasons.

    `df` and `bad` are `_by_key`'s; `names` (`__sid`, `__s`) gives back the rejected rows'
    sample names. The cells that show a rejected row come from `shown` (`_with_reading`'s, a
    superset of the rejected rows).
    """
    ok = pl.col("__ok")
    key = _pair(pl.col("__pr"), pl.col("__ctx"))
    seen = sorted_distinct(df.lazy().filter(ok).select(key.alias("__k")), "__k")["__k"]
    table = _annotation_table(seen, reading, cells)
    ann = _position(seen, key) + 2  # (ids 0 and 1: unmarked and rejected rows)
    ids = df.select(ROW, pl.when(ok).then(ann).otherwise(1).cast(pl.UInt32).alias("__ann"))
    reasons: dict[str, str] = {str(k): v for k, v in REJECT_REASONS.items()}
    if clinical:
        reasons["unknown-sample"] = f"sample not in the clinical file {clinical}"
    why = pl.coalesce("__why", pl.col("__code").replace_strict(reasons, default=None))
    rejected = bad.join(shown, on=ROW, how="left").sort(ROW)
    rejected = rejected.join(names, on=SID, how="left", maintain_order="left").select(
        pl.lit(layer.label).alias("FILE"), "LINE", "COLUMN", pl.col("__code").alias("CODE"),
        why.alias("REASON"), pl.col(SAMPLE).alias("SAMPLE"), "GENE", "ALTERATION",
    )  # fmt: skip
    return Annotations(ids=ids.sort(ROW), table=table), rejected.select(REJECTED_COLUMNS)


def _levels(mapping: pl.DataFrame, cells: pl.DataFrame, events: list[Event]) -> pl.DataFrame:
    """(`__p`, `__sig`, `__gene`, `__levels`, `__opt1`, `__opt2`) of each matched event."""
    genes = pl.DataFrame({"__sig": range(len(events)), "__gene": [e.gene for e in events]},
                         schema={"__sig": pl.Int64, "__gene": _STR})  # fmt: skip
    table = cells.select("__ctx", "__sig", "__levels", "__opt1", "__opt2")
    return mapping.join(table, on=["__ctx", "__sig"]).join(genes, on="__sig").drop("__ctx")


def _labeled(
    samples: pl.DataFrame, mapping: pl.DataFrame, sample_events: pl.DataFrame,
    cells: pl.DataFrame, events: EventTable,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Each sample's events that reached a level, in sample then event order, and counted.

    Returns (`__s`: the sample's id, `label`, `__cells`: the (profile, signature) its cells
    come from, as an id) one a row; and the same counted (`report_data.count_labeled`), with
    `__levels`, `__opt1` and `__opt2` gathered by `__cells` for those few thousand rows alone.
    """
    leveled = cells.filter(pl.col("HIGHEST_LEVEL").is_not_null())
    leveled = leveled.select("__ctx", "__sig", "__levels", "__opt1", "__opt2")
    leveled = mapping.join(leveled, on=["__ctx", "__sig"]).drop("__ctx")
    table = leveled.select(_pair(pl.col("__p"), pl.col("__sig")).alias("__k"), *LABEL_LISTS)
    table = table.sort("__k")  # (one row a profile and signature: `mapping`'s)
    profile = pl.lit(samples["__p"]).gather(pl.col(SID))  # (`__sid`: the row)
    place = _position(table["__k"], _pair(profile, pl.col("__sig"))).alias("__at")
    df = sample_events.select(SID, "__ev", place).drop_nulls("__at")
    df = df.sort(_pair(pl.col(SID), pl.col("__ev")))  # (by sample then event, one row each)
    labels = events.frame().sort("__ev")["label"]  # (ids are 0, 1, ...: the row)
    rows = df.select(
        pl.col(SID).alias(SAMPLE), pl.lit(labels).gather(pl.col("__ev")).alias("label"),
        pl.col("__at").alias("__cells"),
    )  # fmt: skip
    at = pl.col("__cells")
    lists = (pl.lit(table[c]).gather(at).alias(c) for c in LABEL_LISTS)
    counted = count_labeled(rows).with_columns(lists)
    return rows, counted


def _actionable(rows: pl.DataFrame) -> pl.DataFrame:
    """Each sample's events whose cells hold a level, as 'EGFR L858R,EGFR T790M'.

    `rows` (`_labeled`'s, one a sample's event) are sorted by sample: marked so, their
    grouping takes slices. Each sample's labels are gathered as a list, then joined
    (`str.join` inside the grouping took ten times as long and 0.2 GiB at a million samples).
    """
    joined = pl.col("label").list.join(",").alias("ACTIONABLE_ALTERATIONS")
    return (
        rows.select(pl.col(SAMPLE).set_sorted(), "label")
        .group_by(SAMPLE, maintain_order=True)
        .agg("label")
        .select(pl.col(SAMPLE).alias(SID), joined)
    )


def make_plan(
    reader: KeyReader,
    scans: list[KeyScan],
    clinical: tuple[str, pl.DataFrame] | None,
    default_tumor: str | None,
    progress: Progress,
) -> Plan:
    """Everything between pass 1 and pass 2 (see the module docstring).

    Independent steps run side by side, one on a helper thread: the samples are made (and
    each marked row's sample id found) while the keys are read, the rows' contexts are found
    while the contexts are matched, and the labels counted while the rows' annotations are
    looked up (Polars beside Python, or beside Polars steps that keep one core of two busy).

    Args:
        reader: The keys read during pass 1 (and the knowledge base).
        scans: Pass 1's result for each input; their marked rows and samples are released
            (replaced by empty frames) once read.
        clinical: The clinical file's name and samples (`sample`, `tumor`, `setting`), if any.
        default_tumor: The OncoTree code of --tumor-type, if given.
        progress: Called as progress(stage, done, total).
    """
    view, layers, events = reader.view, reader.layers, reader.events
    marked = [s.marked for s in scans]
    seen = pl.concat([s.samples.select(SAMPLE, "__o") for s in scans])
    if len(scans) > 1:  # (each scan's samples are one row a sample already)
        seen = seen.group_by(SAMPLE).agg(pl.col("__o").min())

    def samples_and_ids(seen: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.Series]]:
        made = samples_frame(view, seen, clinical[1] if clinical else None, default_tumor)
        return made, [_sample_ids(m, made) for m in marked]

    with ThreadPoolExecutor(max_workers=1) as helper:
        making = helper.submit(samples_and_ids, seen)
        reader.read([key_rows(s) for s in scans])
        samples, ids = making.result()
        progress("normalize", len(events.exact), len(events.exact))
        del seen, making  # (a million rows at a million samples, like each scan's samples)
        readings = [reader.readings(i).with_row_index("__r") for i in range(len(layers))]
        names = samples.select(SID, SAMPLE)
        shown = []
        for i, (ly, rd) in enumerate(zip(layers, readings, strict=True)):
            marked[i], cells_of = _with_reading(ly, scans[i], rd, samples, ids[i])
            shown.append(cells_of)
            # The scan's own marked rows and samples are not needed again: released here.
            scans[i] = replace(scans[i], marked=scans[i].marked[:0],
                               samples=scans[i].samples[:0], staged=None)  # fmt: skip
        del ids  # (each marked row's sample id: now in `marked`)
        sample_events = _sample_events(marked, readings)
        influence = Influence.of(view.index, view.genes)
        # (only what matching reads of the samples: their names and tumor texts are not copied)
        matched = samples.select(SID, "tumor_code", "setting", "__srej")
        keys = _keys(matched, sample_events, events.representatives, influence)
        del matched
        samples = samples.join(keys.of, on=SID, how="left", maintain_order="left")
        finding = [
            helper.submit(_by_key, marked[i], shown[i], rd, samples, keys.mapping)
            for i, rd in enumerate(readings)
        ]
        contexts, cells = _match(view, keys, events.representatives, progress)
        found = [f.result() for f in finding]
        del finding
        for i in range(len(layers)):
            marked[i] = marked[i].clear()  # (all `_row_lookup` needs is in `found`)
        labeling = helper.submit(_labeled, samples, keys.mapping, sample_events, cells, events)
        lookups, rejected = [], []
        for i, (layer, rd) in enumerate(zip(layers, readings, strict=True)):
            by_key, bad = found[i]
            annotations, rej = _row_lookup(
                layer, by_key, bad, shown[i], rd, cells, clinical[0] if clinical else None, names
            )
            found[i] = (by_key.clear(), bad)  # (released as each layer is done)
            lookups.append(annotations)
            rejected.append(rej)
        rows, labeled = labeling.result()
    counts = [{str(c): int(n) for c, n in r.group_by("CODE").len().iter_rows()} for r in rejected]
    _logger.info("%d distinct events, %d contexts matched", len(events.exact), len(contexts))
    return Plan(
        lookups=lookups,
        rejected=rejected,
        counts=counts,
        samples=samples,
        contexts=contexts,
        levels=_levels(keys.mapping, cells, events.representatives),
        actionable=_actionable(rows),
        labeled=labeled,
    )


def codes(counts: dict[str, int]) -> dict[RejectCode, int]:
    """Rejection counts with typed codes, largest first."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # (ties: by code, stable)
    return {cast(RejectCode, k): v for k, v in ranked}
