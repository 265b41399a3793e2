"""KBView reads an alteration's meaning from its special keys alone: exactly as from all keys."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from onconav.cohort.events import KBView
from onconav.kb.index import get_index
from onconav.match.significance import unclassed_category
from onconav.normalize import Alteration
from onconav.normalize.models import KINDS

VIEW = KBView(get_index())
GENES = sorted(VIEW.genes)


def _direct(alt: Alteration) -> tuple[str, frozenset[str]]:
    """Category and referenced keys computed from every key (no memo)."""
    index, gene = VIEW.index, alt.gene or ""
    keys = index.expand_keys(gene, alt.keys)
    category = index.class_category(gene, keys)[0]
    relevant = keys & VIEW.referenced.get(gene, frozenset())
    return category or unclassed_category(index, gene, alt.kind, keys), relevant


@st.composite
def alterations(draw: st.DrawFn) -> Alteration:
    gene = draw(st.sampled_from(GENES))
    special = sorted(VIEW.special[gene])
    keys = draw(st.lists(st.sampled_from(special), max_size=4)) if special else []
    keys += draw(st.lists(st.from_regex(r"[A-Z][0-9]{1,4}[A-Z*X]", fullmatch=True), max_size=3))
    kind = draw(st.sampled_from(KINDS))
    return Alteration("x", gene, keys[0] if keys else "mutation", kind, True, keys=tuple(keys))


@settings(max_examples=400, deadline=None)
@given(alterations())
def test_meaning_from_special_keys_equals_meaning_from_all(alt: Alteration) -> None:
    reading = VIEW.recognized(alt)
    category, relevant = _direct(alt)
    assert reading.category == category
    assert (reading.event.keys if reading.event else frozenset()) == (
        relevant if reading.event else frozenset()
    )
    assert (reading.event is not None) == (bool(relevant) or alt.gene in VIEW.targets)
