"""The value check of a decoded case names the field of the first bad value, however deep."""

from __future__ import annotations

import pytest

from onconav.errors import CaseError
from onconav.match.caseio import case_from_data

_OK = {"tumor_type": "LUAD", "alterations": ["EGFR L858R", "KRAS G12C", "TP53 R273H"]}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (_OK | {"alterations": ["EGFR L858R", "KRAS G12C", "TP53 R2\x0073H"]},
         "alterations.2", "U+0000"),
        (_OK | {"alterations": ["EGFR L858R", {"gene": "MET", "alteration": "amp\x1f"}]},
         "alterations.1.alteration", "U+001F"),
        (_OK | {"history": [{"drugs": ["osimertinib", "x\ud800"]}]},
         "history.0.drugs.1", "lone surrogate"),
        (_OK | {"biomarkers": {"pd_l1_tps": float("nan")}}, "biomarkers.pd_l1_tps", "NaN"),
        (_OK | {"alterations": ["EGFR L858R", {"gene": "MET", "copy_number": 10**40}]},
         "alterations.1.copy_number", "too many digits"),
        (_OK | {"id": "a\x7fb"}, "id", "U+007F"),
    ],
)  # fmt: skip
def test_bad_value_is_located(data: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(CaseError) as err:
        case_from_data(data, file="case.json")
    assert err.value.field == field
    assert words in str(err.value)


def test_deep_nesting_is_refused_with_the_first_levels_named() -> None:
    value: object = "x"
    for _ in range(40):
        value = [value]
    with pytest.raises(CaseError) as err:
        case_from_data(_OK | {"conditions": value}, file="case.json")
    assert "nested more than 32 levels deep" in str(err.value)
    assert err.value.field == "conditions.0.0"


def test_clean_case_passes() -> None:
    case = case_from_data(_OK | {"history": [{"drugs": ["osimertinib"]}]}, file="case.json")
    assert [str(a) for a in case.alterations] == _OK["alterations"]
