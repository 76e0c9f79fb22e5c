"""Chinese first, English second: every UI string of the admin has an English translation.

Scans templates/ for `_("…")` and src/partygraph/admin for `p.t("…")`, `_("…")` and
`N_("…")` (strings marked in Python and translated by a template), and fails when
one has no English entry in src/partygraph/locale/en/*.po.
"""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from partygraph.config import PACKAGE_DIR, PROJECT_DIR

TEMPLATES = PROJECT_DIR / "templates"
ADMIN = PACKAGE_DIR / "admin"
LOCALE = PACKAGE_DIR / "locale" / "en"

# `_("…")`, `N_("…")`, `p.t("…")` / `self.p.t("…")` with a literal as the whole argument.
MARKED = re.compile(
    r"""(?:(?<![\w.])N?_|(?<![\w])p\.t)\(\s*(?P<q>["'])(?P<text>(?:(?!(?P=q)).)+)(?P=q)\s*\)"""
)
PLACEHOLDER = re.compile(r"%[sd]|\{\w*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def marked_strings() -> dict[str, set[str]]:
    """msgid → the files that use it."""
    found: dict[str, set[str]] = {}
    files = [*TEMPLATES.rglob("*.html"), *ADMIN.rglob("*.py")]
    for path in files:
        for match in MARKED.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group("text"), set()).add(str(path.relative_to(PROJECT_DIR)))
    return found


def english_catalog() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(LOCALE.glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh):
                if message.id:
                    out[str(message.id)] = str(message.string or "")
    return out


def test_the_scanner_finds_the_known_strings() -> None:
    found = marked_strings()
    assert "党组织工作" in found  # base.html
    assert "用户名或密码错误" in found  # p.t() in admin/routes.py
    assert "请选择一项" in found  # N_() in admin/forms.py
    assert len(found) > 150


def test_every_ui_string_has_an_english_translation() -> None:
    catalog = english_catalog()
    missing = {
        text: sorted(where) for text, where in marked_strings().items() if not catalog.get(text)
    }
    assert not missing, "No English entry in locale/en/*.po for:\n" + "\n".join(
        f"  {text!r}  ({', '.join(where)})" for text, where in sorted(missing.items())
    )


def test_translations_keep_placeholders_and_are_english() -> None:
    problems = []
    for msgid, msgstr in english_catalog().items():
        if not msgstr:
            continue
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
            problems.append(f"placeholders differ: {msgid!r} → {msgstr!r}")
        if CJK.search(msgstr):
            problems.append(f"Chinese left in the English text: {msgid!r} → {msgstr!r}")
    assert not problems, "\n".join(problems)


def test_the_admin_speaks_english_when_asked(client, world) -> None:
    from tests.conftest import login

    login(client, "township")
    client.get("/admin/lang", params={"lang": "en"})
    page = client.get("/admin/orgs").text
    assert "Organisation tree" in page and "组织树" not in page
    assert not CJK.search(page.split("<main>", 1)[1].split("威州镇党委")[0])


def test_no_message_is_translated_twice_differently() -> None:
    """The catalogs are merged into one; a second translation of the same text silently wins
    over the first on every page that uses it."""
    # Texts already translated differently in two catalogs before this test existed: each
    # needs a context (msgctxt) or one wording; tracked with the admin's English labels.
    # The list may only shrink.
    known = {
        "下一页", "备注", "没有符合条件的党员", "范围", "党员", "日期格式应为 YYYY-MM-DD", "是",
        "任职组织", "期限", "内容", "申请日期", "公示", "开始日期", "结束日期", "对象",
    }
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in sorted(LOCALE.glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f):
                if not message.id or not message.string:
                    continue
                key = str(message.id)
                if key in seen and seen[key][1] != message.string and key not in known:
                    clashes.append(f"{key!r}: {seen[key][0]} {seen[key][1]!r} / {po.name} {message.string!r}")
                seen.setdefault(key, (po.name, str(message.string)))
    assert not clashes, "\n".join(clashes)
