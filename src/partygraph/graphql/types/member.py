"""Member, Position, status events and transfers."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql import enums, loaders
from partygraph.graphql.types.common import (
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    mask_id_number,
    recorded,
    row_of,
    rows_as,
)
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models import member as m
from partygraph.models.access_log import FieldGroup
from partygraph.models.account import Account
from partygraph.rules.base import age_on

if TYPE_CHECKING:
    from partygraph.graphql.types.discipline import MemberSanctionType
    from partygraph.graphql.types.evaluation import CadreCareer, EvaluationSubjectType

EvaluationSubjectRef = Annotated["EvaluationSubjectType", strawberry.lazy("partygraph.graphql.types.evaluation")]
CadreCareerRef = Annotated["CadreCareer", strawberry.lazy("partygraph.graphql.types.evaluation")]


async def _current(posts: Any) -> list[Any]:
    return [p for p in await posts if p.end_on is None]


@strawberry.type(name="Member", description="A Party member. Never deleted: status changes are events.")
class MemberType(Node, model=m.Member):
    id: relay.NodeID[int]
    name: str
    gender: enums.Gender
    ethnicity: str
    birth_date: date
    education: enums.Education
    occupation: str | None
    front_line: bool
    rural: bool
    joined_on: date
    converted_on: date | None
    status: enums.MemberStatus
    status_since: date | None
    pre_1949: bool
    flowing: bool
    flow_destination: str | None
    flow_certificate: str | None
    lost_contact: bool
    lost_contact_since: date | None
    in_difficulty: bool
    notes: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field(description="Masked to the province (51****************) except for county-level accounts; each full number read is in the access log.")
    def id_number(self, info: Info) -> str | None:
        raw: str | None = self.id_number
        if not ctx_of(info).sees_id_numbers():
            return mask_id_number(raw)
        return recorded(info, "Member", self.id, FieldGroup.id_number, raw)

    @strawberry.field(description="Personal data: every read is in the access log.")
    def phone(self, info: Info) -> str | None:
        return recorded(info, "Member", self.id, FieldGroup.phone, row_of(m.Member, self).phone)

    @strawberry.field
    def age(self, info: Info) -> int:
        return age_on(self.birth_date, ctx_of(info).today())

    @strawberry.field
    def gender_label(self, info: Info) -> str:
        return label(info, m.GENDER_LABELS[m.Gender(self.gender)])

    @strawberry.field
    def education_label(self, info: Info) -> str:
        return label(info, m.EDUCATION_LABELS[m.Education(self.education)])

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, m.MEMBER_STATUS_LABELS[m.MemberStatus(self.status)])

    @strawberry.field
    def organization(self, info: Info) -> OrganizationType | None:
        return loaders.now_or_later(loaders.org(ctx_of(info)), self.org_id)

    @strawberry.field(description="Posts held, newest first; `current` limits to posts not ended.")
    def positions(self, info: Info, current: bool = False) -> list[PositionType]:
        posts = loaders.now_or_later(loaders.positions_of(ctx_of(info)), self.id)
        if not current:
            return posts
        if isinstance(posts, list):
            return [p for p in posts if p.end_on is None]
        # Not loaded yet: an awaitable of the list, which Strawberry awaits; the schema needs the
        # list type here.
        return cast(list[PositionType], _current(posts))

    @strawberry.field(description="Standing changes in date order: registration, status, transfers.")
    def status_events(self, info: Info) -> list[MemberEventType]:
        ctx = ctx_of(info)
        rows = ctx.session.execute(
            select(m.MemberEvent, col(Account.username))
            .outerjoin(Account, col(Account.id) == m.MemberEvent.actor_id)
            .where(col(m.MemberEvent.member_id) == self.id)
            .order_by(col(m.MemberEvent.on), col(m.MemberEvent.id))
        ).all()
        return [MemberEventType.from_row(e, actor) for e, actor in rows]

    @strawberry.field(description="Transfers of this member, newest first.")
    def transfers(self, info: Info) -> list[TransferType]:
        ctx = ctx_of(info)
        return rows_as(
            TransferType,
            ctx.session.execute(
                select(m.Transfer).where(col(m.Transfer.member_id) == self.id).order_by(col(m.Transfer.id).desc())
            ).scalars()
        )

    @strawberry.field(description="Every recorded change of this member, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Member", self.id, min(first, 200))

    @strawberry.field(description="Democratic evaluation rounds of this member, newest year first.")
    def evaluation_history(self, info: Info) -> list[EvaluationSubjectRef]:
        from partygraph.graphql.types.evaluation import evaluations_of

        return evaluations_of(info, self.id)

    @strawberry.field(description="The member's cadre career: appointments, trials, assessments, step-downs.")
    def cadre_career(self, info: Info) -> CadreCareerRef | None:
        from partygraph.graphql.types.evaluation import career_of

        return career_of(info, self.id)

    @strawberry.field(description="Disciplinary sanctions (党纪处分), newest first; withdrawn ones included.")
    async def sanctions(self, info: Info) -> list[Annotated["MemberSanctionType", strawberry.lazy("partygraph.graphql.types.discipline")]]:  # noqa: UP037
        from partygraph.graphql.types.discipline import sanctions_of

        rows = await sanctions_of(info, self.id)
        return cast("list[MemberSanctionType]", recorded(info, "Member", self.id, FieldGroup.sanctions, rows))  # rows; see resolves_as


@strawberry.type(name="Position", description="A post held by a member in an organisation.")
class PositionType(Node, model=m.Position):
    id: relay.NodeID[int]
    kind: enums.PositionKind
    title: str | None
    start_on: date
    end_on: date | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]
    org_id: strawberry.Private[int]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, m.POSITION_LABELS[m.PositionKind(self.kind)])

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field
    def organization(self, info: Info) -> OrganizationType | None:
        return loaders.now_or_later(loaders.org(ctx_of(info)), self.org_id)


@strawberry.type(name="MemberEvent", description="A change of standing, with date, reason and actor.")
class MemberEventType:
    on: date
    kind: str
    from_status: enums.MemberStatus | None
    to_status: enums.MemberStatus | None
    reason: str | None
    actor_name: str | None

    @staticmethod
    def from_row(e: m.MemberEvent, actor: str | None) -> MemberEventType:
        return MemberEventType(
            on=e.on,
            kind=e.kind,
            from_status=None if e.from_status is None else enums.MemberStatus(e.from_status),
            to_status=None if e.to_status is None else enums.MemberStatus(e.to_status),
            reason=e.reason,
            actor_name=actor or "system",
        )


@strawberry.type(name="Transfer", description="An organisation-relation transfer: sent, then accepted or refused.")
class TransferType(Node, model=m.Transfer):
    id: relay.NodeID[int]
    status: enums.TransferStatus
    sent_on: date
    decided_on: date | None
    reason: str | None
    decision_note: str | None
    letter_number: str | None
    external_org_name: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    from_org_id: strawberry.Private[int]
    member_id: strawberry.Private[int]
    to_org_id: strawberry.Private[int | None]

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(
            info,
            {
                "pending": ("待接收", "Waiting"),
                "accepted": ("已接收", "Accepted"),
                "refused": ("已退回", "Refused"),
                "cancelled": ("已撤回", "Cancelled"),
                "external": ("已转出系统外", "Sent outside"),
            }[self.status],
        )

    @strawberry.field(description="The member's name: the receiving side sees it before accepting.")
    async def member_name(self, info: Info) -> str:
        return await loaders.member_name(ctx_of(info)).load(self.member_id) or ""

    @strawberry.field(description="The member, while in your scope.")
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field
    async def from_org_name(self, info: Info) -> str:
        return await loaders.org_name(ctx_of(info)).load(self.from_org_id) or ""

    @strawberry.field
    async def to_org_name(self, info: Info) -> str | None:
        if self.to_org_id is None:
            return self.external_org_name
        return await loaders.org_name(ctx_of(info)).load(self.to_org_id)

    @strawberry.field
    async def from_organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.from_org_id)

    @strawberry.field
    async def to_organization(self, info: Info) -> OrganizationType | None:
        if self.to_org_id is None:
            return None
        return await loaders.org(ctx_of(info)).load(self.to_org_id)
