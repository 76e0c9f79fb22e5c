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
    from partygraph.demo import is_empty, load_demo

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
    """Fill the configured (empty, upgraded) database with the demo county."""
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
