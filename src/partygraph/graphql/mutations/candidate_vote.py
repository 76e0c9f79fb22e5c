"""One mutation for a vote step and the branch general meeting that voted: recorded together
or not at all (a step the rules refuse leaves no meeting behind)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.errors import MutationError, run_mutation
from partygraph.graphql.mutations.candidate import step_input
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.types.candidate import (
    CandidateStepRecord,
    CandidateType,
    MeetingType,
    StepKind,
)
from partygraph.graphql.types.common import resolves_as
from partygraph.services import candidate as service


@strawberry.type
class CandidateVotePayload:
    candidate: CandidateType
    step: CandidateStepRecord
    meeting: MeetingType


RecordCandidateVoteResult = Annotated[CandidateVotePayload | MutationError, strawberry.union("RecordCandidateVoteResult")]


@strawberry.input(
    description="admission_vote or conversion_vote with its branch general meeting (secret ballot) and tally. "
    "Errors of the tally name these fields (present, yes, shouldAttend…)."
)
class RecordCandidateVoteInput:
    candidate_id: relay.GlobalID
    version: int | None = strawberry.field(
        default=None, description="The version you read; stale → Conflict."
    )
    step: StepKind
    on: date = strawberry.field(description="The meeting's day, which is the step's.")
    place: str | None = None
    chair: str | None = None
    should_attend: int | None = strawberry.field(
        default=None, description="Default: the branch's full members on the day."
    )
    present: int
    yes: int = 0
    no: int = 0
    abstain: int = 0
    written_opinions: int = 0
    outcome: str | None = strawberry.field(
        default=None, description="conversion_vote: convert / extend / cancel."
    )
    extension_months: int | None = None
    leaving_unit_on: date | None = None
    special_reason: str | None = None
    note: str | None = None
    documents: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class CandidateVoteMutation:
    @strawberry.mutation(
        description="Record a vote step together with its general meeting, in one transaction."
    )
    def record_candidate_vote(
        self, info: Info, input: RecordCandidateVoteInput
    ) -> RecordCandidateVoteResult:
        def use_case(ctx):
            s = step_input(input, input.step.value)
            vote = service.VoteInput(
                present=input.present,
                yes=input.yes,
                no=input.no,
                abstain=input.abstain,
                written_opinions=input.written_opinions,
                should_attend=input.should_attend,
                place=input.place,
                chair=input.chair,
            )
            cid = db_id(input.candidate_id, "Candidate", "candidateId")
            cand, row, meeting = service.record_vote(ctx, cid, s, vote, version=input.version)
            return CandidateVotePayload(
                candidate=resolves_as(CandidateType, cand), step=CandidateStepRecord.from_row(row), meeting=resolves_as(MeetingType, meeting)
            )

        return run_mutation(info, use_case)
