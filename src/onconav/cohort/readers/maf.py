"""Read a MAF (cBioPortal `data_mutations*.txt`, GDC/vcf2maf `.maf`, optionally gzip).

Columns are found by name, in any case and order (oncokb-annotator's names): `Hugo_Symbol`,
`Tumor_Sample_Barcode` (or `SAMPLE_ID`), `Variant_Classification`, and the protein change from
`HGVSp_Short`, else `HGVSp`, else `Amino_Acid_Change`, `Protein_Change` or `ALTERATION` (the
first non-empty one of each row). Every other column is kept as it is.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from onconav.cohort.columns import RejectCode
from onconav.cohort.layer import ROW, Key, Layer, first_text, present
from onconav.cohort.readers.table import Table, open_table
from onconav.normalize import Alteration, protein_change_alteration
from onconav.normalize.maf import variant_classes

__all__ = [
    "GENE_COLUMNS",
    "PROTEIN_COLUMNS",
    "SAMPLE_COLUMNS",
    "maf_layer",
    "mutation_layer",
    "normalize_mutation",
    "read_maf",
    "reject_mutation",
]

# Column names as oncokb-annotator accepts them (AnnotatorCore.py header lists), best first.
GENE_COLUMNS = ("Hugo_Symbol", "HUGO_GENE_SYMBOL", "GENE")
SAMPLE_COLUMNS = ("Tumor_Sample_Barcode", "SAMPLE_ID")
CLASS_COLUMNS = ("Variant_Classification", "MUTATION_TYPE")
HGVSC_COLUMNS = ("HGVSc",)
# Classes whose row may need HGVSc to be read (vcf2maf / GDC MAF classes).
SPLICE_CLASSES = ("Splice_Site", "Splice_Region", "Intron")
PROTEIN_COLUMNS = ("HGVSp_Short", "HGVSp", "Amino_Acid_Change", "Protein_Change", "ALTERATION")
ONCOTREE_COLUMNS = ("ONCOTREE_CODE",)
# Rows read to tell a `Gene` column of Ensembl ids from one of symbols.
_SNIFF_ROWS = 1000


def reject_protein(alt: Alteration, protein: str | None, vclass: str | None) -> RejectCode | None:
    """Why an unreadable protein change of a knowledge-base gene is rejected, or None.

    Rejected when the class says the protein changes (or no class is given) and the protein
    change cannot be read, or the class says so and none is given; a silent, intronic or UTR
    row is annotated (with no level), not rejected. A change that contradicts the gene's
    reference sequence is `reference-mismatch`.
    """
    if alt.mismatch:
        return "reference-mismatch"
    classes = variant_classes()
    vc = (vclass or "").strip()
    if vc in classes.not_protein_altering or vc in classes.conditional:
        return None
    if not protein:
        return "missing-protein-change" if vc in classes.protein_altering else None
    return "unparsable-protein-change"


def reject_mutation(alt: Alteration, key: Key) -> RejectCode | None:
    """`reject_protein` over a mutation key (gene, class, HGVSc, protein columns...)."""
    return reject_protein(alt, first_text(key[3:]), key[1])


def normalize_mutation(key: Key) -> Alteration:
    """Read a mutation key (gene, class, HGVSc, protein columns...) with the normalizer."""
    return protein_change_alteration(
        key[0] or "", first_text(key[3:]), key[1], hgvsc=first_text(key[2:3])
    )


def _col(name: str | None) -> pl.Expr:
    return pl.col(name) if name else pl.lit(None, dtype=pl.String)


def _hgvsc_key(hgvsc: str | None, vclass: str | None, proteins: list[str]) -> pl.Expr:
    """HGVSc, in the key only where it can matter, else null.

    It matters on splice rows and rows with no protein change (the normalizer reads MET exon 14
    skipping from it); elsewhere it would only make every key distinct.
    """
    if hgvsc is None:
        return _col(None)
    no_protein = pl.all_horizontal(pl.col(p).is_null() for p in proteins)
    splice = pl.col(vclass).is_in(SPLICE_CLASSES) if vclass else pl.lit(True)
    return pl.when(no_protein | splice).then(pl.col(hgvsc))


def mutation_layer(
    table: Table,
    frame: pl.LazyFrame,
    *,
    kind: str = "mutations",
    columns: tuple[str, ...] | None = None,
    headers: tuple[str, ...] | None = None,
    line: pl.Expr | None = None,
    verbatim: bool = False,
) -> Layer:
    """A Layer over MAF-named columns of `frame` (also used by the VCF reader)."""
    gene = pl.col(table.require(*GENE_COLUMNS, what="gene symbol"))
    sample = pl.col(table.require(*SAMPLE_COLUMNS, what="sample"))
    proteins = [c for c in dict.fromkeys(table.find(n) for n in PROTEIN_COLUMNS) if c]
    if not proteins:
        table.require(*PROTEIN_COLUMNS[:2], what="protein change")
    vclass = table.find(*CLASS_COLUMNS)
    hgvsc = table.find(*HGVSC_COLUMNS)
    oncotree = table.find(*ONCOTREE_COLUMNS)
    return Layer(
        kind=kind,
        label=table.label,
        frame=frame,
        columns=columns or tuple(table.names),
        headers=headers or table.header,
        sample=sample,
        keys=(gene, _col(vclass), _hgvsc_key(hgvsc, vclass, proteins), *map(pl.col, proteins)),
        gene=gene,
        detail=pl.coalesce([pl.col(p) for p in proteins]),
        has_gene=present(gene),
        kb_hint=lambda spellings: gene.is_in(sorted(spellings)),
        normalize=normalize_mutation,
        reject=reject_mutation,
        line=line if line is not None else table.line_of(pl.col(ROW)),
        oncotree=pl.col(oncotree) if oncotree else None,
        row_reject=table.nul_reject(pl.col(ROW)),
        table=table,
        verbatim=verbatim,
    )


def read_maf(path: Path, *, work_dir: Path, label: str | None = None) -> Layer:
    """Open a MAF file (plain or gzip) as a Layer.

    Raises:
        CohortInputError: unreadable file or a missing required column (gene, sample, protein
            change), naming the file and the header line.
    """
    table = open_table(path, work_dir=work_dir, label=label)
    # (whether a copied column's copies agree is checked in pass 1: `scan.scan_keys`)
    return maf_layer(replace(table, defer_copies=True))


def maf_layer(table: Table) -> Layer:
    """The Layer of an opened MAF (`read_maf`; the Spark engine opens the header alone)."""
    _check_gene_column(table)
    return mutation_layer(table, table.scan(), verbatim=True)


def _check_gene_column(table: Table) -> None:
    """Refuse a MAF whose only gene column is `Gene` holding Ensembl ids (GDC, vcf2maf).

    Such a MAF has lost its `Hugo_Symbol`; read as symbols, every row would name no gene
    the knowledge base knows, and the cohort would look silently unactionable.
    """
    if table.find(*GENE_COLUMNS[:-1]) is not None:
        return
    gene = table.find(GENE_COLUMNS[-1])
    if gene is None:
        return
    values = table.scan().select(pl.col(gene)).drop_nulls().head(_SNIFF_ROWS).collect()
    column = values.get_column(gene)
    if column.len() and column.str.contains(r"^ENS[A-Z]*G\d+").all():
        raise table.error(
            f"missing required column {GENE_COLUMNS[0]} (gene symbol): column "
            f"{table.header_of(gene)!r} holds Ensembl gene ids, not symbols",
            line=table.header_line,
            column=GENE_COLUMNS[0],
        )
