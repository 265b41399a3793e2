"""Hypothesis properties: never raises; 1- and 3-letter forms agree; canonical forms read back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onconav.normalize import Alteration, parse_alteration, protein_change_alteration
from onconav.normalize.grammar import AA3_TO_AA1
from onconav.normalize.models import KINDS

_AA1_TO_AA3 = {v: k for k, v in AA3_TO_AA1.items() if v not in "*UO"}
_AAS = sorted(_AA1_TO_AA3)
_GENES = st.sampled_from(["EGFR", "ERBB2", "MET", "KRAS", "ALK", "TP53", "ZZZ3"])
_POS = st.integers(min_value=1, max_value=2000)
_AA = st.sampled_from(_AAS)
_INTERNAL = "internal error reading this alteration"


def _check(a: Alteration) -> None:
    assert isinstance(a, Alteration)
    assert a.kind in KINDS
    assert a.reason != _INTERNAL
    assert a.recognized is (a.reason is None)
    assert not a.recognized or a.keys


@given(st.text())
def test_any_text_gives_an_alteration(text):
    _check(parse_alteration.__wrapped__(text))


@given(st.text(alphabet="EGFRMTALKpc.0123456789_*+->:()/ delinsfsdupTerXxq", max_size=30))
def test_alteration_like_text_gives_an_alteration(text):
    _check(parse_alteration.__wrapped__(text))


@given(_GENES, st.text(max_size=30), st.text(max_size=20))
def test_maf_rows_give_an_alteration(gene, change, vclass):
    _check(protein_change_alteration.__wrapped__(gene, change, vclass))


@given(_GENES, _AA, _POS, _AA)
def test_one_and_three_letter_substitutions_agree(gene, ref, pos, alt):
    one = parse_alteration(f"{gene} p.{ref}{pos}{alt}")
    three = parse_alteration(f"{gene} p.{_AA1_TO_AA3[ref]}{pos}{_AA1_TO_AA3[alt]}")
    assert (one.alteration, one.kind, one.keys, one.recognized) == (
        three.alteration,
        three.kind,
        three.keys,
        three.recognized,
    )


@given(
    _GENES, _AA, _POS, st.integers(min_value=1, max_value=8), st.lists(_AA, min_size=1, max_size=6)
)
def test_one_and_three_letter_indels_agree(gene, ref, pos, length, inserted):
    end = pos + length
    one_ins = "".join(inserted)
    three_ins = "".join(_AA1_TO_AA3[a] for a in inserted)
    r3 = _AA1_TO_AA3[ref]
    pairs = [
        (f"p.{ref}{pos}_{ref}{end}del", f"p.{r3}{pos}_{r3}{end}del"),
        (f"p.{ref}{pos}_{ref}{end}dup", f"p.{r3}{pos}_{r3}{end}dup"),
        (f"p.{ref}{pos}_{ref}{end}delins{one_ins}", f"p.{r3}{pos}_{r3}{end}delins{three_ins}"),
        (f"p.{ref}{pos}_{ref}{pos + 1}ins{one_ins}", f"p.{r3}{pos}_{r3}{pos + 1}ins{three_ins}"),
        (f"p.{ref}{pos}fs", f"p.{r3}{pos}fsTer{length}"),
        (f"p.{ref}{pos}*", f"p.{r3}{pos}Ter"),
    ]
    for one, three in pairs:
        a, b = parse_alteration(f"{gene} {one}"), parse_alteration(f"{gene} {three}")
        assert (a.alteration, a.kind, a.keys) == (b.alteration, b.kind, b.keys), (one, three)


_FORMS = st.one_of(
    st.builds(lambda r, p, a: f"{r}{p}{a}", _AA, _POS, _AA),
    st.builds(lambda r, p: f"p.{r}{p}*", _AA, _POS),
    st.builds(lambda r, p, n: f"{r}{p}_{r}{p + n}del", _AA, _POS, st.integers(1, 6)),
    st.builds(
        lambda r, p, s: f"p.{r}{p}_{r}{p + 1}ins{''.join(s)}",
        _AA,
        _POS,
        st.lists(_AA, min_size=1, max_size=4),
    ),
    st.builds(
        lambda e, w: f"exon {e} {w}",
        st.integers(1, 30),
        st.sampled_from(["deletion", "insertion", "skipping"]),
    ),
    st.sampled_from(
        ["fusion", "amplification", "deletion", "mutation", "amp (CN 8)", "rearrangement"]
    ),
    st.builds(
        lambda b, o, n: f"c.{b}{o:+d}{n}",
        st.integers(2000, 3200),
        st.integers(-60, 60).filter(bool),
        st.sampled_from(["G>T", "del", "dup"]),
    ),
)


@given(_GENES, _FORMS)
def test_canonical_form_is_idempotent(gene, form):
    a = parse_alteration(f"{gene} {form}")
    if a.recognized:
        b = parse_alteration(str(a))
        assert (b.gene, b.alteration, b.kind, b.keys) == (a.gene, a.alteration, a.kind, a.keys)


_CODES = [
    *"ACDEFGHIKLMNPQRSTVWYUB",
    "Ala",
    "Leu",
    "Thr",
    "Met",
    "Sec",
    "Pyl",
    "Ter",
    "Xaa",
    "LEU",
    "Abc",
]


@given(
    ref=st.sampled_from(_CODES),
    alt=st.sampled_from([*_CODES, "*", "X", "="]),
    pos=st.one_of(st.integers(min_value=1, max_value=99999), st.sampled_from([0, 123456])),
    prefix=st.sampled_from(["", "p.", "P.", "p"]),
    parens=st.sampled_from([("", ""), ("(", ")"), ("(", ""), ("", ")")]),
    suffix=st.sampled_from(["", "fs", "fs*5", "_A2del", "del", "Ter", "fsTer5"]),
)
def test_missense_fast_path_agrees_with_the_grammar(ref, alt, pos, prefix, parens, suffix) -> None:
    """1- and 3-letter missense changes are read without lark: the same as the grammar reads."""
    from onconav.normalize.grammar import _attempts, _read_exact, read_change

    text = f"{prefix}{parens[0]}{ref}{pos}{alt}{suffix}{parens[1]}"
    slow = next((c for c in map(_read_exact, _attempts(text)) if c is not None), None)
    assert read_change(text) == slow


@pytest.mark.parametrize(
    "text", ["p.Thr790Met", "T790M", "p.(Leu858Arg)", "(G12C)", "Leu858R", "p.V600E"]
)
def test_missense_fast_path_is_taken(text, monkeypatch) -> None:
    from onconav.normalize import grammar

    monkeypatch.setattr(grammar, "parse_tree", None)  # the parser is not reached
    assert grammar.read_change(text).kind == "substitution"
