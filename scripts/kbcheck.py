"""Validate the shipped KB and print problems, optionally only those in the files named.

Usage: python scripts/kbcheck.py [drugs/egfr.yaml ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from onconav.kb.validate import validate_kb_dir

root = Path(__file__).parent.parent / "src/onconav/kb/data"
problems = validate_kb_dir(root)
only = set(sys.argv[1:])
shown = [p for p in problems if not only or p.file in only]
for p in shown:
    print(p)
print(f"{len(shown)} problem(s) shown, {len(problems)} in the whole KB")
