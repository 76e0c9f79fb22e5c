"""Mutations of evaluations: rounds and their grid rows, follow-ups, flags, cadres,
organisation assessments and model sites. Each runs one service use case in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_service
from partygraph.graphql.mutations.inputs import db_id, service_args
from partygraph.graphql.types.evaluation import (
    CadreAppointmentType,
    CadreAssessmentType,
    CadreRating,
    CheckpointResult,
    Decision,
    EvaluationRoundType,
    EvaluationSubjectType,
    FlagType,
    FollowUpType,
    Grade,
    ModelSiteType,
    OrgAssessmentType,
    OrgRating,
    Source,
    TrialCheckpointType,
)
from partygraph.services import cadre as cadre_service
from partygraph.services import evaluation as service


def _json_object(value: object) -> dict[str, Any] | None:
    """A JSON input that is an object, else None."""
    return value if isinstance(value, dict) else None


@strawberry.type
class EvaluationRoundPayload:
    round: EvaluationRoundType


@strawberry.type
class EvaluationSubjectPayload:
    subject: EvaluationSubjectType


@strawberry.type
class FollowUpPayload:
    follow_up: FollowUpType


@strawberry.type
class EvaluationFlagPayload:
    flag: FlagType


@strawberry.type
class CadreAppointmentPayload:
    appointment: CadreAppointmentType


@strawberry.type
class TrialCheckpointPayload:
    checkpoint: TrialCheckpointType


@strawberry.type
class CadreAssessmentPayload:
    assessment: CadreAssessmentType


@strawberry.type
class OrgAssessmentPayload:
    assessment: OrgAssessmentType


@strawberry.type
class ModelSitePayload:
    site: ModelSiteType


EvaluationRoundResult = Annotated[EvaluationRoundPayload | MutationError, strawberry.union("EvaluationRoundResult")]
RecordEvaluationResult = Annotated[EvaluationSubjectPayload | MutationError, strawberry.union("RecordEvaluationResult")]
FollowUpResult = Annotated[FollowUpPayload | MutationError, strawberry.union("FollowUpResult")]
EvaluationFlagResult = Annotated[EvaluationFlagPayload | MutationError, strawberry.union("EvaluationFlagResult")]
CadreAppointmentResult = Annotated[CadreAppointmentPayload | MutationError, strawberry.union("CadreAppointmentResult")]
RecordTrialCheckpointResult = Annotated[TrialCheckpointPayload | MutationError, strawberry.union("RecordTrialCheckpointResult")]
CadreAssessmentResult = Annotated[CadreAssessmentPayload | MutationError, strawberry.union("CadreAssessmentResult")]
OrgAssessmentResult = Annotated[OrgAssessmentPayload | MutationError, strawberry.union("OrgAssessmentResult")]
ModelSiteResult = Annotated[ModelSitePayload | MutationError, strawberry.union("ModelSiteResult")]


@strawberry.input
class OpenEvaluationRoundInput:
    org_id: relay.GlobalID
    year: int
    opened_on: date
    notes: str | None = None


@strawberry.input(description="Votes by grade (e.g. 23 excellent, 40 qualified, 2 unqualified).")
class GradeTallyInput:
    excellent: int = 0
    qualified: int = 0
    basically_qualified: int = 0
    unqualified: int = 0


@strawberry.input(description="One rater's grade (for sources entered per rater).")
class RaterInput:
    grade: Grade
    rater: str | None = None


@strawberry.input(description="One source's result: either tallies or per-rater entries.")
class SourceResultInput:
    source: Source
    tallies: GradeTallyInput | None = None
    raters: list[RaterInput] | None = None


@strawberry.input(description="The outcome and, for 不合格, the decision (R-EVAL-02).")
class EvaluationOutcomeInput:
    grade: Grade
    decided_on: date
    decision: Decision | None = None
    decision_note: str | None = None
    correction_deadline: date | None = strawberry.field(default=None, description="Default: the setting (6 months).")
    signed_off_by: str | None = None


@strawberry.input(description="One row of the round's grid: any sources and/or the outcome, saved together.")
class RecordEvaluationInput:
    subject_id: relay.GlobalID
    version: int
    sources: list[SourceResultInput] = strawberry.field(default_factory=list)
    outcome: EvaluationOutcomeInput | None = None


@strawberry.input(description="Add a member who joined the branch after the round opened.")
class AddEvaluationSubjectInput:
    round_id: relay.GlobalID
    member_id: relay.GlobalID
    on: date


@strawberry.input(description="Take a member without an outcome out of an open round (left the branch…), with the reason.")
class WithdrawEvaluationSubjectInput:
    id: relay.GlobalID
    version: int
    on: date
    reason: str


@strawberry.input
class CloseEvaluationRoundInput:
    id: relay.GlobalID
    version: int
    closed_on: date


@strawberry.input
class CompleteFollowUpInput:
    id: relay.GlobalID
    version: int
    done_on: date
    note: str | None = None
    corrected: bool | None = strawberry.field(default=None, description="For a cadre warning: false raises the R-CAD-02 flag.")


@strawberry.input
class ResolveEvaluationFlagInput:
    id: relay.GlobalID
    version: int
    resolution: str
    resolved_on: date


@strawberry.input
class AppointCadreInput:
    member_id: relay.GlobalID
    org_id: relay.GlobalID
    post: enums.PositionKind
    appointed_on: date
    title: str | None = None
    trial: bool = True


@strawberry.input
class RecordTrialCheckpointInput:
    id: relay.GlobalID
    version: int
    done_on: date
    result: CheckpointResult
    evidence: str | None = None


@strawberry.input
class RecordCadreAssessmentInput:
    member_id: relay.GlobalID
    year: int
    rating: CadreRating
    assessed_on: date
    rank: int | None = None
    ranked: int | None = None
    mass_score: float | None = None
    mutual_score: float | None = None
    department_score: float | None = None
    note: str | None = None
    version: int | None = strawberry.field(default=None, description="When changing an existing assessment.")


@strawberry.input
class WarnCadreInput:
    appointment_id: relay.GlobalID
    on: date
    due_on: date
    reason: str


@strawberry.input
class StepDownCadreInput:
    id: relay.GlobalID
    version: int
    on: date
    reason: str


@strawberry.input(description="The five goods (五好) met this year.")
class FiveGoodsInput:
    leadership: bool = False
    mechanism: bool = False
    members: bool = False
    masses: bool = False
    results: bool = False


@strawberry.input
class RecordOrgAssessmentInput:
    org_id: relay.GlobalID
    year: int
    rating: OrgRating
    assessed_on: date
    five_goods: FiveGoodsInput | None = None
    rank: int | None = None
    ranked: int | None = None
    secretary_id: relay.GlobalID | None = None
    note: str | None = None
    version: int | None = None


@strawberry.input
class DesignateModelSiteInput:
    org_id: relay.GlobalID
    year: int
    designated_on: date
    criteria: JSON | None = strawberry.field(default=None, description='e.g. {"venueM2": 150, "eightHaves": true}')


@strawberry.input
class ReviewModelSiteInput:
    id: relay.GlobalID
    version: int
    reviewed_on: date
    passed: bool
    note: str | None = None


@strawberry.input
class DelistModelSiteInput:
    id: relay.GlobalID
    version: int
    on: date
    reason: str


def _source(inp: SourceResultInput) -> service.SourceInput:
    tallies = None
    if inp.tallies is not None:
        tallies = {g.value: getattr(inp.tallies, g.value) for g in Grade}
    raters = [{"rater": x.rater or "", "grade": x.grade.value} for x in inp.raters] if inp.raters else None
    return service.SourceInput(source=inp.source.value, tallies=tallies, raters=raters)


def _outcome(inp: EvaluationOutcomeInput | None) -> service.OutcomeInput | None:
    return None if inp is None else service.OutcomeInput(**service_args(inp))


@strawberry.type
class EvaluationMutation:
    @strawberry.mutation(description="Open a branch's democratic evaluation for a year: every full and probationary member is in it.")
    def open_evaluation_round(self, info: Info, input: OpenEvaluationRoundInput) -> EvaluationRoundResult:
        return run_service(
            info, EvaluationRoundPayload, lambda ctx: service.open_round(ctx, **service_args(input, {"org_id": "Organization"}))
        )

    @strawberry.mutation(description="Save one grid row: sources' results and/or the outcome (R-EVAL-02/03/04 apply).")
    def record_evaluation(self, info: Info, input: RecordEvaluationInput) -> RecordEvaluationResult:
        return run_service(
            info,
            EvaluationSubjectPayload,
            lambda ctx: service.record_entry(
                ctx,
                db_id(input.subject_id, "EvaluationSubject", "subject_id"),
                version=input.version,
                sources=[_source(s) for s in input.sources],
                outcome=_outcome(input.outcome),
            ),
        )

    @strawberry.mutation
    def add_evaluation_subject(self, info: Info, input: AddEvaluationSubjectInput) -> RecordEvaluationResult:
        return run_service(
            info,
            EvaluationSubjectPayload,
            lambda ctx: service.add_subject(
                ctx,
                db_id(input.round_id, "EvaluationRound", "round_id"),
                **service_args(input, {"member_id": "Member"}, skip=("round_id",)),
            ),
        )

    @strawberry.mutation
    def withdraw_evaluation_subject(self, info: Info, input: WithdrawEvaluationSubjectInput) -> RecordEvaluationResult:
        return run_service(
            info,
            EvaluationSubjectPayload,
            lambda ctx: service.withdraw_subject(ctx, db_id(input.id, "EvaluationSubject", "id"), **service_args(input)),
        )

    @strawberry.mutation(description="Close a round: refused (R-EVAL-01/02) while a member lacks an outcome or a 不合格 a decision.")
    def close_evaluation_round(self, info: Info, input: CloseEvaluationRoundInput) -> EvaluationRoundResult:
        return run_service(
            info, EvaluationRoundPayload, lambda ctx: service.close_round(ctx, db_id(input.id, "EvaluationRound", "id"), **service_args(input))
        )

    @strawberry.mutation
    def complete_follow_up(self, info: Info, input: CompleteFollowUpInput) -> FollowUpResult:
        return run_service(
            info,
            FollowUpPayload,
            lambda ctx: service.complete_follow_up(ctx, db_id(input.id, "EvaluationFollowUp", "id"), **service_args(input)),
        )

    @strawberry.mutation(description="A person records the decision on a flag.")
    def resolve_evaluation_flag(self, info: Info, input: ResolveEvaluationFlagInput) -> EvaluationFlagResult:
        return run_service(
            info, EvaluationFlagPayload, lambda ctx: service.resolve_flag(ctx, db_id(input.id, "EvaluationFlag", "id"), **service_args(input))
        )

    @strawberry.mutation(description="Appoint a cadre (a re-appointment after a step-down is recorded as such); a trial gets 3/6/12-month checkpoints.")
    def appoint_cadre(self, info: Info, input: AppointCadreInput) -> CadreAppointmentResult:
        ids = {"member_id": "Member", "org_id": "Organization"}
        return run_service(info, CadreAppointmentPayload, lambda ctx: cadre_service.appoint(ctx, **service_args(input, ids)))

    @strawberry.mutation(description="Record a trial checkpoint's result and evidence (R-CAD-01); failing flags R-CAD-02.")
    def record_trial_checkpoint(self, info: Info, input: RecordTrialCheckpointInput) -> RecordTrialCheckpointResult:
        return run_service(
            info,
            TrialCheckpointPayload,
            lambda ctx: cadre_service.record_checkpoint(ctx, db_id(input.id, "TrialCheckpoint", "id"), **service_args(input)),
        )

    @strawberry.mutation(description="Record (or correct) a cadre's yearly assessment; 不称职 or last place flags R-CAD-02.")
    def record_cadre_assessment(self, info: Info, input: RecordCadreAssessmentInput) -> CadreAssessmentResult:
        return run_service(
            info,
            CadreAssessmentPayload,
            lambda ctx: cadre_service.record_assessment(ctx, **service_args(input, {"member_id": "Member"})),
        )

    @strawberry.mutation(description="Warn a cadre with a deadline; completing it with corrected=false flags R-CAD-02.")
    def warn_cadre(self, info: Info, input: WarnCadreInput) -> FollowUpResult:
        return run_service(
            info,
            FollowUpPayload,
            lambda ctx: cadre_service.warn(
                ctx,
                db_id(input.appointment_id, "CadreAppointment", "appointment_id"),
                **service_args(input, skip=("appointment_id",)),
            ),
        )

    @strawberry.mutation(description="A person's decision: the cadre steps down (the career keeps it; re-appointment is possible).")
    def step_down_cadre(self, info: Info, input: StepDownCadreInput) -> CadreAppointmentResult:
        return run_service(
            info,
            CadreAppointmentPayload,
            lambda ctx: cadre_service.step_down(ctx, db_id(input.id, "CadreAppointment", "id"), **service_args(input)),
        )

    @strawberry.mutation(description="Record a yearly organisation assessment; last place two years running flags R-ASSESS-01.")
    def record_org_assessment(self, info: Info, input: RecordOrgAssessmentInput) -> OrgAssessmentResult:
        five = None if input.five_goods is None else service_args(input.five_goods)
        ids = {"org_id": "Organization", "secretary_id": "Member"}
        return run_service(
            info,
            OrgAssessmentPayload,
            lambda ctx: service.record_org_assessment(
                ctx, five_goods=five, **service_args(input, ids, skip=("five_goods",))
            ),
        )

    @strawberry.mutation
    def designate_model_site(self, info: Info, input: DesignateModelSiteInput) -> ModelSiteResult:
        return run_service(
            info,
            ModelSitePayload,
            lambda ctx: service.designate_model_site(
                ctx,
                criteria=_json_object(input.criteria),
                **service_args(input, {"org_id": "Organization"}, skip=("criteria",)),
            ),
        )

    @strawberry.mutation(description="The yearly review of a model site (a slipping site is de-listed by a person).")
    def review_model_site(self, info: Info, input: ReviewModelSiteInput) -> ModelSiteResult:
        return run_service(
            info, ModelSitePayload, lambda ctx: service.review_model_site(ctx, db_id(input.id, "ModelSite", "id"), **service_args(input))
        )

    @strawberry.mutation(description="De-list a model site with a reason (no life tenure).")
    def delist_model_site(self, info: Info, input: DelistModelSiteInput) -> ModelSiteResult:
        return run_service(
            info, ModelSitePayload, lambda ctx: service.delist_model_site(ctx, db_id(input.id, "ModelSite", "id"), **service_args(input))
        )
