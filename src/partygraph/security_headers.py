"""Security headers on every response (pure ASGI: no body buffering, no task per request).

The admin's policy allows only the app's own scripts and styles: no inline script, no inline
style, no eval (htmx runs with allowEval off and without its injected indicator styles, see
templates/base.html; the page behaviour lives in static/admin.js). GraphiQL at GET /graphql
is a page of Strawberry's that loads React and GraphiQL from unpkg.com (pinned by integrity
hashes) and runs one inline script with one inline style: that page alone gets a policy
allowing unpkg.com and exactly those two inline blocks, by their SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.ides import get_graphql_ide_html

_COMMON = "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    f"connect-src 'self'; {_COMMON}"
)


def _inline_hashes(html: str, tag: str) -> str:
    """'sha256-…' sources of a page's inline <script> (without src) or <style> blocks."""
    blocks = re.findall(rf"<{tag}(?![^>]*\bsrc=)[^>]*>(.*?)</{tag}>", html, flags=re.S)
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'" for b in blocks
    )


def graphiql_policy() -> str:
    html = get_graphql_ide_html("graphiql")
    cdn = "https://unpkg.com"
    return (
        f"default-src 'self'; script-src 'self' {cdn} {_inline_hashes(html, 'script')}; "
        f"style-src 'self' {cdn} {_inline_hashes(html, 'style')}; img-src 'self' data:; font-src 'self' data: {cdn}; "
        f"connect-src 'self'; {_COMMON}"
    )


GRAPHIQL_POLICY = graphiql_policy()

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, graphiql_path: str = "/graphql") -> None:
        self.app = app
        self.graphiql_path = graphiql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    graphiql = scope["path"] == self.graphiql_path and headers.get("content-type", "").startswith("text/html")
                    headers["Content-Security-Policy"] = GRAPHIQL_POLICY if graphiql else APP_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)
