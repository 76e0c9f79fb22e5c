"""Admin: spreadsheet import (ledger choice → upload → dry-run preview listing every bad row →
confirm, all or nothing) and export of every list (.xlsx / .csv, or with progress), through
the API like every other page: startImport / startExport start a job, `job(id)` polls it
(htmx, every 500 ms) and its downloadUrl serves the file.

The jobs themselves live in files (the API's job store) shared by every worker process: with
`serve --workers 2` the poll and the download may reach another worker than the upload.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from partygraph.admin.core import Page, page
from partygraph.admin.forms import N_
from partygraph.admin.pages.dashboard import date_param

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

ACTIVE = ("QUEUED", "RUNNING")
EXPORT_WAIT = 300.0  # seconds a direct download waits for its export job
EXPORT_POLL = 0.1


async def _job(p: Page, job_id: str) -> dict[str, Any]:
    job = (await p.run("Job", {"id": job_id}))["job"]
    if job is None:
        raise HTTPException(404)
    return job


def _render_job(p: Page, job: dict[str, Any], status_code: int = 200) -> Response:
    ledger = (job["importKind"] or "members").lower()
    return p.render(
        "import/_job.html",
        job=job,
        active=job["status"] in ACTIVE,
        report=job["report"],
        ledger_name=p.t(LEDGERS.get(ledger, LEDGERS["members"])),
        status_code=status_code,
    )


def _started(p: Page, result: dict[str, Any]) -> dict[str, Any]:
    """The job a start operation answered, or the HTTP answer to its refusal."""
    if result["__typename"] == "JobPayload":
        return result["job"]
    status = {"NotFound": 404, "NotAllowed": 403}.get(result["__typename"], 422)
    if result["code"] == "IMPORT_NOT_CHECKED":
        status = 409
    elif result["code"] == "BAD_FILTER":
        status = 400
    raise HTTPException(status, result["message"])


async def finished(p: Page, job: dict[str, Any]) -> dict[str, Any]:
    """The job a start operation answered, polled until it is done or failed (or EXPORT_WAIT
    seconds have passed): for a page that answers with the job's result."""
    waited = 0.0
    while job["status"] in ACTIVE and waited < EXPORT_WAIT:
        await asyncio.sleep(EXPORT_POLL)
        waited += EXPORT_POLL
        job = await _job(p, job["id"])
    return job


@page()
async def job_status(p: Page) -> Response:
    return _render_job(p, await _job(p, p.request.path_params["id"]))


@page()
async def job_download(p: Page) -> Response:
    job = await _job(p, p.request.path_params["id"])
    if not job["downloadUrl"]:
        raise HTTPException(404)
    return RedirectResponse(job["downloadUrl"], 303)


# --------------------------------------------------------------------------- import


def _form(
    p: Page,
    ledger: str,
    *,
    job: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return p.render(
        "import/index.html",
        job=job,
        active=bool(job and job["status"] in ACTIVE),
        error=error,
        ledger=ledger,
        ledgers=LEDGERS,
        ledger_help=LEDGER_HELP,
        report=job["report"] if job else None,
        ledger_name=p.t(LEDGERS[ledger]),
        status_code=status_code,
    )


@page()
async def import_form(p: Page) -> Response:
    ledger = p.request.query_params.get("ledger", "members")
    return _form(p, ledger if ledger in LEDGERS else "members")


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
    result = (await p.run("StartImport", {"kind": ledger.upper(), "commit": False, "file": upload}))["startImport"]
    if result["__typename"] != "JobPayload" and result["code"] == "BAD_FILE":
        return _form(p, ledger, error=result["message"], status_code=422)
    return _form(p, ledger, job=_started(p, result))


@page(write=True)
async def import_commit(p: Page) -> Response:
    check = await _job(p, p.request.path_params["id"])
    if check["kind"] == "EXPORT":
        raise HTTPException(404)
    variables = {"kind": check["importKind"], "commit": True, "checkedJob": check["id"]}
    return _render_job(p, _started(p, (await p.run("StartImport", variables))["startImport"]))


# --------------------------------------------------------------------------- exports

# The filters each list takes from the page's query string (the API's ExportFilter).
EXPORT_KINDS = {
    "members": "MEMBERS", "member-list": "MEMBER_LIST", "candidates": "CANDIDATES", "cases": "CASES", "outcomes": "OUTCOMES", "fund-ledger": "FUND_LEDGER",
    "transfers": "TRANSFERS", "access-log": "ACCESS_LOG",
}  # fmt: skip


def _export_filter(p: Page, kind: str) -> dict[str, Any]:
    q = p.request.query_params
    f: dict[str, Any] = {"under": q.get("under", "").strip() or None}
    if kind == "members":
        from partygraph.admin.pages.members import list_params, member_filter

        f.update(member_filter(list_params(p)))
    elif kind == "candidates":
        f.update(stage=q.getlist("stage") or None, search=q.get("q") or None)
    elif kind == "cases":
        f.update(status=q.getlist("status") or None, cause=q.getlist("cause") or None)
    elif kind == "outcomes":
        year = q.get("year", "")
        f["year"] = int(year) if year.isdigit() else None
    elif kind == "fund-ledger":
        f.update({"from": date_param(p, "from"), "to": date_param(p, "to")})
    return {k: v for k, v in f.items() if v is not None}


async def _start_export(p: Page, kind: str, fmt: str, f: dict[str, Any] | None = None) -> dict[str, Any]:
    if kind not in EXPORT_KINDS:
        raise HTTPException(404)
    f = _export_filter(p, kind) if f is None else f
    variables = {"kind": EXPORT_KINDS[kind], "filter": f, "format": fmt.upper()}
    try:
        return _started(p, (await p.run("StartExport", variables))["startExport"])
    except HTTPException as exc:
        if exc.status_code == 404:
            raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内")) from None
        raise


async def download_export(p: Page, kind: str, fmt: str, f: dict[str, Any] | None = None) -> Response:
    """The export job of list `kind` with the API's ExportFilter `f` (None: read from the query
    string), waited for here, then a redirect to its file: every page's download link."""
    job = await finished(p, await _start_export(p, kind, fmt, f))
    if not job["downloadUrl"]:
        raise HTTPException(500, job["error"])  # failed, or still running after EXPORT_WAIT
    return RedirectResponse(job["downloadUrl"], 303)


@page()
async def export_list(p: Page) -> Response:
    """/admin/export/{list}.{xlsx|csv}?…the list's filters…"""
    fmt = p.request.path_params["fmt"]
    if fmt not in ("xlsx", "csv"):
        raise HTTPException(404)
    return await download_export(p, p.request.path_params["list"], fmt)


@page(write=False)
async def export_job(p: Page) -> Response:
    """POST /admin/export/{list}/job?…filters…: the export as a background job with progress."""
    return _render_job(p, await _start_export(p, p.request.path_params["list"], "xlsx"))


routes = [
    Route("/import", import_form),
    Route("/import", import_upload, methods=["POST"]),
    Route("/import/{id}/commit", import_commit, methods=["POST"]),
    Route("/jobs/{id}", job_status),
    Route("/jobs/{id}/download", job_download),
    Route("/export/{list}.{fmt}", export_list),
    Route("/export/{list}/job", export_job, methods=["POST"]),
]
