"""Issue 13, fuzzing: CI runs `scripts/fuzz.py` on every target with a small count.

The full runs (100,000 inputs a target) are made by hand; this keeps the script working and
its contract checks honest (a check that cannot fail would make every run look clean).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from onconav.errors import CaseError, CohortInputError

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz.py"


@pytest.fixture(scope="module")
def fuzz():
    spec = importlib.util.spec_from_file_location("onconav_fuzz", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["onconav_fuzz"] = module
    spec.loader.exec_module(module)
    return module


def test_every_target_runs_clean(fuzz, tmp_path, capsys) -> None:
    crashes = tmp_path / "crashes"
    code = fuzz.main(["--count", "40", "--target", "all", "--seed", "13", "--full-every", "4",
                      "--crashes", str(crashes)])  # fmt: skip
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {x["target"] for x in lines} == set(fuzz.TARGET_NAMES)
    assert all(x["inputs"] >= 40 for x in lines), lines
    assert [x["crashes"] for x in lines if x["crashes"]] == []
    assert code == 0
    assert not crashes.exists()


def test_the_contract_rejects_an_unlocated_error(fuzz) -> None:
    err = CohortInputError("cannot read the table", file="x.maf")
    with pytest.raises(fuzz.ContractError):
        fuzz._located_input(err, "x.maf")
    with pytest.raises(fuzz.ContractError):
        fuzz._located_input(CohortInputError("bad", file="y.maf", line=3), "x.maf")
    fuzz._located_input(CohortInputError("bad", file="x.maf", line=3), "x.maf")


def test_the_contract_rejects_a_control_character_or_two_lines(fuzz) -> None:
    with pytest.raises(fuzz.ContractError):
        fuzz._printable_line("a\nb")
    with pytest.raises(fuzz.ContractError):
        fuzz._printable_line("a\x1bb")
    fuzz._printable_line(str(CaseError("a\x1bb\nc", file="f")))  # (errors escape both)


def test_the_contract_rejects_a_nul_byte_or_counts_that_do_not_reconcile(fuzz, tmp_path) -> None:
    from tests.cohort.helpers import DATA, run

    out = tmp_path / "out"
    summary = run(out, maf=DATA / "tiny.maf", tumor_type="LUAD")
    fuzz._check_outputs(out, summary)
    (out / "samples.tsv").write_bytes(b"S1\x00\n")
    with pytest.raises(fuzz.ContractError):
        fuzz._check_outputs(out, summary)
    (out / "samples.tsv").write_bytes(b"S1\n")
    with pytest.raises(fuzz.ContractError):
        fuzz._check_outputs(out, summary.model_copy(update={"rows_rejected": 0}))


def test_a_crash_is_saved_and_the_run_goes_on(fuzz, tmp_path, monkeypatch) -> None:
    def broken(args):
        raise ValueError("boom")

    monkeypatch.setattr(fuzz, "check_normalizer", broken)
    result = fuzz.run_target("normalizer", 5, 1, tmp_path, 4)
    assert list(result["crashes"]) == ["ValueError: boom"]
    assert list(tmp_path.glob("normalizer-*.txt"))
