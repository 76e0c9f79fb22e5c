"""Use cases of cadres: appointments with a trial period (R-CAD-01), yearly assessments,
warnings, step-downs and re-appointments (R-CAD-02). A cadre's career is the list of
its appointments and career events; nothing is deleted.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import RuleViolationError, violation
from partygraph.models.evaluation import (
    AppointmentStatus,
    CadreAppointment,
    CadreAssessment,
    CareerEvent,
    CareerEventKind,
    FollowUp,
    FollowUpKind,
    TrialCheckpoint,
)
from partygraph.models.member import ACTIVE_STATUSES, Member, PositionKind
from partygraph.models.organization import OrgStatus
from partygraph.rules import evaluation as rules
from partygraph.rules.evaluation import (
    CadreFacts,
    CadreRating,
    Checkpoint,
    CheckpointResult,
    CheckpointState,
    FlagKind,
    StepDownReason,
)
from partygraph.services import member as members
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
from partygraph.services.evaluation import (
    FOLLOW_UP_FIELDS,
    _check_year,
    _enum,
    raise_flag,
    settings_of,
)

APPOINTMENT = "干部任职"
CHECKPOINT = "试用期考核"
ASSESSMENT = "干部年度考核"
APPOINTMENT_FIELDS = ["member_id", "org_id", "post", "title", "appointed_on", "trial", "status", "ended_on", "end_reason"]
CHECKPOINT_FIELDS = ["kind", "due_on", "done_on", "result", "evidence"]
ASSESSMENT_FIELDS = ["year", "rating", "rank", "ranked", "mass_score", "mutual_score", "department_score", "assessed_on", "note"]

FINAL_EVENTS = {
    CheckpointResult.promote: CareerEventKind.promoted,
    CheckpointResult.keep: CareerEventKind.trial_passed,
    CheckpointResult.move: CareerEventKind.moved,
    CheckpointResult.demote: CareerEventKind.demoted,
}


def _actor(ctx: Context) -> int | None:
    return ctx.viewer.account_id if ctx.viewer else None


def get_appointment(ctx: Context, appointment_id: int) -> CadreAppointment:
    return get_scoped(ctx, CadreAppointment, appointment_id, "org_path", APPOINTMENT)


def _event(ctx: Context, appt: CadreAppointment, kind: CareerEventKind, on: date, reason: str | None = None) -> None:
    ctx.session.add(
        CareerEvent(
            member_id=appt.member_id,
            appointment_id=appt.id,
            org_id=appt.org_id,
            org_path=appt.org_path,
            kind=kind.value,
            on=on,
            post=appt.post,
            title=appt.title,
            reason=reason,
            actor_id=_actor(ctx),
        )
    )


def appoint(
    ctx: Context,
    *,
    member_id: int,
    org_id: int,
    post: str,
    appointed_on: date,
    title: str | None = None,
    trial: bool = True,
) -> CadreAppointment:
    """Appoint (or re-appoint after a step-down) a cadre; a trial gets its three checkpoints."""
    m = members.get(ctx, member_id)
    require_writer(ctx, m.org_path)
    if m.status not in ACTIVE_STATUSES:
        raise violation("R-MEM-CLOSED", "只有在册党员可以任职", "Only members on the roster can be appointed", "memberId")
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "该组织已撤销", "That organisation is dissolved", "orgId")
    kind = _enum(PositionKind, post, "post", "职务", "post")
    check_date(appointed_on, "appointedOn", "任职日期", "Appointment date", today=ctx.today())
    previous = ctx.session.execute(
        select(CadreAppointment)
        .where(col(CadreAppointment.member_id) == m.id)
        .order_by(col(CadreAppointment.appointed_on).desc(), col(CadreAppointment.id).desc())
    ).scalars().first()
    stepped_down = ctx.session.execute(
        select(col(CareerEvent.id)).where(col(CareerEvent.member_id) == m.id, col(CareerEvent.kind) == CareerEventKind.stepped_down.value)
    ).first() is not None
    appt = CadreAppointment(
        member_id=m.id,
        org_id=org.id,
        org_path=org.path,
        post=kind.value,
        title=clean_text(title, "title", "职务名称", "Title", required=False, max_len=60),
        appointed_on=appointed_on,
        trial=trial,
        status=(AppointmentStatus.in_trial if trial else AppointmentStatus.serving).value,
        previous_id=previous.id if previous else None,
    )
    ctx.session.add(appt)
    ctx.session.flush()
    if trial:
        for cp_kind, due in rules.trial_checkpoints(appointed_on, settings_of(ctx)):
            ctx.session.add(TrialCheckpoint(appointment_id=appt.id, org_path=org.path, kind=cp_kind.value, due_on=due))
    _event(ctx, appt, CareerEventKind.reappointed if stepped_down else CareerEventKind.appointed, appointed_on)
    ctx.session.flush()
    record(ctx, "cadre.appoint", "CadreAppointment", appt.id, appt.org_path, None, snapshot(appt, APPOINTMENT_FIELDS))
    return appt


def checkpoints_of(ctx: Context, appointment_id: int) -> list[TrialCheckpoint]:
    rows = ctx.session.execute(select(TrialCheckpoint).where(col(TrialCheckpoint.appointment_id) == appointment_id)).scalars()
    order = {k.value: i for i, k in enumerate(rules.CHECKPOINT_ORDER)}
    return sorted(rows, key=lambda c: order[c.kind])


def record_checkpoint(
    ctx: Context, checkpoint_id: int, *, done_on: date, result: str, evidence: str | None, version: int | None
) -> TrialCheckpoint:
    cp = get_scoped(ctx, TrialCheckpoint, checkpoint_id, "org_path", CHECKPOINT)
    require_writer(ctx, cp.org_path)
    appt = ctx.session.get(CadreAppointment, cp.appointment_id)
    assert appt is not None
    if appt.status == AppointmentStatus.ended:
        raise violation("R-CAD-01", "该任职已结束", "This appointment has ended", "id")
    res = _enum(CheckpointResult, result, "result", "考核结果", "result")
    states = [
        CheckpointState(Checkpoint(c.kind), c.due_on, c.done_on, CheckpointResult(c.result) if c.result else None)
        for c in checkpoints_of(ctx, appt.id)
    ]
    problem = rules.check_checkpoint(states, Checkpoint(cp.kind), done_on, res, ctx.today(), settings_of(ctx))
    if problem is not None:
        raise RuleViolationError(problem)
    before = snapshot(cp, CHECKPOINT_FIELDS)
    cp.done_on, cp.result, cp.recorded_by = done_on, res.value, _actor(ctx)
    cp.evidence = clean_text(evidence, "evidence", "考核材料", "Evidence", required=False, max_len=2000)
    bump_version(ctx, cp, version, CHECKPOINT)
    record(ctx, "cadre.checkpoint", "TrialCheckpoint", cp.id, cp.org_path, before, snapshot(cp, CHECKPOINT_FIELDS))
    if res in rules.FAILED_TRIAL_RESULTS:
        flag_step_down(ctx, appt.id, [StepDownReason.failed_trial], on=done_on)
    if cp.kind == Checkpoint.final_decision and res in FINAL_EVENTS:
        a_before = snapshot(appt, APPOINTMENT_FIELDS)
        appt.status = AppointmentStatus.serving.value
        bump_version(ctx, appt, None, APPOINTMENT)
        _event(ctx, appt, FINAL_EVENTS[res], done_on, cp.evidence)
        record(ctx, "cadre.trial_end", "CadreAppointment", appt.id, appt.org_path, a_before, snapshot(appt, APPOINTMENT_FIELDS))
    ctx.session.flush()
    return cp


def flag_step_down(ctx: Context, appointment_id: int, reasons: list[StepDownReason], *, on: date, year: int | None = None) -> None:
    """R-CAD-02: the cadre is flagged for stepping down; a person decides."""
    if not reasons:
        return
    appt = ctx.session.get(CadreAppointment, appointment_id)
    if appt is None:
        return
    raise_flag(
        ctx,
        FlagKind.cadre_step_down,
        org_path=appt.org_path,
        raised_on=on,
        member_id=appt.member_id,
        org_id=appt.org_id,
        appointment_id=appt.id,
        year=year,
        reasons=[r.value for r in reasons],
        details="、".join(rules.STEP_DOWN_LABELS[r][0] for r in reasons),
    )


def current_appointment(ctx: Context, member_id: int) -> CadreAppointment | None:
    return ctx.session.execute(
        select(CadreAppointment)
        .where(col(CadreAppointment.member_id) == member_id, col(CadreAppointment.status) != AppointmentStatus.ended.value)
        .order_by(col(CadreAppointment.appointed_on).desc(), col(CadreAppointment.id).desc())
    ).scalars().first()


def record_assessment(
    ctx: Context,
    *,
    member_id: int,
    year: int,
    rating: str,
    assessed_on: date,
    rank: int | None = None,
    ranked: int | None = None,
    mass_score: float | None = None,
    mutual_score: float | None = None,
    department_score: float | None = None,
    note: str | None = None,
    version: int | None = None,
) -> CadreAssessment:
    """The yearly assessment (考、评、定); 不称职 or last place flags the cadre (R-CAD-02)."""
    m = members.get(ctx, member_id)
    appt = current_appointment(ctx, m.id)
    if appt is None:
        raise violation("INVALID_INPUT", "该党员当前没有干部任职记录", "This member holds no cadre appointment", "memberId")
    require_writer(ctx, appt.org_path)
    _check_year(year)
    r = _enum(CadreRating, rating, "rating", "考核等次", "rating")
    check_date(assessed_on, "assessedOn", "考核日期", "Assessment date", today=ctx.today())
    problem = rules.check_rank(rank, ranked)
    if problem is not None:
        raise RuleViolationError(problem)
    for name, value in (("massScore", mass_score), ("mutualScore", mutual_score), ("departmentScore", department_score)):
        if value is not None and not 0 <= value <= 100:
            raise violation("INVALID_INPUT", "得分须在 0 到 100 之间", "Scores lie between 0 and 100", name)
    row = ctx.session.execute(
        select(CadreAssessment).where(col(CadreAssessment.member_id) == m.id, col(CadreAssessment.year) == year)
    ).scalar()
    before = None
    if row is None:
        row = CadreAssessment(member_id=m.id, appointment_id=appt.id, org_id=appt.org_id, org_path=appt.org_path, year=year, rating=r.value, assessed_on=assessed_on)
        ctx.session.add(row)
    else:
        before = snapshot(row, ASSESSMENT_FIELDS)
    row.rating, row.assessed_on, row.rank, row.ranked = r.value, assessed_on, rank, ranked
    row.mass_score, row.mutual_score, row.department_score = mass_score, mutual_score, department_score
    row.note = clean_text(note, "note", "备注", "Note", required=False, max_len=1000)
    if before is not None:
        bump_version(ctx, row, version, ASSESSMENT)
    ctx.session.flush()
    record(ctx, "cadre.assessment", "CadreAssessment", row.id, row.org_path, before, snapshot(row, ASSESSMENT_FIELDS))
    reasons = rules.step_down_reasons(CadreFacts(rating=r, rank=rank, ranked=ranked))
    flag_step_down(ctx, appt.id, reasons, on=assessed_on, year=year)
    return row


def warn(ctx: Context, appointment_id: int, *, on: date, due_on: date, reason: str) -> FollowUp:
    """A warning with a deadline; recorded later as corrected or not (not → R-CAD-02 flag)."""
    appt = get_appointment(ctx, appointment_id)
    require_writer(ctx, appt.org_path)
    if appt.status == AppointmentStatus.ended:
        raise violation("INVALID_INPUT", "该任职已结束", "This appointment has ended", "appointmentId")
    check_date(on, "on", "警示日期", "Warning date", today=ctx.today(), earliest=appt.appointed_on)
    if due_on <= on:
        raise violation("INVALID_DATE", "整改期限须晚于警示日期", "The deadline must fall after the warning", "dueOn")
    task = FollowUp(
        kind=FollowUpKind.cadre_warning.value,
        member_id=appt.member_id,
        appointment_id=appt.id,
        org_path=appt.org_path,
        created_on=on,
        due_on=due_on,
        note=clean_text(reason, "reason", "警示事由", "Reason", required=True, max_len=1000),
    )
    ctx.session.add(task)
    ctx.session.flush()
    record(ctx, "cadre.warn", "FollowUp", task.id, task.org_path, None, snapshot(task, FOLLOW_UP_FIELDS))
    return task


def step_down(ctx: Context, appointment_id: int, *, on: date, reason: str, version: int | None) -> CadreAppointment:
    """The person's decision: the cadre leaves the post (a later appointment is a re-appointment)."""
    appt = get_appointment(ctx, appointment_id)
    require_writer(ctx, appt.org_path)
    if appt.status == AppointmentStatus.ended:
        raise violation("INVALID_INPUT", "该任职已结束", "This appointment has already ended", "id")
    text = clean_text(reason, "reason", "原因", "Reason", required=True, max_len=1000)
    check_date(on, "on", "日期", "Date", today=ctx.today(), earliest=appt.appointed_on)
    before = snapshot(appt, APPOINTMENT_FIELDS)
    appt.status, appt.ended_on, appt.end_reason = AppointmentStatus.ended.value, on, text
    bump_version(ctx, appt, version, APPOINTMENT)
    _event(ctx, appt, CareerEventKind.stepped_down, on, text)
    record(ctx, "cadre.step_down", "CadreAppointment", appt.id, appt.org_path, before, snapshot(appt, APPOINTMENT_FIELDS))
    ctx.session.flush()
    return appt


def career(ctx: Context, member_id: int) -> tuple[Member, list[CadreAppointment], list[CadreAssessment], list[CareerEvent]]:
    """Everything of a cadre's career in the viewer's scope, oldest first."""
    from partygraph.scope import scoped_select

    m = members.get(ctx, member_id)
    appts = list(
        ctx.session.execute(
            scoped_select(ctx, CadreAppointment, col(CadreAppointment.member_id) == m.id)
            .order_by(col(CadreAppointment.appointed_on), col(CadreAppointment.id))
        ).scalars()
    )
    assessments = list(
        ctx.session.execute(
            scoped_select(ctx, CadreAssessment, col(CadreAssessment.member_id) == m.id)
            .order_by(col(CadreAssessment.year))
        ).scalars()
    )
    events = list(
        ctx.session.execute(
            scoped_select(ctx, CareerEvent, col(CareerEvent.member_id) == m.id)
            .order_by(col(CareerEvent.on), col(CareerEvent.id))
        ).scalars()
    )
    return m, appts, assessments, events
