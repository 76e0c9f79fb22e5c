"""Candidates (发展党员): people on the way from application to full membership.

A candidate's file is the list of its `CandidateStep` rows, one per step of
docs/rules.md §1, in the order recorded. Steps are never edited or deleted;
`Candidate.stage` is a cache of `rules.pipeline.stage_of(steps)`, written by
the service together with each step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType, Versioned, key_type, utcnow


class Candidate(Versioned, table=True):
    __tablename__ = "candidate"
    __table_args__ = (
        Index("ix_candidate_org_path_stage", "org_path", "stage", "id"),
        Index("ix_candidate_org_name", "org_id", "name", "id"),
        Index("ix_candidate_pinyin", "name_pinyin"),
        Index("ix_candidate_initials", "name_initials"),
        Index("ix_candidate_phone", "phone"),
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
    phone: str | None = Field(default=None, max_length=20)
    id_number: str | None = Field(default=None, max_length=18, index=True)
    # rules.pipeline.Stage value, kept in step with the file by the service
    stage: str = Field(max_length=24, nullable=False, index=True)
    # rules.pipeline.Recommendation value, set when the activist is decided
    recommendation: str | None = Field(default=None, max_length=12)
    applied_on: date = Field(nullable=False)
    last_step_on: date = Field(nullable=False)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    notes: str | None = Field(default=None, max_length=2000)


class CandidateStep(SQLModel, table=True):
    """One dated step of a candidate's file: never edited, never deleted."""

    __tablename__ = "candidate_step"
    __table_args__ = (Index("ix_candidate_step_candidate", "candidate_id", "id"),)

    id: int = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the candidate's (distribution key)
    step: str = Field(max_length=32, nullable=False)
    on: date = Field(nullable=False)
    outcome: str | None = Field(default=None, max_length=16)
    # what rules.pipeline.StepRecord.data reads (contacts, introducers, training days,
    # notice end / place / objections, the vote tally…), JSON-safe values only
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # references to the paper or scanned documents of the step (the file can be rebuilt)
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decision_id: int | None = Field(default=None, foreign_key="meeting_decision.id")
    reason: str | None = Field(default=None, max_length=1000)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    recorded_by_name: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
