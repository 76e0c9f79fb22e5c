"""The evaluation grid in a real browser: rows save in place through htmx, the progress
and the blockers refresh, the close button explains what blocks closing, then closes."""

from __future__ import annotations

import re
import shutil
from datetime import date
from typing import Any

import pytest

from tests.conftest import PASSWORD, system_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"
    ),
]


def test_round_grid_saves_rows_in_place_and_closes(
    page: Any, world: Any, session_factory: Any, settings: Any, clock: Any
) -> None:
    from playwright.sync_api import expect
    from strawberry.relay import GlobalID

    from partygraph.services import evaluation

    # Playwright's sync API owns this thread's event loop: set up through the service directly.
    with session_factory() as s:
        rnd = evaluation.open_round(
            system_context(s, settings, clock),
            org_id=world.ids["V1"],
            year=2026,
            opened_on=date(2026, 10, 20),
        )
        s.commit()
        round_id = str(GlobalID("EvaluationRound", str(rnd.id)))

    page.goto("/admin/login")
    page.fill("input[name=username]", "township")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/"))
    page.goto(f"/admin/evaluation/rounds/{round_id}")
    expect(page.locator("#progress")).to_contain_text("0 / 2 人已评定")
    page.evaluate("window.__sameDocument = true")

    zhang = page.locator("#grid tbody tr", has_text="张三")
    zhang.locator("input[name=peer_excellent]").fill("23")
    zhang.locator("input[name=peer_qualified]").fill("40")
    zhang.locator("input[name=peer_unqualified]").fill("2")
    zhang.locator("select[name=committee]").select_option("qualified")
    zhang.locator("select[name=grade]").select_option("basically_qualified")
    zhang.locator("button.save-row").click()

    zhang = page.locator("#grid tbody tr", has_text="张三")
    expect(zhang).to_contain_text("已保存")
    expect(zhang.locator("td.suggestion")).to_contain_text("合格")
    expect(zhang).to_contain_text("警示谈话")  # R-EVAL-03 task with its deadline
    expect(zhang.locator("input[name=peer_excellent]")).to_have_value("23")
    # The round's progress and blockers refresh without a page load.
    expect(page.locator("#progress")).to_contain_text("1 / 2 人已评定")
    expect(page.locator("#blockers")).to_contain_text("李四")
    assert page.evaluate("window.__sameDocument === true")

    # Closing now explains what blocks it, in place.
    page.locator("#close-round").click()
    expect(page.locator("#close-result")).to_contain_text("R-EVAL-01")
    expect(page.locator("#close-result")).to_contain_text("李四")
    assert page.evaluate("window.__sameDocument === true")

    li = page.locator("#grid tbody tr", has_text="李四")
    li.locator("input[name=masses_qualified]").fill("9")
    li.locator("select[name=grade]").select_option("qualified")
    li.locator("button.save-row").click()
    expect(page.locator("#grid tbody tr", has_text="李四")).to_contain_text("已保存")
    expect(page.locator("#progress")).to_contain_text("2 / 2 人已评定")

    page.locator("#close-round").click()
    expect(page.locator("h1")).to_contain_text("已结束")
    expect(page.locator("button.save-row")).to_have_count(0)


def test_per_rater_entry_of_a_row_in_place(
    page: Any, world: Any, session_factory: Any, settings: Any, clock: Any
) -> None:
    from playwright.sync_api import expect
    from strawberry.relay import GlobalID

    from partygraph.services import evaluation

    with session_factory() as s:
        rnd = evaluation.open_round(
            system_context(s, settings, clock),
            org_id=world.ids["V1"],
            year=2026,
            opened_on=date(2026, 10, 20),
        )
        s.commit()
        round_id = str(GlobalID("EvaluationRound", str(rnd.id)))

    page.goto("/admin/login")
    page.fill("input[name=username]", "township")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/"))
    page.goto(f"/admin/evaluation/rounds/{round_id}")
    page.evaluate("window.__sameDocument = true")

    page.locator("#grid tbody tr", has_text="张三").locator("button.raters-row").click()
    editor = page.locator("#grid tbody tr.raters-mode")
    expect(editor.locator("input[name=rater]")).to_have_count(3)
    editor.locator("input[name=rater]").nth(0).fill("王五")
    editor.locator("select[name=rater_grade]").nth(0).select_option("excellent")
    editor.locator("input[name=rater]").nth(1).fill("赵六")  # no grade: refused beside the row
    editor.locator("button.save-raters").click()
    editor = page.locator("#grid tbody tr.raters-mode")
    expect(editor.locator("[role=alert]")).to_contain_text("请选择等次")
    expect(editor.locator("input[name=rater]").nth(1)).to_have_value("赵六")

    editor.locator("button.more-raters").click()
    editor = page.locator("#grid tbody tr.raters-mode")
    expect(editor.locator("input[name=rater]")).to_have_count(7)
    editor.locator("select[name=rater_grade]").nth(1).select_option("qualified")
    editor.locator("select[name=rater_grade]").nth(2).select_option(
        "qualified"
    )  # an anonymous ballot
    editor.locator("button.save-raters").click()

    zhang = page.locator("#grid tbody tr", has_text="张三")
    expect(zhang).to_contain_text("已保存")
    expect(zhang).to_contain_text("互评 3 人")
    expect(zhang.locator("input[name=peer_excellent]")).to_have_value("1")
    expect(zhang.locator("input[name=peer_qualified]")).to_have_value("2")
    expect(page.locator("#grid tbody tr.raters-mode")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true")

    # The grid row's own save keeps the per-rater entry and concludes the member. Let the
    # raters' save settle first (its swap and the progress refresh), or the grade may be
    # chosen in a row that is about to be replaced.
    page.wait_for_load_state("networkidle")
    zhang = page.locator("#grid tbody tr", has_text="张三")
    zhang.locator("select[name=grade]").select_option("qualified")
    expect(zhang.locator("select[name=grade]")).to_have_value("qualified")
    zhang.locator("button.save-row").click()
    expect(page.locator("#progress")).to_contain_text("1 / 2 人已评定", timeout=15_000)
    expect(page.locator("#grid tbody tr", has_text="张三")).to_contain_text("互评 3 人")
