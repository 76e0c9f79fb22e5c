"""The one place that limits reads to the viewer's subtree.

Each table says here, once, which of its columns place a row in the tree (`SCOPED_BY`;
a table with an `org_path` column is scoped by it unless declared otherwise). Reads go
through `scoped_select(ctx, Model)` or `visible(Model, viewer)`, which look that up:
resolvers never name a path column to filter by, so a new one cannot forget or mistake
it. Out-of-scope rows are simply absent, so an id from another township answers
"not found", never "forbidden". `within` stays for the few reads scoped by a column
other than the table's own (each says why beside the call).

`in_subtree(Model, path)` applies the same declaration to any subtree: a root list's `under`
narrows by it (graphql.lists.under_conditions), and an `under` the viewer cannot see matches nothing,
so the list answers empty rather than an error, like any out-of-scope row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, false, or_, select, true
from sqlmodel import col

from partygraph.context import Context, Viewer
from partygraph.models.access_log import AccessLog
from partygraph.models.account import Account
from partygraph.models.assistance import Pairing, Promise
from partygraph.models.discipline import MemberSanction
from partygraph.models.meeting import (
    DutyLapse,
    FlowingProfile,
    LostContactRecord,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MemberFlag,
)
from partygraph.models.member import Member, Position, Transfer
from partygraph.models.organization import Organization, subtree_upper_bound


def path_range(column: SQLColumnExpression[str | None], path: str) -> ColumnElement[bool]:
    """Rows whose path lies in the subtree rooted at `path`: an index range scan."""
    if not path:  # the system viewer's root: everything
        return true()
    return and_(column >= path, column < subtree_upper_bound(path))


def within(column: SQLColumnExpression[str | None], viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    return path_range(column, viewer.org_path)


@dataclass(frozen=True)
class Paths:
    """In scope when any of these path columns lies in the viewer's subtree."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Through:
    """In scope when the parent row `fk` points at is (the row keeps no path of its own that
    follows the parent: a post or a sanction is seen where its member is now)."""

    parent: type[Any]
    fk: str


def _own_account(viewer: Viewer | None) -> ColumnElement[bool]:
    # An account is seen from its home organisation's scope, and by its holder wherever that is.
    home = col(Account.org_id).in_(select(col(Organization.id)).where(visible(Organization, viewer)))
    if viewer is None or viewer.account_id is None:
        return home
    return or_(home, col(Account.id) == viewer.account_id)


Scope = Paths | Through | Callable[[Viewer | None], ColumnElement[bool]]

# Every table whose scope is not simply its own `org_path`.
SCOPED_BY: dict[type[Any], Scope] = {
    Organization: Paths(("path",)),
    # Both ends of a transfer see it: the sender until it leaves, the receiver to accept it.
    Transfer: Paths(("from_org_path", "to_org_path")),
    # The branch of the person helped and the agency that pairs a cadre with them.
    Pairing: Paths(("org_path", "agency_org_path")),
    Promise: Through(Pairing, "pairing_id"),
    # A flowing member is seen at home and where they take part in branch life.
    FlowingProfile: Paths(("member_org_path", "life_org_path")),
    # A member's own records are where the member's home branch is.
    LostContactRecord: Paths(("member_org_path",)),
    DutyLapse: Paths(("member_org_path",)),
    MemberFlag: Paths(("member_org_path",)),
    # Attendance is part of the meeting's record (a flowing member may attend away from home).
    MeetingAttendance: Through(Meeting, "meeting_id"),
    Position: Through(Member, "member_id"),
    MeetingDecision: Through(Meeting, "meeting_id"),
    MemberSanction: Through(Member, "member_id"),
    Account: _own_account,
}


# Tables with a path that no viewer's scope applies to, and why.
UNSCOPED: dict[type[Any], str] = {
    AccessLog: "the log of reads: `path` is the read object's, and only county accounts list it",
}


def scope_of(model: type[Any]) -> Scope:
    """How rows of `model` are placed in the tree; KeyError for a table that is not scoped."""
    spec = SCOPED_BY.get(model)
    if spec is not None:
        return spec
    if "org_path" in model.__table__.columns:
        return Paths(("org_path",))
    raise KeyError(f"{model.__name__} is not scoped: declare it in scope.SCOPED_BY")


def visible(model: type[Any], viewer: Viewer | None) -> ColumnElement[bool]:
    """The condition that keeps the rows of `model` the viewer may see."""
    spec = scope_of(model)
    if isinstance(spec, Paths):
        return or_(*(within(getattr(model, c), viewer) for c in spec.columns))
    if isinstance(spec, Through):
        parent = spec.parent
        return getattr(model, spec.fk).in_(select(parent.id).where(visible(parent, viewer)))
    return spec(viewer)


def in_subtree(model: type[Any], path: str) -> ColumnElement[bool]:
    """The rows of `model` placed in the subtree rooted at `path`, by the columns its scope
    declares (a row with two places is in it by either); KeyError for a table whose scope
    is a rule of its own (Account: narrow by its organisation instead)."""
    spec = scope_of(model)
    if isinstance(spec, Paths):
        return or_(*(path_range(getattr(model, c), path) for c in spec.columns))
    if isinstance(spec, Through):
        parent = spec.parent
        return getattr(model, spec.fk).in_(select(parent.id).where(in_subtree(parent, path)))
    raise KeyError(f"{model.__name__} is scoped by a rule of its own: narrow it by a table it refers to")


def scoped_select(ctx: Context, model: type[Any], *conditions: Any) -> Select:
    """`select(model)` limited to the viewer's scope, narrowed by `conditions`: the base of
    every node lookup, loader and root list. A row scoped through its parent joins the
    parent rather than ask `IN (subquery)`, as the hand-written selects did."""
    spec = scope_of(model)
    if isinstance(spec, Through):
        parent = spec.parent
        return (
            select(model)
            .join(parent, parent.id == getattr(model, spec.fk))
            .where(visible(parent, ctx.viewer), *conditions)
        )
    return select(model).where(visible(model, ctx.viewer), *conditions)
