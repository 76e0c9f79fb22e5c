"""Corrections of branch-life records through the API, on both databases: a recorded meeting
changed field by field (version-checked, audited, its history and attachments read back), the
date and kind that votes and elections fix (R-MEETING-DECIDED), restoring contact (the member
is no longer lost, the spell keeps when), the R-MEM-01 recordings, and transfers by the day
they were sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from partygraph.services import member as members
from tests.conftest import system_context

RECORD = """
mutation($input: RecordBranchMeetingInput!) {
  recordBranchMeeting(input: $input) {
    __typename
    ... on MeetingRecordPayload { record { meeting { id version } } }
    ... on Error { code message field }
  }
}"""

UPDATE = """
mutation($input: UpdateMeetingInput!) {
  updateMeeting(input: $input) {
    __typename
    ... on MeetingRecordPayload { record { meeting { id kind heldOn place chair recorder agenda minutes version }
      attachments chairMemberId chairMember { name } recorderMemberId dateAndKindFixed } }
    ... on Conflict { code field currentVersion }
    ... on Error { code message messageEn field }
  }
}"""

READ = """
query($id: ID!) {
  meetingRecord(id: $id) {
    meeting { kind heldOn place chair agenda version }
    attachments chairMemberId dateAndKindFixed election { seats }
    history { actorName action before after }
  }
}"""


def _meeting(gql: Any, world: Any, **extra: Any) -> str:
    inp = {
        "orgId": world.gid("Organization", "V1"), "kind": "theme_day", "heldOn": "2026-10-12",
        "place": "村活动室", "attachments": ["档案 2026-17"],
        "attendance": [{"memberId": world.gid("Member", "li"), "status": "PRESENT"}], **extra,
    }  # fmt: skip
    out = gql(RECORD, {"input": inp})["recordBranchMeeting"]
    assert out["__typename"] == "MeetingRecordPayload", out
    return out["record"]["meeting"]["id"]


def _update(
    gql: Any, mid: str, version: int, user: str = "village", **fields: Any
) -> dict[str, Any]:
    return gql(UPDATE, {"input": {"id": mid, "version": version, **fields}}, user=user)[
        "updateMeeting"
    ]


def test_a_meeting_is_corrected_field_by_field_and_its_history_shows_before_and_after(
    gql, world
) -> None:
    mid = _meeting(gql, world)
    li = world.gid("Member", "li")
    out = _update(
        gql, mid, 1,
        kind="party_lecture", heldOn="2026-10-11", place="  村委会议室 ", agenda="学习党章",
        chairMemberId=li, attachments=["档案 2026-17", " ", "照片 3 张"],
    )  # fmt: skip
    assert out["__typename"] == "MeetingRecordPayload", out
    rec = out["record"]
    assert rec["meeting"] == {
        "id": mid, "kind": "party_lecture", "heldOn": "2026-10-11", "place": "村委会议室",
        "chair": "李四", "recorder": None, "agenda": "学习党章", "minutes": None, "version": 2,
    }  # fmt: skip
    assert rec["attachments"] == ["档案 2026-17", "照片 3 张"] and rec["chairMemberId"] == li
    assert rec["chairMember"] == {"name": "李四"} and rec["dateAndKindFixed"] is False
    # another person chosen: their name, unless another name is typed with them
    zhang = world.gid("Member", "zhang")
    out = _update(gql, mid, 2, chairMemberId=zhang)
    assert out["record"]["meeting"]["chair"] == "张三" and out["record"]["chairMemberId"] == zhang
    out = _update(gql, mid, 3, chairMemberId=li, chair="李四同志")
    assert out["record"]["meeting"]["chair"] == "李四同志"
    # null clears an optional field; fields left out stay as they are
    out = _update(gql, mid, 4, place=None, attachments=None)
    assert out["record"]["meeting"]["place"] is None and out["record"]["attachments"] == []
    assert out["record"]["meeting"]["agenda"] == "学习党章"
    read = gql(READ, {"id": mid})["meetingRecord"]
    assert read["meeting"]["version"] == 5
    # the audit trail, newest first: who, what, before → after (only what changed)
    assert [h["action"] for h in read["history"]] == ["meeting.update"] * 4 + ["meeting.record"]
    first = read["history"][3]
    assert first["actorName"] == "village"
    assert first["before"]["kind"] == "theme_day" and first["after"]["kind"] == "party_lecture"
    assert first["before"]["held_on"] == "2026-10-12" and first["after"]["held_on"] == "2026-10-11"
    assert "minutes" not in first["after"]
    assert read["history"][0]["after"] == {"attachments": [], "place": None}


def test_a_refused_correction_changes_nothing(gql, world, clock) -> None:
    mid = _meeting(gql, world)
    before = gql(READ, {"id": mid})["meetingRecord"]
    # a stale version: Conflict with the current version
    out = _update(gql, mid, 7, place="别处")
    assert out["__typename"] == "Conflict" and out["currentVersion"] == 1
    # invalid fields, each beside its field
    cases = [
        ({"heldOn": "2026-12-01"}, "INVALID_DATE", "heldOn"),
        ({"heldOn": None}, "INVALID_INPUT", "heldOn"),
        ({"kind": None}, "INVALID_INPUT", "kind"),
        ({"place": "地" * 201}, "INVALID_INPUT", "place"),
        ({"attachments": ["a" * 201]}, "INVALID_INPUT", "attachments.0"),
        ({"chairMemberId": world.gid("Member", "wang")}, "NOT_FOUND", "chairMemberId"),
        ({"chairMemberId": world.gid("Organization", "V1")}, "INVALID_ID", "chairMemberId"),
    ]
    for fields, code, field in cases:
        out = _update(gql, mid, 1, **fields)
        assert (out["code"], out["field"]) == (code, field), (fields, out)
    # out of scope: not found; read-only: not allowed
    assert _update(gql, mid, 1, user="township2", place="x")["__typename"] == "NotFound"
    assert _update(gql, mid, 1, user="viewer", place="x")["__typename"] == "NotAllowed"
    assert gql(READ, {"id": mid}, user="township2")["meetingRecord"] is None
    assert gql(READ, {"id": mid})["meetingRecord"] == before
    # nothing changed: no new version, no audit event
    out = _update(gql, mid, 1, place="村活动室")
    assert out["__typename"] == "MeetingRecordPayload" and out["record"]["meeting"]["version"] == 1
    assert len(gql(READ, {"id": mid})["meetingRecord"]["history"]) == 1


def test_votes_fix_the_date_and_kind_of_their_meeting(gql, world) -> None:
    decision = {"subject": "other", "title": "村道项目", "present": 2, "yes": 2}
    mid = _meeting(gql, world, kind="general_meeting", decisions=[decision])
    assert gql(READ, {"id": mid})["meetingRecord"]["dateAndKindFixed"] is True
    out = _update(gql, mid, 1, heldOn="2026-10-11")
    assert (out["__typename"], out["code"], out["field"]) == (
        "RuleViolation",
        "R-MEETING-DECIDED",
        "heldOn",
    )
    assert "表决事项 1 项" in out["message"] and "1 motion(s) voted" in out["messageEn"]
    out = _update(gql, mid, 1, kind="theme_day", place="村委会议室")
    assert (out["code"], out["field"]) == ("R-MEETING-DECIDED", "kind")
    assert gql(READ, {"id": mid})["meetingRecord"]["meeting"]["place"] == "村活动室"
    # the same date and kind sent again are no change; the rest may be corrected
    out = _update(gql, mid, 1, kind="general_meeting", heldOn="2026-10-12", minutes="通过村道项目")
    assert out["__typename"] == "MeetingRecordPayload" and out["record"]["meeting"]["version"] == 2


def test_an_election_fixes_the_date_of_the_meeting_that_held_it(gql, world) -> None:
    election = """mutation($i: RecordElectionInput!) { recordElection(input: $i) { __typename
      ... on ElectionPayload { election { meeting { id } } } ... on Error { code message } } }"""
    inp = {
        "orgId": world.gid("Organization", "V1"), "heldOn": "2026-10-12", "seats": 1, "present": 2, "shouldAttend": 2,
        "candidates": [{"name": "李四", "votes": 2}, {"name": "张三", "votes": 0}], "startNewTerm": False,
    }  # fmt: skip
    out = gql(election, {"i": inp})["recordElection"]
    assert out["__typename"] == "ElectionPayload", out
    mid = out["election"]["meeting"]["id"]
    read = gql(READ, {"id": mid})["meetingRecord"]
    assert read["election"] == {"seats": 1} and read["dateAndKindFixed"] is True
    out = _update(gql, mid, 1, user="county", heldOn="2026-10-13")
    assert out["code"] == "R-MEETING-DECIDED" and "选举 1 次" in out["message"]


def test_restoring_contact_ends_lost_contact_and_the_spell_keeps_when(gql, world) -> None:
    zhang = world.gid("Member", "zhang")
    member = "query($id: ID!) { node(id: $id) { ... on Member { lostContact lostContactSince version } } }"
    rec = gql(
        """mutation($m: ID!) { markLostContact(memberId: $m, lostOn: "2026-04-01") {
        ... on LostContactPayload { record { id version } } } }""",
        {"m": zhang},
    )["markLostContact"]["record"]
    restored = gql(
        """mutation($r: ID!, $v: Int) { markContactRestored(recordId: $r, on: "2026-10-20", version: $v) {
        __typename ... on LostContactPayload { record { lostOn foundOn member { lostContact lostContactSince } } } } }""",
        {"r": rec["id"], "v": rec["version"]},
    )["markContactRestored"]
    assert restored["record"] == {
        "lostOn": "2026-04-01",
        "foundOn": "2026-10-20",
        "member": {"lostContact": False, "lostContactSince": None},
    }
    # a later edit of the member leaves them in contact (the member check agrees)
    m = gql(member, {"id": zhang})["node"]
    upd = gql(
        """mutation($i: UpdateMemberInput!) { updateMember(input: $i) { __typename
        ... on MemberPayload { member { lostContact } } } }""",
        {"i": {"id": zhang, "version": m["version"], "phone": "13800000000"}},
    )["updateMember"]
    assert upd == {"__typename": "MemberPayload", "member": {"lostContact": False}}
    assert gql("{ lostContactMembers { totalCount } }")["lostContactMembers"]["totalCount"] == 0
    # and a new spell can be recorded
    again = gql(
        """mutation($m: ID!) { markLostContact(memberId: $m, lostOn: "2026-10-25") { __typename } }""",
        {"m": zhang},
    )["markLostContact"]
    assert again["__typename"] == "LostContactPayload"
    assert gql(member, {"id": zhang})["node"]["lostContactSince"] == "2026-10-25"


LAPSE = """mutation($m: ID!, $d: Date, $w: Date) { recordDutyLapse(memberId: $m, noDuesSince: $d, noWorkSince: $w) {
  __typename ... on BranchLifeMemberPayload { member { name } } ... on Error { code field } } }"""
END = """mutation($m: ID!) { endFlowing(memberId: $m, on: "2026-10-20") {
  __typename ... on BranchLifeMemberPayload { member { flowing } } ... on Error { code } } }"""


def test_duty_lapses_are_recorded_newest_first_and_payloads_are_named_payload(
    gql, world, session_factory, settings, clock
) -> None:
    li = world.gid("Member", "li")
    out = gql(LAPSE, {"m": li, "d": "2026-01-01", "w": None})["recordDutyLapse"]
    assert out == {"__typename": "BranchLifeMemberPayload", "member": {"name": "李四"}}
    gql(LAPSE, {"m": li, "d": None, "w": None})
    lapses = "query($m: ID!) { dutyLapses(memberId: $m) { noDuesSince noWorkSince recordedOn } }"
    assert gql(lapses, {"m": li})["dutyLapses"] == [
        {"noDuesSince": None, "noWorkSince": None, "recordedOn": "2026-11-01"},
        {"noDuesSince": "2026-01-01", "noWorkSince": None, "recordedOn": "2026-11-01"},
    ]
    assert gql(lapses, {"m": li}, user="township2")["dutyLapses"] == []
    # refusals: before joining, in the future, out of scope, read-only
    assert gql(LAPSE, {"m": li, "d": "2004-01-01"})["recordDutyLapse"] == {
        "__typename": "RuleViolation",
        "code": "INVALID_DATE",
        "field": "noDuesSince",
    }
    assert gql(LAPSE, {"m": li, "w": "2026-12-01"})["recordDutyLapse"]["field"] == "noWorkSince"
    assert gql(LAPSE, {"m": li}, user="township2")["recordDutyLapse"]["__typename"] == "NotFound"
    assert gql(LAPSE, {"m": li}, user="viewer")["recordDutyLapse"]["__typename"] == "NotAllowed"
    # a member no longer on the roster: closed
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.change_status(
            ctx,
            world.members["wang"],
            to_status="deceased",
            on=date(2026, 10, 1),
            reason="病故",
            version=None,
        )
        s.commit()
    out = gql(LAPSE, {"m": world.gid("Member", "wang"), "d": "2026-01-01"})["recordDutyLapse"]
    assert out["code"] == "R-MEM-CLOSED"
    assert len(gql(lapses, {"m": li})["dutyLapses"]) == 2
    # endFlowing answers the same payload type
    assert gql(END, {"m": li})["endFlowing"]["__typename"] == "BranchLifeMemberPayload"


TRANSFERS = """query($from: Date, $to: Date, $d: TransferDirection!) {
  transfers(direction: $d, sentFrom: $from, sentTo: $to, first: 50) { totalCount nodes { sentOn memberName } } }"""


def test_transfers_by_the_day_they_were_sent(gql, world, session_factory, settings, clock) -> None:
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        for key, on in (
            ("zhang", date(2026, 9, 30)),
            ("li", date(2026, 10, 1)),
            ("wang", date(2026, 10, 31)),
        ):
            members.send_transfer(
                ctx, world.members[key], to_org_code="V3", on=on, reason="外出务工"
            )
        s.commit()

    def sent(user: str = "township", d: str = "OUTGOING", **dates: str | None) -> list[str]:
        conn = gql(TRANSFERS, {"d": d, "from": dates.get("f"), "to": dates.get("t")}, user=user)[
            "transfers"
        ]
        assert conn["totalCount"] == len(conn["nodes"])
        return sorted(n["sentOn"] for n in conn["nodes"])

    assert sent() == ["2026-09-30", "2026-10-01", "2026-10-31"]
    # both ends inclusive
    assert sent(f="2026-10-01") == ["2026-10-01", "2026-10-31"]
    assert sent(t="2026-10-01") == ["2026-09-30", "2026-10-01"]
    assert sent(f="2026-10-01", t="2026-10-01") == ["2026-10-01"]
    # a range that ends before it starts matches nothing
    assert sent(f="2026-10-31", t="2026-10-01") == []
    # the receiving side filters its incoming transfers the same way; scope still applies
    assert sent("township2", "INCOMING", f="2026-10-01") == ["2026-10-01", "2026-10-31"]
    assert sent("township2", "OUTGOING", f="2026-01-01") == []
