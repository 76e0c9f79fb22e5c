"""The pipeline admin, follow-ups of the member sanctions (both databases): the vote form
refuses inline with R-DEV-09 when an introducer no longer qualifies and links to the
replacement of the introducers; the replacement form (pair in force ticked, a reason) records
a new pair and the vote goes through; the board links to the development plans and sums up
the organisation's plan of the year.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tests.admin.test_candidate_pages import hx
from tests.api.test_candidate import Pipeline, run_until
from tests.conftest import login

SANCTION = """
mutation($input: RecordMemberSanctionInput!) { recordMemberSanction(input: $input) { __typename } }"""
REGISTER = """
mutation($input: RegisterMemberInput!) {
  registerMember(input: $input) { ... on MemberPayload { member { id } } }
}"""
PLAN = """
mutation($input: CreateDevelopmentPlanInput!) {
  createDevelopmentPlan(input: $input) { __typename ... on DevelopmentPlanPayload { plan { id } } ... on Error { code message } }
}"""
VOTE = {
    "step": "admission_vote",
    "on": "2024-07-01",
    "should_attend": "2",
    "present": "2",
    "yes": "2",
    "place": "村委会",
}


def target(gql: Any, world: Any, clock: Any) -> Pipeline:
    """Introduced by 张三 and 李四 (2024-04-20); 张三 under 留党察看 from 2024-06-26."""
    p = Pipeline(gql, world, clock)
    run_until(p, "admission_vote")
    clock.today = date(2024, 7, 1)
    out = gql(
        SANCTION,
        {
            "input": {
                "memberId": world.gid("Member", "zhang"),
                "kind": "party_probation",
                "decidedOn": "2024-06-26",
                "probationYears": 1,
                "decidedBy": "岷江县纪委",
            }
        },
    )
    assert out["recordMemberSanction"]["__typename"] == "MemberSanctionPayload"
    return p


def test_vote_refused_then_introducers_replaced_then_vote_recorded(
    client, gql, world, clock
) -> None:  # type: ignore[no-untyped-def]
    p = target(gql, world, clock)
    zhou = gql(
        REGISTER,
        {
            "input": {
                "orgId": world.gid("Organization", "V1"),
                "name": "周八",
                "gender": "male",
                "birthDate": "1975-02-02",
                "education": "senior_high",
                "joinedOn": "2001-07-01",
                "convertedOn": "2002-07-01",
            }
        },
    )["registerMember"]["member"]["id"]
    csrf = login(client, "village")
    url = f"/admin/candidates/{p.id}"
    # the vote: refused inline, naming the introducer and why, with a way to replace him
    r = client.post(f"{url}/steps", data=VOTE, headers=hx(csrf))
    assert r.status_code == 422, r.text
    assert 'id="step-error"' in r.text and "R-DEV-09" in r.text and "张三 受留党察看处分" in r.text
    link = re.search(r'<a id="replace-introducers" href="([^"]+)"\s+hx-get="([^"]+)"', r.text)
    assert link and link.group(1) == f"{url}?step=introducers_assigned#step-form"
    assert link.group(2) == f"{url}/form?step=introducers_assigned"
    # the replacement form, by htmx or as a page: the pair in force is ticked, a reason asked
    for r in (
        client.get(link.group(2), headers={"HX-Request": "true"}),
        client.get(link.group(1).split("#")[0]),
    ):
        assert r.status_code == 200
        assert 'value="introducers_assigned" selected' in r.text and "更换入党介绍人" in r.text
        assert 'id="current-introducers"' in r.text and "张三、李四" in r.text
        assert re.search(rf'value="{re.escape(world.gid("Member", "zhang"))}" checked', r.text)
        assert 'name="reason"' in r.text
    # the candidate page also offers the replacement among the steps before the vote
    choices = client.get(url).text.split('<select name="step"', 1)[1].split("</select>", 1)[0]
    assert re.search(
        r'<option value="admission_vote" selected>[^<]+</option><option value="introducers_assigned" >更换入党介绍人<',
        choices,
    )
    form = {
        "step": "introducers_assigned",
        "on": "2024-07-01",
        "introducer_ids": [world.gid("Member", "li"), zhou],
        "reason": "张三受留党察看处分",
    }
    # the sanctioned introducer cannot stay in the new pair
    r = client.post(
        f"{url}/steps",
        data={**form, "introducer_ids": [world.gid("Member", "zhang"), zhou]},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "R-DEV-09" in r.text and 'value="张三受留党察看处分"' in r.text
    r = client.post(f"{url}/steps", data=form, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url, r.text
    timeline = client.get(url).text.split('class="timeline"', 1)[1]
    assert "李四、周八" in timeline and "张三受留党察看处分" in timeline
    r = client.post(f"{url}/steps", data=VOTE, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url, r.text
    # once the branch resolved to admit, the replacement is no longer offered
    page = client.get(url).text
    assert "更换入党介绍人" not in page.split('id="step-form"', 1)[1].split("</form>", 1)[0]


def test_board_links_to_the_plans_and_sums_up_this_years_plan(client, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    clock.today = date(2026, 5, 10)
    login(client, "village")
    v1 = world.gid("Organization", "V1")
    r = client.get("/admin/pipeline")
    assert r.status_code == 200
    assert (
        f'<a href="/admin/plans?under={v1.replace("=", "%3D")}&amp;year=2026" id="plans-link">发展党员计划</a>'
        in r.text
    )
    line = r.text.split('id="board-plan"', 1)[1].split("</p>", 1)[0]
    assert "本组织 2026 年没有发展党员计划" in line
    # a plan of the township does not stand for the village's
    out = gql(
        PLAN,
        {
            "input": {
                "orgId": world.gid("Organization", "T1"),
                "kind": "yearly",
                "firstYear": 2026,
                "admissions": 6,
            }
        },
    )
    assert out["createDevelopmentPlan"]["__typename"] == "DevelopmentPlanPayload", out
    assert "没有发展党员计划" in client.get("/admin/pipeline").text
    out = gql(
        PLAN,
        {
            "input": {
                "orgId": v1,
                "kind": "yearly",
                "firstYear": 2026,
                "newActivists": 3,
                "admissions": 2,
            }
        },
        user="village",
    )
    assert out["createDevelopmentPlan"]["__typename"] == "DevelopmentPlanPayload", out
    plan_id = out["createDevelopmentPlan"]["plan"]["id"]
    line = client.get("/admin/pipeline").text.split('id="board-plan"', 1)[1].split("</p>", 1)[0]
    assert f'href="/admin/plans/{plan_id}"' in line and "年度计划 2026" in line and "草案" in line
    assert (
        'data-key="newActivists"' in line
        and 'data-key="admissions"' in line
        and 'data-key="newTargets"' not in line
    )
    assert "确定入党积极分子 0 / 3" in line and "0 / 2" in line and "已过 4 / 12 个月" in line
    assert 'data-status="behind"' in line  # nothing done four months in
    # the township's board shows its own plan; English when asked
    client.cookies.clear()
    login(client, "township")
    client.get("/admin/lang", params={"lang": "en"})
    line = client.get("/admin/pipeline").text.split('id="board-plan"', 1)[1].split("</p>", 1)[0]
    assert (
        "Yearly plan 2026" in line
        and "Admissions" in line
        and "0 / 6" in line
        and "of 12 months" in line
    )
    assert not re.search(r"[\u4e00-\u9fff]", line)
