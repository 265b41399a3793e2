"""Every worked example in every verb's --help runs (exit 0), from the repository root."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app

ROOT = Path(__file__).resolve().parents[1]
VERBS = [
    ["match"],
    ["kb", "stats"],
    ["kb", "show"],
    ["kb", "validate"],
    ["kb", "audit"],
    ["kb", "export"],
    ["report"],
]
runner = CliRunner()


def _examples(verb: list[str]) -> list[str]:
    text = runner.invoke(app, [*verb, "--help"], terminal_width=200).stdout
    return [line.strip() for line in text.splitlines() if line.strip().startswith("onconav ")]


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_help_examples_run(
    verb: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = _examples(verb)
    assert examples, f"no worked example in onconav {' '.join(verb)} --help"
    for name in ("examples", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    for example in examples:
        args = shlex.split(example.split(" > ")[0])[1:]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (example, result.output)
