"""Evaluations through the API: a round from opening to closing, the three-year flag, a
trial period falling due as time passes, step-downs and career, organisation assessment
and model sites, and scope — on both databases."""

from __future__ import annotations

from datetime import date

from tests.conftest import Clock, World

ROUND_FIELDS = """
  id year status version
  progress { concluded total }
  closeBlockers { code message }
  subjects {
    id memberName version
    member { name }
    sources { source tallies total }
    outcome { grade decision correctionDeadline }
    suggestion { grade score capped byReview }
    followUps { kind dueOn doneOn }
  }
"""

OPEN = """
mutation($input: OpenEvaluationRoundInput!) {
  openEvaluationRound(input: $input) {
    __typename
    ... on EvaluationRoundPayload { round { ROUND_FIELDS } }
    ... on Error { code message field }
  }
}
""".replace("ROUND_FIELDS", ROUND_FIELDS)

RECORD = """
mutation($input: RecordEvaluationInput!) {
  recordEvaluation(input: $input) {
    __typename
    ... on EvaluationSubjectPayload { subject { id version outcome { grade decision } suggestion { grade } } }
    ... on Error { code message field }
  }
}
"""

CLOSE = """
mutation($input: CloseEvaluationRoundInput!) {
  closeEvaluationRound(input: $input) {
    __typename
    ... on EvaluationRoundPayload { round { id status closedOn version } }
    ... on Error { code message messageEn field }
  }
}
"""

ROUND = "query($id: ID!) { node(id: $id) { ... on EvaluationRound { " + ROUND_FIELDS + " } } }"


def open_round(gql, world: World, org: str = "V1", year: int = 2026, opened_on: str = "2026-10-20", user: str = "township") -> dict:
    data = gql(OPEN, {"input": {"orgId": world.gid("Organization", org), "year": year, "openedOn": opened_on}}, user=user)
    res = data["openEvaluationRound"]
    assert res["__typename"] == "EvaluationRoundPayload", res
    return res["round"]


def record(gql, subject: dict, *, user: str = "township", **payload) -> dict:  # type: ignore[no-untyped-def]
    data = gql(RECORD, {"input": {"subjectId": subject["id"], "version": subject["version"], **payload}}, user=user)
    return data["recordEvaluation"]


def by_name(rnd: dict) -> dict[str, dict]:
    return {s["memberName"]: s for s in rnd["subjects"]}


def test_round_from_opening_to_closing(gql, world: World) -> None:
    rnd = open_round(gql, world)
    assert rnd["status"] == "open"
    # The branch's members, its party group's included: 张三 (in 第一党小组) and 李四.
    assert sorted(by_name(rnd)) == ["张三", "李四"]
    assert rnd["progress"] == {"concluded": 0, "total": 2}

    zhang, li = by_name(rnd)["张三"], by_name(rnd)["李四"]
    # Peer tallies (23 excellent, 40 qualified, 2 unqualified), masses per rater, the committee's grade.
    res = record(
        gql,
        zhang,
        sources=[
            {"source": "peer", "tallies": {"excellent": 23, "qualified": 40, "unqualified": 2}},
            {"source": "masses", "raters": [{"rater": "代表甲", "grade": "qualified"}, {"rater": "代表乙", "grade": "excellent"}]},
            {"source": "committee", "tallies": {"qualified": 1}},
        ],
    )
    assert res["__typename"] == "EvaluationSubjectPayload", res
    assert res["subject"]["suggestion"]["grade"] == "qualified"
    assert res["subject"]["outcome"] is None
    zhang_version = res["subject"]["version"]

    # A stale version is a conflict, not an overwrite.
    stale = record(gql, zhang, outcome={"grade": "qualified", "decidedOn": "2026-10-25"})
    assert stale["__typename"] == "Conflict"

    res = record(gql, {**zhang, "version": zhang_version}, outcome={"grade": "basically_qualified", "decidedOn": "2026-10-25", "signedOffBy": "威州镇党委"})
    assert res["subject"]["outcome"]["grade"] == "basically_qualified"

    # Closing while 李四 has no outcome is refused, and nothing changes.
    before = gql(ROUND, {"id": rnd["id"]}, user="township")["node"]
    refused = gql(CLOSE, {"input": {"id": rnd["id"], "version": rnd["version"], "closedOn": "2026-10-30"}}, user="township")["closeEvaluationRound"]
    assert refused["__typename"] == "RuleViolation"
    assert refused["code"] == "R-EVAL-01"
    assert "李四" in refused["message"]
    after = gql(ROUND, {"id": rnd["id"]}, user="township")["node"]
    assert after == before
    assert after["status"] == "open"
    assert after["progress"] == {"concluded": 1, "total": 2}
    assert [b["code"] for b in after["closeBlockers"]] == ["R-EVAL-01"]

    # A warning talk with its deadline for 基本合格 (R-EVAL-03).
    talks = by_name(after)["张三"]["followUps"]
    assert [(t["kind"], t["dueOn"]) for t in talks] == [("warning_talk", "2026-11-24")]

    # 不合格 needs a recorded decision before closing (R-EVAL-02).
    li = by_name(after)["李四"]
    res = record(gql, li, outcome={"grade": "unqualified", "decidedOn": "2026-10-26"})
    assert res["__typename"] == "EvaluationSubjectPayload"
    refused = gql(CLOSE, {"input": {"id": rnd["id"], "version": rnd["version"], "closedOn": "2026-10-30"}}, user="township")["closeEvaluationRound"]
    assert refused["code"] == "R-EVAL-02"

    # A decision on a grade that is not 不合格 is refused.
    zhang_now = by_name(gql(ROUND, {"id": rnd["id"]}, user="township")["node"])["张三"]
    bad = record(gql, zhang_now, outcome={"grade": "qualified", "decidedOn": "2026-10-26", "decision": "removal"})
    assert bad["__typename"] == "RuleViolation" and bad["code"] == "R-EVAL-02"

    li = by_name(gql(ROUND, {"id": rnd["id"]}, user="township")["node"])["李四"]
    res = record(gql, li, outcome={"grade": "unqualified", "decidedOn": "2026-10-26", "decision": "correction", "decisionNote": "半年内改正"})
    assert res["subject"]["outcome"]["decision"] == "correction"
    node = gql(ROUND, {"id": rnd["id"]}, user="township")["node"]
    li = by_name(node)["李四"]
    assert li["outcome"]["correctionDeadline"] == "2027-04-26"
    assert ("correction", "2027-04-26") in [(t["kind"], t["dueOn"]) for t in li["followUps"]]
    assert node["closeBlockers"] == []

    closed = gql(CLOSE, {"input": {"id": rnd["id"], "version": node["version"], "closedOn": "2026-10-30"}}, user="township")["closeEvaluationRound"]
    assert closed["__typename"] == "EvaluationRoundPayload", closed
    assert closed["round"]["status"] == "closed"

    # A closed round's results no longer change.
    li = by_name(gql(ROUND, {"id": rnd["id"]}, user="township")["node"])["李四"]
    late = record(gql, li, outcome={"grade": "qualified", "decidedOn": "2026-10-31"})
    assert late["__typename"] == "RuleViolation" and late["code"] == "R-EVAL-CLOSED"

    # Listed by subtree and year, with outcomes.
    listed = gql(
        """query($u: ID!) { evaluationRounds(filter: {under: $u, year: 2026}) { totalCount nodes { year status organization { name } distribution } }
                  evaluationOutcomes(filter: {under: $u, year: 2026}) { totalCount nodes { grade member { name } } } }""",
        {"u": world.gid("Organization", "T1")},
        user="county",
    )
    assert listed["evaluationRounds"]["totalCount"] == 1
    assert listed["evaluationRounds"]["nodes"][0]["distribution"]["unqualified"] == 1
    assert listed["evaluationOutcomes"]["totalCount"] == 2


def test_open_round_refusals(gql, world: World) -> None:
    open_round(gql, world)
    again = gql(OPEN, {"input": {"orgId": world.gid("Organization", "V1"), "year": 2026, "openedOn": "2026-10-21"}}, user="township")
    assert again["openEvaluationRound"]["code"] == "DUPLICATE"
    township = gql(OPEN, {"input": {"orgId": world.gid("Organization", "T1"), "year": 2026, "openedOn": "2026-10-21"}}, user="township")
    assert township["openEvaluationRound"]["field"] == "orgId"
    viewer = gql(OPEN, {"input": {"orgId": world.gid("Organization", "V2"), "year": 2026, "openedOn": "2026-10-21"}}, user="viewer")
    assert viewer["openEvaluationRound"]["__typename"] == "NotAllowed"


def test_three_consecutive_years_raise_the_flag(gql, world: World) -> None:
    zhang_gid = world.gid("Member", "zhang")
    for year, opened in ((2024, "2025-01-10"), (2025, "2026-01-10"), (2026, "2026-10-20")):
        rnd = open_round(gql, world, year=year, opened_on=opened)
        subject = by_name(rnd)["张三"]
        res = record(gql, subject, outcome={"grade": "basically_qualified", "decidedOn": opened})
        assert res["__typename"] == "EvaluationSubjectPayload", res
        flags = gql("{ evaluationFlags { totalCount nodes { code kind year member { name } } } }", user="township")["evaluationFlags"]
        assert flags["totalCount"] == (1 if year == 2026 else 0)
    flag = flags["nodes"][0]
    assert flag == {"code": "R-EVAL-04", "kind": "not_up_to_standard_3y", "year": 2026, "member": {"name": "张三"}}

    history = gql(
        "query($m: ID!) { memberEvaluations(memberId: $m) { year outcome { grade } round { year } } }", {"m": zhang_gid}, user="village"
    )["memberEvaluations"]
    assert [h["year"] for h in history] == [2026, 2025, 2024]

    # A person resolves it; the flag list empties and the alert goes.
    fid = gql("{ evaluationFlags { nodes { id version } } }", user="township")["evaluationFlags"]["nodes"][0]
    res = gql(
        """mutation($i: ResolveEvaluationFlagInput!) { resolveEvaluationFlag(input: $i) { __typename ... on EvaluationFlagPayload { flag { resolvedOn resolution } } } }""",
        {"i": {"id": fid["id"], "version": fid["version"], "resolution": "支部大会决定劝其退党", "resolvedOn": "2026-11-01"}},
        user="township",
    )["resolveEvaluationFlag"]
    assert res["flag"]["resolution"] == "支部大会决定劝其退党"
    assert gql("{ evaluationFlags { totalCount } }", user="township")["evaluationFlags"]["totalCount"] == 0


APPOINT = """
mutation($i: AppointCadreInput!) { appointCadre(input: $i) { __typename
  ... on CadreAppointmentPayload { appointment { id version status checkpoints { id kind dueOn state version } } }
  ... on Error { code message } } }
"""
CHECKPOINT = """
mutation($i: RecordTrialCheckpointInput!) { recordTrialCheckpoint(input: $i) { __typename
  ... on TrialCheckpointPayload { checkpoint { id kind doneOn result state } }
  ... on Error { code message field } } }
"""
ALERTS = "query($u: ID!) { evaluationAlerts(under: $u) { code kind dueOn message member { name } } }"


def test_trial_checkpoints_fall_due_as_time_passes(gql, world: World, clock: Clock) -> None:
    res = gql(APPOINT, {"i": {"memberId": world.gid("Member", "zhang"), "orgId": world.gid("Organization", "V1"), "post": "secretary", "appointedOn": "2026-11-01"}}, user="township")
    appt = res["appointCadre"]["appointment"]
    assert appt["status"] == "in_trial"
    cps = appt["checkpoints"]
    assert [(c["kind"], c["dueOn"], c["state"]) for c in cps] == [
        ("work_report", "2027-02-01", "pending"),
        ("special_assessment", "2027-05-01", "pending"),
        ("final_decision", "2027-11-01", "pending"),
    ]
    t1 = world.gid("Organization", "T1")
    assert gql(ALERTS, {"u": t1}, user="township")["evaluationAlerts"] == []

    # Too early to record the 3-month work report.
    early = gql(CHECKPOINT, {"i": {"id": cps[0]["id"], "version": cps[0]["version"], "doneOn": "2026-11-01", "result": "passed"}}, user="township")
    assert early["recordTrialCheckpoint"]["code"] == "R-CAD-01"

    clock.today = date(2027, 2, 10)
    alerts = gql(ALERTS, {"u": t1}, user="township")["evaluationAlerts"]
    assert [(a["code"], a["kind"], a["dueOn"], a["member"]["name"]) for a in alerts] == [("R-CAD-01", "checkpoint", "2027-02-01", "张三")]
    state = gql("query($m: ID!) { cadreCareer(memberId: $m) { appointments { checkpoints { state } } } }", {"m": world.gid("Member", "zhang")}, user="township")
    assert [c["state"] for c in state["cadreCareer"]["appointments"][0]["checkpoints"]] == ["overdue", "pending", "pending"]

    # The 6-month checkpoint cannot come before the 3-month one.
    clock.today = date(2027, 5, 2)
    skipped = gql(CHECKPOINT, {"i": {"id": cps[1]["id"], "version": cps[1]["version"], "doneOn": "2027-05-01", "result": "passed"}}, user="township")
    assert skipped["recordTrialCheckpoint"]["code"] == "R-CAD-01"
    done = gql(CHECKPOINT, {"i": {"id": cps[0]["id"], "version": cps[0]["version"], "doneOn": "2027-02-12", "result": "passed"}}, user="township")
    assert done["recordTrialCheckpoint"]["checkpoint"]["state"] == "done"
    # Now only the 6-month one is overdue.
    alerts = gql(ALERTS, {"u": t1}, user="township")["evaluationAlerts"]
    assert [a["dueOn"] for a in alerts] == ["2027-05-01"]

    done = gql(CHECKPOINT, {"i": {"id": cps[1]["id"], "version": cps[1]["version"], "doneOn": "2027-05-02", "result": "passed"}}, user="township")
    assert done["recordTrialCheckpoint"]["__typename"] == "TrialCheckpointPayload"
    clock.today = date(2027, 11, 5)
    wrong = gql(CHECKPOINT, {"i": {"id": cps[2]["id"], "version": cps[2]["version"], "doneOn": "2027-11-02", "result": "passed"}}, user="township")
    assert wrong["recordTrialCheckpoint"]["field"] == "result"
    kept = gql(CHECKPOINT, {"i": {"id": cps[2]["id"], "version": cps[2]["version"], "doneOn": "2027-11-02", "result": "keep", "evidence": "述职报告、测评表"}}, user="township")
    assert kept["recordTrialCheckpoint"]["checkpoint"]["result"] == "keep"
    career = gql(
        "query($m: ID!) { cadreCareer(memberId: $m) { appointments { status } events { kind on } } }", {"m": world.gid("Member", "zhang")}, user="township"
    )["cadreCareer"]
    assert career["appointments"][0]["status"] == "serving"
    assert [e["kind"] for e in career["events"]] == ["appointed", "trial_passed"]
    assert gql(ALERTS, {"u": t1}, user="township")["evaluationAlerts"] == []


def test_step_down_flags_and_career(gql, world: World) -> None:
    wang = world.gid("Member", "wang")
    res = gql(APPOINT, {"i": {"memberId": wang, "orgId": world.gid("Organization", "V2"), "post": "village_director", "appointedOn": "2020-03-01", "trial": False}}, user="township")
    appt = res["appointCadre"]["appointment"]
    assert appt["checkpoints"] == [] and appt["status"] == "serving"

    assess = gql(
        """mutation($i: RecordCadreAssessmentInput!) { recordCadreAssessment(input: $i) { __typename
             ... on CadreAssessmentPayload { assessment { rating ratingLabel rank ranked } } ... on Error { code field } } }""",
        {"i": {"memberId": wang, "year": 2025, "rating": "incompetent", "assessedOn": "2026-01-15", "rank": 9, "ranked": 9, "massScore": 52.5}},
        user="township",
    )["recordCadreAssessment"]
    assert assess["assessment"]["ratingLabel"] == "不称职"
    flags = gql("{ evaluationFlags(kind: [cadre_step_down]) { nodes { id version code reasons details member { name } } } }", user="township")["evaluationFlags"]["nodes"]
    assert len(flags) == 1
    assert flags[0]["code"] == "R-CAD-02"
    assert flags[0]["reasons"] == ["incompetent", "last_in_evaluation"]

    down = gql(
        """mutation($i: StepDownCadreInput!) { stepDownCadre(input: $i) { __typename ... on CadreAppointmentPayload { appointment { status endedOn } } } }""",
        {"i": {"id": appt["id"], "version": appt["version"], "on": "2026-02-01", "reason": "年度考核不称职，经党委研究免去职务"}},
        user="township",
    )["stepDownCadre"]
    assert down["appointment"]["status"] == "ended"
    again = gql(APPOINT, {"i": {"memberId": wang, "orgId": world.gid("Organization", "V2"), "post": "village_cadre", "title": "村文书", "appointedOn": "2026-09-01"}}, user="township")
    assert again["appointCadre"]["__typename"] == "CadreAppointmentPayload"
    career = gql(
        "query($m: ID!) { cadreCareer(memberId: $m) { appointments { postLabel status } assessments { year rating } events { kind postLabel } flags { code } } }",
        {"m": wang},
        user="township",
    )["cadreCareer"]
    assert [e["kind"] for e in career["events"]] == ["appointed", "stepped_down", "reappointed"]
    assert career["events"][-1]["postLabel"] == "村文书"
    assert [a["status"] for a in career["appointments"]] == ["ended", "in_trial"]
    assert career["flags"] == [{"code": "R-CAD-02"}]

    # Warned and not corrected adds the reason to the open flag.
    new_appt = gql("query($m: ID!) { cadreCareer(memberId: $m) { appointments { id } } }", {"m": wang}, user="township")["cadreCareer"]["appointments"][-1]
    warn = gql(
        """mutation($i: WarnCadreInput!) { warnCadre(input: $i) { __typename ... on FollowUpPayload { followUp { id version kind dueOn } } ... on Error { code message } } }""",
        {"i": {"appointmentId": new_appt["id"], "on": "2026-10-01", "dueOn": "2026-10-31", "reason": "工作不到位"}},
        user="township",
    )["warnCadre"]
    assert warn["followUp"]["kind"] == "cadre_warning"
    done = gql(
        """mutation($i: CompleteFollowUpInput!) { completeFollowUp(input: $i) { __typename ... on FollowUpPayload { followUp { doneOn corrected } } } }""",
        {"i": {"id": warn["followUp"]["id"], "version": warn["followUp"]["version"], "doneOn": "2026-10-31", "corrected": False}},
        user="township",
    )["completeFollowUp"]
    assert done["followUp"]["corrected"] is False
    flags = gql("{ evaluationFlags(kind: [cadre_step_down]) { nodes { reasons } } }", user="township")["evaluationFlags"]["nodes"]
    assert flags[0]["reasons"] == ["incompetent", "last_in_evaluation", "warned_not_corrected"]


def test_org_assessment_last_twice_and_model_sites(gql, world: World) -> None:
    q = """mutation($i: RecordOrgAssessmentInput!) { recordOrgAssessment(input: $i) { __typename
             ... on OrgAssessmentPayload { assessment { year rating fiveGoodsMet } } ... on Error { code field } } }"""
    v2 = world.gid("Organization", "V2")
    first = gql(q, {"i": {"orgId": v2, "year": 2024, "rating": "average", "assessedOn": "2025-01-20", "rank": 12, "ranked": 12, "fiveGoods": {"leadership": True, "results": True}}}, user="township")
    assert first["recordOrgAssessment"]["assessment"]["fiveGoodsMet"] == 2
    assert gql("{ evaluationFlags { totalCount } }", user="township")["evaluationFlags"]["totalCount"] == 0
    gql(q, {"i": {"orgId": v2, "year": 2025, "rating": "poor", "assessedOn": "2026-01-20", "rank": 11, "ranked": 11}}, user="township")
    flags = gql("{ evaluationFlags { nodes { code kind organization { name } } } }", user="township")["evaluationFlags"]["nodes"]
    assert flags == [{"code": "R-ASSESS-01", "kind": "last_ranked_twice", "organization": {"name": "龙溪村党支部"}}]
    bad = gql(q, {"i": {"orgId": v2, "year": 2026, "rating": "good", "assessedOn": "2026-10-20", "rank": 3, "ranked": None}}, user="township")
    assert bad["recordOrgAssessment"]["field"] == "rank"

    site = gql(
        """mutation($i: DesignateModelSiteInput!) { designateModelSite(input: $i) { __typename ... on ModelSitePayload { site { id version status criteria } } } }""",
        {"i": {"orgId": world.gid("Organization", "V1"), "year": 2025, "designatedOn": "2025-03-01", "criteria": {"venueM2": 150, "eightHaves": True}}},
        user="township",
    )["designateModelSite"]["site"]
    assert site["criteria"]["venueM2"] == 150
    reviewed = gql(
        """mutation($i: ReviewModelSiteInput!) { reviewModelSite(input: $i) { __typename ... on ModelSitePayload { site { version reviews } } } }""",
        {"i": {"id": site["id"], "version": site["version"], "reviewedOn": "2026-03-01", "passed": False, "note": "活动场所被挪用"}},
        user="township",
    )["reviewModelSite"]["site"]
    assert reviewed["reviews"][0]["passed"] is False
    delisted = gql(
        """mutation($i: DelistModelSiteInput!) { delistModelSite(input: $i) { __typename ... on ModelSitePayload { site { status delistedReason } } ... on Error { code } } }""",
        {"i": {"id": site["id"], "version": reviewed["version"], "on": "2026-03-05", "reason": "复查不合格，摘牌"}},
        user="township",
    )["delistModelSite"]
    assert delisted["site"]["status"] == "delisted"
    assert gql("{ modelSites(filter: {year: 2025}) { totalCount } }", user="county")["modelSites"]["totalCount"] == 1
    assert gql("{ modelSites { totalCount } }", user="township2")["modelSites"]["totalCount"] == 0


def test_another_township_cannot_see_or_touch_a_round(gql, world: World) -> None:
    rnd = open_round(gql, world)
    subject = by_name(rnd)["张三"]
    assert gql(ROUND, {"id": rnd["id"]}, user="township2")["node"] is None
    assert gql("{ evaluationRounds { totalCount } }", user="township2")["evaluationRounds"]["totalCount"] == 0
    res = record(gql, subject, user="township2", outcome={"grade": "excellent", "decidedOn": "2026-10-25"})
    assert res["__typename"] == "NotFound"
    closed = gql(CLOSE, {"input": {"id": rnd["id"], "version": rnd["version"], "closedOn": "2026-10-30"}}, user="township2")["closeEvaluationRound"]
    assert closed["__typename"] == "NotFound"
    assert gql(
        "query($m: ID!) { memberEvaluations(memberId: $m) { year } cadreCareer(memberId: $m) { member { name } } }",
        {"m": world.gid("Member", "zhang")},
        user="township2",
    ) == {"memberEvaluations": [], "cadreCareer": None}
    # Unchanged for its own township.
    node = gql(ROUND, {"id": rnd["id"]}, user="township")["node"]
    assert node["progress"]["concluded"] == 0 and node["status"] == "open"
    # A read-only viewer in scope sees it but cannot write.
    assert gql(ROUND, {"id": rnd["id"]}, user="viewer")["node"]["year"] == 2026
    assert record(gql, subject, user="viewer", outcome={"grade": "excellent", "decidedOn": "2026-10-25"})["__typename"] == "NotAllowed"


def test_round_left_open_after_its_year_is_an_alert(gql, world: World, clock: Clock) -> None:
    open_round(gql, world)
    t1 = world.gid("Organization", "T1")
    assert gql(ALERTS, {"u": t1}, user="township")["evaluationAlerts"] == []
    clock.today = date(2027, 1, 2)
    alerts = gql(ALERTS, {"u": t1}, user="township")["evaluationAlerts"]
    assert [(a["code"], a["kind"]) for a in alerts] == [("R-EVAL-01", "round")]
    assert gql(ALERTS, {"u": world.gid("Organization", "T2")}, user="county")["evaluationAlerts"] == []


def test_round_grid_and_lists_cost_a_fixed_number_of_statements(gql, world: World, sql_counter) -> None:
    """One statement per level of the query, however many members a round holds."""
    rnd = open_round(gql, world)
    for s in rnd["subjects"]:
        record(gql, s, sources=[{"source": "peer", "tallies": {"qualified": 3}}], outcome={"grade": "basically_qualified", "decidedOn": "2026-10-25"})
    grid = """query($id: ID!) { node(id: $id) { ... on EvaluationRound {
      progress { concluded total } distribution organization { name }
      subjects { memberName member { name } sources { source tallies } outcome { grade } suggestion { grade } followUps { kind overdue } } } } }"""
    sql_counter.count = 0
    data = gql(grid, {"id": rnd["id"]}, user="township")
    small = sql_counter.count
    assert len(data["node"]["subjects"]) == 2
    # Two more members in the branch, in a new round: the same number of statements.
    reg = """mutation($i: RegisterMemberInput!) { registerMember(input: $i) { __typename } }"""
    for name in ("孙八", "周九"):
        gql(reg, {"i": {"orgId": world.gid("Organization", "V1"), "name": name, "gender": "male", "birthDate": "1985-01-01",
                        "education": "bachelor", "joinedOn": "2010-07-01", "convertedOn": "2011-07-01"}}, user="township")  # fmt: skip
    bigger = open_round(gql, world, year=2025, opened_on="2026-01-05")
    assert len(bigger["subjects"]) == 4
    for s in bigger["subjects"]:
        record(gql, s, sources=[{"source": "masses", "tallies": {"excellent": 5}}], outcome={"grade": "excellent", "decidedOn": "2026-01-06"})
    sql_counter.count = 0
    gql(grid, {"id": bigger["id"]}, user="township")
    assert sql_counter.count == small
    sql_counter.count = 0
    gql("{ __typename }", user="township")
    overhead = sql_counter.count  # signing the account in, the result cache's data version
    lists = "{ evaluationRounds(first: 10) { totalCount nodes { year progress { concluded total } distribution organization { name } } } }"
    sql_counter.count = 0
    assert gql(lists, user="township")["evaluationRounds"]["totalCount"] == 2
    # count + page + progress + distribution + organisations
    assert sql_counter.count - overhead == 5, sql_counter.statements


def test_members_leaving_or_joining_during_a_round(gql, world: World) -> None:
    """A member who left is taken out with a reason (kept, not deleted); one who joined is added."""
    rnd = open_round(gql, world)
    li = by_name(rnd)["李四"]
    withdraw = """mutation($i: WithdrawEvaluationSubjectInput!) { withdrawEvaluationSubject(input: $i) { __typename
        ... on EvaluationSubjectPayload { subject { withdrawnOn withdrawnReason } } ... on Error { code field } } }"""
    res = gql(withdraw, {"i": {"id": li["id"], "version": li["version"], "on": "2026-10-28", "reason": ""}}, user="township")
    assert res["withdrawEvaluationSubject"]["field"] == "reason"
    res = gql(withdraw, {"i": {"id": li["id"], "version": li["version"], "on": "2026-10-28", "reason": "组织关系转出"}}, user="township")
    assert res["withdrawEvaluationSubject"]["subject"]["withdrawnReason"] == "组织关系转出"
    node = gql(ROUND, {"id": rnd["id"]}, user="township")["node"]
    assert node["progress"] == {"concluded": 0, "total": 1}
    assert len(node["subjects"]) == 2  # still listed
    assert record(gql, by_name(node)["李四"], outcome={"grade": "qualified", "decidedOn": "2026-10-28"})["code"] == "R-EVAL-WITHDRAWN"

    # One with an outcome stays in.
    zhang = by_name(node)["张三"]
    done = record(gql, zhang, outcome={"grade": "qualified", "decidedOn": "2026-10-28"})
    res = gql(withdraw, {"i": {"id": zhang["id"], "version": done["subject"]["version"], "on": "2026-10-28", "reason": "转出"}}, user="township")
    assert res["withdrawEvaluationSubject"]["code"] == "R-EVAL-01"

    add = """mutation($i: AddEvaluationSubjectInput!) { addEvaluationSubject(input: $i) { __typename
        ... on EvaluationSubjectPayload { subject { memberName addedOn } } ... on Error { code field } } }"""
    other = gql(add, {"i": {"roundId": rnd["id"], "memberId": world.gid("Member", "wang"), "on": "2026-10-29"}}, user="township")
    assert other["addEvaluationSubject"]["field"] == "memberId"  # 王五 is in another branch
    again = gql(add, {"i": {"roundId": rnd["id"], "memberId": world.gid("Member", "zhang"), "on": "2026-10-29"}}, user="township")
    assert again["addEvaluationSubject"]["code"] == "DUPLICATE"
    # The round closes: everyone still in it has an outcome.
    node = gql(ROUND, {"id": rnd["id"]}, user="township")["node"]
    closed = gql(CLOSE, {"input": {"id": rnd["id"], "version": node["version"], "closedOn": "2026-10-30"}}, user="township")["closeEvaluationRound"]
    assert closed["__typename"] == "EvaluationRoundPayload"


def test_moving_the_branch_moves_its_evaluations(gql, world: World) -> None:
    """Every evaluation row carries its organisation's path: a move rewrites them with the tree."""
    rnd = open_round(gql, world)
    record(gql, by_name(rnd)["张三"], outcome={"grade": "basically_qualified", "decidedOn": "2026-10-25"})
    gql(APPOINT, {"i": {"memberId": world.gid("Member", "li"), "orgId": world.gid("Organization", "V1"), "post": "secretary", "appointedOn": "2026-10-01"}}, user="township")
    v1 = gql("query($id: ID!) { node(id: $id) { ... on Organization { version } } }", {"id": world.gid("Organization", "V1")}, user="county")["node"]
    moved = gql(
        """mutation($i: MoveOrganizationInput!) { moveOrganization(input: $i) { __typename } }""",
        {"i": {"id": world.gid("Organization", "V1"), "newParentId": world.gid("Organization", "T2"), "version": v1["version"]}},
        user="county",
    )
    assert moved["moveOrganization"]["__typename"].endswith("Payload")
    counts = """{ evaluationRounds { totalCount } evaluationOutcomes { totalCount } evaluationFollowUps { totalCount }
                  cadreAppointments { totalCount nodes { checkpoints { id } } } }"""
    old = gql(counts, user="township")
    assert old["evaluationRounds"]["totalCount"] == old["evaluationOutcomes"]["totalCount"] == 0
    assert old["evaluationFollowUps"]["totalCount"] == old["cadreAppointments"]["totalCount"] == 0
    new = gql(counts, user="township2")
    assert new["evaluationRounds"]["totalCount"] == new["evaluationOutcomes"]["totalCount"] == 1
    assert new["evaluationFollowUps"]["totalCount"] == 1
    assert len(new["cadreAppointments"]["nodes"][0]["checkpoints"]) == 3
