"""The results as rich tables on stdout."""

from __future__ import annotations

from rich.console import Console, JustifyMethod
from rich.table import Table

from partygraph_bench.run import Report


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def print_report(report: Report, console: Console | None = None) -> None:
    console = console or Console(width=140)
    counts = report.counts
    t = Table(
        title=f"partygraph bench — {report.scale} on {report.database}: {counts.get('organization', 0):,} organisations, "
        f"{counts.get('member', 0):,} members (in-process, ms; CPU = this process's CPU time)",
        title_justify="left",
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("operation", "left"), ("p50", "right"), ("p95", "right"), ("SQL", "right"),
        ("floor p50", "right"), ("floor p95", "right"), ("floor SQL", "right"), ("ratio", "right"),
        ("CPU p50", "right"), ("floor CPU", "right"),
    )  # fmt: skip
    for col, justify in columns:
        t.add_column(col, justify=justify)
    for r in report.operations:
        t.add_row(
            r.name, _ms(r.p50_ms), _ms(r.p95_ms), str(r.statements), _ms(r.floor_p50_ms), _ms(r.floor_p95_ms),
            "—" if r.floor_statements is None else str(r.floor_statements),
            "—" if r.ratio is None else f"{r.ratio:.1f}×", _ms(r.cpu_p50_ms), _ms(r.floor_cpu_p50_ms),
        )  # fmt: skip
    console.print(t)
    if report.http:
        h = Table(
            title="over HTTP (8 concurrent keep-alive clients on the same machine)",
            title_justify="left",
        )
        for col in ("workers", "cache", "target", "requests", "req/s", "p50 ms", "p95 ms", "errors"):
            h.add_column(col, justify="left" if col == "target" else "right")
        for row in report.http:
            if "skipped" in row:
                h.add_row(
                    str(row["workers"]),
                    row.get("result_cache", "on"),
                    row["target"],
                    "—",
                    "—",
                    "—",
                    "—",
                    f"skipped: {row['skipped']}",
                )
                continue
            h.add_row(
                str(row["workers"]), row.get("result_cache", "on"), row["target"], str(row["requests"]), f"{row['rps']:.0f}",
                f"{row['p50_ms']:.1f}", f"{row['p95_ms']:.1f}", str(row["errors"]),
            )  # fmt: skip
        console.print(h)
    for note in report.notes:
        console.print(f"note: {note}")
