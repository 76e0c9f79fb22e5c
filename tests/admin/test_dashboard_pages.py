"""The dashboard, the reports, the exports and the import over HTTP (issue 8).

Every test that takes `client` runs on SQLite and on PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

import openpyxl
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.models.member import Member
from tests.conftest import LI_ID, login

HX = {"HX-Request": "true"}


def org(world: Any, key: str) -> str:
    return str(GlobalID("Organization", str(world.ids[key])))


def test_dashboard_for_the_viewers_scope(client, world):
    login(client, "county")
    r = client.get("/admin/dashboard")
    assert r.status_code == 200
    html = r.text
    assert "岷江县委" in html and 'data-figure="members">5<' in html
    assert html.count("<svg") >= 4  # inline SVG charts, no script
    assert "威州镇党委" in html and "映秀镇党委" in html  # the breakdown by child
    assert f'hx-get="/admin/dashboard?from=2026-01-01&amp;to=2026-11-01&amp;under={org(world, "T1").replace("=", "%3D")}"' in html
    assert "空白村" not in html or "/admin/alerts" in html
    # a township clerk's dashboard is her township
    client.cookies.clear()
    login(client, "township2")
    html = client.get("/admin/dashboard").text
    assert "映秀镇党委" in html and "威州镇党委" not in html


def test_drill_down_swaps_the_body_and_pushes_the_url(client, world):
    login(client, "county")
    r = client.get(f"/admin/dashboard?under={org(world, 'T1')}&from=2026-01-01&to=2026-11-01", headers={**HX, "HX-Target": "dashboard-body"})
    assert r.status_code == 200
    assert "<html" not in r.text and "布瓦村党支部" in r.text and "龙溪村党支部" in r.text
    assert r.headers["HX-Push-Url"].startswith("/admin/dashboard?")
    assert 'data-figure="members">3<' in r.text


def test_period_picker_and_bad_input(client, world):
    login(client, "county")
    html = client.get("/admin/dashboard?from=2015-01-01&to=2015-12-31").text
    assert 'data-figure="new-members">1<' in html
    assert client.get("/admin/dashboard?from=2016-01-01&to=2015-01-01").status_code == 400
    assert client.get("/admin/dashboard?from=notadate").status_code == 400
    # another township's organisation is not found
    client.cookies.clear()
    login(client, "township2")
    assert client.get(f"/admin/dashboard?under={org(world, 'T1')}").status_code == 404
    assert client.get("/admin/dashboard?under=garbage").status_code == 404


def test_dashboard_requires_sign_in(client, world):
    r = client.get("/admin/dashboard", follow_redirects=False)
    assert r.status_code == 303 and "/admin/login" in r.headers["location"]


def test_monthly_and_quarterly_reports_on_screen_print_and_xlsx(client, world):
    login(client, "county")
    html = client.get(f"/admin/reports/monthly?under={org(world, 'C')}&month=2026-01").text
    assert "发展党员工作月报" in html and "2026-01-01 – 2026-01-31" in html and 'class="report"' in html
    # the print layout lives in the stylesheet (the CSP allows no inline style)
    assert "@page { size:A4" in client.get("/static/admin.css").text
    assert "生成时间" in html
    q = client.get(f"/admin/reports/quarterly?under={org(world, 'C')}&year=2026&quarter=1").text
    assert "党建工作季度分析" in q and "2026-01-01 – 2026-03-31" in q
    r = client.get(f"/admin/reports/quarterly?under={org(world, 'C')}&year=2026&quarter=1&format=xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = [list(x) for x in wb.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "党建工作季度分析"
    assert rows[1][0].startswith("组织：岷江县委") and rows[2][0].startswith("期间：2026 Q1") and rows[3][0].startswith("生成时间：")
    flat = [c for row in rows for c in row if c is not None]
    assert "新党员" in flat  # the cohort section: 钱七 joined in January
    breakdown = [list(x) for x in wb.worksheets[1].iter_rows(values_only=True)]
    assert breakdown[-1][0] == "合计" and breakdown[-1][1] == 5


def test_member_export_xlsx_and_csv_keep_the_list_filters(client, world):
    login(client, "county")
    r = client.get("/admin/export/members.xlsx?gender=female")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    rows = [list(x) for x in ws.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[0] == "姓名")
    assert sorted(row[0] for row in rows[header + 1 :]) == ["李四", "钱七"]
    assert LI_ID in rows[header + 1] + rows[header + 2]
    r = client.get(f"/admin/export/members.csv?under={org(world, 'T2')}")
    assert r.text.startswith("\ufeff") and "赵六" in r.text and "张三" not in r.text
    for kind in ("candidates", "cases", "outcomes", "fund-ledger"):
        assert client.get(f"/admin/export/{kind}.xlsx").status_code == 200, kind
    assert client.get("/admin/export/nothing.xlsx").status_code == 404
    client.cookies.clear()
    login(client, "township2")
    assert client.get(f"/admin/export/members.csv?under={org(world, 'T1')}").status_code == 404


def _wait(client: Any, html: str) -> str:
    for _ in range(200):
        m = re.search(r'hx-get="(/admin/jobs/[0-9a-f]+)" hx-trigger="every 500ms"', html)
        if not m:
            return html
        time.sleep(0.05)
        html = client.get(m.group(1), headers=HX).text
    raise AssertionError("the job did not finish")


def _count(session_factory) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(Member)).scalar_one()


ROSTER = (
    "姓名,性别,民族,出生日期,学历,入党日期,转正日期,所在党组织\n"
    "周一,男,汉族,1990-01-01,高中,2015-07-01,2016-07-01,布瓦村党支部\n"
    "吴二,女,羌族,1992-03-04,本科,2018-07-01,,龙溪村党支部\n"
)


def test_import_upload_preview_confirm(client, world, session_factory):
    csrf = login(client, "township")
    before = _count(session_factory)
    bad = ROSTER + "王四,男,汉族,1990-02-30,初中,2015-07-01,2016-07-01,布瓦村党支部\n"
    r = client.post("/admin/import", data={"csrf": csrf}, files={"file": ("roster.csv", bad.encode("utf-8"), "text/csv")})
    assert r.status_code == 200
    html = _wait(client, r.text)
    assert "1990-02-30" in html and "不存在" in html and "确认导入" not in html
    assert _count(session_factory) == before
    r = client.post("/admin/import", data={"csrf": csrf}, files={"file": ("roster.csv", ROSTER.encode("utf-8"), "text/csv")})
    html = _wait(client, r.text)
    assert "确认导入" in html and _count(session_factory) == before
    job = re.search(r'hx-post="(/admin/import/[0-9a-f]+/commit)"', html).group(1)  # type: ignore[union-attr]
    assert client.post(job).status_code == 403  # no CSRF token
    r = client.post(job, headers={**HX, "X-CSRF-Token": csrf})
    html = _wait(client, r.text)
    assert "已导入" in html and _count(session_factory) == before + 2
    # a second confirm of the same check is harmless: the rows are now skipped
    html = _wait(client, client.post(job, headers={**HX, "X-CSRF-Token": csrf}).text)
    assert _count(session_factory) == before + 2


def test_import_refuses_read_only_accounts_and_other_peoples_jobs(client, world):
    csrf = login(client, "viewer")
    r = client.post("/admin/import", data={"csrf": csrf}, files={"file": ("roster.csv", ROSTER.encode("utf-8"), "text/csv")})
    assert r.status_code == 403
    client.cookies.clear()
    csrf = login(client, "township")
    html = client.post("/admin/import", data={"csrf": csrf}, files={"file": ("roster.csv", ROSTER.encode("utf-8"), "text/csv")}).text
    job = re.search(r'id="job-([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    login(client, "county")
    assert client.get(f"/admin/jobs/{job}").status_code == 404


def test_background_export_with_progress(client, world):
    csrf = login(client, "county")
    r = client.post("/admin/export/members/job", headers={**HX, "X-CSRF-Token": csrf})
    html = _wait(client, r.text)
    link = re.search(r'href="(/admin/jobs/[0-9a-f]+/download)"', html).group(1)  # type: ignore[union-attr]
    data = client.get(link).content
    rows = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert sum(1 for row in rows if row[0] in ("张三", "李四", "王五", "赵六", "钱七")) == 5


def test_each_alert_kind_links_the_children_that_hold_it(client, world):
    """The alerts card: per kind, one link per child (or 直属) holding some, counts adding up to
    the kind's total, each opening the alerts page filtered to that child and kind."""
    login(client, "county")
    html = client.get("/admin/dashboard").text
    card = html[html.index('<section class="card alerts">') :]
    card = card[: card.index("</section>")]
    kinds = re.findall(r'<li data-kind="([^"]+)">.*?<span class="badge amber">(\d+)</span>(.*?)</li>', card, re.S)
    assert kinds, card
    for code, total, links in kinds:
        parts = re.findall(r'<a href="/admin/alerts\?([^"]+)">([^<]+) (\d+)</a>', links)
        assert sum(int(n) for _, _, n in parts) == int(total), (code, links)
        for query, name, n in parts:
            query = query.replace("&amp;", "&")
            assert f"kind={code}" in query.replace("%2D", "-")
            assert ("direct=1" in query) == (name.strip() == "直属")
            listed = client.get(f"/admin/alerts?{query}")
            assert listed.status_code == 200
            assert f'<p id="result-count">共 {n} 条</p>' in listed.text, (query, n)
