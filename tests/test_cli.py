"""The command line, in process: verbs, formats and the exit-2 contract for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav import __version__
from onconav.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize("verb", [["match"], ["kb"], ["kb", "show"], ["kb", "export"]])
def test_help_has_an_example(verb: list[str]) -> None:
    result = runner.invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "example" in result.stdout.lower() or "onconav kb" in result.stdout


def test_match_example_json() -> None:
    result = runner.invoke(app, ["match", str(ROOT / "examples/alk_first_line.json")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["case_id"] == "ex-alk-1"
    assert out["tumor_type"]["code"] == "LUAD"
    assert out["kb_version"]


def test_match_several_files_prints_json_lines() -> None:
    files = [str(ROOT / "examples/alk_first_line.json"), str(ROOT / "examples/braf_v600e.json")]
    result = runner.invoke(app, ["match", *files])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert [json.loads(x)["case_id"] for x in lines] == ["ex-alk-1", "ex-braf-1"]


def test_match_stdin_and_jsonl(tmp_path: Path) -> None:
    text = '{"tumor_type": "LUAD", "alterations": ["KRAS G12C"]}\n{"tumor_type": "LUSC", "alterations": []}\n'
    result = runner.invoke(app, ["match", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 2


def test_match_quick_flags_text_and_markdown() -> None:
    args = [
        "match",
        "-a",
        "EGFR L858R",
        "-a",
        "EGFR T790M",
        "-t",
        "LUAD",
        "--prior",
        "gefitinib:progression",
    ]
    text = runner.invoke(app, [*args, "--format", "text"])
    assert text.exit_code == 0, text.output
    assert "osimertinib" in text.stdout
    md = runner.invoke(app, [*args, "--format", "markdown"])
    assert md.exit_code == 0
    assert md.stdout.startswith("# onconav")
    assert "| gefitinib |" in md.stdout


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("case.json", '{"alterations": []}', "case.json: tumor_type: required"),
        ("case.json", '{\n "tumor_type": "LUAD",\n "alterations": [\n}', "case.json: line 4"),
        ("case.json", '{"tumor_type": "LUAD"}', "alterations: required"),
        (
            "case.json",
            '{"tumor_type": "LUAD", "alterations": [], "setting": "palliative"}',
            "setting",
        ),
        (
            "case.json",
            '{"tumor_type": "LUAD", "alterations": [{"alteration": "L858R"}]}',
            "alterations.0.gene: required",
        ),
        (
            "case.json",
            '{"tumor_type": "LUAD", "alterations": [], "history": [{"drugs": ["x"], "outcome": "cured"}]}',
            "history.0.outcome",
        ),
        (
            "case.json",
            '{"tumor_type": "LUAD", "alterations": [], "conditions": ["flu"]}',
            "conditions.0",
        ),
        (
            "case.json",
            '{"tumor_type": "LUAD", "alterations": [], "biomarkers": {"pd_l1_tps": 140}}',
            "biomarkers.pd_l1_tps",
        ),
        ("case.json", '{"tumor_type": "lung adenocarcinomma", "alterations": []}', "did you mean"),
        ("case.json", "[1, 2]", "case.json[0]"),
        ("case.json", "", "empty input"),
        (
            "cases.jsonl",
            '{"tumor_type": "LUAD", "alterations": []}\n{"tumor_type": "LUAD", "alterations": []}\n{"tumor_type": \n',
            "cases.jsonl: line 3",
        ),
        (
            "cases.jsonl",
            '{"tumor_type": "LUAD", "alterations": []}\n{"alterations": []}\n',
            "cases.jsonl: line 2: tumor_type: required",
        ),
        ("case.yaml", "tumor_type: [LUAD\n", "case.yaml: line"),
    ],
)
def test_bad_input_exits_2_with_a_located_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = _write(tmp_path, name, text)
    result = runner.invoke(app, ["match", path])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["match", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_match_without_input_is_a_usage_error() -> None:
    result = runner.invoke(app, ["match"])
    assert result.exit_code == 2


def test_kb_stats_show_export_validate() -> None:
    stats = runner.invoke(app, ["kb", "stats"])
    assert stats.exit_code == 0
    assert "indications" in stats.stdout
    show = runner.invoke(app, ["kb", "show", "Tagrisso"])
    assert show.exit_code == 0
    assert show.stdout.startswith("osimertinib")
    gene = runner.invoke(app, ["kb", "show", "HER2"])
    assert gene.stdout.startswith("ERBB2")
    missing = runner.invoke(app, ["kb", "show", "NOPE1"])
    assert missing.exit_code == 2
    valid = runner.invoke(app, ["kb", "validate"])
    assert valid.exit_code == 0


def test_kb_validate_broken_folder(tmp_path: Path) -> None:
    (tmp_path / "kb.yaml").write_text("meta: [\n")
    result = runner.invoke(app, ["kb", "validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "kb.yaml:" in result.stderr


def test_kb_export_lists_every_drug_with_route_and_sources() -> None:
    result = runner.invoke(app, ["kb", "export", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["kb_version"]
    assert data["kb_date"]
    for drug in data["drugs"]:
        assert drug["route"]
        assert drug["common_side_effects"]
        assert drug["sources"]
    assert all(i["sources"] for i in data["indications"])
    assert all(r["sources"] for r in data["resistance"])


@pytest.mark.parametrize(
    "args",
    [
        ["match", "--help"],
        ["-v", "match", "-h"],
        ["match", str(ROOT / "examples/egfr_ex19_t790m_after_gefitinib.json")],
        ["match", str(ROOT / "examples/braf_v600e.json"), "--format", "text"],
        ["--verbose", "match", "-a", "EGFR c.2573T>G", "-t", "LUAD", "-f", "markdown"],
        ["match", "-a", "EGFR L8585R", "-t", "LUAD"],
        ["match"],
        ["match", "--bogus"],
        ["match", "-f", "yaml", str(ROOT / "examples/braf_v600e.json")],
    ],
)
def test_match_only_app_prints_what_the_full_app_prints(args: list[str]) -> None:
    """`onconav match` runs an app holding only that verb (a faster start): same output."""
    from onconav.cli import _app_for

    only = _app_for(args)
    assert only is not app
    assert [c.callback.__name__ for c in only.registered_commands] == ["match"]
    fast, full = runner.invoke(only, args), runner.invoke(app, args)
    assert (fast.exit_code, fast.stdout, fast.stderr) == (full.exit_code, full.stdout, full.stderr)


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["kb", "stats"], ["-v", "kb"]])
def test_other_command_lines_get_the_full_app(args: list[str]) -> None:
    from onconav.cli import _app_for

    assert _app_for(args) is app


@pytest.mark.parametrize(
    "args",
    [
        ["match", str(ROOT / "examples/braf_v600e.json")],
        ["match", str(ROOT / "examples/braf_v600e.json"), str(ROOT / "examples/met_exon14.json")],
        ["match", "no-such-case.json"],
        ["match", "-a", "EGFR L858R", "-t", "LUAD", "--compare-kb", "src/onconav/kb/data"],
    ],
)
def test_match_leaves_the_cycle_collector_on(args, monkeypatch) -> None:
    """`onconav match` starts without cycle collection (faster), then turns it back on."""
    import gc

    from onconav.cli import main

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("sys.argv", ["onconav", *args])
    seen = []
    monkeypatch.setattr("onconav.cli._print_result", lambda *a: seen.append(gc.isenabled()))
    with pytest.raises(SystemExit):
        main()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # (in process, main leaves the collector as it was)
    assert not any(seen[:1])  # the first result is made and printed without it
    assert all(seen[1:])


def test_cold_match_imports_only_what_it_needs() -> None:
    """A cold `onconav match` of missense changes and phrases skips lark, the other verbs and
    the c. translator (what keeps it within 300 ms of `python -c pass`; speed itself is
    measured by benchmarks/bench_cold.py, not here)."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write(' '.join(sorted(sys.modules))))\n"
        "sys.argv = ['onconav', 'match', sys.argv[1], '--format', 'text']\n"
        "from onconav.__main__ import main\n"
        "main()\n"
    )
    case = str(ROOT / "examples/egfr_ex19_t790m_after_gefitinib.json")
    for _run in ("fills the caches", "reads them"):
        done = subprocess.run([sys.executable, "-c", code, case], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.split())
    assert {"onconav.match.engine", "onconav.normalize.reference", "rich"} <= loaded
    skipped = {"lark", "onconav.normalize.translate", "onconav.cli_serve", "onconav.cli_annotate",
               "onconav.cli_report", "onconav.cli_kb", "fastapi", "polars", "yaml"}  # fmt: skip
    assert not skipped & loaded
