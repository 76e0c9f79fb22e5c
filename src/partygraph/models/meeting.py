"""Meetings of an organisation (三会一课 and the rest) and the decisions they take.

One meeting model for the whole application: the candidate pipeline records
branch general meetings and their votes here; branch life adds its kinds of
meeting to the same table.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType, Versioned, utcnow


class MeetingKind(StrEnum):
    general_meeting = "general_meeting"
    committee_meeting = "committee_meeting"
    group_meeting = "group_meeting"
    party_lecture = "party_lecture"
    theme_day = "theme_day"
    life_meeting = "life_meeting"
    democratic_life_meeting = "democratic_life_meeting"
    democratic_evaluation = "democratic_evaluation"


MEETING_KIND_LABELS: dict[MeetingKind, tuple[str, str]] = {
    MeetingKind.general_meeting: ("支部党员大会", "Branch general meeting"),
    MeetingKind.committee_meeting: ("支部委员会会议", "Branch committee meeting"),
    MeetingKind.group_meeting: ("党小组会", "Party group meeting"),
    MeetingKind.party_lecture: ("党课", "Party lecture"),
    MeetingKind.theme_day: ("主题党日", "Theme party day"),
    MeetingKind.life_meeting: ("组织生活会", "Organisational life meeting"),
    MeetingKind.democratic_life_meeting: ("民主生活会", "Democratic life meeting"),
    MeetingKind.democratic_evaluation: ("民主评议党员会议", "Democratic evaluation of members"),
}


class DecisionSubject(StrEnum):
    admission = "admission"
    conversion = "conversion"
    other = "other"


DECISION_SUBJECT_LABELS: dict[DecisionSubject, tuple[str, str]] = {
    DecisionSubject.admission: ("接收预备党员", "Admission"),
    DecisionSubject.conversion: ("预备党员转正", "Conversion"),
    DecisionSubject.other: ("其他事项", "Other"),
}


class Meeting(Versioned, table=True):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_org_path_held", "org_path", "held_on", "id"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    kind: str = Field(max_length=32, nullable=False)
    held_on: date = Field(nullable=False)
    place: str | None = Field(default=None, max_length=200)
    chair: str | None = Field(default=None, max_length=60)
    recorder: str | None = Field(default=None, max_length=60)
    chair_member_id: int | None = Field(default=None, foreign_key="member.id")
    recorder_member_id: int | None = Field(default=None, foreign_key="member.id")
    agenda: str | None = Field(default=None, max_length=2000)
    minutes: str | None = Field(default=None, max_length=20000)
    # references to the paper or scanned documents (file numbers, archive places)
    attachments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recorded_by: int | None = Field(default=None, foreign_key="account.id")


class MeetingDecision(SQLModel, table=True):
    """One motion voted at a meeting, with its tally and the rules' verdict (rules.votes)."""

    __tablename__ = "meeting_decision"

    id: int = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the meeting's (distribution key)
    subject: str = Field(max_length=24, nullable=False)
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    title: str | None = Field(default=None, max_length=200)
    should_attend: int = Field(nullable=False)
    present: int = Field(nullable=False)
    written_opinions: int = Field(default=0, nullable=False)
    yes: int = Field(default=0, nullable=False)
    no: int = Field(default=0, nullable=False)
    abstain: int = Field(default=0, nullable=False)
    valid: bool = Field(nullable=False)
    passed: bool = Field(nullable=False)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


# --- branch life: attendance, terms, elections, four-step items, flowing / lost contact -------
#
# Every table that belongs to an organisation carries its path in a column named
# `*org_path` (PathType), so `services.organization.move` rewrites it with the tree.


class AttendanceStatus(StrEnum):
    present = "present"
    excused = "excused"  # 请假, with a reason
    absent = "absent"  # absent without reason


ATTENDANCE_LABELS: dict[AttendanceStatus, tuple[str, str]] = {
    AttendanceStatus.present: ("出席", "Present"),
    AttendanceStatus.excused: ("请假", "Excused"),
    AttendanceStatus.absent: ("缺席", "Absent"),
}


class MeetingAttendance(SQLModel, table=True):
    """One member at one meeting. `away` marks a flowing member of another branch taking
    part in this branch's life (their `FlowingProfile.life_org_id` is the meeting's
    organisation); `member_org_path` is the member's home branch path."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id", name="uq_meeting_attendance_member"),
        Index("ix_meeting_attendance_member", "member_id", "meeting_id"),
    )

    id: int = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", nullable=False, index=True)
    member_id: int = Field(foreign_key="member.id", nullable=False)
    member_org_path: str = Field(sa_column=Column(PathType, nullable=False))
    status: str = Field(max_length=12, nullable=False)
    reason: str | None = Field(default=None, max_length=300)
    voting: bool = Field(default=True, nullable=False)  # probationary members attend without a vote
    away: bool = Field(default=False, nullable=False)


class Term(Versioned, table=True):
    """One term of office (届) of a branch committee, general branch or base committee."""

    __tablename__ = "term"
    __table_args__ = (Index("ix_term_org_path_ends", "org_path", "ends_on", "id"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    starts_on: date = Field(nullable=False)
    years: int = Field(nullable=False)
    ends_on: date = Field(nullable=False)
    # current → ended when a new term starts (never deleted)
    status: str = Field(default="current", max_length=12, nullable=False, index=True)
    ended_on: date | None = None
    election_id: int | None = Field(default=None, foreign_key="election.id")
    recorded_by: int | None = Field(default=None, foreign_key="account.id")


class TermMember(SQLModel, table=True):
    """An elected member of a term with their post (secretary, deputy, committee member…)."""

    __tablename__ = "term_member"

    id: int = Field(default=None, primary_key=True)
    term_id: int = Field(foreign_key="term.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the term's (distribution key)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    name: str = Field(max_length=60, nullable=False)
    post: str = Field(max_length=32, nullable=False)


class Election(SQLModel, table=True):
    """An election at a branch general meeting (the meeting record holds it: `meeting_id`)."""

    __tablename__ = "election"
    __table_args__ = (Index("ix_election_org_path_held", "org_path", "held_on", "id"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    meeting_id: int = Field(foreign_key="meeting.id", nullable=False, index=True)
    held_on: date = Field(nullable=False)
    seats: int = Field(nullable=False)
    should_attend: int = Field(nullable=False)
    present: int = Field(nullable=False)
    valid: bool = Field(nullable=False)
    votes_needed: int = Field(nullable=False)
    seats_unfilled: int = Field(default=0, nullable=False)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class ElectionCandidate(SQLModel, table=True):
    __tablename__ = "election_candidate"

    id: int = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the election's (distribution key)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    name: str = Field(max_length=60, nullable=False)
    votes: int = Field(nullable=False)
    elected: bool = Field(default=False, nullable=False)
    tied: bool = Field(default=False, nullable=False)  # tied for the last seat: not elected


class FourStepItem(Versioned, table=True):
    """A village decision item under the four-step procedure (四议两公开)."""

    __tablename__ = "four_step_item"
    __table_args__ = (Index("ix_four_step_item_org_path", "org_path", "id"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    title: str = Field(max_length=200, nullable=False)
    description: str | None = Field(default=None, max_length=4000)
    # rules.branch_life.FourStepStatus value, kept in step with the steps by the service
    status: str = Field(max_length=16, nullable=False, index=True)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")


class FourStepRecord(SQLModel, table=True):
    """One dated step of a four-step item: never edited, never deleted."""

    __tablename__ = "four_step_record"

    id: int = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="four_step_item.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the item's (distribution key)
    step: str = Field(max_length=24, nullable=False)
    on: date = Field(nullable=False)
    passed: bool | None = None  # the body's verdict (None for the notices)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    should_attend: int | None = None
    present: int | None = None
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    majority: str | None = Field(default=None, max_length=16)  # assembly: present / should_attend
    record: str | None = Field(default=None, max_length=4000)  # minutes, the notice's text or place
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class FlowingProfile(Versioned, table=True):
    """A flowing member's (流动党员) particulars beside the Member flags: where they work
    (`Member.flow_destination`), the certificate (`Member.flow_certificate`), a contact
    person at home and, optionally, the branch where they take part in life."""

    __tablename__ = "flowing_profile"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, unique=True)
    member_org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    contact_member_id: int | None = Field(default=None, foreign_key="member.id")
    contact_name: str | None = Field(default=None, max_length=60)
    contact_phone: str | None = Field(default=None, max_length=20)
    life_org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    life_org_path: str | None = Field(default=None, sa_column=Column(PathType, nullable=True))
    left_on: date | None = None


class LostContactRecord(Versioned, table=True):
    """A spell of lost contact (失去联系): from when, the attempts, until found (if ever)."""

    __tablename__ = "lost_contact_record"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    member_org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    lost_on: date = Field(nullable=False)
    found_on: date | None = None
    note: str | None = Field(default=None, max_length=1000)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")


class ContactAttempt(SQLModel, table=True):
    __tablename__ = "contact_attempt"

    id: int = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="lost_contact_record.id", nullable=False, index=True)
    # the record's member_org_path (distribution key)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    on: date = Field(nullable=False)
    method: str = Field(max_length=60, nullable=False)  # phone, visit, family, notice…
    outcome: str | None = Field(default=None, max_length=500)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class DutyLapse(SQLModel, table=True):
    """What the clerk records for R-MEM-01: since when a member has paid no dues and done
    no assigned work (attendance comes from the meeting records). One row per recording;
    the newest row counts."""

    __tablename__ = "duty_lapse"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    member_org_path: str = Field(sa_column=Column(PathType, nullable=False))
    no_dues_since: date | None = None
    no_work_since: date | None = None
    recorded_on: date = Field(nullable=False)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class MemberFlag(SQLModel, table=True):
    """A person's recorded decision on a flag the system raised (R-MEM-01, R-MEM-02)."""

    __tablename__ = "member_flag"
    __table_args__ = (Index("ix_member_flag_member_code", "member_id", "code"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False)
    member_org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    code: str = Field(max_length=24, nullable=False)  # R-MEM-01, R-MEM-02-SUSPEND, R-MEM-02-REMOVE
    raised_on: date = Field(nullable=False)
    decision: str = Field(max_length=16, nullable=False)  # rules.branch_life.FLAG_DECISIONS
    decided_on: date = Field(nullable=False)
    note: str = Field(max_length=1000, nullable=False)
    decided_by: int | None = Field(default=None, foreign_key="account.id")
    decided_by_name: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
