"""Disciplinary sanctions through the API, on both databases: record, lift, withdraw, their
refusals (R-DISC-01..04) changing nothing, scope; and R-DEV-09: a member under 留党察看 on
the introduction day cannot introduce a candidate (nor be a contact, R-DEV-05).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from partygraph.models.audit import AuditEvent
from partygraph.models.discipline import MemberSanction
from tests.api.test_candidate import Pipeline, run_until, state

RECORD = """
mutation($input: RecordMemberSanctionInput!) {
  recordMemberSanction(input: $input) {
    __typename
    ... on MemberSanctionPayload { sanction { id kind kindLabel decidedOn effectiveFrom effectiveUntil decidedBy document underPartyProbation version member { name } } }
    ... on Error { code message messageEn field }
  }
}"""
LIFT = """
mutation($input: LiftMemberSanctionInput!) {
  liftMemberSanction(input: $input) {
    __typename
    ... on MemberSanctionPayload { sanction { id liftedOn underPartyProbation version } }
    ... on Error { code message field }
  }
}"""
WITHDRAW = """
mutation($input: WithdrawMemberSanctionInput!) {
  withdrawMemberSanction(input: $input) {
    __typename
    ... on MemberSanctionPayload { sanction { id withdrawnAt withdrawnReason underPartyProbation version } }
    ... on Error { code message field }
  }
}"""
SANCTIONS = """
query($id: ID!) { node(id: $id) { ... on Member { name sanctions { id kind effectiveFrom liftedOn withdrawnAt underPartyProbation history { action } } } } }"""


def record(
    gql: Any, world: Any, member: str = "zhang", *, user: str = "county", **fields: Any
) -> dict[str, Any]:
    inp = {
        "memberId": world.gid("Member", member),
        "kind": "party_probation",
        "decidedOn": "2026-03-01",
        "probationYears": 1,
        "decidedBy": "岷江县纪委",
        **fields,
    }
    return gql(RECORD, {"input": inp}, user=user)["recordMemberSanction"]


def counts(session_factory: Any) -> tuple[int, int, tuple[Any, ...]]:
    with session_factory() as s:
        rows = s.execute(
            select(MemberSanction.id, MemberSanction.version).order_by(MemberSanction.id)
        ).all()
        audits = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return (len(rows), audits, tuple(rows))


def test_record_lift_and_read_on_the_member(gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    clock.today = date(2026, 3, 5)
    out = record(gql, world, document="岷纪发〔2026〕3号")
    assert out["__typename"] == "MemberSanctionPayload", out
    s = out["sanction"]
    assert (s["kindLabel"], s["effectiveFrom"], s["effectiveUntil"], s["underPartyProbation"]) == (
        "留党察看",
        "2026-03-01",
        "2027-02-28",
        True,
    )
    assert s["member"]["name"] == "张三"
    warning = record(gql, world, kind="warning", probationYears=None, decidedOn="2020-05-01")[
        "sanction"
    ]
    assert warning["effectiveUntil"] is None and warning["underPartyProbation"] is False
    member = gql(SANCTIONS, {"id": world.gid("Member", "zhang")})["node"]
    assert [x["kind"] for x in member["sanctions"]] == [
        "party_probation",
        "warning",
    ]  # newest first
    # rights are restored only after the period, by a decision
    early = gql(LIFT, {"input": {"id": s["id"], "liftedOn": "2026-03-05"}})["liftMemberSanction"]
    assert (early["__typename"], early["code"], early["field"]) == (
        "RuleViolation",
        "R-DISC-03",
        "liftedOn",
    )
    clock.today = date(2027, 3, 10)
    out = gql(
        LIFT,
        {
            "input": {
                "id": s["id"],
                "version": s["version"],
                "liftedOn": "2027-03-01",
                "document": "岷纪发〔2027〕8号",
            }
        },
    )["liftMemberSanction"]
    assert (
        out["__typename"] == "MemberSanctionPayload"
        and out["sanction"]["underPartyProbation"] is False
    )
    twice = gql(LIFT, {"input": {"id": s["id"], "liftedOn": "2027-03-02"}})["liftMemberSanction"]
    assert twice["code"] == "R-DISC-03"
    not_probation = gql(LIFT, {"input": {"id": warning["id"], "liftedOn": "2027-03-02"}})[
        "liftMemberSanction"
    ]
    assert (not_probation["code"], not_probation["field"]) == ("R-DISC-03", "id")
    history = gql(SANCTIONS, {"id": world.gid("Member", "zhang")})["node"]["sanctions"][0][
        "history"
    ]
    assert [h["action"] for h in history] == ["sanction.lift", "sanction.record"]


@pytest.mark.parametrize(
    ("code", "field", "fields"),
    [
        ("R-DISC-01", "decidedOn", {"decidedOn": "2026-12-01"}),
        ("R-DISC-01", "effectiveFrom", {"effectiveFrom": "2026-02-01"}),
        ("R-DISC-01", "effectiveFrom", {"effectiveFrom": "2026-12-01"}),
        ("R-DISC-02", "probationYears", {"probationYears": 3}),
        ("R-DISC-02", "probationYears", {"probationYears": None}),
        ("R-DISC-02", "probationYears", {"kind": "serious_warning", "probationYears": 1}),
        ("INVALID_INPUT", "decidedBy", {"decidedBy": " "}),
    ],
)
def test_refusals_change_nothing(gql, world, session_factory, code, field, fields) -> None:  # type: ignore[no-untyped-def]
    before = counts(session_factory)
    out = record(gql, world, **fields)
    assert out["__typename"] == "RuleViolation", out
    assert (out["code"], out["field"]) == (code, field)
    assert counts(session_factory) == before


def test_withdraw_keeps_the_record(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    s = record(gql, world)["sanction"]
    before = counts(session_factory)
    no_reason = gql(WITHDRAW, {"input": {"id": s["id"], "reason": ""}})["withdrawMemberSanction"]
    assert (no_reason["__typename"], no_reason["field"]) == ("RuleViolation", "reason")
    stale = gql(
        WITHDRAW, {"input": {"id": s["id"], "version": s["version"] + 1, "reason": "复查撤销"}}
    )["withdrawMemberSanction"]
    assert stale["__typename"] == "Conflict"
    assert counts(session_factory) == before
    out = gql(
        WITHDRAW, {"input": {"id": s["id"], "version": s["version"], "reason": "经复查撤销处分"}}
    )["withdrawMemberSanction"]
    assert (
        out["sanction"]["withdrawnReason"] == "经复查撤销处分"
        and out["sanction"]["underPartyProbation"] is False
    )
    again = gql(WITHDRAW, {"input": {"id": s["id"], "reason": "again"}})["withdrawMemberSanction"]
    assert again["code"] == "R-DISC-04"
    member = gql(SANCTIONS, {"id": world.gid("Member", "zhang")})["node"]
    assert member["sanctions"][0]["withdrawnAt"]  # kept, marked


def test_scope(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    s = record(gql, world, user="township")["sanction"]
    before = counts(session_factory)
    assert gql(SANCTIONS, {"id": world.gid("Member", "zhang")}, user="township2")["node"] is None
    assert (
        gql("query($id: ID!) { node(id: $id) { id } }", {"id": s["id"]}, user="township2")["node"]
        is None
    )
    assert record(gql, world, user="township2")["__typename"] == "NotFound"
    assert (
        gql(WITHDRAW, {"input": {"id": s["id"], "reason": "x"}}, user="township2")[
            "withdrawMemberSanction"
        ]["__typename"]
        == "NotFound"
    )
    assert record(gql, world, user="viewer")["__typename"] == "NotAllowed"
    assert counts(session_factory) == before
    assert (
        gql("query($id: ID!) { node(id: $id) { id } }", {"id": s["id"]}, user="village")["node"][
            "id"
        ]
        == s["id"]
    )


# --- R-DEV-09 --------------------------------------------------------------------------------


@pytest.fixture
def p(gql, world, clock) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(gql, world, clock)


def test_r_dev_09_introducer_under_party_probation_is_refused(
    p, gql, world, clock, session_factory
) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "introducers_assigned")  # the clock stands at 2024-04-20
    s = record(gql, world, "zhang", decidedOn="2024-03-01", probationYears=2)["sanction"]
    before = state(p, session_factory)
    out = p.step(
        "introducers_assigned",
        "2024-04-20",
        introducerIds=[world.gid("Member", "zhang"), world.gid("Member", "li")],
    )
    assert (
        out["__typename"] == "RuleViolation"
        and out["code"] == "R-DEV-09"
        and out["field"] == "data.introducers"
    ), out
    assert "留党察看" in out["message"] and "probation within the party" in out["messageEn"]
    assert state(p, session_factory) == before  # nothing changed
    # once the sanction is withdrawn (revoked on review), the same introducers are accepted
    out = gql(WITHDRAW, {"input": {"id": s["id"], "reason": "经复查撤销"}})[
        "withdrawMemberSanction"
    ]
    assert out["__typename"] == "MemberSanctionPayload"
    p.ok(
        "introducers_assigned",
        "2024-04-20",
        introducerIds=[world.gid("Member", "zhang"), world.gid("Member", "li")],
    )


def test_r_dev_09_reads_the_introduction_day(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "introducers_assigned")
    # rights restored before the introduction: accepted
    clock.today = date(2024, 4, 20)
    s = record(gql, world, "zhang", decidedOn="2021-01-10", probationYears=1)["sanction"]
    assert (
        gql(LIFT, {"input": {"id": s["id"], "liftedOn": "2022-02-01"}})["liftMemberSanction"][
            "__typename"
        ]
        == "MemberSanctionPayload"
    )
    # a period over but no restoring decision recorded: still under 留党察看 (the stricter reading)
    r = record(gql, world, "li", decidedOn="2022-01-10", probationYears=1)["sanction"]
    out = p.step(
        "introducers_assigned",
        "2024-04-20",
        introducerIds=[world.gid("Member", "zhang"), world.gid("Member", "li")],
    )
    assert out["code"] == "R-DEV-09" and "李四 受留党察看处分" in out["message"]
    assert (
        gql(LIFT, {"input": {"id": r["id"], "liftedOn": "2023-02-01"}})["liftMemberSanction"][
            "__typename"
        ]
        == "MemberSanctionPayload"
    )
    p.ok(
        "introducers_assigned",
        "2024-04-20",
        introducerIds=[world.gid("Member", "zhang"), world.gid("Member", "li")],
    )


def test_r_dev_05_contact_under_party_probation(p, gql, world, clock, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "contacts_assigned")  # 2023-04-10
    record(gql, world, "li", decidedOn="2023-01-05", probationYears=1)
    before = state(p, session_factory)
    out = p.step("contacts_assigned", "2023-04-10", contactIds=[world.gid("Member", "li")])
    assert out["code"] == "R-DEV-05" and "留党察看" in out["message"]
    assert state(p, session_factory) == before
    # a sanction that takes effect after the step's day does not matter
    clock.today = date(2023, 6, 1)
    record(gql, world, "zhang", decidedOn="2023-05-01", probationYears=1)
    p.ok("contacts_assigned", "2023-04-10", contactIds=[world.gid("Member", "zhang")])
