"""The compiled KB cache gives back the very models that validating the YAML gives."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from onconav.kb import loader
from onconav.kb.loader import KnowledgeBase, default_kb_dir, load_kb


def _model_construct(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """The cache reader as it was: pydantic's own `model_construct`, field by field."""
    names, builders, _plain = loader._plan(model)
    build = dict(builders)
    values = {}
    for name in names:
        if name in data:
            value = data[name]
            values[name] = value if name not in build or value is None else build[name](value)
    return model.model_construct(**values)


def _state(value: Any) -> Any:
    """Everything a model instance holds, recursively: type, fields, fields set, extras."""
    if isinstance(value, BaseModel):
        return (
            type(value),
            {k: _state(v) for k, v in value.__dict__.items()},
            value.model_fields_set,
            value.__pydantic_extra__,
            value.__pydantic_private__,
        )
    if isinstance(value, list):
        return [_state(v) for v in value]
    return value


def test_cache_equals_the_validated_yaml(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ONCONAV_CACHE_DIR", str(tmp_path))
    validated = load_kb(use_cache=False)
    load_kb()  # writes the cache
    (cache,) = tmp_path.glob("kb-*.json")
    assert load_kb() == validated
    assert loader._from_cache(cache.read_bytes()) == validated


def test_fast_construct_matches_model_construct(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ONCONAV_CACHE_DIR", str(tmp_path))
    load_kb(default_kb_dir())
    (cache,) = tmp_path.glob("kb-*.json")
    import orjson

    data = orjson.loads(cache.read_bytes())
    monkeypatch.setattr(loader, "_construct", _model_construct)
    loader._plan.cache_clear()
    slow = _model_construct(KnowledgeBase, data)
    monkeypatch.undo()
    loader._plan.cache_clear()
    fast = loader._from_cache(cache.read_bytes())
    assert _state(fast) == _state(slow)


def test_partial_data_falls_back_to_defaults() -> None:
    """An entry missing a field (an older cache layout) still gets pydantic's default."""
    from onconav.kb.models import Source

    built = loader._construct(Source, {"kind": "trial", "id": "FLAURA"})
    assert built == Source.model_construct(kind="trial", id="FLAURA")
    assert built.year is None
    assert built.model_fields_set == {"kind", "id"}
