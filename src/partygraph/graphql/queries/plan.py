"""Root field of development plans: the plans of a subtree, by year, kind and status."""

from __future__ import annotations

import strawberry
from sqlalchemy import ColumnElement
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.lists import scoped_page, under_conditions
from partygraph.graphql.pagination import Connection, SortKey
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


def plan_conditions(
    info: Info,
    under: relay.GlobalID | None,
    year: int | None,
    kind: PlanKind | None,
    status: list[PlanStatus] | None,
) -> list[ColumnElement[bool]]:
    conds = under_conditions(ctx_of(info), DevelopmentPlan, under)
    if year is not None:
        conds += [col(DevelopmentPlan.first_year) <= year, col(DevelopmentPlan.last_year) >= year]
    if kind is not None:
        conds.append(col(DevelopmentPlan.kind) == kind.value)
    statuses = [s.value for s in status] if status else [s.value for s in LIVE_STATUSES]
    conds.append(col(DevelopmentPlan.status).in_(statuses))
    return conds


# Tree order: a parent's plans before its children's.
PLAN_ORDER = SortKey((col(DevelopmentPlan.org_path), col(DevelopmentPlan.first_year), col(DevelopmentPlan.id)))


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
        conds = plan_conditions(info, under, year, kind, status)
        return scoped_page(info, DevelopmentPlan, conds, PLAN_ORDER, first=first, after=after)

    @strawberry.field(
        description="The deployment's structure targets: what a plan's empty percentage stands for."
    )
    def development_plan_defaults(self, info: Info) -> list[PlanStructureDefault]:
        return structure_defaults(info)
