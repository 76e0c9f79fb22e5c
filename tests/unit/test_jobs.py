"""The job store shared by worker processes (partygraph.jobs): state and data on disk, written
atomically, seen only by the owner, expired after the TTL, interrupted jobs reported."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from partygraph.jobs import JobStore


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def test_a_job_written_by_one_store_is_read_by_another(tmp_path: Path):
    a, b = JobStore(tmp_path), JobStore(tmp_path)  # two workers: nothing shared but the directory
    job = a.create(
        owner=7,
        kind="import-check",
        filename="roster.csv",
        data="\ufeff姓名\n".encode(),
        params={"ledger": "cases"},
    )
    seen = b.get(job.id, 7)
    assert seen is not None and (seen.kind, seen.filename, seen.params, seen.status) == (
        "import-check",
        "roster.csv",
        {"ledger": "cases"},
        "running",
    )
    assert b.read_data(seen).decode("utf-8-sig") == "姓名\n"
    report = a.progress(job, every=0)
    report("check", 5, 10)
    assert (b.get(job.id, 7).done, b.get(job.id, 7).percent) == (5, 50)  # type: ignore[union-attr]
    a.finish(job, {"total": 10})
    done = b.get(job.id, 7)
    assert (
        done is not None
        and done.status == "done"
        and done.result == {"total": 10}
        and done.percent == 100
    )


def test_only_the_owner_sees_a_job_and_ids_cannot_name_other_files(tmp_path: Path):
    store = JobStore(tmp_path)
    job = store.create(owner=1, kind="export")
    assert store.get(job.id, 2) is None and store.get(job.id, None) is None
    (tmp_path / "secret.json").write_text(json.dumps({"id": "x", "owner": 1, "kind": "export"}))
    assert store.get("secret", 1) is None and store.get("../" + job.id, 1) is None


def test_files_are_private_and_writes_leave_no_temporary_files(tmp_path: Path):
    store = JobStore(tmp_path / "jobs")
    job = store.create(owner=1, kind="export")
    store.write_data(job, lambda p: p.write_bytes(b"PK"))
    assert stat.S_IMODE(os.stat(tmp_path / "jobs").st_mode) == 0o700
    for name in (f"{job.id}.json", f"{job.id}.data"):
        assert stat.S_IMODE(os.stat(tmp_path / "jobs" / name).st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "jobs").iterdir()) == [
        f"{job.id}.data",
        f"{job.id}.json",
    ]


def test_a_failed_write_keeps_the_old_data(tmp_path: Path):
    store = JobStore(tmp_path)
    job = store.create(owner=1, kind="export", data=b"old")

    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.write_data(job, broken)
    assert store.read_data(job) == b"old" and not list(tmp_path.glob(".*.tmp"))


def test_jobs_expire_after_the_ttl_and_are_purged_with_their_data(tmp_path: Path):
    clock = Clock()
    store = JobStore(tmp_path, ttl=3600, now=clock)
    old = store.create(owner=1, kind="import-check", data=b"x")
    clock.t += 1800
    fresh = store.create(owner=1, kind="export")
    clock.t += 1801  # the first is 3601 s old, the second 1801 s
    assert store.get(old.id, 1) is None and store.get(fresh.id, 1) is not None
    assert store.purge() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{fresh.id}.json"]
    # progress keeps a long job alive
    store.progress(fresh, every=0)("write", 1, 2)
    clock.t += 3000
    assert store.get(fresh.id, 1) is not None


def test_a_running_job_that_lost_its_worker_is_reported_as_interrupted(tmp_path: Path):
    clock = Clock()
    store = JobStore(tmp_path, stale_after=600, now=clock)
    job = store.create(owner=1, kind="import-commit")
    clock.t += 601
    seen = store.get(job.id, 1)
    assert seen is not None and (seen.status, seen.error) == ("failed", None)


def test_the_jobs_directory_is_a_setting(tmp_path: Path):
    from partygraph.config import Settings
    from partygraph.jobs import store_for

    settings = Settings.from_env({"PARTYGRAPH_JOBS_DIR": str(tmp_path / "shared")})
    assert store_for(settings).dir == tmp_path / "shared" and (tmp_path / "shared").is_dir()
    assert Settings().jobs_dir.name == "partygraph-jobs"


def test_every_export_list_has_its_dataset_and_only_those() -> None:
    from partygraph.jobs.runner import DATASETS, EXPORT_LISTS

    assert DATASETS.keys() == EXPORT_LISTS.keys()
