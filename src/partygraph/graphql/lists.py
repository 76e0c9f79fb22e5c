"""Root lists: one scoped, filtered, sorted page, and the one meaning of `under`.

`scoped_page(info, Model, conditions, sort, …)` is every paged root list: the rows of `Model`
the viewer may see (`scope.scoped_select`), narrowed by the list's filter conditions, ordered
and paged by `sort` (the cursor comes from the sort key's columns, pagination.SortKey).

`under_conditions(ctx, Model, gid)` narrows a list to one organisation's subtree, on the columns the
table is scoped by (scope.SCOPED_BY: a pairing is under a township by its branch or by its
agency, a flowing member by home or by the branch of life away). An `under` that names no
organisation the viewer can see (unknown, or in another township) matches nothing: the
list answers empty, with no error, exactly as an out-of-scope row is simply absent and an
id from another township answers "not found", never "forbidden". A root field whose answer
is one object rather than a list (`stats`) answers null the same way; a malformed id (not an
Organization id) is still refused as invalid input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.errors import NotFoundError
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey, paginate
from partygraph.models.organization import Organization
from partygraph.scope import in_subtree, scoped_select
from partygraph.services import organization as org_service


def under_org(ctx: Context, gid: relay.GlobalID, field: str = "under") -> Organization | None:
    """The organisation `gid` names if the viewer can see it, else None (unknown or outside)."""
    try:
        return org_service.get(ctx, db_id(gid, "Organization", field))
    except NotFoundError:
        return None


def under_conditions(ctx: Context, model: type[Any], gid: relay.GlobalID | None, field: str = "under") -> list[ColumnElement[bool]]:
    """The condition keeping the rows of `model` in `gid`'s subtree: none without `under`,
    a condition no row meets when the organisation is unknown or out of scope."""
    if gid is None:
        return []
    org = under_org(ctx, gid, field)
    return [false()] if org is None else [in_subtree(model, org.path)]


def scoped_page(
    info: Info,
    model: type[Any],
    conditions: Iterable[ColumnElement[bool]],
    sort: SortKey,
    *,
    first: int | None,
    after: str | None,
    offset: int | None = None,
) -> Connection[Any]:
    """One page of the rows of `model` in the viewer's scope that meet `conditions`."""
    stmt = scoped_select(info.context, model, *conditions)
    return paginate(info, stmt, sort, first=first, after=after, offset=offset)
