"""Read case files (JSON, JSON Lines, YAML) into `Case` values, with located errors.

Errors name the file, the line for parse errors and the field for validation errors, as the CLI
contract asks: `case.json: line 3: ...`, `case.json: tumor_type: required`.

Decoding is stricter than the JSON and YAML libraries are by default, because a case is patient
data and a silent guess is worse than a clear refusal: a duplicate key, a NaN or infinite number,
a number too long to be a measurement, a control character (NUL, escape) in a text, nesting
deeper than a case can have, and YAML aliases (which can expand a small file into a huge one)
are each an error naming the field. A UTF-8 byte-order mark is accepted, as `annotate` accepts
one.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from onconav.errors import CaseError, ErrorCode
from onconav.match.models import Case

__all__ = [
    "MAX_CASE_BYTES",
    "MAX_YAML_CHARS",
    "LocatedCase",
    "case_from_data",
    "decode_case_bytes",
    "locate_cases",
    "parse_cases",
    "read_cases",
    "read_located",
]

# A case is a few kilobytes; a file this large is not a case file (or is many thousand cases).
MAX_CASE_BYTES = 64 * 1024 * 1024
# YAML is read by pure-Python PyYAML (about 1 MB a second): a hand-written case is far smaller.
MAX_YAML_CHARS = 1024 * 1024
# A case is at most four levels deep (case > alterations > item > field); far more is an attack
# on the decoder or a wrong file, and JSON nested 10,000 deep would overflow Python's stack.
_MAX_DEPTH = 32
# The longest number a case field can reasonably hold (`copy_number` 1e4, `pd_l1_tps` 100).
_MAX_DIGITS = 30
_BOM = "\ufeff"
# C0 control characters and DEL, but not tab, line feed or carriage return; and lone
# surrogates (JSON can write "\ud800", which is no character at all).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class LocatedCase:
    """A case with where it came from: `file` (with `[i]` for an array item) and `line`."""

    case: Case
    file: str
    line: int | None = None


class _Duplicate:
    """A key the JSON object held twice (a marker that `_check_value` turns into an error)."""

    def __init__(self, key: str) -> None:
        self.key = key


class _LongNumber:
    """A number with too many digits to be a measurement (or for Python's int-string limit)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _pairs(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key, value in pairs:
        if key in out:
            out[_Duplicate(key)] = None
        out[key] = value
    return out


def _number(text: str) -> Any:
    digits = sum(c.isdigit() for c in text)
    if digits > _MAX_DIGITS:
        return _LongNumber(digits)
    return float(text) if any(c in text for c in ".eE") else int(text)


def _path(parts: list[str], leaf: str | None = None) -> str:
    return ".".join([*parts, leaf] if leaf is not None else parts) or "case"


def _bad(message: str, file: str, line: int | None, parts: list[str]) -> CaseError:
    return CaseError(message, file=file, line=line, field=_path(parts), code="bad-case")


# Where a value sits: (where its container sits, its key or index); None for the case itself.
# Built as the walk goes, spelled out only for an error.
_Where = tuple[Any, str | int] | None


def _parts(where: _Where) -> list[str]:
    out: list[str] = []
    while where is not None:
        where, key = where
        out.append(str(key))
    return out[::-1]


def _check_text(text: str, file: str, line: int | None, where: _Where) -> None:
    m = _CONTROL.search(text)
    if m is not None:
        kind = "lone surrogate" if 0xD800 <= ord(m.group()) <= 0xDFFF else "control character"
        raise _bad(f"{kind} U+{ord(m.group()):04X} in the text", file, line, _parts(where))


def _check_value(data: Any, file: str, line: int | None) -> None:
    """Refuse what JSON/YAML decode but a case must not hold; iterative, so depth is safe."""
    stack: list[tuple[Any, _Where, int]] = [(data, None, 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise _bad(f"nested more than {_MAX_DEPTH} levels deep", file, line,
                       _parts(where)[:3])  # fmt: skip
        if isinstance(value, str):
            _check_text(value, file, line, where)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, _Duplicate):
                    raise _bad("duplicate key", file, line, [*_parts(where), key.key])
                if not isinstance(key, str):
                    raise _bad(f"key {key!r} is not text", file, line, _parts(where))
                _check_text(key, file, line, where)
                stack.append((item, (where, key), depth + 1))
        elif isinstance(value, list):
            if (
                depth < _MAX_DEPTH
                and all(type(item) is str for item in value)
                and not _CONTROL.search("\n".join(value))
            ):
                continue  # (clean text only, most often the alterations: one search for all)
            stack.extend((item, (where, i), depth + 1) for i, item in enumerate(value))
        else:
            _check_scalar(value, file, line, where)


def _check_scalar(value: Any, file: str, line: int | None, where: _Where) -> None:
    if isinstance(value, _LongNumber):
        raise _bad(f"a number with {value.digits} digits", file, line, _parts(where))
    if isinstance(value, float) and not math.isfinite(value):
        word = "NaN" if math.isnan(value) else "an infinite number"
        raise _bad(f"{word} is not a valid value", file, line, _parts(where))
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        raise _bad("a number with too many digits", file, line, _parts(where))


def _field_message(err: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in err.get("loc", ()) if not str(p).startswith(("str", "function-"))]
    loc = [p for p in loc if p != "AlterationInput"]
    kind = err.get("type", "")
    if kind == "missing":
        message = "required"
    elif kind == "extra_forbidden":
        message = "unknown field"
    else:
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return ".".join(loc) or "case", message


def case_from_data(data: Any, *, file: str = "<case>", line: int | None = None) -> Case:
    """Validate one decoded case.

    Raises:
        CaseError: naming the file, the line (JSON Lines) and the first bad field.
    """
    if not isinstance(data, dict):
        raise CaseError("a case is a JSON object", file=file, line=line, code="bad-case")
    _check_value(data, file, line)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A string alteration fails both union arms; report the most helpful of the two.
        errors.sort(key=lambda e: "AlterationInput" not in [str(p) for p in e.get("loc", ())])
        field, message = _field_message(dict(errors[0]))
        raise CaseError(message, file=file, line=line, field=field, code="bad-case") from exc


def _json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_pairs, parse_int=_number, parse_float=_number)


def _deep_line(text: str) -> int | None:
    """The line where brackets first nest deeper than `_MAX_DEPTH` (strings skipped), if any."""
    depth, quoted, escaped = 0, False, False
    line = 1
    for c in text:
        if c == "\n":
            line += 1
        elif quoted:
            escaped, quoted = (not escaped and c == "\\"), quoted and (escaped or c != '"')
        elif c == '"':
            quoted = True
        elif c in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                return line
        elif c in "]}":
            depth -= 1
    return None


def _too_deep(text: str, file: str, line: int | None, code: ErrorCode) -> CaseError:
    at = _deep_line(text)
    if line is not None and at is not None:
        at += line - 1
    message = f"nested more than {_MAX_DEPTH} levels deep"
    return CaseError(message, file=file, line=at if at is not None else line, code=code)


def _decode_json(text: str, file: str, line: int | None = None) -> Any:
    try:
        return _json(text)
    except json.JSONDecodeError as exc:
        at = line if line is not None else exc.lineno
        raise CaseError(exc.msg, file=file, line=at, code="bad-json") from exc
    except RecursionError as exc:
        raise _too_deep(text, file, line, "bad-json") from exc


def _yaml_loader() -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        """Safe YAML without aliases (no expansion bombs) and without duplicate keys."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not accepted in a case", event.start_mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool):
                    continue
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return _Loader


def _decode_yaml(text: str, file: str) -> Any:
    import yaml

    if len(text) > MAX_YAML_CHARS:
        message = f"a YAML case file is limited to {MAX_YAML_CHARS // 1024} KiB; use JSON Lines"
        raise CaseError(message, file=file, code="bad-yaml")
    deep = _deep_line(text)  # (PyYAML takes quadratic time over deep flow nesting)
    if deep is not None:
        raise CaseError(f"nested more than {_MAX_DEPTH} levels deep", file=file, line=deep,
                        code="bad-yaml")  # fmt: skip
    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, ...)
        at = text.count("\n", 0, exc.position) + 1
        message = f"character U+{exc.character:04X} is not allowed in YAML"
        raise CaseError(message, file=file, line=at, code="bad-yaml") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where: int | None = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "not valid YAML"
        raise CaseError(str(reason), file=file, line=where, code="bad-yaml") from exc
    except RecursionError as exc:
        raise _too_deep(text, file, None, "bad-yaml") from exc
    except ValueError as exc:  # an integer beyond Python's int-string limit
        message = "a number with too many digits"
        raise CaseError(message, file=file, line=_long_number_line(text), code="bad-yaml") from exc


def _long_number_line(text: str) -> int | None:
    m = re.search(rf"\d{{{_MAX_DIGITS + 1},}}", text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def locate_cases(text: str, *, file: str, fmt: str = "json") -> list[LocatedCase]:
    """Like `parse_cases`, each case with its file label and line (JSON Lines).

    Raises:
        CaseError: the text cannot be decoded, holds no case, or a case fails validation.
    """
    text = text.removeprefix(_BOM)
    if not text.strip():
        raise CaseError(f"empty input; expected a {fmt.upper()} case", file=file, code="bad-json")
    if fmt == "yaml":
        data = _decode_yaml(text, file)
        items = data if isinstance(data, list) else [data]
        found = [LocatedCase(case_from_data(d, file=file), file) for d in items]
    elif fmt == "jsonl" or (text.lstrip().startswith("{") and _looks_like_lines(text)):
        found = _parse_lines(text, file)
    else:
        data = _decode_json(text, file)
        if isinstance(data, list):
            labels = [f"{file}[{i}]" for i in range(len(data))]
            found = [
                LocatedCase(case_from_data(d, file=x), x) for d, x in zip(data, labels, strict=True)
            ]
        else:
            found = [LocatedCase(case_from_data(data, file=file), file)]
    if not found:
        raise CaseError("no case in this input", file=file, code="bad-case")
    return found


def parse_cases(text: str, *, file: str, fmt: str = "json") -> list[Case]:
    """Cases from text: one JSON object or YAML mapping, a JSON array, or JSON Lines.

    Raises:
        CaseError: the text cannot be decoded, holds no case, or a case fails validation.
    """
    return [found.case for found in locate_cases(text, file=file, fmt=fmt)]


def _looks_like_lines(text: str) -> bool:
    try:
        _json(text)
    except json.JSONDecodeError as exc:
        return exc.msg == "Extra data"
    except (RecursionError, ValueError):
        return False
    return False


def _parse_lines(text: str, file: str) -> list[LocatedCase]:
    cases = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        data = _decode_json(raw, file, line=number)
        cases.append(LocatedCase(case_from_data(data, file=file, line=number), file, number))
    return cases


def _read_text(path: str) -> str:
    p = Path(path)
    try:
        if p.is_dir():
            raise CaseError("is a folder, not a case file", file=path, code="bad-case")
        with p.open("rb") as fh:
            raw = fh.read(MAX_CASE_BYTES + 1)
    except FileNotFoundError as exc:
        raise CaseError("no such file", file=path, code="bad-case") from exc
    except OSError as exc:
        raise CaseError(exc.strerror or "cannot read", file=path, code="bad-case") from exc
    return decode_case_bytes(raw, path)


def decode_case_bytes(raw: bytes, file: str) -> str:
    """The text of a case file's bytes (at most `MAX_CASE_BYTES`), as UTF-8.

    Raises:
        CaseError: too large, or not UTF-8 (naming the line and the byte).
    """
    if len(raw) > MAX_CASE_BYTES:
        message = f"larger than {MAX_CASE_BYTES // (1024 * 1024)} MiB; not a case file"
        raise CaseError(message, file=file, code="bad-case")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text (byte {byte} of the line)"
        raise CaseError(message, file=file, line=line, code="bad-encoding") from exc


def read_located(path: str, stdin_text: str | None = None) -> list[LocatedCase]:
    """Like `read_cases`, each case with its file label and line.

    Raises:
        CaseError: the file is missing, unreadable, too large, or holds a bad case.
    """
    if path == "-":
        return locate_cases(stdin_text or "", file="<stdin>")
    text = _read_text(path)
    suffix = Path(path).suffix.lower()
    fmt = {".yaml": "yaml", ".yml": "yaml", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(
        suffix, "json"
    )
    return locate_cases(text, file=path, fmt=fmt)


def read_cases(path: str, stdin_text: str | None = None) -> list[Case]:
    """Cases from a file (by extension: .json, .jsonl/.ndjson, .yaml/.yml) or `-` (stdin text).

    Raises:
        CaseError: the file is missing, unreadable, too large, or holds a bad case.
    """
    return [found.case for found in read_located(path, stdin_text)]
