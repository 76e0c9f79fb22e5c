"""Mutations of the organisation tree."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_service
from partygraph.graphql.mutations.inputs import db_id, service_args
from partygraph.graphql.types.organization import OrganizationType
from partygraph.services import organization as service


@strawberry.type
class OrganizationPayload:
    organization: OrganizationType


CreateOrganizationResult = Annotated[OrganizationPayload | MutationError, strawberry.union("CreateOrganizationResult")]
UpdateOrganizationResult = Annotated[OrganizationPayload | MutationError, strawberry.union("UpdateOrganizationResult")]
MoveOrganizationResult = Annotated[OrganizationPayload | MutationError, strawberry.union("MoveOrganizationResult")]
DissolveOrganizationResult = Annotated[OrganizationPayload | MutationError, strawberry.union("DissolveOrganizationResult")]


@strawberry.input
class CreateOrganizationInput:
    parent_id: relay.GlobalID
    code: str
    name: str
    kind: enums.OrgKind
    branch_type: enums.BranchType | None = None
    established_on: date | None = None
    population: int | None = None
    address: str | None = None


@strawberry.input(description="Fields left out are unchanged; `version` is the one you read.")
class UpdateOrganizationInput:
    id: relay.GlobalID
    version: int
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    kind: enums.OrgKind | None = strawberry.UNSET
    branch_type: enums.BranchType | None = strawberry.UNSET
    established_on: date | None = strawberry.UNSET
    population: int | None = strawberry.UNSET
    address: str | None = strawberry.UNSET


@strawberry.input
class MoveOrganizationInput:
    id: relay.GlobalID
    new_parent_id: relay.GlobalID
    version: int


@strawberry.input
class DissolveOrganizationInput:
    id: relay.GlobalID
    on: date
    reason: str
    version: int


def _org_id(input: Any) -> int:
    return db_id(input.id, "Organization", "id")


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Create an organisation under a parent in your scope.")
    def create_organization(self, info: Info, input: CreateOrganizationInput) -> CreateOrganizationResult:
        return run_service(
            info, OrganizationPayload, lambda ctx: service.create(ctx, **service_args(input, {"parent_id": "Organization"}))
        )

    @strawberry.mutation
    def update_organization(self, info: Info, input: UpdateOrganizationInput) -> UpdateOrganizationResult:
        changes = service_args(input, skip=("version",))
        return run_service(
            info,
            OrganizationPayload,
            lambda ctx: service.update_fields(ctx, _org_id(input), version=input.version, changes=changes),
        )

    @strawberry.mutation(description="Move an organisation (and its subtree) under another parent.")
    def move_organization(self, info: Info, input: MoveOrganizationInput) -> MoveOrganizationResult:
        ids = {"new_parent_id": "Organization"}
        return run_service(info, OrganizationPayload, lambda ctx: service.move(ctx, _org_id(input), **service_args(input, ids)))

    @strawberry.mutation(description="Dissolve an organisation with no active children or members.")
    def dissolve_organization(self, info: Info, input: DissolveOrganizationInput) -> DissolveOrganizationResult:
        return run_service(info, OrganizationPayload, lambda ctx: service.dissolve(ctx, _org_id(input), **service_args(input)))
