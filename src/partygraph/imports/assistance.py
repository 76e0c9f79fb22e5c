"""Import the assistance ledger (困难党员台账: the cases of members in difficulty) from .xlsx or
.csv: one row per case, with the dates of its workflow (docs/domain.md §6).

Columns (Chinese headers, see HEADERS): the member — 身份证号码, or 姓名 + 所在党组织 / 组织编码 —,
困难类别 (required), 认定标准 (+ 认定说明), 家庭年收入（元）, 家庭成员 ("李秀英（配偶）、李强（儿子）"),
生产生活情况, 申请日期 (required), 状态 (checked, see below), and the workflow: 评议日期 + 评议记录,
公示开始日期 + 公示结束日期 (+ 公示异议, 异议处理), 上报日期, 批准日期 + 审批意见 (or 不予批准日期 +
不予批准理由), 备案日期 + 备案编号, 复核日期 (several allowed; + 复核结论, 复核记录, 复核说明),
结案日期 + 结案原因 (a closing review). The ledger's export (`xlsx.cases_dataset`) is read as it
is: its 家庭人口 and 复核到期 are derived figures and are not imported, and for a refused case its
结案日期 / 结案原因 are the refusal's.

A member is found by ID number, else by name within the organisation (when several
organisations share the name, the one where the member is); an unknown or ambiguous member
is a bad row. Each row is replayed through `services.assistance` (open_case, then advance
for every step, in date order) in one transaction: the workflow rules refuse a row with
their codes (R-AID-01 order, R-AID-06 evidence, R-AID-07 notice, R-AID-08 standard, R-AID-15
one open case; approval needs a committee account, filing the county's). A row whose 状态
differs from the state its dates lead to is bad (STATUS_MISMATCH). Rows are replayed in
order of application date, so a member's closed case precedes the next one.

Re-importing: a row whose member already has a case with the same application date is
skipped (existing cases are never changed by an import), so the same file imports twice
without duplicates.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import DomainError
from partygraph.imports.common import (
    Bad,
    Columns,
    ImportReport,
    Orgs,
    Parsed,
    Progress,
    Row,
    RowProblem,
    Source,
    as_date,
    chunks,
    drop_repeats,
    id_number,
    labels,
    lookup,
    parse_yuan,
    read_ledger,
    replay,
)
from partygraph.models.assistance import AssistanceCase
from partygraph.models.member import ACTIVE_STATUSES, Member
from partygraph.rules.assistance import (
    CASE_STATUS_LABELS,
    CAUSE_LABELS,
    REVIEW_LABELS,
    STANDARD_LABELS,
    STEP_LABELS,
    CaseStatus,
    CaseStepKind,
    Cause,
    ReviewOutcome,
    Standard,
)
from partygraph.scope import visible

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "党员姓名", "帮扶对象", "name"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "身份证", "id_number"),
    "org_name": ("所在党组织", "党组织", "所在支部", "党支部", "organization"),
    "org_code": ("组织编码", "党组织编码", "组织代码", "org_code"),
    "cause": ("困难类别", "致困原因", "困难原因", "cause"),
    "standard": ("认定标准", "standard"),
    "standard_note": ("认定说明", "standard_note"),
    "yearly_income": ("家庭年收入（元）", "家庭年收入", "yearly_income"),
    "household_size": (
        "家庭人口",
        "家庭人数",
        "household_size",
    ),  # the export's count: derived, not imported
    "family_members": ("家庭成员", "family_members"),
    "situation": ("生产生活情况", "困难情况", "situation"),
    "status": ("状态", "帮扶状态", "status"),
    "applied_on": ("申请日期", "applied_on"),
    "application": ("申请内容", "申请理由", "application"),
    "appraised_on": ("评议日期", "民主评议日期", "appraised_on"),
    "appraisal_record": ("评议记录", "民主评议记录", "评议情况", "appraisal_record"),
    "notice_starts_on": ("公示开始日期", "公示日期", "notice_starts_on"),
    "notice_ends_on": ("公示结束日期", "notice_ends_on"),
    "objections": ("公示异议", "群众异议", "objections"),
    "objection_resolution": ("异议处理", "异议处理情况", "objection_resolution"),
    "reported_on": ("上报日期", "reported_on"),
    "approved_on": ("批准日期", "审批日期", "党委批准日期", "approved_on"),
    "approval_record": ("审批意见", "批准文号", "党委审批意见", "approval_record"),
    "refused_on": ("不予批准日期", "refused_on"),
    "refusal_reason": ("不予批准理由", "refusal_reason"),
    "filed_on": ("备案日期", "filed_on"),
    "filing_record": ("备案编号", "备案文号", "filing_record"),
    "reviewed_on": ("复核日期", "年度复核日期", "reviewed_on"),
    "review_outcome": ("复核结论", "review_outcome"),
    "review_record": ("复核记录", "review_record"),
    "review_reason": ("复核说明", "调整理由", "review_reason"),
    "review_due_on": ("复核到期", "review_due_on"),  # derived from the filing and reviews
    "closed_on": ("结案日期", "closed_on"),
    "closed_reason": ("结案原因", "closed_reason"),
}
REQUIRED = ("name", "cause", "applied_on")
COLUMNS = Columns(HEADERS, REQUIRED, one_of=(("org_name", "org_code", "id_number"),))


CAUSES = labels(CAUSE_LABELS, {"年老": Cause.old_age, "缺技术": Cause.lacking_skills_funds, "缺资金": Cause.lacking_skills_funds,
                                "因病致困": Cause.illness, "疾病": Cause.illness, "失业": Cause.laid_off, "因灾致困": Cause.disaster, "灾害": Cause.disaster})  # fmt: skip
STANDARDS = labels(STANDARD_LABELS, {"农村低收入": Standard.rural_low_income, "城镇低保": Standard.urban_minimum_living,
                                      "建国前老党员": Standard.pre_1949_hardship, "其他": Standard.other})  # fmt: skip
STATUSES = labels(
    CASE_STATUS_LABELS,
    {"帮扶中": CaseStatus.helping, "结案": CaseStatus.closed, "未批准": CaseStatus.refused},
)
OUTCOMES = labels(
    REVIEW_LABELS,
    {"继续": ReviewOutcome.continued, "调整": ReviewOutcome.adjusted, "结案": ReviewOutcome.closed},
)
# The order of the workflow: steps dated the same day are recorded in this order.
ORDER = {CaseStepKind.appraise: 0, CaseStepKind.notice: 1, CaseStepKind.report: 2, CaseStepKind.approve: 3,
         CaseStepKind.refuse: 3, CaseStepKind.file: 4, CaseStepKind.review: 5}  # fmt: skip
_FIELDS = {
    "memberId": "name", "appliedOn": "applied_on", "familyMembers": "family_members", "yearlyIncome": "yearly_income",
    "standardNote": "standard_note", "standard": "standard", "cause": "cause", "situation": "situation",
    "application": "application", "record": None, "noticeStartsOn": "notice_starts_on", "noticeEndsOn": "notice_ends_on",
    "objectionResolution": "objection_resolution",
}  # fmt: skip


@dataclass
class PlannedStep:
    field: str  # the date's column
    kind: CaseStepKind
    on: date
    order: int
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)  # services.assistance.advance arguments
    closing: bool = False


@dataclass
class CaseRow:
    id_number: str | None
    orgs: list[Any]
    case: dict[str, Any]  # services.assistance.open_case arguments
    steps: list[PlannedStep]
    status: CaseStatus | None
    member_id: int | None = None  # once it is known to be one member
    member_ids: list[int] = field(default_factory=list)


def parse_family(raw: str) -> list[dict[str, str]]:
    """ "李秀英（配偶）、李强（儿子）" (or "配偶：李秀英") → [{"name", "relation"}]."""
    out = []
    for item in (p.strip() for p in re.split(r"[、，,；;\n]+", raw) if p.strip()):
        m = re.fullmatch(r"(.+?)\s*[（(]\s*(.+?)\s*[）)]", item) or re.fullmatch(
            r"(.+?)\s+(\S+)", item
        )
        if m:
            out.append({"name": m.group(1), "relation": m.group(2)})
            continue
        m = re.fullmatch(r"(.+?)\s*[:：]\s*(.+)", item)
        if m:
            out.append({"name": m.group(2), "relation": m.group(1)})
            continue
        raise Bad("family_members", "INVALID_INPUT", f"家庭成员“{item}”应写作“姓名（关系）”，多人以顿号分隔",
                  f"Family member {item!r} should read 姓名（关系）, several separated by 、")  # fmt: skip
    return out


def _choice(row: Row, f: str, table: dict[str, Any], *, required: bool = False) -> Any:
    raw = row.required(f) if required else row.text(f)
    if not raw:
        return None
    value = lookup(table, raw)
    if value is None:
        label = COLUMNS.label(f)
        raise Bad(f, "INVALID_INPUT", f"无法识别的{label}“{raw}”", f"Unknown {f} {raw!r}")
    return value


def _plan(row: Row, status: CaseStatus | None) -> list[PlannedStep]:
    out: list[PlannedStep] = []

    def add(f: str, kind: CaseStepKind, on: date | None, **kw: Any) -> None:
        if on is not None:
            out.append(
                PlannedStep(
                    f, kind, on, ORDER[kind], {k: v for k, v in kw.items() if v is not None}
                )
            )

    add(
        "appraised_on",
        CaseStepKind.appraise,
        row.date("appraised_on"),
        record_text=row.optional("appraisal_record"),
    )
    starts, ends = row.date("notice_starts_on"), row.date("notice_ends_on")
    add("notice_starts_on", CaseStepKind.notice, starts or ends, notice_starts_on=starts, notice_ends_on=ends,
        objections=row.optional("objections"), objection_resolution=row.optional("objection_resolution"))  # fmt: skip
    add("reported_on", CaseStepKind.report, row.date("reported_on"))
    add(
        "approved_on",
        CaseStepKind.approve,
        row.date("approved_on"),
        record_text=row.optional("approval_record"),
    )
    closed_on, closed_reason = row.date("closed_on"), row.optional("closed_reason")
    refused_on, refusal_reason = row.date("refused_on"), row.optional("refusal_reason")
    if status == CaseStatus.refused and refused_on is None and closed_on is not None:
        # The export writes a refusal as the case's end (结案日期 / 结案原因).
        refused_on, refusal_reason, closed_on = closed_on, refusal_reason or closed_reason, None
    add("refused_on", CaseStepKind.refuse, refused_on, reason=refusal_reason)
    add(
        "filed_on",
        CaseStepKind.file,
        row.date("filed_on"),
        record_text=row.optional("filing_record"),
    )
    reviews = row.dates("reviewed_on")
    last = _choice(row, "review_outcome", OUTCOMES) or ReviewOutcome.continued
    for i, on in enumerate(reviews):
        final = i == len(reviews) - 1
        add("reviewed_on", CaseStepKind.review, on, outcome=(last if final else ReviewOutcome.continued).value,
            record_text=row.optional("review_record") if final else None, reason=row.optional("review_reason") if final else None)  # fmt: skip
    if closed_on is not None:
        add(
            "closed_on",
            CaseStepKind.review,
            closed_on,
            outcome=ReviewOutcome.closed.value,
            reason=closed_reason,
        )
        out[-1].closing, out[-1].order = True, ORDER[CaseStepKind.review] + 1
    out.sort(key=lambda p: (p.on, p.order))
    return out


def _parse(orgs: Orgs, row: Row) -> Parsed:
    for f in REQUIRED:
        row.required(f)
    name = row.text("name")
    idn, masked = id_number(row)
    if masked:
        idn = None  # an export for a level that sees masked numbers: find the member by name
    code, org_name = row.text("org_code"), row.text("org_name")
    found = orgs.named(code, org_name) if (code or org_name or not idn) else []
    status = _choice(row, "status", STATUSES)
    standard = _choice(row, "standard", STANDARDS)
    case = {
        "cause": _choice(row, "cause", CAUSES, required=True).value,
        "applied_on": row.date("applied_on"),
        "standard": standard.value if standard else None,
        "standard_note": row.optional("standard_note"),
        "yearly_income_fen": parse_yuan(
            row.raw.get("yearly_income"), "yearly_income", COLUMNS.label("yearly_income")
        ),
        "family_members": parse_family(row.text("family_members")),
        "situation": row.optional("situation"),
        "application": row.optional("application"),
    }
    return Parsed(row.line, name, [], CaseRow(idn, found, case, _plan(row, status), status))


def _resolve(ctx: Context, parsed: list[Parsed], report: ImportReport) -> list[Parsed]:
    """Find each row's member, in bulk: by ID number, else by name within the organisation."""
    ids = sorted({r.data.id_number for r in parsed if r.data.id_number})
    by_id: dict[str, Any] = {}
    for chunk in chunks(ids, 500):
        for m in ctx.session.execute(
            select(col(Member.id), col(Member.name), col(Member.id_number)).where(
                col(Member.id_number).in_(chunk), visible(Member, ctx.viewer)
            )
        ).all():
            by_id[m.id_number] = m
    names = sorted({r.name for r in parsed if not r.data.id_number})
    by_name: dict[str, list[Any]] = {}
    for chunk in chunks(names, 500):
        for row in ctx.session.execute(
            select(col(Member.id), col(Member.name), col(Member.org_id), col(Member.org_path), col(Member.status)).where(
                col(Member.name).in_(chunk), visible(Member, ctx.viewer)
            )
        ).all():
            by_name.setdefault(row.name, []).append(row)
    out = []
    for r in parsed:
        try:
            r.data.member_ids = _members(r, by_id, by_name)
        except Bad as b:
            report.problems.append(RowProblem(r.row, r.name, b.field, b.code, b.zh, b.en))
            continue
        if len(r.data.member_ids) == 1:
            r.data.member_id = r.data.member_ids[0]
            r.keys = [("name", (r.data.member_id, r.data.case["applied_on"]))]
        out.append(r)  # several namesakes: `_existing` tells them apart, or refuses the row
    return out


def _members(r: Parsed, by_id: dict[str, Any], by_name: dict[str, list[Any]]) -> list[int]:
    """The member the row names; several when namesakes share the organisation (no ID number)."""
    d: CaseRow = r.data
    if d.id_number:
        m = by_id.get(d.id_number)
        if m is None:
            raise Bad(
                "id_number",
                "UNKNOWN_MEMBER",
                "党员名册中没有该身份证号码（或不在您的管理范围内）",
                "No member on the roster has that ID number (or outside your scope)",
            )
        if m.name != r.name:
            raise Bad(
                "id_number",
                "INVALID_ID_NUMBER",
                f"该身份证号码属于党员“{m.name}”，与姓名不符",
                f"That ID number belongs to another member ({m.name})",
            )
        return [int(m.id)]
    org_ids = {o.id for o in d.orgs}
    found = [m for m in by_name.get(r.name, []) if m.org_id in org_ids]
    found = found or [
        m for m in by_name.get(r.name, []) if any(m.org_path.startswith(o.path) for o in d.orgs)
    ]
    found = [m for m in found if m.status in {s.value for s in ACTIVE_STATUSES}] or found
    if not found:
        where = "、".join(o.name for o in d.orgs)
        raise Bad(
            "name",
            "UNKNOWN_MEMBER",
            f"{where}没有名为“{r.name}”的党员",
            f"No member named {r.name!r} in {where}",
        )
    return [int(m.id) for m in found]


def _ambiguous(r: Parsed) -> RowProblem:
    where, n = "、".join(o.name for o in r.data.orgs), len(r.data.member_ids)
    return RowProblem(r.row, r.name, "name", "AMBIGUOUS_MEMBER", f"{where}有 {n} 名党员名为“{r.name}”，请填写身份证号码",
                      f"{n} members named {r.name!r} in {where}: give the ID number")  # fmt: skip


def _existing(ctx: Context, unique: list[Parsed], report: ImportReport) -> list[Parsed]:
    """Rows whose member already has a case of that application date are skipped. A row naming
    one of several namesakes is that case when exactly one of them has it; else it is bad."""
    have: set[tuple[int, date]] = set()
    for chunk in chunks(sorted({mid for r in unique for mid in r.data.member_ids}), 500):
        for mid, applied in ctx.session.execute(
            select(col(AssistanceCase.member_id), col(AssistanceCase.applied_on)).where(
                col(AssistanceCase.member_id).in_(chunk)
            )
        ).all():
            have.add((mid, as_date(applied)))
    todo = []
    for r in unique:
        matches = [mid for mid in r.data.member_ids if (mid, r.data.case["applied_on"]) in have]
        if len(matches) == 1:
            report.skipped.append((r.row, r.name, "该党员同一申请日期的帮扶案已在台账中"))
        elif r.data.member_id is None:
            report.problems.append(_ambiguous(r))
        else:
            todo.append(r)
    report.problems.sort(key=lambda p: p.row)
    return sorted(todo, key=lambda r: r.data.case["applied_on"])


def _write(ctx: Context, r: Parsed) -> None:
    from partygraph.services import assistance as aid

    d: CaseRow = r.data
    assert d.member_id is not None  # only rows matched to one member are written
    applied = d.case["applied_on"]
    zh, en = STEP_LABELS[CaseStepKind.apply]
    try:
        c = aid.open_case(ctx, member_id=d.member_id, **d.case)
    except DomainError as e:
        raise Bad.of(
            e,
            _FIELDS.get(e.field or "") or "applied_on",
            (f"{zh}（{applied}）", f"{en} ({applied})"),
        ) from None
    for p in d.steps:
        zh, en = ("结案", "Closing") if p.closing else STEP_LABELS[p.kind]
        try:
            aid.advance(ctx, c.id, step=p.kind.value, on=p.on, version=None, **p.kwargs)
        except DomainError as e:
            raise Bad.of(
                e, _FIELDS.get(e.field or "") or p.field, (f"{zh}（{p.on}）", f"{en} ({p.on})")
            ) from None
    if d.status is not None and c.status != d.status.value:
        said, got = CASE_STATUS_LABELS[d.status], CASE_STATUS_LABELS[CaseStatus(c.status)]
        raise Bad("status", "STATUS_MISMATCH", f"台账填写的状态为“{said[0]}”，但按所填办理日期应为“{got[0]}”：请补全或核对各步骤的日期",
                  f"The ledger says “{said[1]}” but the dates given lead to “{got[1]}”: complete or check the steps' dates")  # fmt: skip


def import_cases(
    ctx: Context,
    source: Source,
    filename: str | None = None,
    *,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Dry run (default: every row replayed through the services, then rolled back) or commit
    (ImportRefusedError and nothing written when any row is bad)."""
    report, parsed = read_ledger(ctx, "cases", source, filename, COLUMNS, _parse, progress)
    todo = _existing(ctx, drop_repeats(_resolve(ctx, parsed, report), report), report)
    return replay(ctx, todo, _write, report, commit=commit, progress=progress)
