"""`annotate --compare PREVIOUS_OUT/`: which samples changed against an earlier output, and why.

A sample changed when its highest level or its level-1 options differ from the earlier folder's
`samples.tsv` (or `.parquet`), or when it is only in one of the two. The reason names the KB
changes (`kb diff` between the earlier folder's KB and this one) that touch the sample's genes
and the drugs that moved; else a change of input, or of onconav itself when the KB is the same.
The earlier folder's `summary.json` names its KB version (and hash); that version must be one
this onconav ships, or be given as a snapshot (`--kb-old`).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from onconav.errors import CohortInputError, OnconavError
from onconav.kb.diff import EntryChange, KBDiff, diff_kbs
from onconav.kb.index import KBIndex, get_index

__all__ = [
    "CHANGE_COLUMNS",
    "Earlier",
    "SampleChange",
    "compare_outputs",
    "previous_kb",
    "read_earlier",
    "write_changes",
]

_logger = logging.getLogger(__name__)

CHANGE_COLUMNS = (
    "SAMPLE_ID",
    "CHANGE",
    "HIGHEST_LEVEL_BEFORE",
    "HIGHEST_LEVEL_AFTER",
    "LEVEL_1_OPTIONS_BEFORE",
    "LEVEL_1_OPTIONS_AFTER",
    "WHY",
)
_WANTED = ("SAMPLE_ID", "HIGHEST_LEVEL", "ACTIONABLE_ALTERATIONS", "LEVEL_1_OPTIONS")


@dataclass(frozen=True)
class SampleChange:
    """One sample whose highest level or level-1 options differ."""

    sample: str
    change: str  # changed, added (only now), removed (only before)
    highest_before: str
    highest_after: str
    level1_before: str
    level1_after: str
    why: str


@dataclass(frozen=True)
class Earlier:
    """An earlier output folder, read before the new output may replace it."""

    folder: Path
    summary: dict[str, Any]
    samples: dict[str, dict[str, str]]


def read_earlier(folder: Path) -> Earlier:
    """Read the summary and sample table of an earlier annotate output.

    Raises:
        CohortInputError: not an annotate output, or its sample table cannot be read.
    """
    return Earlier(folder, _summary(folder), _samples(folder))


def _summary(folder: Path) -> dict[str, Any]:
    path = folder / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CohortInputError(
            "not an earlier onconav annotate output (no readable summary.json)", file=str(path)
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("kb_version"), str):
        raise CohortInputError("no kb_version", file=str(path), field="kb_version")
    return data


def previous_kb(earlier: Earlier, kb_old: Path | None) -> KBIndex:
    """The KB the earlier output was made with: shipped by name, or the `kb_old` snapshot.

    Raises:
        CohortInputError: the folder is not an annotate output, its KB is not shipped and no
            snapshot was given, or the snapshot is another KB than the folder names.
    """
    summary = earlier.summary
    version = summary["kb_version"]
    wanted_hash = summary.get("kb_hash") or None
    where = str(earlier.folder / "summary.json")
    if kb_old is None:
        try:
            index = get_index(version)
        except OnconavError as exc:
            raise CohortInputError(
                f"made with KB {version}, which this onconav does not ship; give that KB with "
                "--kb-old SNAPSHOT",
                file=where,
            ) from exc
    else:
        index = get_index(kb_old)
    info = index.info
    if info.kb_version != version or (wanted_hash and info.content_hash != wanted_hash):
        got = f"{info.kb_version} ({info.short_hash})"
        need = f"{version}{f' ({wanted_hash[:19]})' if wanted_hash else ''}"
        hint = "" if kb_old else "; give the KB it was made with by --kb-old SNAPSHOT"
        raise CohortInputError(f"made with KB {need}, not {got}{hint}", file=where)
    return index


def _samples(folder: Path) -> dict[str, dict[str, str]]:
    for name in ("samples.tsv", "samples.parquet"):
        path = folder / name
        if path.is_file():
            try:
                if name.endswith(".tsv"):
                    df = pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)
                else:
                    df = pl.read_parquet(path).cast(pl.String)
            except (OSError, pl.exceptions.PolarsError) as exc:
                raise CohortInputError(f"cannot read: {exc}", file=str(path)) from exc
            missing = [c for c in _WANTED if c not in df.columns]
            if missing:
                raise CohortInputError("missing column", file=str(path), column=missing[0])
            return {
                row["SAMPLE_ID"]: {k: row[k] or "" for k in _WANTED}
                for row in df.select(_WANTED).iter_rows(named=True)
            }
    raise CohortInputError("no samples.tsv or samples.parquet", file=str(folder))


def _drugs(cell: str) -> set[str]:
    return {d.strip().lower() for option in cell.split(",") for d in option.split("+") if d.strip()}


def _options(cell: str) -> frozenset[str]:
    return frozenset(o.strip().lower() for o in cell.split(",") if o.strip())


def _genes(*cells: str) -> set[str]:
    return {
        a.strip().split(" ")[0].split("-")[-1] for c in cells for a in c.split(",") if a.strip()
    }


def _entry_drugs(change: EntryChange) -> set[str]:
    out: set[str] = set()
    for f in change.fields:
        for value in (f.before, f.after):
            if f.field in ("drugs", "drug"):
                out |= {value} if isinstance(value, str) else set(value or [])
    return out


def _specific_parts_absent(change: EntryChange, alterations: str) -> bool:
    """A resistance entry naming a protein change the sample does not carry (G2032R)."""
    if change.section != "resistance":
        return False
    named = change.key.split(" / ")[0].partition(" ")[2]
    parts = [p.strip() for p in named.split("+")]
    return any(re.fullmatch(r"[A-Z]\d+\w*", p) and p.lower() not in alterations for p in parts)


def _describe(change: EntryChange) -> str:
    detail = ", ".join(
        f"{f.field} {f.before} -> {f.after}"
        for f in change.fields
        if f.field in ("level", "status", "drugs", "effect")
    )
    section = "resistance" if change.section == "resistance" else change.section[:-1]
    return f"{section} {change.key} {change.change}{f' ({detail})' if detail else ''}"


def _relevant(diff: KBDiff, genes: set[str], drugs: set[str], alterations: str) -> list[str]:
    """The KB changes that touch one of the sample's genes and one of the drugs that moved."""
    out = {}
    for c in diff.changes:
        if c.section not in ("indications", "resistance", "contraindications"):
            continue
        text = c.label.lower()
        touches_drug = any(d in text for d in drugs) or bool(_entry_drugs(c) & drugs)
        touches_gene = c.section == "contraindications" or any(
            text.startswith(f"{g.lower()} ") for g in genes
        )
        if touches_drug and touches_gene and not _specific_parts_absent(c, alterations):
            out[c.key] = _describe(c)
    return list(out.values())


def _why(before: dict[str, str], after: dict[str, str], diff: KBDiff, same_kb: bool,
         versions: str) -> str:  # fmt: skip
    moved = _drugs(before["LEVEL_1_OPTIONS"]) ^ _drugs(after["LEVEL_1_OPTIONS"])
    if before["HIGHEST_LEVEL"] != after["HIGHEST_LEVEL"]:
        moved |= _drugs(before["LEVEL_1_OPTIONS"]) | _drugs(after["LEVEL_1_OPTIONS"])
    genes = _genes(before["ACTIONABLE_ALTERATIONS"], after["ACTIONABLE_ALTERATIONS"])
    carried = f"{before['ACTIONABLE_ALTERATIONS']},{after['ACTIONABLE_ALTERATIONS']}".lower()
    reasons = [] if same_kb else _relevant(diff, genes, moved, carried)
    if before["ACTIONABLE_ALTERATIONS"] != after["ACTIONABLE_ALTERATIONS"]:
        reasons.append(
            f"input: actionable alterations {before['ACTIONABLE_ALTERATIONS'] or '-'} -> "
            f"{after['ACTIONABLE_ALTERATIONS'] or '-'}"
        )
    if not reasons:
        reasons.append(
            f"same KB; onconav or its normalizer changed ({versions})"
            if same_kb
            else "KB changes outside the sample's genes and drugs (see onconav kb diff)"
        )
    return "; ".join(reasons)


def compare_outputs(
    earlier: Earlier, current: Path, old: KBIndex, new: KBIndex
) -> list[SampleChange]:
    """The samples whose highest level or level-1 options differ between two output folders."""
    before, after = earlier.samples, _samples(current)
    diff = diff_kbs(old.kb, new.kb, old.info, new.info)
    same_kb = old.info.content_hash == new.info.content_hash
    a, b = earlier.summary, _summary(current)
    versions = (
        f"onconav {a.get('onconav_version', '?')} -> {b.get('onconav_version', '?')}, normalizer "
        f"{a.get('normalizer_version', '?')} -> {b.get('normalizer_version', '?')}"
    )
    empty = dict.fromkeys(_WANTED, "")
    out = []
    for sample in [*before, *(s for s in after if s not in before)]:
        x, y = before.get(sample), after.get(sample)
        change = "removed" if y is None else "added" if x is None else "changed"
        x, y = x or {**empty, "SAMPLE_ID": sample}, y or {**empty, "SAMPLE_ID": sample}
        if (
            change == "changed"
            and x["HIGHEST_LEVEL"] == y["HIGHEST_LEVEL"]
            and _options(x["LEVEL_1_OPTIONS"]) == _options(y["LEVEL_1_OPTIONS"])
        ):
            continue
        why = _why(x, y, diff, same_kb, versions) if change == "changed" else (
            f"sample only in the {'earlier' if change == 'removed' else 'new'} output")  # fmt: skip
        out.append(SampleChange(sample, change, x["HIGHEST_LEVEL"], y["HIGHEST_LEVEL"],
                                x["LEVEL_1_OPTIONS"], y["LEVEL_1_OPTIONS"], why))  # fmt: skip
    _logger.info("%d of %d samples changed", len(out), len(set(before) | set(after)))
    return out


def write_changes(changes: list[SampleChange], path: Path) -> None:
    """Write changes.tsv (one row a changed sample; a header alone when none changed)."""
    rows = [
        (
            c.sample,
            c.change,
            c.highest_before,
            c.highest_after,
            c.level1_before,
            c.level1_after,
            c.why,
        )  # fmt: skip
        for c in changes
    ]
    frame = pl.DataFrame(rows, schema=list(CHANGE_COLUMNS), orient="row")
    tmp = path.with_name(f".{path.name}.tmp")
    frame.write_csv(tmp, separator="\t")
    tmp.chmod(0o600)  # one row a patient sample
    tmp.replace(path)
