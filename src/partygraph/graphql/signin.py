"""Sign-in lockouts for the county administration: list them, lift one (services.signin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.errors import MutationError, run_mutation
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.types.common import ctx_of
from partygraph.services import signin as service


@strawberry.type(description="Sign-in refused for a user name or an address after repeated failures.")
class SignInLockout:
    id: relay.GlobalID
    kind: str = strawberry.field(description="`account` (a user name) or `address` (a client address).")
    key: str = strawberry.field(description="The user name as typed (lower-cased) or the address.")
    account_name: str | None = strawberry.field(description="The account of that name, if one exists.")
    failures: int
    started_at: datetime
    until: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    active: bool
    version: int


def _lockout(row: service.LockoutRow) -> SignInLockout:
    return SignInLockout(
        id=relay.GlobalID("SignInLockout", str(row.id)), kind=row.kind, key=row.key, account_name=row.account_name,
        failures=row.failures, started_at=row.started_at, until=row.until, lifted_at=row.lifted_at,
        lifted_by=row.lifted_by, active=row.active, version=row.version,
    )  # fmt: skip


@strawberry.type
class SignInLockoutPayload:
    lockout: SignInLockout


LiftSignInLockoutResult = Annotated[SignInLockoutPayload | MutationError, strawberry.union("LiftSignInLockoutResult")]


@strawberry.input
class LiftSignInLockoutInput:
    id: relay.GlobalID
    version: int | None = strawberry.field(default=None, description="The version you read; stale → Conflict.")


@strawberry.type
class SignInQuery:
    @strawberry.field(description="Sign-in lockouts, newest first: live ones, or with `includeEnded` also lifted and expired ones. County accounts only.")
    def sign_in_lockouts(self, info: Info, include_ended: bool = False) -> list[SignInLockout]:
        return [_lockout(r) for r in service.lockouts(ctx_of(info), include_ended=include_ended)]


@strawberry.type
class SignInMutation:
    @strawberry.mutation(description="Lift a live sign-in lockout (county accounts only); audited.")
    def lift_sign_in_lockout(self, info: Info, input: LiftSignInLockoutInput) -> LiftSignInLockoutResult:
        return run_mutation(
            info,
            lambda ctx: SignInLockoutPayload(
                lockout=_lockout(service.lift_lockout(ctx, db_id(input.id, "SignInLockout", "id"), version=input.version))
            ),
        )
