"""Small shared pieces of the object types.

National ID numbers (docs/domain.md §3) are masked for every viewer outside
`Settings.unmasked_roles`. The mask keeps the first two digits (the province) and
nothing else: `51****************`. Why so little: an 18-character number is
region (6 digits) + birth date (8) + a 3-digit sequence whose last digit is odd
for men + a check character computed from the first 17. A viewer who may read
the masked number also reads the birth date and the gender beside it, and knows
the region from the organisation the person belongs to (a village's members are
mostly registered in that county). The old mask (`513221********0026`) hid only
the birth digits, which the birth date gives back: the whole number was rebuilt.
Keeping the last character too would still leave a handful of candidates (the
check character picks about one in eleven of the 500 sequences the gender
allows). With the province alone, the masked value adds nothing to what the
viewer already knows: even given the exact county code, the birth date and the
gender, 500 valid numbers remain (tests/api/test_privacy.py counts them). The
province still tells a clerk that a number is on file and whether it is from
another province; the length is kept so a 15-digit number is seen as one.
Every path that shows a number (API fields, the admin, exports, history, import
reports, error messages) goes through `mask_id_number` or does not show it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from enum import Enum
from functools import wraps
from typing import Any, ClassVar, TypeVar, cast, overload

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql.errors import row_id
from partygraph.models.access_log import FieldGroup
from partygraph.models.audit import AuditEvent
from partygraph.scope import scoped_select
from partygraph.services import access_log


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

    # The table a node type resolves from (`class FooType(Node, model=Foo)`): its rows are
    # this type, and `node(id:)` reads them through the scope that `scope.py` declares.
    row_model: ClassVar[type[Any] | None] = None

    def __init_subclass__(cls, model: type[Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if model is not None:
            cls.row_model = model
            if "is_type_of" not in cls.__dict__:
                cls.is_type_of = classmethod(_is_row_of)  # type: ignore[attr-defined]  # strawberry reads it off the class
            if "resolve_nodes" not in cls.__dict__:
                cls.resolve_nodes = classmethod(_resolve_scoped)  # type: ignore[assignment,method-assign]  # relay's classmethod, same signature
                return
        own = cls.__dict__.get("resolve_nodes")
        if isinstance(own, classmethod):
            cls.resolve_nodes = classmethod(_row_ids_only(own.__func__))  # type: ignore[method-assign,assignment]  # wraps the subclass's own classmethod, same signature


def _is_row_of(cls: Any, obj: Any, info: Info) -> bool:
    return isinstance(obj, cls.row_model | cls)


def _resolve_scoped(cls: Any, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
    return scoped_nodes(info, cls.row_model, node_ids)


def _row_ids_only(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """A node type's `resolve_nodes`, given only ids that can name a row: the rest answer None
    (not found) rather than reach `int()` or the database (an id past INTEGER is an error there)."""

    @wraps(resolve)
    def resolve_row_ids(cls: Any, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        ids = list(node_ids)
        valid = [i for i in ids if row_id(i) is not None]
        if len(valid) == len(ids):
            return list(resolve(cls, info=info, node_ids=ids, required=required))
        found = iter(resolve(cls, info=info, node_ids=valid, required=required) if valid else [])
        return [next(found) if row_id(i) is not None else None for i in ids]

    return resolve_row_ids


def ctx_of(info: Info) -> Context:
    return info.context


T = TypeVar("T")
V = TypeVar("V")


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


@strawberry.type(description="A structure warning (docs/domain.md §2): never a block, a person fixes it.")
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
    def from_row(row: AuditEvent, mask_id_numbers: bool = True) -> AuditEventType:
        """Masked unless the caller has checked the viewer sees numbers (`history` does):
        forgetting to ask then hides a number rather than shows one."""
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


def scoped_nodes(info: Info, model: Any, node_ids: Iterable[str]) -> list[Any]:
    """`resolve_nodes` for every node type: the rows of these ids in the viewer's scope (as
    `scope.py` declares it for `model`), in the order asked, None for the rest (out of
    scope answers like unknown)."""
    ctx = ctx_of(info)
    ids = [row_id(i) for i in node_ids]  # None (not found) for one that cannot name a row
    wanted = [i for i in ids if i is not None]
    rows = {r.id: r for r in ctx.session.execute(scoped_select(ctx, model, model.id.in_(wanted))).scalars()}
    return [rows.get(i) for i in ids]


ID_NUMBER_KEEP = 2  # leading characters a masked number keeps: the province (see the module docstring)
ID_NUMBER_KEYS = frozenset({"id_number", "idNumber"})


@overload
def mask_id_number(value: str) -> str: ...
@overload
def mask_id_number(value: str | None) -> str | None: ...
def mask_id_number(value: str | None) -> str | None:
    """`51****************`: the province, then one star per remaining character."""
    if not value:
        return value
    value = str(value)
    if "*" in value:  # already masked (an export read back)
        return value
    return value[:ID_NUMBER_KEEP] + "*" * max(len(value) - ID_NUMBER_KEEP, 0)


def _masked(values: Any) -> Any:
    """`values` with every ID number in it masked, at any depth (audit rows keep whole
    records, and some keep lists of people)."""
    if isinstance(values, dict):
        return {k: (mask_id_number(v) if k in ID_NUMBER_KEYS and isinstance(v, str) else _masked(v)) for k, v in values.items()}
    if isinstance(values, list):
        return [_masked(v) for v in values]
    return values


def masked_values(values: Any) -> Any:
    """Public name of the audit-value mask, for other renderers of stored values."""
    return _masked(values)


def _has_key(values: Any, keys: frozenset[str]) -> bool:
    if isinstance(values, dict):
        return any((k in keys and v) or _has_key(v, keys) for k, v in values.items())
    if isinstance(values, list):
        return any(_has_key(v, keys) for v in values)
    return False


def recorded(info: Info, object_type: str, object_id: int, group: FieldGroup, value: V) -> V:
    """`value`, after noting in the access log that the viewer read it (nothing is noted
    for an empty value: there was nothing to read)."""
    if value is not None and value != "" and value != []:
        access_log.record(ctx_of(info), object_type, object_id, group)
    return value


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
    ctx = ctx_of(info)
    mask = not ctx.sees_id_numbers()
    events = list(rows)
    # Personal data in the history is read like the fields themselves: into the access log.
    if object_type in PERSON_TYPES:
        for r in events:
            for values in (r.before, r.after):
                if not mask and _has_key(values, ID_NUMBER_KEYS):
                    access_log.record(ctx, object_type, int(object_id), FieldGroup.id_number)
                if _has_key(values, PHONE_KEYS):
                    access_log.record(ctx, object_type, int(object_id), FieldGroup.phone)
    return [AuditEventType.from_row(r, mask) for r in events]


PERSON_TYPES = frozenset({"Member", "Candidate"})
PHONE_KEYS = frozenset({"phone"})
