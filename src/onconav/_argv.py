"""What an `onconav` command line asks for, read before the CLI is imported (`__main__.py`)."""

from __future__ import annotations

__all__ = ["ROOT_FLAGS", "verb"]

# Root options that may come before a verb; all are flags (they take no value).
ROOT_FLAGS = frozenset({"-v", "--verbose"})


def verb(args: list[str]) -> str | None:
    """The verb of a command line: its first argument that is not a root flag.

    Example:
        >>> verb(["-v", "match", "case.json"]), verb(["--help"]), verb([])
        ('match', '--help', None)
    """
    return next((arg for arg in args if arg not in ROOT_FLAGS), None)
