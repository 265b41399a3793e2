"""Hypothesis properties over the shipped reference sequences.

- The c. form and the p. form of the same change, both generated from the shipped CDS and
  protein (the p. form named independently of the translator), normalize alike.
- A protein change whose reference residue or position does not fit is always rejected as a
  mismatch; so is a c. substitution naming the wrong base.
- No random text, transcript-prefixed or not, raises.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from onconav.normalize import Alteration, parse_alteration, protein_change_alteration
from onconav.normalize.reference import CODONS, gene_reference, reference_data

_DATA = reference_data()["genes"]
_CDS_GENES = sorted(g for g, e in _DATA.items() if e.get("cds"))
_PROTEIN_GENES = sorted(g for g, e in _DATA.items() if e.get("protein"))
_AAS = "ACDEFGHIKLMNPQRSTVWY"


def _same(c_form: Alteration, p_form: Alteration) -> None:
    assert c_form.recognized, c_form.reason
    assert p_form.recognized, p_form.reason
    assert (c_form.gene, c_form.alteration, c_form.kind, c_form.keys, c_form.exon) == (
        p_form.gene, p_form.alteration, p_form.kind, p_form.keys, p_form.exon
    )  # fmt: skip


@given(st.sampled_from(_CDS_GENES), st.data())
def test_substitution_c_and_p_forms_agree(gene: str, data: st.DataObject) -> None:
    ref = gene_reference(gene)
    assert ref is not None
    codon = data.draw(st.integers(2, len(ref.protein)), label="codon")
    offset = data.draw(st.integers(0, 2), label="offset")
    base = 3 * (codon - 1) + offset + 1
    old = ref.cds[base - 1]
    new = data.draw(st.sampled_from([b for b in "ACGT" if b != old]), label="new base")
    triplet = list(ref.cds[3 * (codon - 1) : 3 * codon])
    triplet[offset] = new
    alt = CODONS["".join(triplet)]
    before = ref.protein[codon - 1]
    assume(alt != before)
    p_text = f"{gene} p.{before}{codon}{'*' if alt == '*' else alt}"
    _same(parse_alteration(f"{gene} c.{base}{old}>{new}"), parse_alteration(p_text))


@given(st.sampled_from(_CDS_GENES), st.data(), st.sampled_from(["del", "dup"]))
def test_codon_aligned_indel_c_and_p_forms_agree(gene: str, data: st.DataObject, op: str) -> None:
    ref = gene_reference(gene)
    assert ref is not None
    size = len(ref.protein)
    first = data.draw(st.integers(2, size - 8), label="first codon")
    last = first + data.draw(st.integers(0, 5), label="extra codons")
    protein = ref.protein
    # No 3' shift possible: the residue after the range differs from its first residue, so
    # the p. form below is already the HGVS-normalized one.
    assume(protein[last] != protein[first - 1])
    span = f"{protein[first - 1]}{first}" + (f"_{protein[last - 1]}{last}" if last > first else "")
    c_text = f"{gene} c.{3 * first - 2}_{3 * last}{op}"
    _same(parse_alteration(c_text), parse_alteration(f"{gene} p.{span}{op}"))


@given(st.sampled_from(_PROTEIN_GENES), st.data(), st.sampled_from(["sub", "del", "fs", "X"]))
def test_a_wrong_reference_residue_is_always_rejected(
    gene: str, data: st.DataObject, form: str
) -> None:
    protein = _DATA[gene]["protein"]
    pos = data.draw(st.integers(1, len(protein)), label="position")
    wrong = data.draw(st.sampled_from([a for a in _AAS if a != protein[pos - 1]]), label="wrong")
    alt = data.draw(st.sampled_from(_AAS), label="alt")
    change = {"sub": f"{wrong}{pos}{alt}", "del": f"{wrong}{pos}del",
              "fs": f"{wrong}{pos}fs", "X": f"{wrong}{pos}X"}[form]  # fmt: skip
    a = parse_alteration(f"{gene} {change}")
    assert not a.recognized
    assert a.mismatch
    assert a.reason == f"residue {pos} of {gene} is {protein[pos - 1]}, not {wrong}"


@given(st.sampled_from(_PROTEIN_GENES), st.integers(1, 100_000), st.sampled_from(_AAS))
def test_a_position_past_the_end_is_always_rejected(gene: str, extra: int, residue: str) -> None:
    size = len(_DATA[gene]["protein"])
    a = parse_alteration(f"{gene} {residue}{size + extra}A")
    assert not a.recognized
    assert a.mismatch
    assert a.reason == f"{gene} has {size} residues"


@given(st.sampled_from(_CDS_GENES), st.data())
def test_a_wrong_reference_base_is_always_rejected(gene: str, data: st.DataObject) -> None:
    cds = _DATA[gene]["cds"]
    base = data.draw(st.integers(1, len(cds)), label="base")
    wrong = data.draw(st.sampled_from([b for b in "ACGT" if b != cds[base - 1]]), label="wrong")
    new = data.draw(st.sampled_from([b for b in "ACGT" if b != wrong]), label="new")
    a = parse_alteration(f"{gene} c.{base}{wrong}>{new}")
    assert not a.recognized
    assert a.mismatch


_ACCESSIONS = st.sampled_from(
    ["NM_005228.5", "NM_005228", "ENST00000275493.7", "NP_005219.2", "NM_004985.5", "NM_033360.4",
     "NM_001127500.3", "ENSP00000256078.4", "NM_0", "ENST", "NM_005228.99"]
)  # fmt: skip
_CHANGE_CHARS = "ACGTNacgtn0123456789_+-*>cp.delinsdupfsLRGKQX()= "


@given(_ACCESSIONS, st.text(alphabet=_CHANGE_CHARS, max_size=25))
def test_transcript_prefixed_text_never_raises(accession: str, change: str) -> None:
    a = parse_alteration.__wrapped__(f"{accession}:{change}")
    assert isinstance(a, Alteration)
    assert a.recognized is (a.reason is None)
    b = protein_change_alteration.__wrapped__("EGFR", f"{accession}:{change}", "", hgvsc=change)
    assert isinstance(b, Alteration)


@given(st.sampled_from([*_CDS_GENES, "ALK", "MET"]), st.text(alphabet=_CHANGE_CHARS, max_size=25))
def test_c_like_text_never_raises(gene: str, change: str) -> None:
    a = parse_alteration.__wrapped__(f"{gene} c.{change}")
    assert isinstance(a, Alteration)
    assert a.reason != "internal error reading this alteration"
    assert a.recognized is (a.reason is None)
