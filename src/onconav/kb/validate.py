"""Check a knowledge-base folder: the schema, then every cross-reference, each problem located.

`onconav kb validate` prints what this returns. The shipped KB must come back clean (a test).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from onconav.errors import KBProblem
from onconav.kb.loader import KnowledgeBase, Origins, read_kb_dir
from onconav.kb.models import SEQUENCING_CLASSES, Indication
from onconav.kb.snapshot import VERSIONED_RULES, VersionedRule, apply_versioned_rules

__all__ = ["GENERIC_KEYS", "PROVENANCE_FROM_YEAR", "cross_check", "validate_kb_dir"]

# FDA approvals from this year on must name the public page that states them.
PROVENANCE_FROM_YEAR = 2024

# Match keys the normalizer gives every alteration of its kind (see normalize/models.py).
GENERIC_KEYS = frozenset(
    {
        "mutation",
        "fusion",
        "amplification",
        "deletion",
        "oncogenic mutation",
        "kinase domain mutation",
    }
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
    # Rules the schema gained later (kb.snapshot.VERSIONED_RULES): errors for a KB as new.
    errors, _history_warnings = apply_versioned_rules(kb, origins)
    return problems + cross_check(kb, origins) + errors


def _where(origins: Origins, section: str, index: int) -> tuple[str, int | None]:
    file, line = origins.get((section, index), ("?", 0))
    return file, line or None


class _Checker:
    """Cross-reference checks over one KB; `problems` collects what they find."""

    def __init__(self, kb: KnowledgeBase, origins: Origins) -> None:
        self.kb = kb
        self.origins = origins
        self.problems: list[KBProblem] = []
        self.drugs = {d.name for d in kb.drugs}
        self.drug_classes = {c for d in kb.drugs for c in d.classes}
        self.genes = {g.symbol for g in kb.genes}
        self.class_keys = {g.symbol: {c.key for c in g.alteration_classes} for g in kb.genes}
        self.tumor_codes = {t.code for t in kb.tumor_types}

    def add(self, section: str, index: int, message: str) -> None:
        self.problems.append(KBProblem(*_where(self.origins, section, index), message))

    def names(self, section: str, i: int, what: str, names: list[str], known: set[str]) -> None:
        for name in names:
            if name not in known:
                self.add(section, i, f"{what}: unknown {name!r}")

    def gene_keys(self, section: str, i: int, gene: str | None, keys: list[str]) -> None:
        if gene is None:
            return
        if gene not in self.genes:
            self.add(section, i, f"unknown gene {gene!r}")
            return
        for key in keys:
            if not _is_key(key, self.class_keys[gene]):
                self.add(section, i, f"unknown alteration {key!r} for {gene}")

    def duplicates(self) -> None:
        sections: dict[str, list[str]] = {
            "drugs": [d.name for d in self.kb.drugs],
            "genes": [g.symbol for g in self.kb.genes],
            "indications": [i.id for i in self.kb.indications],
            "mechanisms": [m.id for m in self.kb.mechanisms],
            "contraindications": [c.id for c in self.kb.contraindications],
            "tumor_types": [t.code for t in self.kb.tumor_types],
        }
        for section, keys in sections.items():
            seen: set[str] = set()
            for i, key in enumerate(keys):
                if key in seen:
                    self.add(section, i, f"duplicate {section[:-1]} {key!r}")
                seen.add(key)

    def genes_and_tumors(self) -> None:
        for i, gene in enumerate(self.kb.genes):
            for cls in gene.alteration_classes:
                for member in cls.members:
                    if not _is_key(member, self.class_keys[gene.symbol]):
                        self.add("genes", i, f"{gene.symbol} class {cls.key!r}: unknown {member!r}")
        for i, tumor in enumerate(self.kb.tumor_types):
            if tumor.parent and tumor.parent not in self.tumor_codes:
                self.add("tumor_types", i, f"tumor type {tumor.code!r}: unknown parent")

    def indications(self) -> None:
        biomarkers = {b.key for b in self.kb.biomarkers}
        for i, ind in enumerate(self.kb.indications):
            what = f"indication {ind.id!r}"
            self.names("indications", i, f"{what}: drug", ind.drugs, self.drugs)
            self.gene_keys("indications", i, ind.gene, ind.alterations)
            for req in (*ind.requires, *ind.not_with):
                self.gene_keys("indications", i, req.gene, req.alterations)
            self.names("indications", i, f"{what}: tumor type", [ind.tumor_type], self.tumor_codes)
            if ind.biomarker:
                self.names("indications", i, f"{what}: biomarker", [ind.biomarker.key], biomarkers)
            self.names("indications", i, f"{what}: excluded tumor type", ind.exclude_tumor_types,
                       self.tumor_codes)  # fmt: skip
            for prior in (ind.prior, ind.not_prior, ind.sequenced_after, *ind.also_prior):
                if prior:
                    self.names("indications", i, f"{what}: prior drug", prior.drugs, self.drugs)
                    self.names(
                        "indications", i, f"{what}: drug class", prior.classes, self.drug_classes
                    )

    def approvals(self) -> None:
        """Each indication's FDA approval, when from 2024 on, names the page that states it."""
        for i, ind in enumerate(self.kb.indications):
            self.provenance(i, f"indication {ind.id!r}", ind)

    def provenance(self, i: int, what: str, ind: Indication) -> None:
        """An FDA approval from 2024 on names the page read that states it."""
        year = ind.approval_year
        if ind.fda_status == "pending" or year is None or year < PROVENANCE_FROM_YEAR:
            return
        if ind.approval_source is None:
            self.add(
                "indications", i,
                f"{what}: FDA approval in {year} without approval_source (the public page that "
                "states it, and the date it was read); record it, or make it fda_status: pending",
            )  # fmt: skip
        elif ind.approval_source.approved_on and ind.approval_source.approved_on.year != year:
            self.add("indications", i, f"{what}: approval_year {year} differs from approval_source")

    def sequencing_classes(self) -> None:
        """Targeted drugs (kinase inhibitors, antibody-drug conjugates) carry a sequencing class."""
        for i, drug in enumerate(self.kb.drugs):
            targeted = {"tki", "adc"} & set(drug.classes)
            if targeted and drug.drug_class not in SEQUENCING_CLASSES:
                self.add(
                    "drugs", i, f"drug {drug.name!r}: drug_class {drug.drug_class!r} is not one "
                    "of the sequencing classes (kb/models.py SEQUENCING_CLASSES)",
                )  # fmt: skip
            for extra in drug.also_drug_classes:
                if extra not in SEQUENCING_CLASSES:
                    self.add("drugs", i, f"drug {drug.name!r}: unknown also_drug_classes {extra!r}")

    def gene_groups(self) -> None:
        for i, group in enumerate(self.kb.gene_groups):
            self.names("gene_groups", i, f"gene group {group.symbol!r}: gene", group.genes,
                       self.genes)  # fmt: skip
            if group.symbol in self.genes:
                self.add("gene_groups", i, f"gene group {group.symbol!r} is also a gene")

    def resistance_and_mechanisms(self) -> None:
        for i, res in enumerate(self.kb.resistance):
            self.names("resistance", i, f"resistance {res.gene} {res.alteration}: drug", [res.drug],
                       self.drugs)  # fmt: skip
            self.gene_keys("resistance", i, res.gene, [res.alteration])
        ids = {ind.id for ind in self.kb.indications}
        for i, mech in enumerate(self.kb.mechanisms):
            what = f"mechanism {mech.id!r}"
            self.gene_keys("mechanisms", i, mech.gene, mech.alterations)
            self.names("mechanisms", i, f"{what}: drug", mech.after_drugs, self.drugs)
            self.names(
                "mechanisms", i, f"{what}: drug class", mech.after_classes, self.drug_classes
            )
            self.names("mechanisms", i, f"{what}: driver gene", mech.driver_genes, self.genes)
            steps = [s.indication for s in mech.next_steps if s.indication]
            self.names("mechanisms", i, f"{what}: indication", steps, ids)

    def contraindications(self) -> None:
        for i, con in enumerate(self.kb.contraindications):
            what = f"contraindication {con.id!r}"
            self.names("contraindications", i, f"{what}: drug", con.drugs, self.drugs)
            self.names("contraindications", i, f"{what}: class", con.classes, self.drug_classes)


def cross_check(kb: KnowledgeBase, origins: Origins) -> list[KBProblem]:
    """Problems between entries: unknown drugs, genes, classes, tumor types and duplicates."""
    checker = _Checker(kb, origins)
    checker.duplicates()
    checker.genes_and_tumors()
    checker.indications()
    checker.resistance_and_mechanisms()
    checker.contraindications()
    checker.gene_groups()
    return checker.problems


def _rule(check: Callable[[_Checker], None]) -> Callable[[KnowledgeBase, Origins], list[KBProblem]]:
    def run(kb: KnowledgeBase, origins: Origins) -> list[KBProblem]:
        checker = _Checker(kb, origins)
        check(checker)
        return checker.problems

    return run


# Rules KB 2026.12.4 brought: errors for a KB as new, warnings on older snapshots (history).
VERSIONED_RULES.extend(
    [
        VersionedRule("approval provenance", "2026.12.4", _rule(_Checker.approvals)),
        VersionedRule("sequencing classes", "2026.12.4", _rule(_Checker.sequencing_classes)),
    ]
)
