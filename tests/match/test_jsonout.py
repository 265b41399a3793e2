"""`result_json` gives byte for byte what `model_dump_json` gives, with its kept parts warm."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from onconav.kb.index import get_index
from onconav.match import jsonout
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.match.jsonout import result_json

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_match import make_cases  # noqa: E402

_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_STR = TypeAdapter(str)


def _data() -> list[dict[str, object]]:
    cases = make_cases(250, seed=13)
    rng = random.Random(13)
    for c in cases:
        if rng.random() < 0.3:
            c["history"] = [{"drugs": ["osimertinib"], "outcome": "progression"}]
        if rng.random() < 0.2:
            c["conditions"] = ["pregnancy"]
        if rng.random() < 0.2:
            c["alterations"] = [*c["alterations"], "TP53 R273H", "FOO1 X1Y", "NTRK fusion"]
    examples = [orjson.loads(p.read_bytes()) for p in sorted(_EXAMPLES.glob("*.json"))]
    return cases + examples


def test_same_bytes_as_pydantic_over_many_cases() -> None:
    index = get_index()
    cases = [case_from_data(c) for c in _data()]
    for _ in range(2):  # cold, then with every part already kept
        for case in cases:
            result = match_case(index, case)
            assert result_json(result) == result.model_dump_json().encode(), case.id


def test_kept_json_follows_the_object_not_its_address(monkeypatch) -> None:
    index = get_index()
    monkeypatch.setattr(jsonout, "_LIMIT", 3)  # emptied often: addresses are reused
    cases = [case_from_data(c) for c in _data()[:60]]
    for case in cases:
        result = match_case(index, case)
        assert result_json(result) == result.model_dump_json().encode(), case.id
    assert len(jsonout._kept) <= 3


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=40))
def test_orjson_escapes_text_as_pydantic_does(text: str) -> None:
    assert orjson.dumps(text) == _STR.dump_json(text)


@pytest.mark.parametrize("case_id", ['<script>"x"</script>', "a\x00\x1f\x7f\u2028é😀\\", ""])
def test_hostile_case_ids(case_id: str) -> None:
    case = case_from_data({"tumor_type": "LUAD", "alterations": ["EGFR L858R"]})
    result = match_case(get_index(), case).model_copy(update={"case_id": case_id})
    assert result_json(result) == result.model_dump_json().encode()
