"""Spreadsheet export: every list with its filters, as streaming .xlsx or .csv, Chinese headers.

A dataset is (title, headers, rows): rows is an iterator of lists read with one streamed
statement (Core, `yield_per`), so a 20,000-member roster never sits in memory as ORM
objects. `.xlsx` is written by xlsxwriter in `constant_memory` mode (row by row, flushed
as it goes); the first rows carry the organisation, the period and the generation time.
`.csv` is UTF-8 with a BOM (Excel opens it as Chinese text).

Scope: every dataset is limited with `scope.within` to the viewer's subtree, then to the
filter's `under` organisation (loaded in scope: out of scope is "not found").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from partygraph.context import Context
from partygraph.models.member import EDUCATION_LABELS, GENDER_LABELS, MEMBER_STATUS_LABELS, Member
from partygraph.models.organization import Organization
from partygraph.scope import path_range, within

Progress = Callable[[int, int], None]
YES = "是"


@dataclass
class Dataset:
    title: str  # sheet name and file name stem (Chinese)
    headers: list[str]
    rows: Iterable[list[Any]]
    total: int = 0  # for progress; 0 when unknown
    header_lines: list[str] = field(default_factory=list)  # organisation, period, generated at


def _lbl(pairs: dict, key: Any) -> str:
    pair = pairs.get(key)
    return pair[0] if pair else ("" if key is None else str(key))


def _yes(flag: Any) -> str:
    return YES if flag else ""


def _mask(value: str | None, ctx: Context) -> str:
    if not value:
        return ""
    if ctx.sees_id_numbers():
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# --------------------------------------------------------------------------- members

MEMBER_HEADERS = [
    "姓名", "性别", "民族", "出生日期", "学历", "职业", "生产工作一线", "农村党员", "入党日期", "转正日期",
    "党籍状态", "身份证号码", "联系电话", "所在党组织", "组织编码", "流动党员", "外出地点", "流动党员活动证号", "失去联系",
    "失联日期", "困难党员", "备注",
]  # fmt: skip


def member_rows(ctx: Context, conditions: list[Any], *, batch: int = 1000) -> Iterator[list[Any]]:
    stmt = (
        select(
            Member.name, Member.gender, Member.ethnicity, Member.birth_date, Member.education, Member.occupation,
            Member.front_line, Member.rural, Member.joined_on, Member.converted_on, Member.status, Member.id_number,
            Member.phone, Organization.name, Organization.code, Member.flowing, Member.flow_destination,
            Member.flow_certificate, Member.lost_contact, Member.lost_contact_since, Member.in_difficulty, Member.notes,
        )  # fmt: skip
        .join(Organization, Organization.id == Member.org_id)
        .where(within(Member.org_path, ctx.viewer), *conditions)
        .order_by(Member.org_path, Member.name, Member.id)
        .execution_options(yield_per=batch)
    )
    for r in ctx.session.execute(stmt):
        yield [
            r[0], _lbl(GENDER_LABELS, r[1]), r[2], r[3], _lbl(EDUCATION_LABELS, r[4]), r[5] or "", _yes(r[6]), _yes(r[7]),
            r[8], r[9] or "", _lbl(MEMBER_STATUS_LABELS, r[10]), _mask(r[11], ctx), r[12] or "", r[13], r[14],
            _yes(r[15]), r[16] or "", r[17] or "", _yes(r[18]), r[19] or "", _yes(r[20]), r[21] or "",
        ]  # fmt: skip


def members_dataset(ctx: Context, member_filter: Any = None) -> Dataset:
    """The member list with a `graphql.filters.MemberFilter` (None: the roster of the whole scope)."""
    from sqlalchemy import func

    from partygraph.graphql.filters import member_conditions

    conds = member_conditions(ctx, member_filter)
    total = ctx.session.execute(select(func.count()).select_from(Member).where(within(Member.org_path, ctx.viewer), *conds)).scalar_one()
    return Dataset("党员名册", MEMBER_HEADERS, member_rows(ctx, conds), total)


# --------------------------------------------------------------------------- other lists


class _InfoShim:
    """`candidate_conditions` reads the context from a resolver's `info`."""

    def __init__(self, ctx: Context) -> None:
        self.context = ctx


def candidates_dataset(ctx: Context, candidate_filter: Any = None) -> Dataset:
    from partygraph.graphql.queries.candidate import candidate_conditions
    from partygraph.models.candidate import Candidate
    from partygraph.rules.pipeline import RECOMMENDATION_LABELS, STAGE_LABELS

    conds = candidate_conditions(_InfoShim(ctx), candidate_filter)  # type: ignore[arg-type]
    stmt = (
        select(Candidate, Organization.name, Organization.code)
        .join(Organization, Organization.id == Candidate.org_id)
        .where(*conds)
        .order_by(Candidate.org_path, Candidate.applied_on, Candidate.id)
        .execution_options(yield_per=500)
    )

    def rows() -> Iterator[list[Any]]:
        for c, org_name, code in ctx.session.execute(stmt):
            yield [
                c.name, _lbl(GENDER_LABELS, c.gender), c.ethnicity, c.birth_date, _lbl(EDUCATION_LABELS, c.education),
                c.occupation or "", _yes(c.front_line), _yes(c.rural), _lbl(STAGE_LABELS, c.stage),
                _lbl(RECOMMENDATION_LABELS, c.recommendation) if c.recommendation else "", c.applied_on, c.last_step_on,
                _mask(c.id_number, ctx), c.phone or "", org_name, code,
            ]  # fmt: skip

    headers = ["姓名", "性别", "民族", "出生日期", "学历", "职业", "生产工作一线", "农村", "阶段", "推荐方式", "申请日期", "最近一步日期", "身份证号码", "联系电话", "所在党组织", "组织编码"]
    return Dataset("发展党员台账", headers, rows())


def _under_path(ctx: Context, under_id: int | None) -> str | None:
    if under_id is None:
        return None
    from partygraph.services import organization as orgs

    return orgs.get(ctx, under_id).path


def cases_dataset(ctx: Context, under_id: int | None = None, status: list[str] | None = None, cause: list[str] | None = None) -> Dataset:
    from partygraph.models.assistance import AssistanceCase
    from partygraph.rules.assistance import CASE_STATUS_LABELS, CAUSE_LABELS, STANDARD_LABELS

    conds: list[Any] = [within(AssistanceCase.org_path, ctx.viewer)]
    path = _under_path(ctx, under_id)
    if path is not None:
        conds.append(path_range(AssistanceCase.org_path, path))
    if status:
        conds.append(AssistanceCase.status.in_(status))
    if cause:
        conds.append(AssistanceCase.cause.in_(cause))
    stmt = (
        select(AssistanceCase, Member.name, Organization.name)
        .join(Member, Member.id == AssistanceCase.member_id)
        .join(Organization, Organization.id == AssistanceCase.org_id)
        .where(*conds)
        .order_by(AssistanceCase.org_path, AssistanceCase.applied_on, AssistanceCase.id)
        .execution_options(yield_per=500)
    )

    def rows() -> Iterator[list[Any]]:
        for c, name, org_name in ctx.session.execute(stmt):
            yield [
                name, org_name, _lbl(CAUSE_LABELS, c.cause), _lbl(STANDARD_LABELS, c.standard) if c.standard else "",
                (c.yearly_income_fen or 0) / 100 if c.yearly_income_fen is not None else "", len(c.family_members or []),
                _lbl(CASE_STATUS_LABELS, c.status), c.applied_on, c.filed_on or "", c.review_due_on or "", c.closed_on or "",
                c.closed_reason or "", c.situation or "",
            ]  # fmt: skip

    headers = ["姓名", "所在党组织", "困难类别", "认定标准", "家庭年收入（元）", "家庭人口", "状态", "申请日期", "备案日期", "复核到期", "结案日期", "结案原因", "生产生活情况"]
    return Dataset("困难党员台账", headers, rows())


def outcomes_dataset(ctx: Context, under_id: int | None = None, year: int | None = None) -> Dataset:
    from partygraph.models.evaluation import Outcome
    from partygraph.rules.evaluation import DECISION_LABELS, GRADE_LABELS

    conds: list[Any] = [within(Outcome.org_path, ctx.viewer)]
    path = _under_path(ctx, under_id)
    if path is not None:
        conds.append(path_range(Outcome.org_path, path))
    if year is not None:
        conds.append(Outcome.year == year)
    stmt = (
        select(Outcome, Member.name, Organization.name)
        .join(Member, Member.id == Outcome.member_id)
        .join(Organization, Organization.id == Member.org_id)
        .where(*conds)
        .order_by(Outcome.year.desc(), Outcome.org_path, Member.name, Outcome.id)
        .execution_options(yield_per=500)
    )

    def rows() -> Iterator[list[Any]]:
        for o, name, org_name in ctx.session.execute(stmt):
            yield [
                o.year, name, org_name, _lbl(GRADE_LABELS, o.grade), o.decided_on, o.signed_off_by or "",
                _lbl(DECISION_LABELS, o.decision) if o.decision else "", o.decision_note or "", o.correction_deadline or "",
            ]  # fmt: skip

    headers = ["年度", "姓名", "所在党组织", "评议等次", "评定日期", "党委审核", "处置决定", "处置说明", "整改期限"]
    return Dataset("民主评议结果", headers, rows())


def fund_ledger_dataset(ctx: Context, under_id: int | None = None, start: date | None = None, end: date | None = None) -> Dataset:
    from partygraph.models.assistance import Fund, FundEntry
    from partygraph.rules.assistance import ENTRY_LABELS

    conds: list[Any] = [within(FundEntry.org_path, ctx.viewer)]
    path = _under_path(ctx, under_id)
    if path is not None:
        conds.append(path_range(FundEntry.org_path, path))
    if start is not None:
        conds.append(FundEntry.on >= start)
    if end is not None:
        conds.append(FundEntry.on <= end)
    stmt = (
        select(FundEntry, Fund.name)
        .join(Fund, Fund.id == FundEntry.fund_id)
        .where(*conds)
        .order_by(FundEntry.fund_id, FundEntry.id)
        .execution_options(yield_per=500)
    )

    def rows() -> Iterator[list[Any]]:
        for e, fund_name in ctx.session.execute(stmt):
            sign = 1 if e.direction == "in" else -1
            yield [
                fund_name, e.on, "收入" if e.direction == "in" else "支出", _lbl(ENTRY_LABELS, e.kind), sign * e.amount_fen / 100,
                e.balance_after_fen / 100, e.approver, e.counterparty or "", e.note or "",
            ]  # fmt: skip

    headers = ["基金", "日期", "收支", "类别", "金额（元）", "余额（元）", "审批人", "对方", "摘要"]
    return Dataset("帮扶基金明细账", headers, rows())


# --------------------------------------------------------------------------- writers


def _cell(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return v


def write_xlsx(target: str | Path | IO[bytes], ds: Dataset, *, progress: Progress | None = None, every: int = 1000) -> int:
    """Stream the dataset into an .xlsx (constant memory). Dates are written as ISO text so a
    re-import reads exactly what was exported. Returns the number of data rows."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": not isinstance(target, str | Path), "strings_to_numbers": False})
    ws = wb.add_worksheet(ds.title[:31])
    bold = wb.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    r = 0
    for line in ds.header_lines:
        ws.write_string(r, 0, line)
        r += 1
    if ds.header_lines:
        r += 1
    for c, h in enumerate(ds.headers):
        ws.write_string(r, c, h, bold)
        ws.set_column(c, c, max(8, min(30, len(h) * 2 + 2)))
    ws.freeze_panes(r + 1, 0)
    n = 0
    for row in ds.rows:
        r += 1
        for c, v in enumerate(row):
            v = _cell(v)
            if v is None or v == "":
                continue
            if isinstance(v, bool):
                ws.write_string(r, c, YES if v else "")
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
        n += 1
        if progress and n % every == 0:
            progress(n, ds.total)
    wb.close()
    if progress:
        progress(n, ds.total or n)
    return n


def csv_lines(ds: Dataset) -> Iterator[str]:
    """The dataset as CSV text chunks, BOM first (for a streaming response)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    buf.write("\ufeff")
    for line in ds.header_lines:
        w.writerow([line])
    w.writerow(ds.headers)
    yield buf.getvalue()
    for row in ds.rows:
        buf.seek(0)
        buf.truncate()
        w.writerow([_cell(v) if v is not None else "" for v in row])
        yield buf.getvalue()


def write_csv(target: str | Path | IO[str], ds: Dataset) -> int:
    """Write the dataset as CSV; returns the number of data rows."""
    chunks = 0
    fh = open(target, "w", encoding="utf-8", newline="") if isinstance(target, str | Path) else target  # noqa: SIM115
    try:
        for chunk in csv_lines(ds):
            fh.write(chunk)
            chunks += 1
    finally:
        if fh is not target:
            fh.close()
    return max(0, chunks - 1)


def header_lines(org_name: str, period: str | None, generated: datetime) -> list[str]:
    lines = [f"组织：{org_name}"]
    if period:
        lines.append(f"期间：{period}")
    lines.append(f"生成时间：{generated.strftime('%Y-%m-%d %H:%M')}")
    return lines
