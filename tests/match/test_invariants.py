"""Properties every match result holds, over many generated cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from onconav.kb.index import get_index
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.match.rules import LEVEL_RANK

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_match import make_cases  # noqa: E402


@pytest.fixture(scope="module")
def results():
    index = get_index()
    return [match_case(index, case_from_data(c)) for c in make_cases(400, seed=3)]


def test_avoided_drug_never_in_recommended_option(results) -> None:
    for r in results:
        avoided = {d for a in r.avoid for d in a.drugs}
        for o in r.options:
            if o.status == "recommended":
                assert not avoided & set(o.drugs), (r.case_id, o.drugs)
            elif avoided & set(o.drugs):  # only combinations that continue or target it
                assert len(o.drugs) > 1, (r.case_id, o.drugs)


def test_every_entry_cites_a_source(results) -> None:
    for r in results:
        assert all(o.sources for o in r.options)
        assert all(a.sources for a in r.avoid)


def test_options_ordered_by_level(results) -> None:
    """The current line's options by level, then the next_line options by level."""
    for r in results:
        ranks = [(o.status == "next_line", LEVEL_RANK[o.level]) for o in r.options]
        assert ranks == sorted(ranks)


def test_drug_names_are_lower_case_inn(results) -> None:
    index = get_index()
    for r in results:
        for o in r.options:
            assert all(d in index.drugs and d == d.lower() for d in o.drugs)


def test_every_alteration_reported(results) -> None:
    cases = make_cases(400, seed=3)
    for case, r in zip(cases, results, strict=True):
        assert len(r.alterations) == len(case["alterations"])
