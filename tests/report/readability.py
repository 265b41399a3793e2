"""How the patient report's reading grade is measured (Flesch-Kincaid, with textstat).

What is measured: the text of every block of the patient HTML (headings, paragraphs, list
items, glossary terms and meanings), each block ended with a full stop when it has no end
punctuation of its own, so that a heading or a list item counts as a sentence and is not glued
to the next one. Left out: the <title> and <style> elements, and the line with the case id and
KB date (a label, not prose). Drug, brand and gene names are kept in.

Syllables: textstat 0.7.3 (pinned in pyproject.toml) counts them with pyphen's hyphenation
dictionary, offline; later textstat releases download the CMU dictionary through nltk at run time.
"""

from __future__ import annotations

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


def grade(html: str) -> float:
    """Flesch-Kincaid grade of the patient report's prose."""
    import textstat

    return float(textstat.flesch_kincaid_grade(patient_prose(html)))
