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
# Kinds whose id alone names one document; a label or a trial name recurs across years.
_ID_IS_DOCUMENT = frozenset({"pmid", "doi", "guideline"})


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


def _key(s: Source) -> tuple[str, str, int | None]:
    """What makes two citations the same document (the KB cites some with fewer details)."""
    return (s.kind, s.id.casefold(), None if s.kind in _ID_IS_DOCUMENT else s.year)


class References:
    """A numbered list of sources, filled as the report cites them (first citation, first number).

    The same document cited twice, once with a title and once without, keeps one number and
    is listed with the more detailed text.

    Example:
        >>> refs = References()
        >>> a, b = Source(kind="pmid", id="1"), Source(kind="pmid", id="2")
        >>> refs.cite([b, a]), refs.cite([Source(kind="pmid", id="2", title="T")])
        ([1, 2], [1])
        >>> refs.entries()
        [(1, 'PMID 2, T'), (2, 'PMID 1')]
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str, int | None], int] = {}
        self._texts: list[str] = []

    def cite(self, sources: Iterable[Source]) -> list[int]:
        """The numbers of `sources`, in ascending order, numbering sources not cited before."""
        out: set[int] = set()
        for source in sources:
            text, key = source_text(source), _key(source)
            number = self._numbers.get(key)
            if number is None:
                self._texts.append(text)
                number = self._numbers[key] = len(self._texts)
            elif len(text) > len(self._texts[number - 1]):
                self._texts[number - 1] = text
            out.add(number)
        return sorted(out)

    def entries(self) -> list[tuple[int, str]]:
        """Every cited source as (number, text), in number order."""
        return list(enumerate(self._texts, start=1))
