"""Account administration through the API, on both databases: who may create and change which
accounts (R-ACC-01..13), self-elevation and self-deactivation refused, deactivated accounts
locked out (sign-in, session, token), reset → must change → change, tokens revoked in and out
of scope, an audit row for every change, and nothing changed by a refused one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.models.account import Account, ApiToken
from partygraph.models.audit import AuditEvent
from partygraph.services import account as accounts
from tests.conftest import PASSWORD

ACCOUNT_FIELDS = "id username displayName role active mustChangePassword version organization { name }"
ERRORS = "... on Error { __typename code message messageZh messageEn field }"

CREATE = f"""mutation($input: CreateAccountInput!) {{ createAccount(input: $input) {{
  __typename ... on AccountPasswordPayload {{ oneTimePassword account {{ {ACCOUNT_FIELDS} }} }} {ERRORS} }} }}"""
UPDATE = f"""mutation($input: UpdateAccountInput!) {{ updateAccount(input: $input) {{
  __typename ... on AccountPayload {{ account {{ {ACCOUNT_FIELDS} }} }} {ERRORS} }} }}"""
DEACTIVATE = f"""mutation($input: DeactivateAccountInput!) {{ deactivateAccount(input: $input) {{
  __typename ... on AccountPayload {{ account {{ {ACCOUNT_FIELDS} }} }} {ERRORS} }} }}"""
REACTIVATE = f"""mutation($input: ReactivateAccountInput!) {{ reactivateAccount(input: $input) {{
  __typename ... on AccountPayload {{ account {{ {ACCOUNT_FIELDS} }} }} {ERRORS} }} }}"""
RESET = f"""mutation($input: ResetAccountPasswordInput!) {{ resetAccountPassword(input: $input) {{
  __typename ... on AccountPasswordPayload {{ oneTimePassword account {{ {ACCOUNT_FIELDS} }} }} {ERRORS} }} }}"""
CHANGE = f"""mutation($input: ChangeMyPasswordInput!) {{ changeMyPassword(input: $input) {{
  __typename ... on AccountPayload {{ account {{ {ACCOUNT_FIELDS} }} }} {ERRORS} }} }}"""
TOKEN = f"""mutation($input: CreateMyApiTokenInput!) {{ createMyApiToken(input: $input) {{
  __typename ... on CreateApiTokenPayload {{ token apiToken {{ id label readOnly active }} }} {ERRORS} }} }}"""
REVOKE = f"""mutation($input: RevokeApiTokenInput!) {{ revokeApiToken(input: $input) {{
  __typename ... on ApiTokenPayload {{ apiToken {{ id active revokedAt }} }} {ERRORS} }} }}"""
LIST = """query($filter: AccountFilter, $first: Int, $after: String, $orderBy: AccountOrder) {
  accounts(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { username role active canAdminister isMe organization { code } } } }"""


def account_gid(session_factory: Any, username: str) -> str:
    return str(GlobalID("Account", str(account_row(session_factory, username).id)))


def account_row(session_factory: Any, username: str) -> Account:
    with session_factory() as s:
        row = s.execute(select(Account).where(Account.username == username)).scalar_one()
        s.expunge(row)
        return row


def state(session_factory: Any) -> tuple[list[tuple[Any, ...]], int, list[tuple[Any, ...]]]:
    """Every account column that matters, the audit row count, every token: 'nothing changed'."""
    with session_factory() as s:
        rows = s.execute(
            select(Account.id, Account.username, Account.display_name, Account.role, Account.org_id,
                   Account.active, Account.password_hash, Account.must_change_password, Account.version)
            .order_by(Account.id)
        ).all()  # fmt: skip
        audits = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        tokens = s.execute(select(ApiToken.id, ApiToken.revoked_at).order_by(ApiToken.id)).all()
        return [tuple(r) for r in rows], audits, [tuple(t) for t in tokens]


def audits_of(session_factory: Any, username: str) -> list[AuditEvent]:
    with session_factory() as s:
        aid = s.execute(select(Account.id).where(Account.username == username)).scalar_one()
        rows = list(
            s.execute(
                select(AuditEvent).where(AuditEvent.object_type == "Account", AuditEvent.object_id == aid).order_by(AuditEvent.id)
            ).scalars()
        )
        for r in rows:
            s.expunge(r)
        return rows


def new_account(gql: Any, world: Any, *, user: str = "county", username: str = "clerk1", role: str = "village", org: str = "V1") -> dict[str, Any]:
    return gql(CREATE, {"input": {"username": username, "displayName": "王会计", "role": role, "orgId": world.gid("Organization", org)}}, user=user)["createAccount"]


def refused(gql: Any, session_factory: Any, query: str, variables: dict[str, Any], user: str, field: str) -> dict[str, Any]:
    """Run a mutation that must be refused; check it changed nothing and return its error."""
    before = state(session_factory)
    out = gql(query, variables, user=user)[field]
    assert out["__typename"] in ("RuleViolation", "NotFound", "NotAllowed", "Conflict"), out
    assert out["messageZh"] and out["messageEn"] and out["code"]
    assert state(session_factory) == before
    return out


# --- creating ------------------------------------------------------------------------------------


def test_county_creates_an_account_with_a_one_time_password(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    out = new_account(gql, world, role="township", org="T1")
    assert out["__typename"] == "AccountPasswordPayload", out
    otp = out["oneTimePassword"]
    assert len(otp) >= 12
    assert out["account"]["mustChangePassword"] is True and out["account"]["organization"]["name"] == "威州镇党委"
    with session_factory() as s:
        assert accounts.authenticate(s, "clerk1", otp) is not None
        row = s.execute(select(Account).where(Account.username == "clerk1")).scalar_one()
        assert otp not in row.password_hash
    (event,) = audits_of(session_factory, "clerk1")
    assert event.action == "account.create" and event.actor_name == "county"
    assert event.after is not None and event.after["role"] == "township" and "password_hash" not in event.after
    assert otp not in str(event.after)


@pytest.mark.parametrize(
    ("user", "role", "org", "code"),
    [
        ("township", "county", "T1", "R-ACC-02"),  # above what a township gives
        ("village", "village", "V1", "R-ACC-02"),  # a village clerk gives only group leaders
        ("village", "viewer", "V1", "R-ACC-02"),
        ("group", "group", "G1", "R-ACC-01"),  # group leaders administer nobody
        ("viewer", "viewer", "C", "R-ACC-01"),  # read-only
        ("township", "village", "V3", "NOT_FOUND"),  # another township's village: not seen
        ("village", "group", "G3", "NOT_FOUND"),
    ],
)
def test_creating_above_ones_role_or_outside_scope_is_refused(gql, world, session_factory, user, role, org, code) -> None:  # type: ignore[no-untyped-def]
    variables = {"input": {"username": "clerk1", "displayName": "王会计", "role": role, "orgId": world.gid("Organization", org)}}
    out = refused(gql, session_factory, CREATE, variables, user, "createAccount")
    assert out["code"] == code
    if code == "R-ACC-02":
        assert out["field"] == "role"


def test_who_may_create_what(gql, world) -> None:  # type: ignore[no-untyped-def]
    assert new_account(gql, world, user="village", username="g1lead", role="group", org="G1")["__typename"] == "AccountPasswordPayload"
    assert new_account(gql, world, user="township", username="t1peer", role="township", org="T1")["__typename"] == "AccountPasswordPayload"
    assert new_account(gql, world, user="township", username="v2clerk", role="village", org="V2")["__typename"] == "AccountPasswordPayload"
    assert new_account(gql, world, user="county", username="dept2", role="county", org="C")["__typename"] == "AccountPasswordPayload"
    roles = gql("{ assignableRoles { value label } }", user="village")["assignableRoles"]
    assert [r["value"] for r in roles] == ["group"]
    assert gql("{ assignableRoles { value } }", user="group")["assignableRoles"] == []


@pytest.mark.parametrize(
    ("username", "display", "code", "field"),
    [
        ("ab", "王", "R-ACC-04", "username"),
        ("有中文", "王", "R-ACC-04", "username"),
        ("has space", "王", "R-ACC-04", "username"),
        ("Village", "王", "R-ACC-05", "username"),  # taken, whatever the case
        ("fine-name", "  ", "INVALID_INPUT", "displayName"),
    ],
)
def test_bad_usernames_and_names(gql, world, session_factory, username, display, code, field) -> None:  # type: ignore[no-untyped-def]
    variables = {"input": {"username": username, "displayName": display, "role": "group", "orgId": world.gid("Organization", "G1")}}
    out = refused(gql, session_factory, CREATE, variables, "county", "createAccount")
    assert (out["code"], out["field"]) == (code, field)


def test_a_dissolved_organisation_cannot_be_a_home(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    from partygraph.models.organization import Organization

    with session_factory() as s:  # dissolving through the service needs the members moved first
        s.get(Organization, world.ids["G3"]).status = "dissolved"
        s.commit()
    variables = {"input": {"username": "late", "displayName": "王", "role": "group", "orgId": world.gid("Organization", "G3")}}
    assert refused(gql, session_factory, CREATE, variables, "county", "createAccount")["code"] == "R-ACC-10"


# --- changing, self-elevation --------------------------------------------------------------------


def test_nobody_raises_their_own_role_or_moves_their_own_home(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    me = account_gid(session_factory, "township")
    out = refused(gql, session_factory, UPDATE, {"input": {"id": me, "role": "county"}}, "township", "updateAccount")
    assert (out["code"], out["field"]) == ("R-ACC-08", "role")
    out = refused(gql, session_factory, UPDATE, {"input": {"id": me, "orgId": world.gid("Organization", "C")}}, "township", "updateAccount")
    assert (out["code"], out["field"]) == ("R-ACC-08", "orgId")
    county = account_gid(session_factory, "county")
    assert refused(gql, session_factory, UPDATE, {"input": {"id": county, "role": "township"}}, "county", "updateAccount")["code"] == "R-ACC-08"
    # One's own display name is one's own to fix.
    out = gql(UPDATE, {"input": {"id": me, "displayName": "威州镇组织委员"}}, user="township")["updateAccount"]
    assert out["__typename"] == "AccountPayload" and out["account"]["displayName"] == "威州镇组织委员"


def test_changing_role_and_home_within_scope(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    village = account_gid(session_factory, "village")
    out = gql(UPDATE, {"input": {"id": village, "role": "group", "orgId": world.gid("Organization", "G1"), "version": 1}}, user="township")["updateAccount"]
    assert out["__typename"] == "AccountPayload", out
    assert out["account"]["role"] == "group" and out["account"]["version"] == 2
    (event,) = [e for e in audits_of(session_factory, "village") if e.action == "account.update"]
    assert event.before == {"org_id": world.ids["V1"], "role": "village"}
    assert event.after == {"org_id": world.ids["G1"], "role": "group"}
    # A stale version is a Conflict, and changes nothing.
    out = refused(gql, session_factory, UPDATE, {"input": {"id": village, "role": "village", "version": 1}}, "township", "updateAccount")
    assert out["__typename"] == "Conflict"


@pytest.mark.parametrize(
    ("user", "target", "changes", "code"),
    [
        ("township", "village", {"role": "county"}, "R-ACC-02"),  # never above one's own role
        ("township", "village", {"org": "V3"}, "NOT_FOUND"),  # never beyond one's own scope
        ("township", "village", {"org": "C"}, "NOT_FOUND"),
        ("township", "township2", {"role": "village"}, "NOT_FOUND"),  # another township's account
        ("township", "county", {"role": "village"}, "NOT_FOUND"),
        ("village", "group", {"role": "village"}, "R-ACC-02"),
        ("village", "township", {"role": "group"}, "NOT_FOUND"),
        ("group", "group", {"role": "group"}, "R-ACC-01"),
    ],
)
def test_changes_above_role_or_outside_scope_are_refused(gql, world, session_factory, user, target, changes, code) -> None:  # type: ignore[no-untyped-def]
    inp: dict[str, Any] = {"id": account_gid(session_factory, target)}
    if "role" in changes:
        inp["role"] = changes["role"]
    if "org" in changes:
        inp["orgId"] = world.gid("Organization", changes["org"])
    assert refused(gql, session_factory, UPDATE, {"input": inp}, user, "updateAccount")["code"] == code


def test_an_account_above_ones_role_in_ones_subtree_is_seen_but_not_administered(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    assert new_account(gql, world, username="countyatt1", role="county", org="T1")["__typename"] == "AccountPasswordPayload"
    target = account_gid(session_factory, "countyatt1")
    nodes = gql(LIST, {"filter": {"search": "countyatt1"}}, user="township")["accounts"]["nodes"]
    assert nodes == [{"username": "countyatt1", "role": "county", "active": True, "canAdminister": False, "isMe": False, "organization": {"code": "T1"}}]
    assert refused(gql, session_factory, DEACTIVATE, {"input": {"id": target}}, "township", "deactivateAccount")["code"] == "R-ACC-03"
    assert refused(gql, session_factory, RESET, {"input": {"id": target}}, "township", "resetAccountPassword")["code"] == "R-ACC-03"


# --- deactivating --------------------------------------------------------------------------------


def test_nobody_deactivates_themselves(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    for user in ("county", "township", "village"):
        out = refused(gql, session_factory, DEACTIVATE, {"input": {"id": account_gid(session_factory, user)}}, user, "deactivateAccount")
        assert out["code"] == "R-ACC-08"
    out = refused(gql, session_factory, RESET, {"input": {"id": account_gid(session_factory, "township")}}, "township", "resetAccountPassword")
    assert out["code"] == "R-ACC-08"


def test_a_deactivated_account_cannot_sign_in_use_a_session_or_a_token(gql, world, session_factory, client) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        token = accounts.create_token(s, "village")
        s.commit()
    headers = {"authorization": f"Bearer {token}"}
    assert client.post("/graphql", json={"query": "{ me { username } }"}, headers=headers).json()["data"]["me"]["username"] == "village"
    village = account_gid(session_factory, "village")
    out = gql(DEACTIVATE, {"input": {"id": village, "reason": "调离"}}, user="township")["deactivateAccount"]
    assert out["__typename"] == "AccountPayload" and out["account"]["active"] is False
    assert client.post("/graphql", json={"query": "{ me { username } }"}, headers=headers).status_code == 401
    with session_factory() as s:
        assert accounts.authenticate(s, "village", PASSWORD) is None
        assert accounts.viewer_for_account_id(s, account_row(session_factory, "village").id) is None
    event = audits_of(session_factory, "village")[-1]
    assert event.action == "account.deactivate" and event.after == {"active": False, "reason": "调离"}
    # Twice is refused; reactivating brings it back, and is audited.
    assert refused(gql, session_factory, DEACTIVATE, {"input": {"id": village}}, "township", "deactivateAccount")["code"] == "R-ACC-09"
    out = gql(REACTIVATE, {"input": {"id": village}}, user="township")["reactivateAccount"]
    assert out["__typename"] == "AccountPayload" and out["account"]["active"] is True
    assert audits_of(session_factory, "village")[-1].action == "account.reactivate"
    with session_factory() as s:
        assert accounts.authenticate(s, "village", PASSWORD) is not None
    assert refused(gql, session_factory, REACTIVATE, {"input": {"id": village}}, "township", "reactivateAccount")["code"] == "R-ACC-09"


def test_deactivating_outside_scope_is_not_found(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    out = refused(gql, session_factory, DEACTIVATE, {"input": {"id": account_gid(session_factory, "village3")}}, "township", "deactivateAccount")
    assert out["__typename"] == "NotFound"
    out = refused(gql, session_factory, DEACTIVATE, {"input": {"id": str(GlobalID("Organization", "1"))}}, "township", "deactivateAccount")
    assert out["code"] == "INVALID_ID"


# --- passwords -----------------------------------------------------------------------------------


def test_reset_then_must_change_then_change(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    out = gql(RESET, {"input": {"id": account_gid(session_factory, "village")}}, user="township")["resetAccountPassword"]
    assert out["__typename"] == "AccountPasswordPayload"
    otp = out["oneTimePassword"]
    assert out["account"]["mustChangePassword"] is True
    event = audits_of(session_factory, "village")[-1]
    assert event.action == "account.reset_password" and otp not in str(event.after) and otp not in str(event.before)
    with session_factory() as s:
        assert accounts.authenticate(s, "village", PASSWORD) is None
        assert accounts.authenticate(s, "village", otp) is not None
        assert accounts.needs_password_change(s, account_row(session_factory, "village").id)
    assert gql("{ myAccount { mustChangePassword } }", user="village")["myAccount"]["mustChangePassword"] is True

    def change(old: str, new: str) -> dict[str, Any]:
        return gql(CHANGE, {"input": {"oldPassword": old, "newPassword": new}}, user="village")["changeMyPassword"]

    for old, new, code in (
        ("wrong-password", "a-good-new-pass", "R-ACC-11"),
        (otp, "short", "R-ACC-06"),
        (otp, "x" * 129, "R-ACC-06"),
        (otp, "village", "R-ACC-06"),
        (otp, otp, "R-ACC-07"),
    ):
        before = state(session_factory)
        err = change(old, new)
        assert err["code"] == code, (old, new, err)
        assert state(session_factory) == before
    with session_factory() as s:  # the username is refused even when it is long enough
        ctx = type("C", (), {"settings": gql.settings})()
        with pytest.raises(Exception) as raised:
            accounts.check_password(ctx, "longusername1", "LongUsername1")  # type: ignore[arg-type]
        assert getattr(raised.value, "code", "") == "R-ACC-07"
    out = change(otp, "a-good-new-pass")
    assert out["__typename"] == "AccountPayload" and out["account"]["mustChangePassword"] is False
    with session_factory() as s:
        assert accounts.authenticate(s, "village", otp) is None
        assert accounts.authenticate(s, "village", "a-good-new-pass") is not None
        assert not accounts.needs_password_change(s, account_row(session_factory, "village").id)
    assert audits_of(session_factory, "village")[-1].action == "account.change_password"


def test_the_minimum_length_is_a_setting(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from tests.conftest import GQL

    strict = GQL(session_factory, replace(gql.settings, account_min_password_length=16), gql.clock)
    out = strict(CHANGE, {"input": {"oldPassword": PASSWORD, "newPassword": "fifteen-chars-x"}}, user="village")["changeMyPassword"]
    assert out["code"] == "R-ACC-06" and "16" in out["messageZh"]
    out = strict(RESET, {"input": {"id": account_gid(session_factory, "village")}})["resetAccountPassword"]
    assert len(out["oneTimePassword"]) >= 16


# --- tokens --------------------------------------------------------------------------------------


def test_own_tokens_and_revoking_in_and_out_of_scope(gql, world, session_factory, client) -> None:  # type: ignore[no-untyped-def]
    out = gql(TOKEN, {"input": {"label": "看板", "readOnly": True}}, user="village")["createMyApiToken"]
    assert out["__typename"] == "CreateApiTokenPayload" and out["apiToken"]["readOnly"] is True
    token, token_id = out["token"], out["apiToken"]["id"]
    with session_factory() as s:
        viewer = accounts.viewer_for_token(s, token)
        assert viewer is not None and viewer.username == "village" and viewer.read_only
    assert audits_of(session_factory, "village")[-1].action == "token.create"
    mine = gql("{ myAccount { tokens { id label } } }", user="village")["myAccount"]["tokens"]
    assert mine == [{"id": token_id, "label": "看板"}]
    # A township sees the account but not its tokens; another township not even the token.
    q = "query($id: ID!) { node(id: $id) { ... on Account { tokens { id } } } }"
    assert gql(q, {"id": account_gid(session_factory, "village")}, user="township")["node"]["tokens"] == []
    assert gql(q, {"id": account_gid(session_factory, "village")}, user="county")["node"]["tokens"] == [{"id": token_id}]
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": token_id}, user="township2")["node"] is None
    assert refused(gql, session_factory, REVOKE, {"input": {"id": token_id}}, "township2", "revokeApiToken")["__typename"] == "NotFound"
    assert refused(gql, session_factory, REVOKE, {"input": {"id": token_id}}, "township", "revokeApiToken")["code"] == "R-ACC-13"
    out = gql(REVOKE, {"input": {"id": token_id}}, user="county")["revokeApiToken"]
    assert out["__typename"] == "ApiTokenPayload" and out["apiToken"]["active"] is False
    assert client.post("/graphql", json={"query": "{ me { username } }"}, headers={"authorization": f"Bearer {token}"}).status_code == 401
    assert audits_of(session_factory, "village")[-1].action == "token.revoke"
    assert refused(gql, session_factory, REVOKE, {"input": {"id": token_id}}, "village", "revokeApiToken")["code"] == "R-ACC-12"
    # Everyone revokes their own.
    own = gql(TOKEN, {"input": {"label": None}}, user="group")["createMyApiToken"]["apiToken"]["id"]
    assert gql(REVOKE, {"input": {"id": own}}, user="group")["revokeApiToken"]["__typename"] == "ApiTokenPayload"


def test_a_read_only_token_administers_nothing(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        token = accounts.create_token(s, "county", read_only=True)
        s.commit()
    before = state(session_factory)
    r = client.post(
        "/graphql",
        json={"query": DEACTIVATE, "variables": {"input": {"id": account_gid(session_factory, "village")}}},
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.json()["data"]["deactivateAccount"]["code"] == "R-ACC-01"
    r = client.post("/graphql", json={"query": TOKEN, "variables": {"input": {}}}, headers={"authorization": f"Bearer {token}"})
    assert r.json()["data"]["createMyApiToken"]["__typename"] == "NotAllowed"
    assert state(session_factory) == before


# --- the list ------------------------------------------------------------------------------------


def test_the_list_is_scoped_filtered_sorted_and_paged(gql, world) -> None:  # type: ignore[no-untyped-def]
    names = [n["username"] for n in gql(LIST, user="township")["accounts"]["nodes"]]
    assert names == ["group", "township", "village"]
    assert [n["username"] for n in gql(LIST, user="group")["accounts"]["nodes"]] == ["group"]
    everyone = gql(LIST, {"first": 3, "orderBy": "USERNAME_DESC"})["accounts"]
    assert everyone["totalCount"] == 7 and everyone["pageInfo"]["hasNextPage"]
    rest = gql(LIST, {"first": 10, "orderBy": "USERNAME_DESC", "after": everyone["pageInfo"]["endCursor"]})["accounts"]
    assert [n["username"] for n in everyone["nodes"] + rest["nodes"]] == sorted(
        ["county", "township", "village", "group", "viewer", "township2", "village3"], reverse=True
    )
    f = {"under": world.gid("Organization", "T2")}
    assert [n["username"] for n in gql(LIST, {"filter": f})["accounts"]["nodes"]] == ["township2", "village3"]
    assert gql(LIST, {"filter": f}, user="township")["accounts"]["totalCount"] == 0
    assert [n["username"] for n in gql(LIST, {"filter": {"role": ["village"]}})["accounts"]["nodes"]] == ["village", "village3"]
    assert [n["username"] for n in gql(LIST, {"filter": {"search": "TOWN"}})["accounts"]["nodes"]] == ["township", "township2"]
    me = [n for n in gql(LIST, user="township")["accounts"]["nodes"] if n["isMe"]]
    assert me == [{"username": "township", "role": "township", "active": True, "canAdminister": False, "isMe": True, "organization": {"code": "T1"}}]
    gql(DEACTIVATE, {"input": {"id": str(GlobalID("Account", "3"))}})
    assert [n["username"] for n in gql(LIST, {"filter": {"active": False}})["accounts"]["nodes"]] == ["village"]


def test_history_is_on_the_account(gql, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    gid = account_gid(session_factory, "village")
    gql(RESET, {"input": {"id": gid}}, user="township")
    q = "query($id: ID!) { node(id: $id) { ... on Account { history { action actorName } } } }"
    assert gql(q, {"id": gid}, user="township")["node"]["history"] == [{"action": "account.reset_password", "actorName": "township"}]


# --- sessions ------------------------------------------------------------------------------------


def test_changes_end_the_accounts_sessions(gql, world, session_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from partygraph.services import signin

    ended: list[tuple[int, str]] = []

    def end_sessions(session: Any, account_id: int, reason: str) -> int:
        ended.append((account_id, reason))
        return 1

    monkeypatch.setattr(signin, "end_sessions", end_sessions)
    village = account_row(session_factory, "village").id
    gid = account_gid(session_factory, "village")
    gql(RESET, {"input": {"id": gid}}, user="township")
    gql(UPDATE, {"input": {"id": gid, "role": "group"}}, user="township")
    gql(UPDATE, {"input": {"id": gid, "displayName": "只改姓名"}}, user="township")  # no session ends
    gql(DEACTIVATE, {"input": {"id": gid}}, user="township")
    assert ended == [(village, "password_reset"), (village, "role_changed"), (village, "deactivated")]
    gql(CHANGE, {"input": {"oldPassword": PASSWORD, "newPassword": "a-good-new-pass"}}, user="township")
    assert ended[-1] == (account_row(session_factory, "township").id, "password_changed")


def test_a_deactivated_accounts_admin_session_ends(client, world, session_factory, gql) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    login(client, "village")
    assert client.get("/admin/members", follow_redirects=False).status_code == 200
    gql(DEACTIVATE, {"input": {"id": account_gid(session_factory, "village")}}, user="township")
    r = client.get("/admin/members", follow_redirects=False)
    assert r.status_code == 303 and "/admin/login" in r.headers["location"]
