"""Use cases of branch life: the meeting calendar and its alerts, corrections of a recorded
meeting, terms and elections, village four-step items, flowing and lost-contact members, and
the R-MEM flags a person decides. Rules come from `rules.branch_life` and `rules.votes`; every write checks the
scope, appends an audit event and never deletes a row.

Flowing members (decision): the home branch keeps the member; `FlowingProfile.life_org_id`
names the branch where they take part in life. That branch may mark them in its meetings'
attendance (rows flagged `away`), and its viewers see them in `flowingMembers(under:)`
through `life_org_path`, even when the home branch is outside their scope. Their attendance
away counts for R-MEM-01 like attendance at home.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import ConflictError, NotFoundError, RuleViolationError, violation
from partygraph.models.meeting import (
    ContactAttempt,
    DutyLapse,
    Election,
    ElectionCandidate,
    FlowingProfile,
    FourStepItem,
    FourStepRecord,
    LostContactRecord,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingKind,
    MemberFlag,
    Term,
    TermMember,
)
from partygraph.models.member import (
    ACTIVE_STATUSES,
    POSITION_LABELS,
    Member,
    MemberStatus,
    Position,
    PositionKind,
)
from partygraph.models.organization import Organization, OrgKind, OrgStatus
from partygraph.rules import branch_life as rules
from partygraph.rules.base import Alert
from partygraph.rules.votes import ElectionResult, ElectionTally, election_result
from partygraph.scope import path_range
from partygraph.services import meeting as meetings
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

LIFE_ORG_KINDS = frozenset(
    {OrgKind.branch, OrgKind.general_branch, OrgKind.committee, OrgKind.group}
)


def life_settings(ctx: Context) -> rules.LifeSettings:
    """The deployment's branch-life settings (`Settings.branch_life` when present)."""
    return getattr(ctx.settings, "branch_life", None) or rules.DEFAULT_LIFE_SETTINGS


# --- calendar and missed meetings ------------------------------------------------------------


def _full_counts(ctx: Context, root: Organization) -> dict[str, int]:
    """Full members of each organisation's whole subtree, keyed by its path (one statement)."""
    rows = ctx.session.execute(
        select(col(Member.org_path), func.count())
        .where(path_range(col(Member.org_path), root.path), col(Member.status) == MemberStatus.full.value)
        .group_by(col(Member.org_path))
    ).all()
    out: dict[str, int] = defaultdict(int)
    for path, n in rows:
        segments = path.split(".")[:-1]
        for i in range(1, len(segments) + 1):
            out[".".join(segments[:i]) + "."] += n
    return out


def has_committee(org: Organization, full_counts: dict[str, int], committee_orgs: set[int]) -> bool:
    """A committee is required (R-ORG-03: ≥ 7 full members) or elected (a current term of
    three or more members; a secretary alone is not a committee)."""
    return org.id in committee_orgs or full_counts.get(org.path, 0) >= 7


def committee_orgs(ctx: Context, root: Organization) -> set[int]:
    """Organisations of the subtree whose current term has at least three members."""
    rows = ctx.session.execute(
        select(col(Term.org_id))
        .join(TermMember, col(TermMember.term_id) == Term.id)
        .where(path_range(col(Term.org_path), root.path), col(Term.status) == "current")
        .group_by(col(Term.org_id))
        .having(func.count(col(TermMember.id)) >= 3)
    ).scalars()
    return set(rows)


def _held(
    ctx: Context, org_ids: list[int], first: date, last: date
) -> dict[int, dict[str, list[date]]]:
    out: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    if not org_ids:
        return out
    rows = ctx.session.execute(
        select(col(Meeting.org_id), col(Meeting.kind), col(Meeting.held_on)).where(
            col(Meeting.org_id).in_(org_ids), col(Meeting.held_on) >= first, col(Meeting.held_on) <= last
        )
    ).all()
    for oid, kind, held_on in rows:
        out[oid][kind].append(held_on)
    return out


def _current_term_orgs(ctx: Context, root: Organization) -> dict[int, Term]:
    rows = ctx.session.execute(
        select(Term).where(path_range(col(Term.org_path), root.path), col(Term.status) == "current")
    ).scalars()
    return {t.org_id: t for t in rows}


@dataclass(frozen=True)
class CalendarRow:
    kind: str
    code: str
    period: str
    periods: list[rules.PeriodCount]


def calendar(ctx: Context, org_id: int, year: int) -> tuple[Organization, list[CalendarRow]]:
    """Planned (required by the settings) vs held, by kind, for one organisation's year.
    Kinds not required of it but held show with a planned count of 0."""
    org = orgs.get(ctx, org_id)
    settings = life_settings(ctx)
    first, last = date(year, 1, 1), date(year, 12, 31)
    held = _held(ctx, [org.id], first, last).get(org.id, {})
    reqs = rules.requirements_for(
        org.kind, has_committee(org, _full_counts(ctx, org), committee_orgs(ctx, org)), settings
    )
    required_kinds = {r.kind for r in reqs}
    extra = [
        rules.Requirement("", k.value, rules.MONTH, "", count=0)
        for k in MeetingKind
        if k.value not in required_kinds and held.get(k.value)
    ]
    out = []
    for r in [*reqs, *extra]:
        out.append(CalendarRow(r.kind, r.code, r.period, rules.calendar([r], held, first, last)))
    return org, out


@dataclass(frozen=True)
class SubtreeAlert:
    alert: Alert
    org_id: int
    member_id: int | None = None


def _subtree_orgs(ctx: Context, root: Organization) -> list[Organization]:
    return list(
        ctx.session.execute(
            select(Organization)
            .where(
                path_range(col(Organization.path), root.path),
                col(Organization.status) == OrgStatus.active.value,
            )
            .order_by(col(Organization.path))
        ).scalars()
    )


def meeting_alerts(ctx: Context, root: Organization, today: date) -> list[SubtreeAlert]:
    """R-LIFE-01..07 for every active organisation of the subtree (three statements)."""
    settings = life_settings(ctx)
    life_orgs = [o for o in _subtree_orgs(ctx, root) if o.kind in LIFE_ORG_KINDS]
    counts = _full_counts(ctx, root)
    terms = committee_orgs(ctx, root)
    first = date(today.year - 2, 1, 1)  # generous: the look-back window is inside it
    held = _held(ctx, [o.id for o in life_orgs], first, today)
    lecturers, secretaries = _secretary_lectures(
        ctx, [o.id for o in life_orgs if o.kind in BRANCH_KINDS], first, today
    )
    out: list[SubtreeAlert] = []
    for o in life_orgs:
        reqs = rules.requirements_for(o.kind, has_committee(o, counts, terms), settings)
        found = rules.missed_meetings(
            reqs, held.get(o.id, {}), today=today, since=o.established_on, settings=settings
        )
        if o.kind in BRANCH_KINDS:
            found += rules.secretary_lecture_missed(
                lecturers.get(o.id, []),
                secretaries.get(o.id, []),
                today=today,
                since=o.established_on,
                settings=settings,
            )
        out.extend(SubtreeAlert(a, o.id) for a in found)
    return out


BRANCH_KINDS = frozenset({OrgKind.branch, OrgKind.general_branch})


def _secretary_lectures(
    ctx: Context, org_ids: list[int], first: date, last: date
) -> tuple[
    dict[int, list[tuple[date, int | None]]], dict[int, list[tuple[int, date, date | None]]]
]:
    """Party lectures with their lecturer, and the secretaries in post, per organisation (R-LIFE-10)."""
    lectures: dict[int, list[tuple[date, int | None]]] = defaultdict(list)
    secretaries: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    if not org_ids:
        return lectures, secretaries
    for oid, on, lecturer in ctx.session.execute(
        select(col(Meeting.org_id), col(Meeting.held_on), col(Meeting.chair_member_id)).where(
            col(Meeting.org_id).in_(org_ids),
            col(Meeting.kind) == MeetingKind.party_lecture.value,
            col(Meeting.held_on) >= first,
            col(Meeting.held_on) <= last,
        )
    ).all():
        lectures[oid].append((on, lecturer))
    for oid, mid, start, end in ctx.session.execute(
        select(col(Position.org_id), col(Position.member_id), col(Position.start_on), col(Position.end_on)).where(
            col(Position.org_id).in_(org_ids),
            col(Position.kind) == PositionKind.secretary.value,
            or_(col(Position.end_on).is_(None), col(Position.end_on) >= first),
        )
    ).all():
        secretaries[oid].append((mid, start, end))
    return lectures, secretaries


def term_alerts(ctx: Context, root: Organization, today: date) -> list[SubtreeAlert]:
    settings = life_settings(ctx)
    active = {o.id for o in _subtree_orgs(ctx, root)}
    out = []
    for org_id, term in sorted(_current_term_orgs(ctx, root).items()):
        if org_id not in active:
            continue
        a = rules.term_alert(term.ends_on, today, settings)
        if a:
            out.append(SubtreeAlert(a, org_id))
    return out


def branch_life_alerts(ctx: Context, org_id: int) -> list[SubtreeAlert]:
    root = orgs.get(ctx, org_id)
    today = ctx.today()
    return (
        meeting_alerts(ctx, root, today)
        + term_alerts(ctx, root, today)
        + member_flag_alerts(ctx, root, today)
    )


# --- a recorded meeting: corrections --------------------------------------------------------

MEETING_FIELDS = [
    "kind", "held_on", "place", "chair", "recorder", "chair_member_id", "recorder_member_id",
    "agenda", "minutes", "attachments",
]  # fmt: skip
MEETING_TEXTS: dict[str, tuple[str, str, int]] = {
    "place": ("地点", "Place", 200),
    "chair": ("主持人", "Chair", 60),
    "recorder": ("记录人", "Recorder", 60),
    "agenda": ("议程", "Agenda", 2000),
    "minutes": ("会议记录", "Minutes", 20000),
}
MEETING_DECIDED = "R-MEETING-DECIDED"


@dataclass(frozen=True)
class MeetingCitations:
    """Records judged against a meeting as it stood: the votes taken at it (MeetingDecision,
    which candidate vote steps cite with the meeting's date, R-DEV-22), the election it held
    and the four-step steps that name it."""

    decisions: int
    elections: int
    four_steps: int

    def __bool__(self) -> bool:
        return bool(self.decisions or self.elections or self.four_steps)

    def text(self) -> tuple[str, str]:
        zh, en = [], []
        if self.decisions:
            zh.append(f"表决事项 {self.decisions} 项")
            en.append(f"{self.decisions} motion(s) voted")
        if self.elections:
            zh.append(f"选举 {self.elections} 次")
            en.append(f"{self.elections} election(s)")
        if self.four_steps:
            zh.append(f"“四议两公开”步骤 {self.four_steps} 个")
            en.append(f"{self.four_steps} four-step step(s)")
        return "、".join(zh), ", ".join(en)


def citations_of(ctx: Context, meeting_ids: list[int]) -> dict[int, MeetingCitations]:
    """What cites each meeting (three statements for any number of meetings)."""
    counts: dict[str, dict[int | None, int]] = {}
    for name, column in (
        ("decisions", col(MeetingDecision.meeting_id)),
        ("elections", col(Election.meeting_id)),
        ("four_steps", col(FourStepRecord.meeting_id)),
    ):
        rows = (
            ctx.session.execute(
                select(column, func.count()).where(column.in_(meeting_ids)).group_by(column)
            ).all()
            if meeting_ids
            else []
        )
        counts[name] = {mid: n for mid, n in rows}
    return {
        mid: MeetingCitations(**{name: found.get(mid, 0) for name, found in counts.items()})
        for mid in meeting_ids
    }


def meeting_citations(ctx: Context, meeting_id: int) -> MeetingCitations:
    return citations_of(ctx, [meeting_id])[meeting_id]


def _meeting_person(
    ctx: Context, meeting: Meeting, org: Organization, member_id: int, field: str
) -> Member:
    """A chair or recorder: on the organisation's roster, or recorded at this meeting (a
    flowing member taking part here), as when the meeting was recorded."""
    m = ctx.session.get(Member, member_id)
    viewer = ctx.viewer
    if m is not None:
        on_roster = (
            viewer is not None
            and viewer.sees(m.org_path)
            and meetings.path_within(m.org_path, org.path)
            and m.status in ACTIVE_STATUSES
        )
        attended = ctx.session.execute(
            select(col(MeetingAttendance.id)).where(
                col(MeetingAttendance.meeting_id) == meeting.id, col(MeetingAttendance.member_id) == m.id
            )
        ).first()
        if on_roster or attended is not None:
            return m
    raise NotFoundError("党员", member_id, field)


def update_meeting(
    ctx: Context, meeting_id: int, *, version: int | None, changes: dict[str, Any]
) -> Meeting:
    """Correct a recorded meeting: only the fields named change; a stale version is a Conflict.
    A meeting that carries votes, an election or four-step steps keeps its date and kind
    (R-MEETING-DECIDED): those records were judged against it, so the clerk corrects them
    first. Nothing changed: no new version, no audit event."""
    meeting = meetings.get(ctx, meeting_id)
    require_writer(ctx, meeting.org_path)
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise violation(
            "INVALID_INPUT", f"未知字段：{sorted(unknown)}", f"Unknown fields: {sorted(unknown)}"
        )
    values = _corrected_meeting_values(ctx, meeting, changes)
    changed = {k: v for k, v in values.items() if v != getattr(meeting, k)}
    if not changed:
        if version is not None and version != meeting.version:
            raise ConflictError("会议", version, meeting.version, type_en="Meeting")
        return meeting
    _refuse_decided_change(ctx, meeting, changed)
    before = snapshot(meeting, MEETING_FIELDS)
    for k, v in changed.items():
        setattr(meeting, k, v)
    bump_version(ctx, meeting, version, "会议")
    ctx.session.flush()
    record(
        ctx,
        "meeting.update",
        "Meeting",
        meeting.id,
        meeting.org_path,
        before,
        snapshot(meeting, MEETING_FIELDS),
    )
    return meeting


def _corrected_meeting_values(
    ctx: Context, meeting: Meeting, changes: dict[str, Any]
) -> dict[str, object]:
    """The checked value of every field named in `changes`, in the order the fields are
    checked (the first wrong one is the one reported)."""
    org = ctx.session.get(Organization, meeting.org_id)
    assert org is not None
    values: dict[str, object] = {}
    if "kind" in changes:
        values["kind"] = _corrected_kind(changes["kind"])
    if "held_on" in changes:
        values["held_on"] = _corrected_held_on(ctx, changes["held_on"])
    for name, (zh, en, n) in MEETING_TEXTS.items():
        if name in changes:
            values[name] = clean_text(changes[name], name, zh, en, required=False, max_len=n)
    if "attachments" in changes:
        values["attachments"] = meetings._attachments(changes["attachments"])
    _correct_chair_and_recorder(ctx, meeting, org, changes, values)
    return values


def _corrected_kind(kind: object) -> str:
    if not kind:
        raise violation(
            "INVALID_INPUT", "会议类别不能为空", "Meeting kind must not be empty", "kind"
        )
    try:
        return MeetingKind(str(kind)).value
    except ValueError:
        raise violation(
            "INVALID_INPUT", f"未知的会议类别：{kind}", f"Unknown meeting kind: {kind}", "kind"
        ) from None


def _corrected_held_on(ctx: Context, held_on: object) -> date:
    if not isinstance(held_on, date):
        raise violation(
            "INVALID_INPUT", "会议日期不能为空", "Meeting date must not be empty", "heldOn"
        )
    check_date(held_on, "heldOn", "会议日期", "Meeting date", today=ctx.today())
    return held_on


def _correct_chair_and_recorder(
    ctx: Context,
    meeting: Meeting,
    org: Organization,
    changes: dict[str, Any],
    values: dict[str, object],
) -> None:
    """Link a newly chosen chair or recorder (on the roster, or recorded at this meeting)."""
    for attr, field in (("chair", "chairMemberId"), ("recorder", "recorderMemberId")):
        key = f"{attr}_member_id"
        if key not in changes:
            continue
        member_id = changes[key]
        values[key] = member_id
        if member_id is not None and member_id != getattr(meeting, key):
            person = _meeting_person(ctx, meeting, org, member_id, field)
            # The person chosen names the chair, unless another name is typed with them: a
            # name left as it was belonged to the person before.
            typed = values.get(attr, getattr(meeting, attr))
            if not typed or typed == getattr(meeting, attr):
                values[attr] = person.name


def _refuse_decided_change(ctx: Context, meeting: Meeting, changed: dict[str, object]) -> None:
    """R-MEETING-DECIDED: the date and kind of a meeting that records cite stay as they are."""
    if "kind" not in changed and "held_on" not in changed:
        return
    cited = meeting_citations(ctx, meeting.id)
    if not cited:
        return
    what_zh, what_en = cited.text()
    field = "heldOn" if "held_on" in changed else "kind"
    raise violation(
        MEETING_DECIDED,
        f"该会议已记录{what_zh}，会议日期和类别不能再改：这些记录以该会议的日期和类别为准，须先更正它们",
        f"This meeting carries {what_en}: its date and kind stay as they are, since those records "
        "were judged against them (correct those records first)",
        field,
    )


# --- terms ---------------------------------------------------------------------------------


@dataclass
class TermMemberInput:
    post: str  # PositionKind value
    member_id: int | None = None
    name: str | None = None


def get_term(ctx: Context, term_id: int) -> Term:
    return get_scoped(ctx, Term, term_id, "org_path", "任期")


def start_term(
    ctx: Context,
    *,
    org_id: int,
    starts_on: date,
    years: int | None = None,
    members_in: list[TermMemberInput] | None = None,
    election_id: int | None = None,
) -> Term:
    """Record a new term (届): the current one, if any, ends the day before."""
    org = orgs.get(ctx, org_id)
    viewer = require_writer(ctx, org.path)
    length = _term_length(ctx, org, starts_on, years)
    _end_current_terms(ctx, org, starts_on)
    term = Term(
        org_id=org.id,
        org_path=org.path,
        starts_on=starts_on,
        years=length,
        ends_on=rules.term_end(starts_on, length),
        election_id=election_id,
        recorded_by=viewer.account_id,
    )
    ctx.session.add(term)
    ctx.session.flush()
    posts = _add_term_members(ctx, term, members_in or [])
    ctx.session.flush()
    record(
        ctx, "term.start", "Term", term.id, term.org_path, None,
        {"org_id": org.id, "starts_on": starts_on.isoformat(), "years": length, "ends_on": term.ends_on.isoformat(), "members": posts},
    )  # fmt: skip
    return term


def _term_length(ctx: Context, org: Organization, starts_on: date, years: int | None) -> int:
    """The checked length in years of a term the organisation starts (its kind's default when not given)."""
    if org.kind not in rules.TERM_KINDS:
        raise violation(
            "INVALID_INPUT",
            "任期只适用于党支部、党总支和基层党委",
            "Terms belong to branches, general branches and base committees",
            "orgId",
        )
    check_date(starts_on, "startsOn", "任期开始日期", "Start of the term", today=ctx.today())
    length = years if years is not None else rules.term_years(org.branch_type, life_settings(ctx))
    if not 1 <= length <= 5:
        raise violation("INVALID_INPUT", "任期须为 1 至 5 年", "A term is 1 to 5 years", "years")
    return length


def _end_current_terms(ctx: Context, org: Organization, starts_on: date) -> None:
    """The current term ends the day before the new one starts, which must come after it began."""
    current = (
        ctx.session.execute(select(Term).where(col(Term.org_id) == org.id, col(Term.status) == "current"))
        .scalars()
        .all()
    )
    for t in current:
        if starts_on <= t.starts_on:
            raise violation(
                "INVALID_DATE",
                f"新任期须晚于本届开始日期（{t.starts_on.isoformat()}）",
                f"A new term starts after the current one began ({t.starts_on.isoformat()})",
                "startsOn",
            )
        t.status, t.ended_on = "ended", starts_on - timedelta(days=1)
        bump_version(ctx, t, None, "任期")
        record(
            ctx,
            "term.end",
            "Term",
            t.id,
            t.org_path,
            {"status": "current"},
            {"status": "ended", "ended_on": t.ended_on.isoformat()},
        )


def _add_term_members(ctx: Context, term: Term, members_in: list[TermMemberInput]) -> list[dict[str, Any]]:
    """The term's committee: a member on file (their name as filed) or a name; the posts as audited."""
    posts = []
    for i, tm in enumerate(members_in):
        field = f"members.{i}"
        try:
            post = PositionKind(tm.post)
        except ValueError:
            raise violation(
                "INVALID_INPUT",
                f"未知的职务：{tm.post}",
                f"Unknown post: {tm.post}",
                f"{field}.post",
            ) from None
        name = clean_text(
            tm.name, f"{field}.name", "姓名", "Name", required=tm.member_id is None, max_len=60
        )
        if tm.member_id is not None:
            m = members.get(ctx, tm.member_id)
            name = m.name
        assert name is not None  # required when no member is named
        ctx.session.add(
            TermMember(term_id=term.id, org_path=term.org_path, member_id=tm.member_id, name=name, post=post.value)
        )
        posts.append({"member_id": tm.member_id, "name": name, "post": post.value})
    return posts


def term_members(ctx: Context, term_ids: list[int]) -> dict[int, list[TermMember]]:
    out: dict[int, list[TermMember]] = {t: [] for t in term_ids}
    if term_ids:
        for r in ctx.session.execute(
            select(TermMember).where(col(TermMember.term_id).in_(term_ids)).order_by(col(TermMember.id))
        ).scalars():
            out[r.term_id].append(r)
    return out


def post_label(post: str) -> tuple[str, str]:
    try:
        return POSITION_LABELS[PositionKind(post)]
    except ValueError:
        return post, post


# --- elections -----------------------------------------------------------------------------


@dataclass
class ElectionCandidateInput:
    votes: int
    member_id: int | None = None
    name: str | None = None
    post: str | None = None  # the post taken if elected (default: committee member)


def get_election(ctx: Context, election_id: int) -> Election:
    return get_scoped(ctx, Election, election_id, "org_path", "选举")


def record_election(
    ctx: Context,
    *,
    org_id: int,
    held_on: date,
    seats: int,
    present: int,
    candidates: list[ElectionCandidateInput],
    should_attend: int | None = None,
    meeting_id: int | None = None,
    start_new_term: bool = True,
) -> Election:
    """An election at a branch general meeting. An invalid election (R-VOTE-00, R-ELEC-01,
    R-ELEC-02) is refused with its code and nothing is written. The elected (R-ELEC-03)
    form a new term when `start_new_term`; a tie for the last seat leaves it unfilled."""
    org = orgs.get(ctx, org_id)
    viewer = require_writer(ctx, org.path)
    if org.kind not in rules.TERM_KINDS:
        raise violation(
            "INVALID_INPUT",
            "选举由党支部、党总支或基层党委的党员大会（代表大会）进行",
            "Elections are held by branches, general branches and base committees",
            "orgId",
        )
    check_date(held_on, "heldOn", "选举日期", "Election date", today=ctx.today())
    if should_attend is None:
        should_attend = meetings.voting_members(ctx, org, held_on)
    keys, names = _election_candidates(ctx, org, candidates)
    tally = ElectionTally(
        seats=seats,
        should_attend=should_attend,
        present=present,
        candidates=[(k, c.votes) for k, c in zip(keys, candidates, strict=True)],
    )
    result = election_result(tally, settings=life_settings(ctx).votes)
    if not result.valid:
        assert result.reason is not None  # an election that is not valid carries its reason
        raise RuleViolationError(result.reason)
    meeting = _election_meeting(ctx, org, held_on, meeting_id)
    election = Election(
        org_id=org.id,
        org_path=org.path,
        meeting_id=meeting.id,
        held_on=held_on,
        seats=seats,
        should_attend=should_attend,
        present=present,
        valid=True,
        votes_needed=result.votes_needed,
        seats_unfilled=result.seats_unfilled,
        recorded_by=viewer.account_id,
    )
    ctx.session.add(election)
    ctx.session.flush()
    term_in = _write_election_candidates(ctx, election, result, keys, names, candidates)
    elected, tied = set(result.elected), set(result.tied_for_last_seat)
    record(
        ctx, "election.record", "Election", election.id, org.path, None,
        {"held_on": held_on.isoformat(), "seats": seats, "should_attend": should_attend, "present": present,
         "votes": {n: c.votes for n, c in zip(names, candidates, strict=True)},
         "elected": [n for k, n in zip(keys, names, strict=True) if k in elected],
         "tied": [n for k, n in zip(keys, names, strict=True) if k in tied], "seats_unfilled": result.seats_unfilled},
    )  # fmt: skip
    if start_new_term:
        start_term(
            ctx, org_id=org.id, starts_on=held_on, members_in=term_in, election_id=election.id
        )
    return election


def _election_candidates(
    ctx: Context, org: Organization, candidates: list[ElectionCandidateInput]
) -> tuple[list[str], list[str]]:
    """Each candidate's tally key and name: a member of the organisation's subtree
    (`m<id>`) or a name typed in (`n<name>`)."""
    keys: list[str] = []
    names: list[str] = []
    for i, c in enumerate(candidates):
        field = f"candidates.{i}"
        if c.member_id is not None:
            m = members.get(ctx, c.member_id)
            if not m.org_path.startswith(org.path):
                raise NotFoundError("党员", c.member_id, f"{field}.memberId")
            names.append(m.name)
            keys.append(f"m{c.member_id}")
        else:
            name = clean_text(
                c.name, f"{field}.name", "候选人姓名", "Candidate name", required=True, max_len=60
            )
            names.append(name)
            keys.append(f"n{name}")
    return keys, names


def _election_meeting(
    ctx: Context, org: Organization, held_on: date, meeting_id: int | None
) -> Meeting:
    """The general meeting the election was held at: the one named, which must be this
    organisation's general meeting of that day (R-VOTE-00), or one recorded for it."""
    if meeting_id is None:
        return meetings.record_meeting(
            ctx,
            org_id=org.id,
            kind=MeetingKind.general_meeting.value,
            held_on=held_on,
            agenda="换届选举",
        )
    meeting = meetings.get(ctx, meeting_id)
    if (
        meeting.org_id != org.id
        or meeting.kind != MeetingKind.general_meeting.value
        or meeting.held_on != held_on
    ):
        raise violation(
            "R-VOTE-00",
            "选举须在本组织当天的党员大会上进行（R-VOTE-00）",
            "An election is held at this organisation's general meeting of that day (R-VOTE-00)",
            "meetingId",
        )
    return meeting


def _write_election_candidates(
    ctx: Context,
    election: Election,
    result: ElectionResult,
    keys: list[str],
    names: list[str],
    candidates: list[ElectionCandidateInput],
) -> list[TermMemberInput]:
    """One row per candidate with their votes and outcome; answers the elected as the
    new term's members (their post if given, committee member otherwise)."""
    elected, tied = set(result.elected), set(result.tied_for_last_seat)
    term_in: list[TermMemberInput] = []
    for key, name, c in zip(keys, names, candidates, strict=True):
        ctx.session.add(
            ElectionCandidate(
                election_id=election.id,
                org_path=election.org_path,
                member_id=c.member_id,
                name=name,
                votes=c.votes,
                elected=key in elected,
                tied=key in tied,
            )
        )
        if key in elected:
            term_in.append(
                TermMemberInput(
                    post=c.post or PositionKind.committee_member.value,
                    member_id=c.member_id,
                    name=name,
                )
            )
    ctx.session.flush()
    return term_in


def election_candidates(
    ctx: Context, election_ids: list[int]
) -> dict[int, list[ElectionCandidate]]:
    out: dict[int, list[ElectionCandidate]] = {e: [] for e in election_ids}
    if election_ids:
        rows = ctx.session.execute(
            select(ElectionCandidate)
            .where(col(ElectionCandidate.election_id).in_(election_ids))
            .order_by(col(ElectionCandidate.votes).desc(), col(ElectionCandidate.id))
        ).scalars()
        for r in rows:
            out[r.election_id].append(r)
    return out


# --- four-step items -----------------------------------------------------------------------


def get_item(ctx: Context, item_id: int) -> FourStepItem:
    return get_scoped(ctx, FourStepItem, item_id, "org_path", "四议两公开事项")


def create_item(
    ctx: Context, *, org_id: int, title: str, description: str | None = None
) -> FourStepItem:
    org = orgs.get(ctx, org_id)
    viewer = require_writer(ctx, org.path)
    if org.kind != OrgKind.branch.value or org.branch_type not in ("village", "community"):
        raise violation(
            "INVALID_INPUT",
            "“四议两公开”事项由村（社区）党组织提出",
            "Four-step items belong to a village (or community) branch",
            "orgId",
        )
    item = FourStepItem(
        org_id=org.id,
        org_path=org.path,
        title=clean_text(title, "title", "事项", "Title", required=True, max_len=200),
        description=clean_text(
            description, "description", "说明", "Description", required=False, max_len=4000
        ),
        status=rules.FourStepStatus.in_progress.value,
        recorded_by=viewer.account_id,
    )
    ctx.session.add(item)
    ctx.session.flush()
    record(
        ctx,
        "four_step.create",
        "FourStepItem",
        item.id,
        item.org_path,
        None,
        {"title": item.title, "org_id": org.id},
    )
    return item


def item_steps(ctx: Context, item_ids: list[int]) -> dict[int, list[FourStepRecord]]:
    out: dict[int, list[FourStepRecord]] = {i: [] for i in item_ids}
    if item_ids:
        rows = ctx.session.execute(
            select(FourStepRecord)
            .where(col(FourStepRecord.item_id).in_(item_ids))
            .order_by(col(FourStepRecord.item_id), col(FourStepRecord.id))
        ).scalars()
        for r in rows:
            out[r.item_id].append(r)
    return out


def entries_of(rows: list[FourStepRecord]) -> list[rules.FourStepEntry]:
    return [rules.FourStepEntry(r.step, r.on, r.passed) for r in rows]


def record_four_step(
    ctx: Context,
    item_id: int,
    *,
    step: str,
    on: date,
    passed: bool | None = None,
    tally: rules.AssemblyTally | None = None,
    meeting_id: int | None = None,
    record_text: str | None = None,
    documents: list[str] | None = None,
    version: int | None = None,
) -> tuple[FourStepItem, FourStepRecord]:
    item = get_item(ctx, item_id)
    viewer = require_writer(ctx, item.org_path)
    check_date(on, "on", "日期", "Date", today=ctx.today())
    rows = item_steps(ctx, [item.id]).get(item.id, [])
    settings = life_settings(ctx)
    problem, verdict = rules.check_four_step(
        entries_of(rows), step, on, passed=passed, tally=tally, settings=settings
    )
    if problem:
        raise RuleViolationError(problem)
    if meeting_id is not None:
        meeting = meetings.get(ctx, meeting_id)
        if meeting.org_id != item.org_id:
            raise NotFoundError("会议", meeting_id, "meetingId")
    row = FourStepRecord(
        item_id=item.id,
        org_path=item.org_path,
        step=step,
        on=on,
        passed=verdict,
        meeting_id=meeting_id,
        should_attend=tally.should_attend if tally else None,
        present=tally.present if tally else None,
        yes=tally.yes if tally else None,
        no=tally.no if tally else None,
        abstain=tally.abstain if tally else None,
        majority=settings.assembly_majority if tally else None,
        record=clean_text(record_text, "record", "记录", "Record", required=False, max_len=4000),
        documents=[d.strip() for d in documents or [] if d and d.strip()],
        recorded_by=viewer.account_id,
    )
    ctx.session.add(row)
    before = item.status
    item.status = rules.four_step_status(
        [*entries_of(rows), rules.FourStepEntry(step, on, verdict)]
    ).value
    bump_version(ctx, item, version, "四议两公开事项")
    ctx.session.flush()
    record(
        ctx, "four_step.step", "FourStepItem", item.id, item.org_path, {"status": before},
        {"status": item.status, "step": step, "on": on.isoformat(), "passed": verdict,
         "tally": None if tally is None else {"should_attend": tally.should_attend, "present": tally.present,
                                              "yes": tally.yes, "no": tally.no, "abstain": tally.abstain}},
    )  # fmt: skip
    return item, row


# --- flowing members -----------------------------------------------------------------------


def set_flowing(
    ctx: Context,
    member_id: int,
    *,
    workplace: str,
    certificate: str | None = None,
    contact_member_id: int | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    life_org_id: int | None = None,
    version: int | None = None,
) -> FlowingProfile:
    """Mark a member as flowing (流动党员) with where they work, the activity certificate,
    a contact person at home and, optionally, the branch where they take part in life."""
    m = members.get(ctx, member_id)
    require_writer(ctx, m.org_path)
    workplace = clean_text(
        workplace, "workplace", "外出工作地点", "Where they work", required=True, max_len=120
    )
    life_org = None
    if life_org_id is not None:
        life_org = ctx.session.get(Organization, life_org_id)
        # The branch where they take part in life may be in another county: any active
        # branch (the home clerk names it; its viewers then see the member there).
        if (
            life_org is None
            or life_org.status != OrgStatus.active.value
            or life_org.kind not in (OrgKind.branch, OrgKind.general_branch)
        ):
            raise NotFoundError("党支部", life_org_id, "lifeOrgId")
        if m.org_path.startswith(life_org.path):
            raise violation(
                "INVALID_INPUT",
                "参加组织生活的党支部应为外地党支部",
                "The branch of life is away from home",
                "lifeOrgId",
            )
    if contact_member_id is not None:
        contact = members.get(ctx, contact_member_id)
        contact_name = contact.name
        contact_phone = contact_phone or contact.phone
    members.update(
        ctx, m.id, version=version,
        changes={"flowing": True, "flow_destination": workplace, "flow_certificate": certificate or None},
    )  # fmt: skip
    profile = ctx.session.execute(
        select(FlowingProfile).where(col(FlowingProfile.member_id) == m.id)
    ).scalar_one_or_none()
    if profile is None:
        profile = FlowingProfile(member_id=m.id, member_org_path=m.org_path)
        ctx.session.add(profile)
    else:
        bump_version(ctx, profile, None, "流动党员")
    profile.member_org_path = m.org_path
    profile.contact_member_id = contact_member_id
    profile.contact_name = clean_text(
        contact_name, "contactName", "联系人", "Contact person", required=False, max_len=60
    )
    profile.contact_phone = clean_text(
        contact_phone, "contactPhone", "联系电话", "Contact phone", required=False, max_len=20
    )
    profile.life_org_id = life_org.id if life_org else None
    profile.life_org_path = life_org.path if life_org else None
    profile.left_on = None
    ctx.session.flush()
    record(
        ctx, "member.flowing", "Member", m.id, m.org_path, None,
        {"workplace": workplace, "certificate": certificate, "contact": profile.contact_name, "life_org_id": profile.life_org_id},
    )  # fmt: skip
    return profile


def end_flowing(ctx: Context, member_id: int, *, on: date, version: int | None = None) -> Member:
    m = members.get(ctx, member_id)
    require_writer(ctx, m.org_path)
    check_date(on, "on", "返回日期", "Date of return", today=ctx.today())
    profile = ctx.session.execute(
        select(FlowingProfile).where(col(FlowingProfile.member_id) == m.id)
    ).scalar_one_or_none()
    if profile is not None:
        profile.left_on = on
        bump_version(ctx, profile, None, "流动党员")
    members.update(ctx, m.id, version=version, changes={"flowing": False})
    record(
        ctx,
        "member.flowing_end",
        "Member",
        m.id,
        m.org_path,
        {"flowing": True},
        {"flowing": False, "on": on.isoformat()},
    )
    return m


# --- lost contact --------------------------------------------------------------------------


def get_lost_contact(ctx: Context, record_id: int) -> LostContactRecord:
    return get_scoped(ctx, LostContactRecord, record_id, "member_org_path", "失联记录")


def mark_lost_contact(
    ctx: Context, member_id: int, *, lost_on: date, note: str | None = None
) -> LostContactRecord:
    m = members.get(ctx, member_id)
    viewer = require_writer(ctx, m.org_path)
    check_date(lost_on, "lostOn", "失去联系日期", "Date contact was lost", today=ctx.today())
    open_rec = ctx.session.execute(
        select(LostContactRecord).where(
            col(LostContactRecord.member_id) == m.id, col(LostContactRecord.found_on).is_(None)
        )
    ).scalar_one_or_none()
    if open_rec is not None:
        raise violation(
            "INVALID_INPUT",
            "该党员已登记为失去联系",
            "This member is already recorded as out of contact",
            "memberId",
        )
    if m.status not in ACTIVE_STATUSES:
        raise violation(
            "R-MEM-CLOSED", "该党员已不在册", "This member is not on the roster", "memberId"
        )
    rec = LostContactRecord(
        member_id=m.id,
        member_org_path=m.org_path,
        lost_on=lost_on,
        note=clean_text(note, "note", "说明", "Note", required=False, max_len=1000),
        recorded_by=viewer.account_id,
    )
    ctx.session.add(rec)
    members.update(
        ctx, m.id, version=None, changes={"lost_contact": True, "lost_contact_since": lost_on}
    )
    ctx.session.flush()
    record(
        ctx,
        "member.lost_contact",
        "LostContactRecord",
        rec.id,
        m.org_path,
        None,
        {"member_id": m.id, "lost_on": lost_on.isoformat()},
    )
    return rec


def add_contact_attempt(
    ctx: Context, record_id: int, *, on: date, method: str, outcome: str | None = None
) -> ContactAttempt:
    rec = get_lost_contact(ctx, record_id)
    viewer = require_writer(ctx, rec.member_org_path)
    check_date(on, "on", "查找日期", "Date of the attempt", today=ctx.today(), earliest=rec.lost_on)
    row = ContactAttempt(
        record_id=rec.id,
        org_path=rec.member_org_path,
        on=on,
        method=clean_text(method, "method", "查找方式", "Method", required=True, max_len=60),
        outcome=clean_text(outcome, "outcome", "结果", "Outcome", required=False, max_len=500),
        recorded_by=viewer.account_id,
    )
    ctx.session.add(row)
    ctx.session.flush()
    record(
        ctx,
        "member.contact_attempt",
        "LostContactRecord",
        rec.id,
        rec.member_org_path,
        None,
        {"on": on.isoformat(), "method": row.method, "outcome": row.outcome},
    )
    return row


def mark_found(
    ctx: Context, record_id: int, *, on: date, version: int | None = None
) -> LostContactRecord:
    rec = get_lost_contact(ctx, record_id)
    require_writer(ctx, rec.member_org_path)
    check_date(
        on,
        "on",
        "恢复联系日期",
        "Date contact was restored",
        today=ctx.today(),
        earliest=rec.lost_on,
    )
    if rec.found_on is not None:
        raise violation(
            "INVALID_INPUT", "该记录已恢复联系", "Contact was already restored", "recordId"
        )
    rec.found_on = on
    bump_version(ctx, rec, version, "失联记录")
    m = ctx.session.get(Member, rec.member_id)
    if m is not None and m.status in (*ACTIVE_STATUSES, MemberStatus.suspended):
        # The member's date is the open spell's; when it stayed, the member check read the
        # member as lost again. The spell itself (lost_on → found_on) keeps the history.
        members.update(
            ctx, m.id, version=None, changes={"lost_contact": False, "lost_contact_since": None}
        )
    record(
        ctx,
        "member.found",
        "LostContactRecord",
        rec.id,
        rec.member_org_path,
        {"found_on": None},
        {"found_on": on.isoformat()},
    )
    return rec


def contact_attempts(ctx: Context, record_ids: list[int]) -> dict[int, list[ContactAttempt]]:
    out: dict[int, list[ContactAttempt]] = {r: [] for r in record_ids}
    if record_ids:
        for a in ctx.session.execute(
            select(ContactAttempt)
            .where(col(ContactAttempt.record_id).in_(record_ids))
            .order_by(col(ContactAttempt.on), col(ContactAttempt.id))
        ).scalars():
            out[a.record_id].append(a)
    return out


# --- R-MEM-01 / R-MEM-02 flags ---------------------------------------------------------------


def record_duty_lapse(
    ctx: Context, member_id: int, *, no_dues_since: date | None, no_work_since: date | None
) -> DutyLapse:
    """The clerk records since when a member paid no dues and did no assigned work (R-MEM-01)."""
    m = members.get(ctx, member_id)
    viewer = require_writer(ctx, m.org_path)
    if m.status not in ACTIVE_STATUSES:
        raise violation(
            "R-MEM-CLOSED", "该党员已不在册", "This member is not on the roster", "memberId"
        )
    today = ctx.today()
    check_date(
        no_dues_since,
        "noDuesSince",
        "未交党费起始日期",
        "No dues since",
        today=today,
        earliest=m.joined_on,
    )
    check_date(
        no_work_since,
        "noWorkSince",
        "未做分配工作起始日期",
        "No work since",
        today=today,
        earliest=m.joined_on,
    )
    row = DutyLapse(
        member_id=m.id,
        member_org_path=m.org_path,
        no_dues_since=no_dues_since,
        no_work_since=no_work_since,
        recorded_on=today,
        recorded_by=viewer.account_id,
    )
    ctx.session.add(row)
    ctx.session.flush()
    record(
        ctx, "member.duty_lapse", "Member", m.id, m.org_path, None,
        {"no_dues_since": no_dues_since.isoformat() if no_dues_since else None, "no_work_since": no_work_since.isoformat() if no_work_since else None},
    )  # fmt: skip
    return row


def duty_lapses(ctx: Context, member_id: int) -> list[DutyLapse]:
    """A member's R-MEM-01 recordings, newest (the one that counts) first."""
    m = members.get(ctx, member_id)
    return list(
        ctx.session.execute(
            select(DutyLapse).where(col(DutyLapse.member_id) == m.id).order_by(col(DutyLapse.id).desc())
        ).scalars()
    )


def _decided(ctx: Context, member_ids: list[int]) -> dict[tuple[int, str, date], MemberFlag]:
    if not member_ids:
        return {}
    rows = ctx.session.execute(
        select(MemberFlag).where(col(MemberFlag.member_id).in_(member_ids))
    ).scalars()
    return {(f.member_id, f.code, f.raised_on): f for f in rows}


def member_flag_alerts(ctx: Context, root: Organization, today: date) -> list[SubtreeAlert]:
    """R-MEM-01 and R-MEM-02 flags of the subtree's members that no person has decided yet."""
    settings = life_settings(ctx)
    active = [s.value for s in ACTIVE_STATUSES]
    out: list[SubtreeAlert] = []
    # R-MEM-01: only members whose lapse of dues and work the clerk recorded can be flagged.
    lapses: dict[int, DutyLapse] = {}
    for row in ctx.session.execute(
        select(DutyLapse)
        .join(Member, col(Member.id) == DutyLapse.member_id)
        .where(path_range(col(Member.org_path), root.path), col(Member.status).in_(active))
        .order_by(col(DutyLapse.member_id), col(DutyLapse.id))
    ).scalars():
        lapses[row.member_id] = row  # the newest recording counts
    lost = list(
        ctx.session.execute(
            select(LostContactRecord)
            .join(Member, col(Member.id) == LostContactRecord.member_id)
            .where(
                path_range(col(Member.org_path), root.path),
                col(LostContactRecord.found_on).is_(None),
                col(Member.status).in_([*active, MemberStatus.suspended.value]),
            )
        ).scalars()
    )
    ids = sorted(set(lapses) | {r.member_id for r in lost})
    decided = _decided(ctx, ids)
    attendance: dict[int, list[tuple[date, str]]] = defaultdict(list)
    if lapses:
        for mid, held_on, status in ctx.session.execute(
            select(col(MeetingAttendance.member_id), col(Meeting.held_on), col(MeetingAttendance.status))
            .join(Meeting, col(Meeting.id) == MeetingAttendance.meeting_id)
            .where(col(MeetingAttendance.member_id).in_(list(lapses)))
        ).all():
            attendance[mid].append((held_on, status))
    members_by_id = (
        {m.id: m for m in ctx.session.execute(select(Member).where(col(Member.id).in_(ids))).scalars()}
        if ids
        else {}
    )
    for mid, lapse in sorted(lapses.items()):
        a = rules.r_mem_01(
            attendance.get(mid, []), lapse.no_dues_since, lapse.no_work_since, today, settings
        )
        if a and (mid, a.extra["flag"], date.fromisoformat(a.extra["raisedOn"])) not in decided:
            out.append(SubtreeAlert(a, members_by_id[mid].org_id, mid))
    for rec in lost:
        suspensions = [
            f.decided_on for (m_id, code, _), f in decided.items()
            if m_id == rec.member_id and code == rules.FLAG_SUSPEND and f.decision == "suspend" and f.decided_on >= rec.lost_on
        ]  # fmt: skip
        a = rules.r_mem_02(rec.lost_on, min(suspensions) if suspensions else None, today, settings)
        if (
            a
            and (rec.member_id, a.extra["flag"], date.fromisoformat(a.extra["raisedOn"]))
            not in decided
        ):
            out.append(SubtreeAlert(a, members_by_id[rec.member_id].org_id, rec.member_id))
    return out


def decide_flag(
    ctx: Context, member_id: int, *, flag: str, raised_on: date, decision: str, on: date, note: str
) -> MemberFlag:
    """A person's decision on an R-MEM flag; `remove` / `suspend` change the member's status."""
    m = members.get(ctx, member_id)
    viewer = require_writer(ctx, m.org_path)
    if flag not in rules.FLAG_DECISIONS:
        raise violation("INVALID_INPUT", f"未知的提示：{flag}", f"Unknown flag: {flag}", "flag")
    if decision not in rules.FLAG_DECISIONS[flag]:
        raise violation(
            "INVALID_INPUT",
            f"该提示的决定只能是：{'、'.join(rules.FLAG_DECISIONS[flag])}",
            f"The decision on this flag is one of: {', '.join(rules.FLAG_DECISIONS[flag])}",
            "decision",
        )
    note = clean_text(
        note, "note", "决定理由", "Reason for the decision", required=True, max_len=1000
    )
    check_date(on, "on", "决定日期", "Date of the decision", today=ctx.today())
    current = {
        (a.member_id, a.alert.extra.get("flag"), a.alert.extra.get("raisedOn"))
        for a in member_flag_alerts(ctx, orgs.get(ctx, m.org_id), ctx.today())
    }
    if (m.id, flag, raised_on.isoformat()) not in current:
        raise violation(
            "R-MEM-FLAG",
            "没有待决定的此项提示（可能已决定，或条件不再成立）",
            "There is no open flag of this kind for this member (decided already, or no longer met)",
            "flag",
        )
    row = MemberFlag(
        member_id=m.id,
        member_org_path=m.org_path,
        code=flag,
        raised_on=raised_on,
        decision=decision,
        decided_on=on,
        note=note,
        decided_by=viewer.account_id,
        decided_by_name=viewer.display_name,
    )
    ctx.session.add(row)
    ctx.session.flush()
    record(
        ctx,
        "member.flag_decided",
        "Member",
        m.id,
        m.org_path,
        None,
        {"flag": flag, "decision": decision, "on": on.isoformat(), "note": note},
    )
    if decision in rules.DECISION_STATUS:
        code = flag.split("-SUSPEND")[0].split("-REMOVE")[0]
        members.change_status(
            ctx,
            m.id,
            to_status=rules.DECISION_STATUS[decision],
            on=on,
            reason=f"{note}（{code}）",
            version=None,
        )
    return row
