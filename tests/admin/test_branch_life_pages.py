"""The branch-life admin over HTTP: the calendar with its htmx month switch, the meeting
form with attendance ticked from the roster, the election form's arithmetic as the clerk
types, the four-step item page, the flowing-member list; scope. Both databases."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from graphql import parse, validate

from partygraph.admin.core import OPERATIONS_DIR
from partygraph.graphql.schema import build_schema
from tests.conftest import login

PREFIXES = ("Calendar", "Meeting", "Election", "FourStep", "Flowing")


def test_branch_life_operations_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    paths = [p for p in sorted(Path(OPERATIONS_DIR).glob("*.graphql")) if p.name.startswith(PREFIXES)]
    assert len(paths) >= 12
    for path in paths:
        assert validate(schema, parse(path.read_text(encoding="utf-8"))) == [], path.name


def _record(client: Any, csrf: str, world: Any, **form: str) -> Any:
    data = {"csrf": csrf, "org_id": world.gid("Organization", "V1"), "kind": "general_meeting", "held_on": "2026-10-12", **form}
    return client.post("/admin/branch-life/meetings", data=data, follow_redirects=False)


def test_meeting_form_ticks_attendance_from_the_roster_and_the_calendar_shows_it(client, world, clock) -> None:
    csrf = login(client, "village")
    form = client.get("/admin/branch-life/meetings/new")
    assert form.status_code == 200
    assert 'data-member="张三"' in form.text and 'data-member="李四"' in form.text and "王五" not in form.text
    z, li = world.gid("Member", "zhang"), world.gid("Member", "li")
    # excused without a reason: refused inline with the rule's code, the ticks kept
    r = _record(client, csrf, world, place="村活动室", **{f"att_{z}": "present", f"att_{li}": "excused"})
    assert r.status_code == 422 and "R-LIFE-09" in r.text
    assert re.search(rf'name="att_{re.escape(z)}" value="present"[^>]*checked', r.text)
    r = _record(client, csrf, world, place="村活动室", chair="李四", **{f"att_{z}": "present", f"att_{li}": "excused", f"reason_{li}": "外出就医"})
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith("year=2026&month=10")
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert "村活动室" in page.text and "出席 1 · 请假 1 · 缺席 0" in page.text
    row = page.text.split('data-kind="general_meeting"', 1)[1].split("</tr>", 1)[0]
    assert "<td>4</td>" in row and "<td>1" in row  # planned 4 a year, held 1
    # htmx month switch: September has no meeting
    frag = client.get(f"/admin/branch-life/month?org={world.gid('Organization', 'V1')}&year=2026&month=9", headers={"HX-Request": "true"})
    assert frag.status_code == 200 and "<html" not in frag.text and 'data-month="2026-09"' in frag.text
    assert "本月没有会议记录" in frag.text
    # the alerts of the branch are listed with their codes
    assert "R-LIFE-07" in page.text


def test_election_form_shows_the_arithmetic_and_refuses_the_quorum_boundary(client, world) -> None:
    csrf = login(client, "township")
    org = world.gid("Organization", "V2")
    form = client.get(f"/admin/branch-life/elections/new?org={org}")
    assert form.status_code == 200 and 'id="election-explain"' in form.text
    params = {"seats": "3", "should_attend": "5", "present": "4", "rows": "5", "name_0": "甲", "votes_0": "4", "name_1": "乙", "votes_1": "4", "name_2": "丙", "votes_2": "3", "name_3": "丁", "votes_3": "1"}
    r = client.get("/admin/branch-life/elections/explain", params=params, headers={"HX-Request": "true"})
    assert 'data-code="R-ELEC-02"' in r.text and "至少 5 人" in r.text
    params.update(present="5", votes_0="5", votes_2="3", votes_3="3")
    r = client.get("/admin/branch-life/elections/explain", params=params, headers={"HX-Request": "true"})
    assert 'data-code=""' in r.text and "空缺 1 个" in r.text
    data = {"csrf": csrf, "org_id": org, "rows": "5", "held_on": "2026-10-20", **{k: v for k, v in params.items() if k != "rows"}}
    r = client.post("/admin/branch-life/elections", data={**data, "present": "4", "votes_0": "4", "votes_3": "1"}, follow_redirects=False)
    assert r.status_code == 422 and "R-ELEC-02" in r.text
    r = client.post("/admin/branch-life/elections", data=data, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "空缺 1" in page.text and "甲（委员）" in page.text


def test_four_step_item_page_records_the_seeds_rejection(client, world, clock) -> None:
    csrf = login(client, "village")
    org = world.gid("Organization", "V1")
    r = client.post("/admin/branch-life/four-step", data={"csrf": csrf, "org_id": org, "title": "村道硬化项目"}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    for step, on in (("PROPOSAL", "2026-03-01"), ("JOINT_DISCUSSION", "2026-03-03"), ("MEMBERS_REVIEW", "2026-03-08")):
        r = client.post(f"{url}/steps", data={"csrf": csrf, "step": step, "on": on, "passed": "yes"}, follow_redirects=False)
        assert r.status_code == 303, r.text
    r = client.post(f"{url}/steps", data={"csrf": csrf, "step": "NOTICE_RESULT", "on": "2026-03-09"}, follow_redirects=False)
    assert r.status_code == 422 and "R-VIL-01" in r.text
    data = {"csrf": csrf, "step": "ASSEMBLY_RESOLUTION", "on": "2026-03-12", "should_attend": "35", "present": "33", "yes": "14", "no": "19"}
    assert client.post(f"{url}/steps", data=data, follow_redirects=False).status_code == 303
    page = client.get(url).text
    assert "未通过" in page.split('id="item-status"', 1)[1][:40]
    assert "赞成 14 票、反对 19 票" in page and 'id="step-form"' not in page
    listing = client.get(f"/admin/branch-life/four-step?org={org}").text
    assert "村道硬化项目" in listing
    # another township: not found
    client.cookies.clear()
    login(client, "township2")
    assert client.get(url).status_code == 404


def test_flowing_list_and_scope(client, world, gql) -> None:
    gql(
        """mutation($i: SetFlowingInput!) { setFlowing(input: $i) { __typename } }""",
        {"i": {"memberId": world.gid("Member", "zhao"), "workplace": "威州镇建筑工地", "certificate": "LD-2026-031", "lifeOrgId": world.gid("Organization", "V1")}},
    )
    gql("""mutation($m: ID!) { markLostContact(memberId: $m, lostOn: "2026-01-05") { __typename } }""", {"m": world.gid("Member", "wang")})
    login(client, "township")
    page = client.get("/admin/branch-life/flowing").text
    flowing = page.split('id="flowing"', 1)[1].split("</table>", 1)[0]
    assert "赵六" in flowing and "LD-2026-031" in flowing and "外地" in flowing
    lost = page.split('id="lost"', 1)[1].split("</table>", 1)[0]
    assert "王五" in lost and "2026-01-05" in lost
    # the away member also appears on the roster of the meeting form at 布瓦村
    form = client.get(f"/admin/branch-life/meetings/new?org={world.gid('Organization', 'V1')}").text
    assert 'data-member="赵六"' in form
    client.cookies.clear()
    login(client, "township2")
    assert client.get(f"/admin/branch-life?org={world.gid('Organization', 'V1')}").status_code == 404
    assert client.get(f"/admin/branch-life/meetings/new?org={world.gid('Organization', 'V1')}").status_code == 404
    assert date.today()  # the pages read the test clock, not the system date


def test_an_r_mem_flag_is_decided_from_the_calendar(client, world, gql) -> None:
    gql("""mutation($m: ID!) { markLostContact(memberId: $m, lostOn: "2026-01-05") { __typename } }""", {"m": world.gid("Member", "wang")})
    csrf = login(client, "township")
    org = world.gid("Organization", "V2")
    page = client.get(f"/admin/branch-life?org={org}").text
    assert 'value="R-MEM-02-SUSPEND"' in page and "王五" in page
    form = {"csrf": csrf, "org_id": org, "member_id": world.gid("Member", "wang"), "flag": "R-MEM-02-SUSPEND", "raised_on": "2026-07-05", "decision": "suspend"}
    r = client.post("/admin/branch-life/flags", data={**form, "note": ""}, headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 422 and "INVALID_INPUT" in r.text
    r = client.post("/admin/branch-life/flags", data={**form, "note": "经多方查找仍无音讯"}, headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/admin/branch-life?org=")
    status = gql("query($id: ID!) { node(id: $id) { ... on Member { status } } }", {"id": world.gid("Member", "wang")})["node"]["status"]
    assert status == "suspended"
    assert 'value="R-MEM-02-SUSPEND"' not in client.get(f"/admin/branch-life?org={org}").text
