"""The declared public surface of `onconav`, pinned."""

from __future__ import annotations

import doctest
import subprocess
import sys

import onconav

EXPECTED = {
    "Alteration", "Case", "KBIndex", "KnowledgeBase", "MatchResult", "OnconavError",
    "__version__", "case_from_data", "get_index", "load_kb", "match_case", "parse_alteration",
    "read_cases",
}  # fmt: skip


def test_public_names_are_pinned() -> None:
    assert set(onconav.__all__) == EXPECTED


def test_every_public_name_resolves() -> None:
    for name in onconav.__all__:
        assert getattr(onconav, name) is not None


def test_import_is_cheap() -> None:
    code = "import sys, onconav; print('pydantic' in sys.modules, 'lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_package_docstring_example() -> None:
    failures, _ = doctest.testmod(onconav, verbose=False)
    assert failures == 0
