"""Read every distinct key of the marked rows once, and register the events they name.

The normalizer is pure Python (a lark grammar), about 50 microseconds a key, and a
ten-million-row cohort can hold tens of thousands of distinct keys of knowledge-base genes, so
keys are read once each, never once per row. (A helper process for half of them was tried; on
this 2-core machine, shared, it did not pay for its start-up.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import polars as pl

from onconav.cohort.events import Event, KBView, Reading
from onconav.cohort.layer import Key, Layer, NormalizeFn
from onconav.cohort.readers.maf import normalize_mutation
from onconav.cohort.scan import KB, ROW_REJECT, key_names
from onconav.cohort.vparse import VEC, classify_mutations
from onconav.normalize import Alteration

__all__ = ["EventTable", "KeyReader"]

_logger = logging.getLogger(__name__)

_STR = pl.String
# Read mutation keys in the common forms with Polars expressions (`vparse.py`); the tests
# turn it off to compare with the normalizer alone.
VECTORIZE = True
_FAST = ["__alt", "__cat", "__rej", "__why", "__gene", "__exon", "__rel", "__keep"]
_READING_SCHEMA = {"__alt": _STR, "__cat": _STR, "__rej": _STR, "__why": _STR,
                   "__ev": pl.Int64, "__sig": pl.Int64}  # fmt: skip


@dataclass
class EventTable:
    """Events by id (exact alteration) and by signature id (what matching sees)."""

    exact: dict[Event, int] = field(default_factory=dict)
    signatures: dict[tuple[str, frozenset[str]], int] = field(default_factory=dict)
    representatives: list[Event] = field(default_factory=list)

    def add(self, event: Event) -> tuple[int, int]:
        """The ids of an event and of its signature, registering them when new."""
        sig = self.signatures.get(event.signature)
        if sig is None:
            sig = self.signatures[event.signature] = len(self.representatives)
            self.representatives.append(event)
        return self.exact.setdefault(event, len(self.exact)), sig

    def frame(self) -> pl.DataFrame:
        """(`__ev`, `label`) of every exact event."""
        return pl.DataFrame(
            {"__ev": list(self.exact.values()), "label": [e.label for e in self.exact]},
            schema={"__ev": pl.Int64, "label": _STR},
        )


def _normalize_many(normalize: NormalizeFn, keys: list[Key]) -> list[Alteration]:
    return [normalize(k) for k in keys]


def _vectorized(layer: Layer, view: KBView, keys: pl.DataFrame) -> pl.DataFrame | None:
    """The keys' readings by `vparse` (mutation layers only; None when off or not one)."""
    if not VECTORIZE or layer.normalize is not normalize_mutation:
        return None
    return classify_mutations(view, keys, key_names(layer))


class KeyReader:
    """Reads each distinct key of knowledge-base rows once, for every layer.

    Mutation keys in the common forms are read by Polars expressions (`vparse.py`), the rest
    by the layer's normalizer; events are registered in key order either way.
    """

    def __init__(self, view: KBView, layers: list[Layer]) -> None:
        self.view = view
        self.layers = layers
        self.events = EventTable()
        self._readings: list[pl.DataFrame] = []

    def _distinct(self, layer: Layer, marked: pl.LazyFrame) -> pl.DataFrame:
        # (lazily: the filter and the projection are fused, and only key cells are copied)
        rows = marked.filter(pl.col(KB) & pl.col(ROW_REJECT).is_null())
        return rows.select(key_names(layer)).unique(maintain_order=True).collect()

    def read(self, marked: list[pl.LazyFrame]) -> None:
        """Read the distinct keys of each layer's marked rows (pass 1's: `scan.key_rows`)."""
        keys = [self._distinct(ly, m) for ly, m in zip(self.layers, marked, strict=True)]
        self._readings = [self._frame(ly, k) for ly, k in zip(self.layers, keys, strict=True)]
        _logger.info("read %d distinct keys", sum(k.height for k in keys))

    def _frame(self, layer: Layer, keys: pl.DataFrame) -> pl.DataFrame:
        vec = _vectorized(layer, self.view, keys)
        done = (
            vec[VEC] if vec is not None else pl.Series(VEC, [False] * keys.height, dtype=pl.Boolean)
        )
        rest = keys.filter(~done)
        tuples = list(rest.iter_rows())
        alts = _normalize_many(layer.normalize, tuples)
        slow = iter([self.view.interpret(layer, k, a) for k, a in zip(tuples, alts, strict=True)])
        fast = vec.filter(done).select(_FAST).iter_rows() if vec is not None else iter(())
        cols: dict[str, list[object]] = {c: [] for c in _READING_SCHEMA}
        for is_vec in done:  # in key order, so that event ids do not depend on the path
            values = self._fast(*next(fast)) if is_vec else self._slow(next(slow))
            for name, value in zip(cols, values, strict=True):
                cols[name].append(value)
        frame = keys.cast(dict.fromkeys(key_names(layer), _STR))
        return pl.concat([frame, pl.DataFrame(cols, schema=_READING_SCHEMA)], how="horizontal")

    def _slow(self, r: Reading) -> tuple[object, ...]:
        ev, sig = (None, None) if r.event is None else self.events.add(r.event)
        return r.alteration, r.category, r.reject, r.reason, ev, sig

    def _fast(
        self, label: str | None, category: str | None, reject: str | None, reason: str | None,
        gene: str | None, exon: int | None, relevant: list[str] | None, keep: bool | None,
    ) -> tuple[object, ...]:  # fmt: skip
        ev = sig = None
        if keep and gene is not None and label is not None:
            name = label[len(gene) + 1 :]
            ev, sig = self.events.add(Event(gene, name, None, exon, frozenset(relevant or ())))
        return label, category, reject, reason, ev, sig

    def readings(self, i: int) -> pl.DataFrame:
        """One row per distinct key of layer `i`: its reading, event and signature ids."""
        return self._readings[i]
