"""What `partygraph import members` and `partygraph export members` do (cli.py only parses options)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)


def _context(settings: Settings):  # type: ignore[no-untyped-def]
    from partygraph.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    return engine, make_session_factory(engine)


def import_members(settings: Settings, path: Path, *, commit: bool, console: Console) -> int:
    """Dry run (or commit) an import; prints the bad rows. Returns the exit code."""
    from partygraph import importer

    engine, factory = _context(settings)
    try:
        with factory() as session, _progress(console) as bar:
            ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER)
            tasks: dict[str, int] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task("检查 check" if phase == "check" else "写入 write", total=total or None)
                bar.update(tasks[phase], completed=done, total=total or None)

            try:
                report = importer.import_members(ctx, path.read_bytes(), path.name, commit=commit, progress=progress)
            except importer.ImportRefusedError as exc:
                report = exc.report
        _print_report(console, report)
        if report.problems:
            console.print(f"[red]{len(report.problems)} bad rows: nothing imported.[/red] Fix them and run again.")
            return 1
        if commit:
            console.print(f"[green]imported {report.created} members[/green] ({len(report.skipped)} already registered, skipped)")
        else:
            console.print(f"dry run: {report.good} members to import, {len(report.skipped)} already registered. Run with --commit to import.")
        return 0
    finally:
        engine.dispose()


def _print_report(console: Console, report) -> None:  # type: ignore[no-untyped-def]
    console.print(f"{report.total} rows read; columns: " + ", ".join(f"{h}→{f}" for h, f in report.columns.items()))
    if report.unknown_columns:
        console.print("ignored columns: " + ", ".join(report.unknown_columns))
    if report.problems:
        table = Table("行 row", "姓名 name", "列 field", "代码 code", "原因 reason")
        for p in report.problems:
            table.add_row(str(p.row), p.name, p.field or "", p.code, p.message_zh)
        console.print(table)


def export_members(settings: Settings, path: Path, *, under: str | None, console: Console) -> int:
    from partygraph import xlsx
    from partygraph.graphql.filters import MemberFilter
    from partygraph.models.organization import Organization

    engine, factory = _context(settings)
    try:
        with factory() as session:
            ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER)
            f = None
            org_name = "全部"
            if under:
                from strawberry.relay import GlobalID

                org = session.execute(select(Organization).where(Organization.code == under)).scalar_one_or_none()
                if org is None:
                    console.print(f"[red]no organisation with code {under!r}[/red]")
                    return 1
                f = MemberFilter(under=GlobalID("Organization", str(org.id)))
                org_name = org.name
            ds = xlsx.members_dataset(ctx, f)
            ds.header_lines = xlsx.header_lines(org_name, None, datetime.now())
            with _progress(console) as bar:
                task = bar.add_task("导出 export", total=ds.total or None)
                if path.suffix.lower() == ".csv":
                    n = xlsx.write_csv(path, ds)
                else:
                    n = xlsx.write_xlsx(path, ds, progress=lambda done, total: bar.update(task, completed=done, total=total or None))
        console.print(f"exported {n} members to {path}")
        return 0
    finally:
        engine.dispose()
