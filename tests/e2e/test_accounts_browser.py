"""A real browser through account administration: a township clerk creates an account (the
one-time password swapped in by htmx), resets its password after a confirmation, then the new
clerk signs in with it and is held on the change-password page until the password is changed.

Debian's chromium driven by Playwright; skipped when chromium or playwright is missing.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.conftest import PASSWORD

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH")


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_create_reset_sign_in_and_forced_change(db, world, live_server, page: Any) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "township", PASSWORD)
    page.click("header >> text=账号管理")
    page.wait_for_url("**/admin/accounts")
    page.click("text=新建账号")
    page.wait_for_selector("#account-form")
    page.evaluate("window.__notReloaded = true")
    page.fill("input[name=username]", "x")  # too short: refused beside the field, in place
    page.fill("input[name=displayName]", "龙溪村书记")
    page.select_option("select[name=role]", "village")
    page.select_option("select[name=orgId]", world.gid("Organization", "V2"))
    page.click("#create-account")
    page.wait_for_selector("#username-error")
    assert page.evaluate("window.__notReloaded") is True
    assert page.input_value("input[name=displayName]") == "龙溪村书记"
    page.fill("input[name=username]", "longxi")
    page.click("#create-account")
    first = page.wait_for_selector("#one-time-password").inner_text()
    assert len(first) >= 12
    # The account page: reset the password, asked first.
    page.click("text=查看账号")
    page.wait_for_selector("#action-reset-password")
    page.click("#action-reset-password")
    page.wait_for_selector("#confirm-reset-password")
    page.click("#confirm-reset-password")
    otp = page.wait_for_selector("#one-time-password").inner_text()
    assert otp != first
    page.click("header form button[type=submit]")  # sign out
    page.wait_for_url("**/admin/login**")

    sign_in(page, live_server, "longxi", otp)
    page.wait_for_selector("#forced-change")
    page.goto(f"{live_server}/admin/members")
    assert page.url.endswith("/admin/account/password")  # nowhere else until changed
    page.fill("input[name=oldPassword]", otp)
    page.fill("input[name=newPassword]", "longxi-new-pass")
    page.fill("input[name=newPassword2]", "longxi-other")
    page.click("#save-password")
    page.wait_for_selector("#newPassword2-error")
    page.fill("input[name=oldPassword]", otp)
    page.fill("input[name=newPassword]", "longxi-new-pass")
    page.fill("input[name=newPassword2]", "longxi-new-pass")
    page.click("#save-password")
    page.wait_for_url(lambda url: "/admin/login" in url or "changed=1" in url)
    if "/admin/login" in page.url:  # the change ended the session: sign in with the new password
        sign_in(page, live_server, "longxi", "longxi-new-pass")
    page.goto(f"{live_server}/admin/members")
    assert page.url.endswith("/admin/members")
