"""Root field of development plans: the plans of a subtree, by year, kind and status."""

from __future__ import annotations

import strawberry
from sqlalchemy import ColumnElement, false
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.errors import NotFoundError
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey, paginate
from partygraph.graphql.types.common import ctx_of
from partygraph.graphql.types.plan import (
    DevelopmentPlanType,
    PlanKind,
    PlanStatus,
    PlanStructureDefault,
    structure_defaults,
)
from partygraph.models.plan import DevelopmentPlan
from partygraph.rules.plan import LIVE_STATUSES
from partygraph.scope import path_range, scoped_select
from partygraph.services import organization as org_service


def plan_conditions(
    info: Info,
    under: relay.GlobalID | None,
    year: int | None,
    kind: PlanKind | None,
    status: list[PlanStatus] | None,
) -> list[ColumnElement[bool]]:
    ctx = ctx_of(info)
    conds: list[ColumnElement[bool]] = []
    if under is not None:
        try:
            org = org_service.get(ctx, db_id(under, "Organization", "under"))
        except NotFoundError:
            return [false()]  # out of scope: nothing, exactly as for an unknown id
        conds.append(path_range(col(DevelopmentPlan.org_path), org.path))
    if year is not None:
        conds += [col(DevelopmentPlan.first_year) <= year, col(DevelopmentPlan.last_year) >= year]
    if kind is not None:
        conds.append(col(DevelopmentPlan.kind) == kind.value)
    statuses = [s.value for s in status] if status else [s.value for s in LIVE_STATUSES]
    conds.append(col(DevelopmentPlan.status).in_(statuses))
    return conds


@strawberry.type
class PlanQuery:
    @strawberry.field(
        description="Development plans in your scope, in tree order (a parent before its children): "
        "`year` keeps the plans whose period covers it; live plans (draft, adopted) unless `status` says otherwise."
    )
    def development_plans(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        year: int | None = None,
        kind: PlanKind | None = None,
        status: list[PlanStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DevelopmentPlanType]:
        stmt = scoped_select(ctx_of(info), DevelopmentPlan, *plan_conditions(info, under, year, kind, status))
        sort = SortKey(
            (col(DevelopmentPlan.org_path), col(DevelopmentPlan.first_year), col(DevelopmentPlan.id)),
            parse=(str, int, int),
        )
        return paginate(
            info, stmt, sort, lambda p: (p.org_path, p.first_year, p.id), first=first, after=after
        )

    @strawberry.field(
        description="The deployment's structure targets: what a plan's empty percentage stands for."
    )
    def development_plan_defaults(self, info: Info) -> list[PlanStructureDefault]:
        return structure_defaults(info)
