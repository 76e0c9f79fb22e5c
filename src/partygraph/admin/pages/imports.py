"""Admin: spreadsheet import (ledger choice → upload → dry-run preview listing every bad row →
confirm, all or nothing) and export of every list (streamed .xlsx / .csv, or a background job
with progress), with long work run in a thread and polled by htmx every 500 ms.

Jobs live in `partygraph.jobs` (files in Settings.jobs_dir), not in this process: with
`serve --workers 2` the poll and the download may reach another worker than the upload.
Imports and exports call `partygraph.imports` / `partygraph.exports` with the viewer's context:
the same scope (`scope.within`) and the same rules as every other write.
"""

from __future__ import annotations

import copy
import io
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route
from strawberry.relay import GlobalID

from partygraph.admin.core import Page, page
from partygraph.admin.pages.dashboard import date_param
from partygraph.context import Context
from partygraph.jobs import Job, JobStore, store_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 20 * 1024 * 1024


def N_(text: str) -> str:
    """Marks a UI string for the catalog; templates translate it."""
    return text


LEDGERS = {
    "members": N_("党员名册"),
    "candidates": N_("发展党员台账"),
    "cases": N_("困难党员台账"),
}
LEDGER_HELP = {
    "members": N_(
        "表头：姓名、性别、民族、出生日期、学历、入党日期、转正日期、身份证号、联系电话、所在党组织或组织编码。已在册的党员（身份证号相同，或姓名、出生日期、组织都相同）会被跳过。"
    ),
    "candidates": N_(
        "表头：姓名、性别、出生日期、学历、身份证号码、所在党组织或组织编码、申请日期、阶段，以及已完成各步骤的日期（谈话、积极分子公示、确定积极分子、备案、培养联系人、发展对象公示、确定发展对象、入党介绍人、政审、培训、支部大会接收及表决情况、上级党委审批、转正……）。每行按发展党员工作细则逐步核对，违反规则的行列出规则编号。已在台账中的人会被跳过。"
    ),
    "cases": N_(
        "表头：姓名、身份证号码或所在党组织、困难类别、认定标准、家庭年收入（元）、家庭成员、申请日期、状态，以及评议、公示、上报、批准、备案、复核、结案的日期和记录。每行按帮扶工作流程逐步核对。同一党员同一申请日期的帮扶案会被跳过。"
    ),
}
LISTS = {
    "members": N_("党员名册"),
    "candidates": N_("发展党员台账"),
    "cases": N_("困难党员台账"),
    "outcomes": N_("民主评议结果"),
    "fund-ledger": N_("帮扶基金明细账"),
}


# --------------------------------------------------------------------------- jobs


def _store(p: Page) -> JobStore:
    return store_for(p.state.settings)


def _owner(p: Page) -> int | None:
    return p.viewer.account_id if p.viewer else None


def _job_of(p: Page, job_id: str) -> Job:
    job = _store(p).get(job_id, _owner(p))
    if job is None:
        raise HTTPException(404)
    return job


def _run_in_background(
    p: Page, job: Job, work: Callable[[Context, Job], dict[str, Any] | None]
) -> None:
    """Run work(ctx, job) in a thread with its own session and the viewer's context; its result
    (JSON-safe) or its failure goes to the job store."""
    from partygraph.imports import ImportRefusedError

    state, viewer, lang, store = p.state, p.viewer, p.lang, _store(p)

    def target() -> None:
        with state.session_factory() as session:
            ctx = Context(
                session=session,
                settings=state.settings,
                viewer=viewer,
                clock=state.clock,
                lang=lang,
            )
            try:
                store.finish(job, work(ctx, job))
            except (
                ImportRefusedError
            ) as refused:  # the commit found bad rows: show them, nothing written
                store.finish(job, refused.report.to_dict())
            except Exception as exc:  # noqa: BLE001 - the page shows the failure
                session.rollback()
                message = (
                    getattr(exc, "message_zh", None)
                    if lang == "zh"
                    else getattr(exc, "message_en", None)
                )
                store.fail(job, message or f"{exc.__class__.__name__}: {exc}")

    threading.Thread(target=target, name=f"job-{job.id[:8]}", daemon=True).start()


def _render_job(p: Page, job: Job, status_code: int = 200) -> Response:
    from partygraph.imports import ImportReport

    report = (
        ImportReport.from_dict(job.result) if job.result and job.kind.startswith("import") else None
    )
    ledger = job.params.get("ledger", "members")
    return p.render(
        "import/_job.html",
        job=job,
        report=report,
        ledger_name=p.t(LEDGERS.get(ledger, LEDGERS["members"])),
        status_code=status_code,
    )


@page()
async def job_status(p: Page) -> Response:
    return _render_job(p, _job_of(p, p.request.path_params["id"]))


@page()
async def job_download(p: Page) -> Response:
    job = _job_of(p, p.request.path_params["id"])
    if job.status != "done" or not job.has_data or job.kind != "export":
        raise HTTPException(404)
    return FileResponse(
        _store(p).data_path(job),
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(job.filename)}"
        },
    )


# --------------------------------------------------------------------------- import


def _form(
    p: Page,
    ledger: str,
    *,
    job: Job | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return p.render(
        "import/index.html",
        job=job,
        error=error,
        ledger=ledger,
        ledgers=LEDGERS,
        ledger_help=LEDGER_HELP,
        report=None,
        ledger_name=p.t(LEDGERS[ledger]),
        status_code=status_code,
    )


@page()
async def import_form(p: Page) -> Response:
    ledger = p.request.query_params.get("ledger", "members")
    return _form(p, ledger if ledger in LEDGERS else "members")


def _import_work(ledger: str, commit: bool) -> Callable[[Context, Job], dict[str, Any]]:
    def work(ctx: Context, job: Job) -> dict[str, Any]:
        from partygraph import imports

        store = store_for(ctx.settings)
        report = imports.run(
            ledger,
            ctx,
            store.read_data(job),
            job.filename,
            commit=commit,
            progress=store.progress(job),
        )
        return report.to_dict()

    return work


@page(write=True)
async def import_upload(p: Page) -> Response:
    if p.viewer is None or not p.viewer.can_write:
        raise HTTPException(403, p.t("当前账号为只读，不能导入"))
    form = await p.request.form()
    ledger = str(form.get("ledger") or "members")
    if ledger not in LEDGERS:
        return _form(p, "members", error=p.t("请选择要导入的台账"), status_code=422)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _form(p, ledger, error=p.t("请选择要导入的文件"), status_code=422)
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _form(p, ledger, error=p.t("文件太大（最大 20 MB）"), status_code=413)
    name = upload.filename
    if not name.lower().endswith((".xlsx", ".csv")):
        return _form(p, ledger, error=p.t("只支持 .xlsx 或 .csv 文件"), status_code=422)
    job = _store(p).create(
        owner=_owner(p), kind="import-check", data=data, filename=name, params={"ledger": ledger}
    )
    shown = copy.copy(job)  # the page shows the job as started; the thread changes `job` meanwhile
    _run_in_background(p, job, _import_work(ledger, commit=False))
    return _form(p, ledger, job=shown)


@page(write=True)
async def import_commit(p: Page) -> Response:
    store = _store(p)
    previous = _job_of(p, p.request.path_params["id"])
    report = previous.result or {}
    if (
        previous.kind != "import-check"
        or previous.status != "done"
        or report.get("problems")
        or not previous.has_data
    ):
        raise HTTPException(409, p.t("请先完成检查，且没有错误行"))
    ledger = previous.params.get("ledger", "members")
    job = store.create(
        owner=_owner(p),
        kind="import-commit",
        data=store.read_data(previous),
        filename=previous.filename,
        params={"ledger": ledger},
    )
    shown = copy.copy(job)
    _run_in_background(p, job, _import_work(ledger, commit=True))
    return _render_job(p, shown)


# --------------------------------------------------------------------------- exports


def _dataset(p: Page, ctx: Context, kind: str) -> Any:
    from partygraph import exports

    q = p.request.query_params
    under_gid = q.get("under", "").strip()
    under_id = None
    if under_gid:
        try:
            gid = GlobalID.from_id(under_gid)
            if gid.type_name != "Organization":
                raise ValueError(under_gid)
            under_id = int(gid.node_id)
        except Exception:  # noqa: BLE001
            raise HTTPException(404) from None
    if kind == "members":
        from partygraph.admin.pages.members import list_params, member_filter

        return exports.members_dataset(ctx, _member_filter_object(member_filter(list_params(p))))
    if kind == "candidates":
        from partygraph.graphql.queries.candidate import CandidateFilter
        from partygraph.rules.candidate import Stage

        stages = q.getlist("stage")
        return exports.candidates_dataset(
            ctx,
            CandidateFilter(
                under=GlobalID.from_id(under_gid) if under_gid else None,
                stage=[Stage(s) for s in stages if s in Stage.__members__] or None,
                search=q.get("q") or None,
            ),
        )
    if kind == "cases":
        return exports.cases_dataset(
            ctx, under_id, status=q.getlist("status") or None, cause=q.getlist("cause") or None
        )
    if kind == "outcomes":
        year = q.get("year", "")
        return exports.outcomes_dataset(ctx, under_id, int(year) if year.isdigit() else None)
    if kind == "fund-ledger":
        return exports.fund_ledger_dataset(ctx, under_id, date_param(p, "from"), date_param(p, "to"))
    raise HTTPException(404)


def _member_filter_object(f: dict[str, Any]) -> Any:
    """The members page's filter (GraphQL variables) as the MemberFilter input object."""
    from partygraph.graphql.filters import MemberFilter
    from partygraph.models.member import Education, Gender, MemberStatus

    return MemberFilter(
        search=f.get("search"),
        under=GlobalID.from_id(f["under"]) if f.get("under") else None,
        status=[MemberStatus(s) for s in f.get("status", [])] or None,
        gender=Gender(f["gender"]) if f.get("gender") else None,
        education=[Education(e) for e in f.get("education", [])] or None,
        age_min=f.get("ageMin"),
        age_max=f.get("ageMax"),
        flowing=f.get("flowing"),
        lost_contact=f.get("lostContact"),
        in_difficulty=f.get("inDifficulty"),
    )


@page()
async def export_list(p: Page) -> Response:
    """/admin/export/{list}.{xlsx|csv}?…the list's filters…: streamed."""
    from partygraph import exports

    kind, fmt = p.request.path_params["list"], p.request.path_params["fmt"]
    if kind not in LISTS or fmt not in ("xlsx", "csv"):
        raise HTTPException(404)
    title = p.t(LISTS[kind])
    name = f"{title}-{p.state.clock().isoformat()}.{fmt}"
    headers = {
        "Content-Disposition": f"attachment; filename=\"{kind}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    }
    ctx = p.context()
    try:
        ds = _dataset(p, ctx, kind)
    except Exception as exc:
        from partygraph.errors import NotFoundError

        if isinstance(exc, NotFoundError):
            raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内")) from None
        raise
    ds.header_lines = exports.header_lines(
        p.viewer.display_name if p.viewer else "", None, datetime.now()
    )
    if fmt == "csv":
        state = p.state
        viewer = p.viewer

        def lines():
            # The handler's session closes when it returns: the stream reads with its own.
            with state.session_factory() as session:
                c = Context(
                    session=session, settings=state.settings, viewer=viewer, clock=state.clock
                )
                d = _dataset(p, c, kind)
                d.header_lines = ds.header_lines
                yield from exports.csv_lines(d)

        return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)
    buf = io.BytesIO()
    exports.write_xlsx(buf, ds)
    return Response(buf.getvalue(), media_type=XLSX, headers=headers)


@page(write=False)
async def export_job(p: Page) -> Response:
    """POST /admin/export/{list}/job?…filters…: the export as a background job with progress."""
    from partygraph import exports

    kind = p.request.path_params["list"]
    if kind not in LISTS:
        raise HTTPException(404)
    title = p.t(LISTS[kind])
    job = _store(p).create(
        owner=_owner(p),
        kind="export",
        filename=f"{title}-{p.state.clock().isoformat()}.xlsx",
        params={"list": kind},
    )
    request_page = p

    def work(ctx: Context, job: Job) -> None:
        store = store_for(ctx.settings)
        ds = _dataset(request_page, ctx, kind)
        ds.header_lines = exports.header_lines(
            ctx.viewer.display_name if ctx.viewer else "", None, datetime.now()
        )
        progress = store.progress(job)
        progress("export", 0, ds.total)
        store.write_data(
            job,
            lambda path: exports.write_xlsx(
                str(path),
                ds,
                progress=lambda done, total: progress("export", done, total),
                every=500,
            ),
        )

    shown = copy.copy(job)
    _run_in_background(p, job, work)
    return _render_job(p, shown)


routes = [
    Route("/import", import_form),
    Route("/import", import_upload, methods=["POST"]),
    Route("/import/{id}/commit", import_commit, methods=["POST"]),
    Route("/jobs/{id}", job_status),
    Route("/jobs/{id}/download", job_download),
    Route("/export/{list}.{fmt}", export_list),
    Route("/export/{list}/job", export_job, methods=["POST"]),
]
