"""Import a member roster (花名册) from .xlsx or .csv: a dry run that lists every bad row with its
reason, then an all-or-nothing commit through `services.member.register`.

Columns are recognised by their Chinese (or English) headers: 姓名, 性别, 民族, 出生日期, 学历,
入党日期, 转正日期, 身份证号, 联系电话, 所在党组织 / 组织编码, … (see HEADERS); the roster export
(`xlsx.members_dataset`) re-imports as it is.

A row is bad when a required value is missing, a value is not understood, a date is
impossible (2023-02-30) or in the future, the ID number's checksum (or its birth date or
gender) is wrong, the organisation is unknown / out of scope / cannot hold members, the
member rules refuse it (e.g. joined before 18), or it repeats another row of the file.

Re-importing: a row that matches a member already in the database — by national ID
number, else by name + birth date + organisation — is SKIPPED (counted and listed, never
written, never an error), so importing the same file twice creates no duplicates. Existing
records are not updated by an import: changes to a member go through the member page,
with its version check and audit trail. A row whose ID number belongs to a member with
another name is bad (two people cannot share an ID number).

The dry run writes nothing (the member rules are checked on plain records), so it does
not hold the database's write lock. Commit: refused (nothing written) while the dry run
finds any bad row; otherwise every good row is registered in ONE transaction — any error
rolls the whole import back.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from partygraph.context import Context
from partygraph.errors import DomainError
from partygraph.imports.common import (
    Bad,
    Columns,
    Existing,
    ImportRefusedError,
    ImportReport,
    Orgs,
    Parsed,
    Progress,
    Row,
    Source,
    drop_repeats,
    education,
    gender,
    read_ledger,
    skip_existing,
)
from partygraph.models.member import Member, MemberStatus
from partygraph.models.organization import OrgKind, OrgStatus

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "党员姓名", "name"),
    "gender": ("性别", "gender", "sex"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日", "birth_date", "birthdate"),
    "education": ("学历", "文化程度", "最高学历", "education"),
    "occupation": ("职业", "工作岗位", "职业/岗位", "occupation"),
    "front_line": ("生产工作一线", "一线", "是否一线", "工作一线", "front_line"),
    "rural": ("农村党员", "农村", "是否农村党员", "rural"),
    "joined_on": ("入党日期", "入党时间", "joined_on"),
    "converted_on": ("转正日期", "转正时间", "converted_on"),
    "status": ("党籍状态", "党员类别", "人员类别", "党员状态", "status"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_number"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式", "phone"),
    "org_name": ("所在党组织", "党组织", "所在支部", "党支部", "所在组织", "organization"),
    "org_code": ("组织编码", "党组织编码", "组织代码", "org_code"),
    "flowing": ("流动党员", "是否流动党员", "flowing"),
    "flow_destination": ("外出地点", "流向", "流动去向", "flow_destination"),
    "flow_certificate": ("流动党员活动证号", "活动证号", "flow_certificate"),
    "lost_contact_since": ("失联日期", "失去联系日期", "lost_contact_since"),
    "lost_contact": ("失去联系", "失联党员", "失联", "lost_contact"),
    "in_difficulty": ("困难党员", "是否困难党员", "in_difficulty"),
    "notes": ("备注", "notes"),
}
REQUIRED = ("name", "gender", "birth_date", "education", "joined_on")
COLUMNS = Columns(HEADERS, REQUIRED, one_of=(("org_name", "org_code"),))
ALIASES = COLUMNS.aliases
MEMBER_HOLDING_KINDS = frozenset(
    {OrgKind.branch, OrgKind.group, OrgKind.general_branch, OrgKind.committee}
)
STATUSES = {
    "正式党员": MemberStatus.full, "正式": MemberStatus.full, "full": MemberStatus.full,
    "预备党员": MemberStatus.probationary, "预备": MemberStatus.probationary, "probationary": MemberStatus.probationary,
}  # fmt: skip
FLAGS = ("front_line", "rural", "flowing", "lost_contact", "in_difficulty")
EXISTING = Existing(
    (
        "该身份证号码已登记在党员“{name}”名下",
        "That ID number is registered to another member ({name})",
    ),
    same_id="身份证号码已在册",
    same_person="同名、同出生日期、同组织的党员已在册",
)


@dataclass
class MemberRow:
    org_id: int
    status: str
    fields: dict[str, Any]


def _parse(ctx: Context, orgs: Orgs, row: Row) -> Parsed:
    for f in REQUIRED:
        row.required(f)
    name = row.text("name")
    g = gender(row)
    edu = education(row)
    status_text = row.text("status") or "正式党员"
    status = STATUSES.get(status_text) or STATUSES.get(status_text.lower())
    if status is None:
        raise Bad("status", "INVALID_INPUT", f"只能导入在册党员（正式党员或预备党员），而不是“{status_text}”",
                  f"Only members on the roster (full or probationary) can be imported, not {status_text!r}")  # fmt: skip
    birth = row.date("birth_date")
    joined = row.date("joined_on")
    converted = row.date("converted_on")
    id_number = (
        row.text("id_number").upper() or None
    )  # checked (checksum, birth date, gender) by the member rules
    org = orgs.find(row.text("org_code"), row.text("org_name"))
    if org.status != OrgStatus.active:
        raise Bad(
            "org_name", "R-ORG-DISSOLVED", f"党组织“{org.name}”已撤销", f"{org.name} is dissolved"
        )
    if org.kind not in {k.value for k in MEMBER_HOLDING_KINDS}:
        raise Bad("org_name", "INVALID_INPUT", f"“{org.name}”不能直接编入党员（须为党支部、党小组、党总支或基层党委）",
                  f"{org.name} cannot hold members (a branch, group, general branch or base committee can)")  # fmt: skip
    fields: dict[str, Any] = {
        "name": name,
        "gender": g,
        "ethnicity": row.text("ethnicity") or "汉族",
        "birth_date": birth,
        "education": edu,
        "occupation": row.optional("occupation"),
        "joined_on": joined,
        "converted_on": converted,
        "id_number": id_number,
        "phone": row.optional("phone"),
        "flow_destination": row.optional("flow_destination"),
        "flow_certificate": row.optional("flow_certificate"),
        "lost_contact_since": row.date("lost_contact_since"),
        "notes": row.optional("notes"),
    }
    for f in FLAGS:
        flag = row.flag(f)
        if flag is not None:
            fields[f] = flag
    _check_member(ctx, org, status.value, fields)
    keys: list[tuple[str, Any]] = (
        [("id_number", fields["id_number"])] if fields["id_number"] else []
    )
    keys.append(("name", (fields["name"], birth, org.id)))
    return Parsed(row.line, fields["name"], keys, MemberRow(org.id, status.value, fields))


def _check_member(ctx: Context, org: Any, status: str, fields: dict[str, Any]) -> None:
    """The member rules of services.member, on a record that is never added to the session.
    An ID number already in the database is not an error here: the caller matches those rows
    in bulk (the same person → skipped; another person → a bad row)."""
    from partygraph.services.member import _validate

    # A plain record with the member's attributes: building ORM objects only to check them
    # costs more than the checks.
    record = {f: False for f in FLAGS} | {"pre_1949": False}
    m = SimpleNamespace(
        **{**record, **fields, "id": None, "org_id": org.id, "org_path": org.path, "status": status}
    )
    try:
        with ctx.session.no_autoflush:
            _validate(ctx, cast(Member, m))  # the plain record above stands in for a Member
    except DomainError as e:
        if getattr(e, "code", "") != "DUPLICATE":
            raise Bad.of(e) from None
    fields.update(id_number=m.id_number, name=m.name)


def dry_run(
    ctx: Context, source: Source, filename: str | None = None, *, progress: Progress | None = None
) -> tuple[ImportReport, list[Parsed]]:
    """Read and check every row; write nothing. Returns the report and the rows to register."""
    report, parsed = read_ledger(
        ctx,
        "members",
        source,
        filename,
        COLUMNS,
        lambda orgs, row: _parse(ctx, orgs, row),
        progress,
    )
    todo = skip_existing(
        ctx, Member, drop_repeats(parsed, report), report, lambda r: r.data.fields, EXISTING
    )
    report.problems.sort(key=lambda p: p.row)
    report.good = len(todo)
    if progress:
        progress("check", report.total, report.total)
    return report, todo


def import_members(
    ctx: Context,
    source: Source,
    filename: str | None = None,
    *,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Dry run (default) or commit. A commit is refused (ImportRefusedError, nothing written)
    when any row is bad; otherwise all good rows are registered and committed together."""
    from partygraph.services import member as members

    report, todo = dry_run(ctx, source, filename, progress=progress)
    ctx.session.rollback()  # the dry run wrote nothing; start the import's transaction clean
    if not commit:
        return report
    if report.problems:
        raise ImportRefusedError(report)
    try:
        for n, r in enumerate(todo, start=1):
            members.register(ctx, org_id=r.data.org_id, status=r.data.status, **r.data.fields)
            if progress and n % 200 == 0:
                progress("write", n, len(todo))
        ctx.session.commit()
    except BaseException:
        ctx.session.rollback()
        raise
    report.created, report.committed = len(todo), True
    if progress:
        progress("write", len(todo), len(todo))
    return report
