"""Mutations of branch life: meetings with attendance (recorded, then corrected), terms,
elections, four-step items, flowing and lost-contact members, the R-MEM-01 recordings and the
R-MEM flag decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, overload

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql.errors import MutationError, run_mutation, run_service
from partygraph.graphql.mutations.candidate import MeetingDecisionInput
from partygraph.graphql.mutations.inputs import db_id, service_args
from partygraph.graphql.types.branch_life import (
    AttendanceStatus,
    ElectionType,
    FlowingMemberType,
    FourStep,
    FourStepItemType,
    FourStepRecordType,
    LostContactType,
    MeetingRecord,
    MemberFlagType,
    TermType,
)
from partygraph.graphql.types.candidate import MeetingKind, MeetingType
from partygraph.graphql.types.common import resolves_as
from partygraph.graphql.types.member import MemberType
from partygraph.models.meeting import FlowingProfile, Meeting
from partygraph.rules.branch_life import AssemblyTally
from partygraph.services import branch_life as service
from partygraph.services import meeting as meetings


@strawberry.input
class AttendanceInput:
    member_id: relay.GlobalID
    status: AttendanceStatus
    reason: str | None = strawberry.field(
        default=None, description="Required when excused (R-LIFE-09)."
    )


@strawberry.input(
    description="A meeting of any kind, with attendance ticked from the roster (and flowing members taking part here)."
)
class RecordBranchMeetingInput:
    org_id: relay.GlobalID
    kind: MeetingKind
    held_on: date
    place: str | None = None
    chair: str | None = None
    recorder: str | None = None
    chair_member_id: relay.GlobalID | None = None
    recorder_member_id: relay.GlobalID | None = None
    agenda: str | None = None
    minutes: str | None = None
    attachments: list[str] = strawberry.field(
        default_factory=list, description="References to paper or scanned documents."
    )
    attendance: list[AttendanceInput] = strawberry.field(default_factory=list)
    decisions: list[MeetingDecisionInput] = strawberry.field(default_factory=list)


@strawberry.type
class MeetingRecordPayload:
    record: MeetingRecord


@strawberry.input(
    description="Correct a recorded meeting: fields left out stay as they are (null clears the optional ones). "
    "A meeting that carries votes, an election or four-step steps keeps its date and kind (R-MEETING-DECIDED)."
)
class UpdateMeetingInput:
    id: relay.GlobalID
    version: int
    kind: MeetingKind | None = strawberry.UNSET
    held_on: date | None = strawberry.UNSET
    place: str | None = strawberry.UNSET
    chair: str | None = strawberry.UNSET
    recorder: str | None = strawberry.UNSET
    chair_member_id: relay.GlobalID | None = strawberry.UNSET
    recorder_member_id: relay.GlobalID | None = strawberry.UNSET
    agenda: str | None = strawberry.UNSET
    minutes: str | None = strawberry.UNSET
    attachments: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The whole list of document references (replaces the old one).",
    )


@strawberry.input
class TermMemberInput:
    post: str = strawberry.field(
        description="A PositionKind value: secretary, deputy_secretary, committee_member, …"
    )
    member_id: relay.GlobalID | None = None
    name: str | None = None


@strawberry.input(
    description="A new term; the current one ends the day before. Length defaults to the settings."
)
class StartTermInput:
    org_id: relay.GlobalID
    starts_on: date
    years: int | None = None
    members: list[TermMemberInput] = strawberry.field(default_factory=list)


@strawberry.type
class TermPayload:
    term: TermType


@strawberry.input
class ElectionCandidateInput:
    votes: int
    member_id: relay.GlobalID | None = None
    name: str | None = None
    post: str | None = strawberry.field(
        default=None, description="The post taken if elected (default committee_member)."
    )


@strawberry.input(
    description="An election at a branch general meeting; an invalid one is refused with its code."
)
class RecordElectionInput:
    org_id: relay.GlobalID
    held_on: date
    seats: int
    present: int
    candidates: list[ElectionCandidateInput]
    should_attend: int | None = strawberry.field(
        default=None, description="Default: the full members on the day."
    )
    meeting_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Default: a general meeting is recorded."
    )
    start_new_term: bool = True


@strawberry.type
class ElectionPayload:
    election: ElectionType


@strawberry.input
class CreateFourStepItemInput:
    org_id: relay.GlobalID
    title: str
    description: str | None = None


@strawberry.input(description="One step of a four-step item, in order (R-VIL-01..05).")
class RecordFourStepInput:
    item_id: relay.GlobalID
    version: int | None = None
    step: FourStep
    on: date
    passed: bool | None = strawberry.field(
        default=None, description="The two committees and the members' meeting: passed or not."
    )
    should_attend: int | None = strawberry.field(
        default=None, description="Assembly: representatives who should attend."
    )
    present: int | None = None
    yes: int | None = None
    no: int = 0
    abstain: int = 0
    meeting_id: relay.GlobalID | None = None
    record: str | None = None
    documents: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class FourStepItemPayload:
    item: FourStepItemType


@strawberry.type
class FourStepPayload:
    item: FourStepItemType
    step: FourStepRecordType


@strawberry.input
class SetFlowingInput:
    member_id: relay.GlobalID
    version: int | None = None
    workplace: str
    certificate: str | None = strawberry.field(default=None, description="流动党员活动证 number.")
    contact_member_id: relay.GlobalID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    life_org_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The branch where they take part in life."
    )


@strawberry.type
class FlowingPayload:
    member: MemberType
    flowing: FlowingMemberType


@strawberry.type(description="The member a branch-life change concerns, as it now stands.")
class BranchLifeMemberPayload:
    member: MemberType


@strawberry.type
class LostContactPayload:
    record: LostContactType


@strawberry.type
class MemberFlagPayload:
    decision: MemberFlagType
    member: MemberType


RecordBranchMeetingResult = Annotated[MeetingRecordPayload | MutationError, strawberry.union("RecordBranchMeetingResult")]
SetMeetingAttendanceResult = Annotated[MeetingRecordPayload | MutationError, strawberry.union("SetMeetingAttendanceResult")]
UpdateMeetingResult = Annotated[MeetingRecordPayload | MutationError, strawberry.union("UpdateMeetingResult")]
StartTermResult = Annotated[TermPayload | MutationError, strawberry.union("StartTermResult")]
RecordElectionResult = Annotated[ElectionPayload | MutationError, strawberry.union("RecordElectionResult")]
CreateFourStepItemResult = Annotated[FourStepItemPayload | MutationError, strawberry.union("CreateFourStepItemResult")]
RecordFourStepResult = Annotated[FourStepPayload | MutationError, strawberry.union("RecordFourStepResult")]
SetFlowingResult = Annotated[FlowingPayload | MutationError, strawberry.union("SetFlowingResult")]
EndFlowingResult = Annotated[BranchLifeMemberPayload | MutationError, strawberry.union("EndFlowingResult")]
RecordDutyLapseResult = Annotated[BranchLifeMemberPayload | MutationError, strawberry.union("RecordDutyLapseResult")]
LostContactResult = Annotated[LostContactPayload | MutationError, strawberry.union("LostContactResult")]
DecideMemberFlagResult = Annotated[MemberFlagPayload | MutationError, strawberry.union("DecideMemberFlagResult")]


@overload
def _member(gid: relay.GlobalID, field: str) -> int: ...
@overload
def _member(gid: relay.GlobalID | None, field: str) -> int | None: ...
def _member(gid: relay.GlobalID | None, field: str) -> int | None:
    return db_id(gid, "Member", field)


def _attendance(rows: list[AttendanceInput]) -> list[meetings.AttendanceInput]:
    return [meetings.AttendanceInput(**service_args(a, {"member_id": "Member"}, at=f"attendance.{i}")) for i, a in enumerate(rows)]


def _meeting_record(meeting: Meeting) -> MeetingRecordPayload:
    return MeetingRecordPayload(record=MeetingRecord(meeting=resolves_as(MeetingType, meeting), meeting_id=meeting.id))


@strawberry.type
class BranchLifeMutation:
    @strawberry.mutation(
        description="Record a meeting with attendance, chair/recorder, attachments and any votes."
    )
    def record_branch_meeting(self, info: Info, input: RecordBranchMeetingInput) -> RecordBranchMeetingResult:
        ids = {"org_id": "Organization", "chair_member_id": "Member", "recorder_member_id": "Member"}
        return run_mutation(
            info,
            lambda ctx: _meeting_record(meetings.record_meeting(
                ctx,
                attendance=_attendance(input.attendance),
                decisions=[
                    meetings.DecisionInput(**service_args(d, {"candidate_id": "Candidate"}, at=f"decisions.{i}"))
                    for i, d in enumerate(input.decisions)
                ],
                **service_args(input, ids, skip=("attendance", "decisions")),
            )),
        )  # fmt: skip

    @strawberry.mutation(
        description="Correct or complete a meeting's attendance (rows named are set; none deleted)."
    )
    def set_meeting_attendance(
        self,
        info: Info,
        meeting_id: relay.GlobalID,
        attendance: list[AttendanceInput],
        version: int | None = None,
    ) -> SetMeetingAttendanceResult:
        return run_mutation(
            info,
            lambda ctx: _meeting_record(
                meetings.set_attendance(ctx, db_id(meeting_id, "Meeting", "meeting_id"), _attendance(attendance), version=version)
            ),
        )

    @strawberry.mutation(
        description="Correct a recorded meeting (date, kind, place, chair, recorder, agenda, minutes, attachments); "
        "version-checked and audited. Date and kind stay fixed once votes, an election or four-step steps cite it."
    )
    def update_meeting(self, info: Info, input: UpdateMeetingInput) -> UpdateMeetingResult:
        def use_case(ctx: Context) -> MeetingRecordPayload:
            changes = service_args(input, {"chair_member_id": "Member", "recorder_member_id": "Member"}, skip=("version",))
            meeting = service.update_meeting(ctx, db_id(input.id, "Meeting", "id"), version=input.version, changes=changes)
            return _meeting_record(meeting)

        return run_mutation(info, use_case)

    @strawberry.mutation(
        description="Start a term of office (the current one ends the day before)."
    )
    def start_term(self, info: Info, input: StartTermInput) -> StartTermResult:
        return run_service(
            info,
            TermPayload,
            lambda ctx: service.start_term(
                ctx,
                members_in=[
                    service.TermMemberInput(**service_args(m, {"member_id": "Member"}, at=f"members.{i}")) for i, m in enumerate(input.members)
                ],
                **service_args(input, {"org_id": "Organization"}, skip=("members",)),
            ),
        )

    @strawberry.mutation(
        description="Record an election (R-ELEC-01..03): invalid ones are refused; a tie for the last seat leaves it unfilled."
    )
    def record_election(self, info: Info, input: RecordElectionInput) -> RecordElectionResult:
        ids = {"org_id": "Organization", "meeting_id": "Meeting"}
        return run_service(
            info,
            ElectionPayload,
            lambda ctx: service.record_election(
                ctx,
                candidates=[
                    service.ElectionCandidateInput(**service_args(c, {"member_id": "Member"}, at=f"candidates.{i}"))
                    for i, c in enumerate(input.candidates)
                ],
                **service_args(input, ids, skip=("candidates",)),
            ),
        )

    @strawberry.mutation(description="Open a village decision item under the four-step procedure.")
    def create_four_step_item(self, info: Info, input: CreateFourStepItemInput) -> CreateFourStepItemResult:
        return run_service(
            info, FourStepItemPayload, lambda ctx: service.create_item(ctx, **service_args(input, {"org_id": "Organization"}))
        )

    @strawberry.mutation(
        description="Record the next step of a four-step item; out of order → R-VIL-01."
    )
    def record_four_step(self, info: Info, input: RecordFourStepInput) -> RecordFourStepResult:
        tally = None
        if input.should_attend is not None or input.present is not None or input.yes is not None:
            tally = AssemblyTally(input.should_attend or 0, input.present or 0, input.yes or 0, input.no, input.abstain)
        counts = ("should_attend", "present", "yes", "no", "abstain")

        def use_case(ctx: Context) -> FourStepPayload:
            item, row = service.record_four_step(
                ctx,
                db_id(input.item_id, "FourStepItem", "item_id"),
                tally=tally,
                record_text=input.record,
                **service_args(input, {"meeting_id": "Meeting"}, skip=("item_id", "record", *counts)),
            )
            return FourStepPayload(item=resolves_as(FourStepItemType, item), step=FourStepRecordType.from_row(row))

        return run_mutation(info, use_case)

    @strawberry.mutation(
        description="Mark a member as flowing, with workplace, certificate, contact and branch of life."
    )
    def set_flowing(self, info: Info, input: SetFlowingInput) -> SetFlowingResult:
        def use_case(ctx):
            mid = _member(input.member_id, "member_id")
            ids = {"contact_member_id": "Member", "life_org_id": "Organization"}
            p: FlowingProfile = service.set_flowing(ctx, mid, **service_args(input, ids, skip=("member_id",)))
            from partygraph.services import member as members

            m = members.get(ctx, mid)
            return FlowingPayload(
                member=resolves_as(MemberType, m),
                flowing=FlowingMemberType(
                    member_name=m.name, workplace=m.flow_destination, certificate=m.flow_certificate,
                    contact_name=p.contact_name, contact_phone=p.contact_phone, away_meetings=0,
                    member_id=m.id, home_org_id=m.org_id, life_org_id=p.life_org_id,
                ),
            )  # fmt: skip

        return run_mutation(info, use_case)

    @strawberry.mutation(description="A flowing member came back (or settled): no longer flowing.")
    def end_flowing(
        self, info: Info, member_id: relay.GlobalID, on: date, version: int | None = None
    ) -> EndFlowingResult:
        return run_service(
            info,
            BranchLifeMemberPayload,
            lambda ctx: service.end_flowing(ctx, _member(member_id, "member_id"), on=on, version=version),
        )

    @strawberry.mutation(description="Record that contact with a member was lost, from a date.")
    def mark_lost_contact(
        self, info: Info, member_id: relay.GlobalID, lost_on: date, note: str | None = None
    ) -> LostContactResult:
        return run_service(
            info,
            LostContactPayload,
            lambda ctx: service.mark_lost_contact(ctx, _member(member_id, "member_id"), lost_on=lost_on, note=note),
        )

    @strawberry.mutation(description="Record an attempt to reach a member out of contact.")
    def add_contact_attempt(
        self,
        info: Info,
        record_id: relay.GlobalID,
        on: date,
        method: str,
        outcome: str | None = None,
    ) -> LostContactResult:
        def use_case(ctx):
            rid = db_id(record_id, "LostContact", "recordId")
            service.add_contact_attempt(ctx, rid, on=on, method=method, outcome=outcome)
            return LostContactPayload(record=resolves_as(LostContactType, service.get_lost_contact(ctx, rid)))

        return run_mutation(info, use_case)

    @strawberry.mutation(description="Contact restored: the spell ends.")
    def mark_contact_restored(
        self, info: Info, record_id: relay.GlobalID, on: date, version: int | None = None
    ) -> LostContactResult:
        return run_service(
            info,
            LostContactPayload,
            lambda ctx: service.mark_found(ctx, db_id(record_id, "LostContact", "record_id"), on=on, version=version),
        )

    @strawberry.mutation(
        description="Record since when a member paid no dues and did no assigned work (R-MEM-01); the newest "
        "recording counts, so both dates left out record that the member is back to their duties."
    )
    def record_duty_lapse(
        self,
        info: Info,
        member_id: relay.GlobalID,
        no_dues_since: date | None = None,
        no_work_since: date | None = None,
    ) -> RecordDutyLapseResult:
        def use_case(ctx):
            mid = _member(member_id, "memberId")
            service.record_duty_lapse(
                ctx, mid, no_dues_since=no_dues_since, no_work_since=no_work_since
            )
            from partygraph.services import member as members

            return BranchLifeMemberPayload(member=resolves_as(MemberType, members.get(ctx, mid)))

        return run_mutation(info, use_case)

    @strawberry.mutation(
        description="A person decides an R-MEM flag: flag R-MEM-01 / R-MEM-02-SUSPEND / R-MEM-02-REMOVE, "
        "decision remove / suspend / keep; remove and suspend change the member's status."
    )
    def decide_member_flag(
        self,
        info: Info,
        member_id: relay.GlobalID,
        flag: str,
        raised_on: date,
        decision: str,
        on: date,
        note: str,
    ) -> DecideMemberFlagResult:
        def use_case(ctx):
            mid = _member(member_id, "memberId")
            row = service.decide_flag(
                ctx, mid, flag=flag, raised_on=raised_on, decision=decision, on=on, note=note
            )
            from partygraph.services import member as members

            return MemberFlagPayload(
                decision=MemberFlagType(
                    code=row.code, raised_on=row.raised_on, decision=row.decision, decided_on=row.decided_on,
                    note=row.note, decided_by_name=row.decided_by_name,
                ),
                member=resolves_as(MemberType, members.get(ctx, mid)),
            )  # fmt: skip

        return run_mutation(info, use_case)
