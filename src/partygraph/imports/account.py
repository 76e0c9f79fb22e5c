"""Create accounts in bulk from a spreadsheet (one account per branch, typically), .xlsx or .csv:
a dry run that lists every bad row with its reason, then an all-or-nothing commit through
`services.account.create` that returns each new account's one-time password once.

Columns: 组织代码 (or 组织编码), 用户名, 姓名, 角色. The role is written as its label
(村党支部书记/组织委员), a short word (县, 乡镇, 村, 党小组, 只读) or its value (village).

A row is bad when a value is missing, the organisation code is unknown or outside the
importer's subtree or the organisation is dissolved, the username is malformed or taken
(R-ACC-04, R-ACC-05), the role is unknown or above what the importer may give (R-ACC-02),
or the username repeats an earlier row. Nothing is ever updated: an existing username is
a bad row, not a skip, because the file is about to hand out passwords and a silent skip
would leave a clerk with a password that does not work.

One-time passwords are in the returned list only, never in the report kept by a job or in
the audit trail (which records each creation as the account page's form does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from partygraph.context import Context
from partygraph.errors import DomainError
from partygraph.imports.common import (
    Bad,
    Columns,
    ImportRefusedError,
    ImportReport,
    Orgs,
    Parsed,
    Row,
    Source,
    drop_repeats,
    read_ledger,
)
from partygraph.models.account import ROLE_LABELS, Role
from partygraph.services import account as service

HEADERS: dict[str, tuple[str, ...]] = {
    "org_code": ("组织代码", "组织编码", "党组织编码", "org_code"),
    "username": ("用户名", "登录名", "账号", "username"),
    "name": ("姓名", "名字", "display_name", "name"),
    "role": ("角色", "权限", "role"),
}
REQUIRED = ("org_code", "username", "name", "role")
COLUMNS = Columns(HEADERS, REQUIRED)
ROLE_WORDS: dict[str, Role] = {
    **{zh: r for r, (zh, _en) in ROLE_LABELS.items()},
    **{en.lower(): r for r, (_zh, en) in ROLE_LABELS.items()},
    **{r.value: r for r in Role},
    "县": Role.county, "县委组织部": Role.county, "县级": Role.county,
    "乡镇": Role.township, "乡": Role.township, "镇": Role.township, "乡镇党委": Role.township,
    "村": Role.village, "村党支部": Role.village, "支部": Role.village, "村书记": Role.village, "党支部": Role.village,
    "党小组": Role.group, "小组": Role.group, "组长": Role.group,
    "只读": Role.viewer, "查看": Role.viewer,
}  # fmt: skip


@dataclass
class AccountRow:
    org_id: int
    org_code: str
    org_name: str
    username: str
    display_name: str
    role: Role


@dataclass
class Created:
    """One created account and its one-time password: shown once, handed to the clerk."""

    row: int
    org_code: str
    org_name: str
    username: str
    display_name: str
    role_label: str
    password: str


def _parse(ctx: Context, orgs: Orgs, row: Row) -> Parsed:
    for f in REQUIRED:
        row.required(f)
    viewer = ctx.viewer
    assert viewer is not None
    raw_role = row.text("role")
    role = ROLE_WORDS.get(raw_role) or ROLE_WORDS.get(raw_role.lower()) or ROLE_WORDS.get(raw_role.replace(" ", ""))
    if role is None:
        raise Bad("role", "INVALID_INPUT", f"无法识别的角色“{raw_role}”（可填：县、乡镇、村、党小组、只读）",
                  f"Unknown role {raw_role!r} (county, township, village, group, viewer)")  # fmt: skip
    org = orgs.named(row.text("org_code"), "")[0]
    try:
        service.role_for(viewer, role.value, field="role")
        service.home_org(ctx, viewer, org.id, field="org_code")
        username = service.check_username(ctx.session, row.text("username"))
        display = service.clean_display_name(row.text("name"), field="name")
    except DomainError as e:
        raise Bad.of(e, _column(e.field)) from None
    data = AccountRow(org.id, org.code, org.name, username, display, role)
    return Parsed(row.line, display, [("username", username.lower())], data)


def _column(field: str | None) -> str | None:
    return {"orgId": "org_code", "displayName": "name"}.get(field or "", field)


def dry_run(ctx: Context, source: Source, filename: str | None = None) -> tuple[ImportReport, list[Parsed]]:
    """Read and check every row; write nothing."""
    service.require_admin(ctx)
    report, parsed = read_ledger(ctx, "accounts", source, filename, COLUMNS, lambda orgs, row: _parse(ctx, orgs, row))
    todo = drop_repeats(parsed, report)
    report.problems.sort(key=lambda p: p.row)
    report.good = len(todo)
    return report, todo


def import_accounts(ctx: Context, source: Source, filename: str | None = None, *, commit: bool = False) -> tuple[ImportReport, list[Created]]:
    """Dry run (default) or commit: a commit is refused (ImportRefusedError, nothing written)
    while any row is bad; otherwise every account is created in ONE transaction."""
    report, todo = dry_run(ctx, source, filename)
    ctx.session.rollback()
    if not commit:
        return report, []
    if report.problems:
        raise ImportRefusedError(report)
    created: list[Created] = []
    try:
        for r in todo:
            d: AccountRow = r.data
            account, password = service.create(ctx, username=d.username, display_name=d.display_name, role=d.role.value, org_id=d.org_id)
            zh, en = ROLE_LABELS[d.role]
            created.append(Created(r.row, d.org_code, d.org_name, account.username, account.display_name, zh if ctx.lang == "zh" else en, password))
        ctx.session.commit()
    except BaseException:
        ctx.session.rollback()
        raise
    report.created, report.committed = len(created), True
    return report, created


def summary(created: list[Created]) -> list[dict[str, Any]]:
    return [c.__dict__ for c in created]
