"""Mutations of the candidate pipeline: apply, record a step, record a meeting, exits."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_mutation
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.types.candidate import (
    CandidateStepRecord,
    CandidateType,
    DecisionSubject,
    MeetingKind,
    MeetingType,
    Recommendation,
    StepKind,
)
from partygraph.graphql.types.common import resolves_as
from partygraph.rules.candidate import EXIT_STEPS, Step
from partygraph.rules.candidate_steps import Kind, camel, field_kinds
from partygraph.services import candidate as service
from partygraph.services import meeting as meetings


@strawberry.enum(description="Ways a file ends before full membership.")
class ExitStep(Enum):
    WITHDRAW = Step.withdraw.value
    REMOVE_FROM_POOL = Step.remove_from_pool.value
    NOT_ADMITTED = Step.not_admitted.value
    CANCEL_PROBATION = Step.cancel_probation.value


assert {e.value for e in ExitStep} == {s.value for s in EXIT_STEPS}


@strawberry.type
class CandidatePayload:
    candidate: CandidateType


@strawberry.type
class CandidateStepPayload:
    candidate: CandidateType
    step: CandidateStepRecord


@strawberry.type
class MeetingPayload:
    meeting: MeetingType


ApplyForMembershipResult = Annotated[CandidatePayload | MutationError, strawberry.union("ApplyForMembershipResult")]
RecordCandidateStepResult = Annotated[CandidateStepPayload | MutationError, strawberry.union("RecordCandidateStepResult")]
RecordMeetingResult = Annotated[MeetingPayload | MutationError, strawberry.union("RecordMeetingResult")]
ExitCandidateResult = Annotated[CandidatePayload | MutationError, strawberry.union("ExitCandidateResult")]


@strawberry.input(description="A written application (step 1), registered at the branch.")
class ApplyForMembershipInput:
    org_id: relay.GlobalID = strawberry.field(description="The branch where the person works, studies or lives.")
    applied_on: date
    name: str
    gender: enums.Gender
    birth_date: date
    education: enums.Education
    ethnicity: str = "汉族"
    occupation: str | None = None
    front_line: bool = False
    rural: bool = False
    phone: str | None = None
    id_number: str | None = None
    notes: str | None = None
    documents: list[str] = strawberry.field(default_factory=list, description="References to the paper application.")


@strawberry.input(description="One step of the file. Only the fields the step needs are read.")
class RecordCandidateStepInput:
    candidate_id: relay.GlobalID
    version: int | None = strawberry.field(default=None, description="The version you read; stale → Conflict.")
    step: StepKind
    on: date
    outcome: str | None = strawberry.field(
        default=None, description="political_review: pass / fail; conversion_vote: convert / extend / cancel."
    )
    recommendation: Recommendation | None = None
    contact_ids: list[relay.GlobalID] | None = strawberry.field(default=None, description="contacts_assigned: 1–2 full members.")
    introducer_ids: list[relay.GlobalID] | None = strawberry.field(default=None, description="introducers_assigned: 2 full members.")
    training_days: float | None = None
    training_hours: float | None = None
    notice_ends_on: date | None = strawberry.field(default=None, description="notice: last day (default 5 working days).")
    notice_place: str | None = None
    objections: int | None = strawberry.field(default=None, description="notice: objections received.")
    open_objections: int | None = strawberry.field(default=None, description="notice: objections not yet resolved.")
    objection_resolution: str | None = None
    decision_id: relay.GlobalID | None = strawberry.field(
        default=None, description="admission_vote / conversion_vote: the general meeting's decision."
    )
    extension_months: int | None = None
    special_reason: str | None = strawberry.field(default=None, description="Late approval, leaving the unit soon.")
    leaving_unit_on: date | None = None
    passed: bool | None = strawberry.field(default=None, description="activist_review: passed or not.")
    archive_documents: list[str] | None = strawberry.field(
        default=None, description="archived: application, form, political_review, conversion_application, observation_records."
    )
    note: str | None = None
    reason: str | None = strawberry.field(default=None, description="Required for exits.")
    documents: list[str] = strawberry.field(default_factory=list, description="References to the step's documents.")


@strawberry.input(description="A motion voted at a branch general meeting, with its tally.")
class MeetingDecisionInput:
    subject: DecisionSubject
    candidate_id: relay.GlobalID | None = None
    present: int
    yes: int = 0
    no: int = 0
    abstain: int = 0
    written_opinions: int = 0
    should_attend: int | None = strawberry.field(
        default=None, description="Default: the branch's full members on the meeting date."
    )
    title: str | None = None


@strawberry.input
class RecordMeetingInput:
    org_id: relay.GlobalID
    kind: MeetingKind = MeetingKind.general_meeting
    held_on: date
    place: str | None = None
    chair: str | None = None
    recorder: str | None = None
    agenda: str | None = None
    minutes: str | None = None
    decisions: list[MeetingDecisionInput] = strawberry.field(default_factory=list)


@strawberry.input
class ExitCandidateInput:
    candidate_id: relay.GlobalID
    version: int | None = None
    exit: ExitStep
    on: date
    reason: str


def _ids(gids: list[relay.GlobalID] | None, field: str) -> list[int] | None:
    if gids is None:
        return None
    return [db_id(g, "Member", field) for g in gids]


def step_input(input: Any, step: str, *, reason: str | None = None) -> service.StepInput:
    """The service's StepInput from a step mutation's input: every field of step data
    (rules.candidate_steps) the input has, enums as their values, ids decoded."""
    values: dict[str, Any] = {}
    for name, kind in field_kinds().items():
        if not hasattr(input, name):
            continue
        value = getattr(input, name)
        if isinstance(value, Enum):
            value = value.value
        elif kind == Kind.members:
            value = _ids(value, camel(name))
        elif kind == Kind.decision:
            value = db_id(value, "MeetingDecision", camel(name))
        values[name] = value
    return service.StepInput(step=step, on=input.on, reason=reason, documents=input.documents, **values)


@strawberry.type
class CandidateMutation:
    @strawberry.mutation(description="Register a written application at a branch (dual submission: the committee above sees it).")
    def apply_for_membership(self, info: Info, input: ApplyForMembershipInput) -> ApplyForMembershipResult:
        return run_mutation(
            info,
            lambda ctx: CandidatePayload(
                candidate=resolves_as(CandidateType, service.apply(
                    ctx,
                    org_id=db_id(input.org_id, "Organization", "orgId"),
                    applied_on=input.applied_on,
                    name=input.name,
                    gender=input.gender.value,
                    birth_date=input.birth_date,
                    education=input.education.value,
                    ethnicity=input.ethnicity,
                    occupation=input.occupation,
                    front_line=input.front_line,
                    rural=input.rural,
                    phone=input.phone,
                    id_number=input.id_number,
                    notes=input.notes,
                    documents=input.documents,
                ))
            ),
        )

    @strawberry.mutation(description="Record one step of the file; the rules refuse it with their code (R-DEV-xx).")
    def record_candidate_step(self, info: Info, input: RecordCandidateStepInput) -> RecordCandidateStepResult:
        def use_case(ctx):
            s = step_input(input, input.step.value, reason=input.reason)
            cand, row = service.record_step(ctx, db_id(input.candidate_id, "Candidate", "candidateId"), s, version=input.version)
            return CandidateStepPayload(candidate=resolves_as(CandidateType, cand), step=CandidateStepRecord.from_row(row))

        return run_mutation(info, use_case)

    @strawberry.mutation(description="Record a meeting; a general meeting may carry votes (decisions) with their tallies.")
    def record_meeting(self, info: Info, input: RecordMeetingInput) -> RecordMeetingResult:
        def use_case(ctx):
            decisions = [
                meetings.DecisionInput(
                    subject=d.subject.value,
                    candidate_id=db_id(d.candidate_id, "Candidate", f"decisions.{i}.candidateId"),
                    present=d.present,
                    yes=d.yes,
                    no=d.no,
                    abstain=d.abstain,
                    written_opinions=d.written_opinions,
                    should_attend=d.should_attend,
                    title=d.title,
                )
                for i, d in enumerate(input.decisions)
            ]
            meeting = meetings.record_meeting(
                ctx,
                org_id=db_id(input.org_id, "Organization", "orgId"),
                kind=input.kind.value,
                held_on=input.held_on,
                place=input.place,
                chair=input.chair,
                recorder=input.recorder,
                agenda=input.agenda,
                minutes=input.minutes,
                decisions=decisions,
            )
            return MeetingPayload(meeting=resolves_as(MeetingType, meeting))

        return run_mutation(info, use_case)

    @strawberry.mutation(description="End a file: withdrawn, removed from the pool, not admitted, probation cancelled.")
    def exit_candidate(self, info: Info, input: ExitCandidateInput) -> ExitCandidateResult:
        return run_mutation(
            info,
            lambda ctx: CandidatePayload(
                candidate=resolves_as(CandidateType, service.exit_candidate(
                    ctx,
                    db_id(input.candidate_id, "Candidate", "candidateId"),
                    step=input.exit.value,
                    on=input.on,
                    reason=input.reason,
                    version=input.version,
                ))
            ),
        )
