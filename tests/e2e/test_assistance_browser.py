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
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"
    ),
]


def sign_in(page: Any, username: str) -> None:
    page.goto("/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/orgs$"))


def test_allowance_run_preview_confirm_pay_once(
    page: Any, world, session_factory, settings, clock
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.register(
            ctx,
            org_id=world.ids["V1"],
            name="孙老",
            gender="male",
            birth_date=date(1940, 3, 3),
            education="primary",
            joined_on=date(1965, 7, 1),
            converted_on=date(1966, 7, 1),
        )
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
        c = aid.open_case(
            system_context(s, settings, clock),
            member_id=world.members["zhang"],
            cause="illness",
            applied_on=date(2026, 1, 5),
        )
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


def test_pairing_promise_refused_in_place_then_kept_and_ended_after_confirming(
    page: Any, world, session_factory, settings, clock
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect
    from strawberry.relay import GlobalID

    from partygraph.services import organization as orgs
    from tests.api.test_assistance import helping_case

    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        agency = orgs.create(
            ctx,
            parent_id=world.ids["T1"],
            code="A1",
            name="威州镇机关党支部",
            kind="branch",
            branch_type="agency",
        )
        members.register(
            ctx,
            org_id=agency.id,
            name="周八",
            gender="male",
            birth_date=date(1985, 1, 1),
            education="bachelor",
            joined_on=date(2010, 7, 1),
            converted_on=date(2011, 7, 1),
        )
        s.commit()
    cid = str(
        GlobalID(
            "AssistanceCase",
            str(helping_case(session_factory, settings, clock, world.members["wang"])),
        )
    )
    sign_in(page, "township")
    page.goto(f"/admin/assistance/{cid}")
    form = page.locator("#pairing-form")
    form.locator("select[name=helperMemberId]").select_option(label="周八")
    form.locator("input[name=startedOn]").fill("2026-02-15")
    form.locator("input[value=until_out]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/pairings/"))
    expect(page.locator("h1")).to_contain_text("进行中")
    page.evaluate("window.__sameDocument = true")

    # A promise due before it was made: refused in place, with the rule's code beside the field.
    promise = page.locator("#promise-form")
    promise.locator("textarea[name=text]").fill("帮助联系销路")
    promise.locator("input[name=madeOn]").fill("2026-03-01")
    promise.locator("input[name=dueOn]").fill("2026-02-01")
    promise.locator("button[type=submit]").click()
    expect(page.locator("#dueOn-error")).to_contain_text("R-AID-14")
    expect(page.locator("#promise-form textarea[name=text]")).to_have_value("帮助联系销路")
    assert page.evaluate("window.__sameDocument === true")
    page.locator("#promise-form input[name=dueOn]").fill("2026-12-31")
    page.locator("#promise-form button[type=submit]").click()
    expect(page.locator("#promises")).to_contain_text("帮助联系销路")

    keep = page.locator("#promises form[action$='/keep']")
    keep.locator("input[name=keptOn]").fill("2026-07-10")
    keep.locator("input[name=note]").fill("已联系县农贸市场")
    keep.locator("button[type=submit]").click()
    expect(page.locator("#promises")).to_contain_text("已联系县农贸市场")

    # A promise that will not be kept (未兑现): recorded after confirming, with its reason; no
    # longer overdue (R-AID-16).
    promise = page.locator("#promise-form")
    promise.locator("textarea[name=text]").fill("引进花椒深加工项目")
    promise.locator("input[name=madeOn]").fill("2026-03-01")
    promise.locator("input[name=dueOn]").fill("2026-06-30")
    promise.locator("button[type=submit]").click()
    row = page.locator("#promises tr", has_text="引进花椒深加工项目")
    expect(row).to_contain_text("R-AID-16")
    row.locator("details.promise-break summary").click()
    brk = row.locator("form[action$='/break']")
    brk.locator("input[name=brokenOn]").fill("2026-08-01")
    page.once("dialog", lambda d: d.accept())
    brk.locator("button[type=submit]").click()  # no reason: refused in place, the form stays open
    expect(row.locator("#reason-error")).to_be_visible()
    brk = row.locator("form[action$='/break']")
    brk.locator("input[name=reason]").fill("资金未落实，项目取消")
    page.once("dialog", lambda d: d.dismiss())
    brk.locator("button[type=submit]").click()
    expect(row).to_contain_text("R-AID-16")
    page.once("dialog", lambda d: d.accept())
    brk.locator("button[type=submit]").click()
    expect(row).to_contain_text("资金未落实，项目取消")
    expect(row).not_to_contain_text("R-AID-16")
    expect(row.locator("form")).to_have_count(0)
    expect(page.locator("table.history")).to_contain_text("promise.break")

    # Ending asks first: declining leaves the pairing going; accepting ends it.
    page.once("dialog", lambda d: d.dismiss())
    page.locator("#end-form button[type=submit]").click()
    expect(page.locator("#pairing-state")).to_have_text("进行中")
    page.once("dialog", lambda d: d.accept())
    page.locator("#end-form button[type=submit]").click()
    expect(page.locator("#pairing-state")).to_have_text("已结束")
    expect(page.locator("#end-form")).to_have_count(0)
