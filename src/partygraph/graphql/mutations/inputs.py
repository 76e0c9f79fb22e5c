"""Helpers shared by mutation modules: ids and partial-update inputs."""

from __future__ import annotations

from typing import Any, overload

import strawberry
from strawberry import relay

from partygraph.errors import violation
from partygraph.graphql.errors import row_id


@overload
def db_id(gid: relay.GlobalID, type_name: str, field: str) -> int: ...
@overload
def db_id(gid: relay.GlobalID | None, type_name: str, field: str) -> int | None: ...
def db_id(gid: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    """The row id of a global id, refusing an id of another type."""
    if gid is None:
        return None
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
