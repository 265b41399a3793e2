"""Malformed input: each failure is a CohortInputError naming the file, line and column."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from onconav.errors import CohortInputError, TumorTypeError
from tests.cohort.helpers import DATA, copy_with, run

MAF = DATA / "tiny.maf"


def _fails(tmp_path: Path, **inputs: object) -> CohortInputError:
    with pytest.raises(CohortInputError) as info:
        run(tmp_path / "out", **inputs)
    assert not (tmp_path / "out").exists()
    return info.value


def test_missing_required_column(tmp_path: Path, workdir: Path) -> None:
    maf = workdir / "m.maf"
    maf.write_text("#version 2.4\nHugo_Symbol\tHGVSp_Short\nEGFR\tp.L858R\n", encoding="utf-8")
    err = _fails(tmp_path, maf=maf, tumor_type="LUAD")
    assert (err.file, err.line, err.column, err.code) == (
        str(maf),
        2,
        "Tumor_Sample_Barcode",
        "missing-column",
    )
    assert str(err).startswith(
        f"{maf}: line 2: column Tumor_Sample_Barcode: missing required column"
    )


def test_not_tabular(tmp_path: Path, workdir: Path) -> None:
    text = workdir / "notes.maf"
    text.write_text("just some notes\nnot a table\n", encoding="utf-8")
    err = _fails(tmp_path, maf=text, tumor_type="LUAD")
    assert err.line == 1
    assert "not a tab-separated table" in err.message


def test_binary_file(tmp_path: Path, workdir: Path) -> None:
    blob = workdir / "blob.maf"
    blob.write_bytes(b"PK\x03\x04\x00\x00binary")
    err = _fails(tmp_path, maf=blob, tumor_type="LUAD")
    assert err.line == 1
    assert "binary" in err.message


def test_truncated_file(tmp_path: Path, workdir: Path) -> None:
    maf = copy_with(MAF, workdir, "cut.maf", lambda b: b[: b.rindex(b"\t", 0, len(b) - 8)])
    err = _fails(tmp_path, maf=maf, tumor_type="LUAD")
    assert err.line == 13
    assert err.column == "HGVSp_Short"
    assert "truncated" in err.message


def test_too_many_fields(tmp_path: Path, workdir: Path) -> None:
    maf = copy_with(MAF, workdir, "wide.maf", lambda b: b.replace(b"\tx\n", b"\tx\textra\n"))
    err = _fails(tmp_path, maf=maf, tumor_type="LUAD")
    assert err.line == 5
    assert err.column == "field 9"


def test_truncated_gzip(tmp_path: Path, workdir: Path) -> None:
    whole = gzip.compress(MAF.read_bytes() * 50)
    cut = workdir / "cut.maf.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    err = _fails(tmp_path, maf=cut, tumor_type="LUAD")
    assert err.code == "bad-gzip"
    assert err.line is not None
    assert "truncated" in err.message


def test_corrupt_gzip(tmp_path: Path, workdir: Path) -> None:
    data = bytearray(gzip.compress(MAF.read_bytes()))
    data[20:40] = b"\xff" * 20
    bad = workdir / "bad.maf.gz"
    bad.write_bytes(bytes(data))
    err = _fails(tmp_path, maf=bad, tumor_type="LUAD")
    assert err.code == "bad-gzip"
    assert "gzip" in err.message


def test_wrong_encoding_in_a_row(tmp_path: Path, workdir: Path) -> None:
    maf = copy_with(MAF, workdir, "latin1.maf", lambda b: b.replace(b'"as is"', b"caf\xe9"))
    err = _fails(tmp_path, maf=maf, tumor_type="LUAD")
    assert (err.line, err.column, err.code) == (3, 'Note "quoted"', "bad-encoding")


def test_wrong_encoding_in_the_header(tmp_path: Path, workdir: Path) -> None:
    maf = copy_with(MAF, workdir, "latin1h.maf", lambda b: b.replace(b"Note", b"N\xf6te"))
    err = _fails(tmp_path, maf=maf, tumor_type="LUAD")
    assert (err.line, err.code) == (2, "bad-encoding")


def test_bad_gistic_value(tmp_path: Path, workdir: Path) -> None:
    cna = copy_with(
        DATA / "tiny_cna.txt", workdir, "cna.txt", lambda b: b.replace(b"\t-1\t", b"\tlow\t")
    )
    err = _fails(tmp_path, cna=cna, tumor_type="LUAD")
    assert (err.line, err.column) == (4, "S2")
    assert "'low'" in err.message


def test_clinical_errors(tmp_path: Path, workdir: Path) -> None:
    dup = workdir / "dup.txt"
    dup.write_text("SAMPLE_ID\tONCOTREE_CODE\nS1\tLUAD\nS1\tLUSC\n", encoding="utf-8")
    err = _fails(tmp_path, maf=MAF, clinical=dup)
    assert (err.line, err.column) == (3, "SAMPLE_ID")
    bad = workdir / "bad.txt"
    bad.write_text("SAMPLE_ID\tONCOTREE_CODE\tSETTING\nS1\tLUAD\tpalliative\n", encoding="utf-8")
    err = _fails(tmp_path, maf=MAF, clinical=bad)
    assert (err.line, err.column) == (2, "SETTING")


def test_vcf_errors(tmp_path: Path, workdir: Path) -> None:
    plain = workdir / "plain.vcf"
    plain.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    err = _fails(tmp_path, vcf=plain, sample_ids=("S1",), tumor_type="LUAD")
    assert err.line == 2
    assert "annotation" in err.message
    err = _fails(tmp_path, vcf=DATA / "tiny_vep.vcf", sample_ids=("S7",), tumor_type="LUAD")
    assert "S7" in err.message
    assert "S1, S2" in err.message


def test_usage_errors(tmp_path: Path) -> None:
    assert "nothing to annotate" in _fails(tmp_path, tumor_type="LUAD").message
    assert "no tumor type" in _fails(tmp_path, maf=MAF).message
    assert "no such file" in _fails(tmp_path, maf=tmp_path / "nope.maf", tumor_type="LUAD").message
    with pytest.raises(TumorTypeError):
        run(tmp_path / "out", maf=MAF, tumor_type="lung adenocarcinomaa")


def test_not_a_file(tmp_path: Path, workdir: Path) -> None:
    assert _fails(tmp_path, maf=workdir, tumor_type="LUAD").message == "is a folder, not a file"
    null = Path("/dev/null")
    if null.exists():
        assert _fails(tmp_path, maf=null, tumor_type="LUAD").message == "not a regular file"


def test_vcf_without_its_header_line(tmp_path: Path, workdir: Path) -> None:
    notes = workdir / "notes.vcf"
    notes.write_text("##fileformat=VCFv4.2\nchr1\t100\t.\tA\tT\n", encoding="utf-8")
    err = _fails(tmp_path, vcf=notes, sample_ids=("S1",), tumor_type="LUAD")
    assert err.message == "no header line starting '#CHROM'"
    empty = workdir / "empty.vcf"
    empty.write_text("", encoding="utf-8")
    assert _fails(tmp_path, vcf=empty, tumor_type="LUAD").message == "empty file: no header line"
