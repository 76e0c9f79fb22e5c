"""Who is asking: a bearer token (API) or the admin's signed session cookie."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from partygraph.context import Viewer
from partygraph.services.account import viewer_for_account_id

SESSION_ACCOUNT_KEY = "account_id"
SESSION_CSRF_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def viewer_from_session(conn: HTTPConnection, session: Session) -> Viewer | None:
    account_id = conn.session.get(SESSION_ACCOUNT_KEY) if "session" in conn.scope else None
    if account_id is None:
        return None
    return viewer_for_account_id(session, account_id)


def request_language(conn: HTTPConnection) -> str:
    if "session" in conn.scope and conn.session.get("lang") in ("zh", "en"):
        return conn.session["lang"]
    wanted = conn.query_params.get("lang") or conn.headers.get("accept-language", "")
    return "en" if wanted.lower().startswith("en") else "zh"
