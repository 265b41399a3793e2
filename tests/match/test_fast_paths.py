"""The engine's memos and indexes change no result: warm and cold runs agree, over many cases.

The engine keeps, per KB index, the indications that apply per signature of the facts that
decide them, the options built, the resistance entries met per gene and keys, and indexes the
mechanisms by gene. Here every result of a few hundred generated cases, matched in turn with
the memos warm (filled by all the other cases), is compared with the result of the same case
matched with the memos emptied first, and the shortcuts are checked against the plain rules
applied to every indication and mechanism of the KB.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

from onconav.kb.index import get_index
from onconav.match import engine, memo
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case
from onconav.match.rules import indication_line, mechanism_applies
from onconav.match.work import Work

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_match import make_cases  # noqa: E402

_TUMORS = ["LUAD", "NSCLC", "LUSC", "LUNG", "SCLC", "LUAS", "COAD", "lung adenocarcinoma"]
_DRUGS = ["docetaxel", "pembrolizumab", "osimertinib", "crizotinib", "selpercatinib",
          "dabrafenib", "trametinib", "amivantamab", "nivolumab", "carboplatin"]  # fmt: skip
_OUTCOMES = ["progression", "intolerance", "completed", "ongoing", None]
_MARKERS: dict[str, list[Any]] = {
    "pd_l1_tps": [0, 1, 49, 50, 90],
    "her2_ihc": ["0", "1+", "2+", "3+"],
    "tmb": [1, 10, 20],
    "msi": ["MSI-H", "MSS"],
    "cmet_ihc_3plus_percent": [0, 30, 60],
}


def _cases(n: int) -> list[dict[str, Any]]:
    """The benchmark's cases, with more biomarkers, histories, conditions and copy numbers."""
    rng = random.Random(11)
    out = make_cases(n, seed=5)
    for c in out:
        c["tumor_type"] = rng.choice(_TUMORS)
        if rng.random() < 0.5:
            markers = c.setdefault("biomarkers", {})
            for key, values in _MARKERS.items():
                if rng.random() < 0.4:
                    markers[key] = rng.choice(values)
        if rng.random() < 0.4:
            entry = {"drugs": rng.sample(_DRUGS, rng.randint(1, 2))}
            if (outcome := rng.choice(_OUTCOMES)) is not None:
                entry["outcome"] = outcome
            c["history"] = [*c["history"], entry]
        if rng.random() < 0.3:
            extra = rng.choice(["squamous_histology", "brain_metastases", "hemoptysis"])
            c["conditions"] = list(dict.fromkeys([*c["conditions"], extra]))
        if rng.random() < 0.25:
            copies = rng.choice([None, 3, 6, 10, 12])
            met = {"gene": "MET", "alteration": "amplification"}
            c["alterations"] = [
                *c["alterations"],
                met | ({"copy_number": copies} if copies else {}),
            ]
    return out


def _variants(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case with one fact changed at a time, so that signatures differ by that fact only."""
    conditions = case["conditions"]
    squamous = [c for c in conditions if c != "squamous_histology"]
    if squamous == conditions:
        squamous = [*conditions, "squamous_histology"]
    markers = case.get("biomarkers") or {}
    outcomes = [{**e, "outcome": "intolerance"} for e in case["history"]]
    return [
        case | {"conditions": squamous},
        case | {"biomarkers": markers | {"pd_l1_tps": 60 if markers.get("pd_l1_tps") else 0}},
        case | {"biomarkers": markers | {"her2_ihc": "3+", "msi": "MSI-H"}},
        case | {"history": outcomes} if outcomes else case | {"history": [{"drugs": ["docetaxel"]}]},
        case | {"history": []},
        case | {"setting": "adjuvant" if case["setting"] == "metastatic" else "metastatic"},
        case | {"alterations": [*case["alterations"], "KRAS G12C"]},
        case | {"alterations": [*case["alterations"], {"gene": "MET", "alteration": "amplification",
                                                       "copy_number": 4}]},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def cases():
    base = _cases(300)
    return [case_from_data(c) for c in base + [v for c in base[:60] for v in _variants(c)]]


def test_warm_memos_give_the_cold_result(cases) -> None:
    index = get_index()
    memo._MEMOS.clear()
    cold = []
    for case in cases:
        memo._MEMOS.clear()
        cold.append(match_case(index, case).model_dump_json())
    order = list(range(len(cases)))
    random.Random(2).shuffle(order)
    for _ in range(2):  # the second round finds every signature in the memos
        for i in order:
            assert match_case(index, cases[i]).model_dump_json() == cold[i], cases[i].id


def test_shortcuts_find_what_the_plain_rules_find(cases, monkeypatch) -> None:
    index = get_index()
    works: list[Work] = []
    collect = engine._collect_options

    def spy(work: Work, genes: list[str]) -> dict[str, Any]:
        works.append(work)
        # (Only the genes some indication names are asked: the others have no option.)
        assert genes == [g for g in work.facts.keys_by_gene if g in index.indications_by_gene]
        return collect(work, genes)

    monkeypatch.setattr(engine, "_collect_options", spy)
    for case in cases:
        result = match_case(index, case)
        work = works[-1]
        facts = work.facts
        for gene in [*facts.keys_by_gene, None]:
            pool = index.indications_by_gene.get(gene, []) if gene else index.gene_free_indications
            plain = [(i.id, indication_line(index, i, facts)) for i in pool]
            fast = [(i.id, line) for i, line in engine._lines(work, gene)]
            assert fast == [(i, line) for i, line in plain if line is not None], (case.id, gene)
        mechanisms = [m.id for m in index.mechanisms if mechanism_applies(index, m, facts)]
        assert [f.mechanism for f in result.resistance] == mechanisms, case.id


def test_the_plain_order_is_the_full_sort_key_order(cases, monkeypatch) -> None:
    """`ordered` skips the case-dependent parts of the sort key when no option can differ in
    them; it must give the order of the full key, for cases with and without those parts."""
    from onconav.match.explain import ordered, sort_key

    seen = {"plain": 0, "full": 0}

    def check(work: Work, options: Any) -> list[Any]:
        options = list(options)
        got = ordered(work, options)
        assert got == sorted(options, key=lambda o: sort_key(work, o))
        brain = "brain_metastases" in work.facts.conditions
        seen["full" if work.favoured or work.cautions or brain else "plain"] += len(options) > 1
        return got

    monkeypatch.setattr(engine, "ordered", check)
    for case in cases:
        match_case(get_index(), case)
    assert seen["plain"] > 20
    assert seen["full"] > 10
