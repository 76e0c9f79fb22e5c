"""Recording reads of personal data (the access log), cheaply.

Resolvers and exports call `record` for each record whose sensitive fields they hand out;
that only appends a tuple to a list the request's context holds. `flush` writes the
collected reads in ONE insert at the end of the operation (or of the export), so a page of
50 members showing phones costs one statement, not 50.

One row per record and field group, not one row naming the list: the county's question
is "who has read this person's phone?", which a row naming a list cannot answer without
re-running the list as it stood then. 50 short rows in one executemany cost about what one
row costs; repeats of the same record and group in one request are written once.

The rows go through Core on the request's own session, never through the audit trail
(whose newest id is the result cache's data version) and without the ORM's flush hooks,
so recording a read does not empty any cache.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert

from partygraph.context import Context
from partygraph.models.access_log import AccessLog, FieldGroup
from partygraph.models.common import table_of, utcnow
from partygraph.observability import operation_name as name_of

log = logging.getLogger(__name__)

Access = tuple[str, int, str]  # object type, object id, field group
_KEY = "access_log"


def collected(ctx: Context) -> list[Access]:
    """The reads recorded so far in this context (the list itself: callers take slices)."""
    found: list[Access] = ctx.loader(_KEY, list)
    return found


def record(ctx: Context, object_type: str, object_id: int, group: FieldGroup) -> None:
    collected(ctx).append((object_type, object_id, group.value))


def record_many(ctx: Context, object_type: str, object_ids: Iterable[int], group: FieldGroup) -> None:
    collected(ctx).extend((object_type, i, group.value) for i in object_ids)


def flush(ctx: Context, path: str, accesses: Iterable[Access] | None = None) -> int:
    """Write `accesses` (default: everything collected in `ctx`, which is then emptied) as
    read by the viewer through `path`, in one insert; commits. Returns the rows written."""
    if accesses is None:
        pending = collected(ctx)
        accesses, ctx.loaders[_KEY] = list(pending), []
    viewer = ctx.viewer
    if viewer is None:
        return 0
    at = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "at": at,
            "account_id": viewer.account_id,
            "username": viewer.username[:60],
            "role": str(viewer.role.value if hasattr(viewer.role, "value") else viewer.role)[:20],
            "object_type": object_type,
            "object_id": object_id,
            "field_group": group,
            "path": path[:120],
        }
        for object_type, object_id, group in dict.fromkeys(accesses)
    ]
    if not rows:
        return 0
    statement = insert(table_of(AccessLog))
    try:
        ctx.session.execute(statement, rows)
        ctx.session.commit()
    except Exception:
        # A read that failed half-way (an aborted PostgreSQL transaction) must still be
        # logged: start a fresh transaction once; a second failure is raised.
        log.warning("access log insert failed, retrying in a fresh transaction", exc_info=True)
        ctx.session.rollback()
        ctx.session.execute(statement, rows)
        ctx.session.commit()
    return len(rows)


def operation_path(ctx: Context, query: str | None, operation_name: str | None) -> str:
    """How an operation reached the data: the API (the HTTP view puts its request on the
    context) or the admin, which executes its named operations, one per page, in-process."""
    kind = "api" if ctx.request is not None else "admin"
    return f"{kind}:{name_of(query, operation_name) or 'anonymous'}"
