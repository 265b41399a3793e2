"""The bytes under a cohort table: gzip and BGZF decompressed, NUL bytes set aside.

Python's `gzip` (or ISA-L's, 2.5 times faster) checks each member's CRC and length; a BGZF file
(bgzip, htslib) cut between two members is still valid gzip, so its missing end-of-file block
is checked too. A NUL byte is never copied into an output: the file is copied with each NUL
replaced by U+FFFD, and the rows that held one are rejected (`Table.nul_reject`).
"""

from __future__ import annotations

import gzip
import logging
import mmap
import os
import tempfile
import zlib
from contextlib import nullcontext
from pathlib import Path
from typing import BinaryIO, NamedTuple, cast

from onconav.errors import CohortInputError

__all__ = [
    "BGZF_CUT",
    "GzipText",
    "bgzf_cut",
    "check_gzip",
    "comment_lines",
    "decompress",
    "has_nul",
    "scan_body",
    "without_nul",
    "work_file",
]

_logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
# Bytes mapped at a time by `has_nul` (a multiple of mmap.ALLOCATIONGRANULARITY).
_WINDOW = 64 << 20
BGZF_CUT = "truncated gzip: the BGZF end-of-file block is missing (the file was cut short)"
# The empty BGZF block that ends every file bgzip writes (SAM/BAM specification, 4.1.2).
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_REPLACEMENT = "\ufffd".encode()


def _fail(message: str, file: str, line: int) -> CohortInputError:
    return CohortInputError(message, file=file, line=line, code="bad-gzip")


def _gzip_open(path: Path) -> BinaryIO:
    """Open a gzip file with ISA-L (isal, about 2.5 times zlib's speed), else with `gzip`."""
    try:
        from isal import igzip
    except ImportError:  # (a source checkout without the dependency still works)
        return cast(BinaryIO, gzip.open(path, "rb"))
    return cast(BinaryIO, igzip.open(path, "rb"))  # type: ignore[no-untyped-call]


def _isal_errors() -> tuple[type[Exception], ...]:
    """ISA-L's own error type (a corrupt deflate stream), when isal is there."""
    try:
        from isal.igzip_lib import IsalError
    except ImportError:
        return ()
    return (cast(type[Exception], IsalError),)


_GZIP_ERRORS: tuple[type[Exception], ...] = (gzip.BadGzipFile, zlib.error, *_isal_errors())


def bgzf_cut(path: Path) -> bool:
    """True for a BGZF file (bgzip, htslib) whose end-of-file block is missing: cut short.

    A BGZF file is a chain of gzip members; cut between two of them it is still valid gzip,
    and only the missing 28-byte end-of-file block shows that the rest is gone.
    """
    with path.open("rb") as fh:
        head = fh.read(18)
        is_bgzf = len(head) == 18 and bool(head[3] & 4) and head[12:14] == b"BC"
        if not is_bgzf:
            return False
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - len(_BGZF_EOF)))
        return fh.read() != _BGZF_EOF


class GzipText(NamedTuple):
    """What `check_gzip` learned of a gzip file's text.

    Attributes:
        lines: Its line ends.
        start: The first byte after the last line end (empty when the text ends with one).
        tabs: The tabs after the last line end (counted, not kept: a line may be huge).
    """

    lines: int
    start: bytes
    tabs: int


def check_gzip(path: Path, label: str, into: Path | None = None) -> GzipText:
    """Read a gzip file through (into `into`, if given): its line ends and what follows the last.

    Raises:
        CohortInputError: the stream is corrupt or cut short, inside a member or, for a BGZF
            file, between two blocks (`bad-gzip`), naming the line where it ends.
    """
    lines, start, tabs = 0, b"", 0
    try:
        with _gzip_open(path) as src, into.open("wb") if into else nullcontext() as dst:
            while chunk := src.read(_CHUNK):
                ends = chunk.count(b"\n")
                lines += ends
                if ends:
                    rest = chunk[chunk.rfind(b"\n") + 1 :]
                    start, tabs = rest[:1], rest.count(b"\t")
                else:
                    start, tabs = start or chunk[:1], tabs + chunk.count(b"\t")
                if dst is not None:
                    dst.write(chunk)
    except EOFError as exc:
        raise _fail("truncated gzip: the stream ends early", label, lines + 1) from exc
    except _GZIP_ERRORS as exc:
        raise _fail(f"bad gzip stream ({exc})", label, lines + 1) from exc
    if bgzf_cut(path):
        raise _fail(BGZF_CUT, label, lines + 1)
    return GzipText(lines, start, tabs)


def work_file(work_dir: Path, name: str) -> Path:
    """A new, empty file in `work_dir` for a copy of an input, its name ending in `name`.

    Created at once under a name no other file has (as `tempfile.mkstemp` does: exclusive
    creation, readable by its owner only), so that two readers copying inputs of the same
    name at the same time, on two threads (the clinical file is read while the data files
    are opened), never write into the same file.
    """
    handle, made = tempfile.mkstemp(dir=work_dir, suffix=f"-{name}")
    os.close(handle)
    return Path(made)


def decompress(path: Path, label: str, work_dir: Path) -> Path:
    """Decompress a gzip file into `work_dir`, naming the line where a broken stream ends.

    Raises:
        CohortInputError: the stream is corrupt or cut short (`bad-gzip`), naming the line.
    """
    target = work_file(work_dir, path.name.removesuffix(".gz") or "input")
    lines = check_gzip(path, label, target).lines
    _logger.info("decompressed %s (%d lines)", path.name, lines)
    return target


def has_nul(source: Path) -> bool:
    """True when the file holds a NUL byte: one memchr over read-only mappings, no copy.

    About 1 GB a second on a loaded two-core machine (a block-wise read is a third of that).
    The file is mapped a window at a time: a mapped page counts in the process's resident
    memory while mapped, and one mapping of a whole 3 GB file made it a 3 GB process.
    """
    return _search(source, 0, nul=True, comments=False)[0]


def _starts_a_line(mapped: mmap.mmap, at: int) -> bool:
    return at == 0 or mapped[at - 1] == 0x0A


def _has_comment_line(mapped: mmap.mmap, first: int, stop: int) -> bool:
    """Whether a line starting with '#' begins in [first, stop) of `mapped`.

    memchr finds '#' at a gigabyte a second; a search for a line end then '#' stops at every
    line end (a sixth of that speed), so it is used only once a window holds many '#' that
    start no line (a column of them).
    """
    at, stray = mapped.find(b"#", first, stop), 0
    while at != -1:
        if _starts_a_line(mapped, at):
            return True
        stray += 1
        if stray > 1000:
            hit = mapped.find(b"\n#", max(at - 1, 0), stop)
            return hit != -1 and hit + 1 < stop
        at = mapped.find(b"#", at + 1, stop)
    return False


def comment_lines(source: Path, after: int) -> tuple[int, ...]:
    """1-based numbers of the lines after line `after` that start with '#' (comment lines).

    `Table.scan` skips them, so without them a row's number is not its line's. A search over
    read-only mappings, a window at a time, tells whether there is any; only then are the lines
    read one by one (a comment in a table's body is rare).
    """
    return scan_body(source, after, comments=True)[1]


def scan_body(source: Path, after: int, *, comments: bool) -> tuple[bool, tuple[int, ...]]:
    """Whether the file holds a NUL byte, and (when `comments`) `comment_lines(source, after)`.

    One search over the mapped file for both (`has_nul`, `comment_lines`): its pages are
    mapped once, not twice (a tenth of a second a gigabyte, most of it in the kernel).
    """
    nul, commented = _search(source, after, nul=True, comments=comments)
    if not commented:
        return nul, ()
    with source.open("rb") as fh:
        found = (n for n, raw in enumerate(fh, start=1) if raw[:1] == b"#" and n > after)
        return nul, tuple(found)


def _search(source: Path, after: int, *, nul: bool, comments: bool) -> tuple[bool, bool]:
    """Whether the file holds a NUL byte, and whether a line after line `after` starts with '#'.

    Each is looked for only when asked (`nul`, `comments`), over read-only mappings a window
    at a time, and the search stops once both are found.
    """
    found_nul = found_comment = False
    with source.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        for _ in range(after):
            fh.readline()
        body = fh.tell() if comments else size
        begin = 0 if nul else body - body % _WINDOW
        for offset in range(begin, size, _WINDOW):
            # (mapped from a page before the window, where there is one, so that the byte
            # before the window shows whether its first byte starts a line)
            start = max(offset - mmap.ALLOCATIONGRANULARITY, 0)
            length = min(offset + _WINDOW, size) - start
            with mmap.mmap(fh.fileno(), length, access=mmap.ACCESS_READ, offset=start) as mapped:
                if nul and not found_nul:
                    found_nul = mapped.find(b"\x00", offset - start) != -1
                if comments and not found_comment and offset + _WINDOW > body:
                    found_comment = _has_comment_line(mapped, max(offset, body) - start, length)
            if (found_nul or not nul) and (found_comment or not comments):
                break
    return found_nul, found_comment


def without_nul(
    source: Path, work_dir: Path, header_line: int, comments: bool
) -> tuple[Path, tuple[int, ...], tuple[int, ...]]:
    """A copy of `source` in `work_dir`, each NUL replaced by U+FFFD; the rows that had one.

    Rows are numbered as `Table.scan` counts them: the lines after the header, without the
    comment lines it skips. Replacing (not deleting) keeps every line's fields and kind.
    """
    target = work_file(work_dir, f"nul-free-{source.name}")
    rows: list[int] = []
    lines: list[int] = []
    row = -1
    with source.open("rb") as src, target.open("wb") as dst:
        for number, raw in enumerate(src, start=1):
            data = raw
            if number > header_line and not (comments and raw.startswith(b"#")):
                row += 1
                if b"\x00" in raw:
                    rows.append(row)
                    lines.append(number)
            if b"\x00" in raw:
                data = raw.replace(b"\x00", _REPLACEMENT)
            dst.write(data)
    return target, tuple(rows), tuple(lines)
