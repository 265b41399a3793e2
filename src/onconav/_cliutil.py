"""What every CLI verb module shares: the one-line failure and the user-error guard."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer

from onconav.errors import OnconavError

__all__ = ["fail", "user_errors"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def fail(message: str) -> NoReturn:
    """One line on standard error, then exit code 2 (bad input or usage)."""
    sys.stderr.write(f"onconav: {message}\n")
    raise typer.Exit(2)


def user_errors(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn an `OnconavError` raised by a verb into `fail()`: never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except OnconavError as exc:
            fail(str(exc))

    return wrapper
