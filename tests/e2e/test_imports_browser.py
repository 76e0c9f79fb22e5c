"""The import page in a real browser: the ledger chosen with a radio button travels with the
htmx upload, the preview lists a bad row with its rule code, the confirm imports the ledger."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_imports_ledgers import APPLIED, HELPING, sheet
from tests.e2e.test_browser import mark_document, sign_in, still_same_document

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="chromium is not installed: browser tests skipped"
    ),
]


def test_assistance_ledger_preview_then_confirm(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page, "county")
    page.goto("/admin/import")
    mark_document(page)
    bad, good = tmp_path / "bad.csv", tmp_path / "cases.csv"
    bad.write_bytes(sheet([{**APPLIED, "困难类别": "天灾"}]))
    good.write_bytes(sheet([HELPING, APPLIED]))
    page.get_by_label("困难党员台账").check()
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator(".job table.problems")).to_contain_text("天灾")
    expect(page.locator(".job")).to_contain_text("困难党员台账")
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)
    # the page was swapped by htmx; the chosen ledger is still chosen
    expect(page.get_by_label("困难党员台账")).to_be_checked()
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="上传并检查").click()
    confirm = page.get_by_role("button", name=re.compile("确认导入 2"))
    expect(confirm).to_be_visible()
    confirm.click()
    expect(page.locator(".job")).to_contain_text("已导入 2")
    assert still_same_document(page)
