"""Read a clinical sample file: each sample's tumor type and, optionally, its setting.

Columns (any case, any order; cBioPortal's `#` comment lines are skipped): `SAMPLE_ID` (or
`Tumor_Sample_Barcode`), `ONCOTREE_CODE` (or `CANCER_TYPE`, as oncokb-annotator reads it), and
an optional `SETTING` (metastatic, adjuvant, consolidation, neoadjuvant; empty means
metastatic). Other columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from onconav.cohort.readers.table import diagnose, open_table

__all__ = ["SETTINGS", "Clinical", "read_clinical"]

SAMPLE_COLUMNS = ("SAMPLE_ID", "Tumor_Sample_Barcode")
TUMOR_COLUMNS = ("ONCOTREE_CODE", "CANCER_TYPE")
SETTING_COLUMNS = ("SETTING",)
# The settings of `Case.setting` (contracts/case.md).
SETTINGS = ("metastatic", "adjuvant", "consolidation", "neoadjuvant")


@dataclass(frozen=True)
class Clinical:
    """Samples of a clinical file.

    Attributes:
        label: The file as the user named it.
        samples: One row a sample: `sample`, `tumor` (text as written, may be null), `setting`.
    """

    label: str
    samples: pl.DataFrame


def read_clinical(path: Path, *, work_dir: Path, label: str | None = None) -> Clinical:
    """Read a clinical sample file.

    Raises:
        CohortInputError: unreadable file, no sample column, a sample listed twice, or an
            unknown setting; each names the line and column.
    """
    table = open_table(path, work_dir=work_dir, label=label, min_columns=1)
    if table.nul_lines:  # (a sample's tumor type cannot be trusted; there is no row to reject)
        raise table.error("NUL byte in a sample row", line=table.nul_lines[0])
    sample = table.require(*SAMPLE_COLUMNS, what="sample")
    tumor = table.find(*TUMOR_COLUMNS)
    setting = table.find(*SETTING_COLUMNS)
    try:
        df = table.scan().with_row_index("__row").collect()
    except pl.exceptions.PolarsError as exc:
        raise diagnose(table, exc) from exc
    df = df.select(
        "__row",
        pl.col(sample).alias("sample"),
        (pl.col(tumor).str.strip_chars() if tumor else pl.lit(None, pl.String)).alias("tumor"),
        (
            pl.col(setting).str.strip_chars().str.to_lowercase()
            if setting
            else pl.lit(None, pl.String)
        )
        .fill_null("metastatic")
        .alias("setting"),
    ).filter(pl.col("sample").is_not_null())
    bad = df.filter(~pl.col("setting").is_in(SETTINGS))
    if bad.height:
        raise table.error(
            f"setting {bad['setting'][0]!r} is not one of {', '.join(SETTINGS)}",
            line=table.line_at(int(bad["__row"][0])),
            column=table.header_of(setting or sample),
        )
    dup = df.filter(pl.col("sample").is_duplicated())
    if dup.height:
        raise table.error(
            f"sample {dup['sample'][0]!r} is listed more than once",
            line=table.line_at(int(dup["__row"][1])),
            column=table.header_of(sample),
        )
    return Clinical(label=table.label, samples=df.drop("__row"))
