"""What an operator runs on: /healthz and /readyz, the request log on stdout (one JSON line
per request, no personal data), unexpected errors under an error id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from partygraph.app import create_app
from partygraph.config import Settings
from partygraph.db import make_engine, migrate
from partygraph.models import Account
from partygraph.observability import RequestLog, configure_logging, migrations_head
from partygraph.services import account as accounts
from tests.conftest import LI_ID, login

READY = {"status": "ready"}
NOT_READY = {"status": "not ready"}
# Words that would say what runs behind the endpoint: none may reach an anonymous caller.
INTERNALS = ("sqlite", "postgres", "psycopg", "error", "exception", "revision", "alembic", "000")


def lines(out: str) -> list[dict[str, Any]]:
    """Every line on stdout is one JSON object."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def requests_logged(out: str) -> list[dict[str, Any]]:
    return [entry for entry in lines(out) if entry["logger"] == "partygraph.request"]


def assert_bare(response: Any, body: dict[str, str]) -> None:
    assert response.json() == body
    assert not any(word in response.text.lower() for word in INTERNALS), response.text


def cn_id_number(first17: str) -> str:
    """A valid mainland ID number (ISO 7064 mod 11-2 check character)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


# --- health ---------------------------------------------------------------------------------


def test_healthz_answers_ok_and_nothing_else_even_without_a_database(client, tmp_path):
    assert_bare(client.get("/healthz"), {"status": "ok"})
    # liveness does not touch the database: an unreachable one does not restart the process
    gone = create_app(Settings(database_url="sqlite://", secret_key="k"), engine=make_engine(f"sqlite:///{tmp_path}/no/such/dir.db"))
    with TestClient(gone) as c:
        r = c.get("/healthz")
    assert r.status_code == 200
    assert_bare(r, {"status": "ok"})


def test_readyz_follows_the_schema_revision_of_a_migrated_file(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'county.db'}"
    settings = Settings(database_url=url, secret_key="k")
    engine = make_engine(url)
    with TestClient(create_app(settings, engine=engine)) as c:
        # an empty database: nothing migrated yet
        r = c.get("/readyz")
        assert r.status_code == 503
        assert_bare(r, NOT_READY)
        migrate.upgrade(url)
        r = c.get("/readyz")
        assert r.status_code == 200
        assert_bare(r, READY)
        migrate.downgrade(url, "-1")  # the code is newer than the schema
        r = c.get("/readyz")
        assert r.status_code == 503
        assert_bare(r, NOT_READY)
    engine.dispose()
    reasons = [entry["reason"] for entry in lines(capsys.readouterr().out) if entry["logger"] == "partygraph.ready"]
    # the reason is in the server's log, not in the answer
    assert len(reasons) == 2
    assert "alembic_version" in reasons[0]
    head = migrations_head(settings.migrations_dir)
    assert f"is not the migrations' head {head}" in reasons[1]


def test_readyz_on_each_database(db: Engine, settings: Settings, clock: Any) -> None:
    """The tests' databases are built from the models, without alembic's table: stamp them."""
    head = migrations_head(settings.migrations_dir)
    with TestClient(create_app(settings, engine=db, clock=clock)) as c:
        assert c.get("/readyz").status_code == 503
        try:
            with db.begin() as conn:
                conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
                conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
            r = c.get("/readyz")
            assert r.status_code == 200
            assert_bare(r, READY)
            with db.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
            r = c.get("/readyz")
            assert r.status_code == 503
            assert_bare(r, NOT_READY)
        finally:
            with db.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/no/such/dir/county.db", "postgresql+psycopg://postgres@127.0.0.1:1/partygraph"],
    ids=["sqlite", "postgres"],
)
def test_readyz_when_the_database_is_unreachable(url: str, tmp_path: Path, capsys) -> None:
    url = url.format(tmp=tmp_path)
    with TestClient(create_app(Settings(database_url=url, secret_key="k"))) as c:
        r = c.get("/readyz")
        assert r.status_code == 503
        assert_bare(r, NOT_READY)
        assert c.get("/healthz").status_code == 200
    reasons = [entry["reason"] for entry in lines(capsys.readouterr().out) if entry["logger"] == "partygraph.ready"]
    assert len(reasons) == 1 and reasons[0].startswith("database check failed: OperationalError")


# --- the request log ------------------------------------------------------------------------


REGISTER = """mutation RegisterMember($input: RegisterMemberInput!) {
  registerMember(input: $input) { __typename ... on MemberPayload { member { id } } ... on Error { code message } } }"""
SEARCH = "query FindMember($q: String!) { members(filter: {search: $q}) { totalCount nodes { name idNumber } } }"


def test_one_line_per_request_with_account_operation_and_no_personal_data(client, session_factory, world, capsys):
    with session_factory() as s:
        token = accounts.create_token(s, "county", label="log test")
        county_id = s.query(Account.id).filter(Account.username == "county").scalar()
        s.commit()
    auth = {"authorization": f"Bearer {token}"}
    new_number = cn_id_number("51322119960101001")
    member = {"orgId": world.gid("Organization", "V2"), "name": "孙八", "gender": "male", "birthDate": "1996-01-01",
              "education": "bachelor", "joinedOn": "2015-07-01", "convertedOn": "2016-07-01", "idNumber": new_number,
              "phone": "13912345678"}  # fmt: skip
    capsys.readouterr()

    r = client.post("/graphql", json={"query": REGISTER, "variables": {"input": member}}, headers=auth)
    assert r.json()["data"]["registerMember"]["__typename"] == "MemberPayload", r.text
    # again, with Li Si's number: refused, and the refusal is no reason to log the number
    r = client.post("/graphql", json={"query": REGISTER, "variables": {"input": member | {"idNumber": LI_ID}}}, headers=auth)
    assert r.json()["data"]["registerMember"]["__typename"] != "MemberPayload", r.text
    r = client.post("/graphql", json={"query": SEARCH, "variables": {"q": "李四"}, "operationName": "FindMember"}, headers=auth)
    assert r.json()["data"]["members"]["totalCount"] == 1, r.text
    # a variable of the wrong type: GraphQL's message quotes the value
    r = client.post("/graphql", json={"query": "query Page($n: Int) { members(first: $n) { totalCount } }", "variables": {"n": "李四"}}, headers=auth)
    assert r.json()["errors"], r.text
    assert client.get("/healthz").status_code == 200
    r = client.get("/admin/members", params={"q": "李四"})  # signed out: sent to the login page
    assert r.status_code == 200
    captured = capsys.readouterr()

    logged = requests_logged(captured.out)
    assert [(e["method"], e["path"], e["operation"], e["account"], e["status"]) for e in logged] == [
        ("POST", "/graphql", "RegisterMember", county_id, 200),
        ("POST", "/graphql", "RegisterMember", county_id, 200),
        ("POST", "/graphql", "FindMember", county_id, 200),
        ("POST", "/graphql", "Page", county_id, 200),
        ("GET", "/healthz", None, None, 200),
        ("GET", "/admin/members", None, None, 303),  # the redirect, then the login page
        ("GET", "/admin/login", None, None, 200),
    ]
    for entry in logged:
        assert set(entry) == {"time", "level", "logger", "method", "path", "operation", "account", "status", "ms"}
        assert entry["level"] == "INFO" and entry["time"].endswith("Z") and entry["ms"] >= 0
    everything = captured.out + captured.err
    for personal in ("孙八", "李四", new_number, LI_ID, "13912345678", "q="):
        assert personal not in everything, personal


def test_the_admin_pages_log_the_signed_in_account(client, world, capsys):
    login(client, "village")
    capsys.readouterr()
    assert client.get("/admin/members", params={"q": "李四"}).status_code == 200
    (entry,) = requests_logged(capsys.readouterr().out)
    assert entry["path"] == "/admin/members" and entry["status"] == 200
    assert isinstance(entry["account"], int)


def test_an_unexpected_exception_is_logged_under_an_error_id_without_its_message(client, session_factory, world, monkeypatch, capsys):
    def broken(*args: Any) -> None:
        raise RuntimeError(f"cannot handle {LI_ID} 李四")

    monkeypatch.setattr("partygraph.graphql.view.viewer_for_token", broken)
    capsys.readouterr()
    r = client.post("/graphql", json={"query": "query Me { me { username } }"}, headers={"authorization": "Bearer pg_x"})
    assert r.status_code == 500
    error_id = r.json()["errors"][0]["extensions"]["errorId"]
    captured = capsys.readouterr()
    (error,) = [e for e in lines(captured.out) if e["logger"] == "partygraph.error"]
    (request,) = requests_logged(captured.out)
    assert error["error_id"] == request["error_id"] == error_id
    assert error["level"] == "ERROR" and error["exception"] == "builtins.RuntimeError"
    assert any("broken" in frame for frame in error["stack"])
    assert request["status"] == 500 and request["path"] == "/graphql"
    assert LI_ID not in captured.out + captured.err and "李四" not in captured.out + captured.err


def test_a_resolver_failure_reported_by_strawberry_carries_an_error_id(capsys):
    from graphql import GraphQLError
    from strawberry.utils.logging import StrawberryLogger

    from partygraph.errors import NotFoundError

    configure_logging("INFO")

    async def endpoint(request: Request) -> JSONResponse:
        try:
            raise ValueError(f"bad {LI_ID}")
        except ValueError as exc:
            StrawberryLogger.error(GraphQLError("bad", original_error=exc))
        # mistakes of the client are in its response already: not logged
        StrawberryLogger.error(GraphQLError(f"Variable '$q' got invalid value {LI_ID}"))
        StrawberryLogger.error(GraphQLError("not found", original_error=NotFoundError("无", "none")))
        return JSONResponse({"data": None})

    with TestClient(RequestLog(Starlette(routes=[Route("/graphql", endpoint)]))) as c:
        assert c.get("/graphql").status_code == 200
    captured = capsys.readouterr()
    (error,) = [e for e in lines(captured.out) if e["logger"] == "partygraph.error"]
    (request,) = requests_logged(captured.out)
    assert error["exception"] == "builtins.ValueError" and error["where"] == "graphql resolver"
    assert request["error_id"] == error["error_id"] and request["status"] == 200
    assert LI_ID not in captured.out + captured.err


def test_the_log_level_setting(monkeypatch, capsys):
    assert Settings.from_env({"PARTYGRAPH_LOG_LEVEL": "warning"}, secret_key="k").log_level == "warning"
    try:
        configure_logging("WARNING")
        with TestClient(RequestLog(Starlette(routes=[Route("/x", lambda r: JSONResponse({}))]))) as c:
            c.get("/x")
        assert requests_logged(capsys.readouterr().out) == []
        with pytest.raises(ValueError, match="PARTYGRAPH_LOG_LEVEL"):
            configure_logging("LOUD")
    finally:
        configure_logging("INFO")
