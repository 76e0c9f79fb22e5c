"""The alerts list in a real browser: a filter change swaps the list in place (htmx) with the
choices and counts that follow it, the address bar keeps the filters, sorting and paging swap
too; the dashboard's alert kinds open the list with their filter."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from tests.e2e.test_browser import mark_document, settled, sign_in, still_same_document

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"
    ),
]

# Each swap recomputes the subtree's alerts: generous on a busy machine.
SWAP = 15_000
APPLY = (
    """mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) { __typename } }"""
)


def _apply(gql: Any, world: Any) -> None:
    i = {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-09-01", "name": "杨晓明", "gender": "male",
         "birthDate": "1998-05-05", "education": "senior_high"}  # fmt: skip
    assert (
        gql(APPLY, {"i": i}, user="village")["applyForMembership"]["__typename"]
        == "CandidatePayload"
    )


def _count(page: Any) -> int:
    return int(re.search(r"\d+", page.locator("#result-count").inner_text()).group(0))  # type: ignore[union-attr]


def test_filters_swap_the_list_in_place(page: Any, gql: Any, world: Any) -> None:
    from playwright.sync_api import expect

    _apply(gql, world)
    sign_in(page, "township")
    page.goto("/admin/alerts")
    expect(page.locator("h1")).to_contain_text("威州镇党委", timeout=SWAP)
    everything = _count(page)
    assert everything > 50 and page.locator("#alert-table tbody tr").count() == 50
    mark_document(page)
    # the area: only branch-life rows, and the rule choices shrink to that area's
    settled(page)
    page.select_option("select[name=area]", "branch_life")
    page.wait_for_url(re.compile(r"/admin/alerts\?.*area=branch_life"), timeout=SWAP)
    expect(page.locator("select[name=kind] optgroup")).to_have_count(1, timeout=SWAP)
    areas = page.locator("#alert-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.area)"
    )
    assert areas and set(areas) == {"branch_life"}
    life = _count(page)
    assert 0 < life < everything
    # a rule code of that area
    code = page.locator("select[name=kind] option").nth(1).get_attribute("value")
    settled(page)
    page.select_option("select[name=kind]", code)
    page.wait_for_url(re.compile(rf"kind={code}"), timeout=SWAP)
    codes = page.locator("#alert-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    assert set(codes) == {code} and _count(page) == len(codes)
    # another area and no kind: the pipeline's talk overdue, linked to the candidate
    settled(page)
    page.select_option("select[name=kind]", "")
    expect(page.locator("#result-count")).to_contain_text(str(life), timeout=SWAP)
    settled(page)
    page.select_option("select[name=area]", "pipeline")
    page.wait_for_url(re.compile(r"area=pipeline"), timeout=SWAP)
    row = page.locator('#alert-table tr[data-code="R-DEV-02"]')
    expect(row).to_have_count(1, timeout=SWAP)
    expect(row.locator("a.record")).to_have_text("杨晓明")
    # the organisation: one village's subtree
    settled(page)
    page.select_option("select[name=under]", world.gid("Organization", "V1"))
    expect(page.locator("h1")).to_contain_text("布瓦村党支部", timeout=SWAP)
    expect(page.locator("select[name=area]")).to_have_value("pipeline")
    assert still_same_document(page)
    # sorting and paging swap too
    settled(page)
    page.select_option("select[name=under]", world.gid("Organization", "T1"))
    # one change at a time, as a clerk makes them: the township's page first
    expect(page.locator("h1")).to_contain_text("威州镇党委", timeout=SWAP)
    settled(page)
    page.select_option("select[name=area]", "")
    expect(page.locator("#result-count")).to_contain_text(str(everything), timeout=SWAP)
    first = page.locator("#alert-table tbody tr td:nth-child(2)").first.inner_text()
    page.locator("#alert-table thead").get_by_role("link", name=re.compile("期限")).click()
    page.wait_for_url(re.compile(r"sort=-due"), timeout=SWAP)
    expect(page.locator("#alert-table tbody tr td:nth-child(2)").first).not_to_have_text(
        first, timeout=SWAP
    )
    page.locator(".pager").get_by_role("link", name="下一页").click()
    expect(page.locator("#page-of")).to_contain_text("第 2 /", timeout=SWAP)
    page.wait_for_url(re.compile(r"page=2"), timeout=SWAP)
    assert still_same_document(page)
    # back restores the previous page of the list
    page.go_back()
    expect(page.locator("#page-of")).to_contain_text("第 1 /", timeout=SWAP)


def test_dashboard_alert_kind_opens_the_filtered_list(page: Any, gql: Any, world: Any) -> None:
    from playwright.sync_api import expect

    _apply(gql, world)
    sign_in(page, "county")
    page.goto(f"/admin/dashboard?under={world.gid('Organization', 'T1')}")
    page.locator('li[data-kind="R-DEV-02"] > a').click()
    page.wait_for_url(re.compile(r"/admin/alerts\?.*kind=R-DEV-02"), timeout=SWAP)
    expect(page.locator("select[name=kind]")).to_have_value("R-DEV-02", timeout=SWAP)
    expect(page.locator("#alert-table tbody tr")).to_have_count(1)
    # the breakdown's alert column: a village's count opens that village's list
    page.go_back()
    cell = page.locator("#breakdown tbody tr", has_text="布瓦村党支部").locator("td[data-alerts] a")
    n = int(cell.inner_text())
    cell.click()
    expect(page.locator("h1")).to_contain_text("布瓦村党支部", timeout=SWAP)
    assert _count(page) == n
