"""R-DEV-09 on the day of the admission vote, through the API on both databases.

The introducers are checked when they are assigned and again when the branch general
meeting votes on the admission (recordCandidateStep and the one-transaction
recordCandidateVote): an introducer sanctioned (留党察看) since, off the roster (died,
transferred out) or no longer a full member refuses the vote with R-DEV-09, naming the
introducer and why, and nothing changes; the clerk assigns the introducers again (the
latest assignment is in force, the history names both pairs) and the vote goes through.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from strawberry.relay import GlobalID

from tests.api.test_candidate import Pipeline, run_until, state
from tests.api.test_candidate_vote import VOTE, meetings

SANCTION = """
mutation($input: RecordMemberSanctionInput!) {
  recordMemberSanction(input: $input) { __typename ... on Error { code message } }
}"""
STATUS = """
mutation($input: ChangeMemberStatusInput!) {
  changeMemberStatus(input: $input) { __typename ... on Error { code message } }
}"""
TRANSFER_OUT = """
mutation($input: TransferOutInput!) {
  transferOut(input: $input) { __typename ... on Error { code message } }
}"""
SEND = """
mutation($input: SendTransferInput!) {
  sendTransfer(input: $input) { __typename ... on TransferPayload { transfer { id version } } ... on Error { code message } }
}"""
DECIDE = """
mutation($input: DecideTransferInput!) {
  decideTransfer(input: $input) { __typename ... on Error { code message } }
}"""
REGISTER = """
mutation($input: RegisterMemberInput!) {
  registerMember(input: $input) { __typename ... on MemberPayload { member { id } } ... on Error { code message } }
}"""
VERSION = "query($id: ID!) { node(id: $id) { ... on Member { version } } }"
HISTORY = """
query($id: ID!) { node(id: $id) { ... on Candidate { history { action before after } } } }"""

VOTE_DAY = "2024-07-01"


@pytest.fixture
def p(gql, world, clock) -> Pipeline:  # type: ignore[no-untyped-def]
    """A development target whose application form is filled (2024-06-24), introduced by
    张三 and 李四 on 2024-04-20: the admission vote is next."""
    pipeline = Pipeline(gql, world, clock)
    run_until(pipeline, "admission_vote")
    return pipeline


def member_version(p: Pipeline, key: str) -> int:
    return p.gql(VERSION, {"id": p.world.gid("Member", key)})["node"]["version"]  # type: ignore[no-any-return]


def sanction(p: Pipeline, key: str, decided_on: str) -> None:
    p.clock.today = max(p.clock.today, date.fromisoformat(decided_on))
    inp = {
        "memberId": p.world.gid("Member", key),
        "kind": "party_probation",
        "decidedOn": decided_on,
        "probationYears": 1,
        "decidedBy": "岷江县纪委",
    }
    assert (
        p.gql(SANCTION, {"input": inp})["recordMemberSanction"]["__typename"]
        == "MemberSanctionPayload"
    )


def change_status(p: Pipeline, key: str, to: str, on: str) -> None:
    p.clock.today = max(p.clock.today, date.fromisoformat(on))
    inp = {
        "id": p.world.gid("Member", key),
        "version": member_version(p, key),
        "toStatus": to,
        "on": on,
        "reason": "据实记录",
    }
    out = p.gql(STATUS, {"input": inp})["changeMemberStatus"]
    assert out["__typename"] == "MemberPayload", out


def vote_step(p: Pipeline, on: str = VOTE_DAY) -> dict[str, Any]:
    """The vote as two calls: the meeting with its tally, then the step citing it (who should
    attend as the clerk counts them: the default reads today's roster)."""
    decision = p.meeting(on, "admission", shouldAttend=2)
    return p.step("admission_vote", on, decisionId=decision["id"])


def vote_together(p: Pipeline, on: str = VOTE_DAY, **tally: Any) -> dict[str, Any]:
    p.clock.today = max(p.clock.today, date.fromisoformat(on))
    inp = {
        "candidateId": p.id,
        "step": "admission_vote",
        "on": on,
        "present": 2,
        "yes": 2,
        "place": "村委会会议室",
        **tally,
    }
    return p.gql(VOTE, {"input": inp}, user="village")["recordCandidateVote"]  # type: ignore[no-any-return]


def refused_both_ways(p: Pipeline, session_factory: Any, *words: str) -> dict[str, Any]:
    """Both vote mutations refuse with R-DEV-09 naming the introducer and why; nothing changes
    (the one-transaction vote leaves no meeting behind)."""
    before = (state(p, session_factory), meetings(session_factory))
    together = vote_together(p)
    assert (together["__typename"], together["code"], together["field"]) == (
        "RuleViolation",
        "R-DEV-09",
        "data.introducers",
    ), together
    assert (state(p, session_factory), meetings(session_factory)) == before
    # the meeting recorded on its own (who should attend as the clerk counts them): its step is refused
    decision = p.meeting(VOTE_DAY, "admission", shouldAttend=2)
    before = (state(p, session_factory), meetings(session_factory))
    out = p.step("admission_vote", VOTE_DAY, decisionId=decision["id"])
    assert (out["__typename"], out["code"], out["field"]) == (
        "RuleViolation",
        "R-DEV-09",
        "data.introducers",
    ), out
    assert (state(p, session_factory), meetings(session_factory)) == before
    for text in (f"支部党员大会讨论之日（{VOTE_DAY}）", "须先重新确定入党介绍人", *words):
        assert text in out["message"] and text in together["message"], out["message"]
    assert "assign another introducer first" in out["messageEn"]
    return out


def test_introducer_sanctioned_after_the_assignment_refuses_the_vote_until_replaced(
    p, gql, world, session_factory
) -> None:  # type: ignore[no-untyped-def]
    sanction(p, "zhang", "2024-06-26")  # 留党察看 two months after introducing
    out = refused_both_ways(p, session_factory, "张三 受留党察看处分、尚未恢复党员权利")
    assert "张三 is under probation within the party" in out["messageEn"]
    # a replacement: a third full member of the branch joins 李四
    reg = gql(
        REGISTER,
        {
            "input": {
                "orgId": world.gid("Organization", "V1"),
                "name": "周八",
                "gender": "male",
                "birthDate": "1975-02-02",
                "education": "senior_high",
                "joinedOn": "2001-07-01",
                "convertedOn": "2002-07-01",
            }
        },
    )["registerMember"]
    zhou = reg["member"]["id"]
    zhou_id = int(GlobalID.from_id(zhou).node_id)
    p.ok(
        "introducers_assigned",
        VOTE_DAY,
        introducerIds=[world.gid("Member", "li"), zhou],
        reason="原介绍人张三受留党察看处分，另行确定",
    )
    # the sanctioned one cannot come back as a replacement either (checked on the assignment's day)
    again = p.step(
        "introducers_assigned", VOTE_DAY, introducerIds=[world.gid("Member", "zhang"), zhou]
    )
    assert again["code"] == "R-DEV-09" and "张三 受留党察看处分" in again["message"]
    out = vote_together(p)
    assert out["__typename"] == "CandidateVotePayload", out
    assert out["step"]["data"]["introducers_at_vote"] == [
        {
            "key": str(world.members["li"]),
            "member_id": world.members["li"],
            "name": "李四",
            "standing": "full",
        },
        {"key": str(zhou_id), "member_id": zhou_id, "name": "周八", "standing": "full"},
    ]
    introducers = [r for r in p.reload()["timeline"] if r["step"] == "introducers_assigned"]
    assert [[x["name"] for x in r["data"]["introducers"]] for r in introducers] == [
        ["张三", "李四"],
        ["李四", "周八"],
    ]
    # the replacement is audited with both pairs and its reason
    history = gql(HISTORY, {"id": p.id})["node"]["history"]
    # newest first
    replaced = next(h for h in history if h["action"] == "candidate.step.introducers_assigned")
    assert replaced["before"]["introducers"] == ["张三", "李四"]
    assert replaced["after"]["introducers"] == ["李四", "周八"]
    assert replaced["after"]["step"]["reason"] == "原介绍人张三受留党察看处分，另行确定"


@pytest.mark.parametrize(
    ("change", "words", "words_en"),
    [
        (
            ("deceased", "2024-06-28"),
            "李四 已不在党员名册中（已去世）",
            "李四 is no longer on the roster (Deceased)",
        ),
        (
            ("suspended", "2024-06-28"),
            "李四 不是正式党员（停止党籍）",
            "李四 is not a full member (Membership suspended)",
        ),
        (
            ("transfer_out", "2024-06-28"),
            "李四 已不在党员名册中（已转出）",
            "李四 is no longer on the roster (Transferred out)",
        ),
    ],
)
def test_introducer_off_the_roster_or_no_longer_full_refuses_the_vote(
    p, gql, world, session_factory, change, words, words_en
) -> None:  # type: ignore[no-untyped-def]
    to, on = change
    if to == "transfer_out":
        p.clock.today = date.fromisoformat(on)
        inp = {
            "memberId": world.gid("Member", "li"),
            "version": member_version(p, "li"),
            "externalOrgName": "成都市某街道党工委",
            "letterNumber": "岷组转〔2024〕12号",
            "on": on,
            "reason": "工作调动",
        }
        assert gql(TRANSFER_OUT, {"input": inp})["transferOut"]["__typename"] == "TransferPayload"
    else:
        change_status(p, "li", to, on)
    out = refused_both_ways(p, session_factory, words)
    assert words_en in out["messageEn"]


def test_the_vote_reads_the_standing_on_its_own_day(p, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    """A vote recorded late: what happened to an introducer after the meeting's day does not
    matter, nor a sanction taking effect after it."""
    clock.today = date(2024, 7, 20)
    change_status(p, "li", "deceased", "2024-07-10")
    sanction(p, "zhang", "2024-07-05")
    out = vote_step(p)
    assert out["__typename"] == "CandidateStepPayload", out
    vote = [r for r in out["candidate"]["timeline"] if r["step"] == "admission_vote"][0]
    assert [x["standing"] for x in vote["data"]["introducers_at_vote"]] == ["full", "full"]


def test_an_introducer_transferred_out_of_the_clerks_scope_is_still_judged(
    p, gql, world, clock
) -> None:  # type: ignore[no-untyped-def]
    """张三 moved to another township's branch: the village clerk no longer sees him, yet the
    vote reads his standing (full) instead of failing as not found."""
    clock.today = date(2024, 6, 26)
    sent = gql(
        SEND,
        {
            "input": {
                "memberId": world.gid("Member", "zhang"),
                "toOrgCode": "V3",
                "on": "2024-06-25",
                "reason": "迁居",
            }
        },
    )["sendTransfer"]
    assert sent["__typename"] == "TransferPayload", sent
    t = sent["transfer"]
    out = gql(
        DECIDE,
        {"input": {"id": t["id"], "version": t["version"], "accept": True, "on": "2024-06-26"}},
        user="township2",
    )["decideTransfer"]
    assert out["__typename"] == "TransferPayload", out
    out = vote_together(p, present=1, yes=1)  # 李四 is the branch's one full member now
    assert out["__typename"] == "CandidateVotePayload", out
    assert [x["name"] for x in out["step"]["data"]["introducers_at_vote"]] == ["张三", "李四"]


def test_introducers_are_replaced_only_before_the_vote(p, gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    """Once the branch resolved to admit, the introducers have done their part: a new
    assignment is out of order (until the resolution lapses and the branch votes again)."""
    assert vote_together(p)["__typename"] == "CandidateVotePayload"
    assert [n["step"] for n in p.reload()["nextSteps"]] == ["approval_talk"]
    before = state(p, session_factory)
    out = p.step(
        "introducers_assigned",
        "2024-07-02",
        introducerIds=[world.gid("Member", "zhang"), world.gid("Member", "li")],
    )
    assert (out["code"], out["field"]) == ("R-DEV-00", "step"), out
    assert "2024-07-01" in out["message"]
    assert state(p, session_factory) == before
