"""The `onconav` command and `python -m onconav`: `onconav.cli.main`, started lean.

`onconav match` runs without the cycle collector from before the CLI's own imports (typer,
pydantic) until its first result: see `onconav._startup`.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the CLI."""
    from onconav._startup import lean

    lean(sys.argv[1:])
    from onconav.cli import main as run

    run()


if __name__ == "__main__":
    main()
