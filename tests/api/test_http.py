"""The HTTP surface: health, authentication (bearer tokens, session cookie + CSRF), limits, language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from partygraph.models import ApiToken
from partygraph.services import account as accounts
from tests.conftest import login

ME = "{ me { username canWrite readOnlyToken } }"
UPDATE = """mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
  __typename ... on Error { code message } ... on OrganizationPayload { organization { name version } } } }"""


def token_for(session_factory: Any, username: str, *, read_only: bool = False) -> str:
    with session_factory() as s:
        token = accounts.create_token(s, username, label="test", read_only=read_only)
        s.commit()
    return token


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **extra}


def post(client: Any, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {})


def test_without_credentials(client, db):
    """Health is public; GraphQL is not: 401 JSON for clients, the login page for browsers."""
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    r = post(client, ME)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers.get("www-authenticate") == "Bearer"
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] and body["errors"][0]["extensions"]["messageZh"]
    # introspection is no exception
    assert post(client, "{ __schema { queryType { name } } }").status_code == 401
    r = client.get("/graphql", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"].startswith("/admin/login")
    assert "next=/graphql" in r.headers["location"]
    # a non-browser GET without credentials is a plain 401
    assert client.get("/graphql", params={"query": ME}, headers={"accept": "application/json"}).status_code == 401


def test_bearer_token_works_is_scoped_and_commits(client, session_factory, world):
    token = token_for(session_factory, "township")
    r = post(client, ME, headers=bearer(token))
    assert r.status_code == 200
    assert r.json() == {"data": {"me": {"username": "township", "canWrite": True, "readOnlyToken": False}}}
    names = post(client, "{ members { nodes { name } } }", headers=bearer(token)).json()["data"]["members"]["nodes"]
    assert {n["name"] for n in names} == {"张三", "李四", "王五"}
    assert post(client, "{ __schema { queryType { name } } }", headers=bearer(token)).json()["data"]["__schema"]["queryType"]["name"] == "Query"
    # a county token writes, and the write is committed
    token = token_for(session_factory, "county")
    v1 = world.gid("Organization", "V1")
    r = post(client, UPDATE, {"input": {"id": v1, "version": 1, "name": "布瓦村党总支"}}, headers=bearer(token))
    assert r.json()["data"]["updateOrganization"] == {"__typename": "OrganizationPayload",
                                                      "organization": {"name": "布瓦村党总支", "version": 2}}
    again = post(client, '{ organization(code: "V1") { name version } }', headers=bearer(token)).json()["data"]["organization"]
    assert again == {"name": "布瓦村党总支", "version": 2}


def test_revoked_unknown_and_read_only_tokens(client, session_factory, world):
    token = token_for(session_factory, "county")
    assert post(client, ME, headers=bearer(token)).status_code == 200
    with session_factory() as s:
        tok = s.execute(select(ApiToken).where(ApiToken.token_hash == accounts.token_digest(token))).scalar_one()
        accounts.revoke_token(s, tok.id)  # type: ignore[arg-type]
        s.commit()
    r = post(client, ME, headers=bearer(token))
    assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert post(client, ME, headers=bearer("pg_not-a-token")).status_code == 401
    # a bad token is not rescued by a valid session cookie
    csrf = login(client, "county")
    assert post(client, ME, headers=bearer("pg_not-a-token", **{"x-csrf-token": csrf})).status_code == 401
    # a read-only token reads but may not write
    token = token_for(session_factory, "county", read_only=True)
    r = post(client, ME, headers=bearer(token))
    assert r.json()["data"]["me"] == {"username": "county", "canWrite": False, "readOnlyToken": True}
    assert len(post(client, "{ members { nodes { name } } }", headers=bearer(token)).json()["data"]["members"]["nodes"]) == 5
    r = post(client, UPDATE, {"input": {"id": world.gid("Organization", "V1"), "version": 1, "name": "改名"}}, headers=bearer(token))
    assert r.json()["data"]["updateOrganization"]["__typename"] == "NotAllowed"
    assert r.json()["data"]["updateOrganization"]["code"] == "NOT_ALLOWED"
    assert post(client, '{ organization(code: "V1") { name version } }', headers=bearer(token)).json()["data"]["organization"] == {
        "name": "布瓦村党支部", "version": 1}


def test_cookie_session_needs_the_csrf_header_for_posts(client, world):
    csrf = login(client, "village")
    r = post(client, ME)
    assert r.status_code == 403
    assert r.json()["errors"][0]["message"]
    assert post(client, ME, headers={"x-csrf-token": "wrong"}).status_code == 403
    r = post(client, UPDATE, {"input": {"id": world.gid("Organization", "V1"), "version": 1, "name": "改名"}})
    assert r.status_code == 403
    ok = post(client, ME, headers={"x-csrf-token": csrf})
    assert ok.status_code == 200 and ok.json()["data"]["me"]["username"] == "village"
    # the refused POST changed nothing
    assert post(client, '{ organization(code: "V1") { version } }', headers={"x-csrf-token": csrf}).json()["data"]["organization"] == {"version": 1}


def test_limits(client, session_factory, app):
    limits = app.state.pg.settings
    token = token_for(session_factory, "county")

    def nested(levels: int) -> str:
        inner = "name"
        for _ in range(levels):
            inner = f"parent {{ {inner} }}"
        return "{ me { organization { " + inner + " } } }"

    # me(0) organization(1) parent×n name(n+2): depth max_query_depth is allowed, one more is not
    at_limit = post(client, nested(limits.max_query_depth - 2), headers=bearer(token)).json()
    assert "errors" not in at_limit, at_limit
    too_deep = post(client, nested(limits.max_query_depth - 1), headers=bearer(token)).json()
    assert too_deep.get("data") is None and "depth" in too_deep["errors"][0]["message"]

    def aliased(n: int) -> str:
        return "{ " + " ".join(f"a{i}: me {{ username }}" for i in range(n)) + " }"

    assert "errors" not in post(client, aliased(limits.max_aliases), headers=bearer(token)).json()
    too_many = post(client, aliased(limits.max_aliases + 1), headers=bearer(token)).json()
    assert too_many.get("data") is None and "alias" in too_many["errors"][0]["message"]

    big = post(client, "{ members(first: 101) { nodes { name } } }", headers=bearer(token)).json()
    assert big["data"] is None and "100" in big["errors"][0]["message"]
    assert "errors" not in post(client, "{ members(first: 100) { nodes { name } } }", headers=bearer(token)).json()

    many_tokens = "{ " + " ".join("me { username }" for _ in range(limits.max_tokens // 4 + 1)) + " }"
    r = post(client, many_tokens, headers=bearer(token)).json()
    assert r.get("data") is None and "token" in r["errors"][0]["message"].lower(), r


def test_accept_language_chooses_the_labels(client, session_factory, world):
    token = token_for(session_factory, "county")
    q = '{ organization(code: "V1") { kindLabel branchTypeLabel } me { roleLabel } }'
    zh = post(client, q, headers=bearer(token)).json()["data"]
    en = post(client, q, headers=bearer(token, **{"accept-language": "en-US,en;q=0.9"})).json()["data"]
    assert (zh["organization"]["kindLabel"], zh["me"]["roleLabel"]) == ("党支部", "县委组织部")
    assert (en["organization"]["kindLabel"], en["organization"]["branchTypeLabel"], en["me"]["roleLabel"]) == (
        "Branch", "Village", "County organisation department")
    zh_cn = post(client, q, headers=bearer(token, **{"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})).json()["data"]
    assert zh_cn["organization"]["kindLabel"] == "党支部"
    err = post(client, UPDATE, {"input": {"id": world.gid("Organization", "V1"), "version": 9, "name": "x"}},
               headers=bearer(token, **{"accept-language": "en"})).json()["data"]["updateOrganization"]
    assert err["__typename"] == "Conflict" and "reload" in err["message"]


def test_a_cached_result_is_served_as_the_same_json(client, session_factory, world, monkeypatch):
    """The second identical read is answered from the result cache as stored bytes; the
    document is the one the first request got, and a write still shows in the next read."""
    import orjson

    served = []
    fragment = orjson.Fragment
    monkeypatch.setattr(orjson, "Fragment", lambda b: served.append(b) or fragment(b))
    headers = bearer(token_for(session_factory, "county"))
    query = {"query": "query($c: ID!) { members(first: 10) { totalCount nodes { name birthDate status } } stats(under: $c) { membersTotal } }",
             "variables": {"c": world.gid("Organization", "C")}}
    first = client.post("/graphql", json=query, headers=headers)
    second = client.post("/graphql", json=query, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and first.json()["data"]["members"]["totalCount"] == 5
    assert second.content == first.content
    assert len(served) == 1  # the second request: the stored bytes, not decoded and encoded again
    add = {"query": """mutation($i: RegisterMemberInput!) { registerMember(input: $i) { __typename } }""",
           "variables": {"i": {"orgId": world.gid("Organization", "V2"), "name": "周九", "gender": "male",
                               "birthDate": "1991-04-02", "education": "bachelor", "joinedOn": "2020-07-01"}}}  # fmt: skip
    assert client.post("/graphql", json=add, headers=headers).json()["data"]["registerMember"]["__typename"] == "MemberPayload"
    third = client.post("/graphql", json=query, headers=headers).json()["data"]
    assert third["members"]["totalCount"] == 6 and third["stats"]["membersTotal"] == 6
