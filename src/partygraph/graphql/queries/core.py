"""Root fields for the foundation: node, me, organisations, members, transfers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy import ColumnElement, Select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql import enums, loaders
from partygraph.graphql.filters import (
    MemberFilter,
    OrgFilter,
    member_conditions,
    member_sort,
    org_conditions,
    org_sort,
)
from partygraph.graphql.lists import scoped_page
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey, wants_in_nodes
from partygraph.graphql.types.common import ctx_of, label, maybe_resolves_as
from partygraph.graphql.types.member import MemberType, TransferType
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models.account import ROLE_LABELS
from partygraph.models.account import Role as RoleModel
from partygraph.models.member import Member, Transfer
from partygraph.models.organization import Organization
from partygraph.scope import scoped_select, within

TRANSFERS_NEWEST_FIRST = SortKey((col(Transfer.id),), descending=True)


def transfer_conditions(
    ctx: Context,
    direction: enums.TransferDirection,
    status: list[str] | None = None,
    sent_from: date | None = None,
    sent_to: date | None = None,
) -> list[ColumnElement[bool]]:
    """The filters of `transfers(...)` (and of its export), on top of the viewer's scope."""
    conds: list[ColumnElement[bool]] = []
    # One direction keeps the transfers whose receiving (or sending) end is in scope: the
    # declared scope is either end, so the direction names the column itself.
    if direction == enums.TransferDirection.INCOMING:
        conds.append(within(col(Transfer.to_org_path), ctx.viewer))
    elif direction == enums.TransferDirection.OUTGOING:
        conds.append(within(col(Transfer.from_org_path), ctx.viewer))
    if status:
        conds.append(col(Transfer.status).in_(status))
    # A range that ends before it starts matches nothing, like any other narrowing filter.
    if sent_from is not None:
        conds.append(col(Transfer.sent_on) >= sent_from)
    if sent_to is not None:
        conds.append(col(Transfer.sent_on) <= sent_to)
    return conds


def transfer_select(
    ctx: Context,
    direction: enums.TransferDirection,
    status: list[str] | None = None,
    sent_from: date | None = None,
    sent_to: date | None = None,
) -> Select:
    """The transfers of `transfers(...)` (and of its export), in ctx's scope."""
    return scoped_select(ctx, Transfer, *transfer_conditions(ctx, direction, status, sent_from, sent_to))


@strawberry.type(description="The signed-in account.")
class Me:
    username: str
    display_name: str
    role: enums.Role
    can_write: bool
    read_only_token: bool

    @strawberry.field
    def role_label(self, info: Info) -> str:
        return label(info, ROLE_LABELS[RoleModel(self.role)])

    @strawberry.field(description="Your home organisation: the top of everything you can see.")
    def organization(self, info: Info) -> OrganizationType | None:
        ctx = ctx_of(info)
        return maybe_resolves_as(OrganizationType, ctx.session.get(Organization, ctx.viewer.org_id) if ctx.viewer else None)


@strawberry.type
class CoreQuery:
    node: relay.Node | None = relay.node()
    nodes: list[relay.Node | None] = relay.node()

    @strawberry.field
    def me(self, info: Info) -> Me | None:
        v = ctx_of(info).viewer
        if v is None:
            return None
        return Me(username=v.username, display_name=v.display_name, role=v.role, can_write=v.can_write, read_only_token=v.read_only)

    @strawberry.field(description="One organisation by its code (or global id), if in your scope.")
    def organization(self, info: Info, code: str | None = None, id: relay.GlobalID | None = None) -> OrganizationType | None:
        ctx = ctx_of(info)
        stmt = scoped_select(ctx, Organization)
        if id is not None:
            stmt = stmt.where(col(Organization.id) == db_id(id, "Organization", "id"))
        elif code is not None:
            stmt = stmt.where(col(Organization.code) == code.strip())
        else:
            return None
        return maybe_resolves_as(OrganizationType, ctx.session.execute(stmt).scalar())

    @strawberry.field(description="Organisations in your scope, filtered; tree order by default.")
    def organizations(
        self,
        info: Info,
        filter: OrgFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
        order_by: enums.OrgOrder | None = None,
    ) -> Connection[OrganizationType]:
        conds = org_conditions(ctx_of(info), filter)
        return scoped_page(info, Organization, conds, org_sort(order_by), first=first, after=after, offset=offset)

    @strawberry.field(description="Members in your scope: search by name, pinyin or initials; filter; sort.")
    def members(
        self,
        info: Info,
        filter: MemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
        order_by: enums.MemberOrder | None = None,
    ) -> Connection[MemberType]:
        ctx = ctx_of(info)
        conds = member_conditions(ctx, filter)
        page = scoped_page(info, Member, conds, member_sort(order_by), first=first, after=after, offset=offset)
        if wants_in_nodes(info, "organization"):
            loaders.prime_orgs(ctx, [e.node.org_id for e in page.edges])
        return page

    @strawberry.field(
        description="Relation transfers that touch your scope: incoming, outgoing or both; by status and by the "
        "day sent (sentFrom / sentTo, both inclusive). Newest first."
    )
    def transfers(
        self,
        info: Info,
        direction: enums.TransferDirection = enums.TransferDirection.ALL,
        status: list[enums.TransferStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
        sent_from: Annotated[
            date | None, strawberry.argument(description="Sent on or after this day.")
        ] = None,
        sent_to: Annotated[
            date | None, strawberry.argument(description="Sent on or before this day.")
        ] = None,
    ) -> Connection[TransferType]:
        ctx = ctx_of(info)
        conds = transfer_conditions(ctx, direction, [s.value for s in status or []], sent_from, sent_to)
        return scoped_page(info, Transfer, conds, TRANSFERS_NEWEST_FIRST, first=first, after=after)
