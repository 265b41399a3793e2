"""Citations for reports: one line per source, numbered in the order a reader meets them.

A clinician report cites every option, avoid entry, resistance finding and drug with numbers
like `[1, 3]` that point into one references list; the same source always gets the same number.
"""

from __future__ import annotations

from collections.abc import Iterable

from onconav.kb.models import Source

__all__ = ["References", "source_text"]

# Display names of `Source.kind`; the other kinds are title-cased.
_KIND_LABELS = {"fda_label": "FDA label", "pmid": "PMID", "doi": "DOI", "trial": "Trial"}


def source_text(s: Source) -> str:
    """One citation in one line: kind, id, title, journal, year.

    Example:
        >>> source_text(Source(kind="pmid", id="25470694", journal="N Engl J Med", year=2014))
        'PMID 25470694, N Engl J Med, 2014'
    """
    label = _KIND_LABELS.get(s.kind, s.kind.replace("_", " ").title())
    bits = [f"{label} {s.id}"]
    bits += [b for b in (s.title, s.journal) if b]
    if s.year:
        bits.append(str(s.year))
    return ", ".join(bits)


class References:
    """A numbered list of sources, filled as the report cites them (first citation, first number).

    Example:
        >>> refs = References()
        >>> a, b = Source(kind="pmid", id="1"), Source(kind="pmid", id="2")
        >>> refs.cite([a, b]), refs.cite([b])
        ([1, 2], [2])
        >>> refs.entries()
        [(1, 'PMID 1'), (2, 'PMID 2')]
    """

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._texts: list[str] = []

    def cite(self, sources: Iterable[Source]) -> list[int]:
        """The numbers of `sources`, giving new ones to sources not cited before."""
        out: list[int] = []
        for source in sources:
            text = source_text(source)
            number = self._numbers.get(text)
            if number is None:
                self._texts.append(text)
                number = self._numbers[text] = len(self._texts)
            if number not in out:
                out.append(number)
        return out

    def entries(self) -> list[tuple[int, str]]:
        """Every cited source as (number, text), in number order."""
        return list(enumerate(self._texts, start=1))
