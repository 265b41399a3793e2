"""Issue 13, faults: a full disk, a read-only or vanished folder, an input deleted mid-run, a
full or closed standard output, SIGTERM: one line naming the path, exit 1, nothing partial left.

Most faults are injected by patching a writer; a small tmpfs (mounting needs root) checks the
real full-disk and read-only paths, and those tests skip when the mount is not allowed.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import onconav.cohort.annotate as annotate_module
from onconav.cli import app
from onconav.cohort.output import remove_stale, staged_output
from tests.cohort.helpers import DATA

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alk_first_line.json"


def _annotate(out: Path, maf: Path = DATA / "tiny.maf"):
    return runner.invoke(app, ["annotate", "--maf", str(maf), "-t", "LUAD", "-o", str(out),
                               "--no-plots"])  # fmt: skip


def _environment_failure(result, *expected: str) -> str:
    assert result.exit_code == 1, (result.output, result.exception)
    err = result.stderr
    assert err.count("\n") == 1, err
    assert "Traceback" not in result.output
    for text in expected:
        assert text in err, (text, err)
    return err


def _nothing_left(folder: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def _raise(error: BaseException):
    def writer(*args: object, **kwargs: object) -> None:
        raise error

    return writer


# --- annotate: patched writers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "Disk quota exceeded"),
        (OSError("No space left on device (os error 28)"), "No space left on device"),
        (OSError(errno.EROFS, "Read-only file system"), "Read-only file system"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
    ],
)
def test_annotate_write_failure_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, error,
                                                               reason) -> None:  # fmt: skip
    monkeypatch.setattr(annotate_module, "write_frame", _raise(error))
    out = tmp_path / "out"
    err = _environment_failure(_annotate(out), str(out), reason)
    assert "(os error" not in err
    assert ".partial-" not in err
    _nothing_left(tmp_path, out)


def test_annotate_keeps_an_earlier_output_when_the_write_fails(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    assert _annotate(out).exit_code == 0
    before = (out / "summary.json").read_bytes()
    monkeypatch.setattr(annotate_module, "write_frame",
                        _raise(OSError(errno.ENOSPC, "No space left on device")))  # fmt: skip
    _environment_failure(_annotate(out), "No space left on device")
    assert (out / "summary.json").read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_annotate_output_folder_vanishing_mid_run(tmp_path, monkeypatch) -> None:
    parent = tmp_path / "results"
    parent.mkdir()
    real = annotate_module.write_frame

    def vanish(*args: object, **kwargs: object) -> None:
        shutil.rmtree(parent)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(annotate_module, "write_frame", vanish)
    _environment_failure(_annotate(parent / "out"), "No such file or directory")
    assert not parent.exists()


def test_annotate_input_deleted_mid_run(tmp_path, monkeypatch) -> None:
    maf = tmp_path / "gone.maf"
    shutil.copy(DATA / "tiny.maf", maf)
    real = annotate_module.read_maf

    def read_then_delete(path: Path, **kwargs: object):
        layer = real(path, **kwargs)  # type: ignore[arg-type]
        path.unlink()
        return layer

    monkeypatch.setattr(annotate_module, "read_maf", read_then_delete)
    out = tmp_path / "out"
    _environment_failure(_annotate(out, maf), "gone.maf", "No such file or directory")
    _nothing_left(tmp_path, out)


def test_a_bug_is_still_a_traceback(tmp_path, monkeypatch) -> None:
    """An error that is not environmental is not disguised as one (exit 1 with the exception)."""
    monkeypatch.setattr(annotate_module, "write_frame", _raise(OSError(errno.EINVAL, "bug")))
    result = _annotate(tmp_path / "out")
    assert result.exit_code == 1
    assert isinstance(result.exception, OSError)


# --- annotate: a real small tmpfs ---------------------------------------------------------------


def _mount(target: Path, options: str) -> bool:
    target.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True, check=False)  # fmt: skip
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", str(target)], capture_output=True, check=False)


def _big_maf(path: Path, rows: int) -> Path:
    genes = ["EGFR", "KRAS", "TP53", "ALK", "MET"]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tNote\n")
        for i in range(rows):
            fh.write(f"{genes[i % 5]}\tS{i % 300}\tp.L{i % 900 + 1}R\t{'x' * 30}\n")
    return path


def test_annotate_on_a_full_tmpfs(tmp_path) -> None:
    disk = tmp_path / "disk"
    if not _mount(disk, "size=256k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        out = disk / "out"
        _environment_failure(_annotate(out, _big_maf(tmp_path / "big.maf", 20_000)),
                             str(out), "No space left on device")  # fmt: skip
        assert list(disk.iterdir()) == []
    finally:
        _umount(disk)


def test_annotate_into_a_read_only_tmpfs(tmp_path) -> None:
    disk = tmp_path / "ro"
    if not _mount(disk, "ro,size=64k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        out = disk / "out"
        err = _environment_failure(_annotate(out), str(out), "Read-only file system")
        assert ".partial-" not in err
    finally:
        _umount(disk)


# --- match and report: standard output and report files ---------------------------------------


def _onconav(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "onconav", *args], check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
def test_match_to_a_full_standard_output(fmt) -> None:
    with open("/dev/full", "wb") as full:
        done = _onconav("match", str(EXAMPLE), "-f", fmt, stdout=full, stderr=subprocess.PIPE)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert err == "onconav: standard output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["--help"], ["kb", "stats"]])
def test_other_output_to_a_full_standard_output(args) -> None:
    with open("/dev/full", "wb") as full:
        done = _onconav(*args, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 1
    assert done.stderr == b"onconav: standard output: No space left on device\n"


def test_report_to_a_full_standard_output() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        done = _onconav("report", str(EXAMPLE), "-a", "patient", stdout=full,
                        stderr=subprocess.PIPE)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.decode().count("\n") == 1
    assert b"Traceback" not in done.stderr


def test_match_into_a_closed_pipe_ends_quietly(tmp_path) -> None:
    case = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    cases = tmp_path / "many.jsonl"
    cases.write_text("\n".join(json.dumps(case) for _ in range(200)) + "\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "onconav", "match", str(cases)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert b"Traceback" not in err
    assert b"Exception ignored" not in err
    assert err == b""


def test_report_write_failure_leaves_the_old_report(tmp_path, monkeypatch) -> None:
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    import onconav.cli_report as cli_report

    def full_fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object):
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli_report.os, "fdopen", full_fdopen)
    result = runner.invoke(app, ["report", str(EXAMPLE), "-a", "patient", "-o", str(target)])
    _environment_failure(result, str(target), "No space left on device")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_report_into_a_missing_folder_is_a_usage_error(tmp_path) -> None:
    out = tmp_path / "no" / "r.html"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-a", "patient", "-o", str(out)])
    assert result.exit_code == 2
    assert "--output" in result.stderr


# --- leftovers: SIGTERM, and staging folders of runs that are gone ----------------------------


def test_sigterm_removes_the_staging_folder(tmp_path) -> None:
    maf = _big_maf(tmp_path / "big.maf", 400_000)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "onconav", "annotate", "--maf", str(maf),
                             "-t", "LUAD", "-o", str(out), "--no-plots"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while not [p for p in tmp_path.iterdir() if ".partial-" in p.name]:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            proc.stderr.close()  # type: ignore[union-attr]
            pytest.skip("the run ended before its staging folder could be seen")
        time.sleep(0.01)
    staged = next(p for p in tmp_path.iterdir() if ".partial-" in p.name)
    assert f".out.partial-{proc.pid}-" in staged.name
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    assert proc.stderr is not None
    with proc.stderr:
        assert b"Traceback" not in proc.stderr.read()
    _nothing_left(tmp_path, out)


def _dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_a_later_run_removes_staging_folders_whose_process_is_gone(tmp_path) -> None:
    dead = tmp_path / f".out.partial-{_dead_pid()}-abcd1234"
    (dead / "plots").mkdir(parents=True)
    (dead / "annotated_mutations.tsv").write_text("patient data", encoding="utf-8")
    live = tmp_path / f".out.partial-{os.getpid()}-efgh5678"
    live.mkdir()
    other = tmp_path / f".other.partial-{_dead_pid()}-abcd1234"
    other.mkdir()
    legacy_old = tmp_path / ".out.partial-zz_9xy12"
    legacy_old.mkdir()
    os.utime(legacy_old, (time.time() - 3 * 86400, time.time() - 3 * 86400))
    legacy_new = tmp_path / ".out.partial-ab_3cd45"
    legacy_new.mkdir()
    assert _annotate(tmp_path / "out").exit_code == 0
    assert not dead.exists()
    assert not legacy_old.exists()
    assert live.exists()  # (its process runs: another run, not ours to touch)
    assert other.exists()  # (another output's folder)
    assert legacy_new.exists()  # (no process id, and too young to be sure)


def test_remove_stale_keeps_a_set_aside_output_when_out_is_missing(tmp_path) -> None:
    aside = tmp_path / f".out.old-{_dead_pid()}-abcd1234"
    aside.mkdir()
    assert remove_stale(tmp_path / "out") == []
    assert aside.exists()
    (tmp_path / "out").mkdir()
    assert remove_stale(tmp_path / "out") == [aside]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(143)])
def test_interrupt_and_terminate_remove_the_staging_folder(tmp_path, error) -> None:
    out = tmp_path / "out"

    def run() -> None:
        with staged_output(out) as stage:
            (stage / "summary.json").write_text("{}", encoding="utf-8")
            raise error

    with pytest.raises(type(error)):
        run()
    _nothing_left(tmp_path, out)


def test_staging_folder_is_removed_when_a_late_writer_adds_a_file(tmp_path, monkeypatch) -> None:
    """Polars' sink threads may write a file after the error (fuzz: maf-7296-4000)."""
    import onconav.cohort.output as output

    real = shutil.rmtree
    calls: list[Path] = []

    def racing_rmtree(path, ignore_errors: bool = False) -> None:
        calls.append(Path(path))
        real(path, ignore_errors=ignore_errors)
        if len(calls) == 1:  # (the late writer: the folder is back, with a file in it)
            Path(path).mkdir()
            (Path(path) / "annotated_mutations.tsv").write_text("late", encoding="utf-8")

    monkeypatch.setattr(output.shutil, "rmtree", racing_rmtree)
    monkeypatch.setattr(output, "_REMOVE_RETRIES", (0.0, 0.0, 0.0))
    out = tmp_path / "out"

    def run() -> None:
        with staged_output(out):
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        run()
    assert len(calls) == 2
    _nothing_left(tmp_path, out)
