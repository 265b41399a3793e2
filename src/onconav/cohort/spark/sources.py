"""The driver's side of reading: list each input's files, read their headers, build the layers.

An input is a file, a folder or a glob (`'cohort/*.maf.gz'`), local or any path Spark's
file systems read (`s3://`, `gs://`, `hdfs://`). Spark lists its files (`inputFiles`); they
are read in sorted order, which is the order of the output. Each file's first lines are read on
the driver (directly for a local file, else through Spark) into a small local file that the
existing readers open (`readers.table.open_table`): the same header rules, column finding and
checks (a MAF's `Gene` column of Ensembl ids is sniffed in those first lines). Every file of an
input must have the same header.

Inputs read on the driver and handed to Spark as Arrow: a VCF (Spark has no reader for VEP or
SnpEff VCFs; it must be a local file), a GISTIC copy-number matrix (one row a gene, melted to
one row a call, which needs the whole matrix) and the clinical file (small).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import polars as pl

from onconav.cohort.layer import ROW, Layer
from onconav.cohort.readers.clinical import Clinical, read_clinical
from onconav.cohort.readers.cna import long_cna_layer, read_cna
from onconav.cohort.readers.fusions import fusions_layer, sv_layer
from onconav.cohort.readers.maf import maf_layer
from onconav.cohort.readers.source import GzipText, check_gzip, work_file
from onconav.cohort.readers.table import Table, check_tail, open_table, short_fields, truncated
from onconav.cohort.readers.vcf import read_vcf
from onconav.cohort.spark.lines import canonical
from onconav.errors import CohortInputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "DriverInput",
    "TextInput",
    "check_ends",
    "open_driver",
    "open_text",
    "read_clinical_file",
    "readable",
    "uri",
]

_logger = logging.getLogger(__name__)

# Lines read for a file's header (and the first rows some checks sniff, `maf._SNIFF_ROWS`).
_HEAD_LINES = 1100
# Bytes first read from the end of a remote file, back to its last line end (doubled at each
# read, up to _TAIL_MAX: each read through py4j costs tens of milliseconds).
_TAIL = 1 << 16
_TAIL_MAX = 8 << 20
# Schemes whose URIs name a host or bucket (`s3://bucket/key`), which `Path` folds to `s3:/`.
# (`file:/x` and `dbfs:/x` are single-slash forms and are left as they are.)
_SCHEME = re.compile(
    r"^(s3|s3a|s3n|gs|gcs|hdfs|webhdfs|viewfs|abfs|abfss|wasb|wasbs|oss|cos):/(?!/)", re.I
)
_GLOB = re.compile(r"[*?\[{]")
_BUILDERS = {"mutations": maf_layer, "fusions": fusions_layer, "sv": sv_layer}


def uri(path: str | Path) -> str:
    """The path as Spark reads it; `Path` folds 's3://b/k' into 's3:/b/k', undone here.

    A relative local path is made absolute: the JVM does not follow Python's `os.chdir`.

    >>> uri(Path("s3://bucket/cohort/*.maf.gz")), uri(Path("dbfs:/x/y.maf"))
    ('s3://bucket/cohort/*.maf.gz', 'dbfs:/x/y.maf')
    """
    text = _SCHEME.sub(r"\1://", str(path))
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        return text
    return os.path.abspath(text)


def readable(listed: str) -> str:
    """A file's name from Spark's listing (`inputFiles`) as Spark and Hadoop read it back.

    The listing percent-encodes the path ('a b.maf' is 'a%20b.maf'); a path handed to Spark is
    encoded again, so the listed name is decoded first, or it names another file.

    >>> readable("file:///data/my%20cohort/a%25b.maf")
    'file:///data/my cohort/a%b.maf'
    """
    return unquote(listed)


def _local(name: str) -> Path | None:
    """The local path of a file Spark lists (`file:/...`), or None for a remote one."""
    if name.startswith("file:") or "://" not in name:
        return Path(canonical(name))
    return None


@dataclass(frozen=True)
class TextInput:
    """An input Spark reads as lines.

    Attributes:
        layer: Built from the first file's header by the Polars engine's reader; its `frame`
            is replaced by each batch on the executors.
        files: The files, as Spark names them, in output order.
        labels: Each file as rejected.tsv names it.
        headers: Each file's 1-based header line.
        comments: Lines starting with '#' are comments.
        heads: Each file's first lines, opened (`readers.table.Table`), for `check_ends`.
        packed: What reading each local gzip file through found (`readers.source.GzipText`),
            for `check_ends`; None for other files.
    """

    layer: Layer
    files: tuple[str, ...]
    labels: tuple[str, ...]
    headers: tuple[int, ...]
    comments: bool
    heads: tuple[Table, ...]
    packed: tuple[GzipText | None, ...]

    @property
    def width(self) -> int:
        """Fields of the header."""
        assert self.layer.table is not None
        return len(self.layer.table.header)


@dataclass(frozen=True)
class DriverInput:
    """An input read on the driver: its layer, whose frame holds every row numbered (`__i`)."""

    layer: Layer
    rows: pl.DataFrame


def _list(spark: SparkSession, given: str) -> list[str]:
    from pyspark.errors import AnalysisException

    try:
        files = spark.read.text(uri(given)).inputFiles()
    except AnalysisException as exc:
        raise CohortInputError("no such file, folder or glob match", file=given) from exc
    if not files:
        raise CohortInputError("no files (empty folder or no glob match)", file=given)
    return sorted(files)


def _head_lines(spark: SparkSession, name: str, label: str) -> list[bytes]:
    """The first lines of a file (gzip decompressed), each with its line end.

    Raises:
        CohortInputError: the file cannot be read; a broken gzip stream as the Polars engine
            says it (`readers.source.check_gzip`).
    """
    local = _local(name)
    if local is None:
        rows = spark.read.option("lineSep", "\n").text(readable(name)).limit(_HEAD_LINES).collect()
        return [str(r[0]).encode("utf-8") + b"\n" for r in rows]
    with local.open("rb") as fh:
        packed = fh.read(2) == b"\x1f\x8b"
    if packed != local.name.lower().endswith(".gz"):  # (Spark decompresses by name alone)
        told = "gzip data in a file not named .gz" if packed else "a .gz name on plain text"
        raise CohortInputError(f"{told}: Spark chooses decompression by the name; rename it",
                               file=str(local))  # fmt: skip
    try:
        with gzip.open(local, "rb") if packed else local.open("rb") as fh:
            return [line for _, line in zip(range(_HEAD_LINES), fh, strict=False)]
    except (OSError, EOFError) as exc:
        if packed:
            check_gzip(local, label)  # (raises, naming the line where the stream breaks)
        raise CohortInputError(f"cannot read ({exc})", file=str(local)) from exc


def _remote_end(spark: SparkSession, name: str) -> tuple[bytes, int] | None:
    """The first byte and the tabs after the last line end of a file that is not local.

    Read backwards from its end through Hadoop's file system (the one Spark reads the file
    with), 64 KiB first and more at each read, until a line end; only the counts are kept.
    None for a file that Hadoop decompresses (a codec by its name: `.gz`, `.bz2`, `.zst`,
    ...), whose end would mean reading it through on the driver.

    Raises:
        CohortInputError: the file's end cannot be read.
    """
    from py4j.protocol import Py4JError, Py4JJavaError

    context = spark.sparkContext
    jvm = context._jvm
    assert jvm is not None
    start, tabs = b"", 0
    try:
        conf = context._jsc.hadoopConfiguration()
        path = jvm.org.apache.hadoop.fs.Path(readable(name))
        if jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(conf).getCodec(path):
            return None
        fs = path.getFileSystem(conf)
        at = fs.getFileStatus(path).getLen()
        stream = fs.open(path)
        try:
            step = _TAIL
            while at > 0:
                step = min(step, at)
                at -= step
                stream.seek(at)
                block = bytes(jvm.org.apache.commons.io.IOUtils.toByteArray(stream, step))
                cut = block.rfind(b"\n")
                rest = block[cut + 1 :]
                start, tabs = rest[:1] or start, tabs + rest.count(b"\t")
                if cut >= 0:
                    break
                step = min(2 * step, _TAIL_MAX)  # (a long line: fewer, larger calls to the JVM)
        finally:
            stream.close()
    except Py4JJavaError as exc:
        why = str(exc.java_exception).splitlines()[0]
        raise CohortInputError(f"cannot read the end of the file ({why})",
                               file=readable(name)) from exc  # fmt: skip
    except Py4JError as exc:  # (a class missing from the driver's JVM)
        raise CohortInputError(f"cannot read the end of the file ({exc})",
                               file=readable(name)) from exc  # fmt: skip
    return start, tabs


def _read_through(name: str, table: Table) -> GzipText | None:
    """A local gzip file read through (`readers.source.check_gzip`); None for other files.

    Raises:
        CohortInputError: the stream is corrupt or cut short, inside a member or, for a BGZF
            file, between two blocks (Spark reads the latter as whole).
    """
    local = _local(name)
    if local is None or not local.name.lower().endswith(".gz"):
        return None
    return check_gzip(local, table.label)


def _check_end(spark: SparkSession, name: str, table: Table, packed: GzipText | None) -> None:
    """Refuse a file whose last line is cut short, as the Polars engine does.

    Spark reads a last line cut short as a row with empty cells, so it is looked for here: an
    unterminated last line with fewer fields than the header (`table`, the file's head's). A
    local gzip file was read through on opening (`packed`); a plain file's last line is read
    from its end, locally or through Hadoop's file system (`s3://`, `hdfs://`, ...), where
    Spark counts the lines for the message. (Not looked for: the end of a compressed file that
    is not local, which would mean reading it through on the driver.)

    Raises:
        CohortInputError: naming the file, the line where it ends and the first missing column.
    """
    width = len(table.header)
    if packed is not None:
        fields = short_fields(packed.start, packed.tabs, width)
        if fields is not None:
            raise truncated(table, fields, packed.lines + 1)
        return
    local = _local(name)
    if local is None:
        end = _remote_end(spark, name)
        fields = short_fields(*end, width) if end is not None else None
        if fields is not None:
            lines = spark.read.option("lineSep", "\n").text(readable(name)).count()  # (cut too)
            raise truncated(table, fields, lines)
        return
    check_tail(table, local)


def _open_head(spark: SparkSession, name: str, label: str, work: Path) -> Table:
    """The file's header (and first rows) as an opened `Table` over a small local copy."""
    target = work_file(work, "head.txt")
    target.write_bytes(b"".join(_head_lines(spark, name, label)))
    return open_table(target, work_dir=work, label=label)


def _labels(given: str, files: list[str]) -> list[str]:
    """How messages name each file: as given when the input is one file, else its path."""
    if len(files) == 1 and not _GLOB.search(given) and not Path(given).is_dir():
        return [given]
    return [str(_local(f) or readable(f)) for f in files]


def _text_layer(kind: str, table: Table) -> Layer:
    if kind == "cna":
        layer = long_cna_layer(table)
        if layer is None:
            raise CohortInputError("a GISTIC matrix is read on the driver", file=table.label)
        return layer
    return _BUILDERS[kind](table)


def open_text(spark: SparkSession, kind: str, given: str, work: Path) -> TextInput:
    """Open an input of `kind` (mutations, fusions, sv, cna) that Spark reads as lines.

    Raises:
        CohortInputError: no file, an unreadable header, a missing column, or files whose
            headers differ.
    """
    files = _list(spark, given)
    labels = _labels(given, files)
    tables = [_open_head(spark, f, lab, work) for f, lab in zip(files, labels, strict=True)]
    # (a local gzip file is read through now, as the Polars engine decompresses it on opening:
    # a broken stream is refused before the job; what follows its last line end is kept)
    packed = [_read_through(f, t) for f, t in zip(files, tables, strict=True)]
    first = tables[0]
    for t in tables[1:]:
        if t.header != first.header:
            raise t.error(f"header differs from that of {first.label}", line=t.header_line)
    # (whether a copied column's copies agree is counted in pass 1, over every row, not in
    # the first lines alone: `engine._scan`)
    base = _text_layer(kind, replace(first, label=given, defer_copies=True))
    nul = pl.when(pl.col("__nul")).then(pl.lit("nul-byte"))
    layer = replace(base, frame=pl.LazyFrame(), line=pl.lit(None, pl.Int64), row_reject=nul,
                    verbatim=False)  # fmt: skip
    return TextInput(
        layer=layer,
        files=tuple(files),
        labels=tuple(labels),
        headers=tuple(t.header_line for t in tables),
        comments=not first.header[0].startswith("#"),
        heads=tuple(tables),
        packed=tuple(packed),
    )


def check_ends(spark: SparkSession, source: TextInput) -> None:
    """Refuse a file of `source` cut short (`_check_end`).

    Called after pass 1, as the Polars engine checks a file's end after its scan, so that both
    engines name the same error when a file has another as well (see `engine._scan`).

    Raises:
        CohortInputError: as `_check_end`.
    """
    for name, table, packed in zip(source.files, source.heads, source.packed, strict=True):
        _check_end(spark, name, table, packed)


def is_matrix(spark: SparkSession, given: str, work: Path) -> bool:
    """True when a copy-number input is a GISTIC matrix (no sample and value columns)."""
    files = _list(spark, given)
    table = _open_head(spark, files[0], given, work)
    return long_cna_layer(table) is None


def _fetch(spark: SparkSession, given: str, work: Path) -> Path:
    """One file, as a local path: itself, or a copy read through Spark (gzip decompressed)."""
    files = _list(spark, given)
    if len(files) != 1:
        raise CohortInputError(f"one file expected here, found {len(files)}", file=given)
    local = _local(files[0])
    if local is not None:
        return local
    from pyspark.sql import functions as F  # noqa: N812

    df = (
        spark.read.option("lineSep", "\n")
        .text(readable(files[0]))
        .select(
            F.col("_metadata.file_block_start").alias("b"),
            F.monotonically_increasing_id().alias("m"),
            "value",
        )
    )
    target = work_file(work, "fetched.txt")
    with target.open("w", encoding="utf-8") as fh:
        for row in df.orderBy("b", "m").toLocalIterator():
            fh.write(str(row["value"]) + "\n")
    return target


def open_driver(
    spark: SparkSession, kind: str, given: str, work: Path, sample_ids: tuple[str, ...] = ()
) -> DriverInput:
    """Read a VCF or a GISTIC matrix on the driver with the Polars engine's reader."""
    if kind == "vcf":
        local = _local(uri(given))
        if local is None:
            raise CohortInputError("a VCF is read on the driver: give a local path", file=given)
        layer = read_vcf(local, work_dir=work, sample_ids=sample_ids, label=given)
    else:
        layer = read_cna(_fetch(spark, given, work), work_dir=work, label=given)
    rows = layer.frame.with_row_index(ROW).collect()
    return DriverInput(layer=layer, rows=rows)


def read_clinical_file(spark: SparkSession, given: str, work: Path) -> Clinical:
    """The clinical file, read on the driver (fetched through Spark when not local)."""
    return read_clinical(_fetch(spark, given, work), work_dir=work, label=given)


def remove(work: Path) -> None:
    """Remove the driver's scratch folder."""
    shutil.rmtree(work, ignore_errors=True)
