"""Development plans through the API, on both databases: create, refusals that change
nothing (R-PLAN-01..09), progress checked against counts computed here from the rows,
children side by side, scope, withdraw instead of delete, and the demo county's plans.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.models.audit import AuditEvent
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.member import EDUCATION_RANK, Education, Member
from partygraph.models.organization import Organization
from partygraph.models.plan import DevelopmentPlan
from partygraph.rules.base import age_on
from partygraph.services import member as members
from tests.conftest import system_context

PLAN_FIELDS = """
  id kind kindLabel status statusLabel firstYear lastYear version
  newActivists newTargets admissions conversions womenPct age_le35: ageLe35Pct notes adoptedOn withdrawnReason
  organization { id name }
"""
CREATE = """
mutation($input: CreateDevelopmentPlanInput!) {
  createDevelopmentPlan(input: $input) {
    __typename
    ... on DevelopmentPlanPayload { plan { %s } }
    ... on Error { code message messageEn field }
  }
}""".replace("%s", PLAN_FIELDS)
UPDATE = """
mutation($input: UpdateDevelopmentPlanInput!) {
  updateDevelopmentPlan(input: $input) {
    __typename
    ... on DevelopmentPlanPayload { plan { %s } }
    ... on Error { code message field }
    ... on Conflict { currentVersion }
  }
}""".replace("%s", PLAN_FIELDS)
ADOPT = """
mutation($input: AdoptDevelopmentPlanInput!) {
  adoptDevelopmentPlan(input: $input) {
    __typename
    ... on DevelopmentPlanPayload { plan { id status adoptedOn version } }
    ... on Error { code message field }
  }
}"""
WITHDRAW = """
mutation($input: WithdrawDevelopmentPlanInput!) {
  withdrawDevelopmentPlan(input: $input) {
    __typename
    ... on DevelopmentPlanPayload { plan { id status withdrawnReason withdrawnAt version } }
    ... on Error { code message field }
  }
}"""
PROGRESS = """
query($id: ID!) { node(id: $id) { ... on DevelopmentPlan {
  id firstYear lastYear
  progress {
    periodStart periodEnd elapsedMonths totalMonths
    actual { newActivists newTargets admissions conversions }
    lines { key planned actual expectedByNow percentDone status statusLabel label }
    structure { key targetPercent comparison floorPercent fromDefault count newMembers actualPercent met belowFloor }
    children { organization { id name } plan { id } planned { admissions newActivists } actual { newActivists newTargets admissions conversions } }
    childrenPlanned { newActivists newTargets admissions conversions }
    alerts { code message extra }
  }
  history { action }
} } }"""
LIST = """
query($under: ID, $year: Int, $kind: PlanKind, $status: [PlanStatus!], $first: Int, $after: String) {
  developmentPlans(under: $under, year: $year, kind: $kind, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id kind status firstYear organization { name } progress { lines { key actual status } } }
  }
}"""


def create(
    gql: Any, world: Any, org: str = "T1", *, user: str = "county", **fields: Any
) -> dict[str, Any]:
    inp = {"orgId": world.gid("Organization", org), "kind": "yearly", "firstYear": 2026, **fields}
    return gql(CREATE, {"input": inp}, user=user)["createDevelopmentPlan"]


def ok(out: dict[str, Any]) -> dict[str, Any]:
    assert out["__typename"] == "DevelopmentPlanPayload", out
    return out["plan"]


def snapshot(session_factory: Any) -> tuple[Any, ...]:
    """What a refused mutation must leave unchanged."""
    with session_factory() as s:
        plans = s.execute(
            select(DevelopmentPlan.id, DevelopmentPlan.version, DevelopmentPlan.status).order_by(
                DevelopmentPlan.id
            )
        ).all()
        audits = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return (tuple(plans), audits)


# --- create, read, adopt ----------------------------------------------------------------------


def test_create_adopt_and_read_back(gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    plan = ok(
        create(
            gql,
            world,
            "C",
            admissions=12,
            newActivists=30,
            newTargets=15,
            conversions=10,
            womenPct=40,
            notes="县有宏观指导",
        )
    )
    assert plan["status"] == "draft" and plan["statusLabel"] == "草案" and plan["lastYear"] == 2026
    assert (plan["kindLabel"], plan["admissions"], plan["womenPct"], plan["age_le35"]) == (
        "年度计划",
        12,
        40,
        None,
    )
    three = ok(
        create(
            gql,
            world,
            "C",
            kind="three_year",
            firstYear=2025,
            admissions=40,
            newActivists=90,
            newTargets=45,
            conversions=30,
        )
    )
    assert (three["firstYear"], three["lastYear"]) == (2025, 2027)  # the kind's span by default
    out = gql(
        ADOPT, {"input": {"id": plan["id"], "version": plan["version"], "adoptedOn": "2026-01-20"}}
    )["adoptDevelopmentPlan"]
    assert (
        out["__typename"] == "DevelopmentPlanPayload"
        and out["plan"]["status"] == "adopted"
        and out["plan"]["adoptedOn"] == "2026-01-20"
    )
    again = gql(ADOPT, {"input": {"id": plan["id"]}})["adoptDevelopmentPlan"]
    assert again["__typename"] == "RuleViolation" and again["code"] == "R-PLAN-08"
    node = gql(PROGRESS, {"id": plan["id"]})["node"]
    assert [h["action"] for h in node["history"]] == ["plan.adopt", "plan.create"]
    # the organisation's own plans, three-year first
    data = gql(
        "query($id: ID!) { node(id: $id) { ... on Organization { developmentPlans(year: 2026) { kind firstYear } } } }",
        {"id": world.gid("Organization", "C")},
    )
    assert data["node"]["developmentPlans"] == [
        {"kind": "three_year", "firstYear": 2025},
        {"kind": "yearly", "firstYear": 2026},
    ]


# --- refusals: nothing changes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "field", "org", "fields"),
    [
        ("R-PLAN-01", "firstYear", "T1", {"firstYear": 1948}),
        ("R-PLAN-01", "firstYear", "T1", {"firstYear": 2032}),
        (
            "R-PLAN-01",
            "lastYear",
            "T1",
            {"kind": "three_year", "firstYear": 2026, "lastYear": 2025},
        ),
        ("R-PLAN-02", "lastYear", "T1", {"lastYear": 2027}),
        (
            "R-PLAN-02",
            "lastYear",
            "T1",
            {"kind": "three_year", "firstYear": 2026, "lastYear": 2029},
        ),
        ("R-PLAN-03", "admissions", "T1", {"admissions": -1}),
        ("R-PLAN-04", "womenPct", "T1", {"womenPct": 120}),
        ("R-PLAN-04", "ageLe35Pct", "T1", {"ageLe35Pct": -5}),
        ("R-PLAN-07", "orgId", "G1", {}),
    ],
)
def test_invalid_plans_are_refused_and_nothing_changes(
    gql, world, session_factory, code, field, org, fields
) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(session_factory)
    out = create(gql, world, org, **fields)
    assert out["__typename"] == "RuleViolation", out
    assert (out["code"], out["field"]) == (code, field)
    assert code in out["message"] and code in out["messageEn"]
    assert snapshot(session_factory) == before


def test_one_live_plan_and_yearly_inside_three_year(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    ok(create(gql, world, "T1", kind="three_year", firstYear=2025, admissions=10, newActivists=20))
    ok(create(gql, world, "T1", firstYear=2025, admissions=4, newActivists=8))
    before = snapshot(session_factory)
    # the same organisation, kind and first year again
    dup = create(gql, world, "T1", firstYear=2025, admissions=1)
    assert (dup["__typename"], dup["code"], dup["field"]) == (
        "RuleViolation",
        "R-PLAN-06",
        "firstYear",
    )
    # an overlapping three-year plan
    overlap = create(gql, world, "T1", kind="three_year", firstYear=2027, admissions=10)
    assert (overlap["code"], overlap["field"]) == ("R-PLAN-06", "firstYear")
    # 2026's yearly plan would take the yearly admissions over the three-year plan's 10
    over = create(gql, world, "T1", firstYear=2026, admissions=7, newActivists=5)
    assert (over["code"], over["field"]) == ("R-PLAN-05", "admissions")
    assert snapshot(session_factory) == before
    fits = ok(create(gql, world, "T1", firstYear=2026, admissions=6, newActivists=12))
    # the three-year plan cannot fall below its yearly plans' sum either
    three = gql(LIST, {"under": world.gid("Organization", "T1"), "kind": "three_year"})[
        "developmentPlans"
    ]["nodes"][0]
    low = gql(UPDATE, {"input": {"id": three["id"], "admissions": 9}})["updateDevelopmentPlan"]
    assert (low["__typename"], low["code"], low["field"]) == (
        "RuleViolation",
        "R-PLAN-05",
        "admissions",
    )
    # and a yearly update that would overflow it
    up = gql(UPDATE, {"input": {"id": fits["id"], "newActivists": 13}})["updateDevelopmentPlan"]
    assert (up["code"], up["field"]) == ("R-PLAN-05", "newActivists")
    # another township may plan the same year
    ok(create(gql, world, "T2", firstYear=2025, admissions=3))


def test_update_partial_conflict_and_default_percent(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    plan = ok(create(gql, world, "V1", admissions=2, womenPct=50, ageLe35Pct=90))
    out = gql(
        UPDATE,
        {
            "input": {
                "id": plan["id"],
                "version": plan["version"],
                "admissions": 3,
                "womenPct": None,
            }
        },
    )["updateDevelopmentPlan"]
    changed = ok(out)
    assert (
        changed["admissions"],
        changed["womenPct"],
        changed["age_le35"],
        changed["version"],
    ) == (3, None, 90, plan["version"] + 1)
    before = snapshot(session_factory)
    stale = gql(UPDATE, {"input": {"id": plan["id"], "version": plan["version"], "admissions": 4}})[
        "updateDevelopmentPlan"
    ]
    assert stale["__typename"] == "Conflict" and stale["currentVersion"] == plan["version"] + 1
    empty = gql(UPDATE, {"input": {"id": plan["id"], "admissions": None}})["updateDevelopmentPlan"]
    assert (empty["code"], empty["field"]) == ("INVALID_INPUT", "admissions")
    assert snapshot(session_factory) == before
    structure = {
        c["key"]: c for c in gql(PROGRESS, {"id": plan["id"]})["node"]["progress"]["structure"]
    }
    assert (
        structure["women"]["fromDefault"] is True and structure["women"]["targetPercent"] == 40.0
    )  # Guangzhou's default
    assert (
        structure["age_le35"]["fromDefault"] is False
        and structure["age_le35"]["targetPercent"] == 90.0
    )
    assert (
        structure["age_le35"]["floorPercent"] == 50.0
    )  # the floor is always the default's (Wenchuan)


def test_withdraw_instead_of_delete(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    plan = ok(create(gql, world, "V1", admissions=2))
    before = snapshot(session_factory)
    no_reason = gql(WITHDRAW, {"input": {"id": plan["id"], "reason": "  "}})[
        "withdrawDevelopmentPlan"
    ]
    assert (no_reason["__typename"], no_reason["field"]) == ("RuleViolation", "reason")
    assert snapshot(session_factory) == before
    out = gql(
        WITHDRAW,
        {"input": {"id": plan["id"], "version": plan["version"], "reason": "村两委换届，重新制定"}},
    )["withdrawDevelopmentPlan"]
    assert (
        out["plan"]["status"] == "withdrawn"
        and out["plan"]["withdrawnReason"] == "村两委换届，重新制定"
        and out["plan"]["withdrawnAt"]
    )
    before = snapshot(session_factory)
    for query, inp, key in (
        (UPDATE, {"id": plan["id"], "admissions": 5}, "updateDevelopmentPlan"),
        (ADOPT, {"id": plan["id"]}, "adoptDevelopmentPlan"),
        (WITHDRAW, {"id": plan["id"], "reason": "again"}, "withdrawDevelopmentPlan"),
    ):
        refused = gql(query, {"input": inp})[key]
        assert refused["__typename"] == "RuleViolation" and refused["code"] == "R-PLAN-08", refused
    assert snapshot(session_factory) == before
    # gone from the live list, kept and listed on request; a new plan may take its place
    live = gql(LIST, {"under": world.gid("Organization", "V1")})["developmentPlans"]
    assert live["totalCount"] == 0
    kept = gql(LIST, {"under": world.gid("Organization", "V1"), "status": ["withdrawn"]})[
        "developmentPlans"
    ]
    assert [n["id"] for n in kept["nodes"]] == [plan["id"]]
    ok(create(gql, world, "V1", admissions=3))
    with session_factory() as s:
        assert s.execute(select(func.count()).select_from(DevelopmentPlan)).scalar_one() == 2


# --- scope --------------------------------------------------------------------------------------


def test_scope_and_permissions(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    t1 = ok(create(gql, world, "T1", admissions=5, user="township"))
    v1 = ok(create(gql, world, "V1", admissions=3, user="village"))
    before = snapshot(session_factory)
    # the village sees its own plan only; the township's plan is simply not there
    assert gql(PROGRESS, {"id": t1["id"]}, user="village")["node"] is None
    assert [n["id"] for n in gql(LIST, {}, user="village")["developmentPlans"]["nodes"]] == [
        v1["id"]
    ]
    assert (
        gql(LIST, {"under": world.gid("Organization", "T1")}, user="village")["developmentPlans"][
            "totalCount"
        ]
        == 0
    )
    # another township: not found, for reading and writing
    assert gql(LIST, {}, user="township2")["developmentPlans"]["totalCount"] == 0
    out = create(gql, world, "V1", user="township2", firstYear=2027)
    assert out["__typename"] == "NotFound"
    out = gql(UPDATE, {"input": {"id": t1["id"], "admissions": 1}}, user="township2")[
        "updateDevelopmentPlan"
    ]
    assert out["__typename"] == "NotFound"
    # read-only accounts read, never write
    assert gql(LIST, {}, user="viewer")["developmentPlans"]["totalCount"] == 2
    out = gql(ADOPT, {"input": {"id": v1["id"]}}, user="viewer")["adoptDevelopmentPlan"]
    assert out["__typename"] == "NotAllowed"
    assert snapshot(session_factory) == before
    # the township's children side by side: its village's plan is there
    children = gql(PROGRESS, {"id": t1["id"]}, user="township")["node"]["progress"]["children"]
    assert [(c["organization"]["name"], (c["plan"] or {}).get("id")) for c in children] == [
        ("布瓦村党支部", v1["id"]),
        ("龙溪村党支部", None),
    ]


def test_list_pages_by_tree_order_and_year(gql, world) -> None:  # type: ignore[no-untyped-def]
    for org in ("C", "T1", "V1", "V2", "T2", "V3"):
        ok(create(gql, world, org, admissions=1))
    ok(create(gql, world, "T1", firstYear=2025, admissions=1))
    seen, after = [], None
    while True:
        page = gql(LIST, {"year": 2026, "first": 4, "after": after})["developmentPlans"]
        assert page["totalCount"] == 6
        seen += [n["organization"]["name"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [
        "岷江县委",
        "威州镇党委",
        "布瓦村党支部",
        "龙溪村党支部",
        "映秀镇党委",
        "渔子溪村党支部",
    ]
    assert gql(LIST, {"year": 2025})["developmentPlans"]["totalCount"] == 1


# --- progress against counts computed here ------------------------------------------------------


@dataclass
class Step:
    org: str
    step: str
    on: date
    outcome: str | None = None


# Candidates' counted steps (and some that must not count), in and out of 2026.
STEPS = [
    Step("V1", "activist_decided", date(2026, 2, 3)),
    Step("V1", "activist_decided", date(2026, 5, 20)),
    Step("V1", "activist_decided", date(2025, 12, 31)),  # the year before
    Step("V1", "target_decided", date(2026, 3, 1)),
    Step("V1", "admission_approved", date(2026, 4, 9)),
    Step("V1", "conversion_approved", date(2026, 6, 1), "convert"),
    Step("V1", "conversion_approved", date(2026, 6, 2), "extend"),  # extended: not a conversion
    Step("V1", "conversion_approved", date(2026, 6, 3), "cancel"),  # cancelled: not a conversion
    Step("V2", "activist_decided", date(2026, 7, 1)),
    Step("V2", "target_decided", date(2026, 1, 1)),
    Step("V2", "admission_approved", date(2026, 6, 30)),
    Step("V2", "conversion_approved", date(2026, 3, 3), None),  # no outcome: converted
    Step("V2", "talk", date(2026, 3, 3)),  # not counted
    Step("V3", "admission_approved", date(2026, 5, 5)),  # another township
    Step("V3", "activist_decided", date(2026, 12, 31)),  # the period's last day counts
    Step("V3", "activist_decided", date(2027, 1, 1)),  # the next year's
]
FLOWS = {
    "activist_decided": "newActivists",
    "target_decided": "newTargets",
    "admission_approved": "admissions",
}


def _counted(s: Step) -> str | None:
    if s.step == "conversion_approved":
        return "conversions" if (s.outcome or "convert") == "convert" else None
    return FLOWS.get(s.step)


def expected_actuals(orgs: set[str], year: int) -> Counter:
    return Counter(k for s in STEPS if s.org in orgs and s.on.year == year and (k := _counted(s)))


def plant(session_factory: Any, world: Any, settings: Any, clock: Any) -> None:
    with session_factory() as s:
        for i, st in enumerate(STEPS):
            org_id = world.ids[st.org]
            org = s.get(Organization, org_id)
            c = Candidate(
                org_id=org_id, org_path=org.path, name=f"候选{i}", gender="male", birth_date=date(1998, 1, 1),
                education="senior_high", stage="activist", applied_on=date(2024, 1, 1), last_step_on=st.on,
            )  # fmt: skip
            s.add(c)
            s.flush()
            s.add(
                CandidateStep(
                    candidate_id=c.id,
                    org_path=c.org_path,
                    step=st.step,
                    on=st.on,
                    outcome=st.outcome,
                    data={},
                    documents=[],
                )
            )
        # new members of 2026 under T1 (the structure), and one of 2025 that must not count
        ctx = system_context(s, settings, clock)
        for org, gender, born, edu, front, joined in (
            ("V1", "female", date(1996, 1, 1), "junior_college", True, date(2026, 4, 9)),
            ("V1", "male", date(1980, 1, 1), "primary", True, date(2026, 5, 1)),
            ("V2", "female", date(2001, 6, 1), "senior_high", False, date(2026, 2, 1)),
            ("G1", "male", date(1999, 6, 1), "junior_high", True, date(2026, 3, 1)),
            ("V2", "female", date(1999, 6, 1), "bachelor", True, date(2025, 3, 1)),
        ):
            members.register(
                ctx, org_id=world.ids[org], status="probationary", name="新党员", gender=gender, birth_date=born,
                education=edu, front_line=front, joined_on=joined,
            )  # fmt: skip
        s.commit()


def test_progress_matches_counts_computed_here(
    gql, world, session_factory, settings, clock
) -> None:  # type: ignore[no-untyped-def]
    plant(session_factory, world, settings, clock)
    clock.today = date(2026, 7, 15)  # six months completed
    planned = {"newActivists": 6, "newTargets": 2, "admissions": 4, "conversions": 2}
    t1 = ok(create(gql, world, "T1", **planned, womenPct=50))
    v1 = ok(create(gql, world, "V1", newActivists=4, admissions=1, conversions=1))
    node = gql(PROGRESS, {"id": t1["id"]})["node"]
    prog = node["progress"]
    assert (prog["periodStart"], prog["periodEnd"], prog["elapsedMonths"], prog["totalMonths"]) == (
        "2026-01-01",
        "2026-12-31",
        6,
        12,
    )
    want = expected_actuals({"V1", "V2"}, 2026)
    assert prog["actual"] == {k: want[k] for k in planned}
    lines = {ln["key"]: ln for ln in prog["lines"]}
    for key, n in planned.items():
        ln = lines[key]
        assert (ln["planned"], ln["actual"]) == (n, want[key])
        assert ln["expectedByNow"] == round(n * 6 / 12, 1)
        assert ln["percentDone"] == round(want[key] * 100 / n, 1)
    # 6 activists planned, 3 expected by now, 3 done; 2 admissions expected, 2 done; 1 conversion expected, 2 done
    assert want == Counter({"newActivists": 3, "newTargets": 2, "admissions": 2, "conversions": 2})
    assert {k: v["status"] for k, v in lines.items()} == {
        "newActivists": "on_track",
        "newTargets": "done",
        "admissions": "on_track",
        "conversions": "done",
    }
    # the children side by side, their actuals computed here too
    kids = {c["organization"]["name"]: c for c in prog["children"]}
    assert (
        kids["布瓦村党支部"]["actual"]["newActivists"]
        == expected_actuals({"V1"}, 2026)["newActivists"]
        == 2
    )
    assert (
        kids["龙溪村党支部"]["actual"]["admissions"]
        == expected_actuals({"V2"}, 2026)["admissions"]
        == 1
    )
    assert kids["布瓦村党支部"]["plan"]["id"] == v1["id"] and kids["龙溪村党支部"]["plan"] is None
    assert prog["childrenPlanned"] == {
        "newActivists": 4,
        "newTargets": 0,
        "admissions": 1,
        "conversions": 1,
    }
    cascade = {a["extra"]["key"]: a for a in prog["alerts"] if a["code"] == "A-PLAN-CASCADE"}
    assert set(cascade) == {"new_activists", "new_targets", "admissions", "conversions"}
    assert (
        "龙溪村党支部" in cascade["admissions"]["message"]
        and cascade["admissions"]["extra"]["children"] == 1
    )
    # the structure of 2026's new members under T1, computed here
    with session_factory() as s:
        t1_path = s.get(Organization, world.ids["T1"]).path
        new = [
            m
            for m in s.execute(select(Member)).scalars()
            if m.org_path.startswith(t1_path) and m.joined_on.year == 2026
        ]
    structure = {c["key"]: c for c in prog["structure"]}
    assert structure["women"]["newMembers"] == len(new) == 4
    counts = {
        "women": sum(m.gender == "female" for m in new),
        "age_le35": sum(age_on(m.birth_date, m.joined_on) <= 35 for m in new),
        "junior_high_plus": sum(
            EDUCATION_RANK[Education(m.education)] >= EDUCATION_RANK[Education.junior_high]
            for m in new
        ),
        "senior_high_plus": sum(
            EDUCATION_RANK[Education(m.education)] >= EDUCATION_RANK[Education.senior_high]
            for m in new
        ),
        "junior_college_plus": sum(
            EDUCATION_RANK[Education(m.education)] >= EDUCATION_RANK[Education.junior_college]
            for m in new
        ),
        "front_line": sum(m.front_line for m in new),
    }
    for key, n in counts.items():
        assert structure[key]["count"] == n, key
        assert structure[key]["actualPercent"] == round(100 * n / len(new), 1)
    assert (
        structure["women"]["targetPercent"] == 50.0 and structure["women"]["met"] is True
    )  # 2 of 4
    assert (
        structure["age_le35"]["met"] is False and structure["age_le35"]["belowFloor"] is False
    )  # 3 of 4 < 80%, ≥ 50%
    assert structure["junior_high_plus"]["met"] is False  # 3 of 4 = 75% < 80%
    codes = Counter(a["code"] for a in prog["alerts"])
    assert codes["A-PLAN-STRUCTURE"] >= 2 and codes["A-PLAN-BEHIND"] == 0
    # later in the year the activists fall behind; after the year the plan is missed
    clock.today = date(2026, 11, 30)
    lines = {ln["key"]: ln for ln in gql(PROGRESS, {"id": t1["id"]})["node"]["progress"]["lines"]}
    assert (
        lines["newActivists"]["expectedByNow"] == 5.5
        and lines["newActivists"]["status"] == "behind"
    )
    clock.today = date(2027, 1, 5)
    prog = gql(PROGRESS, {"id": t1["id"]})["node"]["progress"]
    assert {ln["key"]: ln["status"] for ln in prog["lines"]}["newActivists"] == "missed"
    assert any(
        a["code"] == "A-PLAN-MISSED" and a["extra"]["key"] == "new_activists"
        for a in prog["alerts"]
    )


def test_progress_of_a_list_costs_statements_per_period_not_per_plan(
    gql, world, session_factory, settings, clock, sql_counter
) -> None:  # type: ignore[no-untyped-def]
    plant(session_factory, world, settings, clock)
    for org in ("C", "T1", "V1", "V2", "T2", "V3"):
        ok(create(gql, world, org, admissions=1, newActivists=1))
    sql_counter.count = 0
    data = gql(LIST, {"year": 2026})["developmentPlans"]
    few = sql_counter.count
    assert data["totalCount"] == 6
    actual = {
        n["organization"]["name"]: {ln["key"]: ln["actual"] for ln in n["progress"]["lines"]}
        for n in data["nodes"]
    }
    assert (
        actual["岷江县委"]["newActivists"]
        == expected_actuals({"V1", "V2", "V3"}, 2026)["newActivists"]
        == 4
    )
    assert actual["映秀镇党委"]["admissions"] == expected_actuals({"V3"}, 2026)["admissions"] == 1
    for org in ("V1", "V2", "T2"):
        ok(create(gql, world, org, firstYear=2027, admissions=1))
    ok(create(gql, world, "C", kind="three_year", firstYear=2026, admissions=10, newActivists=10))
    sql_counter.count = 0
    gql(LIST, {"first": 20})
    assert sql_counter.count <= few + 2  # one more period, one more statement (plus its keys)


# --- the demo county ------------------------------------------------------------------------------


def test_demo_county_has_plans_some_behind() -> None:
    from sqlmodel import SQLModel

    from partygraph.config import Settings
    from partygraph.context import SYSTEM_VIEWER, Context
    from partygraph.db import make_engine, make_session_factory
    from partygraph.demo import load_demo
    from partygraph.demo.candidate import load_pipeline_demo
    from partygraph.services import plan as plans

    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    settings = Settings(database_url="sqlite://", secret_key="test")
    today = date(2026, 11, 1)
    with make_session_factory(engine)() as s:
        load_demo(s, settings, today=today, members_target=300)
        summary = load_pipeline_demo(s, settings, today)
        s.commit()
        assert summary.plans > 3
        rows = list(s.execute(select(DevelopmentPlan).order_by(DevelopmentPlan.org_path)).scalars())
        kinds = Counter((p.kind, p.first_year) for p in rows)
        assert kinds[("three_year", 2025)] == 1 and kinds[("yearly", 2026)] == len(rows) - 1
        root = s.execute(select(Organization).where(Organization.parent_id.is_(None))).scalar_one()
        assert rows[0].org_id == root.id
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)
        progress = plans.progress_of(ctx, rows)
        statuses = Counter(ln.status for p in progress.values() for ln in p.lines)
        assert (
            statuses["behind"] > 0
            and statuses["done"] + statuses["on_track"] + statuses["ahead"] > 0
        )
        # the county's plan is carried by its townships' (no cascade alert on admissions)
        county = next(
            p for p in progress.values() if p.plan.org_id == root.id and p.plan.kind == "yearly"
        )
        codes = {(a.code, a.extra.get("key")) for a in plans.alerts(ctx, county)}
        assert ("A-PLAN-CASCADE", "admissions") not in codes


def test_ids_are_development_plan_ids(gql, world) -> None:  # type: ignore[no-untyped-def]
    plan = ok(create(gql, world, "V1", admissions=1))
    assert GlobalID.from_id(plan["id"]).type_name == "DevelopmentPlan"
    out = gql(UPDATE, {"input": {"id": world.gid("Organization", "V1"), "admissions": 2}})[
        "updateDevelopmentPlan"
    ]
    assert (out["__typename"], out["code"]) == ("RuleViolation", "INVALID_ID")
