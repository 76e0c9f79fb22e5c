"""Use cases of assistance (docs/domain.md §6): cases and their workflow, help given, loans,
pairings and promises, standing allowances, alerts.

Money moves only through services.fund (locked, compare-and-set, never below
zero). Nothing is deleted: steps, help entries, book lines, repayments and
payments are append-only; a case ends by a review that closes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, or_, select
from sqlmodel import col

from partygraph.context import Context, Viewer
from partygraph.errors import NotAllowedError, NotFoundError, RuleViolationError, violation
from partygraph.models.account import Role
from partygraph.models.assistance import (
    AllowancePayment,
    AllowanceRoll,
    AllowanceRun,
    AssistanceCase,
    CaseStep,
    Fund,
    HelpEntry,
    Loan,
    Pairing,
    Promise,
    Repayment,
)
from partygraph.models.member import (
    ACTIVE_STATUSES,
    COMMITTEE_KINDS,
    Member,
    MemberStatus,
    PositionKind,
)
from partygraph.models.member import Position as PositionRow
from partygraph.models.organization import BranchType, Organization, OrgKind
from partygraph.rules import assistance as rules
from partygraph.rules.base import Alert, add_months
from partygraph.scope import path_range, visible
from partygraph.services import fund as funds
from partygraph.services import member as members
from partygraph.services import organization as orgs
from partygraph.services.base import (
    bump_version,
    check_date,
    clean_text,
    get_scoped,
    record,
    require_viewer,
    require_writer,
    snapshot,
)

LABEL = "帮扶对象"
CASE_FIELDS = [
    "cause", "family_members", "yearly_income_fen", "situation", "standard", "standard_note",
    "status", "notice_ends_on", "filed_on", "last_review_on", "review_due_on", "closed_on", "closed_reason",
]  # fmt: skip
EDITABLE = {"cause", "family_members", "yearly_income_fen", "situation", "standard", "standard_note"}

settings_of = funds.settings_of


def _actor(ctx: Context) -> tuple[int | None, str]:
    v = ctx.viewer
    return (v.account_id, v.username) if v else (None, "system")


# --- cases ---------------------------------------------------------------------------------------


def get(ctx: Context, case_id: int) -> AssistanceCase:
    return get_scoped(ctx, AssistanceCase, case_id, "org_path", LABEL)


def _family(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise violation("INVALID_INPUT", "家庭成员须为列表（最多 20 人）", "Family members must be a list (at most 20)", "familyMembers")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise violation("INVALID_INPUT", "家庭成员格式不对", "Malformed family member", "familyMembers")
        name = clean_text(item.get("name"), "familyMembers", f"第 {i + 1} 位家庭成员姓名", f"Family member {i + 1}'s name", required=True, max_len=60)
        relation = clean_text(item.get("relation"), "familyMembers", f"第 {i + 1} 位家庭成员关系", f"Family member {i + 1}'s relation", required=True, max_len=20)
        entry: dict[str, Any] = {"name": name, "relation": relation}
        if item.get("birthYear") is not None or item.get("birth_year") is not None:
            entry["birth_year"] = int(item.get("birthYear") or item["birth_year"])
        if item.get("note"):
            entry["note"] = clean_text(str(item["note"]), "familyMembers", "备注", "Note", required=False, max_len=200)
        out.append(entry)
    return out


def _validate_case(ctx: Context, c: AssistanceCase) -> None:
    try:
        rules.Cause(c.cause)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的致困原因：{c.cause}", f"Unknown cause: {c.cause}", "cause") from None
    if c.standard is not None:
        try:
            rules.Standard(c.standard)
        except ValueError:
            raise violation("INVALID_INPUT", f"未知的认定标准：{c.standard}", f"Unknown standard: {c.standard}", "standard") from None
    if c.yearly_income_fen is not None and c.yearly_income_fen < 0:
        raise violation("INVALID_INPUT", "家庭年收入不能为负数", "Yearly income cannot be negative", "yearlyIncome")
    c.family_members = _family(c.family_members)
    c.situation = clean_text(c.situation, "situation", "生产生活情况", "Situation", required=False, max_len=2000)
    c.standard_note = clean_text(c.standard_note, "standardNote", "认定说明", "Standard note", required=False, max_len=500)


def _set_difficulty(ctx: Context, member: Member, flag: bool) -> None:
    if member.in_difficulty == flag:
        return
    if not flag:
        still_open = ctx.session.execute(
            select(col(AssistanceCase.id)).where(
                col(AssistanceCase.member_id) == member.id, col(AssistanceCase.status).in_([s.value for s in rules.OPEN_STATUSES])
            )
        ).first()
        if still_open:
            return
    before = {"in_difficulty": member.in_difficulty}
    member.in_difficulty = flag
    bump_version(ctx, member, None, members.LABEL)
    record(ctx, "member.update", "Member", member.id, member.org_path, before, {"in_difficulty": flag})


def open_case(
    ctx: Context,
    *,
    member_id: int,
    cause: str,
    applied_on: date,
    family_members: list[dict[str, Any]] | None = None,
    yearly_income_fen: int | None = None,
    situation: str | None = None,
    standard: str | None = None,
    standard_note: str | None = None,
    application: str | None = None,
) -> AssistanceCase:
    """The member applies (or the branch files for them): the case opens in the ledger."""
    member = members.get(ctx, member_id)
    viewer = require_writer(ctx, member.org_path)
    if member.status not in ACTIVE_STATUSES:
        raise violation("R-MEM-CLOSED", "只有在册党员可以申请帮扶", "Only members on the roster can apply", "memberId")
    open_case_id = ctx.session.execute(
        select(col(AssistanceCase.id)).where(
            col(AssistanceCase.member_id) == member.id, col(AssistanceCase.status).in_([s.value for s in rules.OPEN_STATUSES])
        )
    ).scalar()
    if open_case_id is not None:
        raise violation("R-AID-15", "该党员已有未结的帮扶案（R-AID-15）", "This member already has an open case (R-AID-15)", "memberId")
    check_date(applied_on, "appliedOn", "申请日期", "Application date", today=ctx.today())
    c = AssistanceCase(
        member_id=member.id,
        org_id=member.org_id,
        org_path=member.org_path,
        cause=cause,
        family_members=family_members or [],
        yearly_income_fen=yearly_income_fen,
        situation=situation,
        standard=standard,
        standard_note=standard_note,
        status=rules.CaseStatus.applied.value,
        applied_on=applied_on,
    )
    _validate_case(ctx, c)
    ctx.session.add(c)
    ctx.session.flush()
    ctx.session.add(
        CaseStep(
            case_id=c.id,
            org_path=c.org_path,
            kind=rules.CaseStepKind.apply.value,
            on=applied_on,
            to_status=c.status,
            record=clean_text(application, "application", "申请内容", "Application", required=False, max_len=2000),
            actor_id=viewer.account_id,
            actor_name=viewer.username,
        )
    )
    _set_difficulty(ctx, member, True)
    record(ctx, "assistance.open", "AssistanceCase", c.id, c.org_path, None, snapshot(c, CASE_FIELDS))
    ctx.session.flush()
    return c


def update_case(ctx: Context, case_id: int, *, version: int | None, changes: dict[str, Any]) -> AssistanceCase:
    c = get(ctx, case_id)
    require_writer(ctx, c.org_path)
    if c.status in (rules.CaseStatus.closed, rules.CaseStatus.refused):
        raise violation("R-AID-09", "该案已结，不能修改（R-AID-09）", "The case is settled and cannot change (R-AID-09)")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise violation("INVALID_INPUT", f"未知字段：{sorted(unknown)}", f"Unknown fields: {sorted(unknown)}")
    before = snapshot(c, CASE_FIELDS)
    for k, v in changes.items():
        setattr(c, k, v)
    _validate_case(ctx, c)
    bump_version(ctx, c, version, LABEL)
    record(ctx, "assistance.update", "AssistanceCase", c.id, c.org_path, before, snapshot(c, CASE_FIELDS))
    ctx.session.flush()
    return c


def case_facts(ctx: Context, c: AssistanceCase) -> rules.CaseFacts:
    last = ctx.session.execute(
        select(col(CaseStep.on)).where(col(CaseStep.case_id) == c.id).order_by(col(CaseStep.on).desc(), col(CaseStep.id).desc()).limit(1)
    ).scalar()
    member = ctx.session.get(Member, c.member_id)
    return rules.CaseFacts(
        status=rules.CaseStatus(c.status),
        last_step_on=last,
        notice_ends_on=c.notice_ends_on,
        standard=rules.Standard(c.standard) if c.standard else None,
        standard_note=c.standard_note,
        household_income_fen=c.yearly_income_fen,
        household_size=1 + len(c.family_members or []),
        member_pre_1949=bool(member and member.pre_1949),
    )


def advance(
    ctx: Context,
    case_id: int,
    *,
    step: str,
    on: date,
    version: int | None,
    record_text: str | None = None,
    notice_starts_on: date | None = None,
    notice_ends_on: date | None = None,
    objections: str | None = None,
    objection_resolution: str | None = None,
    reason: str | None = None,
    outcome: str | None = None,
) -> AssistanceCase:
    """Record the next workflow step with its evidence (R-AID-01, -02, -06, -07, -08)."""
    c = get(ctx, case_id)
    viewer = require_writer(ctx, c.org_path)
    kind, result = _step_kind(viewer, step, outcome)
    ev = rules.StepEvidence(
        on=on,
        record=clean_text(record_text, "record", "记录", "Record", required=False, max_len=2000),
        notice_starts_on=notice_starts_on,
        notice_ends_on=notice_ends_on,
        objections=clean_text(objections, "objections", "异议", "Objections", required=False, max_len=1000),
        objection_resolution=clean_text(objection_resolution, "objectionResolution", "异议处理", "Resolution", required=False, max_len=1000),
        reason=clean_text(reason, "reason", "理由", "Reason", required=False, max_len=1000),
        outcome=result,
    )
    settings = settings_of(ctx)
    problem = rules.check_step(case_facts(ctx, c), kind, ev, ctx.today(), settings)
    if problem:
        raise RuleViolationError(problem)
    before = snapshot(c, CASE_FIELDS)
    previous = c.status
    c.status = rules.status_after(kind, ev).value
    step_dates = _STEP_DATES.get(kind)
    if step_dates is not None:
        step_dates(c, ev, settings)
    closed = c.status in (rules.CaseStatus.closed, rules.CaseStatus.refused)
    if closed:
        c.closed_on, c.closed_reason = on, ev.reason
    ctx.session.add(
        CaseStep(
            case_id=c.id,
            org_path=c.org_path,
            kind=kind.value,
            on=on,
            from_status=previous,
            to_status=c.status,
            record=ev.record,
            reason=ev.reason,
            outcome=result.value if result else None,
            data=_step_data(ev),
            actor_id=viewer.account_id,
            actor_name=viewer.username,
        )
    )
    bump_version(ctx, c, version, LABEL)
    if closed:
        ctx.session.flush()
        member = ctx.session.get(Member, c.member_id)
        if member is not None:
            _set_difficulty(ctx, member, False)
    record(ctx, f"assistance.{kind.value}", "AssistanceCase", c.id, c.org_path, before, snapshot(c, CASE_FIELDS))
    ctx.session.flush()
    return c


def _step_kind(viewer: Viewer, step: str, outcome: str | None) -> tuple[rules.CaseStepKind, rules.ReviewOutcome | None]:
    """The step and the review's outcome, refused when unknown or not the viewer's level to record."""
    try:
        kind = rules.CaseStepKind(step)
        result = rules.ReviewOutcome(outcome) if outcome else None
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的步骤或结论：{step} {outcome or ''}", f"Unknown step or outcome: {step} {outcome or ''}", "step") from None
    if kind in rules.COMMITTEE_STEPS and viewer.role not in (Role.county, Role.township):
        raise NotAllowedError("审批须由乡镇党委或县委组织部办理", "Approval is recorded by the township committee or the county department")
    if kind in rules.COUNTY_STEPS and viewer.role != Role.county:
        raise NotAllowedError("备案由县委组织部办理", "Filing is recorded by the county organisation department")
    return kind, result


def _notice_dates(c: AssistanceCase, ev: rules.StepEvidence, settings: rules.AssistanceSettings) -> None:
    c.notice_ends_on = ev.notice_ends_on


def _file_dates(c: AssistanceCase, ev: rules.StepEvidence, settings: rules.AssistanceSettings) -> None:
    c.filed_on = ev.on
    c.review_due_on = rules.review_due_on(ev.on, None, settings)


def _review_dates(c: AssistanceCase, ev: rules.StepEvidence, settings: rules.AssistanceSettings) -> None:
    c.last_review_on = ev.on
    closing = ev.outcome == rules.ReviewOutcome.closed
    c.review_due_on = None if closing else rules.review_due_on(c.filed_on or ev.on, ev.on, settings)


# The case's dates a step moves: the notice's end, the filing and the next review due.
_STEP_DATES: dict[rules.CaseStepKind, Callable[[AssistanceCase, rules.StepEvidence, rules.AssistanceSettings], None]] = {
    rules.CaseStepKind.notice: _notice_dates,
    rules.CaseStepKind.file: _file_dates,
    rules.CaseStepKind.review: _review_dates,
}


def _step_data(ev: rules.StepEvidence) -> dict[str, Any]:
    """The evidence a CaseStep keeps beyond its columns: the notice period and any objections."""
    data: dict[str, Any] = {}
    for key in ("notice_starts_on", "notice_ends_on"):
        value = getattr(ev, key)
        if value is not None:
            data[key] = value.isoformat()
    if ev.objections:
        data["objections"] = ev.objections
        data["objection_resolution"] = ev.objection_resolution
    return data


# --- help given ----------------------------------------------------------------------------------


def _case_for_help(ctx: Context, case_id: int, kind: rules.HelpKind) -> AssistanceCase:
    c = get(ctx, case_id)
    require_writer(ctx, c.org_path)
    problem = rules.check_help(rules.CaseStatus(c.status), kind.value)
    if problem:
        raise RuleViolationError(problem)
    return c


def _paying_fund(ctx: Context, fund_id: int, c: AssistanceCase) -> Fund:
    fund = funds.get(ctx, fund_id)
    require_writer(ctx, fund.org_path)
    if not c.org_path.startswith(fund.org_path):
        raise violation(
            "R-AID-12",
            "该基金只帮扶本组织范围内的党员（R-AID-12）",
            "This fund pays only cases inside its organisation (R-AID-12)",
            "fundId",
        )
    return funds.lock(ctx, fund_id)


def _help_entry(ctx: Context, c: AssistanceCase, kind: rules.HelpKind, on: date, helper: str, **kw: Any) -> HelpEntry:
    actor_id, actor_name = _actor(ctx)
    check_date(on, "on", "日期", "Date", today=ctx.today())
    if on < c.applied_on:
        raise violation("INVALID_DATE", "日期不能早于申请日期", "The date cannot precede the application", "on")
    entry = HelpEntry(
        case_id=c.id,
        org_path=c.org_path,
        kind=kind.value,
        on=on,
        helper=clean_text(helper, "helper", "帮扶人", "Helper", required=True, max_len=120),
        actor_id=actor_id,
        actor_name=actor_name,
        **kw,
    )
    entry.note = clean_text(entry.note, "note", "备注", "Note", required=False, max_len=1000)
    entry.goods = clean_text(entry.goods, "goods", "慰问物品", "Goods", required=False, max_len=200)
    entry.approver = clean_text(entry.approver, "approver", "审批人", "Approver", required=False, max_len=60)
    ctx.session.add(entry)
    ctx.session.flush()
    return entry


def _audit_help(ctx: Context, c: AssistanceCase, e: HelpEntry) -> None:
    record(
        ctx, f"assistance.help.{e.kind}", "AssistanceCase", c.id, c.org_path, None,
        {"help": e.id, "kind": e.kind, "on": e.on.isoformat(), "amount_fen": e.amount_fen, "approver": e.approver, "fund": e.fund_id},
    )  # fmt: skip


def record_visit(
    ctx: Context,
    case_id: int,
    *,
    on: date,
    occasion: str,
    helper: str,
    amount_fen: int = 0,
    goods: str | None = None,
    approver: str | None = None,
    fund_id: int | None = None,
    note: str | None = None,
) -> HelpEntry:
    """A visit or condolence (慰问), with money (from a fund, or recorded only) and/or goods."""
    c = _case_for_help(ctx, case_id, rules.HelpKind.visit)
    try:
        occ = rules.VisitOccasion(occasion)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的走访事由：{occasion}", f"Unknown occasion: {occasion}", "occasion") from None
    if amount_fen < 0:
        raise violation("INVALID_INPUT", "金额不能为负数", "The amount cannot be negative", "amount")
    if amount_fen > 0 and not (approver or "").strip():
        raise violation("R-AID-06", "慰问金须有审批人（R-AID-06）", "Visit money needs its approver (R-AID-06)", "approver")
    if fund_id is not None and amount_fen == 0:
        raise violation("INVALID_INPUT", "从基金支出须填写金额", "A payment from the fund needs an amount", "amount")
    fund = _paying_fund(ctx, fund_id, c) if fund_id is not None else None
    entry = _help_entry(
        ctx, c, rules.HelpKind.visit, on, helper,
        occasion=occ.value, amount_fen=amount_fen, goods=goods, approver=approver, note=note,
        fund_id=fund.id if fund else None,
    )  # fmt: skip
    if fund is not None:
        funds.post(
            ctx, fund, on=on, kind=rules.EntryKind.visit, amount_fen=amount_fen, approver=approver or "",
            counterparty=_member_name(ctx, c), note=rules.OCCASION_LABELS[occ][0], case_id=c.id, help_entry_id=entry.id,
        )  # fmt: skip
    _audit_help(ctx, c, entry)
    return entry


def _member_name(ctx: Context, c: AssistanceCase) -> str:
    m = ctx.session.get(Member, c.member_id)
    return m.name if m else ""


def grant(
    ctx: Context, case_id: int, *, fund_id: int, amount_fen: int, on: date, approver: str, note: str | None = None
) -> HelpEntry:
    """无偿救济 from the fund: refused (R-AID-04) when larger than the balance; nothing written then."""
    c = _case_for_help(ctx, case_id, rules.HelpKind.grant)
    fund = _paying_fund(ctx, fund_id, c)
    problem = rules.check_outflow(
        fund.balance_fen, amount_fen, rules.EntryKind.grant, principal_fen=fund.principal_fen, settings=settings_of(ctx)
    )
    if problem:
        raise RuleViolationError(problem)
    entry = _help_entry(ctx, c, rules.HelpKind.grant, on, fund.name, amount_fen=amount_fen, approver=approver, note=note, fund_id=fund.id)
    funds.post(
        ctx, fund, on=on, kind=rules.EntryKind.grant, amount_fen=amount_fen, approver=approver,
        counterparty=_member_name(ctx, c), note=note, case_id=c.id, help_entry_id=entry.id,
    )  # fmt: skip
    _audit_help(ctx, c, entry)
    return entry


def record_help(ctx: Context, case_id: int, *, kind: str, on: date, helper: str, note: str) -> HelpEntry:
    """Training (技能培训) or job placement (就业安置)."""
    try:
        k = rules.HelpKind(kind)
    except ValueError:
        k = None
    if k not in (rules.HelpKind.training, rules.HelpKind.job):
        raise violation("INVALID_INPUT", "此处只登记培训或就业安置", "Only training or job placement here", "kind")
    c = _case_for_help(ctx, case_id, k)
    entry = _help_entry(ctx, c, k, on, helper, note=clean_text(note, "note", "内容", "What was done", required=True, max_len=1000))
    _audit_help(ctx, c, entry)
    return entry


# --- loans ---------------------------------------------------------------------------------------


def get_loan(ctx: Context, loan_id: int) -> Loan:
    return get_scoped(ctx, Loan, loan_id, "org_path", "借款")


def schedule_of(loan: Loan) -> list[rules.Installment]:
    return [rules.Installment(int(i["n"]), date.fromisoformat(i["due_on"]), int(i["amount_fen"])) for i in loan.schedule]


def state_of(loan: Loan, repayments: list[Repayment], today: date) -> rules.LoanState:
    return rules.loan_state(schedule_of(loan), [(r.on, r.amount_fen) for r in repayments], today)


def next_unpaid_due(loan: Loan) -> date | None:
    """The first installment not covered by what has been repaid (repayments settle in order)."""
    covered = 0
    for i in schedule_of(loan):
        covered += i.amount_fen
        if covered > loan.repaid_fen:
            return i.due_on
    return None


def repayments_of(ctx: Context, loan_id: int) -> list[Repayment]:
    return list(
        ctx.session.execute(select(Repayment).where(col(Repayment.loan_id) == loan_id).order_by(col(Repayment.on), col(Repayment.id))).scalars()
    )


def lend(
    ctx: Context,
    case_id: int,
    *,
    fund_id: int,
    amount_fen: int,
    on: date,
    approver: str,
    term_months: int | None = None,
    installments: int | None = None,
    purpose: str | None = None,
) -> Loan:
    """有偿扶助: a loan from the fund with its schedule (R-AID-03), never beyond the balance (R-AID-04)."""
    settings = settings_of(ctx)
    term = term_months if term_months is not None else settings.loan_term_months
    count = installments if installments is not None else min(settings.loan_installments, term)
    c = _case_for_help(ctx, case_id, rules.HelpKind.loan)
    problem = rules.check_loan_terms(amount_fen, term, count, settings)
    if problem:
        raise RuleViolationError(problem)
    fund = _paying_fund(ctx, fund_id, c)
    problem = rules.check_outflow(fund.balance_fen, amount_fen, rules.EntryKind.loan, principal_fen=fund.principal_fen, settings=settings)
    if problem:
        raise RuleViolationError(problem)
    check_date(on, "on", "借款日期", "Loan date", today=ctx.today())
    schedule = rules.loan_schedule(amount_fen, on, term, count)
    loan = Loan(
        case_id=c.id,
        fund_id=fund.id,
        member_id=c.member_id,
        org_path=c.org_path,
        amount_fen=amount_fen,
        lent_on=on,
        term_months=term,
        installments=count,
        schedule=[{"n": i.number, "due_on": i.due_on.isoformat(), "amount_fen": i.amount_fen} for i in schedule],
        final_due_on=schedule[-1].due_on,
        next_due_on=schedule[0].due_on,
        status=rules.LoanStatus.active.value,
        approver=clean_text(approver, "approver", "审批人", "Approver", required=True, max_len=60),
        purpose=clean_text(purpose, "purpose", "用途", "Purpose", required=False, max_len=500),
    )
    ctx.session.add(loan)
    ctx.session.flush()
    entry = _help_entry(ctx, c, rules.HelpKind.loan, on, fund.name, amount_fen=amount_fen, approver=loan.approver, loan_id=loan.id, fund_id=fund.id, note=loan.purpose)
    funds.post(
        ctx, fund, on=on, kind=rules.EntryKind.loan, amount_fen=amount_fen, approver=loan.approver,
        counterparty=_member_name(ctx, c), note=loan.purpose, case_id=c.id, help_entry_id=entry.id, loan_id=loan.id,
    )  # fmt: skip
    record(ctx, "loan.lend", "Loan", loan.id, loan.org_path, None, {"amount_fen": amount_fen, "term_months": term, "fund": fund.id, "case": c.id})
    _audit_help(ctx, c, entry)
    return loan


def repay(ctx: Context, loan_id: int, *, amount_fen: int, on: date, received_by: str | None = None, version: int | None = None) -> Loan:
    """A repayment returns money to the fund (an inflow); the loan is repaid when nothing is owed."""
    loan = get_loan(ctx, loan_id)
    viewer = require_writer(ctx, loan.org_path)
    fund = ctx.session.get(Fund, loan.fund_id)
    if fund is None or not viewer.sees(fund.org_path):
        raise NotAllowedError("还款须由管理该基金的组织登记", "Repayments are recorded by the fund's organisation")
    fund = funds.lock(ctx, loan.fund_id)
    problem = rules.check_repayment(loan.amount_fen - loan.repaid_fen, amount_fen)
    if problem:
        raise RuleViolationError(problem)
    check_date(on, "on", "还款日期", "Repayment date", today=ctx.today())
    if on < loan.lent_on:
        raise violation("INVALID_DATE", "还款日期不能早于借款日期", "A repayment cannot precede the loan", "on")
    before = {"repaid_fen": loan.repaid_fen, "status": loan.status}
    rep = Repayment(loan_id=loan.id, org_path=loan.org_path, on=on, amount_fen=amount_fen, received_by=clean_text(received_by, "receivedBy", "经手人", "Received by", required=False, max_len=60), actor_id=viewer.account_id)
    ctx.session.add(rep)
    ctx.session.flush()
    loan.repaid_fen += amount_fen
    if loan.repaid_fen == loan.amount_fen:
        loan.status, loan.repaid_on = rules.LoanStatus.repaid.value, on
    loan.next_due_on = next_unpaid_due(loan)
    bump_version(ctx, loan, version, "借款")
    c = ctx.session.get(AssistanceCase, loan.case_id)
    funds.post(
        ctx, fund, on=on, kind=rules.EntryKind.repayment, amount_fen=amount_fen, approver=rep.received_by or viewer.username,
        counterparty=_member_name(ctx, c) if c else None, case_id=loan.case_id, loan_id=loan.id, repayment_id=rep.id,
    )  # fmt: skip
    record(ctx, "loan.repay", "Loan", loan.id, loan.org_path, before, {"repaid_fen": loan.repaid_fen, "status": loan.status})
    ctx.session.flush()
    return loan


# --- pairings and promises -----------------------------------------------------------------------


def get_pairing(ctx: Context, pairing_id: int) -> Pairing:
    p = ctx.session.get(Pairing, pairing_id)
    v = ctx.viewer
    if p is None or v is None or not (v.sees(p.org_path) or v.sees(p.agency_org_path)):
        raise NotFoundError("结对帮扶", pairing_id)
    return p


def _is_agency(org: Organization) -> bool:
    return org.branch_type == BranchType.agency.value


class _PairingSides(NamedTuple):
    """Who helps whom: the agency branch, the helped organisation's path and id, and for a
    member pairing the helper and the case."""

    agency: Organization
    helped_path: str
    village_id: int | None
    helper_id: int | None = None
    case: AssistanceCase | None = None


def create_pairing(
    ctx: Context,
    *,
    kind: str,
    started_on: date,
    agency_org_id: int | None = None,
    village_org_id: int | None = None,
    case_id: int | None = None,
    helper_member_id: int | None = None,
    covers: list[str] | None = None,
    note: str | None = None,
) -> Pairing:
    try:
        k = rules.PairingKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的结对类型：{kind}", f"Unknown pairing kind: {kind}", "kind") from None
    covers = sorted(set(covers or []))
    if any(x not in rules.PAIRING_COVERS for x in covers):
        raise violation("INVALID_INPUT", "未知的“三包”内容", "Unknown commitment", "covers")
    check_date(started_on, "startedOn", "结对日期", "Start date", today=ctx.today())
    if k == rules.PairingKind.branches:
        sides = _branch_sides(ctx, agency_org_id, village_org_id)
    else:
        sides = _member_sides(ctx, case_id, helper_member_id)
    agency, c, helper_id = sides.agency, sides.case, sides.helper_id
    p = Pairing(
        kind=k.value,
        org_path=sides.helped_path,
        agency_org_id=agency.id,
        agency_org_path=agency.path,
        village_org_id=sides.village_id,
        helper_member_id=helper_id,
        case_id=c.id if c else None,
        covers=covers,
        started_on=started_on,
        note=clean_text(note, "note", "备注", "Note", required=False, max_len=1000),
    )
    ctx.session.add(p)
    ctx.session.flush()
    if c is not None:
        helper_row = ctx.session.get(Member, helper_id)
        entry = _help_entry(ctx, c, rules.HelpKind.pairing, started_on, f"{helper_row.name if helper_row else ''}（{agency.name}）", pairing_id=p.id, note=p.note)
        _audit_help(ctx, c, entry)
    record(ctx, "pairing.create", "Pairing", p.id, p.org_path, None, {"kind": k.value, "agency": agency.id, "village": sides.village_id, "case": p.case_id, "helper": helper_id, "covers": covers})
    return p


def _branch_sides(ctx: Context, agency_org_id: int | None, village_org_id: int | None) -> _PairingSides:
    """An agency branch paired with a village or community branch (R-AID-14)."""
    # Each missing side is named on its own field, so the form marks the right one.
    if agency_org_id is None:
        raise violation("R-AID-14", "须选择机关党支部（R-AID-14）", "Choose the agency branch (R-AID-14)", "agencyOrgId")
    if village_org_id is None:
        raise violation("R-AID-14", "须选择村（社区）党支部（R-AID-14）", "Choose the village (community) branch (R-AID-14)", "villageOrgId")
    agency = orgs.get(ctx, agency_org_id)
    village = orgs.get(ctx, village_org_id)
    require_writer(ctx, agency.path)
    require_writer(ctx, village.path)
    if not _is_agency(agency):
        raise violation("R-AID-14", "帮扶方须为机关党支部（R-AID-14）", "The helping side must be an agency branch (R-AID-14)", "agencyOrgId")
    if village.branch_type not in (BranchType.village.value, BranchType.community.value):
        raise violation("R-AID-14", "受帮扶方须为村或社区党支部（R-AID-14）", "The helped side must be a village or community branch (R-AID-14)", "villageOrgId")
    return _PairingSides(agency, village.path, village.id)


def _member_sides(ctx: Context, case_id: int | None, helper_member_id: int | None) -> _PairingSides:
    """An agency branch's member paired with a member in difficulty, on an open case (R-AID-14)."""
    if case_id is None:
        raise violation("R-AID-14", "须选择帮扶对象（R-AID-14）", "Choose the member in difficulty (R-AID-14)", "caseId")
    if helper_member_id is None:
        raise violation("R-AID-14", "须选择帮扶人（机关党员）（R-AID-14）", "Choose the helper, an agency member (R-AID-14)", "helperMemberId")
    c = get(ctx, case_id)
    require_writer(ctx, c.org_path)
    problem = rules.check_help(rules.CaseStatus(c.status), rules.HelpKind.pairing.value)
    if problem:
        raise RuleViolationError(problem)
    helper = members.get(ctx, helper_member_id)
    if helper.status not in ACTIVE_STATUSES:
        raise violation("R-AID-14", "帮扶人须为在册党员（R-AID-14）", "The helper must be a member on the roster (R-AID-14)", "helperMemberId")
    found = ctx.session.get(Organization, helper.org_id)
    if found is not None and not _is_agency(found) and found.kind == OrgKind.group and found.parent_id:
        found = ctx.session.get(Organization, found.parent_id)
    if found is None or not _is_agency(found):
        raise violation("R-AID-14", "帮扶人须为机关党支部的党员（R-AID-14）", "The helper must belong to an agency branch (R-AID-14)", "helperMemberId")
    if helper.id == c.member_id:
        raise violation("R-AID-14", "不能自己帮扶自己（R-AID-14）", "A member cannot pair with themselves (R-AID-14)", "helperMemberId")
    return _PairingSides(found, c.org_path, c.org_id, helper.id, c)


def end_pairing(ctx: Context, pairing_id: int, *, ended_on: date, version: int | None) -> Pairing:
    p = get_pairing(ctx, pairing_id)
    require_writer(ctx, p.org_path if require_viewer(ctx).sees(p.org_path) else p.agency_org_path)
    if p.ended_on is not None:
        raise violation("INVALID_INPUT", "该结对已结束", "The pairing has already ended", "endedOn")
    check_date(ended_on, "endedOn", "结束日期", "End date", today=ctx.today())
    if ended_on < p.started_on:
        raise violation("INVALID_DATE", "结束日期不能早于结对日期", "The end cannot precede the start", "endedOn")
    p.ended_on = ended_on
    bump_version(ctx, p, version, "结对帮扶")
    record(ctx, "pairing.end", "Pairing", p.id, p.org_path, {"ended_on": None}, {"ended_on": ended_on.isoformat()})
    ctx.session.flush()
    return p


def _pairing_writer(ctx: Context, p: Pairing) -> None:
    v = require_viewer(ctx)
    require_writer(ctx, p.org_path if v.sees(p.org_path) else p.agency_org_path)


def add_promise(ctx: Context, pairing_id: int, *, text: str, made_on: date, due_on: date) -> Promise:
    p = get_pairing(ctx, pairing_id)
    _pairing_writer(ctx, p)
    if p.ended_on is not None:
        raise violation("R-AID-14", "结对已结束，不能再添加承诺（R-AID-14）", "The pairing has ended (R-AID-14)", "pairingId")
    problem = rules.check_promise_dates(made_on, due_on, ctx.today())
    if problem:
        raise RuleViolationError(problem)
    pr = Promise(
        pairing_id=p.id,
        org_path=p.org_path,
        text=clean_text(text, "text", "承诺内容", "Promise", required=True, max_len=500),
        made_on=made_on,
        due_on=due_on,
    )
    ctx.session.add(pr)
    ctx.session.flush()
    record(ctx, "promise.add", "Pairing", p.id, p.org_path, None, {"promise": pr.id, "text": pr.text, "due_on": due_on.isoformat()})
    return pr


def _undecided_promise(ctx: Context, promise_id: int, on: date, field: str, label_zh: str, label_en: str) -> tuple[Promise, Pairing]:
    """The promise, writable and not yet kept or broken, with `on` a valid date of its outcome."""
    pr = ctx.session.get(Promise, promise_id)
    if pr is None:
        raise NotFoundError("承诺", promise_id)
    p = get_pairing(ctx, pr.pairing_id)
    _pairing_writer(ctx, p)
    if pr.kept_on is not None:
        raise violation("INVALID_INPUT", "该承诺已兑现", "The promise is already kept", field)
    if pr.broken_on is not None:
        raise violation("INVALID_INPUT", "该承诺已记为未兑现", "The promise is already recorded as broken", field)
    check_date(on, field, label_zh, label_en, today=ctx.today())
    if on < pr.made_on:
        raise violation("INVALID_DATE", f"{label_zh}不能早于承诺日期", f"{label_en} cannot precede the promise", field)
    return pr, p


def keep_promise(ctx: Context, promise_id: int, *, kept_on: date, note: str | None, version: int | None) -> Promise:
    pr, p = _undecided_promise(ctx, promise_id, kept_on, "keptOn", "兑现日期", "Date kept")
    pr.kept_on = kept_on
    pr.outcome_note = clean_text(note, "note", "兑现情况", "Note", required=False, max_len=500)
    bump_version(ctx, pr, version, "承诺")
    record(ctx, "promise.keep", "Pairing", p.id, p.org_path, {"promise": pr.id, "kept_on": None}, {"promise": pr.id, "kept_on": kept_on.isoformat()})
    ctx.session.flush()
    return pr


def break_promise(ctx: Context, promise_id: int, *, broken_on: date, reason: str | None, version: int | None) -> Promise:
    """Record that a promise will not be kept, and why: decided, so no longer overdue (R-AID-16)."""
    pr, p = _undecided_promise(ctx, promise_id, broken_on, "brokenOn", "认定日期", "Date recorded")
    pr.broken_on = broken_on
    pr.outcome_note = clean_text(reason, "reason", "未兑现原因", "Reason", required=True, max_len=500)
    bump_version(ctx, pr, version, "承诺")
    record(
        ctx, "promise.break", "Pairing", p.id, p.org_path,
        {"promise": pr.id, "broken_on": None}, {"promise": pr.id, "broken_on": broken_on.isoformat(), "reason": pr.outcome_note},
    )  # fmt: skip
    ctx.session.flush()
    return pr


# --- standing allowances -------------------------------------------------------------------------

CADRE_POST_KINDS = frozenset({PositionKind.village_cadre, PositionKind.village_director})
VILLAGE_TYPES = (BranchType.village.value, BranchType.community.value)


@dataclass
class EligibleRow:
    member: Member
    eligibility: rules.Eligibility
    paid: bool


def _cadre_posts(ctx: Context, member_ids: list[int]) -> dict[int, list[tuple[date, date | None]]]:
    out: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    if not member_ids:
        return out
    rows = ctx.session.execute(
        select(col(PositionRow.member_id), col(PositionRow.start_on), col(PositionRow.end_on))
        .join(Organization, col(Organization.id) == PositionRow.org_id)
        .where(
            col(PositionRow.member_id).in_(member_ids),
            or_(
                col(PositionRow.kind).in_([k.value for k in CADRE_POST_KINDS]),
                and_(col(PositionRow.kind).in_([k.value for k in COMMITTEE_KINDS]), col(Organization.branch_type).in_(VILLAGE_TYPES)),
            ),
        )
    ).all()
    for mid, start, end in rows:
        out[mid].append((start, end))
    return out


def _candidates(ctx: Context, org_path: str, kind: rules.AllowanceKind, first: date) -> list[Member]:
    stmt = select(Member).where(path_range(col(Member.org_path), org_path), visible(Member, ctx.viewer))
    settings = settings_of(ctx)
    if kind == rules.AllowanceKind.survivor:
        stmt = stmt.where(col(Member.status) == MemberStatus.deceased.value)
    else:
        stmt = stmt.where(col(Member.status).in_([s.value for s in ACTIVE_STATUSES]))
    if kind == rules.AllowanceKind.age80:
        stmt = stmt.where(col(Member.birth_date) <= add_months(first, -12 * settings.age_allowance_years))
    elif kind == rules.AllowanceKind.seniority:
        stmt = stmt.where(col(Member.birth_date) <= add_months(first, -12 * settings.seniority_min_age))
    if kind != rules.AllowanceKind.age80:
        posts = (
            select(col(PositionRow.member_id))
            .join(Organization, col(Organization.id) == PositionRow.org_id)
            .where(
                or_(
                    col(PositionRow.kind).in_([k.value for k in CADRE_POST_KINDS]),
                    and_(col(PositionRow.kind).in_([k.value for k in COMMITTEE_KINDS]), col(Organization.branch_type).in_(VILLAGE_TYPES)),
                )
            )
        )
        stmt = stmt.where(col(Member.id).in_(posts))
    return list(ctx.session.execute(stmt.order_by(col(Member.org_path), col(Member.name), col(Member.id))).scalars())


def _allowance_input(ctx: Context, org_id: int, kind: str, month: str) -> tuple[Organization, rules.AllowanceKind, str]:
    org = orgs.get(ctx, org_id)
    try:
        k = rules.AllowanceKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的补贴类别：{kind}", f"Unknown allowance: {kind}", "kind") from None
    problem = rules.check_month(month, ctx.today())
    if problem:
        raise RuleViolationError(problem)
    return org, k, month


def eligibility(ctx: Context, *, org_id: int, kind: str, month: str) -> list[EligibleRow]:
    """Who is owed this allowance for this month in the subtree (R-AID-05), and whether already paid."""
    org, k, month = _allowance_input(ctx, org_id, kind, month)
    first, _ = rules.month_bounds(month)
    people = _candidates(ctx, org.path, k, first)
    posts = _cadre_posts(ctx, [m.id for m in people]) if k != rules.AllowanceKind.age80 else {}
    settings = settings_of(ctx)
    period = rules.allowance_period(k, month)
    paid = set(
        ctx.session.execute(
            select(col(AllowancePayment.member_id)).where(
                col(AllowancePayment.kind) == k.value,
                col(AllowancePayment.period) == period,
                col(AllowancePayment.member_id).in_([m.id for m in people]),
            )
        ).scalars()
    ) if people else set()  # fmt: skip
    listed = _posted_roll_members(ctx, k, month) if settings.runs_require_posted_roll and k not in rules.ONE_OFF_KINDS else None
    out = []
    for m in people:
        if listed is not None and m.id not in listed:
            continue
        facts = rules.PersonFacts(
            member_id=m.id,
            birth_date=m.birth_date,
            on_roster=m.status in ACTIVE_STATUSES,
            deceased_on=m.status_since if m.status == MemberStatus.deceased else None,
            cadre_posts=tuple(posts.get(m.id, ())),
        )
        e = rules.allowance_eligibility(facts, k, month, settings)
        if e is not None:
            out.append(EligibleRow(m, e, m.id in paid))
    return out


def _posted_roll_members(ctx: Context, kind: rules.AllowanceKind, month: str) -> set[int]:
    """Members on a posted, unstruck line of the month's year list of this allowance."""
    rolls = ctx.session.execute(
        select(col(AllowanceRoll.entries)).where(
            col(AllowanceRoll.kind) == kind.value,
            col(AllowanceRoll.year) == int(month[:4]),
            col(AllowanceRoll.stage) == rules.RollStage.posted.value,
        )
    ).scalars()
    return {int(e["member_id"]) for entries in rolls for e in entries if not e.get("struck")}


def pay_allowances(ctx: Context, *, org_id: int, kind: str, month: str) -> AllowanceRun:
    """Pay everyone owed and not yet paid; a second run of the same month pays nobody twice.

    The UNIQUE (member, kind, period) constraint backs the check: two runs racing
    each other cannot both insert a payment for the same person (the loser rolls back)."""
    org, k, month = _allowance_input(ctx, org_id, kind, month)
    viewer = require_writer(ctx, org.path)
    rows = eligibility(ctx, org_id=org_id, kind=kind, month=month)
    run = AllowanceRun(
        org_id=org.id,
        org_path=org.path,
        kind=k.value,
        month=month,
        paid_on=ctx.today(),
        actor_id=viewer.account_id,
        actor_name=viewer.username,
    )
    ctx.session.add(run)
    ctx.session.flush()
    period = rules.allowance_period(k, month)
    for r in rows:
        if r.paid:
            run.skipped_count += 1
            continue
        ctx.session.add(
            AllowancePayment(
                run_id=run.id,
                member_id=r.member.id,
                org_path=r.member.org_path,
                kind=k.value,
                period=period,
                amount_fen=r.eligibility.amount_fen,
                tier=r.eligibility.tier,
                reason=r.eligibility.reason_zh[:200],
            )
        )
        run.payment_count += 1
        run.total_fen += r.eligibility.amount_fen
    ctx.session.flush()
    record(
        ctx, "allowance.pay", "AllowanceRun", run.id, run.org_path, None,
        {"kind": k.value, "month": month, "paid": run.payment_count, "skipped": run.skipped_count, "total_fen": run.total_fen},
    )  # fmt: skip
    return run


# --- the yearly list: village declares, township verifies, department confirms, posted ----------

ROLL_LABEL = "补贴名单"
ROLL_FIELDS = ["stage", "declared_on", "verified_on", "confirmed_on", "posted_on", "note"]


def get_roll(ctx: Context, roll_id: int) -> AllowanceRoll:
    return get_scoped(ctx, AllowanceRoll, roll_id, "org_path", ROLL_LABEL)


def declare_roll(ctx: Context, *, org_id: int, year: int, kind: str, on: date) -> AllowanceRoll:
    """The village (community) branch declares its list for the year: a snapshot of May's eligibility."""
    org = orgs.get(ctx, org_id)
    viewer = require_writer(ctx, org.path)
    if org.kind != OrgKind.branch or org.branch_type not in VILLAGE_TYPES:
        raise violation("R-AID-17", "年度名单由村（社区）党支部申报（R-AID-17）", "The yearly list is declared by a village or community branch (R-AID-17)", "orgId")
    try:
        k = rules.AllowanceKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的补贴类别：{kind}", f"Unknown allowance: {kind}", "kind") from None
    if k in rules.ONE_OFF_KINDS:
        raise violation("INVALID_INPUT", "一次性抚恤金不列入年度名单", "One-off benefits are not on the yearly list", "kind")
    settings = settings_of(ctx)
    problem = rules.check_declaration(year, on, ctx.today(), settings)
    if problem:
        raise RuleViolationError(problem)
    exists = ctx.session.execute(
        select(col(AllowanceRoll.id)).where(col(AllowanceRoll.org_id) == org.id, col(AllowanceRoll.year) == year, col(AllowanceRoll.kind) == k.value)
    ).scalar()
    if exists is not None:
        raise violation("DUPLICATE", "该支部本年度此项名单已申报", "This branch has already declared this year's list", "year")
    month = f"{year}-{settings.declaration_month:02d}"
    rows = eligibility(ctx, org_id=org.id, kind=k.value, month=month)
    roll = AllowanceRoll(
        org_id=org.id,
        org_path=org.path,
        year=year,
        kind=k.value,
        stage=rules.RollStage.declared.value,
        entries=[
            {
                "member_id": r.member.id, "name": r.member.name, "amount_fen": r.eligibility.amount_fen,
                "tier": r.eligibility.tier, "reason": r.eligibility.reason_zh, "struck": False, "note": None,
            }  # fmt: skip
            for r in rows
        ],
        declared_on=on,
        declared_by=viewer.username,
    )
    ctx.session.add(roll)
    ctx.session.flush()
    record(ctx, "allowance_roll.declare", "AllowanceRoll", roll.id, roll.org_path, None, {"year": year, "kind": k.value, "members": len(roll.entries)})
    return roll


def advance_roll(
    ctx: Context,
    roll_id: int,
    *,
    step: str,
    on: date,
    version: int | None,
    strike_member_ids: list[int] | None = None,
    note: str | None = None,
) -> AllowanceRoll:
    """verify (township), confirm (county department), post (county department): R-AID-17."""
    roll = get_roll(ctx, roll_id)
    viewer = require_writer(ctx, roll.org_path)
    if step == "verify" and viewer.role not in (Role.county, Role.township):
        raise NotAllowedError("名单由乡镇党委审核", "The township committee verifies the list")
    if step in ("confirm", "post") and viewer.role != Role.county:
        raise NotAllowedError("名单由县委组织部确认和公示", "The county department confirms and posts the list")
    stage = rules.RollStage(roll.stage)
    last_on = roll.confirmed_on or roll.verified_on or roll.declared_on
    problem = rules.check_roll_step(stage, step, on, last_on, ctx.today())
    if problem:
        raise RuleViolationError(problem)
    note = clean_text(note, "note", "审核意见", "Note", required=False, max_len=1000)
    strike = set(strike_member_ids or [])
    if strike:
        if step == "post":
            raise violation("R-AID-17", "公示时不能再删减名单（R-AID-17）", "Names cannot be struck off when posting (R-AID-17)", "strikeMemberIds")
        listed = {int(e["member_id"]) for e in roll.entries}
        if not strike <= listed:
            raise violation("INVALID_INPUT", "要删减的党员不在名单上", "A member to strike off is not on the list", "strikeMemberIds")
        if not note:
            raise violation("R-AID-06", "删减名单须写明理由（R-AID-06）", "Striking names off needs a note (R-AID-06)", "note")
    before = snapshot(roll, ROLL_FIELDS)
    roll.entries = [
        {**e, "struck": True, "note": note} if int(e["member_id"]) in strike and not e.get("struck") else e for e in roll.entries
    ]
    target = rules.ROLL_STEPS[step][1]
    roll.stage = target.value
    setattr(roll, f"{target.value}_on", on)
    setattr(roll, f"{target.value}_by", viewer.username)
    if note:
        roll.note = ((roll.note + "\n") if roll.note else "") + f"{on} {note}"
    bump_version(ctx, roll, version, ROLL_LABEL)
    after = snapshot(roll, ROLL_FIELDS)
    if strike:
        after["struck"] = sorted(strike)
    record(ctx, f"allowance_roll.{step}", "AllowanceRoll", roll.id, roll.org_path, before, after)
    ctx.session.flush()
    return roll


# --- alerts --------------------------------------------------------------------------------------


@dataclass
class AlertRow:
    alert: Alert
    object_type: str
    object_id: int
    title: str


def alerts(ctx: Context, *, org_id: int) -> list[AlertRow]:
    """Cases overdue for their yearly review (R-AID-02), overdue loans (R-AID-03), undecided promises past due (R-AID-16)."""
    org = orgs.get(ctx, org_id)
    today = ctx.today()
    settings = settings_of(ctx)
    out: list[AlertRow] = []
    cases = ctx.session.execute(
        select(AssistanceCase, col(Member.name))
        .join(Member, col(Member.id) == AssistanceCase.member_id)
        .where(
            path_range(col(AssistanceCase.org_path), org.path),
            visible(AssistanceCase, ctx.viewer),
            col(AssistanceCase.status) == rules.CaseStatus.helping.value,
            col(AssistanceCase.review_due_on) < today,
        )
        .order_by(col(AssistanceCase.review_due_on), col(AssistanceCase.id))
    ).all()
    for c, name in cases:
        a = rules.review_alert(c.filed_on, c.last_review_on, today, settings)
        if a:
            out.append(AlertRow(a, "AssistanceCase", c.id, name))
    loans = list(
        ctx.session.execute(
            select(Loan, col(Member.name))
            .join(Member, col(Member.id) == Loan.member_id)
            .where(
                path_range(col(Loan.org_path), org.path),
                visible(Loan, ctx.viewer),
                col(Loan.status) == rules.LoanStatus.active.value,
            )
            .order_by(col(Loan.lent_on), col(Loan.id))
        ).all()
    )
    reps: dict[int, list[Repayment]] = defaultdict(list)
    if loans:
        for r in ctx.session.execute(select(Repayment).where(col(Repayment.loan_id).in_([lo.id for lo, _ in loans]))).scalars():
            reps[r.loan_id].append(r)
    for loan, name in loans:
        a = rules.loan_alert(state_of(loan, reps[loan.id], today))
        if a:
            out.append(AlertRow(a, "Loan", loan.id, name))
    promises = ctx.session.execute(
        select(Promise, Pairing)
        .join(Pairing, col(Pairing.id) == Promise.pairing_id)
        .where(
            or_(path_range(col(Pairing.org_path), org.path), path_range(col(Pairing.agency_org_path), org.path)),
            visible(Pairing, ctx.viewer),
            col(Promise.kept_on).is_(None),
            col(Promise.broken_on).is_(None),
            col(Promise.due_on) < today,
        )
        .order_by(col(Promise.due_on), col(Promise.id))
    ).all()
    for pr, _p in promises:
        a = rules.promise_alert(pr.due_on, pr.kept_on or pr.broken_on, today)
        if a:
            out.append(AlertRow(a, "Pairing", pr.pairing_id, pr.text))
    return out
