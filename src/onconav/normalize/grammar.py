"""The HGVS-like grammar of protein (p.) and coding DNA (c.) changes, and its reader.

A lark LALR(1) grammar, built once on first use, reads the change part of an alteration
('p.(Leu858Arg)', 'E746_A750del', 'Arg1018fsTer5', 'c.3082+1G>T'); gene names, exon-level
phrases, fusions and copy number are read by `phrases.py`. The tree is turned into a
`ProteinChange` or `CdnaChange`, independent of lark.

Amino acids are 1-letter upper case or 3-letter title case; keywords (del, ins, dup, delins,
fs, ext, Ter, p., c.) are case-insensitive. lark's lexer tries terminals by priority, then by
longest possible match, not longest actual match: 3-letter codes and stops outrank a run of
1-letter residues (SEQ1). `read_change` retries a single-case text upper-cased
and then with 3-letter codes title-cased, so 'l858r' and 'LEU858ARG' read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from onconav._cache import cache_dir
from onconav.normalize.exons import CPos

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

__all__ = [
    "AA3_TO_AA1",
    "GRAMMAR",
    "CdnaChange",
    "ProteinChange",
    "parse_tree",
    "parser",
    "read_change",
    "rule_names",
    "rules_used",
]

# IUPAC-IUBMB 3-letter amino acid codes (HGVS protein recommendations), plus Ter for stop.
AA3_TO_AA1 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U",
    "Pyl": "O", "Ter": "*",
}  # fmt: skip

GRAMMAR = r"""
start: protein | cdna

protein: P_PREFIX? "(" _p_body ")"
       | P_PREFIX? _p_body
_p_body: substitution | wildcard | nonsense | synonymous | unknown_effect | frameshift
       | deletion | delins | insertion | duplication | splice_site | extension | whole_protein

substitution: aa POS aa
wildcard: aa POS WILD
nonsense: aa POS STOP
synonymous: aa POS EQ
unknown_effect: aa POS QMARK
frameshift: aa POS aa? FS fs_stop?
fs_stop: (STOP | WILD) (POS | QMARK)?
deletion: aa_range DEL seq?
delins: aa_range DELINS seq
      | aa_range DEL seq INS seq
insertion: aa POS P_SEP aa POS INS seq
duplication: aa_range DUP seq?
splice_site: (aa | WILD) POS SPLICE
extension: STOP POS aa? EXT (STOP (POS | QMARK))?
whole_protein: EQ | QMARK | ZERO
aa_range: aa POS (P_SEP aa POS)?
aa: AA1 | AA3
seq: (AA3 | STOP | SEQ1)+

cdna: C_PREFIX (c_sub | c_del | c_dup | c_ins | c_delins)
c_sub: c_pos NUCS GT NUCS
c_del: c_range DEL NUCS?
c_dup: c_range DUP NUCS?
c_ins: c_pos "_" c_pos INS NUCS
c_delins: c_range DELINS NUCS
        | c_range DEL NUCS INS NUCS
c_range: c_pos ("_" c_pos)?
c_pos: UTR? POS c_offset?
c_offset: (PLUS | MINUS) POS

P_PREFIX: "p."i
C_PREFIX: "c."i
AA1: /[ACDEFGHIKLMNPQRSTVWY]/
SEQ1: /[ACDEFGHIKLMNPQRSTVWY]+/
AA3.2: /Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Sec|Pyl/
STOP.2: "*" | /Ter/i
WILD: "X"
EQ: "="
QMARK: "?"
ZERO: "0"
POS: /[0-9]+/
P_SEP: /[_-]/
FS: "fs"i
DEL: "del"i
DELINS: "delins"i
INS: "ins"i
DUP: "dup"i
EXT: "ext"i
SPLICE: "_splice"i
NUCS: /[ACGTN]+/
GT: ">"
UTR: "-" | "*"
PLUS: "+"
MINUS: "-"
"""

_AA3_UPPER = re.compile("|".join(code.upper() for code in AA3_TO_AA1))


@dataclass(frozen=True, slots=True)
class ProteinChange:
    """A protein change read by the grammar.

    Attributes:
        kind: The grammar rule that matched ('substitution', 'deletion', 'whole_protein', ...).
        ref: 1-letter reference residue at `start` ('*' for a stop, 'X' when unknown).
        start: Start residue (0 for whole-protein forms).
        end_ref: Reference residue at `end`, for ranges.
        end: End residue, for ranges.
        seq: New residues (substitution, insertion, delins, frameshift, extension), 1-letter.
        tail: What a whole-protein form said ('=', '?', '0'), or a stop count ('5', '?').
    """

    kind: str
    ref: str
    start: int
    end_ref: str | None = None
    end: int | None = None
    seq: str = ""
    tail: str = ""


@dataclass(frozen=True, slots=True)
class CdnaChange:
    """A coding DNA change read by the grammar.

    Attributes:
        kind: 'substitution', 'deletion', 'duplication', 'insertion' or 'delins'.
        start: First position.
        end: Last position of a range, else None.
        ref: Reference bases of a substitution, or the bases a deletion, duplication or
            'delXinsY' names when written ('' when not written).
        alt: New bases (substitution, insertion, delins).
    """

    kind: str
    start: CPos
    end: CPos | None = None
    ref: str = ""
    alt: str = ""


@cache
def parser() -> Lark:
    """Build the LALR parser once (on first use).

    Lark's own cache of the analysed grammar (keyed by grammar and lark version) lives in the
    user cache folder: it makes a cold start about 40 ms faster.
    """
    from lark import Lark  # (imported here: a cold run whose changes are all simple skips it)

    folder = cache_dir()
    cached = str(folder / "alteration-grammar.lark-cache") if folder else False
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False, cache=cached)


def parse_tree(text: str) -> Tree[Token]:
    """Parse `text` exactly as written; raises lark's errors on failure."""
    return parser().parse(text)


# lark is imported only when the parser is built, so the tree is read without its classes: a
# child is a Token, which is a str, or a Tree, which is not.


def _tokens(tree: Tree[Token]) -> list[Token]:
    return [c for c in tree.children if isinstance(c, str)]


def _subtrees(tree: Tree[Token], name: str) -> list[Tree[Token]]:
    return [c for c in tree.children if not isinstance(c, str) and c.data == name]


def _aa(tree: Tree[Token]) -> str:
    token = _tokens(tree)[0]
    return AA3_TO_AA1[str(token)] if token.type == "AA3" else str(token)


def _seq_code(token: Token) -> str:
    if token.type == "AA3":
        return AA3_TO_AA1[str(token)]
    return "*" if token.type == "STOP" else str(token)


def _seq(tree: Tree[Token]) -> str:
    # A run of 1-letter residues is one SEQ1 token, so that 'insAFS' is not read as 'A' + 'fs'
    # (LALR merges the lookaheads of `aa`, and FS may follow an `aa` elsewhere).
    return "".join(_seq_code(t) for t in _tokens(tree))


def _residues(tree: Tree[Token]) -> list[tuple[str, int]]:
    """Pair each `aa` subtree of `tree` (or of its aa_range) with the POS that follows it."""
    node = _subtrees(tree, "aa_range")[0] if _subtrees(tree, "aa_range") else tree
    pairs: list[tuple[str, int]] = []
    ref: str | None = None
    for child in node.children:
        if not isinstance(child, str):
            if child.data == "aa":
                ref = _aa(child)
        elif child.type == "WILD" and ref is None:
            ref = "X"
        elif child.type == "STOP" and ref is None:
            ref = "*"
        elif child.type == "POS" and ref is not None:
            pairs.append((ref, int(child)))
            ref = None
    return pairs


def _protein(tree: Tree[Token]) -> ProteinChange:
    body = next(c for c in tree.children if not isinstance(c, str))
    kind = str(body.data)
    if kind == "whole_protein":
        return ProteinChange(kind, "", 0, tail=str(_tokens(body)[0]))
    pairs = _residues(body)
    (ref, start), rest = pairs[0], pairs[1:]
    end_ref, end = rest[0] if rest and kind != "extension" else (None, None)
    seqs = _subtrees(body, "seq")
    seq = _seq(seqs[-1]) if seqs else ""
    tail = ""
    if kind in ("substitution", "frameshift", "extension"):
        seq = "".join(_aa(t) for t in _subtrees(body, "aa")[1 if kind != "extension" else 0 :])
    for stop in _subtrees(body, "fs_stop"):
        tail = "".join(str(t) for t in _tokens(stop) if t.type in ("POS", "QMARK"))
    if kind == "extension":
        tail = "".join(str(t) for t in _tokens(body)[2:] if t.type in ("POS", "QMARK"))
    return ProteinChange(kind, ref, start, end_ref, end, seq, tail)


def _cpos(tree: Tree[Token]) -> CPos:
    tokens = _tokens(tree)
    utr = str(tokens[0]) if tokens[0].type == "UTR" else ""
    base = int(next(t for t in tokens if t.type == "POS"))
    offset = 0
    for off in _subtrees(tree, "c_offset"):
        sign, value = _tokens(off)
        offset = int(value) if sign.type == "PLUS" else -int(value)
    return CPos(-base if utr == "-" else base, offset, utr)


def _cdna(tree: Tree[Token]) -> CdnaChange:
    body = next(c for c in tree.children if not isinstance(c, str))
    node = _subtrees(body, "c_range")[0] if _subtrees(body, "c_range") else body
    positions = [_cpos(p) for p in _subtrees(node, "c_pos")]
    nucs = [str(t) for t in _tokens(body) if t.type == "NUCS"]
    kind = str(body.data)[2:]
    kind = {"sub": "substitution", "del": "deletion", "dup": "duplication"}.get(kind, kind)
    start, end = positions[0], (positions[1] if len(positions) > 1 else None)
    if kind == "substitution":
        return CdnaChange(kind, start, None, nucs[0], nucs[1])
    alt = nucs[-1] if kind in ("insertion", "ins", "delins") else ""
    # The bases a deletion, duplication or 'delXinsY' names, when written, for the CDS check.
    named = len(nucs) - (1 if alt else 0)
    ref = nucs[0] if named > 0 else ""
    return CdnaChange("insertion" if kind == "ins" else kind, start, end, ref=ref, alt=alt)


def _read_exact(text: str) -> ProteinChange | CdnaChange | None:
    from lark.exceptions import LarkError

    try:
        tree = parse_tree(text)
    except LarkError:
        return None
    top = tree.children[0]
    if isinstance(top, str):
        return None
    return _protein(top) if top.data == "protein" else _cdna(top)


def _title_codes(text: str) -> str:
    return _AA3_UPPER.sub(lambda m: m.group(0).title(), text)


def _attempts(text: str) -> list[str]:
    attempts = [text]
    if text.upper() != text or text.lower() == text:
        attempts.append(text.upper())
    attempts.append(_title_codes(text.upper()))
    return list(dict.fromkeys(attempts))


def rule_names() -> frozenset[str]:
    """Names of the grammar's rules that appear in parse trees (inlined '_rules' excluded)."""
    return frozenset(
        str(rule.origin.name)
        for rule in parser().rules
        if not str(rule.origin.name).startswith("_")
    )


def rules_used(text: str) -> frozenset[str]:
    """Names of the rules used to read `text` (empty when it cannot be read); for tests."""
    from lark.exceptions import LarkError

    for attempt in _attempts(text):
        try:
            tree = parse_tree(attempt)
        except LarkError:
            continue
        return frozenset(str(t.data) for t in tree.iter_subtrees())
    return frozenset()


# The commonest forms by far in pipeline output: a missense change in 1-letter or 3-letter
# codes ('p.L858R', 'G12C', 'p.Thr790Met', 'p.(Leu858Arg)'). They are read without the parser,
# so that a cold run whose changes are all of this kind never imports lark (tests check that
# both readings agree); '*', 'X' and 'Ter' go through the grammar, which knows their meanings.
_AA = "ACDEFGHIKLMNPQRSTVWY"
_MISSENSE_CODES = {**{aa: aa for aa in _AA}, **{k: v for k, v in AA3_TO_AA1.items() if k != "Ter"}}
# (Codes are checked against that table, not listed in the pattern: a 40-way alternation
# took a few milliseconds to compile, on every cold start.)
_MISSENSE = re.compile(r"([A-Z][a-z]{2}|[A-Z])([1-9]\d{0,4})([A-Z][a-z]{2}|[A-Z])")
# No protein or transcript position has ten digits; Python's int() refuses more than 4,300.
_TOO_LONG = re.compile(r"\d{10}")


def _simple_missense(text: str) -> ProteinChange | None:
    """'p.L858R', 'G12C', 'p.Thr790Met', 'p.(Leu858Arg)' read without the parser, else None."""
    body = text[2:] if text.startswith("p.") else text
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    simple = _MISSENSE.fullmatch(body)
    if simple is None:
        return None
    ref, pos, alt = simple.groups()
    if ref not in _MISSENSE_CODES or alt not in _MISSENSE_CODES:
        return None
    # (ref == alt too: the grammar reads 'p.A123A' as this same change)
    return ProteinChange("substitution", _MISSENSE_CODES[ref], int(pos), seq=_MISSENSE_CODES[alt])


def read_change(text: str) -> ProteinChange | CdnaChange | None:
    """Read a protein or c. change; None when the grammar cannot read it.

    Args:
        text: The change alone, without the gene ('p.L858R', 'Glu746_Ala750del', 'c.3082+1G>T').

    Returns:
        The change, or None.

    Example:
        >>> change = read_change("p.(Leu858Arg)")
        >>> change.kind, change.ref, change.start, change.seq
        ('substitution', 'L', 858, 'R')
    """
    if _TOO_LONG.search(text):
        return None
    simple = _simple_missense(text)
    if simple is not None:
        return simple
    for attempt in _attempts(text):
        change = _read_exact(attempt)
        if change is not None:
            return change
    return None
