"""Admin pages of disciplinary sanctions (党纪处分) on the member page: the list (loaded into
the member page by htmx, or a page of its own), the record form, restoring rights at the
end of 留党察看 (lift) and withdrawing a revoked record, each answering the card again with
inline errors and the rule's code. Operations: MemberSanctions, Sanction*.graphql.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from partygraph.admin.core import Page, enum_values, page
from partygraph.admin.forms import N_, error_status, global_id, is_htmx, read_form

PROBATION_YEARS = [("1", N_("一年")), ("2", N_("二年"))]


def _errors(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("__typename", "").endswith("Payload"):
        return {}
    return {
        payload.get("field") or "_": {
            "code": payload.get("code"),
            "message": payload.get("message"),
        }
    }


async def _member(p: Page, member_id: str) -> dict[str, Any]:
    data = await p.run("MemberSanctions", {"id": global_id(member_id, "Member")})
    member = data.get("node")
    if not member:
        raise HTTPException(404, p.t("未找到该党员，或不在您的管理范围内"))
    return member


async def _card(p: Page, member_id: str, *, status_code: int = 200, **extra: Any) -> Response:
    member = await _member(p, member_id)
    values = extra.pop("values", None) or {
        "decidedOn": p.state.clock().isoformat(),
        "probationYears": "1",
    }
    return p.render(
        "members/_sanctions.html",
        status_code=status_code,
        sanction_page=not is_htmx(p),
        member=member,
        sanction_rows=member["sanctions"],
        kinds=p.choices("SanctionKind"),
        probation_years=PROBATION_YEARS,
        values=values,
        errors=extra.pop("errors", {}),
        row_errors=extra.pop("row_errors", {}),
    )


def _after(p: Page, member_id: str) -> Response | None:
    """A plain form post goes back to the member page; htmx gets the card again."""
    return None if is_htmx(p) else RedirectResponse(f"/admin/members/{member_id}", 303)


@page()
async def sanctions(p: Page) -> Response:
    return await _card(p, p.request.path_params["id"])


@page(write=True)
async def record(p: Page) -> Response:
    member_id = p.request.path_params["id"]
    form = await read_form(p)
    kind = form.choice("kind", enum_values("SanctionKind"))
    inp = {
        "memberId": global_id(member_id, "Member"),
        "kind": kind,
        "decidedOn": form.date("decidedOn", required=True),
        "effectiveFrom": form.date("effectiveFrom"),
        "probationYears": form.integer("probationYears") if kind == "party_probation" else None,
        "decidedBy": form.text("decidedBy"),
        "document": form.optional("document"),
        "reason": form.optional("reason"),
    }
    if form.errors:
        return await _card(p, member_id, status_code=422, values=form.values(), errors=form.errors)
    payload = (await p.run("SanctionRecord", {"input": inp}))["recordMemberSanction"]
    errors = _errors(payload)
    if errors:
        return await _card(
            p, member_id, status_code=error_status(payload), values=form.values(), errors=errors
        )
    return _after(p, member_id) or await _card(p, member_id)


async def _change(p: Page, operation: str, key: str, fields: dict[str, Any]) -> Response:
    sid = global_id(p.request.path_params["id"], "MemberSanction")
    form = await read_form(p)
    member_id = form.text("member")
    inp: dict[str, Any] = {"id": sid, "version": form.integer("version")}
    for name, kind in fields.items():
        inp[name] = (
            form.date(name, required=True)
            if kind == "date"
            else (form.text(name) if kind == "text" else form.optional(name))
        )
    if form.errors:
        return await _card(p, member_id, status_code=422, row_errors={sid: form.errors})
    payload = (await p.run(operation, {"input": inp}))[key]
    errors = _errors(payload)
    if errors:
        return await _card(
            p, member_id, status_code=error_status(payload), row_errors={sid: errors}
        )
    return _after(p, member_id) or await _card(p, member_id)


@page(write=True)
async def lift(p: Page) -> Response:
    return await _change(
        p, "SanctionLift", "liftMemberSanction", {"liftedOn": "date", "document": "optional"}
    )


@page(write=True)
async def withdraw(p: Page) -> Response:
    return await _change(p, "SanctionWithdraw", "withdrawMemberSanction", {"reason": "text"})


routes = [
    Route("/members/{id}/sanctions", sanctions),
    Route("/members/{id}/sanctions", record, methods=["POST"]),
    Route("/sanctions/{id}/lift", lift, methods=["POST"]),
    Route("/sanctions/{id}/withdraw", withdraw, methods=["POST"]),
]
