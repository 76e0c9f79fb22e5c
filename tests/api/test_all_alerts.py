"""allAlerts merges the four areas' alert lists of a subtree, in scope, soonest first."""

from __future__ import annotations

AREAS = """query($u: ID!) {
  alerts(under: $u) { code }
  branchLifeAlerts(under: $u) { code }
  evaluationAlerts(under: $u) { code }
  assistanceAlerts(under: $u) { code }
  allAlerts(under: $u) { __typename code message messageZh messageEn dueOn }
}"""


def test_all_alerts_is_the_union_of_the_areas(gql, world, clock) -> None:
    apply = """mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) { __typename } }"""
    gql(apply, {"i": {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-09-01", "name": "杨晓明",
                      "gender": "male", "birthDate": "1998-05-05", "education": "senior_high"}}, user="village")
    data = gql(AREAS, {"u": world.gid("Organization", "T1")}, user="township")
    areas = sorted(a["code"] for key in ("alerts", "branchLifeAlerts", "evaluationAlerts", "assistanceAlerts") for a in data[key])
    merged = data["allAlerts"]
    assert sorted(a["code"] for a in merged) == areas
    assert "R-DEV-02" in areas and any(c.startswith("R-LIFE-") for c in areas)  # talk overdue; no meetings held
    assert {a["__typename"] for a in merged} >= {"PipelineAlert", "BranchLifeAlert"}
    due = [a["dueOn"] or "9999-12-31" for a in merged]
    assert due == sorted(due)
    # another township's alerts are not in the village clerk's list, nor T2's villages in T1's
    other = gql(AREAS, {"u": world.gid("Organization", "T2")}, user="township2")["allAlerts"]
    assert not any(a["code"] == "R-DEV-02" for a in other)
