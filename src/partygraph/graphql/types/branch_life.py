"""Branch life: attendance, the yearly calendar, terms, elections, four-step items,
flowing and lost-contact members, and the branch-life alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.graphql import loaders
from partygraph.graphql.types.candidate import MeetingKind, MeetingType
from partygraph.graphql.types.common import (
    AlertInterface,
    AuditEventType,
    Node,
    ctx_of,
    enum_value,
    history,
    label,
    message_in_language,
)
from partygraph.graphql.types.member import MemberType
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models import meeting as mm
from partygraph.rules import branch_life as rules
from partygraph.rules.base import Alert
from partygraph.services import branch_life as service
from partygraph.services import meeting as meetings


def _text(info: Info, zh: str, en: str) -> str:
    return zh if ctx_of(info).lang == "zh" else en


def _batched(
    info: Info, name: str, fetch: Callable[[list[int]], dict[int, list[Any]]]
) -> DataLoader:
    async def load(keys: list[int]) -> list[list[Any]]:
        found = fetch(keys)
        return [found.get(k, []) for k in keys]

    return ctx_of(info).loader(name, lambda: DataLoader(load_fn=load))


# The model's enums with GraphQL-style upper-case names; `.value` is the stored value. Written
# out as classes so that type checkers know their members; the committed schema
# (tests/api/test_schema_export.py) shows any drift from the model.
@strawberry.enum(description="Present, excused (with a reason) or absent.")
class AttendanceStatus(Enum):
    PRESENT = mm.AttendanceStatus.present.value
    EXCUSED = mm.AttendanceStatus.excused.value
    ABSENT = mm.AttendanceStatus.absent.value


@strawberry.enum(description="The steps of 四议两公开, in order.")
class FourStep(Enum):
    PROPOSAL = rules.FourStep.proposal.value
    JOINT_DISCUSSION = rules.FourStep.joint_discussion.value
    MEMBERS_REVIEW = rules.FourStep.members_review.value
    ASSEMBLY_RESOLUTION = rules.FourStep.assembly_resolution.value
    NOTICE_RESOLUTION = rules.FourStep.notice_resolution.value
    NOTICE_RESULT = rules.FourStep.notice_result.value


@strawberry.enum
class FourStepStatus(Enum):
    IN_PROGRESS = rules.FourStepStatus.in_progress.value
    REJECTED = rules.FourStepStatus.rejected.value
    COMPLETED = rules.FourStepStatus.completed.value


@strawberry.enum(description="The period a meeting requirement counts by.")
class LifePeriod(Enum):
    MONTH = rules.MONTH
    QUARTER = rules.QUARTER
    YEAR = rules.YEAR


# --- attendance ----------------------------------------------------------------------------


@strawberry.type(name="MeetingAttendance", description="One member at one meeting.")
class MeetingAttendanceType:
    status: AttendanceStatus
    reason: str | None
    voting: bool = strawberry.field(
        description="Full members vote; probationary members attend without a vote."
    )
    away: bool = strawberry.field(
        description="A flowing member of another branch taking part in life here."
    )
    member_id: strawberry.Private[int]
    member_name: str = strawberry.field(
        description="Shown even when the member's home branch is outside your scope."
    )

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(
            info,
            mm.ATTENDANCE_LABELS[mm.AttendanceStatus(enum_value(self.status))],
        )

    @strawberry.field(description="The member record, when their home branch is in your scope.")
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field(
        name="memberId", description="The member's global id (also for members away from home)."
    )
    def member_gid(self) -> relay.GlobalID:
        return relay.GlobalID("Member", str(self.member_id))


def attendance_loader(info: Info) -> DataLoader:
    ctx = ctx_of(info)
    return _batched(info, "bl_attendance", lambda keys: meetings.attendance_of(ctx, keys))


def _by_id_loader(
    info: Info, name: str, fetch: Callable[[list[int]], dict[int, Any]]
) -> DataLoader:
    async def load(keys: list[int]) -> list[Any]:
        found = fetch(keys)
        return [found.get(k) for k in keys]

    return ctx_of(info).loader(name, lambda: DataLoader(load_fn=load))


def member_name_loader(info: Info) -> DataLoader:
    """Names of members by id, unscoped: attendance and flowing lists show the names of
    flowing members whose home branch is outside the viewer's scope (nothing else)."""
    from partygraph.models.member import Member

    session = ctx_of(info).session
    return _by_id_loader(
        info,
        "bl_member_names",
        lambda keys: dict(
            session.execute(select(col(Member.id), col(Member.name)).where(col(Member.id).in_(keys))).all()
        ),
    )


def org_name_loader(info: Info) -> DataLoader:
    """Names of organisations by id, unscoped (a flowing member's branch of life away)."""
    from partygraph.models.organization import Organization

    session = ctx_of(info).session
    return _by_id_loader(
        info,
        "bl_org_names",
        lambda keys: dict(
            session.execute(
                select(col(Organization.id), col(Organization.name)).where(col(Organization.id).in_(keys))
            ).all()
        ),
    )


def row_loader(info: Info, model: Any, name: str) -> DataLoader:
    """Rows by id, for links between rows already scoped by their parent (election → meeting)."""
    session = ctx_of(info).session
    return _by_id_loader(
        info,
        name,
        lambda keys: {
            r.id: r for r in session.execute(select(model).where(model.id.in_(keys))).scalars()
        },
    )


async def attendance_of_meeting(info: Info, meeting_id: int) -> list[MeetingAttendanceType]:
    rows = await attendance_loader(info).load(meeting_id)
    names = dict(
        zip(
            [r.member_id for r in rows],
            await member_name_loader(info).load_many([r.member_id for r in rows]),
            strict=True,
        )
    )
    return [
        MeetingAttendanceType(
            status=AttendanceStatus(r.status),
            reason=r.reason,
            voting=r.voting,
            away=r.away,
            member_id=r.member_id,
            member_name=names.get(r.member_id, ""),
        )
        for r in rows
    ]


@strawberry.type(
    description="A meeting with its attendance (the meeting record of `Meeting`, plus who came), "
    "its chair and recorder, the documents it refers to and the history of its changes."
)
class MeetingRecord:
    meeting: MeetingType
    meeting_id: strawberry.Private[int]

    @strawberry.field
    async def attendance(self, info: Info) -> list[MeetingAttendanceType]:
        return await attendance_of_meeting(info, self.meeting_id)

    @strawberry.field(
        description="References to the paper or scanned documents (file numbers, archive places)."
    )
    def attachments(self) -> list[str]:
        return list(self.meeting.attachments or [])

    @strawberry.field(
        name="chairMemberId",
        description="The chair chosen from the roster (also a flowing member away from home).",
    )
    def chair_member_gid(self) -> relay.GlobalID | None:
        mid = self.meeting.chair_member_id
        return None if mid is None else relay.GlobalID("Member", str(mid))

    @strawberry.field(
        description="The chair's member record, when in your scope (the lecturer of a party lecture, R-LIFE-10)."
    )
    async def chair_member(self, info: Info) -> MemberType | None:
        mid = self.meeting.chair_member_id
        return None if mid is None else await loaders.member(ctx_of(info)).load(mid)

    @strawberry.field(name="recorderMemberId", description="The recorder chosen from the roster.")
    def recorder_member_gid(self) -> relay.GlobalID | None:
        mid = self.meeting.recorder_member_id
        return None if mid is None else relay.GlobalID("Member", str(mid))

    @strawberry.field(description="The recorder's member record, when in your scope.")
    async def recorder_member(self, info: Info) -> MemberType | None:
        mid = self.meeting.recorder_member_id
        return None if mid is None else await loaders.member(ctx_of(info)).load(mid)

    @strawberry.field(description="The election held at this meeting, if any.")
    async def election(self, info: Info) -> ElectionType | None:
        session = ctx_of(info).session

        def fetch(keys: list[int]) -> dict[int, Any]:
            rows = session.execute(
                select(mm.Election)
                .where(col(mm.Election.meeting_id).in_(keys))
                .order_by(col(mm.Election.id).desc())
            ).scalars()
            return {e.meeting_id: e for e in rows}  # the first election of a meeting wins

        return await _by_id_loader(info, "bl_meeting_election", fetch).load(self.meeting_id)

    @strawberry.field(
        description="True when votes, an election or four-step steps cite this meeting: its date and kind "
        "can no longer change (R-MEETING-DECIDED)."
    )
    async def date_and_kind_fixed(self, info: Info) -> bool:
        ctx = ctx_of(info)
        return bool(
            await _by_id_loader(
                info, "bl_meeting_citations", lambda keys: service.citations_of(ctx, keys)
            ).load(self.meeting_id)
        )

    @strawberry.field(
        description="Every change of the meeting and its attendance: who, when, before → after. Newest first."
    )
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Meeting", self.meeting_id, min(first, 200))

    @strawberry.field(description="Present, excused, absent: counts.")
    async def counts(self, info: Info) -> AttendanceCounts:
        rows = await attendance_loader(info).load(self.meeting_id)
        return AttendanceCounts(
            present=sum(1 for r in rows if r.status == "present"),
            excused=sum(1 for r in rows if r.status == "excused"),
            absent=sum(1 for r in rows if r.status == "absent"),
            away=sum(1 for r in rows if r.away),
        )


@strawberry.type
class AttendanceCounts:
    present: int
    excused: int
    absent: int
    away: int


# --- calendar ------------------------------------------------------------------------------


@strawberry.type(description="One period of one kind: required (planned) vs held.")
class CalendarPeriod:
    start: date
    end: date
    planned: int
    held: int
    missed: bool = strawberry.field(description="Over (before today) with fewer held than planned.")
    label_zh: str
    label_en: str

    @strawberry.field
    def label(self, info: Info) -> str:
        return _text(info, self.label_zh, self.label_en)


@strawberry.type(description="One kind of meeting over the year.")
class CalendarKind:
    kind: MeetingKind
    code: str | None = strawberry.field(description="The rule (R-LIFE-xx); none when not required.")
    period: LifePeriod
    planned: int
    held: int
    missed: int
    periods: list[CalendarPeriod]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, mm.MEETING_KIND_LABELS[mm.MeetingKind(self.kind)])


@strawberry.type(description="A year of an organisation's life: planned vs held by kind.")
class BranchCalendar:
    year: int
    kinds: list[CalendarKind]
    org_id: strawberry.Private[int]

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)


def calendar_of(
    org_id: int, year: int, rows: list[service.CalendarRow], today: date
) -> BranchCalendar:
    kinds = []
    for row in rows:
        periods = []
        for p in row.periods:
            zh, en = rules.period_name(p.start, row.period)
            periods.append(
                CalendarPeriod(
                    start=p.start,
                    end=p.end,
                    planned=p.required,
                    held=p.held,
                    missed=p.missed and p.end < today,
                    label_zh=zh,
                    label_en=en,
                )
            )
        kinds.append(
            CalendarKind(
                kind=MeetingKind(row.kind),
                code=row.code or None,
                period=LifePeriod(row.period),
                planned=sum(p.planned for p in periods),
                held=sum(p.held for p in periods),
                missed=sum(1 for p in periods if p.missed),
                periods=periods,
            )
        )
    return BranchCalendar(year=year, kinds=kinds, org_id=org_id)


# --- terms and elections -------------------------------------------------------------------


@strawberry.type(name="TermMember", description="An elected member of a term and their post.")
class TermMemberType:
    name: str
    post: str
    member_id: strawberry.Private[int | None]

    @strawberry.field
    def post_label(self, info: Info) -> str:
        zh, en = service.post_label(self.post)
        return _text(info, zh, en)

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return (
            None
            if self.member_id is None
            else await loaders.member(ctx_of(info)).load(self.member_id)
        )


@strawberry.type(
    name="Term",
    description="A term of office (届) of a branch committee, general branch or base committee.",
)
class TermType(Node, model=mm.Term):
    id: relay.NodeID[int]
    starts_on: date
    years: int
    ends_on: date
    status: str = strawberry.field(description="current, or ended when the next term began.")
    ended_on: date | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    election_id: strawberry.Private[int | None]
    org_id: strawberry.Private[int]

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field
    async def members(self, info: Info) -> list[TermMemberType]:
        ctx = ctx_of(info)
        rows = await _batched(
            info, "bl_term_members", lambda keys: service.term_members(ctx, keys)
        ).load(self.id)
        return [TermMemberType(name=r.name, post=r.post, member_id=r.member_id) for r in rows]

    @strawberry.field(
        description="R-ORG-TERM today: ending within 90 days or past (current terms only)."
    )
    def alert(self, info: Info) -> BranchLifeAlert | None:
        if self.status != "current":
            return None
        ctx = ctx_of(info)
        a = rules.term_alert(self.ends_on, ctx.today(), service.life_settings(ctx))
        return None if a is None else BranchLifeAlert.of(a, self.org_id, None)

    @strawberry.field
    async def election(self, info: Info) -> ElectionType | None:
        eid = self.election_id
        return (
            None if eid is None else await row_loader(info, mm.Election, "bl_elections").load(eid)
        )


@strawberry.type(name="ElectionCandidate")
class ElectionCandidateType:
    name: str
    votes: int
    elected: bool
    tied: bool = strawberry.field(
        description="Tied for the last seat: not elected, the seat stays unfilled."
    )
    member_id: strawberry.Private[int | None]

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return (
            None
            if self.member_id is None
            else await loaders.member(ctx_of(info)).load(self.member_id)
        )


@strawberry.type(
    name="Election", description="An election at a branch general meeting (R-ELEC-01..03)."
)
class ElectionType(Node, model=mm.Election):
    id: relay.NodeID[int]
    held_on: date
    seats: int
    should_attend: int
    present: int
    valid: bool
    votes_needed: int = strawberry.field(
        description="The fewest votes that elect: more than half of those present."
    )
    seats_unfilled: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    meeting_id: strawberry.Private[int]
    org_id: strawberry.Private[int]

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(description="The general meeting that held the election.")
    async def meeting(self, info: Info) -> MeetingType | None:
        return await row_loader(info, mm.Meeting, "bl_meetings").load(self.meeting_id)

    @strawberry.field(description="Most votes first.")
    async def candidates(self, info: Info) -> list[ElectionCandidateType]:
        ctx = ctx_of(info)
        rows = await _batched(
            info, "bl_election_candidates", lambda keys: service.election_candidates(ctx, keys)
        ).load(self.id)
        return [
            ElectionCandidateType(
                name=r.name, votes=r.votes, elected=r.elected, tied=r.tied, member_id=r.member_id
            )
            for r in rows
        ]


@strawberry.type(description="The election arithmetic as the clerk types (no record is written).")
class ElectionExplanation:
    valid: bool
    code: str | None = strawberry.field(
        description="Why not valid (R-VOTE-00, R-ELEC-01, R-ELEC-02)."
    )
    message: str | None
    quorum_needed: int = strawberry.field(
        description="The fewest present that make it valid (more than 4/5)."
    )
    votes_needed: int = strawberry.field(
        description="The fewest votes that elect (more than half of those present)."
    )
    min_candidates: int = strawberry.field(
        description="R-ELEC-01: at least 20% more candidates than seats."
    )
    elected: list[int] = strawberry.field(
        description="Positions (0-based) in `votes` of those elected."
    )
    tied: list[int] = strawberry.field(
        description="Positions tied for the last seat (not elected)."
    )
    seats_unfilled: int
    text: str


# --- four-step items -----------------------------------------------------------------------


@strawberry.type(name="FourStepRecord", description="One dated step of a four-step item.")
class FourStepRecordType:
    step: FourStep
    on: date
    passed: bool | None
    should_attend: int | None
    present: int | None
    yes: int | None
    no: int | None
    abstain: int | None
    majority: str | None
    record: str | None
    documents: list[str]

    @strawberry.field
    def step_label(self, info: Info) -> str:
        return label(
            info, rules.FOUR_STEP_LABELS[rules.FourStep(enum_value(self.step))]
        )

    @strawberry.field(description="The assembly's arithmetic in words (assembly step only).")
    def explanation(self, info: Info) -> str | None:
        if self.yes is None or self.should_attend is None or self.present is None:
            return None
        zh, en = rules.assembly_explanation(
            rules.AssemblyTally(
                self.should_attend, self.present, self.yes, self.no or 0, self.abstain or 0
            ),
            service.life_settings(ctx_of(info)),
        )
        return _text(info, zh, en)

    @staticmethod
    def from_row(r: mm.FourStepRecord) -> FourStepRecordType:
        return FourStepRecordType(
            step=FourStep(r.step), on=r.on, passed=r.passed, should_attend=r.should_attend, present=r.present, yes=r.yes,
            no=r.no, abstain=r.abstain, majority=r.majority, record=r.record, documents=list(r.documents or []),
        )  # fmt: skip


@strawberry.type(
    name="FourStepItem", description="A village decision item under 四议两公开 (R-VIL-01..05)."
)
class FourStepItemType(Node, model=mm.FourStepItem):
    id: relay.NodeID[int]
    title: str
    description: str | None
    status: FourStepStatus
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(
            info,
            rules.FOUR_STEP_STATUS_LABELS[
                rules.FourStepStatus(enum_value(self.status))
            ],
        )

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    async def _rows(self, info: Info) -> list[mm.FourStepRecord]:
        ctx = ctx_of(info)
        return await _batched(
            info, "bl_four_steps", lambda keys: service.item_steps(ctx, keys)
        ).load(self.id)

    @strawberry.field(description="Every step recorded, in order.")
    async def steps(self, info: Info) -> list[FourStepRecordType]:
        return [FourStepRecordType.from_row(r) for r in await FourStepItemType._rows(self, info)]

    @strawberry.field(description="The step that may be recorded next; none when the item ended.")
    async def next_step(self, info: Info) -> FourStep | None:
        rows = await FourStepItemType._rows(self, info)
        n = rules.next_four_step(service.entries_of(rows))
        return None if n is None else FourStep(n.value)

    @strawberry.field
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "FourStepItem", self.id, min(first, 200))


# --- flowing and lost contact --------------------------------------------------------------


@strawberry.type(
    name="FlowingMember",
    description="A flowing member (流动党员) and where they take part in life.",
)
class FlowingMemberType:
    member_name: str
    workplace: str | None
    certificate: str | None
    contact_name: str | None
    contact_phone: str | None
    away_meetings: int = strawberry.field(
        description="Meetings attended (present) at the branch of life away."
    )
    member_id: strawberry.Private[int]
    home_org_id: strawberry.Private[int]
    life_org_id: strawberry.Private[int | None]

    @strawberry.field(name="memberId")
    def member_gid(self) -> relay.GlobalID:
        return relay.GlobalID("Member", str(self.member_id))

    @strawberry.field(description="The member record, when their home branch is in your scope.")
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field(description="The home branch, when in your scope.")
    async def home_organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.home_org_id)

    @strawberry.field(description="Where they take part in life, when in your scope.")
    async def life_organization(self, info: Info) -> OrganizationType | None:
        return (
            None
            if self.life_org_id is None
            else await loaders.org(ctx_of(info)).load(self.life_org_id)
        )

    @strawberry.field(
        description="The name of the branch of life away, even when it is outside your scope."
    )
    async def life_organization_name(self, info: Info) -> str | None:
        return (
            None if self.life_org_id is None else await org_name_loader(info).load(self.life_org_id)
        )


@strawberry.type(name="ContactAttempt")
class ContactAttemptType:
    on: date
    method: str
    outcome: str | None


@strawberry.type(
    name="LostContact", description="A spell of lost contact with the attempts to reach the member."
)
class LostContactType(Node, model=mm.LostContactRecord):
    id: relay.NodeID[int]
    lost_on: date
    found_on: date | None
    note: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field
    async def attempts(self, info: Info) -> list[ContactAttemptType]:
        ctx = ctx_of(info)
        rows = await _batched(
            info, "bl_attempts", lambda keys: service.contact_attempts(ctx, keys)
        ).load(self.id)
        return [ContactAttemptType(on=a.on, method=a.method, outcome=a.outcome) for a in rows]

    @strawberry.field(description="Months out of contact until today (or until found).")
    def months(self, info: Info) -> int:
        end = self.found_on or ctx_of(info).today()
        return (
            (end.year - self.lost_on.year) * 12
            + end.month
            - self.lost_on.month
            - (end.day < self.lost_on.day)
        )


@strawberry.type(
    name="DutyLapse",
    description="Since when a member paid no dues and did no assigned work, as the clerk recorded it "
    "(R-MEM-01; attendance comes from the meeting records). The newest recording counts.",
)
class DutyLapseType:
    no_dues_since: date | None
    no_work_since: date | None
    recorded_on: date

    @staticmethod
    def from_row(r: mm.DutyLapse) -> DutyLapseType:
        return DutyLapseType(
            no_dues_since=r.no_dues_since, no_work_since=r.no_work_since, recorded_on=r.recorded_on
        )


@strawberry.type(
    name="MemberFlagDecision", description="A person's recorded decision on an R-MEM flag."
)
class MemberFlagType:
    code: str
    raised_on: date
    decision: str
    decided_on: date
    note: str
    decided_by_name: str | None


# --- alerts --------------------------------------------------------------------------------


@strawberry.type(
    name="BranchLifeAlert",
    description="A missed meeting (R-LIFE-01..07), a term ending or past (R-ORG-TERM), an R-MEM-01/02 flag.",
)
class BranchLifeAlert(AlertInterface):
    code: str
    message: str = strawberry.field(resolver=message_in_language)
    message_zh: str
    message_en: str
    due_on: date | None
    extra: JSON
    org_id: strawberry.Private[int]
    member_id: strawberry.Private[int | None]

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(description="The member concerned (R-MEM flags).")
    async def member(self, info: Info) -> MemberType | None:
        return (
            None
            if self.member_id is None
            else await loaders.member(ctx_of(info)).load(self.member_id)
        )

    @staticmethod
    def of(a: Alert, org_id: int, member_id: int | None) -> BranchLifeAlert:
        extra = {
            k: (v.isoformat() if isinstance(v, date) else v) for k, v in (a.extra or {}).items()
        }
        return BranchLifeAlert(
            code=a.code, message_zh=a.message_zh, message_en=a.message_en, due_on=a.due_on, extra=JSON(extra),
            org_id=org_id, member_id=member_id,
        )  # fmt: skip


NODE_TYPES = [TermType, ElectionType, FourStepItemType, LostContactType]
