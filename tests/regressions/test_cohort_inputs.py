"""Issue 13, cohort files: broken files are located errors (exit 2), never a silent guess.

Classes: a MAF that lost its gene symbols; a column the reader uses, written twice; a NUL byte
in a row (the row is rejected with a reason, counts reconcile, and no NUL reaches an output);
a gzip or BGZF file cut short.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from onconav.errors import CohortInputError
from tests.cohort.helpers import DATA, bgzf, bgzf_blocks, run, summary_json

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder for the inputs, beside the output folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


def _write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fails(tmp_path: Path, path: Path, **inputs: object) -> CohortInputError:
    out = tmp_path / "out"
    with pytest.raises(CohortInputError) as info:
        run(out, **inputs)
    err = info.value
    assert err.file == str(path)
    assert err.line is not None
    assert "\n" not in str(err)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    return err


def _cli_fails(args: list[str], *expected: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    for text in expected:
        assert text in result.stderr, (text, result.stderr)
    return result.stderr


# --- a MAF without gene symbols --------------------------------------------------------------


def test_maf_whose_gene_column_holds_ensembl_ids_is_refused(tmp_path, workdir) -> None:
    maf = _write(workdir, "gdc.maf", [
        "Gene\tTumor_Sample_Barcode\tHGVSp_Short",
        "ENSG00000146648\tS1\tp.L858R",
        "ENSG00000133703\tS2\tp.G12C",
    ])  # fmt: skip
    err = _fails(tmp_path, maf, maf=maf, tumor_type="LUAD")
    assert (err.line, err.column) == (1, "Hugo_Symbol")
    assert "Ensembl" in err.message
    _cli_fails(["annotate", "--maf", str(maf), "-t", "LUAD", "-o", str(tmp_path / "o")],
               "gdc.maf: line 1: column Hugo_Symbol")  # fmt: skip


def test_maf_without_any_gene_column_is_refused(tmp_path, workdir) -> None:
    maf = _write(workdir, "m.maf", ["Tumor_Sample_Barcode\tHGVSp_Short", "S1\tp.L858R"])
    assert _fails(tmp_path, maf, maf=maf, tumor_type="LUAD").column == "Hugo_Symbol"


def test_a_gene_column_of_symbols_is_still_read(tmp_path, workdir) -> None:
    maf = _write(workdir, "m.maf", ["GENE\tTumor_Sample_Barcode\tHGVSp_Short", "EGFR\tS1\tp.L858R"])
    summary = run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    assert summary.rows_annotated == 1


# --- columns written twice ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "column"),
    [
        ("Hugo_Symbol\tTumor_Sample_Barcode\tHugo_Symbol\tHGVSp_Short", "EGFR\tS1\tKRAS\tp.L858R",
         "Hugo_Symbol"),
        ("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tHGVSp_Short", "EGFR\tS1\tp.L858R\tp.G12C",
         "HGVSp_Short"),
        ("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tTUMOR_SAMPLE_BARCODE",
         "EGFR\tS1\tp.L858R\tS2", "Tumor_Sample_Barcode"),
        ("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification\t"
         "variant_classification", "EGFR\tS1\tp.L858R\tMissense_Mutation\tSilent",
         "Variant_Classification"),
        ("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tONCOTREE_CODE\tONCOTREE_CODE",
         "EGFR\tS1\tp.L858R\tLUAD\tBRCA", "ONCOTREE_CODE"),
    ],
)  # fmt: skip
def test_maf_columns_written_twice_are_errors(tmp_path, workdir, header, row, column) -> None:
    maf = _write(workdir, "dup.maf", ["#version 2.4", header, row])
    err = _fails(tmp_path, maf, maf=maf, tumor_type="LUAD")
    assert err.line == 2
    assert err.column.lower() == column.lower()
    assert "more than once" in err.message


def _copied_columns(folder: Path, differ_at: int | None) -> Path:
    """A MAF whose protein and class columns are written twice, alike in every row but one."""
    header = ("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification\t"
              "Amino_Acid_Change\tHGVSp_Short\tAmino_Acid_Change")  # fmt: skip
    rows = []
    for i in range(3000):
        change = ("p.L858R", "p.G12C", "p.V600E", "p.R273H")[i % 4]
        gene = ("EGFR", "KRAS", "BRAF", "TP53")[i % 4]
        last = "p.X1Y" if i == differ_at else change
        rows.append(f"{gene}\tS{i // 7}\t{change}\tMissense_Mutation\t{change}\t{change}\t{last}")
    return _write(folder, "copies.maf", [header, *rows])


@pytest.mark.parametrize("differ_at", [0, 1234, 2999])
def test_copies_that_differ_in_any_row_are_errors(tmp_path, workdir, differ_at) -> None:
    # (whether copies agree is found in pass 1's scan, not at opening: any row, first or last,
    # counts, and nothing is written)
    maf = _copied_columns(workdir, differ_at)
    err = _fails(tmp_path, maf, maf=maf, tumor_type="LUAD")
    assert err.line == 1
    assert err.column == "Amino_Acid_Change"
    assert "fields 5 and 7" in err.message


def test_copies_alike_in_every_row_are_read(tmp_path, workdir) -> None:
    maf = _copied_columns(workdir, None)
    summary = run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    assert summary.rows_in == summary.rows_annotated == 3000


def test_an_unused_column_written_twice_is_kept(tmp_path, workdir) -> None:
    maf = _write(workdir, "m.maf", [
        "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tNote\tNote", "EGFR\tS1\tp.L858R\ta\tb",
    ])  # fmt: skip
    summary = run(tmp_path / "out", maf=maf, tumor_type="LUAD")
    assert summary.rows_annotated == 1


@pytest.mark.parametrize(
    ("kind", "lines"),
    [
        ("fusions", ["Tumor_Sample_Barcode\tFusion\tFusion", "S1\tEML4-ALK\tKIF5B-RET"]),
        ("fusions", ["Tumor_Sample_Barcode\tSAMPLE_ID\tSample_Id\tTumor_Sample_Barcode\tFusion",
                     "S1\tS1\tS1\tS2\tEML4-ALK"]),
        ("sv", ["Sample_Id\tSite1_Hugo_Symbol\tSite2_Hugo_Symbol\tSite1_Hugo_Symbol",
                "S1\tALK\tEML4\tROS1"]),
        ("sv", ["Sample_Id\tSite1_Hugo_Symbol\tSite2_Hugo_Symbol\tSITE2_HUGO_SYMBOL",
                "S1\tALK\tEML4\tCD74"]),
        ("cna", ["Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\tS1", "MET\t4233\t2\t0\t0"]),
        ("cna", ["Hugo_Symbol\tS1\tS2\tS2", "MET\t0\t2\t-2"]),
        ("cna", ["Tumor_Sample_Barcode\tHugo_Symbol\tCopy_Number_Alteration\tCopy_Number_Alteration",
                 "S1\tMET\tAmplification\t0"]),
        ("clinical", ["SAMPLE_ID\tONCOTREE_CODE\tONCOTREE_CODE", "S1\tLUAD\tLUSC"]),
        ("clinical", ["SAMPLE_ID\tPATIENT_ID\tsample_id\tONCOTREE_CODE", "S1\tP1\tS2\tLUAD"]),
    ],
)  # fmt: skip
def test_columns_written_twice_in_other_files(tmp_path, workdir, kind, lines) -> None:
    path = _write(workdir, f"dup_{kind}.txt", lines)
    inputs: dict[str, object] = {kind: path, "tumor_type": "LUAD"}
    if kind == "clinical":
        inputs["maf"] = DATA / "tiny.maf"
    err = _fails(tmp_path, path, **inputs)
    assert err.line == 1
    assert "more than once" in err.message


def _vcf(folder: Path, fmt: str, header: str, *, csq_lines: int = 1) -> Path:
    info = (f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
            f'Ensembl VEP. Format: {fmt}">')  # fmt: skip
    lines = ["##fileformat=VCFv4.2", *[info] * csq_lines, header,
             "7\t55259515\t.\tT\tG\t50\tPASS\tCSQ=G|missense_variant|EGFR|p.Leu858Arg|EGFR\tGT"
             "\t0/1\t0/1"]  # fmt: skip
    return _write(folder, "dup.vcf", lines)


@pytest.mark.parametrize(
    ("fmt", "header", "csq_lines", "line"),
    [
        ("Allele|Consequence|SYMBOL|HGVSp|SYMBOL",
         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2", 1, 2),
        ("Allele|Consequence|SYMBOL|HGVSp|hgvsp",
         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2", 1, 2),
        ("Allele|Consequence|SYMBOL|HGVSp|Extra",
         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2", 2, 3),
        ("Allele|Consequence|SYMBOL|HGVSp|Extra",
         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS1", 1, 3),
    ],
)  # fmt: skip
def test_vcf_duplicates_are_errors(tmp_path, workdir, fmt, header, csq_lines, line) -> None:
    vcf = _vcf(workdir, fmt, header, csq_lines=csq_lines)
    err = _fails(tmp_path, vcf, vcf=vcf, tumor_type="LUAD")
    assert err.line == line
    assert "more than once" in err.message


# --- NUL bytes in a row ----------------------------------------------------------------------


def _with_nul(src: Path, folder: Path, line: int, after: bytes) -> Path:
    lines = src.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1].replace(after, after + b"\x00", 1)
    out = folder / src.name
    out.write_bytes(b"\n".join(lines))
    return out


def _no_nul_anywhere(out: Path) -> None:
    for path in out.rglob("*"):
        if path.is_file():
            assert b"\x00" not in path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("kind", "fixture", "line", "after"),
    [
        ("maf", "tiny.maf", 3, b"EG"),
        ("maf", "tiny.maf", 4, b"S1"),
        ("fusions", "tiny_fusions.txt", 2, b"EML4"),
        ("sv", "tiny_sv.txt", 3, b"CD74"),
        ("cna", "tiny_cna_long.txt", 2, b"MET"),
        ("cna", "tiny_cna.txt", 2, b"\t2"),
        ("vcf", "tiny_vep.vcf", 7, b"55259515"),
    ],
)
def test_a_nul_row_is_rejected_with_its_reason(tmp_path, workdir, kind, fixture, line, after):
    clean = run(tmp_path / "clean", **{kind: DATA / fixture}, tumor_type="LUAD")
    path = _with_nul(DATA / fixture, workdir, line, after)
    out = tmp_path / "out"
    summary = run(out, **{kind: path}, tumor_type="LUAD")
    assert summary.rows_in == summary.rows_annotated + summary.rows_rejected
    assert summary.rows_in == clean.rows_in
    assert summary.rejected_by_reason.get("nul-byte", 0) >= 1
    rejected = (out / "rejected.tsv").read_text(encoding="utf-8").splitlines()
    nul_rows = [r.split("\t") for r in rejected[1:] if "\tnul-byte\t" in r]
    assert nul_rows
    assert all(r[1] == str(line) for r in nul_rows)
    assert summary_json(out)["rows_rejected"] == summary.rows_rejected
    _no_nul_anywhere(out)


def test_a_nul_in_a_clinical_row_is_a_located_error(tmp_path, workdir) -> None:
    clinical = _with_nul(DATA / "tiny_clinical.txt", workdir, 3, b"S2")
    err = _fails(tmp_path, clinical, maf=DATA / "tiny.maf", clinical=clinical)
    assert err.line == 3
    assert "NUL" in err.message


# --- gzip cut short --------------------------------------------------------------------------


def test_bgzf_reads_when_whole(tmp_path, workdir) -> None:
    vcf = workdir / "s.vcf.gz"
    vcf.write_bytes(bgzf((DATA / "tiny_vep.vcf").read_bytes()))
    plain = run(tmp_path / "plain", vcf=DATA / "tiny_vep.vcf", tumor_type="LUAD")
    assert run(tmp_path / "out", vcf=vcf, tumor_type="LUAD").rows_in == plain.rows_in


@pytest.mark.parametrize("fixture", ["tiny_vep.vcf", "tiny.maf"])
@pytest.mark.parametrize("blocks", [1, 2])
def test_bgzf_cut_between_blocks_is_a_truncated_gzip(tmp_path, workdir, fixture, blocks) -> None:
    # The first `blocks` members: valid gzip, but the rest of the file is gone.
    path = workdir / (fixture + ".gz")
    path.write_bytes(bgzf_blocks((DATA / fixture).read_bytes(), blocks))
    kind = "vcf" if fixture.endswith(".vcf") else "maf"
    err = _fails(tmp_path, path, **{kind: path}, tumor_type="LUAD")
    assert "truncated gzip" in err.message
    assert "#CHROM" not in err.message


@pytest.mark.parametrize("fixture", ["tiny_vep.vcf", "tiny.maf", "tiny_cna.txt"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_gzip_cut_mid_stream_is_a_truncated_gzip(tmp_path, workdir, fixture, keep) -> None:
    packed = gzip.compress((DATA / fixture).read_bytes())
    path = workdir / (fixture + ".gz")
    path.write_bytes(packed[: int(len(packed) * keep)])
    kind = {"tiny_vep.vcf": "vcf", "tiny.maf": "maf", "tiny_cna.txt": "cna"}[fixture]
    err = _fails(tmp_path, path, **{kind: path}, tumor_type="LUAD")
    assert "truncated gzip" in err.message
    _cli_fails([
        "annotate", f"--{kind}", str(path), "-t", "LUAD", "-o", str(tmp_path / "o"),
    ], "truncated gzip")  # fmt: skip


# --- error messages stay on one printable line ------------------------------------------------


def test_header_text_in_an_error_is_escaped(tmp_path, workdir) -> None:
    cna = _write(workdir, "cna.txt", ["Hugo_Symbol\tS\x1b[2J1\u2028x", "MET\tbanana"])
    err = _fails(tmp_path, cna, cna=cna, tumor_type="LUAD")
    text = str(err)
    assert "\x1b" not in text
    assert "\u2028" not in text
    assert "\\x1b" in text


# --- found by scripts/fuzz.py ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["maf", "clinical"])
def test_an_unterminated_only_row_holding_a_hash_is_read(tmp_path, workdir, kind) -> None:
    """Polars 2.1 fails on it ("CSV malformed"); a line end is added (fuzz: clinical-14056)."""
    if kind == "maf":
        path = workdir / "h.maf"
        path.write_bytes(b"Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nEG#FR\tS1\tp.L858R")
        summary = run(tmp_path / "out", maf=path, tumor_type="LUAD")
        lines = (tmp_path / "out" / "annotated_mutations.tsv").read_text().splitlines()
        assert lines[1].startswith("EG#FR\tS1\tp.L858R\t")
    else:
        path = workdir / "c.txt"
        path.write_bytes(b"SAMPLE_ID\tPATIENT_ID\tONCOTREE_CODE\nS#1\tP1\tLUAD")
        summary = run(tmp_path / "out", maf=DATA / "tiny.maf", clinical=path)
    assert summary.rows_in == summary.rows_annotated + summary.rows_rejected


def test_an_unterminated_short_last_line_is_still_a_truncated_file(tmp_path, workdir) -> None:
    path = workdir / "h.maf"
    path.write_bytes(b"Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nEG#FR\tS1")
    err = _fails(tmp_path, path, maf=path, tumor_type="LUAD")
    assert (err.line, err.column) == (2, "HGVSp_Short")


@pytest.mark.parametrize("comments", [1, 3])
def test_a_truncated_last_line_is_named_by_its_own_line_after_comment_lines(
    tmp_path, workdir, comments
) -> None:
    # (comment lines in the body are not rows: the line is the file's, not the header's + rows)
    lines = (DATA / "tiny.maf").read_text().splitlines()
    body = [*lines[:3], *[f"# note {i}" for i in range(comments)], *lines[3:-1]]
    path = workdir / "c.maf"
    path.write_text("\n".join([*body, "\t".join(lines[-1].split("\t")[:2])]))
    err = _fails(tmp_path, path, maf=path, tumor_type="LUAD")
    assert err.line == len(body) + 1
    assert err.column == lines[1].split("\t")[2]  # (line 1 is a "#version" line)


@pytest.mark.parametrize("width", [70_000, 200_000])
def test_a_whole_unterminated_last_line_longer_than_the_tail_read_is_a_row(
    tmp_path, workdir, width
) -> None:
    # (its fields are counted from its start, not from the last 64 KiB of the file)
    lines = (DATA / "tiny.maf").read_text().splitlines()
    cells = lines[-1].split("\t")
    cells[-1] = "x" * width
    path = workdir / "long.maf"
    path.write_text("\n".join([*lines[:-1], "\t".join(cells)]))
    summary = run(tmp_path / "out", maf=path, tumor_type="LUAD")
    assert summary.rows_in == len(lines) - 2  # (a "#version" line and the header)
    cells[1] = ""
    path.write_text("\n".join([*lines[:-1], "\t".join(cells[:2])]) + "x" * width)
    (tmp_path / "cut").mkdir()
    err = _fails(tmp_path / "cut", path, maf=path, tumor_type="LUAD")
    assert "the last line has 2 of" in err.message


def test_a_vcf_record_starting_with_hash_and_too_many_fields_is_located(tmp_path, workdir):
    """A VCF body has no comment lines, so such a line is a record (fuzz: vcf-24524)."""
    lines = (DATA / "tiny_vep.vcf").read_text(encoding="utf-8").splitlines()
    header = next(i for i, x in enumerate(lines) if x.startswith("#CHROM"))
    lines.insert(header + 1, "#CHROM\t" + lines[header])
    vcf = _write(workdir, "hash.vcf", lines)
    err = _fails(tmp_path, vcf, vcf=vcf, tumor_type="LUAD")
    assert err.line == header + 2
    assert "fields where the header has" in err.message


@pytest.mark.parametrize("column", ["Amino_Acid_Change", "HGVSp_Short", "Hugo_Symbol"])
def test_maf_columns_written_twice_alike_are_read(tmp_path, workdir, column) -> None:
    """cBioPortal's MAFs name Amino_Acid_Change twice with the same values: read, not an error."""
    names = ["Hugo_Symbol", "Tumor_Sample_Barcode", "HGVSp_Short", "Amino_Acid_Change"]
    rows = [["EGFR", "S1", "p.L858R", "L858R"], ["KRAS", "S2", "", "G12C"], ["ALK", "S3", "", ""]]
    at = names.index(column)
    lines = ["\t".join([*names, column])] + ["\t".join([*r, r[at]]) for r in rows]
    summary = run(tmp_path / "out", maf=_write(workdir, "alike.maf", lines), tumor_type="LUAD")
    assert summary.rows_in == 3 == summary.rows_annotated + summary.rows_rejected
    genes = summary_json(tmp_path / "out")["samples_by_gene"]
    assert (genes.get("EGFR"), genes.get("KRAS")) == (1, 1)  # L858R, and G12C from the copy
