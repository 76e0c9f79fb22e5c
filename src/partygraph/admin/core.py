"""What every admin page uses: the signed-in viewer, CSRF, running operations, rendering."""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import cache, lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar, overload
from urllib.parse import urlencode

from graphql import GraphQLError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from strawberry.relay.types import GlobalIDValueError

from partygraph.admin.field_errors import FieldErrors, payload_errors
from partygraph.auth import CSRF_HEADER, SESSION_CSRF_KEY, request_language, viewer_from_session
from partygraph.context import Context, Viewer
from partygraph.errors import DomainError
from partygraph.i18n import translate
from partygraph.observability import ACCOUNT_ID
from partygraph.services.account import needs_password_change

OPERATIONS_DIR = Path(__file__).parent / "operations"
FORCED_PASSWORD_PAGE = "/admin/account/password"


class OperationError(RuntimeError):
    """A GraphQL error in an admin operation: a bug, not a user mistake (those come back as unions)."""


FRAGMENTS_DIR = OPERATIONS_DIR / "fragments"
# `...Name` spreads a named fragment; `... on Type` is an inline fragment.
_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)([_A-Za-z][_0-9A-Za-z]*)")


@cache
def operation(name: str) -> str:
    """admin/operations/<name>.graphql with the shared fragments it spreads (operations/
    fragments/<Fragment>.graphql, one fragment a file), and those they spread, appended: a
    fragment appears once in a document and only where used (GraphQL refuses unused ones)."""
    text = (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    defined = set(re.findall(r"^fragment\s+(\w+)", text, re.MULTILINE))
    wanted = [f for f in _SPREAD.findall(text) if f not in defined]
    while wanted:
        fragment = wanted.pop()
        if fragment in defined:
            continue
        source = (FRAGMENTS_DIR / f"{fragment}.graphql").read_text(encoding="utf-8")
        defined.add(fragment)
        text += "\n" + source
        wanted.extend(f for f in _SPREAD.findall(source) if f not in defined)
    return text


def state_of(request: Request) -> Any:
    return request.app.state.pg


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    expected = str(request.session.get(SESSION_CSRF_KEY, ""))
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = str(form.get("csrf", ""))
    if not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "CSRF token missing or wrong / CSRF 令牌无效")


class Page:
    """One request's admin context: DB session, viewer, language, operation runner."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.state = state_of(request)
        self.session = self.state.session_factory()
        self.viewer = viewer_from_session(request, self.session)
        if self.viewer is not None:  # the request log's account (partygraph.observability)
            setattr(request.state, ACCOUNT_ID, self.viewer.account_id)
        self.lang = request_language(request)

    @property
    def signed_in(self) -> Viewer:
        """The viewer, in a handler: `page` lets only signed-in requests reach one."""
        assert self.viewer is not None
        return self.viewer

    def context(self) -> Context:
        return Context(
            session=self.session,
            settings=self.state.settings,
            viewer=self.viewer,
            clock=self.state.clock,
            lang=self.lang,
            start_job=self.state.start_job,
        )

    async def run(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Execute admin/operations/<name>.graphql on the API's own schema."""
        result = await self.state.schema.execute(
            operation(name),
            variable_values=_jsonable(variables or {}),
            context_value=self.context(),
            operation_name=name,
        )
        if result.errors:
            refused = refusal(result.errors)
            if refused is not None:
                raise refused
            raise OperationError("; ".join(str(e) for e in result.errors))
        return result.data or {}

    def t(self, text: str) -> str:
        return translate(text, self.lang)

    async def load_labels(self) -> None:
        """The API's enum labels, read once per process (they change only with the code)."""
        if not _ENUM_LABELS:
            for enum in (await self.run("EnumLabels"))["enumLabels"]:
                _ENUM_LABELS[enum["name"]] = {v["value"]: (v["zh"], v["en"]) for v in enum["values"]}

    def label(self, enum: str, value: str | None) -> str:
        """An enum value's label in the request's language (the value itself if unlabelled)."""
        if value is None:
            return ""
        zh_en = _ENUM_LABELS.get(enum, {}).get(str(value))
        if zh_en is None:
            return str(value)
        return zh_en[0] if self.lang == "zh" else zh_en[1]

    def choices(self, enum: str, only: list[str] | tuple[str, ...] | None = None) -> list[tuple[str, str]]:
        """(value, label) of an enum's values, in the enum's order (or in the order of `only`)."""
        values = only if only is not None else enum_values(enum)
        return [(v, self.label(enum, v)) for v in values]

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        env = environment(str(self.state.settings.templates_dir))
        html = env.get_template(template).render(
            request=self.request,
            viewer=self.viewer,
            lang=self.lang,
            _=self.t,
            csrf=csrf_token(self.request),
            htmx=self.request.headers.get("hx-request") == "true",
            today=self.state.clock(),
            enum_label=self.label,
            **values,
        )
        return HTMLResponse(html, status_code=status_code)

    def close(self) -> None:
        self.session.close()


# Enum name → value → (zh, en): the API's enumLabels, loaded by the first signed-in request.
_ENUM_LABELS: dict[str, dict[str, tuple[str, str]]] = {}


def enum_values(enum: str) -> list[str]:
    """An enum's values as the API answers them, in the enum's order."""
    return list(_ENUM_LABELS.get(enum, {}))


# What a query answers for an id or a parameter taken from the URL that names nothing.
_NOT_FOUND_CODES = frozenset({"NOT_FOUND", "INVALID_ID"})
# What it answers for paging or search parameters of the URL it refuses. Any other domain
# error (a rule about a month, a kind...) stays an OperationError for the page to show
# beside its field.
_BAD_REQUEST_CODES = frozenset({"INVALID_CURSOR", "PAGE_SIZE", "SEARCH_TOO_LONG"})


def refusal(errors: list[GraphQLError]) -> HTTPException | None:
    """The HTTP answer to an operation the API refused because of what the URL carried (a
    malformed or unknown id: 404; a page size, cursor or search it refuses: 400), or None
    for any other error: an OperationError, which the page shows beside a field or, if it
    does not expect one, is a bug (500 with an error id)."""
    statuses = []
    for error in errors:
        original = error.original_error
        if isinstance(original, DomainError):
            if original.code in _NOT_FOUND_CODES:
                statuses.append((404, "未找到 / Not found"))
            elif original.code in _BAD_REQUEST_CODES:
                statuses.append((400, f"{original.message_zh} / {original.message_en}"))
            else:
                return None
        elif isinstance(original, GlobalIDValueError) or error.path is None and error.message.startswith("Variable '$"):
            # A value from the URL that the schema's types refuse (an id that is not base64,
            # given as a variable or to `node(id:)`).
            statuses.append((404, "未找到 / Not found"))
        else:
            return None
    status, detail = max(statuses)
    return HTTPException(status, detail)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


Handler = Callable[[Page], Awaitable[Response]]


def page(*, write: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Decorate an admin handler: sign-in required; unsafe methods need the CSRF token."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            if request.method not in ("GET", "HEAD"):
                await check_csrf(request)
            p = Page(request)
            try:
                if p.viewer is None:
                    target = "/admin/login?" + urlencode({"next": str(request.url.path)})
                    if request.headers.get("hx-request") == "true":
                        return Response(status_code=204, headers={"HX-Redirect": target})
                    return RedirectResponse(target, 303)
                # Forced password change (admin/pages/accounts.py): an account whose password an
                # administrator made (new account, reset) reaches only the change-password page.
                if request.url.path != FORCED_PASSWORD_PAGE and needs_password_change(p.session, p.viewer.account_id):
                    if request.headers.get("hx-request") == "true":
                        return Response(status_code=204, headers={"HX-Redirect": FORCED_PASSWORD_PAGE})
                    return RedirectResponse(FORCED_PASSWORD_PAGE, 303)
                await p.load_labels()
                try:
                    return await handler(p)
                except HTTPException as exc:
                    if exc.status_code >= 500 or exc.status_code < 400:
                        raise
                    return error_page(p, exc.status_code)
            finally:
                p.close()
                # Uploaded files are spooled to temporary files that only closing the form
                # releases (and removes).
                await request.close()

        return endpoint

    return decorate


ERROR_TITLES = {
    400: "请求无效",
    403: "无权访问",
    404: "未找到",
    405: "不支持此请求方式",
    409: "数据已被修改",
    413: "请求内容过大",
    422: "提交的内容有误",
}


def error_page(p: Page, status: int) -> HTMLResponse:
    """A plain page for a request the admin refuses (a malformed id, a page number...): the
    status and what to do, nothing of the request echoed."""
    return p.render("error.html", status_code=status, status=status, title=ERROR_TITLES.get(status, "请求无效"))


@lru_cache(maxsize=4)
def environment(templates_dir: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_attr"] = lambda v: Markup(json.dumps(v, ensure_ascii=False)).striptags()
    env.filters["qs"] = lambda d: urlencode({k: v for k, v in d.items() if v not in (None, "", [])}, doseq=True)
    return env


# A mutation's error union as {form field or '_': FieldError} for inline display (no code badge).
form_errors = payload_errors


ERROR_STATUS = {"RuleViolation": 422, "Conflict": 409, "NotAllowed": 403, "NotFound": 404}
E = TypeVar("E", bound=dict[str, Any])


@overload
async def submit(
    p: Page, name: str, field: str, variables: dict[str, Any], invalid: FieldErrors | None = None
) -> tuple[dict[str, Any] | None, FieldErrors, int]: ...
@overload
async def submit(
    p: Page,
    name: str,
    field: str,
    variables: dict[str, Any],
    invalid: E | None,
    errors: Callable[[dict[str, Any]], E],
) -> tuple[dict[str, Any] | None, E, int]: ...
async def submit(
    p: Page,
    name: str,
    field: str,
    variables: dict[str, Any],
    invalid: dict[str, Any] | None = None,
    errors: Callable[[dict[str, Any]], dict[str, Any]] = form_errors,
) -> tuple[dict[str, Any] | None, dict[str, Any], int]:
    """A form's mutation: (its payload, {}, 200) when done, else (None, the errors to show,
    the HTTP status). Errors the form already found (`invalid`) answer 422 without running it;
    `errors` turns the mutation's error union into the page's own error shape."""
    if invalid:
        return None, invalid, 422
    payload = (await p.run(name, variables))[field]
    found = errors(payload)
    if found:
        return None, found, ERROR_STATUS.get(payload.get("__typename", ""), 422)
    return payload, found, 200


# --- numbered list pages ----------------------------------------------------------------------


def requested_page(request: Request) -> int:
    """The ?page= asked for: 1 when absent, not a number or below 1."""
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def page_numbers(current: int, pages: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: None marks a gap."""
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


async def numbered_page(
    request: Request,
    fetch: Callable[[int], Awaitable[dict[str, Any]]],
    count: Callable[[dict[str, Any]], int],
    page_size: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One page of a numbered list: `fetch(offset)` runs the list's operation, `count` reads
    the total from its data. A page past the end shows the last one. Returns the data and
    the template's paging values (total, current, pages, page_numbers)."""
    current = requested_page(request)
    data = await fetch((current - 1) * page_size)
    total = count(data)
    pages = max(1, math.ceil(total / page_size))
    if current > pages:
        current = pages
        data = await fetch((current - 1) * page_size)
    return data, {"total": total, "current": current, "pages": pages, "page_numbers": page_numbers(current, pages)}
