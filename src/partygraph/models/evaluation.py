"""Evaluations (评议 / 考核): member rounds, cadre appointments and assessments, organisation
assessments and model sites (docs/domain.md §5).

Every row that belongs to an organisation carries its path in a column ending in
`org_path`, so moving an organisation rewrites it with the rest (services.organization.move).
Nothing here is ever deleted: outcomes are replaced only through a versioned write with
an audit event, flags are resolved by a person, appointments end with a career event.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType, Versioned, utcnow


class RoundStatus(StrEnum):
    open = "open"
    closed = "closed"


class FollowUpKind(StrEnum):
    warning_talk = "warning_talk"  # R-EVAL-03: 基本合格 → a talk with help and a deadline
    correction = "correction"  # R-EVAL-02: 不合格, limited-time correction
    cadre_warning = "cadre_warning"  # R-CAD-02: a cadre warned; not corrected → step-down flag


class AppointmentStatus(StrEnum):
    in_trial = "in_trial"
    serving = "serving"
    ended = "ended"


class CareerEventKind(StrEnum):
    appointed = "appointed"
    trial_passed = "trial_passed"
    promoted = "promoted"
    moved = "moved"
    demoted = "demoted"
    stepped_down = "stepped_down"
    reappointed = "reappointed"


class ModelSiteStatus(StrEnum):
    designated = "designated"
    delisted = "delisted"


class EvaluationRound(Versioned, table=True):
    """民主评议党员: one round per branch per year."""

    __tablename__ = "evaluation_round"
    __table_args__ = (
        UniqueConstraint("org_id", "year", name="uq_evaluation_round_org_year"),
        Index("ix_evaluation_round_org_path_year", "org_path", "year", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    year: int = Field(nullable=False, index=True)
    status: str = Field(default=RoundStatus.open, max_length=12, nullable=False)
    opened_on: date = Field(nullable=False)
    closed_on: date | None = None
    closed_by: int | None = Field(default=None, foreign_key="account.id")
    notes: str | None = Field(default=None, max_length=2000)


class EvaluationSubject(Versioned, table=True):
    """A member in a round, with their standing when the round opened; the outcome lives here too."""

    __tablename__ = "evaluation_subject"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id", name="uq_evaluation_subject_round_member"),
        Index("ix_evaluation_subject_member", "member_id", "year"),
    )

    id: int = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", nullable=False, index=True)
    member_id: int = Field(foreign_key="member.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    year: int = Field(nullable=False)
    member_name: str = Field(max_length=60, nullable=False)
    member_status: str = Field(max_length=24, nullable=False)
    # A member who left the branch during the round (transferred out, deceased…) is taken
    # out of it with a reason, never deleted; joined_late marks one added after the opening.
    withdrawn_on: date | None = None
    withdrawn_reason: str | None = Field(default=None, max_length=500)
    added_on: date | None = None


class SourceResult(Versioned, table=True):
    """One source of 三评一审 for one member: tallies by grade, or per-rater entries."""

    __tablename__ = "evaluation_source_result"
    __table_args__ = (UniqueConstraint("subject_id", "source", name="uq_evaluation_source_subject"),)

    id: int = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="evaluation_subject.id", nullable=False, index=True)
    round_id: int = Field(foreign_key="evaluation_round.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    source: str = Field(max_length=20, nullable=False)
    tallies: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raters: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    entered_on: date = Field(nullable=False)
    entered_by: int | None = Field(default=None, foreign_key="account.id")


class Outcome(Versioned, table=True):
    """The final grade of a member in a round, with the committee's sign-off and any decision."""

    __tablename__ = "evaluation_outcome"

    id: int = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="evaluation_subject.id", nullable=False, unique=True)
    round_id: int = Field(foreign_key="evaluation_round.id", nullable=False, index=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    year: int = Field(nullable=False)
    grade: str = Field(max_length=24, nullable=False)
    decided_on: date = Field(nullable=False)
    decided_by: int | None = Field(default=None, foreign_key="account.id")
    decided_by_name: str | None = Field(default=None, max_length=60)
    signed_off_by: str | None = Field(default=None, max_length=120)
    decision: str | None = Field(default=None, max_length=24)
    decision_note: str | None = Field(default=None, max_length=1000)
    correction_deadline: date | None = None


class FollowUp(Versioned, table=True):
    """A task that follows from an outcome or a warning: a talk or a correction, with its deadline."""

    __tablename__ = "evaluation_follow_up"
    __table_args__ = (Index("ix_evaluation_follow_up_org_path_due", "org_path", "due_on"),)

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, nullable=False)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    subject_id: int | None = Field(default=None, foreign_key="evaluation_subject.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="cadre_appointment.id")
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    created_on: date = Field(nullable=False)
    due_on: date = Field(nullable=False)
    done_on: date | None = None
    corrected: bool | None = None
    note: str | None = Field(default=None, max_length=1000)


class Flag(Versioned, table=True):
    """Something the rules say must be acted on; a person resolves it with a decision."""

    __tablename__ = "evaluation_flag"
    __table_args__ = (Index("ix_evaluation_flag_org_path", "org_path", "resolved_on"),)

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, nullable=False)
    code: str = Field(max_length=16, nullable=False)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="cadre_appointment.id")
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    year: int | None = None
    raised_on: date = Field(nullable=False)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    details: str | None = Field(default=None, max_length=1000)
    resolved_on: date | None = None
    resolution: str | None = Field(default=None, max_length=1000)
    resolved_by: int | None = Field(default=None, foreign_key="account.id")


class CadreAppointment(Versioned, table=True):
    """A cadre's post (village secretary, committee member, village cadre, township leader)."""

    __tablename__ = "cadre_appointment"
    __table_args__ = (Index("ix_cadre_appointment_org_path", "org_path", "status"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    post: str = Field(max_length=32, nullable=False)
    title: str | None = Field(default=None, max_length=60)
    appointed_on: date = Field(nullable=False)
    trial: bool = Field(default=True, nullable=False)
    status: str = Field(default=AppointmentStatus.in_trial, max_length=12, nullable=False)
    ended_on: date | None = None
    end_reason: str | None = Field(default=None, max_length=1000)
    previous_id: int | None = Field(default=None, foreign_key="cadre_appointment.id")


class TrialCheckpoint(Versioned, table=True):
    """R-CAD-01: one of the 3-, 6- and 12-month checkpoints of a trial period."""

    __tablename__ = "cadre_trial_checkpoint"
    __table_args__ = (
        UniqueConstraint("appointment_id", "kind", name="uq_cadre_checkpoint_kind"),
        Index("ix_cadre_checkpoint_org_path_due", "org_path", "due_on"),
    )

    id: int = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="cadre_appointment.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    kind: str = Field(max_length=24, nullable=False)
    due_on: date = Field(nullable=False)
    done_on: date | None = None
    result: str | None = Field(default=None, max_length=12)
    evidence: str | None = Field(default=None, max_length=2000)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")


class CadreAssessment(Versioned, table=True):
    """Yearly assessment of a cadre: rating and rank from 考、评、定."""

    __tablename__ = "cadre_assessment"
    __table_args__ = (UniqueConstraint("member_id", "year", name="uq_cadre_assessment_member_year"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    appointment_id: int | None = Field(default=None, foreign_key="cadre_appointment.id")
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    year: int = Field(nullable=False)
    rating: str = Field(max_length=24, nullable=False)
    rank: int | None = None
    ranked: int | None = None
    mass_score: float | None = None  # 考: mass evaluation
    mutual_score: float | None = None  # 评: team mutual evaluation
    department_score: float | None = None  # 定: the department's overall evaluation
    assessed_on: date = Field(nullable=False)
    note: str | None = Field(default=None, max_length=1000)


class CareerEvent(SQLModel, table=True):
    """One step of a cadre's career: never edited, never deleted."""

    __tablename__ = "cadre_career_event"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    appointment_id: int | None = Field(default=None, foreign_key="cadre_appointment.id")
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    kind: str = Field(max_length=20, nullable=False)
    on: date = Field(nullable=False)
    post: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, max_length=1000)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class OrgAssessment(Versioned, table=True):
    """Yearly organisation assessment: the secretary's report and review (述职评议), five goods, rank."""

    __tablename__ = "org_assessment"
    __table_args__ = (UniqueConstraint("org_id", "year", name="uq_org_assessment_org_year"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    year: int = Field(nullable=False)
    secretary_id: int | None = Field(default=None, foreign_key="member.id")
    rating: str = Field(max_length=16, nullable=False)
    five_goods: dict[str, bool] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rank: int | None = None
    ranked: int | None = None
    assessed_on: date = Field(nullable=False)
    note: str | None = Field(default=None, max_length=1000)


class ModelSite(Versioned, table=True):
    """党建示范点: designated for a year with its criteria, reviewed yearly, de-listed with a reason."""

    __tablename__ = "model_site"
    __table_args__ = (UniqueConstraint("org_id", "year", name="uq_model_site_org_year"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    year: int = Field(nullable=False)
    criteria: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=ModelSiteStatus.designated, max_length=12, nullable=False)
    designated_on: date = Field(nullable=False)
    reviews: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    delisted_on: date | None = None
    delisted_reason: str | None = Field(default=None, max_length=1000)
