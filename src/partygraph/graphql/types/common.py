"""Small shared pieces of the object types."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from enum import Enum
from typing import Any, TypeVar, cast, overload

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


T = TypeVar("T")


def resolves_as(gql_type: type[T], row: object) -> T:
    """`row` (an ORM row) where the GraphQL object type `gql_type` is declared. Resolvers return
    rows, not instances of their types: the type's `is_type_of` accepts the row and its fields read
    the row's columns. Type checkers cannot see that; this helper and the three below are where
    the code says so. Each returns its argument unchanged."""
    return cast(T, row)


def maybe_resolves_as(gql_type: type[T], row: object | None) -> T | None:
    """`resolves_as` for a row that may be None."""
    return cast("T | None", row)


def row_of(model: type[T], obj: object) -> T:
    """The ORM row of type `model` that a resolver's `self` is (see `resolves_as`)."""
    return cast(T, obj)


def rows_as(gql_type: type[T], rows: Iterable[object]) -> list[T]:
    """`list(rows)` where a list of `gql_type` is declared (see `resolves_as`)."""
    return cast(list[T], list(rows))


@overload
def label(info: Info, pair: tuple[str, str]) -> str: ...
@overload
def label(info: Info, pair: tuple[str, str] | None) -> str | None: ...
def label(info: Info, pair: tuple[str, str] | None) -> str | None:
    if pair is None:
        return None
    return pair[0] if ctx_of(info).lang == "zh" else pair[1]


def enum_value(value: Enum | str) -> str:
    """The stored value of a field that holds an enum member or already its value (a row's column)."""
    return value.value if isinstance(value, Enum) else value


def message_in_language(root: Any, info: Info) -> str:
    """Resolver of an alert's `message`: its `message_zh` or `message_en`, by the request's language."""
    return root.message_zh if ctx_of(info).lang == "zh" else root.message_en


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
    def from_row(row: AuditEvent, mask_id_numbers: bool = False) -> AuditEventType:
        before, after = (_masked(row.before), _masked(row.after)) if mask_id_numbers else (row.before, row.after)
        return AuditEventType(
            id=row.id,
            at=row.at.isoformat(timespec="seconds"),
            actor_name=row.actor_name,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            before=JSON(before),
            after=JSON(after),
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
    mask = not ctx_of(info).sees_id_numbers()
    return [AuditEventType.from_row(r, mask) for r in rows]
