"""Admin pages: organisation-relation transfers (组织关系转接), incoming and outgoing.

The handshake: the sending side sends (from the member page), the member stays on the
sender's roster until the receiving side accepts here; it may refuse with a note, and
the sender may cancel while the transfer waits.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, page
from partygraph.admin.pages.members import (
    done,
    error_status,
    global_id,
    is_htmx,
    payload_errors,
    read_form,
)


async def render_lists(
    p: Page,
    status_code: int = 200,
    *,
    row_errors: dict[str, dict[str, str]] | None = None,
    row_values: dict[str, dict[str, Any]] | None = None,
) -> Response:
    data = await p.run("TransferList")
    fragment = is_htmx(p) and p.request.method == "POST"
    return p.render(
        "transfers/_lists.html" if fragment else "transfers/list.html",
        status_code=status_code,
        incoming=data["incoming"],
        outgoing=data["outgoing"],
        row_errors=row_errors or {},
        row_values=row_values or {},
    )


@page()
async def transfer_list(p: Page) -> Response:
    return await render_lists(p)


async def _act(p: Page, operation: str, field: str, build: Any) -> Response:
    """Run one decision on one transfer; errors come back next to that transfer's buttons."""
    transfer_id = global_id(p.request.path_params["id"], "Transfer")
    form = await read_form(p)
    variables = build(form, transfer_id)
    version = form.integer("version")
    if version is None:
        form.errors["_"] = p.t("缺少版本号，请刷新页面后重试")
    if not form.errors:
        payload = (await p.run(operation, {"input": {**variables, "version": version}}))[field]
        errors = payload_errors(payload)
        if not errors:
            return done(p, "/admin/transfers")
        status = error_status(payload)
    else:
        errors, status = form.errors, 422
    return await render_lists(
        p, status, row_errors={transfer_id: errors}, row_values={transfer_id: form.values()}
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
