"""Open a tab-separated pipeline file for Polars, keeping every cell's text exactly.

Every cohort reader starts here. The header is read by hand (so that comment lines, a byte-order
mark and duplicate column names do not matter and errors can name a line); the body is scanned
lazily by Polars with every column as a string and quoting off, as MAF and cBioPortal files are
written. A gzip file (.gz, BGZF included) is first decompressed into the work folder, and a
file with NUL bytes copied without them (`source.py`). When Polars cannot read the body,
`diagnose` walks the file once to say which line and column is at fault.
"""

from __future__ import annotations

import logging
import shutil
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from onconav.cohort.readers.source import decompress, scan_body, without_nul, work_file
from onconav.errors import CohortInputError, ErrorCode

__all__ = [
    "BodyCounts",
    "Table",
    "body_counts",
    "check_tail",
    "diagnose",
    "open_table",
    "short_fields",
    "truncated",
]

_logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_TAIL = 1 << 16
_BLOCK = 1 << 24
_TAB = 9
_NEWLINE = 10
_RETURN = 13


def _fail(
    message: str,
    file: str,
    *,
    line: int | None = None,
    column: str | None = None,
    code: ErrorCode = "bad-input-file",
) -> CohortInputError:
    return CohortInputError(message, file=file, line=line, column=column, code=code)


@dataclass(frozen=True)
class Table:
    """A tab-separated file ready to scan.

    Attributes:
        label: The file as the user named it (used in every message).
        source: The plain-text file Polars reads (a decompressed copy for gzip input).
        header: The header fields, exactly as written.
        header_line: 1-based line number of the header.
        meta: Lines before the header (comments; VCF `##` lines), without line ends.
        nul_rows: 0-based numbers of the data rows (as the scan counts them) that held a NUL
            byte; `source` is then a copy with each NUL replaced by U+FFFD, so that no NUL
            reaches an output, and those rows are rejected (`nul_reject`).
        nul_lines: 1-based file lines of those rows.
        unterminated: The file's last line has no line end, and `source` is a copy with one
            added (Polars 2.1 cannot read an unterminated line holding '#' as the only row).
        comments: 1-based numbers of the comment lines after the header, which `scan` skips
            (see `line_of`).
        defer_copies: `find` takes the first of a column's copies without reading the body;
            whether they agree is then folded into the caller's own scan (`deferred_copies`,
            `check_copies`), instead of a scan of its own.
    """

    label: str
    source: Path
    header: tuple[str, ...]
    header_line: int
    meta: tuple[str, ...] = ()
    nul_rows: tuple[int, ...] = ()
    nul_lines: tuple[int, ...] = ()
    unterminated: bool = False
    comments: tuple[int, ...] = ()
    defer_copies: bool = False
    _upper: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _alike: dict[tuple[int, ...], bool] = field(default_factory=dict, repr=False, compare=False)
    _deferred: list[tuple[int, ...]] = field(default_factory=list, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """Internal column names (`c0`, `c1`, ...), one a header field, in order."""
        return [f"c{i}" for i in range(len(self.header))]

    @property
    def first_data_line(self) -> int:
        """1-based line number of the first data row."""
        return self.header_line + 1

    def body_offset(self) -> int:
        """Byte offset in `source` of the first line after the header."""
        with self.source.open("rb") as fh:
            for _ in range(self.header_line):
                fh.readline()
            return fh.tell()

    @property
    def _comment_marks(self) -> list[int]:
        # The j-th comment line (0-based) comes before every row numbered at least its offset
        # in the body minus j: a row's line is that many further down as marks are at or
        # below its number.
        first = self.first_data_line
        return [c - first - j for j, c in enumerate(self.comments)]

    def line_of(self, row: pl.Expr) -> pl.Expr:
        """The 1-based file line of each data row numbered `row` (0-based, as `scan` counts).

        Rows after a comment line in the body are that many lines further down.
        """
        line = row.cast(pl.Int64) + self.first_data_line
        if not self.comments:
            return line
        marks = pl.Series(self._comment_marks, dtype=pl.Int64)
        return line + pl.lit(marks).search_sorted(row.cast(pl.Int64), side="right").cast(pl.Int64)

    def line_at(self, row: int) -> int:
        """`line_of` for one row number."""
        return row + self.first_data_line + bisect_right(self._comment_marks, row)

    def find(self, *candidates: str) -> str | None:
        """The internal name of the first candidate column present (case-insensitive).

        A column the header names twice is read when its copies hold the same values in every
        row (cBioPortal's MAFs carry `Amino_Acid_Change` twice, alike).

        Raises:
            CohortInputError: that column appears more than once in the header with different
                values (which one to read would be a guess).
        """
        if not self._upper:
            for i, name in enumerate(self.header):
                self._upper.setdefault(name.strip().upper(), []).append(i)
        for cand in candidates:
            found = self._upper.get(cand.upper())
            if found is None:
                continue
            if len(found) > 1 and self.defer_copies:
                if tuple(found) not in self._deferred:
                    self._deferred.append(tuple(found))
            elif len(found) > 1 and not self._copies_alike(found):
                raise self.duplicate(found)
            return f"c{found[0]}"
        return None

    def _copies_alike(self, positions: list[int]) -> bool:
        """Whether the columns at `positions` hold the same value in every row (one scan)."""
        key = tuple(positions)
        if key not in self._alike:
            alike = pl.all_horizontal([d.not_() for d in _differ(positions)]).all()
            self._alike[key] = bool(self.scan().select(alike).collect().item())
        return self._alike[key]

    def deferred_copies(self) -> list[pl.Expr]:
        """How many rows' copies differ, per column `find` took copies of without a scan.

        One aggregation per such column (`defer_copies`), in the order found: `__dup0`, ...
        """
        out = []
        for j, positions in enumerate(self._deferred):
            differ = pl.any_horizontal(_differ(list(positions)))
            out.append(differ.sum().alias(f"__dup{j}"))
        return out

    def check_copies(self, counts: pl.DataFrame) -> None:
        """Raise for the first deferred copied column whose copies differ in some row.

        `counts` holds the `deferred_copies` aggregations (summed over its rows).

        Raises:
            CohortInputError: naming the header line and the column, as `find` would.
        """
        for j, positions in enumerate(self._deferred):
            if int(counts[f"__dup{j}"].sum()):
                raise self.duplicate(list(positions))

    def duplicate(self, positions: list[int]) -> CohortInputError:
        """The error for a column name the header holds at several `positions` (0-based)."""
        where = " and ".join(str(i + 1) for i in positions)
        return _fail(
            f"appears more than once in the header (fields {where}); keep one",
            self.label,
            line=self.header_line,
            column=self.header[positions[0]].strip(),
        )

    def nul_reject(self, row: pl.Expr) -> pl.Expr | None:
        """`nul-byte` where `row` (a 0-based data row number) held a NUL byte, else None."""
        if not self.nul_rows:
            return None
        return pl.when(row.is_in(list(self.nul_rows))).then(pl.lit("nul-byte"))

    def require(self, *candidates: str, what: str | None = None) -> str:
        """Like `find`, but a missing column is a located `CohortInputError`."""
        found = self.find(*candidates)
        if found is None:
            names = " or ".join(candidates)
            raise _fail(
                f"missing required column {names}" + (f" ({what})" if what else ""),
                self.label,
                line=self.header_line,
                column=candidates[0],
                code="missing-column",
            )
        return found

    def header_of(self, internal: str) -> str:
        """The header text of an internal column name."""
        return self.header[int(internal[1:])]

    def scan(self) -> pl.LazyFrame:
        """The body as a LazyFrame of strings, one column per header field, in file order.

        Polars reads the header line itself (its names replaced by `names`), so that the
        header sets the width: told only a schema, it takes the width from the first row and
        fails when that row is short.
        """
        return pl.scan_csv(
            self.source,
            has_header=True,
            separator="\t",
            quote_char=None,
            comment_prefix=self._comment_prefix,
            skip_lines=self.header_line - 1,
            new_columns=self.names,
            infer_schema=False,
            raise_if_empty=False,
        )

    @property
    def _comment_prefix(self) -> str | None:
        """What `scan` and `scan_lines` skip as a comment line: '#', only when the body has one.

        Looking for a comment prefix costs Polars about half as much again as splitting the
        fields (ten million narrow rows: 1.31 s against 0.77 s for a scan). A VCF's '#CHROM'
        header would be taken for a comment: its body has no '#' lines (its '##' lines come
        before the header and are skipped), so it gets no prefix either.
        """
        return "#" if self.comments and not self.header[0].startswith("#") else None

    def scan_lines(self) -> pl.LazyFrame:
        """The body as a LazyFrame of one string column, `__line`: each row's text as written.

        The same rows as `scan` (comment lines skipped, a line end's carriage return dropped,
        an empty line read as null), without splitting them into fields: for writing rows back
        unchanged without the cost of parsing and re-joining every cell.
        """
        return pl.scan_csv(
            self.source,
            has_header=False,
            separator="\x00",
            quote_char=None,
            comment_prefix=self._comment_prefix,
            skip_lines=self.header_line,
            schema={"__line": pl.String},
            raise_if_empty=False,
        )

    def scan_body_lines(self) -> pl.LazyFrame:
        """Every line after the header as `__line`, comment and blank lines included.

        Cheaper than `scan_lines` (no field search): for a body known to hold only data rows.
        """
        scan = getattr(pl, "scan_lines", None)  # (newer Polars; older ones lack it)
        if scan is None:
            return self.scan_lines()
        lines: pl.LazyFrame = scan(self.source, name="__line")
        return lines.slice(self.header_line)

    def error(
        self, message: str, *, line: int | None = None, column: str | None = None
    ) -> CohortInputError:
        """A located error about this file."""
        return _fail(message, self.label, line=line, column=column)


def _differ(positions: list[int]) -> list[pl.Expr]:
    """Per copy after the first of the columns at `positions`: True where it differs."""
    first, *rest = (pl.col(f"c{i}") for i in positions)
    return [first.eq_missing(other).not_() for other in rest]


def _read_head(source: Path, label: str, header_prefix: str | None) -> tuple[list[str], str, int]:
    """Meta lines, the header line and its 1-based number."""
    meta: list[str] = []
    with source.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            data = raw[3:] if number == 1 and raw.startswith(_BOM) else raw
            if b"\x00" in data:
                raise _fail("binary data, not a tab-separated text file", label, line=number)
            try:
                text = data.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise _fail(
                    f"not UTF-8 text (byte {exc.start + 1} of the line)",
                    label,
                    line=number,
                    code="bad-encoding",
                ) from exc
            is_header = (
                text.startswith(header_prefix) if header_prefix else not text.startswith("#")
            )
            if is_header and text.strip():
                return meta, text, number
            if text.strip() or header_prefix:
                meta.append(text)
    if header_prefix and meta:
        raise _fail(f"no header line starting {header_prefix!r}", label, line=None)
    raise _fail("empty file: no header line", label, line=None)


def open_table(
    path: Path,
    *,
    work_dir: Path,
    label: str | None = None,
    header_prefix: str | None = None,
    min_columns: int = 2,
) -> Table:
    """Open a tab-separated file (plain or gzip) and read its header.

    Args:
        path: The file.
        work_dir: Where a decompressed copy of a gzip file goes.
        label: How messages name the file (default: the path as given).
        header_prefix: The header is the first line starting with this (VCF: '#CHROM');
            by default the first line not starting with '#'.
        min_columns: Fewer header fields than this means the file is not tab-separated.

    Raises:
        CohortInputError: missing or unreadable file, bad gzip stream, wrong encoding, binary
            data, no header, or too few columns; each names the file and the line.
    """
    name = label or str(path)
    if path.is_dir():
        raise _fail("is a folder, not a file", name)
    if not path.exists():
        raise _fail("no such file", name)
    if not path.is_file():
        raise _fail("not a regular file", name)
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
    except OSError as exc:
        raise _fail(exc.strerror or "cannot read", name) from exc
    packed = magic == _GZIP_MAGIC
    source = decompress(path, name, work_dir) if packed else path
    try:
        meta, header_text, number = _read_head(source, name, header_prefix)
    except CohortInputError as exc:
        if packed and exc.line is None:  # (no header at all in a gzip file: it was cut)
            exc.message = f"{exc.message} (truncated gzip?)"
        raise
    header = tuple(header_text.split("\t"))
    if len(header) < min_columns:
        raise _fail(
            f"not a tab-separated table: the header has {len(header)} column(s), "
            f"at least {min_columns} expected",
            name,
            line=number,
        )
    comments = not header[0].startswith("#")  # (as `Table.scan` skips '#' lines)
    nul_rows: tuple[int, ...] = ()
    nul_lines: tuple[int, ...] = ()
    # (a NUL replaced, or a line end added, leaves every line's number and first byte as it is)
    nul, body_comments = scan_body(source, number, comments=comments)
    if nul:
        source, nul_rows, nul_lines = without_nul(source, work_dir, number, comments)
        _logger.info("%s: %d row(s) with a NUL byte", name, len(nul_rows))
    unterminated = _hash_in_unterminated_line(source)
    if unterminated:
        source = _with_line_end(source, work_dir)
    return Table(label=name, source=source, header=header, header_line=number, meta=tuple(meta),
                 nul_rows=nul_rows, nul_lines=nul_lines, unterminated=unterminated,
                 comments=body_comments)  # fmt: skip


def _tail(source: Path) -> bytes:
    size = source.stat().st_size
    with source.open("rb") as fh:
        fh.seek(max(0, size - _TAIL))
        return fh.read()


def _hash_in_unterminated_line(source: Path) -> bool:
    """True when the last line has no line end and holds a '#' after its start.

    Polars misreads such a line when it is the only data row ("CSV malformed: expected 0
    rows, actual 1"); with a line end added it reads it (found by scripts/fuzz.py).
    """
    tail = _tail(source)
    last = _last_line(source, tail) if tail else b""
    return bool(last) and b"#" in last[1:]


def _with_line_end(source: Path, work_dir: Path) -> Path:
    """`source` with a line end added: in place when it is already a copy in `work_dir`."""
    if source.parent != work_dir:
        target = work_file(work_dir, f"terminated-{source.name}")
        shutil.copyfile(source, target)
        source = target
    with source.open("ab") as fh:
        fh.write(b"\n")
    return source


def short_last_line(source: Path, width: int, *, end_added: bool = False) -> int | None:
    """The fields of the last line of `source` if it is cut short, else None.

    Cut short: it has no line end (none before `open_table` added one, when `end_added`), is
    not a comment, and has fewer than `width` (the header's) fields (`short_fields`).
    """
    if source.stat().st_size == 0:
        return None
    tail = _tail(source)
    if end_added:
        tail = tail[:-1]
    if tail.endswith(b"\n"):
        return None
    last = _last_line(source, tail)
    return short_fields(last[:1], last.count(b"\t"), width)


def short_fields(start: bytes, tabs: int, width: int) -> int | None:
    """The fields of a file's text after its last line end, if it is a line cut short.

    Args:
        start: That text's first byte (empty when the file ends with a line end).
        tabs: Its tabs.
        width: The header's fields.

    Cut short: not empty, not a comment (skipped like any other), fewer than `width` fields.
    """
    if not start or start == b"#":
        return None
    return tabs + 1 if tabs + 1 < width else None


def _last_line(source: Path, tail: bytes) -> bytes:
    """The last line of `source`, whose last bytes are `tail`: read further back if need be."""
    size = source.stat().st_size
    seen = len(tail)
    parts = [tail]  # (from the end backwards: joined once, not copied at every step)
    with source.open("rb") as fh:
        while b"\n" not in parts[-1] and seen < size:  # (a last line longer than the tail)
            step = min(_TAIL, size - seen)
            fh.seek(size - seen - step)
            parts.append(fh.read(step))
            seen += step
    return b"".join(reversed(parts)).rsplit(b"\n", 1)[-1]


def line_ends(path: Path) -> int:
    """The line ends in a file (for an error's line number: it reads it all)."""
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(_BLOCK), b""))


def check_tail(table: Table, source: Path | None = None) -> None:
    """Raise when the last line is cut short: fewer fields than the header and no line end.

    A shorter row that ends with a newline is read as a row whose last cells are empty, as
    oncokb-annotator pads such rows; only an unterminated short last line is a truncated file.

    Args:
        table: The opened table.
        source: The file to look at, when not `table.source` (the Spark engine's driver opens
            a copy of a file's first lines: `source` is then the local file itself).

    Raises:
        CohortInputError: naming the last line and its first missing column.
    """
    path, added = (table.source, table.unterminated) if source is None else (source, False)
    fields = short_last_line(path, len(table.header), end_added=added)
    if fields is not None:
        # (the file's own line, comment lines counted; `table.source` ends with the line end
        # `open_table` added, if any)
        raise truncated(table, fields, line_ends(path) + (not added))


def truncated(table: Table, fields: int, line: int) -> CohortInputError:
    """The error of a last line cut short after `fields` fields (see `check_tail`)."""
    return table.error(
        f"truncated file: the last line has {fields} of {len(table.header)} fields",
        line=line,
        column=table.header[fields],
    )


@dataclass(frozen=True)
class BodyCounts:
    """Tabs, lines and carriage returns after the header line (comment and blank lines included).

    `even` says whether every line holds exactly the header's tabs (None: not looked at).
    """

    tabs: int
    lines: int
    returns: int = 0
    even: bool | None = None


def body_counts(table: Table, *, per_line: bool = False) -> BodyCounts:
    """Count the body's tabs, lines and carriage returns with numpy on 16 MiB blocks.

    About 0.3 s a GiB. numpy releases the GIL, so this can run on a thread beside Python work.
    Used to prove that every row has exactly the header's fields (see `scan.write_rows`). With
    `per_line`, it also tells whether every line holds exactly the header's tabs (`even`),
    from the tabs before each line end: the proof then holds for files whose last cells are
    sometimes empty, which the counts alone cannot tell from short lines.
    """
    import numpy as np

    width = len(table.header) - 1
    tabs = newlines = returns = 0
    carry = 0  # (tabs of the line the block ends in, so far)
    even = True
    last = b"\n"
    with table.source.open("rb") as fh:
        fh.seek(table.body_offset())
        while block := fh.read(_BLOCK):
            data = np.frombuffer(block, np.uint8)
            if per_line and even:
                # Tabs and line ends in order: each line end's place among them, less the place
                # of the line end before, is its line's tabs plus one.
                marks = data[np.flatnonzero((data == _TAB) | (data == _NEWLINE))]
                ends = np.flatnonzero(marks == _NEWLINE)
                each = np.diff(ends, prepend=-1)
                if each.size:
                    each[0] += carry
                    carry = 0
                even = bool((each == width + 1).all())
                carry += marks.size - (int(ends[-1]) + 1 if ends.size else 0)
                found, lines = marks.size - ends.size, ends.size
            else:
                found = int(np.count_nonzero(data == _TAB))
                lines = int(np.count_nonzero(data == _NEWLINE))
            tabs += found
            newlines += lines
            returns += int(np.count_nonzero(data == _RETURN))
            last = block[-1:]
    unended = last != b"\n"
    if unended:
        even = even and carry == width
    return BodyCounts(tabs=tabs, lines=newlines + unended, returns=returns,
                      even=even if per_line else None)  # fmt: skip


def diagnose(table: Table, exc: Exception) -> CohortInputError:
    """Find the first line Polars could not read, and say where and why.

    Walks the file once (only on the error path). Falls back to Polars' own message.
    """
    width = len(table.header)
    comments = not table.header[0].startswith("#")  # (a VCF body has no comment lines)
    with table.source.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number <= table.header_line:
                continue
            line = raw.rstrip(b"\r\n")
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                before = line[: err.start].count(b"\t")
                return _fail(
                    f"not UTF-8 text (byte {err.start + 1} of the line)",
                    table.label,
                    line=number,
                    column=table.header[min(before, width - 1)],
                    code="bad-encoding",
                )
            fields = line.count(b"\t") + 1
            if fields > width and not (comments and line.startswith(b"#")):
                return table.error(
                    f"{fields} fields where the header has {width}",
                    line=number,
                    column=f"field {width + 1}",
                )
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return table.error(f"cannot read the table ({message})")
