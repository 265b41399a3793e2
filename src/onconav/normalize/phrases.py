"""Small regular-expression readers for the non-HGVS parts of an alteration.

Gene tokens ('EGFR', 'EML4::ALK', 'METex14', 'NM_005228.5(EGFR):'), exon-level phrases
('ex19del', 'exon 20 insertion'), fusion, copy-number, gene-level and negative phrases.
Every reader takes lower-cased, space-normalized text unless it says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onconav.normalize.aliases import gene_table, normalize_gene

__all__ = [
    "CopyNumber",
    "ExonPhrase",
    "clean",
    "copy_number_phrase",
    "exon_phrase",
    "fusion_pair",
    "fusion_phrase",
    "gene_level_phrase",
    "glued_gene",
    "negative_phrase",
    "positive_phrase",
    "take_transcript",
    "transcript_split",
]

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")

# Exon-level names, as written in reports and guidelines (NCCN: "exon 19 deletion",
# "exon 20 insertion", "METex14 skipping"): ex19del, del19, 19del, e19del, Δex14, exon 14 skip.
_EVENT = (
    r"(?P<ev>(?:in-?frame\s+)?(?:deletions?|del|insertions?|ins|duplications?|dup|"
    r"skipping|skipped|skip|splice(?:\s+site)?|mutations?|mut|alterations?|variants?))"
)
_TAIL = r"(?:\s+(?:mutations?|mutation\s+positive|positive|variants?|alterations?|mutant))?"
_EXON_FORMS = (
    re.compile(rf"(?:exon|ex|e)\s*-?\s*(?P<n>\d{{1,2}})(?:\s*[-_]?\s*{_EVENT})?{_TAIL}"),
    re.compile(r"(?P<ev>del|ins|dup)\s*(?:exon|ex|e)?\s*(?P<n>\d{1,2})" + _TAIL),
    re.compile(r"(?P<n>\d{1,2})\s*(?P<ev>del|ins|dup)" + _TAIL),
    re.compile(r"(?:\u03b4|\u0394|delta)\s*(?:exon|ex)\s*(?P<n>\d{1,2})" + _TAIL),
)
_FUSION_WORD = re.compile(
    r"(?:gene\s+)?(?:fusions?|rearrangements?|rearranged|translocations?|translocated)"
    r"(?:[-\s]+(?:positive|detected))?"
)
_POSITIVE = re.compile(r"(?:positive|pos|\+)")
_NEGATIVE = re.compile(
    r"(?:wild[-\s]?type|wt|negative|neg|not\s+detected|no\s+mutation(?:\s+detected)?)"
)
_GENE_LEVEL = re.compile(
    r"(?:(?:activating|oncogenic|pathogenic|somatic|driver|point)\s+)?"
    r"(?:mutations?|mutant|mutated|mut|mt)(?:[-\s]+positive)?"
)
_AMP_WORDS = frozenset({"amplification", "amplifications", "amplified", "amp", "gain", "gains"})
_DEL_WORDS = frozenset({"deletion", "deletions", "deleted", "homdel", "loss", "lost"})
_CN_FILLER = frozenset(
    {"high", "level", "high-level", "focal", "gene", "copy", "number", "cn", "copies", "of",
     "homozygous", "homozygously", "deep", "biallelic", "complete", "whole", "two-copy"}
)  # fmt: skip
_NOT_DEEP = frozenset({"heterozygous", "hemizygous", "shallow", "single", "partial", "one-copy"})
_NUMBER = re.compile(r"x?(\d+(?:\.\d+)?)x?")
_TRANSCRIPT = r"(?:N[MPRC]_\d+|ENS[TP]\d+)(?:\.\d+)?"
_TX_GENE = re.compile(rf"(?P<tx>{_TRANSCRIPT})\((?P<gene>[^()\s]+)\):?(?P<rest>.*)")
_GENE_TX = re.compile(rf"(?P<gene>[^()\s:]+)\((?P<tx>{_TRANSCRIPT})\):?(?P<rest>.*)")
_TX_PREFIX = re.compile(rf"(?P<tx>{_TRANSCRIPT})\s*:\s*")
_GLUED = re.compile(
    r"(?P<gene>[A-Za-z][A-Za-z0-9]*?)-?(?P<rest>(?:ex(?:on)?|\u0394ex|\u03b4ex)\d{1,2}\w*"
    r"|(?:del|ins)\d{1,2}|\d{1,2}(?:del|ins)|fusion|amp|\+)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ExonPhrase:
    """An exon-level phrase: exon number and event (deletion, insertion, skipping, mutation)."""

    exon: int
    event: str


@dataclass(frozen=True, slots=True)
class CopyNumber:
    """A copy-number phrase: event ('amplification', 'deletion' or 'other') and copy number."""

    event: str
    copy_number: float | None


def clean(text: str) -> str:
    """Normalize dashes to '-' and runs of whitespace to one space, and strip."""
    return _SPACES.sub(" ", _DASHES.sub("-", text)).strip()


def _event(word: str | None) -> str:
    if not word:
        return "mutation"
    if word.startswith(("del", "in-frame del", "inframe del")):
        return "deletion"
    if word.startswith(("ins", "dup", "in-frame ins", "inframe ins", "in-frame dup")):
        return "insertion"
    if word.startswith(("skip", "splice")):
        return "skipping"
    return "mutation"


def exon_phrase(text: str) -> ExonPhrase | None:
    """Read an exon-level phrase ('ex19del', 'exon 20 insertion', 'exon14 skipping mutation').

    Example:
        >>> exon_phrase("ex19del")
        ExonPhrase(exon=19, event='deletion')
    """
    for form in _EXON_FORMS:
        match = form.fullmatch(text)
        if match and int(match.group("n")) > 0:
            event = _event(match.groupdict().get("ev"))
            if form is _EXON_FORMS[3]:
                event = "skipping"
            return ExonPhrase(int(match.group("n")), event)
    return None


def fusion_phrase(text: str) -> str | None:
    """Read 'fusion', 'rearrangement', 'translocation' (with what follows).

    Returns:
        The text after the fusion word (a partner, possibly in parentheses; '' when none), or
        None when `text` does not start with a fusion word.
    """
    match = _FUSION_WORD.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip()
    if rest and match.end() < len(text) and text[match.end()] not in " (:,;":
        return None
    rest = rest.strip("(),:; ").strip()
    for lead in ("with ", "partner ", "to "):
        rest = rest.removeprefix(lead)
    return rest.strip()


def fusion_pair(token: str) -> tuple[str, str] | None:
    """Split a fusion written 'A::B', 'A-B', 'A/B' or 'A~B' into two official symbols (5', 3').

    At least one side must be a gene the table knows; hyphenated symbols (NKX2-1) stay whole.

    Example:
        >>> fusion_pair("EML4-ALK"), fusion_pair("c-MET")
        (('EML4', 'ALK'), None)
    """
    text = _DASHES.sub("-", token.strip())
    known = gene_table().symbols
    for sep in ("::", "/", "~", "-"):
        parts = text.split(sep)
        for i in range(1, len(parts)):
            left = normalize_gene(sep.join(parts[:i]))
            right = normalize_gene(sep.join(parts[i:]))
            if not (left and right) or left == right or not (left in known or right in known):
                continue
            # An unknown hyphenated name is not split further ('EML4-FOO-BAR' is no fusion).
            if "-" in (left if left not in known else "") + (right if right not in known else ""):
                continue
            return left, right
    return None


def copy_number_phrase(text: str) -> CopyNumber | None:
    """Read a copy-number phrase ('amplification (CN 9)', 'copy number 12', 'homozygous deletion').

    Returns:
        The phrase, or None when `text` is not a copy-number phrase. A phrase naming a
        one-copy loss or a copy number of 1-2 has event 'other'.

    Example:
        >>> copy_number_phrase("amplification (cn 9)")
        CopyNumber(event='amplification', copy_number=9.0)
    """
    words = [w for w in re.split(r"[\s(),:=;]+", text) if w]
    events = {w for w in words if w in _AMP_WORDS or w in _DEL_WORDS}
    numbers = [float(m.group(1)) for w in words if (m := _NUMBER.fullmatch(w))]
    leftover = [w for w in words if w not in events | _CN_FILLER and not _NUMBER.fullmatch(w)]
    if leftover and not set(leftover) <= _NOT_DEEP or len(numbers) > 1 or len(events) > 1:
        return None
    number = numbers[0] if numbers else None
    if not events:
        if number is None or "number" not in words and "cn" not in words:
            return None
        event = "amplification" if number > 2 else "deletion" if number == 0 else "other"
        return CopyNumber(event, number)
    if events <= _AMP_WORDS:
        return CopyNumber("amplification", number)
    deep = not leftover and (number is None or number == 0)
    return CopyNumber("deletion" if deep else "other", number)


def gene_level_phrase(text: str) -> bool:
    """Tell whether `text` says 'mutation' of the whole gene ('mutant', 'activating mutation')."""
    return _GENE_LEVEL.fullmatch(text) is not None


def negative_phrase(text: str) -> bool:
    """Tell whether `text` reports a negative result ('wild-type', 'negative', 'not detected')."""
    return _NEGATIVE.fullmatch(text) is not None


def positive_phrase(text: str) -> bool:
    """Tell whether `text` is a bare 'positive' ('ALK-positive', 'ALK+')."""
    return _POSITIVE.fullmatch(text) is not None


def transcript_split(text: str) -> tuple[str, str] | None:
    """Split 'NM_005228.5(EGFR):c.2573T>G' or 'EGFR(NM_005228.5):c.2573T>G' into gene and change.

    The change keeps its transcript ('NM_005228.5:c.2573T>G'), for `take_transcript`.

    Returns:
        (gene token, change), or None when `text` has neither form.
    """
    match = _TX_GENE.fullmatch(text) or _GENE_TX.fullmatch(text)
    if match is None:
        return None
    rest = match.group("rest").strip()
    return match.group("gene"), f"{match.group('tx')}:{rest}" if rest else rest


def take_transcript(change: str) -> tuple[str | None, str]:
    """Split a leading transcript accession off a change: ('NM_005228.5', 'c.2573T>G').

    Returns:
        (accession or None, the change without it).
    """
    match = _TX_PREFIX.match(change)
    if match is None:
        return None, change
    return match.group("tx"), change[match.end() :]


def strip_transcript(change: str) -> str:
    """Drop a leading transcript accession ('NM_005228.5:', 'NP_005219.2:') from a change."""
    return take_transcript(change)[1]


def glued_gene(token: str) -> tuple[str, str] | None:
    """Split a gene glued to its event ('METex14', 'EGFR19del', 'ALK+') when the gene is known.

    Returns:
        (official symbol, rest), or None.
    """
    match = _GLUED.fullmatch(token)
    if match is None:
        return None
    gene = normalize_gene(match.group("gene"))
    if gene is None or gene not in gene_table().symbols:
        return None
    return gene, match.group("rest")
