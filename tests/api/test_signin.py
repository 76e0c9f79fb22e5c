"""Sign-in, server-side sessions and the browser-facing headers, on both databases.

A copied cookie dies with sign-out; sessions expire when idle and after their maximum age;
`end_sessions` ends them; failed sign-ins are throttled the same way whether the name exists
or not, lockouts are audited, listed and lifted by county accounts only; `next=` accepts
only local paths; the cookie is Secure over HTTPS or when configured; security headers on
every answer, GraphiQL with its own policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from partygraph.admin.routes import _safe_next
from partygraph.app import create_app
from partygraph.config import Settings
from partygraph.models.account import Account
from partygraph.models.audit import AuditEvent
from partygraph.models.session import LoginSession, SignInAttempt, SignInLockout
from partygraph.security_headers import APP_POLICY, GRAPHIQL_POLICY
from partygraph.services import signin
from tests.conftest import PASSWORD, login


@pytest.fixture
def settings() -> Settings:
    # No waiting between failures here (the delay itself is tested on the service).
    return Settings(database_url="sqlite://", secret_key="test-secret", signin_delay_ms=0)


def _csrf(client: TestClient) -> str:
    page = client.get("/admin/login")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def _try(client: TestClient, username: str, password: str) -> Any:
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf": _csrf(client), "next": "/admin/orgs"},
        follow_redirects=False,
    )


def _signed_in(client: TestClient) -> bool:
    return client.get("/admin/orgs", follow_redirects=False).status_code == 200


# --- sessions ------------------------------------------------------------------------------------


def test_the_cookie_carries_only_a_random_id_and_the_row_only_its_digest(client, session_factory) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    cookie = client.cookies.get("partygraph_session")
    assert cookie and signin.looks_like_session_id(cookie)
    with session_factory() as s:
        row = s.execute(select(LoginSession)).scalar_one()
        assert row.id_hash == signin.session_digest(cookie) and cookie not in row.id_hash
        assert row.ended_at is None and row.account_id is not None


def test_a_copied_cookie_stops_working_at_sign_out(app, client, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "county")
    stolen = client.cookies.get("partygraph_session")
    with TestClient(app) as thief:
        thief.cookies.set("partygraph_session", stolen, domain="testserver.local")
        assert _signed_in(thief)
        r = client.post("/admin/logout", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303
        assert not _signed_in(client)
        r = thief.get("/admin/orgs", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
        # and over the API too
        assert thief.post("/graphql", json={"query": "{ me { username } }"}).status_code in (401, 403)
    with session_factory() as s:
        row = s.execute(select(LoginSession)).scalar_one()
        assert row.ended_reason == signin.SIGNED_OUT and row.ended_at is not None


def test_signing_in_never_keeps_an_id_planted_before(client) -> None:  # type: ignore[no-untyped-def]
    planted = signin.new_session_id()
    client.cookies.set("partygraph_session", planted, domain="testserver.local")
    login(client, "county")
    assert client.cookies.get("partygraph_session") != planted
    assert _signed_in(client)


def test_idle_sessions_expire_and_last_seen_moves_at_most_once_a_minute(client, session_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    real_now = signin._now()
    with session_factory() as s:
        first_seen = s.execute(select(LoginSession.last_seen_at)).scalar_one()

    monkeypatch.setattr(signin, "_now", lambda: real_now + timedelta(seconds=30))
    assert _signed_in(client)
    with session_factory() as s:
        assert s.execute(select(LoginSession.last_seen_at)).scalar_one() == first_seen  # not touched yet

    later = real_now + timedelta(minutes=90)
    monkeypatch.setattr(signin, "_now", lambda: later)
    assert _signed_in(client)  # 90 minutes idle < 2 hours
    with session_factory() as s:
        assert s.execute(select(LoginSession.last_seen_at)).scalar_one() == later

    monkeypatch.setattr(signin, "_now", lambda: later + timedelta(hours=2, seconds=1))
    assert not _signed_in(client)


def test_sessions_end_after_the_maximum_age_however_active(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    start = signin._now()
    for hours in range(1, 8):  # a request every hour keeps it from idling
        monkeypatch.setattr(signin, "_now", lambda h=hours: start + timedelta(hours=h))
        assert _signed_in(client)
    monkeypatch.setattr(signin, "_now", lambda: start + timedelta(hours=8, seconds=1))
    assert not _signed_in(client)


def test_end_sessions_ends_every_session_of_the_account_only(app, client, session_factory) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    with TestClient(app) as other, TestClient(app) as township:
        login(other, "county")
        login(township, "township")
        with session_factory() as s:
            county_id = s.execute(select(Account.id).where(Account.username == "county")).scalar_one()
            assert signin.end_sessions(s, county_id, signin.DEACTIVATED) == 2
            s.commit()
            assert signin.end_sessions(s, county_id, signin.DEACTIVATED) == 0
        assert not _signed_in(client) and not _signed_in(other)
        assert _signed_in(township)
        with session_factory() as s:
            reasons = s.execute(select(LoginSession.ended_reason).where(LoginSession.account_id == county_id)).scalars().all()
            assert reasons == [signin.DEACTIVATED, signin.DEACTIVATED]


def test_a_deactivated_account_is_signed_out_at_once(client, session_factory) -> None:  # type: ignore[no-untyped-def]
    login(client, "village")
    with session_factory() as s:
        account = s.execute(select(Account).where(Account.username == "village")).scalar_one()
        account.active = False
        s.commit()
    assert not _signed_in(client)


def test_the_session_check_is_one_statement_per_request(client, sql_counter) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    client.get("/admin/settings")  # warm: templates, operation files
    sql_counter.statements.clear()
    assert client.get("/admin/settings").status_code == 200
    session_statements = [q for q in sql_counter.statements if "login_session" in q]
    assert len(session_statements) == 1, session_statements
    assert session_statements[0].lstrip().upper().startswith("SELECT")


# --- throttling ----------------------------------------------------------------------------------


def _answer(r: Any) -> tuple[int, str]:
    """A sign-in answer without what differs per request (the CSRF token)."""
    return r.status_code, re.sub(r'name="csrf" value="[^"]+"', "", r.text)


def test_existing_and_unknown_names_get_the_same_answers_and_lock_alike(client, session_factory) -> None:  # type: ignore[no-untyped-def]
    known = [_answer(_try(client, "county", "wrong-password")) for _ in range(5)]
    unknown = [_answer(_try(client, "nobody-here", "wrong-password")) for _ in range(5)]
    assert [s for s, _ in known] == [401, 401, 401, 401, 429]
    assert [s for s, _ in unknown] == [s for s, _ in known]
    assert [t.replace("nobody-here", "county") for _, t in unknown] == [t for _, t in known]
    assert "登录失败次数过多" in known[-1][1]
    # locked: even the right password is refused, with the same answer
    assert _answer(_try(client, "county", PASSWORD)) == known[-1]
    assert not _signed_in(client)
    # other names from this address are not locked (its threshold is higher)
    assert _try(client, "township", PASSWORD).status_code == 303
    with session_factory() as s:
        locks = s.execute(select(SignInLockout).order_by(SignInLockout.id)).scalars().all()
        assert [(lk.kind, lk.key, lk.failures) for lk in locks] == [("account", "county", 5), ("account", "nobody-here", 5)]
        assert locks[0].account_id is not None and locks[1].account_id is None
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "sign_in_locked").order_by(AuditEvent.id)).scalars().all()
        assert [(e.object_type, e.object_id) for e in events] == [("account", locks[0].account_id), ("sign_in_lockout", locks[1].id)]
        assert events[0].actor_name == "system" and events[0].after["failures"] == 5
        # attempts while locked are not even recorded (nothing to count)
        assert s.query(SignInAttempt).filter(SignInAttempt.username == "county").count() == 5


def test_unknown_names_run_the_password_hash_too(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from partygraph.services import account as accounts

    verified: list[str] = []
    real = accounts._hasher

    class Spy:
        def verify(self, hash_: str, password: str) -> bool:
            verified.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(accounts, "_hasher", Spy())
    _try(client, "nobody-here", "whatever-1")
    _try(client, "county", "whatever-1")
    assert len(verified) == 2 and verified[0] == accounts._DUMMY_HASH and verified[1] != accounts._DUMMY_HASH


def test_failures_slow_the_answer_down(db, world, session_factory, settings) -> None:  # type: ignore[no-untyped-def]
    slow = replace(settings, signin_delay_ms=500)
    delays = []
    with session_factory() as s:
        for _ in range(4):
            delays.append(signin.sign_in(s, slow, "nobody", "x", address="10.0.0.1").delay)
            s.commit()
    assert delays == [0.0, 0.5, 1.0, 1.5]


def test_an_address_locks_after_its_own_threshold(app, db, world, settings, clock) -> None:  # type: ignore[no-untyped-def]
    strict = create_app(replace(settings, signin_address_failures=3), engine=db, clock=clock)
    with TestClient(strict) as c:
        assert [_try(c, name, "bad").status_code for name in ("a1", "a2", "a3")] == [401, 401, 429]
        assert _try(c, "county", PASSWORD).status_code == 429  # a new name from the same address
    with TestClient(strict, client=("10.9.9.9", 5000)) as elsewhere:
        assert _try(elsewhere, "county", PASSWORD).status_code == 303


def test_a_success_resets_the_names_count(client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        assert _try(client, "county", "bad").status_code == 401
    assert _try(client, "county", PASSWORD).status_code == 303
    assert [_try(client, "county", "bad").status_code for _ in range(4)] == [401] * 4


def test_lockouts_end_by_themselves(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        _try(client, "county", "bad")
    assert _try(client, "county", PASSWORD).status_code == 429
    start = signin._now()
    monkeypatch.setattr(signin, "_now", lambda: start + timedelta(minutes=15, seconds=1))
    assert _try(client, "county", PASSWORD).status_code == 303


LOCKOUTS = "query($all: Boolean!) { signInLockouts(includeEnded: $all) { id kind key accountName failures active version liftedBy } }"
LIFT = """mutation($input: LiftSignInLockoutInput!) { liftSignInLockout(input: $input) {
  __typename ... on SignInLockoutPayload { lockout { id active liftedBy version } }
  ... on Error { code message messageZh messageEn field } } }"""


def test_lockouts_are_listed_and_lifted_by_county_accounts_only(client, gql, session_factory) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        _try(client, "village", "bad")
    listed = gql(LOCKOUTS, {"all": False})["signInLockouts"]
    assert [(lk["kind"], lk["key"], lk["accountName"], lk["active"]) for lk in listed] == [("account", "village", "village（village）", True)]
    gid, version = listed[0]["id"], listed[0]["version"]

    for user in ("township", "village", "viewer"):
        denied = gql.run(LOCKOUTS, {"all": False}, user=user)
        assert denied.errors and denied.errors[0].extensions["code"] == "NOT_ALLOWED"
        r = gql(LIFT, {"input": {"id": gid}}, user=user)["liftSignInLockout"]
        assert r["__typename"] == "NotAllowed" and r["messageEn"] and r["messageZh"]
    assert gql(LOCKOUTS, {"all": False})["signInLockouts"][0]["active"]  # unchanged

    stale = gql(LIFT, {"input": {"id": gid, "version": version + 5}})["liftSignInLockout"]
    assert stale["__typename"] == "Conflict" and stale["field"] == "version"
    missing = gql(LIFT, {"input": {"id": "U2lnbkluTG9ja291dDo5OTk="}})["liftSignInLockout"]
    assert missing["__typename"] == "NotFound"
    wrong_type = gql(LIFT, {"input": {"id": "T3JnYW5pemF0aW9uOjE="}})["liftSignInLockout"]
    assert wrong_type["__typename"] == "RuleViolation" and wrong_type["field"] == "id"

    done = gql(LIFT, {"input": {"id": gid, "version": version}})["liftSignInLockout"]
    assert done["__typename"] == "SignInLockoutPayload" and done["lockout"]["active"] is False
    assert done["lockout"]["liftedBy"] == "county"
    again = gql(LIFT, {"input": {"id": gid}})["liftSignInLockout"]
    assert again["__typename"] == "RuleViolation" and again["code"] == "LOCKOUT_ENDED" and again["field"] == "id"
    assert gql(LOCKOUTS, {"all": False})["signInLockouts"] == []
    assert len(gql(LOCKOUTS, {"all": True})["signInLockouts"]) == 1

    with session_factory() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "sign_in_unlocked")).scalar_one()
        assert event.object_type == "account" and event.actor_name == "county"
    # earlier failures no longer count: the right password goes in, one wrong one does not lock
    assert _try(client, "village", "bad").status_code == 401
    assert _try(client, "village", PASSWORD).status_code == 303


def test_the_admin_page_lists_and_lifts_with_a_confirmation(client, app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        _try(client, "ghost", "bad")
    csrf = login(client, "county")
    settings_page = client.get("/admin/settings").text
    assert 'href="/admin/settings/sign-in"' in settings_page
    page = client.get("/admin/settings/sign-in")
    assert page.status_code == 200 and "<code>ghost</code>" in page.text and "hx-confirm" in page.text
    action = re.search(r'action="(/admin/settings/sign-in/[^"]+/lift)"', page.text).group(1)  # type: ignore[union-attr]
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(action, data={"csrf": csrf, "version": version}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "当前没有登录锁定" in r.text
    again = client.post(action, data={"csrf": csrf, "version": version}, headers={"HX-Request": "true"})
    assert again.status_code == 422 and "该锁定已结束" in again.text
    assert client.post(action, data={"version": version}).status_code == 403  # no CSRF token
    with TestClient(app) as township:
        login(township, "township")
        denied = township.get("/admin/settings/sign-in")
        assert denied.status_code == 403 and "只有县委组织部账号" in denied.text


# --- next= ---------------------------------------------------------------------------------------

REFUSED = [
    "//evil.example", "///evil.example", "////evil.example", "\\\\evil.example", "/\\evil.example",
    "\\/evil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%2fevil.example", "/%5Cevil.example",
    "%5C%5Cevil.example", "/%252F%252Fevil.example", "https://evil.example/admin/", "http:evil.example",
    "HTTP://evil.example", "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
    "/\t/evil.example", "/%09/evil.example", "/\n/evil.example", "/%0A/evil.example", "admin/orgs", "",
    "data:text/html,hi", "/ /evil.example",
]  # fmt: skip
ACCEPTED = ["/admin/orgs", "/admin/members?q=%E5%BC%A0&page=2", "/graphql", "/admin/orgs/T3JnYW5pemF0aW9uOjE="]


@pytest.mark.parametrize("target", REFUSED)
def test_next_refuses_everything_but_local_paths(target: str) -> None:
    assert _safe_next(target) == "/admin/"


@pytest.mark.parametrize("target", ACCEPTED)
def test_next_keeps_local_paths(target: str) -> None:
    assert _safe_next(target) == target


def test_sign_in_redirects_only_to_local_next(client) -> None:  # type: ignore[no-untyped-def]
    for target, expected in (("//evil.example", "/admin/"), ("/%5Cevil.example", "/admin/"), ("/admin/members", "/admin/members")):
        client.cookies.clear()
        r = client.post(
            "/admin/login",
            data={"username": "county", "password": PASSWORD, "csrf": _csrf(client), "next": target},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == expected
        page = client.get(f"/admin/login?next={target}")
        assert f'name="next" value="{expected}"' in page.text


# --- cookies and headers -------------------------------------------------------------------------


def _session_cookie(r: Any) -> str:
    cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("partygraph_session=")]
    assert cookies, r.headers
    return cookies[-1]


def _login_response(client: TestClient) -> Any:
    return client.post(
        "/admin/login",
        data={"username": "county", "password": PASSWORD, "csrf": _csrf(client), "next": "/admin/"},
        follow_redirects=False,
    )


def test_cookie_flags_follow_the_scheme_and_the_setting(app, db, world, settings, clock) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as plain:
        cookie = _session_cookie(_login_response(plain))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    with TestClient(app, base_url="https://testserver") as tls:
        assert "Secure" in _session_cookie(_login_response(tls))
    with TestClient(create_app(replace(settings, cookie_secure="always"), engine=db, clock=clock)) as always:
        assert "Secure" in _session_cookie(_login_response(always))
    with TestClient(create_app(replace(settings, cookie_secure="never"), engine=db, clock=clock), base_url="https://testserver") as never:
        assert "Secure" not in _session_cookie(_login_response(never))


def test_the_language_cookie_is_separate_and_survives_sign_out(client) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "county")
    client.get("/admin/lang?lang=en")
    assert client.cookies.get("partygraph_lang") == "en"
    client.post("/admin/logout", data={"csrf": csrf})
    assert "Sign in" in client.get("/admin/login").text


def _assert_headers(r: Any, policy: str) -> None:
    assert r.headers["content-security-policy"] == policy
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_security_headers_on_every_answer(client) -> None:  # type: ignore[no-untyped-def]
    _assert_headers(client.get("/admin/login"), APP_POLICY)
    _assert_headers(client.get("/admin/orgs", follow_redirects=False), APP_POLICY)  # a redirect
    _assert_headers(client.get("/static/admin.js"), APP_POLICY)
    _assert_headers(client.post("/graphql", json={"query": "{ __typename }"}), APP_POLICY)  # 401 JSON
    login(client, "county")
    for path in ("/admin/orgs", "/admin/members", "/admin/settings", "/admin/dashboard"):
        _assert_headers(client.get(path), APP_POLICY)
    assert "frame-ancestors 'none'" in APP_POLICY and "'unsafe-inline'" not in APP_POLICY and "'unsafe-eval'" not in APP_POLICY


def test_graphiql_gets_its_own_policy_naming_its_inline_blocks(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    r = client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()
    _assert_headers(r, GRAPHIQL_POLICY)
    for tag in ("script", "style"):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", r.text, flags=re.S)
        assert blocks
        for block in blocks:
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in GRAPHIQL_POLICY
    assert "'unsafe-inline'" not in GRAPHIQL_POLICY and "'unsafe-eval'" not in GRAPHIQL_POLICY
    for src in re.findall(r'src="([^"]+)"', r.text):
        assert src.startswith("https://unpkg.com/")


def test_no_template_carries_inline_script_style_or_event_attributes() -> None:
    from partygraph.config import Settings as S

    offenders = []
    for path in S().templates_dir.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|hx-on|javascript:", text):
            offenders.append(path.name)
        if re.search(r'hx-trigger="[^"]*\[', text):  # trigger filters are eval'd
            offenders.append(path.name)
    assert not offenders
