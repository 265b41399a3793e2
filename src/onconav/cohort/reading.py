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

from onconav.cohort.events import Event, KBView
from onconav.cohort.layer import Key, Layer, NormalizeFn
from onconav.cohort.scan import KB, ROW_REJECT, key_names
from onconav.normalize import Alteration

__all__ = ["EventTable", "KeyReader"]

_logger = logging.getLogger(__name__)

_STR = pl.String
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


class KeyReader:
    """Reads each distinct key of knowledge-base rows once, for every layer."""

    def __init__(self, view: KBView, layers: list[Layer]) -> None:
        self.view = view
        self.layers = layers
        self.events = EventTable()
        self._readings: list[pl.DataFrame] = []

    def _distinct(self, layer: Layer, marked: pl.DataFrame) -> list[Key]:
        rows = marked.filter(pl.col(KB) & pl.col(ROW_REJECT).is_null())
        return list(rows.select(key_names(layer)).unique(maintain_order=True).iter_rows())

    def read(self, marked: list[pl.DataFrame]) -> None:
        """Read the distinct keys of each layer's marked rows (pass 1's result)."""
        keys = [self._distinct(ly, m) for ly, m in zip(self.layers, marked, strict=True)]
        alts = [_normalize_many(ly.normalize, k) for ly, k in zip(self.layers, keys, strict=True)]
        self._readings = [
            self._frame(layer, k, a) for layer, k, a in zip(self.layers, keys, alts, strict=True)
        ]
        _logger.info("read %d distinct keys", sum(len(k) for k in keys))

    def _frame(self, layer: Layer, keys: list[Key], alts: list[Alteration]) -> pl.DataFrame:
        cols: dict[str, list[object]] = {c: [] for c in _READING_SCHEMA}
        for key, alt in zip(keys, alts, strict=True):
            r = self.view.interpret(layer, key, alt)
            ev, sig = (None, None) if r.event is None else self.events.add(r.event)
            values = (r.alteration, r.category, r.reject, r.reason, ev, sig)
            for name, value in zip(cols, values, strict=True):
                cols[name].append(value)
        names = key_names(layer)
        frame = pl.DataFrame(keys, schema=dict.fromkeys(names, _STR), orient="row")
        return pl.concat([frame, pl.DataFrame(cols, schema=_READING_SCHEMA)], how="horizontal")

    def readings(self, i: int) -> pl.DataFrame:
        """One row per distinct key of layer `i`: its reading, event and signature ids."""
        return self._readings[i]
