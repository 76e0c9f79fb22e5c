"""The Job type: an import or export started with startImport / startExport and polled with
`job(id)` until it is done (its report, or `downloadUrl` for its file) or failed.

Not a Node: a job is no row of the database but a file in the job store (partygraph.jobs),
seen only by the account that started it; `job(id)` answers null for anyone else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry

from partygraph.jobs import Job, JobStore
from partygraph.jobs.runner import SECRET


@strawberry.enum(description="The ledgers a spreadsheet can be imported into.")
class ImportKind(Enum):
    MEMBERS = "members"  # 党员名册
    CANDIDATES = "candidates"  # 发展党员台账
    CASES = "cases"  # 困难党员台账 (assistance cases)
    ACCOUNTS = "accounts"  # 账号 (account administrators only): a commit gives one-time passwords, once


@strawberry.enum(description="The lists that can be exported as a spreadsheet.")
class ExportKind(Enum):
    MEMBERS = "members"  # 党员名册 as a ledger (its columns read back by the import)
    MEMBER_LIST = "member-list"  # the member list as members(filter, orderBy) shows it
    CANDIDATES = "candidates"
    CASES = "cases"
    OUTCOMES = "outcomes"  # 民主评议结果
    FUND_LEDGER = "fund-ledger"  # 帮扶基金明细账
    TRANSFERS = "transfers"  # 组织关系转接, as transfers(...) lists them
    ACCESS_LOG = "access-log"  # 访问日志 (county accounts only)


@strawberry.enum
class ExportFormat(Enum):
    XLSX = "xlsx"
    CSV = "csv"


@strawberry.enum
class JobKind(Enum):
    IMPORT_CHECK = "import-check"
    IMPORT_COMMIT = "import-commit"
    EXPORT = "export"


@strawberry.enum
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@strawberry.type(description="A row the import refused, with the rule or reason (nothing is written while any remains).")
class ImportRowProblem:
    row: int = strawberry.field(description="The row number in the sheet, 1-based.")
    name: str
    field: str | None
    code: str
    message: str
    message_zh: str
    message_en: str


@strawberry.type(description="A row already in the database, skipped.")
class ImportSkippedRow:
    row: int
    name: str
    reason: str


@strawberry.type
class ImportColumn:
    header: str
    field: str


@strawberry.type(description="What an import read, would write (a check) or wrote (a commit).")
class ImportReport:
    total: int
    good: int
    created: int
    committed: bool
    columns: list[ImportColumn]
    unknown_columns: list[str]
    skipped: list[ImportSkippedRow]
    problems: list[ImportRowProblem]


def _report(data: dict[str, Any], lang: str) -> ImportReport:
    return ImportReport(
        total=data.get("total", 0),
        good=data.get("good", 0),
        created=data.get("created", 0),
        committed=data.get("committed", False),
        columns=[ImportColumn(header=h, field=f) for h, f in (data.get("columns") or {}).items()],
        unknown_columns=list(data.get("unknown_columns") or []),
        skipped=[ImportSkippedRow(row=r, name=n, reason=why) for r, n, why in data.get("skipped") or []],
        problems=[
            ImportRowProblem(
                row=p["row"],
                name=p["name"],
                field=p.get("field"),
                code=p["code"],
                message=p["message_zh"] if lang == "zh" else p["message_en"],
                message_zh=p["message_zh"],
                message_en=p["message_en"],
            )
            for p in data.get("problems") or []
        ],
    )


@strawberry.type(description="An account an accounts import created, with its one-time password.")
class CreatedAccount:
    row: int
    org_code: str
    org_name: str
    username: str
    display_name: str
    role_label: str
    password: str = strawberry.field(description="To hand to its holder, who must change it at the first sign-in.")


def _created(data: list[dict[str, Any]] | None) -> list[CreatedAccount] | None:
    return None if data is None else [CreatedAccount(**c) for c in data]


def download_url(job_id: str) -> str:
    return f"/jobs/{job_id}/download"


@strawberry.type(description="An import or export running in the background; poll it with job(id).")
class JobType:
    id: strawberry.ID
    kind: JobKind
    import_kind: ImportKind | None
    export_kind: ExportKind | None
    status: JobStatus
    phase: str = strawberry.field(description="check | rules | write (imports), export.")
    done: int
    total: int = strawberry.field(description="0 while unknown.")
    percent: int
    filename: str
    error: str | None = strawberry.field(
        description="Why it failed, in the request's language; null for a job whose worker stopped (start it again)."
    )
    report: ImportReport | None = strawberry.field(description="An import's report once it is done.")
    created_at: datetime
    updated_at: datetime
    download_url: str | None = strawberry.field(description="GET it with the same credentials, once an export is done.")
    created_accounts: list[CreatedAccount] | None = strawberry.field(
        description="An accounts import's new accounts with their one-time passwords: in the first answer "
        "that shows the finished job only (they are then erased from the server), null in every later one."
    )

    @classmethod
    def of(cls, job: Job, lang: str) -> JobType:
        ledger = job.params.get("ledger")
        listed = job.params.get("list")
        finished_export = job.kind == "export" and job.status == "done" and job.has_data
        return cls(
            id=strawberry.ID(job.id),
            kind=JobKind(job.kind),
            import_kind=ImportKind(ledger) if job.kind != "export" and ledger in IMPORT_VALUES else None,
            export_kind=ExportKind(listed) if job.kind == "export" and listed in EXPORT_VALUES else None,
            status=JobStatus(job.status),
            phase=job.phase,
            done=job.done,
            total=job.total,
            percent=job.percent,
            filename=job.filename,
            error=job.error,
            report=_report(job.result, lang) if job.result and job.kind != "export" else None,
            created_at=datetime.fromtimestamp(job.created, UTC),
            updated_at=datetime.fromtimestamp(job.updated, UTC),
            download_url=download_url(job.id) if finished_export else None,
            created_accounts=_created((job.result or {}).get(SECRET)) if job.kind != "export" else None,
        )

    @classmethod
    def shown(cls, job: Job, lang: str, store: JobStore) -> JobType:
        """The job as its owner sees it now; one-time passwords in it are handed out here and
        erased from the job's file (jobs/runner.py says why)."""
        answer = cls.of(job, lang)
        if job.result and job.result.pop(SECRET, None) is not None:
            store.save(job)
        return answer


IMPORT_VALUES = {k.value for k in ImportKind}
EXPORT_VALUES = {k.value for k in ExportKind}
