"""设置 / 账号管理 in the admin, over HTTP on both databases: the list (scope, filters, CSV),
the create form (inline refusals, the one-time password shown once), the account page with
confirmations before deactivating, resetting and revoking, the forced password change,
one's own tokens, and bulk creation from a spreadsheet (dry run, all or nothing)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from graphql import parse, validate
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.admin.core import OPERATIONS_DIR
from partygraph.graphql.schema import build_schema
from partygraph.models.account import Account, ApiToken
from partygraph.services import account as accounts
from tests.conftest import PASSWORD, login


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def account_id(session_factory: Any, username: str) -> int:
    with session_factory() as s:
        return s.execute(select(Account.id).where(Account.username == username)).scalar_one()


def gid(session_factory: Any, username: str) -> str:
    return str(GlobalID("Account", str(account_id(session_factory, username))))


def count(session_factory: Any) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(Account)).scalar_one()


def otp_of(html: str) -> str:
    m = re.search(r'id="one-time-password"[^>]*>([^<]+)<', html)
    assert m, html
    return m.group(1)


def test_account_operations_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    paths = sorted(Path(OPERATIONS_DIR).glob("Account*.graphql"))
    assert len(paths) >= 10
    for path in paths:
        assert validate(schema, parse(path.read_text(encoding="utf-8"))) == [], path.name


def test_list_is_scoped_filtered_and_exported(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "township")
    r = client.get("/admin/accounts")
    assert r.status_code == 200 and ">账号管理</a>" in r.text  # the nav link
    assert "village" in r.text and "township2" not in r.text and "village3" not in r.text
    r = client.get("/admin/accounts?role=group", headers={"HX-Request": "true", "HX-Target": "results"})
    assert "共 1 个账号" in r.text and "<html" not in r.text
    r = client.get("/admin/accounts?format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["用户名", "姓名", "角色"] and sorted(r[0] for r in rows[1:]) == ["group", "township", "village"]


def test_the_link_and_pages_are_for_administrators_only(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "group")
    r = client.get("/admin/accounts")
    assert r.status_code == 200 and ">账号管理</a>" not in r.text and "新建账号" not in r.text
    assert client.get("/admin/accounts/new").status_code == 403
    assert client.get("/admin/accounts/import").status_code == 403


def test_create_with_inline_errors_then_the_password_once(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    r = client.get("/admin/accounts/new")
    assert r.status_code == 200 and "渔子溪村党支部" not in r.text and 'value="county"' not in r.text
    form = {"username": "x", "displayName": "王会计", "role": "village", "orgId": world.gid("Organization", "V2")}
    before = count(session_factory)
    r = client.post("/admin/accounts/new", data=form, headers=hx(csrf))
    assert r.status_code == 422 and 'id="username-error"' in r.text and "R-ACC-04" not in r.text or "用户名须为" in r.text
    r = client.post("/admin/accounts/new", data={**form, "username": "v2clerk", "role": "county"}, headers=hx(csrf))
    assert r.status_code == 422 and 'id="role-error"' in r.text
    r = client.post("/admin/accounts/new", data={**form, "username": "v2clerk", "orgId": world.gid("Organization", "V3")}, headers=hx(csrf))
    assert r.status_code == 404
    assert count(session_factory) == before
    r = client.post("/admin/accounts/new", data={**form, "username": "v2clerk"}, headers=hx(csrf))
    assert r.status_code == 200
    otp = otp_of(r.text)
    assert "只显示这一次" in r.text
    page = client.get(f"/admin/accounts/{gid(session_factory, 'v2clerk')}").text
    assert otp not in page and "account.create" in page


def test_deactivate_reset_and_revoke_ask_first(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        accounts.create_token(s, "village", label="看板")
        s.commit()
    csrf = login(client, "county")
    vid = gid(session_factory, "village")
    page = client.get(f"/admin/accounts/{vid}").text
    assert "停用账号" in page and "重置密码" in page and "看板" in page
    # Asked first: nothing changes.
    r = client.post(f"/admin/accounts/{vid}/deactivate", headers=hx(csrf))
    assert r.status_code == 200 and "确认停用" in r.text
    with session_factory() as s:
        assert s.execute(select(Account.active).where(Account.username == "village")).scalar_one() is True
    r = client.post(f"/admin/accounts/{vid}/deactivate", data={"confirm": "1", "version": "1", "reason": "调离"}, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/admin/accounts/{vid}"
    with session_factory() as s:
        assert s.execute(select(Account.active).where(Account.username == "village")).scalar_one() is False
    assert "启用账号" in client.get(f"/admin/accounts/{vid}").text
    # A stale version is refused inside the confirmation.
    r = client.post(f"/admin/accounts/{vid}/reactivate", data={"confirm": "1", "version": "1"}, headers=hx(csrf))
    assert r.status_code == 409
    r = client.post(f"/admin/accounts/{vid}/reset-password", headers=hx(csrf))
    assert "确认重置密码" in r.text
    r = client.post(f"/admin/accounts/{vid}/reset-password", data={"confirm": "1"}, headers=hx(csrf))
    otp = otp_of(r.text)
    with session_factory() as s:
        assert accounts.authenticate(s, "village", PASSWORD) is None
        token_id = s.execute(select(ApiToken.id)).scalar_one()
    del otp
    tgid = str(GlobalID("ApiToken", str(token_id)))
    r = client.post(f"/admin/accounts/{vid}/tokens/{tgid}/revoke?back=/admin/accounts/{vid}", headers=hx(csrf))
    assert "确认撤销" in r.text
    r = client.post(f"/admin/accounts/{vid}/tokens/{tgid}/revoke?back=/admin/accounts/{vid}", data={"confirm": "1"}, headers=hx(csrf))
    assert r.headers["HX-Redirect"] == f"/admin/accounts/{vid}"
    with session_factory() as s:
        assert s.execute(select(ApiToken.revoked_at)).scalar_one() is not None


def test_self_and_out_of_scope(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    me = gid(session_factory, "township")
    r = client.get(f"/admin/accounts/{me}", follow_redirects=False)
    assert r.headers["location"] == "/admin/account"
    r = client.post(f"/admin/accounts/{me}/deactivate", data={"confirm": "1"}, headers=hx(csrf))
    assert r.status_code == 422 and "不能停用自己的账号" in r.text
    assert client.get(f"/admin/accounts/{gid(session_factory, 'village3')}").status_code == 404
    r = client.post(f"/admin/accounts/{gid(session_factory, 'village3')}/deactivate", data={"confirm": "1"}, headers=hx(csrf))
    assert r.status_code == 404


def test_forced_password_change(client, world, session_factory, gql) -> None:  # type: ignore[no-untyped-def]
    reset = "mutation($id: ID!) { resetAccountPassword(input: {id: $id}) { ... on AccountPasswordPayload { oneTimePassword } } }"
    otp = gql(reset, {"id": gid(session_factory, "village")}, user="township")["resetAccountPassword"]["oneTimePassword"]
    csrf = login(client, "village", otp)
    for path in ("/admin/orgs", "/admin/members", "/admin/account"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/account/password", path
    r = client.get("/admin/members", headers={"HX-Request": "true"})
    assert r.headers.get("HX-Redirect") == "/admin/account/password"
    page = client.get("/admin/account/password")
    assert page.status_code == 200 and 'id="forced-change"' in page.text and "至少 10 位" in page.text
    bad = {"oldPassword": otp, "newPassword": "new-password-1", "newPassword2": "new-password-2"}
    r = client.post("/admin/account/password", data=bad, headers=hx(csrf))
    assert r.status_code == 422 and 'id="newPassword2-error"' in r.text
    r = client.post("/admin/account/password", data={**bad, "newPassword": "short", "newPassword2": "short"}, headers=hx(csrf))
    assert r.status_code == 422 and 'id="newPassword-error"' in r.text
    r = client.post("/admin/account/password", data={**bad, "oldPassword": "wrong", "newPassword2": "new-password-1"}, headers=hx(csrf))
    assert r.status_code == 422 and 'id="oldPassword-error"' in r.text
    r = client.post("/admin/account/password", data={**bad, "newPassword2": "new-password-1"}, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/admin/account?changed=1"
    with session_factory() as s:
        assert accounts.authenticate(s, "village", "new-password-1") is not None


def test_own_tokens_from_the_header(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "group")
    page = client.get("/admin/account")
    assert page.status_code == 200 and 'href="/admin/account/password"' in page.text
    r = client.post("/admin/account/tokens", data={"csrf": csrf, "label": "看板", "readOnly": "1"})
    token = re.search(r'id="token-value">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    with session_factory() as s:
        assert accounts.viewer_for_token(s, token) is not None
    assert token not in client.get("/admin/account").text


def sheet(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([["组织代码", "用户名", "姓名", "角色"], *rows])
    return buf.getvalue().encode("utf-8-sig")


def test_bulk_creation_dry_run_then_all_or_nothing(client, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "township")
    bad = sheet([
        ["V1", "buwa1", "布瓦村书记", "村"],
        ["V3", "yuzi1", "渔子溪村书记", "村"],  # another township's
        ["V2", "longxi1", "龙溪村书记", "县"],  # above a township's roles
        ["V2", "buwa1", "重复", "村"],  # repeats row 2
        ["V2", "village", "已有", "村"],  # taken
        ["V2", "lx2", "龙溪", "书记员"],  # unknown role
    ])  # fmt: skip
    before = count(session_factory)
    r = client.post("/admin/accounts/import", data={"csrf": csrf}, files={"file": ("accounts.csv", bad, "text/csv")})
    assert r.status_code == 200
    report = r.text
    for row, needle in ((3, "UNKNOWN_ORG"), (4, "R-ACC-02"), (5, "DUPLICATE_IN_FILE"), (6, "R-ACC-05"), (7, "INVALID_INPUT")):
        assert re.search(rf"<td>{row}</td>.*?{needle}", report, re.S), (row, needle)
    assert "account-import-commit" not in report
    assert count(session_factory) == before
    good = sheet([["V1", "buwa1", "布瓦村书记", "村"], ["V2", "longxi1", "龙溪村书记", "村党支部书记/组织委员"], ["G1", "g1lead", "组长", "党小组"]])
    r = client.post("/admin/accounts/import", data={"csrf": csrf}, files={"file": ("accounts.csv", good, "text/csv")})
    job = re.search(r'/admin/accounts/import/([0-9a-f]+)/commit', r.text).group(1)  # type: ignore[union-attr]
    assert count(session_factory) == before
    r = client.post(f"/admin/accounts/import/{job}/commit", data={"csrf": csrf})
    assert r.status_code == 200 and "已创建 3 个账号" in r.text
    assert count(session_factory) == before + 3
    href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    rows = list(csv.reader(io.StringIO(unquote(href).lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == ["buwa1", "longxi1", "g1lead"]
    with session_factory() as s:
        for row in rows[1:]:
            account = accounts.authenticate(s, row[2], row[5])
            assert account is not None and account.must_change_password
    # The upload is spent.
    assert client.post(f"/admin/accounts/import/{job}/commit", data={"csrf": csrf}).status_code == 404


def test_bulk_commit_is_all_or_nothing(client, world, session_factory, settings, clock) -> None:  # type: ignore[no-untyped-def]
    """A row that became bad between the dry run and the commit refuses the whole file."""
    from partygraph.imports import ImportRefusedError
    from partygraph.imports.account import import_accounts
    from tests.conftest import system_context

    data = sheet([["V1", "buwa1", "布瓦村书记", "村"], ["V2", "village", "已有", "村"]])
    before = count(session_factory)
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        try:
            import_accounts(ctx, data, "a.csv", commit=True)
        except ImportRefusedError as refused:
            assert [p.row for p in refused.report.problems] == [3]
        else:
            raise AssertionError("not refused")
    assert count(session_factory) == before
