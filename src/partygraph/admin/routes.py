"""The admin's routes: sign-in, language, and every page module's routes."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, Router

from partygraph.admin.core import Page, check_csrf
from partygraph.admin.pages import (
    access_log,
    accounts,
    alerts,
    assistance,
    branch_life,
    candidate,
    dashboard,
    discipline,
    evaluation,
    imports,
    members,
    organization,
    plans,
    settings,
    transfers,
)
from partygraph.admin.pages import signin as signin_pages
from partygraph.auth import SessionData, session_id_of
from partygraph.services import signin

# A path of this site: one "/" then neither "/" nor "\\" (browsers read "/\\" as "//", another
# host), and no backslash, control character (browsers drop tabs and newlines, so "/\t/host"
# is "//host") or, before decoding, space.
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\x00-\x20\x7f\\]*")
_LOCAL_PATH_DECODED = re.compile(r"/(?![/\\])[^\x00-\x1f\x7f\\]*")


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a clerk to another site after sign-in. Refuses
    absolute URLs, scheme-relative `//host` and `///host`, backslash variants (`\\host`,
    `/\\host`), their percent-encoded forms, control characters and `javascript:`."""
    fallback = "/admin/"
    if not target or len(target) > 2000:
        return fallback
    decoded = target
    for _ in range(3):  # doubly encoded %252F%252F as well
        decoded = unquote(decoded)
    for url, pattern in ((target, _LOCAL_PATH), (decoded, _LOCAL_PATH_DECODED)):
        if not pattern.fullmatch(url):
            return fallback
        parsed = urlparse(url)
        if parsed.scheme or parsed.netloc:
            return fallback
    return target


def _client_address(request: Request) -> str:
    # uvicorn already replaced the peer with X-Forwarded-For's for the trusted proxies only.
    return request.client.host if request.client else "unknown"


async def login(request: Request) -> Response:
    p = Page(request)
    try:
        error = None
        status = 200
        next_url = _safe_next(request.query_params.get("next"))
        if request.method == "POST":
            await check_csrf(request)
            form = await request.form()
            next_url = _safe_next(str(form.get("next", "")))
            settings = p.state.settings
            result = signin.sign_in(
                p.session, settings, str(form.get("username", "")), str(form.get("password", "")),
                address=_client_address(request),
            )  # fmt: skip
            if result.account is not None:
                session_id = signin.start_session(
                    p.session, result.account.id, address=_client_address(request),
                    user_agent=request.headers.get("user-agent"),
                )  # fmt: skip
                p.session.commit()
                data = request.session
                if isinstance(data, SessionData):
                    data.rotate(session_id)
                return RedirectResponse(next_url, 303)
            p.session.commit()
            if result.delay:
                # Awaited, not slept: a guesser waits, the worker serves others meanwhile.
                await asyncio.sleep(result.delay)
            if result.locked:
                error, status = p.t("登录失败次数过多，已暂时锁定，请稍后再试或联系县委组织部"), 429
            else:
                error, status = p.t("用户名或密码错误"), 401
        return p.render("login.html", error=error, next=next_url, status_code=status)
    finally:
        p.close()


async def logout(request: Request) -> Response:
    await check_csrf(request)
    p = Page(request)
    try:
        # Ended on the server: a copy of the cookie is worth nothing from now on.
        signin.end_session(p.session, session_id_of(request))
        p.session.commit()
    finally:
        p.close()
    request.session.clear()
    return RedirectResponse("/admin/login", 303)


async def language(request: Request) -> Response:
    lang = request.query_params.get("lang", "zh")
    request.session["lang"] = "en" if lang == "en" else "zh"
    referer = urlparse(request.headers.get("referer", ""))
    back = referer.path + (f"?{referer.query}" if referer.query else "") if referer.path else None
    return RedirectResponse(_safe_next(back), 303)


async def home(request: Request) -> Response:
    return RedirectResponse("/admin/orgs", 303)


def admin_app(state: Any) -> Router:
    return Router(
        routes=[
            Route("/", home),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/lang", language),
            *organization.routes,
            *evaluation.routes,
            *members.routes,
            *transfers.routes,
            *settings.routes,
            *access_log.routes,
            *signin_pages.routes,
            *alerts.routes,  # before candidate's older /alerts
            *candidate.routes,
            *plans.routes, *discipline.routes,
            *assistance.routes,
            *dashboard.routes,
            *imports.routes,
            *branch_life.routes,
            *accounts.routes,
        ]
    )
