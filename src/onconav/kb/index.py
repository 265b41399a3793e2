"""Look-up tables over a loaded knowledge base, built once per KB and shared by every match.

The YAML is the truth; these dictionaries only make it fast to ask "which indications name this
gene", "what is Tagrisso", "which classes hold EGFR G719S", "is LUAD below NSCLC".
"""

from __future__ import annotations

import difflib
import functools
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from onconav.errors import TumorTypeError
from onconav.kb.loader import KnowledgeBase, default_kb_dir
from onconav.kb.models import (
    SEQUENCING_CLASSES,
    Biomarker,
    Contraindication,
    Drug,
    Gene,
    GeneGroup,
    Indication,
    Mechanism,
    Resistance,
    TumorType,
)
from onconav.kb.snapshot import SnapshotInfo, canonical_hash

__all__ = ["LUNG_ROOT", "KBIndex", "get_index"]

LUNG_ROOT = "LUNG"
_SQUAMOUS_ROOT = "LUSC"
_SMALL_CELL_ROOTS = ("SCLC", "CSCLC")


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


class KBIndex:
    """Indexes over one `KnowledgeBase`; construct with `get_index()` to share the instance."""

    def __init__(self, kb: KnowledgeBase, info: SnapshotInfo | None = None) -> None:
        self.kb = kb
        self._info = info
        self.drugs: dict[str, Drug] = {d.name: d for d in kb.drugs}
        self.genes: dict[str, Gene] = {g.symbol: g for g in kb.genes}
        self.biomarkers: dict[str, Biomarker] = {b.key: b for b in kb.biomarkers}
        self.indications: dict[str, Indication] = {i.id: i for i in kb.indications}
        self.tumor_types: dict[str, TumorType] = {t.code: t for t in kb.tumor_types}
        self._drug_names = self._drug_name_table(kb.drugs)
        self.drug_classes: dict[str, frozenset[str]] = {
            d.name: frozenset(d.classes) for d in kb.drugs
        }
        self.class_drugs: dict[str, frozenset[str]] = self._class_table(kb.drugs)
        # Genes some drug targets.
        self.drug_targets: frozenset[str] = frozenset(t for d in kb.drugs for t in d.targets)
        self.indications_by_gene: dict[str, list[Indication]] = defaultdict(list)
        self.gene_free_indications: list[Indication] = []
        for ind in kb.indications:
            if ind.gene and ind.alterations:
                self.indications_by_gene[ind.gene].append(ind)
            else:
                self.gene_free_indications.append(ind)
        self.gene_drugs: dict[str, frozenset[str]] = {
            gene: frozenset(d for ind in inds for d in ind.drugs if self._is_targeted(d))
            for gene, inds in self.indications_by_gene.items()
        }
        self.resistance_by_gene: dict[str, list[Resistance]] = defaultdict(list)
        for r in kb.resistance:
            self.resistance_by_gene[r.gene].append(r)
        # The keys each resistance entry needs together ("G1202R + L1196M" needs both).
        self.resistance_parts: dict[int, frozenset[str]] = {
            id(r): frozenset(p.strip() for p in r.alteration.split("+")) for r in kb.resistance
        }
        self.mechanisms: list[Mechanism] = list(kb.mechanisms)
        self.mechanism_after: dict[str, frozenset[str]] = {
            m.id: self.drugs_of(m.after_drugs, m.after_classes) for m in kb.mechanisms
        }
        self.contraindications: dict[str, list[Contraindication]] = defaultdict(list)
        for c in kb.contraindications:
            self.contraindications[c.condition].append(c)
        self._class_of: dict[str, dict[str, frozenset[str]]] = {
            g.symbol: {c.key: frozenset(c.members) for c in g.alteration_classes} for g in kb.genes
        }
        self._tumor_names = self._tumor_name_table(kb.tumor_types)
        self.gene_groups: dict[str, GeneGroup] = {g.symbol: g for g in kb.gene_groups}
        # Drug -> its sequencing classes (targeted drugs only; see SEQUENCING_CLASSES).
        self.sequencing_classes: dict[str, frozenset[str]] = {
            d.name: frozenset(
                c for c in (d.drug_class, *d.also_drug_classes) if c in SEQUENCING_CLASSES
            )
            for d in kb.drugs
        }
        self._class_aliases: dict[tuple[str, str], str] = {
            (g.symbol, _norm(alias)): c.key
            for g in kb.genes
            for c in g.alteration_classes
            for alias in c.aliases
        }
        self.class_ranges: dict[str, tuple[tuple[str, str, int, int], ...]] = {
            g.symbol: tuple(
                (c.key, c.name, int(c.residues[0]), int(c.residues[1]))
                for c in g.alteration_classes
                if c.residues is not None
            )
            for g in kb.genes
        }

    @property
    def info(self) -> SnapshotInfo:
        """Version, date, content hash and origin of the KB (the hash computed on first use)."""
        if self._info is None:
            meta = self.kb.meta
            self._info = SnapshotInfo(
                meta.kb_version, meta.kb_date.isoformat(), canonical_hash(self.kb), "in memory"
            )
        return self._info

    # -- drugs ---------------------------------------------------------------------------------

    @staticmethod
    def _drug_name_table(drugs: Iterable[Drug]) -> dict[str, str]:
        table: dict[str, str] = {}
        for d in drugs:
            for name in (d.name, *d.brands, *d.aliases):
                table.setdefault(_norm(name), d.name)
        return table

    @staticmethod
    def _class_table(drugs: Iterable[Drug]) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for d in drugs:
            for c in d.classes:
                out[c].add(d.name)
        return {c: frozenset(names) for c, names in out.items()}

    def _is_targeted(self, name: str) -> bool:
        return "chemotherapy" not in self.drug_classes.get(name, frozenset())

    def drug_name(self, text: str) -> str | None:
        """The INN of a drug written as INN, brand or alias (any case); None when unknown."""
        key = _norm(text)
        found = self._drug_names.get(key)
        if found is None and key.startswith("fam-"):
            found = self._drug_names.get(key[4:])
        if found is None and "-" in key:
            found = self._drug_names.get(key.rsplit("-", 1)[0])
        return found

    def drugs_of(self, names: Iterable[str] = (), classes: Iterable[str] = ()) -> frozenset[str]:
        """Drug names listed directly or through their class tags."""
        out = set(names)
        for c in classes:
            out |= self.class_drugs.get(c, frozenset())
        return frozenset(out)

    # -- alteration classes --------------------------------------------------------------------

    def expand_keys(self, gene: str, keys: Iterable[str]) -> frozenset[str]:
        """The match keys of one alteration plus every class key of `gene` that holds one."""
        found = set(keys)
        classes = self._class_of.get(gene, {})
        changed = True
        while changed:
            changed = False
            for key, members in classes.items():
                if key not in found and members & found:
                    found.add(key)
                    changed = True
        return frozenset(found)

    def class_alias(self, gene: str, text: str) -> str | None:
        """The class of `gene` that `text` names as a whole ("kinase domain duplication")."""
        return self._class_aliases.get((gene, _norm(text)))

    def unlisted_in_range(self, gene: str, position: int | None, keys: frozenset[str]
                          ) -> list[tuple[str, int, int]]:  # fmt: skip
        """Classes of `gene` whose residue range holds `position` but not this alteration.

        Returns (class name, first, last) for each: the change lies where the class lives, yet
        no source in the KB shows it to be a member (a variant of unknown significance).
        """
        if position is None:
            return []
        return [
            (name, lo, hi)
            for key, name, lo, hi in self.class_ranges.get(gene, ())
            if lo <= position <= hi and key not in keys
        ]

    def class_keys(self, gene: str) -> frozenset[str]:
        """The alteration-class keys defined for `gene`."""
        return frozenset(self._class_of.get(gene, {}))

    def class_members(self, gene: str) -> frozenset[str]:
        """Every key some alteration class of `gene` holds."""
        return frozenset(k for members in self._class_of.get(gene, {}).values() for k in members)

    def class_category(self, gene: str, keys: frozenset[str]) -> tuple[str | None, bool]:
        """(category, targetable) of the most specific class of `gene` among `keys`."""
        gene_entry = self.genes.get(gene)
        if gene_entry is None:
            return None, False
        best: tuple[str | None, bool] = (None, False)
        for c in gene_entry.alteration_classes:
            if c.key in keys:
                if c.category == "resistance_mutation":
                    return c.category, c.targetable
                if best[0] is None:
                    best = (c.category, c.targetable)
        return best

    # -- tumor types ---------------------------------------------------------------------------

    @staticmethod
    def _tumor_name_table(types: Iterable[TumorType]) -> dict[str, str]:
        table: dict[str, str] = {}
        for t in types:
            table.setdefault(_norm(t.code), t.code)
        for t in types:
            for name in (t.name, *t.synonyms):
                table.setdefault(_norm(name), t.code)
        return table

    def resolve_tumor_type(self, text: str) -> TumorType:
        """An OncoTree code or a name people write, to its node.

        Raises:
            TumorTypeError: nothing matches; carries the closest known names.
        """
        code = self._tumor_names.get(_norm(text))
        if code is not None:
            return self.tumor_types[code]
        names = list(self._tumor_names)
        close = difflib.get_close_matches(_norm(text), names, n=4, cutoff=0.6)
        raise TumorTypeError(text, [self._display(c) for c in close], field="tumor_type")

    def _display(self, key: str) -> str:
        code = self._tumor_names[key]
        name = self.tumor_types[code].name
        return f"{code} ({name})" if _norm(code) == key else f"{key} ({code})"

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one index per KB, kept for the process
    def ancestors(self, code: str) -> tuple[str, ...]:
        """`code` and every node above it, nearest first."""
        out = []
        node = self.tumor_types.get(code)
        while node is not None:
            out.append(node.code)
            node = self.tumor_types.get(node.parent) if node.parent else None
        return tuple(out)

    def is_within(self, code: str, ancestor: str) -> bool:
        """True when `code` is `ancestor` or below it."""
        return ancestor in self.ancestors(code)

    def is_lung(self, code: str) -> bool:
        """True for every lung tumor type."""
        return self.is_within(code, LUNG_ROOT)

    def is_squamous(self, code: str) -> bool:
        """True for squamous NSCLC (LUSC and below)."""
        return self.is_within(code, _SQUAMOUS_ROOT)

    def is_small_cell(self, code: str) -> bool:
        """True for small cell lung cancer, pure or combined."""
        return any(self.is_within(code, root) for root in _SMALL_CELL_ROOTS)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one index per KB, kept for the process
    def placed(self, gene: str | None, setting: str, tumor_code: str) -> tuple[Indication, ...]:
        """Indications of `gene` (None: the gene-free ones) that fit this setting and tumor type.

        Only the facts fixed by (setting, tumor type) are checked here, once per combination:
        the setting, the tumor type (or tissue-agnostic, the only kind outside lung) and the
        excluded tumor types. Everything that depends on the case is checked by the engine.
        """
        pool = self.indications_by_gene.get(gene, ()) if gene else self.gene_free_indications
        lung = self.is_lung(tumor_code)
        return tuple(
            ind
            for ind in pool
            if ind.setting == setting
            and (ind.tissue_agnostic or (lung and self.is_within(tumor_code, ind.tumor_type)))
            and not any(self.is_within(tumor_code, c) for c in ind.exclude_tumor_types)
        )


@functools.lru_cache(maxsize=8)
def _index_for(spec: str) -> KBIndex:
    from onconav.kb.versions import open_kb

    loaded = open_kb(None if spec == _SHIPPED else spec)
    return KBIndex(loaded.kb, loaded.info)


_SHIPPED = "<shipped>"


def get_index(root: Path | str | None = None) -> KBIndex:
    """The shared index of a KB, built on first use.

    Args:
        root: a KB folder, a snapshot file (`onconav kb export`), a version name from
            `onconav kb versions`, or None for the shipped KB.

    Raises:
        KBError: `root` names no KB, or a snapshot that is not valid.
    """
    if root is None or Path(root).resolve() == default_kb_dir().resolve():
        return _index_for(_SHIPPED)
    path = Path(root)
    return _index_for(str(path.resolve()) if path.exists() else str(root))
