"""Every indication in the KB is reachable: a case built to meet it gets its drugs as an option.

This is the engine's generalization test: it walks the whole KB, not a hand-picked sample.
"""

from __future__ import annotations

import re

import pytest

from onconav.kb.index import get_index
from onconav.kb.models import Indication
from onconav.match.caseio import case_from_data
from onconav.match.engine import match_case

INDEX = get_index()


def _alteration_text(gene: str, key: str, depth: int = 0) -> str:
    """A concrete alteration string that the normalizer turns into `key` for `gene`."""
    classes = {c.key: c for c in INDEX.genes[gene].alteration_classes}
    if key in classes and depth < 5:
        if not classes[key].members:  # a class read by its name ("kinase domain duplication")
            return f"{gene} {classes[key].aliases[0]}"
        return _alteration_text(gene, classes[key].members[0], depth + 1)
    if re.fullmatch(r"[A-Z]\d+X", key):
        return f"{gene} {key[:-1]}{'A' if key[0] != 'A' else 'G'}"
    if key == "mutation":
        return f"{gene} mutation"
    return f"{gene} {key}"


def _prior_drugs(ind: Indication) -> list[str]:
    """One drug for `prior` and for each `also_prior` criterion (not a drug of `ind` if possible)."""
    out = []
    for prior in (ind.prior, *ind.also_prior):
        if prior is None:
            continue
        drugs = sorted(INDEX.drugs_of(prior.drugs, prior.classes))
        outside = [d for d in drugs if d not in ind.drugs]
        out.append((outside or drugs)[0])
    return out


def _case(ind: Indication) -> dict:
    tumor = (
        "LUAD"
        if ind.tissue_agnostic or ind.tumor_type in ("NSCLC", "LUNG", "TISSUE")
        else ind.tumor_type
    )
    if ind.histology == "squamous":
        tumor = "LUSC"
    case: dict = {"tumor_type": tumor, "setting": ind.setting, "alterations": []}
    if ind.gene and ind.alterations:
        case["alterations"].append(_alteration_text(ind.gene, ind.alterations[0]))
    for req in ind.requires:
        case["alterations"].append(_alteration_text(req.gene, req.alterations[0]))
    if ind.biomarker is not None:
        value = ind.biomarker.values[0] if ind.biomarker.values else ind.biomarker.min
        case["biomarkers"] = {ind.biomarker.key: value if value is not None else 0}
    priors = _prior_drugs(ind)
    if priors:
        case["history"] = [{"drugs": [d], "outcome": "progression"} for d in priors]
    elif ind.line == "later":
        case["history"] = [{"drugs": ["docetaxel"], "outcome": "progression"}]
    return case


def _in_scope(ind: Indication) -> bool:
    return ind.tissue_agnostic or INDEX.is_lung(ind.tumor_type)


INDICATIONS = [i for i in INDEX.kb.indications if _in_scope(i)]
OUTSIDE = [i for i in INDEX.kb.indications if not _in_scope(i)]


@pytest.mark.parametrize("ind", INDICATIONS, ids=[i.id for i in INDICATIONS])
def test_indication_is_reachable(ind: Indication) -> None:
    case = _case(ind)
    result = match_case(INDEX, case_from_data(case))
    drug_sets = [set(o.drugs) for o in result.options]
    assert set(ind.drugs) in drug_sets, (case, [o.indication_id for o in result.options])


@pytest.mark.parametrize("ind", OUTSIDE, ids=[i.id for i in OUTSIDE])
def test_non_lung_specific_indications_are_not_offered(ind: Indication) -> None:
    """Outside lung only tissue-agnostic indications apply (they stay in the KB for export)."""
    case = _case(ind) | {"tumor_type": ind.tumor_type}
    result = match_case(INDEX, case_from_data(case))
    assert ind.id not in {o.indication_id for o in result.options}
