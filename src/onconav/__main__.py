"""`python -m onconav` runs the CLI."""

from onconav.cli import main

main()
