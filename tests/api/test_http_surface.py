"""The HTTP surface answers bad requests with a clean 4xx and never shows internals: SQL,
tables, columns, bound values, exception names or file paths.

Garbage ids go to every root field and mutation that takes an ID (the schema is walked with
tests/api/contract.py's generator, so new fields are covered); malformed requests, the body
and query length limits, search length, introspection per kind of credential, unexpected
resolver errors masked under an error id.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from graphql import get_named_type, is_leaf_type
from starlette.testclient import TestClient
from strawberry.relay import GlobalID

from partygraph.app import create_app
from partygraph.config import Settings
from partygraph.graphql.schema import build_schema
from partygraph.services import organization as org_service
from tests.api.contract import (
    MUTATION_RESULT,
    CannotBuild,
    InputBuilder,
    Targets,
    mutation_fields,
    node_type_names,
    operation,
    query_fields,
)
from tests.api.test_http import bearer, token_for
from tests.conftest import login

# The schema of the default limits, the one every other test's app has: Strawberry cannot
# build a second one with other limits in the same process (graphql/schema.py).
SCHEMA = build_schema(Settings())._schema  # type: ignore[attr-defined]
NODES = node_type_names(SCHEMA)
LEAK = re.compile(
    r"Traceback|sqlalchemy|psycopg|sqlite|\bSELECT\b|\bFROM\b|\bWHERE\b|\[SQL|parameters:|File \"|\.py\b|"
    r"\b[A-Z][a-z]+[A-Za-z]*(Error|Exception)\b|invalid literal|int\(\)"
)


def _leaf_or_typename(type_: Any) -> str:
    """Enough of a selection to run a root field's resolver."""
    return "" if is_leaf_type(get_named_type(type_)) else "{ __typename }"


def post(client: Any, body: Any, headers: dict[str, str], **kw: Any) -> Any:
    return client.post("/graphql", json=body, headers=headers, **kw)


# --- garbage ids ----------------------------------------------------------------------------------

GARBAGE = {
    "past INTEGER": lambda t: str(GlobalID(t, "2147483648")),
    "past BIGINT": lambda t: str(GlobalID(t, "99999999999999999999")),
    "not a number": lambda t: str(GlobalID(t, "abc")),
    "not base64": lambda t: "%%%not base64%%%",
    "unknown type": lambda t: str(GlobalID("NoSuchType", "1")),
    "another type": lambda t: str(GlobalID("Member" if t == "Organization" else "Organization", "1")),
}
# What may answer a garbage id: a typed refusal or a validation error.
REFUSAL_CODES = {"NOT_FOUND", "INVALID_ID", "GRAPHQL_VALIDATION_FAILED"}


def _problems(name: str, kind: str, r: Any) -> list[str]:
    if r.status_code != 200:
        return [f"{name} ({kind}): HTTP {r.status_code}"]
    if LEAK.search(r.text):
        return [f"{name} ({kind}) leaks: {r.text[:300]}"]
    body = r.json()
    out = [f"{name} ({kind}): {e['extensions'].get('code')} {e['message']}" for e in body.get("errors", []) if e["extensions"].get("code") not in REFUSAL_CODES]
    answer = (body.get("data") or {}).get("r")
    if isinstance(answer, dict) and "__typename" in answer and answer["__typename"].endswith("Payload"):
        out.append(f"{name} ({kind}) accepted a garbage id: {answer}")
    return out


def test_garbage_ids_answer_not_found_or_a_validation_error(client: Any, session_factory: Any) -> None:
    headers = bearer(token_for(session_factory, "county"))
    problems = []
    for kind_of_field, fields in (("mutation", mutation_fields(SCHEMA)), ("query", query_fields(SCHEMA))):
        for name, f in fields.items():
            for kind, make in GARBAGE.items():
                ids = {t: make(t) for t in NODES}
                try:
                    args = InputBuilder(SCHEMA, Targets(ids=ids, versions={}, org_code="X", subtree=make("Organization"))).arguments(name, f)
                except CannotBuild:
                    continue  # node / nodes: below
                if not any(i in json.dumps(args) for i in ids.values()):
                    continue
                chosen = f"{{ {MUTATION_RESULT} }}" if kind_of_field == "mutation" else _leaf_or_typename(f.type)
                doc, variables = operation(kind_of_field, name, f, args, chosen)
                problems += _problems(name, kind, post(client, {"query": doc, "variables": variables}, headers))
    for kind, make in GARBAGE.items():
        for t in NODES:
            gid = make(t)
            r = post(client, {"query": "query($id: ID!) { r: node(id: $id) { id } }", "variables": {"id": gid}}, headers)
            problems += _problems(f"node<{t}>", kind, r)
            # Inline literals take graphql-core's path, not the variables' one.
            r = post(client, {"query": f'{{ r: nodes(ids: ["{gid}"]) {{ id }} }}'}, headers)
            problems += _problems(f"nodes<{t}>", kind, r)
    assert not problems, "\n".join(problems[:40])


# --- unexpected errors ----------------------------------------------------------------------------


def test_an_unexpected_error_is_logged_with_an_id_and_the_client_gets_only_the_id(client: Any, session_factory: Any, world: Any, monkeypatch: Any, capsys: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError('(psycopg.errors.UndefinedColumn) column "id_number" [SQL: SELECT member.id_number FROM member WHERE id = %(id)s] [parameters: {"id": 513221198003020026}]')

    monkeypatch.setattr(org_service, "get", broken)
    headers = bearer(token_for(session_factory, "county"))
    capsys.readouterr()
    r = post(client, {"query": "query($u: ID!) { organizations(filter: {under: $u}) { totalCount } }", "variables": {"u": world.gid("Organization", "T1")}}, headers)
    assert r.status_code == 200
    assert not LEAK.search(r.text) and "id_number" not in r.text and "513221" not in r.text, r.text
    (error,) = r.json()["errors"]
    ext = error["extensions"]
    assert ext["code"] == "INTERNAL" and re.fullmatch(r"[0-9a-f]{12}", ext["errorId"])
    assert ext["errorId"] in error["message"] and ext["errorId"] in ext["messageZh"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    errors = [line for line in logged if line["logger"] == "partygraph.error"]
    assert [e["error_id"] for e in errors] == [ext["errorId"]], "logged once, under the id the client got"
    assert errors[0]["exception"] == "builtins.RuntimeError" and "513221" not in json.dumps(logged)


def test_domain_errors_of_queries_keep_their_code_and_messages(gql: Any, world: Any) -> None:
    """allowanceEligibility for a month that is no month: the domain error with its code and both
    messages, not "CODE: …" in a bare message. (An organisation outside the scope is no error:
    it narrows the preview to nobody, like every list's `under`.)"""
    result = gql.run('query($u: ID!) { allowanceEligibility(under: $u, kind: age80, month: "2026-13") { payableCount } }',
                     {"u": world.gid("Organization", "T1")}, user="township")
    (error,) = result.errors
    code = error.extensions["code"]
    assert code not in ("INTERNAL", "NOT_FOUND") and error.extensions["messageZh"] and error.extensions["messageEn"]
    assert not error.message.startswith(f"{code}:")
    outside = gql.run('query($u: ID!) { allowanceEligibility(under: $u, kind: age80, month: "2026-10") { payableCount } }',
                      {"u": world.gid("Organization", "T1")}, user="township2")
    assert not outside.errors and outside.data["allowanceEligibility"]["payableCount"] == 0


# --- malformed requests ---------------------------------------------------------------------------

ME = "{ me { username } }"


def _bad(r: Any, status: int = 400) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    assert not LEAK.search(r.text), r.text
    (error,) = r.json()["errors"]
    assert error["message"] and error["extensions"]["code"] and error["extensions"]["messageZh"]
    return error  # type: ignore[no-any-return]


def test_malformed_requests_answer_400_with_a_json_message(client: Any, session_factory: Any) -> None:
    auth = bearer(token_for(session_factory, "county"))
    as_json = {**auth, "content-type": "application/json"}
    _bad(client.post("/graphql", content=b"{not json", headers=as_json))
    _bad(client.post("/graphql", content=b"\xff\xfe", headers=as_json))
    _bad(client.post("/graphql", content=b"", headers=as_json))
    _bad(client.post("/graphql", content=b"3", headers=as_json))
    _bad(client.post("/graphql", content=b'"{ me { username } }"', headers=as_json))
    assert "Batched" in _bad(post(client, [{"query": ME}, {"query": ME}], auth))["message"]
    _bad(client.post("/graphql", content=json.dumps({"query": ME}).encode(), headers={**auth, "content-type": "text/plain"}))
    _bad(client.post("/graphql", data={"query": ME}, headers=auth))
    _bad(post(client, {"variables": {}}, auth))
    _bad(post(client, {"query": ""}, auth))
    _bad(post(client, {"query": 5}, auth))
    _bad(post(client, {"query": ["{ me { username } }"]}, auth))
    _bad(post(client, {"query": ME, "variables": [1]}, auth))
    _bad(post(client, {"query": ME, "variables": "x"}, auth))
    _bad(post(client, {"query": ME, "operationName": 3}, auth))
    _bad(post(client, {"query": ME, "extensions": 3}, auth))
    # Two operations and no operationName: whatever GraphQL answers, no internals
    r = post(client, {"query": "query A { me { username } } query B { me { username } }"}, auth)
    assert r.status_code < 500 and not LEAK.search(r.text)
    # GET: queries only, variables must be a JSON object
    assert client.get("/graphql", params={"query": ME}, headers=auth).status_code == 200
    error = _bad(client.get("/graphql", params={"query": 'mutation { dissolveOrganization(input: {id: "x", reason: "x"}) { __typename } }'}, headers=auth))
    assert "mutations" in error["message"] and "POST" in error["extensions"]["messageZh"]
    _bad(client.get("/graphql", params={"query": ME, "variables": "{oops"}, headers=auth))
    _bad(client.get("/graphql", params={"query": ME, "variables": "[1]"}, headers=auth))
    _bad(client.get("/graphql", headers={**auth, "accept": "application/json"}))


def _limited_client(db: Any, clock: Any, **limits: Any) -> TestClient:
    settings = Settings(database_url="sqlite://", secret_key="test-secret", result_cache=False, **limits)
    return TestClient(create_app(settings, engine=db, clock=clock))


def test_the_body_limit_answers_413(db: Any, clock: Any, world: Any, session_factory: Any) -> None:
    auth = bearer(token_for(session_factory, "county"))
    with _limited_client(db, clock, max_body_bytes=1000) as c:
        padded = {"query": ME, "variables": {"pad": "x" * 990}}
        assert _bad(post(c, padded, auth), 413)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        # No Content-Length (chunked): counted as it arrives.
        chunks = (json.dumps(padded).encode()[i : i + 100] for i in range(0, 1100, 100))
        _bad(c.post("/graphql", content=chunks, headers={**auth, "content-type": "application/json"}), 413)
        assert post(c, {"query": ME}, auth).status_code == 200
    # The default: 1 MiB.
    assert Settings().max_body_bytes == 1024 * 1024


def test_the_query_length_limit_counts_comments_and_whitespace(db: Any, clock: Any, world: Any, session_factory: Any) -> None:
    auth = bearer(token_for(session_factory, "county"))
    with _limited_client(db, clock, max_query_length=500) as c:
        commented = "# " + "x" * 600 + "\n" + ME
        assert _bad(post(c, {"query": commented}, auth))["extensions"]["code"] == "QUERY_TOO_LONG"
        _bad(post(c, {"query": " " * 600 + ME}, auth))
        _bad(c.get("/graphql", params={"query": commented}, headers=auth))
        assert post(c, {"query": "# short\n" + ME}, auth).status_code == 200


# --- search length --------------------------------------------------------------------------------

SEARCHES = {
    "members": "{ members(filter: {search: $s}) { totalCount } }",
    "organizations": "{ organizations(filter: {search: $s}) { totalCount } }",
    "candidates": "{ candidates(filter: {search: $s}) { totalCount } }",
    "assistanceCases": "{ assistanceCases(filter: {search: $s}) { totalCount } }",
}


@pytest.mark.parametrize("field", list(SEARCHES))
def test_search_strings_are_limited_in_length(gql: Any, field: str) -> None:
    doc = "query($s: String!) " + SEARCHES[field]
    assert gql(doc, {"s": "张" * 100})  # at the limit (100 by default): fine
    result = gql.run(doc, {"s": "张" * 101})
    (error,) = result.errors
    assert error.extensions["code"] == "SEARCH_TOO_LONG" and error.extensions["field"] == "filter.search"
    assert "100" in error.extensions["messageZh"] and "100" in error.extensions["messageEn"]


# --- introspection and suggestions ----------------------------------------------------------------

INTROSPECT = "{ __schema { queryType { name } } }"
TYPO = "{ membrs { totalCount } }"


def _introspects(client: Any, headers: dict[str, str]) -> bool:
    r = post(client, {"query": INTROSPECT}, headers)
    assert r.status_code == 200 and not LEAK.search(r.text)
    return r.json().get("data") is not None


def _suggests(client: Any, headers: dict[str, str]) -> bool:
    return "Did you mean" in post(client, {"query": TYPO}, headers).text


def test_introspection_and_suggestions_per_credential(client: Any, session_factory: Any) -> None:
    writable = bearer(token_for(session_factory, "county"))
    read_only = bearer(token_for(session_factory, "viewer", read_only=True))
    assert _introspects(client, writable) and _suggests(client, writable)
    assert not _introspects(client, read_only) and not _suggests(client, read_only)
    # __typename is not introspection of the schema
    assert post(client, {"query": "{ __typename }"}, read_only).json() == {"data": {"__typename": "Query"}}
    csrf = login(client, "viewer")
    session = {"x-csrf-token": csrf}
    assert _introspects(client, session) and _suggests(client, session)


@pytest.mark.parametrize(("setting", "writable_may", "read_only_may"), [("none", False, False), ("all", True, True)])
def test_introspection_setting(db: Any, clock: Any, world: Any, session_factory: Any, setting: str, writable_may: bool, read_only_may: bool) -> None:
    writable = bearer(token_for(session_factory, "county"))
    read_only = bearer(token_for(session_factory, "viewer", read_only=True))
    with _limited_client(db, clock, introspection_tokens=setting) as c:
        assert _introspects(c, writable) == _suggests(c, writable) == writable_may
        assert _introspects(c, read_only) == _suggests(c, read_only) == read_only_may
        csrf = login(c, "county")
        assert _introspects(c, {"x-csrf-token": csrf})


def test_settings_defaults() -> None:
    s = Settings()
    assert (s.max_body_bytes, s.max_search_length, s.introspection_tokens) == (1024 * 1024, 100, "writable")
    assert dataclasses.replace(s, max_query_length=10).max_query_length == 10


# --- attendance: a member the viewer does not see is not found ------------------------------------


def test_attendance_of_a_member_outside_the_scope_is_not_found(gql: Any, world: Any, session_factory: Any) -> None:
    """NotFound for a member that does not exist or that the viewer does not see, the same answer
    for both, and nothing written; R-LIFE-08 stays for a member the viewer sees who is not on the roster."""
    from datetime import date

    from tests.api.contract import changed_tables, fingerprint
    from tests.api.test_branch_life import _record

    def attend(member: str, user: str) -> dict[str, Any]:
        return _record(gql, world, "V1", "theme_day", date(2026, 10, 11), user=user, attendance=[{"memberId": member, "status": "PRESENT"}])

    before = fingerprint(session_factory.kw["bind"])
    outside = attend(world.gid("Member", "zhao"), "village")  # in V3: the village account of V1 does not see them
    unknown = attend(str(GlobalID("Member", "99999")), "village")
    assert outside["__typename"] == unknown["__typename"] == "NotFound"
    assert outside["code"] == "NOT_FOUND" and outside["field"] == unknown["field"] == "attendance.0.memberId"
    assert not changed_tables(before, fingerprint(session_factory.kw["bind"]))
    # wang (V2) is seen by the township, but is not on V1's roster
    not_on_roster = attend(world.gid("Member", "wang"), "township")
    assert (not_on_roster["__typename"], not_on_roster["code"]) == ("RuleViolation", "R-LIFE-08")
