"""The job store: background jobs (imports, exports) kept where every worker process sees them,
one directory. (runner.py runs a job; this module only keeps its state and data.)

`partygraph serve --workers N` runs N processes; a job started in one (its thread does the
work) is polled and downloaded through whichever worker the next request reaches. So a
job's state is a small JSON file, `<id>.json`, and its data (the uploaded spreadsheet, or
the export it produced) sits beside it as `<id>.data`. Every write goes to a temporary
file in the same directory and is moved into place with `os.replace`, so a reader sees the
old state or the new one, never half a file. The directory is `Settings.jobs_dir`
(PARTYGRAPH_JOBS_DIR); the files are readable by the server's user only, since uploads
carry ID numbers.

Why files and not a table: on SQLite an import holds the database's write lock for its
whole transaction (all or nothing), so progress rows written from another connection would
wait for the very import they report on — and its dry run of a ledger writes too, before
rolling back. A file needs no lock and costs nothing to poll.

A job is seen only by the account that started it (anyone else gets "not found"). Jobs
expire `ttl` seconds after their last update and are removed with their data; a job still
queued or running whose state has not changed for `stale_after` seconds lost its worker (a
restart) and is reported as failed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

JOB_TTL = 3600.0  # seconds after the last update
STALE_AFTER = 600.0  # a running job without news for this long lost its worker
ACTIVE = ("queued", "running")  # not finished yet
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Job:
    id: str
    owner: int | None  # the account that started it
    kind: str  # import-check | import-commit | export
    params: dict[str, Any] = field(default_factory=dict)  # e.g. {"ledger": "candidates"}
    filename: str = ""
    phase: str = "start"
    done: int = 0
    total: int = 0
    status: str = "running"  # queued | running | done | failed
    error: str | None = None  # None on a failure: the job was interrupted
    result: dict[str, Any] | None = None  # JSON-safe (an ImportReport as a dict)
    has_data: bool = False
    created: float = 0.0  # time.time(): comparable across processes
    updated: float = 0.0

    @property
    def percent(self) -> int:
        if self.status not in ACTIVE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0


class JobStore:
    """The jobs of one directory. Cheap to build: the admin builds one per request."""

    def __init__(
        self,
        directory: str | Path,
        *,
        ttl: float = JOB_TTL,
        stale_after: float = STALE_AFTER,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.dir = Path(directory)
        self.ttl, self.stale_after, self.now = ttl, stale_after, now
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    # -- files ------------------------------------------------------------------------------------

    def _state_path(self, job_id: str) -> Path:
        return self.dir / f"{job_id}.json"

    def data_path(self, job: Job) -> Path:
        return self.dir / f"{job.id}.data"

    def _atomic(self, target: Path, write: Callable[[Path], Any]) -> None:
        fd, tmp = tempfile.mkstemp(
            dir=self.dir, prefix=f".{target.name}.", suffix=".tmp"
        )  # mode 0600
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- jobs -------------------------------------------------------------------------------------

    def create(
        self,
        *,
        owner: int | None,
        kind: str,
        filename: str = "",
        data: bytes | None = None,
        params: dict[str, Any] | None = None,
        status: str = "running",
    ) -> Job:
        self.purge()
        now = self.now()
        job = Job(
            id=uuid.uuid4().hex,
            owner=owner,
            kind=kind,
            params=dict(params or {}),
            filename=filename,
            status=status,
            created=now,
            updated=now,
        )
        if data is not None:
            self._atomic(self.data_path(job), lambda p: p.write_bytes(data))
            job.has_data = True
        self.save(job)
        return job

    def save(self, job: Job) -> None:
        job.updated = self.now()
        text = json.dumps(asdict(job), ensure_ascii=False)
        self._atomic(self._state_path(job.id), lambda p: p.write_text(text, encoding="utf-8"))

    def _load(self, job_id: str) -> Job | None:
        if not _ID.match(job_id or ""):
            return None  # also keeps a crafted id from naming another file
        try:
            raw = json.loads(self._state_path(job_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        known = {f.name for f in fields(Job)}
        return Job(**{k: v for k, v in raw.items() if k in known})

    def find(self, job_id: str) -> Job | None:
        """The job whoever started it: for the runner, which acts as the job's owner."""
        return self._load(job_id)

    def get(self, job_id: str, owner: int | None) -> Job | None:
        """The job if it exists, has not expired and belongs to `owner`; else None."""
        job = self._load(job_id)
        if job is None or job.owner != owner:
            return None
        age = self.now() - job.updated
        if age > self.ttl:
            return None
        if job.status in ACTIVE and age > self.stale_after:
            job.status = "failed"  # its worker is gone; shown as interrupted (error None)
        return job

    def finish(self, job: Job, result: dict[str, Any] | None = None) -> None:
        job.status, job.result = "done", result
        self.save(job)

    def fail(self, job: Job, error: str | None) -> None:
        job.status, job.error = "failed", error
        self.save(job)

    def progress(self, job: Job, every: float = 0.2) -> Callable[[str, int, int], None]:
        """A progress callback that saves the state at most every `every` seconds (and at the end
        of each phase), so a fast import does not spend its time writing files."""
        last = [0.0]

        def report(phase: str, done: int, total: int) -> None:
            changed = phase != job.phase
            job.phase, job.done, job.total = phase, done, total
            now = self.now()
            if changed or done >= total or now - last[0] >= every:
                last[0] = now
                self.save(job)

        return report

    # -- data -------------------------------------------------------------------------------------

    def write_data(self, job: Job, write: Callable[[Path], Any]) -> None:
        """Produce the job's file with `write(path)` (an export), moved into place when complete."""
        self._atomic(self.data_path(job), write)
        job.has_data = True
        self.save(job)

    def read_data(self, job: Job) -> bytes:
        return self.data_path(job).read_bytes()

    # -- expiry -----------------------------------------------------------------------------------

    def purge(self) -> int:
        """Remove the jobs (and data) not updated for `ttl` seconds, and stray temporary files."""
        now, removed = self.now(), 0
        for path in self.dir.glob("*.json"):
            job = self._load(path.stem)
            if job is not None and now - job.updated <= self.ttl:
                continue
            if job is None:
                try:  # unreadable: judge it by its age on disk
                    if now - path.stat().st_mtime <= self.ttl:
                        continue
                except OSError:
                    continue
            path.unlink(missing_ok=True)
            (self.dir / f"{path.stem}.data").unlink(missing_ok=True)
            removed += 1
        for path in self.dir.glob(".*.tmp"):
            try:
                if now - path.stat().st_mtime > self.ttl:
                    path.unlink(missing_ok=True)
            except OSError:
                pass
        return removed


def store_for(settings: Any) -> JobStore:
    return JobStore(settings.jobs_dir)
