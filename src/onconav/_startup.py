"""The start of an `onconav` command: the verb it runs, and a lean start for `onconav match`.

A cold `onconav match` runs without the cycle collector until its first result is out: the
imports, the knowledge base and that result allocate some 100,000 objects that live as long
as the process, and the collector's hundred passes over them took about a tenth of a cold run
(reference counting frees everything else meanwhile). Then they are frozen, kept out of every
later pass (the full ones at exit took another twentieth), and the collector runs again.
"""

from __future__ import annotations

import gc

__all__ = ["ROOT_FLAGS", "lean", "restore", "started", "verb"]

# Root options that may come before a verb; all are flags (they take no value).
ROOT_FLAGS = frozenset({"-v", "--verbose"})


def verb(args: list[str]) -> str | None:
    """The verb of a command line: its first argument that is not a root flag.

    Example:
        >>> verb(["-v", "match", "case.json"]), verb(["--help"]), verb([])
        ('match', '--help', None)
    """
    return next((arg for arg in args if arg not in ROOT_FLAGS), None)


def lean(args: list[str]) -> bool:
    """Turn the cycle collector off if `args` run `onconav match`; say whether this did."""
    if verb(args) != "match" or not gc.isenabled():
        return False
    gc.disable()
    return True


def started() -> None:
    """End of a lean start (else nothing): freeze what it built, run the collector again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def restore() -> None:
    """Undo `lean` and `started` (for a command run in process, by a test)."""
    gc.unfreeze()
    gc.enable()
