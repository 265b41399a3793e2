"""The cohort stage: annotate pipeline files (MAF, VCF, fusions, SV, CNA) for a whole cohort.

`annotate_cohort` reads the files with Polars, normalizes each distinct alteration once, matches
each distinct sample context once, and writes oncokb-annotator-style tables, a sample table,
rejected rows, plots and a summary (contracts: cli.md, `annotate`).
"""

from __future__ import annotations

from onconav.cohort.annotate import CohortInputs, annotate_cohort
from onconav.cohort.output import Format
from onconav.cohort.plan import Progress
from onconav.cohort.summary import CohortSummary, FileSummary

__all__ = ["CohortInputs", "CohortSummary", "FileSummary", "Format", "Progress", "annotate_cohort"]
