"""The organisation tree (expands lazily with htmx) and the organisation page."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, page


@page()
async def tree(p: Page) -> Response:
    data = await p.run("OrgTree")
    return p.render("orgs/tree.html", root=data["me"]["organization"])


@page()
async def children(p: Page) -> Response:
    data = await p.run("OrgChildren", {"id": p.request.path_params["id"]})
    if not data.get("node"):
        raise HTTPException(404)
    return p.render("orgs/_children.html", children=data["node"]["children"])


@page()
async def detail(p: Page) -> Response:
    data = await p.run("OrgPage", {"id": p.request.path_params["id"]})
    org = data.get("node")
    if not org:
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render("orgs/detail.html", org=org)


routes = [
    Route("/orgs", tree),
    Route("/orgs/{id}/children", children),
    Route("/orgs/{id}", detail),
]
