"""Check a knowledge-base folder: the schema, then every cross-reference, each problem located.

`onconav kb validate` prints what this returns. The shipped KB must come back clean (a test).
"""

from __future__ import annotations

import re
from pathlib import Path

from onconav.errors import KBProblem
from onconav.kb.loader import KnowledgeBase, Origins, read_kb_dir

__all__ = ["GENERIC_KEYS", "cross_check", "validate_kb_dir"]

# Match keys the normalizer gives every alteration of its kind (see normalize/models.py).
GENERIC_KEYS = frozenset(
    {"mutation", "fusion", "amplification", "deletion", "oncogenic mutation", "kinase domain mutation"}
)
_KEY_PATTERNS = (
    re.compile(r"^[A-Z]\d+[A-Z*X]$"),  # L858R, G719X, Q61*
    re.compile(r"^[A-Z]\d+_[A-Z]\d+(del|dup|ins[A-Z]+|delins[A-Z]+)$"),  # E746_A750del
    re.compile(r"^[A-Z]\d+(del|dup|fs|delins[A-Z]+)$"),
    re.compile(r"^exon \d+ (deletion|insertion|skipping|mutation)$"),
)


def _is_key(key: str, classes: set[str]) -> bool:
    if key in classes or key in GENERIC_KEYS:
        return True
    parts = [p.strip() for p in key.split("+")]
    if len(parts) > 1:
        return all(_is_key(p, classes) for p in parts)
    return any(p.match(key) for p in _KEY_PATTERNS)


def validate_kb_dir(root: Path) -> list[KBProblem]:
    """Every problem in the KB folder `root`: broken YAML, schema, then cross-references."""
    kb, problems, origins = read_kb_dir(root)
    if kb is None:
        return problems
    return problems + cross_check(kb, origins)


def _where(origins: Origins, section: str, index: int) -> tuple[str, int | None]:
    file, line = origins.get((section, index), ("?", 0))
    return file, line or None


def cross_check(kb: KnowledgeBase, origins: Origins) -> list[KBProblem]:  # noqa: C901
    """Problems between entries: unknown drugs, genes, classes, tumor types and duplicates."""
    problems: list[KBProblem] = []

    def add(section: str, index: int, message: str) -> None:
        problems.append(KBProblem(*_where(origins, section, index), message))

    drugs = {d.name for d in kb.drugs}
    drug_classes = {c for d in kb.drugs for c in d.classes}
    genes = {g.symbol: g for g in kb.genes}
    class_keys = {g.symbol: {c.key for c in g.alteration_classes} for g in kb.genes}
    tumor_codes = {t.code for t in kb.tumor_types}
    biomarkers = {b.key for b in kb.biomarkers}
    indication_ids = {i.id for i in kb.indications}

    seen: dict[str, set[str]] = {}
    for section, key_of in (
        ("drugs", lambda e: e.name),
        ("genes", lambda e: e.symbol),
        ("indications", lambda e: e.id),
        ("mechanisms", lambda e: e.id),
        ("contraindications", lambda e: e.id),
        ("tumor_types", lambda e: e.code),
    ):
        names = seen.setdefault(section, set())
        for i, entry in enumerate(getattr(kb, section)):
            key = key_of(entry)
            if key in names:
                add(section, i, f"duplicate {section[:-1]} {key!r}")
            names.add(key)

    def check_gene_keys(section: str, i: int, gene: str | None, keys: list[str]) -> None:
        if gene is None:
            return
        if gene not in genes:
            add(section, i, f"unknown gene {gene!r}")
            return
        for key in keys:
            if not _is_key(key, class_keys[gene]):
                add(section, i, f"unknown alteration {key!r} for {gene}")

    for i, g in enumerate(kb.genes):
        for c in g.alteration_classes:
            for m in c.members:
                if not _is_key(m, class_keys[g.symbol]):
                    add("genes", i, f"{g.symbol} class {c.key!r}: unknown member {m!r}")

    for i, ind in enumerate(kb.indications):
        for d in ind.drugs:
            if d not in drugs:
                add("indications", i, f"indication {ind.id!r}: unknown drug {d!r}")
        check_gene_keys("indications", i, ind.gene, ind.alterations)
        for req in (*ind.requires, *ind.not_with):
            check_gene_keys("indications", i, req.gene, req.alterations)
        if ind.tumor_type not in tumor_codes:
            add("indications", i, f"indication {ind.id!r}: unknown tumor type {ind.tumor_type!r}")
        if ind.biomarker and ind.biomarker.key not in biomarkers:
            add("indications", i, f"indication {ind.id!r}: unknown biomarker {ind.biomarker.key!r}")
        if ind.prior:
            for d in ind.prior.drugs:
                if d not in drugs:
                    add("indications", i, f"indication {ind.id!r}: unknown prior drug {d!r}")
            for c in ind.prior.classes:
                if c not in drug_classes:
                    add("indications", i, f"indication {ind.id!r}: unknown drug class {c!r}")

    for i, r in enumerate(kb.resistance):
        if r.drug not in drugs:
            add("resistance", i, f"resistance {r.gene} {r.alteration}: unknown drug {r.drug!r}")
        check_gene_keys("resistance", i, r.gene, [r.alteration])

    for i, m in enumerate(kb.mechanisms):
        check_gene_keys("mechanisms", i, m.gene, m.alterations)
        for d in m.after_drugs:
            if d not in drugs:
                add("mechanisms", i, f"mechanism {m.id!r}: unknown drug {d!r}")
        for c in m.after_classes:
            if c not in drug_classes:
                add("mechanisms", i, f"mechanism {m.id!r}: unknown drug class {c!r}")
        for step in m.next_steps:
            if step.indication and step.indication not in indication_ids:
                add("mechanisms", i, f"mechanism {m.id!r}: unknown indication {step.indication!r}")

    for i, c in enumerate(kb.contraindications):
        for d in c.drugs:
            if d not in drugs:
                add("contraindications", i, f"contraindication {c.id!r}: unknown drug {d!r}")
        for cls in c.classes:
            if cls not in drug_classes:
                add("contraindications", i, f"contraindication {c.id!r}: unknown class {cls!r}")

    for i, t in enumerate(kb.tumor_types):
        if t.parent and t.parent not in tumor_codes:
            add("tumor_types", i, f"tumor type {t.code!r}: unknown parent {t.parent!r}")
    return problems
