"""Background jobs: the store (state and data on disk, seen by every worker process) and the
runner (`run_job(job_id, ctx)`: what a thread today, or a worker later, calls to do one job)."""

from partygraph.jobs.store import JOB_TTL, STALE_AFTER, Job, JobStore, store_for

__all__ = ["JOB_TTL", "STALE_AFTER", "Job", "JobStore", "store_for"]
