"""Helpers for cohort tests: the tiny input files, and functions to run and read an annotation."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from onconav.cohort import CohortInputs, CohortSummary, annotate_cohort

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
