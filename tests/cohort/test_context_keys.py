"""Levels from contexts keyed by what decides them equal levels from whole-sample matching.

The oracle is the same annotation with every event depending on all of its sample's events
(`Influence.whole_sample`: `match_context` on the whole sample, as before keying, and without
the per-signature answers of `_applies`, `_applicable` and `_event_cells`, and `match_case`
for every context's avoid list) and every key read by the normalizer (no `vparse`),
compared file by file on a generated cohort dense in co-mutations and on every study of
../shared/data (skipped when absent).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from onconav.cohort import context as context_module
from onconav.cohort import influence as influence_module
from onconav.cohort import reading as reading_module
from onconav.cohort.events import Event
from onconav.cohort.influence import Influence
from onconav.kb.index import get_index
from onconav.match.memo import memo_of
from tests.cohort.helpers import run

# Knowledge-base alterations (drivers, resistance, classes, co-mutations the KB reads) and
# variants of unknown significance in drug targets, drawn several to a sample.
_CHANGES = [
    ("EGFR", "p.L858R"), ("EGFR", "p.E746_A750del"), ("EGFR", "p.T790M"), ("EGFR", "p.C797S"),
    ("EGFR", "p.G719S"), ("EGFR", "p.S768I"), ("EGFR", "p.L861Q"), ("EGFR", "p.L718Q"),
    ("EGFR", "p.A767_V769dup"), ("EGFR", "p.R108K"), ("EGFR", "p.A289V"),
    ("KRAS", "p.G12C"), ("KRAS", "p.G12D"), ("KRAS", "p.G13D"), ("KRAS", "p.Q61H"),
    ("KRAS", "p.Y96D"), ("KRAS", "p.R68S"), ("KRAS", "p.A146T"), ("KRAS", "p.K117N"),
    ("BRAF", "p.V600E"), ("BRAF", "p.G469A"), ("BRAF", "p.D594G"), ("BRAF", "p.K601E"),
    ("ERBB2", "p.A775_G776insYVMA"), ("ERBB2", "p.S310F"), ("ERBB2", "p.V659E"),
    ("ERBB2", "p.L755S"), ("MET", "p.D1228V"), ("MET", "p.Y1230C"), ("MET", "p.N375S"),
    ("ALK", "p.G1202R"), ("ALK", "p.L1196M"), ("ALK", "p.F1174L"), ("RET", "p.M918T"),
    ("RET", "p.V804M"), ("RET", "p.G810R"), ("ROS1", "p.G2032R"), ("ROS1", "p.L2026M"),
    ("NTRK1", "p.G595R"), ("NTRK3", "p.G623R"), ("NRAS", "p.Q61K"), ("NRAS", "p.G12D"),
    ("PIK3CA", "p.E545K"), ("PIK3CA", "p.H1047R"), ("TP53", "p.R273H"), ("TP53", "p.R175H"),
    ("STK11", "p.Q37*"), ("KEAP1", "p.G333C"), ("SMARCA4", "p.R1192C"), ("CDKN2A", "p.D84Y"),
    ("TTN", "p.A100V"), ("MUC16", "p.S2T"),
]  # fmt: skip
_FUSIONS = ["EML4-ALK", "KIF5B-RET", "CD74-ROS1", "ETV6-NTRK3", "CD74-NRG1"]
_AMPLIFIED = ["MET", "ERBB2", "KRAS", "BRAF", "EGFR"]
_TUMORS = ["LUAD", "LUAD", "LUSC", "NSCLC", "SCLC", "COAD"]


def _cohort(folder: Path, n_samples: int = 1500, seed: int = 5) -> dict[str, Path]:
    """A MAF, fusion and CNA file and a clinical file, several KB alterations a sample."""
    rng = random.Random(seed)
    maf = ["Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short"]
    fusions = ["Tumor_Sample_Barcode\tFusion"]
    cna = ["Tumor_Sample_Barcode\tHugo_Symbol\tCopy_Number_Alteration"]
    clinical = ["SAMPLE_ID\tONCOTREE_CODE"]
    for i in range(n_samples):
        s = f"S{i}"
        clinical.append(f"{s}\t{rng.choice(_TUMORS)}")
        for gene, change in rng.sample(_CHANGES, rng.randint(1, 6)):
            vc = "Nonsense_Mutation" if change.endswith("*") else "Missense_Mutation"
            maf.append(f"{gene}\t{vc}\t{s}\t{change}")
        if rng.random() < 0.15:
            fusions.append(f"{s}\t{rng.choice(_FUSIONS)}")
        if rng.random() < 0.15:
            cna.append(f"{s}\t{rng.choice(_AMPLIFIED)}\tAmplification")
    files = {"maf": maf, "fusions": fusions, "cna": cna, "clinical": clinical}
    out = {}
    for name, lines in files.items():
        out[name] = folder / f"{name}.txt"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _outputs(out: Path) -> dict[str, Any]:
    """Every table of an output folder as text, and summary.json without the context count."""
    found: dict[str, Any] = {p.name: p.read_text("utf-8") for p in out.glob("*.tsv")}
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    found["contexts"] = summary.pop("contexts_matched")
    found["summary.json"] = summary
    return found


def _both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **inputs: Any) -> tuple[Any, Any]:
    keyed = _outputs_of(tmp_path / "keyed", **inputs)
    with monkeypatch.context() as m:
        m.setattr(influence_module.Influence, "of", classmethod(_whole))
        m.setattr(context_module, "_applies_memo", context_module._applies)
        m.setattr(context_module, "_applicable_memo", context_module._applicable_cells)
        m.setattr(context_module, "_event_cells_memo", context_module._event_cells)
        m.setattr(context_module, "_resisted", context_module._avoided)
        m.setattr(reading_module, "VECTORIZE", False)  # every key read by the normalizer
        whole = _outputs_of(tmp_path / "whole", **inputs)
    return keyed, whole


def _whole(cls: type[Influence], index: Any, genes: frozenset[str]) -> Influence:
    return Influence.whole_sample(index, genes)


def _outputs_of(out: Path, **inputs: Any) -> dict[str, Any]:
    run(out, **inputs)
    return _outputs(out)


def _same(keyed: dict[str, Any], whole: dict[str, Any]) -> None:
    assert keyed.keys() == whole.keys()
    for name in keyed:
        if name != "contexts":
            assert keyed[name] == whole[name], name


def test_keyed_levels_equal_whole_sample_levels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _cohort(tmp_path)
    keyed, whole = _both(tmp_path, monkeypatch, **files)
    _same(keyed, whole)
    rows = keyed["annotated_mutations.tsv"].splitlines()
    assert len(rows) > 3000
    assert sum("LEVEL_R1" in r for r in rows) > 20  # resistance shows (T790M, C797S, ...)
    assert sum("\tLEVEL_1\t" in r for r in rows) > 200
    # keying by what decides levels leaves fewer contexts than whole samples
    assert keyed["contexts"] < whole["contexts"]


def test_inert_events_have_no_cells_of_their_own() -> None:
    index = get_index()
    influence = Influence.of(index, frozenset(index.genes))
    assert influence.inert("EGFR", frozenset())
    assert not influence.inert("EGFR", frozenset({"T790M"}))
    assert not influence.inert("KRAS", frozenset({"G12C"}))
    assert not Influence.whole_sample(index, frozenset(index.genes)).inert("EGFR", frozenset())


def test_reads_hold_the_memo_genes_and_each_drugs_resistance_parts() -> None:
    index = get_index()
    influence = Influence.of(index, frozenset(index.genes))
    memo = memo_of(index)
    for gene in ("EGFR", "KRAS", "ALK", "MET", "BRAF"):
        reads = influence.reads[gene]
        assert gene in reads.whole
        assert set(memo.facts_of(index, gene)[0]) <= reads.whole
        drugs = {d for i in index.indications_by_gene.get(gene, ()) for d in i.drugs}
        for r in index.kb.resistance:
            if r.drug in drugs:
                assert index.resistance_parts[id(r)] <= reads.parts[r.gene]


def test_projection_reads_only_what_can_matter() -> None:
    index = get_index()
    influence = Influence.of(index, frozenset(index.genes))
    t790m = Event("EGFR", "T790M", keys=frozenset({"T790M", "gatekeeper"}))
    vus = Event("BRAF", "E695S")
    # an EGFR event reads EGFR whole: presence and every key
    assert influence.project("EGFR", t790m, 3) == ["EGFR", "EGFR=T790M", "EGFR=gatekeeper"]
    # a KRAS event reads nothing of a BRAF variant of unknown significance
    assert influence.project("KRAS", vus, 4) == []
    # the oracle reads every event whole, by its signature
    whole = Influence.whole_sample(index, frozenset(index.genes))
    assert whole.project("KRAS", vus, 4) == ["4"]


def _shared() -> Path:
    default = Path(__file__).resolve().parents[3] / "shared"
    return Path(os.environ.get("ONCONAV_SHARED_DIR", str(default))) / "data"


def _studies() -> list[Path]:
    data = _shared()
    if not data.is_dir():
        return []
    return sorted(p.parent for p in data.glob("*/data_mutations*.txt"))


@pytest.mark.slow
@pytest.mark.parametrize("study", _studies() or [None], ids=lambda p: p.name if p else "absent")
def test_keyed_equals_whole_on_shared_data(
    study: Path | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if study is None:
        pytest.skip("../shared/data is not present")
    inputs: dict[str, Any] = {"maf": sorted(study.glob("data_mutations*.txt"))[0]}
    for name, key in (("data_sv.txt", "sv"), ("data_cna.txt", "cna")):
        if (study / name).is_file():
            inputs[key] = study / name
    clinical = study / "data_clinical_sample.txt"
    if clinical.is_file():
        inputs["clinical"] = clinical
    else:
        inputs["tumor_type"] = "NSCLC"
    keyed, whole = _both(tmp_path, monkeypatch, **inputs)
    _same(keyed, whole)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_profiles_group_samples_by_tumor_type_setting_and_signatures(seed: int) -> None:
    # Against a plain reading of the definition: samples with the same tumor type, setting
    # and set of signatures share a profile, numbered in the order of the samples.
    rng = random.Random(seed)
    tumors, settings = ["LUAD", "LUSC", None, "NSCLC"], ["metastatic", "adjuvant", "first-line"]
    sids = sorted(rng.sample(range(5000), 400))
    samples = pl.DataFrame(
        {
            "__sid": sids,
            "tumor_code": [rng.choice(tumors) for _ in sids],
            "setting": [rng.choice(settings) for _ in sids],
        },
        schema={"__sid": pl.UInt32, "tumor_code": pl.String, "setting": pl.String},
    )
    rows = [(s, rng.randrange(6)) for s in sids if rng.random() < 0.9 for _ in range(3)]
    rows += [(9999, 1)]  # (a sample that cannot be matched: not among `samples`)
    events = pl.DataFrame(rows, schema={"__sid": pl.UInt32, "__sig": pl.Int64}, orient="row")
    of, distinct = influence_module._profiles(samples, events, 6)
    sigs: dict[int, set[int]] = {}
    for s, sig in rows:
        sigs.setdefault(s, set()).add(sig)
    ids: dict[tuple[Any, ...], int] = {}
    expected = []
    for s, tumor, setting in samples.iter_rows():
        if s in sigs:
            key = (tumor, setting, tuple(sorted(sigs[s])))
            expected.append((s, ids.setdefault(key, len(ids))))
    assert of.rows() == expected
    assert [(t, st, tuple(a)) for _, t, st, a in distinct.rows()] == list(ids)
    assert distinct["__p"].to_list() == list(range(len(ids)))


def test_profiles_of_no_sample_are_none() -> None:
    schema = {"__sid": pl.UInt32, "tumor_code": pl.String, "setting": pl.String}
    samples = pl.DataFrame(schema=schema)
    for events in (
        pl.DataFrame(schema={"__sid": pl.UInt32, "__sig": pl.Int64}),
        pl.DataFrame({"__sid": [3], "__sig": [1]}, schema={"__sid": pl.UInt32, "__sig": pl.Int64}),
    ):
        of, distinct = influence_module._profiles(samples, events, 4)
        assert of.is_empty()
        assert distinct.is_empty()
        assert distinct.columns == ["__p", "tumor_code", "setting", "__all"]
