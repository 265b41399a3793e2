"""The README's knowledge-base-versions commands run as written; its CLI table names real verbs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
runner = CliRunner()


def _section_commands() -> list[str]:
    section = README.split("## Knowledge-base versions", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_versions_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("examples", "tests", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    commands = _section_commands()
    assert len(commands) >= 6
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "onconav"
        result = runner.invoke(app, [*args[1:], *(["--no-plots"] if "annotate" in args else [])])
        assert result.exit_code == 0, (command, result.output)
    assert (tmp_path / "after" / "changes.tsv").is_file()
    assert (tmp_path / "kb-2026.12.1.json").is_file()


def _table_verbs() -> set[tuple[str, ...]]:
    table = README.split("## CLI", 1)[1].split("\n\n", 2)[1]
    verbs = set()
    for cell in re.findall(r"`onconav ([a-z][^`]*)`", table):
        words = cell.split()
        if words[0] in ("kb", "user"):
            depth = 0  # inside [--format a\|b] the bars part values, not verbs
            for part in re.split(r"\\\|", " ".join(words[1:])):
                if depth == 0 and re.match(r"[a-z]", part.strip()):
                    verbs.add((words[0], part.split()[0]))
                depth += part.count("[") - part.count("]")
        else:
            verbs.add((words[0],))
    return verbs


def test_the_cli_table_names_verbs_that_exist() -> None:
    verbs = _table_verbs()
    assert {("kb", "versions"), ("kb", "diff"), ("kb", "compare"), ("match",)} <= verbs
    for verb in verbs:
        assert runner.invoke(app, [*verb, "--help"]).exit_code == 0, verb


def test_the_cli_table_covers_the_contract() -> None:
    contract = SHARED / "contracts" / "cli.md"
    if not contract.is_file():
        pytest.skip("../shared/contracts/cli.md is not present")
    text = contract.read_text()
    wanted = {(m,) for m in re.findall(r"^onconav ([a-z]+)", text, re.M) if m != "kb"}
    wanted |= {("kb", v) for v in re.findall(r"onconav kb ([a-z]+)", text)}
    assert wanted <= _table_verbs()
