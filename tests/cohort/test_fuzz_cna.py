"""Any GISTIC-like matrix: a located CohortInputError, or one row a non-zero call, reconciled."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cohort.helpers import reconciled_or_located

VALUES = ["2", "-2", "0", "1", "-1", "NA", "", "1.5", "-1.5", "low", "0.0"]
GENES = ["MET", "ERBB2", "CDKN2A", "EGFR", "MYC", "", "met"]


@st.composite
def matrices(draw: st.DrawFn) -> bytes:
    lines = ["Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\tS3"]
    for _ in range(draw(st.integers(0, 6))):
        cells = [draw(st.sampled_from(GENES)), "1"]
        cells += [draw(st.sampled_from(VALUES)) for _ in range(3)]
        shape = draw(st.sampled_from(["row"] * 5 + ["short", "long"]))
        if shape == "short":
            cells = cells[: draw(st.integers(1, 4))]
        elif shape == "long":
            cells.append("2")
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices())
def test_matrix_calls_reconcile_or_fail_located(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cna = Path(tmp) / "cna.txt"
        cna.write_bytes(raw)
        reconciled_or_located(cna, "annotated_cna.tsv", cna=cna, tumor_type="LUAD")
