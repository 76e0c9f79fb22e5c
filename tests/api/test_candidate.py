"""The candidate pipeline through the API, on both databases.

A full journey from application (2023) to full member (2025) with the clock
moving forward; one test per refusal rule proving the code and that nothing
changed; vote arithmetic at its boundaries; the alerts of a subtree; scope.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from partygraph.models.audit import AuditEvent
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.member import Member

CANDIDATE_FIELDS = """
  id name stage stageLabel version recommendation appliedOn lastStepOn
  organization { id name }
  member { id status joinedOn convertedOn }
  timeline { step on outcome label rule data documents recordedBy }
  nextSteps { step earliest due overdue rule label }
  alerts { code message dueOn }
"""

APPLY = (
    """
mutation($input: ApplyForMembershipInput!) {
  applyForMembership(input: $input) {
    __typename
    ... on CandidatePayload { candidate { %s } }
    ... on Error { code message field }
  }
}""".replace("%s", CANDIDATE_FIELDS)
)

STEP = (
    """
mutation($input: RecordCandidateStepInput!) {
  recordCandidateStep(input: $input) {
    __typename
    ... on CandidateStepPayload { candidate { %s } step { step on label } }
    ... on Error { code message messageEn field }
  }
}""".replace("%s", CANDIDATE_FIELDS)
)

MEETING = """
mutation($input: RecordMeetingInput!) {
  recordMeeting(input: $input) {
    __typename
    ... on MeetingPayload { meeting { id kind heldOn decisions { id subject shouldAttend present yes valid passed explanation } } }
    ... on Error { code message field }
  }
}"""

EXIT = """
mutation($input: ExitCandidateInput!) {
  exitCandidate(input: $input) {
    __typename
    ... on CandidatePayload { candidate { id stage version member { status } } }
    ... on Error { code message field }
  }
}"""

CANDIDATE = "query($id: ID!) { node(id: $id) { ... on Candidate { %s } } }".replace("%s", CANDIDATE_FIELDS)

D = date.fromisoformat


class Pipeline:
    """Drives one candidate through the API, moving the clock to each step's date."""

    def __init__(self, gql: Any, world: Any, clock: Any) -> None:
        self.gql, self.world, self.clock = gql, world, clock
        self.id: str | None = None
        self.candidate: dict[str, Any] = {}

    def apply(self, on: str = "2023-03-01", *, user: str = "village", born: str = "1998-05-05", org: str = "V1", name: str = "杨晓明", **extra: Any) -> dict[str, Any]:
        self.clock.today = D(on)
        data = self.gql(
            APPLY,
            {
                "input": {
                    "orgId": self.world.gid("Organization", org),
                    "appliedOn": on,
                    "name": name,
                    "gender": "male",
                    "birthDate": born,
                    "education": "senior_high",
                    "documents": ["入党申请书（原件，村档案柜 A-3）"],
                    **extra,
                }
            },
            user=user,
        )["applyForMembership"]
        if data["__typename"] == "CandidatePayload":
            self.candidate = data["candidate"]
            self.id = self.candidate["id"]
        return data

    def step(self, step: str, on: str, *, user: str = "village", **fields: Any) -> dict[str, Any]:
        self.clock.today = max(self.clock.today, D(on))
        data = self.gql(STEP, {"input": {"candidateId": self.id, "step": step, "on": on, **fields}}, user=user)
        out = data["recordCandidateStep"]
        if out["__typename"] == "CandidateStepPayload":
            self.candidate = out["candidate"]
        return out

    def ok(self, step: str, on: str, *, user: str = "village", **fields: Any) -> dict[str, Any]:
        out = self.step(step, on, user=user, **fields)
        assert out["__typename"] == "CandidateStepPayload", out
        return out

    def meeting(self, on: str, subject: str, *, present: int = 2, yes: int = 2, user: str = "village", **decision: Any) -> dict[str, Any]:
        self.clock.today = max(self.clock.today, D(on))
        out = self.gql(
            MEETING,
            {
                "input": {
                    "orgId": self.world.gid("Organization", "V1"),
                    "kind": "general_meeting",
                    "heldOn": on,
                    "place": "村委会会议室",
                    "chair": "李四",
                    "decisions": [{"subject": subject, "candidateId": self.id, "present": present, "yes": yes, **decision}],
                }
            },
            user=user,
        )["recordMeeting"]
        assert out["__typename"] == "MeetingPayload", out
        return out["meeting"]["decisions"][0]

    def reload(self, user: str = "county") -> dict[str, Any]:
        return self.gql(CANDIDATE, {"id": self.id}, user=user)["node"]


# The journey, step by step: (step, date, user, extra input). Meetings are marked "VOTE".
JOURNEY: list[tuple[str, str, str, dict[str, Any]]] = [
    ("talk", "2023-03-15", "township", {"note": "乡镇党委组织委员谈话"}),
    ("notice", "2023-03-20", "village", {"noticePlace": "村务公开栏"}),
    ("activist_decided", "2023-04-03", "village", {"recommendation": "mass"}),
    ("activist_filed", "2023-04-10", "township", {}),
    ("contacts_assigned", "2023-04-10", "village", {"contactIds": ["@li"]}),
    ("activist_review", "2023-10-09", "village", {"passed": True}),
    ("notice", "2024-04-08", "village", {"noticePlace": "村务公开栏", "objections": 1, "openObjections": 0, "objectionResolution": "经核实不属实"}),
    ("target_decided", "2024-04-15", "village", {}),
    ("target_filed", "2024-04-20", "township", {}),
    ("introducers_assigned", "2024-04-20", "village", {"introducerIds": ["@zhang", "@li"]}),
    ("political_review", "2024-05-10", "township", {"outcome": "pass", "documents": ["政审报告 2024-17"]}),
    ("training", "2024-05-20", "township", {"trainingDays": 3}),
    ("branch_examination", "2024-06-01", "village", {}),
    ("pre_examination", "2024-06-10", "township", {}),
    ("notice", "2024-06-17", "village", {"noticePlace": "村务公开栏", "noticeEndsOn": "2024-06-21"}),
    ("form_filled", "2024-06-24", "village", {}),
    ("admission_vote", "2024-07-01", "village", {"VOTE": "admission"}),
    ("approval_talk", "2024-07-10", "township", {}),
    ("admission_approved", "2024-07-20", "township", {}),
    ("admission_filed", "2024-07-25", "township", {}),
    ("placed", "2024-07-25", "village", {}),
    ("oath", "2024-07-25", "village", {}),
    ("conversion_applied", "2025-06-20", "village", {}),
    ("notice", "2025-06-23", "village", {"noticePlace": "村务公开栏"}),
    ("conversion_vote", "2025-07-01", "village", {"VOTE": "conversion", "outcome": "convert"}),
    ("conversion_approved", "2025-07-15", "township", {}),
    (
        "archived",
        "2025-07-20",
        "township",
        {"archiveDocuments": ["application", "form", "political_review", "conversion_application", "observation_records"]},
    ),
]


def _fields(p: Pipeline, extra: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in extra.items():
        if isinstance(v, list):
            v = [p.world.gid("Member", x[1:]) if isinstance(x, str) and x.startswith("@") else x for x in v]
        out[k] = v
    return out


def run_until(p: Pipeline, stop: str | None = None, occurrence: int = 1) -> None:
    """Apply (2023-03-01) and record the journey up to, not including, the `occurrence`-th `stop`."""
    p.apply()
    seen = 0
    for step, on, user, extra in JOURNEY:
        if step == stop:
            seen += 1
            if seen == occurrence:
                return
        fields = _fields(p, extra)
        subject = fields.pop("VOTE", None)
        if subject:
            decision = p.meeting(on, subject)
            fields["decisionId"] = decision["id"]
        p.ok(step, on, user=user, **fields)


def state(p: Pipeline, session_factory: Any) -> tuple[Any, ...]:
    """What must not change when a step is refused."""
    from strawberry.relay import GlobalID

    cid = int(GlobalID.from_id(p.id).node_id)  # type: ignore[arg-type]
    with session_factory() as s:
        c = s.get(Candidate, cid)
        steps = s.execute(select(func.count()).select_from(CandidateStep).where(CandidateStep.candidate_id == cid)).scalar_one()
        audits = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        members = s.execute(select(func.count()).select_from(Member)).scalar_one()
        return (c.version, c.stage, c.last_step_on, c.member_id, steps, audits, members)  # type: ignore[union-attr]


@pytest.fixture
def p(gql, world, clock) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(gql, world, clock)


# --- the journey --------------------------------------------------------------------------


def test_full_journey_application_2023_to_full_member_2025(p, gql, world, clock, session_factory) -> None:  # type: ignore[no-untyped-def]
    out = p.apply()
    assert out["__typename"] == "CandidatePayload"
    assert p.candidate["stage"] == "applicant"
    assert p.candidate["nextSteps"][0]["step"] == "talk"
    assert p.candidate["nextSteps"][0]["due"] == "2023-04-01"
    stages = []
    for step, on, user, extra in JOURNEY:
        fields = _fields(p, extra)
        subject = fields.pop("VOTE", None)
        if subject:
            decision = p.meeting(on, subject)
            assert decision["shouldAttend"] == 2  # zhang and li: the branch's full members
            assert decision["valid"] and decision["passed"]
            fields["decisionId"] = decision["id"]
        p.ok(step, on, user=user, **fields)
        stages.append(p.candidate["stage"])
    assert stages.index("activist") == 2 and stages.index("target") == 7
    assert stages.index("probationary") == 18 and stages.index("full") == 25
    c = p.reload()
    assert c["stage"] == "full" and c["stageLabel"] == "正式党员"
    assert c["recommendation"] == "mass"
    assert c["nextSteps"] == [] and c["alerts"] == []
    assert [t["step"] for t in c["timeline"]][0] == "application"
    assert len(c["timeline"]) == len(JOURNEY) + 1
    vote = next(t for t in c["timeline"] if t["step"] == "admission_vote")
    assert vote["data"]["yes"] == 2 and vote["data"]["should_attend"] == 2 and vote["rule"] == "R-DEV-15"
    assert c["timeline"][0]["documents"] == ["入党申请书（原件，村档案柜 A-3）"]
    assert {t["recordedBy"] for t in c["timeline"]} == {"village", "township"}
    # the roster: joined on the admitting meeting's day, converted when probation ended
    assert c["member"] == {"id": c["member"]["id"], "status": "full", "joinedOn": "2024-07-01", "convertedOn": "2025-07-01"}
    roster = gql('{ members(filter: {search: "杨晓明"}) { totalCount nodes { name status joinedOn convertedOn organization { name } } } }', user="village")
    assert roster["members"]["totalCount"] == 1
    assert roster["members"]["nodes"][0]["organization"]["name"] == "布瓦村党支部"
    with session_factory() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.object_type == "Candidate").order_by(AuditEvent.id))]
    assert actions[0] == "candidate.apply" and len(actions) == len(JOURNEY) + 1
    assert "candidate.step.admission_approved" in actions


def test_dual_submission_both_levels_see_and_act(p, gql, world) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-10-01")
    for user in ("village", "township", "county"):
        data = gql('{ candidates(filter: {stage: [applicant]}) { totalCount nodes { name organization { name } } } }', user=user)
        assert data["candidates"]["totalCount"] == 1, user
    # the township committee acts on the village's application directly
    out = p.ok("talk", "2026-10-10", user="township")
    assert out["step"]["step"] == "talk"
    # and the village clerk carries on
    p.ok("notice", "2026-10-12", user="village", noticePlace="村务公开栏")


def test_another_township_cannot_see_or_act(p, gql, world) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-10-01")
    assert gql(CANDIDATE, {"id": p.id}, user="township2")["node"] is None
    assert gql("{ candidates { totalCount } }", user="township2")["candidates"]["totalCount"] == 0
    assert gql("{ candidates { totalCount } }", user="village3")["candidates"]["totalCount"] == 0
    out = p.step("talk", "2026-10-10", user="township2")
    assert out["__typename"] == "NotFound"
    out = gql(APPLY, {"input": {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-10-01", "name": "某", "gender": "male", "birthDate": "1990-01-01", "education": "bachelor"}}, user="township2")
    assert out["applyForMembership"]["__typename"] == "NotFound"
    # read-only accounts cannot record
    assert p.step("talk", "2026-10-10", user="viewer")["__typename"] == "NotAllowed"


def test_candidate_filters(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-09-01", name="王小红")
    other = Pipeline(gql, world, clock)
    other.apply(on="2026-10-20", name="周杰", org="V2", user="township")
    data = gql('{ candidates(filter: {search: "wxh"}) { nodes { name } } }', user="township")
    assert [n["name"] for n in data["candidates"]["nodes"]] == ["王小红"]
    data = gql("query($u: ID!) { candidates(filter: {under: $u}) { nodes { name } } }", {"u": world.gid("Organization", "V2")}, user="township")
    assert [n["name"] for n in data["candidates"]["nodes"]] == ["周杰"]
    clock.today = D("2026-11-01")
    data = gql("{ candidates(filter: {overdue: true}) { nodes { name nextSteps { step overdue } } } }", user="county")
    assert [n["name"] for n in data["candidates"]["nodes"]] == ["王小红"]  # no talk within a month
    data = gql("{ candidates(filter: {overdue: false}) { nodes { name } } }", user="county")
    assert [n["name"] for n in data["candidates"]["nodes"]] == ["周杰"]
    p.ok("talk", "2026-11-01")
    p.ok("notice", "2026-11-02", noticePlace="公开栏")
    clock.today = D("2026-11-16")
    p.ok("activist_decided", "2026-11-16", recommendation="league")
    data = gql("{ candidates(filter: {recommendation: [league]}) { nodes { name recommendation } } }")
    assert data["candidates"]["nodes"] == [{"name": "王小红", "recommendation": "league"}]


# --- refusals: the code, and nothing changed -----------------------------------------------


def refused(p: Pipeline, session_factory: Any, code: str, step: str, on: str, *, user: str = "village", **fields: Any) -> dict[str, Any]:
    before = state(p, session_factory)
    out = p.step(step, on, user=user, **fields)
    assert out["__typename"] == "RuleViolation", out
    assert out["code"] == code, out
    assert code in out["message"] or code == "R-DEV-00" and "R-DEV-00" in out["message"]
    assert state(p, session_factory) == before
    return out


def test_r_dev_01_under_18_at_application(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        before = (s.execute(select(func.count()).select_from(Candidate)).scalar_one(), s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    out = p.apply(on="2023-03-01", born="2005-03-02")
    assert out["__typename"] == "RuleViolation" and out["code"] == "R-DEV-01" and out["field"] == "on"
    with session_factory() as s:
        after = (s.execute(select(func.count()).select_from(Candidate)).scalar_one(), s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    assert after == before
    assert p.apply(on="2023-03-02", born="2005-03-02")["__typename"] == "CandidatePayload"


def test_r_dev_00_out_of_order(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    p.apply()
    refused(p, session_factory, "R-DEV-00", "activist_decided", "2023-03-10", recommendation="mass")
    p.ok("talk", "2023-03-15")
    refused(p, session_factory, "R-DEV-00", "talk", "2023-03-16")  # twice
    refused(p, session_factory, "R-DEV-00", "notice", "2023-03-10", noticePlace="栏")  # before the previous step
    refused(p, session_factory, "R-DEV-00", "oath", "2023-03-20")  # wrong stage


def test_r_dev_02_talk_late_is_an_alert_not_a_block(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-09-01")
    clock.today = D("2026-10-05")
    c = p.reload(user="village")
    assert [a["code"] for a in c["alerts"]] == ["R-DEV-02"]
    assert c["nextSteps"][0] == {"step": "talk", "earliest": "2026-09-01", "due": "2026-10-01", "overdue": True, "rule": "R-DEV-02", "label": "党组织派人谈话"}
    p.ok("talk", "2026-10-05")  # late, still recorded


def test_r_dev_07_target_before_a_year_as_activist(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "notice", occurrence=2)
    out = refused(p, session_factory, "R-DEV-07", "target_decided", "2024-03-01")
    assert "2024-04-03" in out["message"]  # the earliest date is named
    p.ok("notice", "2024-04-08", noticePlace="栏")
    refused(p, session_factory, "R-DEV-07", "target_decided", "2024-04-10")  # notice still running


def test_r_dev_09_introducers(p, session_factory, world) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "introducers_assigned")
    refused(p, session_factory, "R-DEV-09", "introducers_assigned", "2024-04-20", introducerIds=[world.gid("Member", "li")])
    refused(p, session_factory, "R-DEV-09", "introducers_assigned", "2024-04-20", introducerIds=[world.gid("Member", "li"), world.gid("Member", "li")])


def test_r_dev_09_probationary_introducer(p, session_factory, world, gql) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "introducers_assigned")
    out = gql(
        "mutation($i: RegisterMemberInput!) { registerMember(input: $i) { ... on MemberPayload { member { id } } } }",
        {"i": {"orgId": world.gid("Organization", "V1"), "name": "新预备", "gender": "female", "birthDate": "1995-01-01", "education": "bachelor", "joinedOn": "2024-01-10", "status": "probationary"}},
    )
    newbie = out["registerMember"]["member"]["id"]
    out = refused(p, session_factory, "R-DEV-09", "introducers_assigned", "2024-04-20", introducerIds=[world.gid("Member", "li"), newbie])
    assert "不是正式党员" in out["message"]


def test_r_dev_10_no_or_failed_political_review(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "political_review")
    p.ok("training", "2024-05-20", user="township", trainingDays=3)
    refused(p, session_factory, "R-DEV-10", "branch_examination", "2024-06-01")
    p.ok("political_review", "2024-06-02", user="township", outcome="fail")
    refused(p, session_factory, "R-DEV-10", "branch_examination", "2024-06-03")


def test_r_dev_11_training_too_short(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "training")
    p.ok("training", "2024-05-20", user="township", trainingHours=16)
    out = refused(p, session_factory, "R-DEV-11", "branch_examination", "2024-06-01")
    assert out["field"] == "data.days"
    p.ok("training", "2024-06-02", user="township", trainingHours=8)  # 24 hours in all
    p.ok("branch_examination", "2024-06-03")


def test_r_dev_13_notice_running_or_objection_open(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "notice", occurrence=3)
    refused(p, session_factory, "R-DEV-13", "form_filled", "2024-06-16")  # no notice yet
    refused(p, session_factory, "R-DEV-13", "notice", "2024-06-17", noticePlace="栏", noticeEndsOn="2024-06-18")  # too short
    p.ok("notice", "2024-06-17", noticePlace="栏", objections=1, openObjections=1)
    refused(p, session_factory, "R-DEV-13", "form_filled", "2024-06-20")  # still running
    refused(p, session_factory, "R-DEV-13", "form_filled", "2024-06-24")  # objection open
    p.ok("notice", "2024-06-24", noticePlace="栏", objections=1, openObjections=0, objectionResolution="已查清")
    p.ok("form_filled", "2024-07-01")


def test_r_dev_16_no_talk_before_approval(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "approval_talk")
    refused(p, session_factory, "R-DEV-16", "admission_approved", "2024-07-20", user="township")


def test_r_dev_17_village_cannot_approve_and_late_approval(p, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_approved")
    refused(p, session_factory, "R-DEV-17", "admission_approved", "2024-07-20", user="village")
    out = refused(p, session_factory, "R-DEV-17", "admission_approved", "2024-10-15", user="township")
    assert out["field"] == "data.special_reason"
    refused(p, session_factory, "R-DEV-17", "admission_approved", "2025-01-15", user="township", specialReason="等待政审补充材料")
    p.ok("admission_approved", "2024-10-15", user="county", specialReason="等待政审补充材料")


def test_r_dev_22_conversion_before_probation_ends(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "conversion_vote")
    decision = p.meeting("2025-06-30", "conversion")
    out = refused(p, session_factory, "R-DEV-22", "conversion_vote", "2025-06-30", outcome="convert", decisionId=decision["id"])
    assert "2025-07-01" in out["message"]


def test_r_dev_23_extension_limits_and_extension_then_conversion(p, session_factory, gql) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "conversion_vote")
    decision = p.meeting("2025-07-01", "conversion")
    refused(p, session_factory, "R-DEV-23", "conversion_vote", "2025-07-01", outcome="extend", extensionMonths=3, decisionId=decision["id"])
    refused(p, session_factory, "R-DEV-23", "conversion_vote", "2025-07-01", outcome="maybe", decisionId=decision["id"])
    p.ok("conversion_vote", "2025-07-01", outcome="extend", extensionMonths=6, decisionId=decision["id"])
    p.ok("conversion_approved", "2025-07-10", user="township")
    c = p.reload()
    assert c["stage"] == "probationary" and c["member"]["status"] == "probationary"
    assert any(n["step"] == "conversion_applied" and n["due"] == "2026-01-01" for n in c["nextSteps"])


def test_r_vote_01_invalid_meeting_cannot_admit(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_vote")
    decision = p.meeting("2024-07-01", "admission", present=1, yes=1)
    assert decision["valid"] is False and decision["passed"] is False
    assert "会议无效" in decision["explanation"]
    out = refused(p, session_factory, "R-VOTE-01", "admission_vote", "2024-07-01", decisionId=decision["id"])
    assert out["field"] == "data.present"


def test_r_vote_02_failed_vote_cannot_admit(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_vote")
    decision = p.meeting("2024-07-01", "admission", present=2, yes=1, no=1)
    assert decision["valid"] is True and decision["passed"] is False
    refused(p, session_factory, "R-VOTE-02", "admission_vote", "2024-07-01", decisionId=decision["id"])
    # the file can end instead
    p.clock.today = D("2024-07-02")
    out = p.gql(EXIT, {"input": {"candidateId": p.id, "exit": "NOT_ADMITTED", "on": "2024-07-02", "reason": "支部大会未通过"}})
    assert out["exitCandidate"]["candidate"]["stage"] == "not_admitted"


def test_vote_must_cite_its_own_branch_general_meeting(p, session_factory, gql, world) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_vote")
    refused(p, session_factory, "R-VOTE-00", "admission_vote", "2024-07-01")  # no decision cited
    conv = p.meeting("2024-07-01", "conversion")
    refused(p, session_factory, "R-VOTE-00", "admission_vote", "2024-07-01", decisionId=conv["id"])
    # a meeting of another branch cannot vote on this candidate
    out = gql(MEETING, {"input": {"orgId": world.gid("Organization", "V2"), "heldOn": "2024-07-01", "decisions": [{"subject": "admission", "candidateId": p.id, "present": 1, "yes": 1}]}}, user="township")
    assert out["recordMeeting"]["code"] == "R-VOTE-00"
    # an impossible tally is refused when the meeting is recorded
    out = gql(MEETING, {"input": {"orgId": world.gid("Organization", "V1"), "heldOn": "2024-07-01", "decisions": [{"subject": "admission", "candidateId": p.id, "present": 3, "yes": 3}]}})
    assert out["recordMeeting"]["code"] == "R-VOTE-00" and out["recordMeeting"]["field"] == "decisions.0.present"


def test_exits_need_a_reason_and_cancel_probation_updates_the_roster(p, session_factory, gql, clock) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_filed")
    clock.today = D("2024-08-01")
    out = gql(EXIT, {"input": {"candidateId": p.id, "exit": "CANCEL_PROBATION", "on": "2024-08-01", "reason": " "}})
    assert out["exitCandidate"]["code"] == "INVALID_INPUT"
    out = gql(EXIT, {"input": {"candidateId": p.id, "exit": "WITHDRAW", "on": "2024-08-01", "reason": "本人撤回"}})
    assert out["exitCandidate"]["code"] == "R-DEV-00"  # a probationary member cannot withdraw
    out = gql(EXIT, {"input": {"candidateId": p.id, "exit": "CANCEL_PROBATION", "on": "2024-08-01", "reason": "严重违纪"}})
    assert out["exitCandidate"]["candidate"]["stage"] == "cancelled"
    assert out["exitCandidate"]["candidate"]["member"]["status"] == "probation_cancelled"


def test_stale_version_is_a_conflict(p) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-10-01")
    out = p.step("talk", "2026-10-02", version=7)
    assert out["__typename"] == "Conflict"
    p.ok("talk", "2026-10-02", version=1)


# --- vote arithmetic at the boundaries ---------------------------------------------------


EXPLAIN = "query($s: Int!, $p: Int!, $y: Int!) { explainVote(shouldAttend: $s, present: $p, yes: $y) { valid passed quorumNeeded yesNeeded code text } }"


@pytest.mark.parametrize(
    ("should", "present", "yes", "valid", "passed", "code"),
    [
        (40, 20, 20, False, False, "R-VOTE-01"),  # exactly half present: not valid
        (40, 21, 20, True, False, "R-VOTE-02"),  # yes exactly half of those who should attend
        (40, 21, 21, True, True, None),
        (41, 21, 21, True, True, None),  # more than 20.5
        (41, 20, 20, False, False, "R-VOTE-01"),
        (4, 3, 2, True, False, "R-VOTE-02"),
    ],
)
def test_vote_boundaries(gql, should, present, yes, valid, passed, code) -> None:  # type: ignore[no-untyped-def]
    out = gql(EXPLAIN, {"s": should, "p": present, "y": yes})["explainVote"]
    assert (out["valid"], out["passed"], out["code"]) == (valid, passed, code)


def test_meeting_boundaries_recorded(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-10-01")
    clock.today = D("2026-10-20")
    out = gql(
        MEETING,
        {
            "input": {
                "orgId": world.gid("Organization", "V1"),
                "heldOn": "2026-10-20",
                "decisions": [
                    {"subject": "admission", "candidateId": p.id, "shouldAttend": 4, "present": 2, "yes": 2},
                ],
            }
        },
    )["recordMeeting"]["meeting"]["decisions"][0]
    assert (out["valid"], out["passed"]) == (False, False)
    out = gql(MEETING, {"input": {"orgId": world.gid("Organization", "V1"), "heldOn": "2026-10-20", "decisions": [{"subject": "conversion", "candidateId": p.id, "shouldAttend": 4, "present": 3, "yes": 2, "writtenOpinions": 1}]}})
    d = out["recordMeeting"]["meeting"]["decisions"][0]
    assert (d["valid"], d["passed"]) == (True, False)
    assert gql("query($o: ID!) { votingMemberCount(orgId: $o, on: \"2026-10-20\") }", {"o": world.gid("Organization", "V1")})["votingMemberCount"] == 2


# --- alerts ------------------------------------------------------------------------------

ALERTS = "query($u: ID!) { alerts(under: $u) { code message dueOn subject organization { name } candidate { name } } }"


def test_alerts_talk_overdue_after_a_month(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2026-09-01")
    clock.today = D("2026-10-01")
    codes = [a["code"] for a in gql(ALERTS, {"u": world.gid("Organization", "V1")}, user="village")["alerts"] if a["candidate"]]
    assert codes == []
    clock.today = D("2026-10-02")
    found = [a for a in gql(ALERTS, {"u": world.gid("Organization", "V1")}, user="village")["alerts"] if a["candidate"]]
    assert [(a["code"], a["dueOn"], a["candidate"]["name"], a["organization"]["name"]) for a in found] == [("R-DEV-02", "2026-10-01", "杨晓明", "布瓦村党支部")]


def test_subtree_alerts_follow_each_recorded_step(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    """The subtree's file alerts are kept per file version (services.candidate): a step
    recorded after they were read, a new day and another file show in the next read."""
    p.apply(on="2026-09-01")
    clock.today = D("2026-10-05")

    def codes() -> list[str]:
        found = gql(ALERTS, {"u": world.gid("Organization", "V1")}, user="village")["alerts"]
        return sorted(a["code"] for a in found if a["candidate"])

    assert codes() == ["R-DEV-02"]
    assert codes() == ["R-DEV-02"]  # read again: the kept answer
    p.ok("talk", "2026-10-05")
    assert codes() == []
    clock.today = D("2027-04-06")  # six months without a step: stalled, by the date alone
    assert codes() == ["A-STALLED"]


def test_alerts_stalled_applicant_2001_to_2009(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    p.apply(on="2001-03-01", born="1975-02-01", name="苟先生")
    p.ok("talk", "2001-03-20")
    clock.today = D("2009-06-01")
    found = [a for a in gql(ALERTS, {"u": world.gid("Organization", "T1")}, user="township", lang="en")["alerts"] if a["candidate"]]
    stalled = [a for a in found if a["code"] == "A-STALLED"]
    assert len(stalled) == 1 and stalled[0]["dueOn"] == "2001-09-20"
    assert "No step since 2001-03-20" in stalled[0]["message"]


def test_alerts_blank_and_old_villages(gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    found = gql(ALERTS, {"u": world.gid("Organization", "C")})["alerts"]
    org_alerts = sorted((a["code"], a["organization"]["name"]) for a in found if a["subject"] == "ORGANIZATION")
    # V1 and V2 had no new member since 2005 and 1975; V3 admitted one in 2026; V2's one member is 76
    assert org_alerts == [
        ("A-BLANK-VILLAGE", "布瓦村党支部"),
        ("A-BLANK-VILLAGE", "龙溪村党支部"),
        ("A-OLD-VILLAGE", "龙溪村党支部"),
    ]
    # scope: the other township sees only its own villages, and T1 is not found for it
    found = gql(ALERTS, {"u": world.gid("Organization", "T2")}, user="township2")["alerts"]
    assert [a for a in found if a["subject"] == "ORGANIZATION"] == []
    assert gql(ALERTS, {"u": world.gid("Organization", "T1")}, user="township2")["alerts"] == []


def test_alerts_query_count_does_not_grow_with_candidates(p, gql, world, clock, sql_counter) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        Pipeline(gql, world, clock).apply(on="2026-09-01", name=f"候选{i}")
    clock.today = D("2026-10-10")
    sql_counter.count = 0
    gql(ALERTS, {"u": world.gid("Organization", "C")})
    few = sql_counter.count
    for i in range(5):
        Pipeline(gql, world, clock).apply(on="2026-09-01", name=f"再选{i}")
    clock.today = D("2026-10-10")
    sql_counter.count = 0
    data = gql(ALERTS, {"u": world.gid("Organization", "C")})
    assert sql_counter.count == few
    assert len([a for a in data["alerts"] if a["code"] == "R-DEV-02"]) == 8
    sql_counter.count = 0
    gql("{ candidates(first: 50) { nodes { name organization { name } timeline { step } nextSteps { step } alerts { code } } } }")
    listed = sql_counter.count
    Pipeline(gql, world, clock).apply(on="2026-09-01", name="又一")
    clock.today = D("2026-10-10")
    sql_counter.count = 0
    gql("{ candidates(first: 50) { nodes { name organization { name } timeline { step } nextSteps { step } alerts { code } } } }")
    assert sql_counter.count == listed


def test_r_dev_03_activist_needs_recommendation_and_notice(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    p.apply()
    p.ok("talk", "2023-03-15")
    refused(p, session_factory, "R-DEV-03", "activist_decided", "2023-04-03", recommendation="mass")  # no notice
    p.ok("notice", "2023-03-20", noticePlace="栏")
    refused(p, session_factory, "R-DEV-03", "activist_decided", "2023-04-03")  # no recommendation


def test_r_dev_05_contacts_are_one_or_two_full_members(p, session_factory, world) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "contacts_assigned")
    refused(p, session_factory, "R-DEV-05", "contacts_assigned", "2023-04-10", contactIds=[])
    many = [world.gid("Member", k) for k in ("li", "zhang", "li")]
    refused(p, session_factory, "R-DEV-05", "contacts_assigned", "2023-04-10", contactIds=many)


def test_r_dev_15_leaving_the_unit_within_three_months(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "pre_examination")
    refused(p, session_factory, "R-DEV-15", "pre_examination", "2024-06-10", user="township", leavingUnitOn="2024-08-01")
    p.ok("pre_examination", "2024-06-10", user="township", leavingUnitOn="2024-08-01", specialReason="在本村长期务农，仅短期外出")


def test_r_dev_24_conversion_approved_by_the_committee_only(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "conversion_approved")
    refused(p, session_factory, "R-DEV-24", "conversion_approved", "2025-07-15", user="village")
    refused(p, session_factory, "R-DEV-24", "conversion_approved", "2025-07-15", user="township", outcome="cancel")


def test_r_dev_25_archive_must_be_complete(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "archived")
    out = refused(p, session_factory, "R-DEV-25", "archived", "2025-07-20", user="township", archiveDocuments=["application", "form"])
    assert "转正申请书" in out["message"]


def test_demo_pipeline_has_every_stage_and_overdue_files() -> None:
    from sqlmodel import SQLModel

    from partygraph.config import Settings
    from partygraph.context import SYSTEM_VIEWER, Context
    from partygraph.db import make_engine, make_session_factory
    from partygraph.demo import load_demo
    from partygraph.demo.candidate import load_pipeline_demo
    from partygraph.models.organization import Organization
    from partygraph.services import candidate as candidates

    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    settings = Settings(database_url="sqlite://", secret_key="test")
    today = D("2026-11-01")
    with make_session_factory(engine)() as s:
        load_demo(s, settings, today=today, members_target=300)
        summary = load_pipeline_demo(s, settings, today)
        s.commit()
        assert {"applicant", "activist", "target", "probationary", "full", "withdrawn", "removed_from_pool"} <= set(summary.by_stage)
        assert summary.meetings >= 8
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)
        root = s.execute(select(Organization).where(Organization.parent_id.is_(None))).scalar_one()
        codes = {a.alert.code for a in candidates.subtree_alerts(ctx, root.id)}  # type: ignore[arg-type]
        assert {"R-DEV-02", "A-STALLED", "R-DEV-22", "A-ELIGIBLE"} <= codes
        stalled = s.execute(select(Candidate).where(Candidate.applied_on == D("2001-03-01"))).scalar_one()
        assert stalled.stage == "applicant"
        converted = s.execute(select(Member).join(Candidate, Candidate.member_id == Member.id).where(Member.status == "full")).scalars().all()
        assert len(converted) == summary.by_stage["full"]
