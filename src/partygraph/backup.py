"""Operations on the configured database: the start-up check, backup and restore.

Every failure an operator can fix is an ``OperationsError`` whose message is one line in
plain English naming the fix; the command line prints it as it is.

Backups: SQLite through Python's online backup API (a consistent copy while the service
writes; copying the file of a live WAL database is not), PostgreSQL through
``pg_dump --format=custom`` / ``pg_restore``. A backup is restored into a database of the
same kind only.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from partygraph.db import normalise_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
URL_HINT = "check PARTYGRAPH_DATABASE_URL"
UPGRADE_HINT = "run `partygraph db upgrade`"


class OperationsError(Exception):
    """A failure the operator can fix; the message is one line that says how."""


# --- the database URL and reaching the server ------------------------------------------------------


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise OperationsError(
            f"{url!r} is not a database URL: set PARTYGRAPH_DATABASE_URL to sqlite:///FILE or "
            "postgresql://USER@HOST/DATABASE"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise OperationsError(
            f"partygraph runs on SQLite or PostgreSQL, not {parsed.get_backend_name()}: {URL_HINT}"
        )
    return parsed


def display(url: str | URL) -> str:
    """The URL without its password, for messages."""
    try:
        # As the operator spelt it (postgresql://, not the driver-qualified form).
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return str(url)
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database."""
    name = url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        return None
    return Path(name)


def _where(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


_NO_SCHEMA = re.compile(
    r'no such (table|column)|relation "[^"]*" does not exist|column "?[^ ]*"? does not exist'
)
_UNREACHABLE = re.compile(
    r"connection refused|translate host name|timeout|timed out|no route to host|network is unreachable"
    r"|no such file or directory"  # a Unix socket that is not there
)


def describe_db_error(exc: BaseException, url: str | URL) -> str:
    """One line for a database failure: which fix applies (the drivers' messages vary)."""
    parsed = url if isinstance(url, URL) else make_url(normalise_url(url))
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
    detail = lines[0] if lines else ""
    low = " ".join(lines).lower()
    if _NO_SCHEMA.search(low):
        return f"the database at {display(parsed)} has no partygraph schema, or an older one: {UPGRADE_HINT}"
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if "unable to open" in low:
            folder = path.parent if path else "?"
            return f"cannot open the SQLite database {path}: the folder {folder} is missing or not writable; {URL_HINT}"
        if "not a database" in low or "malformed" in low:
            return f"{path} is not a usable SQLite database ({detail}); {URL_HINT}"
        if "locked" in low:
            return f"the SQLite database {path} is locked by another program; try again when it has finished"
        return f"the SQLite database {path} failed: {detail}"
    user = parsed.username or os.environ.get("PGUSER") or "(default user)"
    if "password authentication failed" in low or "no password supplied" in low:
        return f"the database server at {_where(parsed)} refused the password of user {user!r}; {URL_HINT}"
    if re.search(r'role "[^"]*" does not exist', low):
        return f"the database server at {_where(parsed)} has no user {user!r}; {URL_HINT}"
    if re.search(r'database "[^"]*" does not exist', low):
        return (
            f"the database {parsed.database!r} does not exist on {_where(parsed)}: create it "
            f"(createdb {parsed.database}) or {URL_HINT}"
        )
    if "pg_hba.conf" in low:
        return f"the database server at {_where(parsed)} does not accept user {user!r} from this machine (pg_hba.conf); {URL_HINT}"
    if _UNREACHABLE.search(low):
        return f"cannot reach the database server at {_where(parsed)} (is PostgreSQL running there?); {URL_HINT}"
    return f"the database at {display(parsed)} answered: {detail}"


def _engine(url: URL) -> Engine:
    # No pool: these are one-shot checks, and a pool would keep the server's slot.
    return create_engine(url, poolclass=NullPool)


def _connect(url: URL) -> Connection:
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and not path.parent.exists():
            raise OperationsError(
                f"cannot open the SQLite database {path}: the folder {path.parent} does not exist; {URL_HINT}"
            )
    try:
        return _engine(url).connect()
    except NoSuchModuleError:
        raise OperationsError(f"no driver for {url.drivername}: {URL_HINT}") from None
    except DBAPIError as exc:
        raise OperationsError(describe_db_error(exc, url)) from exc


# --- the schema revision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    current: str | None  # None: no partygraph schema yet
    head: str | None
    known: bool  # False: written by a newer partygraph than this one

    @property
    def at_head(self) -> bool:
        return self.current is not None and self.current == self.head

    def advice(self) -> str | None:
        """None when the schema is at head, else one line naming the fix."""
        if self.at_head:
            return None
        if self.current is None:
            return f"the database has no partygraph schema yet: {UPGRADE_HINT}"
        if not self.known:
            return (
                f"the database is at schema revision {self.current}, newer than this partygraph "
                f"knows (its newest is {self.head}): install the partygraph release that wrote it"
            )
        return f"the database schema is at revision {self.current}, this partygraph needs {self.head}: {UPGRADE_HINT}"


def _revision_on(conn: Connection) -> Revision:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from partygraph.db.migrate import alembic_config

    heads = MigrationContext.configure(conn).get_current_heads()
    current = heads[0] if heads else None
    script = ScriptDirectory.from_config(alembic_config())
    known = current is None or current in {r.revision for r in script.walk_revisions()}
    return Revision(current=current, head=script.get_current_head(), known=known)


def revision(url: str) -> Revision:
    parsed = parse_url(url)
    with _connect(parsed) as conn:
        return _revision_on(conn)


def check_database(url: str, *, schema: bool = True) -> None:
    """Raise OperationsError unless the database answers (and, with ``schema``, is at head).

    A SQLite file that does not exist is reported rather than created empty.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and schema:
        path = sqlite_path(parsed)
        if path is not None and path.parent.is_dir() and not path.exists():
            raise OperationsError(
                f"there is no database at {path}: {UPGRADE_HINT} to create it, or {URL_HINT}"
            )
    with _connect(parsed) as conn:
        try:
            conn.execute(text("SELECT 1"))
            status = _revision_on(conn) if schema else None
        except DBAPIError as exc:
            raise OperationsError(describe_db_error(exc, parsed)) from exc
    if status is not None and (advice := status.advice()) is not None:
        raise OperationsError(advice)


# --- what the database holds ------------------------------------------------------------------------


def tables_with_rows(conn: Connection) -> list[str]:
    """The tables (other than Alembic's bookkeeping) that hold at least one row."""
    from sqlalchemy import inspect

    names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
    preparer = conn.dialect.identifier_preparer
    return [
        n
        for n in names
        if conn.execute(text(f"SELECT 1 FROM {preparer.quote(n)} LIMIT 1")).first() is not None
    ]


# --- backup -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    kind: str  # "SQLite" | "PostgreSQL"
    revision: str | None


def backup(url: str, path: Path) -> BackupResult:
    """Write a consistent backup of the database to ``path`` (replaced only once complete)."""
    parsed = parse_url(url)
    if not path.parent.exists():
        raise OperationsError(f"cannot write {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise OperationsError(f"{path} is a folder: give the backup a file name")
    # Checked before connecting: connecting to a SQLite file that is not there creates it.
    if parsed.get_backend_name() == "sqlite":
        source = sqlite_path(parsed)
        if source is None:
            raise OperationsError("an in-memory SQLite database cannot be backed up")
        if not source.exists():
            raise OperationsError(
                f"there is no database at {source}: nothing to back up; {URL_HINT}"
            )
    else:
        _tool("pg_dump")
    with _connect(parsed) as conn:
        rev = _revision_on(conn).current
    # Written beside the target and renamed at the end: an interrupted backup never leaves
    # a truncated file under the name a restore would use.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if parsed.get_backend_name() == "sqlite":
            kind = "SQLite"
            _sqlite_backup(parsed, tmp)
        else:
            kind = "PostgreSQL"
            _pg_dump(parsed, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(path=path, size=path.stat().st_size, kind=kind, revision=rev)


def _sqlite_backup(url: URL, target: Path) -> None:
    source_path = sqlite_path(url)
    assert source_path is not None  # backup() refused an in-memory database
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(target)
    try:
        # One step: the copy is a single read transaction, so it is consistent even while
        # the service keeps writing (WAL readers do not block writers).
        source.backup(dest)
        ok = dest.execute("PRAGMA quick_check").fetchone()
        if ok is None or ok[0] != "ok":
            raise OperationsError(f"the backup of {source_path} failed its integrity check: {ok}")
        # A backup file is one self-contained file, whatever the live database's journal mode.
        dest.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise OperationsError(f"the backup of {source_path} failed: {exc}") from exc
    finally:
        dest.close()
        source.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OperationsError(
            f"{name} is not installed (or not on PATH): install the PostgreSQL client tools "
            f"(Debian/Ubuntu: apt install postgresql-client) in the server's version"
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the client tools, with the password in the environment
    (a password on the command line is visible to every user of the machine)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        first = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
        raise OperationsError(f"{what} failed: {first or f'exit status {done.returncode}'}")


def _pg_dump(url: URL, target: Path) -> None:
    uri, env = _libpq(url)
    _run_tool(
        [_tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={uri}"], env, "pg_dump"
    )


# --- restore ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    kind: str
    revision: Revision


def backup_kind(path: Path) -> str:
    """'SQLite' or 'PostgreSQL', from the file's first bytes."""
    if not path.is_file():
        raise OperationsError(f"there is no backup file at {path}")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "SQLite"
    if head.startswith(PG_DUMP_MAGIC):
        return "PostgreSQL"
    raise OperationsError(
        f"{path} is not a partygraph backup (neither a SQLite database nor a pg_dump custom-format file)"
    )


def restore(url: str, path: Path, *, force: bool = False) -> RestoreResult:
    """Replace the database's contents with the backup at ``path``.

    Refuses a database that holds data unless ``force``; the caller reports the returned
    revision (a backup from an older release needs ``partygraph db upgrade``).
    """
    parsed = parse_url(url)
    kind = backup_kind(path)
    target_kind = "SQLite" if parsed.get_backend_name() == "sqlite" else "PostgreSQL"
    if kind != target_kind:
        raise OperationsError(
            f"{path} is a {kind} backup but PARTYGRAPH_DATABASE_URL names a {target_kind} database: "
            "restore into a database of the same kind"
        )
    if kind == "SQLite":
        target = sqlite_path(parsed)
        if target is None:
            raise OperationsError(f"cannot restore into an in-memory SQLite database; {URL_HINT}")
        _check_sqlite_backup(path)
    else:
        _tool("pg_restore")
    with _connect(parsed) as conn:
        full = tables_with_rows(conn)
    if full and not force:
        raise OperationsError(
            f"the database at {display(parsed)} already holds data ({len(full)} tables with rows): "
            "restore would replace all of it; add --force to do so"
        )
    if kind == "SQLite":
        _sqlite_restore(path, parsed)
    else:
        _pg_restore(path, parsed)
    return RestoreResult(kind=kind, revision=revision(url))


def _check_sqlite_backup(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise OperationsError(f"{path} cannot be read as a SQLite backup: {exc}") from exc
    if ok is None or ok[0] != "ok":
        raise OperationsError(
            f"{path} is damaged (SQLite integrity check: {ok}): use another backup"
        )
    if "organization" not in names:
        raise OperationsError(
            f"{path} is a SQLite database but not a partygraph backup (no organization table)"
        )


def _sqlite_restore(path: Path, url: URL) -> None:
    target = sqlite_path(url)
    assert target is not None
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        # The backup API in reverse rather than a file copy: it writes through SQLite's own
        # locking and journal, so a leftover -wal file of the old database cannot be replayed
        # over the restored pages.
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise OperationsError(f"restoring {path} into {target} failed: {exc}") from exc
    finally:
        dest.close()
        source.close()


def _drop_everything(url: URL) -> None:
    """Empty the current schema, so pg_restore creates every table afresh (tables made by
    `db upgrade`, or of a newer release, would otherwise clash or linger)."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            preparer = conn.dialect.identifier_preparer
            for kind, relkinds in (
                ("VIEW", "('v', 'm')"),
                ("TABLE", "('r', 'p')"),
                ("SEQUENCE", "('S')"),
            ):
                names = conn.execute(
                    text(
                        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        f"WHERE n.nspname = current_schema() AND c.relkind IN {relkinds}"
                    )
                ).scalars()
                for name in list(names):
                    conn.execute(text(f"DROP {kind} IF EXISTS {preparer.quote(name)} CASCADE"))
    except DBAPIError as exc:
        raise OperationsError(describe_db_error(exc, url)) from exc
    finally:
        engine.dispose()


def _pg_restore(path: Path, url: URL) -> None:
    tool = _tool("pg_restore")
    uri, env = _libpq(url)
    _drop_everything(url)
    # --no-owner / --no-acl: the restored objects belong to the configured user, whatever
    # role owned them on the machine the backup came from.
    _run_tool(
        [
            tool,
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(path),
        ],
        env,
        "pg_restore",
    )
