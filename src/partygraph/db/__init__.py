"""Engine and session factory: SQLite (embedded default, WAL) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, Executable, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from partygraph.reports import cache, rollup


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// spellings and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_deserializer=orjson.loads,  # JSON columns: a third of the time of json.loads
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url != "sqlite://":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10, json_deserializer=orjson.loads)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class UnitOfWork(Session):
    """The sessions the application writes through: the write path's choke point.

    Before each flush it moves the roster rollup in the same transaction
    (`reports.rollup.apply_pending`); a commit of a session that wrote rows invalidates the
    cached figures and results (`reports.cache`). These are calls, not listeners on
    SQLAlchemy's Session: a session made any other way writes rows and nothing else.
    """

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            rollup.apply_pending(self)
            cache.written(self)
        super().flush(objects)

    def execute(self, statement: Executable, *args: Any, **kwargs: Any) -> Result[Any]:
        # Bulk UPDATE and DELETE bypass the flush: they change rows all the same.
        if getattr(statement, "is_dml", False):
            cache.written(self)
        return super().execute(statement, *args, **kwargs)

    def commit(self) -> None:
        super().commit()
        cache.committed(self)

    def rollback(self) -> None:
        super().rollback()
        cache.rolled_back(self)

    def close(self) -> None:
        super().close()
        cache.rolled_back(self)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=UnitOfWork, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
