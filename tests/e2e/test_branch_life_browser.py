"""Branch life in a real browser: the meeting form with attendance ticked from the roster,
a refusal shown in the form with its rule code, the calendar's htmx month switch, and the
election arithmetic updating as the clerk types."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"),
]


def sign_in(page: Any, username: str) -> None:
    page.goto("/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/orgs$"))


def test_meeting_form_in_a_real_browser(page: Any, world) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    sign_in(page, "village")
    page.goto("/admin/branch-life/meetings/new")
    expect(page.locator("#roster")).to_contain_text("张三")
    page.select_option("select[name=kind]", "general_meeting")
    page.fill("input[name=held_on]", "2026-10-12")
    page.fill("input[name=place]", "村活动室")
    page.click("#all-present")
    page.get_by_label("李四 请假", exact=True).check()
    page.click("#meeting-form button[type=submit]")
    # excused without a reason: refused with the rule's code, the ticks kept
    expect(page.locator("#meeting-form .error[role=alert]")).to_contain_text("R-LIFE-09")
    expect(page.get_by_label("张三 出席", exact=True)).to_be_checked()
    page.get_by_label("李四 请假事由").fill("外出就医")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/branch-life\?.*month=10"))
    month = page.locator("#month")
    expect(month).to_contain_text("村活动室")
    expect(month).to_contain_text("出席 1 · 请假 1 · 缺席 0")
    # htmx month switch: September is empty, then back to October
    page.evaluate("window.__sameDocument = true")
    month.locator("button").first.click()
    expect(page.locator("#month section")).to_have_attribute("data-month", "2026-09")
    expect(page.locator("#month")).to_contain_text("本月没有会议记录")
    page.locator("#month button").nth(1).click()
    expect(page.locator("#month section")).to_have_attribute("data-month", "2026-10")
    assert page.evaluate("window.__sameDocument === true")


def test_election_arithmetic_as_the_clerk_types(page: Any, world) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    sign_in(page, "township")
    page.goto(f"/admin/branch-life/elections/new?org={world.gid('Organization', 'V2')}")
    page.fill("input[name=seats]", "3")
    page.fill("input[name=should_attend]", "5")
    for i, (name, votes) in enumerate((("甲", "4"), ("乙", "4"), ("丙", "3"), ("丁", "1"))):
        page.fill(f"input[name=name_{i}]", name)
        page.fill(f"input[name=votes_{i}]", votes)
    page.fill("input[name=present]", "4")
    expect(page.locator("#election-explain")).to_contain_text("R-ELEC-02")
    page.fill("input[name=present]", "5")
    expect(page.locator("#election-explain .election-explanation")).to_have_attribute("data-code", "")
    expect(page.locator("#election-explain")).to_contain_text("选举有效")
