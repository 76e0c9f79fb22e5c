"""设置 › 登录锁定: the county administration sees sign-in lockouts and lifts them."""

from __future__ import annotations

from typing import Any

from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from partygraph.admin.core import Page, page, submit


def _local(value: str | None) -> str:
    """An ISO time of the API as the clerk reads it: minutes, no zone (the server's UTC)."""
    return value.replace("T", " ")[:16] if value else ""


async def _render(p: Page, *, include_ended: bool, errors: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    if p.signed_in.role != "county":
        return p.render("signin/lockouts.html", allowed=False, lockouts=[], include_ended=include_ended, status_code=403)
    data = await p.run("SignInLockouts", {"includeEnded": include_ended})
    template = "signin/_table.html" if p.request.headers.get("hx-request") == "true" else "signin/lockouts.html"
    return p.render(
        template, allowed=True, lockouts=data["signInLockouts"], include_ended=include_ended,
        errors=errors or {}, local=_local, status_code=status_code,
    )  # fmt: skip


@page()
async def lockouts(p: Page) -> Response:
    return await _render(p, include_ended=p.request.query_params.get("all") == "1")


@page(write=True)
async def lift(p: Page) -> Response:
    form = await p.request.form()
    version = str(form.get("version", ""))
    lockout_id = p.request.path_params["id"]
    variables = {"input": {"id": lockout_id, "version": int(version) if version.isdigit() else None}}
    _payload, errors, status = await submit(p, "SignInLiftLockout", "liftSignInLockout", variables)
    # The message beside the row it belongs to.
    return await _render(
        p, include_ended=str(form.get("all", "")) == "1",
        errors={lockout_id: errors.get("id") or errors.get("_") or next(iter(errors.values()), "")} if errors else None,
        status_code=status,
    )  # fmt: skip


routes = [
    Route("/settings/sign-in", lockouts),
    Route("/settings/sign-in/{id}/lift", lift, methods=["POST"]),
]
