"""Keep `member_tally` (subtree member counts per figure) true on every write.

The write path calls `apply_pending` before each flush (the session class the factory makes,
`partygraph.db.UnitOfWork`): no listener is installed on SQLAlchemy's Session, so a session
made elsewhere does not touch the rollup. Every flush that adds or changes a member moves its counts: minus one for each figure
value it had, at each organisation on its old path; plus one for each value it has, at each
organisation on its new path (an organisation path is the chain of its ancestors' ids).
The deltas are applied with one upsert per (organisation, figure, value) in the flush's
own transaction, in key order so that two writers never lock the same rows in opposite
orders. Moving an organisation carries its subtree's counts from the old ancestors to the
new ones (`move_subtree`), because the move rewrites paths with bulk UPDATEs the ORM
does not see. Bulk loaders call `rebuild`.

What is counted: the figures of `reports.figures` with a bucket rule (`Figure.tally`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlmodel import col

from partygraph.models.common import table_of
from partygraph.models.member import Member
from partygraph.models.organization import PATH_SEGMENT_WIDTH, Organization
from partygraph.models.rollup import MemberTally
from partygraph.reports.figures import ON_ROSTER, TALLIED, TRACKED, tallied

Key = tuple[int, str, str]  # (organisation id, figure, value)


def ancestors(path: str) -> list[int]:
    """The ids on a path, root first: '00000001.00000007.' → [1, 7]."""
    step = PATH_SEGMENT_WIDTH + 1
    return [int(path[i : i + PATH_SEGMENT_WIDTH]) for i in range(0, len(path), step)]


def ancestor_paths(path: str) -> dict[int, str]:
    """Each id on a path with its own path, a prefix of it: '00000001.00000007.' →
    {1: '00000001.', 7: '00000001.00000007.'}. A tally row's `org_path` (its distribution key)."""
    step = PATH_SEGMENT_WIDTH + 1
    return {int(path[i : i + PATH_SEGMENT_WIDTH]): path[: i + step] for i in range(0, len(path), step)}


def figures(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The (figure, value) pairs one member counts in."""
    yield from tallied(values)


def _add(deltas: Counter, paths: dict[int, str], values: dict[str, Any], sign: int) -> None:
    path = values.get("org_path")
    if not path or values.get("status") is None:
        return
    above = ancestor_paths(path)
    paths.update(above)
    for org_id in above:
        for dim, value in figures(values):
            deltas[(org_id, dim, value)] += sign


def _now(obj: Member) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in TRACKED}


def _before(obj: Member) -> dict[str, Any]:
    state = inspect(obj)
    old = {}
    for name in TRACKED:
        hist = state.attrs[name].history
        old[name] = hist.deleted[0] if hist.deleted else getattr(obj, name)
    return old


def apply_pending(session: Session) -> None:
    """Move the counts of the members this flush will write, in its transaction: called by
    the write path before every flush (`partygraph.db.UnitOfWork.flush`)."""
    deltas: Counter = Counter()
    paths: dict[int, str] = {}
    for obj in session.new:
        if isinstance(obj, Member):
            _add(deltas, paths, _now(obj), +1)
    for obj in session.dirty:
        if isinstance(obj, Member) and session.is_modified(obj, include_collections=False):
            before, now = _before(obj), _now(obj)
            if before != now:
                _add(deltas, paths, before, -1)
                _add(deltas, paths, now, +1)
    for obj in session.deleted:
        if isinstance(obj, Member):
            _add(deltas, paths, _before(obj), -1)
    if deltas:
        apply(session.connection(), deltas, paths)


def apply(conn: Connection, deltas: Counter, paths: dict[int, str]) -> None:
    """Add the deltas; `paths` gives each organisation's path for the rows first inserted
    (an existing row keeps its own: organisation moves rewrite it with every *org_path)."""
    rows = [
        {"org_id": k[0], "org_path": paths[k[0]], "dim": k[1], "value": k[2], "n": n}
        for k, n in sorted(deltas.items())
        if n
    ]
    if not rows:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table_of(MemberTally))
    stmt = stmt.on_conflict_do_update(
        index_elements=["org_id", "dim", "value"],
        set_={"n": table_of(MemberTally).c.n + stmt.excluded.n},
    )
    conn.execute(stmt, rows)


def move_subtree(session: Session, org: Organization, new_path: str) -> None:
    """Before a move rewrites paths: carry the subtree's counts from the old ancestors to the new."""
    session.flush()
    old_above = ancestor_paths(org.path)
    new_above = ancestor_paths(new_path)
    del old_above[org.id], new_above[org.id]
    counts = session.execute(select(col(MemberTally.dim), col(MemberTally.value), col(MemberTally.n)).where(col(MemberTally.org_id) == org.id)).all()
    deltas: Counter = Counter()
    for dim, value, n in counts:
        for a in old_above:
            deltas[(a, dim, value)] -= n
        for a in new_above:
            deltas[(a, dim, value)] += n
    # The new ancestors are outside the moved subtree: their paths do not change with the move.
    apply(session.connection(), deltas, old_above | new_above)


def read(session: Session, org_ids: Iterable[int]) -> dict[int, Counter]:
    """{organisation id: Counter{(figure, value): members}} for whole subtrees."""
    out: dict[int, Counter] = {}
    ids = list(org_ids)
    for org_id in ids:
        out[org_id] = Counter()
    if ids:
        rows = session.execute(
            select(col(MemberTally.org_id), col(MemberTally.dim), col(MemberTally.value), col(MemberTally.n)).where(
                col(MemberTally.org_id).in_(ids), col(MemberTally.n) != 0
            )
        )
        for org_id, dim, value, n in rows:
            out[org_id][(dim, value)] = n
    return out


def rebuild(conn: Connection) -> None:
    """Recount everything from the member table: direct counts per organisation, then each
    depth's subtree counts added to its parents, deepest first (one statement per figure and
    one per level)."""
    conn.execute(delete(table_of(MemberTally)))
    on_roster = "status IN ('" + "', '".join(sorted(ON_ROSTER)) + "')"
    direct = [(f.tally_dim, f.tally.sql(), on_roster if f.roster_only else "TRUE") for f in TALLIED if f.tally is not None]
    for dim, value, where in direct:
        conn.execute(
            text(
                f"INSERT INTO member_tally (org_id, org_path, dim, value, n) "
                f"SELECT org_id, org_path, '{dim}', {value}, count(*) FROM member WHERE {where} GROUP BY 1, 2, 4"
            )
        )
    deepest = conn.execute(select(func.max(col(Organization.depth)))).scalar() or 0
    # A parent's path is its child's without the last segment.
    up = text(
        "INSERT INTO member_tally (org_id, org_path, dim, value, n) "
        f"SELECT o.parent_id, substr(t.org_path, 1, length(t.org_path) - {PATH_SEGMENT_WIDTH + 1}), t.dim, t.value, sum(t.n) "
        "FROM member_tally t JOIN organization o ON o.id = t.org_id "
        "WHERE o.depth = :depth AND o.parent_id IS NOT NULL GROUP BY o.parent_id, 2, t.dim, t.value "
        "ON CONFLICT (org_id, dim, value) DO UPDATE SET n = member_tally.n + excluded.n"
    ).bindparams(bindparam("depth"))
    for depth in range(deepest, 0, -1):
        conn.execute(up, {"depth": depth})
