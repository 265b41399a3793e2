"""Helpers for cohort tests: the tiny input files, and functions to run and read an annotation."""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from onconav.cohort import CohortInputs, CohortSummary, annotate_cohort
from onconav.errors import CohortInputError

DATA = Path(__file__).resolve().parent.parent / "data" / "cohort"


def gz(src: Path, folder: Path, *, members: int = 1) -> Path:
    """A gzip copy of `src` in `folder`, as several gzip members (BGZF-like) when asked."""
    raw = src.read_bytes()
    out = folder / (src.name + ".gz")
    step = max(1, len(raw) // members)
    with out.open("wb") as fh:
        for i in range(0, len(raw), step):
            fh.write(gzip.compress(raw[i : i + step]))
    return out


def bgzf(raw: bytes, block: int = 200, eof: bool = True) -> bytes:
    """BGZF as bgzip writes it: gzip members with a 'BC' extra field, then the empty EOF block."""
    out = bytearray()
    for i in range(0, len(raw), block):
        chunk = raw[i : i + block]
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = comp.compress(chunk) + comp.flush()
        size = len(data) + 25
        out += b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
        out += struct.pack("<H", size) + data
        out += struct.pack("<II", zlib.crc32(chunk), len(chunk))
    if eof:
        out += bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
    return bytes(out)


def bgzf_blocks(raw: bytes, blocks: int) -> bytes:
    """The first `blocks` blocks of `raw` as BGZF, with no end-of-file block: valid gzip, cut."""
    whole = bgzf(raw, eof=False)
    members, at = [], 0
    while at < len(whole):
        size = struct.unpack("<H", whole[at + 16 : at + 18])[0] + 1
        members.append(whole[at : at + size])
        at += size
    return b"".join(members[:blocks])


def copy_with(src: Path, folder: Path, name: str, transform: Callable[[bytes], bytes]) -> Path:
    """A copy of `src` in `folder`, its bytes transformed."""
    out = folder / name
    out.write_bytes(transform(src.read_bytes()))
    return out


def table(path: Path) -> list[dict[str, str]]:
    """A TSV written by onconav as dicts (header from the first line; every cell a string)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def run(out: Path, **inputs: Any) -> CohortSummary:
    """Annotate without plots (fast), into `out`."""
    plots = inputs.pop("plots", False)
    fmt = inputs.pop("fmt", "tsv")
    return annotate_cohort(CohortInputs(**inputs), out, fmt=fmt, plots=plots)


def summary_json(out: Path) -> dict[str, Any]:
    """summary.json as a dict."""
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def reconciled_or_located(file: Path, output: str, **inputs: Any) -> None:
    """Annotate `file` (with `inputs`): a located error, or rows that reconcile at one width.

    Either the run fails with a CohortInputError naming the file and a line, leaving no
    output, or the counts reconcile and `output` has one line a row, all as wide as its header.
    """
    out = file.parent / "out"
    try:
        summary = annotate_cohort(CohortInputs(**inputs), out, plots=False)
    except CohortInputError as err:
        # (Either outcome is valid; this one must be located.)
        assert err.file == str(file)  # noqa: PT017
        assert err.line is not None, err  # noqa: PT017
        assert not out.exists()  # noqa: PT017
        return
    assert summary.rows_in == summary.rows_annotated + summary.rows_rejected
    written = (out / output).read_text(encoding="utf-8").splitlines()
    assert len(written) == summary.rows_in + 1
    width = len(written[0].split("\t"))
    assert all(len(line.split("\t")) == width for line in written[1:])
