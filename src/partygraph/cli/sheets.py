"""What `partygraph import members|candidates|cases` and `partygraph export members|candidates|cases` do
(cli.py only parses options)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import col

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context

if TYPE_CHECKING:
    from rich.progress import TaskID

    from partygraph.imports.common import ImportReport

# The spreadsheet formats `export` writes (by the file's extension).
EXPORT_SUFFIXES = (".xlsx", ".csv")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _context(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    from partygraph.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    return engine, make_session_factory(engine)


PHASES = {"check": "检查 check", "rules": "按规则核对 rules", "write": "写入 write"}
WHAT = {"members": "members", "candidates": "candidate files", "cases": "assistance cases"}


def import_ledger(
    settings: Settings, ledger: str, path: Path, *, commit: bool, console: Console
) -> int:
    """Dry run (or commit) an import of one ledger; prints the bad rows. Returns the exit code."""
    from partygraph import imports

    engine, factory = _context(settings)
    try:
        with factory() as session, _progress(console) as bar:
            ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER)
            tasks: dict[str, TaskID] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(PHASES.get(phase, phase), total=total or None)
                bar.update(tasks[phase], completed=done, total=total or None)

            try:
                report = imports.run(
                    ledger, ctx, path.read_bytes(), path.name, commit=commit, progress=progress
                )
            except imports.ImportRefusedError as exc:
                report = exc.report
        _print_report(console, report)
        what = WHAT[ledger]
        if report.problems:
            console.print(
                f"[red]{len(report.problems)} bad rows: nothing imported.[/red] Fix them and run again."
            )
            return 1
        if commit:
            console.print(
                f"[green]imported {report.created} {what}[/green] ({len(report.skipped)} already there, skipped)"
            )
        else:
            console.print(
                f"dry run: {report.good} {what} to import, {len(report.skipped)} already there. Run with --commit to import."
            )
        return 0
    finally:
        engine.dispose()


def _print_report(console: Console, report: ImportReport) -> None:
    console.print(
        f"{report.total} rows read; columns: "
        + ", ".join(f"{h}→{f}" for h, f in report.columns.items())
    )
    if report.unknown_columns:
        console.print("ignored columns: " + ", ".join(report.unknown_columns))
    if report.problems:
        table = Table("行 row", "姓名 name", "列 field", "代码 code", "原因 reason")
        for p in report.problems:
            table.add_row(str(p.row), p.name, p.field or "", p.code, p.message_zh)
        console.print(table)


def export_ledger(
    settings: Settings, ledger: str, path: Path, *, under: str | None, console: Console
) -> int:
    """Write the roster, the candidate ledger or the assistance ledger (optionally one subtree)."""
    from partygraph import exports
    from partygraph.models.organization import Organization

    engine, factory = _context(settings)
    try:
        with factory() as session:
            ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER)
            org = None
            if under:
                org = session.execute(
                    select(Organization).where(col(Organization.code) == under)
                ).scalar_one_or_none()
                if org is None:
                    console.print(
                        Text.assemble(
                            ("error: ", "red"),
                            f"no organisation has the code {under!r}: "
                            "the codes are on the organisation pages of the admin",
                        ),
                        soft_wrap=True,
                        highlight=False,
                    )
                    return 1
            ds = _dataset(ctx, ledger, org)
            ds.header_lines = exports.header_lines(org.name if org else "全部", None, datetime.now())
            with _progress(console) as bar:
                task = bar.add_task("导出 export", total=ds.total or None)
                if path.suffix.lower() not in EXPORT_SUFFIXES:
                    raise ValueError(f"cannot write {path.suffix!r} files: {EXPORT_SUFFIXES}")
                if path.suffix.lower() == ".csv":
                    n = exports.write_csv(path, ds)
                else:
                    n = exports.write_xlsx(
                        path,
                        ds,
                        progress=lambda done, total: bar.update(
                            task, completed=done, total=total or None
                        ),
                    )
        console.print(f"exported {n} rows ({ds.title}) to {path}")
        return 0
    finally:
        engine.dispose()


def _dataset(ctx: Context, ledger: str, org: Any) -> Any:
    """The ledger's dataset, built as an export job builds it (partygraph.jobs.runner)."""
    from strawberry.relay import GlobalID

    from partygraph.jobs.runner import export_dataset

    if ledger not in ("members", "candidates", "cases"):
        raise ValueError(f"unknown ledger {ledger!r}")
    return export_dataset(ctx, ledger, {"under": str(GlobalID("Organization", str(org.id)))} if org is not None else {})
