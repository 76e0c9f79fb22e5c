"""Admin pages of assistance (党内关怀帮扶): the case ledger (filters, CSV), the case page
with its workflow and help forms, the funds with their book and a read-only supervision
view, loans with their schedule, and the allowance run (preview, confirm, pay).

Every page runs a named operation of admin/operations/ on the API's own schema; every
change is a mutation whose error union is shown next to the field, with its rule code.
Amounts are typed in yuan ("865.50") and sent to the API as integer fen.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from partygraph import exports
from partygraph.admin import forms
from partygraph.admin.core import OperationError, Page, enum_values, page, submit
from partygraph.admin.field_errors import FieldError, FieldErrors
from partygraph.admin.forms import N_, done, field_errors, global_id, is_htmx
from partygraph.rules.assistance import parse_yuan

PAGE_SIZE = 30
CSV_PAGE = 100

# Choices are the API's enum values, labelled from its enumLabels (Page.choices); these name
# the subsets and orders a form offers.
CASE_STEPS = ("appraise", "notice", "report", "approve", "refuse", "file", "review")  # not "apply"
HELP_KINDS = ("training", "job")  # the other kinds have forms of their own
PAIRING_KINDS = ("members", "branches")
COVERS = [("technology", N_("包技术")), ("project", N_("包项目")), ("until_out", N_("包脱贫"))]
INFLOW_KINDS = ("budget", "party_fees", "contribution", "donation")
ROLL_KINDS = ("age80", "retired_cadre", "seniority")  # a survivor's payment is one-off, not rolled
MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


# --- small helpers ---------------------------------------------------------------------------------


class Form(forms.Form):
    """The toolkit's form, plus amounts of money in yuan; its errors show their code."""

    badge = True

    def fen(self, name: str, *, required: bool = False) -> int | None:
        return self.parsed(
            name, parse_yuan, N_("金额格式应为元，最多两位小数，如 1200.50"), missing=N_("请填写金额"), required=required
        )


async def _form(p: Page) -> Form:
    return Form(p, await p.request.form())


def _csv_line(row: list[Any]) -> str:
    return exports.csv_line(row)  # formulas neutralised, like every export


def _csv_response(p: Page, name: str, ascii_name: str, lines: AsyncIterator[str]) -> Response:
    filename = p.t(name) + f"-{p.state.clock().isoformat()}.csv"
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}.csv\"; filename*=UTF-8''{quote(filename)}"
        },
    )


# --- the ledger (台帐) ------------------------------------------------------------------------------


def _case_filter(p: Page) -> tuple[dict[str, Any], dict[str, Any]]:
    q = p.request.query_params
    params = {
        "status": q.get("status", ""),
        "cause": q.get("cause", ""),
        "overdue": q.get("overdue", ""),
        "search": q.get("search", "").strip(),
        "under": q.get("under", ""),
    }
    f: dict[str, Any] = {}
    if params["status"] in enum_values("AssistanceCaseStatus"):
        f["status"] = [params["status"]]
    if params["cause"] in enum_values("AssistanceCause"):
        f["cause"] = [params["cause"]]
    if params["overdue"] == "1":
        f["overdueReview"] = True
    if params["search"]:
        f["search"] = params["search"]
    if params["under"]:
        f["under"] = global_id(params["under"], "Organization")
    return params, f


YES = N_("是")
CASE_CSV = [
    (N_("姓名"), lambda c, t: c["member"]["name"]),
    (N_("性别"), lambda c, t: c["member"]["genderLabel"]),
    (N_("年龄"), lambda c, t: c["member"]["age"]),
    (N_("所在组织"), lambda c, t: (c["organization"] or {}).get("name", "")),
    (N_("致困原因"), lambda c, t: c["causeLabel"]),
    (N_("认定标准"), lambda c, t: c["standardLabel"] or ""),
    (N_("家庭人口"), lambda c, t: c["householdSize"]),
    (N_("家庭年收入（元）"), lambda c, t: c["yearlyIncomeYuan"] or ""),
    (N_("人均年收入（元）"), lambda c, t: c["incomePerPersonYuan"] or ""),
    (N_("生产生活情况"), lambda c, t: c["situation"] or ""),
    (N_("状态"), lambda c, t: c["statusLabel"]),
    (N_("申请日期"), lambda c, t: c["appliedOn"]),
    (N_("备案日期"), lambda c, t: c["filedOn"] or ""),
    (N_("下次复核"), lambda c, t: c["reviewDueOn"] or ""),
    (N_("复核逾期"), lambda c, t: t(YES) if c["reviewOverdue"] else ""),
    (
        N_("累计救助金额（元）"),
        lambda c, t: f"{c['totalGivenFen'] // 100}.{c['totalGivenFen'] % 100:02d}",
    ),
]


@page()
async def case_list(p: Page) -> Response:
    params, f = _case_filter(p)
    if p.request.query_params.get("format") == "csv":
        first = await p.run("AssistanceCaseList", {"filter": f, "first": CSV_PAGE})

        async def lines() -> AsyncIterator[str]:
            with p.state.session_factory() as session:
                p.session = session
                yield "\ufeff" + _csv_line([p.t(title) for title, _ in CASE_CSV])
                data = first
                while True:
                    for c in data["assistanceCases"]["nodes"]:
                        yield _csv_line([value(c, p.t) for _, value in CASE_CSV])
                    info = data["assistanceCases"]["pageInfo"]
                    if not info["hasNextPage"]:
                        break
                    data = await p.run(
                        "AssistanceCaseList",
                        {"filter": f, "first": CSV_PAGE, "after": info["endCursor"]},
                    )

        return _csv_response(p, N_("困难党员台帐"), "assistance-cases", lines())
    after = p.request.query_params.get("after") or None
    data = await p.run("AssistanceCaseList", {"filter": f, "first": PAGE_SIZE, "after": after})
    query = urlencode({k: v for k, v in params.items() if v})
    return p.render(
        "assistance/list.html",
        cases=data["assistanceCases"],
        params=params,
        query=query,
        statuses=p.choices("AssistanceCaseStatus"),
        causes=p.choices("AssistanceCause"),
    )


# --- opening a case ----------------------------------------------------------------------------------


@page()
async def case_new(p: Page) -> Response:
    values: dict[str, Any] = {"appliedOn": p.state.clock().isoformat()}
    errors: FieldErrors = {}
    status = 200
    if p.request.method == "POST":
        form = await _form(p)
        values = form.values()
        family = []
        for line in (form.optional("familyMembers") or "").splitlines():
            parts = [x.strip() for x in re.split(r"[,，、\s]+", line.strip()) if x.strip()]
            if parts:
                family.append(
                    {"name": parts[0], "relation": parts[1] if len(parts) > 1 else "家属"}
                )
        data = {
            "memberId": form.gid("memberId", "Member"),
            "cause": form.choice("cause", enum_values("AssistanceCause")),
            "appliedOn": form.date("appliedOn", required=True),
            "familyMembers": family,
            "yearlyIncomeFen": form.fen("yearlyIncome"),
            "situation": form.optional("situation"),
            "standard": form.choice("standard", enum_values("AssistanceStandard"), required=False),
            "standardNote": form.optional("standardNote"),
            "application": form.optional("application"),
        }
        result, errors, status = await submit(
            p, "AssistanceOpenCase", "openAssistanceCase", {"input": data}, form.errors, field_errors
        )
        if result is not None:
            return done(p, f"/admin/assistance/{result['assistanceCase']['id']}")
    elif p.request.query_params.get("member"):
        values["memberId"] = p.request.query_params["member"]
    search = p.request.query_params.get("q") or None
    options = (await p.run("AssistanceMemberOptions", {"search": search}))["members"]
    return p.render(
        "assistance/new.html",
        status_code=status,
        values=values,
        errors=errors,
        members=options,
        search=search or "",
        causes=p.choices("AssistanceCause"),
        standards=p.choices("AssistanceStandard"),
    )


# --- the case page and its forms ---------------------------------------------------------------------


async def _load_case(p: Page) -> dict[str, Any]:
    data = await p.run(
        "AssistanceCasePage", {"id": global_id(p.request.path_params["id"], "AssistanceCase")}
    )
    case = data.get("node")
    if not case:
        raise HTTPException(404, p.t("未找到该帮扶对象，或不在您的管理范围内"))
    case["funds"] = data.get("funds") or []
    case["agencies"] = []
    if p.viewer and p.viewer.can_write:  # the helpers to choose from, for the pairing form only
        case["agencies"] = (await p.run("PairingHelperOptions"))["agencies"]["nodes"]
    return case


def _case_values(case: dict[str, Any], today: date) -> dict[str, dict[str, str]]:
    on = today.isoformat()
    return {
        "step": {"on": on, "version": str(case["version"]), "step": (case["nextSteps"] or [""])[0]},
        "visit": {"on": on},
        "grant": {"on": on},
        "loan": {"on": on, "termMonths": "24", "installments": "4"},
        "help": {"on": on},
        "pairing": {"startedOn": on},
    }


def _render_case(p: Page, case: dict[str, Any], *, form: str | None = None, values: dict[str, str] | None = None,
                 errors: FieldErrors | None = None, status: int = 200) -> Response:  # fmt: skip
    all_values = _case_values(case, p.state.clock())
    if form and values is not None:
        all_values[form] = values
    context = {
        "case": case,
        "values": all_values,
        "errors": {form: errors or {}} if form else {},
        "steps": dict(p.choices("AssistanceStep", CASE_STEPS)),
        "outcomes": p.choices("ReviewOutcome"),
        "occasions": p.choices("VisitOccasion"),
        "help_kinds": p.choices("HelpKind", HELP_KINDS),
        "covers": COVERS,
    }
    if form and is_htmx(p):
        return p.render("assistance/_case_form.html", status_code=status, form=form, **context)
    return p.render("assistance/detail.html", status_code=status, **context)


@page()
async def case_detail(p: Page) -> Response:
    return _render_case(p, await _load_case(p))


def _step_input(f: Form, case_id: str) -> dict[str, Any]:
    return {
        "id": case_id,
        "version": f.integer("version") or 0,
        "step": f.choice("step", list(CASE_STEPS)),
        "on": f.date("on", required=True),
        "record": f.optional("record"),
        "noticeStartsOn": f.date("noticeStartsOn"),
        "noticeEndsOn": f.date("noticeEndsOn"),
        "objections": f.optional("objections"),
        "objectionResolution": f.optional("objectionResolution"),
        "reason": f.optional("reason"),
        "outcome": f.choice("outcome", enum_values("ReviewOutcome"), required=False),
    }


def _visit_input(f: Form, case_id: str) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "on": f.date("on", required=True),
        "occasion": f.choice("occasion", enum_values("VisitOccasion")),
        "helper": f.optional("helper") or "",
        "amountFen": f.fen("amount") or 0,
        "goods": f.optional("goods"),
        "approver": f.optional("approver"),
        "fundId": f.gid("fundId", "Fund", required=False),
        "note": f.optional("note"),
    }


def _grant_input(f: Form, case_id: str) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "fundId": f.gid("fundId", "Fund"),
        "amountFen": f.fen("amount", required=True),
        "on": f.date("on", required=True),
        "approver": f.optional("approver") or "",
        "note": f.optional("note"),
    }


def _loan_input(f: Form, case_id: str) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "fundId": f.gid("fundId", "Fund"),
        "amountFen": f.fen("amount", required=True),
        "on": f.date("on", required=True),
        "approver": f.optional("approver") or "",
        "termMonths": f.integer("termMonths"),
        "installments": f.integer("installments"),
        "purpose": f.optional("purpose"),
    }


def _help_input(f: Form, case_id: str) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "kind": f.choice("kind", list(HELP_KINDS)),
        "on": f.date("on", required=True),
        "helper": f.optional("helper") or "",
        "note": f.optional("note") or "",
    }


def _case_pairing_input(f: Form, case_id: str) -> dict[str, Any]:
    return _pairing_input(f, "members", case_id)


CASE_FORMS: dict[str, tuple[str, str, Callable[[Form, str], dict[str, Any]]]] = {
    "step": ("AssistanceAdvance", "advanceAssistanceCase", _step_input),
    "visit": ("AssistanceVisit", "recordAssistanceVisit", _visit_input),
    "grant": ("AssistanceGrant", "grantAssistance", _grant_input),
    "loan": ("LoanLend", "lendAssistance", _loan_input),
    "help": ("AssistanceHelp", "recordAssistanceHelp", _help_input),
    "pairing": ("PairingCreate", "createPairing", _case_pairing_input),
}


@page(write=True)
async def case_form(p: Page) -> Response:
    name = p.request.path_params["form"]
    if name not in CASE_FORMS:
        raise HTTPException(404)
    case_id = global_id(p.request.path_params["id"], "AssistanceCase")
    operation, field, build = CASE_FORMS[name]
    f = await _form(p)
    data = build(f, case_id)
    result, errors, status = await submit(p, operation, field, {"input": data}, f.errors, field_errors)
    if result is not None:
        if name == "loan":
            return done(p, f"/admin/loans/{result['loan']['id']}")
        if name == "pairing":
            return done(p, f"/admin/pairings/{result['pairing']['id']}")
        return done(p, f"/admin/assistance/{case_id}")
    case = await _load_case(p)
    values: dict[str, Any] = (
        {**f.values(), "covers": f.many("covers", COVERS)} if name == "pairing" else f.values()
    )
    return _render_case(p, case, form=name, values=values, errors=errors, status=status)


# --- funds -------------------------------------------------------------------------------------------


async def _render_funds(
    p: Page,
    *,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    values = values or {"establishedOn": p.state.clock().isoformat(), "principal": "0"}
    orgs = (
        (await p.run("FundOrgOptions"))["organizations"]["nodes"]
        if p.viewer and p.viewer.can_write
        else []
    )
    if errors is not None and is_htmx(p):
        return p.render(
            "assistance/_fund_form.html",
            status_code=status,
            values=values,
            errors=errors,
            orgs=orgs,
        )
    data = await p.run("FundList")
    return p.render(
        "assistance/funds.html",
        status_code=status,
        funds=data["funds"],
        values=values,
        errors=errors or {},
        orgs=orgs,
    )


@page()
async def fund_list(p: Page) -> Response:
    return await _render_funds(p)


@page(write=True)
async def fund_create(p: Page) -> Response:
    """A new help fund held by a county or township committee, with the principal it keeps."""
    f = await _form(p)
    data = {
        "orgId": f.gid("orgId", "Organization", required=False),
        "name": f.optional("name") or "",
        "establishedOn": f.date("establishedOn", required=True),
        "principalFen": f.fen("principal") or 0,
    }
    if data["orgId"] is None and "orgId" not in f.errors:
        f.error("orgId", N_("请选择设立基金的党委"))
    result, errors, status = await submit(
        p, "FundCreate", "createFund", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/funds/{result['fund']['id']}")
    return await _render_funds(p, values=f.values(), errors=errors, status=status)


def _entry_filter(p: Page, fund_id: str) -> tuple[dict[str, str], dict[str, Any]]:
    q = p.request.query_params
    params = {
        "direction": q.get("direction", ""),
        "kind": q.get("kind", ""),
        "from": q.get("from", ""),
        "to": q.get("to", ""),
    }
    f: dict[str, Any] = {"fund": fund_id}
    if params["direction"] in ("inflow", "outflow"):
        f["direction"] = params["direction"]
    if params["kind"] in enum_values("FundEntryKind"):
        f["kind"] = [params["kind"]]
    for key, name in (("from", "fromDate"), ("to", "toDate")):
        try:
            if params[key]:
                f[name] = date.fromisoformat(params[key]).isoformat()
        except ValueError:
            params[key] = ""
    return params, f


BOOK_CSV = [
    (N_("日期"), lambda e: e["on"]),
    (N_("收支"), lambda e: "收入" if e["direction"] == "inflow" else "支出"),
    (N_("类别"), lambda e: e["kindLabel"]),
    (N_("金额（元）"), lambda e: e["amountYuan"]),
    (N_("余额（元）"), lambda e: e["balanceAfterYuan"]),
    (N_("来源/对象"), lambda e: e["counterparty"] or ""),
    (N_("审批人"), lambda e: e["approver"]),
    (N_("摘要"), lambda e: e["note"] or ""),
    (N_("经办人"), lambda e: e["actorName"] or ""),
]


async def _fund_page(p: Page, template: str, *, values: dict[str, str] | None = None,
                     errors: FieldErrors | None = None, status: int = 200) -> Response:  # fmt: skip
    fund_id = global_id(p.request.path_params["id"], "Fund")
    params, f = _entry_filter(p, fund_id)
    if p.request.query_params.get("format") == "csv":
        first = await p.run("FundPage", {"id": fund_id, "filter": f, "first": CSV_PAGE})
        if not first.get("node"):
            raise HTTPException(404)

        async def lines() -> AsyncIterator[str]:
            with p.state.session_factory() as session:
                p.session = session
                yield "\ufeff" + _csv_line([p.t(t) for t, _ in BOOK_CSV])
                data = first
                while True:
                    for e in data["fundEntries"]["nodes"]:
                        yield _csv_line([p.t(v(e)) if t == "收支" else v(e) for t, v in BOOK_CSV])
                    info = data["fundEntries"]["pageInfo"]
                    if not info["hasNextPage"]:
                        break
                    data = await p.run(
                        "FundPage",
                        {"id": fund_id, "filter": f, "first": CSV_PAGE, "after": info["endCursor"]},
                    )

        return _csv_response(p, N_("帮扶基金账簿"), "fund-book", lines())
    after = p.request.query_params.get("after") or None
    data = await p.run("FundPage", {"id": fund_id, "filter": f, "first": PAGE_SIZE, "after": after})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该基金，或不在您的管理范围内"))
    return p.render(
        template,
        status_code=status,
        fund=data["node"],
        entries=data["fundEntries"],
        params=params,
        query=urlencode({k: v for k, v in params.items() if v}),
        entry_kinds=p.choices("FundEntryKind"),
        inflow_kinds=p.choices("FundEntryKind", INFLOW_KINDS),
        values=values or {"on": p.state.clock().isoformat()},
        errors=errors or {},
    )


@page()
async def fund_detail(p: Page) -> Response:
    return await _fund_page(p, "assistance/fund.html")


@page()
async def fund_supervision(p: Page) -> Response:
    """The supervision group's view: the same book, read-only, with the book's own sum beside the balance."""
    return await _fund_page(p, "assistance/fund_supervision.html")


@page(write=True)
async def fund_inflow(p: Page) -> Response:
    fund_id = global_id(p.request.path_params["id"], "Fund")
    f = await _form(p)
    data = {
        "fundId": fund_id,
        "kind": f.choice("kind", list(INFLOW_KINDS)),
        "amountFen": f.fen("amount", required=True),
        "on": f.date("on", required=True),
        "approver": f.optional("approver") or "",
        "counterparty": f.optional("counterparty"),
        "note": f.optional("note"),
    }
    result, errors, status = await submit(
        p, "FundInflow", "recordFundInflow", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/funds/{fund_id}")
    if is_htmx(p):
        return p.render(
            "assistance/_inflow_form.html",
            status_code=status,
            fund={"id": fund_id},
            values=f.values(),
            errors=errors,
            inflow_kinds=p.choices("FundEntryKind", INFLOW_KINDS),
        )
    return await _fund_page(
        p, "assistance/fund.html", values=f.values(), errors=errors, status=status
    )


# --- pairings (结对帮扶) and their promises ----------------------------------------------------------

PAIRING_FORMS = {
    "members": ["caseId", "helperMemberId", "startedOn", "covers", "note"],
    "branches": ["agencyOrgId", "villageOrgId", "startedOn", "covers", "note"],
}


def _pairing_input(f: Form, kind: str, case_id: str | None = None) -> dict[str, Any]:
    """Either side left empty goes to the API, which answers R-AID-14 next to the field."""
    data: dict[str, Any] = {
        "kind": kind,
        "startedOn": f.date("startedOn", required=True),
        "covers": f.many("covers", COVERS),
        "note": f.optional("note"),
    }
    if kind == "branches":
        data["agencyOrgId"] = f.gid("agencyOrgId", "Organization", required=False)
        data["villageOrgId"] = f.gid("villageOrgId", "Organization", required=False)
    else:
        data["caseId"] = case_id or f.gid("caseId", "AssistanceCase", required=False)
        data["helperMemberId"] = f.gid("helperMemberId", "Member", required=False)
    return data


async def _render_pairings(
    p: Page,
    *,
    kind: str | None = None,
    values: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    all_values: dict[str, dict[str, Any]] = {
        k: {"startedOn": p.state.clock().isoformat()} for k in PAIRING_KINDS
    }
    if kind and values is not None:
        all_values[kind] = values
    context: dict[str, Any] = {
        "values": all_values,
        "errors": {kind: errors or {}} if kind else {},
        "kinds": dict(p.choices("PairingKind", PAIRING_KINDS)),
        "covers": COVERS,
        "fields": PAIRING_FORMS,
        "options": (await p.run("PairingOptions")) if p.viewer and p.viewer.can_write else {},
    }
    if kind and is_htmx(p):
        return p.render("assistance/_pairing_new.html", status_code=status, kind=kind, **context)
    active = p.request.query_params.get("active") == "1"
    after = p.request.query_params.get("after") or None
    data = await p.run("PairingList", {"activeOnly": active, "first": PAGE_SIZE, "after": after})
    return p.render(
        "assistance/pairings.html",
        status_code=status,
        pairings=data["pairings"],
        active=active,
        **context,
    )


@page()
async def pairing_list(p: Page) -> Response:
    return await _render_pairings(p)


@page(write=True)
async def pairing_create(p: Page) -> Response:
    f = await _form(p)
    kind = f.optional("kind") or ""
    if kind not in PAIRING_KINDS:
        raise HTTPException(400)
    data = _pairing_input(f, kind)
    result, errors, status = await submit(
        p, "PairingCreate", "createPairing", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/pairings/{result['pairing']['id']}")
    values = {**f.values(), "covers": data["covers"]}
    return await _render_pairings(p, kind=kind, values=values, errors=errors, status=status)


async def _render_pairing(
    p: Page,
    *,
    form: str | None = None,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    data = await p.run("PairingPage", {"id": global_id(p.request.path_params["id"], "Pairing")})
    pairing = data.get("node")
    if not pairing:
        raise HTTPException(404, p.t("未找到该结对，或不在您的管理范围内"))
    on = p.state.clock().isoformat()
    all_values: dict[str, dict[str, str]] = {"end": {"endedOn": on}, "promise": {"madeOn": on}}
    all_values |= {f"keep-{pr['id']}": {"keptOn": on} for pr in pairing["promises"]}
    all_values |= {f"break-{pr['id']}": {"brokenOn": on} for pr in pairing["promises"]}
    if form and values is not None:
        all_values[form] = values
    context = {
        "pairing": pairing,
        "values": all_values,
        "errors": {form: errors or {}} if form else {},
    }
    if form and is_htmx(p):
        kind, _, promise_id = form.partition("-")
        if kind in ("keep", "break"):
            promise = next((pr for pr in pairing["promises"] if pr["id"] == promise_id), None)
            if promise is None:
                raise HTTPException(404)
            return p.render(
                "assistance/_pairing_form.html",
                status_code=status,
                form=kind,
                promise=promise,
                **context,
            )
        return p.render("assistance/_pairing_form.html", status_code=status, form=form, **context)
    return p.render("assistance/pairing.html", status_code=status, **context)


@page()
async def pairing_detail(p: Page) -> Response:
    return await _render_pairing(p)


@page(write=True)
async def pairing_end(p: Page) -> Response:
    """End a pairing (the page asks to confirm first): no promise can be added after."""
    pairing_id = global_id(p.request.path_params["id"], "Pairing")
    f = await _form(p)
    data = {
        "id": pairing_id,
        "version": f.integer("version") or 0,
        "endedOn": f.date("endedOn", required=True),
    }
    result, errors, status = await submit(
        p, "PairingEnd", "endPairing", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/pairings/{pairing_id}")
    return await _render_pairing(p, form="end", values=f.values(), errors=errors, status=status)


@page(write=True)
async def promise_add(p: Page) -> Response:
    pairing_id = global_id(p.request.path_params["id"], "Pairing")
    f = await _form(p)
    data = {
        "pairingId": pairing_id,
        "text": f.optional("text") or "",
        "madeOn": f.date("madeOn", required=True),
        "dueOn": f.date("dueOn", required=True),
    }
    result, errors, status = await submit(
        p, "PromiseAdd", "addPromise", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/pairings/{pairing_id}")
    return await _render_pairing(p, form="promise", values=f.values(), errors=errors, status=status)


@page(write=True)
async def promise_keep(p: Page) -> Response:
    """Mark a promise kept, with the date and how (兑现情况)."""
    pairing_id = global_id(p.request.path_params["id"], "Pairing")
    promise_id = global_id(p.request.path_params["promise"], "Promise")
    f = await _form(p)
    data = {
        "id": promise_id,
        "version": f.integer("version") or 0,
        "keptOn": f.date("keptOn", required=True),
        "note": f.optional("note"),
    }
    result, errors, status = await submit(
        p, "PromiseKeep", "keepPromise", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/pairings/{pairing_id}")
    return await _render_pairing(
        p, form=f"keep-{promise_id}", values=f.values(), errors=errors, status=status
    )


@page(write=True)
async def promise_break(p: Page) -> Response:
    """Record a promise as not to be kept (未兑现), with the date and the reason; the page asks
    to confirm first. Decided, it no longer shows as overdue (R-AID-16)."""
    pairing_id = global_id(p.request.path_params["id"], "Pairing")
    promise_id = global_id(p.request.path_params["promise"], "Promise")
    f = await _form(p)
    data = {
        "id": promise_id,
        "version": f.integer("version") or 0,
        "brokenOn": f.date("brokenOn", required=True),
        "reason": f.optional("reason") or "",
    }
    result, errors, status = await submit(
        p, "PromiseBreak", "breakPromise", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/pairings/{pairing_id}")
    return await _render_pairing(
        p, form=f"break-{promise_id}", values=f.values(), errors=errors, status=status
    )


# --- loans -------------------------------------------------------------------------------------------


@page()
async def loan_list(p: Page) -> Response:
    status = p.request.query_params.get("status", "")
    f = {"status": [status]} if status in enum_values("LoanStatus") else {}
    data = await p.run("LoanList", {"filter": f, "first": 100})
    return p.render(
        "assistance/loans.html", loans=data["loans"], status=status, loan_statuses=p.choices("LoanStatus")
    )


async def _loan_page(
    p: Page,
    *,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    data = await p.run("LoanPage", {"id": global_id(p.request.path_params["id"], "Loan")})
    loan = data.get("node")
    if not loan:
        raise HTTPException(404, p.t("未找到该借款，或不在您的管理范围内"))
    template = (
        "assistance/_repay_form.html"
        if errors is not None and is_htmx(p)
        else "assistance/loan.html"
    )
    return p.render(
        template,
        status_code=status,
        loan=loan,
        values=values or {"on": p.state.clock().isoformat()},
        errors=errors or {},
    )


@page()
async def loan_detail(p: Page) -> Response:
    return await _loan_page(p)


@page(write=True)
async def loan_repay(p: Page) -> Response:
    loan_id = global_id(p.request.path_params["id"], "Loan")
    f = await _form(p)
    data = {
        "loanId": loan_id,
        "version": f.integer("version") or 0,
        "amountFen": f.fen("amount", required=True),
        "on": f.date("on", required=True),
        "receivedBy": f.optional("receivedBy"),
    }
    result, errors, status = await submit(
        p, "LoanRepay", "repayLoan", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/loans/{loan_id}")
    return await _loan_page(p, values=f.values(), errors=errors, status=status)


# --- allowances: preview, confirm, pay ------------------------------------------------------------


async def _render_allowances(
    p: Page, values: dict[str, str], errors: FieldErrors, *,
    roll_values: dict[str, str] | None = None, roll_errors: FieldErrors | None = None,
) -> Response:  # fmt: skip
    year = p.state.clock().year
    options = await p.run("AllowanceOrgOptions", {"year": year})
    orgs = options["organizations"]["nodes"]
    if not values.get("under") and orgs:
        values["under"] = orgs[0]["id"]
    preview = None
    if values.get("kind"):
        if values["kind"] not in enum_values("AllowanceKind"):
            errors["kind"] = FieldError("INVALID_INPUT", p.t("请选择一项"))
        if not MONTH_RE.match(values.get("month", "")):
            errors["month"] = FieldError("R-AID-13", p.t("月份格式应为 YYYY-MM"))
        if not errors.keys() & {"kind", "month", "under"}:
            try:
                preview = (
                    await p.run(
                        "AllowancePreview", {k: values[k] for k in ("under", "kind", "month")}
                    )
                )["allowanceEligibility"]
            except OperationError as exc:
                code = "R-AID-13" if "R-AID-13" in str(exc) else "NOT_FOUND"
                errors["month" if code == "R-AID-13" else "under"] = FieldError(code, str(exc).split(": ", 1)[-1])
    return p.render(
        "assistance/allowances.html",
        status_code=422 if errors or roll_errors else 200,
        values=values,
        errors=errors,
        preview=preview,
        orgs=orgs,
        runs=options["allowanceRuns"]["nodes"],
        kinds=p.choices("AllowanceKind"),
        year=year,
        rolls=options["allowanceRolls"],
        villages=[
            o for o in orgs if o["kind"] == "branch" and o["branchType"] in ("village", "community")
        ],
        roll_kinds=p.choices("AllowanceKind", ROLL_KINDS),
        roll_values=roll_values or {"year": str(year), "on": p.state.clock().isoformat()},
        roll_errors=roll_errors or {},
    )


@page()
async def allowances(p: Page) -> Response:
    q = p.request.query_params
    values = {
        "under": q.get("under", ""),
        "kind": q.get("kind", ""),
        "month": q.get("month", p.state.clock().strftime("%Y-%m")),
    }
    return await _render_allowances(p, values, {})


@page(write=True)
async def allowance_pay(p: Page) -> Response:
    """The confirmation step: only a posted, confirmed preview pays."""
    f = await _form(p)
    values = {k: f.optional(k) or "" for k in ("under", "kind", "month")}
    data = {
        "orgId": f.gid("under", "Organization"),
        "kind": f.choice("kind", enum_values("AllowanceKind")),
        "month": values["month"],
    }
    if f.optional("confirm") != "1":
        f.errors["confirm"] = FieldError("CONFIRM", p.t("请先核对名单并勾选确认"))
    if not f.errors:
        result = (await p.run("AllowancePay", {"input": data}))["payAllowances"]
        errors = field_errors(result)
        if not errors:
            return done(p, f"/admin/allowances/runs/{result['run']['id']}")
        f.errors = {"confirm": next(iter(errors.values()))}
    return await _render_allowances(
        p, values, {"confirm": f.errors.get("confirm") or next(iter(f.errors.values()))}
    )


@page(write=True)
async def roll_declare(p: Page) -> Response:
    """The village declares its yearly list (R-AID-17)."""
    f = await _form(p)
    data = {
        "orgId": f.gid("orgId", "Organization"),
        "year": f.integer("year"),
        "kind": f.choice("kind", list(ROLL_KINDS)),
        "on": f.date("on", required=True),
    }
    if data["year"] is None and "year" not in f.errors:
        f.error("year", N_("请填写整数"))
    result, errors, _ = await submit(
        p, "AllowanceRollDeclare", "declareAllowanceRoll", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/allowances/rolls/{result['roll']['id']}")
    values = {"under": "", "kind": "", "month": p.state.clock().strftime("%Y-%m")}
    return await _render_allowances(p, values, {}, roll_values=f.values(), roll_errors=errors)


async def _roll_page(
    p: Page,
    *,
    values: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    data = await p.run(
        "AllowanceRollPage", {"id": global_id(p.request.path_params["id"], "AllowanceRoll")}
    )
    roll = data.get("node")
    if not roll:
        raise HTTPException(404)
    template = (
        "assistance/_roll_form.html"
        if errors is not None and is_htmx(p)
        else "assistance/allowance_roll.html"
    )
    return p.render(
        template,
        status_code=status,
        roll=roll,
        values=values or {"on": p.state.clock().isoformat()},
        errors=errors or {},
        struck=set((values or {}).get("strike", [])),
    )


@page()
async def roll_detail(p: Page) -> Response:
    return await _roll_page(p)


@page(write=True)
async def roll_step(p: Page) -> Response:
    roll_id = global_id(p.request.path_params["id"], "AllowanceRoll")
    raw = await p.request.form()
    f = Form(p, raw)
    strike = [str(v) for v in raw.getlist("strike") if isinstance(v, str) and v]
    data = {
        "id": roll_id,
        "version": f.integer("version") or 0,
        "step": (f.choice("step", ["verify", "confirm", "post"]) or "verify").upper(),
        "on": f.date("on", required=True),
        "strikeMemberIds": strike,
        "note": f.optional("note"),
    }
    result, errors, status = await submit(
        p, "AllowanceRollAdvance", "advanceAllowanceRoll", {"input": data}, f.errors, field_errors
    )
    if result is not None:
        return done(p, f"/admin/allowances/rolls/{roll_id}")
    return await _roll_page(
        p, values={**f.values(), "strike": strike}, errors=errors, status=status
    )


@page()
async def allowance_run(p: Page) -> Response:
    data = await p.run("AllowanceRun", {"id": global_id(p.request.path_params["id"], "AllowanceRun")})
    run = data.get("node")
    if not run:
        raise HTTPException(404)
    return p.render("assistance/allowance_run.html", run=run)


routes = [
    Route("/assistance", case_list),
    Route("/assistance/new", case_new, methods=["GET", "POST"]),
    Route("/assistance/{id}", case_detail),
    Route("/assistance/{id}/{form}", case_form, methods=["POST"]),
    Route("/funds", fund_list),
    Route("/funds", fund_create, methods=["POST"]),
    Route("/funds/{id}", fund_detail),
    Route("/funds/{id}/supervision", fund_supervision),
    Route("/funds/{id}/inflow", fund_inflow, methods=["POST"]),
    Route("/pairings", pairing_list),
    Route("/pairings", pairing_create, methods=["POST"]),
    Route("/pairings/{id}", pairing_detail),
    Route("/pairings/{id}/end", pairing_end, methods=["POST"]),
    Route("/pairings/{id}/promises", promise_add, methods=["POST"]),
    Route("/pairings/{id}/promises/{promise}/keep", promise_keep, methods=["POST"]),
    Route("/pairings/{id}/promises/{promise}/break", promise_break, methods=["POST"]),
    Route("/loans", loan_list),
    Route("/loans/{id}", loan_detail),
    Route("/loans/{id}/repay", loan_repay, methods=["POST"]),
    Route("/allowances", allowances),
    Route("/allowances/pay", allowance_pay, methods=["POST"]),
    Route("/allowances/runs/{id}", allowance_run),
    Route("/allowances/rolls", roll_declare, methods=["POST"]),
    Route("/allowances/rolls/{id}", roll_detail),
    Route("/allowances/rolls/{id}/step", roll_step, methods=["POST"]),
]
