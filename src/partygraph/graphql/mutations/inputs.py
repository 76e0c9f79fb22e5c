"""Helpers shared by mutation modules: ids, inputs as a service's arguments, partial updates."""

from __future__ import annotations

from enum import Enum
from typing import Any, overload

import strawberry
from strawberry import relay

from partygraph.errors import violation
from partygraph.graphql.errors import api_field, row_id


@overload
def db_id(gid: relay.GlobalID, type_name: str, field: str) -> int: ...
@overload
def db_id(gid: relay.GlobalID | None, type_name: str, field: str) -> int | None: ...
def db_id(gid: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    """The row id of a global id, refusing an id of another type.

    `field` is the domain name (`member_id`) or the input's (`memberId`): errors answer the input's.
    """
    if gid is None:
        return None
    field = api_field(field) or field
    if gid.type_name != type_name:
        raise violation("INVALID_ID", f"{field} 不是 {type_name} 的 ID", f"{field} is not a {type_name} id", field)
    value = row_id(gid.node_id)
    if value is None:
        raise violation("INVALID_ID", f"{field} 无效", f"{field} is invalid", field)
    return value


def provided(input_obj: Any, names: list[str]) -> dict[str, Any]:
    """Fields the client actually sent (UNSET means 'leave as is'), with enum values unwrapped."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(input_obj, name)
        if value is strawberry.UNSET:
            continue
        out[name] = value.value if hasattr(value, "value") and not isinstance(value, str | int) else value
    return out


def service_args(
    input_obj: Any, ids: dict[str, str] | None = None, skip: tuple[str, ...] = (), at: str | None = None
) -> dict[str, Any]:
    """An input's fields as a service's keyword arguments, under the same (domain) names.

    Enums go by value, global ids as row ids of the type `ids` names for them, fields left
    UNSET are left out. `id` is not among them: the record acted on goes first, positionally.
    A global id not named in `ids` is a mistake in the caller, not in the request. `at` places
    an input nested in a list (`attendance.2`) so that its errors name the row.
    """
    ids = ids or {}
    out: dict[str, Any] = {}
    for f in input_obj.__strawberry_definition__.fields:
        name = f.python_name
        value = getattr(input_obj, name)
        if name == "id" or name in skip or value is strawberry.UNSET:
            continue
        if name in ids:
            value = db_id(value, ids[name], f"{at}.{name}" if at else name)
        elif isinstance(value, relay.GlobalID):
            raise TypeError(f"{type(input_obj).__name__}.{name}: say which type of id it holds")
        elif isinstance(value, Enum):
            value = value.value
        out[name] = value
    return out
