"""What the engine accumulates while it matches one case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from onconav.kb.index import KBIndex
from onconav.kb.models import Source
from onconav.match.memo import Memo, memo_of
from onconav.match.models import AlterationResult
from onconav.match.rules import LEVEL_RANK, CaseFacts

__all__ = ["AvoidDraft", "Work"]


@dataclass
class AvoidDraft:
    """One drug's entry of the avoid list while it is being built."""

    reasons: list[str] = field(default_factory=list)
    kind: str = "prior_progression"
    level: str | None = None
    sources: list[Source] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    triggers: set[tuple[str, str]] = field(default_factory=set)

    def add(self, reason: str, kind: str, level: str | None, sources: Iterable[Source]) -> None:
        """Add a reason; the strongest kind and level and every source are kept."""
        self.kinds.add(kind)
        if reason not in self.reasons:
            self.reasons.append(reason)
        order = ("resistance", "contraindication", "prior_progression", "no_benefit")
        if order.index(kind) < order.index(self.kind) or not self.sources:
            self.kind = kind
        if level and (self.level is None or LEVEL_RANK[level] < LEVEL_RANK[self.level]):
            self.level = level
        for s in sources:
            if not _cited(self.sources, s):
                self.sources.append(s)


def _cited(sources: list[Source], s: Source) -> bool:
    """`s in sources`, looking at kind and id before pydantic's field-by-field equality.

    (Comparing two different sources field by field took about a microsecond and a half;
    an avoid entry compared each of its sources with the ones before.)
    """
    return any(x is s or (x.id == s.id and x.kind == s.kind and x == s) for x in sources)


@dataclass
class Work:
    """What the engine accumulates for one case."""

    index: KBIndex
    facts: CaseFacts
    alterations: list[AlterationResult]
    avoid: dict[str, AvoidDraft] = field(default_factory=dict)
    favoured: dict[str, list[str]] = field(default_factory=dict)
    restored: set[str] = field(default_factory=set)
    cautions: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    used_genes: set[str] = field(default_factory=set)
    # `memo.signature` per gene (None: the gene-free indications), made once per case.
    signatures: dict[str | None, tuple[object, ...]] = field(default_factory=dict)
    memo: Memo = field(init=False)

    def __post_init__(self) -> None:
        self.memo = memo_of(self.index)

    def warn(self, text: str) -> None:
        """Add a warning once."""
        if text not in self.warnings:
            self.warnings.append(text)
