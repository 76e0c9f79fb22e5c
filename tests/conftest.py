"""Fixtures shared by every test: both databases, a small county, API and admin clients.

Every test that takes `db` runs once on SQLite and once on PostgreSQL (found
through PARTYGRAPH_TEST_POSTGRES_URL). Without a reachable PostgreSQL the
PostgreSQL half is skipped and the run says so loudly; .ci/run always has one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, event, make_url, text
from sqlmodel import SQLModel

import partygraph.models  # noqa: F401 - registers every table
from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.db import make_engine, make_session_factory, normalise_url
from partygraph.graphql.schema import build_schema
from partygraph.services import account as accounts
from partygraph.services import member as members
from partygraph.services import organization as orgs

# Real argon2, cheap parameters: the suite creates accounts in every test.
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

POSTGRES_URL = os.environ.get("PARTYGRAPH_TEST_POSTGRES_URL", "")
_pg_problem: str | None = None


_pg_database: str | None = None


def _postgres_engine() -> Engine | None:
    """A database of this test run's own on the server PARTYGRAPH_TEST_POSTGRES_URL names,
    so concurrent runs (developers, CI) never wipe each other's tables."""
    global _pg_problem, _pg_database
    if not POSTGRES_URL:
        _pg_problem = "PARTYGRAPH_TEST_POSTGRES_URL is not set"
        return None
    try:
        server = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
        if _pg_database is None:
            name = f"{make_url(normalise_url(POSTGRES_URL)).database}_run{os.getpid()}"
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            _pg_database = name
        server.dispose()
        url = make_url(normalise_url(POSTGRES_URL)).set(database=_pg_database)
        engine = make_engine(url.render_as_string(hide_password=False))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine
    except Exception as exc:  # noqa: BLE001
        _pg_problem = f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.__class__.__name__}: {exc}"
        return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    for engine in _engines.values():
        engine.dispose()
    if _pg_database:
        server = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_pg_database}" WITH (FORCE)'))
        server.dispose()


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not POSTGRES_URL:
        return ["!!! PARTYGRAPH_TEST_POSTGRES_URL is not set: PostgreSQL tests SKIPPED, SQLite only !!!"]
    return [f"databases: SQLite and PostgreSQL (a fresh database per run on {POSTGRES_URL})"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests import query_counts

    query_counts.summary(terminalreporter)  # statement counts below their baseline
    if _pg_problem:
        terminalreporter.write_sep("!", f"PostgreSQL NOT tested: {_pg_problem}", red=True)


TODAY = date(2026, 11, 1)


@dataclass
class Clock:
    today: date = TODAY

    def __call__(self) -> date:
        return self.today


_engines: dict[str, Engine] = {}


def _engine_for(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    if kind not in _engines:
        if kind == "sqlite":
            path = tmp_path_factory.mktemp("db") / "test.db"
            engine = make_engine(f"sqlite:///{path}")
        else:
            engine = _postgres_engine()
            if engine is None:
                if os.environ.get("PARTYGRAPH_REQUIRE_POSTGRES"):
                    pytest.fail(f"PostgreSQL is required here (CI) but unavailable: {_pg_problem}")
                pytest.skip(f"PostgreSQL unavailable: {_pg_problem}")
            with engine.begin() as conn:
                SQLModel.metadata.drop_all(conn)
        SQLModel.metadata.create_all(engine)
        _engines[kind] = engine
    return _engines[kind]


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # DELETE + sequence reset measured ~5x faster than TRUNCATE on these small tables.
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            for (seq,) in conn.execute(text("SELECT sequence_name FROM information_schema.sequences")):
                conn.execute(text(f'ALTER SEQUENCE "{seq}" RESTART WITH 1'))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first() else None


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An empty database of each kind."""
    engine = _engine_for(request.param, tmp_path_factory)
    _wipe(engine)
    yield engine


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite://", secret_key="test-secret")


@pytest.fixture
def session_factory(db: Engine):  # type: ignore[no-untyped-def]
    return make_session_factory(db)


def system_context(session: Any, settings: Settings, clock: Clock) -> Context:
    return Context(session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=clock)


PASSWORD = "secret-pass-1"
LI_ID = "513221198003020026"


@dataclass
class World:
    """A small county: two townships, three villages with groups, members, one account per role."""

    ids: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)

    def gid(self, type_name: str, key: str) -> str:
        from strawberry.relay import GlobalID

        source = self.ids if type_name == "Organization" else self.members
        return str(GlobalID(type_name, str(source[key])))


@pytest.fixture
def world(session_factory, settings: Settings, clock: Clock) -> World:  # type: ignore[no-untyped-def]
    w = World()
    with session_factory() as s:
        ctx = system_context(s, settings, clock)

        def org(key: str, parent: str | None, name: str, kind: str, **kw: Any) -> None:
            o = orgs.create(ctx, parent_id=w.ids[parent] if parent else None, code=key, name=name, kind=kind, **kw)
            w.ids[key] = o.id  # type: ignore[assignment]

        org("C", None, "岷江县委", "county")
        org("T1", "C", "威州镇党委", "committee")
        org("T2", "C", "映秀镇党委", "committee")
        org("V1", "T1", "布瓦村党支部", "branch", branch_type="village", population=1200)
        org("V2", "T1", "龙溪村党支部", "branch", branch_type="village")
        org("V3", "T2", "渔子溪村党支部", "branch", branch_type="village")
        org("G1", "V1", "布瓦村第一党小组", "group")
        org("G3", "V3", "渔子溪村第一党小组", "group")

        def person(key: str, at: str, name: str, gender: str = "male", born: date = date(1970, 5, 1), **kw: Any) -> None:
            kw.setdefault("joined_on", date(1995, 7, 1))
            kw.setdefault("converted_on", date(1996, 7, 1))
            m = members.register(ctx, org_id=w.ids[at], name=name, gender=gender, birth_date=born, education="junior_high", **kw)
            w.members[key] = m.id  # type: ignore[assignment]

        person("zhang", "G1", "张三")
        person("li", "V1", "李四", gender="female", born=date(1980, 3, 2), id_number=LI_ID, joined_on=date(2005, 7, 1), converted_on=date(2006, 7, 1))
        person("wang", "V2", "王五", born=date(1950, 1, 1), joined_on=date(1975, 7, 1), converted_on=date(1976, 7, 1))
        person("zhao", "G3", "赵六", born=date(1990, 8, 8), joined_on=date(2015, 7, 1), converted_on=date(2016, 7, 1))
        person("qian", "V3", "钱七", gender="female", born=date(2000, 1, 1), joined_on=date(2026, 1, 10), converted_on=None, status="probationary")
        for username, role, home in (
            ("county", "county", "C"),
            ("township", "township", "T1"),
            ("village", "village", "V1"),
            ("group", "group", "G1"),
            ("viewer", "viewer", "C"),
            ("township2", "township", "T2"),
            ("village3", "village", "V3"),
        ):
            accounts.create_account(s, username=username, password=PASSWORD, role=role, org_id=w.ids[home])
        s.commit()
    return w


def run_async(coro: Any) -> Any:
    """asyncio.run, also where a browser test left Playwright's event loop running in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class GQL:
    """Runs operations in-process against the real schema, as a named account."""

    def __init__(self, factory: Any, settings: Settings, clock: Clock) -> None:
        self.factory, self.settings, self.clock = factory, settings, clock
        self.schema = build_schema(settings)

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *, user: str = "county", lang: str = "zh") -> dict[str, Any]:
        result = self.run(query, variables, user=user, lang=lang)
        assert not result.errors, result.errors
        return result.data  # type: ignore[return-value]

    def run(self, query: str, variables: dict[str, Any] | None = None, *, user: str = "county", lang: str = "zh") -> Any:
        from sqlalchemy import select

        from partygraph.models.account import Account

        with self.factory() as s:
            account = s.execute(select(Account).where(Account.username == user)).scalar_one()
            ctx = Context(session=s, settings=self.settings, viewer=accounts.viewer_for(s, account), clock=self.clock, lang=lang)
            return run_async(self.schema.execute(query, variable_values=variables, context_value=ctx))


@pytest.fixture
def gql(session_factory, settings: Settings, clock: Clock, world: World) -> GQL:  # type: ignore[no-untyped-def]
    return GQL(session_factory, settings, clock)


@dataclass
class SQLCounter:
    count: int = 0
    statements: list[str] = field(default_factory=list)


@pytest.fixture
def sql_counter(db: Engine) -> Iterator[SQLCounter]:
    counter = SQLCounter()

    def before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        counter.count += 1
        counter.statements.append(statement)

    event.listen(db, "before_cursor_execute", before)
    yield counter
    event.remove(db, "before_cursor_execute", before)


@pytest.fixture
def app(db: Engine, settings: Settings, clock: Clock, world: World):  # type: ignore[no-untyped-def]
    from partygraph.app import create_app

    return create_app(settings, engine=db, clock=clock)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    with TestClient(app) as c:
        yield c


def login(client: Any, username: str, password: str = PASSWORD) -> str:
    """Sign in through the admin form; returns the new session's CSRF token."""
    import re

    page = client.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/admin/login", data={"username": username, "password": password, "csrf": csrf, "next": "/admin/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    # Signing in starts a new session, and the CSRF token belongs to the session.
    page = client.get("/admin/login")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
