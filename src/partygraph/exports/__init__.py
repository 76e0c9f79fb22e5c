"""Spreadsheet export: every list with its filters, as streaming .xlsx or .csv, Chinese headers.

A dataset is (title, headers, rows): rows is an iterator of lists read with one streamed
statement (Core, `yield_per`), so a 20,000-member roster never sits in memory as ORM
objects. `.xlsx` is written by xlsxwriter in `constant_memory` mode (row by row, flushed
as it goes); the first rows carry the organisation, the period and the generation time.
`.csv` is UTF-8 with a BOM (Excel opens it as Chinese text).

Formulas: a cell a spreadsheet would take for a formula (text beginning with `=`, `+`,
`-`, `@`, a tab or a carriage return: OWASP's CSV injection list) gets a leading
apostrophe in CSV (`neutralise`, used by every CSV path through `csv_line`), so a
member named `=HYPERLINK(...)` is shown, not run. Numbers stay numbers: a Python number,
or text that is nothing but a decimal number (`-865.00`), cannot be a formula and is left
alone. In .xlsx, text is always written with `write_string`, which Excel never evaluates.

Scope: every dataset is limited with `scope.within` to the viewer's subtree, then to the
filter's `under` organisation (loaded in scope: out of scope is "not found").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlmodel import col

from partygraph.context import Context
from partygraph.models.access_log import FieldGroup
from partygraph.models.member import EDUCATION_LABELS, GENDER_LABELS, MEMBER_STATUS_LABELS, Member
from partygraph.models.organization import Organization
from partygraph.scope import path_range, visible
from partygraph.services import access_log

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
    """The number as the viewer may see it (graphql.types.common.mask_id_number)."""
    from partygraph.graphql.types.common import mask_id_number

    if not value:
        return ""
    return value if ctx.sees_id_numbers() else mask_id_number(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise(value: Any) -> Any:
    """`value` safe for a spreadsheet cell: text a spreadsheet would evaluate gets a leading
    apostrophe; numbers (and text that is only a decimal number) are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_line(row: Iterable[Any]) -> str:
    """One CSV line of `row`, every cell neutralised: the one way every CSV export writes."""
    buf = io.StringIO()
    csv.writer(buf).writerow([neutralise(v) for v in row])
    return buf.getvalue()


# --------------------------------------------------------------------------- members

MEMBER_HEADERS = [
    "姓名", "性别", "民族", "出生日期", "学历", "职业", "生产工作一线", "农村党员", "入党日期", "转正日期",
    "党籍状态", "身份证号码", "联系电话", "所在党组织", "组织编码", "流动党员", "外出地点", "流动党员活动证号", "失去联系",
    "失联日期", "困难党员", "备注",
]  # fmt: skip


def member_rows(ctx: Context, conditions: list[Any], *, batch: int = 1000) -> Iterator[list[Any]]:
    stmt = (
        select(
            col(Member.name), col(Member.gender), col(Member.ethnicity), col(Member.birth_date), col(Member.education), col(Member.occupation),
            col(Member.front_line), col(Member.rural), col(Member.joined_on), col(Member.converted_on), col(Member.status), col(Member.id_number),
            col(Member.phone), col(Organization.name), col(Organization.code), col(Member.flowing), col(Member.flow_destination),
            col(Member.flow_certificate), col(Member.lost_contact), col(Member.lost_contact_since), col(Member.in_difficulty), col(Member.notes),
            col(Member.id),
        )  # fmt: skip
        .join(Organization, col(Organization.id) == Member.org_id)
        .where(visible(Member, ctx.viewer), *conditions)
        .order_by(col(Member.org_path), col(Member.name), col(Member.id))
        .execution_options(yield_per=batch)
    )
    full_ids = ctx.sees_id_numbers()
    for r in ctx.session.execute(stmt):
        if r[11] and full_ids:
            access_log.record(ctx, "Member", r[22], FieldGroup.id_number)
        if r[12]:
            access_log.record(ctx, "Member", r[22], FieldGroup.phone)
        yield [
            r[0], _lbl(GENDER_LABELS, r[1]), r[2], r[3], _lbl(EDUCATION_LABELS, r[4]), r[5] or "", _yes(r[6]), _yes(r[7]),
            r[8], r[9] or "", _lbl(MEMBER_STATUS_LABELS, r[10]), _mask(r[11], ctx), r[12] or "", r[13], r[14],
            _yes(r[15]), r[16] or "", r[17] or "", _yes(r[18]), r[19] or "", _yes(r[20]), r[21] or "",
        ]  # fmt: skip
    # One insert for the whole export, once every row has been handed out.
    access_log.flush(ctx, "export:members")


def members_dataset(ctx: Context, member_filter: Any = None) -> Dataset:
    """The member list with a `graphql.filters.MemberFilter` (None: the roster of the whole scope)."""
    from sqlalchemy import func

    from partygraph.graphql.filters import member_conditions

    conds = member_conditions(ctx, member_filter)
    total = ctx.session.execute(select(func.count()).select_from(Member).where(visible(Member, ctx.viewer), *conds)).scalar_one()
    return Dataset("党员名册", MEMBER_HEADERS, member_rows(ctx, conds), total)


# --------------------------------------------------------------------------- other lists


# The candidate ledger's columns, named by the fields of `imports.candidate` (the export is
# read back by that importer: its headers are the importer's first alias of each field).
CANDIDATE_FIELDS = [
    "name", "gender", "ethnicity", "birth_date", "education", "occupation", "front_line", "rural", "stage",
    "recommendation", "application", "last_step_on", "id_number", "phone", "org_name", "org_code",
    "talk", "notice_activist", "activist_decided", "activist_filed", "contacts_assigned", "contacts", "activist_review",
    "notice_target", "target_decided", "target_filed", "introducers_assigned", "introducers", "political_review",
    "political_review_outcome", "training", "training_days", "training_hours", "branch_examination", "pre_examination",
    "notice_admission", "form_filled", "admission_vote", "admission_tally", "approval_talk", "admission_approved",
    "admission_filed", "placed", "oath", "conversion_applied", "notice_conversion", "conversion_vote", "conversion_tally",
    "conversion_outcome", "conversion_approved", "archived", "notice_place", "leaving_unit_on", "special_reason", "exit", "exit_on",
    "exit_reason", "notes",
]  # fmt: skip
_TALLY_PARTS = (
    ("应到", "should_attend"), ("实到", "present"), ("书面意见", "written_opinions"), ("赞成", "yes"), ("反对", "no"),
    ("弃权", "abstain"),
)  # fmt: skip


def _names(people: Any) -> str:
    return "、".join(str(p.get("name") or "") for p in people or [] if isinstance(p, dict) and p.get("name"))


def _tally(data: dict[str, Any]) -> str:
    """A vote step's tally as the importer reads it: "应到 23，实到 20，书面意见 0，赞成 18，反对 1，弃权 1"."""
    return "，".join(f"{zh} {int(data[key])}" for zh, key in _TALLY_PARTS if data.get(key) is not None)


def _figure(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _datum_cell(f: Any, value: Any) -> Any:
    """One datum of rules.candidate_steps as its ledger column shows it."""
    from partygraph.rules.candidate_steps import Kind

    if f.kind == Kind.members:
        return _names(value)
    if f.kind == Kind.choice:
        return f.choices.get(value, (value,))[0]
    if f.kind == Kind.date:
        return date.fromisoformat(value)
    return f"{value} {f.unit_zh}" if f.unit_zh else value


def candidate_ledger_steps(steps: list[Any]) -> dict[str, Any]:
    """The ledger's step columns (field → cell) of one file, from its `CandidateStep` rows in
    recorded order. Only the current round counts (the steps since the latest application:
    the ledger has one 申请日期). A column holds one value: a step recorded twice (a notice
    repeated, introducers replaced, a vote taken again) shows its latest record, except the
    six-monthly reviews (every date) and the data the ledger sums (training days and hours,
    as the rules count them). A notice goes to the column of the decision it guarded: the
    stage the file was in when it was posted. The step data's columns are those
    rules.candidate_steps declares."""
    from partygraph.imports.candidate import ORDER, TALLY_COLUMNS
    from partygraph.rules.candidate import EXIT_STEPS, STEP_LABELS, Stage, Step
    from partygraph.rules.candidate_steps import STEP_FIELDS

    column = {step: fld for fld, step in ORDER if step not in (Step.notice, Step.activist_review)}
    notice_column = {
        Stage.applicant: "notice_activist", Stage.activist: "notice_target", Stage.target: "notice_admission",
        Stage.probationary: "notice_conversion",
    }  # fmt: skip
    moves = {Step.activist_decided: Stage.activist, Step.target_decided: Stage.target, Step.admission_approved: Stage.probationary}
    first = max((i for i, r in enumerate(steps) if r.step == Step.application.value), default=0)
    out: dict[str, Any] = {}
    sums: dict[str, float] = {}
    stage = Stage.applicant
    reviews: list[str] = []
    for r in steps[first:]:
        step, data = Step(r.step), dict(r.data or {})
        if step == Step.notice and stage in notice_column:
            out[notice_column[stage]] = r.on
        elif step == Step.activist_review:
            reviews.append(r.on.isoformat())
        elif step in EXIT_STEPS:
            out.update(exit=STEP_LABELS[step][0], exit_on=r.on, exit_reason=r.reason or data.get("reason") or "")
        elif step in column:
            out[column[step]] = r.on
        if step in TALLY_COLUMNS:
            out[TALLY_COLUMNS[step]] = _tally(data)
        cells: dict[str, list[str]] = {}  # fields sharing a column: "延长预备期 6 个月"
        for f in STEP_FIELDS.get(step, ()):
            value = getattr(r, f.name) if f.key is None else data.get(f.key)
            if f.ledger is None or value in (None, "", []):
                continue
            if f.summed:
                sums[f.ledger] = sums.get(f.ledger, 0.0) + float(value)
            else:
                cells.setdefault(f.ledger, []).append(_datum_cell(f, value))
        out.update({k: v[0] if len(v) == 1 else " ".join(map(str, v)) for k, v in cells.items()})
        stage = moves.get(step, stage)
    if reviews:
        out["activist_review"] = "、".join(reviews)
    out.update({k: _figure(v) for k, v in sums.items() if v})
    return out


def candidates_dataset(ctx: Context, candidate_filter: Any = None) -> Dataset:
    """The candidate ledger (发展党员台账): one row per file with the date of every step taken,
    the contacts and introducers by name, the votes' tallies and the exit, so that
    `imports.candidate` rebuilds the files from it in a database with the same tree and roster."""
    from itertools import groupby

    from partygraph.graphql.queries.candidate import candidate_conditions_in
    from partygraph.imports.candidate import COLUMNS
    from partygraph.models.candidate import Candidate, CandidateStep
    from partygraph.rules.candidate import STAGE_LABELS

    conds = candidate_conditions_in(ctx, candidate_filter)
    # One streamed statement: each file's rows with its steps, in recorded order.
    stmt = (
        select(Candidate, col(Organization.name), col(Organization.code), CandidateStep)
        .join(Organization, col(Organization.id) == Candidate.org_id)
        .outerjoin(CandidateStep, col(CandidateStep.candidate_id) == Candidate.id)
        .where(visible(Candidate, ctx.viewer), *conds)
        .order_by(col(Candidate.org_path), col(Candidate.applied_on), col(Candidate.id), col(CandidateStep.id))
        .execution_options(yield_per=1000)
    )

    def rows() -> Iterator[list[Any]]:
        for _cid, group in groupby(ctx.session.execute(stmt), key=lambda r: r[0].id):
            # The step is None for a file without one (outer join).
            records: list[tuple[Candidate, str, str, CandidateStep | None]] = list(group)
            c, org_name, code = records[0][0], records[0][1], records[0][2]
            if c.id_number and ctx.sees_id_numbers():
                access_log.record(ctx, "Candidate", c.id, FieldGroup.id_number)
            if c.phone:
                access_log.record(ctx, "Candidate", c.id, FieldGroup.phone)
            cells = candidate_ledger_steps([r[3] for r in records if r[3] is not None])
            cells.update(
                name=c.name, gender=_lbl(GENDER_LABELS, c.gender), ethnicity=c.ethnicity, birth_date=c.birth_date,
                education=_lbl(EDUCATION_LABELS, c.education), occupation=c.occupation or "", front_line=_yes(c.front_line),
                rural=_yes(c.rural), stage=_lbl(STAGE_LABELS, c.stage),
                application=c.applied_on, last_step_on=c.last_step_on, id_number=_mask(c.id_number, ctx),
                phone=c.phone or "", org_name=org_name, org_code=code, notes=c.notes or "",
            )  # fmt: skip
            yield [cells.get(f, "") for f in CANDIDATE_FIELDS]
        access_log.flush(ctx, "export:candidates")

    return Dataset("发展党员台账", [COLUMNS.label(f) for f in CANDIDATE_FIELDS], rows())


def _under_path(ctx: Context, under_id: int | None) -> str | None:
    if under_id is None:
        return None
    from partygraph.services import organization as orgs

    return orgs.get(ctx, under_id).path


# The assistance ledger's columns, named by the fields of `imports.assistance` (whose first alias
# of each field is the header). 家庭人口 and 复核到期 are derived figures the importer skips.
CASE_FIELDS = [
    "name", "org_name", "cause", "standard", "yearly_income", "household_size", "status", "applied_on", "filed_on",
    "review_due_on", "closed_on", "closed_reason", "situation", "id_number", "org_code", "standard_note",
    "family_members", "application", "appraised_on", "appraisal_record", "notice_starts_on", "notice_ends_on",
    "objections", "objection_resolution", "reported_on", "approved_on", "approval_record", "filing_record",
    "reviewed_on", "review_outcome", "review_record", "review_reason",
]  # fmt: skip


def family_text(family: Sequence[object] | None) -> str:
    """ "李秀英（配偶）、李强（儿子）": the household besides the member, as the importer reads it."""
    return "、".join(f"{f.get('name', '')}（{f.get('relation', '')}）" for f in family or [] if isinstance(f, dict))


def case_ledger_steps(steps: list[Any]) -> dict[str, Any]:
    """The ledger's workflow columns (field → cell) of one case, from its `CaseStep` rows in
    recorded order. A refusal and a closing review are the case's end (结案日期 / 结案原因,
    from the case itself); the other reviews are 复核日期 (every date), with the latest one's
    outcome, record and explanation."""
    from partygraph.rules.assistance import REVIEW_LABELS, CaseStepKind, ReviewOutcome

    out: dict[str, Any] = {}
    reviews: list[Any] = []
    for r in steps:
        kind, data = CaseStepKind(r.kind), dict(r.data or {})
        if kind == CaseStepKind.apply:
            out["application"] = r.record or ""
        elif kind == CaseStepKind.appraise:
            out.update(appraised_on=r.on, appraisal_record=r.record or "")
        elif kind == CaseStepKind.notice:
            out.update(
                notice_starts_on=data.get("notice_starts_on") or r.on, notice_ends_on=data.get("notice_ends_on") or "",
                objections=data.get("objections") or "", objection_resolution=data.get("objection_resolution") or "",
            )  # fmt: skip
        elif kind == CaseStepKind.report:
            out["reported_on"] = r.on
        elif kind == CaseStepKind.approve:
            out.update(approved_on=r.on, approval_record=r.record or "")
        elif kind == CaseStepKind.file:
            out["filing_record"] = r.record or ""
        elif kind == CaseStepKind.review and r.outcome != ReviewOutcome.closed:
            reviews.append(r)
    if reviews:
        last = reviews[-1]
        out.update(
            reviewed_on="、".join(r.on.isoformat() for r in reviews),
            review_outcome=_lbl(REVIEW_LABELS, ReviewOutcome(last.outcome)) if last.outcome else "",
            review_record=last.record or "", review_reason=last.reason or "",
        )  # fmt: skip
    return out


def cases_dataset(ctx: Context, under_id: int | None = None, status: list[str] | None = None, cause: list[str] | None = None) -> Dataset:
    """The assistance ledger (困难党员台账): one row per case with the dates and evidence of its
    workflow, so that `imports.assistance` rebuilds the cases in a database with the same roster."""
    from itertools import groupby

    from partygraph.imports.assistance import COLUMNS
    from partygraph.models.assistance import AssistanceCase, CaseStep
    from partygraph.rules.assistance import CASE_STATUS_LABELS, CAUSE_LABELS, STANDARD_LABELS

    conds: list[Any] = [visible(AssistanceCase, ctx.viewer)]
    path = _under_path(ctx, under_id)
    if path is not None:
        conds.append(path_range(col(AssistanceCase.org_path), path))
    if status:
        conds.append(col(AssistanceCase.status).in_(status))
    if cause:
        conds.append(col(AssistanceCase.cause).in_(cause))
    # One streamed statement: each case with its steps, in recorded order.
    stmt = (
        select(AssistanceCase, col(Member.name), col(Member.id_number), col(Organization.name), col(Organization.code), CaseStep)
        .join(Member, col(Member.id) == AssistanceCase.member_id)
        .join(Organization, col(Organization.id) == AssistanceCase.org_id)
        .outerjoin(CaseStep, col(CaseStep.case_id) == AssistanceCase.id)
        .where(*conds)
        .order_by(col(AssistanceCase.org_path), col(AssistanceCase.applied_on), col(AssistanceCase.id), col(CaseStep.id))
        .execution_options(yield_per=1000)
    )

    def rows() -> Iterator[list[Any]]:
        for _cid, group in groupby(ctx.session.execute(stmt), key=lambda r: r[0].id):
            # The step is None for a case without one (outer join).
            records: list[tuple[AssistanceCase, str, str | None, str, str, CaseStep | None]] = list(group)
            c, name, idn, org_name, code = records[0][:5]
            if idn and ctx.sees_id_numbers():
                access_log.record(ctx, "Member", c.member_id, FieldGroup.id_number)
            access_log.record(ctx, "Member", c.member_id, FieldGroup.assistance)
            cells = case_ledger_steps([r[5] for r in records if r[5] is not None])
            cells.update(
                name=name, org_name=org_name, cause=_lbl(CAUSE_LABELS, c.cause),
                standard=_lbl(STANDARD_LABELS, c.standard) if c.standard else "",
                yearly_income=c.yearly_income_fen / 100 if c.yearly_income_fen is not None else "",
                # family_members lists the household besides the member: the member counts too
                household_size=1 + len(c.family_members or []), status=_lbl(CASE_STATUS_LABELS, c.status),
                applied_on=c.applied_on, filed_on=c.filed_on or "", review_due_on=c.review_due_on or "",
                closed_on=c.closed_on or "", closed_reason=c.closed_reason or "", situation=c.situation or "",
                id_number=_mask(idn, ctx), org_code=code, standard_note=c.standard_note or "",
                family_members=family_text(c.family_members),
            )  # fmt: skip
            yield [cells.get(f, "") for f in CASE_FIELDS]
        access_log.flush(ctx, "export:assistance_cases")

    return Dataset("困难党员台账", [COLUMNS.label(f) for f in CASE_FIELDS], rows())


def outcomes_dataset(ctx: Context, under_id: int | None = None, year: int | None = None) -> Dataset:
    from partygraph.models.evaluation import Outcome
    from partygraph.rules.evaluation import DECISION_LABELS, GRADE_LABELS

    conds: list[Any] = [visible(Outcome, ctx.viewer)]
    path = _under_path(ctx, under_id)
    if path is not None:
        conds.append(path_range(col(Outcome.org_path), path))
    if year is not None:
        conds.append(col(Outcome.year) == year)
    stmt = (
        select(Outcome, col(Member.name), col(Organization.name))
        .join(Member, col(Member.id) == Outcome.member_id)
        .join(Organization, col(Organization.id) == Member.org_id)
        .where(*conds)
        .order_by(col(Outcome.year).desc(), col(Outcome.org_path), col(Member.name), col(Outcome.id))
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

    conds: list[Any] = [visible(FundEntry, ctx.viewer)]
    path = _under_path(ctx, under_id)
    if path is not None:
        conds.append(path_range(col(FundEntry.org_path), path))
    if start is not None:
        conds.append(col(FundEntry.on) >= start)
    if end is not None:
        conds.append(col(FundEntry.on) <= end)
    stmt = (
        select(FundEntry, col(Fund.name))
        .join(Fund, col(Fund.id) == FundEntry.fund_id)
        .where(*conds)
        .order_by(col(FundEntry.fund_id), col(FundEntry.id))
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


# --------------------------------------------------------------------------- the admin's lists
# Titled and headed in the viewer's language (these files are read by people, not imported).


def _in_lang(pair: tuple[str, str], ctx: Context) -> str:
    return pair[0] if ctx.lang == "zh" else pair[1]


def _label(pairs: dict, key: Any, ctx: Context) -> str:
    pair = pairs.get(key)
    return _in_lang(pair, ctx) if pair else ("" if key is None else str(key))


def _translated(ctx: Context, title: str, headers: list[str], rows: Iterable[list[Any]], total: int = 0) -> Dataset:
    from partygraph.i18n import translate

    return Dataset(translate(title, ctx.lang), [translate(h, ctx.lang) for h in headers], rows, total)


MEMBER_LIST_HEADERS = [
    "姓名", "性别", "民族", "出生日期", "年龄", "学历", "职业", "党籍状态", "入党日期", "转正日期", "所在组织", "联系电话",
    "身份证号码", "流动党员", "失去联系", "困难党员",
]  # fmt: skip


def member_list_dataset(ctx: Context, member_filter: Any = None, order: Any = None) -> Dataset:
    """The member list as `members(filter, orderBy)` orders it, with the list's columns."""
    from sqlalchemy import func

    from partygraph.graphql.filters import member_conditions, member_sort
    from partygraph.i18n import translate
    from partygraph.rules.base import age_on

    conds = [visible(Member, ctx.viewer), *member_conditions(ctx, member_filter)]
    total = ctx.session.execute(select(func.count()).select_from(Member).where(*conds)).scalar_one()
    stmt = (
        select(Member, col(Organization.name))
        .join(Organization, col(Organization.id) == Member.org_id)
        .where(*conds)
        .order_by(*member_sort(order).order_by())
        .execution_options(yield_per=500)
    )
    today, yes = ctx.today(), translate(YES, ctx.lang)

    def flag(value: Any) -> str:
        return yes if value else ""

    def rows() -> Iterator[list[Any]]:
        full_ids = ctx.sees_id_numbers()
        for m, org_name in ctx.session.execute(stmt):
            if m.id_number and full_ids:
                access_log.record(ctx, "Member", m.id, FieldGroup.id_number)
            if m.phone:
                access_log.record(ctx, "Member", m.id, FieldGroup.phone)
            yield [
                m.name, _label(GENDER_LABELS, m.gender, ctx), m.ethnicity, m.birth_date, age_on(m.birth_date, today),
                _label(EDUCATION_LABELS, m.education, ctx), m.occupation or "", _label(MEMBER_STATUS_LABELS, m.status, ctx),
                m.joined_on, m.converted_on or "", org_name, m.phone or "", _mask(m.id_number, ctx), flag(m.flowing),
                flag(m.lost_contact), flag(m.in_difficulty),
            ]  # fmt: skip
        access_log.flush(ctx, "export:members")

    return _translated(ctx, "党员名册", MEMBER_LIST_HEADERS, rows(), total)


TRANSFER_HEADERS = ["党员", "转出组织", "转入组织", "转出日期", "介绍信编号", "原因", "状态", "办结日期", "办理意见"]
TRANSFER_STATUS_LABELS = {
    "pending": ("待接收", "Waiting"), "accepted": ("已接收", "Accepted"), "refused": ("已退回", "Refused"),
    "cancelled": ("已撤回", "Cancelled"), "external": ("已转出系统外", "Sent outside"),
}  # fmt: skip


def transfers_dataset(
    ctx: Context, direction: Any, status: list[str] | None = None, sent_from: date | None = None, sent_to: date | None = None
) -> Dataset:
    """Every transfer `transfers(direction, status, sentFrom, sentTo)` lists, newest first."""
    from sqlalchemy.orm import aliased

    from partygraph.graphql.queries.core import transfer_select
    from partygraph.models.member import Transfer

    to_org = aliased(Organization)
    stmt = (
        transfer_select(ctx, direction, status, sent_from, sent_to)
        .add_columns(col(Member.name), col(Organization.name), col(to_org.name))
        .join(Member, col(Member.id) == Transfer.member_id)
        .join(Organization, col(Organization.id) == Transfer.from_org_id)
        .outerjoin(to_org, col(to_org.id) == Transfer.to_org_id)
        .order_by(col(Transfer.id).desc())
        .execution_options(yield_per=500)
    )

    def rows() -> Iterator[list[Any]]:
        for t, member, from_org, to_name in ctx.session.execute(stmt):
            yield [
                member, from_org, to_name if t.to_org_id is not None else t.external_org_name or "", t.sent_on,
                t.letter_number or "", t.reason or "", _label(TRANSFER_STATUS_LABELS, t.status, ctx),
                t.decided_on or "", t.decision_note or "",
            ]  # fmt: skip

    return _translated(ctx, "组织关系转接", TRANSFER_HEADERS, rows())


ACCESS_LOG_HEADERS = ["时间", "账号", "角色", "对象类型", "对象编号", "内容", "途径"]


def access_log_dataset(ctx: Context, log_filter: Any = None) -> Dataset:
    """The access log `accessLog(filter)` lists, newest first: county accounts only."""
    from partygraph.errors import NotAllowedError
    from partygraph.graphql.queries.access_log import conditions
    from partygraph.models.access_log import FIELD_GROUP_LABELS, AccessLog
    from partygraph.models.account import Role

    if ctx.viewer is None or ctx.viewer.role != Role.county:
        raise NotAllowedError("只有县级账号可以查看访问日志", "Only county accounts may read the access log")
    stmt = (
        select(AccessLog)
        .where(*conditions(log_filter))
        .order_by(col(AccessLog.id).desc())
        .execution_options(yield_per=500)
    )

    def group(value: str) -> str:
        try:
            return _in_lang(FIELD_GROUP_LABELS[FieldGroup(value)], ctx)
        except ValueError:
            return value

    def rows() -> Iterator[list[Any]]:
        for (e,) in ctx.session.execute(stmt):
            yield [
                e.at.strftime("%Y-%m-%d %H:%M:%S"), e.username, e.role, e.object_type, e.object_id,
                group(e.field_group), e.path,
            ]  # fmt: skip

    return _translated(ctx, "访问日志", ACCESS_LOG_HEADERS, rows())


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
    head = "\ufeff" + "".join(csv_line([line]) for line in ds.header_lines) + csv_line(ds.headers)
    yield head
    for row in ds.rows:
        yield csv_line([_cell(v) if v is not None else "" for v in row])


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
