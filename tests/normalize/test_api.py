"""The declared public surface of onconav.normalize, its purity, and its docstring examples."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

import onconav.normalize as normalize

MODULES = [
    "__init__", "aliases", "build", "exons", "grammar", "maf", "models", "parser", "phrases",
    "reference", "residues", "transcripts", "translate",
]  # fmt: skip


def test_public_names():
    assert sorted(normalize.__all__) == sorted(
        [
            "KINDS",
            "KNOWN_GENES",
            "Alteration",
            "Kind",
            "normalize_alteration",
            "normalize_gene",
            "parse_alteration",
            "protein_change_alteration",
            "protein_length",
            "residue_at",
            "coding_exons",
        ]
    )
    for name in normalize.__all__:
        assert getattr(normalize, name) is not None


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(
        "onconav.normalize" if name == "__init__" else f"onconav.normalize.{name}"
    )
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_import_reads_nothing_and_pulls_no_edges():
    code = (
        "import sys, onconav.normalize as n\n"
        "from onconav.normalize import aliases, exons, grammar\n"
        "assert aliases.gene_table.cache_info().currsize == 0\n"
        "assert exons.exon_table.cache_info().currsize == 0\n"
        "assert grammar.parser.cache_info().currsize == 0\n"
        "n.parse_alteration('EGFR L858R')\n"
        "bad = [m for m in ('onconav.kb', 'typer', 'rich', 'fastapi') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
