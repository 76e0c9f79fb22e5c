"""Candidate (发展党员), its timeline, next steps and alerts; meetings and their decisions."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.graphql import enums, loaders
from partygraph.graphql.types.common import (
    AlertInterface,
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    message_in_language,
    row_of,
    rows_as,
)
from partygraph.graphql.types.member import MemberType
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models import candidate as cm
from partygraph.models import meeting as mm
from partygraph.models.access_log import FieldGroup
from partygraph.models.member import EDUCATION_LABELS, GENDER_LABELS
from partygraph.models.member import Education as EducationModel
from partygraph.models.member import Gender as GenderModel
from partygraph.rules import candidate as rp
from partygraph.rules.base import Alert, age_on
from partygraph.services import candidate as service

# Model and rule enums registered as GraphQL enums in place (strawberry.enum returns the class),
# so each name below is the enum class itself.
Stage = rp.Stage
strawberry.enum(Stage, name="CandidateStage", description="Where a candidate's file stands.")
StepKind = rp.Step
strawberry.enum(StepKind, name="CandidateStepKind", description="The 25 steps of docs/rules.md §1, notices and exits.")
Recommendation = rp.Recommendation
strawberry.enum(Recommendation, name="Recommendation")
MeetingKind = mm.MeetingKind
strawberry.enum(MeetingKind, name="MeetingKind")
DecisionSubject = mm.DecisionSubject
strawberry.enum(DecisionSubject, name="DecisionSubject")


@strawberry.enum
class AlertSubject(Enum):
    CANDIDATE = "candidate"
    ORGANIZATION = "organization"


def steps_loader(info: Info) -> DataLoader:
    """Key: candidate id → its steps in recorded order; one statement per query level."""
    ctx = ctx_of(info)

    async def load(keys: list[int]) -> list[list[cm.CandidateStep]]:
        found = service.steps_of(ctx, keys)
        return [found.get(k, []) for k in keys]

    return ctx.loader("candidate_steps", lambda: DataLoader(load_fn=load))


def candidate_loader(info: Info) -> DataLoader:
    return loaders.rows(ctx_of(info), cm.Candidate)


def _text(info: Info, zh: str, en: str) -> str:
    return zh if ctx_of(info).lang == "zh" else en


@strawberry.type(description="One step of a candidate's file: never edited, never deleted.")
class CandidateStepRecord:
    id: int
    step: StepKind
    on: date
    outcome: str | None
    data: JSON
    documents: list[str]
    reason: str | None
    recorded_by: str | None
    number: int | None = strawberry.field(description="The step's number in docs/rules.md §1.")
    rule: str | None = strawberry.field(description="The rule code tied to the step.")
    label_zh: str
    label_en: str

    @strawberry.field
    def label(self, info: Info) -> str:
        return _text(info, self.label_zh, self.label_en)

    @staticmethod
    def from_row(r: cm.CandidateStep) -> CandidateStepRecord:
        step = rp.Step(r.step)
        inf = rp.STEP_INFO[step]
        return CandidateStepRecord(
            id=r.id,
            step=step,
            on=r.on,
            outcome=r.outcome,
            data=JSON(r.data or {}),
            documents=list(r.documents or []),
            reason=r.reason,
            recorded_by=r.recorded_by_name,
            number=inf.number,
            rule=inf.rule,
            label_zh=inf.label_zh,
            label_en=inf.label_en,
        )


@strawberry.type(description="What may be recorded next: from when (earliest), by when (due).")
class NextStep:
    step: StepKind
    earliest: date | None
    due: date | None
    overdue: bool
    rule: str | None
    label_zh: str
    label_en: str

    @strawberry.field
    def label(self, info: Info) -> str:
        return _text(info, self.label_zh, self.label_en)


@strawberry.type(name="PipelineAlert", description="Something due or overdue; never a block: a person looks at it.")
class AlertType(AlertInterface):
    code: str
    message: str = strawberry.field(resolver=message_in_language)
    message_zh: str
    message_en: str
    due_on: date | None
    subject: AlertSubject
    extra: JSON
    org_id: strawberry.Private[int]
    candidate_id: strawberry.Private[int | None]

    @strawberry.field(description="The organisation concerned (the candidate's branch for a candidate alert).")
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field
    async def candidate(self, info: Info) -> CandidateType | None:
        if self.candidate_id is None:
            return None
        return await candidate_loader(info).load(self.candidate_id)

    @staticmethod
    def of(a: Alert, org_id: int, candidate_id: int | None) -> AlertType:
        extra = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (a.extra or {}).items()}
        return AlertType(
            code=a.code,
            message_zh=a.message_zh,
            message_en=a.message_en,
            due_on=a.due_on,
            subject=AlertSubject.CANDIDATE if candidate_id is not None else AlertSubject.ORGANIZATION,
            extra=JSON(extra),
            org_id=org_id,
            candidate_id=candidate_id,
        )


@strawberry.type(name="Candidate", description="A person on the way from application to full membership.")
class CandidateType(Node, model=cm.Candidate):
    id: relay.NodeID[int]
    name: str
    gender: enums.Gender
    ethnicity: str
    birth_date: date
    education: enums.Education
    occupation: str | None
    front_line: bool
    rural: bool
    stage: Stage
    recommendation: Recommendation | None
    applied_on: date
    last_step_on: date
    notes: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int | None]
    org_id: strawberry.Private[int]

    @strawberry.field(description="Masked to the province except for county-level accounts; each full number read is in the access log.")
    def id_number(self, info: Info) -> str | None:
        from partygraph.graphql.types.common import mask_id_number, recorded

        raw: str | None = self.id_number
        if not ctx_of(info).sees_id_numbers():
            return mask_id_number(raw)
        return recorded(info, "Candidate", self.id, FieldGroup.id_number, raw)

    @strawberry.field(description="Personal data: every read is in the access log.")
    def phone(self, info: Info) -> str | None:
        from partygraph.graphql.types.common import recorded, row_of

        return recorded(info, "Candidate", self.id, FieldGroup.phone, row_of(cm.Candidate, self).phone)

    @strawberry.field
    def age(self, info: Info) -> int:
        return age_on(self.birth_date, ctx_of(info).today())

    @strawberry.field
    def stage_label(self, info: Info) -> str:
        return label(info, rp.STAGE_LABELS[rp.Stage(self.stage)])

    @strawberry.field
    def gender_label(self, info: Info) -> str:
        return label(info, GENDER_LABELS[GenderModel(self.gender)])

    @strawberry.field
    def education_label(self, info: Info) -> str:
        return label(info, EDUCATION_LABELS[EducationModel(self.education)])

    @strawberry.field
    def recommendation_label(self, info: Info) -> str | None:
        if not self.recommendation:
            return None
        return label(info, rp.RECOMMENDATION_LABELS[rp.Recommendation(self.recommendation)])

    @strawberry.field(description="The branch the file is kept at (the committee above sees it too).")
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(description="The member record, once the committee approved the admission.")
    async def member(self, info: Info) -> MemberType | None:
        mid = self.member_id
        return None if mid is None else await loaders.member(ctx_of(info)).load(mid)

    @strawberry.field(description="Every step, in the order recorded.")
    async def timeline(self, info: Info) -> list[CandidateStepRecord]:
        rows = await steps_loader(info).load(self.id)
        return [CandidateStepRecord.from_row(r) for r in rows]

    @strawberry.field(description="What can be recorded now, from when, due when, overdue or not.")
    async def next_steps(self, info: Info) -> list[NextStep]:
        rows = await steps_loader(info).load(self.id)
        ctx = ctx_of(info)
        out = rp.next_steps(
            service.records_of(rows), birth_date=self.birth_date, settings=service.pipeline_settings(ctx), today=ctx.today()
        )
        return [
            NextStep(step=n.step, earliest=n.earliest, due=n.due, overdue=n.overdue, rule=n.rule, label_zh=n.label_zh, label_en=n.label_en)
            for n in out
        ]

    @strawberry.field(description="Alerts of this file today (talk overdue, stalled, approval waiting…).")
    async def alerts(self, info: Info) -> list[AlertType]:
        rows = await steps_loader(info).load(self.id)
        ctx = ctx_of(info)
        found = rp.alerts(service.records_of(rows), settings=service.pipeline_settings(ctx), today=ctx.today())
        return [AlertType.of(a, self.org_id, self.id) for a in found]

    @strawberry.field(description="Probation's last day (the conversion date once converted).")
    async def probation_ends_on(self, info: Info) -> date | None:
        rows = await steps_loader(info).load(self.id)
        return rp.probation_end(service.records_of(rows), service.pipeline_settings(ctx_of(info)))

    @strawberry.field(description="Every recorded change of this file, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Candidate", self.id, min(first, 200))


@strawberry.type(name="MeetingDecision", description="A motion voted at a meeting: the tally and the rules' verdict.")
class MeetingDecisionType(Node, model=mm.MeetingDecision):
    id: relay.NodeID[int]
    subject: DecisionSubject
    title: str | None
    should_attend: int
    present: int
    written_opinions: int
    yes: int
    no: int
    abstain: int
    valid: bool
    passed: bool
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    candidate_id: strawberry.Private[int | None]

    @strawberry.field(description="The quorum arithmetic in words (R-VOTE-01/02).")
    def explanation(self, info: Info) -> str:
        from partygraph.rules.votes import explain_vote
        from partygraph.services.meeting import tally_of

        zh, en = explain_vote(tally_of(row_of(mm.MeetingDecision, self)))
        return _text(info, zh, en)

    @strawberry.field
    async def candidate(self, info: Info) -> CandidateType | None:
        cid = self.candidate_id
        return None if cid is None else await candidate_loader(info).load(cid)


@strawberry.type(name="Meeting", description="A meeting of an organisation, with the decisions it voted on.")
class MeetingType(Node, model=mm.Meeting):
    id: relay.NodeID[int]
    kind: MeetingKind
    held_on: date
    place: str | None
    chair: str | None
    recorder: str | None
    agenda: str | None
    minutes: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    chair_member_id: strawberry.Private[int | None]
    org_id: strawberry.Private[int]
    recorder_member_id: strawberry.Private[int | None]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, mm.MEETING_KIND_LABELS[mm.MeetingKind(self.kind)])

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(description="Document references (scans of the minutes, ballots, notices).")
    def attachments(self) -> list[str]:
        return list(self.attachments or [])

    @strawberry.field(description="Every change of the meeting and its attendance: who, when, before → after. Newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Meeting", self.id, min(first, 200))

    @strawberry.field
    def decisions(self, info: Info) -> list[MeetingDecisionType]:
        return rows_as(
            MeetingDecisionType,
            ctx_of(info).session.execute(
                select(mm.MeetingDecision).where(col(mm.MeetingDecision.meeting_id) == self.id).order_by(col(mm.MeetingDecision.id))
            ).scalars()
        )
