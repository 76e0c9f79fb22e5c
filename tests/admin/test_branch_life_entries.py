"""Branch-life entries of the admin over HTTP, on both databases: a recorded meeting's page
where its attendance is corrected (version-checked), a member recorded as flowing and back,
a lost-contact case with its attempts, its R-MEM-02 flag and its closing. Every refusal
shows the API's error in the form and leaves the data as it was."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import login

HX = {"HX-Request": "true"}

RECORD = """
mutation($input: RecordBranchMeetingInput!) {
  recordBranchMeeting(input: $input) {
    __typename
    ... on MeetingRecordPayload { record { meeting { id version } } }
  }
}"""
ATTENDANCE = "query($m: ID!) { meetingAttendance(meetingId: $m) { memberName status reason } node(id: $m) { ... on Meeting { version } } }"
MEMBER = "query($id: ID!) { node(id: $id) { ... on Member { version flowing flowDestination flowCertificate lostContact status } } }"
FLOWING = "query($u: ID!) { flowingMembers(under: $u) { memberName workplace certificate contactName lifeOrganizationName } }"
LOST = "query($u: ID!) { lostContactMembers(under: $u, includeFound: true) { nodes { id lostOn foundOn version attempts { method } } } }"


def _hx(csrf: str) -> dict[str, str]:
    return {**HX, "X-CSRF-Token": csrf}


def _meeting(gql: Any, world: Any) -> str:
    z, li = world.gid("Member", "zhang"), world.gid("Member", "li")
    inp = {
        "orgId": world.gid("Organization", "V1"), "kind": "general_meeting", "heldOn": "2026-10-12", "place": "村活动室",
        "minutes": "学习党章\n讨论村道项目",
        "attendance": [{"memberId": z, "status": "PRESENT"}, {"memberId": li, "status": "ABSENT"}],
    }  # fmt: skip
    payload = gql(RECORD, {"input": inp})["recordBranchMeeting"]
    assert payload["__typename"] == "MeetingRecordPayload"
    return payload["record"]["meeting"]["id"]


def _attendance(gql: Any, mid: str) -> tuple[dict[str, tuple[str, str | None]], int]:
    data = gql(ATTENDANCE, {"m": mid})
    return {a["memberName"]: (a["status"], a["reason"]) for a in data["meetingAttendance"]}, data[
        "node"
    ]["version"]


# --- a recorded meeting ---------------------------------------------------------------------------


def test_meeting_page_corrects_attendance_with_its_version_and_refusals_change_nothing(
    client, world, gql
) -> None:
    mid = _meeting(gql, world)
    li = world.gid("Member", "li")
    csrf = login(client, "village")
    # the calendar's month links to the meeting
    month = client.get(
        f"/admin/branch-life/month?org={world.gid('Organization', 'V1')}&year=2026&month=10",
        headers=HX,
    ).text
    assert f'href="/admin/branch-life/meetings/{mid}"' in month
    page = client.get(f"/admin/branch-life/meetings/{mid}")
    assert page.status_code == 200
    assert "村活动室" in page.text and "学习党章<br>讨论村道项目" in page.text
    assert re.search(rf'name="att_{re.escape(li)}" value="absent"[^>]*checked', page.text)
    url = f"/admin/branch-life/meetings/{mid}/attendance"
    before = _attendance(gql, mid)
    # excused without a reason: R-LIFE-09 in the form (the htmx fragment), nothing written
    r = client.post(url, data={"version": "1", f"att_{li}": "excused"}, headers=_hx(csrf))
    assert r.status_code == 422 and "R-LIFE-09" in r.text and "<html" not in r.text
    assert 'id="attendance-form"' in r.text and re.search(
        rf'name="att_{re.escape(li)}" value="excused"[^>]*checked', r.text
    )
    assert _attendance(gql, mid) == before
    # a stale version: Conflict, nothing written
    r = client.post(
        url, data={"csrf": csrf, "version": "0", f"att_{li}": "excused", f"reason_{li}": "外出就医"}
    )
    assert r.status_code == 409 and "CONFLICT" in r.text.upper()
    assert _attendance(gql, mid) == before
    # corrected: only the changed row is sent, the version moves on
    r = client.post(
        url,
        data={"version": "1", f"att_{li}": "excused", f"reason_{li}": "外出就医"},
        headers=_hx(csrf),
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/admin/branch-life/meetings/{mid}"
    rows, version = _attendance(gql, mid)
    assert rows == {"张三": ("PRESENT", None), "李四": ("EXCUSED", "外出就医")} and version == 2
    # nothing changed: nothing sent, no new version
    r = client.post(
        url,
        data={"csrf": csrf, "version": "2", f"att_{li}": "excused", f"reason_{li}": "外出就医"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and _attendance(gql, mid)[1] == 2


def test_meeting_page_is_scoped_and_read_only_for_viewers(client, world, gql) -> None:
    mid = _meeting(gql, world)
    login(client, "township2")
    assert client.get(f"/admin/branch-life/meetings/{mid}").status_code == 404
    client.cookies.clear()
    csrf = login(client, "viewer")
    page = client.get(f"/admin/branch-life/meetings/{mid}").text
    assert "保存出席情况" not in page
    li = world.gid("Member", "li")
    r = client.post(
        f"/admin/branch-life/meetings/{mid}/attendance",
        data={"csrf": csrf, "version": "1", f"att_{li}": "present"},
    )
    assert r.status_code == 403
    assert _attendance(gql, mid)[0]["李四"] == ("ABSENT", None)


# --- flowing members ------------------------------------------------------------------------------


def test_member_recorded_as_flowing_from_the_member_page_and_back(client, world, gql) -> None:
    z = world.gid("Member", "zhang")
    csrf = login(client, "township")
    detail = client.get(f"/admin/members/{z}").text
    assert (
        f"/admin/branch-life/members/{z}/flowing" in detail
        and f"/admin/branch-life/members/{z}/lost-contact" in detail
    )
    url = f"/admin/branch-life/members/{z}/flowing"
    page = client.get(url).text
    assert 'id="flowing-form"' in page and 'id="flowing-end-form"' not in page
    # the member's own branch and those above it are no branch of life away
    life = page.split('name="lifeOrgId"', 1)[1].split("</select>", 1)[0]
    assert "龙溪村党支部" in life and "布瓦村党支部" not in life
    form = {
        "version": "1",
        "workplace": "成都市温江区某物流园",
        "certificate": "LD-2026-001",
        "contactMemberId": world.gid("Member", "li"),
    }
    # no workplace: refused beside the field
    r = client.post(url, data={**form, "workplace": ""}, headers=_hx(csrf))
    assert r.status_code == 422 and 'id="workplace-error"' in r.text and "<html" not in r.text
    # the home branch as the branch of life away: the API refuses it, shown beside the select
    r = client.post(
        url, data={**form, "lifeOrgId": world.gid("Organization", "V1")}, headers=_hx(csrf)
    )
    assert r.status_code == 422 and 'id="lifeOrgId-error"' in r.text and "外地党支部" in r.text
    assert gql(MEMBER, {"id": z})["node"]["flowing"] is False
    r = client.post(
        url,
        data={**form, "csrf": csrf, "lifeOrgId": world.gid("Organization", "V2")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == url
    member = gql(MEMBER, {"id": z})["node"]
    assert (
        member["flowing"]
        and member["flowDestination"] == "成都市温江区某物流园"
        and member["flowCertificate"] == "LD-2026-001"
    )
    [f] = gql(FLOWING, {"u": world.gid("Organization", "V1")})["flowingMembers"]
    assert f["contactName"] == "李四" and f["lifeOrganizationName"] == "龙溪村党支部"
    page = client.get(url).text
    assert (
        'id="flowing-profile"' in page
        and "LD-2026-001" in page
        and 'id="flowing-end-form"' in page
        and "hx-confirm" in page
    )
    # the member page's history records it (attributed)
    assert "member.flowing" in client.get(f"/admin/members/{z}").text
    # ending: a stale version and a date in the future are refused; nothing changes
    end = f"{url}/end"
    version = str(member["version"])
    r = client.post(end, data={"version": "1", "on": "2026-10-20"}, headers=_hx(csrf))
    assert r.status_code == 409 and 'id="flowing-end-form"' in r.text
    r = client.post(end, data={"version": version, "on": "2027-01-01"}, headers=_hx(csrf))
    assert r.status_code == 422 and 'id="on-error"' in r.text
    assert gql(MEMBER, {"id": z})["node"]["flowing"] is True
    r = client.post(end, data={"version": version, "on": "2026-10-20"}, headers=_hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert gql(MEMBER, {"id": z})["node"]["flowing"] is False
    assert gql(FLOWING, {"u": world.gid("Organization", "V1")})["flowingMembers"] == []


def test_flowing_entry_is_scoped(client, world) -> None:
    login(client, "township2")
    assert (
        client.get(f"/admin/branch-life/members/{world.gid('Member', 'zhang')}/flowing").status_code
        == 404
    )
    assert (
        client.get(
            f"/admin/branch-life/members/{world.gid('Member', 'zhang')}/lost-contact"
        ).status_code
        == 404
    )
    assert client.get("/admin/branch-life/members/nonsense/flowing").status_code == 404


# --- lost contact ---------------------------------------------------------------------------------


def test_lost_contact_case_with_attempts_flag_decision_and_closing(client, world, gql) -> None:
    w = world.gid("Member", "wang")
    v2 = world.gid("Organization", "V2")
    csrf = login(client, "township")
    url = f"/admin/branch-life/members/{w}/lost-contact"
    page = client.get(url).text
    assert 'id="lost-mark-form"' in page and 'id="lost-open"' not in page
    # a date in the future: refused beside the field, nothing recorded
    r = client.post(url, data={"lostOn": "2027-01-01"}, headers=_hx(csrf))
    assert r.status_code == 422 and 'id="lostOn-error"' in r.text and "<html" not in r.text
    assert gql(LOST, {"u": v2})["lostContactMembers"]["nodes"] == []
    r = client.post(
        url,
        data={"csrf": csrf, "lostOn": "2026-01-05", "note": "外出务工后联系不上"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == url
    [record] = gql(LOST, {"u": v2})["lostContactMembers"]["nodes"]
    assert gql(MEMBER, {"id": w})["node"]["lostContact"] is True
    page = client.get(url).text
    assert 'id="lost-open"' in page and "2026-01-05" in page and 'id="lost-mark-form"' not in page
    assert re.search(r'id="lost-months">9<', page)
    # an attempt with no method: refused, none recorded; then recorded
    attempts = f"{url}/{record['id']}/attempts"
    r = client.post(attempts, data={"on": "2026-03-01", "method": ""}, headers=_hx(csrf))
    assert r.status_code == 422 and 'id="method-error"' in r.text
    assert gql(LOST, {"u": v2})["lostContactMembers"]["nodes"][0]["attempts"] == []
    r = client.post(
        attempts, data={"on": "2026-03-01", "method": "电话", "outcome": "空号"}, headers=_hx(csrf)
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    page = client.get(url).text
    assert "空号" in page.split('id="attempts"', 1)[1]
    # six months out of contact: the R-MEM-02 flag is here for a person to decide
    flags = page.split('id="lost-flags"', 1)[1]
    assert (
        'value="R-MEM-02-SUSPEND"' in flags
        and f'name="next" value="{url}"' in flags
        and "hx-confirm" in flags
    )
    # closing: restored before it was lost is refused, a stale version too; nothing changes
    restored = f"{url}/{record['id']}/restored"
    r = client.post(
        restored, data={"on": "2025-12-01", "version": str(record["version"])}, headers=_hx(csrf)
    )
    assert r.status_code == 422 and 'id="on-error"' in r.text and 'id="lost-restore-form"' in r.text
    r = client.post(restored, data={"on": "2026-10-30", "version": "99"}, headers=_hx(csrf))
    assert r.status_code == 409
    assert gql(LOST, {"u": v2})["lostContactMembers"]["nodes"][0]["foundOn"] is None
    r = client.post(
        restored, data={"on": "2026-10-30", "version": str(record["version"])}, headers=_hx(csrf)
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert gql(LOST, {"u": v2})["lostContactMembers"]["nodes"][0]["foundOn"] == "2026-10-30"
    # the member is in contact again (the spell keeps when contact was lost)
    assert gql(MEMBER, {"id": w})["node"]["lostContact"] is False
    page = client.get(url).text
    assert 'id="lost-open"' not in page and "2026-10-30" in page.split('id="lost-history"', 1)[1]
    assert "2026-01-05" in page.split('id="lost-history"', 1)[1]
    assert "失去联系</span>" not in page.split("</h1>", 1)[0]  # no "lost contact" badge any more
    assert 'id="lost-mark-form"' in page  # a new spell can be recorded


def test_an_r_mem_flag_decided_from_the_lost_contact_page_comes_back_to_it(
    client, world, gql
) -> None:
    w = world.gid("Member", "wang")
    gql(
        """mutation($m: ID!) { markLostContact(memberId: $m, lostOn: "2026-01-05") { __typename } }""",
        {"m": w},
    )
    csrf = login(client, "township")
    url = f"/admin/branch-life/members/{w}/lost-contact"
    form = {
        "org_id": world.gid("Organization", "V2"), "member_id": w, "flag": "R-MEM-02-SUSPEND", "raised_on": "2026-07-05",
        "decision": "suspend", "next": url,
    }  # fmt: skip
    r = client.post("/admin/branch-life/flags", data={**form, "note": ""}, headers=_hx(csrf))
    assert r.status_code == 422 and gql(MEMBER, {"id": w})["node"]["status"] == "full"
    r = client.post(
        "/admin/branch-life/flags", data={**form, "note": "经多方查找仍无音讯"}, headers=_hx(csrf)
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert gql(MEMBER, {"id": w})["node"]["status"] == "suspended"
    assert 'id="lost-flags"' not in client.get(url).text
    # a return address outside branch life is never followed
    other = {**form, "flag": "R-MEM-02-SUSPEND", "next": "https://example.org/"}
    r = client.post("/admin/branch-life/flags", data={**other, "note": "x"}, headers=_hx(csrf))
    assert not r.headers.get("HX-Redirect", "/admin/").startswith("https:")
