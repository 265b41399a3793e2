"""Column names and cell conventions of cohort files, in one place.

oncokb-annotator's names (`HIGHEST_LEVEL`, `LEVEL_1`, ...) appear only here and in the cohort
readers and writers, so that tools that read oncokb-annotator output read onconav's too.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ANNOTATION_COLUMNS",
    "HIGHEST_LEVEL_ORDER",
    "LEVEL_COLUMNS",
    "REJECT_REASONS",
    "REJECTED_COLUMNS",
    "RESISTANCE_LEVELS",
    "SAMPLE_COLUMNS",
    "SENSITIVE_LEVELS",
    "RejectCode",
    "level_column",
]

# OncoKB therapeutic levels (oncokb.org/levels); sensitivity, then resistance.
SENSITIVE_LEVELS = ("1", "2", "3A", "3B", "4")
RESISTANCE_LEVELS = ("R1", "R2")
# oncokb-annotator ranks R1 above level 1 and R2 below level 4 when it fills HIGHEST_LEVEL
# (AnnotatorCore.py, `levels`); HIGHEST_SENSITIVE_LEVEL and HIGHEST_RESISTANCE_LEVEL split them.
HIGHEST_LEVEL_ORDER = ("R1", "1", "2", "3A", "3B", "4", "R2")


def level_column(level: str) -> str:
    """The oncokb-annotator column (and cell value) of a level: '3A' -> 'LEVEL_3A'."""
    return f"LEVEL_{level}"


LEVEL_COLUMNS = tuple(level_column(x) for x in (*SENSITIVE_LEVELS, *RESISTANCE_LEVELS))

# Columns added to every annotated table, in this order, after the input's own columns.
ANNOTATION_COLUMNS = (
    "ANNOTATED",
    *LEVEL_COLUMNS,
    "HIGHEST_LEVEL",
    "HIGHEST_SENSITIVE_LEVEL",
    "HIGHEST_RESISTANCE_LEVEL",
    "TX_CITATIONS",
    "ONCONAV_ALTERATION",
    "ONCONAV_CATEGORY",
)

# Columns of samples.tsv, one row a sample.
SAMPLE_COLUMNS = (
    "SAMPLE_ID",
    "TUMOR_TYPE",
    "SETTING",
    "HIGHEST_LEVEL",
    "HIGHEST_SENSITIVE_LEVEL",
    "HIGHEST_RESISTANCE_LEVEL",
    "ACTIONABLE_ALTERATIONS",
    "LEVEL_1_OPTIONS",
    "LEVEL_2_OPTIONS",
    "NOTE",
)

# Columns of rejected.tsv, one row a rejected input row.
REJECTED_COLUMNS = ("FILE", "LINE", "COLUMN", "CODE", "REASON", "SAMPLE", "GENE", "ALTERATION")

RejectCode = Literal[
    "missing-gene",
    "missing-sample",
    "unknown-sample",
    "missing-tumor-type",
    "unknown-tumor-type",
    "missing-protein-change",
    "unparsable-protein-change",
    "reference-mismatch",
    "unparsable-fusion",
    "unparsable-copy-number",
    "no-carrier",
    "nul-byte",
]

# Why a row is rejected, for people; rejected.tsv carries the specific reason of each row.
REJECT_REASONS: dict[RejectCode, str] = {
    "missing-gene": "no gene symbol",
    "missing-sample": "no sample identifier",
    "unknown-sample": "sample not in the clinical file",
    "missing-tumor-type": "no tumor type (clinical file, ONCOTREE_CODE or --tumor-type)",
    "unknown-tumor-type": "tumor type is not an OncoTree code onconav knows",
    "missing-protein-change": "protein-altering variant class but no protein change",
    "unparsable-protein-change": "protein change in a knowledge-base gene cannot be read",
    "reference-mismatch": "change does not fit the gene's reference sequence (residue or position)",
    "unparsable-fusion": "fusion of a knowledge-base gene cannot be read",
    "unparsable-copy-number": "copy-number call of a knowledge-base gene cannot be read",
    "no-carrier": "no selected sample carries the variant (genotype)",
    "nul-byte": "the row holds a NUL byte (shown as U+FFFD in the output)",
}
