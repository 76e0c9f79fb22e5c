"""Evaluation types: member rounds (三评一审), outcomes, follow-ups, flags; cadre appointments,
trial checkpoints, assessments and career; organisation assessments and model sites.

ORM rows are returned directly; nested lists load through per-request DataLoaders that
apply the viewer's scope themselves (one statement per level, never one per row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlmodel import col
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql import enums, loaders
from partygraph.graphql.types.common import (
    AlertInterface,
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    resolves_as,
    row_of,
    rows_as,
)
from partygraph.graphql.types.member import MemberType
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models import evaluation as m
from partygraph.models.audit import AuditEvent
from partygraph.models.member import POSITION_LABELS, PositionKind
from partygraph.rules import evaluation as r
from partygraph.scope import scoped_select
from partygraph.services import evaluation as service

# --- enums ------------------------------------------------------------------------------------------

# Model and rule enums registered as GraphQL enums in place (strawberry.enum returns the class),
# so each name below is the enum class itself.
Grade = r.Grade
strawberry.enum(Grade, name="EvaluationGrade")
Source = r.Source
strawberry.enum(Source, name="EvaluationSource")
Decision = r.Decision
strawberry.enum(Decision, name="UnqualifiedDecision")
CadreRating = r.CadreRating
strawberry.enum(CadreRating, name="CadreRating")
OrgRating = r.OrgRating
strawberry.enum(OrgRating, name="OrgRating")
CheckpointKind = r.Checkpoint
strawberry.enum(CheckpointKind, name="TrialCheckpointKind")
CheckpointResult = r.CheckpointResult
strawberry.enum(CheckpointResult, name="TrialCheckpointResult")
FlagKind = r.FlagKind
strawberry.enum(FlagKind, name="EvaluationFlagKind")
RoundStatus = m.RoundStatus
strawberry.enum(RoundStatus, name="EvaluationRoundStatus")
FollowUpKind = m.FollowUpKind
strawberry.enum(FollowUpKind, name="FollowUpKind")
AppointmentStatus = m.AppointmentStatus
strawberry.enum(AppointmentStatus, name="CadreAppointmentStatus")
CareerEventKind = m.CareerEventKind
strawberry.enum(CareerEventKind, name="CareerEventKind")
ModelSiteStatus = m.ModelSiteStatus
strawberry.enum(ModelSiteStatus, name="ModelSiteStatus")

FOLLOW_UP_LABELS = {
    m.FollowUpKind.warning_talk: ("警示谈话（R-EVAL-03）", "Warning talk (R-EVAL-03)"),
    m.FollowUpKind.correction: ("限期改正（R-EVAL-02）", "Limited-time correction (R-EVAL-02)"),
    m.FollowUpKind.cadre_warning: ("干部警示整改（R-CAD-02）", "Cadre warning (R-CAD-02)"),
}
CAREER_LABELS = {
    m.CareerEventKind.appointed: ("任职", "Appointed"),
    m.CareerEventKind.trial_passed: ("试用期满留任", "Trial passed, kept"),
    m.CareerEventKind.promoted: ("试用期满提拔", "Promoted after the trial"),
    m.CareerEventKind.moved: ("调整岗位", "Moved"),
    m.CareerEventKind.demoted: ("降职", "Demoted"),
    m.CareerEventKind.stepped_down: ("下岗（退出职务）", "Stepped down"),
    m.CareerEventKind.reappointed: ("重新任用", "Re-appointed"),
}
STATUS_LABELS = {
    "open": ("进行中", "Open"),
    "closed": ("已结束", "Closed"),
    "in_trial": ("试用期", "In trial"),
    "serving": ("在任", "Serving"),
    "ended": ("已离任", "Ended"),
    "designated": ("示范点", "Designated"),
    "delisted": ("已摘牌", "De-listed"),
}


# --- loaders ----------------------------------------------------------------------------------------


def _loader(ctx: Context, name: str, batch: Callable[[list[Any]], Sequence[Any]]) -> DataLoader:
    return loaders.loader(ctx, f"evaluation:{name}", batch)


def _grouped(ctx: Context, name: str, model: Any, fk: Any, order: Sequence[Any]) -> DataLoader:
    """Key: parent id → the scoped child rows in `order`."""

    def batch(keys: list[int]) -> list[list[Any]]:
        rows = ctx.session.execute(
            scoped_select(ctx, model, fk.in_(keys)).order_by(*order)
        ).scalars()
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, fk.key)].append(row)
        return [grouped.get(k, []) for k in keys]

    return _loader(ctx, name, batch)


def _one(ctx: Context, name: str, model: Any, fk: Any) -> DataLoader:
    def batch(keys: list[int]) -> list[Any]:
        rows = ctx.session.execute(scoped_select(ctx, model, fk.in_(keys))).scalars()
        found = {getattr(row, fk.key): row for row in rows}
        return [found.get(k) for k in keys]

    return _loader(ctx, name, batch)


def _progress(ctx: Context) -> DataLoader:
    def batch(keys: list[int]) -> list[tuple[int, int]]:
        rows = ctx.session.execute(
            select(col(m.EvaluationSubject.round_id), func.count(col(m.EvaluationSubject.id)), func.count(col(m.Outcome.id)))
            .outerjoin(m.Outcome, col(m.Outcome.subject_id) == m.EvaluationSubject.id)
            .where(col(m.EvaluationSubject.round_id).in_(keys), col(m.EvaluationSubject.withdrawn_on).is_(None))
            .group_by(col(m.EvaluationSubject.round_id))
        ).all()
        found = {rid: (total, done) for rid, total, done in rows}
        return [found.get(k, (0, 0)) for k in keys]

    return _loader(ctx, "progress", batch)


def _distribution(ctx: Context) -> DataLoader:
    def batch(keys: list[int]) -> list[dict[str, int]]:
        rows = ctx.session.execute(
            select(col(m.Outcome.round_id), col(m.Outcome.grade), func.count())
            .where(col(m.Outcome.round_id).in_(keys))
            .group_by(col(m.Outcome.round_id), col(m.Outcome.grade))
        ).all()
        found: dict[int, dict[str, int]] = defaultdict(lambda: {g.value: 0 for g in r.Grade})
        for rid, grade, n in rows:
            found[rid][grade] = n
        return [dict(found[k]) for k in keys]

    return _loader(ctx, "distribution", batch)


def _history(ctx: Context, object_type: str) -> DataLoader:
    """Key: (object id, how many) → its audit events, newest first: one statement for a whole
    list (the organisations page shows every assessment and site with its changes).
    These rows' snapshots hold no national id number, so nothing needs masking."""

    def batch(keys: list[tuple[int, int]]) -> list[list[AuditEventType]]:
        rows = ctx.session.execute(
            select(AuditEvent)
            .where(col(AuditEvent.object_type) == object_type, col(AuditEvent.object_id).in_(sorted({k[0] for k in keys})))
            .order_by(col(AuditEvent.object_id), col(AuditEvent.id).desc())
        ).scalars()
        grouped: dict[int, list[AuditEventType]] = defaultdict(list)
        for row in rows:
            grouped[row.object_id].append(AuditEventType.from_row(row))
        return [grouped.get(oid, [])[:limit] for oid, limit in keys]

    return _loader(ctx, f"history:{object_type}", batch)


async def _org(info: Info, org_id: int | None) -> OrganizationType | None:
    if org_id is None:
        return None
    return await loaders.org(ctx_of(info)).load(org_id)


async def _member(info: Info, member_id: int | None) -> MemberType | None:
    if member_id is None:
        return None
    return await loaders.member(ctx_of(info)).load(member_id)


# --- member rounds ----------------------------------------------------------------------------------


@strawberry.type(description="How far a round is: members with an outcome of all members in it (those taken out not counted).")
class RoundProgress:
    concluded: int
    total: int


@strawberry.type(description="Why a round cannot close yet (R-EVAL-01, R-EVAL-02).")
class CloseBlocker:
    code: str
    message: str
    message_zh: str
    message_en: str


@strawberry.type(description="The suggested grade from the sources so far; the outcome is a person's decision.")
class EvaluationSuggestion:
    grade: Grade | None
    grade_label: str | None
    score: float | None = strawberry.field(description="Weighted mean score (优秀 100 … 不合格 40).")
    capped: bool = strawberry.field(description="Lowered to 基本合格: over a third of a source's votes said 不合格.")
    by_review: bool = strawberry.field(description="The township committee's review decided.")


@strawberry.type(name="EvaluationRound", description="民主评议党员: one branch, one year, everyone in it, closed only when concluded.")
class EvaluationRoundType(Node, model=m.EvaluationRound):
    id: relay.NodeID[int]
    year: int
    status: RoundStatus
    opened_on: date
    closed_on: date | None
    notes: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, STATUS_LABELS[self.status])

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)

    @strawberry.field(description="Every member of the round, by name.")
    async def subjects(self, info: Info) -> list[EvaluationSubjectType]:
        ctx = ctx_of(info)
        S = m.EvaluationSubject
        return await _grouped(ctx, "subjects", S, S.round_id, (S.round_id, S.member_name, S.id)).load(self.id)

    @strawberry.field(description="“38 of 41 concluded”.")
    async def progress(self, info: Info) -> RoundProgress:
        total, done = await _progress(ctx_of(info)).load(self.id)
        return RoundProgress(concluded=done, total=total)

    @strawberry.field(description="What stops the round from closing; empty when it may close. Ask it of one round at a time.")
    def close_blockers(self, info: Info) -> list[CloseBlocker]:
        ctx = ctx_of(info)
        if self.status != m.RoundStatus.open:
            return []
        out = []
        for v in r.close_blockers(service.subject_states(ctx, self.id)):
            out.append(CloseBlocker(code=v.code, message=v.message_zh if ctx.lang == "zh" else v.message_en, message_zh=v.message_zh, message_en=v.message_en))
        return out

    @strawberry.field(description="Grades given so far: {excellent, qualified, basically_qualified, unqualified}.")
    async def distribution(self, info: Info) -> JSON:
        return await _distribution(ctx_of(info)).load(self.id)

    @strawberry.field
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "EvaluationRound", self.id, min(first, 200))


@strawberry.type(name="EvaluationSourceResult", description="One source of 三评一审 for one member.")
class SourceResultType:
    source: Source
    raters: JSON | None
    entered_on: date

    @strawberry.field
    def source_label(self, info: Info) -> str:
        return label(info, r.SOURCE_LABELS[r.Source(self.source)])

    @strawberry.field(description="Votes by grade: {excellent, qualified, basically_qualified, unqualified}.")
    def tallies(self) -> JSON:
        t = row_of(m.SourceResult, self).tallies or {}
        return JSON({g.value: int(t.get(g.value, 0)) for g in r.Grade})

    @strawberry.field
    def total(self) -> int:
        return sum(int(v) for v in (row_of(m.SourceResult, self).tallies or {}).values())


@strawberry.type(name="EvaluationOutcome", description="The final grade with the sign-off, and the decision for 不合格.")
class OutcomeType(Node, model=m.Outcome):
    id: relay.NodeID[int]
    year: int
    grade: Grade
    decided_on: date
    decided_by_name: str | None
    signed_off_by: str | None
    decision: Decision | None
    decision_note: str | None
    correction_deadline: date | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]
    subject_id: strawberry.Private[int]

    @strawberry.field
    def grade_label(self, info: Info) -> str:
        return label(info, r.GRADE_LABELS[r.Grade(self.grade)])

    @strawberry.field
    def decision_label(self, info: Info) -> str | None:
        return label(info, r.DECISION_LABELS[r.Decision(self.decision)]) if self.decision else None

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)

    @strawberry.field
    async def subject(self, info: Info) -> EvaluationSubjectType | None:
        return await loaders.rows(ctx_of(info), m.EvaluationSubject).load(self.subject_id)


@strawberry.type(name="EvaluationSubject", description="A member in a round: standing when it opened, each source, the outcome.")
class EvaluationSubjectType(Node, model=m.EvaluationSubject):
    id: relay.NodeID[int]
    year: int
    member_name: str
    member_status: enums.MemberStatus
    withdrawn_on: date | None = strawberry.field(description="Taken out of the round (left the branch…), with the reason.")
    withdrawn_reason: str | None
    added_on: date | None = strawberry.field(description="Added after the round opened.")
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]
    round_id: strawberry.Private[int]

    @strawberry.field(description="The member, while in your scope (a member since transferred away is not).")
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)

    @strawberry.field
    async def round(self, info: Info) -> EvaluationRoundType | None:
        return await loaders.rows(ctx_of(info), m.EvaluationRound).load(self.round_id)

    @strawberry.field
    async def sources(self, info: Info) -> list[SourceResultType]:
        S = m.SourceResult
        return await _grouped(ctx_of(info), "sources", S, S.subject_id, (S.subject_id, S.source)).load(self.id)

    @strawberry.field
    async def outcome(self, info: Info) -> OutcomeType | None:
        return await _one(ctx_of(info), "outcome", m.Outcome, m.Outcome.subject_id).load(self.id)

    @strawberry.field(description="The grade the sources suggest (a setting decides how they combine).")
    async def suggestion(self, info: Info) -> EvaluationSuggestion:
        ctx = ctx_of(info)
        S = m.SourceResult
        results = await _grouped(ctx, "sources", S, S.subject_id, (S.subject_id, S.source)).load(self.id)
        sug = service.suggestion_for(results, service.settings_of(ctx))
        return EvaluationSuggestion(
            grade=sug.grade,
            grade_label=label(info, r.GRADE_LABELS[sug.grade]) if sug.grade else None,
            score=float(round(sug.score, 1)) if sug.score is not None else None,
            capped=sug.capped,
            by_review=sug.by_review,
        )

    @strawberry.field
    async def follow_ups(self, info: Info) -> list[FollowUpType]:
        F = m.FollowUp
        return await _grouped(ctx_of(info), "follow_ups", F, F.subject_id, (F.subject_id, F.due_on, F.id)).load(self.id)


@strawberry.type(name="EvaluationFollowUp", description="A task that follows an outcome or a warning, with its deadline.")
class FollowUpType(Node, model=m.FollowUp):
    id: relay.NodeID[int]
    kind: FollowUpKind
    created_on: date
    due_on: date
    done_on: date | None
    corrected: bool | None
    note: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, FOLLOW_UP_LABELS[m.FollowUpKind(self.kind)])

    @strawberry.field
    def overdue(self, info: Info) -> bool:
        return self.done_on is None and ctx_of(info).today() > self.due_on

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)


@strawberry.type(name="EvaluationFlag", description="A case the rules say must be acted on; a person resolves it.")
class FlagType(Node, model=m.Flag):
    id: relay.NodeID[int]
    kind: FlagKind
    code: str
    year: int | None
    raised_on: date
    reasons: list[str]
    details: str | None
    resolved_on: date | None
    resolution: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    appointment_id: strawberry.Private[int | None]
    member_id: strawberry.Private[int | None]
    org_id: strawberry.Private[int | None]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, r.FLAG_LABELS[r.FlagKind(self.kind)])

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)

    @strawberry.field
    async def appointment(self, info: Info) -> CadreAppointmentType | None:
        aid = self.appointment_id
        return None if aid is None else await loaders.rows(ctx_of(info), m.CadreAppointment).load(aid)


# --- cadres -----------------------------------------------------------------------------------------


@strawberry.type(name="TrialCheckpoint", description="R-CAD-01: a 3-, 6- or 12-month checkpoint with due date, result and evidence.")
class TrialCheckpointType(Node, model=m.TrialCheckpoint):
    id: relay.NodeID[int]
    kind: CheckpointKind
    due_on: date
    done_on: date | None
    result: CheckpointResult | None
    evidence: str | None
    version: int

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, r.CHECKPOINT_LABELS[r.Checkpoint(self.kind)])

    @strawberry.field
    def result_label(self, info: Info) -> str | None:
        return label(info, r.CHECKPOINT_RESULT_LABELS[r.CheckpointResult(self.result)]) if self.result else None

    @strawberry.field(description="done | overdue | due (soon) | pending, by the clock.")
    def state(self, info: Info) -> str:
        ctx = ctx_of(info)
        return r.checkpoint_state(self.due_on, self.done_on, ctx.today(), service.settings_of(ctx))


@strawberry.type(name="CadreAppointment", description="A cadre's post, with its trial period.")
class CadreAppointmentType(Node, model=m.CadreAppointment):
    id: relay.NodeID[int]
    post: enums.PositionKind
    title: str | None
    appointed_on: date
    trial: bool
    status: AppointmentStatus
    ended_on: date | None
    end_reason: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]
    org_id: strawberry.Private[int]

    @strawberry.field
    def post_label(self, info: Info) -> str:
        return self.title or label(info, POSITION_LABELS[PositionKind(self.post)])

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, STATUS_LABELS[self.status])

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)

    @strawberry.field(description="The trial's checkpoints in order (none without a trial).")
    async def checkpoints(self, info: Info) -> list[TrialCheckpointType]:
        C = m.TrialCheckpoint
        return await _grouped(ctx_of(info), "checkpoints", C, C.appointment_id, (C.appointment_id, C.due_on, C.id)).load(self.id)

    @strawberry.field(description="Warnings given in this post, with their deadlines.")
    async def warnings(self, info: Info) -> list[FollowUpType]:
        F = m.FollowUp
        return await _grouped(ctx_of(info), "warnings", F, F.appointment_id, (F.appointment_id, F.due_on, F.id)).load(self.id)


@strawberry.type(name="CadreAssessment", description="Yearly assessment: rating and rank from 考（群众评议）、评（班子互评）、定（部门综合评定）.")
class CadreAssessmentType(Node, model=m.CadreAssessment):
    id: relay.NodeID[int]
    year: int
    rating: CadreRating
    rank: int | None
    ranked: int | None
    mass_score: float | None
    mutual_score: float | None
    department_score: float | None
    assessed_on: date
    note: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]

    @strawberry.field
    def rating_label(self, info: Info) -> str:
        return label(info, r.CADRE_RATING_LABELS[r.CadreRating(self.rating)])

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)


@strawberry.type(name="CareerEvent", description="One step of a cadre's career: appointed, trial ended, stepped down, re-appointed.")
class CareerEventType:
    kind: CareerEventKind
    on: date
    post: enums.PositionKind | None
    title: str | None
    reason: str | None
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, CAREER_LABELS[m.CareerEventKind(self.kind)])

    @strawberry.field
    def post_label(self, info: Info) -> str | None:
        return self.title or (label(info, POSITION_LABELS[PositionKind(self.post)]) if self.post else None)

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)


@strawberry.type(description="A cadre's whole career in your scope, oldest first.")
class CadreCareer:
    member: MemberType
    appointments: list[CadreAppointmentType]
    assessments: list[CadreAssessmentType]
    events: list[CareerEventType]
    flags: list[FlagType]


# --- organisations ----------------------------------------------------------------------------------


@strawberry.type(name="OrgAssessment", description="Yearly branch-secretary report and review (述职评议), five goods, rank.")
class OrgAssessmentType(Node, model=m.OrgAssessment):
    id: relay.NodeID[int]
    year: int
    rating: OrgRating
    five_goods: JSON
    rank: int | None
    ranked: int | None
    assessed_on: date
    note: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]
    secretary_id: strawberry.Private[int | None]

    @strawberry.field
    def rating_label(self, info: Info) -> str:
        return label(info, r.ORG_RATING_LABELS[r.OrgRating(self.rating)])

    @strawberry.field(description="How many of the five goods are met.")
    def five_goods_met(self) -> int:
        return r.five_goods_score(row_of(m.OrgAssessment, self).five_goods)[0]

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)

    @strawberry.field
    async def secretary(self, info: Info) -> MemberType | None:
        return await _member(info, self.secretary_id)

    @strawberry.field(description="Every recorded change of this assessment, newest first.")
    async def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return await _history(ctx_of(info), "OrgAssessment").load((self.id, max(0, min(first, 200))))


@strawberry.type(name="ModelSite", description="党建示范点: designated for a year, reviewed yearly, de-listed with a reason.")
class ModelSiteType(Node, model=m.ModelSite):
    id: relay.NodeID[int]
    year: int
    criteria: JSON
    status: ModelSiteStatus
    designated_on: date
    reviews: JSON
    delisted_on: date | None
    delisted_reason: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, STATUS_LABELS[self.status])

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)

    @strawberry.field(description="Every recorded change of this model site (designation, reviews, de-listing), newest first.")
    async def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return await _history(ctx_of(info), "ModelSite").load((self.id, max(0, min(first, 200))))


# --- alerts -----------------------------------------------------------------------------------------


@strawberry.type(description="Something due or overdue in evaluations: a person must look at it (never a block).")
class EvaluationAlert(AlertInterface):
    code: str
    kind: str = strawberry.field(description="round | checkpoint | follow_up | flag")
    message: str
    message_zh: str
    message_en: str
    due_on: date | None
    org_id: strawberry.Private[int | None]
    member_id: strawberry.Private[int | None]
    round_id: relay.GlobalID | None
    appointment_id: relay.GlobalID | None
    flag_id: relay.GlobalID | None
    follow_up_id: relay.GlobalID | None

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await _org(info, self.org_id)

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.member_id)


def alert_of(a: service.AlertRow, lang: str) -> EvaluationAlert:
    def gid(type_name: str, value: int | None) -> relay.GlobalID | None:
        return None if value is None else relay.GlobalID(type_name, str(value))

    return EvaluationAlert(
        code=a.code,
        kind=a.kind,
        message=a.message_zh if lang == "zh" else a.message_en,
        message_zh=a.message_zh,
        message_en=a.message_en,
        due_on=a.due_on,
        org_id=a.org_id,
        member_id=a.member_id,
        round_id=gid("EvaluationRound", a.round_id),
        appointment_id=gid("CadreAppointment", a.appointment_id),
        flag_id=gid("EvaluationFlag", a.flag_id),
        follow_up_id=gid("EvaluationFollowUp", a.follow_up_id),
    )


def evaluations_of(info: Info, member_id: int) -> list[Any]:
    """A member's evaluation rounds in the viewer's scope, newest year first (Query.memberEvaluations)."""
    ctx = ctx_of(info)
    S = m.EvaluationSubject
    return list(
        ctx.session.execute(
            scoped_select(ctx, S, col(S.member_id) == member_id).order_by(col(S.year).desc(), col(S.id).desc())
        ).scalars()
    )


def career_of(info: Info, member_id: int) -> CadreCareer | None:
    """A cadre's career in the viewer's scope, or None when the member is out of it (Query.cadreCareer)."""
    from partygraph.errors import NotFoundError
    from partygraph.services import cadre as cadre_service

    ctx = ctx_of(info)
    try:
        member, appts, assessments, events = cadre_service.career(ctx, member_id)
    except NotFoundError:
        return None
    flags = list(
        ctx.session.execute(
            scoped_select(ctx, m.Flag, col(m.Flag.member_id) == member.id, col(m.Flag.kind) == r.FlagKind.cadre_step_down.value)
            .order_by(col(m.Flag.raised_on), col(m.Flag.id))
        ).scalars()
    )
    return CadreCareer(member=resolves_as(MemberType, member), appointments=rows_as(CadreAppointmentType, appts),
        assessments=rows_as(CadreAssessmentType, assessments),
        events=rows_as(CareerEventType, events),
        flags=rows_as(FlagType, flags),
    )


NODE_TYPES = [
    EvaluationRoundType,
    EvaluationSubjectType,
    OutcomeType,
    FollowUpType,
    FlagType,
    CadreAppointmentType,
    TrialCheckpointType,
    CadreAssessmentType,
    OrgAssessmentType,
    ModelSiteType,
]
