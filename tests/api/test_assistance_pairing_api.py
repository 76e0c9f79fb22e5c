"""Pairings (结对帮扶) over the API: a promise recorded as broken (未兑现) is decided and leaves
R-AID-16; a missing side of a new pairing is named on its own field; a case lists its pairings
(one statement for any number of cases); a pairing's history. Both databases."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from strawberry.relay import GlobalID

from partygraph.models.assistance import Pairing, Promise
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests.api.test_assistance import helping_case
from tests.conftest import system_context

CREATE = """mutation($i: CreatePairingInput!) { createPairing(input: $i) { __typename
  ... on PairingPayload { pairing { id version } }
  ... on Error { code field message } } }"""
ADD = """mutation($i: AddPromiseInput!) { addPromise(input: $i) { __typename
  ... on PromisePayload { promise { id version } } ... on Error { code field } } }"""
BREAK = """mutation($i: BreakPromiseInput!) { breakPromise(input: $i) { __typename
  ... on PromisePayload { promise { id version broken brokenOn kept overdue outcome outcomeLabel outcomeNote } }
  ... on Error { code field message messageEn } } }"""
KEEP = """mutation($i: KeepPromiseInput!) { keepPromise(input: $i) { __typename
  ... on PromisePayload { promise { kept } } ... on Error { code field messageEn } } }"""
ALERTS = "query($c: ID!) { assistanceAlerts(under: $c) { code title } }"


def gid(type_name: str, ident: int) -> str:
    return str(GlobalID(type_name, str(ident)))


def agency_helpers(
    session_factory: Any, settings: Any, clock: Any, world: Any
) -> tuple[int, list[int]]:
    """An agency branch (机关党支部) under township T1 with two members, 周八 and 吴九."""
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        agency = orgs.create(
            ctx,
            parent_id=world.ids["T1"],
            code="A1",
            name="威州镇机关党支部",
            kind="branch",
            branch_type="agency",
        )
        helpers = [
            members.register(ctx, org_id=agency.id, name=name, gender="male", birth_date=date(1985, 1, 1), education="bachelor",
                             joined_on=date(2010, 7, 1), converted_on=date(2011, 7, 1)).id
            for name in ("周八", "吴九")
        ]  # fmt: skip
        s.commit()
        return agency.id, helpers  # type: ignore[return-value]


def member_pairing(gql: Any, case: str, helper: int, started: str = "2026-02-15") -> str:
    r = gql(
        CREATE,
        {
            "i": {
                "kind": "members",
                "startedOn": started,
                "caseId": case,
                "helperMemberId": gid("Member", helper),
            }
        },
        user="township",
    )
    assert r["createPairing"]["__typename"] == "PairingPayload", r
    return r["createPairing"]["pairing"]["id"]


def promise_row(session_factory: Any) -> Promise:
    with session_factory() as s:
        return s.execute(select(Promise)).scalar_one()


def test_a_promise_recorded_broken_is_decided(gql, world, session_factory, settings, clock) -> None:
    _, (helper, _) = agency_helpers(session_factory, settings, clock, world)
    case = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    pairing = member_pairing(gql, case, helper)
    made = gql(
        ADD,
        {
            "i": {
                "pairingId": pairing,
                "text": "引进花椒深加工项目",
                "madeOn": "2026-03-01",
                "dueOn": "2026-06-30",
            }
        },
        user="township",
    )
    promise = made["addPromise"]["promise"]
    t1 = world.gid("Organization", "T1")
    assert {"code": "R-AID-16", "title": "引进花椒深加工项目"} in gql(
        ALERTS, {"c": t1}, user="township"
    )["assistanceAlerts"]

    def attempt(user: str = "township", **changes: Any) -> dict[str, Any]:
        values = {
            "id": promise["id"],
            "version": promise["version"],
            "brokenOn": "2026-08-01",
            "reason": "资金未落实，项目取消",
        }
        return gql(BREAK, {"i": {**values, **changes}}, user=user)["breakPromise"]

    # Every refusal is typed, names its field and changes nothing.
    refused = [
        (attempt(reason="  "), "RuleViolation", "INVALID_INPUT", "reason"),
        (attempt(brokenOn="2026-02-01"), "RuleViolation", "INVALID_DATE", "brokenOn"),
        (attempt(brokenOn="2026-12-01"), "RuleViolation", "INVALID_DATE", "brokenOn"),
        (attempt(version=7), "Conflict", "CONFLICT", None),
        (attempt(user="viewer"), "NotAllowed", None, None),
        (attempt(user="township2"), "NotFound", None, None),
    ]
    for answer, typename, code, field in refused:
        assert answer["__typename"] == typename, answer
        if code:
            assert answer["code"] == code, answer
        if field:
            assert answer["field"] == field, answer
    assert refused[1][0]["messageEn"] == "Date recorded cannot precede the promise"
    row = promise_row(session_factory)
    assert (row.broken_on, row.outcome_note, row.version) == (None, None, 1)

    done = attempt()
    assert done["promise"] == {
        "id": promise["id"], "version": 2, "broken": True, "brokenOn": "2026-08-01", "kept": False, "overdue": False,
        "outcome": "BROKEN", "outcomeLabel": "未兑现", "outcomeNote": "资金未落实，项目取消",
    }  # fmt: skip
    # Decided: no longer an R-AID-16 alert, for the API and for the dashboard's alert list.
    assert all(
        a["code"] != "R-AID-16" for a in gql(ALERTS, {"c": t1}, user="township")["assistanceAlerts"]
    )
    all_alerts = gql(
        "query($c: ID!) { allAlerts(under: $c) { code } }", {"c": t1}, user="township"
    )["allAlerts"]
    assert all(a["code"] != "R-AID-16" for a in all_alerts)
    # Decided once: neither kept afterwards nor broken twice.
    kept = gql(
        KEEP, {"i": {"id": promise["id"], "version": 2, "keptOn": "2026-09-01"}}, user="township"
    )["keepPromise"]
    assert (kept["code"], kept["field"], kept["messageEn"]) == (
        "INVALID_INPUT",
        "keptOn",
        "The promise is already recorded as broken",
    )
    again = gql(
        BREAK,
        {"i": {"id": promise["id"], "version": 2, "brokenOn": "2026-09-01", "reason": "再记"}},
        user="township",
    )["breakPromise"]
    assert (again["code"], again["field"]) == ("INVALID_INPUT", "brokenOn")
    assert promise_row(session_factory).broken_on == date(2026, 8, 1)

    en = gql(
        "query($id: ID!) { node(id: $id) { ... on Promise { outcomeLabel } } }",
        {"id": promise["id"]},
        user="township",
        lang="en",
    )
    assert en["node"]["outcomeLabel"] == "Broken"
    # The pairing's history holds the promise's changes, newest first, with the reason.
    history = gql(
        "query($id: ID!) { node(id: $id) { ... on Pairing { history { action actorName after } } } }",
        {"id": pairing},
        user="township",
    )
    events = history["node"]["history"]
    assert [e["action"] for e in events] == ["promise.break", "promise.add", "pairing.create"]
    assert (
        events[0]["actorName"] == "township"
        and events[0]["after"]["reason"] == "资金未落实，项目取消"
    )
    assert (
        gql(
            "query($id: ID!) { node(id: $id) { ... on Pairing { id } } }",
            {"id": pairing},
            user="township2",
        )["node"]
        is None
    )


def test_a_kept_promise_cannot_be_recorded_broken(
    gql, world, session_factory, settings, clock
) -> None:
    _, (helper, _) = agency_helpers(session_factory, settings, clock, world)
    case = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    pairing = member_pairing(gql, case, helper)
    promise = gql(
        ADD,
        {
            "i": {
                "pairingId": pairing,
                "text": "每季度入户走访",
                "madeOn": "2026-03-01",
                "dueOn": "2026-12-31",
            }
        },
        user="township",
    )["addPromise"]["promise"]
    gql(KEEP, {"i": {"id": promise["id"], "version": 1, "keptOn": "2026-10-01"}}, user="township")
    refused = gql(
        BREAK,
        {"i": {"id": promise["id"], "version": 2, "brokenOn": "2026-10-02", "reason": "x"}},
        user="township",
    )["breakPromise"]
    assert (refused["code"], refused["field"], refused["messageEn"]) == (
        "INVALID_INPUT",
        "brokenOn",
        "The promise is already kept",
    )
    outcome = gql(
        "query($id: ID!) { node(id: $id) { ... on Promise { outcome broken } } }",
        {"id": promise["id"]},
        user="township",
    )["node"]
    assert outcome == {"outcome": "KEPT", "broken": False}


def test_a_missing_side_of_a_pairing_is_named_on_its_field(
    gql, world, session_factory, settings, clock
) -> None:
    agency, (helper, _) = agency_helpers(session_factory, settings, clock, world)
    case = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    base = {"startedOn": "2026-02-15"}
    cases = [
        (
            {"kind": "members", "caseId": case},
            "helperMemberId",
            "须选择帮扶人（机关党员）（R-AID-14）",
        ),
        (
            {"kind": "members", "helperMemberId": gid("Member", helper)},
            "caseId",
            "须选择帮扶对象（R-AID-14）",
        ),
        (
            {"kind": "branches", "villageOrgId": world.gid("Organization", "V1")},
            "agencyOrgId",
            "须选择机关党支部（R-AID-14）",
        ),
        (
            {"kind": "branches", "agencyOrgId": gid("Organization", agency)},
            "villageOrgId",
            "须选择村（社区）党支部（R-AID-14）",
        ),
    ]
    for given, field, message in cases:
        answer = gql(CREATE, {"i": {**base, **given}}, user="township")["createPairing"]
        assert (answer["code"], answer["field"], answer["message"]) == (
            "R-AID-14",
            field,
            message,
        ), given
    with session_factory() as s:
        assert s.execute(select(Pairing)).first() is None


CASE_PAIRINGS = """query { assistanceCases(first: 50) { nodes { member { name }
  pairings { id startedOn endedOn helper { name } promises { text broken } } } } }"""


def test_a_case_lists_its_pairings_in_one_statement(
    gql, world, session_factory, settings, clock, sql_counter
) -> None:
    agency, (zhou, wu) = agency_helpers(session_factory, settings, clock, world)
    wang = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    second = member_pairing(gql, wang, wu, started="2026-03-01")
    first = member_pairing(gql, wang, zhou, started="2026-02-15")
    gql(
        ADD,
        {
            "i": {
                "pairingId": first,
                "text": "帮助联系销路",
                "madeOn": "2026-03-01",
                "dueOn": "2026-12-31",
            }
        },
        user="township",
    )
    # A pairing of branches names no case: it is no case's.
    gql(
        CREATE,
        {
            "i": {
                "kind": "branches",
                "startedOn": "2026-02-01",
                "agencyOrgId": gid("Organization", agency),
                "villageOrgId": world.gid("Organization", "V2"),
            }
        },
        user="township",
    )
    before = sql_counter.count
    nodes = gql(CASE_PAIRINGS, user="township")["assistanceCases"]["nodes"]
    statements = sql_counter.count - before
    assert nodes == [{"member": {"name": "王五"}, "pairings": [
        {"id": first, "startedOn": "2026-02-15", "endedOn": None, "helper": {"name": "周八"}, "promises": [{"text": "帮助联系销路", "broken": False}]},
        {"id": second, "startedOn": "2026-03-01", "endedOn": None, "helper": {"name": "吴九"}, "promises": []},
    ]}]  # fmt: skip
    # More cases, more pairings: the same number of statements (one per level, never one per case).
    zhang = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["zhang"])
    )
    helping_case(session_factory, settings, clock, world.members["li"])
    member_pairing(gql, zhang, wu)
    before = sql_counter.count
    nodes = gql(CASE_PAIRINGS, user="township")["assistanceCases"]["nodes"]
    assert sql_counter.count - before == statements
    assert sorted(len(n["pairings"]) for n in nodes) == [0, 1, 2]
    # Scoped: the village sees its own case's pairing; the other township sees neither case nor pairing.
    own = gql(
        "query($id: ID!) { node(id: $id) { ... on AssistanceCase { pairings { helper { name } } } } }",
        {"id": zhang},
        user="village",
    )
    assert own["node"]["pairings"] == [
        {"helper": None}
    ]  # the helper's agency branch is outside the village
    assert (
        gql(
            "query($id: ID!) { node(id: $id) { ... on AssistanceCase { id } } }",
            {"id": zhang},
            user="township2",
        )["node"]
        is None
    )
