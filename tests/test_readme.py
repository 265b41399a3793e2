"""The README's commands and Python example run as written, and .ci/run runs its test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from onconav.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _first_bash_block() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_first_command_runs() -> None:
    install, _, command = _first_bash_block()[0].partition(" && ")
    assert install.startswith("pip install")
    args = shlex.split(command)
    assert args[0] == "onconav"
    result = CliRunner().invoke(app, args[1:])
    assert result.exit_code == 0, result.output
    assert "osimertinib" in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _first_bash_block()[1]
    ci = (ROOT / ".ci/run").read_text()
    assert test_command in ci.splitlines()


def test_readme_python_example_runs() -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block is not None
    namespace: dict[str, object] = {"print": lambda *a: None}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["result"].options[0].level == "1"  # type: ignore[attr-defined]
