"""The transfer lists in a real browser: a filter or a page swaps the lists in place (htmx)
and the address bar follows; refusing a transfer asks first and keeps the filtered list."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from tests.admin.test_transfer_lists import _send_many
from tests.e2e.test_branch_life_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"
    ),
]


def test_filters_and_pages_swap_the_lists_in_place(
    page: Any, world, session_factory, settings, clock
) -> None:
    from playwright.sync_api import expect

    _send_many(session_factory, settings, clock, world, 23, 2)
    sign_in(page, "township")
    page.goto("/admin/transfers")
    expect(page.locator("#outgoing h2")).to_contain_text("23")
    page.evaluate("window.__sameDocument = true")
    page.select_option("#transfer-filters select[name=direction]", "outgoing")
    expect(page.locator("#incoming")).to_have_count(0)
    page.check("#transfer-filters input[value=pending]")
    expect(page.locator("#outgoing h2")).to_contain_text("21")
    expect(page).to_have_url(re.compile(r"direction=outgoing&status=pending"))
    page.click("#outgoing-pager a[rel=next]")
    expect(page.locator("#outgoing-pager")).to_contain_text("2 / 2")
    expect(page.locator("#outgoing tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"out="))
    page.click("#outgoing-pager a[rel=prev]")
    expect(page.locator("#outgoing tbody tr")).to_have_count(20)
    assert page.evaluate("window.__sameDocument === true")


def test_refusing_asks_first_and_keeps_the_filtered_list(
    page: Any, world, session_factory, settings, clock
) -> None:
    from playwright.sync_api import expect

    _send_many(session_factory, settings, clock, world, 2, 0)
    sign_in(page, "township2")
    page.goto("/admin/transfers?direction=incoming&status=pending")
    row = page.locator("#incoming tbody tr").first
    page.once("dialog", lambda d: d.dismiss())
    row.locator("form.refuse button").click()
    expect(page.locator("#incoming tbody tr")).to_have_count(2)
    row.locator("input[name=note]").fill("查无此人")
    page.once("dialog", lambda d: d.accept())
    row.locator("form.refuse button").click()
    page.wait_for_url(re.compile(r"/admin/transfers\?direction=incoming&status=pending$"))
    expect(page.locator("#incoming tbody tr")).to_have_count(1)


def test_the_date_range_swaps_the_lists_in_place(
    page: Any, world, session_factory, settings, clock
) -> None:
    from datetime import date

    from playwright.sync_api import expect

    _send_many(
        session_factory, settings, clock, world, 4, 0, [date(2026, 9, 30), date(2026, 10, 2)]
    )
    sign_in(page, "township")
    page.goto("/admin/transfers?direction=outgoing")
    expect(page.locator("#outgoing h2")).to_contain_text("4")
    page.evaluate("window.__sameDocument = true")
    page.fill("#transfer-filters input[name=sent_from]", "2026-10-01")
    expect(page.locator("#outgoing h2")).to_contain_text("2")
    expect(page).to_have_url(re.compile(r"sent_from=2026-10-01"))
    page.fill("#transfer-filters input[name=sent_to]", "2026-09-01")
    expect(page.locator("#sent_to-error")).to_be_visible()
    expect(page.locator("#outgoing h2")).to_contain_text("0")
    assert page.evaluate("window.__sameDocument === true")
