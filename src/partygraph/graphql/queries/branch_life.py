"""Root fields of branch life: meetings, one meeting's record, attendance, the calendar, terms,
elections, four-step items, flowing and lost-contact members, a member's R-MEM-01 recordings,
the branch-life alerts."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.errors import NotFoundError
from partygraph.graphql.lists import scoped_page, under_conditions, under_org
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey
from partygraph.graphql.types.branch_life import (
    BranchCalendar,
    BranchLifeAlert,
    DutyLapseType,
    ElectionExplanation,
    ElectionType,
    FlowingMemberType,
    FourStepItemType,
    FourStepStatus,
    LostContactType,
    MeetingAttendanceType,
    MeetingRecord,
    TermType,
    attendance_of_meeting,
    calendar_of,
)
from partygraph.graphql.types.candidate import MeetingKind, MeetingType
from partygraph.graphql.types.common import ctx_of, resolves_as
from partygraph.models import meeting as mm
from partygraph.models.member import Member
from partygraph.rules.votes import (
    ElectionTally,
    election_result,
    min_candidates,
    smallest_more_than,
)
from partygraph.scope import scoped_select
from partygraph.services import branch_life as service
from partygraph.services import meeting as meetings
from partygraph.services.base import require_viewer


@strawberry.input(description="Meeting list filters; every field narrows the list.")
class MeetingFilter:
    under: relay.GlobalID | None = strawberry.field(
        default=None, description="Only this organisation's subtree."
    )
    kind: list[MeetingKind] | None = None
    held_from: date | None = strawberry.field(default=None, description="On or after this date.")
    held_to: date | None = strawberry.field(default=None, description="On or before this date.")


def _meetings(info: Info, f: MeetingFilter | None, first: int | None, after: str | None) -> Connection[Any]:
    """Meetings newest first: `meetings` and `meetingRecords` page the same list."""
    f = f or MeetingFilter()
    conds = under_conditions(ctx_of(info), mm.Meeting, f.under)
    if f.kind:
        conds.append(col(mm.Meeting.kind).in_([k.value for k in f.kind]))
    if f.held_from:
        conds.append(col(mm.Meeting.held_on) >= f.held_from)
    if f.held_to:
        conds.append(col(mm.Meeting.held_on) <= f.held_to)
    sort = SortKey((col(mm.Meeting.held_on), col(mm.Meeting.id)), descending=True)
    return scoped_page(info, mm.Meeting, conds, sort, first=first, after=after)


@strawberry.type
class BranchLifeQuery:
    @strawberry.field(
        description="Meetings in your scope by kind, subtree and period; newest first."
    )
    def meetings(
        self,
        info: Info,
        filter: MeetingFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MeetingType]:
        return _meetings(info, filter, first, after)

    @strawberry.field(description="Meetings with their attendance; newest first.")
    def meeting_records(
        self,
        info: Info,
        filter: MeetingFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MeetingRecord]:
        conn = _meetings(info, filter, first, after)
        for e in conn.edges:
            e.node = MeetingRecord(meeting=e.node, meeting_id=e.node.id)
        return conn

    @strawberry.field(
        description="One meeting with its attendance, attachments and history; null when out of scope."
    )
    def meeting_record(self, info: Info, id: relay.GlobalID) -> MeetingRecord | None:
        ctx = ctx_of(info)
        try:
            m = meetings.get(ctx, db_id(id, "Meeting", "id"))
        except NotFoundError:
            return None
        return MeetingRecord(meeting=resolves_as(MeetingType, m), meeting_id=m.id)

    @strawberry.field(description="Who was present, excused or absent at a meeting.")
    async def meeting_attendance(
        self, info: Info, meeting_id: relay.GlobalID
    ) -> list[MeetingAttendanceType]:
        ctx = ctx_of(info)
        try:
            m = meetings.get(ctx, db_id(meeting_id, "Meeting", "meetingId"))
        except NotFoundError:
            return []
        return await attendance_of_meeting(info, m.id)

    @strawberry.field(
        description="A year of an organisation's meetings: planned (required) vs held, by kind."
    )
    def branch_calendar(
        self, info: Info, org_id: relay.GlobalID, year: int
    ) -> BranchCalendar | None:
        ctx = ctx_of(info)
        try:
            org, rows = service.calendar(ctx, db_id(org_id, "Organization", "orgId"), year)
        except NotFoundError:
            return None
        return calendar_of(org.id, year, rows, ctx.today())

    @strawberry.field(
        description="Terms of office in a subtree; current ones only unless asked. Soonest end first."
    )
    def terms(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        include_ended: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TermType]:
        conds = under_conditions(ctx_of(info), mm.Term, under)
        if not include_ended:
            conds.append(col(mm.Term.status) == "current")
        sort = SortKey((col(mm.Term.ends_on), col(mm.Term.id)))
        return scoped_page(info, mm.Term, conds, sort, first=first, after=after)

    @strawberry.field(description="Elections in a subtree, newest first.")
    def elections(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ElectionType]:
        conds = under_conditions(ctx_of(info), mm.Election, under)
        sort = SortKey((col(mm.Election.held_on), col(mm.Election.id)), descending=True)
        return scoped_page(info, mm.Election, conds, sort, first=first, after=after)

    @strawberry.field(description="Four-step (四议两公开) items in a subtree, newest first.")
    def four_step_items(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        status: list[FourStepStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FourStepItemType]:
        conds = under_conditions(ctx_of(info), mm.FourStepItem, under)
        if status:
            conds.append(col(mm.FourStepItem.status).in_([s.value for s in status]))
        sort = SortKey((col(mm.FourStepItem.id),), descending=True)
        return scoped_page(info, mm.FourStepItem, conds, sort, first=first, after=after)

    @strawberry.field(
        description="Flowing members whose home branch, or whose branch of life away, is in the subtree "
        "(a branch sees the flowing members who take part in its life)."
    )
    def flowing_members(
        self, info: Info, under: relay.GlobalID | None = None
    ) -> list[FlowingMemberType]:
        ctx = ctx_of(info)
        require_viewer(ctx)  # signed out: refused, not an empty list
        # Home or life away (scope.SCOPED_BY): a branch sees who takes part in its life.
        conds = under_conditions(ctx, mm.FlowingProfile, under)
        conds += [col(mm.FlowingProfile.left_on).is_(None), col(Member.flowing).is_(True)]
        rows = ctx.session.execute(
            scoped_select(ctx, mm.FlowingProfile)
            .add_columns(Member)
            .join(Member, col(Member.id) == mm.FlowingProfile.member_id)
            .where(*conds)
            .order_by(col(Member.name), col(Member.id))
        ).all()
        ids = [m.id for _, m in rows]
        away: dict[int, int] = {}
        if ids:
            away = dict(
                ctx.session.execute(
                    select(col(mm.MeetingAttendance.member_id), func.count())
                    .where(
                        col(mm.MeetingAttendance.member_id).in_(ids),
                        col(mm.MeetingAttendance.away).is_(True),
                        col(mm.MeetingAttendance.status) == "present",
                    )
                    .group_by(col(mm.MeetingAttendance.member_id))
                ).all()
            )
        return [
            FlowingMemberType(
                member_name=m.name,
                workplace=m.flow_destination,
                certificate=m.flow_certificate,
                contact_name=p.contact_name,
                contact_phone=p.contact_phone,
                away_meetings=away.get(m.id, 0),
                member_id=m.id,
                home_org_id=m.org_id,
                life_org_id=p.life_org_id,
            )
            for p, m in rows
        ]

    @strawberry.field(
        description="Members out of contact in a subtree (open spells only unless asked), longest first."
    )
    def lost_contact_members(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        include_found: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LostContactType]:
        R = mm.LostContactRecord
        conds = under_conditions(ctx_of(info), R, under)
        if not include_found:
            conds.append(col(R.found_on).is_(None))
        return scoped_page(info, R, conds, SortKey((col(R.lost_on), col(R.id))), first=first, after=after)

    @strawberry.field(
        description="A member's R-MEM-01 recordings (no dues, no assigned work since), newest first: the first counts."
    )
    def duty_lapses(self, info: Info, member_id: relay.GlobalID) -> list[DutyLapseType]:
        try:
            rows = service.duty_lapses(ctx_of(info), db_id(member_id, "Member", "memberId"))
        except NotFoundError:
            return []
        return [DutyLapseType.from_row(r) for r in rows]

    @strawberry.field(
        description="Branch-life alerts of a subtree: missed meetings (R-LIFE-01..07), terms ending or past "
        "(R-ORG-TERM), undecided R-MEM-01/02 flags. Soonest first."
    )
    def branch_life_alerts(self, info: Info, under: relay.GlobalID) -> list[BranchLifeAlert]:
        ctx = ctx_of(info)
        org = under_org(ctx, under)
        if org is None:
            return []
        found = service.branch_life_alerts(ctx, org.id)
        far = date.max
        found.sort(key=lambda s: (s.alert.due_on or far, s.alert.code, s.org_id, s.member_id or 0))
        return [BranchLifeAlert.of(s.alert, s.org_id, s.member_id) for s in found]

    @strawberry.field(
        description="The election arithmetic as the clerk types (R-ELEC-01..03); nothing is written."
    )
    def explain_election(
        self, info: Info, seats: int, should_attend: int, present: int, votes: list[int]
    ) -> ElectionExplanation:
        ctx = ctx_of(info)
        settings = service.life_settings(ctx).votes
        keys = [str(i) for i in range(len(votes))]
        res = election_result(
            ElectionTally(seats, should_attend, present, list(zip(keys, votes, strict=True))),
            settings=settings,
        )
        lang_zh = ctx.lang == "zh"
        quorum = smallest_more_than(settings.election_quorum, should_attend)
        if res.valid:
            names = lambda ks: "、".join(str(int(k) + 1) for k in ks) or "—"  # noqa: E731
            zh = (
                f"应到 {should_attend} 人，实到 {present} 人（须超过 4/5，至少 {quorum} 人）：选举有效；当选须超过实到人数的半数，"
                f"至少 {res.votes_needed} 票；当选：第 {names(res.elected)} 名候选人"
                + (
                    f"；第 {names(res.tied_for_last_seat)} 名得票相等，末位名额空缺 {res.seats_unfilled} 个"
                    if res.tied_for_last_seat
                    else ""
                )
            )
            en = (
                f"{should_attend} should attend, {present} present (more than 4/5 needed, at least {quorum}): valid; "
                f"electing takes at least {res.votes_needed} votes; elected: candidates {names(res.elected).replace('、', ', ')}"
                + (
                    f"; candidates {names(res.tied_for_last_seat).replace('、', ', ')} tied, {res.seats_unfilled} seat(s) unfilled"
                    if res.tied_for_last_seat
                    else ""
                )
            )
            text = zh if lang_zh else en
        else:
            assert res.reason is not None, "an election that is not valid carries its reason"
            text = res.reason.message_zh if lang_zh else res.reason.message_en
        return ElectionExplanation(
            valid=res.valid,
            code=res.reason.code if res.reason else None,
            message=(res.reason.message_zh if lang_zh else res.reason.message_en)
            if res.reason
            else None,
            quorum_needed=quorum,
            votes_needed=res.votes_needed,
            min_candidates=min_candidates(seats, settings=settings) if seats > 0 else 0,
            elected=[int(k) for k in res.elected],
            tied=[int(k) for k in res.tied_for_last_seat],
            seats_unfilled=res.seats_unfilled,
            text=text,
        )
