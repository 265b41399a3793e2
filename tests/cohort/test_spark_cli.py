"""`onconav annotate --engine spark`: the README's command, and what is missing said in one line."""

from __future__ import annotations

import gzip
import re
import shlex
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from onconav.cli import app
from onconav.cohort.spark import session
from tests.cohort.helpers import DATA, table

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _readme_spark_command() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^(onconav annotate --engine spark .*)$", readme, re.M)
    assert found is not None, "the README shows the Spark command"
    return shlex.split(found.group(1))[1:]


def test_readme_spark_command_runs(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--maf 'cohort/*.maf.gz' --clinical clinical.txt --out out/`, on two gzip parts."""
    lines = (DATA / "tiny.maf").read_bytes().splitlines(keepends=True)
    (tmp_path / "cohort").mkdir()
    for k, body in enumerate((lines[2:7], lines[7:])):
        with gzip.open(tmp_path / "cohort" / f"part{k}.maf.gz", "wb") as fh:
            fh.write(b"".join([lines[1], *body]))
    (tmp_path / "clinical.txt").write_bytes((DATA / "tiny_clinical.txt").read_bytes())
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*_readme_spark_command(), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "rows:" in result.stdout
    rows = table(tmp_path / "out" / "annotated_mutations.tsv")
    assert len(rows) == len(lines) - 2
    assert [r["Hugo_Symbol"] for r in rows] == [x.split(b"\t")[0].decode() for x in lines[2:]]


def _one_line_exit_2(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


_ARGS = ["annotate", "--engine", "spark", "--maf", str(DATA / "tiny.maf"), "-t", "LUAD"]


def test_without_pyspark_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "_has_pyspark", lambda: False)
    line = _one_line_exit_2([*_ARGS, "--out", str(tmp_path / "out")])
    assert 'pip install "onconav[spark]"' in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("version", [None, "1.8.0_392", "11.0.2"])
def test_without_java_17_exits_2(
    version: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install onconav[spark])")
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    if version is not None:
        java = home / "bin" / "java"
        java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2024-01-16' >&2\n")
        java.chmod(java.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("JAVA_HOME", str(home))
    monkeypatch.setattr(session, "_active", lambda: None)
    line = _one_line_exit_2([*_ARGS, "--out", str(tmp_path / "out")])
    assert "needs Java 17 or later" in line
    if version is not None:
        assert f"found Java {8 if version.startswith('1.') else 11}" in line


def test_java_version_reads_both_schemes(tmp_path: Path) -> None:
    for text, major in (('openjdk version "17.0.15" 2025-04-15', 17), ('java version "1.8.0_41"', 8),
                        ('openjdk version "21" 2023-09-19', 21)):  # fmt: skip
        java = tmp_path / "java"
        java.write_text(f"#!/bin/sh\necho '{text}' >&2\n")
        java.chmod(java.stat().st_mode | stat.S_IXUSR)
        assert session.java_version(str(java)) == major


def test_master_only_with_spark(tmp_path: Path) -> None:
    args = ["annotate", "--maf", str(DATA / "tiny.maf"), "-t", "LUAD", "--master", "local[2]"]
    assert "--master" in _one_line_exit_2([*args, "--out", str(tmp_path / "o")])


def test_uri_restores_the_double_slash_path_folds() -> None:
    from onconav.cohort.spark.sources import uri

    assert uri(Path("s3://bucket/cohort/*.maf.gz")) == "s3://bucket/cohort/*.maf.gz"
    assert uri(Path("gs://b/k.maf")) == "gs://b/k.maf"
    assert uri(Path("hdfs://nn:8020/x/y.maf")) == "hdfs://nn:8020/x/y.maf"
    assert uri(Path("dbfs:/x/y.maf")) == "dbfs:/x/y.maf"
    assert uri(Path("cohort/*.maf.gz")) == str(Path.cwd() / "cohort/*.maf.gz")


def test_kb_snapshot_on_spark(spark: Any, tmp_path: Path) -> None:
    """`--kb SNAPSHOT`: the executors get that KB's genes, the driver matches with it."""
    from tests.kbchanges import NEW_VERSION, write_pair

    _old, new = write_pair(tmp_path)
    base = ["annotate", "--maf", str(DATA / "tiny.maf"), "--clinical", str(DATA / "tiny_clinical.txt"),
            "--kb", str(new), "--no-plots", "--no-report"]  # fmt: skip
    polars = runner.invoke(app, [*base, "--out", str(tmp_path / "p")])
    spark_run = runner.invoke(app, [*base, "--engine", "spark", "--out", str(tmp_path / "s")])
    assert polars.exit_code == 0, polars.output
    assert spark_run.exit_code == 0, spark_run.output
    for name in ("annotated_mutations.tsv", "samples.tsv", "rejected.tsv", "summary.json"):
        assert (tmp_path / "s" / name).read_bytes() == (tmp_path / "p" / name).read_bytes(), name
    summary = (tmp_path / "s" / "summary.json").read_text()
    assert f'"kb_version": "{NEW_VERSION}"' in summary
    kras = [
        r for r in table(tmp_path / "s" / "annotated_mutations.tsv") if r["Hugo_Symbol"] == "KRAS"
    ]
    assert kras
    assert all(
        r["HIGHEST_SENSITIVE_LEVEL"] != "LEVEL_1" or r["LEVEL_1"] != "Adagrasib" for r in kras
    )
