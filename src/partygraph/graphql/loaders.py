"""DataLoaders: one SQL statement per level of a query, never one per row.

Each loader is created once per request (`Context.loader`) and applies the
viewer's scope itself, so a nested field cannot leak a row the viewer may
not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, func, literal, select
from sqlmodel import col
from strawberry.dataloader import DataLoader

from partygraph.context import Context
from partygraph.models.common import table_of
from partygraph.models.member import Member, Position
from partygraph.models.organization import Organization
from partygraph.reports import rollup
from partygraph.scope import scoped_select, visible


def loader(ctx: Context, name: str, batch: Callable[[list[Any]], Sequence[Any]]) -> DataLoader:
    """This request's loader `name`, answering a whole level of keys with one `batch` call."""

    async def load(keys: list[Any]) -> Sequence[Any]:
        return batch(keys)

    return ctx.loader(name, lambda: DataLoader(load_fn=load))





def by_id(ctx: Context, model: Any, keys: list[int]) -> list[Any]:
    """The rows of these ids in the viewer's scope, in the order asked, None for the rest."""
    rows = ctx.session.execute(scoped_select(ctx, model, model.id.in_(keys))).scalars()
    found = {r.id: r for r in rows}
    return [found.get(k) for k in keys]


def now_or_later(loader: DataLoader, key: Hashable) -> Any:
    """The value when this request already holds it, else the loader's future.

    A resolver that returns a plain value costs graphql-core a fraction of one that
    returns an awaitable (no future, no gather per row): lists prime their loaders
    (`prime`) so their rows' fields resolve synchronously.
    """
    fut = loader.cache_map.get(key)
    if fut is not None and fut.done() and not fut.cancelled() and fut.exception() is None:
        return fut.result()
    return loader.load(key)


def prime(loader: DataLoader, keys: Iterable[Hashable], batch: Callable[[list[Any]], Sequence[Any]]) -> None:
    """Load the keys this request does not hold yet with one batch call, before the rows resolve."""
    missing = [k for k in dict.fromkeys(keys) if loader.cache_map.get(k) is None]
    if missing:
        loader.prime_many(dict(zip(missing, batch(missing), strict=True)))


def rows(ctx: Context, model: Any) -> DataLoader:
    """Key: id → the row of `model` if in the viewer's scope, else None."""
    return loader(ctx, f"rows:{model.__tablename__}", lambda keys: by_id(ctx, model, keys))


def prime_orgs(ctx: Context, org_ids: Iterable[int]) -> None:
    prime(org(ctx), org_ids, lambda keys: by_id(ctx, Organization, keys))


def org(ctx: Context) -> DataLoader:
    return rows(ctx, Organization)


def member(ctx: Context) -> DataLoader:
    return rows(ctx, Member)


def children(ctx: Context) -> DataLoader:
    """Key: (parent_id, include_dissolved, kind or None) → child organisations by name."""

    def batch(keys: list[tuple[int, bool, str | None]]) -> list[list[Organization]]:
        parents = {k[0] for k in keys}
        rows = ctx.session.execute(
            scoped_select(ctx, Organization, col(Organization.parent_id).in_(parents))
            .order_by(col(Organization.parent_id), col(Organization.code))
        ).scalars()
        grouped: dict[int | None, list[Organization]] = defaultdict(list)
        for r in rows:
            grouped[r.parent_id].append(r)
        return [
            [
                o
                for o in grouped.get(pid, [])
                if (dissolved or o.status == "active") and (kind is None or o.kind == kind)
            ]
            for pid, dissolved, kind in keys
        ]

    return loader(ctx, "children", batch)


def _subtree_join(anchor: Any, member_path: Any) -> Any:
    """Members whose path lies under the anchor organisation's path."""
    bound = func.substr(anchor.path, 1, func.length(anchor.path) - 1) + literal("/")
    return and_(member_path >= anchor.path, member_path < bound)


def member_counts(ctx: Context) -> DataLoader:
    """Key: organisation id → {status: count} over its whole subtree."""

    def batch(keys: list[int]) -> list[dict[str, int]]:
        tallies = rollup.read(ctx.session, keys)
        return [{value: n for (dim, value), n in tallies[k].items() if dim == "status"} for k in keys]

    return loader(ctx, "member_counts", batch)


def current_positions_at(ctx: Context) -> DataLoader:
    """Key: organisation id → posts held there now (secretary, committee, group leader…)."""

    def batch(keys: list[int]) -> list[list[Position]]:
        rows = ctx.session.execute(
            scoped_select(ctx, Position, col(Position.org_id).in_(keys), col(Position.end_on).is_(None))
            .order_by(col(Position.org_id), col(Position.start_on), col(Position.id))
        ).scalars()
        grouped: dict[int, list[Position]] = defaultdict(list)
        for p in rows:
            grouped[p.org_id].append(p)
        return [grouped.get(k, []) for k in keys]

    return loader(ctx, "positions_at", batch)


def prime_positions(ctx: Context, member_ids: Iterable[int]) -> None:
    prime(positions_of(ctx), member_ids, lambda keys: _positions(ctx, keys))


def _positions(ctx: Context, keys: list[int]) -> list[list[Position]]:
    rows = ctx.session.execute(
        select(Position).where(col(Position.member_id).in_(keys)).order_by(col(Position.member_id), col(Position.start_on).desc(), col(Position.id))
    ).scalars()
    grouped: dict[int, list[Position]] = defaultdict(list)
    for p in rows:
        grouped[p.member_id].append(p)
    return [grouped.get(k, []) for k in keys]


def positions_of(ctx: Context) -> DataLoader:
    """Key: member id → every post the member held or holds, newest first."""
    return loader(ctx, "positions_of", lambda keys: _positions(ctx, keys))


def members_under(
    ctx: Context,
    build: Callable[[Select], Select],
    order: Sequence[Any],
    key_name: Hashable,
    then: Callable[[list[Member]], None] | None = None,
) -> DataLoader:
    """Key: (organisation id, limit) → (first `limit` members of its subtree, total).

    One loader per distinct filter (`key_name`), so a township → villages → members
    query costs one statement for the page rows and one for the totals.
    """

    def batch(keys: list[tuple[int, int]]) -> list[tuple[list[Member], int]]:
        ids = list({k[0] for k in keys})
        limit = max(k[1] for k in keys)
        anchor = table_of(Organization).alias("anchor")
        base = build(
            select(col(Member.id).label("mid"), anchor.c.id.label("anchor_id"))
            .select_from(anchor)
            .join(Member, _subtree_join(anchor.c, Member.org_path))
            .where(anchor.c.id.in_(ids), visible(Member, ctx.viewer))
        )
        ranked = base.add_columns(
            func.row_number().over(partition_by=anchor.c.id, order_by=list(order)).label("rn")
        ).subquery()
        page = ctx.session.execute(
            select(Member, ranked.c.anchor_id)
            .join(ranked, ranked.c.mid == Member.id)
            .where(ranked.c.rn <= limit)
            .order_by(ranked.c.anchor_id, ranked.c.rn)
        ).all()
        counted = base.subquery()
        totals: dict[int, int] = dict(
            ctx.session.execute(select(counted.c.anchor_id, func.count()).group_by(counted.c.anchor_id)).all()
        )
        grouped: dict[int, list[Member]] = defaultdict(list)
        for m, aid in page:
            grouped[aid].append(m)
        if then is not None:
            then([m for m, _ in page])
        return [(grouped.get(oid, [])[:lim], totals.get(oid, 0)) for oid, lim in keys]

    return loader(ctx, f"members_under:{key_name}", batch)


def _names(ctx: Context, model: Any, keys: list[int]) -> list[str | None]:
    rows: dict[int, str] = dict(ctx.session.execute(select(model.id, model.name).where(model.id.in_(keys))).all())
    return [rows.get(k) for k in keys]


def org_name(ctx: Context) -> DataLoader:
    """Names only, across scopes: both sides of a transfer see whom it is between."""
    return loader(ctx, "org_name", lambda keys: _names(ctx, Organization, keys))


def member_name(ctx: Context) -> DataLoader:
    """Names only: the receiving branch sees whom it is asked to receive."""
    return loader(ctx, "member_name", lambda keys: _names(ctx, Member, keys))
