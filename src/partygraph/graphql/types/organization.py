"""The Organization node: the tree, its members, its committee, its compliance."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from sqlmodel import col
from strawberry import relay
from strawberry.relay import PageInfo
from strawberry.types import Info

from partygraph.graphql import enums, loaders
from partygraph.graphql.filters import (
    MemberFilter,
    OrgFilter,
    apply_members,
    member_sort,
    org_conditions,
    org_sort,
)
from partygraph.graphql.pagination import (
    Connection,
    Edge,
    page_size,
    paginate,
    wants_in_nodes,
)
from partygraph.graphql.types.common import (
    AuditEventType,
    ComplianceWarning,
    Node,
    ctx_of,
    history,
    label,
    rows_as,
)
from partygraph.models import organization as m
from partygraph.models.member import COMMITTEE_KINDS, Member, MemberStatus, PositionKind
from partygraph.rules.organization import Structure, compliance
from partygraph.scope import path_range, scoped_select

if TYPE_CHECKING:
    from partygraph.graphql.types.member import MemberType, PositionType
    from partygraph.graphql.types.plan import DevelopmentPlanType

MemberRef = Annotated["MemberType", strawberry.lazy("partygraph.graphql.types.member")]
PositionRef = Annotated["PositionType", strawberry.lazy("partygraph.graphql.types.member")]


@strawberry.type(description="Active members of a subtree by standing.")
class MemberCounts:
    total: int
    full: int
    probationary: int


@strawberry.type(name="Organization", description="A Party organisation: committee, general branch, branch or group.")
class OrganizationType(Node, model=m.Organization):
    id: relay.NodeID[int]
    code: str
    name: str
    kind: enums.OrgKind
    branch_type: enums.BranchType | None
    established_on: date | None
    population: int | None
    address: str | None
    status: enums.OrgStatus
    dissolved_on: date | None
    dissolved_reason: str | None
    depth: int
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    parent_id: strawberry.Private[int | None]
    path: strawberry.Private[str]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, m.ORG_KIND_LABELS[m.OrgKind(self.kind)])

    @strawberry.field
    def branch_type_label(self, info: Info) -> str | None:
        return label(info, m.BRANCH_TYPE_LABELS[m.BranchType(self.branch_type)]) if self.branch_type else None

    @strawberry.field(description="The organisation above; null at the top of your scope.")
    async def parent(self, info: Info) -> OrganizationType | None:
        if self.parent_id is None:
            return None
        return await loaders.org(ctx_of(info)).load(self.parent_id)

    @strawberry.field(description="From the top of your scope down to the parent.")
    def ancestors(self, info: Info) -> list[OrganizationType]:
        ctx = ctx_of(info)
        path: str = self.path
        prefixes = [path[: i + 1] for i, ch in enumerate(path[:-1]) if ch == "."]
        if not prefixes:
            return []
        rows = ctx.session.execute(
            scoped_select(ctx, m.Organization, col(m.Organization.path).in_(prefixes))
            .order_by(col(m.Organization.depth))
        ).scalars()
        return rows_as(OrganizationType, rows)

    @strawberry.field
    async def children(
        self, info: Info, kind: enums.OrgKind | None = None, include_dissolved: bool = False
    ) -> list[OrganizationType]:
        key = (self.id, include_dissolved, kind.value if kind else None)
        return await loaders.children(ctx_of(info)).load(key)

    @strawberry.field(description="This organisation's live development plans (three-year first); `year`: those covering it.")
    def development_plans(self, info: Info, year: int | None = None) -> list[Annotated["DevelopmentPlanType", strawberry.lazy("partygraph.graphql.types.plan")]]:  # noqa: UP037
        from partygraph.graphql.types.plan import plans_of

        return cast("list[DevelopmentPlanType]", plans_of(info, self.id, year))  # rows; see resolves_as

    @strawberry.field(description="Active child organisations in your scope.")
    async def child_count(self, info: Info) -> int:
        return len(await loaders.children(ctx_of(info)).load((self.id, False, None)))

    @strawberry.field(description="Every organisation below this one, in tree order.")
    def descendants(
        self,
        info: Info,
        filter: OrgFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
    ) -> Connection[OrganizationType]:
        ctx = ctx_of(info)
        path: str = self.path
        stmt = scoped_select(
            ctx,
            m.Organization,
            path_range(col(m.Organization.path), path),
            col(m.Organization.id) != self.id,
            *org_conditions(ctx, filter),
        )
        return paginate(info, stmt, org_sort(None), first=first, after=after, offset=offset)

    @strawberry.field(description="Members of the whole subtree (groups included).")
    async def members(
        self,
        info: Info,
        filter: MemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
        order_by: enums.MemberOrder | None = None,
    ) -> Connection[MemberRef]:
        ctx = ctx_of(info)
        sort = member_sort(order_by)
        if after or offset:
            stmt = apply_members(ctx, scoped_select(ctx, Member, path_range(col(Member.org_path), self.path)), filter)
            return paginate(info, stmt, sort, first=first, after=after, offset=offset)
        limit = page_size(ctx, first)
        with_orgs, with_posts = wants_in_nodes(info, "organization"), wants_in_nodes(info, "positions")

        def then(rows: list[Member]) -> None:
            # every subtree's page arrives in this one batch: prime what its rows will ask for
            if with_orgs:
                loaders.prime_orgs(ctx, [m.org_id for m in rows])
            if with_posts:
                loaders.prime_positions(ctx, [m.id for m in rows])

        filter_key = (repr(filter), order_by, with_orgs, with_posts)
        loader = loaders.members_under(ctx, lambda s: apply_members(ctx, s, filter), sort.order_by(), filter_key, then)
        rows, total = await loader.load((self.id, limit + 1))
        has_next = len(rows) > limit
        rows = rows[:limit]
        edges = [Edge(cursor=sort.cursor_of(r), node=r) for r in rows]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
        )

    @strawberry.field(description="Active members of the subtree, by standing.")
    async def member_counts(self, info: Info) -> MemberCounts:
        counts = await loaders.member_counts(ctx_of(info)).load(self.id)
        full = counts.get(MemberStatus.full, 0)
        prob = counts.get(MemberStatus.probationary, 0)
        return MemberCounts(total=full + prob, full=full, probationary=prob)

    @strawberry.field(description="Posts held in this organisation now (secretary, committee, group leaders).")
    async def officers(self, info: Info) -> list[PositionRef]:
        return await loaders.current_positions_at(ctx_of(info)).load(self.id)

    @strawberry.field
    async def secretary(self, info: Info) -> MemberRef | None:
        posts = await loaders.current_positions_at(ctx_of(info)).load(self.id)
        for p in posts:
            if p.kind == PositionKind.secretary:
                return await loaders.member(ctx_of(info)).load(p.member_id)
        return None

    @strawberry.field(description="Structure warnings of docs/domain.md §2 (branch committee size, secretary…).")
    async def compliance(self, info: Info) -> list[ComplianceWarning]:
        ctx = ctx_of(info)
        counts = await loaders.member_counts(ctx).load(self.id)
        posts = await loaders.current_positions_at(ctx).load(self.id)
        committee = {p.member_id for p in posts if p.kind in COMMITTEE_KINDS}
        structure = Structure(
            kind=self.kind,
            members=counts.get(MemberStatus.full, 0) + counts.get(MemberStatus.probationary, 0),
            full_members=counts.get(MemberStatus.full, 0),
            committee_size=len(committee),
            has_secretary=any(p.kind == PositionKind.secretary for p in posts),
        )
        return [
            ComplianceWarning(
                code=v.code,
                message=v.message_zh if ctx.lang == "zh" else v.message_en,
                message_zh=v.message_zh,
                message_en=v.message_en,
            )
            for v in compliance(structure, ctx.settings.structure)
        ]

    @strawberry.field(description="Every recorded change of this organisation, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Organization", self.id, min(first, 200))
