"""Mutation keys read by Polars expressions (`vparse`) read as the normalizer reads them.

Generated from the real residues of the shipped reference proteins, wrong residues,
positions past the protein's end, 1- and 3-letter spellings, classes and odd spellings that
the expressions must leave to the normalizer. Every key the expressions read must give the
normalizer's alteration text, category, reject code and reason, and event; and the whole
cohort's output must be the same with the expressions on and off.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onconav.cohort import reading as reading_module
from onconav.cohort.events import Event, KBView
from onconav.cohort.readers.maf import normalize_mutation, reject_mutation
from onconav.cohort.vparse import VEC, classify_mutations
from onconav.kb.index import get_index
from onconav.normalize.grammar import AA3_TO_AA1
from onconav.normalize.reference import gene_reference
from tests.cohort.helpers import run

VIEW = KBView(get_index())
LAYER: Any = SimpleNamespace(normalize=normalize_mutation, reject=reject_mutation)
NAMES = ["__k0", "__k1", "__k2", "__k3", "__k4"]
CHECKED = sorted(g for g in VIEW.genes if (r := gene_reference(g)) is not None and r.protein)
AA1 = "ACDEFGHIKLMNPQRSTVWY"
AA3 = {v: k for k, v in AA3_TO_AA1.items() if v in AA1}
CLASSES = ["Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins",
           "Silent", "Intron", "Splice_Site", "Splice_Region", "In_Frame_Del", " Silent ",
           "3'UTR", "", None]  # fmt: skip
GENES = [*CHECKED, "TTN", "egfr", "HER2", " EGFR"]


@st.composite
def indels(draw: st.DrawFn, protein: str, pos: int, ref: str) -> str:
    """An in-frame deletion, duplication, insertion or delins at `pos`, right or wrong."""
    end = pos + draw(st.sampled_from([1, 1, 2, 4, 9, 0, -1]))
    real_end = protein[end - 1] if 1 <= end <= len(protein) else "A"
    end_ref = draw(st.one_of(st.just(real_end), st.sampled_from(AA1)))
    span = draw(st.sampled_from(["", f"_{end_ref}{end}", f"_{end_ref}{end}"]))
    op = draw(st.sampled_from(["del", "dup", "ins", "delins"]))
    seq = draw(st.sampled_from(["", "", "A", "YVMA", "KK*", "TER", "LL"]))
    return f"p.{ref}{pos}{span}{op}{seq}"


@st.composite
def changes(draw: st.DrawFn) -> str:
    """A protein change of a KB gene: right or wrong residue, in or out of range, any form."""
    gene = draw(st.sampled_from(CHECKED))
    protein = gene_reference(gene).protein  # type: ignore[union-attr]
    pos = draw(st.one_of(st.integers(1, len(protein)), st.integers(len(protein) + 1, 99999)))
    real = protein[pos - 1] if pos <= len(protein) else "A"
    ref = draw(st.one_of(st.just(real), st.sampled_from(AA1)))
    new = draw(st.sampled_from([*AA1, "*", "X", "fs", "Rfs*12", "fs*5", "=", "fs*?", "?"]))
    if draw(st.booleans()):
        tail = {"*": "Ter", "fs": "fs", "Rfs*12": "ArgfsTer12", "fs*5": "fsTer5"}.get(new)
        tail = AA3.get(new, tail) or new
        return f"{gene}|p.{AA3[ref]}{pos}{tail}"
    if draw(st.integers(0, 3)) == 0:
        return f"{gene}|{draw(indels(protein, pos, ref))}"
    prefix = draw(st.sampled_from(["p.", "", "p.(", "P.", " p."]))
    text = f"{prefix}{ref}{pos}{new}" + (")" if prefix == "p.(" else "")
    odd = draw(st.sampled_from(["", "", "", " ", "\u00a0", "x", "del", "_splice"]))
    return f"{gene}|{text}{odd}"


@st.composite
def keys(draw: st.DrawFn) -> tuple[str | None, ...]:
    gene, change = draw(changes()).split("|")
    gene = draw(st.one_of(st.just(gene), st.sampled_from(GENES)))
    vclass = draw(st.sampled_from(CLASSES))
    blank = draw(st.sampled_from([None, "", "  "]))
    short, long = (change, None) if draw(st.booleans()) else (blank, change)
    hgvsc = draw(st.sampled_from([None, "c.2573T>G", "ENST00000275493.2:c.3082+1G>T"]))
    return (gene, vclass, hgvsc, short, long)


def _python(key: tuple[str | None, ...]) -> tuple[Any, ...]:
    r = VIEW.read(LAYER, key)
    return r.alteration, r.category, r.reject, r.reason, r.event


def _vector(row: dict[str, Any]) -> tuple[Any, ...]:
    event = None
    if row["__keep"]:
        name = row["__alt"][len(row["__gene"]) + 1 :]
        event = Event(row["__gene"], name, None, row["__exon"], frozenset(row["__rel"]))
    return row["__alt"], row["__cat"], row["__rej"], row["__why"], event


@settings(max_examples=150, deadline=None)
@given(st.lists(keys(), min_size=1, max_size=40))
def test_vectorized_reading_equals_the_normalizer(batch: list[tuple[str | None, ...]]) -> None:
    frame = pl.DataFrame(batch, schema=dict.fromkeys(NAMES, pl.String), orient="row")
    got = classify_mutations(VIEW, frame, NAMES)
    assert got.height == len(batch)
    for key, row in zip(batch, got.iter_rows(named=True), strict=True):
        if row[VEC]:
            assert _vector(row) == _python(key), key


def test_the_common_forms_are_read_by_expressions() -> None:
    batch = [
        ("EGFR", "Missense_Mutation", None, "p.L858R", "p.Leu858Arg"),
        ("EGFR", "Missense_Mutation", None, "L858R", None),
        ("EGFR", "Missense_Mutation", None, None, "p.Leu858Arg"),
        ("KRAS", "Missense_Mutation", None, "p.G12C", None),
        ("TP53", "Nonsense_Mutation", None, "p.R213*", None),
        ("TP53", "Nonsense_Mutation", None, "p.R213X", None),
        ("STK11", "Frame_Shift_Del", None, "p.Q37Rfs*12", None),
        ("EGFR", "In_Frame_Del", None, "p.E746_A750del", None),
        ("EGFR", "In_Frame_Ins", None, "p.A767_V769dup", None),
        ("ERBB2", "In_Frame_Ins", None, "p.A775_G776insYVMA", None),
        ("EGFR", "In_Frame_Del", None, "p.L747_P753delinsS", None),
        ("KEAP1", "Frame_Shift_Ins", None, None, "p.Gly333ArgfsTer5"),
        ("EGFR", "Missense_Mutation", None, "p.K858R", None),  # wrong residue
        ("EGFR", "Missense_Mutation", None, "p.L8585R", None),  # past the end
        ("EGFR", "Silent", None, "p.L858=", None),
    ]
    frame = pl.DataFrame(batch, schema=dict.fromkeys(NAMES, pl.String), orient="row")
    got = classify_mutations(VIEW, frame, NAMES)
    assert got[VEC].all()
    for key, row in zip(batch, got.iter_rows(named=True), strict=True):
        assert _vector(row) == _python(key), key
    assert got["__rej"].to_list()[-3:] == ["reference-mismatch", "reference-mismatch", None]
    assert got["__cat"].to_list()[-1] == "other"


def test_other_forms_are_left_to_the_normalizer() -> None:
    batch = [
        ("MET", "Splice_Site", None, "p.X1010_splice", None),
        ("EGFR", "In_Frame_Ins", None, "p.A767_V769insG", None),  # flanks not adjacent
        ("EGFR", "Missense_Mutation", None, "p.L858L", None),  # synonymous spelling
        ("HER2", "Missense_Mutation", None, "p.S310F", None),  # alias
        ("EGFR", "Missense_Mutation", None, "p.l858r", None),  # lower case
        ("EGFR", "Missense_Mutation", None, "NP_005219.2:p.L858R", None),
        ("EGFR", "Splice_Site", "c.2573T>G", None, None),
    ]
    frame = pl.DataFrame(batch, schema=dict.fromkeys(NAMES, pl.String), orient="row")
    assert not classify_mutations(VIEW, frame, NAMES)[VEC].any()


def _maf(folder: Path) -> dict[str, Path]:
    """A MAF of many distinct changes in several forms, a clinical file."""
    rng = random.Random(3)
    lines = ["Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSc\tHGVSp_Short"
             "\tHGVSp"]  # fmt: skip
    clinical = ["SAMPLE_ID\tONCOTREE_CODE"]
    forms = ["p.L858R", "p.E746_A750del", "p.T790M", "p.G12C", "p.X1010_splice", "p.G719X"]
    for i in range(600):
        clinical.append(f"S{i}\t{rng.choice(['LUAD', 'LUSC', 'NSCLC'])}")
        for _ in range(rng.randint(1, 5)):
            gene = rng.choice(CHECKED[:12])
            protein = gene_reference(gene).protein  # type: ignore[union-attr]
            pos = rng.randint(1, len(protein) + 20)
            ref = protein[pos - 1] if pos <= len(protein) and rng.random() < 0.9 else "W"
            new = rng.choice([*AA1, "*", "fs"])
            short = f"p.{ref}{pos}{new}" if rng.random() < 0.8 else rng.choice(forms)
            vc = rng.choice(["Missense_Mutation", "Silent", "Nonsense_Mutation", "Splice_Site"])
            long = f"p.{AA3[ref]}{pos}{AA3.get(new, 'Ter')}" if rng.random() < 0.3 else ""
            lines.append(f"{gene}\t{vc}\tS{i}\t\t{'' if long else short}\t{long}")
    out = {"maf": folder / "m.txt", "clinical": folder / "c.txt"}
    out["maf"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    out["clinical"].write_text("\n".join(clinical) + "\n", encoding="utf-8")
    return out


def _tables(out: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(out.glob("*.tsv"))} | {
        "summary": (out / "summary.json").read_text("utf-8").split('"outputs"')[0]
    }


def test_cohort_output_is_the_same_with_expressions_on_and_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _maf(tmp_path)
    run(tmp_path / "on", **files)
    with monkeypatch.context() as m:
        m.setattr(reading_module, "VECTORIZE", False)
        run(tmp_path / "off", **files)
    on, off = _tables(tmp_path / "on"), _tables(tmp_path / "off")
    assert on.keys() == off.keys()
    for name in on:
        assert on[name] == off[name], name
    rows = on["annotated_mutations.tsv"]
    assert "reference-mismatch" in on["rejected.tsv"]
    assert "LEVEL_1" in rows
    assert "unknown_significance" in rows
