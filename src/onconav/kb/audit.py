"""`onconav kb audit`: every fact of the KB that rests on curator judgement, to work through.

What counts as judgement here:
- NCCN placements without a document read: entries citing an NCCN guideline with no `url` and
  `accessed` date (the guideline version was not opened when the entry was written);
- preclinical-only entries: resistance entries with `evidence: preclinical` and level 4
  indications (biological evidence only);
- severity judgements: every contraindication, marked when no FDA label is among its sources;
- FDA decisions still pending, and approvals whose source page gives no approval date;
- genes without a reference protein sequence, when the normalizer ships such sequences (its
  data is read as files; when none are found the check says so and is skipped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from onconav.kb.loader import KnowledgeBase
from onconav.kb.models import Source

__all__ = ["AuditItem", "audit", "audit_text", "sequence_genes"]

_SEQUENCE_FILE = re.compile(r"(seq|protein|refseq|uniprot|\.fa$|\.fasta$)", re.IGNORECASE)
_NORMALIZE_DATA = Path(__file__).resolve().parent.parent / "normalize" / "data"


@dataclass(frozen=True)
class AuditItem:
    """One fact resting on judgement: its kind, the entry, and why it is listed."""

    kind: str
    entry: str
    reason: str


def _nccn_unread(sources: Iterable[Source]) -> bool:
    return any(
        s.kind == "guideline" and s.id.upper().startswith("NCCN") and s.accessed is None
        for s in sources
    )


def _has_label(sources: Iterable[Source]) -> bool:
    return any(s.kind in ("fda_label", "ema_label") for s in sources)


def sequence_genes(data_dir: Path | None = None) -> set[str] | None:
    """Gene symbols that have a reference protein sequence in the normalizer's data files.

    Returns None when no such file is found (the check is then skipped, not failed).
    """
    root = data_dir or _NORMALIZE_DATA
    if not root.is_dir():
        return None
    files = [p for p in root.rglob("*") if p.is_file() and _SEQUENCE_FILE.search(p.name)]
    if not files:
        return None
    found: set[str] = set()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(re.findall(r"\b([A-Z][A-Z0-9]{1,9})\b", text))
    return found


def _nccn(kb: KnowledgeBase) -> list[AuditItem]:
    out = []
    reason = "cites an NCCN guideline that was not read (no url or accessed date)"
    for ind in kb.indications:
        if _nccn_unread(ind.sources):
            rests = "" if _has_label(ind.sources) else "; no label among its sources"
            out.append(AuditItem("nccn_unread", f"indication {ind.id} (level {ind.level})",
                                 reason + rests))  # fmt: skip
    out.extend(
        AuditItem("nccn_unread", f"resistance {r.gene} {r.alteration} / {r.drug}", reason)
        for r in kb.resistance
        if _nccn_unread(r.sources)
    )
    out.extend(
        AuditItem("nccn_unread", f"class {gene.symbol} {cls.key}", reason)
        for gene in kb.genes
        for cls in gene.alteration_classes
        if _nccn_unread(cls.sources)
    )
    return out


def _preclinical(kb: KnowledgeBase) -> list[AuditItem]:
    out = [
        AuditItem(
            "preclinical_only",
            f"resistance {r.gene} {r.alteration} / {r.drug}",
            f"effect {r.effect} rests on preclinical evidence only",
        )
        for r in kb.resistance
        if r.evidence == "preclinical"
    ]
    out.extend(
        AuditItem("preclinical_only", f"indication {i.id}", "level 4: biological evidence only")
        for i in kb.indications
        if i.level == "4"
    )
    return out


def _severity(kb: KnowledgeBase) -> list[AuditItem]:
    out = []
    for con in kb.contraindications:
        basis = "a label among its sources" if _has_label(con.sources) else "no label source"
        out.append(
            AuditItem(
                "severity",
                f"contraindication {con.id}",
                f"{con.condition}: severity {con.severity} is a curator judgement ({basis})",
            )
        )
    return out


def _approvals(kb: KnowledgeBase) -> list[AuditItem]:
    out = []
    for ind in kb.indications:
        if ind.fda_status == "pending":
            when = ind.decision_date.isoformat() if ind.decision_date else "no date read"
            reason = f"FDA decision pending (decision date: {when}); re-check"
            out.append(AuditItem("pending", f"indication {ind.id}", reason))
        elif ind.approval_source is not None and ind.approval_source.approved_on is None:
            reason = "the page read states the approval but not its date"
            out.append(AuditItem("approval_date", f"indication {ind.id}", reason))
    return out


def _sequences(kb: KnowledgeBase, data_dir: Path | None) -> list[AuditItem]:
    have = sequence_genes(data_dir)
    if have is None:
        return [
            AuditItem(
                "protein_sequence",
                "all genes",
                "skipped: the normalizer ships no reference protein sequences here",
            )
        ]
    return [
        AuditItem("protein_sequence", f"gene {g.symbol}",
                  "no reference protein sequence: residues and residue ranges are not checked")
        for g in kb.genes
        if g.symbol not in have
    ]  # fmt: skip


def audit(kb: KnowledgeBase, data_dir: Path | None = None) -> list[AuditItem]:
    """Every fact of `kb` that rests on curator judgement, grouped by kind.

    Args:
        kb: The knowledge base.
        data_dir: Where the normalizer's data files are (default: the installed package's).
    """
    return [
        *_nccn(kb),
        *_preclinical(kb),
        *_severity(kb),
        *_approvals(kb),
        *_sequences(kb, data_dir),
    ]


_TITLES = {
    "nccn_unread": "NCCN placements without a document read",
    "preclinical_only": "Preclinical-only entries",
    "severity": "Severity judgements (contraindications)",
    "pending": "FDA decisions pending",
    "approval_date": "Approvals whose source page gives no date",
    "protein_sequence": "Genes without a reference protein sequence",
}


def audit_text(items: list[AuditItem]) -> str:
    """The audit as text: one section per kind, one line per item, with counts."""
    lines: list[str] = []
    for kind, title in _TITLES.items():
        group = [i for i in items if i.kind == kind]
        if not group:
            continue
        lines.append(f"## {title} ({len(group)})")
        lines.extend(f"- {i.entry}: {i.reason}" for i in group)
        lines.append("")
    lines.append(f"{len(items)} item(s) rest on curator judgement.")
    return "\n".join(lines)
