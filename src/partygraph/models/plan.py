"""Development plans (发展党员工作计划): a three-year plan and a yearly plan per organisation
(docs/domain.md §4: 县有宏观指导、乡有目标计划、村有具体实施; seeds 000 and 004: 目标管理, 月报告、
月通报, a missed plan is reported and costs points).

A plan holds number targets for its period (new activists, new development targets,
admissions as probationary members, conversions) and, optionally, the structure targets
its new members are measured against (in percent; NULL = the deployment's default of
`stats.targets_of`). Progress is never stored: it is counted from the candidates' steps
(`services.plan.progress`). A plan is never deleted: it is withdrawn (`status`,
`withdrawn_at`, `withdrawn_reason`); at most one live (draft or adopted) plan exists per
organisation, kind and first year. The kinds, statuses and the names of the number and
structure targets are in `rules.plan`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, text
from sqlmodel import Field

from partygraph.models.common import PathType, Versioned


class DevelopmentPlan(Versioned, table=True):
    __tablename__ = "development_plan"
    __table_args__ = (
        Index("ix_development_plan_org_path_year", "org_path", "first_year", "id"),
        # At most one live plan per organisation, kind and first year; withdrawn ones stay.
        Index(
            "uq_development_plan_live",
            "org_id",
            "kind",
            "first_year",
            unique=True,
            sqlite_where=text("status <> 'withdrawn'"),
            postgresql_where=text("status <> 'withdrawn'"),
        ),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    kind: str = Field(max_length=12, nullable=False)  # rules.plan.PlanKind
    first_year: int = Field(nullable=False)
    last_year: int = Field(nullable=False)
    new_activists: int = Field(default=0, nullable=False)
    new_targets: int = Field(default=0, nullable=False)
    admissions: int = Field(default=0, nullable=False)
    conversions: int = Field(default=0, nullable=False)
    # structure targets in percent of the period's new members; NULL = the default
    age_le35_pct: int | None = None
    junior_high_plus_pct: int | None = None
    senior_high_plus_pct: int | None = None
    junior_college_plus_pct: int | None = None
    women_pct: int | None = None
    front_line_pct: int | None = None
    notes: str | None = Field(default=None, max_length=2000)
    status: str = Field(default="draft", max_length=12, nullable=False)  # rules.plan.PlanStatus
    adopted_on: date | None = None
    adopted_by: int | None = Field(default=None, foreign_key="account.id")
    withdrawn_at: datetime | None = None
    withdrawn_by: int | None = Field(default=None, foreign_key="account.id")
    withdrawn_reason: str | None = Field(default=None, max_length=1000)
    created_by: int | None = Field(default=None, foreign_key="account.id")
