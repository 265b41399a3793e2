"""Background jobs: a MAF upload annotated by `annotate_cohort` on a small thread pool.

Each job has a folder under the data folder: `input.maf`, then `out/` with the tables and
summary.json. The data folder persists (beside the database by default), so downloads survive a
restart; folders and files are private to the server's user (0700 and 0600). Finished jobs older
than the retention period are removed, rows and files. The job's state lives in the store, so any
request (in any worker) can poll it. A failure is kept as its message for the user; the log
names only the job id and the error type.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from onconav.errors import OnconavError
from onconav.kb.index import KBIndex
from onconav.web.store import JobView, Store, UserInfo

__all__ = ["JobRunner"]

_logger = logging.getLogger(__name__)


def _private(folder: Path) -> None:
    """Owner-only modes on a job's output folder and its files."""
    if folder.is_dir():
        folder.chmod(0o700)
        for path in folder.iterdir():
            path.chmod(0o700 if path.is_dir() else 0o600)


class JobRunner:
    """Runs annotation jobs in the background and records their state in the store.

    Args:
        store: The case store (job rows).
        data_dir: Folder for job inputs and outputs.
        index: The knowledge base to annotate with.
        workers: Jobs run at once.
        retention_days: Finished jobs older than this are removed (checked at each submit).
    """

    def __init__(self, store: Store, data_dir: Path, index: KBIndex, workers: int = 1,
                 retention_days: float = 7.0) -> None:  # fmt: skip
        self.store = store
        self.retention_days = retention_days
        self.data_dir = data_dir
        self.index = index
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="onconav-job")
        self.futures: dict[str, Future[None]] = {}
        (data_dir / "jobs").mkdir(parents=True, exist_ok=True, mode=0o700)
        (data_dir / "jobs").chmod(0o700)  # the data folder itself may be shared: left as it is

    def job_dir(self, job_id: str) -> Path:
        """The folder of one job."""
        return self.data_dir / "jobs" / job_id

    def new_upload(self) -> tuple[str, Path]:
        """A new job id and the path its upload is to be written to."""
        job_id = uuid.uuid4().hex
        folder = self.job_dir(job_id)
        folder.mkdir(parents=True, mode=0o700)
        path = folder / "input.maf"
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
        return job_id, path

    def submit(self, user: UserInfo, job_id: str, tumor_type: str | None) -> JobView:
        """Queue the annotation of the upload already written for `job_id`."""
        self.prune(self.retention_days)
        view = self.store.create_job(user, job_id, "annotate")
        self.futures[job_id] = self._pool.submit(self._run, job_id, tumor_type)
        return view

    def _run(self, job_id: str, tumor_type: str | None) -> None:
        folder = self.job_dir(job_id)
        self.store.update_job(job_id, "running")
        try:
            # Imported here: polars and the cohort readers load only when a job runs.
            from onconav.cohort import CohortInputs, annotate_cohort

            summary = annotate_cohort(
                CohortInputs(maf=folder / "input.maf", tumor_type=tumor_type),
                folder / "out",
                index=self.index,
                plots=False,
            )
        except OnconavError as exc:
            self.store.update_job(job_id, "failed", error=str(exc), files=[])
            _logger.info("job %s failed: %s", job_id, type(exc).__name__)
            return
        except Exception as exc:  # a bug: keep the server up and say so
            self.store.update_job(job_id, "failed", error="internal error", files=[])
            _logger.error("job %s crashed: %s", job_id, type(exc).__name__)
            return
        finally:
            (folder / "input.maf").unlink(missing_ok=True)
        _private(folder / "out")
        files = sorted(p.name for p in (folder / "out").iterdir() if p.is_file())
        self.store.update_job(job_id, "done", files=files)
        _logger.info("job %s done: %d rows", job_id, summary.rows_in)

    def output(self, job: JobView, name: str) -> Path | None:
        """The path of one output file of a finished job, if it lists that name."""
        if job.status != "done" or name not in job.files:
            return None
        return self.job_dir(job.id) / "out" / name

    def discard(self, job_id: str) -> None:
        """Remove the folder of a job that was never queued."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def maintain(self, retention_days: float) -> None:
        """At start: fail jobs a crash left running, remove jobs past retention and orphans."""
        for job_id in self.store.fail_interrupted_jobs():
            self.discard(job_id)
            _logger.warning("job %s was interrupted by a server stop: marked failed", job_id)
        self.prune(retention_days)
        known, hour_ago = self.store.job_ids(), time.time() - 3600
        for folder in (self.data_dir / "jobs").iterdir():
            if folder.name not in known and folder.stat().st_mtime < hour_ago:
                shutil.rmtree(folder, ignore_errors=True)

    def prune(self, retention_days: float) -> None:
        """Remove the rows and files of jobs finished more than `retention_days` ago."""
        for job_id in self.store.old_jobs(retention_days):
            self.discard(job_id)

    def shutdown(self) -> None:
        """Wait for running jobs, then stop the pool."""
        self._pool.shutdown(wait=True, cancel_futures=True)
