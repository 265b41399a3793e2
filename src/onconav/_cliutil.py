"""What every CLI verb module shares: the one-line failure and the user-error guard.

Two kinds of failure end a verb without a traceback: a user error (`OnconavError`: bad input
or usage) is one line on standard error and exit code 2; an environmental failure (a full disk,
a read-only or vanished folder, a closed or full standard output) is one line naming the path
and exit code 1. A closed pipe (`onconav match ... | head -1`) ends quietly, as `head` expects.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import typer

from onconav.errors import OnconavError

if TYPE_CHECKING:
    from onconav.kb.index import KBIndex
    from onconav.match.caseio import LocatedCase
    from onconav.match.models import MatchResult

__all__ = ["environment_failure", "fail", "match_located", "read_stdin", "user_errors"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

# OSError numbers that mean "the environment", not a bug: disk full or over quota, read-only,
# no permission, gone, a closed pipe, an I/O error.
_ENVIRONMENT = {
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT,
    errno.ENOTDIR, errno.EPIPE, errno.EIO, errno.EBADF, errno.ESTALE,
}  # fmt: skip


def fail(message: str) -> NoReturn:
    """One line on standard error, then exit code 2 (bad input or usage)."""
    sys.stderr.write(f"onconav: {message}\n")
    raise typer.Exit(2)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # (a test runner's stdout has no file descriptor)
        return


def environment_failure(exc: OSError) -> NoReturn:
    """One line naming the path (or standard output) and the system's reason, then exit 1.

    Raises:
        OSError: `exc` itself, when it is not an environmental failure (a bug: traceback).
    """
    if exc.errno not in _ENVIRONMENT:
        raise exc
    if exc.errno == errno.EPIPE:
        _quiet_stdout()
        raise typer.Exit(1)
    where = exc.filename if exc.filename is not None else "standard output"
    reason = exc.strerror or str(exc)
    with contextlib.suppress(OSError):
        sys.stderr.write(f"onconav: {where}: {reason}\n")
    if exc.filename is None:
        _quiet_stdout()
    raise typer.Exit(1)


def user_errors(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Map a verb's failures to one line: user errors exit 2, environmental ones exit 1.

    Standard output is flushed inside the guard, so that a full or closed output is caught.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()
        except OnconavError as exc:
            fail(str(exc))
        except OSError as exc:
            environment_failure(exc)
        return result

    return wrapper


def read_stdin() -> str:
    """Standard input as a case file's text (size-limited, UTF-8, located errors).

    Raises:
        CaseError: too large, or not UTF-8.
    """
    from onconav.match.caseio import MAX_CASE_BYTES, decode_case_bytes

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # (a test runner's text stream)
        text = sys.stdin.read(MAX_CASE_BYTES + 1)
        return decode_case_bytes(text.encode("utf-8", "surrogateescape"), "<stdin>")
    return decode_case_bytes(stream.read(MAX_CASE_BYTES + 1), "<stdin>")


def match_located(index: KBIndex, found: LocatedCase) -> MatchResult:
    """Match one case; an unknown tumor type names the case's file and line (or its option).

    Raises:
        TumorTypeError: naming where the case came from.
    """
    from onconav.errors import TumorTypeError
    from onconav.match.engine import match_case

    try:
        return match_case(index, found.case)
    except TumorTypeError as exc:
        if exc.file is None:
            exc.file, exc.line = found.file, found.line
            if found.file.startswith("--"):
                exc.field = None
        raise
