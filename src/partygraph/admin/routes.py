"""The admin's routes: sign-in, language, and every page module's routes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, Router

from partygraph.admin.core import Page, check_csrf
from partygraph.admin.pages import (
    alerts,
    assistance,
    branch_life,
    dashboard,
    discipline,
    evaluation,
    imports,
    members,
    org_forms,
    orgs,
    pipeline,
    plans,
    settings,
    transfers,
)
from partygraph.auth import SESSION_ACCOUNT_KEY
from partygraph.services.account import authenticate


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a clerk to another site after sign-in."""
    if not target:
        return "/admin/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        return "/admin/"
    return target


async def login(request: Request) -> Response:
    p = Page(request)
    try:
        error = None
        next_url = _safe_next(request.query_params.get("next"))
        if request.method == "POST":
            await check_csrf(request)
            form = await request.form()
            next_url = _safe_next(str(form.get("next", "")))
            account = authenticate(p.session, str(form.get("username", "")), str(form.get("password", "")))
            if account is not None:
                p.session.commit()
                csrf = request.session.get("csrf")
                lang = request.session.get("lang")
                request.session.clear()
                request.session.update({SESSION_ACCOUNT_KEY: account.id, "csrf": csrf, "lang": lang})
                return RedirectResponse(next_url, 303)
            error = p.t("用户名或密码错误")
        return p.render("login.html", error=error, next=next_url, status_code=401 if error else 200)
    finally:
        p.close()


async def logout(request: Request) -> Response:
    await check_csrf(request)
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
            *orgs.routes,
            *evaluation.routes,
            *org_forms.routes,
            *members.routes,
            *transfers.routes,
            *settings.routes,
            *alerts.routes,  # before pipeline's older /alerts
            *pipeline.routes,
            *plans.routes, *discipline.routes,
            *assistance.routes,
            *dashboard.routes,
            *imports.routes,
            *branch_life.routes,
        ]
    )
