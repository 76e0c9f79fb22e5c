"""Members (党员), their positions, status events and relation transfers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType, Versioned, key_type, utcnow


class Gender(StrEnum):
    male = "male"
    female = "female"


GENDER_LABELS = {Gender.male: ("男", "Male"), Gender.female: ("女", "Female")}


class Education(StrEnum):
    primary = "primary"
    junior_high = "junior_high"
    senior_high = "senior_high"
    junior_college = "junior_college"
    bachelor = "bachelor"
    postgraduate = "postgraduate"


EDUCATION_LABELS = {
    Education.primary: ("小学及以下", "Primary or below"),
    Education.junior_high: ("初中", "Junior high"),
    Education.senior_high: ("高中/中专", "Senior high"),
    Education.junior_college: ("大专", "Junior college"),
    Education.bachelor: ("本科", "Bachelor"),
    Education.postgraduate: ("研究生", "Postgraduate"),
}
EDUCATION_RANK = {e: i for i, e in enumerate(Education)}


class MemberStatus(StrEnum):
    probationary = "probationary"
    full = "full"
    suspended = "suspended"
    transferred_out = "transferred_out"
    deceased = "deceased"
    left = "left"
    removed = "removed"
    expelled = "expelled"
    probation_cancelled = "probation_cancelled"


MEMBER_STATUS_LABELS = {
    MemberStatus.probationary: ("预备党员", "Probationary"),
    MemberStatus.full: ("正式党员", "Full member"),
    MemberStatus.suspended: ("停止党籍", "Membership suspended"),
    MemberStatus.transferred_out: ("已转出", "Transferred out"),
    MemberStatus.deceased: ("已去世", "Deceased"),
    MemberStatus.left: ("退党/自行脱党", "Left the party"),
    MemberStatus.removed: ("除名/劝退", "Removed"),
    MemberStatus.expelled: ("开除党籍", "Expelled"),
    MemberStatus.probation_cancelled: ("取消预备党员资格", "Probation cancelled"),
}

# On the roster: counted as members of their branch.
ACTIVE_STATUSES = frozenset({MemberStatus.probationary, MemberStatus.full})
# Full members vote; probationary members attend without a vote.
VOTING_STATUSES = frozenset({MemberStatus.full})


class PositionKind(StrEnum):
    secretary = "secretary"
    deputy_secretary = "deputy_secretary"
    committee_member = "committee_member"
    organisation_officer = "organisation_officer"
    discipline_officer = "discipline_officer"
    publicity_officer = "publicity_officer"
    group_leader = "group_leader"
    village_cadre = "village_cadre"
    village_director = "village_director"
    township_leader = "township_leader"


POSITION_LABELS = {
    PositionKind.secretary: ("书记", "Secretary"),
    PositionKind.deputy_secretary: ("副书记", "Deputy secretary"),
    PositionKind.committee_member: ("委员", "Committee member"),
    PositionKind.organisation_officer: ("组织委员", "Organisation officer"),
    PositionKind.discipline_officer: ("纪检委员", "Discipline officer"),
    PositionKind.publicity_officer: ("宣传委员", "Publicity officer"),
    PositionKind.group_leader: ("党小组组长", "Party group leader"),
    PositionKind.village_cadre: ("村干部", "Village cadre"),
    PositionKind.village_director: ("村委会主任", "Village committee director"),
    PositionKind.township_leader: ("乡镇领导", "Township leader"),
}

# The posts that make up a branch committee (支部委员会).
COMMITTEE_KINDS = frozenset(
    {
        PositionKind.secretary,
        PositionKind.deputy_secretary,
        PositionKind.committee_member,
        PositionKind.organisation_officer,
        PositionKind.discipline_officer,
        PositionKind.publicity_officer,
    }
)


class Member(Versioned, table=True):
    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_org_path_name", "org_path", "name", "id"),
        Index("ix_member_org_name", "org_id", "name", "id"),
        Index("ix_member_pinyin", "name_pinyin"),
        Index("ix_member_initials", "name_initials"),
        Index("ix_member_phone", "phone"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    name: str = Field(max_length=60, nullable=False)
    name_pinyin: str = Field(default="", sa_column=Column(key_type(240), nullable=False))
    name_initials: str = Field(default="", sa_column=Column(key_type(60), nullable=False))
    gender: str = Field(max_length=8, nullable=False)
    ethnicity: str = Field(default="汉族", max_length=20, nullable=False)
    birth_date: date = Field(nullable=False)
    education: str = Field(max_length=20, nullable=False)
    occupation: str | None = Field(default=None, max_length=60)
    front_line: bool = Field(default=False, nullable=False)
    rural: bool = Field(default=False, nullable=False)
    joined_on: date = Field(nullable=False)
    converted_on: date | None = None
    status: str = Field(max_length=24, nullable=False, index=True)
    status_since: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    id_number: str | None = Field(default=None, max_length=18, unique=True)
    pre_1949: bool = Field(default=False, nullable=False)
    flowing: bool = Field(default=False, nullable=False)
    flow_destination: str | None = Field(default=None, max_length=120)
    flow_certificate: str | None = Field(default=None, max_length=40)
    lost_contact: bool = Field(default=False, nullable=False)
    lost_contact_since: date | None = None
    in_difficulty: bool = Field(default=False, nullable=False)
    notes: str | None = Field(default=None, max_length=2000)


class MemberEvent(SQLModel, table=True):
    """One change of a member's standing: never edited, never deleted."""

    __tablename__ = "member_event"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the member's (distribution key)
    on: date = Field(nullable=False)
    kind: str = Field(max_length=32, nullable=False)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    org_id: int | None = Field(default=None, foreign_key="organization.id")
    reason: str | None = Field(default=None, max_length=1000)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class Position(Versioned, table=True):
    __tablename__ = "position"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    # the member's path (distribution key), not the path of `org_id` where the post is held
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    kind: str = Field(max_length=32, nullable=False)
    title: str | None = Field(default=None, max_length=60)
    start_on: date = Field(nullable=False)
    end_on: date | None = None


class TransferStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"
    cancelled = "cancelled"
    external = "external"


class Transfer(Versioned, table=True):
    """An organisation-relation transfer (组织关系转接)."""

    __tablename__ = "transfer"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    from_org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    from_org_path: str = Field(sa_column=Column(PathType, nullable=False))
    to_org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    to_org_path: str | None = Field(default=None, sa_column=Column(PathType, nullable=True))
    external_org_name: str | None = Field(default=None, max_length=200)
    letter_number: str | None = Field(default=None, max_length=60)
    status: str = Field(max_length=16, nullable=False, index=True)
    sent_on: date = Field(nullable=False)
    decided_on: date | None = None
    reason: str | None = Field(default=None, max_length=1000)
    decision_note: str | None = Field(default=None, max_length=1000)
    sent_by: int | None = Field(default=None, foreign_key="account.id")
    decided_by: int | None = Field(default=None, foreign_key="account.id")
