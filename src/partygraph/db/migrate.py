"""Schema migrations with Alembic, configured in code (no ``alembic.ini``).

The migration scripts live in ``Settings().migrations_dir`` (``migrations/`` in the
checkout): ``env.py``, ``script.py.mako`` and ``versions/NNNN_slug.py``. Revision ids
are four-digit sequence numbers ("0001", "0002", ...) and the chain is kept linear:
every new revision's ``down_revision`` is the single current head.

Public API (every ``url`` may use any spelling ``partygraph.db.normalise_url`` accepts):

* ``alembic_config(url)`` -- an ``alembic.config.Config`` for ``alembic.command``;
* ``upgrade(url, revision="head")`` / ``downgrade(url, revision="base")``;
* ``current(url)`` -- the revision the database is at, ``None`` when unversioned;
* ``check_drift(url)`` -- autogenerate's diff between the database and
  ``SQLModel.metadata``; an empty list means the schema matches the models;
* ``revision(url, message)`` -- autogenerate the next revision file (``url=None``:
  against a throw-away SQLite database).

Adding a revision (after changing or adding models in ``partygraph.models``)::

    PYTHONPATH=src python -m partygraph.db.migrate revision "add candidates"

This upgrades a throw-away SQLite database to head, compares it with the models and
writes ``migrations/versions/0002_add_candidates.py`` (next number, linear chain).
Pass ``--url`` to autogenerate against another database (it is upgraded to head
first). Always review the file: autogenerate cannot see renames, server-side
defaults or data migrations. Then check it on both databases::

    PYTHONPATH=src python -m pytest tests/migrations

The other subcommands: ``upgrade [REV]``, ``downgrade [REV]``, ``current`` and
``check`` (exit status 1 when the database differs from the models), all taking
``--url`` (default ``PARTYGRAPH_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, TypeDecorator, create_engine, event
from sqlalchemy.pool import NullPool

from partygraph.config import Settings
from partygraph.db import normalise_url

REVISION_ID_WIDTH = 4


def _metadata() -> Any:
    from sqlmodel import SQLModel

    import partygraph.models  # noqa: F401  (registers every table on the metadata)

    return SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render SQLModel's column types as the plain SQLAlchemy types they compile to.

    Revision files then depend on SQLAlchemy only, not on SQLModel internals that may
    move between its 0.0.x releases; the DDL is the same.
    """
    if type_ != "type":
        return False
    from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

    if isinstance(obj, AutoString):
        length = getattr(obj.impl, "length", None)
        return f"sa.String(length={length})" if length is not None else "sa.String()"
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _collation(type_: Any, dialect: Any) -> str | None:
    impl = type_.dialect_impl(dialect)  # resolves with_variant() for this dialect
    if isinstance(impl, TypeDecorator):
        impl = impl.impl_instance
    return getattr(impl, "collation", None)


def compare_type(
    context: MigrationContext,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's type comparison ignores collations; the path columns depend on "C".

    Returns True (differs) on a collation mismatch, else None to fall through to
    alembic's own comparison of type and length.
    """
    wanted = _collation(metadata_type, context.dialect)
    found = getattr(inspected_type, "collation", None)
    if wanted != found:
        return True
    return None


def context_options() -> dict[str, Any]:
    """Options for ``MigrationContext.configure`` shared by env.py and ``check_drift``."""
    return {
        "target_metadata": _metadata(),
        "compare_type": compare_type,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        # Rendering batch operations whatever the database autogenerate compared
        # against keeps every revision runnable on SQLite; on PostgreSQL a batch
        # block simply issues the ALTERs.
        "render_as_batch": True,
        "render_item": render_item,
    }


def migration_engine(url: str) -> Engine:
    """An engine for running DDL: no pool, and no foreign-key enforcement on SQLite.

    Batch migrations on SQLite recreate tables (copy, drop, rename); with
    ``PRAGMA foreign_keys=ON`` the drop would cascade or fail, so unlike
    ``partygraph.db.make_engine`` this engine leaves enforcement off.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _no_fk(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

        return engine
    return create_engine(url, poolclass=NullPool)


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """An Alembic config for the project's migrations against ``url``.

    With ``connection``, env.py runs on that connection instead of opening its own
    (the caller then owns the transaction; alembic commits only one it began itself).
    """
    # secret_key is irrelevant here; passing one keeps from_env from writing a secret file.
    settings = Settings.from_env(secret_key="unused")
    cfg = Config()
    cfg.set_main_option("script_location", str(settings.migrations_dir))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("truncate_slug_length", "40")
    if url is not None:
        # configparser interpolation: a literal % (url-encoded passwords) must be doubled.
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    if importlib.util.find_spec("ruff") is not None:
        cfg.set_section_option("post_write_hooks", "hooks", "ruff_fix, ruff_format")
        cfg.set_section_option("post_write_hooks", "ruff_fix.type", "module")
        cfg.set_section_option("post_write_hooks", "ruff_fix.module", "ruff")
        cfg.set_section_option(
            "post_write_hooks", "ruff_fix.options", "check --fix --quiet REVISION_SCRIPT_FILENAME"
        )
        cfg.set_section_option("post_write_hooks", "ruff_format.type", "module")
        cfg.set_section_option("post_write_hooks", "ruff_format.module", "ruff")
        cfg.set_section_option(
            "post_write_hooks", "ruff_format.options", "format --quiet REVISION_SCRIPT_FILENAME"
        )
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (creating a new SQLite file)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` drops everything)."""
    command.downgrade(alembic_config(url), revision)


@contextmanager
def _connect(url: str) -> Iterator[Connection]:
    engine = migration_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision the database is at; ``None`` for an empty or unversioned database."""
    with _connect(url) as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    if len(heads) > 1:  # pragma: no cover - the chain is linear
        raise RuntimeError(f"database has several heads: {heads}")
    return heads[0] if heads else None


def head() -> str | None:
    """The newest revision among the scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def check_drift(url: str) -> list[Any]:
    """Autogenerate's differences between the database and the models (empty = in sync)."""
    with _connect(url) as conn:
        ctx = MigrationContext.configure(conn, opts=context_options())
        return list(compare_metadata(ctx, _metadata()))


def _next_revision_id(script: ScriptDirectory) -> str:
    numbers = [int(r.revision) for r in script.walk_revisions() if r.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:0{REVISION_ID_WIDTH}d}"


def revision(url: str | None, message: str, *, autogenerate: bool = True) -> Path:
    """Write the next revision file into the versions directory and return its path.

    The database at ``url`` (default: a throw-away SQLite file) is upgraded to head
    first, so the autogenerated operations are exactly what the models add on top of
    the existing chain.
    """
    with tempfile.TemporaryDirectory(prefix="partygraph-rev-") as tmp:
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'head.db'}"
        cfg = alembic_config(url)
        script = ScriptDirectory.from_config(cfg)
        if len(script.get_heads()) > 1:
            raise RuntimeError("several heads: merge them before adding a revision")
        command.upgrade(cfg, "head")
        result = command.revision(
            cfg,
            message=message,
            autogenerate=autogenerate,
            rev_id=_next_revision_id(script),
        )
    scripts = result if isinstance(result, list) else [result]
    return Path(scripts[0].path)  # type: ignore[union-attr]  # revision() returns the Script it wrote, never None here


def _slug_ok(message: str) -> bool:
    return bool(re.search(r"\w", message))


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="database URL (default: PARTYGRAPH_DATABASE_URL)")
    parser = argparse.ArgumentParser(
        prog="python -m partygraph.db.migrate", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("upgrade", parents=[common], help="migrate up (default: head)")
    p.add_argument("revision", nargs="?", default="head")
    p = sub.add_parser(
        "downgrade", parents=[common], help="migrate down (default: base, drops every table)"
    )
    p.add_argument("revision", nargs="?", default="base")
    sub.add_parser("current", parents=[common], help="print the database's revision")
    sub.add_parser(
        "check", parents=[common], help="exit 1 when the database differs from the models"
    )
    p = sub.add_parser(
        "revision",
        parents=[common],
        help="autogenerate the next revision file (default: against a throw-away SQLite file)",
    )
    p.add_argument("message")
    p.add_argument(
        "--empty", action="store_true", help="write an empty revision to fill in by hand"
    )
    args = parser.parse_args(argv)

    if args.cmd == "revision":
        if not _slug_ok(args.message):
            parser.error("the message must contain a word (it names the file)")
        path = revision(args.url, args.message, autogenerate=not args.empty)
        print(path)
        return 0

    # secret_key is irrelevant here; passing one keeps from_env from writing a secret file.
    url = args.url or Settings.from_env(secret_key="unused").database_url
    if args.cmd == "upgrade":
        upgrade(url, args.revision)
    elif args.cmd == "downgrade":
        downgrade(url, args.revision)
    elif args.cmd == "current":
        print(current(url) or "(none)")
    elif args.cmd == "check":
        diffs = check_drift(url)
        for diff in diffs:
            print(diff)
        if diffs:
            print(
                f"{len(diffs)} difference(s) between the database and the models", file=sys.stderr
            )
            return 1
        print("database matches the models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
