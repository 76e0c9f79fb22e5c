"""`partygraph bench`: generate a synthetic tree at scale and measure the operations on it.

Registered by `partygraph.cli` when this package is importable (a checkout's editable
install); the wheel does not carry it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from partygraph.cli import CliError, _settings, console, db_upgrade

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks: synthetic data at scale, measured operations.")


@bench_app.command("generate")
def bench_generate(
    scale: Annotated[str, typer.Option(help="tiny | county | prefecture | province")] = "county",
    seed: Annotated[int, typer.Option(help="Same seed, same tree and members.")] = 1,
    upgrade: Annotated[bool, typer.Option(help="Run the migrations first.")] = True,
) -> None:
    """Fill the configured (empty) database with a synthetic tree and its members, in bulk."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from partygraph.db import make_engine
    from partygraph_bench.generate import SCALES, generate

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
            progress.update(tasks[phase], completed=done, total=total)  # type: ignore[arg-type]  # rich's TaskID is a NewType of the int add_task returns

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

    from partygraph.db import make_engine
    from partygraph_bench.output import print_report
    from partygraph_bench.run import Bench, Report, guess_scale, machine

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
            from partygraph.services.account import create_token
            from partygraph_bench.generate import BENCH_PASSWORD
            from partygraph_bench.http_load import measure_http

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
    from partygraph.db import make_engine
    from partygraph_bench.run import Bench, profile_op

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        bench = Bench(engine, settings)
        print(profile_op(bench, op, iterations))
    except (RuntimeError, ValueError) as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
