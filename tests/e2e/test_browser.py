"""The admin in a real browser: htmx really swaps, pushes URLs and shows errors in place."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"
    ),
]


def sign_in(page: Any, username: str = "township") -> None:
    page.goto("/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/orgs$"))


def mark_document(page: Any) -> None:
    """A flag that a full page load would wipe out."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page: Any) -> bool:
    return page.evaluate("window.__sameDocument === true")


def settled(page: Any) -> None:
    """Wait until htmx has finished its swaps: it wires the new content's triggers when it
    settles (20 ms after the swap), so a change made before then would be lost."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_tree_to_member_search_and_edit(page: Any) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    tree = page.locator("#tree")
    expect(tree).to_contain_text("威州镇党委")
    # Children are fetched only when the township is expanded.
    expect(tree).not_to_contain_text("布瓦村党支部")
    mark_document(page)
    tree.locator("button.toggle").first.click()
    expect(tree).to_contain_text("布瓦村党支部")
    expect(tree).to_contain_text("龙溪村党支部")
    assert still_same_document(page)

    # A village, then its members.
    tree.get_by_role("link", name="布瓦村党支部").click()
    expect(page.locator("h1")).to_contain_text("布瓦村党支部")
    page.locator("#org-actions").get_by_role("link", name="党员名册").click()
    page.wait_for_url(re.compile(r"/admin/members\?under="))
    table = page.locator("#member-table tbody")
    expect(table).to_contain_text("张三")
    expect(table).to_contain_text("李四")
    expect(table).not_to_contain_text("王五")  # another village

    # Search as you type: the table changes, the page does not reload, the URL keeps the query.
    mark_document(page)
    page.locator("input[name=q]").press_sequentially("zs", delay=50)
    expect(table).not_to_contain_text("李四")
    expect(table).to_contain_text("张三")
    expect(page.locator("#result-count")).to_contain_text("共 1 人")
    assert still_same_document(page)
    assert "q=zs" in page.url and "under=" in page.url

    # Sort by a column header, still in place.
    page.locator("input[name=q]").fill("")
    page.locator("input[name=q]").dispatch_event("search")
    expect(table).to_contain_text("李四")
    birth = page.locator("#member-table thead a[data-sort=birth]")
    birth.click()
    expect(birth).to_have_attribute("aria-sort", "ascending")
    expect(table.locator("tr").first).to_contain_text("张三")  # born 1970, before 李四 (1980)
    birth.click()
    expect(birth).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tr").first).to_contain_text("李四")
    assert still_same_document(page) and "sort=-birth" in page.url

    # Open a member and edit the phone.
    table.get_by_role("link", name="张三").click()
    expect(page.locator("h1")).to_contain_text("张三")
    page.get_by_role("link", name="修改信息").click()
    page.fill("input[name=phone]", "13912345678")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/admin/members/[^/]+$"))
    expect(page.locator("#member-phone")).to_have_text("13912345678")
    history = page.locator("table.history")
    expect(history).to_contain_text("member.update")
    expect(history).to_contain_text("13912345678")


def test_inline_validation_error_keeps_what_was_typed(page: Any, world: Any) -> None:
    from playwright.sync_api import expect

    sign_in(page, "village")
    page.goto(f"/admin/members/{world.gid('Member', 'li')}/edit")
    mark_document(page)
    page.fill("input[name=occupation]", "木匠")
    page.fill("input[name=phone]", "13700001234")
    page.fill("input[name=name]", "")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#name-error")
    expect(error).to_have_text("姓名不能为空")
    expect(page.locator("input[name=name]")).to_have_attribute("aria-invalid", "true")
    # Swapped in place: same document, same address, the other fields as typed.
    assert still_same_document(page)
    assert page.url.endswith("/edit")
    expect(page.locator("input[name=occupation]")).to_have_value("木匠")
    expect(page.locator("input[name=phone]")).to_have_value("13700001234")
    # Fix it and save: the swapped-in form still carries the CSRF token and the version.
    page.fill("input[name=name]", "李四")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/admin/members/[^/]+$"))
    expect(page.locator("#member-facts")).to_contain_text("木匠")
