"""The access log (county only): who read whose personal data, when and through which path."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import ColumnElement, select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.pagination import Connection, SortKey, paginate
from partygraph.graphql.types.common import ctx_of, label
from partygraph.models.access_log import FIELD_GROUP_LABELS, AccessLog, FieldGroup
from partygraph.models.account import Role
from partygraph.models.common import utcnow


@strawberry.type(name="AccessLogEntry", description="One read of a record's personal data.")
class AccessLogEntry:
    id: int
    at: datetime
    account_id: int | None
    username: str
    role: str
    object_type: str
    object_id: int
    field_group: str = strawberry.field(description="id_number (full), phone, address, sanctions or assistance.")
    path: str = strawberry.field(description="api:<operation>, admin:<operation of the page> or export:<list>.")

    @strawberry.field(description="The record's global id (as `Member.id` gives it).")
    def object_global_id(self) -> relay.GlobalID:
        return relay.GlobalID(self.object_type, str(self.object_id))

    @strawberry.field
    def field_group_label(self, info: Info) -> str:
        try:
            return label(info, FIELD_GROUP_LABELS[FieldGroup(self.field_group)])
        except ValueError:
            return self.field_group


@strawberry.input(description="Narrow the access log; every field is optional and they combine with AND.")
class AccessLogFilter:
    account: str | None = strawberry.field(default=None, description="The username that read.")
    object_type: str | None = strawberry.field(default=None, description="Member or Candidate.")
    object_id: strawberry.ID | None = strawberry.field(default=None, description="A global id (Member:…) or a row id.")
    from_: date | None = strawberry.field(default=None, name="from", description="From this day (UTC), inclusive.")
    to: date | None = strawberry.field(default=None, description="To this day (UTC), inclusive.")


def _not_allowed(info: Info) -> GraphQLError:
    zh, en = "只有县级账号可以查看访问日志", "Only county accounts may read the access log"
    return GraphQLError(
        zh if ctx_of(info).lang == "zh" else en,
        extensions={"code": "NOT_ALLOWED", "messageZh": zh, "messageEn": en},
    )


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=utcnow().tzinfo)


def conditions(f: AccessLogFilter | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f is None:
        return conds
    if f.account and f.account.strip():
        conds.append(col(AccessLog.username) == f.account.strip())
    object_type = f.object_type.strip() if f.object_type and f.object_type.strip() else None
    if f.object_id:
        raw = str(f.object_id).strip()
        try:
            gid = relay.GlobalID.from_id(raw)
            object_type, raw = object_type or gid.type_name, gid.node_id
        except Exception:  # noqa: BLE001 - a plain row id
            pass
        conds.append(col(AccessLog.object_id) == (int(raw) if raw.isdigit() and len(raw) < 10 else -1))
    if object_type:
        conds.append(col(AccessLog.object_type) == object_type)
    if f.from_:
        conds.append(col(AccessLog.at) >= _day_start(f.from_))
    if f.to:
        conds.append(col(AccessLog.at) < _day_start(f.to + timedelta(days=1)))
    return conds


NEWEST_FIRST = SortKey((col(AccessLog.id),), descending=True)


def entries(info: Info, f: AccessLogFilter | None, first: int | None, after: str | None) -> Connection[Any]:
    ctx = ctx_of(info)
    if ctx.viewer is None or ctx.viewer.role != Role.county:
        raise _not_allowed(info)
    # Unscoped (scope.UNSCOPED): the log is the county's, and only county accounts reach here.
    return paginate(info, select(AccessLog).where(*conditions(f)), NEWEST_FIRST, first=first, after=after)


@strawberry.type
class AccessLogQuery:
    @strawberry.field(description="Reads of personal data, newest first (county accounts only).")
    def access_log(
        self,
        info: Info,
        filter: AccessLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessLogEntry]:
        return entries(info, filter, first, after)
