"""设置 → 访问日志: the county reads who read whose personal data, filters it and exports it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, page

PAGE = 50
CSV_PAGE = 100
FILTERS = ("account", "object_type", "object_id", "from", "to")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_params(p: Page) -> tuple[dict[str, str], dict[str, str]]:
    """(the filter as typed, errors beside its fields)."""
    q = p.request.query_params
    params = {k: q.get(k, "").strip()[:80] for k in FILTERS}
    errors: dict[str, str] = {}
    for k in ("from", "to"):
        if params[k]:
            try:
                if not _DATE.fullmatch(params[k]):
                    raise ValueError(params[k])
                date.fromisoformat(params[k])
            except ValueError:
                errors[k] = p.t("日期格式应为 YYYY-MM-DD")
    if not errors and params["from"] and params["to"] and params["from"] > params["to"]:
        errors["to"] = p.t("结束日期不能早于开始日期")
    return params, errors


def variables(params: dict[str, str]) -> dict[str, Any]:
    f = {
        "account": params["account"] or None,
        "objectType": params["object_type"] or None,
        "objectId": params["object_id"] or None,
        "from": params["from"] or None,
        "to": params["to"] or None,
    }
    return {k: v for k, v in f.items() if v is not None}


def _county_only(p: Page) -> None:
    if p.signed_in.role != "county":
        raise HTTPException(403, p.t("只有县级账号可以查看访问日志"))


async def export_csv(p: Page, params: dict[str, str]) -> Response:
    """What the filter selects, as the API's export job."""
    from partygraph.admin.pages.imports import download_export

    return await download_export(p, "access-log", "csv", variables(params))


@page()
async def access_log(p: Page) -> Response:
    _county_only(p)
    params, errors = read_params(p)
    if not errors and p.request.query_params.get("format") == "csv":
        return await export_csv(p, params)
    data: dict[str, Any] = {"totalCount": 0, "nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    if not errors:
        after = p.request.query_params.get("after") or None
        data = (await p.run("AccessLog", {"filter": variables(params), "first": PAGE, "after": after}))["accessLog"]
    htmx = p.request.headers.get("hx-request") == "true" and p.request.headers.get("hx-target") == "results"
    return p.render(
        "access_log/_results.html" if htmx else "access_log/list.html",
        status_code=422 if errors else 200,
        params=params,
        errors=errors,
        log=data,
    )


routes = [Route("/settings/access-log", access_log)]
