"""(6) Over HTTP: `partygraph serve --workers N` as a subprocess on a free loopback port,
8 concurrent clients (httpx.AsyncClient), a bounded number of requests or seconds.

The server is the production path (`partygraph.server.run`: gunicorn + uvicorn workers
for N ≥ 2, plain uvicorn for N = 1) against the same database. Targets: `{ __typename }`,
the member list query and the dashboard's DashboardStats query (repeated: the cache path)
with a bearer token; the admin's /admin/members and /admin/dashboard pages signed in. The client runs on
the same 2-core machine, so requests/s here are a lower bound of what the server
does alone (the client's own CPU is taken from the workers).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from partygraph.bench.op_stats import DASHBOARD, dashboard_variables
from partygraph.bench.run import MEMBER_LIST, SEARCHES, pct

TYPENAME = "{ __typename }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(database_url: str, workers: int, *, startup_timeout: float = 60.0) -> Iterator[str]:
    """Run `partygraph serve` on 127.0.0.1 (its own process group), yield its base URL."""
    port = free_port()
    env = dict(os.environ)
    env["PARTYGRAPH_DATABASE_URL"] = database_url
    env.setdefault("PARTYGRAPH_SECRET_KEY", secrets.token_urlsafe(24))
    with tempfile.TemporaryDirectory(prefix="partygraph-bench-") as cwd:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "partygraph.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(
                        f"partygraph serve exited with {proc.returncode}: {err[-2000:]}"
                    )
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("partygraph serve did not answer /healthz in time")
                time.sleep(0.2)
            if workers > 1:
                time.sleep(1.0)  # let every worker finish booting
            yield base
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
            if proc.stderr:
                proc.stderr.close()


async def load(
    client: httpx.AsyncClient,
    request: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    *,
    clients: int = 8,
    max_requests: int = 2000,
    max_seconds: float = 20.0,
    warmup: int = 40,
) -> dict[str, Any]:
    for i in range(warmup):
        r = await request(client, i)
        if r.status_code != 200:
            raise RuntimeError(f"warm-up request answered {r.status_code}: {r.text[:300]}")
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker() -> None:
        nonlocal errors
        while True:
            i = next(counter)
            if i >= max_requests or time.perf_counter() > deadline:
                return
            t = time.perf_counter()
            r = await request(client, i)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 200 or (
                r.headers.get("content-type", "").startswith("application/json")
                and '"errors"' in r.text[:20]
            ):
                errors += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(pct(latencies, 0.95) * 1000, 2),
        "errors": errors,
    }


async def _login(client: httpx.AsyncClient, username: str, password: str) -> bool:
    page = await client.get("/admin/login")
    if page.status_code != 200:
        return False
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if not m:
        return False
    r = await client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf": m.group(1), "next": "/admin/"},
        follow_redirects=False,
    )
    return r.status_code == 303


async def _measure_server(
    base: str,
    *,
    token: str,
    county_gid: str,
    username: str,
    password: str,
    clients: int,
    max_requests: int,
    max_seconds: float,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    bounds = {"clients": clients, "max_requests": max_requests, "max_seconds": max_seconds}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120, headers=headers) as api:

        async def typename(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.post("/graphql", json={"query": TYPENAME})

        async def member_list(c: httpx.AsyncClient, i: int) -> httpx.Response:
            variables = {"under": county_gid, "search": SEARCHES[i % len(SEARCHES)]}
            return await c.post("/graphql", json={"query": MEMBER_LIST, "variables": variables})

        async def dashboard_stats(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.post(
                "/graphql", json={"query": DASHBOARD, "variables": dashboard_variables(county_gid)}
            )

        out.append({"target": "graphql { __typename }", **await load(api, typename, **bounds)})
        out.append(
            {"target": "graphql member list (50 rows)", **await load(api, member_list, **bounds)}
        )
        # The same statistics again and again: after the first request of each worker the
        # figure cache answers (until a write bumps it).
        out.append(
            {
                "target": "graphql DashboardStats (cache path)",
                **await load(api, dashboard_stats, **bounds),
            }
        )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as admin:
        pages = (
            (
                "admin /admin/members",
                "/admin/members",
                lambda i: {"under": county_gid, "q": SEARCHES[i % len(SEARCHES)]},
            ),
            ("admin /admin/dashboard", "/admin/dashboard", lambda i: {"under": county_gid}),
        )
        if not await _login(admin, username, password):
            out += [{"target": target, "skipped": "admin login failed"} for target, _, _ in pages]
            return out
        for target, url, params in pages:
            probe = await admin.get(url, params=params(0))
            if probe.status_code != 200:
                why = (
                    "404: the page does not exist yet"
                    if probe.status_code == 404
                    else f"answered {probe.status_code}"
                )
                out.append({"target": target, "skipped": why})
                continue

            async def page(
                c: httpx.AsyncClient, i: int, url: str = url, params: Any = params
            ) -> httpx.Response:
                return await c.get(url, params=params(i))

            out.append({"target": target, **await load(admin, page, **bounds)})
    return out


def measure_http(
    database_url: str,
    *,
    token: str,
    county_gid: str,
    username: str,
    password: str,
    workers: tuple[int, ...] = (2, 1),
    clients: int = 8,
    max_requests: int = 2000,
    max_seconds: float = 20.0,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for n in workers:
        if log:
            log(f"HTTP: partygraph serve --workers {n}")
        with server(database_url, n) as base:
            rows = asyncio.run(
                _measure_server(
                    base, token=token, county_gid=county_gid, username=username, password=password,
                    clients=clients, max_requests=max_requests, max_seconds=max_seconds,
                )
            )  # fmt: skip
        for row in rows:
            results.append({"workers": n, "clients": clients, **row})
    return results
