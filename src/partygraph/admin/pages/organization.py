"""The organisation tree (expands lazily with htmx), the organisation page, and the forms
that change the tree: create a child, edit, move, dissolve.

Each runs the API's own mutation; its error union comes back next to the field.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, enum_values, page
from partygraph.admin.field_errors import FieldErrors
from partygraph.admin.forms import (
    N_,
    Form,
    global_id,
    is_htmx,
    org_options,
    read_form,
    split_errors,
)
from partygraph.admin.views import save

# The kinds a county creates (labels: the API's enumLabels, through Page.choices).
CHILD_KINDS = ("committee", "general_branch", "branch", "group")
# What is usually created under each kind (the API decides what is allowed).
DEFAULT_CHILD = {
    "county": "committee",
    "committee": "branch",
    "general_branch": "branch",
    "branch": "group",
}
ORG_FIELDS = ["code", "name", "kind", "branchType", "establishedOn", "population", "address"]


async def load_org(p: Page) -> dict[str, Any]:
    data = await p.run("OrgForm", {"id": global_id(p.request.path_params["id"], "Organization")})
    org = data.get("node")
    if not org:
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return org


async def render(
    p: Page,
    mode: str,
    org: dict[str, Any],
    *,
    values: dict[str, Any],
    errors: FieldErrors | None = None,
    fields: list[str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    field_errors, general = split_errors(errors or {}, fields or [])
    if mode == "move":
        extra["parents"] = await org_options(p, "OrgParentOptions")
    return p.render(
        "organization/form.html",
        status_code=status_code,
        fragment=is_htmx(p) and p.request.method == "POST",
        mode=mode,
        org=org,
        values=values,
        errors=field_errors,
        general_errors=general,
        kinds=p.choices("OrgKind", CHILD_KINDS),
        branch_types=p.choices("BranchType"),
        **extra,
    )


# Fields of its own home organisation an account cannot change (R-ORG-HOME,
# services.organization.HOME_EDITABLE): shown as text, not sent.
HOME_LOCKED = ("code", "kind", "branchType")


def is_home(p: Page, org: dict[str, Any]) -> bool:
    """The viewer's own home organisation, with a level above it (that level keeps its kind,
    code and place)."""
    from strawberry.relay import GlobalID

    viewer = p.signed_in
    # Not `org["parent"]`: the parent lies outside the viewer's scope and reads as null. The
    # home's materialised path has a segment per level: more than one means a level above.
    has_parent = viewer.org_path.count(".") > 1
    return has_parent and int(GlobalID.from_id(org["id"]).node_id) == viewer.org_id


def read_org(form: Form) -> dict[str, Any]:
    return {
        "code": form.text("code"),
        "name": form.text("name"),
        "kind": form.choice("kind", list(CHILD_KINDS)),
        "branchType": form.choice("branchType", enum_values("BranchType"), required=False),
        "establishedOn": form.date("establishedOn"),
        "population": form.integer("population"),
        "address": form.optional("address"),
    }


@page()
async def create(p: Page) -> Response:
    parent = await load_org(p)
    if p.request.method == "GET":
        values = {"kind": DEFAULT_CHILD.get(parent["kind"], "branch")}
        return await render(p, "create", parent, values=values)
    form = await read_form(p)
    data = read_org(form)

    async def again(errors: FieldErrors, status: int) -> Response:
        return await render(p, "create", parent, values=form.values(), errors=errors, fields=ORG_FIELDS, status_code=status)

    return await save(
        p,
        "CreateOrganization",
        "createOrganization",
        {"parentId": parent["id"], **data},
        invalid=form.errors,
        again=again,
        redirect=lambda done: f"/admin/orgs/{done['organization']['id']}",
    )


@page()
async def edit(p: Page) -> Response:
    org = await load_org(p)
    locked = HOME_LOCKED if is_home(p, org) else ()
    if p.request.method == "GET":
        values = {k: ("" if org.get(k) is None else org[k]) for k in ORG_FIELDS}
        values["version"] = org["version"]
        return await render(p, "edit", org, values=values, locked=locked)
    form = await read_form(p)
    if locked:
        # Not in the form: the current values, so the fields' own checks pass; the service
        # refuses any change of them anyway.
        form.data = FormData(
            [*((k, v) for k, v in form.data.multi_items() if k not in locked), *((k, str(org.get(k) or "")) for k in locked)]
        )
    data = read_org(form)
    for k in locked:
        data.pop(k, None)
    version = form.integer("version")

    async def again(errors: FieldErrors, status: int) -> Response:
        return await render(
            p, "edit", org, values=form.values(), errors=errors, fields=ORG_FIELDS, status_code=status, locked=locked
        )

    return await save(
        p,
        "UpdateOrganization",
        "updateOrganization",
        None if version is None else {"id": org["id"], "version": version, **data},
        invalid=form.errors,
        again=again,
        redirect=lambda _: f"/admin/orgs/{org['id']}",
    )


MOVE_FIELDS = ["newParentId", "parentCode"]


@page()
async def move(p: Page) -> Response:
    org = await load_org(p)
    if p.request.method == "GET":
        return await render(p, "move", org, values={"version": org["version"]})
    form = await read_form(p)
    version = form.integer("version")
    code = form.text("parentCode")
    parent_id = None
    if code:
        found = (await p.run("OrgByCode", {"code": code}))["organization"]
        if found is None:
            form.error("parentCode", N_("未找到该编码的组织，或不在您的管理范围内"))
        else:
            parent_id = found["id"]
    else:
        parent_id = form.gid("newParentId", "Organization")

    async def again(errors: FieldErrors, status: int) -> Response:
        return await render(p, "move", org, values=form.values(), errors=errors, fields=MOVE_FIELDS, status_code=status)

    # The new parent may have been chosen by code: show the error at the field used.
    used = "parentCode" if code else "newParentId"
    return await save(
        p,
        "MoveOrganization",
        "moveOrganization",
        None if version is None else {"id": org["id"], "newParentId": parent_id, "version": version},
        invalid=form.errors,
        again=again,
        redirect=lambda _: f"/admin/orgs/{org['id']}",
        aliases={"parentId": used, "newParentId": used},
    )


DISSOLVE_FIELDS = ["on", "reason"]


@page()
async def dissolve(p: Page) -> Response:
    org = await load_org(p)
    if p.request.method == "GET":
        return await render(
            p,
            "dissolve",
            org,
            values={"version": org["version"], "on": p.state.clock().isoformat()},
        )
    form = await read_form(p)
    on = form.date("on", required=True)
    version = form.integer("version")

    async def again(errors: FieldErrors, status: int) -> Response:
        return await render(p, "dissolve", org, values=form.values(), errors=errors, fields=DISSOLVE_FIELDS, status_code=status)

    if not form.errors and version is not None and not form.flag("confirm"):
        return await render(p, "dissolve", org, values=form.values(), confirming=True)
    return await save(
        p,
        "DissolveOrganization",
        "dissolveOrganization",
        None if version is None else {"id": org["id"], "on": on, "reason": form.text("reason"), "version": version},
        invalid=form.errors,
        again=again,
        redirect=lambda _: f"/admin/orgs/{org['id']}",
    )


@page()
async def tree(p: Page) -> Response:
    data = await p.run("OrgTree")
    return p.render("organization/tree.html", root=data["me"]["organization"])


@page()
async def children(p: Page) -> Response:
    data = await p.run("OrgChildren", {"id": p.request.path_params["id"]})
    if not data.get("node"):
        raise HTTPException(404)
    return p.render("organization/_children.html", children=data["node"]["children"])


@page()
async def detail(p: Page) -> Response:
    data = await p.run("OrgPage", {"id": p.request.path_params["id"]})
    org = data.get("node")
    if not org:
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render("organization/detail.html", org=org)


routes = [
    Route("/orgs", tree),
    Route("/orgs/{id}/children", children),
    Route("/orgs/{id}/new", create, methods=["GET", "POST"]),
    Route("/orgs/{id}/edit", edit, methods=["GET", "POST"]),
    Route("/orgs/{id}/move", move, methods=["GET", "POST"]),
    Route("/orgs/{id}/dissolve", dissolve, methods=["GET", "POST"]),
    Route("/orgs/{id}", detail),
]
