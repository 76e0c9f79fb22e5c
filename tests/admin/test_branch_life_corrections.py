"""Corrections in the branch-life admin over HTTP, on both databases: a recorded meeting's
page corrects the record (inline errors, the version, the date and kind fixed by votes) and
shows its history; a member's R-MEM-01 recordings (no dues, no assigned work since) are
entered from their own page, which also holds the flag a person decides. Every refusal
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
    ... on MeetingRecordPayload { record { meeting { id } } }
  }
}"""
READ = """query($id: ID!) { meetingRecord(id: $id) {
  meeting { kind heldOn place chair recorder agenda minutes version } attachments chairMemberId } }"""
LAPSES = "query($m: ID!) { dutyLapses(memberId: $m) { noDuesSince noWorkSince recordedOn } }"


def _hx(csrf: str) -> dict[str, str]:
    return {**HX, "X-CSRF-Token": csrf}


def _meeting(gql: Any, world: Any, **extra: Any) -> str:
    inp = {
        "orgId": world.gid("Organization", "V1"), "kind": "theme_day", "heldOn": "2026-10-12", "place": "村活动室",
        "attachments": ["档案 2026-17"],
        "attendance": [{"memberId": world.gid("Member", "zhang"), "status": "PRESENT"}], **extra,
    }  # fmt: skip
    payload = gql(RECORD, {"input": inp})["recordBranchMeeting"]
    assert payload["__typename"] == "MeetingRecordPayload"
    return payload["record"]["meeting"]["id"]


def _form(world: Any, **changes: str) -> dict[str, str]:
    """The correction form as the page fills it, with some fields changed."""
    return {
        "version": "1", "kind": "theme_day", "heldOn": "2026-10-12", "place": "村活动室", "chair": "",
        "chairMemberId": "", "recorder": "", "recorderMemberId": "", "agenda": "", "minutes": "",
        "attachments": "档案 2026-17", **changes,
    }  # fmt: skip


def test_the_meeting_page_corrects_the_record_and_shows_its_history(client, world, gql) -> None:
    mid = _meeting(gql, world)
    li = world.gid("Member", "li")
    csrf = login(client, "village")
    url = f"/admin/branch-life/meetings/{mid}"
    page = client.get(url).text
    # the form starts from the record; chair and recorder are chosen from the roster
    form = page.split('id="meeting-edit-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="heldOn" type="date" value="2026-10-12"' in form
    assert re.search(r'<option value="theme_day" selected>', form)
    assert "档案 2026-17</textarea>" in form and f'<option value="{li}">李四</option>' in form
    assert 'id="meeting-attachments"' in page and "档案 2026-17" in page
    before = gql(READ, {"id": mid})["meetingRecord"]
    # a date in the future: beside the field, in the htmx fragment, nothing written
    edit = f"{url}/edit"
    r = client.post(
        edit, data=_form(world, heldOn="2026-12-01", place="村委会议室"), headers=_hx(csrf)
    )
    assert r.status_code == 422 and "<html" not in r.text and 'id="meeting-edit-form"' in r.text
    assert 'id="heldOn-error"' in r.text and "INVALID_DATE" in r.text
    assert 'value="村委会议室"' in r.text  # what the clerk typed comes back
    # an attachment too long: beside the attachments
    r = client.post(edit, data=_form(world, attachments="好\n" + "长" * 201), headers=_hx(csrf))
    assert r.status_code == 422 and 'id="attachments-error"' in r.text
    # a stale version: Conflict above the form
    r = client.post(edit, data=_form(world, version="0", place="别处"), headers=_hx(csrf))
    assert r.status_code == 409 and "CONFLICT" in r.text and 'class="error"' in r.text
    # without htmx: the whole page with the form open
    r = client.post(edit, data={**_form(world, heldOn="2026-12-01"), "csrf": csrf})
    assert r.status_code == 422 and "<html" in r.text and 'id="meeting-edit" open' in r.text
    assert gql(READ, {"id": mid})["meetingRecord"] == before
    # corrected
    r = client.post(
        edit,
        data=_form(
            world,
            kind="party_lecture",
            heldOn="2026-10-11",
            place="村委会议室",
            chairMemberId=li,
            minutes="学习党章\n讨论村道",
            attachments="档案 2026-17\n\n照片 3 张",
        ),  # fmt: skip
        headers=_hx(csrf),
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    after = gql(READ, {"id": mid})["meetingRecord"]
    assert after["meeting"] == {
        "kind": "party_lecture", "heldOn": "2026-10-11", "place": "村委会议室", "chair": "李四", "recorder": None,
        "agenda": None, "minutes": "学习党章\n讨论村道", "version": 2,
    }  # fmt: skip
    assert after["attachments"] == ["档案 2026-17", "照片 3 张"] and after["chairMemberId"] == li
    # the page shows the change in its history, attributed
    page = client.get(url).text
    history = page.split("修改记录", 1)[1]
    assert "meeting.update" in history and "meeting.record" in history and "village" in history
    assert "theme_day" in history and "party_lecture" in history
    # posting the same again changes nothing: no new version
    r = client.post(
        edit,
        data={
            **_form(
                world,
                version="2",
                kind="party_lecture",
                heldOn="2026-10-11",
                place="村委会议室",
                chairMemberId=li,
                chair="李四",
                minutes="学习党章\n讨论村道",
                attachments="档案 2026-17\n照片 3 张",
            ),
            "csrf": csrf,
        },  # fmt: skip
        follow_redirects=False,
    )
    assert (
        r.status_code == 303 and gql(READ, {"id": mid})["meetingRecord"]["meeting"]["version"] == 2
    )


def test_votes_fix_the_date_and_kind_on_the_meeting_page(client, world, gql) -> None:
    decision = {"subject": "other", "title": "村道项目", "present": 1, "yes": 1}
    mid = _meeting(gql, world, kind="general_meeting", decisions=[decision])
    csrf = login(client, "village")
    url = f"/admin/branch-life/meetings/{mid}"
    form = client.get(url).text.split('id="meeting-edit-form"', 1)[1].split("</form>", 1)[0]
    assert (
        'id="date-kind-fixed"' in form and 'name="heldOn"' not in form and 'name="kind"' not in form
    )
    # the rest is corrected without them
    data = _form(world, minutes="通过村道项目")
    del data["heldOn"], data["kind"]
    r = client.post(f"{url}/edit", data=data, headers=_hx(csrf))
    assert r.status_code == 200
    assert gql(READ, {"id": mid})["meetingRecord"]["meeting"]["minutes"] == "通过村道项目"
    # a page read before the vote still posts a date: refused beside it, with the code
    r = client.post(
        f"{url}/edit", data=_form(world, version="2", heldOn="2026-10-01"), headers=_hx(csrf)
    )
    assert r.status_code == 422 and 'id="heldOn-error"' in r.text and "R-MEETING-DECIDED" in r.text
    assert gql(READ, {"id": mid})["meetingRecord"]["meeting"]["heldOn"] == "2026-10-12"


def test_the_meeting_correction_is_scoped_and_refused_to_viewers(client, world, gql) -> None:
    mid = _meeting(gql, world)
    url = f"/admin/branch-life/meetings/{mid}"
    csrf = login(client, "township2")
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/edit", data=_form(world), headers=_hx(csrf)).status_code == 404
    client.cookies.clear()
    csrf = login(client, "viewer")
    page = client.get(url).text
    assert 'id="meeting-edit-form"' not in page and "修改记录" in page
    r = client.post(f"{url}/edit", data=_form(world, place="别处"), headers=_hx(csrf))
    assert r.status_code == 403
    assert gql(READ, {"id": mid})["meetingRecord"]["meeting"]["place"] == "村活动室"


def test_duty_lapses_are_recorded_from_the_member_page(client, world, gql) -> None:
    li = world.gid("Member", "li")
    csrf = login(client, "village")
    assert f"/admin/branch-life/members/{li}/duties" in client.get(f"/admin/members/{li}").text
    url = f"/admin/branch-life/members/{li}/duties"
    page = client.get(url).text
    assert 'id="duty-lapse-form"' in page and 'id="duty-flags"' not in page
    # not a date, then before joining: refused beside the field, nothing recorded
    r = client.post(url, data={"noDuesSince": "2026-13-01"}, headers=_hx(csrf))
    assert r.status_code == 422 and 'id="noDuesSince-error"' in r.text and "<html" not in r.text
    r = client.post(url, data={"noWorkSince": "2004-01-01"}, headers=_hx(csrf))
    assert r.status_code == 422 and 'id="noWorkSince-error"' in r.text
    assert gql(LAPSES, {"m": li})["dutyLapses"] == []
    r = client.post(
        url,
        data={"csrf": csrf, "noDuesSince": "2026-01-01", "noWorkSince": "2026-02-01"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == url
    assert gql(LAPSES, {"m": li})["dutyLapses"] == [
        {"noDuesSince": "2026-01-01", "noWorkSince": "2026-02-01", "recordedOn": "2026-11-01"}
    ]
    # the form starts from what counts now; the list shows every recording
    page = client.get(url).text
    assert 'name="noDuesSince" type="date" value="2026-01-01"' in page
    assert "2026-02-01" in page.split('id="duty-lapses"', 1)[1]
    # back to their duties: both dates cleared
    r = client.post(url, data={"noDuesSince": "", "noWorkSince": ""}, headers=_hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert gql(LAPSES, {"m": li})["dutyLapses"][0] == {
        "noDuesSince": None,
        "noWorkSince": None,
        "recordedOn": "2026-11-01",
    }


def test_the_r_mem_01_flag_is_decided_on_the_duties_page(client, world, gql) -> None:
    li = world.gid("Member", "li")
    for day in ("2026-03-05", "2026-06-05", "2026-09-05"):
        gql(
            RECORD,
            {
                "input": {
                    "orgId": world.gid("Organization", "V1"),
                    "kind": "general_meeting",
                    "heldOn": day,
                    "attendance": [{"memberId": li, "status": "ABSENT"}],
                }
            },  # fmt: skip
        )
    csrf = login(client, "township")
    url = f"/admin/branch-life/members/{li}/duties"
    r = client.post(
        url, data={"noDuesSince": "2026-01-01", "noWorkSince": "2026-01-01"}, headers=_hx(csrf)
    )
    assert r.status_code == 200
    page = client.get(url).text
    flags = page.split('id="duty-flags"', 1)[1]
    assert 'value="R-MEM-01"' in flags and f'name="next" value="{url}"' in flags
    form = {
        "org_id": world.gid("Organization", "V1"), "member_id": li, "flag": "R-MEM-01",
        "raised_on": "2026-03-05", "decision": "keep", "note": "已补交党费，说明情况", "next": url,
    }  # fmt: skip
    r = client.post("/admin/branch-life/flags", data=form, headers=_hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert 'id="duty-flags"' not in client.get(url).text


def test_the_duties_page_is_scoped_and_read_only_for_viewers(client, world, gql) -> None:
    li = world.gid("Member", "li")
    url = f"/admin/branch-life/members/{li}/duties"
    csrf = login(client, "township2")
    assert client.get(url).status_code == 404
    assert (
        client.post(url, data={"noDuesSince": "2026-01-01"}, headers=_hx(csrf)).status_code == 404
    )
    client.cookies.clear()
    csrf = login(client, "viewer")
    assert 'id="duty-lapse-form"' not in client.get(url).text
    r = client.post(url, data={"noDuesSince": "2026-01-01"}, headers=_hx(csrf))
    assert r.status_code == 403 and gql(LAPSES, {"m": li})["dutyLapses"] == []
