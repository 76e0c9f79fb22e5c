"""The alerts list (/admin/alerts) over HTTP: the four areas through `allAlerts`, filters by
area, rule code and organisation, due-date order, pages with the total, links to the records,
CSV/xlsx; and the dashboard's alert column and panel linking to it (issue 8).

Every test that takes `client` runs on SQLite and on PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
from graphql import parse, validate

from partygraph.admin.core import operation
from partygraph.admin.pages import alerts as alerts_page
from partygraph.graphql.schema import build_schema
from tests.conftest import login

HX = {"HX-Request": "true", "HX-Target": "alerts-body"}
APPLY = (
    """mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) { __typename } }"""
)
KINDS = """query($u: ID!, $direct: Boolean! = false) { alertKinds(under: $u, directlyUnder: $direct) { area code count } }"""


def _apply(gql: Any, world: Any) -> None:
    i = {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-09-01", "name": "杨晓明", "gender": "male",
         "birthDate": "1998-05-05", "education": "senior_high"}  # fmt: skip
    assert (
        gql(APPLY, {"i": i}, user="village")["applyForMembership"]["__typename"]
        == "CandidatePayload"
    )


def rows(html: str) -> list[dict[str, str]]:
    return [
        m.groupdict()
        for m in re.finditer(
            r'<tr data-code="(?P<code>[^"]+)" data-area="(?P<area>[^"]*)">\s*<td>.*?</td>\s*<td>(?P<due>[^<]*)</td>',
            html,
            re.S,
        )
    ]


def count(html: str) -> int:
    return int(re.search(r'<p id="result-count">共 (\d+) 条</p>', html).group(1))  # type: ignore[union-attr]


def test_alert_operations_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    for name in ("AlertList", "AlertOrgOptions", "DashboardStats"):
        # as the admin sends them: with the shared fragments they spread
        assert validate(schema, parse(operation(name))) == [], name


def test_the_list_holds_every_area_and_links_each_record(client, gql, world, monkeypatch):
    monkeypatch.setattr(alerts_page, "PAGE_SIZE", 500)  # the whole list on one page
    _apply(gql, world)
    login(client, "township")
    r = client.get("/admin/alerts")
    assert r.status_code == 200
    found = rows(r.text)
    kinds = gql(KINDS, {"u": world.gid("Organization", "T1")}, user="township")["alertKinds"]
    assert count(r.text) == len(found) == sum(k["count"] for k in kinds)
    assert Counter(f["code"] for f in found) == Counter({k["code"]: k["count"] for k in kinds})
    assert {"pipeline", "branch_life"} <= {f["area"] for f in found}
    due = [f["due"] if f["due"] != "—" else "9999-12-31" for f in found]
    assert due == sorted(due)  # soonest first
    assert re.search(
        r'data-code="R-DEV-02".*?<a href="/admin/candidates/[^"]+" class="record">杨晓明</a>',
        r.text,
        re.S,
    )
    assert re.search(
        r'data-code="R-LIFE-\d+".*?<a href="/admin/branch-life\?org=[^"]+" class="record">',
        r.text,
        re.S,
    )
    assert re.search(
        r'data-code="A-BLANK-VILLAGE".*?<a href="/admin/orgs/[^"]+" class="record">', r.text, re.S
    )
    # the filter's choices carry the rule's title and the counts; so does each row
    assert '<option value="R-DEV-02">申请后一个月内未谈话（R-DEV-02）（1）</option>' in r.text
    assert re.search(
        r'<tr data-code="R-DEV-02" data-area="pipeline">\s*<td><span class="badge \w+">申请后一个月内未谈话（R-DEV-02）</span>',
        r.text,
    )
    assert 'href="/admin/alerts?format=csv"' in r.text


def test_filters_sort_and_pages(client, gql, world, monkeypatch):
    monkeypatch.setattr(alerts_page, "PAGE_SIZE", 500)
    _apply(gql, world)
    login(client, "township")
    everything = rows(client.get("/admin/alerts").text)
    life = client.get("/admin/alerts?area=branch_life").text
    assert rows(life) and {f["area"] for f in rows(life)} == {"branch_life"}
    assert count(life) == sum(f["area"] == "branch_life" for f in everything)
    assert 'value="branch_life" selected' in life and '<optgroup label="发展党员">' not in life
    talk = client.get("/admin/alerts?kind=R-DEV-02").text
    assert [f["code"] for f in rows(talk)] == ["R-DEV-02"] and count(talk) == 1
    # a kind of another area gives way to the area just chosen
    swapped = client.get("/admin/alerts?kind=R-DEV-02&area=branch_life").text
    assert count(swapped) == count(life)
    # the organisation: a village's subtree, or the township's own alerts only
    v1 = world.gid("Organization", "V1")
    village = client.get(f"/admin/alerts?under={v1}").text
    assert "R-DEV-02" in {f["code"] for f in rows(village)} and count(village) < len(everything)
    own = client.get("/admin/alerts?direct=1").text
    direct = gql(KINDS, {"u": world.gid("Organization", "T1"), "direct": True}, user="township")[
        "alertKinds"
    ]
    assert count(own) == sum(k["count"] for k in direct) > 0
    assert "R-DEV-02" not in {f["code"] for f in rows(own)}
    # latest due first, undated last
    down = rows(client.get("/admin/alerts?sort=-due").text)
    dated = [f["due"] for f in down if f["due"] != "—"]
    assert dated == sorted(dated, reverse=True) and all(f["due"] == "—" for f in down[len(dated) :])
    # pages of 50 (the township has more)
    monkeypatch.setattr(alerts_page, "PAGE_SIZE", 50)
    assert len(everything) > 50
    first = client.get("/admin/alerts").text
    assert rows(first) == everything[:50] and 'rel="next"' in first
    second = client.get("/admin/alerts?page=2").text
    assert rows(second) == everything[50:100]
    assert f"第 2 / {-(-len(everything) // 50)} 页" in second and count(second) == len(everything)
    last = client.get("/admin/alerts?page=999").text  # past the end: the last page
    assert rows(last) == everything[(len(everything) - 1) // 50 * 50 :]


def test_a_filter_change_swaps_the_body_and_pushes_the_url(client, gql, world):
    _apply(gql, world)
    login(client, "township")
    r = client.get("/admin/alerts?area=pipeline&sort=", headers=HX)
    assert r.status_code == 200 and "<html" not in r.text and 'id="alert-filters"' in r.text
    assert r.headers["HX-Push-Url"] == "/admin/alerts?area=pipeline"
    assert {f["area"] for f in rows(r.text)} == {"pipeline"}


def test_scope_and_bad_input(client, gql, world):
    _apply(gql, world)
    login(client, "township2")
    assert client.get(f"/admin/alerts?under={world.gid('Organization', 'T1')}").status_code == 404
    assert client.get("/admin/alerts?under=not-an-id").status_code == 404
    assert client.get(f"/admin/alerts?under={world.gid('Member', 'li')}").status_code == 404
    html = client.get("/admin/alerts").text
    assert "R-DEV-02" not in {f["code"] for f in rows(html)}
    # unknown filter values are dropped, not errors
    assert client.get("/admin/alerts?area=nope&kind=<x>&sort=up&page=x").status_code == 200
    client.cookies.clear()
    login(client, "group")  # a group leader's home is a group: still the organisation shown
    r = client.get("/admin/alerts")
    assert r.status_code == 200 and "布瓦村第一党小组" in r.text


def test_export_csv_and_xlsx(client, gql, world):
    _apply(gql, world)  # the export is the whole filtered list, not a page
    login(client, "township")
    r = client.get("/admin/alerts?format=csv&area=pipeline")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head = lines.index(["规则", "规则名称", "期限", "类别", "组织", "对象", "内容"])
    data = lines[head + 1 :]
    assert data and all(row[3] == "发展党员" for row in data)
    talk = next(row for row in data if row[0] == "R-DEV-02")
    assert (talk[0], talk[1], talk[5]) == ("R-DEV-02", "申请后一个月内未谈话", "杨晓明")
    x = client.get("/admin/alerts?format=xlsx")
    assert x.status_code == 200 and "spreadsheetml" in x.headers["content-type"]
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    head = next(i for i, row in enumerate(values) if row[0] == "规则")
    assert len(values) - head - 1 == count(client.get("/admin/alerts").text) > alerts_page.PAGE_SIZE


def test_dashboard_alert_column_and_panel_link_to_the_list(client, gql, world):
    _apply(gql, world)
    login(client, "county")
    t1 = world.gid("Organization", "T1")
    html = client.get(f"/admin/dashboard?under={t1}").text
    table = html.split('id="breakdown"', 1)[1].split("</table>", 1)[0]
    per_row = [int(n) for n in re.findall(r'data-alerts="(\d+)"', table)]
    found = re.search(
        r'<tr class="total">.*<a href="/admin/alerts\?under=[^"]+">(\d+)</a></td></tr>', table, re.S
    )
    assert found
    total = int(found.group(1))
    kinds = gql(KINDS, {"u": t1})["alertKinds"]
    assert sum(per_row) == total == sum(k["count"] for k in kinds)
    assert len(per_row) == 3  # 布瓦村, 龙溪村 and the committee's own (直属) row
    links = [
        parse_qs(urlsplit(u.replace("&amp;", "&")).query)
        for u in re.findall(r'<td class="num" data-alerts="\d+"><a href="([^"]+)"', table)
    ]
    assert {"under": [world.gid("Organization", "V1")]} in links
    assert {"under": [t1], "direct": ["1"]} in links
    # the panel: each kind links to the list with the kind filter, and per child
    panel = html.split('<section class="card alerts">', 1)[1].split("</section>", 1)[0]
    assert re.search(
        r'<li data-kind="R-DEV-02"><a href="/admin/alerts\?under=[^"&]+&amp;kind=R-DEV-02">申请后一个月内未谈话（R-DEV-02）</a>',
        panel,
    )
    assert re.search(r'kind=R-DEV-02">布瓦村党支部 1</a>', panel)
    # the list it links to agrees
    listed = client.get(f"/admin/alerts?under={world.gid('Organization', 'V1')}").text
    v1_count = next(
        n
        for n, u in zip(per_row, links, strict=True)
        if u == {"under": [world.gid("Organization", "V1")]}
    )
    assert count(listed) == v1_count


def test_english(client, gql, world):
    _apply(gql, world)
    login(client, "township")
    client.get("/admin/lang?lang=en")
    html = client.get("/admin/alerts").text
    assert (
        "Only this organisation&#39;s own alerts" in html
        or "Only this organisation's own alerts" in html
    )
    assert re.search(r"\d+ in all", html) and "Branch life" in html
    # the rule titles follow the language, in the filter and in the rows
    assert (
        '<option value="R-DEV-02">No talk within a month of the application (R-DEV-02)（1）</option>'
        in html
    )
    talk = client.get("/admin/alerts?kind=R-DEV-02").text
    assert ">No talk within a month of the application (R-DEV-02)</span>" in talk
    r = client.get("/admin/alerts?format=csv&kind=R-DEV-02")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[-1][:2] == ["R-DEV-02", "No talk within a month of the application"]
    dashboard = client.get("/admin/dashboard").text
    panel = dashboard.split('<section class="card alerts">', 1)[1].split("</section>", 1)[0]
    assert 'kind=R-DEV-02">No talk within a month of the application (R-DEV-02)</a>' in panel


def test_an_overdue_promise_links_to_its_pairing(client, gql, world, session_factory, settings, clock):  # type: ignore[no-untyped-def]
    from tests.api.test_assistance_pairing_api import (
        ADD,
        agency_helpers,
        gid,
        helping_case,
        member_pairing,
    )

    _, (helper, _) = agency_helpers(session_factory, settings, clock, world)
    case = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    pairing = member_pairing(gql, case, helper)
    promise = {"pairingId": pairing, "text": "引进花椒深加工项目", "madeOn": "2026-03-01", "dueOn": "2026-06-30"}
    assert gql(ADD, {"i": promise}, user="township")["addPromise"]["__typename"] == "PromisePayload"
    login(client, "township")
    html = client.get("/admin/alerts", params={"area": "assistance", "kind": "R-AID-16"}).text
    assert f'href="/admin/pairings/{pairing}"' in html and "引进花椒深加工项目" in html
    assert client.get(f"/admin/pairings/{pairing}").status_code == 200
