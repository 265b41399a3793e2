"""The cohort's shortcuts in matching a context give what the slow paths give.

- `_resisted` (the engine's choice of resistance entries) equals `_avoided` (the avoid list of
  a whole `match_case`) on contexts drawn from the knowledge base's own resistance alterations,
  compound, off-target and overridden ones among them;
- the kept cells of an event (`_event_cells_memo`) equal freshly made ones, and matching a
  context for some of its events gives those events the cells of the whole match;
- `influence._sets` gives each group's sorted distinct items, packed or not;
- `plan._cell_frame` builds the frame Polars builds from the lists, separator or not.
"""

from __future__ import annotations

import random
import re

import polars as pl
import pytest

from onconav.cohort import context as context_module
from onconav.cohort.context import match_context
from onconav.cohort.events import Event, KBView
from onconav.cohort.influence import _sets
from onconav.cohort.plan import _CELL_SCHEMA, _cell_frame
from onconav.kb.index import get_index
from onconav.normalize import normalize_alteration

VIEW = KBView(get_index())
_TUMORS = ["LUAD", "LUSC", "NSCLC", "SCLC", "COAD"]
_SETTINGS = ["metastatic", "adjuvant", "neoadjuvant", "consolidation"]
_MORE = [
    ("EGFR", "L858R"), ("EGFR", "E746_A750del"), ("EGFR", "G719S"), ("KRAS", "G12C"),
    ("KRAS", "G12D"), ("BRAF", "V600E"), ("BRAF", "G469A"), ("BRAF", "D594G"),
    ("ERBB2", "A775_G776insYVMA"), ("MET", "amplification"), ("ERBB2", "amplification"),
    ("TP53", "R273H"), ("STK11", "Q37*"), ("KEAP1", "G333C"), ("PIK3CA", "E545K"),
    ("NRAS", "Q61K"), ("EGFR", "R108K"), ("ALK", "R1275Q"),
]  # fmt: skip
_FUSIONS = [("ALK", "EML4"), ("RET", "KIF5B"), ("ROS1", "CD74"), ("NTRK1", "TPM3")]


def _pool() -> list[Event]:
    """Events of every concrete part of the KB's resistance entries, drivers and others."""
    index = VIEW.index
    changes = set(_MORE)
    for r in index.kb.resistance:
        for part in index.resistance_parts[id(r)]:
            # a wildcard (D1228X) stands for its changes: take one
            change = re.sub(r"^([A-Z]\d+)X$", r"\1A", part)
            if re.fullmatch(r"[A-Z]\d+[A-Z*]|[A-Z]\d+_[A-Z]\d+ins[A-Z]+|amplification", change):
                changes.add((r.gene, change))
    alts = [normalize_alteration(g, c) for g, c in sorted(changes)]
    alts += [normalize_alteration(g, "fusion", partner=p) for g, p in _FUSIONS]
    events = {VIEW.recognized(a).event for a in alts if a.recognized}
    return sorted(e for e in events if e is not None)


_POOL = _pool()


def _contexts(n: int, seed: int) -> list[tuple[str, str, tuple[Event, ...]]]:
    rng = random.Random(seed)
    by_gene: dict[str, list[Event]] = {}
    for e in _POOL:
        by_gene.setdefault(e.gene, []).append(e)
    out = []
    for _ in range(n):
        # several events of one gene (compound entries, overrides) and some of others
        gene = rng.choice(sorted(by_gene))
        mine = rng.sample(by_gene[gene], min(len(by_gene[gene]), rng.randint(1, 3)))
        others = rng.sample(_POOL, rng.randint(0, 3))
        events = tuple(sorted(set(mine + others)))
        out.append((rng.choice(_TUMORS), rng.choice(_SETTINGS), events))
    return out


def test_the_pool_holds_resistance_of_several_kinds() -> None:
    genes = {e.gene for e in _POOL}
    assert {"EGFR", "ALK", "KRAS", "MET", "RET", "ROS1"} <= genes
    assert len(_POOL) > 60


def test_resisted_equals_the_avoid_list_of_match_case() -> None:
    index = VIEW.index
    avoided_some = 0
    for code, setting, events in _contexts(600, seed=3):
        facts = context_module._facts(index, code, setting, events)
        fast = context_module._resisted(index, facts, events)
        assert fast == context_module._avoided(index, facts, events), (code, events)
        avoided_some += bool(fast)
    assert avoided_some > 150  # (the draw meets resistance often)


def test_kept_cells_equal_fresh_cells_and_a_part_of_a_context_matches_as_the_whole() -> None:
    index = VIEW.index
    leveled = 0
    for code, setting, events in _contexts(400, seed=8):
        whole = match_context(index, code, setting, events)
        facts = context_module._facts(index, code, setting, events)
        avoided = context_module._avoided(index, facts, events)
        for e in events:
            fresh = context_module._event_cells(index, facts, avoided, e)
            assert whole.cells[e] == fresh
            leveled += bool(fresh.levels)
        wanted = events[len(events) // 2 :]
        part = match_context(index, code, setting, events, wanted)
        assert list(part.cells) == list(wanted)
        assert all(part.cells[e] == whole.cells[e] for e in wanted)
    assert leveled > 200


@pytest.mark.parametrize("packed", [True, False])
def test_sets_are_each_groups_sorted_distinct_items(packed: bool) -> None:
    rng = random.Random(1)
    rows = [(rng.randrange(50), rng.randrange(30)) for _ in range(2000)]
    df = pl.DataFrame(rows, schema={"g": pl.Int64, "i": pl.Int64}, orient="row")
    # a size too large to pack takes the plain way
    size = 30 if packed else 1 << 60
    found = _sets(df, "g", "i", size)
    expected: dict[int, set[int]] = {}
    for g, i in rows:
        expected.setdefault(g, set()).add(i)
    assert found["g"].to_list() == sorted(expected)
    assert found["i"].to_list() == [sorted(expected[g]) for g in sorted(expected)]


@pytest.mark.parametrize("odd", ["", "\x1f", "a\x1fb"])
def test_the_cells_frame_equals_polars_own_from_lists(odd: str) -> None:
    rng = random.Random(2)
    rows: dict[str, list[object]] = {c: [] for c in _CELL_SCHEMA}
    words = ["1", "R1", "Osimertinib", "Sotorasib+Panitumumab", "", odd]
    for i in range(300):
        for name, dtype in _CELL_SCHEMA.items():
            if name == "__ctx":
                rows[name].append(i)
            elif name == "__sig":
                rows[name].append(i % 7)
            elif dtype == pl.String:
                rows[name].append(rng.choice([None, "LEVEL_1", "123;456"]))
            else:  # a list, empty ones and ones with an empty item among them
                rows[name].append(rng.sample(words, rng.randint(0, 3)))
    found = _cell_frame(rows)
    assert found.schema == _CELL_SCHEMA
    assert found.equals(pl.DataFrame(rows, schema=_CELL_SCHEMA))
    assert found["__levels"].to_list() == rows["__levels"]
