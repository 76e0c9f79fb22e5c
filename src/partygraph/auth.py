"""Who is asking: a bearer token (API) or the admin's session cookie.

The session cookie carries only a random session id (services.signin): signed in means a
live `login_session` row with that id's digest. The CSRF token is derived from the id, and
the chosen language has a cookie of its own, so nothing else needs to travel or be stored.
`SessionMiddleware` offers that as `request.session`, the dict Starlette's pages expect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partygraph.config import Settings
from partygraph.context import Viewer
from partygraph.services import signin

SESSION_COOKIE = "partygraph_session"
LANG_COOKIE = "partygraph_lang"
SESSION_CSRF_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
LANG_MAX_AGE = 365 * 24 * 3600


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class SessionData(dict[str, Any]):
    """`request.session`: the language, and the CSRF token derived from the session id.

    A visitor without a cookie gets an id (not stored anywhere) the first time a page asks for
    the CSRF token; signing in replaces it with a new id backed by a row (`rotate`)."""

    def __init__(self, secret_key: str, session_id: str | None, lang: str | None) -> None:
        super().__init__()
        self._secret = secret_key
        self.session_id = session_id
        self.send_cookie = False  # the response sets the session cookie
        self.drop_cookie = False  # the response removes it
        if lang in ("zh", "en"):
            super().__setitem__("lang", lang)
        self.original_lang = lang

    def _csrf(self) -> str:
        if self.session_id is None:
            self.rotate(signin.new_session_id())
        assert self.session_id is not None
        return signin.csrf_for(self._secret, self.session_id)

    def rotate(self, session_id: str) -> None:
        self.session_id, self.send_cookie, self.drop_cookie = session_id, True, False

    def get(self, key: str, default: Any = None) -> Any:
        if key == SESSION_CSRF_KEY:
            return self._csrf()
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        if key == SESSION_CSRF_KEY:
            return self._csrf()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        return key == SESSION_CSRF_KEY or super().__contains__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key != SESSION_CSRF_KEY:  # derived from the id: nothing to keep
            super().__setitem__(key, value)

    def clear(self) -> None:
        """Forget the session id (signing out); the language stays."""
        lang = super().get("lang")
        super().clear()
        if lang:
            super().__setitem__("lang", lang)
        self.session_id, self.send_cookie, self.drop_cookie = None, False, True


def cookie_is_secure(scope: Scope, setting: str) -> bool:
    """`cookie_secure`: always, never, or auto: when this request came over HTTPS (uvicorn sets
    the scheme from X-Forwarded-Proto only for the proxies in forwarded_allow_ips)."""
    if setting == "always":
        return True
    if setting == "never":
        return False
    return scope.get("scheme") in ("https", "wss")


class SessionMiddleware:
    """Pure ASGI: reads the two cookies into `scope["session"]`, writes them back when they changed."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        cookies = HTTPConnection(scope).cookies
        raw = cookies.get(SESSION_COOKIE)
        data = SessionData(
            self.settings.secret_key, raw if signin.looks_like_session_id(raw) else None, cookies.get(LANG_COOKIE)
        )
        scope["session"] = data
        scope["pg_settings"] = self.settings

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if cookie_is_secure(scope, self.settings.cookie_secure) else "")
                if data.send_cookie and data.session_id:
                    headers.append(
                        "Set-Cookie", f"{SESSION_COOKIE}={data.session_id}; Max-Age={self.settings.session_max_age}{flags}"
                    )
                elif data.drop_cookie and raw is not None:
                    headers.append("Set-Cookie", f"{SESSION_COOKIE}=; Max-Age=0{flags}")
                lang = dict.get(data, "lang")
                if lang != data.original_lang and lang in ("zh", "en"):
                    headers.append("Set-Cookie", f"{LANG_COOKIE}={lang}; Max-Age={LANG_MAX_AGE}{flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def session_id_of(conn: HTTPConnection) -> str | None:
    data = conn.scope.get("session")
    return data.session_id if isinstance(data, SessionData) else None


def viewer_from_session(conn: HTTPConnection, session: Session) -> Viewer | None:
    """The viewer of the request's session cookie: one SELECT (services.signin.viewer_for_session)."""
    settings = conn.scope.get("pg_settings")
    session_id = session_id_of(conn)
    if settings is None or session_id is None:
        return None
    return signin.viewer_for_session(session, session_id, settings)


def request_language(conn: HTTPConnection) -> str:
    if "session" in conn.scope and conn.session.get("lang") in ("zh", "en"):
        return str(conn.session["lang"])
    wanted = conn.query_params.get("lang") or conn.headers.get("accept-language", "")
    return "en" if wanted.lower().startswith("en") else "zh"
