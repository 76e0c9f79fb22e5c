"""The HTTP endpoint: authenticate, open one DB session per request, run Strawberry."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from partygraph import observability as log
from partygraph.auth import (
    CSRF_HEADER,
    SESSION_CSRF_KEY,
    bearer_token,
    request_language,
    viewer_from_session,
)
from partygraph.context import Context
from partygraph.services.account import viewer_for_token


def _unauthenticated(message_en: str, message_zh: str, status: int = 401) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message_en, "extensions": {"code": "UNAUTHENTICATED", "messageZh": message_zh}}]},
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


class GraphQLView(GraphQL[Context, None]):
    """Every operation needs a signed-in viewer; introspection included."""

    def __init__(self, app_state: Any, **kwargs: Any) -> None:
        super().__init__(app_state.schema, **kwargs)
        self.app_state = app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        session = self.app_state.session_factory()
        try:
            token = bearer_token(request)
            if token:
                viewer = viewer_for_token(session, token)
                if viewer is None:
                    response: Response = _unauthenticated("Invalid or revoked token", "令牌无效或已撤销")
                    return await response(scope, receive, send)
            else:
                viewer = viewer_from_session(request, session)
                if viewer is None:
                    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                        return await RedirectResponse("/admin/login?next=/graphql", 303)(scope, receive, send)
                    return await _unauthenticated("Sign in or send a bearer token", "请登录或提供令牌")(scope, receive, send)
                # A cookie travels with cross-site requests; the CSRF header does not.
                if request.method != "GET" and not secrets.compare_digest(
                    request.headers.get(CSRF_HEADER, ""), str(request.session.get(SESSION_CSRF_KEY, "-"))
                ):
                    return await _unauthenticated("Missing CSRF token", "缺少 CSRF 令牌", 403)(scope, receive, send)
            scope.setdefault("state", {})
            scope["state"][log.ACCOUNT_ID] = viewer.account_id  # the request log's account
            scope["state"]["pg_context"] = Context(
                session=session,
                settings=self.app_state.settings,
                viewer=viewer,
                clock=self.app_state.clock,
                lang=request_language(request),
                encoded_results=True,
            )
            response = await self.run(request)
            await response(scope, receive, send)
        finally:
            session.close()

    async def execute_single(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # The request log's operation name (partygraph.observability); never the variables.
        data = kwargs["request_data"]
        kwargs["request"].scope["state"][log.OPERATION] = log.operation_name(data.query, data.operation_name)
        return await super().execute_single(**kwargs)

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json.dumps on a 50-row page, and UTF-8, not \u escapes
        return orjson.dumps(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        ctx: Context = request.state.pg_context
        ctx.request, ctx.response = request, response
        return ctx
