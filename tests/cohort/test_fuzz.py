"""Any MAF-like bytes: either a located CohortInputError, or every row out in order, unchanged.

Lines are drawn from a small alphabet that reaches the readers' edge cases: short and long
lines, blank cells, blank lines, comment lines inside the body, CRLF ends, a missing last line
end, non-ASCII text, knowledge-base and other genes, readable and unreadable changes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconav.cohort import CohortInputs, annotate_cohort
from onconav.cohort.columns import ANNOTATION_COLUMNS
from onconav.errors import CohortInputError

HEADER = ["Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification", "HGVSp_Short", "Note"]
CELLS = {
    "Hugo_Symbol": ["EGFR", "KRAS", "TP53", "MYC", "", "alk", "ERBB2"],
    "Tumor_Sample_Barcode": ["S1", "S2", "S3", "", "S é"],
    "Variant_Classification": ["Missense_Mutation", "Silent", "In_Frame_Del", "", "Splice_Site"],
    "HGVSp_Short": ["p.L858R", "p.G12C", "p.T790M", "p.E746_A750del", "p.Zzz9", "", "p.R273H"],
    "Note": ["", "x", "ü", "#", "a b"],
}


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        shape = draw(st.sampled_from(["row"] * 6 + ["short", "long", "blank", "comment"]))
        if shape == "blank":
            rows.append("")
            continue
        if shape == "comment":
            rows.append("#" + draw(st.sampled_from(["", "x\ty", "note"])))
            continue
        cells = [draw(st.sampled_from(CELLS[name])) for name in HEADER]
        if shape == "short":
            cells = cells[: draw(st.integers(1, len(HEADER) - 1))]
        elif shape == "long":
            cells.append("extra")
        rows.append("\t".join(cells))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(["#version 2.4", "\t".join(HEADER), *rows])
    if draw(st.booleans()):
        text += end
    return text.encode("utf-8")


def _body(raw: bytes) -> list[str]:
    """The data rows as Polars reads them: after the header, comment lines skipped."""
    text = raw.decode("utf-8").replace("\r\n", "\n")
    body = text.split("\n")[2:]
    if text.endswith("\n"):
        body = body[:-1]
    return [line for line in body if not line.startswith("#")]


def _must_fail(raw: bytes) -> bool:
    """A line longer than the header, or an unterminated short last line (a cut file)."""
    long = any(len(r.split("\t")) > len(HEADER) for r in _body(raw))
    last = raw.replace(b"\r\n", b"\n").rsplit(b"\n", 1)[-1]
    cut = (
        not raw.endswith(b"\n")
        and not last.startswith(b"#")
        and last.count(b"\t") < len(HEADER) - 1
    )
    return long or cut


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines())
def test_rows_come_out_in_order_unchanged_or_a_located_error(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        maf = folder / "fuzz.maf"
        maf.write_bytes(raw)
        out = folder / "out"
        inputs = CohortInputs(maf=maf, tumor_type="LUAD")
        if _must_fail(raw):
            with pytest.raises(CohortInputError) as info:
                annotate_cohort(inputs, out, plots=False)
            assert info.value.file == str(maf)
            assert info.value.line is not None
            assert not out.exists()
            return
        summary = annotate_cohort(inputs, out, plots=False)
        body = _body(raw)
        assert summary.rows_in == len(body) == summary.rows_annotated + summary.rows_rejected
        written = (out / "annotated_mutations.tsv").read_text(encoding="utf-8").split("\n")
        assert written[0].split("\t") == HEADER + list(ANNOTATION_COLUMNS)
        assert written[-1] == ""
        assert len(written) == len(body) + 2
        width = len(HEADER) + len(ANNOTATION_COLUMNS)
        for line, source in zip(written[1:-1], body, strict=True):
            cells = line.split("\t")
            assert len(cells) == width
            assert cells[: len(source.split("\t"))] == source.split("\t")
