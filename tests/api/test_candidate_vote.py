"""recordCandidateVote: a vote step and its branch general meeting in one transaction, on
both databases: a refusal (of the tally or of the step) leaves no meeting behind."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from partygraph.models.meeting import Meeting, MeetingDecision
from tests.api.test_candidate import Pipeline, run_until, state

VOTE = """
mutation($input: RecordCandidateVoteInput!) {
  recordCandidateVote(input: $input) {
    __typename
    ... on CandidateVotePayload { candidate { stage version } step { step on data } meeting { id heldOn kind decisions { subject shouldAttend present yes valid passed } } }
    ... on Error { code message field }
  }
}"""


@pytest.fixture
def p(gql, world, clock) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(gql, world, clock)


def meetings(session_factory: Any) -> tuple[int, int]:
    with session_factory() as s:
        return (
            s.execute(select(func.count()).select_from(Meeting)).scalar_one(),
            s.execute(select(func.count()).select_from(MeetingDecision)).scalar_one(),
        )


def vote(p: Pipeline, on: str, **fields: Any) -> dict[str, Any]:
    p.clock.today = max(p.clock.today, date.fromisoformat(on))
    inp = {
        "candidateId": p.id,
        "step": "admission_vote",
        "on": on,
        "present": 2,
        "yes": 2,
        "place": "村委会会议室",
        **fields,
    }
    return p.gql(VOTE, {"input": inp}, user="village")["recordCandidateVote"]


def test_refused_step_leaves_no_meeting(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    p.apply()  # an applicant: a vote now is out of order
    before = (state(p, session_factory), meetings(session_factory))
    out = vote(p, "2023-03-10")
    assert (out["__typename"], out["code"]) == ("RuleViolation", "R-DEV-00"), out
    assert (state(p, session_factory), meetings(session_factory)) == before


def test_refused_tally_names_the_vote_fields(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_vote")
    before = (state(p, session_factory), meetings(session_factory))
    out = vote(p, "2024-07-01", present=3, shouldAttend=2)
    assert (out["code"], out["field"]) == ("R-VOTE-00", "present"), out
    # a failed vote is recorded by the meeting but refused as a step: neither stays
    out = vote(p, "2024-07-01", present=2, yes=1, no=1)
    assert out["code"] == "R-VOTE-02", out
    # the meeting cannot precede the file's previous step
    out = vote(p, "2024-06-20")
    assert (out["code"], out["field"]) == ("R-DEV-00", "on"), out
    assert (state(p, session_factory), meetings(session_factory)) == before


def test_vote_records_meeting_and_step_together(p, session_factory) -> None:  # type: ignore[no-untyped-def]
    run_until(p, "admission_vote")
    before = meetings(session_factory)
    version = p.reload()["version"]
    out = vote(p, "2024-07-01", version=version, chair="李四")
    assert out["__typename"] == "CandidateVotePayload", out
    assert out["step"]["step"] == "admission_vote" and out["step"]["data"]["meeting_id"]
    d = out["meeting"]["decisions"][0]
    assert (out["meeting"]["kind"], out["meeting"]["heldOn"], d["subject"], d["shouldAttend"], d["valid"], d["passed"]) == (
        "general_meeting", "2024-07-01", "admission", 2, True, True,
    )  # fmt: skip
    assert meetings(session_factory) == (before[0] + 1, before[1] + 1)
    stale = vote(p, "2024-07-01", version=version)
    assert stale["__typename"] in ("Conflict", "RuleViolation")
    assert meetings(session_factory) == (before[0] + 1, before[1] + 1)
