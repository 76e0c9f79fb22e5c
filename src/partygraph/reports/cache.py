"""The process-wide cache of figures and whole query results, and the data version it is keyed by.

The data version is
  - a process-local counter that the write path bumps when a session that wrote rows
    commits (`partygraph.db.UnitOfWork` calls `written` and `committed`: no listener is
    installed on SQLAlchemy's Session), and
  - a fingerprint of the audit log (the newest id and how many rows lie in its last
    1,000 ids), read with one index-range statement per request, so writes made by
    other worker processes (every service write appends an audit event) are seen too;
  - entries also expire after `CACHE_TTL` seconds as a backstop.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from partygraph import config
from partygraph.context import Context

CACHE_TTL = 60.0
CACHE_MAX = 512

_lock = threading.Lock()
_local_version = 0
_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

_WRITTEN = "stats_dirty"  # session.info: rows were written since the last commit or rollback


def written(session: Session) -> None:
    """The session wrote rows (a flush with changes, a bulk UPDATE or DELETE): its commit
    must invalidate every cached figure and result."""
    session.info[_WRITTEN] = True


def committed(session: Session) -> None:
    if session.info.pop(_WRITTEN, False):
        bump()


def rolled_back(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


def bump() -> None:
    """Invalidate every cached figure (called on commit of a write)."""
    global _local_version
    with _lock:
        _local_version += 1
        _cache.clear()


# Plain SQL: run on every request that may be answered from a cache, where the ORM's
# statement building would cost more than the statement itself.
_DATA_VERSION = text(
    "SELECT max(id), count(id) FROM audit_event"
    " WHERE id > coalesce((SELECT max(id) FROM audit_event), 0) - 1000"
)


def data_version(session: Session) -> tuple[int, int, int]:
    """(process counter, newest audit id, audit rows among the last 1,000 ids): one statement."""
    row = session.execute(_DATA_VERSION).one()
    return (_local_version, int(row[0] or 0), int(row[1] or 0))


def cached(ctx: Context, key: tuple[Any, ...], produce: Any) -> Any:
    full = (key, ctx.today(), config.settings_key(ctx.settings), data_version(ctx.session))
    now = time.monotonic()
    with _lock:
        hit = _cache.get(full)
        if hit is not None and now - hit[0] < CACHE_TTL:
            return hit[1]
    value = produce()
    with _lock:
        if len(_cache) >= CACHE_MAX:
            _cache.clear()
        _cache[full] = (now, value)
    return value
