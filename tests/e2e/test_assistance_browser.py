"""Assistance in a real browser: the allowance run's preview → confirm → pay, never twice;
a workflow step refused in place (htmx swaps the form with the rule's code)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from typing import Any

import pytest

from partygraph.services import assistance as aid
from partygraph.services import member as members
from tests.conftest import PASSWORD, system_context

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


def test_allowance_run_preview_confirm_pay_once(page: Any, world, session_factory, settings, clock) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.register(ctx, org_id=world.ids["V1"], name="孙老", gender="male", birth_date=date(1940, 3, 3), education="primary", joined_on=date(1965, 7, 1), converted_on=date(1966, 7, 1))
        s.commit()
    sign_in(page, "county")
    page.goto("/admin/allowances")
    page.select_option("select[name=kind]", "age80")
    page.fill("input[name=month]", "2026-10")
    page.click("#preview")
    preview = page.locator("#preview-list")
    expect(preview).to_contain_text("孙老")
    expect(preview).to_contain_text("应发 1 人，合计 20.00 元")

    # Paying without ticking the confirmation is refused, nothing paid.
    page.click("#pay")
    expect(page.locator("#preview-list")).to_contain_text("请先核对名单并勾选确认")
    expect(page.locator("#runs")).to_contain_text("暂无")

    page.check("#confirm")
    page.click("#pay")
    page.wait_for_url(re.compile(r"/admin/allowances/runs/"))
    expect(page.locator("#paid-count")).to_have_text("1")
    expect(page.locator("#payments")).to_contain_text("孙老")

    # The same month again: already paid, no pay button.
    page.goto("/admin/allowances?kind=age80&month=2026-10&under=" + world.gid("Organization", "C"))
    expect(page.locator("#preview-list")).to_contain_text("本期已发")
    expect(page.locator("#pay")).to_have_count(0)
    expect(page.locator("#runs")).to_contain_text("2026-10")


def test_workflow_step_refused_in_place(page: Any, world, session_factory, settings, clock) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect
    from strawberry.relay import GlobalID

    with session_factory() as s:
        c = aid.open_case(system_context(s, settings, clock), member_id=world.members["zhang"], cause="illness", applied_on=date(2026, 1, 5))
        s.commit()
        cid = str(GlobalID("AssistanceCase", str(c.id)))
    sign_in(page, "village")
    page.goto(f"/admin/assistance/{cid}")
    page.evaluate("window.__sameDocument = true")
    form = page.locator("#step-form")
    form.locator("input[name=on]").fill("2026-01-10")
    form.locator("button[type=submit]").click()
    expect(page.locator("#record-error")).to_contain_text("R-AID-06")
    assert page.evaluate("window.__sameDocument === true")
    page.locator("#step-form textarea[name=record]").fill("支部党员大会民主评议通过")
    page.locator("#step-form button[type=submit]").click()
    expect(page.locator("#timeline")).to_contain_text("支部党员大会民主评议通过")
    expect(page.locator("h1")).to_contain_text("支部已评议")
