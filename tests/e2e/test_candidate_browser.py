"""A real browser on the candidate page: the step form refuses inline with the rule's
code (htmx swap, no page load), then records the step.

Debian's chromium driven by Playwright (its own browser download does not work on
these machines); skipped when chromium or playwright is missing.
"""

from __future__ import annotations

import shutil
from datetime import date
from typing import Any

import pytest

from tests.conftest import PASSWORD

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH")


@pytest.fixture
def browser_page(page: Any) -> Any:
    """The shared browser tab of tests/e2e/conftest.py (one browser per module)."""
    return page


@pytest.fixture
def cid(gql, world, clock) -> str:  # type: ignore[no-untyped-def]
    """An applicant of 2026-09-01, recorded before the browser's event loop starts."""
    clock.today = date(2026, 9, 1)
    out = gql(
        """mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) {
             ... on CandidatePayload { candidate { id } } } }""",
        {"i": {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-09-01", "name": "杨晓明", "gender": "male", "birthDate": "1998-05-05", "education": "senior_high"}},
        user="village",
    )
    return out["applyForMembership"]["candidate"]["id"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_step_form_inline_refusal_then_record(db, cid, clock, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    clock.today = date(2026, 9, 7)  # a Monday
    page = browser_page
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    page.goto(f"{live_server}/admin/candidates/{cid}")
    page.evaluate("window.__notReloaded = true")
    # choose the public notice: htmx swaps in its fields
    page.select_option("select[name=step]", "notice")
    page.wait_for_selector("input[name=notice_place]")
    page.fill("input[name=on]", "2026-09-07")
    page.fill("input[name=notice_place]", "村务公开栏")
    page.fill("input[name=notice_ends_on]", "2026-09-08")  # two working days: too short
    page.click("#step-form button[type=submit]")
    error = page.wait_for_selector("#step-error")
    assert "R-DEV-03" in error.inner_text()
    assert "公示期不足" in error.inner_text() or "Notice too short" in error.inner_text()
    assert page.evaluate("window.__notReloaded") is True  # swapped in place, no page load
    assert page.input_value("input[name=notice_place]") == "村务公开栏"  # what the clerk typed stays
    # correct the end date: recorded, the page shows it in the file
    page.fill("input[name=notice_ends_on]", "2026-09-11")
    page.click("#step-form button[type=submit]")
    page.wait_for_selector("table.timeline >> text=村务公开栏")
    assert "村务公开栏" in page.inner_text("table.timeline")


@pytest.fixture
def target_id(gql, world, clock) -> str:  # type: ignore[no-untyped-def]
    """A development target whose application form is filled: the admission vote is next."""
    from tests.api.test_candidate import Pipeline, run_until

    p = Pipeline(gql, world, clock)
    run_until(p, "admission_vote")
    return p.id  # type: ignore[return-value]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_vote_form_shows_the_quorum_arithmetic_as_the_clerk_types(db, target_id, clock, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    clock.today = date(2024, 7, 1)
    page = browser_page
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    page.goto(f"{live_server}/admin/candidates/{target_id}?lang=zh")
    page.select_option("select[name=step]", "admission_vote")
    page.wait_for_selector("#vote-fields")
    assert page.input_value("input[name=should_attend]") == "2"  # the branch's full members
    page.fill("input[name=present]", "1")
    page.wait_for_selector("#vote-explain [data-code=R-VOTE-01]")
    page.fill("input[name=present]", "2")
    page.fill("input[name=yes]", "1")
    page.wait_for_selector("#vote-explain [data-code=R-VOTE-02]")
    page.fill("input[name=yes]", "2")
    page.wait_for_selector("#vote-explain [data-code='']")
    assert "2" in page.inner_text("#vote-explain")
    page.fill("input[name=on]", "2024-07-01")
    page.click("#step-form button[type=submit]")
    page.wait_for_selector("table.timeline >> text=should_attend")


@pytest.fixture
def sanctioned_target_id(gql, world, clock) -> str:  # type: ignore[no-untyped-def]
    """As `target_id`, but the introducer 张三 is under 留党察看 since 2024-06-26."""
    from tests.api.test_candidate import Pipeline, run_until

    p = Pipeline(gql, world, clock)
    run_until(p, "admission_vote")
    clock.today = date(2024, 7, 1)
    out = gql(
        "mutation($i: RecordMemberSanctionInput!) { recordMemberSanction(input: $i) { __typename } }",
        {"i": {"memberId": world.gid("Member", "zhang"), "kind": "party_probation", "decidedOn": "2024-06-26", "probationYears": 1, "decidedBy": "岷江县纪委"}},
    )
    assert out["recordMemberSanction"]["__typename"] == "MemberSanctionPayload"
    return p.id  # type: ignore[return-value]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_vote_refused_for_a_sanctioned_introducer_links_to_the_replacement(db, sanctioned_target_id, world, clock, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    clock.today = date(2024, 7, 1)
    page = browser_page
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    page.goto(f"{live_server}/admin/candidates/{sanctioned_target_id}?lang=zh")
    page.evaluate("window.__notReloaded = true")
    page.select_option("select[name=step]", "admission_vote")
    page.wait_for_selector("#vote-fields")
    page.fill("input[name=on]", "2024-07-01")
    page.fill("input[name=present]", "2")
    page.fill("input[name=yes]", "2")
    page.click("#step-form button[type=submit]")
    error = page.wait_for_selector("#step-error")
    assert "R-DEV-09" in error.inner_text() and "张三" in error.inner_text()
    # the refusal's link swaps in the replacement form: the pair in force ticked, a reason asked
    page.click("#replace-introducers")
    page.wait_for_selector("#current-introducers")
    assert page.evaluate("window.__notReloaded") is True
    assert page.input_value("select[name=step]") == "introducers_assigned"
    zhang, li = world.gid("Member", "zhang"), world.gid("Member", "li")
    assert page.is_checked(f"input[name=introducer_ids][value='{zhang}']")
    assert page.is_checked(f"input[name=introducer_ids][value='{li}']")
    # 张三 kept: refused again on the assignment's own day, inline
    page.fill("input[name=on]", "2024-07-01")
    page.fill("input[name=reason]", "张三受留党察看处分")
    page.click("#step-form button[type=submit]")
    page.wait_for_selector("#step-error >> text=R-DEV-09")
    assert page.input_value("input[name=reason]") == "张三受留党察看处分"
