"""`onconav annotate` in process: its --help examples run, errors exit 2 with one line."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from onconav import cli_annotate
from onconav.cli_annotate import annotate, show_progress

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _app() -> typer.Typer:
    """The verb in an app of its own (`onconav.cli` registers the same function)."""
    app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """Test app."""

    app.command()(annotate)
    return app


def _examples() -> list[list[str]]:
    help_text = runner.invoke(_app(), ["annotate", "--help"], terminal_width=400).stdout
    lines = [x.strip() for x in help_text.splitlines() if x.strip().startswith("onconav annotate")]
    return [shlex.split(x)[1:] for x in lines]


def test_help_has_examples() -> None:
    assert len(_examples()) == 3


@pytest.mark.parametrize("index", range(3))
def test_help_examples_run(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "tests" / "data" / "cohort")
    args = _examples()[index]
    flag = "--out" if "--out" in args else "-o"
    args[args.index(flag) + 1] = str(tmp_path / "annotated")
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert "rows:" in result.stdout
    assert "annotated" in result.stdout
    assert (tmp_path / "annotated" / "summary.json").is_file()


def test_bad_input_exits_2_with_one_located_line(tmp_path: Path) -> None:
    maf = tmp_path / "bad.maf"
    maf.write_bytes(b"Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nEGFR\tS1\tp.L858R\xe9\n")
    result = runner.invoke(
        _app(), ["annotate", "--maf", str(maf), "-t", "LUAD", "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"onconav: {maf}: line 2: column HGVSp_Short: not UTF-8")
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_unknown_tumor_type_exits_2(tmp_path: Path) -> None:
    maf = ROOT / "tests/data/cohort/tiny.maf"
    result = runner.invoke(
        _app(), ["annotate", "--maf", str(maf), "-t", "LUADD", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "unknown tumor type 'LUADD'" in result.stderr


def test_no_progress_bar_when_piped_or_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert not show_progress()
    monkeypatch.delenv("CI")
    assert not show_progress()  # the test runner's streams are not terminals


def test_progress_callback_receives_stages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from onconav.cohort import CohortInputs, annotate_cohort

    seen: list[tuple[str, int, int | None]] = []
    inputs = CohortInputs(maf=ROOT / "tests/data/cohort/tiny.maf", tumor_type="LUAD")
    annotate_cohort(inputs, tmp_path / "o", plots=False, progress=lambda *a: seen.append(a))
    stages = [s for s, _, _ in seen]
    assert stages[0].startswith("read")
    assert stages[-1] == "done"
    assert "match" in stages
    assert "normalize" in stages
    assert cli_annotate.AnnotateFormat("parquet").value == "parquet"
