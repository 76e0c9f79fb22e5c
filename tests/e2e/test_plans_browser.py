"""A real browser on the plan form: a refusal comes back inline with the rule's code (htmx
swap, no page load, what the clerk typed kept), then the plan is made and adopted through
the two-step confirmation.

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


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_plan_form_inline_refusal_then_create_and_adopt(db, world, live_server, page: Any) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=username]", "township")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    page.click("header nav >> text=发展计划")
    page.wait_for_url("**/admin/plans")
    page.click("text=制定计划")
    page.wait_for_selector("#plan-form")
    page.evaluate("window.__notReloaded = true")
    page.select_option("select[name=orgId]", world.gid("Organization", "V1"))
    page.fill("input[name=newActivists]", "3")
    page.fill("input[name=admissions]", "-1")
    page.fill("input[name=womenPct]", "45")
    page.click("#plan-form button[type=submit]")
    error = page.wait_for_selector("#admissions-error")
    assert "R-PLAN-03" in error.inner_text()
    assert page.evaluate("window.__notReloaded") is True  # swapped in place
    assert page.input_value("input[name=womenPct]") == "45"  # what the clerk typed stays
    assert page.input_value("select[name=orgId]") == world.gid("Organization", "V1")
    page.fill("input[name=admissions]", "1")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#progress")
    assert "布瓦村党支部" in page.inner_text("h1") and "草案" in page.inner_text("#plan-status")
    # adopt: asked first, in place
    page.click("#adopt")
    page.wait_for_selector("#confirm-adopt")
    assert page.input_value("input[name=adoptedOn]")
    page.click("#confirm-adopt")
    page.wait_for_selector("#plan-status >> text=已通过")
    assert page.query_selector("#adopt") is None
