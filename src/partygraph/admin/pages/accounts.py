"""Admin pages of 设置 / 账号管理: the accounts of one's subtree (search, filters, sort, pages,
CSV), the create form, the account page (role and home, tokens with revoke, deactivate and
reactivate, password reset, history), bulk creation from a spreadsheet, and one's own
account: the change-password page (where a must-change account is sent first) and tokens.

Every destructive action is asked twice (the first post answers a confirmation card). One-time
passwords and tokens appear in the response that made them and nowhere else: the bulk list's
download is a data: link in that same page, so no file with passwords is ever kept.
Every page runs a named operation of admin/operations/Account*.graphql on the API's schema.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from partygraph.admin.core import Page, enum_values, page
from partygraph.admin.field_errors import INVALID_INPUT, FieldError, FieldErrors
from partygraph.admin.forms import (
    N_,
    done,
    error_status,
    global_id,
    is_htmx,
    org_options,
    payload_errors,
    read_form,
    split_errors,
)
from partygraph.admin.views import ListView
from partygraph.services import account as account_service

PAGE_SIZE = 20
ACCOUNT_LIST = ListView("/admin/accounts", "accounts/list.html", "accounts/_results.html", PAGE_SIZE)
CSV_PAGE = 100
MAX_UPLOAD = 2 * 1024 * 1024
SORTS = {
    "username": "USERNAME_ASC", "-username": "USERNAME_DESC",
    "name": "NAME_ASC", "-name": "NAME_DESC",
    "created": "CREATED_ASC", "-created": "CREATED_DESC",
    "org": "ORGANIZATION",
}  # fmt: skip
ACTIVE_CHOICES = [("1", N_("启用")), ("0", N_("已停用"))]
CREATE_FIELDS = ["username", "displayName", "role", "orgId"]
EDIT_FIELDS = ["displayName", "role", "orgId"]
PASSWORD_FIELDS = ["oldPassword", "newPassword", "newPassword2"]


def may_administer(p: Page) -> bool:
    return bool(account_service.administered_roles(p.viewer))


# --- the list -------------------------------------------------------------------------------------


def list_params(p: Page) -> dict[str, Any]:
    q = p.request.query_params
    params: dict[str, Any] = {
        "q": q.get("q", "").strip()[:60],
        "role": [r for r in q.getlist("role") if r in enum_values("Role")],
        "active": q.get("active") if q.get("active") in ("1", "0") else "",
        "under": q.get("under", "").strip(),
        "sort": q.get("sort") if q.get("sort") in SORTS else "",
    }
    if params["under"]:
        params["under"] = global_id(params["under"], "Organization")
    return params


async def run_list(p: Page, params: dict[str, Any], **paging: Any) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if params["q"]:
        f["search"] = params["q"]
    if params["role"]:
        f["role"] = params["role"]
    if params["active"]:
        f["active"] = params["active"] == "1"
    if params["under"]:
        f["under"] = params["under"]
    variables = {"filter": f, "orderBy": SORTS.get(params["sort"], "USERNAME_ASC"), "underId": params["under"] or None, **paging}
    return await p.run("AccountList", variables)


@page()
async def account_list(p: Page) -> Response:
    params = list_params(p)
    if p.request.query_params.get("format") == "csv":
        return await export_csv(p, params)
    return await ACCOUNT_LIST.get(
        p,
        params,
        lambda first, offset: run_list(p, params, first=first, offset=offset),
        lambda d: int(d["accounts"]["totalCount"]),
        lambda d: {
            "accounts": d["accounts"],
            "under": d.get("under"),
            "roles": p.choices("Role"),
            "actives": ACTIVE_CHOICES,
            "administers": bool(d["assignableRoles"]),
        },
    )


CSV_COLUMNS = [
    (N_("用户名"), lambda a, t: a["username"]),
    (N_("姓名"), lambda a, t: a["displayName"]),
    (N_("角色"), lambda a, t: a["roleLabel"]),
    (N_("所属组织"), lambda a, t: (a["organization"] or {}).get("name", "")),
    (N_("组织代码"), lambda a, t: (a["organization"] or {}).get("code", "")),
    (N_("状态"), lambda a, t: t(N_("启用")) if a["active"] else t(N_("已停用"))),
    (N_("须修改密码"), lambda a, t: t(N_("是")) if a["mustChangePassword"] else ""),
    (N_("创建时间"), lambda a, t: (a["createdAt"] or "")[:19].replace("T", " ")),
    (N_("最近登录"), lambda a, t: (a["lastLoginAt"] or "")[:19].replace("T", " ")),
]


def _csv(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


async def export_csv(p: Page, params: dict[str, Any]) -> Response:
    """Every page of the filtered list (a county has hundreds of accounts, not millions: one answer)."""
    rows = [[p.t(title) for title, _value in CSV_COLUMNS]]
    after = None
    for _ in range(200):
        data = (await run_list(p, params, first=CSV_PAGE, after=after))["accounts"]
        rows += [[value(a, p.t) for _title, value in CSV_COLUMNS] for a in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    name = p.t("账号列表") + f"-{p.state.clock().isoformat()}.csv"
    return Response(
        "\ufeff" + _csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=\"accounts.csv\"; filename*=UTF-8''{quote(name)}"},
    )


# --- create ---------------------------------------------------------------------------------------


async def _options(p: Page) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orgs = await org_options(p, "AccountFormOptions")
    roles = (await p.run("AccountFormOptions", {"after": None}))["assignableRoles"]
    return orgs, roles


def _require_admin_page(p: Page) -> None:
    if not may_administer(p):
        raise HTTPException(403, p.t("当前账号不能管理账号"))


async def _create_form(p: Page, values: dict[str, Any], errors: FieldErrors, status_code: int = 200) -> Response:
    orgs, roles = await _options(p)
    inline, general = split_errors(errors, CREATE_FIELDS)
    return p.render(
        "accounts/form.html", status_code=status_code, fragment=is_htmx(p) and p.request.method == "POST",
        values=values, errors=inline, general=general, orgs=orgs, roles=[(r["value"], r["label"]) for r in roles],
    )  # fmt: skip


@page()
async def account_new(p: Page) -> Response:
    _require_admin_page(p)
    if p.request.method == "GET":
        return await _create_form(p, {"orgId": p.request.query_params.get("org", "")}, {})
    form = await read_form(p)
    inp = {
        "username": form.text("username"),
        "displayName": form.text("displayName"),
        "role": form.choice("role", enum_values("Role")),
        "orgId": form.gid("orgId", "Organization"),
    }
    if form.errors:
        return await _create_form(p, form.values(), form.errors, 422)
    payload = (await p.run("AccountCreate", {"input": inp}))["createAccount"]
    errors = payload_errors(payload)
    if errors:
        return await _create_form(p, form.values(), errors, error_status(payload))
    # The one-time password is in this answer only: render it, never redirect.
    return p.render("accounts/password_shown.html", fragment=is_htmx(p), account=payload["account"],
                    password=payload["oneTimePassword"], created=True)  # fmt: skip


# --- the account page -----------------------------------------------------------------------------


async def _account(p: Page) -> dict[str, Any]:
    gid = global_id(p.request.path_params["id"], "Account")
    account = (await p.run("AccountPage", {"id": gid})).get("node")
    if not account:
        raise HTTPException(404, p.t("未找到该账号，或不在您的管理范围内"))
    return account


async def _detail(p: Page, account: dict[str, Any], *, values: dict[str, Any] | None = None,
                  errors: FieldErrors | None = None, status_code: int = 200) -> Response:  # fmt: skip
    orgs, roles = await _options(p) if account["canAdminister"] else ([], [])
    inline, general = split_errors(errors or {}, EDIT_FIELDS)
    values = values or {"displayName": account["displayName"], "role": account["role"], "orgId": account["organization"]["id"], "version": str(account["version"])}
    return p.render(
        "accounts/detail.html", status_code=status_code, account=account, values=values, errors=inline, general=general,
        orgs=orgs, roles=[(r["value"], r["label"]) for r in roles],
    )  # fmt: skip


@page()
async def account_detail(p: Page) -> Response:
    account = await _account(p)
    if account["isMe"]:
        return RedirectResponse("/admin/account", 303)
    return await _detail(p, account)


@page(write=True)
async def account_edit(p: Page) -> Response:
    account = await _account(p)
    form = await read_form(p)
    inp: dict[str, Any] = {"id": account["id"], "version": form.integer("version"), "displayName": form.text("displayName")}
    if account["canAdminister"]:
        inp["role"] = form.choice("role", enum_values("Role"))
        inp["orgId"] = form.gid("orgId", "Organization")
    if form.errors:
        return await _detail(p, account, values=form.values(), errors=form.errors, status_code=422)
    payload = (await p.run("AccountUpdate", {"input": inp}))["updateAccount"]
    errors = payload_errors(payload)
    if errors:
        return await _detail(p, account, values=form.values(), errors=errors, status_code=error_status(payload))
    return done(p, "/admin/account" if account["isMe"] else f"/admin/accounts/{account['id']}")


ACTIONS = {
    "deactivate": ("AccountDeactivate", "deactivateAccount"),
    "reactivate": ("AccountReactivate", "reactivateAccount"),
    "reset-password": ("AccountResetPassword", "resetAccountPassword"),
}


@page(write=True)
async def account_action(p: Page) -> Response:
    """Deactivate, reactivate or reset the password: the first post asks, the second does."""
    action = p.request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404)
    account = await _account(p)
    form = await read_form(p)
    if not form.flag("confirm"):
        return p.render("accounts/_confirm.html", fragment=is_htmx(p), account=account, action=action, values=form.values(), errors=[])
    operation, field = ACTIONS[action]
    inp: dict[str, Any] = {"id": account["id"]}
    if action != "reset-password":
        inp["version"] = form.integer("version")
    if action == "deactivate":
        inp["reason"] = form.optional("reason")
    payload = (await p.run(operation, {"input": inp}))[field]
    errors = payload_errors(payload)
    if errors:
        return p.render("accounts/_confirm.html", status_code=error_status(payload), fragment=is_htmx(p),
                        account=account, action=action, values=form.values(), errors=list(errors.values()))  # fmt: skip
    if action == "reset-password":
        return p.render("accounts/password_shown.html", fragment=is_htmx(p), account=payload["account"],
                        password=payload["oneTimePassword"], created=False)  # fmt: skip
    return done(p, f"/admin/accounts/{account['id']}")


@page(write=True)
async def token_revoke(p: Page) -> Response:
    token = global_id(p.request.path_params["token"], "ApiToken")
    back = p.request.query_params.get("back", "")
    back = back if back.startswith("/admin/account") else "/admin/account"
    form = await read_form(p)
    if not form.flag("confirm"):
        return p.render("accounts/_revoke.html", fragment=is_htmx(p), token=token, back=back, label=form.text("label"), errors=[])
    payload = (await p.run("AccountTokenRevoke", {"input": {"id": token}}))["revokeApiToken"]
    errors = payload_errors(payload)
    if errors:
        return p.render("accounts/_revoke.html", status_code=error_status(payload), fragment=is_htmx(p),
                        token=token, back=back, label=form.text("label"), errors=list(errors.values()))  # fmt: skip
    return done(p, back)


# --- one's own account ----------------------------------------------------------------------------


async def _mine(p: Page) -> dict[str, Any]:
    account = (await p.run("AccountMine")).get("myAccount")
    if not account:
        raise HTTPException(404)
    return account


@page()
async def my_account(p: Page) -> Response:
    account = await _mine(p)
    return p.render("accounts/mine.html", account=account, values={"displayName": account["displayName"], "version": str(account["version"])},
                    errors={}, general=[], token=None)  # fmt: skip


@page(write=True)
async def my_token_new(p: Page) -> Response:
    form = await read_form(p)
    payload = (await p.run("AccountTokenCreate", {"input": {"label": form.optional("label"), "readOnly": form.flag("readOnly")}}))["createMyApiToken"]
    account = await _mine(p)
    errors = payload_errors(payload)
    values = {"displayName": account["displayName"], "version": str(account["version"]), "label": form.text("label")}
    if errors:
        inline, general = split_errors(errors, ["label"])
        return p.render("accounts/mine.html", status_code=error_status(payload), account=account, values=values,
                        errors=inline, general=general, token=None)  # fmt: skip
    # The token is in this answer only.
    return p.render("accounts/mine.html", account=account, values=values, errors={}, general=[], token=payload)


def password_rules(p: Page) -> str:
    minimum = p.state.settings.account_min_password_length
    return p.t("至少 %d 位，不能与用户名相同。") % minimum


@page()
async def change_password(p: Page) -> Response:
    """Change one's own password: where a must-change account is sent before anything else."""
    forced = account_service.needs_password_change(p.session, p.signed_in.account_id)
    if p.request.method == "GET":
        return p.render("accounts/password.html", forced=forced, errors={}, general=[], rules=password_rules(p))
    form = await read_form(p)
    old, new, again = (form.data.get(k, "") for k in PASSWORD_FIELDS)
    errors: FieldErrors = {}
    if not isinstance(new, str) or not new:
        errors["newPassword"] = FieldError(INVALID_INPUT, p.t("请填写新密码"), badge=False)
    elif new != again:
        errors["newPassword2"] = FieldError(INVALID_INPUT, p.t("两次输入的新密码不一致"), badge=False)
    if not errors:
        payload = (await p.run("AccountChangePassword", {"input": {"oldPassword": str(old), "newPassword": str(new)}}))["changeMyPassword"]
        errors = payload_errors(payload)
        status = error_status(payload)
    else:
        status = 422
    if errors:
        inline, general = split_errors(errors, PASSWORD_FIELDS)
        return p.render("accounts/password.html", status_code=status, forced=forced, errors=inline, general=general, rules=password_rules(p))
    return done(p, "/admin/account?changed=1")


# --- bulk creation --------------------------------------------------------------------------------

IMPORT_HELP = N_("表头：组织代码、用户名、姓名、角色（县、乡镇、村、党小组、只读）。先检查，列出每个有问题的行；没有问题才能创建，全部创建或全部不创建。")


def _import_page(p: Page, **values: Any) -> Response:
    status = values.pop("status_code", 200)
    values.setdefault("report", None)
    values.setdefault("job_id", None)
    values.setdefault("error", None)
    values.setdefault("created", None)
    return p.render("accounts/import.html", status_code=status, help=IMPORT_HELP, **values)


@page()
async def import_form(p: Page) -> Response:
    _require_admin_page(p)
    return _import_page(p)


def _refused(p: Page, result: dict[str, Any]) -> Response:
    if result["__typename"] in ("NotFound", "NotAllowed"):
        raise HTTPException(404 if result["__typename"] == "NotFound" else 403, result["message"])
    return _import_page(p, error=result["message"], status_code=422)


@page(write=True)
async def import_upload(p: Page) -> Response:
    """The check (startImport kind ACCOUNTS), waited for here; the file waits in the API's job
    store (the upload's owner only) for the commit."""
    from partygraph.admin.pages.imports import finished

    _require_admin_page(p)
    form = await p.request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _import_page(p, error=p.t("请选择要导入的文件"), status_code=422)
    if (upload.size or 0) > MAX_UPLOAD:
        return _import_page(p, error=p.t("文件太大（最大 2 MB）"), status_code=413)
    result = (await p.run("StartImport", {"kind": "ACCOUNTS", "commit": False, "file": upload}))["startImport"]
    if result["__typename"] != "JobPayload":
        return _refused(p, result)
    job = await finished(p, result["job"])
    if job["status"] != "DONE":
        return _import_page(p, error=job["error"] or p.t("检查未完成，请重新上传"), status_code=422)
    return _import_page(p, report=job["report"], job_id=job["id"], filename=job["filename"])


@page(write=True)
async def import_commit(p: Page) -> Response:
    """The commit of a clean check: every account or none; the one-time passwords are shown
    here once (the API erases them from its job store as it hands them out)."""
    from partygraph.admin.pages.imports import finished

    _require_admin_page(p)
    variables = {"kind": "ACCOUNTS", "commit": True, "checkedJob": p.request.path_params["job"]}
    result = (await p.run("StartImport", variables))["startImport"]
    if result["__typename"] != "JobPayload":
        if result["__typename"] == "NotFound" or result["code"] in ("IMPORT_NOT_CHECKED", "IMPORT_KIND_MISMATCH"):
            raise HTTPException(404)  # not this account's check, or already spent
        return _refused(p, result)
    job = await finished(p, result["job"])
    report, created = job["report"], job["createdAccounts"]
    if job["status"] != "DONE" or report is None:
        return _import_page(p, error=job["error"] or p.t("导入未完成"), status_code=422)
    if not report["committed"]:  # a row went bad since the check: nothing written
        return _import_page(p, report=report, filename=job["filename"], status_code=422)
    header = [p.t("组织代码"), p.t("所属组织"), p.t("用户名"), p.t("姓名"), p.t("角色"), p.t("一次性密码")]
    rows = [header] + [[c["orgCode"], c["orgName"], c["username"], c["displayName"], c["roleLabel"], c["password"]] for c in created or []]
    download = "data:text/csv;charset=utf-8," + quote("\ufeff" + _csv(rows))
    return _import_page(p, report=report, created=created or [], download=download, filename=job["filename"])


routes = [
    Route("/accounts", account_list),
    Route("/accounts/new", account_new, methods=["GET", "POST"]),
    Route("/accounts/import", import_form),
    Route("/accounts/import", import_upload, methods=["POST"]),
    Route("/accounts/import/{job}/commit", import_commit, methods=["POST"]),
    Route("/accounts/{id}", account_detail),
    Route("/accounts/{id}/edit", account_edit, methods=["POST"]),
    Route("/accounts/{id}/tokens/{token}/revoke", token_revoke, methods=["POST"]),
    Route("/accounts/{id}/{action}", account_action, methods=["POST"]),
    Route("/account", my_account),
    Route("/account/tokens", my_token_new, methods=["POST"]),
    Route("/account/tokens/{token}/revoke", token_revoke, methods=["POST"]),
    Route("/account/password", change_password, methods=["GET", "POST"]),
]
