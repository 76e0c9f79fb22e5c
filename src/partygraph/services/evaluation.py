"""Use cases of evaluations: member rounds (三评一审), follow-ups, flags, organisation
assessments and model sites. Cadres are in services.cadre.

Each use case: load in scope → require_writer → rules → write → bump version → audit.
Nothing is deleted: outcomes change through versioned writes, flags are resolved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import RuleViolationError, violation
from partygraph.models.evaluation import (
    EvaluationRound,
    EvaluationSubject,
    Flag,
    FollowUp,
    FollowUpKind,
    ModelSite,
    ModelSiteStatus,
    OrgAssessment,
    Outcome,
    RoundStatus,
    SourceResult,
)
from partygraph.models.member import ACTIVE_STATUSES, Member
from partygraph.models.organization import Organization, OrgKind, OrgStatus
from partygraph.rules import evaluation as rules
from partygraph.rules.evaluation import (
    DEFAULT_EVALUATION_SETTINGS,
    FLAG_CODES,
    Decision,
    EvaluationSettings,
    FlagKind,
    Grade,
    OrgRating,
    Source,
    SourceEntry,
    SubjectState,
)
from partygraph.scope import path_range
from partygraph.services import organization as orgs
from partygraph.services.base import (
    bump_version,
    check_date,
    clean_text,
    get_scoped,
    record,
    require_writer,
    snapshot,
)

ROUND = "评议"
SUBJECT = "评议对象"
FLAG = "提示事项"
FOLLOW_UP = "跟进任务"
MODEL_SITE = "示范点"
ORG_ASSESSMENT = "组织考核"


def settings_of(ctx: Context) -> EvaluationSettings:
    """A deployment may put an `evaluation` attribute on its Settings; the defaults otherwise."""
    return getattr(ctx.settings, "evaluation", None) or DEFAULT_EVALUATION_SETTINGS


def _actor(ctx: Context) -> int | None:
    return ctx.viewer.account_id if ctx.viewer else None


def _enum(kind: type, value: Any, field: str, zh: str, en: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的{zh}：{value}", f"Unknown {en}: {value}", field) from None


def _check_year(year: int, field: str = "year") -> None:
    if not 1921 <= year <= 2200:
        raise violation("INVALID_INPUT", "年度无效", "Invalid year", field)


# --- rounds ---------------------------------------------------------------------------------------

ROUND_FIELDS = ["org_id", "year", "status", "opened_on", "closed_on", "notes"]


def get_round(ctx: Context, round_id: int) -> EvaluationRound:
    return get_scoped(ctx, EvaluationRound, round_id, "org_path", ROUND)


def get_subject(ctx: Context, subject_id: int) -> EvaluationSubject:
    return get_scoped(ctx, EvaluationSubject, subject_id, "org_path", SUBJECT)


def open_round(ctx: Context, *, org_id: int, year: int, opened_on: date, notes: str | None = None) -> EvaluationRound:
    """Open the branch's round for a year: every full and probationary member on that date is in it."""
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.kind != OrgKind.branch or org.status != OrgStatus.active:
        raise violation(
            "INVALID_INPUT",
            "民主评议党员以党支部为单位进行，请选择一个在册的党支部",
            "Democratic evaluation is held per branch: choose an active branch",
            "orgId",
        )
    _check_year(year)
    check_date(opened_on, "openedOn", "开始日期", "Opening date", today=ctx.today())
    if opened_on.year not in (year, year + 1):
        raise violation(
            "INVALID_DATE",
            f"{year} 年度的评议应在 {year} 年或次年开始",
            f"The {year} round opens in {year} or the year after",
            "openedOn",
        )
    exists = ctx.session.execute(
        select(col(EvaluationRound.id)).where(col(EvaluationRound.org_id) == org.id, col(EvaluationRound.year) == year)
    ).scalar()
    if exists is not None:
        raise violation(
            "DUPLICATE",
            f"{org.name} 已有 {year} 年度的民主评议",
            f"{org.name} already has a {year} round",
            "year",
        )
    people = list(
        ctx.session.execute(
            select(Member)
            .where(
                path_range(col(Member.org_path), org.path),
                col(Member.status).in_([s.value for s in ACTIVE_STATUSES]),
                col(Member.joined_on) <= opened_on,
            )
            .order_by(col(Member.name), col(Member.id))
        ).scalars()
    )
    if not people:
        raise violation("INVALID_INPUT", "该支部没有在册党员", "The branch has no members on the roster", "orgId")
    rnd = EvaluationRound(
        org_id=org.id,
        org_path=org.path,
        year=year,
        opened_on=opened_on,
        notes=clean_text(notes, "notes", "备注", "Notes", required=False, max_len=2000),
    )
    ctx.session.add(rnd)
    ctx.session.flush()
    for m in people:
        ctx.session.add(
            EvaluationSubject(
                round_id=rnd.id,
                member_id=m.id,
                org_path=org.path,
                year=year,
                member_name=m.name,
                member_status=m.status,
            )
        )
    ctx.session.flush()
    after = snapshot(rnd, ROUND_FIELDS) | {"subjects": len(people)}
    record(ctx, "evaluation.open", "EvaluationRound", rnd.id, rnd.org_path, None, after)
    return rnd


SUBJECT_FIELDS_ROSTER = ["member_id", "member_name", "member_status", "withdrawn_on", "withdrawn_reason", "added_on"]


def add_subject(ctx: Context, round_id: int, *, member_id: int, on: date) -> EvaluationSubject:
    """A member who joined the branch after the round opened (a transfer in, a conversion)."""
    rnd = get_round(ctx, round_id)
    require_writer(ctx, rnd.org_path)
    _require_open(rnd)
    m = get_scoped(ctx, Member, member_id, "org_path", "党员")
    if not m.org_path.startswith(rnd.org_path) or m.status not in {s.value for s in ACTIVE_STATUSES}:
        raise violation(
            "INVALID_INPUT",
            "只能加入本支部在册的党员",
            "Only a member on this branch's roster can be added",
            "memberId",
        )
    if ctx.session.execute(
        select(col(EvaluationSubject.id)).where(col(EvaluationSubject.round_id) == rnd.id, col(EvaluationSubject.member_id) == m.id)
    ).scalar() is not None:
        raise violation("DUPLICATE", f"{m.name} 已在本轮评议中", f"{m.name} is already in the round", "memberId")
    check_date(on, "on", "加入日期", "Date", today=ctx.today(), earliest=rnd.opened_on)
    subject = EvaluationSubject(
        round_id=rnd.id,
        member_id=m.id,
        org_path=rnd.org_path,
        year=rnd.year,
        member_name=m.name,
        member_status=m.status,
        added_on=on,
    )
    ctx.session.add(subject)
    ctx.session.flush()
    record(ctx, "evaluation.add_subject", "EvaluationSubject", subject.id, subject.org_path, None, snapshot(subject, SUBJECT_FIELDS_ROSTER))
    return subject


def withdraw_subject(ctx: Context, subject_id: int, *, on: date, reason: str, version: int | None) -> EvaluationSubject:
    """Take a member out of an open round (left the branch, died…); kept, with the reason."""
    subject = get_subject(ctx, subject_id)
    require_writer(ctx, subject.org_path)
    rnd = ctx.session.get(EvaluationRound, subject.round_id)
    assert rnd is not None
    _require_open(rnd)
    if subject.withdrawn_on is not None:
        raise violation("R-EVAL-WITHDRAWN", "该党员已移出本轮评议", "This member was already taken out of the round")
    if ctx.session.execute(select(col(Outcome.id)).where(col(Outcome.subject_id) == subject.id)).scalar() is not None:
        raise violation(
            "R-EVAL-01",
            "该党员已有评议结果，不能移出",
            "This member already has an outcome and stays in the round",
            "subjectId",
        )
    text = clean_text(reason, "reason", "移出原因", "Reason", required=True, max_len=500)
    check_date(on, "on", "移出日期", "Date", today=ctx.today(), earliest=rnd.opened_on)
    before = snapshot(subject, SUBJECT_FIELDS_ROSTER)
    subject.withdrawn_on, subject.withdrawn_reason = on, text
    bump_version(ctx, subject, version, SUBJECT)
    record(ctx, "evaluation.withdraw_subject", "EvaluationSubject", subject.id, subject.org_path, before, snapshot(subject, SUBJECT_FIELDS_ROSTER))
    ctx.session.flush()
    return subject


def _require_open(rnd: EvaluationRound) -> None:
    if rnd.status != RoundStatus.open:
        raise violation(
            "R-EVAL-CLOSED",
            "该轮评议已结束，结果不能再修改",
            "This round is closed; its results can no longer change",
        )


def subject_states(ctx: Context, round_id: int) -> list[SubjectState]:
    # The outcome is None where the outer join found none.
    rows: Sequence[tuple[EvaluationSubject, Outcome | None]] = ctx.session.execute(
        select(EvaluationSubject, Outcome)
        .outerjoin(Outcome, col(Outcome.subject_id) == EvaluationSubject.id)
        .where(col(EvaluationSubject.round_id) == round_id, col(EvaluationSubject.withdrawn_on).is_(None))
        .order_by(col(EvaluationSubject.member_name), col(EvaluationSubject.id))
    ).all()
    return [
        SubjectState(
            member_id=s.member_id,
            name=s.member_name,
            grade=Grade(o.grade) if o is not None else None,
            decision=Decision(o.decision) if o is not None and o.decision else None,
        )
        for s, o in rows
    ]


@dataclass
class SourceInput:
    source: str
    tallies: Mapping[str, int] | None = None
    raters: Sequence[Mapping[str, str]] | None = None


@dataclass
class OutcomeInput:
    grade: str
    decided_on: date
    decision: str | None = None
    decision_note: str | None = None
    correction_deadline: date | None = None
    signed_off_by: str | None = None


SUBJECT_FIELDS = ["grade", "decision", "decision_note", "correction_deadline", "decided_on", "signed_off_by"]


def record_entry(
    ctx: Context,
    subject_id: int,
    *,
    version: int | None,
    sources: Sequence[SourceInput] = (),
    outcome: OutcomeInput | None = None,
) -> EvaluationSubject:
    """One row of the grid: any sources' results and, optionally, the outcome, in one write."""
    subject = get_subject(ctx, subject_id)
    require_writer(ctx, subject.org_path)
    rnd = ctx.session.get(EvaluationRound, subject.round_id)
    assert rnd is not None
    _require_open(rnd)
    if subject.withdrawn_on is not None:
        raise violation("R-EVAL-WITHDRAWN", "该党员已移出本轮评议", "This member was taken out of the round", "subjectId")
    today = ctx.today()
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    seen: set[Source] = set()
    for entry in sources:
        src = _enum(Source, entry.source, "source", "评议来源", "source")
        if src in seen:
            raise violation("INVALID_INPUT", "同一来源只能填一次", "Each source once per save", "sources")
        seen.add(src)
        tallies, raters = _normalise_source(entry)
        existing = ctx.session.execute(
            select(SourceResult).where(col(SourceResult.subject_id) == subject.id, col(SourceResult.source) == src.value)
        ).scalar()
        if existing is None:
            existing = SourceResult(
                subject_id=subject.id,
                round_id=rnd.id,
                org_path=subject.org_path,
                source=src.value,
                entered_on=today,
            )
            ctx.session.add(existing)
        else:
            before[src.value] = existing.raters or existing.tallies
        existing.tallies, existing.raters = tallies, raters
        existing.entered_on, existing.entered_by = today, _actor(ctx)
        after[src.value] = raters or tallies
    if outcome is not None:
        o_before, o_after = _set_outcome(ctx, rnd, subject, outcome)
        before |= o_before
        after |= o_after
    bump_version(ctx, subject, version, SUBJECT)
    ctx.session.flush()
    record(ctx, "evaluation.entry", "EvaluationSubject", subject.id, subject.org_path, before or None, after)
    return subject


def _normalise_source(entry: SourceInput) -> tuple[dict[str, int], list[dict[str, str]] | None]:
    if entry.raters:
        raters: list[dict[str, str]] = []
        for r in entry.raters:
            grade = _enum(Grade, r.get("grade"), "raters", "等次", "grade")
            raters.append({"rater": str(r.get("rater") or "").strip()[:60], "grade": grade.value})
        return {g.value: n for g, n in rules.tally_of(raters).items()}, raters
    tallies = {k: v for k, v in (entry.tallies or {}).items() if v}
    problem = rules.check_tallies(tallies)
    if problem is not None:
        raise RuleViolationError(problem)
    return dict(tallies), None


def _set_outcome(
    ctx: Context, rnd: EvaluationRound, subject: EvaluationSubject, inp: OutcomeInput
) -> tuple[dict[str, Any], dict[str, Any]]:
    s = settings_of(ctx)
    grade = _enum(Grade, inp.grade, "grade", "等次", "grade")
    decision = _enum(Decision, inp.decision, "decision", "处置决定", "decision") if inp.decision else None
    check_date(inp.decided_on, "decidedOn", "评定日期", "Decision date", today=ctx.today(), earliest=rnd.opened_on)
    problem = rules.check_decision(grade, decision, inp.correction_deadline, inp.decided_on)
    if problem is not None:
        raise RuleViolationError(problem)
    deadline = inp.correction_deadline
    if decision == Decision.correction and deadline is None:
        deadline = rules.correction_deadline(inp.decided_on, s)
    if decision != Decision.correction:
        deadline = None
    out = ctx.session.execute(select(Outcome).where(col(Outcome.subject_id) == subject.id)).scalar()
    before: dict[str, Any] = {}
    if out is None:
        out = Outcome(
            subject_id=subject.id,
            round_id=rnd.id,
            member_id=subject.member_id,
            org_path=subject.org_path,
            year=rnd.year,
            grade=grade.value,
            decided_on=inp.decided_on,
        )
        ctx.session.add(out)
    else:
        before = snapshot(out, SUBJECT_FIELDS)
    out.grade, out.decided_on = grade.value, inp.decided_on
    out.decision = decision.value if decision else None
    out.decision_note = clean_text(inp.decision_note, "decisionNote", "决定说明", "Decision note", required=False, max_len=1000)
    out.correction_deadline = deadline
    out.signed_off_by = clean_text(inp.signed_off_by, "signedOffBy", "审核人", "Signed off by", required=False, max_len=120)
    out.decided_by = _actor(ctx)
    out.decided_by_name = ctx.viewer.username if ctx.viewer else None
    if before:
        bump_version(ctx, out, None, SUBJECT)
    ctx.session.flush()
    # R-EVAL-03: a warning talk for 基本合格; R-EVAL-02: a correction task with its deadline.
    if rules.needs_warning_talk(grade):
        _ensure_follow_up(ctx, subject, FollowUpKind.warning_talk, inp.decided_on, rules.warning_talk_due(inp.decided_on, s))
    if decision == Decision.correction and deadline is not None:
        _ensure_follow_up(ctx, subject, FollowUpKind.correction, inp.decided_on, deadline)
    # R-EVAL-04: three consecutive years not up to standard.
    history = member_grades(ctx, subject.member_id)
    if rules.consecutive_not_up_to_standard(history, rnd.year, s):
        years = list(range(rnd.year - s.consecutive_years + 1, rnd.year + 1))
        raise_flag(
            ctx,
            FlagKind.not_up_to_standard_3y,
            org_path=subject.org_path,
            member_id=subject.member_id,
            org_id=rnd.org_id,
            year=rnd.year,
            reasons=[f"{y}:{history[y].value}" for y in years],
            details="、".join(f"{y} {rules.GRADE_LABELS[history[y]][0]}" for y in years),
        )
    return before, snapshot(out, SUBJECT_FIELDS)


def member_grades(ctx: Context, member_id: int) -> dict[int, Grade]:
    rows = ctx.session.execute(select(col(Outcome.year), col(Outcome.grade)).where(col(Outcome.member_id) == member_id)).all()
    out: dict[int, Grade] = {}
    for year, grade in rows:
        g = Grade(grade)
        # Two rounds in one year (a member who moved): the worse grade counts.
        if year not in out or list(Grade).index(g) > list(Grade).index(out[year]):
            out[year] = g
    return out


def _ensure_follow_up(ctx: Context, subject: EvaluationSubject, kind: FollowUpKind, on: date, due: date) -> FollowUp:
    task = ctx.session.execute(
        select(FollowUp).where(col(FollowUp.subject_id) == subject.id, col(FollowUp.kind) == kind.value, col(FollowUp.done_on).is_(None))
    ).scalar()
    if task is not None:
        if task.due_on != due:
            task.due_on = due
            bump_version(ctx, task, None, FOLLOW_UP)
        return task
    task = FollowUp(
        kind=kind.value,
        member_id=subject.member_id,
        subject_id=subject.id,
        org_path=subject.org_path,
        created_on=on,
        due_on=due,
    )
    ctx.session.add(task)
    ctx.session.flush()
    record(ctx, "evaluation.follow_up", "FollowUp", task.id, task.org_path, None, snapshot(task, FOLLOW_UP_FIELDS))
    return task


def suggestion_for(results: Sequence[SourceResult], s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> rules.Suggestion:
    entries = [SourceEntry(Source(r.source), {Grade(k): int(v) for k, v in (r.tallies or {}).items()}) for r in results]
    return rules.suggest(entries, s)


def close_round(ctx: Context, round_id: int, *, closed_on: date, version: int | None) -> EvaluationRound:
    rnd = get_round(ctx, round_id)
    require_writer(ctx, rnd.org_path)
    _require_open(rnd)
    check_date(closed_on, "closedOn", "结束日期", "Closing date", today=ctx.today(), earliest=rnd.opened_on)
    blockers = rules.close_blockers(subject_states(ctx, rnd.id))
    if blockers:
        raise RuleViolationError(blockers[0])
    before = snapshot(rnd, ROUND_FIELDS)
    rnd.status, rnd.closed_on, rnd.closed_by = RoundStatus.closed.value, closed_on, _actor(ctx)
    bump_version(ctx, rnd, version, ROUND)
    record(ctx, "evaluation.close", "EvaluationRound", rnd.id, rnd.org_path, before, snapshot(rnd, ROUND_FIELDS))
    ctx.session.flush()
    return rnd


# --- follow-ups and flags -------------------------------------------------------------------------

FOLLOW_UP_FIELDS = ["kind", "member_id", "due_on", "done_on", "corrected", "note"]
FLAG_FIELDS = ["kind", "code", "member_id", "org_id", "year", "reasons", "resolved_on", "resolution"]


def get_follow_up(ctx: Context, task_id: int) -> FollowUp:
    return get_scoped(ctx, FollowUp, task_id, "org_path", FOLLOW_UP)


def complete_follow_up(
    ctx: Context, task_id: int, *, done_on: date, note: str | None, corrected: bool | None, version: int | None
) -> FollowUp:
    task = get_follow_up(ctx, task_id)
    require_writer(ctx, task.org_path)
    if task.done_on is not None:
        raise violation("INVALID_INPUT", "该任务已完成", "This task is already done")
    check_date(done_on, "doneOn", "完成日期", "Date done", today=ctx.today(), earliest=task.created_on)
    before = snapshot(task, FOLLOW_UP_FIELDS)
    task.done_on, task.corrected = done_on, corrected
    task.note = clean_text(note, "note", "情况说明", "Note", required=False, max_len=1000)
    bump_version(ctx, task, version, FOLLOW_UP)
    record(ctx, "evaluation.follow_up_done", "FollowUp", task.id, task.org_path, before, snapshot(task, FOLLOW_UP_FIELDS))
    if task.kind == FollowUpKind.cadre_warning and corrected is False:
        from partygraph.services import cadre

        assert task.appointment_id is not None  # a cadre warning belongs to an appointment

        cadre.flag_step_down(ctx, task.appointment_id, [rules.StepDownReason.warned_not_corrected], on=done_on)
    ctx.session.flush()
    return task


def raise_flag(
    ctx: Context,
    kind: FlagKind,
    *,
    org_path: str,
    raised_on: date | None = None,
    member_id: int | None = None,
    org_id: int | None = None,
    appointment_id: int | None = None,
    year: int | None = None,
    reasons: list[str] | None = None,
    details: str | None = None,
) -> Flag:
    """One open flag per case: raising it again adds its reasons to the open one."""
    stmt = select(Flag).where(col(Flag.kind) == kind.value, col(Flag.resolved_on).is_(None))
    stmt = stmt.where(col(Flag.member_id) == member_id) if member_id is not None else stmt.where(col(Flag.member_id).is_(None))
    if kind == FlagKind.last_ranked_twice:
        stmt = stmt.where(col(Flag.org_id) == org_id)
    existing = ctx.session.execute(stmt).scalar()
    if existing is not None:
        merged = list(dict.fromkeys([*existing.reasons, *(reasons or [])]))
        if merged != existing.reasons:
            before = snapshot(existing, FLAG_FIELDS)
            existing.reasons = merged
            existing.year = max(existing.year or 0, year or 0) or None
            existing.details = details or existing.details
            bump_version(ctx, existing, None, FLAG)
            record(ctx, "evaluation.flag", "Flag", existing.id, existing.org_path, before, snapshot(existing, FLAG_FIELDS))
        return existing
    flag = Flag(
        kind=kind.value,
        code=FLAG_CODES[kind],
        member_id=member_id,
        org_id=org_id,
        appointment_id=appointment_id,
        org_path=org_path,
        year=year,
        raised_on=raised_on or ctx.today(),
        reasons=reasons or [],
        details=details,
    )
    ctx.session.add(flag)
    ctx.session.flush()
    record(ctx, "evaluation.flag", "Flag", flag.id, flag.org_path, None, snapshot(flag, FLAG_FIELDS))
    return flag


def resolve_flag(ctx: Context, flag_id: int, *, resolution: str, resolved_on: date, version: int | None) -> Flag:
    """A person records what was decided (organisational handling, step-down, kept, …)."""
    flag = get_scoped(ctx, Flag, flag_id, "org_path", FLAG)
    require_writer(ctx, flag.org_path)
    if flag.resolved_on is not None:
        raise violation("INVALID_INPUT", "该事项已处理", "This flag is already resolved")
    text = clean_text(resolution, "resolution", "处理决定", "Resolution", required=True, max_len=1000)
    check_date(resolved_on, "resolvedOn", "处理日期", "Date", today=ctx.today(), earliest=flag.raised_on)
    before = snapshot(flag, FLAG_FIELDS)
    flag.resolution, flag.resolved_on, flag.resolved_by = text, resolved_on, _actor(ctx)
    bump_version(ctx, flag, version, FLAG)
    record(ctx, "evaluation.flag_resolve", "Flag", flag.id, flag.org_path, before, snapshot(flag, FLAG_FIELDS))
    ctx.session.flush()
    return flag


# --- organisation assessment (述职评议, 五好, ranking) and model sites -----------------------------

ORG_ASSESSMENT_FIELDS = ["org_id", "year", "secretary_id", "rating", "five_goods", "rank", "ranked", "assessed_on", "note"]
MODEL_SITE_FIELDS = ["org_id", "year", "criteria", "status", "designated_on", "reviews", "delisted_on", "delisted_reason"]


def _assessable_org(ctx: Context, org_id: int) -> Organization:
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.status != OrgStatus.active or org.kind not in (OrgKind.branch, OrgKind.general_branch, OrgKind.committee):
        raise violation(
            "INVALID_INPUT",
            "请选择一个在册的党支部、党总支或基层党委",
            "Choose an active branch, general branch or base committee",
            "orgId",
        )
    return org


def record_org_assessment(
    ctx: Context,
    *,
    org_id: int,
    year: int,
    rating: str,
    assessed_on: date,
    five_goods: Mapping[str, bool] | None = None,
    rank: int | None = None,
    ranked: int | None = None,
    secretary_id: int | None = None,
    note: str | None = None,
    version: int | None = None,
) -> OrgAssessment:
    s = settings_of(ctx)
    org = _assessable_org(ctx, org_id)
    _check_year(year)
    r = _enum(OrgRating, rating, "rating", "评议等次", "rating")
    check_date(assessed_on, "assessedOn", "评议日期", "Assessment date", today=ctx.today())
    for problem in (rules.check_five_goods(five_goods or {}), rules.check_rank(rank, ranked)):
        if problem is not None:
            raise RuleViolationError(problem)
    if secretary_id is not None:
        sec = get_scoped(ctx, Member, secretary_id, "org_path", "党员")
        secretary_id = sec.id
    row = ctx.session.execute(
        select(OrgAssessment).where(col(OrgAssessment.org_id) == org.id, col(OrgAssessment.year) == year)
    ).scalar()
    before = None
    if row is None:
        row = OrgAssessment(org_id=org.id, org_path=org.path, year=year, rating=r.value, assessed_on=assessed_on)
        ctx.session.add(row)
    else:
        before = snapshot(row, ORG_ASSESSMENT_FIELDS)
    row.rating, row.assessed_on = r.value, assessed_on
    row.five_goods = {k: bool(v) for k, v in (five_goods or {}).items()}
    row.rank, row.ranked, row.secretary_id = rank, ranked, secretary_id
    row.note = clean_text(note, "note", "备注", "Note", required=False, max_len=1000)
    if before is not None:
        bump_version(ctx, row, version, ORG_ASSESSMENT)
    ctx.session.flush()
    record(ctx, "org_assessment.record", "OrgAssessment", row.id, row.org_path, before, snapshot(row, ORG_ASSESSMENT_FIELDS))
    ranks = {
        y: (rk, n)
        for y, rk, n in ctx.session.execute(
            select(col(OrgAssessment.year), col(OrgAssessment.rank), col(OrgAssessment.ranked)).where(col(OrgAssessment.org_id) == org.id)
        ).all()
    }
    if rules.last_ranked_running(ranks, year, s):
        years = list(range(year - s.last_ranked_years + 1, year + 1))
        raise_flag(
            ctx,
            FlagKind.last_ranked_twice,
            org_path=org.path,
            org_id=org.id,
            year=year,
            reasons=[f"{y}:{ranks[y][0]}/{ranks[y][1]}" for y in years],
            details="；".join(f"{y} 年 第 {ranks[y][0]}/{ranks[y][1]} 名" for y in years),
        )
    return row


def get_model_site(ctx: Context, site_id: int) -> ModelSite:
    return get_scoped(ctx, ModelSite, site_id, "org_path", MODEL_SITE)


def designate_model_site(
    ctx: Context, *, org_id: int, year: int, designated_on: date, criteria: Mapping[str, Any] | None = None
) -> ModelSite:
    org = _assessable_org(ctx, org_id)
    _check_year(year)
    check_date(designated_on, "designatedOn", "命名日期", "Designation date", today=ctx.today())
    if ctx.session.execute(select(col(ModelSite.id)).where(col(ModelSite.org_id) == org.id, col(ModelSite.year) == year)).scalar():
        raise violation("DUPLICATE", f"{org.name} 已是 {year} 年度示范点", f"{org.name} is already a {year} model site", "year")
    site = ModelSite(
        org_id=org.id,
        org_path=org.path,
        year=year,
        designated_on=designated_on,
        criteria=dict(criteria or {}),
    )
    ctx.session.add(site)
    ctx.session.flush()
    record(ctx, "model_site.designate", "ModelSite", site.id, site.org_path, None, snapshot(site, MODEL_SITE_FIELDS))
    return site


def review_model_site(
    ctx: Context, site_id: int, *, reviewed_on: date, passed: bool, note: str | None, version: int | None
) -> ModelSite:
    """The yearly review; a site that slips is de-listed by a person (delist_model_site)."""
    site = get_model_site(ctx, site_id)
    require_writer(ctx, site.org_path)
    if site.status != ModelSiteStatus.designated:
        raise violation("INVALID_INPUT", "该示范点已摘牌", "This model site is de-listed")
    check_date(reviewed_on, "reviewedOn", "复查日期", "Review date", today=ctx.today(), earliest=site.designated_on)
    before = snapshot(site, MODEL_SITE_FIELDS)
    entry = {
        "on": reviewed_on.isoformat(),
        "passed": bool(passed),
        "note": clean_text(note, "note", "复查意见", "Review note", required=False, max_len=1000),
        "by": ctx.viewer.username if ctx.viewer else None,
    }
    site.reviews = [*site.reviews, entry]
    bump_version(ctx, site, version, MODEL_SITE)
    record(ctx, "model_site.review", "ModelSite", site.id, site.org_path, before, snapshot(site, MODEL_SITE_FIELDS))
    ctx.session.flush()
    return site


def delist_model_site(ctx: Context, site_id: int, *, on: date, reason: str, version: int | None) -> ModelSite:
    site = get_model_site(ctx, site_id)
    require_writer(ctx, site.org_path)
    if site.status != ModelSiteStatus.designated:
        raise violation("INVALID_INPUT", "该示范点已摘牌", "This model site is already de-listed")
    text = clean_text(reason, "reason", "摘牌原因", "Reason", required=True, max_len=1000)
    check_date(on, "on", "摘牌日期", "Date", today=ctx.today(), earliest=site.designated_on)
    before = snapshot(site, MODEL_SITE_FIELDS)
    site.status, site.delisted_on, site.delisted_reason = ModelSiteStatus.delisted.value, on, text
    bump_version(ctx, site, version, MODEL_SITE)
    record(ctx, "model_site.delist", "ModelSite", site.id, site.org_path, before, snapshot(site, MODEL_SITE_FIELDS))
    ctx.session.flush()
    return site


# --- alerts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    code: str
    message_zh: str
    message_en: str
    due_on: date | None
    kind: str
    org_id: int | None = None
    member_id: int | None = None
    round_id: int | None = None
    appointment_id: int | None = None
    flag_id: int | None = None
    follow_up_id: int | None = None


def alerts(ctx: Context, under_path: str) -> list[AlertRow]:
    """Open rounds past their year, overdue checkpoints and follow-ups, open flags — under a subtree."""
    from partygraph.models.evaluation import CadreAppointment, TrialCheckpoint

    s = settings_of(ctx)
    today = ctx.today()
    out: list[AlertRow] = []
    for rnd, name in ctx.session.execute(
        select(EvaluationRound, col(Organization.name))
        .join(Organization, col(Organization.id) == EvaluationRound.org_id)
        .where(path_range(col(EvaluationRound.org_path), under_path), col(EvaluationRound.status) == RoundStatus.open.value)
        .order_by(col(EvaluationRound.year), col(EvaluationRound.org_path))
    ).all():
        a = rules.round_alert(rnd.year, False, today, s)
        if a is not None:
            out.append(AlertRow(a.code, f"{name}：{a.message_zh}", f"{name}: {a.message_en}", a.due_on, "round", org_id=rnd.org_id, round_id=rnd.id))
    for cp, appt, mname in ctx.session.execute(
        select(TrialCheckpoint, CadreAppointment, col(Member.name))
        .join(CadreAppointment, col(CadreAppointment.id) == TrialCheckpoint.appointment_id)
        .join(Member, col(Member.id) == CadreAppointment.member_id)
        .where(
            path_range(col(TrialCheckpoint.org_path), under_path),
            col(TrialCheckpoint.done_on).is_(None),
            col(TrialCheckpoint.due_on) < today,
            col(CadreAppointment.status) != "ended",
        )
        .order_by(col(TrialCheckpoint.due_on), col(TrialCheckpoint.id))
    ).all():
        for a in rules.checkpoint_alerts([rules.CheckpointState(rules.Checkpoint(cp.kind), cp.due_on)], today, s):
            out.append(
                AlertRow(a.code, f"{mname}：{a.message_zh}", f"{mname}: {a.message_en}", a.due_on, "checkpoint",
                         org_id=appt.org_id, member_id=appt.member_id, appointment_id=appt.id)
            )  # fmt: skip
    labels = {
        FollowUpKind.warning_talk: ("R-EVAL-03", "警示谈话", "Warning talk"),
        FollowUpKind.correction: ("R-EVAL-02", "限期改正", "Limited-time correction"),
        FollowUpKind.cadre_warning: ("R-CAD-02", "干部警示整改", "Cadre warning"),
    }
    for task, mname in ctx.session.execute(
        select(FollowUp, col(Member.name))
        .join(Member, col(Member.id) == FollowUp.member_id)
        .where(path_range(col(FollowUp.org_path), under_path), col(FollowUp.done_on).is_(None), col(FollowUp.due_on) < today)
        .order_by(col(FollowUp.due_on), col(FollowUp.id))
    ).all():
        code, zh, en = labels[FollowUpKind(task.kind)]
        out.append(
            AlertRow(code, f"{mname}：{zh}已逾期（应于 {task.due_on}）", f"{mname}: {en} overdue (due {task.due_on})",
                     task.due_on, "follow_up", member_id=task.member_id, follow_up_id=task.id)
        )  # fmt: skip
    for flag, mname, oname in ctx.session.execute(
        select(Flag, col(Member.name), col(Organization.name))
        .outerjoin(Member, col(Member.id) == Flag.member_id)
        .outerjoin(Organization, col(Organization.id) == Flag.org_id)
        .where(path_range(col(Flag.org_path), under_path), col(Flag.resolved_on).is_(None))
        .order_by(col(Flag.raised_on), col(Flag.id))
    ).all():
        zh, en = rules.FLAG_LABELS[FlagKind(flag.kind)]
        who = (mname if flag.member_id is not None else oname) or ""
        out.append(
            AlertRow(flag.code, f"{who}：{zh}，待处理", f"{who}: {en}, awaiting a decision", None, "flag",
                     org_id=flag.org_id, member_id=flag.member_id, flag_id=flag.id, appointment_id=flag.appointment_id)
        )  # fmt: skip
    return out
