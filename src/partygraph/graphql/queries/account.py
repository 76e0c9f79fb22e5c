"""Root fields of account administration: the accounts of your subtree, your own account,
and the roles you may give (see services.account for who administers whom)."""

from __future__ import annotations

from enum import Enum

import strawberry
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql import enums, loaders
from partygraph.graphql.lists import scoped_page, under_conditions
from partygraph.graphql.pagination import Connection, SortKey, wants_in_nodes
from partygraph.graphql.types.account import AccountType, RoleOption
from partygraph.graphql.types.common import ctx_of, label, maybe_resolves_as
from partygraph.models.account import ROLE_LABELS, Account, Role
from partygraph.models.organization import Organization
from partygraph.services import account as service


@strawberry.enum
class AccountOrder(Enum):
    USERNAME_ASC = "username_asc"
    USERNAME_DESC = "username_desc"
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    CREATED_ASC = "created_asc"
    CREATED_DESC = "created_desc"
    ORGANIZATION = "organization"


@strawberry.input(description="Narrow the accounts list; every field is optional and they combine with AND.")
class AccountFilter:
    search: str | None = strawberry.field(default=None, description="Part of the username or the name.")
    under: relay.GlobalID | None = strawberry.field(default=None, description="Accounts homed in this organisation's subtree.")
    role: list[enums.Role] | None = None
    active: bool | None = strawberry.field(default=None, description="Default: both active and deactivated.")


def _conditions(info: Info, f: AccountFilter | None) -> list[ColumnElement[bool]]:
    ctx = ctx_of(info)
    viewer = ctx.viewer
    if viewer is None:
        return [false()]
    if not service.administered_roles(viewer):
        # Accounts that administer nobody see only themselves: usernames are not for browsing.
        conds: list[ColumnElement[bool]] = [col(Account.id) == (viewer.account_id or -1)]
    else:
        conds = []  # the list reads through scoped_select: the scope is Account's own
    if f is None:
        return conds
    if f.search and f.search.strip():
        needle = f"%{f.search.strip().lower()[:60]}%"
        conds.append(or_(func.lower(col(Account.username)).like(needle), func.lower(col(Account.display_name)).like(needle)))
    if f.under is not None:
        # An account's scope is a rule of its own (scope._own_account): `under` is its home's.
        homes = select(col(Organization.id)).where(*under_conditions(ctx, Organization, f.under))
        conds.append(col(Account.org_id).in_(homes))
    if f.role:
        conds.append(col(Account.role).in_([r.value for r in f.role]))
    if f.active is not None:
        conds.append(col(Account.active).is_(f.active))
    return conds


def _sort(order: AccountOrder | None) -> SortKey:
    o = order or AccountOrder.USERNAME_ASC
    desc = o.value.endswith("_desc")
    if o in (AccountOrder.NAME_ASC, AccountOrder.NAME_DESC):
        return SortKey((col(Account.display_name), col(Account.id)), descending=desc)
    if o in (AccountOrder.CREATED_ASC, AccountOrder.CREATED_DESC):
        # The id follows the creation order and is unique: a keyset of one column.
        return SortKey((col(Account.id),), descending=desc)
    if o is AccountOrder.ORGANIZATION:
        return SortKey((col(Account.org_id), col(Account.username), col(Account.id)))
    return SortKey((col(Account.username), col(Account.id)), descending=desc)


@strawberry.type
class AccountQuery:
    @strawberry.field(
        description="Accounts homed in your subtree (only your own if you administer nobody): search, filter, sort, page."
    )
    def accounts(
        self,
        info: Info,
        filter: AccountFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
        order_by: AccountOrder | None = None,
    ) -> Connection[AccountType]:
        ctx = ctx_of(info)
        page = scoped_page(info, Account, _conditions(info, filter), _sort(order_by), first=first, after=after, offset=offset)
        if wants_in_nodes(info, "organization") or wants_in_nodes(info, "canAdminister"):
            loaders.prime_orgs(ctx, [e.node.org_id for e in page.edges])
        return page

    @strawberry.field(description="The signed-in account (with mustChangePassword and your own tokens).")
    def my_account(self, info: Info) -> AccountType | None:
        ctx = ctx_of(info)
        viewer = ctx.viewer
        if viewer is None or viewer.account_id is None:
            return None
        return maybe_resolves_as(AccountType, ctx.session.get(Account, viewer.account_id))

    @strawberry.field(description="The roles you may give an account, highest first (empty if you administer nobody).")
    def assignable_roles(self, info: Info) -> list[RoleOption]:
        given = service.administered_roles(ctx_of(info).viewer)
        return [RoleOption(value=r, label=label(info, ROLE_LABELS[r])) for r in Role if r in given]
