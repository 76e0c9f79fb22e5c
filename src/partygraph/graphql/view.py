"""The HTTP endpoint: check the request, authenticate, open one DB session per request, run
Strawberry, and answer without internals.

A request the endpoint cannot run (a body that is not one JSON object, a body or query over
the limits, a query that is not a string...) answers a 4xx with the same JSON error shape as
everything else. An unexpected exception inside a resolver reaches the client as a generic
message with the error id under which it was logged (partygraph.observability), never with
its own message: database errors quote SQL, tables, columns and the values they refused.

Uploads (startImport's `file`) follow the GraphQL multipart request spec: a
multipart/form-data POST with `operations` (checked like a JSON body), `map` and the file.
Such a body may be as large as an upload (MAX_UPLOAD, plus the form around it); every other
body keeps `max_body_bytes`. A multipart form is what a cross-site HTML form can send, so a
signed-in session needs the CSRF header on it like on every POST.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from cross_web import HTTPException as StrawberryHTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionResult

from partygraph import observability as log
from partygraph.auth import (
    CSRF_HEADER,
    SESSION_CSRF_KEY,
    bearer_token,
    request_language,
    viewer_from_session,
)
from partygraph.config import Settings
from partygraph.context import Context, Viewer
from partygraph.errors import DomainError
from partygraph.graphql.mutations.job import MAX_UPLOAD
from partygraph.services.account import viewer_for_token

# request.state: may this request introspect the schema and be told "Did you mean ...?"
INTROSPECTION = "pg_introspection"
INTROSPECTION_TOKENS = ("all", "writable", "none")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")

# Strawberry's own refusals (it raises them as HTTP exceptions), in Chinese.
_STRAWBERRY_REASONS_ZH = {
    "No GraphQL query found in the request": "请求中没有 GraphQL 查询",
    "Unable to parse request body as JSON": "请求体不是有效的 JSON",
    "Unsupported content type": "不支持的内容类型，请使用 application/json",
    "Batching is not enabled": "不支持批量请求，请每次发送一个操作",
    "mutations are not allowed when using GET": "GET 请求不能执行变更，请使用 POST",
    "subscriptions are not allowed when using GET": "GET 请求不能执行订阅",
    "Can't get GraphQL operation type": "无法确定要执行的操作，请指定 operationName",
}


def error_body(code: str, message_en: str, message_zh: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message_en, "extensions": {"code": code, "messageZh": message_zh, "messageEn": message_en, **extensions}}]}


def _unauthenticated(message_en: str, message_zh: str, status: int = 401) -> JSONResponse:
    return JSONResponse(
        error_body("UNAUTHENTICATED", message_en, message_zh),
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


class BadRequest(Exception):
    """A request the endpoint refuses before running anything."""

    def __init__(self, message_en: str, message_zh: str, *, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message_en)
        self.message_en, self.message_zh, self.status, self.code = message_en, message_zh, status, code

    def response(self) -> JSONResponse:
        return JSONResponse(error_body(self.code, self.message_en, self.message_zh), status_code=self.status)


def _too_large(limit: int) -> BadRequest:
    return BadRequest(
        f"Request body over {limit} bytes", f"请求体超过 {limit} 字节", status=413, code="PAYLOAD_TOO_LARGE"
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes `limit` bytes: a client's Content-Length is not
    trusted, a chunked body has none."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def check_operation(data: object, settings: Settings) -> None:
    """One GraphQL operation as the GraphQL-over-HTTP spec shapes it, within the length limit."""
    if isinstance(data, list):
        raise BadRequest("Batched operations are not supported: send one operation per request", "不支持批量请求，请每次发送一个操作")
    if not isinstance(data, Mapping):
        raise BadRequest("The request body must be a JSON object", "请求体必须是 JSON 对象")
    query = data.get("query")
    if query is None or query == "":
        raise BadRequest("No GraphQL query found in the request", "请求中没有 GraphQL 查询")
    if not isinstance(query, str):
        raise BadRequest("`query` must be a string", "query 必须是字符串")
    if len(query) > settings.max_query_length:
        raise BadRequest(
            f"The query is longer than {settings.max_query_length} characters",
            f"查询超过 {settings.max_query_length} 个字符",
            code="QUERY_TOO_LONG",
        )
    for key, kind, zh in (("variables", Mapping, "对象"), ("extensions", Mapping, "对象"), ("operationName", str, "字符串")):
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            en = "an object" if kind is Mapping else "a string"
            raise BadRequest(f"`{key}` must be {en} or null", f"{key} 必须是{zh}或 null")


MULTIPART = "multipart/form-data"
MULTIPART_OVERHEAD = 64 * 1024  # the form's own parts around the file


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def body_limit(content_type: str, settings: Settings) -> int:
    if _media_type(content_type) == MULTIPART:
        return max(settings.max_body_bytes, MAX_UPLOAD + MULTIPART_OVERHEAD)
    return settings.max_body_bytes


async def check_multipart(request: Request, settings: Settings) -> None:
    """The `operations` part of an upload, refused like a JSON body would be."""
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # noqa: BLE001 - any unreadable form is the client's
        raise BadRequest("The multipart body cannot be read", "无法解析 multipart 请求体") from None
    try:
        operations = form.get("operations")
        if not isinstance(operations, str):
            raise BadRequest("No `operations` part in the multipart body", "multipart 请求体中没有 operations")
        try:
            data = orjson.loads(operations)
        except orjson.JSONDecodeError:
            raise BadRequest("`operations` is not valid JSON", "operations 不是有效的 JSON") from None
        check_operation(data, settings)
    finally:
        await form.close()


def parse_request(method: str, content_type: str, body: bytes, params: Mapping[str, str], settings: Settings) -> None:
    """Refuse (BadRequest) what Strawberry would answer with a bare exception or a plain text."""
    if method == "GET":
        data: dict[str, Any] = dict(params)
        for key in ("variables", "extensions"):
            if data.get(key):
                try:
                    data[key] = orjson.loads(data[key])
                except orjson.JSONDecodeError:
                    raise BadRequest(f"`{key}` is not valid JSON", f"{key} 不是有效的 JSON") from None
        check_operation(data, settings)
        return
    if _media_type(content_type) == MULTIPART:
        return  # check_multipart reads the form
    if _media_type(content_type) != "application/json":
        raise BadRequest(
            "Send the operation as JSON (Content-Type: application/json)",
            "请以 JSON 发送操作（Content-Type: application/json）",
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON", "请求体不是有效的 JSON") from None
    check_operation(data, settings)


def introspection_allowed(settings: Settings, viewer: Viewer, *, token: bool) -> bool:
    """Signed-in admin sessions always may; tokens as `introspection_tokens` says."""
    if not token:
        return True
    allowed = settings.introspection_tokens
    return allowed == "all" or (allowed == "writable" and not viewer.read_only)


class PerRequestIntrospection(SchemaExtension):
    """Forbid __schema / __type when the view decided so for this request. The schema is built
    once for every request, so the decision is read from the request, not from the schema."""

    def on_operation(self) -> Iterator[None]:
        from graphql.validation import NoSchemaIntrospectionCustomRule

        ctx = self.execution_context.context
        request = getattr(ctx, "request", None)
        if request is not None and not getattr(request.state, INTROSPECTION, True):
            self.execution_context.validation_rules = (*self.execution_context.validation_rules, NoSchemaIntrospectionCustomRule)
        yield


# Exceptions a resolver raises for what the client sent; anything else is unexpected.
# (`node(id:)` parses its id inside the resolver: a malformed one is a GlobalIDValueError.)
CLIENT_ERRORS = (GraphQLError, DomainError, GlobalIDValueError)


def format_error(error: GraphQLError, *, suggestions: bool) -> dict[str, Any]:
    original = error.original_error
    # An exception a resolver did not expect (a bug, a database failure): its message may
    # quote SQL, tables and values. Client mistakes are GraphQL errors or domain errors.
    if original is not None and error.path is not None and not isinstance(original, CLIENT_ERRORS):
        error_id = getattr(original, log.ERROR_ID_ATTR, None) or log.log_exception(original, where="graphql resolver")
        formatted: dict[str, Any] = {
            "message": f"Internal server error (error id {error_id})",
            "path": error.path,
            "extensions": {
                "code": "INTERNAL",
                "errorId": error_id,
                "messageZh": f"服务器内部错误（错误编号 {error_id}）",
                "messageEn": f"Internal server error (error id {error_id})",
            },
        }
        if error.locations:
            formatted["locations"] = [loc.formatted for loc in error.locations]
        return formatted
    formatted = dict(error.formatted)
    if not suggestions:
        formatted["message"] = _SUGGESTION.sub("", formatted["message"])
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        # graphql-core's own errors: the query does not parse or does not fit the schema.
        if isinstance(original, GlobalIDValueError):
            extensions["code"] = "INVALID_ID"
        else:
            extensions["code"] = "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_REQUEST"
        extensions.setdefault("messageZh", "查询无效：" + formatted["message"])
    formatted["extensions"] = extensions
    return formatted


class GraphQLView(GraphQL[Context, None]):
    """Every operation needs a signed-in viewer; introspection included."""

    def __init__(self, app_state: Any, **kwargs: Any) -> None:
        kwargs.setdefault("multipart_uploads_enabled", True)  # uploads: see the module docstring
        super().__init__(app_state.schema, **kwargs)
        self.app_state = app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        settings: Settings = self.app_state.settings
        request = Request(scope, receive)
        limit = body_limit(request.headers.get("content-type", ""), settings)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # Before anything is read or looked up.
            return await _too_large(limit).response()(scope, receive, send)
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
            body = b""
            try:
                if request.method == "POST":
                    body = await read_body(request, limit)
                if not self._renders_ide(request):
                    parse_request(request.method, request.headers.get("content-type", ""), body, request.query_params, settings)
                    if request.method == "POST" and _media_type(request.headers.get("content-type", "")) == MULTIPART:
                        await check_multipart(Request(scope, _replay(body)), settings)
            except BadRequest as exc:
                return await exc.response()(scope, receive, send)
            scope.setdefault("state", {})
            scope["state"][log.ACCOUNT_ID] = viewer.account_id  # the request log's account
            scope["state"][INTROSPECTION] = introspection_allowed(settings, viewer, token=bool(token))
            scope["state"]["pg_context"] = Context(
                session=session,
                settings=settings,
                viewer=viewer,
                clock=self.app_state.clock,
                lang=request_language(request),
                encoded_results=True,
                start_job=self.app_state.start_job,
            )
            try:
                # The body was read above: Strawberry reads it again from this request.
                response = await self.run(Request(scope, _replay(body)))
            except StrawberryHTTPException as exc:
                response = JSONResponse(
                    error_body("BAD_REQUEST", exc.reason, _STRAWBERRY_REASONS_ZH.get(exc.reason, "请求无效：" + exc.reason)),
                    status_code=exc.status_code,
                )
            await response(scope, receive, send)
        finally:
            session.close()

    def _renders_ide(self, request: Request) -> bool:
        # Strawberry's rule (should_render_graphql_ide): a browser's GET without a query.
        return (
            bool(self.graphql_ide)
            and request.method == "GET"
            and "query" not in request.query_params
            and any(t in request.headers.get("accept", "") for t in ("text/html", "*/*"))
        )

    async def execute_single(self, **kwargs: Any) -> Any:  # type: ignore[override]  # passes every keyword through to Strawberry's unchanged
        # The request log's operation name (partygraph.observability); never the variables.
        data = kwargs["request_data"]
        kwargs["request"].scope["state"][log.OPERATION] = log.operation_name(data.query, data.operation_name)
        return await super().execute_single(**kwargs)

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        suggestions = getattr(request.state, INTROSPECTION, True)
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [format_error(e, suggestions=suggestions) for e in result.errors]
        if result.extensions:
            out["extensions"] = result.extensions
        return out

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json.dumps on a 50-row page, and UTF-8, not \u escapes
        return orjson.dumps(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        ctx: Context = request.state.pg_context
        ctx.request, ctx.response = request, response
        return ctx


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def job_download(app_state: Any) -> Any:
    """GET /jobs/{id}/download: an export's file (Job.downloadUrl), with the credentials of the
    API (a bearer token or the admin's session), to the account that started the job only."""
    from urllib.parse import quote

    from starlette.responses import FileResponse

    from partygraph.jobs import store_for
    from partygraph.jobs.runner import MEDIA_TYPES

    async def endpoint(request: Request) -> Response:
        with app_state.session_factory() as session:
            token = bearer_token(request)
            viewer = viewer_for_token(session, token) if token else viewer_from_session(request, session)
        if viewer is None:
            return _unauthenticated("Sign in or send a bearer token", "请登录或提供令牌")
        store = store_for(app_state.settings)
        job = store.get(request.path_params["id"], viewer.account_id)
        if job is None or job.kind != "export" or job.status != "done" or not job.has_data:
            return JSONResponse(error_body("NOT_FOUND", "No such file, or not yours", "没有该文件或无权访问"), status_code=404)
        fmt = job.params.get("format", "xlsx")
        return FileResponse(
            store.data_path(job),
            media_type=MEDIA_TYPES.get(fmt, MEDIA_TYPES["xlsx"]),
            headers={"Content-Disposition": f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{quote(job.filename)}"},
        )

    return endpoint
