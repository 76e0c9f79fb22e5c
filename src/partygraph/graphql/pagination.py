"""Cursor connections with totalCount, paged by keyset (sort key + id), never by offset alone.

A row's cursor is its values of the sort key's columns, read off the row itself: a list
names its order once (`SortKey`) and the cursor, its parsing and the keyset condition follow.
Root lists page through `graphql.lists.scoped_page`, which adds the viewer's scope.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, func, select, tuple_
from strawberry.relay import PageInfo
from strawberry.types import Info

from partygraph.context import Context
from partygraph.errors import violation

T = TypeVar("T")


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results: edges (or nodes), pageInfo and the totalCount of all matches.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int

    @strawberry.field(description="The nodes of the edges, for clients that need no cursors.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if not isinstance(values, list):
            raise ValueError
        return values
    except (ValueError, UnicodeDecodeError):
        raise violation("INVALID_CURSOR", "分页游标无效", "Invalid cursor", "after") from None


def page_size(ctx: Context, first: int | None) -> int:
    limit = ctx.settings.max_page_size
    if first is None:
        return ctx.settings.default_page_size
    if first < 0 or first > limit:
        raise violation("PAGE_SIZE", f"每页条数须在 0 到 {limit} 之间", f"first must be between 0 and {limit}", "first")
    return first


def _parser(column: SQLColumnExpression[Any]) -> Callable[[Any], Any]:
    """How a cursor value (JSON: a string or a number) becomes the column's Python value."""
    try:
        kind = column.type.python_type  # type: ignore[attr-defined]
    except NotImplementedError:  # SQLAlchemy types without a Python type: compare as text
        return str
    if issubclass(kind, datetime):
        return datetime.fromisoformat
    if issubclass(kind, date):
        return date.fromisoformat
    if issubclass(kind, int):
        return int
    return str


@dataclass(frozen=True)
class SortKey:
    """Columns the list is ordered by (mapped attributes of the listed model); the last is the
    unique tie-breaker (id). A cursor holds a row's values of them, parsed back by type."""

    columns: tuple[SQLColumnExpression[Any], ...]
    descending: bool = False

    def order_by(self) -> list[ColumnElement]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def cursor_of(self, row: Any) -> str:
        return encode_cursor([getattr(row, c.key) for c in self.columns])  # type: ignore[attr-defined]

    def after(self, cursor: str) -> ColumnElement[bool]:
        values = decode_cursor(cursor)
        if len(values) != len(self.columns):
            raise violation("INVALID_CURSOR", "分页游标无效", "Invalid cursor", "after")
        try:
            values = [_parser(c)(v) for c, v in zip(self.columns, values, strict=True)]
        except (TypeError, ValueError):
            raise violation("INVALID_CURSOR", "分页游标无效", "Invalid cursor", "after") from None
        key = tuple_(*self.columns)
        return key < tuple_(*values) if self.descending else key > tuple_(*values)


def wants(info: Info, name: str) -> bool:
    """Whether the client selected a field of the connection (e.g. totalCount)."""
    return any(f.name == name for sel in info.selected_fields for f in sel.selections if hasattr(f, "name"))


def wants_in_nodes(info: Info, name: str) -> bool:
    """Whether the client selected `name` on the connection's nodes (or edges' node)."""
    for sel in info.selected_fields:
        for f in sel.selections:
            inner = getattr(f, "selections", ())
            if getattr(f, "name", None) == "edges":
                inner = [g for e in inner if getattr(e, "name", None) == "node" for g in getattr(e, "selections", ())]
            elif getattr(f, "name", None) != "nodes":
                continue
            if any(getattr(g, "name", None) == name for g in inner):
                return True
    return False


def paginate(
    info: Info,
    stmt: Select,
    sort: SortKey,
    *,
    first: int | None,
    after: str | None,
    offset: int | None = None,
    count_stmt: Select | None = None,
) -> Connection[Any]:
    """Run a scoped, filtered select as one page. `stmt` selects ORM entities."""
    ctx: Context = info.context
    limit = page_size(ctx, first)
    if offset is not None and offset < 0:
        raise violation("INVALID_INPUT", "offset 不能为负数", "offset cannot be negative", "offset")
    total = 0
    if wants(info, "totalCount"):
        base = count_stmt if count_stmt is not None else stmt
        total = ctx.session.execute(select(func.count()).select_from(base.order_by(None).subquery())).scalar_one()
    page = stmt.order_by(*sort.order_by())
    if after:
        page = page.where(sort.after(after))
    elif offset:
        page = page.offset(offset)
    rows = list(ctx.session.execute(page.limit(limit + 1)).scalars())
    has_next = len(rows) > limit
    rows = rows[:limit]
    edges = [Edge(cursor=sort.cursor_of(r), node=r) for r in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=bool(after or offset),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
