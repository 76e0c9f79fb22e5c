"""Admin pages given malformed ids and query parameters answer 400 / 404 with a plain
bilingual page, never 500 and never internals: every route of the admin's route table is
crawled, so a new page is covered the day it is added."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Route

from partygraph.admin.routes import admin_app
from tests.conftest import login

# Not a number, negative, zero, past any integer column, a NUL byte, base64 of an unknown type.
GARBAGE_IDS = ["abc", "-1", "0", "99999999999999999999", "%00", "QWJjOjE"]
GARBAGE_QUERIES = ["page=-1", "page=abc", "page=99999999999999999999", "first=99999", "id=%00", "under=abc", "under=%00",
                   "year=abc", "year=-1", "month=abc", "after=%%%", "orgId=abc", "lang=%00", "memberId=abc", "sort=%00", "kind=%00"]
LEAK = re.compile(r"Traceback|sqlalchemy|psycopg|sqlite3?\.|\bSELECT\b|File \"|\.py\b|\b[A-Z][a-z]+[A-Za-z]*(Error|Exception)\b")


def _routes() -> list[Route]:
    # Signing out would end the crawl's own session.
    return [r for r in admin_app(None).routes if isinstance(r, Route) and r.path != "/logout"]


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_every_admin_route_answers_garbage_without_500(client: Any) -> None:
    """Each route with each garbage path id (GET and its other methods, with the CSRF token);
    each page without a path id with each garbage query parameter."""
    csrf = login(client, "county")
    problems = []
    for route in _routes():
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            if "{" in route.path:
                urls = [f"/admin{_fill(route.path, g)}" for g in GARBAGE_IDS]
            else:
                urls = [f"/admin{route.path}?{q}" for q in GARBAGE_QUERIES] if method == "GET" else []
            for url in urls:
                if method == "GET":
                    r = client.get(url, follow_redirects=False)
                else:
                    r = client.request(method, url, data={"csrf": csrf}, headers={"x-csrf-token": csrf}, follow_redirects=False)
                if r.status_code >= 500 or LEAK.search(r.text):
                    problems.append(f"{method} {url} -> {r.status_code} {r.text[:150]!r}")
                elif "{" in route.path and not 400 <= r.status_code < 500:
                    problems.append(f"{method} {url} -> {r.status_code}: a garbage id must be refused")
    assert not problems, "\n".join(problems[:40])


def test_the_error_page_is_plain_and_bilingual(client: Any) -> None:
    login(client, "county")
    r = client.get("/admin/orgs/abc")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "404" in r.text and "未找到" in r.text and "abc" not in r.text.split("<main", 1)[-1]
    client.get("/admin/lang?lang=en")
    r = client.get("/admin/orgs/abc/children")
    assert r.status_code == 404 and "Not found" in r.text


def test_an_id_outside_the_scope_is_not_found_like_an_unknown_one(client: Any, world: Any) -> None:
    login(client, "village3")
    outside = client.get(f"/admin/orgs/{world.gid('Organization', 'V1')}")
    unknown = client.get("/admin/orgs/T3JnYW5pemF0aW9uOjk5OTk5")  # Organization:99999
    assert outside.status_code == unknown.status_code == 404
