"""A match result as JSON bytes, the same as `model_dump_json`, without redoing the shared parts.

The engine hands out the same frozen objects to many results (options, avoid entries,
resistance findings, read alterations and tumor types are kept in its memo, memo.py).
Serializing a result spent most of its time turning those same objects into the same JSON
again and again, so their JSON is kept here, made once by pydantic itself, and the result is
put together by orjson around it (`orjson.Fragment`). A test compares the bytes with
`model_dump_json` over many cases, and orjson's string escaping with pydantic's.

The kept JSON is keyed by the object's `id`, and the entry holds the object itself, so an id
cannot be reused while its entry lives. The table is emptied when full (it only saves time).
Nothing in onconav changes a result's parts after matching; the engine's memo relies on that too.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel

from onconav.match.memo import per_object
from onconav.match.models import MatchResult

__all__ = ["result_json"]

_LIMIT = 20_000
_kept: dict[int, tuple[BaseModel, orjson.Fragment]] = {}
# The nested model fields of MatchResult: a model, or a list of models.
_ONE = frozenset({"tumor_type"})
_MANY = frozenset({"alterations", "options", "avoid", "resistance"})


def _fragment(model: BaseModel) -> orjson.Fragment:
    found = _kept.get(id(model))  # (per_object's lookup, inlined: some 20 calls a result)
    if found is not None and found[0] is model:
        return found[1]
    return per_object(_kept, model, _make_fragment, _LIMIT)


def _make_fragment(model: BaseModel) -> orjson.Fragment:
    return orjson.Fragment(model.__pydantic_serializer__.to_json(model))


def result_json(result: MatchResult) -> bytes:
    """`result` as compact JSON: byte for byte what `result.model_dump_json()` gives."""
    out: dict[str, Any] = {}
    for name, value in result.__dict__.items():
        if name in _MANY:
            out[name] = [_fragment(v) for v in value]
        elif name in _ONE:
            out[name] = _fragment(value)
        else:
            out[name] = value
    try:
        return orjson.dumps(out)
    except TypeError:  # (text orjson refuses, e.g. a lone surrogate: pydantic says what)
        return result.model_dump_json().encode()
