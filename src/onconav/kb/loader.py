"""Read the YAML knowledge base into one validated `KnowledgeBase`, with a compiled JSON cache.

Parsing YAML and validating a few hundred entries takes a few hundred milliseconds; reading the
compiled JSON form back takes a few. The cache is keyed by a hash of every data file and the
onconav version, lives under the user cache folder, and is skipped when it cannot be written.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onconav._cache import cache_dir
from onconav.errors import KBError, KBProblem, KBValidationError
from onconav.kb.models import (
    Biomarker,
    Contraindication,
    Drug,
    Gene,
    GeneGroup,
    Indication,
    KBMeta,
    Mechanism,
    Resistance,
    TumorType,
)

__all__ = ["SECTIONS", "KnowledgeBase", "default_kb_dir", "load_kb", "read_kb_dir"]

_logger = logging.getLogger(__name__)

# Top-level keys a data file may hold, and the model of each item.
SECTIONS: dict[str, type[BaseModel]] = {
    "genes": Gene,
    "gene_groups": GeneGroup,
    "biomarkers": Biomarker,
    "drugs": Drug,
    "indications": Indication,
    "resistance": Resistance,
    "mechanisms": Mechanism,
    "contraindications": Contraindication,
    "tumor_types": TumorType,
}
_CACHE_FORMAT = "2"


class KnowledgeBase(BaseModel):
    """Every entry of the knowledge base, as validated models (no indexes; see `kb.index`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    meta: KBMeta
    genes: list[Gene] = Field(default_factory=list)
    gene_groups: list[GeneGroup] = Field(default_factory=list)
    biomarkers: list[Biomarker] = Field(default_factory=list)
    drugs: list[Drug] = Field(default_factory=list)
    indications: list[Indication] = Field(default_factory=list)
    resistance: list[Resistance] = Field(default_factory=list)
    mechanisms: list[Mechanism] = Field(default_factory=list)
    contraindications: list[Contraindication] = Field(default_factory=list)
    tumor_types: list[TumorType] = Field(default_factory=list)


def default_kb_dir() -> Path:
    """The knowledge base shipped inside the package."""
    return Path(str(files("onconav.kb") / "data"))


@dataclass
class _Located:
    """Items of one section read from one file, each with the line it starts on."""

    section: str
    file: str
    items: list[tuple[int, Any, dict[tuple[Any, ...], int]]] = field(default_factory=list)


def _yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def _fingerprint(root: Path) -> str:
    from onconav import __version__

    digest = hashlib.sha256(f"{_CACHE_FORMAT}:{__version__}".encode())
    digest.update((files("onconav.kb") / "models.py").read_bytes())
    for path in _yaml_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _node_to_python(
    node: Any, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int], loader: Any
) -> Any:
    """Turn a composed YAML node into plain Python, recording the line of every path."""
    import yaml

    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            out[key] = _node_to_python(value_node, (*path, key), lines, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_node_to_python(v, (*path, i), lines, loader) for i, v in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _parse_file(path: Path, root: Path) -> tuple[list[_Located], list[KBProblem]]:
    import yaml

    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return [], [KBProblem(rel, line, f"broken YAML: {reason}")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [KBProblem(rel, None, f"cannot read: {exc}")]
    if node is None:
        return [], []
    lines: dict[tuple[Any, ...], int] = {}
    data = _node_to_python(node, (), lines, yaml.SafeLoader(""))
    if not isinstance(data, dict):
        return [], [KBProblem(rel, lines[()], "a KB file holds a mapping of sections")]
    found: list[_Located] = []
    problems: list[KBProblem] = []
    for section, items in data.items():
        if section == "meta" or section in SECTIONS:
            located = _Located(section, rel)
            seq = [items] if section == "meta" else items
            if not isinstance(seq, list):
                problems.append(KBProblem(rel, lines[(section,)], f"{section}: expected a list"))
                continue
            for i, item in enumerate(seq):
                prefix = (section,) if section == "meta" else (section, i)
                sub = {k[len(prefix) :]: v for k, v in lines.items() if k[: len(prefix)] == prefix}
                located.items.append((lines[prefix], item, sub))
            found.append(located)
        else:
            problems.append(KBProblem(rel, lines[(section,)], f"unknown section {section!r}"))
    return found, problems


def _line_of(loc: tuple[Any, ...], item_lines: dict[tuple[Any, ...], int], default: int) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in item_lines:
            return item_lines[loc[:cut]]
    return default


def _validate_items(located: _Located, problems: list[KBProblem]) -> list[tuple[BaseModel, int]]:
    model = KBMeta if located.section == "meta" else SECTIONS[located.section]
    out: list[tuple[BaseModel, int]] = []
    for line, item, item_lines in located.items:
        try:
            out.append((model.model_validate(item), line))
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                where = ".".join(str(p) for p in loc) or located.section
                label = item.get("id") or item.get("name") if isinstance(item, dict) else None
                label = label or (item.get("symbol") if isinstance(item, dict) else None)
                what = f"{located.section} {label!r}" if label else located.section
                problems.append(
                    KBProblem(
                        located.file,
                        _line_of(loc, item_lines, line),
                        f"{what}: {where}: {err['msg']}",
                    )
                )
    return out


Origins = dict[tuple[str, int], tuple[str, int]]


def read_kb_dir(root: Path) -> tuple[KnowledgeBase | None, list[KBProblem], Origins]:
    """Parse and validate every YAML file under `root`.

    Returns the KB (None when it has no meta section), the schema problems found, and where each
    entry came from: `(section, index) -> (file, line)`. Cross-references are checked by
    `kb.validate`.
    """
    problems: list[KBProblem] = []
    origins: Origins = {}
    if not root.is_dir():
        return None, [KBProblem(str(root), None, "not a folder")], origins
    sections: dict[str, list[BaseModel]] = {name: [] for name in SECTIONS}
    metas: list[BaseModel] = []
    for path in _yaml_files(root):
        found, file_problems = _parse_file(path, root)
        problems.extend(file_problems)
        for located in found:
            target = metas if located.section == "meta" else sections[located.section]
            for item, line in _validate_items(located, problems):
                origins[(located.section, len(target))] = (located.file, line)
                target.append(item)
    if not metas:
        problems.append(KBProblem(str(root), None, "no 'meta' section (kb.yaml) found"))
        return None, problems, origins
    kb = KnowledgeBase.model_construct(meta=metas[0], **sections)  # type: ignore[arg-type]
    return kb, problems, origins


def load_kb(root: Path | None = None, *, use_cache: bool = True) -> KnowledgeBase:
    """Load the knowledge base (the shipped one by default), from the compiled cache if fresh.

    Raises:
        KBValidationError: the folder has schema problems.
        KBError: the folder does not exist.
    """
    return _load_keyed(root, use_cache=use_cache)[0]


def _load_keyed(
    root: Path | None = None, *, use_cache: bool = True
) -> tuple[KnowledgeBase, str | None]:
    """`load_kb`, and the folder's fingerprint (None when no cache folder is used).

    The fingerprint keys both the compiled KB and the content hash kept beside it
    (`kb.versions`): hashing the data files once serves both.
    """
    root = root or default_kb_dir()
    if not root.is_dir():
        raise KBError(f"knowledge base folder not found: {root}")
    folder = cache_dir() if use_cache else None
    key = _fingerprint(root) if folder else None
    cache = folder / f"kb-{key}.json" if folder else None
    if cache is not None and cache.is_file():
        try:
            return _from_cache(cache.read_bytes()), key
        except (OSError, ValueError, TypeError, KeyError) as exc:
            _logger.debug("ignoring unreadable KB cache %s: %s", cache.name, exc)
    kb, problems, _ = read_kb_dir(root)
    if problems or kb is None:
        raise KBValidationError(problems)
    if cache is not None:
        _write_cache(cache, kb)
    return kb, key


def _from_cache(raw: bytes) -> KnowledgeBase:
    """Rebuild the KB from its compiled JSON without re-validating it.

    The cache is written only from a validated KB (and keyed by the data and the schema), so
    constructing the models directly is safe and several times faster than validating again.
    """
    import orjson

    kb = _construct(KnowledgeBase, orjson.loads(raw))
    assert isinstance(kb, KnowledgeBase)
    return kb


def _construct(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    names, builders, plain = _plan(model)
    if plain and tuple(data) == names:
        # What `model_construct` does when every field is given by name, in order (the cache
        # holds every field), without its per-field search for aliases and defaults: that
        # search took about half of reading the cache (a few thousand entries) on every cold
        # `onconav match`.
        values = dict(data)
        for name, build in builders:
            if values[name] is not None:
                values[name] = build(values[name])
        built = model.__new__(model)
        _set(built, "__dict__", values)
        _set(built, "__pydantic_fields_set__", set(names))
        _set(built, "__pydantic_extra__", None)
        _set(built, "__pydantic_private__", None)
        return built
    given = {name: data[name] for name in names if name in data}
    for name, build in builders:
        if given.get(name) is not None:
            given[name] = build(given[name])
    return model.model_construct(**given)


_Builder = Callable[[Any], Any]
_set = object.__setattr__


@functools.cache
def _plan(
    model: type[BaseModel],
) -> tuple[tuple[str, ...], tuple[tuple[str, _Builder], ...], bool]:
    """The fields of `model`, how to rebuild those that need it from JSON, and if it is plain.

    Plain: no aliases, extra fields, root model or post-init, nothing `_construct` may skip.
    """
    fields = model.model_fields
    plain = (
        not model.__pydantic_root_model__
        and not model.__pydantic_post_init__
        and model.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
    )
    builders = ((name, _builder(info.annotation)) for name, info in fields.items())
    return tuple(fields), tuple((n, b) for n, b in builders if b is not None), plain


def _builder(annotation: Any) -> _Builder | None:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _builder(args[0]) if len(args) == 1 else None
    if origin is list:
        item = _builder(get_args(annotation)[0])
        return None if item is None else (lambda values: [item(v) for v in values])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return functools.partial(_construct, annotation)
    if annotation is dt.date:
        return dt.date.fromisoformat
    return None


def _write_cache(cache: Path, kb: KnowledgeBase) -> None:
    try:
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(kb.model_dump_json().encode())
        tmp.replace(cache)
    except OSError as exc:
        _logger.debug("KB cache not written (%s)", exc)
