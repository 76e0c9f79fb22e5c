"""Admin pages of the privacy work: the access log under 设置, masked numbers in pages and
forms, and one's own organisation's locked fields. Both databases (the `client` fixture)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from tests.conftest import LI_ID, login

MASKED_LI = LI_ID[:2] + "*" * 16


def _switch(client: Any, username: str) -> str:
    client.cookies.clear()
    return login(client, username)


def test_access_log_page_filters_and_exports(client, world) -> None:
    login(client, "county")
    li = world.gid("Member", "li")
    assert LI_ID in client.get(f"/admin/members/{li}").text  # a full number read: logged
    settings = client.get("/admin/settings").text
    assert 'href="/admin/settings/access-log"' in settings
    page = client.get("/admin/settings/access-log", params={"object_id": li})
    assert page.status_code == 200 and "访问日志" in page.text
    table = page.text.split('id="access-log"', 1)[1].split("</table>", 1)[0]
    assert "county" in table and "完整身份证号码" in table and "admin:MemberPage" in table
    assert f'href="/admin/members/{li}"' in table
    # htmx swaps only the results.
    part = client.get("/admin/settings/access-log", params={"account": "nobody"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in part.text and "暂无记录" in part.text
    # A bad date is shown beside its field, nothing is queried.
    bad = client.get("/admin/settings/access-log", params={"from": "2026-13-40"})
    assert bad.status_code == 422 and 'id="error-from"' in bad.text
    # CSV of what the filter selects, formulas neutralised by the shared writer.
    r = client.get("/admin/settings/access-log", params={"object_id": li, "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "账号", "角色"] and any(row[1] == "county" for row in rows[1:])
    # English.
    client.get("/admin/lang", params={"lang": "en"})
    assert "Access log" in client.get("/admin/settings/access-log").text


def test_access_log_page_is_county_only(client, world) -> None:
    for user in ("township", "village", "viewer"):
        _switch(client, user)
        assert client.get("/admin/settings/access-log").status_code == 403, user
        assert "/admin/settings/access-log" not in client.get("/admin/settings").text


def test_member_pages_and_form_mask_for_a_village(client, world) -> None:
    login(client, "village")
    li = world.gid("Member", "li")
    for path in (f"/admin/members/{li}", f"/admin/members/{li}/edit", "/admin/members?q=李四"):
        html = client.get(path).text
        assert LI_ID not in html and LI_ID[:6] + "********" not in html, path
    form = client.get(f"/admin/members/{li}/edit").text
    assert 'name="idNumberMasked" value="1"' in form and MASKED_LI in form
    assert re.search(r'name="idNumber"[^>]*value=""', form)


def test_home_organisation_form_locks_kind_and_code(client, world) -> None:
    csrf = login(client, "village")
    v1 = world.gid("Organization", "V1")
    form = client.get(f"/admin/orgs/{v1}/edit").text
    assert 'id="home-locked"' in form and 'name="code"' not in form and 'name="kind"' not in form
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    r = client.post(
        f"/admin/orgs/{v1}/edit",
        data={"csrf": csrf, "version": version, "name": "布瓦村党支部", "address": "布瓦村一组", "code": "HACK", "kind": "committee"},
        follow_redirects=False,
    )
    assert r.status_code in (200, 303), r.text
    _switch(client, "township")
    detail = client.get(f"/admin/orgs/{v1}").text
    assert "布瓦村一组" in detail and "HACK" not in detail
    form = client.get(f"/admin/orgs/{v1}/edit").text
    assert 'id="home-locked"' not in form and 'name="code"' in form  # the level above edits all of it
