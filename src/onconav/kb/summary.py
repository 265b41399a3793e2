"""Views of the knowledge base for people (`kb stats`, `kb show`) and tools (`kb export`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from onconav.kb.index import KBIndex
from onconav.kb.models import Drug, Gene, Source

__all__ = ["export_data", "kb_stats_text", "show_text"]


def kb_stats_text(index: KBIndex) -> str:
    """Counts of every section, indications by level, and the KB version line."""
    kb = index.kb
    levels = Counter(i.level for i in kb.indications)
    effects = Counter(r.effect for r in kb.resistance)
    lines = [
        f"onconav knowledge base {kb.meta.kb_version} ({kb.meta.kb_date}, {index.info.short_hash})",
        f"genes              {len(kb.genes)}",
        f"biomarkers         {len(kb.biomarkers)}",
        f"drugs              {len(kb.drugs)}",
        f"indications        {len(kb.indications)}  "
        + "  ".join(f"level {lv}: {levels[lv]}" for lv in ("1", "2", "3A", "3B", "4")),
        f"resistance entries {len(kb.resistance)}  "
        + "  ".join(f"{e}: {effects[e]}" for e in ("resistant", "reduced", "sensitive")),
        f"mechanisms         {len(kb.mechanisms)}",
        f"contraindications  {len(kb.contraindications)}",
        f"tumor types        {len(kb.tumor_types)}",
    ]
    return "\n".join(lines)


def _source_text(s: Source) -> str:
    bits = [s.kind, s.id]
    if s.journal:
        bits.append(s.journal)
    if s.year:
        bits.append(str(s.year))
    return " ".join(bits)


def _gene_text(index: KBIndex, gene: Gene) -> str:
    out = [f"{gene.symbol}: {gene.name}"]
    if gene.aliases:
        out.append(f"aliases: {', '.join(gene.aliases)}")
    out += ["", gene.summary, "", "Alteration classes:"]
    for c in gene.alteration_classes:
        members = f" ({', '.join(c.members)})" if c.members else ""
        flag = "" if c.targetable else " [not targetable today]"
        out.append(f"  - {c.name} [{c.category}]{members}{flag}")
    out += ["", "Indications:"]
    for ind in index.indications_by_gene.get(gene.symbol, []):
        out.append(
            f"  - level {ind.level} {ind.status:<11} {' + '.join(ind.drugs)} | "
            f"{ind.biomarker_label} | {ind.tumor_type} {ind.setting}, {ind.line}"
        )
    resistance = index.resistance_by_gene.get(gene.symbol, [])
    if resistance:
        out += ["", "Resistance:"]
        out += [f"  - {r.alteration}: {r.drug} {r.effect} ({r.evidence})" for r in resistance]
    out += ["", "Sources: " + "; ".join(_source_text(s) for s in gene.sources)]
    return "\n".join(out)


def _drug_text(index: KBIndex, drug: Drug) -> str:
    brands = f" ({', '.join(drug.brands)})" if drug.brands else ""
    out = [
        f"{drug.name}{brands}: {drug.drug_class}",
        f"status: {drug.approval_status}; targets: {', '.join(drug.targets) or '-'}",
        f"route: {drug.route}; schedule: {drug.schedule}",
        f"CNS activity: {drug.cns_activity}",
        "",
        drug.mechanism,
        "",
        "Common side effects: " + ", ".join(drug.common_side_effects),
        "Serious side effects: " + ", ".join(drug.serious_side_effects),
    ]
    if drug.monitoring:
        out.append("Monitoring: " + ", ".join(drug.monitoring))
    out += ["", "Indications:"]
    for ind in index.kb.indications:
        if drug.name in ind.drugs:
            out.append(
                f"  - level {ind.level} {' + '.join(ind.drugs)} | {ind.biomarker_label} | "
                f"{ind.setting}, {ind.line}"
            )
    out += ["", "Sources: " + "; ".join(_source_text(s) for s in drug.sources)]
    return "\n".join(out)


def show_text(index: KBIndex, name: str) -> str | None:
    """A readable page on a gene (symbol or alias) or a drug (INN, brand or alias)."""
    wanted = name.strip().upper()
    for gene in index.kb.genes:
        if wanted == gene.symbol or wanted in (a.upper() for a in gene.aliases):
            return _gene_text(index, gene)
    drug = index.drug_name(name)
    return _drug_text(index, index.drugs[drug]) if drug else None


def export_data(index: KBIndex) -> dict[str, Any]:
    """The whole KB as plain data (contract: kb-export.md)."""
    kb = index.kb
    drugs = []
    for d in kb.drugs:
        item = d.model_dump(mode="json", exclude_none=True)
        drugs.append(item)
    indications = []
    for i in kb.indications:
        item = i.model_dump(mode="json", exclude_none=True)
        item["alteration"] = ", ".join(i.alterations) if i.alterations else None
        indications.append(item)
    return {
        "kb_version": kb.meta.kb_version,
        "kb_date": kb.meta.kb_date.isoformat(),
        "disclaimer": kb.meta.disclaimer,
        "genes": [g.model_dump(mode="json", exclude_none=True) for g in kb.genes],
        "biomarkers": [b.model_dump(mode="json", exclude_none=True) for b in kb.biomarkers],
        "drugs": drugs,
        "indications": indications,
        "resistance": [r.model_dump(mode="json", exclude_none=True) for r in kb.resistance],
        "mechanisms": [m.model_dump(mode="json", exclude_none=True) for m in kb.mechanisms],
        "contraindications": [
            c.model_dump(mode="json", exclude_none=True) for c in kb.contraindications
        ],
        "tumor_types": [t.model_dump(mode="json", exclude_none=True) for t in kb.tumor_types],
    }
