"""The dashboard in a real browser: SVG charts render, a click on a child swaps the body in place
(htmx), the address bar follows, and the import page polls its job to the end."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_browser import mark_document, sign_in, still_same_document

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"),
]


def test_dashboard_drill_down_swaps_in_place(page: Any) -> None:
    from playwright.sync_api import expect

    sign_in(page, "county")
    page.goto("/admin/dashboard")
    expect(page.locator("h1")).to_contain_text("岷江县委")
    expect(page.locator("[data-figure=members]")).to_have_text("5")
    assert page.locator("svg.chart").count() >= 4
    box = page.locator("svg.chart.bars").first.bounding_box()
    assert box is not None and box["width"] > 100  # drawn, not an empty element
    mark_document(page)
    page.locator("#breakdown").get_by_role("link", name="威州镇党委").click()
    expect(page.locator("h1")).to_contain_text("威州镇党委")
    expect(page.locator("[data-figure=members]")).to_have_text("3")
    expect(page.locator("#breakdown")).to_contain_text("布瓦村党支部")
    assert still_same_document(page)
    page.wait_for_url(re.compile(r"/admin/dashboard\?.*under="))
    # one level further down, then the period picker
    page.locator("#breakdown").get_by_role("link", name="布瓦村党支部").click()
    expect(page.locator("h1")).to_contain_text("布瓦村党支部")
    expect(page.locator("[data-figure=members]")).to_have_text("2")
    page.fill("input[name=from]", "2015-01-01")
    page.fill("input[name=to]", "2015-12-31")
    page.get_by_role("button", name="更新").click()
    expect(page.locator("input[name=from]")).to_have_value("2015-01-01")
    assert still_same_document(page)


def test_import_preview_and_confirm(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page, "township")
    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,性别,民族,出生日期,学历,入党日期,转正日期,所在党组织\n周一,男,汉族,1990-01-01,高中,2015-07-01,2016-07-01,布瓦村党支部\n", encoding="utf-8")
    page.goto("/admin/import")
    page.set_input_files("input[type=file]", str(roster))
    page.get_by_role("button", name="上传并检查").click()
    confirm = page.get_by_role("button", name=re.compile("确认导入"))
    expect(confirm).to_be_visible()
    confirm.click()
    expect(page.locator(".job")).to_contain_text("已导入 1")
