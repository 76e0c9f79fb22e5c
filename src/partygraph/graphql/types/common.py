"""Small shared pieces of the object types."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.context import Context
from partygraph.models.audit import AuditEvent
from partygraph.scope import within


@strawberry.type
class Node(relay.Node):
    """`relay.Node` whose `id` is built in one step.

    Resolvers return ORM rows, not Node instances, so relay's own `id` resolver takes
    its slow branch for every row (look the type up by name, then its id attribute):
    about a fifth of a 50-row member page. Every node here keeps its key in `id`.
    """

    @strawberry.field(name="id", description="The Globally Unique ID of this object")
    @classmethod
    def _id(cls, root: Any, info: Info) -> relay.GlobalID:
        return relay.GlobalID(info._raw_info.parent_type.name, str(root.id))


def ctx_of(info: Info) -> Context:
    return info.context


def label(info: Info, pair: tuple[str, str] | None) -> str | None:
    if pair is None:
        return None
    return pair[0] if ctx_of(info).lang == "zh" else pair[1]


@strawberry.interface(name="Alert", description="Something due or overdue that a person must look at (never a block).")
class AlertInterface:
    code: str
    message: str
    message_zh: str
    message_en: str
    due_on: date | None


@strawberry.type(description="A structure warning (DOMAIN §2): never a block, a person fixes it.")
class ComplianceWarning:
    code: str
    message: str
    message_zh: str
    message_en: str


@strawberry.type(name="AuditEvent", description="One change: who, when, what, before → after.")
class AuditEventType:
    id: int
    at: str
    actor_name: str | None
    action: str
    object_type: str
    object_id: int
    before: JSON | None
    after: JSON | None

    @staticmethod
    def from_row(row: AuditEvent) -> AuditEventType:
        return AuditEventType(
            id=row.id,
            at=row.at.isoformat(timespec="seconds") if row.at else "",
            actor_name=row.actor_name,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            before=row.before,
            after=row.after,
        )


def scoped_nodes(info: Info, model: Any, node_ids: Iterable[str], cond: Callable[[Any], Any]) -> list[Any]:
    """`resolve_nodes` for every node type: the rows of these ids that `cond(viewer)` lets the
    viewer see, in the order asked, None for the rest (out of scope answers like unknown)."""
    ctx = ctx_of(info)
    ids = [int(i) for i in node_ids]
    rows = {r.id: r for r in ctx.session.execute(select(model).where(model.id.in_(ids), cond(ctx.viewer))).scalars()}
    return [rows.get(i) for i in ids]


def in_scope(path_col: Any) -> Callable[[Any], Any]:
    """The usual condition of `scoped_nodes`: the row's path lies in the viewer's subtree."""
    return lambda viewer: within(path_col, viewer)


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not values or "id_number" not in values:
        return values
    return {**values, "id_number": mask_id_number(values["id_number"])}


def history(info: Info, object_type: str, object_id: Any, limit: int = 100) -> list[AuditEventType]:
    rows = (
        ctx_of(info)
        .session.execute(
            select(AuditEvent)
            .where(col(AuditEvent.object_type) == object_type, col(AuditEvent.object_id) == object_id)
            .order_by(col(AuditEvent.id).desc())
            .limit(limit)
        )
        .scalars()
    )
    events = [AuditEventType.from_row(r) for r in rows]
    if not ctx_of(info).sees_id_numbers():
        for e in events:
            e.before, e.after = _masked(e.before), _masked(e.after)
    return events
