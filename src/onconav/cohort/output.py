"""Write the output folder atomically, and tables as TSV or Parquet with the input's header.

Everything is written into a temporary folder beside `--out` (same file system), which is
renamed into place only when complete; a failed run removes it and leaves `--out` as it was. An
existing `--out` is replaced only when it is empty or an earlier onconav output (it holds
`summary.json`), so that a typo cannot delete an unrelated folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Literal

import polars as pl

from onconav.errors import CohortInputError

__all__ = ["Format", "check_out", "lines_sink", "staged_output", "table_sink", "write_frame"]

_logger = logging.getLogger(__name__)

Format = Literal["tsv", "parquet"]
_MARKER = "summary.json"


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


def _commit(stage: Path, out: Path) -> None:
    """Rename `stage` to `out`; an earlier `out` is set aside first and put back on failure."""
    if not out.exists():
        os.replace(stage, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old / out.name)
    try:
        os.replace(stage, out)
    except OSError:
        os.replace(old / out.name, out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """A temporary folder beside `out`, renamed to `out` when the block ends without error.

    Raises:
        CohortInputError: `out` cannot be used (see `check_out`).
    """
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield stage
        check_out(out)
        _commit(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _logger.info("wrote %s", out)


def _unique(headers: Sequence[str]) -> bool:
    return len(set(headers)) == len(headers)


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
        if not renamed:
            raise CohortInputError(
                "duplicate column names cannot be written as Parquet; use --format tsv",
                file=path.name,
            )
        out = frame.select(pl.col(c).alias(h) for c, h in zip(columns, headers, strict=True))
        return out.sink_parquet(path, lazy=True)
    if renamed:
        out = frame.select(pl.col(c).alias(h) for c, h in zip(columns, headers, strict=True))
        return out.sink_csv(path, separator="\t", quote_style="never", null_value="", lazy=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("\t".join(headers) + "\n")
    handle = stack.enter_context(path.open("ab"))
    return frame.select(columns).sink_csv(
        handle, include_header=False, separator="\t", quote_style="never", null_value="", lazy=True
    )


def lines_sink(frame: pl.LazyFrame, column: str, headers: Sequence[str], path: Path
               ) -> pl.LazyFrame:  # fmt: skip
    """A lazy TSV sink writing `headers` as the first line, then each row's text in `column`.

    The text is written as it is (it already holds its tabs), one line a row.
    """
    header = pl.LazyFrame({column: ["\t".join(headers)]}, schema={column: pl.String})
    out = pl.concat([header, frame.select(column)], how="vertical")
    return out.sink_csv(
        path, include_header=False, separator="\t", quote_style="never", null_value="", lazy=True
    )


def write_frame(df: pl.DataFrame, path: Path, fmt: Format) -> None:
    """Write a small table (samples, rejected rows) in the chosen format."""
    if fmt == "parquet":
        df.write_parquet(path)
    else:
        df.write_csv(path, separator="\t", quote_style="never", null_value="")
