"""The rule settings page: every number in force, the deployment's own values marked."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import Page, page


@page()
async def rule_settings(p: Page) -> Response:
    data = await p.run("RuleSettings")
    groups = data["ruleSettings"]
    changed = sum(1 for g in groups for s in g["settings"] if s["changed"])
    return p.render("settings.html", groups=groups, changed=changed)


routes = [Route("/settings", rule_settings)]
