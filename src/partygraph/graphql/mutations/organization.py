"""Mutations of the organisation tree."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_mutation
from partygraph.graphql.mutations.inputs import db_id, provided
from partygraph.graphql.types.common import resolves_as
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


def _payload(org: object) -> OrganizationPayload:
    return OrganizationPayload(organization=resolves_as(OrganizationType, org))


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Create an organisation under a parent in your scope.")
    def create_organization(self, info: Info, input: CreateOrganizationInput) -> CreateOrganizationResult:
        return run_mutation(
            info,
            lambda ctx: _payload(
                service.create(
                    ctx,
                    parent_id=db_id(input.parent_id, "Organization", "parentId"),
                    code=input.code,
                    name=input.name,
                    kind=input.kind.value,
                    branch_type=input.branch_type.value if input.branch_type else None,
                    established_on=input.established_on,
                    population=input.population,
                    address=input.address,
                )
            ),
        )

    @strawberry.mutation
    def update_organization(self, info: Info, input: UpdateOrganizationInput) -> UpdateOrganizationResult:
        fields = ["code", "name", "kind", "branch_type", "established_on", "population", "address"]
        return run_mutation(
            info,
            lambda ctx: _payload(
                service.update_fields(
                    ctx,
                    db_id(input.id, "Organization", "id"),
                    version=input.version,
                    changes=provided(input, fields),
                )
            ),
        )

    @strawberry.mutation(description="Move an organisation (and its subtree) under another parent.")
    def move_organization(self, info: Info, input: MoveOrganizationInput) -> MoveOrganizationResult:
        return run_mutation(
            info,
            lambda ctx: _payload(
                service.move(
                    ctx,
                    db_id(input.id, "Organization", "id"),
                    new_parent_id=db_id(input.new_parent_id, "Organization", "newParentId"),
                    version=input.version,
                )
            ),
        )

    @strawberry.mutation(description="Dissolve an organisation with no active children or members.")
    def dissolve_organization(self, info: Info, input: DissolveOrganizationInput) -> DissolveOrganizationResult:
        return run_mutation(
            info,
            lambda ctx: _payload(
                service.dissolve(
                    ctx,
                    db_id(input.id, "Organization", "id"),
                    on=input.on,
                    reason=input.reason,
                    version=input.version,
                )
            ),
        )
