"""What an operator sees of a running server: one JSON line per request on stdout, unexpected
errors under an error id, and the liveness / readiness answers for a load balancer.

Nothing personal is written: a request line names the account by its id only, the path
without its query string (admin searches carry names there), and never a GraphQL
variable. Exceptions are logged by type and stack, without their message, because database
errors quote the values they refused (a duplicate ID number, a name too long).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import sys
import time
import traceback
from collections.abc import Callable, MutableMapping
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_LOGGER = "partygraph.request"
ERROR_LOGGER = "partygraph.error"
READY_LOGGER = "partygraph.ready"

# Keys in the ASGI scope's "state" (request.state) that the endpoints fill in for the log.
ACCOUNT_ID = "log_account_id"
OPERATION = "log_operation"
# Set on an exception once logged: the GraphQL endpoint tells the client the same id.
ERROR_ID_ATTR = "partygraph_error_id"

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_MAX_PATH = 300
_PACKAGE_PREFIX = str(Path(__file__).resolve().parent) + "/"
# The state of the request being served, so that an error logged deep inside (Strawberry's
# error hook) can put its id on the request's line.
_request_state: ContextVar[MutableMapping[str, Any] | None] = ContextVar("partygraph_request_state", default=None)


# --- formatting ---------------------------------------------------------------------------


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ms), level, logger, then the record's fields
    (or its message for records from elsewhere). orjson: the formatter runs per request."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        return orjson.dumps(line, default=str).decode()


class _StdoutHandler(logging.Handler):
    """Writes to whatever sys.stdout is at the time (a test's capture included)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stdout
            stream.write(self.format(record) + "\n")
            # A container's stdout is a pipe, block-buffered: flush so lines arrive as they happen.
            stream.flush()
        except Exception:  # noqa: BLE001 - logging must never break a request
            self.handleError(record)


class _StrawberryErrors(logging.Handler):
    """Strawberry logs every GraphQL error with its message and traceback on stderr.
    Client mistakes (validation, a domain rule) are already in the response, and their
    messages can quote a variable's value: dropped. An unexpected exception in a resolver
    is logged like any other, under an error id that the request line carries too."""

    def emit(self, record: logging.LogRecord) -> None:
        from partygraph.errors import DomainError

        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or isinstance(exc, GraphQLError | DomainError):
            return
        error_id = log_exception(exc, where="graphql resolver")
        # An exception type with __slots__ keeps no id: the view logs it again.
        with contextlib.suppress(AttributeError):
            setattr(exc, ERROR_ID_ATTR, error_id)
        state = _request_state.get()
        if state is not None:
            state.setdefault("log_error_id", error_id)


_configured: list[logging.Handler] = []


def configure_logging(level: str | int = "INFO") -> None:
    """Send partygraph's loggers to stdout as JSON lines at `level`. Idempotent: every
    create_app calls it (tests build many apps); the handlers are added once."""
    if isinstance(level, str):
        resolved = logging.getLevelName(level.strip().upper())
        if not isinstance(resolved, int):
            raise ValueError(f"PARTYGRAPH_LOG_LEVEL: unknown level {level!r}")
        level = resolved
    root = logging.getLogger("partygraph")
    root.setLevel(level)
    if not _configured:
        handler = _StdoutHandler()
        handler.setFormatter(JsonLineFormatter())
        root.addHandler(handler)
        # Own lines only once, whatever the hosting server did to the root logger.
        root.propagate = False
        strawberry_log = logging.getLogger("strawberry.execution")
        strawberry_errors = _StrawberryErrors()
        strawberry_log.addHandler(strawberry_errors)
        strawberry_log.propagate = False
        _configured.extend((handler, strawberry_errors))


# --- errors -------------------------------------------------------------------------------


def _without_parameters(exc: BaseException | None) -> None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if hasattr(exc, "hide_parameters"):  # sqlalchemy StatementError and subclasses
            exc.hide_parameters = True
        exc = exc.__cause__ or exc.__context__


def _frames(tb: Any) -> list[str]:
    """Where it happened: partygraph's own frames and the last three; the libraries' frames
    between them folded into "…"."""
    frames = traceback.extract_tb(tb)
    out: list[str] = []
    for i, f in enumerate(frames):
        ours = f.filename.startswith(_PACKAGE_PREFIX)
        if ours or i >= len(frames) - 3:
            where = "partygraph/" + f.filename[len(_PACKAGE_PREFIX) :] if ours else Path(f.filename).name
            out.append(f"{where}:{f.lineno} {f.name}")
        elif not out or out[-1] != "…":
            out.append("…")
    return out


def exception_fields(exc: BaseException) -> dict[str, Any]:
    """The exception's type and stack (its causes' types too), never a message."""
    _without_parameters(exc)
    chain: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.append(f"{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or current.__context__
    return {"exception": chain[0], "caused_by": chain[1:], "stack": _frames(exc.__traceback__)}


def log_exception(exc: BaseException, *, where: str, **fields: Any) -> str:
    error_id = secrets.token_hex(6)
    logging.getLogger(ERROR_LOGGER).error(
        "unexpected exception", extra={"fields": {"error_id": error_id, "where": where, **fields, **exception_fields(exc)}}
    )
    return error_id


# --- the request line ---------------------------------------------------------------------


def operation_name(query: object, given: object) -> str | None:
    """The GraphQL operation's name for the log: the one the client chose if it is a valid
    name, else the single named operation of the document. Never anything else of the query."""
    if isinstance(given, str):
        return given if _NAME.fullmatch(given) else None
    if isinstance(query, str):
        return _named_operation(query)
    return None


@lru_cache(maxsize=512)
def _named_operation(query: str) -> str | None:
    # Parsed once per distinct query text (Strawberry parses it again, cached its own way).
    try:
        doc = parse(query, no_location=True)
    except GraphQLError:
        return None
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    return ops[0].name.value if len(ops) == 1 and ops[0].name is not None else None


class RequestLog:
    """Pure ASGI middleware: one line per HTTP request once its response is sent, and a
    500 with an error id for an exception nothing else handled.

    Pure ASGI rather than BaseHTTPMiddleware: that one runs the app in a separate task and
    buffers through memory streams, which costs per request and breaks streaming bodies.
    """

    def __init__(self, app: ASGIApp, *, debug: bool = False) -> None:
        self.app = app
        self.debug = debug
        self.logger = logging.getLogger(REQUEST_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Routing rewrites scope["path"] for mounted apps: keep what the client asked for.
        path = scope.get("path", "")[:_MAX_PATH]
        state = scope.setdefault("state", {})
        token = _request_state.set(state)
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as exc:
            error_id = log_exception(exc, where="http", method=scope.get("method"), path=path)
            state["log_error_id"] = error_id
            if self.debug:
                status = status or 500
                raise  # the debug page shows the traceback
            if status == 0:
                status = 500
                await _internal_error(path, error_id)(scope, receive, send)
            # Not raised further: the server would log it again, message and all.
        finally:
            _request_state.reset(token)
            if self.logger.isEnabledFor(logging.INFO):
                self.logger.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope.get("method"),
                            "path": path,
                            "operation": state.get(OPERATION),
                            "account": state.get(ACCOUNT_ID),
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 2),
                            **({"error_id": state["log_error_id"]} if "log_error_id" in state else {}),
                        }
                    },
                )


def _internal_error(path: str, error_id: str) -> JSONResponse:
    if path.startswith("/graphql"):
        body: dict[str, Any] = {
            "errors": [
                {
                    "message": f"Internal server error (error id {error_id})",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id, "messageZh": f"服务器内部错误（错误编号 {error_id}）"},
                }
            ]
        }
    else:
        body = {"error": "Internal server error", "errorId": error_id}
    return JSONResponse(body, status_code=500)


# --- health -------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def migrations_head(migrations_dir: Path) -> str | None:
    """The newest revision among the migration scripts. Read once per process (it loads
    every revision file; tests build an app per test)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(migrations_dir)).get_current_head()


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers. No database, so a database outage does not get every
    worker restarted by the orchestrator."""
    return JSONResponse({"status": "ok"})


class Readiness:
    """Readiness: the database answers and its schema is at the migrations' head.

    The check runs in a worker thread (a hung connect must not stall the event loop), one at
    a time: concurrent probes share the running check, so an unreachable database cannot
    pile up threads. The body says only ready / not ready; the reason goes to the log.
    """

    TIMEOUT = 3.0

    def __init__(self, engine: Engine, head: Callable[[], str | None]) -> None:
        self.engine = engine
        self.logger = logging.getLogger(READY_LOGGER)
        self._running: asyncio.Future[str | None] | None = None
        try:
            self.head: str | None = head()
            self.head_problem: str | None = None if self.head else "no migration scripts found"
        except Exception as exc:  # noqa: BLE001 - the server still starts; readyz says why not
            self.head, self.head_problem = None, f"cannot read the migration scripts: {type(exc).__name__}"

    def _problem(self) -> str | None:
        if self.head_problem:
            return self.head_problem
        try:
            with self.engine.connect() as conn:
                # Also proves the database answers: no separate SELECT 1.
                found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            return f"database check failed: {type(exc).__name__}: {first}"
        if found != [self.head]:
            return f"schema revision {', '.join(found) or 'none'} is not the migrations' head {self.head}"
        return None

    async def endpoint(self, request: Request) -> JSONResponse:
        running = self._running
        # A finished check is not reused; nor one of another event loop (a test's earlier client).
        if running is None or running.done() or running.get_loop() is not asyncio.get_running_loop():
            running = self._running = asyncio.ensure_future(run_in_threadpool(self._problem))
        try:
            problem = await asyncio.wait_for(asyncio.shield(running), self.TIMEOUT)
        except TimeoutError:
            problem = f"database check took over {self.TIMEOUT:g} s"
        if problem is None:
            return JSONResponse({"status": "ready"})
        self.logger.warning("not ready", extra={"fields": {"reason": problem}})
        return JSONResponse({"status": "not ready"}, status_code=503)
