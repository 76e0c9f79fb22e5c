"""The command line: serve | db upgrade | demo [load] | token create | export-schema |
import | export | backup | restore | bench.

Every failure ends in `main()`: one line on stderr in plain words and a non-zero exit status
(1: the operation failed, 2: the command was mistyped, 130: interrupted); with
PARTYGRAPH_DEBUG set, the traceback instead.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from partygraph.backup import OperationsError
from partygraph.config import Settings

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

app = typer.Typer(no_args_is_help=True, add_completion=False, help="partygraph: Party organisation work — GraphQL API and admin.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens.")
demo_app = typer.Typer(help="The demo county.", invoke_without_command=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(demo_app, name="demo")

console = Console(stderr=True)


class CliError(Exception):
    """A failure the operator can fix: printed as one line, exit code 1."""


def _settings() -> Settings:
    return Settings.from_env()


def _database_url() -> str:
    # Only the URL is needed: passing a secret keeps from_env from writing a secret file.
    return Settings.from_env(secret_key="unused").database_url


def _check_port(host: str, port: int) -> None:
    """Fail in one line if the address cannot be listened on: uvicorn would log and exit,
    and gunicorn would retry for seconds before giving up."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError):
        raise CliError(f"cannot listen on {host!r}: not a name or address of this machine; use --host") from None
    with socket.socket(family, kind, proto) as probe:
        # As the servers themselves do, so a port left in TIME_WAIT by a stopped server counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} on {host} is already in use by another program: stop it, or choose another port with --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise CliError(
                    f"not allowed to listen on port {port}: ports below 1024 need administrator rights; choose another with --port"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise CliError(f"{host} is not an address of this machine: use --host") from None
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _check_database(*, schema: bool) -> None:
    from partygraph.backup import check_database

    check_database(_database_url(), schema=schema)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or upgrade the database schema (Alembic)."""
    from partygraph.db.migrate import upgrade

    settings = _settings()
    _check_database(schema=False)
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}: {_display_url(settings.database_url)}", soft_wrap=True, highlight=False)


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class DemoProgress:
    """Where the demo load is: a bar on a terminal, else one plain line per phase (logs and
    pipes get no control characters). The lines go to stderr, beside every other message."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.started: dict[str, float] = {}
        self.members_reported = 0
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    @contextmanager
    def running(self) -> Iterator[DemoProgress]:
        if not self.out.is_terminal:
            self._line("loading the demo county (a minute or two)")
            yield self
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bar

        with Bar(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=self.out, transient=True,
        ) as bar:  # fmt: skip
            self.bar = bar
            self.task = bar.add_task("loading the demo county", total=None)
            yield self

    def _line(self, message: str) -> None:
        (self.bar.console if self.bar is not None else self.out).print(
            Text(f"demo: {message}"), soft_wrap=True, highlight=False
        )

    def phase(self, name: str, done: str | None) -> None:
        if done is None:
            self.started[name] = time.monotonic()
            if self.bar is not None and self.task is not None:
                self.bar.update(self.task, description=name, completed=0, total=None)
            return
        seconds = time.monotonic() - self.started.get(name, time.monotonic())
        self._line(f"{name}: {done} ({seconds:.0f} s)")

    def members(self, done: int, total: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=done, total=total)
        elif done < total and done >= self.members_reported + total // 4:
            # A quarter at a time: registering the members is most of the minute.
            self.members_reported = done
            self._line(f"members: {done:,} of {total:,}")


def _load_demo(settings: Settings, *, only_if_empty: bool) -> bool:
    from partygraph.db import make_engine, make_session_factory
    from partygraph.demo import is_empty, load_demo, load_demo_activity

    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            if not is_empty(session):
                if only_if_empty:
                    return False
                raise CliError("the database already holds organisations; demo load needs an empty database")
            started = time.monotonic()
            with DemoProgress(console).running() as report:
                summary = load_demo(session, settings, progress=report.members, phases=report.phase)
                load_demo_activity(session, settings, phases=report.phase)
            console.print(
                f"demo county loaded in {time.monotonic() - started:.0f} s: {summary.organizations:,} organisations, "
                f"{summary.members:,} members, {summary.accounts} accounts",
                soft_wrap=True, highlight=False,
            )  # fmt: skip
    finally:
        engine.dispose()
    return True


def _print_logins() -> None:
    from partygraph.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    print("Demo logins (username / password):")
    for username, _role, description in DEMO_ACCOUNTS:
        print(f"  {username} / {DEMO_PASSWORD}    {description}")


@demo_app.callback()
def demo(
    ctx: typer.Context,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
) -> None:
    """Upgrade the database, load the demo county if it is empty, and serve it."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    # demo creates and upgrades its own schema, so only reaching the database is checked;
    # the port is checked before the minute-long load rather than after it.
    _check_database(schema=False)
    _check_port(host, port)
    db_upgrade()
    _load_demo(settings, only_if_empty=True)
    _check_port(host, port)
    print(f"partygraph is running at http://{host}:{port}/admin/  (GraphQL: http://{host}:{port}/graphql)")
    _print_logins()
    sys.stdout.flush()
    _serve(host, port, workers)


@demo_app.command("load")
def demo_load() -> None:
    """Upgrade the configured database and fill it (it must be empty) with the demo county."""
    _check_database(schema=False)
    db_upgrade()
    _load_demo(_settings(), only_if_empty=False)
    _print_logins()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (gunicorn + uvicorn workers).")] = 2,
) -> None:
    """Serve the API and the admin."""
    _check_port(host, port)
    _check_database(schema=True)
    print(f"partygraph is running at http://{host}:{port}/admin/  (GraphQL: http://{host}:{port}/graphql)")
    sys.stdout.flush()
    _serve(host, port, workers)


def _serve(host: str, port: int, workers: int) -> None:
    from partygraph.server import run

    run(host=host, port=port, workers=workers)


@token_app.command("create")
def token_create(
    username: str,
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="A token that can only read (dashboards).")] = False,
) -> None:
    """Print a new API token for USERNAME (the last word of the output)."""
    from partygraph.db import make_engine, make_session_factory
    from partygraph.errors import DomainError
    from partygraph.services.account import create_token

    settings = _settings()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        try:
            token = create_token(session, username, label=label, read_only=read_only)
        except DomainError as exc:
            raise CliError(exc.message_en) from None
        session.commit()
    print(f"API token for {username}{' (read-only)' if read_only else ''}: {token}")


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from partygraph.graphql.schema import export_sdl

    sys.stdout.write(export_sdl())


# --- import / export (spreadsheets) ---------------------------------------------------------------

import_app = typer.Typer(no_args_is_help=True, help="Import spreadsheets (.xlsx or .csv): a dry run unless --commit.")
export_app = typer.Typer(no_args_is_help=True, help="Export lists to spreadsheets (.xlsx or .csv).")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


def _import(ledger: str, file: str, commit: bool) -> None:
    from partygraph.cli.sheets import import_ledger
    from partygraph.imports import FileFormatError

    try:
        code = import_ledger(_settings(), ledger, Path(file), commit=commit, console=console)
    except FileFormatError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot read {file}: {exc.strerror or exc}") from None
    if code:
        raise typer.Exit(code)


CommitOption = Annotated[bool, typer.Option("--commit", help="Write the rows (all or nothing). Default: dry run.")]


@import_app.command("members")
def import_members(
    file: Annotated[str, typer.Argument(help="The roster: .xlsx or .csv with Chinese headers (姓名, 性别, 出生日期, …).")],
    commit: CommitOption = False,
) -> None:
    """Check a member roster and list every bad row; with --commit, import it in one transaction."""
    _import("members", file, commit)


@import_app.command("candidates")
def import_candidates(
    file: Annotated[str, typer.Argument(help="The candidate ledger (发展党员台账): the person, 申请日期 and each step's date.")],
    commit: CommitOption = False,
) -> None:
    """Check a candidate ledger row by row against the pipeline rules; with --commit, import it in one transaction."""
    _import("candidates", file, commit)


@import_app.command("cases")
def import_cases(
    file: Annotated[str, typer.Argument(help="The assistance ledger (困难党员台账): the member, 困难类别, 申请日期 and each step's date.")],
    commit: CommitOption = False,
) -> None:
    """Check an assistance ledger row by row against the workflow rules; with --commit, import it in one transaction."""
    _import("cases", file, commit)


def _export(ledger: str, file: str, under: str | None) -> None:
    from partygraph.cli.sheets import EXPORT_SUFFIXES, export_ledger

    path = Path(file)
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise CliError(f"cannot write {file}: export writes .xlsx or .csv files; name the file FILE.xlsx or FILE.csv")
    if not path.parent.is_dir():
        raise CliError(f"cannot write {file}: the folder {path.parent} does not exist")
    try:
        code = export_ledger(_settings(), ledger, path, under=under, console=console)
    except OSError as exc:
        raise CliError(f"cannot write {file}: {exc.strerror or exc}") from None
    if code:
        raise typer.Exit(code)


FileArgument = Annotated[str, typer.Argument(help="Where to write: FILE.xlsx or FILE.csv.")]
UnderOption = Annotated[str | None, typer.Option("--under", help="Only this organisation's subtree (its code).")]


@export_app.command("members")
def export_members(file: FileArgument, under: UnderOption = None) -> None:
    """Export the member roster (on the roster: probationary and full) with Chinese headers."""
    _export("members", file, under)


@export_app.command("candidates")
def export_candidates(file: FileArgument, under: UnderOption = None) -> None:
    """Export the candidate ledger (发展党员台账) with Chinese headers."""
    _export("candidates", file, under)


@export_app.command("cases")
def export_cases(file: FileArgument, under: UnderOption = None) -> None:
    """Export the assistance ledger (困难党员台账) with Chinese headers."""
    _export("cases", file, under)


# --- backup / restore --------------------------------------------------------------------------------


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    size = n / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (replaced only once complete).")],
) -> None:
    """Back up the database to FILE: consistent while the service runs (SQLite online backup; pg_dump on PostgreSQL)."""
    from partygraph.backup import backup, display

    url = _database_url()
    result = backup(url, file)
    console.print(
        f"backed up {display(url)} to {result.path} ({_size(result.size)}, {result.kind}, "
        f"schema revision {result.revision or 'none'})",
        soft_wrap=True, highlight=False,
    )  # fmt: skip


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `partygraph backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
) -> None:
    """Restore FILE into the configured database; it must be empty unless --force. Stop the service first."""
    from partygraph.backup import display, restore

    url = _database_url()
    result = restore(url, file, force=force)
    console.print(f"restored {file} into {display(url)}", soft_wrap=True, highlight=False)
    advice = result.revision.advice()
    if advice is not None:
        console.print(Text.assemble(("next: ", "yellow"), advice), soft_wrap=True, highlight=False)


def _debug() -> bool:
    # Read directly: Settings.from_env may itself be what fails (a malformed variable).
    return os.environ.get("PARTYGRAPH_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def _say_error(message: str) -> None:
    line = " ".join(message.split())  # one line, whatever the underlying message held
    console.print(Text.assemble(("error: ", "red"), line), soft_wrap=True, highlight=False)


def plain_message(exc: BaseException) -> str:
    """An unexpected exception in words an operator can act on, without class names."""
    from sqlalchemy.exc import DBAPIError

    from partygraph.backup import describe_db_error

    if isinstance(exc, DBAPIError):
        url = os.environ.get("PARTYGRAPH_DATABASE_URL", Settings.database_url)
        return describe_db_error(exc, url)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
    hint = "set PARTYGRAPH_DEBUG=1 and run again for the details"
    return f"{first} ({hint})" if first else f"an unexpected failure; {hint}"


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The `partygraph` command: runs ARGV (default sys.argv) and exits with its status."""
    debug = _debug()
    try:
        code = app(args=argv, prog_name="partygraph", standalone_mode=False)
    except (CliError, OperationsError) as exc:
        _say_error(str(exc))
        if debug and exc.__cause__ is not None:
            import traceback

            traceback.print_exception(exc.__cause__)
        raise SystemExit(1) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        console.print("interrupted")
        raise SystemExit(130) from None
    except typer.TyperException as exc:
        # click's "no arguments: show the help" is an error since click 8.2; `partygraph` and
        # `partygraph db` alone are asking for the help, which was printed already.
        if type(exc).__name__ == "NoArgsIsHelpError":
            raise SystemExit(0) from None
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except Exception as exc:
        if debug:
            raise
        _say_error(plain_message(exc))
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)



# The benchmarks live beside the package (src/partygraph_bench), not in it: a checkout has
# `partygraph bench`, an installed wheel does not.
try:
    from partygraph_bench.cli import bench_app
except ModuleNotFoundError as exc:
    if exc.name != "partygraph_bench":
        raise
else:
    app.add_typer(bench_app, name="bench")
