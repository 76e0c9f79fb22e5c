"""Admin pages of development plans (发展党员工作计划): the list of a subtree's plans for a
year with progress bars, the plan page (planned against actual, expected by now, the
structure of the period's new members, the children's plans side by side with a
drill-down), the create and edit form (htmx, inline refusals with the rule's code), and
adopt / withdraw, each asked twice.

Every page runs a named operation of admin/operations/Plan*.graphql on the API's own schema.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, enum_values, page
from partygraph.admin.forms import (
    N_,
    Form,
    done,
    error_status,
    field_errors,
    global_id,
    home_org,
    is_htmx,
    org_options,
    read_form,
)

STATUS_FILTERS = [
    ("live", N_("草案和已通过")),
    ("adopted", N_("已通过")),
    ("draft", N_("草案")),
    ("withdrawn", N_("已撤回")),
]
NUMBER_FIELDS = [
    ("newActivists", N_("确定入党积极分子")),
    ("newTargets", N_("确定发展对象")),
    ("admissions", N_("发展党员（接收预备党员）")),
    ("conversions", N_("预备党员转正")),
]
PCT_FIELDS = [
    ("ageLe35Pct", "age_le35"),
    ("juniorHighPlusPct", "junior_high_plus"),
    ("seniorHighPlusPct", "senior_high_plus"),
    ("juniorCollegePlusPct", "junior_college_plus"),
    ("womenPct", "women"),
    ("frontLinePct", "front_line"),
]
FORM_FIELDS = [
    "orgId",
    "kind",
    "firstYear",
    *(f for f, _ in NUMBER_FIELDS),
    *(f for f, _ in PCT_FIELDS),
    "notes",
]
# How bad a line status is: the plan's badge is its worst line.
SEVERITY = {
    "missed": 5,
    "behind": 4,
    "not_started": 2,
    "on_track": 1,
    "ahead": 1,
    "done": 0,
    "no_target": -1,
}
BADGE = {
    "missed": "red",
    "behind": "red",
    "not_started": "",
    "on_track": "amber",
    "ahead": "green",
    "done": "green",
    "no_target": "",
}


# The form has no last year: a year span error shows beside the first year.
YEAR_SPAN = {"lastYear": "firstYear"}


def _worst(lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    ranked = [ln for ln in lines if ln["status"] != "no_target"]
    return max(ranked, key=lambda ln: SEVERITY[ln["status"]]) if ranked else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


# --- the list ------------------------------------------------------------------------------


@page()
async def plan_list(p: Page) -> Response:
    q = p.request.query_params
    under = global_id(q.get("under"), "Organization") if q.get("under") else home_org(p)
    year = _int(q.get("year"), p.state.clock().year)
    kind = q.get("kind") if q.get("kind") in enum_values("PlanKind") else None
    status_key = q.get("status") if q.get("status") in {s for s, _ in STATUS_FILTERS} else "live"
    status = None if status_key == "live" else [status_key]
    variables = {
        "under": under,
        "year": year,
        "kind": kind,
        "status": status,
        "after": q.get("after") or None,
    }
    data = await p.run("PlanList", variables)
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    plans = data["developmentPlans"]
    rows = []
    base = min((n["organization"]["depth"] for n in plans["nodes"]), default=0)
    for n in plans["nodes"]:
        worst = _worst(n["progress"]["lines"])
        rows.append(
            {
                **n,
                "indent": n["organization"]["depth"] - base,
                "worst": worst,
                "lines": {ln["key"]: ln for ln in n["progress"]["lines"]},
            }
        )
    return p.render(
        "plans/list.html",
        org=data["node"],
        under=under,
        year=year,
        kind=kind,
        status_key=status_key,
        kinds=p.choices("PlanKind"),
        status_filters=STATUS_FILTERS,
        numbers=NUMBER_FIELDS,
        rows=rows,
        total=plans["totalCount"],
        next_after=plans["pageInfo"]["endCursor"] if plans["pageInfo"]["hasNextPage"] else None,
        badge=BADGE,
    )


# --- the plan page ---------------------------------------------------------------------------


async def _plan(p: Page, operation: str = "PlanPage") -> dict[str, Any]:
    pid = global_id(p.request.path_params["id"], "DevelopmentPlan")
    data = await p.run(operation, {"id": pid})
    plan = data.get("node")
    if not plan:
        raise HTTPException(404, p.t("未找到该计划，或不在您的管理范围内"))
    plan["_defaults"] = data.get("developmentPlanDefaults") or []
    return plan


def _plan_context(plan: dict[str, Any]) -> dict[str, Any]:
    prog = plan["progress"]
    return {
        "plan": plan,
        "org": plan["organization"],
        "numbers": NUMBER_FIELDS,
        "badge": BADGE,
        "worst": _worst(prog["lines"]),
        "children": prog["children"],
        "short": {k for k, _ in NUMBER_FIELDS if prog["childrenPlanned"][k] < plan[k]},
    }


@page()
async def plan_page(p: Page) -> Response:
    plan = await _plan(p)
    return p.render("plans/detail.html", **_plan_context(plan))


# --- create and edit -------------------------------------------------------------------------


def _read(form: Form, *, creating: bool) -> dict[str, Any]:
    """The mutation's input from the form; shape errors (a year that is not a number) go to form.errors."""
    out: dict[str, Any] = {}
    if creating:
        out["orgId"] = form.gid("orgId", "Organization")
        out["kind"] = form.choice("kind", enum_values("PlanKind"))
    year = form.integer("firstYear")
    if year is None and "firstYear" not in form.errors:
        form.error("firstYear", N_("请填写年度"))
    out["firstYear"] = year
    for name, _ in NUMBER_FIELDS:
        out[name] = form.integer(name) or 0
    for name, _ in PCT_FIELDS:
        out[name] = form.integer(name)  # empty: the default target
    out["notes"] = form.optional("notes")
    return out


async def _form(
    p: Page,
    *,
    plan: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Response:
    if plan is None:
        data = None
        orgs: list[dict[str, Any]] = await org_options(p, "PlanFormOptions")
        defaults = (await p.run("PlanFormOptions", {"after": None}))["developmentPlanDefaults"]
    else:
        data, orgs, defaults = plan, [], plan["_defaults"]
    return p.render(
        "plans/form.html",
        status_code=status_code,
        fragment=is_htmx(p) and p.request.method == "POST",
        plan=data,
        orgs=orgs,
        kinds=p.choices("PlanKind"),
        numbers=NUMBER_FIELDS,
        pct_fields=PCT_FIELDS,
        defaults={d["key"]: d for d in defaults},
        values=values,
        errors=errors,
        fields=FORM_FIELDS,
    )


@page()
async def plan_new(p: Page) -> Response:
    if p.request.method == "GET":
        q = p.request.query_params
        values = {
            "orgId": q.get("org", ""),
            "kind": q.get("kind") if q.get("kind") in enum_values("PlanKind") else "yearly",
            "firstYear": str(_int(q.get("year"), p.state.clock().year)),
        }
        return await _form(p, plan=None, values=values, errors={})
    form = await read_form(p)
    inp = _read(form, creating=True)
    if form.errors:
        return await _form(p, plan=None, values=form.values(), errors=form.errors, status_code=422)
    payload = (await p.run("PlanCreate", {"input": inp}))["createDevelopmentPlan"]
    errors = field_errors(payload, YEAR_SPAN)
    if errors:
        return await _form(
            p, plan=None, values=form.values(), errors=errors, status_code=error_status(payload)
        )
    return done(p, f"/admin/plans/{payload['plan']['id']}")


@page()
async def plan_edit(p: Page) -> Response:
    plan = await _plan(p, "PlanForm")
    if p.request.method == "GET":
        values = {
            k: ("" if plan.get(k) is None else str(plan[k])) for k in FORM_FIELDS if k in plan
        }
        values["version"] = str(plan["version"])
        return await _form(p, plan=plan, values=values, errors={})
    form = await read_form(p)
    inp = _read(form, creating=False)
    if form.errors:
        return await _form(p, plan=plan, values=form.values(), errors=form.errors, status_code=422)
    inp.update({"id": plan["id"], "version": form.integer("version")})
    payload = (await p.run("PlanUpdate", {"input": inp}))["updateDevelopmentPlan"]
    errors = field_errors(payload, YEAR_SPAN)
    if errors:
        return await _form(
            p, plan=plan, values=form.values(), errors=errors, status_code=error_status(payload)
        )
    return done(p, f"/admin/plans/{plan['id']}")


# --- adopt and withdraw: asked twice ------------------------------------------------------------


async def _decide(p: Page, action: str) -> Response:
    plan = await _plan(p)
    form = await read_form(p)
    values = form.values()
    if not form.flag("confirm"):
        if action == "adopt":
            values.setdefault("adoptedOn", p.state.clock().isoformat())
        return _confirm(p, plan, action, values, {})
    if action == "adopt":
        inp = {
            "id": plan["id"],
            "version": form.integer("version"),
            "adoptedOn": form.date("adoptedOn"),
        }
        operation, key = "PlanAdopt", "adoptDevelopmentPlan"
    else:
        inp = {"id": plan["id"], "version": form.integer("version"), "reason": form.text("reason")}
        operation, key = "PlanWithdraw", "withdrawDevelopmentPlan"
    if form.errors:
        return _confirm(p, plan, action, values, form.errors, status_code=422)
    payload = (await p.run(operation, {"input": inp}))[key]
    errors = field_errors(payload, YEAR_SPAN)
    if errors:
        return _confirm(p, plan, action, values, errors, status_code=error_status(payload))
    return done(p, f"/admin/plans/{plan['id']}")


def _confirm(
    p: Page,
    plan: dict[str, Any],
    action: str,
    values: dict[str, Any],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Response:
    return p.render(
        "plans/_confirm.html",
        status_code=status_code,
        fragment=is_htmx(p),
        action=action,
        values=values,
        errors=errors,
        **_plan_context(plan),
    )


@page(write=True)
async def plan_adopt(p: Page) -> Response:
    return await _decide(p, "adopt")


@page(write=True)
async def plan_withdraw(p: Page) -> Response:
    return await _decide(p, "withdraw")


routes = [
    Route("/plans", plan_list),
    Route("/plans/new", plan_new, methods=["GET", "POST"]),
    Route("/plans/{id}", plan_page),
    Route("/plans/{id}/edit", plan_edit, methods=["GET", "POST"]),
    Route("/plans/{id}/adopt", plan_adopt, methods=["POST"]),
    Route("/plans/{id}/withdraw", plan_withdraw, methods=["POST"]),
]
