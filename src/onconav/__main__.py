"""The `onconav` command and `python -m onconav`: `onconav.cli.main`, started lean.

`onconav match` runs without the cycle collector from before the CLI's own imports (typer,
pydantic) until its first result: see `onconav.cli._started`.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]


def main() -> None:
    """Run the CLI."""
    from onconav._argv import verb

    if verb(sys.argv[1:]) == "match":
        gc.disable()
    from onconav.cli import main as run

    run()


if __name__ == "__main__":
    main()
