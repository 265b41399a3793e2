"""Read copy-number calls: GISTIC discrete matrices (genes by samples) and long files.

- GISTIC matrix (cBioPortal `data_CNA.txt`, oncokb-annotator `example_cna.txt`): a gene column
  (`Hugo_Symbol` or `Gene Symbol`), optional `Entrez_Gene_Id` / `Locus ID` / `Cytoband`, then
  one column a sample holding -2, -1.5, -1, 0, 1, 2 (or NA). Each non-zero call is one row of
  `annotated_cna`, in matrix order (gene by gene, samples left to right), with the sample, the
  gene columns, the value as written and oncokb-annotator's call word.
- Long (oncokb-annotator `example_individual_cna.txt`): `Tumor_Sample_Barcode`, `Hugo_Symbol`,
  `Copy_Number_Alteration` holding a GISTIC value or a word (Amplification, Deletion, Gain,
  Loss); rows kept as they are.

Calls follow oncokb-annotator's GISTIC map: 2 Amplification, -2 and -1.5 Deletion, 1 Gain,
-1 Loss. Only amplifications and deep deletions are alterations the knowledge base can match; a
low-level gain or loss is annotated with no level.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from onconav.cohort.columns import RejectCode
from onconav.cohort.layer import Key, Layer, present, table_layer
from onconav.cohort.readers.table import Table, diagnose, open_table
from onconav.normalize import Alteration, normalize_alteration

__all__ = ["call_word", "long_cna_layer", "read_cna"]

GENE_COLUMNS = ("Hugo_Symbol", "Gene Symbol", "HUGO_GENE_SYMBOL", "GENE")
ID_COLUMNS = ("Entrez_Gene_Id", "Locus ID", "Cytoband")
SAMPLE_COLUMNS = ("Tumor_Sample_Barcode", "SAMPLE_ID")
VALUE_COLUMNS = ("Copy_Number_Alteration", "CNA", "GISTIC", "ALTERATION")
# Cells that mean "no call" in cBioPortal matrices.
_NO_CALL = ("NA", "NaN", "nan", "")

# oncokb-annotator's GISTIC_CNA_MAP (AnnotatorCore.py): value -> call word.
_WORDS = {"amplification": "Amplification", "deletion": "Deletion", "gain": "Gain", "loss": "Loss"}


def call_word(value: str | None) -> str | None:
    """The call word of a GISTIC value or word ('2' -> 'Amplification'), or None when unknown."""
    text = (value or "").strip()
    word = _WORDS.get(text.lower())
    if word is not None:
        return word
    try:
        number = float(text)
    except ValueError:
        return None
    if number >= 2:
        return "Amplification"
    if number <= -1.5:
        return "Deletion"
    if number > 0:
        return "Gain"
    return "Loss" if number < 0 else None


def _normalize(key: Key) -> Alteration:
    gene, value = (key[0] or "").strip(), key[1]
    word = call_word(value)
    if word in ("Amplification", "Deletion"):
        return normalize_alteration(gene, word.lower())
    reason = (
        f"low-level {word.lower()} (not an amplification or deep deletion)"
        if word
        else (f"cannot read copy-number call '{value}'")
    )
    return Alteration(input=f"{gene} {value}", gene=gene or None, alteration=None,
                      kind="unknown", recognized=False, reason=reason)  # fmt: skip


def _reject(alt: Alteration, key: Key) -> RejectCode | None:
    return "unparsable-copy-number" if call_word(key[1]) is None else None


def _long_layer(table: Table, sample: str, gene: str, value: str) -> Layer:
    return table_layer(
        table,
        kind="cna",
        sample=pl.col(sample),
        keys=(pl.col(gene), pl.col(value)),
        gene=pl.col(gene),
        detail=pl.col(value),
        has_gene=present(pl.col(gene)),
        kb_hint=lambda s: pl.col(gene).is_in(sorted(s)),
        normalize=_normalize,
        reject=_reject,
    )


def _melt(table: Table, gene: str) -> tuple[pl.DataFrame, list[str], list[str]]:
    ids = [gene, *(c for c in dict.fromkeys(table.find(n) for n in ID_COLUMNS) if c)]
    samples = [c for c in table.names if c not in ids]
    if not samples:
        raise table.error("no sample columns after the gene columns", line=table.header_line)
    _check_unique_samples(table, samples)
    order = {c: i for i, c in enumerate(samples)}
    try:
        wide = table.scan().with_row_index("__row").collect()
    except pl.exceptions.PolarsError as exc:
        raise diagnose(table, exc) from exc
    long = wide.unpivot(
        index=["__row", *ids], on=samples, variable_name="__col", value_name="__value"
    )
    long = long.filter(pl.col("__value").is_not_null() & ~pl.col("__value").is_in(_NO_CALL))
    number = pl.col("__value").str.strip_chars().cast(pl.Float64, strict=False)
    nul = pl.col("__row").is_in(list(table.nul_rows))  # (rejected later, not an error)
    bad = long.filter(number.is_null() & ~nul).sort("__row", pl.col("__col").replace_strict(order))
    if bad.height:
        row = bad.row(0, named=True)
        raise table.error(
            f"copy-number value {row['__value']!r} is not a GISTIC call (-2, -1, 0, 1, 2 or NA)",
            line=table.line_at(int(row["__row"])),
            column=table.header_of(row["__col"]),
        )
    calls = long.filter((number != 0) | (nul & number.is_null())).with_columns(
        pl.col("__col").replace_strict(order, return_dtype=pl.UInt32).alias("__colidx"),
        pl.col("__col").replace_strict({c: table.header_of(c) for c in samples}).alias("__sample"),
    )
    return calls.sort("__row", "__colidx"), ids, samples


def _matrix_layer(table: Table, gene: str) -> Layer:
    calls, ids, _samples = _melt(table, gene)
    words = {v: call_word(v) for v in calls["__value"].unique().to_list()}
    frame = calls.with_columns(
        pl.col("__value").replace_strict(words, return_dtype=pl.String).alias("__word")
    )
    headers = ("Tumor_Sample_Barcode", *(table.header_of(c) for c in ids),
               "Copy_Number_Alteration", "ALTERATION")  # fmt: skip
    return Layer(
        kind="cna",
        label=table.label,
        frame=frame.lazy(),
        columns=("__sample", *ids, "__value", "__word"),
        headers=headers,
        sample=pl.col("__sample"),
        keys=(pl.col(gene), pl.col("__value")),
        gene=pl.col(gene),
        detail=pl.col("__value"),
        has_gene=present(pl.col(gene)),
        kb_hint=lambda s: pl.col(gene).is_in(sorted(s)),
        normalize=_normalize,
        reject=_reject,
        line=table.line_of(pl.col("__row")),
        column=pl.col("__sample"),
        row_reject=table.nul_reject(pl.col("__row")),
        table=None,
    )


def _check_unique_samples(table: Table, samples: list[str]) -> None:
    """Refuse a matrix that names a sample twice: which column holds its calls is a guess."""
    seen: dict[str, int] = {}
    for c in samples:
        i = int(c[1:])
        name = table.header[i].strip()
        if name in seen:
            raise table.duplicate([seen[name], i])
        seen[name] = i


def read_cna(path: Path, *, work_dir: Path, label: str | None = None) -> Layer:
    """Open a copy-number file, GISTIC matrix or long format, as a Layer.

    Raises:
        CohortInputError: unreadable file, no gene column, or a matrix value that is not a
            GISTIC call (naming its line and sample column).
    """
    table = open_table(path, work_dir=work_dir, label=label)
    return long_cna_layer(table) or _matrix_layer(table, table.require(*GENE_COLUMNS))


def long_cna_layer(table: Table) -> Layer | None:
    """The Layer of an opened long-format copy-number file, or None for a GISTIC matrix.

    Raises:
        CohortInputError: no gene column.
    """
    sample = table.find(*SAMPLE_COLUMNS)
    value = table.find(*VALUE_COLUMNS)
    gene = table.require(*GENE_COLUMNS, what="gene symbol")
    return _long_layer(table, sample, gene, value) if sample and value else None
