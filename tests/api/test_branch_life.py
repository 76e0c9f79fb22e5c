"""Branch life through the API, on both databases: a year of meetings and its alerts,
attendance, elections at their boundaries, terms, the seed's four-step rejection,
flowing members away from home, lost contact and the R-MEM flags, scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from partygraph.models.meeting import Election, FourStepRecord, Meeting, Term

RECORD = """
mutation($input: RecordBranchMeetingInput!) {
  recordBranchMeeting(input: $input) {
    __typename
    ... on MeetingRecordPayload { record { meeting { id kind heldOn chair attachments: agenda }
      attendance { memberId memberName status statusLabel reason voting away member { id } }
      counts { present excused absent away } } }
    ... on Error { code message field }
  }
}"""

ALERTS = "query($u: ID!) { branchLifeAlerts(under: $u) { code message dueOn extra organization { name } member { name } } }"

ELECTION = """
mutation($input: RecordElectionInput!) {
  recordElection(input: $input) {
    __typename
    ... on ElectionPayload { election { id seats shouldAttend present valid votesNeeded seatsUnfilled
      candidates { name votes elected tied } meeting { id kind } } }
    ... on Error { code message field }
  }
}"""

STEP = """
mutation($input: RecordFourStepInput!) {
  recordFourStep(input: $input) {
    __typename
    ... on FourStepPayload { item { id status version nextStep steps { step on passed yes no explanation } } }
    ... on Error { code message field }
  }
}"""


def _record(gql: Any, world: Any, org: str, kind: str, on: date, user: str = "county", **extra: Any) -> dict[str, Any]:
    inp = {"orgId": world.gid("Organization", org), "kind": kind, "heldOn": on.isoformat(), **extra}
    return gql(RECORD, {"input": inp}, user=user)["recordBranchMeeting"]


def _months(year: int) -> list[date]:
    return [date(year, m, 8) for m in range(1, 13)]


def test_a_year_of_meetings_with_one_kind_missed_gives_exactly_that_alert(gql, world, clock) -> None:
    clock.today = date(2026, 12, 31)
    for d in _months(2026):
        assert _record(gql, world, "V1", "theme_day", d)["__typename"] == "MeetingRecordPayload"
        assert _record(gql, world, "G1", "group_meeting", d)["__typename"] == "MeetingRecordPayload"
        if d.month in (2, 5, 8, 11):
            _record(gql, world, "V1", "general_meeting", d)
        if d.month in (3, 9, 12):  # no party lecture in the second quarter
            _record(gql, world, "V1", "party_lecture", d)
    _record(gql, world, "V1", "life_meeting", date(2026, 12, 20))
    _record(gql, world, "V1", "democratic_evaluation", date(2026, 12, 21))
    clock.today = date(2027, 1, 1)
    alerts = gql(ALERTS, {"u": world.gid("Organization", "V1")})["branchLifeAlerts"]
    assert [(a["code"], a["extra"]["periodStart"], a["organization"]["name"]) for a in alerts] == [
        ("R-LIFE-04", "2026-04-01", "布瓦村党支部")
    ]
    assert a["dueOn"] == "2026-06-30" if (a := alerts[0]) else False
    # the calendar shows planned vs held by kind
    cal = gql(
        "query($o: ID!) { branchCalendar(orgId: $o, year: 2026) { year kinds { kind code period planned held missed periods { label planned held missed } } } }",
        {"o": world.gid("Organization", "V1")},
    )["branchCalendar"]
    by_kind = {k["kind"]: k for k in cal["kinds"]}
    assert (by_kind["party_lecture"]["planned"], by_kind["party_lecture"]["held"], by_kind["party_lecture"]["missed"]) == (4, 3, 1)
    assert (by_kind["theme_day"]["planned"], by_kind["theme_day"]["held"]) == (12, 12)
    assert by_kind["party_lecture"]["periods"][1] == {"label": "2026年第2季度", "planned": 1, "held": 0, "missed": True}
    # a lapsed branch: V2 held nothing — every kind of every period is an alert
    lapsed = gql(ALERTS, {"u": world.gid("Organization", "V2")})["branchLifeAlerts"]
    assert {a["code"] for a in lapsed} == {"R-LIFE-01", "R-LIFE-04", "R-LIFE-05", "R-LIFE-06", "R-LIFE-07"}
    assert len(lapsed) == 4 + 4 + 1 + 1 + 12
    # filters: kind and period over a subtree
    q = "query($f: MeetingFilter) { meetings(filter: $f, first: 50) { totalCount nodes { kind heldOn } } }"
    got = gql(q, {"f": {"under": world.gid("Organization", "T1"), "kind": ["party_lecture"], "heldFrom": "2026-06-01"}})["meetings"]
    assert got["totalCount"] == 2 and [n["heldOn"] for n in got["nodes"]] == ["2026-12-08", "2026-09-08"]


def test_attendance_is_ticked_from_the_roster(gql, world, clock) -> None:
    z, li, wang = world.gid("Member", "zhang"), world.gid("Member", "li"), world.gid("Member", "wang")
    out = _record(
        gql, world, "V1", "general_meeting", date(2026, 10, 10), user="village",
        chairMemberId=li, place="村活动室", attachments=["档案 2026-17"],
        attendance=[{"memberId": z, "status": "PRESENT"}, {"memberId": li, "status": "EXCUSED", "reason": "外出就医"}],
    )  # fmt: skip
    assert out["__typename"] == "MeetingRecordPayload", out
    rec = out["record"]
    assert rec["meeting"]["chair"] == "李四"
    assert rec["counts"] == {"present": 1, "excused": 1, "absent": 0, "away": 0}
    assert [(a["memberName"], a["status"], a["voting"], a["away"]) for a in rec["attendance"]] == [
        ("张三", "PRESENT", True, False),
        ("李四", "EXCUSED", True, False),
    ]
    # excused without a reason, and a member of another branch who is not flowing here
    bad = _record(gql, world, "V1", "theme_day", date(2026, 10, 11), user="village", attendance=[{"memberId": li, "status": "EXCUSED"}])
    assert (bad["__typename"], bad["code"], bad["field"]) == ("RuleViolation", "R-LIFE-09", "attendance.0.reason")
    bad = _record(gql, world, "V1", "theme_day", date(2026, 10, 11), attendance=[{"memberId": wang, "status": "PRESENT"}])
    assert (bad["code"], bad["field"]) == ("R-LIFE-08", "attendance.0.memberId")
    # attendance corrected afterwards: changed in place and audited, nothing deleted
    mid = rec["meeting"]["id"]
    fix = gql(
        """mutation($m: ID!, $a: [AttendanceInput!]!) { setMeetingAttendance(meetingId: $m, attendance: $a) {
        __typename ... on MeetingRecordPayload { record { counts { present excused absent } } } ... on Error { code field } } }""",
        {"m": mid, "a": [{"memberId": li, "status": "PRESENT"}]},
        user="village",
    )["setMeetingAttendance"]
    assert fix["record"]["counts"] == {"present": 2, "excused": 0, "absent": 0}
    bad = gql(
        """mutation($m: ID!, $a: [AttendanceInput!]!) { setMeetingAttendance(meetingId: $m, attendance: $a) { __typename ... on Error { code } } }""",
        {"m": mid, "a": [{"memberId": li, "status": "PRESENT"}]},
        user="township2",
    )["setMeetingAttendance"]
    assert bad["__typename"] == "NotFound"
    # probationary members attend without a vote
    out = _record(gql, world, "V3", "theme_day", date(2026, 10, 12), attendance=[{"memberId": world.gid("Member", "qian"), "status": "PRESENT"}])
    assert out["record"]["attendance"][0]["voting"] is False


def test_election_at_the_quorum_boundary_and_a_tie_for_the_last_seat(gql, world, db) -> None:
    cands = [{"name": n, "votes": v} for n, v in (("甲", 5), ("乙", 4), ("丙", 3), ("丁", 3))]
    base = {"orgId": world.gid("Organization", "V2"), "heldOn": "2026-10-20", "seats": 3, "shouldAttend": 5}
    # exactly 4/5 present is not more than 4/5: refused, nothing written
    out = gql(ELECTION, {"input": {**base, "present": 4, "candidates": [{"name": n, "votes": min(v, 4)} for n, v in (("甲", 4), ("乙", 4), ("丙", 3), ("丁", 1))]}})["recordElection"]
    assert (out["__typename"], out["code"], out["field"]) == ("RuleViolation", "R-ELEC-02", "present")
    assert "4/5" in out["message"] or "0.8" in out["message"]
    out = gql(ELECTION, {"input": {**base, "present": 5, "candidates": cands[:3]}})["recordElection"]
    assert out["code"] == "R-ELEC-01"
    from sqlalchemy.orm import Session

    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(Election)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Meeting)).scalar_one() == 0
    # all present; 丙 and 丁 tie for the third seat: it stays unfilled
    out = gql(ELECTION, {"input": {**base, "present": 5, "candidates": cands}})["recordElection"]
    assert out["__typename"] == "ElectionPayload", out
    e = out["election"]
    assert (e["valid"], e["votesNeeded"], e["seatsUnfilled"]) == (True, 3, 1)
    assert [(c["name"], c["elected"], c["tied"]) for c in e["candidates"]] == [
        ("甲", True, False), ("乙", True, False), ("丙", False, True), ("丁", False, True)
    ]  # fmt: skip
    assert e["meeting"]["kind"] == "general_meeting"
    terms = gql(
        "query($u: ID!) { terms(under: $u) { nodes { startsOn years endsOn status members { name postLabel } election { seats } } } }",
        {"u": world.gid("Organization", "V2")},
    )["terms"]["nodes"]
    assert terms == [
        {"startsOn": "2026-10-20", "years": 5, "endsOn": "2031-10-19", "status": "current",
         "members": [{"name": "甲", "postLabel": "委员"}, {"name": "乙", "postLabel": "委员"}], "election": {"seats": 3}}
    ]  # fmt: skip
    explained = gql(
        "{ explainElection(seats: 3, shouldAttend: 5, present: 4, votes: [4, 4, 3, 1]) { valid code quorumNeeded minCandidates text } }"
    )["explainElection"]
    assert (explained["valid"], explained["code"], explained["quorumNeeded"], explained["minCandidates"]) == (False, "R-ELEC-02", 5, 4)


def test_terms_ending_and_past_are_alerts(gql, world, clock, db) -> None:
    start = """mutation($i: StartTermInput!) { startTerm(input: $i) { __typename
      ... on TermPayload { term { id endsOn years alert { code extra } } } ... on Error { code message } } }"""
    t = gql(start, {"i": {"orgId": world.gid("Organization", "V1"), "startsOn": "2021-12-01",
                          "members": [{"post": "secretary", "memberId": world.gid("Member", "li")}]}})["startTerm"]  # fmt: skip
    assert t["term"]["endsOn"] == "2026-11-30" and t["term"]["alert"] == {"code": "R-ORG-TERM", "extra": {"state": "ending"}}
    past = gql(start, {"i": {"orgId": world.gid("Organization", "V2"), "startsOn": "2020-03-01", "years": 3}})["startTerm"]
    assert past["term"]["alert"]["extra"] == {"state": "past"}
    alerts = gql(ALERTS, {"u": world.gid("Organization", "T1")})["branchLifeAlerts"]
    terms = [(a["organization"]["name"], a["extra"]["state"]) for a in alerts if a["code"] == "R-ORG-TERM"]
    assert sorted(terms) == [("布瓦村党支部", "ending"), ("龙溪村党支部", "past")]
    # a new term ends the current one (kept, never deleted)
    gql(start, {"i": {"orgId": world.gid("Organization", "V2"), "startsOn": "2026-10-01"}})
    from sqlalchemy.orm import Session

    with Session(db) as s:
        rows = s.execute(select(Term.status, Term.ended_on).where(Term.org_id == world.ids["V2"]).order_by(Term.id)).all()
    assert rows == [("ended", date(2026, 9, 30)), ("current", None)]


def test_the_seeds_four_step_item_rejected_19_to_14(gql, world, db) -> None:
    created = gql(
        """mutation($i: CreateFourStepItemInput!) { createFourStepItem(input: $i) { __typename
        ... on FourStepItemPayload { item { id status nextStep } } } }""",
        {"i": {"orgId": world.gid("Organization", "V1"), "title": "村道硬化项目（每户集资）"}},
        user="village",
    )["createFourStepItem"]
    item = created["item"]
    assert (item["status"], item["nextStep"]) == ("IN_PROGRESS", "PROPOSAL")
    iid = item["id"]

    def step(s: str, on: str, **kw: Any) -> dict[str, Any]:
        return gql(STEP, {"input": {"itemId": iid, "step": s, "on": on, **kw}}, user="village")["recordFourStep"]

    assert step("PROPOSAL", "2026-03-01", passed=True)["__typename"] == "FourStepPayload"
    out = step("MEMBERS_REVIEW", "2026-03-05", passed=True)
    assert (out["code"], out["field"]) == ("R-VIL-01", "step")
    assert step("JOINT_DISCUSSION", "2026-02-27", passed=True)["code"] == "R-VIL-02"
    assert step("JOINT_DISCUSSION", "2026-03-03", passed=True)["__typename"] == "FourStepPayload"
    assert step("MEMBERS_REVIEW", "2026-03-08", passed=True)["__typename"] == "FourStepPayload"
    out = step("ASSEMBLY_RESOLUTION", "2026-03-12", shouldAttend=35, present=33, yes=14, no=19)
    assert out["__typename"] == "FourStepPayload", out
    it = out["item"]
    assert it["status"] == "REJECTED" and it["nextStep"] is None
    assert [(s["step"], s["passed"]) for s in it["steps"]] == [
        ("PROPOSAL", True), ("JOINT_DISCUSSION", True), ("MEMBERS_REVIEW", True), ("ASSEMBLY_RESOLUTION", False)
    ]  # fmt: skip
    assert (it["steps"][3]["yes"], it["steps"][3]["no"]) == (14, 19) and "未通过" in it["steps"][3]["explanation"]
    out = step("NOTICE_RESOLUTION", "2026-03-13")
    assert out["code"] == "R-VIL-03"
    from sqlalchemy.orm import Session

    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(FourStepRecord)).scalar_one() == 4
    # another township cannot see or touch it
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": iid}, user="township2")["node"] is None
    out = gql(STEP, {"input": {"itemId": iid, "step": "NOTICE_RESOLUTION", "on": "2026-03-13"}}, user="township2")["recordFourStep"]
    assert out["__typename"] == "NotFound"
    listed = gql("{ fourStepItems { totalCount } }", user="township2")["fourStepItems"]
    assert listed["totalCount"] == 0


def test_a_flowing_member_takes_part_in_life_away_from_home(gql, world, clock) -> None:
    zhao = world.gid("Member", "zhao")  # home: 渔子溪村 (township 2); works near 布瓦村 (township 1)
    out = gql(
        """mutation($i: SetFlowingInput!) { setFlowing(input: $i) { __typename
        ... on FlowingPayload { member { flowing } flowing { workplace certificate contactName lifeOrganizationName } }
        ... on Error { code message field } } }""",
        {"i": {"memberId": zhao, "workplace": "威州镇建筑工地", "certificate": "LD-2026-031", "contactName": "钱七",
               "lifeOrgId": world.gid("Organization", "V1")}},
        user="village3",
    )["setFlowing"]  # fmt: skip
    assert out["__typename"] == "FlowingPayload", out
    assert out["flowing"]["lifeOrganizationName"] == "布瓦村党支部" and out["member"]["flowing"] is True
    rec = _record(gql, world, "V1", "theme_day", date(2026, 10, 15), user="village",
                  attendance=[{"memberId": zhao, "status": "PRESENT"}, {"memberId": world.gid("Member", "li"), "status": "PRESENT"}])  # fmt: skip
    assert rec["__typename"] == "MeetingRecordPayload", rec
    away = rec["record"]["attendance"][0]
    assert (away["memberName"], away["away"], away["member"]) == ("赵六", True, None)  # home branch out of the village's scope
    q = "query($u: ID) { flowingMembers(under: $u) { memberName awayMeetings workplace member { id } homeOrganization { name } lifeOrganizationName } }"
    seen_here = gql(q, {"u": world.gid("Organization", "V1")}, user="village")["flowingMembers"]
    assert seen_here == [{"memberName": "赵六", "awayMeetings": 1, "workplace": "威州镇建筑工地", "member": None,
                          "homeOrganization": None, "lifeOrganizationName": "布瓦村党支部"}]  # fmt: skip
    at_home = gql(q, {"u": None}, user="village3")["flowingMembers"]
    assert at_home[0]["member"] == {"id": zhao} and at_home[0]["homeOrganization"] == {"name": "渔子溪村第一党小组"}
    # the home branch's scope: the away meeting itself stays with the branch that held it
    assert gql("{ meetings { totalCount } }", user="village3")["meetings"]["totalCount"] == 0
    # a branch where they do not take part in life cannot mark them
    bad = _record(gql, world, "V2", "theme_day", date(2026, 10, 16), attendance=[{"memberId": zhao, "status": "PRESENT"}])
    assert bad["code"] == "R-LIFE-08"


def test_lost_contact_and_the_r_mem_flags_decided_by_a_person(gql, world, clock) -> None:
    zhang, li = world.gid("Member", "zhang"), world.gid("Member", "li")
    lost = gql(
        """mutation($m: ID!) { markLostContact(memberId: $m, lostOn: "2026-04-01", note: "外出务工后音讯全无") {
        __typename ... on LostContactPayload { record { id lostOn months member { lostContact lostContactSince } } } } }""",
        {"m": zhang},
    )["markLostContact"]["record"]
    assert lost["months"] == 7 and lost["member"] == {"lostContact": True, "lostContactSince": "2026-04-01"}
    gql("""mutation($r: ID!) { addContactAttempt(recordId: $r, on: "2026-06-01", method: "电话", outcome: "空号") { __typename } }""", {"r": lost["id"]})
    listed = gql("{ lostContactMembers { nodes { attempts { on method outcome } } } }")["lostContactMembers"]["nodes"]
    assert listed == [{"attempts": [{"on": "2026-06-01", "method": "电话", "outcome": "空号"}]}]
    # R-MEM-01: li absent without reason from March, no dues and no work since January
    for d in (date(2026, 3, 5), date(2026, 6, 5), date(2026, 9, 5)):
        _record(gql, world, "V1", "general_meeting", d, attendance=[{"memberId": li, "status": "ABSENT"}])
    gql("""mutation($m: ID!) { recordDutyLapse(memberId: $m, noDuesSince: "2026-01-01", noWorkSince: "2026-01-01") { __typename } }""", {"m": li})
    alerts = gql(ALERTS, {"u": world.gid("Organization", "V1")})["branchLifeAlerts"]
    flags = {(a["code"], a["member"]["name"], a["extra"]["flag"]): a["extra"]["raisedOn"] for a in alerts if a["member"]}
    assert flags == {("R-MEM-02", "张三", "R-MEM-02-SUSPEND"): "2026-10-01", ("R-MEM-01", "李四", "R-MEM-01"): "2026-03-05"}
    decide = """mutation($m: ID!, $f: String!, $r: Date!, $d: String!) {
      decideMemberFlag(memberId: $m, flag: $f, raisedOn: $r, decision: $d, on: "2026-11-01", note: "支部委员会研究决定") {
        __typename ... on MemberFlagPayload { decision { code decision decidedByName } member { status } } ... on Error { code message } } }"""
    out = gql(decide, {"m": zhang, "f": "R-MEM-02-SUSPEND", "r": "2026-10-01", "d": "suspend"}, user="township")["decideMemberFlag"]
    assert out["member"]["status"] == "suspended" and out["decision"]["decision"] == "suspend"
    out = gql(decide, {"m": li, "f": "R-MEM-01", "r": "2026-03-05", "d": "keep"}, user="township")["decideMemberFlag"]
    assert out["member"]["status"] == "full"
    again = gql(decide, {"m": li, "f": "R-MEM-01", "r": "2026-03-05", "d": "keep"}, user="township")["decideMemberFlag"]
    assert again["code"] == "R-MEM-FLAG"
    assert [a for a in gql(ALERTS, {"u": world.gid("Organization", "V1")})["branchLifeAlerts"] if a["member"]] == []
    # two years after the suspension: removal to decide
    clock.today = date(2028, 11, 2)
    later = [a["extra"]["flag"] for a in gql(ALERTS, {"u": world.gid("Organization", "V1")})["branchLifeAlerts"] if a["member"]]
    assert later == ["R-MEM-02-REMOVE"]


def test_another_township_sees_nothing_of_branch_life(gql, world, clock) -> None:
    _record(gql, world, "V1", "theme_day", date(2026, 10, 1))
    assert gql("{ meetings { totalCount } }", user="township2")["meetings"]["totalCount"] == 0
    assert gql(ALERTS, {"u": world.gid("Organization", "V1")}, user="township2")["branchLifeAlerts"] == []
    cal = "query($o: ID!) { branchCalendar(orgId: $o, year: 2026) { year } }"
    assert gql(cal, {"o": world.gid("Organization", "V1")}, user="township2")["branchCalendar"] is None
    out = _record(gql, world, "V1", "theme_day", date(2026, 10, 2), user="township2")
    assert out["__typename"] == "NotFound"
    out = _record(gql, world, "V1", "theme_day", date(2026, 10, 2), user="viewer")
    assert out["__typename"] == "NotAllowed"
    assert clock.today - timedelta(days=0) == clock.today


LISTS = """{
  meetingRecords(first: 50) { totalCount nodes { meeting { kind organization { name } }
    counts { present } attendance { memberName status member { name } } } }
  terms(first: 50) { nodes { endsOn organization { name } members { name member { name } } election { seats meeting { heldOn } } } }
  fourStepItems(first: 50) { nodes { title steps { step } nextStep } }
  flowingMembers { memberName lifeOrganizationName member { name } }
}"""


def _statements(gql: Any, sql_counter: Any) -> int:
    before = sql_counter.count
    gql(LISTS)
    return sql_counter.count - before


def test_branch_life_lists_do_not_grow_statements_with_rows(gql, world, sql_counter) -> None:
    z, li = world.gid("Member", "zhang"), world.gid("Member", "li")
    att = [{"memberId": z, "status": "PRESENT"}, {"memberId": li, "status": "ABSENT"}]

    def add(n: int) -> None:
        for i in range(n):
            _record(gql, world, "V1", "theme_day", date(2026, 1 + i, 3), attendance=att)
            gql("""mutation($i: CreateFourStepItemInput!) { createFourStepItem(input: $i) { __typename } }""",
                {"i": {"orgId": world.gid("Organization", "V1"), "title": f"事项{i}"}})  # fmt: skip

    add(1)
    small = _statements(gql, sql_counter)
    add(4)
    assert _statements(gql, sql_counter) == small


def test_moving_a_branch_carries_its_branch_life(gql, world) -> None:
    li = world.gid("Member", "li")
    _record(gql, world, "V1", "theme_day", date(2026, 10, 3), attendance=[{"memberId": li, "status": "PRESENT"}])
    gql("""mutation($i: CreateFourStepItemInput!) { createFourStepItem(input: $i) { __typename } }""",
        {"i": {"orgId": world.gid("Organization", "V1"), "title": "事项"}})  # fmt: skip
    version = gql("query($id: ID!) { node(id: $id) { ... on Organization { version } } }", {"id": world.gid("Organization", "V1")})["node"]["version"]
    moved = gql(
        """mutation($i: MoveOrganizationInput!) { moveOrganization(input: $i) { __typename } }""",
        {"i": {"id": world.gid("Organization", "V1"), "newParentId": world.gid("Organization", "T2"), "version": version}},
    )["moveOrganization"]
    assert moved["__typename"] == "OrganizationPayload"
    seen = gql("{ meetingRecords { totalCount nodes { attendance { member { name } } } } fourStepItems { totalCount } }", user="township2")
    assert seen["meetingRecords"]["totalCount"] == 1 and seen["fourStepItems"]["totalCount"] == 1
    assert seen["meetingRecords"]["nodes"][0]["attendance"] == [{"member": {"name": "李四"}}]
    assert gql("{ meetings { totalCount } fourStepItems { totalCount } }", user="township") == {"meetings": {"totalCount": 0}, "fourStepItems": {"totalCount": 0}}


def test_the_secretary_lectures_once_a_year(gql, world, clock, session_factory, settings) -> None:
    from partygraph.services import member as members
    from tests.conftest import system_context

    with session_factory() as s:
        members.add_position(system_context(s, settings, clock), member_id=world.members["li"], org_id=world.ids["V1"], kind="secretary", start_on=date(2020, 1, 1))
        s.commit()
    _record(gql, world, "V1", "party_lecture", date(2026, 5, 20), chairMemberId=world.gid("Member", "zhang"))
    clock.today = date(2027, 1, 1)
    codes = [a["extra"]["periodStart"] for a in gql(ALERTS, {"u": world.gid("Organization", "V1")})["branchLifeAlerts"] if a["code"] == "R-LIFE-10"]
    assert codes == ["2026-01-01"]
    clock.today = date(2026, 11, 1)
    _record(gql, world, "V1", "party_lecture", date(2026, 10, 20), chairMemberId=world.gid("Member", "li"))
    clock.today = date(2027, 1, 1)
    assert not [a for a in gql(ALERTS, {"u": world.gid("Organization", "V1")})["branchLifeAlerts"] if a["code"] == "R-LIFE-10"]
