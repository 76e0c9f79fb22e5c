"""Mutations of account administration (rules R-ACC-01..13 in services.account): create, change
role / home / name, deactivate and reactivate (never delete), reset a password; one's own
password and API tokens. One-time passwords and tokens are in the payload once, and nowhere else."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_mutation, run_service
from partygraph.graphql.mutations.inputs import db_id, service_args
from partygraph.graphql.types.account import AccountType, ApiTokenType
from partygraph.graphql.types.common import resolves_as
from partygraph.services import account as service


@strawberry.type
class AccountPayload:
    account: AccountType


@strawberry.type
class AccountPasswordPayload:
    account: AccountType
    one_time_password: str = strawberry.field(
        description="Shown once: hand it to the clerk, who must change it at the first sign-in. Not kept anywhere."
    )


@strawberry.type
class ApiTokenPayload:
    api_token: ApiTokenType


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiTokenType
    token: str = strawberry.field(description="The bearer token, shown once: only its digest is kept.")


CreateAccountResult = Annotated[AccountPasswordPayload | MutationError, strawberry.union("CreateAccountResult")]
UpdateAccountResult = Annotated[AccountPayload | MutationError, strawberry.union("UpdateAccountResult")]
DeactivateAccountResult = Annotated[AccountPayload | MutationError, strawberry.union("DeactivateAccountResult")]
ReactivateAccountResult = Annotated[AccountPayload | MutationError, strawberry.union("ReactivateAccountResult")]
ResetAccountPasswordResult = Annotated[AccountPasswordPayload | MutationError, strawberry.union("ResetAccountPasswordResult")]
ChangeMyPasswordResult = Annotated[AccountPayload | MutationError, strawberry.union("ChangeMyPasswordResult")]
CreateMyApiTokenResult = Annotated[CreateApiTokenPayload | MutationError, strawberry.union("CreateMyApiTokenResult")]
RevokeApiTokenResult = Annotated[ApiTokenPayload | MutationError, strawberry.union("RevokeApiTokenResult")]


@strawberry.input
class CreateAccountInput:
    username: str
    display_name: str
    role: enums.Role
    org_id: relay.GlobalID = strawberry.field(description="The home organisation, in your subtree.")


@strawberry.input(description="Only the fields sent change.")
class UpdateAccountInput:
    id: relay.GlobalID
    version: int | None = strawberry.field(default=None, description="The version you read; stale → Conflict.")
    role: enums.Role | None = None
    org_id: relay.GlobalID | None = None
    display_name: str | None = None


@strawberry.input
class DeactivateAccountInput:
    id: relay.GlobalID
    version: int | None = None
    reason: str | None = None


@strawberry.input
class ReactivateAccountInput:
    id: relay.GlobalID
    version: int | None = None


@strawberry.input
class ResetAccountPasswordInput:
    id: relay.GlobalID


@strawberry.input
class ChangeMyPasswordInput:
    old_password: str
    new_password: str


@strawberry.input
class CreateMyApiTokenInput:
    label: str | None = None
    read_only: bool = False


@strawberry.input
class RevokeApiTokenInput:
    id: relay.GlobalID


def _account_id(gid: relay.GlobalID) -> int:
    return db_id(gid, "Account", "id")


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="A new account with a one-time password (R-ACC-01, 02, 04, 05, 10).")
    def create_account(self, info: Info, input: CreateAccountInput) -> CreateAccountResult:
        def use_case(ctx: Context) -> AccountPasswordPayload:
            account, password = service.create(ctx, **service_args(input, {"org_id": "Organization"}))
            return AccountPasswordPayload(account=resolves_as(AccountType, account), one_time_password=password)

        return run_mutation(info, use_case)

    @strawberry.mutation(description="Change an account's role, home organisation or name (R-ACC-02, 03, 08, 10).")
    def update_account(self, info: Info, input: UpdateAccountInput) -> UpdateAccountResult:
        return run_service(
            info,
            AccountPayload,
            lambda ctx: service.update(ctx, _account_id(input.id), **service_args(input, {"org_id": "Organization"})),
        )

    @strawberry.mutation(description="Deactivate an account: its sign-in, sessions and tokens stop at once (R-ACC-03, 08, 09).")
    def deactivate_account(self, info: Info, input: DeactivateAccountInput) -> DeactivateAccountResult:
        return run_service(info, AccountPayload, lambda ctx: service.deactivate(ctx, _account_id(input.id), **service_args(input)))

    @strawberry.mutation(description="Reactivate a deactivated account (R-ACC-03, 08, 09).")
    def reactivate_account(self, info: Info, input: ReactivateAccountInput) -> ReactivateAccountResult:
        return run_service(info, AccountPayload, lambda ctx: service.reactivate(ctx, _account_id(input.id), **service_args(input)))

    @strawberry.mutation(description="A new one-time password for another account, which must change it at the next sign-in (R-ACC-03, 08).")
    def reset_account_password(self, info: Info, input: ResetAccountPasswordInput) -> ResetAccountPasswordResult:
        def use_case(ctx: Context) -> AccountPasswordPayload:
            account, password = service.reset_password(ctx, _account_id(input.id))
            return AccountPasswordPayload(account=resolves_as(AccountType, account), one_time_password=password)

        return run_mutation(info, use_case)

    @strawberry.mutation(description="Change your own password, giving the current one (R-ACC-06, 07, 11).")
    def change_my_password(self, info: Info, input: ChangeMyPasswordInput) -> ChangeMyPasswordResult:
        return run_service(info, AccountPayload, lambda ctx: service.change_own_password(ctx, **service_args(input)))

    @strawberry.mutation(description="A new API token for yourself, shown once.")
    def create_my_api_token(self, info: Info, input: CreateMyApiTokenInput) -> CreateMyApiTokenResult:
        def use_case(ctx: Context) -> CreateApiTokenPayload:
            row, token = service.create_own_token(ctx, **service_args(input))
            return CreateApiTokenPayload(api_token=resolves_as(ApiTokenType, row), token=token)

        return run_mutation(info, use_case)

    @strawberry.mutation(description="Revoke an API token: yours, or (county accounts) one of your subtree (R-ACC-12, 13).")
    def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenResult:
        return run_service(
            info, ApiTokenPayload, lambda ctx: service.revoke_own_or_scoped_token(ctx, db_id(input.id, "ApiToken", "id"))
        )
