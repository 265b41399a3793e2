"""Read fusions and structural variants: oncokb-annotator's fusion file and cBioPortal's SV file.

Two layouts, found by their columns (any case, any order):
- fusion files (oncokb-annotator `example_fusions.txt`): `Tumor_Sample_Barcode` and `Fusion`
  ('ALK-EML4', 'EML4::ALK', 'ETV6-RUNX1 fusion', 'EGFR-intragenic');
- SV files (cBioPortal `data_sv.txt`, oncokb-annotator `example_sv.txt`): `Sample_Id` (or
  `Tumor_Sample_Barcode`), `Site1_Hugo_Symbol` / `Site2_Hugo_Symbol` (or `GeneA` / `GeneB`) and
  an optional class (`Class`, `Sv_Type`).

The gene whose fusion is the targetable event (ALK, ROS1, RET, NTRK1-3, NRG1, ...) becomes the
alteration's gene and the other its partner, whatever the order written. An SV with one gene, or
the same gene twice, is an intragenic rearrangement: annotated, never a fusion.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from onconav.cohort.columns import RejectCode
from onconav.cohort.layer import KBHint, Key, Layer, first_text, present, table_layer
from onconav.cohort.readers.table import Table, open_table
from onconav.normalize import Alteration, normalize_alteration, normalize_gene
from onconav.normalize.aliases import is_fusion_driver

__all__ = [
    "fusion_alteration",
    "fusions_layer",
    "read_fusions",
    "read_sv",
    "split_fusion",
    "sv_layer",
]

SAMPLE_COLUMNS = ("Tumor_Sample_Barcode", "SAMPLE_ID", "Sample_Id")
FUSION_COLUMNS = ("Fusion",)
# oncokb-annotator's SV header names (AnnotatorCore.py), best first.
SITE1_COLUMNS = ("Site1_Hugo_Symbol", "SITE1_GENE", "GeneA", "GENE1")
SITE2_COLUMNS = ("Site2_Hugo_Symbol", "SITE2_GENE", "GeneB", "GENE2")
CLASS_COLUMNS = ("SV_CLASS_NAME", "Sv_Type", "Class")

_FUSION_WORD = re.compile(r"(?i)\s+(fusion|rearrangement|translocation)s?$")
_INTRAGENIC = "intragenic"


def _unrecognized(text: str, gene: str | None, reason: str) -> Alteration:
    return Alteration(input=text, gene=gene, alteration=None, kind="unknown", recognized=False,
                      reason=reason)  # fmt: skip


def split_fusion(text: str) -> tuple[str, str] | None:
    """The two gene tokens of a fusion text ('ALK-EML4 fusion' -> ('ALK', 'EML4')), or None."""
    core = _FUSION_WORD.sub("", text.strip())
    if "::" in core:
        a, _, b = core.partition("::")
        return (a.strip(), b.strip()) if a.strip() and b.strip() else None
    parts = core.split("-")
    for cut in range(1, len(parts)):
        a, b = "-".join(parts[:cut]).strip(), "-".join(parts[cut:]).strip()
        if b.lower() == _INTRAGENIC or (normalize_gene(a) and normalize_gene(b)):
            return a, b
    return None


def fusion_alteration(first: str | None, second: str | None, text: str) -> Alteration:
    """The alteration of a two-gene event: a fusion of the driver gene, or an intragenic event.

    Never raises; an unreadable pair gives an unrecognized Alteration.
    """
    a = normalize_gene(first) if first else None
    b = normalize_gene(second) if second and second.lower() != _INTRAGENIC else None
    if a is None and b is None:
        return _unrecognized(text, None, "no gene symbol in the fusion")
    if a is None or b is None or a == b:
        return _unrecognized(text, a or b, "intragenic rearrangement (not a fusion)")
    gene, partner = (b, a) if is_fusion_driver(b) and not is_fusion_driver(a) else (a, b)
    alt = normalize_alteration(gene, "fusion", partner=partner)
    return alt if alt.recognized else _unrecognized(text, gene, alt.reason or "not a fusion")


def _normalize_fusion_text(key: Key) -> Alteration:
    text = (key[0] or "").strip()
    pair = split_fusion(text)
    if pair is None:
        return _unrecognized(text, None, f"cannot read fusion '{text}'")
    return fusion_alteration(pair[0], pair[1], text)


def _normalize_sv(key: Key) -> Alteration:
    first, second = (key[0] or "").strip(), (key[1] or "").strip()
    return fusion_alteration(first or None, second or None, f"{first}-{second or _INTRAGENIC}")


def _reject(alt: Alteration, key: Key) -> RejectCode | None:
    if alt.reason and "intragenic" in alt.reason:
        return None
    return "unparsable-fusion" if first_text(key) else "missing-gene"


def _fusion_hint(text: pl.Expr) -> KBHint:
    def hint(spellings: frozenset[str]) -> pl.Expr:
        tokens = text.str.replace(r"(?i)\s+fusion$", "").str.split("::").list.join("-")
        names = tokens.str.split("-")
        return names.list.eval(pl.element().str.strip_chars().is_in(sorted(spellings))).list.any()

    return hint


def read_fusions(path: Path, *, work_dir: Path, label: str | None = None) -> Layer:
    """Open an oncokb-annotator fusion file (sample, `Fusion`) as a Layer.

    A file laid out as an SV file (site 1 and site 2 genes, no `Fusion`) is read as one.

    Raises:
        CohortInputError: unreadable file or a missing sample or `Fusion` column.
    """
    return fusions_layer(open_table(path, work_dir=work_dir, label=label))


def fusions_layer(table: Table) -> Layer:
    """The Layer of an opened fusion file (`read_fusions`), read as an SV file if laid out so."""
    if table.find(*FUSION_COLUMNS) is None and table.find(*SITE1_COLUMNS) is not None:
        return _sv_layer(table, "fusions")
    return _fusion_layer(table, "fusions")


def _fusion_layer(table: Table, kind: str) -> Layer:
    sample = pl.col(table.require(*SAMPLE_COLUMNS, what="sample"))
    fusion = pl.col(table.require(*FUSION_COLUMNS, what="fusion, e.g. EML4-ALK"))
    hint = _fusion_hint(fusion)
    return table_layer(
        table,
        kind=kind,
        sample=sample,
        keys=(fusion,),
        gene=fusion,
        detail=fusion,
        has_gene=present(fusion),
        kb_hint=hint,
        normalize=_normalize_fusion_text,
        reject=_reject,
    )


def read_sv(path: Path, *, work_dir: Path, label: str | None = None) -> Layer:
    """Open a structural-variant file (cBioPortal `data_sv.txt` or oncokb-annotator's) as a Layer.

    A file laid out as a fusion file (`Fusion`, no site genes) is read as one.

    Raises:
        CohortInputError: unreadable file or a missing sample or site-1 gene column.
    """
    return sv_layer(open_table(path, work_dir=work_dir, label=label))


def sv_layer(table: Table) -> Layer:
    """The Layer of an opened SV file (`read_sv`), read as a fusion file if laid out so."""
    if table.find(*SITE1_COLUMNS) is None and table.find(*FUSION_COLUMNS) is not None:
        return _fusion_layer(table, "sv")
    return _sv_layer(table, "sv")


def _sv_layer(table: Table, kind: str) -> Layer:
    sample = pl.col(table.require(*SAMPLE_COLUMNS, what="sample"))
    site1 = pl.col(table.require(*SITE1_COLUMNS, what="first gene"))
    site2_name = table.find(*SITE2_COLUMNS)
    site2 = pl.col(site2_name) if site2_name else pl.lit(None, dtype=pl.String)
    return table_layer(
        table,
        kind=kind,
        sample=sample,
        keys=(site1, site2),
        gene=pl.coalesce(site1, site2),
        detail=pl.concat_str([site1, site2.fill_null(_INTRAGENIC)], separator="-"),
        has_gene=present(site1) | present(site2),
        kb_hint=lambda s: site1.is_in(sorted(s)) | site2.is_in(sorted(s)),
        normalize=_normalize_sv,
        reject=_reject,
    )
