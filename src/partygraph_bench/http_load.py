"""(6) Over HTTP: `partygraph serve --workers N` as a subprocess on a free loopback port,
8 concurrent clients, a bounded number of requests or seconds.

The server is the production path (`partygraph.server.run`: gunicorn + uvicorn workers
for N ≥ 2, plain uvicorn for N = 1) against the same database. Targets: `{ __typename }`,
the member list query and the dashboard's DashboardStats query (repeated: the cache path)
with a bearer token; the admin's /admin/members and /admin/dashboard pages signed in. The client runs on
the same 2-core machine, so requests/s here are a lower bound of what the server
does alone (the client's own CPU is taken from the workers). The timed requests go
through `Connection`, a minimal keep-alive HTTP/1.1 client: httpx spent ~1 ms of CPU per
request here, which halved what a `{ __typename }` server seemed to do (328 against 750+
requests/s). Set-up (sign-in, warm-up checks) uses httpx.
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
import orjson

from partygraph_bench.op_stats import DASHBOARD, dashboard_variables
from partygraph_bench.run import MEMBER_LIST, SEARCHES, pct

TYPENAME = "{ __typename }"


class Connection:
    """One keep-alive HTTP/1.1 connection: a request out, its status and body back."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"", content_type: str = "application/json") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        extra = f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n" if body else ""
        self.writer.write(f"{method} {target} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = int(head.split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:] if line)}
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            data = b"".join(chunks)
        else:
            data = await self.reader.read()
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


Request = Callable[[Connection, int], Awaitable[tuple[int, bytes]]]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    database_url: str, workers: int, *, env: dict[str, str] | None = None, startup_timeout: float = 60.0
) -> Iterator[str]:
    """Run `partygraph serve` on 127.0.0.1 (its own process group), yield its base URL."""
    port = free_port()
    env = {**os.environ, **(env or {})}
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
    base: str,
    headers: dict[str, str],
    request: Request,
    *,
    clients: int = 8,
    max_requests: int = 2000,
    max_seconds: float = 20.0,
    warmup: int = 120,
) -> dict[str, Any]:
    url = httpx.URL(base)
    conns = [Connection(url.host, url.port or 80, headers) for _ in range(clients)]
    for i in range(warmup):
        status, body = await request(conns[i % clients], i)
        if status != 200:
            raise RuntimeError(f"warm-up request answered {status}: {body[:300]!r}")
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker(conn: Connection) -> None:
        nonlocal errors
        while True:
            i = next(counter)
            if i >= max_requests or time.perf_counter() > deadline:
                return
            t = time.perf_counter()
            status, body = await request(conn, i)
            latencies.append(time.perf_counter() - t)
            if status != 200 or body[:20].find(b'"errors"') >= 0:
                errors += 1

    try:
        await asyncio.gather(*(worker(c) for c in conns))
    finally:
        for c in conns:
            c.close()
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
    targets: tuple[str, ...],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def post(query: str, variables: Any = None) -> bytes:
        return orjson.dumps({"query": query, "variables": variables})

    typename_body = post(TYPENAME)
    stats_body = post(DASHBOARD, dashboard_variables(county_gid))
    member_bodies = [post(MEMBER_LIST, {"under": county_gid, "search": s}) for s in SEARCHES]

    async def typename(c: Connection, i: int) -> tuple[int, bytes]:
        return await c.request("POST", "/graphql", typename_body)

    async def member_list(c: Connection, i: int) -> tuple[int, bytes]:
        return await c.request("POST", "/graphql", member_bodies[i % len(member_bodies)])

    async def dashboard_stats(c: Connection, i: int) -> tuple[int, bytes]:
        return await c.request("POST", "/graphql", stats_body)

    api: dict[str, tuple[str, Request]] = {
        "typename": ("graphql { __typename }", typename),
        "member_list": ("graphql member list (50 rows)", member_list),
        # The same statistics again and again: after the first request of each worker the
        # result cache answers (until a write changes the data version).
        "stats": ("graphql DashboardStats (cache path)", dashboard_stats),
    }
    bearer = {"Authorization": f"Bearer {token}"}
    for name, (target, request) in api.items():
        if name in targets:
            out.append({"target": target, **await load(base, bearer, request, clients=clients, max_requests=max_requests, max_seconds=max_seconds)})

    pages = {
        "admin_members": ("admin /admin/members", "/admin/members", lambda i: {"under": county_gid, "q": SEARCHES[i % len(SEARCHES)]}),
        "admin_dashboard": ("admin /admin/dashboard", "/admin/dashboard", lambda i: {"under": county_gid}),
    }
    pages = {k: v for k, v in pages.items() if k in targets}
    if not pages:
        return out
    async with httpx.AsyncClient(base_url=base, timeout=120) as admin:
        if not await _login(admin, username, password):
            return out + [{"target": target, "skipped": "admin login failed"} for target, _, _ in pages.values()]
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in admin.cookies.items())}
        for target, url, params in pages.values():
            probe = await admin.get(url, params=params(0))
            if probe.status_code != 200:
                why = "404: the page does not exist yet" if probe.status_code == 404 else f"answered {probe.status_code}"
                out.append({"target": target, "skipped": why})
                continue
            paths = [str(httpx.URL(url, params=params(i))) for i in range(len(SEARCHES))]

            async def page(c: Connection, i: int, paths: list[str] = paths) -> tuple[int, bytes]:
                return await c.request("GET", paths[i % len(paths)])

            out.append({"target": target, **await load(base, cookie, page, clients=clients, max_requests=max_requests, max_seconds=max_seconds)})
    return out


ALL_TARGETS = ("typename", "member_list", "stats", "admin_members", "admin_dashboard")
# Measured again with the result cache off: every request executes its query.
UNCACHED_TARGETS = ("member_list", "admin_members", "admin_dashboard")


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
        for cache, targets in (("on", ALL_TARGETS), ("off", UNCACHED_TARGETS)):
            if log:
                log(f"HTTP: partygraph serve --workers {n}, result cache {cache}")
            with server(database_url, n, env={"PARTYGRAPH_RESULT_CACHE": cache}) as base:
                rows = asyncio.run(
                    _measure_server(
                        base, token=token, county_gid=county_gid, username=username, password=password,
                        clients=clients, max_requests=max_requests, max_seconds=max_seconds, targets=targets,
                    )
                )  # fmt: skip
            for row in rows:
                results.append({"workers": n, "clients": clients, "result_cache": cache, **row})
    return results
