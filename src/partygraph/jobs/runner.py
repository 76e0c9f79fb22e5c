"""What a job does: `run_job(job_id, ctx)` runs one import or export from the store to the end.

The API's mutations (graphql/mutations/job.py) put a job in the store as "queued" with
everything it needs in its params (JSON: the ledger or list, the filter, the language, the
organisation an import is limited to) and its upload beside it; then something calls
`run_job`: today a thread of the web process (`in_background`), later the background
worker. The job runs as the account that started it, rebuilt from the database (an account
switched off meanwhile stops its jobs), never as whoever runs it.

Its result goes to the store: an import's report (as a dict), an export's file, or the reason
it failed in the job's language.

One-time passwords (an accounts import's commit, `SECRET` in its result): the job's file holds
them from the end of the import until its owner is first shown the finished job (the
mutation's answer when it ran in the request, else the first `job(id)` poll that finds it
done: `JobType.shown`), which erases them from the file. Why there and not nowhere: the
import may run in another thread or worker process than the request that shows its result,
and the store is the only thing they share; why not longer: a password nobody will be shown
again is only a risk. Meanwhile the file is as private as the uploads beside it (mode 0600 in
a 0700 directory, readable by the server's user only), it expires with the job, and the
passwords never enter the report, the audit trail or a log. The committed check job is spent
at the same moment (a second commit finds nothing), as the file is about to hand out
passwords and a retry would only collide with the accounts just made.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from strawberry.relay import GlobalID

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context, Viewer
from partygraph.errors import DomainError, NotFoundError
from partygraph.i18n import translate
from partygraph.jobs.store import Job, JobStore, store_for

log = logging.getLogger(__name__)

# The ledgers an import reads and the lists an export writes (job params "ledger" / "list"),
# with their titles (Chinese; translated with the job's language).
IMPORT_LEDGERS = {"members": "党员名册", "candidates": "发展党员台账", "cases": "困难党员台账"}
EXPORT_LISTS = {
    "members": "党员名册",
    "member-list": "党员名册",
    "candidates": "发展党员台账",
    "cases": "困难党员台账",
    "outcomes": "民主评议结果",
    "fund-ledger": "帮扶基金明细账",
    "transfers": "组织关系转接",
    "access-log": "访问日志",
}
# Lists exported as the admin page shows them: the header row first, no preamble.
PLAIN_LISTS = ("member-list", "transfers", "access-log")
EXPORT_FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


SECRET = "new_accounts"  # an accounts import's new accounts with their passwords (beside the report's keys)


class BadFilterError(DomainError):
    code = "BAD_FILTER"


# --------------------------------------------------------------------------- export datasets


def _under_id(value: str | None) -> int | None:
    if not value:
        return None
    try:
        gid = GlobalID.from_id(value)
    except Exception:  # noqa: BLE001 - any malformed id names no organisation
        raise NotFoundError("组织", value, "under", "Organization") from None
    from partygraph.graphql.errors import row_id

    ident = row_id(gid.node_id) if gid.type_name == "Organization" else None
    if ident is None:  # not an organisation's id, or a number no row can have
        raise NotFoundError("组织", value, "under", "Organization")
    return ident


def _choices(values: list[str] | None, kind: Callable[[str], Any], field: str) -> list[Any] | None:
    try:
        return [kind(v) for v in values or []] or None
    except ValueError:
        raise BadFilterError(f"筛选条件 {field} 的取值无效", f"Invalid value in the filter's {field}", field) from None


def _date(value: str | None, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BadFilterError(f"筛选条件 {field} 不是有效日期", f"The filter's {field} is not a date", field) from None


def _members(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports
    from partygraph.graphql.enums import MemberOrder
    from partygraph.graphql.filters import MemberFilter
    from partygraph.models.member import Education, Gender, MemberStatus

    gender = _choices([f["gender"]] if f.get("gender") else None, Gender, "gender")
    mf = MemberFilter(
        search=f.get("search"),
        under=under,
        status=_choices(f.get("status"), MemberStatus, "status"),
        gender=gender[0] if gender else None,
        education=_choices(f.get("education"), Education, "education"),
        age_min=f.get("ageMin"),
        age_max=f.get("ageMax"),
        flowing=f.get("flowing"),
        lost_contact=f.get("lostContact"),
        in_difficulty=f.get("inDifficulty"),
    )
    if kind == "members":  # the re-importable roster
        return exports.members_dataset(ctx, mf)
    order = _choices([f["orderBy"]] if f.get("orderBy") else None, MemberOrder, "orderBy")
    return exports.member_list_dataset(ctx, mf, order[0] if order else None)


def _candidates(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports
    from partygraph.graphql.queries.candidate import CandidateFilter
    from partygraph.rules.candidate import Stage

    cf = CandidateFilter(under=under, stage=_choices(f.get("stage"), Stage, "stage"), search=f.get("search") or None)
    return exports.candidates_dataset(ctx, cf)


def _cases(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports

    return exports.cases_dataset(ctx, under_id, status=f.get("status") or None, cause=f.get("cause") or None)


def _outcomes(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports

    return exports.outcomes_dataset(ctx, under_id, f.get("year"))


def _fund_ledger(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports

    return exports.fund_ledger_dataset(ctx, under_id, _date(f.get("from"), "from"), _date(f.get("to"), "to"))


def _transfers(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports
    from partygraph.graphql.enums import TransferDirection
    from partygraph.models.member import TransferStatus

    direction = _choices([f.get("direction") or "all"], TransferDirection, "direction")
    statuses = _choices(f.get("status"), TransferStatus, "status")
    return exports.transfers_dataset(
        ctx,
        direction[0] if direction else TransferDirection.ALL,
        [s.value for s in statuses or []],
        _date(f.get("from"), "from"),
        _date(f.get("to"), "to"),
    )


def _access_log(ctx: Context, kind: str, f: dict[str, Any], under: GlobalID | None, under_id: int | None) -> Any:
    from partygraph import exports
    from partygraph.graphql.queries.access_log import AccessLogFilter

    alf = AccessLogFilter(
        account=f.get("account"),
        object_type=f.get("objectType"),
        object_id=f.get("objectId"),
        from_=_date(f.get("from"), "from"),
        to=_date(f.get("to"), "to"),
    )
    return exports.access_log_dataset(ctx, alf)


# Each export list's dataset from its filter (JSON, the API's field names).
DATASETS: dict[str, Callable[[Context, str, dict[str, Any], GlobalID | None, int | None], Any]] = {
    "members": _members,
    "member-list": _members,
    "candidates": _candidates,
    "cases": _cases,
    "outcomes": _outcomes,
    "fund-ledger": _fund_ledger,
    "transfers": _transfers,
    "access-log": _access_log,
}


def export_dataset(ctx: Context, kind: str, f: dict[str, Any]) -> Any:
    """The dataset of list `kind` for filter `f` (JSON, the API's field names), in ctx's scope:
    an `under` outside it is not found."""
    build = DATASETS.get(kind)
    if build is None:
        raise BadFilterError(f"没有名为 {kind} 的导出", f"No export named {kind}", "kind")
    under_id = _under_id(f.get("under"))
    under = None
    if under_id is not None:
        from partygraph.services import organization

        # Outside the scope: not found (a root list reads such an `under` as empty). The row
        # stays referenced, so the filter's own lookup finds it in the session.
        org = organization.get(ctx, under_id)
        under = GlobalID("Organization", str(org.id))
    return build(ctx, kind, f, under, under_id)


def export_filename(kind: str, fmt: str, lang: str, today: date) -> str:
    return f"{translate(EXPORT_LISTS[kind], lang)}-{today.isoformat()}.{fmt}"


# --------------------------------------------------------------------------- running


def _as_owner(ctx: Context, job: Job) -> Context:
    """ctx acting as the account that started the job (read-only if it was a read-only token;
    limited to the organisation an import was limited to)."""
    viewer: Viewer | None = SYSTEM_VIEWER
    if job.owner is not None:
        from partygraph.services.account import viewer_for_account_id

        viewer = viewer_for_account_id(ctx.session, job.owner)
        if viewer is None:
            raise NotFoundError("账号", job.owner, None, "Account")
    assert viewer is not None
    viewer = dataclasses.replace(viewer, read_only=viewer.read_only or bool(job.params.get("readOnly")))
    limit = job.params.get("limitPath")
    if limit and limit.startswith(viewer.org_path):  # narrower than the account: checked at start
        viewer = dataclasses.replace(viewer, org_id=job.params["limitOrgId"], org_path=limit)
    return dataclasses.replace(ctx, viewer=viewer, lang=job.params.get("lang", ctx.lang), loaders={})


def _import_accounts(ctx: Context, store: JobStore, job: Job) -> dict[str, Any]:
    from partygraph.imports import ImportRefusedError
    from partygraph.imports.account import import_accounts, summary

    commit = job.kind == "import-commit"
    try:
        report, created = import_accounts(ctx, store.read_data(job), job.filename, commit=commit)
    except ImportRefusedError as refused:  # a row went bad since the check: nothing written
        return refused.report.to_dict()
    if commit:
        spent = store.find(job.params.get("checkedJob", ""))
        if spent is not None and spent.owner == job.owner:
            store.fail(spent, "committed")
    return {**report.to_dict(), **({SECRET: summary(created)} if commit else {})}


def _import(ctx: Context, store: JobStore, job: Job) -> dict[str, Any]:
    from partygraph import imports

    if job.params["ledger"] == "accounts":
        return _import_accounts(ctx, store, job)
    try:
        report = imports.run(
            job.params["ledger"],
            ctx,
            store.read_data(job),
            job.filename,
            commit=job.kind == "import-commit",
            progress=store.progress(job),
        )
    except imports.ImportRefusedError as refused:  # the commit found bad rows: nothing written
        ctx.session.rollback()
        report = refused.report
    return report.to_dict()


def _export(ctx: Context, store: JobStore, job: Job) -> None:
    from partygraph import exports

    ds = export_dataset(ctx, job.params["list"], job.params.get("filter") or {})
    if job.params["list"] not in PLAIN_LISTS:
        ds.header_lines = exports.header_lines(
            ctx.viewer.display_name if ctx.viewer else "", None, datetime.now()
        )
    progress = store.progress(job)
    progress("export", 0, ds.total)
    if job.params.get("format") == "csv":
        store.write_data(job, lambda path: exports.write_csv(path, ds))
    else:
        store.write_data(
            job,
            lambda path: exports.write_xlsx(
                path, ds, progress=lambda done, total: progress("export", done, total), every=500
            ),
        )
    ctx.session.commit()  # the access log of what the export showed


def run_job(job_id: str, ctx: Context) -> None:
    """Run the queued job `job_id` with ctx's session and settings, as the job's owner. Its report,
    file or failure goes to the store; a job not queued (already taken, gone) is left alone."""
    from partygraph.imports import FileFormatError

    store = store_for(ctx.settings)
    job = store.find(job_id)
    if job is None or job.status != "queued":
        return
    job.status = "running"
    store.save(job)
    lang = job.params.get("lang", ctx.lang)
    try:
        owner_ctx = _as_owner(ctx, job)
        if job.kind == "export":
            _export(owner_ctx, store, job)
            store.finish(job, None)
        else:
            store.finish(job, _import(owner_ctx, store, job))
    except Exception as exc:  # noqa: BLE001 - the failure is the job's result, shown to its owner
        ctx.session.rollback()
        if isinstance(exc, DomainError):
            message = exc.message_zh if lang == "zh" else exc.message_en
        elif isinstance(exc, FileFormatError):
            message = str(exc)  # says what is wrong with the file (Chinese only)
        else:
            log.exception("job %s failed", job_id)
            message = f"{exc.__class__.__name__}: {exc}"
        store.fail(job, message)


def in_background(
    session_factory: sessionmaker[Session], settings: Settings, clock: Callable[[], date]
) -> Callable[[str], None]:
    """Start a job in a thread of this process, with its own session."""

    def start(job_id: str) -> None:
        def target() -> None:
            with session_factory() as session:
                run_job(job_id, Context(session=session, settings=settings, clock=clock))

        threading.Thread(target=target, name=f"job-{job_id[:8]}", daemon=True).start()

    return start
