"""What the engine accumulates for one case: an avoid entry keeps each source once."""

from __future__ import annotations

from onconav.kb.models import Source
from onconav.match.work import AvoidDraft


def test_an_avoid_entry_keeps_each_source_once_by_equality_not_identity() -> None:
    label = Source(kind="fda_label", id="TAGRISSO", year=2018)
    same = Source(kind="fda_label", id="TAGRISSO", year=2018)  # equal, not the same object
    other_year = Source(kind="fda_label", id="TAGRISSO", year=2020)
    other_kind = Source(kind="trial", id="TAGRISSO", year=2018)
    trial = Source(kind="trial", id="FLAURA", year=2018)
    draft = AvoidDraft()
    draft.add("first", "resistance", "R1", [label, trial])
    draft.add("second", "resistance", "R1", [same, trial, other_year, other_kind, label])
    assert draft.sources == [label, trial, other_year, other_kind]
    assert draft.sources[0] is label
    assert draft.reasons == ["first", "second"]
