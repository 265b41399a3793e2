"""Two KB snapshots that differ in known ways, shared by the KB, match, cohort and web tests.

OLD is the shipped KB relabelled 2099.1.0; NEW (2099.1.1) removes `alk-alectinib-first-line`,
moves `kras-g12c-adagrasib-later` from level 1 to level 2, and adds a resistance entry
(KRAS Y96S with sotorasib, a test-only entry). Nothing else differs.
"""

from __future__ import annotations

from pathlib import Path

from onconav.kb.index import get_index
from onconav.kb.loader import KnowledgeBase
from onconav.kb.models import Resistance, Source
from onconav.kb.snapshot import dumps_snapshot, snapshot_data

OLD_VERSION = "2099.1.0"
NEW_VERSION = "2099.1.1"
REMOVED = "alk-alectinib-first-line"
LEVEL_CHANGED = "kras-g12c-adagrasib-later"
ADDED_RESISTANCE = Resistance(
    gene="KRAS",
    alteration="Y96S",
    drug="sotorasib",
    effect="resistant",
    evidence="preclinical",
    level="R2",
    note="Test-only entry: not a fact of the shipped knowledge base.",
    sources=[Source(kind="publication", id="onconav test fixture", year=2026)],
)


def relabel(kb: KnowledgeBase, version: str) -> KnowledgeBase:
    return kb.model_copy(update={"meta": kb.meta.model_copy(update={"kb_version": version})})


def old_kb() -> KnowledgeBase:
    return relabel(get_index().kb, OLD_VERSION)


def new_kb() -> KnowledgeBase:
    kb = relabel(get_index().kb, NEW_VERSION)
    indications = [
        i.model_copy(update={"level": "2"}) if i.id == LEVEL_CHANGED else i
        for i in kb.indications
        if i.id != REMOVED
    ]
    return kb.model_copy(
        update={"indications": indications, "resistance": [*kb.resistance, ADDED_RESISTANCE]}
    )


def write_pair(folder: Path) -> tuple[Path, Path]:
    """Write OLD and NEW as snapshot files in `folder` (NEW compressed, as shipped ones are)."""
    import gzip

    old = folder / "kb-old.json"
    new = folder / "kb-new.json.gz"
    old.write_bytes(dumps_snapshot(snapshot_data(old_kb())))
    new.write_bytes(gzip.compress(dumps_snapshot(snapshot_data(new_kb()))))
    return old, new
