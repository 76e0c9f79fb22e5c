"""Use cases of meetings: record a meeting with the decisions it voted on.

Attendance is one row per member (present / excused with a reason / absent). The
members who may be marked are the organisation's roster (its subtree's members on the
roster) and flowing members of other branches whose `FlowingProfile.life_org_id` is this
organisation: they take part in life here, and their row is marked `away` (R-LIFE-08).
Probationary members attend without a vote (`voting` = False).

A branch general meeting's vote on a candidate (admission, conversion) is a
`MeetingDecision`; its validity and outcome are computed here by
`rules.votes.general_meeting_outcome` (R-VOTE-01/02/03) and stored with the
tally, so a candidate step can only cite what the meeting really decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import NotFoundError, RuleViolationError, violation
from partygraph.models.candidate import Candidate
from partygraph.models.meeting import (
    AttendanceStatus,
    DecisionSubject,
    FlowingProfile,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingKind,
)
from partygraph.models.member import ACTIVE_STATUSES, Member, MemberStatus
from partygraph.models.organization import Organization, OrgKind
from partygraph.rules.votes import (
    VoteOutcome,
    VoteTally,
    check_general_meeting_vote,
    general_meeting_outcome,
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
)

LABEL = "会议"
# Organisations that hold a branch general meeting (支部党员大会).
MEETING_HOLDING_KINDS = frozenset({OrgKind.branch, OrgKind.general_branch, OrgKind.committee, OrgKind.group})


@dataclass
class DecisionInput:
    subject: str
    present: int
    yes: int = 0
    no: int = 0
    abstain: int = 0
    written_opinions: int = 0
    should_attend: int | None = None  # default: the branch's full members on the day
    candidate_id: int | None = None
    title: str | None = None


@dataclass
class AttendanceInput:
    member_id: int
    status: str  # AttendanceStatus value
    reason: str | None = None


def get(ctx: Context, meeting_id: int) -> Meeting:
    return get_scoped(ctx, Meeting, meeting_id, "org_path", LABEL)


def get_decision(ctx: Context, decision_id: int) -> tuple[MeetingDecision, Meeting]:
    d = ctx.session.get(MeetingDecision, decision_id)
    if d is None:
        raise NotFoundError("会议决议", decision_id)
    meeting = ctx.session.get(Meeting, d.meeting_id)
    viewer = ctx.viewer
    if meeting is None or viewer is None or not viewer.sees(meeting.org_path):
        raise NotFoundError("会议决议", decision_id)
    return d, meeting


def voting_members(ctx: Context, org: Organization, on: date) -> int:
    """Full members of the organisation's subtree on a date: those with a vote (R-VOTE-01).

    Counted from the roster as it stands: full members whose conversion (or, for
    members registered as full, joining) was on or before the date. Members who
    left after the date are no longer on the roster and are not counted.
    """
    stmt = (
        select(func.count())
        .select_from(Member)
        .where(
            path_range(col(Member.org_path), org.path),
            col(Member.status) == MemberStatus.full.value,
            col(Member.joined_on) <= on,
            or_(col(Member.converted_on).is_(None), col(Member.converted_on) <= on),
        )
    )
    return int(ctx.session.execute(stmt).scalar_one())


def tally_of(d: MeetingDecision) -> VoteTally:
    return VoteTally(
        should_attend=d.should_attend,
        present=d.present,
        written_opinions=d.written_opinions,
        yes=d.yes,
        no=d.no,
        abstain=d.abstain,
    )


def record_meeting(
    ctx: Context,
    *,
    org_id: int,
    kind: str,
    held_on: date,
    place: str | None = None,
    chair: str | None = None,
    recorder: str | None = None,
    agenda: str | None = None,
    minutes: str | None = None,
    decisions: list[DecisionInput] | None = None,
    attendance: list[AttendanceInput] | None = None,
    chair_member_id: int | None = None,
    recorder_member_id: int | None = None,
    attachments: list[str] | None = None,
) -> Meeting:
    """Record a meeting, its attendance and the votes it took. Everything is checked
    before the first row is written; an invalid vote is refused with its code."""
    org = orgs.get(ctx, org_id)
    viewer = require_writer(ctx, org.path)
    k = _meeting_kind(ctx, org, kind, held_on, bool(decisions))
    meeting = Meeting(
        org_id=org.id,
        org_path=org.path,
        kind=k.value,
        held_on=held_on,
        place=clean_text(place, "place", "地点", "Place", required=False, max_len=200),
        chair=clean_text(chair, "chair", "主持人", "Chair", required=False, max_len=60),
        recorder=clean_text(recorder, "recorder", "记录人", "Recorder", required=False, max_len=60),
        agenda=clean_text(agenda, "agenda", "议程", "Agenda", required=False, max_len=2000),
        minutes=clean_text(minutes, "minutes", "会议记录", "Minutes", required=False, max_len=20000),
        attachments=_attachments(attachments),
        recorded_by=viewer.account_id,
    )
    rows = _attendance_rows(ctx, org, attendance or [])
    _name_chair_and_recorder(ctx, org, meeting, {r.member_id for r in rows}, chair_member_id, recorder_member_id)
    checked = _checked_decisions(ctx, org, held_on, decisions or [])
    ctx.session.add(meeting)
    ctx.session.flush()
    for r in rows:
        r.meeting_id = meeting.id
        ctx.session.add(r)
    for c in checked:
        ctx.session.add(_decision_row(meeting, c, viewer.account_id))
    ctx.session.flush()
    record(
        ctx,
        "meeting.record",
        "Meeting",
        meeting.id,
        meeting.org_path,
        None,
        {"org_id": org.id, "kind": k.value, "held_on": held_on.isoformat(), "decisions": [_decision_audit(c) for c in checked],
         "attendance": {str(r.member_id): r.status for r in rows}, "attachments": meeting.attachments},
    )  # fmt: skip
    return meeting


def _meeting_kind(ctx: Context, org: Organization, kind: str, held_on: date, votes: bool) -> MeetingKind:
    """The meeting's kind, once the organisation may hold it on that day and, when it
    carries votes, it is a branch general meeting (R-VOTE-00)."""
    try:
        k = MeetingKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的会议类别：{kind}", f"Unknown meeting kind: {kind}", "kind") from None
    if OrgKind(org.kind) not in MEETING_HOLDING_KINDS:
        raise violation(
            "INVALID_INPUT",
            "会议须由党支部、党总支、基层党委或党小组召开",
            "Meetings are held by a branch, general branch, base committee or party group",
            "orgId",
        )
    check_date(held_on, "heldOn", "会议日期", "Meeting date", today=ctx.today())
    if votes and k != MeetingKind.general_meeting:
        raise violation(
            "R-VOTE-00",
            "表决事项只能记录在支部党员大会上（R-VOTE-00）",
            "Votes are recorded at a branch general meeting (R-VOTE-00)",
            "decisions",
        )
    return k


def _name_chair_and_recorder(
    ctx: Context,
    org: Organization,
    meeting: Meeting,
    attending: set[int],
    chair_member_id: int | None,
    recorder_member_id: int | None,
) -> None:
    """Link the chair and the recorder to members who attend or are on the roster; a
    member's name fills the free-text name when none was typed."""
    for attr, field, member_id in (("chair", "chairMemberId", chair_member_id), ("recorder", "recorderMemberId", recorder_member_id)):
        if member_id is None:
            continue
        if member_id not in attending and _roster_member(ctx, org, member_id, field) is None:
            raise NotFoundError("党员", member_id, field)
        m = ctx.session.get(Member, member_id)
        setattr(meeting, f"{attr}_member_id", member_id)
        if not getattr(meeting, attr):
            setattr(meeting, attr, m.name if m else None)


@dataclass
class _CheckedDecision:
    """One vote, checked: its subject, tally and computed outcome."""

    subject: DecisionSubject
    candidate_id: int | None
    title: str | None
    tally: VoteTally
    outcome: VoteOutcome


def _checked_decisions(
    ctx: Context, org: Organization, held_on: date, decisions: list[DecisionInput]
) -> list[_CheckedDecision]:
    """Check every vote (subject, candidate, a possible tally) and compute its outcome
    (R-VOTE-01/02/03); who should attend defaults to the full members on the day."""
    default_should_attend: int | None = None
    seen: set[tuple[str, int | None]] = set()
    out = []
    for i, d in enumerate(decisions):
        field = f"decisions.{i}"
        try:
            subject = DecisionSubject(d.subject)
        except ValueError:
            raise violation("INVALID_INPUT", f"未知的表决事项：{d.subject}", f"Unknown subject: {d.subject}", f"{field}.subject") from None
        if subject != DecisionSubject.other:
            _check_decision_candidate(ctx, org, subject, d.candidate_id, field, seen)
        should_attend = d.should_attend
        if should_attend is None:
            if default_should_attend is None:
                default_should_attend = voting_members(ctx, org, held_on)
            should_attend = default_should_attend
        tally = VoteTally(
            should_attend=should_attend,
            present=d.present,
            written_opinions=d.written_opinions,
            yes=d.yes,
            no=d.no,
            abstain=d.abstain,
        )
        impossible = check_general_meeting_vote(tally)
        if impossible:
            raise RuleViolationError(
                impossible.__class__(
                    impossible.code,
                    impossible.message_zh,
                    impossible.message_en,
                    f"{field}.{impossible.field}" if impossible.field else field,
                )
            )
        title = clean_text(d.title, f"{field}.title", "事项", "Title", required=False, max_len=200)
        out.append(_CheckedDecision(subject, d.candidate_id, title, tally, general_meeting_outcome(tally)))
    return out


def _check_decision_candidate(
    ctx: Context,
    org: Organization,
    subject: DecisionSubject,
    candidate_id: int | None,
    field: str,
    seen: set[tuple[str, int | None]],
) -> None:
    """An admission or conversion vote names one candidate of this branch, once per
    subject at a meeting (R-VOTE-00); `seen` collects the pairs already voted on."""
    if candidate_id is None:
        raise violation(
            "INVALID_INPUT",
            "接收或转正的表决须指明发展对象（一次讨论一人）",
            "An admission or conversion vote names its candidate (one at a time)",
            f"{field}.candidateId",
        )
    cand = ctx.session.get(Candidate, candidate_id)
    if cand is None or not ctx.viewer or not ctx.viewer.sees(cand.org_path):
        raise NotFoundError("发展党员对象", candidate_id, f"{field}.candidateId")
    if cand.org_id != org.id:
        raise violation(
            "R-VOTE-00",
            "只能由发展对象所在党支部的党员大会表决（R-VOTE-00）",
            "Only the general meeting of the candidate's own branch can vote on them (R-VOTE-00)",
            f"{field}.candidateId",
        )
    key = (subject.value, candidate_id)
    if key in seen:
        raise violation(
            "R-VOTE-00",
            "同一会议对同一人同一事项只能表决一次（R-VOTE-00）",
            "One vote per candidate and subject at a meeting (R-VOTE-00)",
            f"{field}.candidateId",
        )
    seen.add(key)


def _decision_row(meeting: Meeting, c: _CheckedDecision, recorded_by: int | None) -> MeetingDecision:
    t = c.tally
    return MeetingDecision(
        meeting_id=meeting.id,
        org_path=meeting.org_path,
        subject=c.subject.value,
        candidate_id=c.candidate_id,
        title=c.title,
        should_attend=t.should_attend,
        present=t.present,
        written_opinions=t.written_opinions,
        yes=t.yes,
        no=t.no,
        abstain=t.abstain,
        valid=c.outcome.valid,
        passed=c.outcome.passed,
        recorded_by=recorded_by,
    )


def _decision_audit(c: _CheckedDecision) -> dict[str, object]:
    t = c.tally
    return {"subject": c.subject.value, "candidate_id": c.candidate_id, "should_attend": t.should_attend,
            "present": t.present, "yes": t.yes, "no": t.no, "abstain": t.abstain,
            "written_opinions": t.written_opinions, "valid": c.outcome.valid, "passed": c.outcome.passed}  # fmt: skip


def _attachments(refs: list[str] | None) -> list[str]:
    out = []
    for i, ref in enumerate(refs or []):
        text = clean_text(ref, f"attachments.{i}", "附件", "Attachment", required=False, max_len=200)
        if text:
            out.append(text)
    return out


def _roster_member(ctx: Context, org: Organization, member_id: int, field: str) -> Member | None:
    """A member on the organisation's roster (its subtree), if the viewer sees them."""
    m = ctx.session.get(Member, member_id)
    if m is None or not ctx.viewer or not ctx.viewer.sees(m.org_path):
        return None
    if not path_within(m.org_path, org.path) or m.status not in ACTIVE_STATUSES:
        return None
    return m


def path_within(path: str, root: str) -> bool:
    return path.startswith(root)


def flowing_here(ctx: Context, org: Organization, member_ids: list[int]) -> dict[int, Member]:
    """Flowing members of other branches who take part in life at `org` (R-LIFE-08)."""
    if not member_ids:
        return {}
    rows = ctx.session.execute(
        select(Member)
        .join(FlowingProfile, col(FlowingProfile.member_id) == Member.id)
        .where(
            col(Member.id).in_(member_ids),
            col(FlowingProfile.life_org_id) == org.id,
            col(FlowingProfile.left_on).is_(None),
            col(Member.flowing).is_(True),
            col(Member.status).in_([s.value for s in ACTIVE_STATUSES]),
        )
    ).scalars()
    return {m.id: m for m in rows}


def _attendance_rows(ctx: Context, org: Organization, attendance: list[AttendanceInput]) -> list[MeetingAttendance]:
    rows: list[MeetingAttendance] = []
    seen: set[int] = set()
    away = flowing_here(ctx, org, [a.member_id for a in attendance])
    for i, a in enumerate(attendance):
        field = f"attendance.{i}"
        try:
            status = AttendanceStatus(a.status)
        except ValueError:
            raise violation("INVALID_INPUT", f"未知的出席情况：{a.status}", f"Unknown attendance: {a.status}", f"{field}.status") from None
        if a.member_id in seen:
            raise violation("INVALID_INPUT", "同一党员只能记录一次", "A member is recorded once per meeting", f"{field}.memberId")
        seen.add(a.member_id)
        m = _roster_member(ctx, org, a.member_id, field)
        is_away = False
        if m is None:
            m = away.get(a.member_id)
            is_away = m is not None and not path_within(m.org_path, org.path)
        if m is None:
            # One answer for a member that does not exist and one the viewer does not see;
            # R-LIFE-08 only for a member the viewer sees who is not on this roster.
            known = ctx.session.get(Member, a.member_id)
            if known is None or not ctx.viewer or not ctx.viewer.sees(known.org_path):
                raise NotFoundError("党员", a.member_id, f"{field}.memberId", type_en="Member")
            raise violation(
                "R-LIFE-08",
                "只能登记本组织在册党员，或在本组织参加组织生活的流动党员（R-LIFE-08）",
                "Only members on this organisation's roster, or flowing members who take part in life here, "
                "can be recorded (R-LIFE-08)",
                f"{field}.memberId",
            )
        reason = clean_text(a.reason, f"{field}.reason", "请假事由", "Reason", required=False, max_len=300)
        if status == AttendanceStatus.excused and not reason:
            raise violation(
                "R-LIFE-09",
                f"{m.name}请假须写明事由（R-LIFE-09）",
                f"{m.name}: an excused absence records its reason (R-LIFE-09)",
                f"{field}.reason",
            )
        rows.append(
            MeetingAttendance(
                meeting_id=0,
                member_id=m.id,
                member_org_path=m.org_path,
                status=status.value,
                reason=reason,
                voting=m.status == MemberStatus.full.value,
                away=is_away,
            )
        )
    return rows


def attendance_of(ctx: Context, meeting_ids: list[int]) -> dict[int, list[MeetingAttendance]]:
    """Attendance rows of meetings (already scoped by the caller), roster order by member id."""
    out: dict[int, list[MeetingAttendance]] = {i: [] for i in meeting_ids}
    if not meeting_ids:
        return out
    rows = ctx.session.execute(
        select(MeetingAttendance)
        .where(col(MeetingAttendance.meeting_id).in_(meeting_ids))
        .order_by(col(MeetingAttendance.meeting_id), col(MeetingAttendance.id))
    ).scalars()
    for r in rows:
        out[r.meeting_id].append(r)
    return out


def set_attendance(ctx: Context, meeting_id: int, attendance: list[AttendanceInput], *, version: int | None) -> Meeting:
    """Correct or complete a meeting's attendance: rows named are set (added or changed in
    place, audited before → after); rows not named stay as they are. Never deletes."""
    meeting = get(ctx, meeting_id)
    require_writer(ctx, meeting.org_path)
    org = ctx.session.get(Organization, meeting.org_id)
    assert org is not None
    rows = _attendance_rows(ctx, org, attendance)
    existing = {r.member_id: r for r in attendance_of(ctx, [meeting.id]).get(meeting.id, [])}
    before: dict[str, dict[str, str | None] | None] = {}
    after: dict[str, dict[str, str | None]] = {}
    for r in rows:
        old = existing.get(r.member_id)
        if old is None:
            r.meeting_id = meeting.id
            ctx.session.add(r)
            before[str(r.member_id)] = None
        else:
            if (old.status, old.reason) == (r.status, r.reason):
                continue
            before[str(r.member_id)] = {"status": old.status, "reason": old.reason}
            old.status, old.reason = r.status, r.reason
        after[str(r.member_id)] = {"status": r.status, "reason": r.reason}
    bump_version(ctx, meeting, version, LABEL)
    ctx.session.flush()
    record(ctx, "meeting.attendance", "Meeting", meeting.id, meeting.org_path, {"attendance": before}, {"attendance": after})
    return meeting
