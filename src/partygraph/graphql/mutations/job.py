"""Imports and exports as jobs: startImport / startExport put a job in the store and start it
(jobs/runner.py); `job(id)` polls it; an export's file is fetched from its `downloadUrl`.

Everything the job needs is checked here, before it is queued, and refused with a typed
error and nothing stored: a read-only account or token (imports), an `under` outside the
scope, a file that is no spreadsheet of the ledger, a filter value that does not exist,
a check of another account (not found) or with bad rows. The rows themselves are checked by
the job (its report lists every bad row); a commit writes all of them or none.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from partygraph.context import Context
from partygraph.errors import NotAllowedError, NotFoundError, violation
from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_mutation
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.types.job import ExportFormat, ExportKind, ImportKind, JobType
from partygraph.jobs import Job, store_for
from partygraph.jobs.runner import export_dataset, export_filename, run_job

MAX_UPLOAD = 20 * 1024 * 1024  # bytes: a county's roster as .xlsx is a few MB
UPLOAD_SUFFIXES = (".xlsx", ".csv")


@strawberry.type
class JobPayload:
    job: JobType


StartImportResult = Annotated[JobPayload | MutationError, strawberry.union("StartImportResult")]
StartExportResult = Annotated[JobPayload | MutationError, strawberry.union("StartExportResult")]


@strawberry.input(description="The list's filters; each list reads those that apply to it.")
class ExportFilter:
    under: relay.GlobalID | None = strawberry.field(default=None, description="Only this organisation's subtree.")
    search: str | None = None
    status: list[str] | None = strawberry.field(
        default=None, description="MemberStatus values (members) or case statuses (cases)."
    )
    gender: enums.Gender | None = None
    education: list[enums.Education] | None = None
    age_min: int | None = None
    age_max: int | None = None
    flowing: bool | None = None
    lost_contact: bool | None = None
    in_difficulty: bool | None = None
    stage: list[str] | None = strawberry.field(default=None, description="Candidate stages.")
    cause: list[str] | None = strawberry.field(default=None, description="Hardship causes (cases).")
    year: int | None = strawberry.field(default=None, description="The evaluation year (outcomes).")
    from_: date | None = strawberry.field(default=None, name="from", description="Fund ledger: from this day.")
    to: date | None = strawberry.field(default=None, description="Fund ledger: up to this day.")


FILTER_FIELDS = {  # attribute → the JSON key the runner reads (the API's name)
    "under": "under", "search": "search", "status": "status", "gender": "gender", "education": "education",
    "age_min": "ageMin", "age_max": "ageMax", "flowing": "flowing", "lost_contact": "lostContact",
    "in_difficulty": "inDifficulty", "stage": "stage", "cause": "cause", "year": "year", "from_": "from", "to": "to",
}  # fmt: skip


def _json(value: Any) -> Any:
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, relay.GlobalID | date):
        return str(value) if isinstance(value, relay.GlobalID) else value.isoformat()
    return getattr(value, "value", value)  # enums


def filter_params(f: ExportFilter | None) -> dict[str, Any]:
    if f is None:
        return {}
    values = {key: _json(getattr(f, attr)) for attr, key in FILTER_FIELDS.items()}
    return {k: v for k, v in values.items() if v is not None}


# --------------------------------------------------------------------------- checks


def _owner(ctx: Context) -> int | None:
    return ctx.viewer.account_id if ctx.viewer else None


def _common_params(ctx: Context) -> dict[str, Any]:
    return {"lang": ctx.lang, "readOnly": bool(ctx.viewer and ctx.viewer.read_only)}


def _limit(ctx: Context, under: relay.GlobalID | None) -> dict[str, Any]:
    """The organisation an import is limited to, loaded in scope (outside it: not found)."""
    org_id = db_id(under, "Organization", "under")
    if org_id is None:
        return {}
    from partygraph.services import organization

    try:
        org = organization.get(ctx, org_id)
    except NotFoundError as exc:
        exc.field = "under"
        raise
    return {"limitOrgId": org.id, "limitPath": org.path}


def _bad_file(zh: str, en: str) -> Exception:
    return violation("BAD_FILE", zh, en, "file")


@dataclass
class Uploaded:
    name: str
    data: bytes


async def read_upload(file: Any) -> Uploaded | None:
    """The upload's name and bytes (at most MAX_UPLOAD + 1 of them: enough to refuse it).
    `file` is what the server gave for the Upload scalar: Starlette's UploadFile over HTTP and
    from the admin."""
    if file is None:
        return None
    data = file.read(MAX_UPLOAD + 1)  # Starlette's UploadFile reads asynchronously
    if inspect.isawaitable(data):
        data = await data
    closed = getattr(file, "close", None)  # its spooled copy: the bytes are all we keep
    if closed is not None and inspect.isawaitable(done := closed()):
        await done
    return Uploaded(name=str(getattr(file, "filename", "") or ""), data=bytes(data))


def _check_file(upload: Uploaded) -> None:
    from partygraph.imports.common import FileFormatError, read_rows

    if len(upload.data) > MAX_UPLOAD:
        raise _bad_file(f"文件太大（最大 {MAX_UPLOAD // 2**20} MB）", f"The file is over {MAX_UPLOAD // 2**20} MB")
    if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
        raise _bad_file("只支持 .xlsx 或 .csv 文件", "Only .xlsx and .csv files can be imported")
    try:
        read_rows(upload.data, upload.name)  # the header: the rows are the job's
    except FileFormatError as exc:
        raise _bad_file(str(exc), "The file cannot be read as a ledger (no 姓名 header in its first 20 rows?)") from None


def _checked_job(ctx: Context, job_id: str, kind: ImportKind) -> Job:
    store = store_for(ctx.settings)
    job = store.get(job_id, _owner(ctx))
    if job is None or not job.kind.startswith("import") or not job.has_data:
        raise NotFoundError("导入任务", job_id, "checkedJob", "Import job")
    if job.params.get("ledger") != kind.value:
        raise violation("IMPORT_KIND_MISMATCH", "该检查任务属于另一种台账", "That check was of another ledger", "kind")
    report = job.result or {}
    if job.kind != "import-check" or job.status != "done" or report.get("problems"):
        raise violation(
            "IMPORT_NOT_CHECKED",
            "请先完成检查，且没有错误行",
            "Finish the check first, with no bad rows",
            "checkedJob",
        )
    return job


def _launch(ctx: Context, job: Job) -> JobType:
    """Start the job: in the background where the app set that up, else here and now (a context
    of its own, as in tests and scripts)."""
    shown = JobType.of(job, ctx.lang)  # as queued: a thread changes `job` meanwhile
    if ctx.start_job is not None:
        ctx.start_job(job.id)
        return shown
    run_job(job.id, ctx)
    done = store_for(ctx.settings).get(job.id, job.owner)
    return JobType.of(done, ctx.lang) if done is not None else shown


def start_import(
    ctx: Context,
    kind: ImportKind,
    commit: bool,
    upload: Uploaded | None,
    checked_job: str | None,
    under: relay.GlobalID | None,
) -> JobPayload:
    if ctx.viewer is None or not ctx.viewer.can_write:
        raise NotAllowedError("当前账号为只读，不能导入", "This account is read-only: it cannot import")
    params: dict[str, Any] = {**_common_params(ctx), **_limit(ctx, under), "ledger": kind.value}
    store = store_for(ctx.settings)
    if checked_job is not None:
        previous = _checked_job(ctx, checked_job, kind)
        if not commit:
            raise violation("IMPORT_ALREADY_CHECKED", "该文件已检查，请确认导入", "That file is checked: commit it", "commit")
        params = {**previous.params, **params, **({} if under else _limit_of(previous))}
        name, data = previous.filename, store.read_data(previous)
    elif upload is not None and upload.name:
        _check_file(upload)
        name, data = upload.name, upload.data
    else:
        raise _bad_file("请选择要导入的文件", "Send the file to import (or the id of a checked import)")
    job = store.create(
        owner=_owner(ctx),
        kind="import-commit" if commit else "import-check",
        data=data,
        filename=name,
        params=params,
        status="queued",
    )
    return JobPayload(job=_launch(ctx, job))


def _limit_of(job: Job) -> dict[str, Any]:
    return {k: job.params[k] for k in ("limitOrgId", "limitPath") if k in job.params}


def start_export(ctx: Context, kind: ExportKind, f: ExportFilter | None, fmt: ExportFormat) -> JobPayload:
    if ctx.viewer is None:
        raise NotAllowedError()
    params = filter_params(f)
    export_dataset(ctx, kind.value, params)  # refuses a filter out of scope or of unknown values now
    job = store_for(ctx.settings).create(
        owner=_owner(ctx),
        kind="export",
        filename=export_filename(kind.value, fmt.value, ctx.lang, ctx.today()),
        params={**_common_params(ctx), "list": kind.value, "filter": params, "format": fmt.value},
        status="queued",
    )
    return JobPayload(job=_launch(ctx, job))


@strawberry.type
class JobMutation:
    @strawberry.mutation(
        description="Check (commit: false) or import (commit: true) a spreadsheet of one ledger, as a job. "
        "Send the file, or to commit a check that found no bad rows, its job id as checkedJob. "
        "`under` limits the rows to one organisation's subtree. Poll job(id) for the report."
    )
    async def start_import(
        self,
        info: Info,
        kind: ImportKind,
        commit: bool,
        file: Upload | None = None,
        checked_job: str | None = None,
        under: relay.GlobalID | None = None,
    ) -> StartImportResult:
        upload = await read_upload(file)
        return run_mutation(info, lambda ctx: start_import(ctx, kind, commit, upload, checked_job, under))

    @strawberry.mutation(
        description="Export one list with its filters as .xlsx or .csv, as a job; its downloadUrl serves the file."
    )
    def start_export(
        self,
        info: Info,
        kind: ExportKind,
        filter: ExportFilter | None = None,
        format: ExportFormat = ExportFormat.XLSX,
    ) -> StartExportResult:
        return run_mutation(info, lambda ctx: start_export(ctx, kind, filter, format))
