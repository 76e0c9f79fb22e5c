"""create_app(settings) -> Starlette: /graphql, /admin, /static, /healthz."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import strawberry
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from partygraph.config import PACKAGE_DIR, Settings
from partygraph.context import system_clock
from partygraph.db import make_engine, make_session_factory
from partygraph.graphql.schema import build_schema
from partygraph.graphql.view import GraphQLView


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    schema: strawberry.Schema
    clock: Callable[[], date]


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], date] = system_clock,
) -> Starlette:
    from partygraph.admin.routes import admin_app

    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    state = AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        schema=build_schema(settings),
        clock=clock,
    )

    async def healthz(request: Request) -> JSONResponse:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - a monitor wants the reason, not a traceback
            return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
        return JSONResponse({"status": "ok", "database": engine.dialect.name})

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/admin/", 303)

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/graphql", GraphQLView(state, graphql_ide="graphiql"), methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static"),
            Mount("/admin", admin_app(state), name="admin"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="partygraph_session",
                max_age=settings.session_max_age,
                same_site="lax",
                https_only=False,
            )
        ],
    )
    app.state.pg = state
    return app
