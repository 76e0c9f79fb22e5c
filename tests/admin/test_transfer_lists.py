"""The transfer lists over HTTP, on both databases: pages through the API's cursors (next and
back), filters by direction, status and the days sent, the CSV / .xlsx export of every
matching transfer, and a decision that keeps the list's place."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

import openpyxl

from partygraph.services import member as members
from tests.conftest import login, system_context

HX = {"HX-Request": "true"}


def _send_many(
    session_factory: Any,
    settings: Any,
    clock: Any,
    world: Any,
    count: int,
    cancelled: int,
    days: list[date] | None = None,
) -> None:
    """`count` members of 布瓦村 sent to 渔子溪村, the first `cancelled` of them withdrawn;
    the i-th sent on `days[i % len(days)]` (default 2026-10-01)."""
    days = days or [date(2026, 10, 1)]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        for i in range(count):
            m = members.register(
                ctx, org_id=world.ids["V1"], name=f"党员{i:02d}", gender="male", birth_date=date(1980, 1, 1),
                education="junior_high", joined_on=date(2000, 7, 1), converted_on=date(2001, 7, 1),
            )  # fmt: skip
            assert m.id is not None
            t = members.send_transfer(
                ctx, m.id, to_org_code="V3", on=days[i % len(days)], reason="外出务工"
            )
            if i < cancelled:
                assert t.id is not None
                members.cancel_transfer(ctx, t.id, reason="填错了", version=t.version)
        s.commit()


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(1).replace("&amp;", "&")


def _rows(html: str, section: str) -> list[str]:
    part = html.split(f'id="{section}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r">(党员\d\d)<", part)


def test_pages_through_cursors_forward_and_back(
    client, world, session_factory, settings, clock
) -> None:
    _send_many(session_factory, settings, clock, world, 23, 0)
    login(client, "township")
    first = client.get("/admin/transfers")
    assert first.status_code == 200
    assert "转出（23）" in first.text and len(_rows(first.text, "outgoing")) == 20
    assert "第 1 / 2 页" in first.text.split('id="outgoing-pager"', 1)[1]
    next_url = _found(r'id="outgoing-pager".*?href="([^"]+)"[^>]*rel="next"', first.text)
    # htmx asks for the lists only; the address bar follows
    second = client.get(next_url, headers={**HX, "HX-Target": "transfers"})
    assert (
        second.status_code == 200
        and "<html" not in second.text
        and second.text.lstrip().startswith('<div id="transfers">')
    )
    assert second.headers["HX-Push-Url"].startswith("/admin/transfers?out=")
    rows2 = _rows(second.text, "outgoing")
    assert len(rows2) == 3 and not set(rows2) & set(_rows(first.text, "outgoing"))
    assert "第 2 / 2 页" in second.text and 'rel="next"' not in second.text
    prev_url = _found(r'href="([^"]+)"[^>]*rel="prev"', second.text)
    assert prev_url == "/admin/transfers"
    # an edited cursor is no server error: a plain "bad request" page (admin.core.Page.run)
    edited = client.get("/admin/transfers?out=bm9uc2Vuc2U=")
    assert edited.status_code == 400 and "请求无效" in edited.text


def test_filters_by_direction_and_status(client, world, session_factory, settings, clock) -> None:
    _send_many(session_factory, settings, clock, world, 5, 2)
    login(client, "township")
    page = client.get("/admin/transfers?direction=outgoing").text
    assert 'id="outgoing"' in page and 'id="incoming"' not in page
    page = client.get("/admin/transfers?direction=outgoing&status=cancelled").text
    assert "转出（2）" in page and all(
        s == "已撤回"
        for s in re.findall(
            r'<span class="badge[^"]*">([^<]+)</span>', page.split('id="outgoing"', 1)[1]
        )
    )
    assert re.search(r'value="cancelled" checked', page)
    page = client.get("/admin/transfers?status=pending&status=bogus").text
    assert "转出（3）" in page and "转入（0）" in page
    client.cookies.clear()
    login(client, "township2")
    page = client.get("/admin/transfers?direction=incoming&status=pending").text
    assert "转入（3）" in page and 'id="outgoing"' not in page


def test_csv_and_xlsx_export_every_matching_transfer(
    client, world, session_factory, settings, clock
) -> None:
    _send_many(session_factory, settings, clock, world, 23, 2)
    login(client, "township")
    first = client.get("/admin/transfers?status=pending").text
    second_page = _found(r'id="outgoing-pager".*?href="([^"]+)"[^>]*rel="next"', first)
    page = client.get(second_page).text
    # the export drops the page: it holds every matching transfer
    assert 'href="/admin/transfers?status=pending&amp;format=csv"' in page
    r = client.get("/admin/transfers?status=pending&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["党员", "转出组织", "转入组织", "转出日期"]
    assert len(rows) == 1 + 21 and {row[6] for row in rows[1:]} == {"待接收"}
    assert rows[1][1] == "布瓦村党支部" and rows[1][2] == "渔子溪村党支部"
    r = client.get("/admin/transfers?direction=outgoing&format=xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet.max_row == 1 + 23
    client.get("/admin/lang", params={"lang": "en"})
    r = client.get("/admin/transfers?format=csv")
    assert next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[0] == "Member"


def test_a_decision_keeps_the_lists_place_and_a_refusal_changes_nothing(
    client, world, session_factory, settings, clock, gql
) -> None:
    _send_many(session_factory, settings, clock, world, 3, 0)
    csrf = login(client, "township2")
    page = client.get("/admin/transfers?direction=incoming&status=pending").text
    # accept and refuse: each asks before it closes the transfer
    assert page.count("hx-confirm=") == 6
    tid = _found(r"/admin/transfers/([^/]+)/refuse", page)
    kept = _found(r'name="list" value="([^"]*)"', page)
    assert kept == "direction=incoming&status=pending"
    headers = {**HX, "X-CSRF-Token": csrf}
    # refusing without a note: the error beside that transfer, the filtered list kept, nothing changed
    r = client.post(
        f"/admin/transfers/{tid}/refuse",
        data={"version": "1", "on": "2026-10-20", "note": "", "list": kept},
        headers=headers,
    )
    assert r.status_code == 422 and "意见不能为空" in r.text and 'id="outgoing"' not in r.text
    state = "query($id: ID!) { node(id: $id) { ... on Transfer { status version } } }"
    assert gql(state, {"id": tid})["node"] == {"status": "pending", "version": 1}
    r = client.post(
        f"/admin/transfers/{tid}/refuse",
        data={"version": "1", "on": "2026-10-20", "note": "查无此人", "list": kept},
        headers=headers,
    )
    assert r.headers["HX-Redirect"] == "/admin/transfers?direction=incoming&status=pending"
    assert gql(state, {"id": tid})["node"]["status"] == "refused"


def test_filters_by_the_days_sent(client, world, session_factory, settings, clock) -> None:
    days = [date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15)]
    _send_many(session_factory, settings, clock, world, 40, 0, days)  # 14, 13 and 13 a day
    login(client, "township")
    page = client.get("/admin/transfers?direction=outgoing&sent_from=2026-10-01").text
    assert "转出（26）" in page  # the 1st and the 15th: the start is inclusive
    assert 'name="sent_from" value="2026-10-01"' in page
    assert set(re.findall(r"<td>(2026-\d\d-\d\d)</td>", page.split('id="outgoing"', 1)[1])) == {
        "2026-10-01",
        "2026-10-15",
    }
    # the pager and the export keep the range
    next_url = _found(r'id="outgoing-pager".*?href="([^"]+)"[^>]*rel="next"', page)
    assert "sent_from=2026-10-01" in next_url
    second = client.get(next_url, headers={**HX, "HX-Target": "transfers"})
    assert len(_rows(second.text, "outgoing")) == 6 and "第 2 / 2 页" in second.text
    assert (
        'href="/admin/transfers?direction=outgoing&amp;sent_from=2026-10-01&amp;format=csv"' in page
    )
    r = client.get(
        "/admin/transfers?direction=outgoing&sent_from=2026-10-01&sent_to=2026-10-01&format=csv"
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 13 and {row[3] for row in rows[1:]} == {"2026-10-01"}
    # both ends
    page = client.get("/admin/transfers?sent_from=2026-09-01&sent_to=2026-09-30").text
    assert "转出（14）" in page and "转入（0）" in page
    # a range that ends before it starts: said so in the lists (also when htmx swaps them)
    r = client.get(
        "/admin/transfers?sent_from=2026-10-15&sent_to=2026-10-01",
        headers={**HX, "HX-Target": "transfers"},
    )
    assert 'id="sent_to-error"' in r.text and "转出（0）" in r.text
    # a day that is no date: dropped, said so, the rest of the filter kept
    page = client.get("/admin/transfers?direction=outgoing&sent_from=2026-02-30").text
    assert 'id="sent_from-error"' in page and 'aria-invalid="true"' in page
    assert "转出（40）" in page


def test_a_decision_keeps_the_date_range(client, world, session_factory, settings, clock) -> None:
    _send_many(
        session_factory, settings, clock, world, 2, 0, [date(2026, 9, 30), date(2026, 10, 2)]
    )
    csrf = login(client, "township2")
    page = client.get("/admin/transfers?direction=incoming&sent_from=2026-10-01").text
    assert "转入（1）" in page
    kept = _found(r'name="list" value="([^"]*)"', page)
    assert kept == "direction=incoming&sent_from=2026-10-01"
    tid = _found(r"/admin/transfers/([^/]+)/accept", page)
    r = client.post(
        f"/admin/transfers/{tid}/accept",
        data={"version": "1", "on": "2026-10-20", "list": kept},
        headers={**HX, "X-CSRF-Token": csrf},
    )
    assert r.headers["HX-Redirect"] == "/admin/transfers?direction=incoming&sent_from=2026-10-01"
