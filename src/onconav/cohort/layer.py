"""One input file, as the annotator sees it: rows, and the keys that name each row's alteration.

Every reader (MAF, VCF, fusions, SV, CNA) returns a `Layer`: its rows as a LazyFrame of strings
in input order, Polars expressions for the sample and for the key cells that together name the
row's alteration (for a MAF: gene, protein change columns, variant class, as written), and the
two Python functions that read one distinct key (`normalize`) and say whether an unreadable one
is a rejection (`reject`). The annotator calls those once per distinct key, never once per row,
and joins the result back on the raw key cells, so no row's text is ever rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from onconav.cohort.columns import RejectCode
from onconav.cohort.readers.table import Table
from onconav.normalize import Alteration

__all__ = [
    "ROW",
    "KBHint",
    "Key",
    "Layer",
    "NormalizeFn",
    "RejectFn",
    "first_text",
    "present",
    "table_layer",
]

# The row number both passes give each row (`with_row_index`), 0-based, in input order.
ROW = "__i"

Key = tuple[str | None, ...]
# The raw key cells of one distinct key -> the alteration they name.
NormalizeFn = Callable[[Key], Alteration]
# An unrecognized alteration and its key cells -> why the row is rejected, or None.
RejectFn = Callable[[Alteration, Key], RejectCode | None]
# The spellings of knowledge-base genes -> which rows may name one (a cheap pre-filter).
KBHint = Callable[[frozenset[str]], pl.Expr]


def present(expr: pl.Expr) -> pl.Expr:
    """True where a text cell is not empty (Polars reads an empty cell as null)."""
    return expr.is_not_null()


def first_text(values: Key) -> str | None:
    """The first key cell holding more than blanks, stripped."""
    for v in values:
        if v is not None and v.strip():
            return v.strip()
    return None


@dataclass(frozen=True)
class Layer:
    """One input file ready to annotate.

    Attributes:
        kind: `mutations`, `vcf`, `fusions`, `sv` or `cna`; names the output file.
        label: The file as the user named it.
        frame: The rows: the input's columns (strings) in input order, plus helper columns
            whose names start with `__`.
        columns: Names in `frame` of the columns to write, in order.
        headers: The output header of each of `columns` (the input's own text).
        sample: The sample identifier of each row.
        keys: The raw cells that name a row's alteration (MAF: gene, protein change columns,
            variant class); rows are joined back to their reading on exactly these.
        gene: The gene text of a row, as shown in rejected.tsv.
        detail: The alteration text of a row (protein change, fusion, call), as shown there.
        has_gene: True where the row names a gene at all.
        kb_hint: Rows that may name a knowledge-base gene, given its spellings.
        normalize: Reads one distinct key.
        reject: Says whether an unrecognized key is a rejection.
        line: The 1-based input line of each row (may use `ROW`, the row number).
        column: The input column of a cell-per-call file (CNA matrix), else None.
        row_reject: A reject code decided by the row alone, before any other (VCF:
            `no-carrier`), else None.
        oncotree: A per-row tumor type column (`ONCOTREE_CODE`), if the file has one.
        table: The opened text file, when the layer is scanned from one (for diagnostics).
        verbatim: `frame` is `table.scan()` itself (one row a line, `columns` its columns in
            order), so a TSV output may copy each line's text instead of re-joining its cells.
    """

    kind: str
    label: str
    frame: pl.LazyFrame
    columns: tuple[str, ...]
    headers: tuple[str, ...]
    sample: pl.Expr
    keys: tuple[pl.Expr, ...]
    gene: pl.Expr
    detail: pl.Expr
    has_gene: pl.Expr
    kb_hint: KBHint
    normalize: NormalizeFn
    reject: RejectFn
    line: pl.Expr
    column: pl.Expr | None = None
    row_reject: pl.Expr | None = None
    oncotree: pl.Expr | None = None
    table: Table | None = None
    verbatim: bool = False

    def copies_differ(self) -> list[pl.Expr]:
        """Pass 1's counts of rows whose copies of a copied column differ (none without a table).

        See `Table.deferred_copies`.
        """
        return self.table.deferred_copies() if self.table is not None else []

    @property
    def output_stem(self) -> str:
        """The output file name without extension: `annotated_mutations`, ..."""
        return f"annotated_{self.kind}"


def table_layer(
    table: Table,
    *,
    kind: str,
    sample: pl.Expr,
    keys: tuple[pl.Expr, ...],
    gene: pl.Expr,
    detail: pl.Expr,
    has_gene: pl.Expr,
    kb_hint: KBHint,
    normalize: NormalizeFn,
    reject: RejectFn,
) -> Layer:
    """A Layer whose rows are the lines of `table` as written (fusion, SV, long CNA files).

    Fills what every such layer shares: the scan, its columns and headers, the input line of
    each row, the optional `ONCOTREE_CODE` column and the verbatim flag.
    """
    oncotree = table.find("ONCOTREE_CODE")
    return Layer(
        kind=kind,
        label=table.label,
        frame=table.scan(),
        columns=tuple(table.names),
        headers=table.header,
        sample=sample,
        keys=keys,
        gene=gene,
        detail=detail,
        has_gene=has_gene,
        kb_hint=kb_hint,
        normalize=normalize,
        reject=reject,
        line=table.line_of(pl.col(ROW)),
        oncotree=pl.col(oncotree) if oncotree else None,
        row_reject=table.nul_reject(pl.col(ROW)),
        table=table,
        verbatim=True,
    )
