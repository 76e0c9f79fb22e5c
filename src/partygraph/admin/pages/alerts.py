"""Admin: every alert of a subtree (/admin/alerts), the four areas merged by `allAlerts`.

Filters (area, rule, organisation, only the organisation's own alerts), sorting by due
date, pages with the total from `alertKinds`, each alert linked to the record it is about,
and the filtered list as .csv or .xlsx. A filter change swaps #alerts-body with htmx (the
kind choices and counts follow the organisation and area) and pushes the URL.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, enum_values, numbered_page, page
from partygraph.admin.forms import N_, global_id, home_org, org_options

# Only the export's column still reads this copy (the export is moving to jobs); the pages
# label areas from the API's AlertArea labels.
AREAS = [
    ("pipeline", N_("发展党员")),
    ("branch_life", N_("组织生活")),
    ("evaluation", N_("评议考核")),
    ("assistance", N_("关怀帮扶")),
]
AREA_OF_TYPE = {
    "PipelineAlert": "pipeline",
    "BranchLifeAlert": "branch_life",
    "EvaluationAlert": "evaluation",
    "AssistanceAlert": "assistance",
}
SORTS = {"due": "DUE_ASC", "-due": "DUE_DESC"}
CODE = re.compile(r"^[A-Z0-9-]{1,40}$")
PAGE_SIZE = 50
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def list_params(p: Page) -> dict[str, str]:
    """The list's state from the query string, cleaned: what links and exports carry along."""
    q = p.request.query_params
    under = q.get("under", "").strip()
    kind = q.get("kind", "").strip()
    return {
        "under": global_id(under, "Organization") if under else "",
        "area": q.get("area", "") if q.get("area") in enum_values("AlertArea") else "",
        "kind": kind if CODE.match(kind) else "",
        "direct": "1" if q.get("direct") in ("1", "on", "true") else "",
        "sort": q.get("sort", "") if q.get("sort") in SORTS else "",
    }


def list_url(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    if merged.get("page") == 1:
        del merged["page"]
    query = urlencode({k: v for k, v in merged.items() if v not in (None, "")})
    return "/admin/alerts" + ("?" + query if query else "")


async def _load(p: Page, params: dict[str, str], **paging: Any) -> dict[str, Any]:
    data = await p.run(
        "AlertList",
        {
            "under": params["under"] or home_org(p),
            "area": [params["area"]] if params["area"] else None,
            "code": [params["kind"]] if params["kind"] else None,
            "directlyUnder": bool(params["direct"]),
            "orderBy": SORTS.get(params["sort"], "DUE_ASC"),
            **paging,
        },
    )
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return data


def _kept(kinds: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    return [
        k
        for k in kinds
        if (not params["area"] or k["area"] == params["area"])
        and (not params["kind"] or k["code"] == params["kind"])
    ]


def target(a: dict[str, Any]) -> tuple[str | None, str]:
    """The record an alert is about: (its admin page or None, what to call it)."""
    kind = a["__typename"]
    org = a.get("organization")
    member = a.get("member")
    if kind == "PipelineAlert" and a.get("candidate"):
        return f"/admin/candidates/{a['candidate']['id']}", a["candidate"]["name"]
    if kind == "AssistanceAlert":
        pages = {"AssistanceCase": "/admin/assistance/", "Loan": "/admin/loans/", "Pairing": "/admin/pairings/"}
        base = pages.get(a["objectType"])
        return (base + a["objectId"] if base else None), a["title"]
    if kind == "EvaluationAlert":
        if a["kind"] == "round" and a.get("roundId"):
            return f"/admin/evaluation/rounds/{a['roundId']}", org["name"] if org else ""
        if a["kind"] == "checkpoint" and member:
            return f"/admin/evaluation/cadres/{member['id']}", member["name"]
        if a["kind"] == "flag":
            return "/admin/evaluation/flags", (member or org or {}).get("name", "")
    if member:
        return f"/admin/members/{member['id']}", member["name"]
    if kind == "BranchLifeAlert" and org:
        return "/admin/branch-life?" + urlencode({"org": org["id"]}), org["name"]
    if org:
        return f"/admin/orgs/{org['id']}", org["name"]
    return None, ""


def labelled(code: str, title: str, lang: str) -> str:
    """What screens show for a rule, "title（code）"; just the code when the API has no title for it."""
    if title == code:
        return code
    return f"{title}（{code}）" if lang == "zh" else f"{title} ({code})"


def rows_of(alerts: list[dict[str, Any]], kinds: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The alerts as the list shows them, titled by the API's titles of their kinds."""
    titles = {k["code"]: k["label"] for k in kinds}
    out = []
    for a in alerts:
        href, text = target(a)
        title = titles.get(a["code"], a["code"])
        out.append(
            {
                **a,
                "area": AREA_OF_TYPE.get(a["__typename"], ""),
                "href": href,
                "text": text,
                "title": title,
                "label": labelled(a["code"], title, lang),
            }
        )
    return out


def titled(kinds: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The kinds with what the rule filter shows: the rule's title and its code."""
    return [{**k, "label": labelled(k["code"], k["label"], lang)} for k in kinds]


async def _org_choices(p: Page, org: dict[str, Any]) -> list[dict[str, Any]]:
    """The organisations to pick from, the one shown among them (a group leader's home is a group)."""
    orgs = await org_options(p, "AlertOrgOptions")
    if not any(o["id"] == org["id"] for o in orgs):
        orgs.insert(0, {**org, "depth": orgs[0]["depth"] if orgs else 0})
    return orgs


@page()
async def alert_list(p: Page) -> Response:
    params = list_params(p)
    fmt = p.request.query_params.get("format", "")
    if fmt in FORMATS:
        return await export(p, params, fmt)

    async def fetch(offset: int) -> dict[str, Any]:
        data = await _load(p, params, first=PAGE_SIZE, offset=offset)
        if params["kind"] and params["area"] and not _kept(data["alertKinds"], params):
            # a kind of another area (the area was just changed): the area wins
            params["kind"] = ""
            data = await _load(p, params, first=PAGE_SIZE, offset=offset)
        return data

    data, paging = await numbered_page(
        p.request, fetch, lambda d: sum(k["count"] for k in _kept(d["alertKinds"], params)), PAGE_SIZE
    )
    kinds = data["alertKinds"]
    values = {
        "params": params,
        "org": data["node"],
        "kinds": titled(kinds, p.lang),
        "area_counts": {
            area: sum(k["count"] for k in kinds if k["area"] == area) for area in enum_values("AlertArea")
        },
        "alerts": rows_of(data["allAlerts"], data["alertKinds"], p.lang),
        **paging,
        "list_url": lambda **changes: list_url(params, **changes),
        "areas": p.choices("AlertArea"),
        "area_labels": dict(p.choices("AlertArea")),
        "orgs": await _org_choices(p, data["node"]),
    }
    headers = p.request.headers
    if (
        headers.get("hx-target") == "alerts-body"
        and headers.get("hx-history-restore-request") != "true"
    ):
        response = p.render("alerts/_body.html", **values)
        response.headers["HX-Push-Url"] = list_url(params, page=paging["current"])
        return response
    return p.render("alerts/list.html", **values)


EXPORT_COLUMNS = [
    (N_("规则"), lambda r, t: r["code"]),
    (N_("规则名称"), lambda r, t: r["title"]),
    (N_("期限"), lambda r, t: r["dueOn"] or ""),
    (N_("类别"), lambda r, t: t(dict(AREAS).get(r["area"], ""))),
    (N_("组织"), lambda r, t: (r.get("organization") or {}).get("name", "")),
    (N_("对象"), lambda r, t: r["text"]),
    (N_("内容"), lambda r, t: r["message"]),
]


async def export(p: Page, params: dict[str, str], fmt: str) -> Response:
    """The whole filtered list (no pages) as .csv (UTF-8 with BOM) or .xlsx."""
    from partygraph import exports

    data = await _load(p, params)
    rows = rows_of(data["allAlerts"], data["alertKinds"], p.lang)
    title = p.t("预警提醒")
    ds = exports.Dataset(
        title=title,
        headers=[p.t(h) for h, _value in EXPORT_COLUMNS],
        rows=[[value(r, p.t) for _h, value in EXPORT_COLUMNS] for r in rows],
        total=len(rows),
        header_lines=exports.header_lines(data["node"]["name"], None, datetime.now()),
    )
    name = f"{title}-{data['node']['name']}-{p.state.clock().isoformat()}.{fmt}"
    disposition = {
        "Content-Disposition": f"attachment; filename=\"alerts.{fmt}\"; filename*=UTF-8''{quote(name)}"
    }
    if fmt == "csv":
        return Response(
            "".join(exports.csv_lines(ds)).encode("utf-8"),
            media_type=FORMATS[fmt],
            headers=disposition,
        )
    buf = io.BytesIO()
    exports.write_xlsx(buf, ds)
    return Response(buf.getvalue(), media_type=FORMATS[fmt], headers=disposition)


routes = [
    Route("/alerts", alert_list),
]
