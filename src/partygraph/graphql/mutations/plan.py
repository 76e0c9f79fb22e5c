"""Mutations of development plans: create, update, adopt, withdraw (never delete)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.errors import MutationError, run_service
from partygraph.graphql.mutations.inputs import db_id, provided, service_args
from partygraph.graphql.types.plan import DevelopmentPlanType, PlanKind
from partygraph.services import plan as service


@strawberry.type
class DevelopmentPlanPayload:
    plan: DevelopmentPlanType


CreateDevelopmentPlanResult = Annotated[DevelopmentPlanPayload | MutationError, strawberry.union("CreateDevelopmentPlanResult")]
UpdateDevelopmentPlanResult = Annotated[DevelopmentPlanPayload | MutationError, strawberry.union("UpdateDevelopmentPlanResult")]
AdoptDevelopmentPlanResult = Annotated[DevelopmentPlanPayload | MutationError, strawberry.union("AdoptDevelopmentPlanResult")]
WithdrawDevelopmentPlanResult = Annotated[
    DevelopmentPlanPayload | MutationError, strawberry.union("WithdrawDevelopmentPlanResult")
]

TARGET_FIELDS = [
    "new_activists", "new_targets", "admissions", "conversions",
    "age_le35_pct", "junior_high_plus_pct", "senior_high_plus_pct", "junior_college_plus_pct", "women_pct", "front_line_pct",
]  # fmt: skip


@strawberry.input(
    description="A new draft plan. Percentages left out use the deployment's default targets."
)
class CreateDevelopmentPlanInput:
    org_id: relay.GlobalID
    kind: PlanKind
    first_year: int
    last_year: int | None = strawberry.field(
        default=None, description="Default: the kind's span (1 or 3 years)."
    )
    new_activists: int = 0
    new_targets: int = 0
    admissions: int = 0
    conversions: int = 0
    age_le35_pct: int | None = None
    junior_high_plus_pct: int | None = None
    senior_high_plus_pct: int | None = None
    junior_college_plus_pct: int | None = None
    women_pct: int | None = None
    front_line_pct: int | None = None
    notes: str | None = None


@strawberry.input(
    description="Only the fields sent change; a percentage sent as null returns to the default."
)
class UpdateDevelopmentPlanInput:
    id: relay.GlobalID
    version: int | None = strawberry.field(
        default=None, description="The version you read; stale → Conflict."
    )
    first_year: int | None = strawberry.UNSET
    last_year: int | None = strawberry.UNSET
    new_activists: int | None = strawberry.UNSET
    new_targets: int | None = strawberry.UNSET
    admissions: int | None = strawberry.UNSET
    conversions: int | None = strawberry.UNSET
    age_le35_pct: int | None = strawberry.UNSET
    junior_high_plus_pct: int | None = strawberry.UNSET
    senior_high_plus_pct: int | None = strawberry.UNSET
    junior_college_plus_pct: int | None = strawberry.UNSET
    women_pct: int | None = strawberry.UNSET
    front_line_pct: int | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET


@strawberry.input
class AdoptDevelopmentPlanInput:
    id: relay.GlobalID
    version: int | None = None
    adopted_on: date | None = strawberry.field(default=None, description="Default: today.")


@strawberry.input
class WithdrawDevelopmentPlanInput:
    id: relay.GlobalID
    version: int | None = None
    reason: str


def _plan_id(gid: relay.GlobalID) -> int:
    return db_id(gid, "DevelopmentPlan", "id")


@strawberry.type
class PlanMutation:
    @strawberry.mutation(description="Make a draft development plan for an organisation (R-PLAN-01..07).")
    def create_development_plan(self, info: Info, input: CreateDevelopmentPlanInput) -> CreateDevelopmentPlanResult:
        return run_service(
            info, DevelopmentPlanPayload, lambda ctx: service.create(ctx, **service_args(input, {"org_id": "Organization"}))
        )

    @strawberry.mutation(description="Change a draft or adopted plan; a withdrawn one is final (R-PLAN-08).")
    def update_development_plan(self, info: Info, input: UpdateDevelopmentPlanInput) -> UpdateDevelopmentPlanResult:
        changes = provided(input, ["first_year", "last_year", *TARGET_FIELDS, "notes"])
        return run_service(
            info,
            DevelopmentPlanPayload,
            lambda ctx: service.update(ctx, _plan_id(input.id), version=input.version, changes=changes),
        )

    @strawberry.mutation(description="The organisation adopts its draft plan (R-PLAN-08, R-PLAN-09).")
    def adopt_development_plan(self, info: Info, input: AdoptDevelopmentPlanInput) -> AdoptDevelopmentPlanResult:
        return run_service(
            info,
            DevelopmentPlanPayload,
            lambda ctx: service.adopt(ctx, _plan_id(input.id), version=input.version, on=input.adopted_on),
        )

    @strawberry.mutation(description="Withdraw a plan (kept with its reason, no longer live) instead of deleting it.")
    def withdraw_development_plan(self, info: Info, input: WithdrawDevelopmentPlanInput) -> WithdrawDevelopmentPlanResult:
        return run_service(info, DevelopmentPlanPayload, lambda ctx: service.withdraw(ctx, _plan_id(input.id), **service_args(input)))
