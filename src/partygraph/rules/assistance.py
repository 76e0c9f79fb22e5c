"""Assistance to members in difficulty (docs/domain.md §6, docs/rules.md §5): pure rules, no I/O.

Money is always an integer number of fen (1 yuan = 100 fen). Nothing here reads
a clock: `today` is a parameter.

Rule codes (R-AID-01..05 are docs/rules.md §5; the rest are this module's own):

- R-AID-01 workflow order: apply → branch appraisal → public notice → report →
  committee approves (or refuses) → filed with the county department (under
  help) → yearly review (continued / adjusted / closed).
- R-AID-02 yearly review: due `review_months` after filing or the last review;
  overdue is an alert, never a block.
- R-AID-03 loans: the term is at most `loan_term_months` (24); an installment
  unpaid after its due date makes the loan overdue (an alert).
- R-AID-04 a grant, loan or visit payment never takes a fund below zero.
- R-AID-05 standing allowances: only eligible members are paid, at their tier's
  amount, once per member, kind and month.
- R-AID-06 missing evidence for a workflow step (appraisal record, notice
  period, committee decision, filing number, reason).
- R-AID-07 public notice: at least `notice_min_days` calendar days; the branch
  reports only after it ended; objections need their resolution recorded.
- R-AID-08 eligibility standard not met (rural per-capita income at or above
  the threshold, pre-1949 standard for a member who joined later, "other"
  without an explanation).
- R-AID-09 help (grant, loan) only on a case under help; no help at all on a
  refused or closed case.
- R-AID-10 a repayment larger than what is owed, or on a settled loan.
- R-AID-11 principal protection (setting, default off): grants and visit money
  only from the fund's income, never below its principal.
- R-AID-12 a fund pays only cases inside its organisation's subtree.
- R-AID-13 an allowance month in the future, or malformed.
- R-AID-14 pairings: the helping side is an agency branch (or a member), the
  helped side a village or community branch (or a case); promise dates.
- R-AID-15 one open case per member.
- R-AID-16 a pairing promise past its due date and still undecided: neither kept
  nor recorded as broken with its reason (an alert).
- R-AID-17 the yearly allowance list (seed "**县"): the village declares (from
  May), the township verifies, the department confirms, the list is publicly
  posted — in that order, each by its level.

Readings chosen where the seeds leave room (each is a setting or stated here):

- The income standard compares the household's yearly income per person
  (income ÷ (1 + family members listed)) with `rural_income_threshold_fen`
  (865 yuan a year per person, seed 001) — the seed's figure is the national
  rural poverty line of its time, which is per capita.
- Years of cadre service count completed calendar months: a post from
  1990-03-01 to 2020-03-01 is 360 months = 30 years. Posts that overlap or
  follow one another within `service_gap_days` (31, a re-election's gap) form
  one consecutive stretch; cumulative service is the sum of all stretches.
- A member is ≥ 80 for a month when 80 on the month's first day (paid from the
  month after the birthday month, unless born on the 1st).
- Seniority award (年功奖) tiers, monthly (seed 002 gives three tiers but not
  their bounds; 552 cadres × 8 years for 197.59万 yuan ≈ 37 yuan a month on
  average, which these tiers reproduce):
  tier 1: ≥ 15 consecutive or ≥ 20 cumulative years — 30 yuan a month;
  tier 2: ≥ 20 consecutive or ≥ 25 cumulative years — 40 yuan a month;
  tier 3: ≥ 25 consecutive or ≥ 30 cumulative years — 50 yuan a month.
  A cadre who also gets the ≥ 30-year retired-cadre allowance does not get the
  award as well unless `seniority_stacks_with_cadre` (the two schemes come from
  two counties; a deployment normally runs one of them for a given person).
- Principal protection is off by default: the seed's own words are "mainly"
  from the income, a new fund has no income yet, and disaster relief (seed: 6万
  yuan after a flood) must be payable at once. A county that keeps the
  principal turns it on and records the principal on the fund.
- The yearly list is a snapshot of the eligibility computed for May of its year
  (`declaration_month`); the township and the department may strike names off,
  with a note. Monthly runs pay from the computed eligibility; with
  `runs_require_posted_roll` (off by default, so a county that does not keep
  the yearly list on paper here can still pay) they pay only members on the
  year's posted list of their branch. One-off survivor benefits need no list.
- A loan is repaid in `loan_installments` equal installments spread over the
  term (the last takes the odd fen); repayments settle installments in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from partygraph.rules.base import Alert, Violation, add_months, age_on

# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeniorityTier:
    tier: int
    min_consecutive_years: int
    min_cumulative_years: int
    monthly_fen: int


@dataclass(frozen=True)
class AssistanceSettings:
    """Every number of docs/domain.md §6 / docs/rules.md §5; a county may change any of them."""

    rural_income_threshold_fen: int = 865_00  # yuan a year per person (seed 001)
    loan_term_months: int = 24  # R-AID-03
    loan_installments: int = 4  # every six months over the default term
    review_months: int = 12  # R-AID-02
    notice_min_days: int = 7  # R-AID-07, calendar days, first and last included
    age_allowance_years: int = 80
    age_allowance_monthly_fen: int = 20_00
    cadre_allowance_years: int = 30
    cadre_allowance_monthly_fen: int = 50_00
    survivor_years: int = 30
    survivor_benefit_fen: int = 3000_00
    seniority_min_age: int = 60
    seniority_tiers: tuple[SeniorityTier, ...] = (
        SeniorityTier(1, 15, 20, 30_00),
        SeniorityTier(2, 20, 25, 40_00),
        SeniorityTier(3, 25, 30, 50_00),
    )
    seniority_stacks_with_cadre: bool = False
    service_gap_days: int = 31
    principal_protection: bool = False  # R-AID-11, see the module note for why it is off
    declaration_month: int = 5  # R-AID-17: the yearly list is declared from May
    runs_require_posted_roll: bool = False  # R-AID-05: pay only members on the year's posted list


DEFAULT_ASSISTANCE_SETTINGS = AssistanceSettings()


def yuan(fen: int) -> str:
    """12345 → '123.45' (display only; arithmetic stays in fen)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def parse_yuan(text: str) -> int:
    """'123.4' → 12340 fen, exactly (no float on the way)."""
    raw = text.strip().replace(",", "").replace("，", "")
    if raw.startswith("-") or not raw:
        raise ValueError(text)
    whole, _, frac = raw.partition(".")
    if not whole:
        whole = "0"
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise ValueError(text)
    return int(whole) * 100 + int((frac + "00")[:2])


def _v(code: str, zh: str, en: str, field: str | None = None) -> Violation:
    return Violation(code, f"{zh}（{code}）", f"{en} ({code})", field)


# --- cases and their workflow --------------------------------------------------------------------


class Cause(StrEnum):
    old_age = "old_age"
    lacking_skills_funds = "lacking_skills_funds"
    illness = "illness"
    laid_off = "laid_off"
    disaster = "disaster"
    other = "other"


CAUSE_LABELS = {
    Cause.old_age: ("年老体弱", "Old age"),
    Cause.lacking_skills_funds: ("缺技术缺资金", "Lacking skills or funds"),
    Cause.illness: ("因病", "Illness"),
    Cause.laid_off: ("下岗失业", "Laid off"),
    Cause.disaster: ("因灾", "Disaster"),
    Cause.other: ("其他", "Other"),
}


class Standard(StrEnum):
    rural_low_income = "rural_low_income"
    urban_minimum_living = "urban_minimum_living"
    pre_1949_hardship = "pre_1949_hardship"
    other = "other"


STANDARD_LABELS = {
    Standard.rural_low_income: ("农村家庭人均年收入低于标准", "Rural household income below the threshold"),
    Standard.urban_minimum_living: ("城镇低保家庭", "Urban minimum-living household"),
    Standard.pre_1949_hardship: ("建国前老党员生活困难", "Pre-1949 member in hardship"),
    Standard.other: ("其他（须说明）", "Other (explained)"),
}


class CaseStatus(StrEnum):
    applied = "applied"
    appraised = "appraised"
    noticed = "noticed"
    reported = "reported"
    approved = "approved"
    refused = "refused"
    helping = "helping"
    closed = "closed"


CASE_STATUS_LABELS = {
    CaseStatus.applied: ("已申请", "Applied"),
    CaseStatus.appraised: ("支部已评议", "Appraised by the branch"),
    CaseStatus.noticed: ("公示中", "Public notice"),
    CaseStatus.reported: ("已上报党委", "Reported to the committee"),
    CaseStatus.approved: ("党委已批准", "Approved"),
    CaseStatus.refused: ("未批准", "Refused"),
    CaseStatus.helping: ("已备案·帮扶中", "Filed, under help"),
    CaseStatus.closed: ("已结案", "Closed"),
}
OPEN_STATUSES = frozenset(set(CaseStatus) - {CaseStatus.refused, CaseStatus.closed})


class CaseStepKind(StrEnum):
    apply = "apply"
    appraise = "appraise"
    notice = "notice"
    report = "report"
    approve = "approve"
    refuse = "refuse"
    file = "file"
    review = "review"


STEP_LABELS = {
    CaseStepKind.apply: ("党员申请", "Application"),
    CaseStepKind.appraise: ("支部民主评议", "Branch democratic appraisal"),
    CaseStepKind.notice: ("村（社区）公示", "Public notice"),
    CaseStepKind.report: ("支部上报党委", "Reported to the committee"),
    CaseStepKind.approve: ("党委批准", "Committee approval"),
    CaseStepKind.refuse: ("党委不予批准", "Committee refusal"),
    CaseStepKind.file: ("县委组织部备案", "Filed with the county department"),
    CaseStepKind.review: ("年度复核", "Yearly review"),
}

# step → (statuses it may follow, status it leads to; None = decided by the review outcome)
TRANSITIONS: dict[CaseStepKind, tuple[frozenset[CaseStatus], CaseStatus | None]] = {
    CaseStepKind.appraise: (frozenset({CaseStatus.applied}), CaseStatus.appraised),
    CaseStepKind.notice: (frozenset({CaseStatus.appraised}), CaseStatus.noticed),
    CaseStepKind.report: (frozenset({CaseStatus.noticed}), CaseStatus.reported),
    CaseStepKind.approve: (frozenset({CaseStatus.reported}), CaseStatus.approved),
    CaseStepKind.refuse: (frozenset({CaseStatus.reported}), CaseStatus.refused),
    CaseStepKind.file: (frozenset({CaseStatus.approved}), CaseStatus.helping),
    CaseStepKind.review: (frozenset({CaseStatus.helping}), None),
}


class ReviewOutcome(StrEnum):
    continued = "continued"
    adjusted = "adjusted"
    closed = "closed"


REVIEW_LABELS = {
    ReviewOutcome.continued: ("继续帮扶", "Continued"),
    ReviewOutcome.adjusted: ("调整帮扶", "Adjusted"),
    ReviewOutcome.closed: ("脱困结案", "Closed"),
}

# Steps a committee-level account (township or county) records; filing is the county's.
COMMITTEE_STEPS = frozenset({CaseStepKind.approve, CaseStepKind.refuse})
COUNTY_STEPS = frozenset({CaseStepKind.file})


@dataclass(frozen=True)
class StepEvidence:
    """What a clerk enters with a step; which fields are needed depends on the step."""

    on: date
    record: str | None = None  # appraisal minutes, committee decision, filing number, review notes
    notice_starts_on: date | None = None
    notice_ends_on: date | None = None
    objections: str | None = None
    objection_resolution: str | None = None
    reason: str | None = None  # refusal, adjustment, closing
    outcome: ReviewOutcome | None = None


@dataclass(frozen=True)
class CaseFacts:
    """The case as the rules need it."""

    status: CaseStatus
    last_step_on: date | None
    notice_ends_on: date | None = None
    standard: Standard | None = None
    standard_note: str | None = None
    household_income_fen: int | None = None
    household_size: int = 1
    member_pre_1949: bool = False


def next_steps(status: CaseStatus) -> list[CaseStepKind]:
    return [k for k, (sources, _) in TRANSITIONS.items() if status in sources]


def check_standard(c: CaseFacts, settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS) -> Violation | None:
    """R-AID-08: the eligibility standard the case claims is met by its facts."""
    if c.standard is None:
        return _v("R-AID-08", "未选择困难认定标准", "No eligibility standard chosen", "standard")
    if c.standard == Standard.rural_low_income:
        if c.household_income_fen is None:
            return _v("R-AID-08", "按收入标准认定须填写家庭年收入", "The income standard needs the household's yearly income", "yearlyIncome")
        per_person = c.household_income_fen // max(1, c.household_size)
        if per_person >= settings.rural_income_threshold_fen:
            return _v(
                "R-AID-08",
                f"家庭人均年收入 {yuan(per_person)} 元，不低于标准 {yuan(settings.rural_income_threshold_fen)} 元",
                f"Yearly income per person {yuan(per_person)} yuan is not below the threshold {yuan(settings.rural_income_threshold_fen)}",
                "yearlyIncome",
            )
    elif c.standard == Standard.pre_1949_hardship and not c.member_pre_1949:
        return _v("R-AID-08", "该党员不是建国前入党的老党员", "The member did not join before 1949", "standard")
    elif c.standard == Standard.other and not (c.standard_note or "").strip():
        return _v("R-AID-08", "选择“其他”标准须说明理由", "The 'other' standard needs an explanation", "standardNote")
    return None


def check_step(
    c: CaseFacts,
    step: CaseStepKind,
    ev: StepEvidence,
    today: date,
    settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS,
) -> Violation | None:
    """May this step be recorded now? R-AID-01 order, R-AID-06 evidence, R-AID-07 notice, R-AID-08 standard."""
    problem = _check_order(c, step, ev, today)
    if problem:
        return problem
    evidence = _EVIDENCE_CHECKS.get(step)
    return evidence(c, ev, settings) if evidence else None


def _check_order(c: CaseFacts, step: CaseStepKind, ev: StepEvidence, today: date) -> Violation | None:
    """R-AID-01: the step follows the case's state, on a day not after today nor before
    the previous step; the application is only recorded when the case is opened."""
    if step == CaseStepKind.apply:
        return _v("R-AID-01", "申请只能在建立台帐时登记", "An application is recorded when the case is opened", "step")
    sources, _ = TRANSITIONS[step]
    if c.status not in sources:
        zh, en = STEP_LABELS[step]
        sz, se = CASE_STATUS_LABELS[c.status]
        return _v("R-AID-01", f"当前状态“{sz}”不能办理“{zh}”", f"“{en}” cannot follow the state “{se}”", "step")
    if ev.on > today:
        return _v("R-AID-01", "办理日期不能晚于今天", "The date cannot be after today", "on")
    if c.last_step_on is not None and ev.on < c.last_step_on:
        return _v("R-AID-01", f"办理日期不能早于上一步（{c.last_step_on}）", f"The date cannot precede the previous step ({c.last_step_on})", "on")
    return None


def _missing(value: Any, field: str, zh: str, en: str) -> Violation | None:
    """R-AID-06: a piece of evidence the step needs, left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return _v("R-AID-06", f"缺少{zh}", f"Missing {en}", field)
    return None


def _check_notice(c: CaseFacts, ev: StepEvidence, settings: AssistanceSettings) -> Violation | None:
    """R-AID-07: the notice has its dates, starts after the appraisal, runs long enough,
    and any objection raised during it is resolved."""
    problem = _missing(ev.notice_starts_on, "noticeStartsOn", "公示开始日期", "the notice start date") or _missing(
        ev.notice_ends_on, "noticeEndsOn", "公示结束日期", "the notice end date"
    )
    if problem:
        return problem
    assert ev.notice_starts_on and ev.notice_ends_on
    if c.last_step_on is not None and ev.notice_starts_on < c.last_step_on:
        return _v("R-AID-07", "公示开始日期不能早于民主评议", "The notice cannot start before the appraisal", "noticeStartsOn")
    days = (ev.notice_ends_on - ev.notice_starts_on).days + 1
    if days < settings.notice_min_days:
        return _v(
            "R-AID-07",
            f"公示期只有 {days} 天，至少须 {settings.notice_min_days} 天",
            f"The notice ran {days} days; at least {settings.notice_min_days} are needed",
            "noticeEndsOn",
        )
    if (ev.objections or "").strip() and not (ev.objection_resolution or "").strip():
        return _v("R-AID-07", "公示中有异议，须记录处理结果", "Objections were raised: record how they were resolved", "objectionResolution")
    return None


def _check_report(c: CaseFacts, ev: StepEvidence, settings: AssistanceSettings) -> Violation | None:
    """R-AID-07: the case is reported to the committee after its notice has ended."""
    if c.notice_ends_on is not None and ev.on <= c.notice_ends_on:
        return _v(
            "R-AID-07",
            f"公示期至 {c.notice_ends_on} 结束，之后才能上报",
            f"The notice runs until {c.notice_ends_on}; report after it ends",
            "on",
        )
    return None


def _check_approve(c: CaseFacts, ev: StepEvidence, settings: AssistanceSettings) -> Violation | None:
    """R-AID-06 the committee's decision is on record, R-AID-08 the standard is met."""
    return _missing(ev.record, "record", "党委审批意见（会议记录或批复文号）", "the committee's decision (minutes or reference)") or check_standard(c, settings)


def _check_review(c: CaseFacts, ev: StepEvidence, settings: AssistanceSettings) -> Violation | None:
    """R-AID-06: a review states its outcome, and why when it adjusts or closes the case."""
    if ev.outcome is None:
        return _v("R-AID-06", "缺少复核结论", "Missing the review outcome", "outcome")
    if ev.outcome in (ReviewOutcome.adjusted, ReviewOutcome.closed):
        return _missing(ev.reason, "reason", "调整或结案的理由", "the reason for adjusting or closing")
    return None


# The evidence each step needs (R-AID-06/07/08); a step not named needs none beyond its date.
_EVIDENCE_CHECKS: dict[CaseStepKind, Callable[[CaseFacts, StepEvidence, AssistanceSettings], Violation | None]] = {
    CaseStepKind.appraise: lambda c, ev, s: _missing(ev.record, "record", "民主评议记录", "the democratic appraisal record"),
    CaseStepKind.notice: _check_notice,
    CaseStepKind.report: _check_report,
    CaseStepKind.approve: _check_approve,
    CaseStepKind.refuse: lambda c, ev, s: _missing(ev.reason, "reason", "不予批准的理由", "the reason for refusal"),
    CaseStepKind.file: lambda c, ev, s: _missing(ev.record, "record", "备案编号", "the filing reference"),
    CaseStepKind.review: _check_review,
}


def status_after(step: CaseStepKind, ev: StepEvidence) -> CaseStatus:
    target = TRANSITIONS[step][1]
    if target is not None:
        return target
    return CaseStatus.closed if ev.outcome == ReviewOutcome.closed else CaseStatus.helping


def review_due_on(filed_on: date, last_review_on: date | None, settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS) -> date:
    """R-AID-02: one review a year after filing, then a year after each review."""
    return add_months(last_review_on or filed_on, settings.review_months)


def review_alert(
    filed_on: date | None,
    last_review_on: date | None,
    today: date,
    settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS,
) -> Alert | None:
    if filed_on is None:
        return None
    due = review_due_on(filed_on, last_review_on, settings)
    if today <= due:
        return None
    days = (today - due).days
    return Alert(
        "R-AID-02",
        f"年度复核已逾期 {days} 天（应于 {due} 前复核）（R-AID-02）",
        f"Yearly review overdue by {days} days (due {due}) (R-AID-02)",
        due_on=due,
        extra={"days_overdue": days},
    )


def check_help(status: CaseStatus, kind: str) -> Violation | None:
    """R-AID-09: grants and loans to a case under help; any help only on an open case."""
    if status in (CaseStatus.refused, CaseStatus.closed):
        sz, se = CASE_STATUS_LABELS[status]
        return _v("R-AID-09", f"该案“{sz}”，不能再登记帮扶", f"The case is “{se}”: no more help can be recorded", "caseId")
    if kind in ("grant", "loan") and status != CaseStatus.helping:
        return _v(
            "R-AID-09",
            "救济金和借款只发给已批准并备案的帮扶对象",
            "Grants and loans go only to cases approved and filed",
            "caseId",
        )
    return None


# --- help entries --------------------------------------------------------------------------------


class HelpKind(StrEnum):
    visit = "visit"
    grant = "grant"
    loan = "loan"
    pairing = "pairing"
    training = "training"
    job = "job"


HELP_LABELS = {
    HelpKind.visit: ("走访慰问", "Visit / condolence"),
    HelpKind.grant: ("无偿救济", "Grant"),
    HelpKind.loan: ("有偿扶助（借款）", "Repayable loan"),
    HelpKind.pairing: ("结对帮扶", "Pairing"),
    HelpKind.training: ("技能培训", "Training"),
    HelpKind.job: ("就业安置", "Job placement"),
}


class VisitOccasion(StrEnum):
    difficulty = "difficulty"
    illness = "illness"
    family_dispute = "family_dispute"
    wedding_funeral = "wedding_funeral"
    festival = "festival"
    other = "other"


OCCASION_LABELS = {
    VisitOccasion.difficulty: ("生活困难必访", "In difficulty (must visit)"),
    VisitOccasion.illness: ("生病住院必访", "Ill (must visit)"),
    VisitOccasion.family_dispute: ("家庭矛盾必访", "Family dispute (must visit)"),
    VisitOccasion.wedding_funeral: ("红白喜事必访", "Wedding or funeral (must visit)"),
    VisitOccasion.festival: ("节日慰问", "Festival visit"),
    VisitOccasion.other: ("其他", "Other"),
}
# 四必访: the four occasions a visit is owed.
MUST_VISIT = frozenset(
    {VisitOccasion.difficulty, VisitOccasion.illness, VisitOccasion.family_dispute, VisitOccasion.wedding_funeral}
)


# --- the fund ------------------------------------------------------------------------------------


class Direction(StrEnum):
    inflow = "in"
    outflow = "out"


class EntryKind(StrEnum):
    budget = "budget"
    party_fees = "party_fees"
    contribution = "contribution"
    donation = "donation"
    repayment = "repayment"
    grant = "grant"
    loan = "loan"
    visit = "visit"


ENTRY_LABELS = {
    EntryKind.budget: ("财政预算", "Budget"),
    EntryKind.party_fees: ("留存党费", "Retained party fees"),
    EntryKind.contribution: ("党委（单位）捐助", "Committee contribution"),
    EntryKind.donation: ("社会捐赠", "Donation"),
    EntryKind.repayment: ("借款归还", "Loan repayment"),
    EntryKind.grant: ("救济金支出", "Grant"),
    EntryKind.loan: ("借款发放", "Loan"),
    EntryKind.visit: ("慰问金支出", "Visit money"),
}
INFLOW_KINDS = frozenset({EntryKind.budget, EntryKind.party_fees, EntryKind.contribution, EntryKind.donation, EntryKind.repayment})
OUTFLOW_KINDS = frozenset({EntryKind.grant, EntryKind.loan, EntryKind.visit})
# Inflows a clerk records by hand; repayments come only through a loan.
MANUAL_INFLOWS = frozenset({EntryKind.budget, EntryKind.party_fees, EntryKind.contribution, EntryKind.donation})


def check_amount(amount_fen: int, field: str = "amount") -> Violation | None:
    if amount_fen <= 0:
        return _v("R-AID-04", "金额须大于零", "The amount must be greater than zero", field)
    return None


def check_outflow(
    balance_fen: int,
    amount_fen: int,
    kind: EntryKind,
    *,
    principal_fen: int = 0,
    settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS,
) -> Violation | None:
    """R-AID-04 (never below zero) and R-AID-11 (principal kept, when the setting is on)."""
    bad = check_amount(amount_fen)
    if bad:
        return bad
    if amount_fen > balance_fen:
        return _v(
            "R-AID-04",
            f"基金余额 {yuan(balance_fen)} 元，不足支付 {yuan(amount_fen)} 元",
            f"The fund holds {yuan(balance_fen)} yuan, less than {yuan(amount_fen)}",
            "amount",
        )
    if settings.principal_protection and kind != EntryKind.loan and balance_fen - amount_fen < principal_fen:
        available = max(0, balance_fen - principal_fen)
        return _v(
            "R-AID-11",
            f"须保本金：本金 {yuan(principal_fen)} 元，可用收益 {yuan(available)} 元",
            f"The principal of {yuan(principal_fen)} yuan is kept: {yuan(available)} yuan of income is available",
            "amount",
        )
    return None


def ledger_balance(entries: Sequence[tuple[str, int]]) -> int:
    """The balance the book itself gives: Σ inflows − Σ outflows."""
    return sum(a if d == Direction.inflow else -a for d, a in entries)


# --- loans ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installment:
    number: int
    due_on: date
    amount_fen: int


@dataclass(frozen=True)
class InstallmentState:
    number: int
    due_on: date
    amount_fen: int
    paid_fen: int
    overdue: bool


class LoanStatus(StrEnum):
    active = "active"
    overdue = "overdue"
    repaid = "repaid"


LOAN_STATUS_LABELS = {
    LoanStatus.active: ("还款中", "Repaying"),
    LoanStatus.overdue: ("已逾期", "Overdue"),
    LoanStatus.repaid: ("已还清", "Repaid"),
}


@dataclass(frozen=True)
class LoanState:
    status: LoanStatus
    repaid_fen: int
    outstanding_fen: int
    overdue_fen: int
    overdue_since: date | None
    next_due_on: date | None
    installments: tuple[InstallmentState, ...] = field(default_factory=tuple)


def check_loan_terms(
    amount_fen: int, term_months: int, installments: int, settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS
) -> Violation | None:
    bad = check_amount(amount_fen)
    if bad:
        return bad
    if term_months < 1 or term_months > settings.loan_term_months:
        return _v(
            "R-AID-03",
            f"借款期限须在 1 至 {settings.loan_term_months} 个月之间",
            f"The term must be 1 to {settings.loan_term_months} months",
            "termMonths",
        )
    if installments < 1 or installments > term_months:
        return _v("R-AID-03", "还款期数须在 1 至借款月数之间", "Installments must be between 1 and the number of months", "installments")
    return None


def loan_schedule(amount_fen: int, lent_on: date, term_months: int, installments: int) -> list[Installment]:
    """Equal installments spread over the term; the last one is due at its end and takes the odd fen."""
    base = amount_fen // installments
    out = []
    for n in range(1, installments + 1):
        due = add_months(lent_on, round(term_months * n / installments))
        amount = base if n < installments else amount_fen - base * (installments - 1)
        out.append(Installment(n, due, amount))
    return out


def loan_state(schedule: Sequence[Installment], repayments: Sequence[tuple[date, int]], today: date) -> LoanState:
    """Repayments settle installments in order; an installment unpaid after its due date is overdue."""
    total = sum(i.amount_fen for i in schedule)
    repaid = sum(a for on, a in repayments if on <= today)
    left = repaid
    states = []
    overdue_fen, overdue_since, next_due = 0, None, None
    for i in schedule:
        paid = min(left, i.amount_fen)
        left -= paid
        late = paid < i.amount_fen and i.due_on < today
        if late:
            overdue_fen += i.amount_fen - paid
            overdue_since = overdue_since or i.due_on
        elif paid < i.amount_fen and next_due is None:
            next_due = i.due_on
        states.append(InstallmentState(i.number, i.due_on, i.amount_fen, paid, late))
    outstanding = max(0, total - repaid)
    if outstanding == 0:
        status = LoanStatus.repaid
    elif overdue_fen:
        status = LoanStatus.overdue
    else:
        status = LoanStatus.active
    return LoanState(status, repaid, outstanding, overdue_fen, overdue_since, next_due, tuple(states))


def check_repayment(outstanding_fen: int, amount_fen: int) -> Violation | None:
    """R-AID-10."""
    if outstanding_fen <= 0:
        return _v("R-AID-10", "该借款已还清", "The loan is already repaid", "loanId")
    bad = check_amount(amount_fen)
    if bad:
        return Violation("R-AID-10", bad.message_zh.replace("R-AID-04", "R-AID-10"), bad.message_en.replace("R-AID-04", "R-AID-10"), "amount")
    if amount_fen > outstanding_fen:
        return _v(
            "R-AID-10",
            f"还款 {yuan(amount_fen)} 元超过尚欠 {yuan(outstanding_fen)} 元",
            f"The repayment {yuan(amount_fen)} exceeds the {yuan(outstanding_fen)} yuan owed",
            "amount",
        )
    return None


def loan_alert(state: LoanState) -> Alert | None:
    if state.status != LoanStatus.overdue:
        return None
    return Alert(
        "R-AID-03",
        f"借款逾期：{state.overdue_since} 起欠还 {yuan(state.overdue_fen)} 元（R-AID-03）",
        f"Loan overdue since {state.overdue_since}: {yuan(state.overdue_fen)} yuan unpaid (R-AID-03)",
        due_on=state.overdue_since,
        extra={"overdue_fen": state.overdue_fen},
    )


# --- pairings and promises -----------------------------------------------------------------------


class PairingKind(StrEnum):
    branches = "branches"
    members = "members"


PAIRING_LABELS = {
    PairingKind.branches: ("机关支部联系村支部", "Agency branch with village branch"),
    PairingKind.members: ("机关党员结对困难党员", "Agency member with member in difficulty"),
}
# 三包: what a pairing takes on.
PAIRING_COVERS = {
    "technology": ("包技术", "Technology"),
    "project": ("包项目", "Project"),
    "until_out": ("包脱贫", "Until out of poverty"),
}


def check_promise_dates(made_on: date, due_on: date, today: date) -> Violation | None:
    if made_on > today:
        return _v("R-AID-14", "承诺日期不能晚于今天", "The promise cannot be dated after today", "madeOn")
    if due_on < made_on:
        return _v("R-AID-14", "兑现期限不能早于承诺日期", "The due date cannot precede the promise", "dueOn")
    return None


def promise_alert(due_on: date, decided_on: date | None, today: date) -> Alert | None:
    """R-AID-16. `decided_on`: when the promise was kept or recorded as broken; a broken promise
    is decided (its reason is on record), so it no longer asks anyone to act."""
    if decided_on is not None or today <= due_on:
        return None
    return Alert(
        "R-AID-16",
        f"结对承诺已过兑现期限（{due_on}）（R-AID-16）",
        f"A pairing promise is past its due date ({due_on}) (R-AID-16)",
        due_on=due_on,
    )


# --- standing allowances -------------------------------------------------------------------------


class AllowanceKind(StrEnum):
    age80 = "age80"
    retired_cadre = "retired_cadre"
    seniority = "seniority"
    survivor = "survivor"


ALLOWANCE_LABELS = {
    AllowanceKind.age80: ("80岁以上老党员生活补贴", "Members aged 80 or more"),
    AllowanceKind.retired_cadre: ("离任村干部生活补贴（任职满30年）", "Retired village cadres (30 years' service)"),
    AllowanceKind.seniority: ("离任村干部年功奖", "Seniority award for retired village cadres"),
    AllowanceKind.survivor: ("老村干部去世一次性抚恤金", "One-off survivor benefit"),
}
ONE_OFF_KINDS = frozenset({AllowanceKind.survivor})
ONE_OFF_PERIOD = "once"


@dataclass(frozen=True)
class PersonFacts:
    member_id: int
    birth_date: date
    on_roster: bool
    deceased_on: date | None
    cadre_posts: tuple[tuple[date, date | None], ...]


@dataclass(frozen=True)
class Eligibility:
    member_id: int
    kind: AllowanceKind
    amount_fen: int
    tier: int | None
    reason_zh: str
    reason_en: str


def _months_between(a: date, b: date) -> int:
    """Completed calendar months from a to b."""
    return (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day)


def service_months(
    posts: Sequence[tuple[date, date | None]], on: date, gap_days: int = 31
) -> tuple[int, int]:
    """(longest consecutive stretch, cumulative) in completed months of service up to `on`."""
    spans = sorted((s, min(e or on, on)) for s, e in posts if s <= on)
    merged: list[list[date]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1] + timedelta(days=gap_days):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    months = [_months_between(s, e) for s, e in merged]
    return (max(months, default=0), sum(months))


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-11' → (2026-11-01, 2026-11-30). Raises ValueError when malformed."""
    year, _, mon = month.partition("-")
    if len(year) != 4 or len(mon) != 2:
        raise ValueError(month)
    first = date(int(year), int(mon), 1)
    return first, add_months(first, 1) - timedelta(days=1)


def check_month(month: str, today: date) -> Violation | None:
    """R-AID-13: a well-formed month that has begun."""
    try:
        first, _ = month_bounds(month)
    except ValueError:
        return _v("R-AID-13", f"月份格式应为 YYYY-MM：{month}", f"The month must read YYYY-MM: {month}", "month")
    if first > today:
        return _v("R-AID-13", "不能发放未到月份的补贴", "A month that has not begun cannot be paid", "month")
    return None


def seniority_tier(consecutive_years: int, cumulative_years: int, settings: AssistanceSettings) -> SeniorityTier | None:
    best = None
    for t in settings.seniority_tiers:
        if consecutive_years >= t.min_consecutive_years or cumulative_years >= t.min_cumulative_years:
            best = t
    return best


def allowance_eligibility(
    p: PersonFacts,
    kind: AllowanceKind,
    month: str,
    settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS,
) -> Eligibility | None:
    """R-AID-05: is this person owed this allowance for this month, and how much?"""
    first, last = month_bounds(month)
    if kind == AllowanceKind.survivor:
        if p.deceased_on is None or p.deceased_on > last:
            return None
        _, cumulative = service_months(p.cadre_posts, p.deceased_on, settings.service_gap_days)
        if cumulative // 12 < settings.survivor_years:
            return None
        return Eligibility(
            p.member_id, kind, settings.survivor_benefit_fen, None,
            f"村干部累计任职 {cumulative // 12} 年，{p.deceased_on} 去世",
            f"{cumulative // 12} cumulative years as a village cadre; died {p.deceased_on}",
        )  # fmt: skip
    if not p.on_roster or (p.deceased_on is not None and p.deceased_on < first):
        return None
    age = age_on(p.birth_date, first)
    if kind == AllowanceKind.age80:
        if age < settings.age_allowance_years:
            return None
        return Eligibility(p.member_id, kind, settings.age_allowance_monthly_fen, None, f"{age} 岁", f"aged {age}")
    # Cadre allowances: retired = no post open during the month.
    if not p.cadre_posts or any(e is None or e >= first for _, e in p.cadre_posts):
        return None
    consecutive, cumulative = (m // 12 for m in service_months(p.cadre_posts, first, settings.service_gap_days))
    cadre_ok = max(consecutive, cumulative) >= settings.cadre_allowance_years
    if kind == AllowanceKind.retired_cadre:
        if not cadre_ok:
            return None
        return Eligibility(
            p.member_id, kind, settings.cadre_allowance_monthly_fen, None,
            f"村干部任职连续 {consecutive} 年、累计 {cumulative} 年",
            f"{consecutive} consecutive, {cumulative} cumulative years as a village cadre",
        )  # fmt: skip
    if kind == AllowanceKind.seniority:
        if age < settings.seniority_min_age or (cadre_ok and not settings.seniority_stacks_with_cadre):
            return None
        tier = seniority_tier(consecutive, cumulative, settings)
        if tier is None:
            return None
        return Eligibility(
            p.member_id, kind, tier.monthly_fen, tier.tier,
            f"{age} 岁，任职连续 {consecutive} 年、累计 {cumulative} 年，第 {tier.tier} 档",
            f"aged {age}, {consecutive} consecutive / {cumulative} cumulative years, tier {tier.tier}",
        )  # fmt: skip
    return None


def allowance_period(kind: AllowanceKind, month: str) -> str:
    """The key a payment is unique on (with member and kind): the month, or 'once' for one-off benefits."""
    return ONE_OFF_PERIOD if kind in ONE_OFF_KINDS else month


class RollStage(StrEnum):
    declared = "declared"
    verified = "verified"
    confirmed = "confirmed"
    posted = "posted"


ROLL_STAGE_LABELS = {
    RollStage.declared: ("村（社区）已申报", "Declared by the village"),
    RollStage.verified: ("乡镇已审核", "Verified by the township"),
    RollStage.confirmed: ("县委组织部已确认", "Confirmed by the department"),
    RollStage.posted: ("已张榜公示", "Publicly posted"),
}
# step → (stage it follows, stage it leads to)
ROLL_STEPS: dict[str, tuple[RollStage, RollStage]] = {
    "verify": (RollStage.declared, RollStage.verified),
    "confirm": (RollStage.verified, RollStage.confirmed),
    "post": (RollStage.confirmed, RollStage.posted),
}


def check_declaration(year: int, on: date, today: date, settings: AssistanceSettings = DEFAULT_ASSISTANCE_SETTINGS) -> Violation | None:
    """R-AID-17: a year's list is declared from its declaration month, never in the future."""
    if on > today:
        return _v("R-AID-17", "申报日期不能晚于今天", "The declaration cannot be dated after today", "on")
    opens = date(year, settings.declaration_month, 1)
    if on < opens or on.year != year:
        return _v(
            "R-AID-17",
            f"{year} 年度名单自 {opens} 起申报",
            f"The {year} list is declared from {opens}",
            "year",
        )
    return None


def check_roll_step(stage: RollStage, step: str, on: date, last_on: date, today: date) -> Violation | None:
    """R-AID-17: verify → confirm → post, in order, dated in order."""
    if step not in ROLL_STEPS or ROLL_STEPS[step][0] != stage:
        sz, se = ROLL_STAGE_LABELS[stage]
        return _v("R-AID-17", f"名单当前为“{sz}”，不能办理此步", f"The list is “{se}”: that step cannot follow", "step")
    if on > today or on < last_on:
        return _v("R-AID-17", f"日期须在 {last_on} 与今天之间", f"The date must fall between {last_on} and today", "on")
    return None


RULE_SOURCES: dict[str, tuple[str, str]] = {
    "R-AID-01": ("党内关怀帮扶工作程序：申请、评议、公示、上报、审批、备案", "assistance workflow order"),
    "R-AID-02": ("帮扶对象每年复核调整", "yearly review of each case"),
    "R-AID-03": ("有偿扶助资金两年内归还", "help-fund loans repaid within two years"),
    "R-AID-04": ("帮扶基金余额不得为负", "the help fund never goes negative"),
    "R-AID-05": ("老党员、老村干部生活补贴与年功奖", "standing allowances and the seniority award"),
}
