"""The command line: serve | db upgrade | demo [load] | token create | export-schema."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from partygraph.config import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="partygraph: Party organisation work — GraphQL API and admin.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens.")
demo_app = typer.Typer(help="The demo county.", invoke_without_command=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(demo_app, name="demo")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks: synthetic data at scale, measured operations.")
app.add_typer(bench_app, name="bench")

console = Console(stderr=True)


class CliError(Exception):
    """A failure the operator can fix: printed as one line, exit code 1."""


def _settings() -> Settings:
    return Settings.from_env()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or upgrade the database schema (Alembic)."""
    from partygraph.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}: {_display_url(settings.database_url)}")


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _load_demo(settings: Settings, *, only_if_empty: bool) -> bool:
    from partygraph.db import make_engine, make_session_factory
    from partygraph.demo import is_empty, load_demo, load_demo_activity

    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        if not is_empty(session):
            if only_if_empty:
                return False
            raise CliError("the database already holds organisations; demo load needs an empty database")
        from rich.progress import Progress

        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("loading the demo county", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            summary = load_demo(session, settings, progress=report)
            progress.update(task, description="candidates, evaluations, assistance")
            load_demo_activity(session, settings)
        console.print(
            f"demo county loaded: {summary.organizations} organisations, {summary.members} members, {summary.accounts} accounts"
        )
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
    db_upgrade()
    _load_demo(settings, only_if_empty=True)
    print(f"partygraph is running at http://{host}:{port}/admin/  (GraphQL: http://{host}:{port}/graphql)")
    _print_logins()
    sys.stdout.flush()
    _serve(host, port, workers)


@demo_app.command("load")
def demo_load() -> None:
    """Upgrade the configured database and fill it (it must be empty) with the demo county."""
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
    from pathlib import Path

    from partygraph.imports import FileFormatError
    from partygraph.sheets_cli import import_ledger

    try:
        code = import_ledger(_settings(), ledger, Path(file), commit=commit, console=console)
    except (FileFormatError, OSError) as exc:
        raise CliError(str(exc)) from None
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
    from pathlib import Path

    from partygraph.sheets_cli import export_ledger

    code = export_ledger(_settings(), ledger, Path(file), under=under, console=console)
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


# --- bench -----------------------------------------------------------------------------------------


@bench_app.command("generate")
def bench_generate(
    scale: Annotated[str, typer.Option(help="tiny | county | prefecture | province")] = "county",
    seed: Annotated[int, typer.Option(help="Same seed, same tree and members.")] = 1,
    upgrade: Annotated[bool, typer.Option(help="Run the migrations first.")] = True,
) -> None:
    """Fill the configured (empty) database with a synthetic tree and its members, in bulk."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from partygraph.bench.generate import SCALES, generate
    from partygraph.db import make_engine

    if scale not in SCALES:
        raise CliError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    settings = _settings()
    if upgrade:
        db_upgrade()
    engine = make_engine(settings.database_url)
    tasks: dict[str, object] = {}
    with Progress(
        TextColumn("{task.description:<14}"), BarColumn(), TextColumn("{task.completed:>10,} / {task.total:,}"),
        TimeElapsedColumn(), console=console,
    ) as progress:  # fmt: skip

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)  # type: ignore[arg-type]

        try:
            result = generate(engine, scale, seed=seed, progress=report)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    engine.dispose()
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in result.phases.items())
    console.print(
        f"{scale} on {result.database}: {result.organizations:,} organisations, {result.members:,} members, "
        f"{result.positions:,} positions in {result.seconds:.1f}s ({phases})"
    )
    print("Bench logins (username / password, role, home organisation):")
    for username, password, role, home in result.accounts:
        print(f"  {username} / {password}    {role} at {home}")


@bench_app.command("run")
def bench_run(
    scale: Annotated[str | None, typer.Option(help="Label for the results (default: guessed from the row counts).")] = None,
    json_path: Annotated[str | None, typer.Option("--json", help="Write results here (default bench/results/<scale>-<db>.json).")] = None,
    iterations: Annotated[int, typer.Option(help="Timed runs per operation (p50/p95).")] = 100,
    heavy_iterations: Annotated[int, typer.Option(help="Timed runs of the whole-tree operations (prefecture / province).")] = 20,
    only: Annotated[str | None, typer.Option(help="Comma-separated operation names.")] = None,
    http: Annotated[bool, typer.Option(help="Also measure over HTTP (partygraph serve subprocesses).")] = True,
    http_requests: Annotated[int, typer.Option(help="Requests per HTTP target (bounded also by --http-seconds).")] = 2000,
    http_seconds: Annotated[float, typer.Option(help="Seconds per HTTP target at most.")] = 20.0,
    gc_freeze: Annotated[bool, typer.Option(help="Experiment: gc.freeze() after set-up (in-process only).")] = False,
) -> None:
    """Measure the operations on the configured (generated) database: a table and a JSON file."""
    import json
    from pathlib import Path

    from partygraph.bench.output import print_report
    from partygraph.bench.run import Bench, Report, guess_scale, machine
    from partygraph.db import make_engine

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        bench = Bench(engine, settings, iterations=iterations)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    counts = bench.counts()
    label = scale or guess_scale(counts)
    report = Report(scale=label, database=engine.dialect.name, counts=counts, machine_start=machine())
    if gc_freeze:
        import gc

        gc.collect()
        gc.freeze()
        report.notes.append("in-process runs with gc.freeze() after set-up")
    console.print(f"bench run: {label} on {engine.dialect.name} ({counts['organization']:,} organisations, {counts['member']:,} members), load {report.machine_start['loadavg']}")
    try:
        report.operations = bench.run_all(set(only.split(",")) if only else None, heavy_iterations=heavy_iterations)
        if http and (only is None or "http" in only.split(",")):
            from partygraph.bench.generate import BENCH_PASSWORD
            from partygraph.bench.http_load import measure_http
            from partygraph.services.account import create_token

            with bench.factory() as s:
                token = create_token(s, "bench-county", label="bench run")
                s.commit()
            report.http = measure_http(
                settings.database_url, token=token, county_gid=bench.anchors["county"].gid, username="bench-county",
                password=BENCH_PASSWORD, max_requests=http_requests, max_seconds=http_seconds,
                log=lambda m: console.print(m),
            )  # fmt: skip
    finally:
        bench.close()
        engine.dispose()
    print_report(report)
    path = Path(json_path or f"bench/results/{label}-{engine.dialect.name}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print(f"results written to {path}")


@bench_app.command("profile")
def bench_profile(
    op: Annotated[str, typer.Option(help="member_list | nested | member_counts")] = "member_list",
    iterations: Annotated[int, typer.Option(help="Runs to profile.")] = 100,
) -> None:
    """CPU-time profile of one operation on the configured (generated) database."""
    from partygraph.bench.run import Bench, profile_op
    from partygraph.db import make_engine

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        bench = Bench(engine, settings)
        print(profile_op(bench, op, iterations))
    except (RuntimeError, ValueError) as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()


def main() -> None:
    try:
        app(standalone_mode=False)
    except CliError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - operators get one line; PARTYGRAPH_DEBUG=1 for the traceback
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        if _settings().debug:
            raise
        console.print(f"[red]error:[/red] {exc.__class__.__name__}: {exc}")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
