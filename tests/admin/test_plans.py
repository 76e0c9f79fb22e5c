"""Development plans in the admin, over HTTP on both databases: the list with its progress
bars, the plan page (progress table, structure, children with drill-down), the form with
inline refusals (htmx 422, rule code, nothing written), adopt and withdraw asked twice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graphql import parse, validate
from sqlalchemy import func, select

from partygraph.admin.core import OPERATIONS_DIR
from partygraph.graphql.schema import build_schema
from partygraph.models.plan import DevelopmentPlan
from tests.conftest import login


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def plan_count(session_factory: Any) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(DevelopmentPlan)).scalar_one()


def new_plan(client: Any, csrf: str, world: Any, org: str = "T1", **values: str) -> Any:
    form = {
        "orgId": world.gid("Organization", org),
        "kind": "yearly",
        "firstYear": "2026",
        "newActivists": "6",
        "newTargets": "3",
        "admissions": "4",
        "conversions": "2",
        **values,
    }
    return client.post("/admin/plans/new", data=form, headers=hx(csrf))


def test_plan_and_sanction_operations_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    paths = [
        *Path(OPERATIONS_DIR).glob("*Plan*.graphql"),
        *Path(OPERATIONS_DIR).glob("*Sanction*.graphql"),
    ]
    assert len(paths) >= 10
    for path in sorted(paths):
        assert validate(schema, parse(path.read_text(encoding="utf-8"))) == [], path.name


def test_create_list_page_and_drill_down(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    assert 'href="/admin/plans"' in client.get("/admin/plans").text  # the nav link
    r = client.get("/admin/plans/new")
    assert r.status_code == 200 and 'name="orgId"' in r.text and "默认 ≥80.0%" in r.text
    assert "渔子溪村党支部" not in r.text  # another township's villages are not offered
    r = new_plan(client, csrf, world, womenPct="45", notes="乡有目标计划")
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/admin/plans/"), r.text
    url = r.headers["HX-Redirect"]
    page = client.get(url).text
    assert "威州镇党委" in page and "草案" in page and 'id="progress"' in page
    assert re.search(r'data-key="admissions">\s*<td>[^<]+</td><td>4</td><td>0</td>', page)
    # the children side by side, without plans yet, each with a link to make one
    children = page.split('id="children"', 1)[1].split("</table>", 1)[0]
    assert (
        "布瓦村党支部" in children and "龙溪村党支部" in children and children.count("未制定") == 2
    )
    assert "/admin/plans/new?org=" in children
    assert "A-PLAN-CASCADE" in page
    # the village's plan, made from the drill-down link; the list shows both with bars
    r = new_plan(
        client, csrf, world, "V1", admissions="1", newActivists="2", newTargets="1", conversions="0"
    )
    assert r.status_code == 200
    r = client.get("/admin/plans", params={"year": "2026"})
    assert r.status_code == 200 and "<progress" in r.text
    rows = r.text.split('id="plans"', 1)[1]
    assert rows.index("威州镇党委") < rows.index("布瓦村党支部")
    # drill down to the village: only its plan
    v1 = world.gid("Organization", "V1")
    r = client.get("/admin/plans", params={"under": v1, "year": "2026"})
    assert "布瓦村党支部" in r.text and "威州镇党委</a></td>" not in r.text
    assert plan_count(session_factory) == 2


def test_form_refusals_inline_and_nothing_written(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    r = new_plan(client, csrf, world, admissions="-2")
    assert r.status_code == 422 and 'id="plan-form"' in r.text and "<html" not in r.text
    assert "R-PLAN-03" in r.text and 'value="-2"' in r.text  # what the clerk typed stays
    r = new_plan(client, csrf, world, womenPct="140")
    assert r.status_code == 422 and "R-PLAN-04" in r.text and 'id="womenPct-error"' in r.text
    r = new_plan(client, csrf, world, firstYear="abc")
    assert r.status_code == 422 and 'id="firstYear-error"' in r.text
    r = new_plan(client, csrf, world, "G1")
    assert r.status_code == 422 and "R-PLAN-07" in r.text
    assert plan_count(session_factory) == 0
    assert new_plan(client, csrf, world).status_code == 200
    r = new_plan(client, csrf, world)
    assert r.status_code == 422 and "R-PLAN-06" in r.text and 'id="firstYear-error"' in r.text
    assert plan_count(session_factory) == 1


def test_edit_adopt_and_withdraw_asked_twice(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    url = new_plan(client, csrf, world).headers["HX-Redirect"]
    r = client.get(f"{url}/edit")
    assert r.status_code == 200 and 'value="4"' in r.text
    version = re.search(r'name="version" value="(\d+)"', r.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        f"{url}/edit",
        data={"version": version, "firstYear": "2026", "admissions": "5", "newActivists": "6"},
        headers=hx(csrf),
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    r = client.post(
        f"{url}/edit",
        data={"version": version, "firstYear": "2026", "admissions": "7"},
        headers=hx(csrf),
    )
    assert r.status_code == 409 and "已被他人修改" in r.text  # the stale version
    # adopt: the first click asks, the second adopts
    r = client.post(f"{url}/adopt", data={}, headers=hx(csrf))
    assert r.status_code == 200 and 'id="confirm-adopt"' in r.text and "<html" not in r.text
    with session_factory() as s:
        assert s.execute(select(DevelopmentPlan.status)).scalar_one() == "draft"
        version = s.execute(select(DevelopmentPlan.version)).scalar_one()
    r = client.post(
        f"{url}/adopt",
        data={"confirm": "1", "version": str(version), "adoptedOn": "2027-01-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "R-PLAN-09" in r.text  # after today
    r = client.post(
        f"{url}/adopt",
        data={"confirm": "1", "version": str(version), "adoptedOn": "2026-02-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert "已通过" in client.get(url).text and 'id="adopt"' not in client.get(url).text
    # withdraw: a reason is required, then the plan stays, marked
    r = client.post(f"{url}/withdraw", data={}, headers=hx(csrf))
    assert 'id="confirm-withdraw"' in r.text
    with session_factory() as s:
        version = s.execute(select(DevelopmentPlan.version)).scalar_one()
    r = client.post(
        f"{url}/withdraw",
        data={"confirm": "1", "version": str(version), "reason": ""},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="reason-error"' in r.text
    r = client.post(
        f"{url}/withdraw",
        data={"confirm": "1", "version": str(version), "reason": "重新制定"},
        headers=hx(csrf),
    )
    assert r.status_code == 200
    page = client.get(url).text
    assert "已撤回" in page and "重新制定" in page and 'id="withdraw"' not in page
    assert plan_count(session_factory) == 1
    assert "暂无计划" in client.get("/admin/plans").text  # gone from the live list
    assert url.rsplit("/", 1)[1] in client.get("/admin/plans", params={"status": "withdrawn"}).text


def test_plain_post_and_scope(client, world) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    form = {
        "csrf": csrf,
        "orgId": world.gid("Organization", "T1"),
        "kind": "three_year",
        "firstYear": "2026",
        "admissions": "9",
    }
    r = client.post("/admin/plans/new", data=form, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    assert "2026—2028" in client.get(url).text
    r = client.post(f"{url}/adopt", data={"csrf": csrf})
    assert (
        r.status_code == 200 and "<html" in r.text and 'id="confirm-adopt"' in r.text
    )  # a page of its own
    client.cookies.clear()
    login(client, "township2")
    assert client.get(url).status_code == 404
    assert (
        client.get("/admin/plans", params={"under": world.gid("Organization", "T1")}).status_code
        == 404
    )
    client.cookies.clear()
    login(client, "viewer")
    page = client.get(url).text
    assert "三年规划" in page and 'id="adopt"' not in page and "修改计划" not in page
