"""Build `Alteration` values, with their canonical form and match keys, from what was read.

The keys follow the KB README ("Match keys"): the canonical change; '<ref><pos>X' for
substitutions and nonsense; 'exon N deletion' / 'exon N insertion' for in-frame indels placed
by the exon tables (a dup or a net-gain delins is an insertion, a net-loss delins a deletion);
'exon N skipping' for splice changes of a `skipping` exon; 'mutation' for every
protein-altering change; 'fusion'; 'amplification'; 'deletion' (deep deletion).

Protein changes are checked against the gene's shipped MANE Select protein (`residues.py`);
exonic c. changes are translated on its CDS (`translate.py`) and built as the protein change
they make; a contradiction of the reference is a not-recognized Alteration with `mismatch`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from onconav.normalize import residues, transcripts
from onconav.normalize.aliases import gene_table, is_fusion_driver
from onconav.normalize.exons import (
    CPos,
    exon_table,
    residue_exon,
    skipped_exon,
    splice_codon_exon,
)
from onconav.normalize.grammar import CdnaChange, ProteinChange
from onconav.normalize.models import Alteration, Kind
from onconav.normalize.phrases import CopyNumber, ExonPhrase
from onconav.normalize.reference import gene_reference

__all__ = [
    "cdna_name",
    "copy_number_alteration",
    "exon_event",
    "fail",
    "from_cdna",
    "from_protein",
    "fusion",
    "fusion_of_pair",
    "gene_level",
    "positive_fusion",
    "splice_unplaced",
]

MUTATION = "mutation"
_INDELS: dict[str, Kind] = {
    "deletion": "deletion",
    "duplication": "duplication",
    "insertion": "insertion",
    "delins": "delins",
}


def _keys(*keys: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in keys if k))


def fail(text: str, gene: str | None, reason: str, *, mismatch: bool = False) -> Alteration:
    """An Alteration that was not recognized, with its reason (`mismatch`: see Alteration)."""
    return Alteration(text, gene, None, "unknown", False, reason=reason, mismatch=mismatch)


def _ok(
    text: str, gene: str, alteration: str, kind: Kind, *keys: str | None, **fields: Any
) -> Alteration:
    """A recognized Alteration, built once (`fields`: exon, position, ref, alt, ...)."""
    return Alteration(text, gene, alteration, kind, True, keys=_keys(alteration, *keys), **fields)


def gene_level(text: str, gene: str) -> Alteration:
    """'KRAS mutation': any protein-altering change of the gene."""
    return _ok(text, gene, MUTATION, "gene_level")


def splice_unplaced(text: str, gene: str) -> Alteration:
    """A splice-site change whose position is unknown (a MAF Splice_Site row without HGVS)."""
    return _ok(text, gene, "splice", "splice", MUTATION)


def _skipping_exons(gene: str) -> set[int]:
    return {e.number for e in exon_table().of_gene(gene) if e.skipping}


def exon_event(text: str, gene: str, phrase: ExonPhrase) -> Alteration:
    """'EGFR exon 19 deletion', 'MET exon 14 skipping', 'KRAS exon 2 mutation'."""
    event = phrase.event
    if phrase.exon in _skipping_exons(gene) and event in ("mutation", "skipping", "deletion"):
        event = "skipping"
    name = f"exon {phrase.exon} {event}"
    return _ok(text, gene, name, "exon_event", MUTATION, exon=phrase.exon)


def fusion(text: str, gene: str, partner: str | None) -> Alteration:
    """A fusion; the fusion driver (ALK, ROS1, RET, ...) becomes `gene`, the other the partner.

    When both or neither are drivers, `gene` stays the one given first.
    """
    if partner and not is_fusion_driver(gene) and is_fusion_driver(partner):
        gene, partner = partner, gene
    return _ok(text, gene, "fusion", "fusion", partner=partner or None)


def fusion_of_pair(text: str, five: str, three: str) -> Alteration:
    """A fusion written '5'::3'' (EML4::ALK): the driver is the 3' gene unless only the 5' is."""
    if is_fusion_driver(five) and not is_fusion_driver(three):
        return fusion(text, five, three)
    return fusion(text, three, five)


def copy_number_alteration(text: str, gene: str, cn: CopyNumber) -> Alteration:
    """Amplification (gain) or deep deletion; other copy-number states are not recognized."""
    if cn.event == "amplification":
        return _ok(text, gene, "amplification", "amplification", copy_number=cn.copy_number)
    if cn.event == "deletion":
        return _ok(text, gene, "deletion", "deep_deletion", copy_number=cn.copy_number)
    return fail(text, gene, "copy-number change is neither a gain nor a deep deletion")


def positive_fusion(gene: str) -> bool:
    """Tell whether '<gene>-positive' means a fusion of `gene`."""
    return gene in gene_table().positive_fusion


def _point(text: str, gene: str, pc: ProteinChange, exon: int | None) -> Alteration:
    where = f"{pc.ref}{pc.start}"
    wildcard = f"{where}X"
    at = {"exon": exon, "position": pc.start, "ref": pc.ref}
    if pc.kind == "substitution":
        name = f"{where}{pc.seq}"
        return _ok(text, gene, name, "substitution", wildcard, MUTATION, alt=pc.seq, **at)
    if pc.kind == "nonsense":
        return _ok(text, gene, f"{where}*", "nonsense", wildcard, MUTATION, alt="*", **at)
    if pc.kind == "wildcard":
        return _ok(text, gene, wildcard, "substitution", MUTATION, **at)
    if pc.kind == "unknown_effect":
        return _ok(text, gene, f"{where}?", "substitution", wildcard, MUTATION, **at)
    return _ok(text, gene, f"{where}fs", "frameshift", MUTATION, **at)


def _indel_name(pc: ProteinChange) -> str:
    span = f"{pc.ref}{pc.start}" + (f"_{pc.end_ref}{pc.end}" if pc.end is not None else "")
    suffix = {"deletion": "del", "duplication": "dup", "insertion": "ins", "delins": "delins"}
    seq = pc.seq if pc.kind in ("insertion", "delins") else ""
    return f"{span}{suffix[pc.kind]}{seq}"


def _net(kind: str, span: int, inserted: int) -> int:
    if kind == "deletion":
        return -span
    if kind == "duplication":
        return span
    if kind == "insertion":
        return inserted
    return inserted - span


def _exon_key(exon: int | None, net: int) -> str | None:
    if exon is None or net == 0:
        return None
    return f"exon {exon} {'insertion' if net > 0 else 'deletion'}"


def _indel(text: str, gene: str, pc: ProteinChange, given_exon: int | None) -> Alteration:
    end = pc.start if pc.end is None else pc.end
    if pc.kind == "insertion" and end != pc.start + 1:
        return fail(text, gene, f"insertion flanks must be adjacent residues ('{_indel_name(pc)}')")
    if pc.end is not None and pc.kind != "insertion" and end <= pc.start:
        return fail(text, gene, f"range end is not after its start ('{_indel_name(pc)}')")
    span = 0 if pc.kind == "insertion" else end - pc.start + 1
    exon = residue_exon(gene, pc.start, end)
    exon = given_exon if exon is None else exon
    # An inserted stop truncates the protein: not an in-frame exon insertion or deletion.
    key = None if "*" in pc.seq else _exon_key(exon, _net(pc.kind, span, len(pc.seq)))
    alt = pc.seq if pc.kind in ("insertion", "delins") else None
    # A range no exon holds whole is placed by its first residue.
    exon = exon or residue_exon(gene, pc.start) or given_exon
    return _ok(text, gene, _indel_name(pc), _INDELS[pc.kind], key, MUTATION, exon=exon,
               position=pc.start, end_position=pc.end, ref=pc.ref, alt=alt)  # fmt: skip


def _splice_site(text: str, gene: str, pc: ProteinChange) -> Alteration:
    exon = splice_codon_exon(gene, pc.start)
    key = f"exon {exon} skipping" if exon is not None else None
    name = f"X{pc.start}_splice"
    return _ok(text, gene, name, "splice", key, MUTATION, exon=exon, position=pc.start)


def _extension(text: str, gene: str, pc: ProteinChange, exon: int | None) -> Alteration:
    name = f"*{pc.start}{pc.seq}ext*{pc.tail or '?'}"
    return _ok(text, gene, name, "substitution", MUTATION, alt=pc.seq or None, exon=exon,
               position=pc.start, ref=pc.ref)  # fmt: skip


def _not_altering(text: str, gene: str, pc: ProteinChange) -> Alteration | None:
    if pc.kind == "whole_protein":
        reasons = {
            "=": "not protein-altering (synonymous)",
            "?": "protein effect unknown (p.?)",
            "0": "no protein product (p.0); give the DNA change",
        }
        return fail(text, gene, reasons[pc.tail])
    if pc.kind == "synonymous" or (pc.kind == "substitution" and pc.ref == pc.seq):
        return fail(text, gene, "not protein-altering (synonymous)")
    if pc.start <= 0:
        return fail(text, gene, "protein positions start at 1")
    return None


def from_protein(
    text: str,
    gene: str,
    pc: ProteinChange,
    given_exon: int | None = None,
    *,
    transcript: str | None = None,
) -> Alteration:
    """Build the Alteration of a protein change read by the grammar.

    The residues it names are checked against the gene's MANE Select protein when one is
    shipped (`residues.py`); `transcript` is the accession the input named, if any.
    """
    reason = residues.mismatch(gene, pc)
    if reason is not None:  # first: a 'synonymous' change of a residue that is not there too
        return fail(text, gene, reason, mismatch=True)
    rejected = _not_altering(text, gene, pc)
    if rejected is not None:
        return rejected
    result = _from_protein(text, gene, pc, given_exon)
    ref = gene_reference(gene)
    if result.recognized and ref is not None and (ref.protein or transcript):
        result = replace(result, transcript=transcript or ref.refseq)
    return result


def _from_protein(text: str, gene: str, pc: ProteinChange, given_exon: int | None) -> Alteration:
    if pc.kind in _INDELS:
        return _indel(text, gene, pc, given_exon)
    if pc.kind == "splice_site":
        return _splice_site(text, gene, pc)
    exon = residue_exon(gene, pc.start) or given_exon
    if pc.kind == "extension":
        return _extension(text, gene, pc, exon)
    return _point(text, gene, pc, exon)


def _cpos_text(pos: CPos) -> str:
    base = f"-{-pos.base}" if pos.utr == "-" else f"{pos.utr}{pos.base}"
    return base + (f"{pos.offset:+d}" if pos.offset else "")


def cdna_name(cc: CdnaChange) -> str:
    """The canonical c. form ('c.3082+1G>T', 'c.2236_2250del'); deleted bases are dropped."""
    where = _cpos_text(cc.start) + (f"_{_cpos_text(cc.end)}" if cc.end is not None else "")
    if cc.kind == "substitution":
        return f"c.{where}{cc.ref}>{cc.alt}"
    suffix = {"deletion": "del", "duplication": "dup", "insertion": "ins", "delins": "delins"}
    return f"c.{where}{suffix[cc.kind]}{cc.alt}"


def _crosses_splice_site(start: CPos, end: CPos, canonical: int) -> bool:
    for pos in (start, end):
        if pos.offset and abs(pos.offset) <= canonical:
            return True
    exonic_inside = (start.offset < 0 and end >= CPos(start.base)) or (
        end.offset > 0 and start <= CPos(end.base)
    )
    return start != end and exonic_inside


def _cdna_intronic(
    text: str, gene: str, cc: CdnaChange, end: CPos, numbering: str | None
) -> Alteration:
    name = cdna_name(cc)
    indel = cc.kind != "substitution"
    exon = skipped_exon(gene, cc.start, cc.end, indel=indel, numbering=numbering)
    if exon is not None:
        return _ok(text, gene, name, "splice", f"exon {exon} skipping", MUTATION, exon=exon)
    if _crosses_splice_site(cc.start, end, exon_table().canonical):
        return _ok(text, gene, name, "splice", MUTATION)
    return fail(text, gene, f"not protein-altering (intronic {name})")


def from_cdna(
    text: str,
    gene: str,
    cc: CdnaChange,
    given_exon: int | None = None,
    *,
    transcript: str | None = None,
    on_mane: bool = True,
    numbering: str | None = None,
) -> Alteration:
    """Build the Alteration of a c. change.

    Exonic changes are translated to their protein change on the shipped CDS (`translate.py`);
    splice and intronic changes keep their c. form. `transcript` is the accession the input
    named, if any; `on_mane` is False when that transcript is numbered otherwise than the
    shipped MANE transcript (an exon-table alternate: splice positions only); `numbering`
    says which exon-table transcripts splice positions are read on (`transcripts.Given`).
    """
    end = cc.start if cc.end is None else cc.end
    if end < cc.start and not (end.utr or cc.start.utr):
        return fail(text, gene, f"range end is not after its start ('{cdna_name(cc)}')")
    if cc.start.utr and end.utr:
        return fail(text, gene, f"not protein-altering (UTR {cdna_name(cc)})")
    if cc.start.utr or end.utr:
        return fail(text, gene, f"change extends into the UTR ('{cdna_name(cc)}')")
    if cc.start.offset or end.offset:
        found = _cdna_intronic(text, gene, cc, end, numbering)
        return replace(found, transcript=transcript) if transcript and found.recognized else found
    if not on_mane:
        return fail(text, gene, f"no coding sequence of {transcript} is shipped: give the protein "
                    f"change, or the change on {gene}'s MANE Select transcript")  # fmt: skip
    return _cdna_exonic(text, gene, cc, given_exon, transcript)


def _cdna_exonic(
    text: str, gene: str, cc: CdnaChange, given_exon: int | None, transcript: str | None
) -> Alteration:
    """An exonic c. change, translated on the shipped CDS to the protein change it makes."""
    from onconav.normalize import translate  # (only c. changes need it: not on a cold start)

    ref = gene_reference(gene)
    if ref is None or not ref.cds:
        return fail(text, gene, f"no coding sequence of {gene} is shipped: give the protein change")
    found = translate.to_protein(ref, cc)
    if isinstance(found, translate.CdsMismatch):
        return fail(text, gene, found.reason, mismatch=True)
    if isinstance(found, translate.NotTranslated):
        return fail(text, gene, f"{found.reason} ({cdna_name(cc)})")
    return from_protein(text, gene, found, given_exon, transcript=transcript or ref.refseq)


def on_transcript(
    text: str,
    gene: str,
    change: ProteinChange | CdnaChange,
    accession: str | None,
    exon: int | None = None,
) -> Alteration:
    """A protein or c. change written on `accession` (None: the MANE Select transcript).

    A transcript onconav does not ship fails with its reason; a protein change is read only on
    the MANE transcript; a c. change is translated on the transcript it names.
    """
    given = transcripts.resolve(gene, accession)
    if given.reason is not None:
        return fail(text, gene, given.reason)
    if isinstance(change, ProteinChange):
        if not given.on_mane:
            return fail(text, gene, f"protein changes of {gene} are read on its MANE Select "
                        f"transcript, not on {given.accession}")  # fmt: skip
        return from_protein(text, gene, change, exon, transcript=given.accession)
    return from_cdna(
        text,
        gene,
        change,
        exon,
        transcript=given.accession,
        on_mane=given.on_mane,
        numbering=given.numbering,
    )
