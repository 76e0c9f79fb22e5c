"""Admin pages: the member list (search, filters, sort, pages, CSV), the member page and its forms.

Every page runs a named operation of admin/operations/ on the API's own schema; every
change goes through a mutation and shows the mutation's error union next to the field.
Form helpers live in admin/forms.py.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import OperationError, Page, enum_values, page
from partygraph.admin.field_errors import FieldErrors
from partygraph.admin.forms import (
    N_,
    Form,
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

# --- choices: the API's enum values, labelled from its enumLabels (Page.choices) -----------------

ON_ROSTER = ("probationary", "full")
# A clerk records these by hand; transfers have their own forms.
NOT_BY_HAND = ("transferred_out",)
SORTS = {
    "name": "NAME_ASC",
    "-name": "NAME_DESC",
    "joined": "JOINED_ASC",
    "-joined": "JOINED_DESC",
    "birth": "BIRTH_ASC",
    "-birth": "BIRTH_DESC",
}
FLAGS = {"flowing": "flowing", "lost_contact": "lostContact", "in_difficulty": "inDifficulty"}
PAGE_SIZE = 20
MEMBER_LIST = ListView("/admin/members", "members/list.html", "members/_results.html", PAGE_SIZE)
CSV_PAGE = 100


# --- the list -------------------------------------------------------------------------------------


def list_params(p: Page) -> dict[str, Any]:
    """The list's state from the query string, cleaned: what links and the CSV carry along."""
    q = p.request.query_params

    def number(name: str) -> str:
        raw = q.get(name, "").strip()
        return raw if raw.isdigit() and len(raw) <= 3 else ""

    params: dict[str, Any] = {
        "q": q.get("q", "").strip()[:60],
        "status": [s for s in q.getlist("status") if s in enum_values("MemberStatus")],
        "gender": q.get("gender") if q.get("gender") in enum_values("Gender") else "",
        "education": [e for e in q.getlist("education") if e in enum_values("Education")],
        "age_min": number("age_min"),
        "age_max": number("age_max"),
        "under": q.get("under", "").strip(),
        "sort": q.get("sort") if q.get("sort") in SORTS else "",
    }
    for flag in FLAGS:
        params[flag] = "1" if q.get(flag) in ("1", "on", "true") else ""
    if params["under"]:
        params["under"] = global_id(params["under"], "Organization")
    return params


def member_filter(params: dict[str, Any]) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if params["q"]:
        f["search"] = params["q"]
    if params["under"]:
        f["under"] = params["under"]
    if params["status"]:
        f["status"] = params["status"]
    if params["gender"]:
        f["gender"] = params["gender"]
    if params["education"]:
        f["education"] = params["education"]
    if params["age_min"]:
        f["ageMin"] = int(params["age_min"])
    if params["age_max"]:
        f["ageMax"] = int(params["age_max"])
    for flag, field in FLAGS.items():
        if params[flag]:
            f[field] = True
    return f


async def run_list(p: Page, params: dict[str, Any], **paging: Any) -> dict[str, Any]:
    variables = {
        "filter": member_filter(params),
        "orderBy": SORTS.get(params["sort"], "NAME_ASC"),
        "underId": params["under"] or None,
        **paging,
    }
    try:
        return await p.run("MemberList", variables)
    except OperationError:
        if params["under"]:
            # The organisation of `under` is outside the viewer's scope: nothing to show.
            raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内")) from None
        raise


@page()
async def member_list(p: Page) -> Response:
    params = list_params(p)
    if p.request.query_params.get("format") == "csv":
        return await export_csv(p, params)
    return await MEMBER_LIST.get(
        p,
        params,
        lambda first, offset: run_list(p, params, first=first, offset=offset),
        lambda d: int(d["members"]["totalCount"]),
        lambda d: {
            "members": d["members"],
            "under": d.get("under"),
            "genders": p.choices("Gender"),
            "educations": p.choices("Education"),
            "statuses": p.choices("MemberStatus"),
        },
    )


async def export_csv(p: Page, params: dict[str, Any]) -> Response:
    """The filtered list in the list's order, every page of it: the API's export job."""
    from partygraph.admin.pages.imports import download_export

    f = {**member_filter(params), "orderBy": SORTS.get(params["sort"], "NAME_ASC")}
    return await download_export(p, "member-list", "csv", f)


# --- the member page ------------------------------------------------------------------------------


async def load_member(p: Page) -> dict[str, Any]:
    data = await p.run("MemberPage", {"id": global_id(p.request.path_params["id"], "Member")})
    member = data.get("node")
    if not member:
        raise HTTPException(404, p.t("未找到该党员，或不在您的管理范围内"))
    return member


def position_orgs(member: dict[str, Any]) -> list[dict[str, Any]]:
    """Where a post may be held: the member's organisation, the ones above it, its groups."""
    org = member.get("organization")
    if not org:
        return []
    return [*org["ancestors"], {"id": org["id"], "name": org["name"]}, *org["children"]]


def render_member(
    p: Page, member: dict[str, Any], status_code: int = 200, **values: Any
) -> Response:
    values.setdefault("position_errors", {})
    values["position_general"] = split_errors(
        values["position_errors"], ["orgId", "kind", "startOn", "title"]
    )[1]
    values.setdefault("position_values", {"startOn": p.state.clock().isoformat()})
    values.setdefault("end_errors", {})
    template = (
        "members/_positions.html"
        if is_htmx(p) and values.get("fragment")
        else "members/detail.html"
    )
    return p.render(
        template,
        status_code=status_code,
        member=member,
        position_kinds=p.choices("PositionKind"),
        position_orgs=position_orgs(member),
        on_roster=member["status"] in ON_ROSTER,
        **values,
    )


@page()
async def member_detail(p: Page) -> Response:
    return render_member(p, await load_member(p))


# --- register and edit ----------------------------------------------------------------------------

MEMBER_FIELDS = [
    "orgId", "name", "gender", "ethnicity", "birthDate", "education", "joinedOn", "status",
    "convertedOn", "occupation", "frontLine", "rural", "phone", "idNumber", "flowing",
    "flowDestination", "flowCertificate", "lostContact", "lostContactSince", "inDifficulty", "notes",
]  # fmt: skip
BOOLEAN_FIELDS = ["frontLine", "rural", "flowing", "lostContact", "inDifficulty"]


def read_member_input(form: Form, *, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "orgId": form.gid("orgId", "Organization"),
        "name": form.text("name"),
        "gender": form.choice("gender", enum_values("Gender")),
        "ethnicity": form.text("ethnicity"),
        "birthDate": form.date("birthDate", required=True),
        "education": form.choice("education", enum_values("Education")),
        "joinedOn": form.date("joinedOn", required=True),
        "convertedOn": form.date("convertedOn"),
        "occupation": form.optional("occupation"),
        "phone": form.optional("phone"),
        "flowDestination": form.optional("flowDestination"),
        "flowCertificate": form.optional("flowCertificate"),
        "lostContactSince": form.date("lostContactSince"),
        "notes": form.optional("notes"),
    }
    for name in BOOLEAN_FIELDS:
        data[name] = form.flag(name)
    id_number = form.text("idNumber")
    if creating:
        data["status"] = form.choice("status", list(ON_ROSTER))
        data.pop("lostContact")
        data["idNumber"] = id_number or None
    elif id_number or not form.flag("idNumberMasked"):
        # A masked number (110105********002X) is never sent back; empty keeps it.
        data["idNumber"] = id_number or None
    return data


def member_form_values(member: dict[str, Any]) -> dict[str, Any]:
    values = {k: member.get(k) for k in MEMBER_FIELDS if k not in ("orgId", "idNumber")}
    values["orgId"] = (member.get("organization") or {}).get("id", "")
    id_number = member.get("idNumber") or ""
    values["idNumberMasked"] = "1" if "*" in id_number else ""
    values["idNumberShown"] = id_number
    values["idNumber"] = "" if "*" in id_number else id_number
    for name in BOOLEAN_FIELDS:
        values[name] = "1" if member.get(name) else ""
    return {k: ("" if v is None else v) for k, v in values.items()}


async def render_member_form(
    p: Page,
    *,
    member: dict[str, Any] | None,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    field_errors, general = split_errors(errors, MEMBER_FIELDS)
    return p.render(
        "members/form.html",
        status_code=status_code,
        fragment=is_htmx(p) and p.request.method == "POST",
        member=member,
        values=values,
        errors=field_errors,
        general_errors=general,
        orgs=await org_options(p, "MemberOrgOptions"),
        genders=p.choices("Gender"),
        educations=p.choices("Education"),
        roster_statuses=p.choices("MemberStatus", ON_ROSTER),
    )


@page()
async def member_new(p: Page) -> Response:
    if p.request.method == "GET":
        org = p.request.query_params.get("org", "")
        values = {
            "orgId": org,
            "ethnicity": "汉族",
            "status": "full",
            "gender": "",
            "education": "",
        }
        return await render_member_form(p, member=None, values=values, errors={})
    form = await read_form(p)
    data = read_member_input(form, creating=True)
    if form.errors:
        return await render_member_form(
            p, member=None, values=form.values(), errors=form.errors, status_code=422
        )
    payload = (await p.run("RegisterMember", {"input": data}))["registerMember"]
    errors = payload_errors(payload)
    if errors:
        return await render_member_form(
            p, member=None, values=form.values(), errors=errors, status_code=error_status(payload)
        )
    return done(p, f"/admin/members/{payload['member']['id']}")


@page()
async def member_edit(p: Page) -> Response:
    member = await load_member(p)
    if p.request.method == "GET":
        return await render_member_form(
            p, member=member, values=member_form_values(member), errors={}
        )
    form = await read_form(p)
    data = read_member_input(form, creating=False)
    version = form.integer("version")
    if form.errors or version is None:
        return await render_member_form(
            p, member=member, values=form.values(), errors=form.errors, status_code=422
        )
    payload = (
        await p.run("UpdateMember", {"input": {"id": member["id"], "version": version, **data}})
    )["updateMember"]
    errors = payload_errors(payload)
    if errors:
        values = form.values()
        if payload["__typename"] == "Conflict":
            values["staleVersion"] = "1"
        return await render_member_form(
            p, member=member, values=values, errors=errors, status_code=error_status(payload)
        )
    return done(p, f"/admin/members/{member['id']}")


# --- standing, posts and transfers ----------------------------------------------------------------


def render_action(
    p: Page,
    template: str,
    member: dict[str, Any],
    *,
    values: dict[str, Any],
    errors: FieldErrors,
    fields: list[str],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    field_errors, general = split_errors(errors, fields)
    return p.render(
        template,
        status_code=status_code,
        fragment=is_htmx(p) and p.request.method == "POST",
        member=member,
        values=values,
        errors=field_errors,
        general_errors=general,
        **extra,
    )


STATUS_FIELDS = ["toStatus", "on", "reason"]


@page()
async def member_status(p: Page) -> Response:
    member = await load_member(p)
    targets = [s for s in p.choices("MemberStatus") if s[0] != member["status"] and s[0] not in NOT_BY_HAND]
    if p.request.method == "GET":
        values = {"on": p.state.clock().isoformat(), "version": member["version"]}
        return render_action(
            p,
            "members/status.html",
            member,
            values=values,
            errors={},
            fields=STATUS_FIELDS,
            targets=targets,
        )
    form = await read_form(p)
    to_status = form.choice("toStatus", [v for v, _label in targets])
    on = form.date("on", required=True)
    version = form.integer("version")
    if form.errors or version is None or to_status is None:
        return render_action(
            p,
            "members/status.html",
            member,
            values=form.values(),
            errors=form.errors,
            fields=STATUS_FIELDS,
            targets=targets,
            status_code=422,
        )
    if to_status not in ON_ROSTER and not form.flag("confirm"):
        # Taking a member off the roster is asked twice: show what will happen first.
        label = p.label("MemberStatus", to_status)
        return render_action(
            p,
            "members/status.html",
            member,
            values=form.values(),
            errors={},
            fields=STATUS_FIELDS,
            targets=targets,
            confirming=True,
            target_label=label,
        )
    variables = {
        "id": member["id"],
        "version": version,
        "toStatus": to_status,
        "on": on,
        "reason": form.text("reason"),
    }
    payload = (await p.run("ChangeMemberStatus", {"input": variables}))["changeMemberStatus"]
    errors = payload_errors(payload)
    if errors:
        return render_action(
            p,
            "members/status.html",
            member,
            values=form.values(),
            errors=errors,
            fields=STATUS_FIELDS,
            targets=targets,
            status_code=error_status(payload),
        )
    return done(p, f"/admin/members/{member['id']}")


@page()
async def position_add(p: Page) -> Response:
    member = await load_member(p)
    form = await read_form(p)
    variables = {
        "memberId": member["id"],
        "orgId": form.gid("orgId", "Organization"),
        "kind": form.choice("kind", enum_values("PositionKind")),
        "startOn": form.date("startOn", required=True),
        "title": form.optional("title"),
    }
    if not form.errors:
        payload = (await p.run("AddPosition", {"input": variables}))["addPosition"]
        errors = payload_errors(payload)
        if not errors:
            return done(p, f"/admin/members/{member['id']}")
        status = error_status(payload)
    else:
        errors, status = form.errors, 422
    return render_member(
        p, member, status, fragment=True, position_errors=errors, position_values=form.values()
    )


@page()
async def position_end(p: Page) -> Response:
    member = await load_member(p)
    position_id = global_id(p.request.path_params["pid"], "Position")
    form = await read_form(p)
    end_on = form.date("endOn", required=True)
    version = form.integer("version")
    if not form.errors and version is not None:
        payload = (
            await p.run(
                "EndPosition", {"input": {"id": position_id, "version": version, "endOn": end_on}}
            )
        )["endPosition"]
        errors = payload_errors(payload)
        if not errors:
            return done(p, f"/admin/members/{member['id']}")
        status = error_status(payload)
    else:
        errors, status = form.errors, 422
    return render_member(
        p, member, status, fragment=True, end_errors={position_id: " ".join(str(e) for e in errors.values())}
    )


TRANSFER_FIELDS = ["toOrgCode", "on", "reason", "letterNumber"]


@page()
async def transfer_send(p: Page) -> Response:
    member = await load_member(p)
    if p.request.method == "GET":
        values = {"on": p.state.clock().isoformat()}
        return render_action(
            p, "members/transfer.html", member, values=values, errors={}, fields=TRANSFER_FIELDS
        )
    form = await read_form(p)
    variables = {
        "memberId": member["id"],
        "toOrgCode": form.text("toOrgCode"),
        "on": form.date("on", required=True),
        "reason": form.text("reason"),
        "letterNumber": form.optional("letterNumber"),
    }
    if not variables["toOrgCode"]:
        form.error("toOrgCode", N_("请填写接收组织的编码"))
    if form.errors:
        return render_action(
            p,
            "members/transfer.html",
            member,
            values=form.values(),
            errors=form.errors,
            fields=TRANSFER_FIELDS,
            status_code=422,
        )
    payload = (await p.run("SendTransfer", {"input": variables}))["sendTransfer"]
    errors = payload_errors(payload)
    if errors:
        return render_action(
            p,
            "members/transfer.html",
            member,
            values=form.values(),
            errors=errors,
            fields=TRANSFER_FIELDS,
            status_code=error_status(payload),
        )
    return done(p, f"/admin/members/{member['id']}")


TRANSFER_OUT_FIELDS = ["externalOrgName", "letterNumber", "on", "reason"]


@page()
async def transfer_out(p: Page) -> Response:
    member = await load_member(p)
    template = "members/transfer_out.html"
    if p.request.method == "GET":
        values = {"on": p.state.clock().isoformat(), "version": member["version"]}
        return render_action(
            p, template, member, values=values, errors={}, fields=TRANSFER_OUT_FIELDS
        )
    form = await read_form(p)
    on = form.date("on", required=True)
    version = form.integer("version")
    if form.errors or version is None:
        return render_action(
            p,
            template,
            member,
            values=form.values(),
            errors=form.errors,
            fields=TRANSFER_OUT_FIELDS,
            status_code=422,
        )
    if not form.flag("confirm"):
        return render_action(
            p,
            template,
            member,
            values=form.values(),
            errors={},
            fields=TRANSFER_OUT_FIELDS,
            confirming=True,
        )
    variables = {
        "memberId": member["id"],
        "version": version,
        "externalOrgName": form.text("externalOrgName"),
        "letterNumber": form.text("letterNumber"),
        "on": on,
        "reason": form.text("reason"),
    }
    payload = (await p.run("TransferOut", {"input": variables}))["transferOut"]
    errors = payload_errors(payload)
    if errors:
        return render_action(
            p,
            template,
            member,
            values=form.values(),
            errors=errors,
            fields=TRANSFER_OUT_FIELDS,
            status_code=error_status(payload),
        )
    return done(p, f"/admin/members/{member['id']}")


routes = [
    Route("/members", member_list),
    Route("/members/new", member_new, methods=["GET", "POST"]),
    Route("/members/{id}", member_detail),
    Route("/members/{id}/edit", member_edit, methods=["GET", "POST"]),
    Route("/members/{id}/status", member_status, methods=["GET", "POST"]),
    Route("/members/{id}/positions", position_add, methods=["POST"]),
    Route("/members/{id}/positions/{pid}/end", position_end, methods=["POST"]),
    Route("/members/{id}/transfer", transfer_send, methods=["GET", "POST"]),
    Route("/members/{id}/transfer-out", transfer_out, methods=["GET", "POST"]),
]
