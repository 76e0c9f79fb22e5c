"""Account (a clerk's login: role, home organisation) and ApiToken, as administrators see them.

An account is visible when its home organisation lies in the viewer's subtree (and one's own
account always); its tokens only to itself and to county accounts above it
(`services.account.sees_tokens_of`). Password hashes and token digests are never fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from partygraph.graphql import enums, loaders
from partygraph.graphql.types.common import (
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    maybe_resolves_as,
    rows_as,
)
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models.account import ROLE_LABELS, Account, ApiToken, Role
from partygraph.models.organization import Organization
from partygraph.services import account as service


async def _home(info: Info, org_id: int) -> Organization | None:
    return await loaders.org(ctx_of(info)).load(org_id)


def _tokens_loader(info: Info) -> DataLoader:
    ctx = ctx_of(info)

    async def load(keys: list[int]) -> list[list[ApiToken]]:
        found = service.tokens_of(ctx, keys)
        return [found[k] for k in keys]

    return ctx.loader("account_tokens", lambda: DataLoader(load_fn=load))


@strawberry.type(name="ApiToken", description="An API token: only its digest is kept; the token itself was shown once.")
class ApiTokenType(Node, model=ApiToken):
    id: relay.NodeID[int]
    label: str | None
    read_only: bool
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    account_id: strawberry.Private[int]

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, ApiToken | cls)

    @classmethod
    def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        ctx = ctx_of(info)
        ids = [int(i) for i in node_ids]
        rows = ctx.session.execute(
            select(ApiToken, col(Organization.path))
            .join(Account, col(Account.id) == ApiToken.account_id)
            .join(Organization, col(Organization.id) == Account.org_id)
            .where(col(ApiToken.id).in_(ids))
        ).all()
        found = {t.id: t for t, path in rows if service.sees_tokens_of(ctx.viewer, t.account_id, path)}
        return [found.get(i) for i in ids]

    @strawberry.field(description="Not revoked: the token still opens the API (while its account is active).")
    def active(self) -> bool:
        return self.revoked_at is None


@strawberry.type(name="Account", description="A clerk's account: a role at a home organisation; deactivated, never deleted.")
class AccountType(Node, model=Account):
    id: relay.NodeID[int]
    username: str
    display_name: str
    role: enums.Role
    active: bool
    must_change_password: bool = strawberry.field(
        description="An administrator set the password (new account, reset): it must be changed at the next sign-in."
    )
    created_at: datetime
    last_login_at: datetime | None
    version: int
    org_id: strawberry.Private[int]

    @strawberry.field
    def role_label(self, info: Info) -> str:
        return label(info, ROLE_LABELS[Role(self.role)])

    @strawberry.field(description="The home organisation: the top of everything the account sees.")
    async def organization(self, info: Info) -> OrganizationType | None:
        return maybe_resolves_as(OrganizationType, await _home(info, self.org_id))

    @strawberry.field(description="This is the signed-in account.")
    def is_me(self, info: Info) -> bool:
        viewer = ctx_of(info).viewer
        return viewer is not None and viewer.account_id == self.id

    @strawberry.field(
        description="You may change this account's role and home, deactivate or reactivate it and reset its password."
    )
    async def can_administer(self, info: Info) -> bool:
        viewer = ctx_of(info).viewer
        org = await _home(info, self.org_id)
        if org is None or viewer is None or viewer.account_id == self.id:
            return False
        return service.may_administer(viewer, self.role, org.path)

    @strawberry.field(description="Its API tokens, newest first: yours, or (county accounts) those of your subtree; else empty.")
    async def tokens(self, info: Info) -> list[ApiTokenType]:
        viewer = ctx_of(info).viewer
        org = await _home(info, self.org_id)
        if org is None or not service.sees_tokens_of(viewer, self.id, org.path):
            return []
        return rows_as(ApiTokenType, await _tokens_loader(info).load(self.id))

    @strawberry.field(description="Every recorded change of this account (tokens included), newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Account", self.id, min(first, 200))


@strawberry.type(description="A role an administrator may give, with its label.")
class RoleOption:
    value: enums.Role
    label: str


NODE_TYPES = [AccountType, ApiTokenType]
