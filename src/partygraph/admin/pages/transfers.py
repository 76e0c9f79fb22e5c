"""Admin pages: organisation-relation transfers (组织关系转接), incoming and outgoing.

The handshake: the sending side sends (from the member page), the member stays on the
sender's roster until the receiving side accepts here; it may refuse with a note, and
the sender may cancel while the transfer waits.

Both lists page through the API's keyset connection: a section's place is the trail of
cursors that led to it (`in` / `out` in the address), so "previous" needs no offset.
Filters (direction, status, the days sent between `sent_from` and `sent_to`) and the
CSV / .xlsx export carry the same state.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import OperationError, Page, page
from partygraph.admin.field_errors import FieldErrors
from partygraph.admin.forms import (
    N_,
    done,
    error_status,
    global_id,
    is_htmx,
    payload_errors,
    read_form,
)

PAGE_SIZE = 20
DIRECTIONS = [("incoming", N_("转入")), ("outgoing", N_("转出"))]
STATUSES = [
    ("pending", N_("待接收")),
    ("accepted", N_("已接收")),
    ("refused", N_("已退回")),
    ("cancelled", N_("已撤回")),
    ("external", N_("已转出系统外")),
]
CURSOR = re.compile(r"^[A-Za-z0-9_=-]{1,200}$")
TRAIL_MAX = 200  # pages deep: far beyond a county's transfers at 20 a page


# --- the list's state ------------------------------------------------------------------------


def _trail(raw: str) -> list[str]:
    """The cursors that led to a section's current page; anything odd means page 1."""
    cursors = [c for c in raw.split(",") if c]
    if len(cursors) > TRAIL_MAX or not all(CURSOR.match(c) for c in cursors):
        return []
    return cursors


def _day(raw: str) -> str | None:
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


def list_state(q: QueryParams) -> dict[str, Any]:
    """The list's state from its address; a day that is no date is dropped with an error
    beside its field (`errors`), a range that ends before it starts is kept and said so."""
    direction = q.get("direction", "")
    state: dict[str, Any] = {
        "direction": direction if direction in ("incoming", "outgoing") else "",
        "status": [s for s in q.getlist("status") if s in {v for v, _ in STATUSES}],
        "sent_from": "",
        "sent_to": "",
        "in": _trail(q.get("in", "")),
        "out": _trail(q.get("out", "")),
        "errors": {},
    }
    for key in ("sent_from", "sent_to"):
        raw = q.get(key, "").strip()
        if raw and _day(raw) is None:
            state["errors"][key] = N_("日期格式应为 YYYY-MM-DD")
        else:
            state[key] = _day(raw) or ""
    if state["sent_from"] and state["sent_to"] and state["sent_to"] < state["sent_from"]:
        state["errors"]["sent_to"] = N_("截止日期早于起始日期，没有符合条件的转接")
    return state


def state_query(state: dict[str, Any], **changes: Any) -> str:
    merged = {**state, **changes}
    pairs: dict[str, Any] = {
        "direction": merged["direction"],
        "status": merged["status"],
        "sent_from": merged["sent_from"],
        "sent_to": merged["sent_to"],
        "in": ",".join(merged["in"]),
        "out": ",".join(merged["out"]),
    }
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "", [])}, doseq=True)


def list_url(state: dict[str, Any], **changes: Any) -> str:
    query = state_query(state, **changes)
    return "/admin/transfers" + ("?" + query if query else "")


def export_url(state: dict[str, Any], fmt: str) -> str:
    """The filters without the page: an export holds every matching transfer."""
    query = state_query(state, **{"in": [], "out": []})
    return "/admin/transfers?" + (query + "&" if query else "") + f"format={fmt}"


def _variables(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "incoming": state["direction"] in ("", "incoming"),
        "outgoing": state["direction"] in ("", "outgoing"),
        "status": state["status"] or None,
        "sentFrom": state["sent_from"] or None,
        "sentTo": state["sent_to"] or None,
        "first": PAGE_SIZE,
        "inAfter": state["in"][-1] if state["in"] else None,
        "outAfter": state["out"][-1] if state["out"] else None,
    }


def _section(state: dict[str, Any], key: str, conn: dict[str, Any] | None) -> dict[str, Any] | None:
    """A connection with its pager: page n of m, and the addresses of its neighbours."""
    if conn is None:
        return None
    trail = state[key]
    info = conn["pageInfo"]
    return {
        **conn,
        "page": len(trail) + 1,
        "pages": max(1, math.ceil(conn["totalCount"] / PAGE_SIZE)),
        "prev_url": list_url(state, **{key: trail[:-1]}) if trail else None,
        "next_url": list_url(state, **{key: [*trail, info["endCursor"]]})
        if info["hasNextPage"]
        else None,
    }


async def render_lists(
    p: Page,
    state: dict[str, Any],
    status_code: int = 200,
    *,
    fragment: bool = False,
    row_errors: dict[str, FieldErrors] | None = None,
    row_values: dict[str, dict[str, Any]] | None = None,
) -> Response:
    try:
        data = await p.run("TransferList", _variables(state))
    except OperationError:
        # A cursor that decodes to nothing sensible (an edited address): start again.
        state = {**state, "in": [], "out": []}
        data = await p.run("TransferList", _variables(state))
    response = p.render(
        "transfers/_lists.html" if fragment else "transfers/list.html",
        status_code=status_code,
        state=state,
        list_query=state_query(state),
        list_url=lambda **changes: list_url(state, **changes),
        export_url=lambda fmt: export_url(state, fmt),
        directions=DIRECTIONS,
        statuses=STATUSES,
        incoming=_section(state, "in", data.get("incoming")),
        outgoing=_section(state, "out", data.get("outgoing")),
        row_errors=row_errors or {},
        row_values=row_values or {},
    )
    if fragment and p.request.method == "GET":
        response.headers["HX-Push-Url"] = list_url(state)
    return response


@page()
async def transfer_list(p: Page) -> Response:
    state = list_state(p.request.query_params)
    fmt = p.request.query_params.get("format")
    if fmt in ("csv", "xlsx"):
        return await export(p, state, fmt)
    headers = p.request.headers
    fragment = (
        headers.get("hx-target") == "transfers"
        and headers.get("hx-history-restore-request") != "true"
    )
    return await render_lists(p, state, fragment=fragment)


# --- export ----------------------------------------------------------------------------------


async def export(p: Page, state: dict[str, Any], fmt: str) -> Response:
    """Every transfer matching the filters (not just the page shown): the API's export job."""
    from partygraph.admin.pages.imports import download_export

    f = {
        "direction": state["direction"].upper() or None,
        "status": state["status"] or None,
        "from": state["sent_from"] or None,
        "to": state["sent_to"] or None,
    }
    return await download_export(p, "transfers", fmt, {k: v for k, v in f.items() if v is not None})


# --- decisions -------------------------------------------------------------------------------


def _posted_state(raw: str) -> dict[str, Any]:
    """The list's state as the decision form carried it (hidden field `list`)."""
    return list_state(QueryParams(raw))


async def _act(p: Page, operation: str, field: str, build: Any) -> Response:
    """Run one decision on one transfer; errors come back next to that transfer's buttons."""
    transfer_id = global_id(p.request.path_params["id"], "Transfer")
    form = await read_form(p)
    state = _posted_state(form.text("list"))
    variables = build(form, transfer_id)
    version = form.integer("version")
    if version is None:
        form.error("_", N_("缺少版本号，请刷新页面后重试"))
    if not form.errors:
        payload = (await p.run(operation, {"input": {**variables, "version": version}}))[field]
        errors = payload_errors(payload)
        if not errors:
            return done(p, list_url(state))
        status = error_status(payload)
    else:
        errors, status = form.errors, 422
    return await render_lists(
        p,
        state,
        status,
        fragment=is_htmx(p),
        row_errors={transfer_id: errors},
        row_values={transfer_id: form.values()},
    )


@page(write=True)
async def accept(p: Page) -> Response:
    def build(form: Any, transfer_id: str) -> dict[str, Any]:
        return {
            "id": transfer_id,
            "accept": True,
            "on": form.date("on", required=True),
            "toOrgId": form.gid("toOrgId", "Organization", required=False),
            "note": form.optional("note"),
        }

    return await _act(p, "DecideTransfer", "decideTransfer", build)


@page(write=True)
async def refuse(p: Page) -> Response:
    def build(form: Any, transfer_id: str) -> dict[str, Any]:
        # The note is required by the rule; the API says so in its own words.
        return {
            "id": transfer_id,
            "accept": False,
            "on": form.date("on", required=True),
            "note": form.text("note"),
        }

    return await _act(p, "DecideTransfer", "decideTransfer", build)


@page(write=True)
async def cancel(p: Page) -> Response:
    def build(form: Any, transfer_id: str) -> dict[str, Any]:
        return {"id": transfer_id, "reason": form.text("reason")}

    return await _act(p, "CancelTransfer", "cancelTransfer", build)


routes = [
    Route("/transfers", transfer_list),
    Route("/transfers/{id}/accept", accept, methods=["POST"]),
    Route("/transfers/{id}/refuse", refuse, methods=["POST"]),
    Route("/transfers/{id}/cancel", cancel, methods=["POST"]),
]
