"""Write the output folder atomically, and tables as TSV or Parquet with the input's header.

Everything is written into a temporary folder beside `--out` (same file system), which is
renamed into place only when complete; a failed run removes it and leaves `--out` as it was. An
existing `--out` is replaced only when it is empty or an earlier onconav output (it holds
`summary.json`), so that a typo cannot delete an unrelated folder.

The staging folder's name carries the process id (`.<out>.partial-<pid>-<random>`): a run
killed outright (SIGKILL, power loss) cannot clean up after itself, so each run first removes
the staging folders of `out` whose process is gone. (The CLI turns SIGTERM into an ordinary
exit, so that a terminated run cleans up as an interrupted one does.)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Literal

import polars as pl

from onconav.errors import CohortInputError

__all__ = [
    "Format",
    "check_out",
    "check_parquet_names",
    "lines_sink",
    "private_tree",
    "remove_stale",
    "staged_output",
    "table_sink",
    "write_frame",
]

_logger = logging.getLogger(__name__)

Format = Literal["tsv", "parquet"]
_MARKER = "summary.json"
# A staging folder without a process id (onconav before 0.2) is stale after this many seconds.
_LEGACY_AGE = 24 * 3600
# Seconds to wait before each attempt to remove a staging folder after a failure.
_REMOVE_RETRIES = (0.0, 0.05, 0.2, 0.5, 1.0, 2.0)


def check_out(out: Path) -> None:
    """Refuse an `--out` that is a file, or a folder that is not empty nor an onconav output.

    Raises:
        CohortInputError: naming the folder.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise CohortInputError("exists and is not a folder", file=str(out), field="--out")
    if any(out.iterdir()) and not (out / _MARKER).is_file():
        raise CohortInputError(
            "folder is not empty and is not an onconav output; choose another --out",
            file=str(out),
            field="--out",
        )


def _alive(pid: int) -> bool:
    """True when a process `pid` exists (on this machine), or when that cannot be told."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _old(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > _LEGACY_AGE
    except OSError:
        return False


def remove_stale(out: Path) -> list[Path]:
    """Remove `out`'s staging folders left by runs whose process is gone; return them.

    Only folders named as `staged_output` names them, with a process id that no longer runs,
    are removed; a folder named by an older onconav (no process id) is removed once it is a
    day old, as no run lasts that long.
    """
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(partial|old)-(\d+)-[^/]*$")
    legacy = re.compile(rf"^\.{re.escape(out.name)}\.partial-[a-z0-9_]{{8}}$")
    removed = []
    try:
        siblings = list(out.parent.iterdir()) if out.parent.is_dir() else []
    except OSError:
        return []
    for path in siblings:
        m = pattern.match(path.name)
        if m is None and legacy.match(path.name) and path.is_dir() and _old(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
            continue
        if m is None or not path.is_dir() or _alive(int(m.group(2))):
            continue
        if m.group(1) == "old" and not out.exists():
            continue  # (a run killed mid-swap: the earlier output is all there is; keep it)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        _logger.info("removed %s, left by a run that ended without cleaning up", path.name)
    return removed


def _commit(stage: Path, out: Path) -> None:
    """Rename `stage` to `out`; an earlier `out` is set aside first and put back on failure."""
    if not out.exists():
        os.replace(stage, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    os.replace(out, old / out.name)
    try:
        os.replace(stage, out)
    except OSError:
        os.replace(old / out.name, out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _remove(stage: Path) -> None:
    """Remove the staging folder, retrying while a writer that is still finishing adds to it.

    Polars' streaming sinks write from their own threads; after an error, one may still create
    a file while the folder is removed ("directory not empty"). Found by scripts/fuzz.py.
    """
    for delay in _REMOVE_RETRIES:
        time.sleep(delay)
        shutil.rmtree(stage, ignore_errors=True)
        if not stage.exists():
            return
    _logger.warning("could not remove %s; the next run will", stage.name)


def private_tree(folder: Path) -> None:
    """Make `folder` and everything in it its owner's alone: folders 0700, files 0600.

    The outputs hold patient data. Polars, pyarrow, matplotlib and Spark create files with the
    process's umask (usually 0644), so modes are set once the files are written.
    """
    folder.chmod(0o700)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """A temporary folder beside `out`, renamed to `out` when the block ends without error.

    The folder is 0700 and every file in it 0600 once renamed (`private_tree`).

    Raises:
        CohortInputError: `out` cannot be used (see `check_out`).
    """
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    try:
        yield stage
        check_out(out)
        private_tree(stage)
        _commit(stage, out)
    except BaseException:
        _remove(stage)
        raise
    _logger.info("wrote %s", out)


def _unique(headers: Sequence[str]) -> bool:
    return len(set(headers)) == len(headers)


def check_parquet_names(headers: Sequence[str], path: Path) -> None:
    """Refuse to write a header with duplicate names as Parquet (which needs unique names).

    Raises:
        CohortInputError: naming the output file.
    """
    if not _unique(headers):
        raise CohortInputError(
            "duplicate column names cannot be written as Parquet; use --format tsv",
            file=path.name,
        )


def table_sink(
    frame: pl.LazyFrame,
    columns: Sequence[str],
    headers: Sequence[str],
    path: Path,
    fmt: Format,
    stack: ExitStack,
) -> pl.LazyFrame:
    """A lazy sink writing `columns` of `frame` under `headers` (the input's text), run later.

    TSV cells are written as they are (no quoting; empty for null); a header with duplicate
    names is written by hand, the rows after it, through a handle `stack` closes after the
    sink has run. Parquet needs unique names.

    Raises:
        CohortInputError: Parquet was asked for a header with duplicate names.
    """
    renamed = _unique(headers)
    if fmt == "parquet":
        check_parquet_names(headers, path)
        out = frame.select(pl.col(c).alias(h) for c, h in zip(columns, headers, strict=True))
        # Snappy, not Polars' default zstd: about half the writing time on a cohort's text
        # columns (1M narrow rows: 0.9 s against 1.7 s) for files about 1.5 times larger, and
        # the codec every Parquet reader has.
        # No min/max statistics: rows are in input order, so a row group's range of a text column
        # seldom lets a reader skip it, and they were about a third of the Parquet writer's
        # processor time (pyarrow, 1M rows of 123 columns: 0.4 of 1.3 s). `parquet_rows` alike.
        return out.sink_parquet(path, compression="snappy", statistics=False, lazy=True)
    if renamed:
        out = frame.select(pl.col(c).alias(h) for c, h in zip(columns, headers, strict=True))
        return out.sink_csv(path, separator="\t", quote_style="never", null_value="", lazy=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("\t".join(headers) + "\n")
    handle = stack.enter_context(path.open("ab"))
    return frame.select(columns).sink_csv(
        handle, include_header=False, separator="\t", quote_style="never", null_value="", lazy=True
    )


def lines_sink(frame: pl.LazyFrame, cells: Sequence[str], path: Path) -> pl.LazyFrame:
    """A lazy TSV sink writing `cells` as the first line, then each row's text columns.

    Each of `frame`'s columns holds text written as it is (it may hold tabs), a tab between
    columns and one line a row; `cells` has the header's text for each column.
    """
    columns = frame.collect_schema().names()
    first = zip(columns, cells, strict=True)
    header = pl.LazyFrame([pl.Series(c, [h], dtype=pl.String) for c, h in first])
    out = pl.concat([header, frame], how="vertical")
    return out.sink_csv(
        path, include_header=False, separator="\t", quote_style="never", null_value="", lazy=True
    )


def write_frame(df: pl.DataFrame, path: Path, fmt: Format) -> None:
    """Write a small table (samples, rejected rows) in the chosen format."""
    if fmt == "parquet":
        df.write_parquet(path)
    else:
        df.write_csv(path, separator="\t", quote_style="never", null_value="")
