"""Any GISTIC-like matrix: a located CohortInputError, or one row a non-zero call, reconciled."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconav.cohort import CohortInputs, annotate_cohort
from onconav.errors import CohortInputError

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
        out = Path(tmp) / "out"
        try:
            summary = annotate_cohort(CohortInputs(cna=cna, tumor_type="LUAD"), out, plots=False)
        except CohortInputError as err:
            # (Either outcome is valid; this one must be located.)
            assert err.file == str(cna)  # noqa: PT017
            assert err.line is not None, err  # noqa: PT017
            assert not out.exists()  # noqa: PT017
            return
        assert summary.rows_in == summary.rows_annotated + summary.rows_rejected
        written = (out / "annotated_cna.tsv").read_text(encoding="utf-8").splitlines()
        assert len(written) == summary.rows_in + 1
        width = len(written[0].split("\t"))
        assert all(len(line.split("\t")) == width for line in written[1:])
