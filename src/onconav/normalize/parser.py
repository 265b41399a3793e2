"""Turn free-text alteration names into Alteration values; a transcript is optional.

`parse_alteration("EGFR p.Glu746_Ala750del")` reads the gene (aliases resolved), then the
change: exon-level phrases, fusions, copy number and gene-level words by small regular
expressions (`phrases.py`), protein and c. changes by the lark grammar (`grammar.py`). A
transcript written before the change ('NM_005228.5:c.2573T>G', which also names the gene) is
checked against the shipped MANE Select transcript (`transcripts.py`); exonic c. changes are
translated on its CDS and protein changes checked against its protein (`build.py`). The
result carries the KB's match keys. Nothing here raises on any text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import lru_cache

from onconav.normalize import build, phrases
from onconav.normalize.aliases import gene_table, normalize_gene
from onconav.normalize.exons import exon_table
from onconav.normalize.grammar import CdnaChange, ProteinChange, read_change
from onconav.normalize.models import Alteration
from onconav.normalize.reference import gene_of_transcript

__all__ = ["normalize_alteration", "parse_alteration", "read_alteration"]

_logger = logging.getLogger(__name__)

CACHE_SIZE = 2**16
_INTERNAL = "internal error reading this alteration"
_LEAD_EXON = re.compile(r"(?i)(?:exon|ex)\s*(\d{1,2})\s*[:,]?\s+(?=\S)")
_TRAIL_EXON = re.compile(r"(?i)\s*[(,]\s*(?:exon|ex)\s*(\d{1,2})\s*\)?$")
_TRAIL_WORDS = re.compile(
    r"(?i)(?:[\s-]+(?:(?:point\s+)?mutation|mutant|substitution|positive|variant|alteration))+$"
)
_ALIAS_PAREN = re.compile(r"\((?P<alias>[^()\s]+)\)\s*")
_PAREN = re.compile(r"(?P<main>[^()\s]+)\s*\((?P<inner>[^()]+)\)")
_SEVERAL = re.compile(r"\s*(?:\+|/|,|;|\band\b|&)\s*")
_FUSION_TAG = re.compile(r"(?i)(?:v|variant\s*)\d+[ab]?|\(?e\d+[;:]\s*a\d+\)?")
_E_EXON = re.compile(r"e\d")


def _table_exons(gene: str) -> set[int]:
    return {e.number for e in exon_table().of_gene(gene)}


def _exon_phrase(gene: str, low: str) -> phrases.ExonPhrase | None:
    phrase = phrases.exon_phrase(low)
    # 'E19del' is an exon 19 deletion only for a gene with an exon 19 in the tables; for any
    # other gene it reads as the deletion of residue Glu19.
    if phrase and _E_EXON.match(low) and phrase.exon not in _table_exons(gene):
        return None
    return phrase


def _fusion_rest(text: str, gene: str, spec: str) -> Alteration:
    if not spec:
        return build.fusion(text, gene, None)
    pair = phrases.fusion_pair(spec)
    if pair is not None and gene in pair:
        return build.fusion(text, gene, pair[1] if pair[0] == gene else pair[0])
    partner = normalize_gene(spec)
    if partner is None or partner == gene:
        return build.fail(text, gene, f"cannot read fusion partner '{spec}'")
    return build.fusion(text, gene, partner)


def _phrase(text: str, gene: str, rest: str) -> Alteration | None:
    low = rest.lower()
    if phrases.negative_phrase(low):
        return build.fail(text, gene, "negative result (wild-type)")
    exon = _exon_phrase(gene, low)
    if exon is not None:
        return build.exon_event(text, gene, exon)
    spec = phrases.fusion_phrase(low)
    if spec is not None:
        return _fusion_rest(text, gene, spec)
    if phrases.positive_phrase(low):
        if build.positive_fusion(gene):
            return build.fusion(text, gene, None)
        reason = f"'positive' is ambiguous for {gene}: name the mutation, amplification or fusion"
        return build.fail(text, gene, reason)
    cn = phrases.copy_number_phrase(low)
    if cn is not None:
        return build.copy_number_alteration(text, gene, cn)
    if phrases.gene_level_phrase(low):
        return build.gene_level(text, gene)
    if low in ("splice", "splice site", "splice-site", "splice site mutation", "splice mutation"):
        return build.splice_unplaced(text, gene)
    return None


def _decorations(rest: str) -> tuple[str, int | None, str | None]:
    """Strip 'exon 21 ' before, '(exon 21)' or ' mutation' after, and 'NM_...:' before a change."""
    exon: int | None = None
    lead = _LEAD_EXON.match(rest)
    if lead:
        exon, rest = int(lead.group(1)), rest[lead.end() :]
    trail = _TRAIL_EXON.search(rest)
    if trail:
        exon, rest = int(trail.group(1)), rest[: trail.start()]
    rest = _TRAIL_WORDS.sub("", rest).strip()
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
        rest = rest[1:-1].strip()
    accession, rest = phrases.take_transcript(rest)
    return rest, exon, accession


def _read_parts(change_text: str) -> ProteinChange | CdnaChange | None:
    change = read_change(change_text)
    if change is not None:
        return change
    paren = _PAREN.fullmatch(change_text)
    if paren is None:
        return None
    # 'L858R (c.2573T>G)' or 'c.2573T>G (p.L858R)': prefer the protein change.
    readings = [read_change(phrases.strip_transcript(paren.group(p))) for p in ("main", "inner")]
    proteins = [r for r in readings if isinstance(r, ProteinChange)]
    return proteins[0] if proteins else next((r for r in readings if r), None)


def _change(text: str, gene: str, rest: str, given_exon: int | None) -> Alteration | None:
    change_text, exon, accession = _decorations(rest)
    exon = given_exon if exon is None else exon
    change = _read_parts(change_text)
    if change is None:
        return None
    return build.on_transcript(text, gene, change, accession, exon)


def _unreadable(text: str, gene: str, rest: str) -> Alteration:
    parts = [p for p in _SEVERAL.split(rest) if p]
    if len(parts) > 1 and all(read_change(p) for p in parts):
        return build.fail(text, gene, "several alterations in one string; give them one by one")
    if rest.lower().startswith("c."):
        return build.fail(text, gene, f"cannot read cDNA change '{rest}'")
    if any(ch.isdigit() for ch in rest):
        return build.fail(text, gene, f"cannot read protein change '{rest}'")
    return build.fail(text, gene, f"cannot read alteration '{rest}'")


def read_alteration(text: str, gene: str, rest: str, given_exon: int | None = None) -> Alteration:
    """Read the alteration part `rest` of `text` for an already resolved `gene`.

    Args:
        text: The whole input, kept as `Alteration.input`.
        gene: Official symbol.
        rest: The alteration alone ('L858R', 'exon 19 deletion', 'fusion (EML4)').
        given_exon: An exon stated elsewhere (the case object's `exon`).

    Returns:
        The Alteration (recognized or not).
    """
    rest = phrases.clean(rest)
    alias = _ALIAS_PAREN.match(rest)
    if alias and normalize_gene(alias.group("alias")) == gene:
        rest = rest[alias.end() :]  # 'ERBB2 (HER2) exon 20 insertion'
    if not rest:
        return build.fail(text, gene, "no alteration given")
    head, _, tail = rest.partition(" ")
    pair = phrases.fusion_pair(head)
    if pair is not None and gene in pair:
        return _fusion_token(text, pair, tail)  # 'ALK EML4-ALK fusion'
    found = _phrase(text, gene, rest) or _change(text, gene, rest, given_exon)
    return found if found is not None else _unreadable(text, gene, rest)


def _fusion_token(text: str, pair: tuple[str, str], rest: str) -> Alteration:
    low = rest.lower()
    spec = phrases.fusion_phrase(low)
    tail = _FUSION_TAG.sub("", spec if spec is not None else low).strip(" ()")
    if tail:
        return build.fail(text, pair[1], f"cannot read '{rest}' after the fusion")
    return build.fusion_of_pair(text, *pair)


def _hyphen_split(first: str) -> tuple[str, str] | None:
    """'ALK-positive', 'MET-amplified', 'EGFR-mutant': a known gene, a hyphen, a non-gene."""
    head, sep, tail = first.partition("-")
    gene = normalize_gene(head)
    if sep and tail and gene in gene_table().symbols and normalize_gene(tail) is None:
        return gene or "", tail
    return None


def _split_gene(text: str) -> tuple[str, str] | Alteration | None:
    """Find the gene: (official symbol, rest), a finished fusion Alteration, or None."""
    split = phrases.transcript_split(text)
    first, _, rest = text.partition(" ")
    if split is not None:
        first, rest = split
    elif "::" not in first and ":" in first:
        accession, _, head = first.partition(":")
        tx_gene = gene_of_transcript(accession)
        if tx_gene is not None:
            return tx_gene, f"{accession}:{head} {rest}".strip()  # 'NM_005228.5:c.2573T>G'
        first, rest = accession, f"{head} {rest}"
    pair = phrases.fusion_pair(first)
    if pair is not None:
        return _fusion_token(text, pair, rest)
    upper = first.upper()
    if upper in gene_table().aliases:
        return gene_table().aliases[upper], rest
    glued = phrases.glued_gene(first) or _hyphen_split(first)
    if glued is not None:
        return glued[0], f"{glued[1]} {rest}"
    if read_change(first) is not None:
        return None
    gene = normalize_gene(first)
    return (gene, rest) if gene else None


def _parse(text: str) -> Alteration:
    cleaned = phrases.clean(text)
    if not cleaned:
        return build.fail(text, None, "empty")
    found = _split_gene(cleaned)
    if found is None:
        return build.fail(text, None, "no gene symbol")
    if isinstance(found, Alteration):
        return replace(found, input=text)
    gene, rest = found
    return read_alteration(text, gene, rest)


@lru_cache(maxsize=CACHE_SIZE)
def parse_alteration(text: str) -> Alteration:
    """Read one free-text alteration 'GENE ALTERATION'; never raises.

    Args:
        text: e.g. 'EGFR L858R', 'KRAS p.Gly12Cys', 'EML4::ALK', 'MET exon 14 skipping',
            'MET amplification (CN 9)', 'HER2 exon 20 insertion'.

    Returns:
        The Alteration; `recognized` is False (with `reason`) when it could not be read.

    Example:
        >>> a = parse_alteration("EGFR p.Glu746_Ala750del")
        >>> a.alteration, a.kind, a.keys
        ('E746_A750del', 'deletion', ('E746_A750del', 'exon 19 deletion', 'mutation'))
        >>> parse_alteration("HER2 exon 20 insertion").gene
        'ERBB2'
    """
    if not isinstance(text, str):
        return build.fail(str(text), None, "not text")
    try:
        return _parse(text)
    except Exception:  # a bug; one bad row must not stop a cohort
        _logger.warning("normalizer failed on one alteration", exc_info=True)
        return build.fail(text, None, _INTERNAL)


def _with_extras(
    result: Alteration, partner: str | None, copy_number: float | None, exon: int | None
) -> Alteration:
    if result.kind == "fusion" and partner and result.gene and result.partner is None:
        other = normalize_gene(partner)
        if other and other != result.gene:
            result = build.fusion(result.input, result.gene, other)
    if result.kind in ("amplification", "deep_deletion") and copy_number is not None:
        result = replace(result, copy_number=float(copy_number))
    if result.recognized and result.exon is None and exon is not None:
        result = replace(result, exon=exon)
    return result


_EXON_EVENTS = {"deletion": "deletion", "del": "deletion", "insertion": "insertion",
                "ins": "insertion", "duplication": "insertion", "dup": "insertion",
                "skipping": "skipping", "skip": "skipping", "splice": "skipping"}  # fmt: skip


def _object_form(text: str, gene: str, alteration: str, exon: int | None) -> Alteration:
    low = alteration.lower()
    if exon is not None and low in _EXON_EVENTS:
        return build.exon_event(text, gene, phrases.ExonPhrase(exon, _EXON_EVENTS[low]))
    first, _, tail = alteration.partition(" ")
    if tail and normalize_gene(first) == gene:
        alteration = tail
    return read_alteration(text, gene, alteration, exon)


@lru_cache(maxsize=CACHE_SIZE)
def normalize_alteration(
    gene: str,
    alteration: str,
    *,
    partner: str | None = None,
    exon: int | None = None,
    copy_number: float | None = None,
) -> Alteration:
    """Read the case file's object form {gene, alteration, partner, exon, copy_number}.

    Args:
        gene: The gene as written ('MET', 'HER2').
        alteration: The alteration ('amplification', 'p.L858R', 'fusion', 'deletion').
        partner: Fusion partner gene.
        exon: Exon, when stated ('deletion' with exon 19 is an exon 19 deletion).
        copy_number: Copy number of an amplification or deletion.

    Returns:
        The Alteration; never raises.

    Example:
        >>> a = normalize_alteration("MET", "amplification", copy_number=9)
        >>> a.keys, a.copy_number
        (('amplification',), 9.0)
    """
    text = phrases.clean(f"{gene or ''} {alteration or ''}")
    try:
        symbol = normalize_gene(gene) if isinstance(gene, str) else None
        if symbol is None or phrases.fusion_pair(gene):
            return parse_alteration(text) if text else build.fail(text, None, "empty")
        if not (isinstance(alteration, str) and alteration.strip()) and copy_number is not None:
            alteration = "amplification" if copy_number > 2 else "copy number " + str(copy_number)
        result = _object_form(text, symbol, phrases.clean(str(alteration or "")), exon)
        return _with_extras(result, partner, copy_number, exon)
    except Exception:  # a bug; one bad case item must not stop the match
        _logger.warning("normalizer failed on one alteration", exc_info=True)
        return build.fail(text, None, _INTERNAL)
