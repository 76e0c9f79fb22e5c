"""create_app(settings) -> Starlette: /graphql, /admin, /static, /healthz, /readyz."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import strawberry
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from partygraph.auth import SessionMiddleware
from partygraph.config import PACKAGE_DIR, Settings
from partygraph.context import system_clock
from partygraph.db import make_engine, make_session_factory
from partygraph.graphql.schema import build_schema
from partygraph.graphql.view import GraphQLView, job_download
from partygraph.jobs.runner import in_background
from partygraph.observability import (
    Readiness,
    RequestLog,
    configure_logging,
    healthz,
    migrations_head,
)
from partygraph.security_headers import SecurityHeaders


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    schema: strawberry.Schema
    clock: Callable[[], date]
    start_job: Callable[[str], None]  # runs a queued job (partygraph.jobs) in the background


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], date] = system_clock,
) -> Starlette:
    from partygraph.admin.routes import admin_app

    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    engine = engine or make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    state = AppState(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        schema=build_schema(settings),
        clock=clock,
        start_job=in_background(session_factory, settings, clock),
    )

    migrations_dir = settings.migrations_dir
    readyz = Readiness(engine, lambda: migrations_head(migrations_dir))

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/admin/", 303)

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/readyz", readyz.endpoint),
            Route("/graphql", GraphQLView(state, graphql_ide="graphiql"), methods=["GET", "POST"]),
            Route("/jobs/{id}/download", job_download(state)),
            Mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static"),
            Mount("/admin", admin_app(state), name="admin"),
        ],
        middleware=[
            # Outermost of ours: its duration and status cover the session cookie's work too.
            Middleware(RequestLog, debug=settings.debug),
            # Headers on every answer, errors and redirects included.
            Middleware(SecurityHeaders),
            # Only a random session id in the cookie; the session itself is a row (services.signin).
            Middleware(SessionMiddleware, settings=settings),
        ],
    )
    app.state.pg = state
    return app
