"""MemberSanction (党纪处分): a member's disciplinary sanctions, newest first."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from partygraph.graphql import loaders
from partygraph.graphql.types.common import (
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    recorded,
    row_of,
)
from partygraph.graphql.types.member import MemberType
from partygraph.models.access_log import FieldGroup
from partygraph.models.discipline import MemberSanction
from partygraph.rules import discipline as rd
from partygraph.services import discipline as service

# Model and rule enums registered as GraphQL enums in place (strawberry.enum returns the class),
# so each name below is the enum class itself.
SanctionKind = rd.SanctionKind
strawberry.enum(
    SanctionKind,
    name="SanctionKind",
    description="The five sanctions of the Party Constitution art. 39.",
)


def sanctions_loader(info: Info) -> DataLoader:
    """Key: member id (already in scope) → its sanctions, newest first; one statement per level."""
    ctx = ctx_of(info)

    async def load(keys: list[int]) -> list[list[MemberSanction]]:
        found = service.of_members(ctx, keys)
        return [found.get(k, []) for k in keys]

    return ctx.loader("member_sanctions", lambda: DataLoader(load_fn=load))


async def sanctions_of(info: Info, member_id: int) -> list[MemberSanction]:
    return await sanctions_loader(info).load(member_id)


@strawberry.type(
    name="MemberSanction",
    description="A disciplinary sanction of a member; withdrawn, never deleted.",
)
class MemberSanctionType(Node, model=MemberSanction):
    id: relay.NodeID[int]
    decided_on: date
    effective_from: date
    effective_until: date | None = strawberry.field(
        description="留党察看: its last day (one or two years)."
    )
    decided_by: str = strawberry.field(description="The deciding body, e.g. 县纪委.")
    document: str | None = strawberry.field(description="The decision's reference number.")
    lifted_on: date | None = strawberry.field(
        description="留党察看 ended: the member's rights restored on this day."
    )
    lift_document: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]

    @strawberry.field
    def kind(self, info: Info) -> SanctionKind:
        return SanctionKind(recorded(info, "Member", self.member_id, FieldGroup.sanctions, row_of(MemberSanction, self).kind))

    @strawberry.field
    def reason(self, info: Info) -> str | None:
        return recorded(info, "Member", self.member_id, FieldGroup.sanctions, row_of(MemberSanction, self).reason)

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        kind = recorded(info, "Member", self.member_id, FieldGroup.sanctions, row_of(MemberSanction, self).kind)
        return label(info, rd.SANCTION_KIND_LABELS[rd.SanctionKind(kind)])

    @strawberry.field(
        description="Under 留党察看 today (rights not restored): cannot introduce a candidate (R-DEV-09)."
    )
    def under_party_probation(self, info: Info) -> bool:
        return rd.under_party_probation([service.as_record(row_of(MemberSanction, self))], ctx_of(info).today())

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field(description="Every recorded change of this sanction, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "MemberSanction", self.id, min(first, 200))


NODE_TYPES = [MemberSanctionType]
