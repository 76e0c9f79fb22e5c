"""Alembic environment for partygraph.

Configured in code by ``partygraph.db.migrate.alembic_config``; there is no alembic.ini.
Where the database comes from, first match wins:

1. ``config.attributes["connection"]``: a ``Connection`` (or an ``Engine``, as
   pytest-alembic passes) the caller already holds;
2. the ``sqlalchemy.url`` main option;
3. ``PARTYGRAPH_DATABASE_URL`` through ``Settings.from_env()``.

Connections opened here come from ``partygraph.db.migrate.migration_engine`` (SQLite:
foreign keys not enforced, which batch table rebuilds need). A caller's connection
is used as is; on SQLite open it without ``PRAGMA foreign_keys=ON`` if a revision
rebuilds a referenced table. Autogenerate options (collation-aware type comparison,
batch rendering, plain SQLAlchemy types) come from ``partygraph.db.migrate.context_options``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from partygraph.config import Settings
from partygraph.db import normalise_url
from partygraph.db.migrate import context_options, migration_engine

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        url = Settings.from_env(secret_key="unused").database_url
    return normalise_url(url)


def _options() -> dict[str, object]:
    options = context_options()
    # Hooks a caller (pytest-alembic) may hand in; None means "not given".
    for key in ("target_metadata", "process_revision_directives"):
        value = config.attributes.get(key)
        if value is not None:
            options[key] = value
    return options


def run_migrations_offline() -> None:
    """``--sql`` mode: print the DDL instead of running it."""
    url = _url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run_on(given)
        return
    engine = given if isinstance(given, Engine) else migration_engine(_url())
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        if engine is not given:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
