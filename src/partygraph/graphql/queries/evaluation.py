"""Root fields of evaluations: rounds, outcomes, flags, follow-ups, cadres, organisation
assessments, model sites — each scoped, filterable by subtree and year — plus a member's
and a cadre's history and the evaluation alerts of a subtree."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, SQLColumnExpression
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, KeyOf, SortKey, paginate
from partygraph.graphql.types.common import ctx_of
from partygraph.graphql.types.evaluation import (
    AppointmentStatus,
    CadreAppointmentType,
    CadreAssessmentType,
    CadreCareer,
    EvaluationAlert,
    EvaluationRoundType,
    EvaluationSubjectType,
    FlagKind,
    FlagType,
    FollowUpKind,
    FollowUpType,
    Grade,
    ModelSiteStatus,
    ModelSiteType,
    OrgAssessmentType,
    OutcomeType,
    RoundStatus,
    alert_of,
    career_of,
    evaluations_of,
)
from partygraph.models import evaluation as m
from partygraph.models.evaluation import Flag
from partygraph.scope import path_range, scoped_select
from partygraph.services import evaluation as service
from partygraph.services import organization as org_service


@strawberry.input(description="Narrow an evaluation list: a subtree and/or a year.")
class EvaluationFilter:
    under: relay.GlobalID | None = strawberry.field(default=None, description="Only this organisation's subtree.")
    year: int | None = None


def _base(info: Info, model: Any, f: EvaluationFilter | None, year_col: SQLColumnExpression[int | None] | None) -> list[ColumnElement[bool]]:
    """`model`: a table model with an `org_path` column."""
    ctx = ctx_of(info)
    conds: list[ColumnElement[bool]] = []
    if f is not None and f.under is not None:
        org = org_service.get(ctx, db_id(f.under, "Organization", "under"))
        conds.append(path_range(col(model.org_path), org.path))
    if f is not None and f.year is not None and year_col is not None:
        conds.append(year_col == f.year)
    return conds


def _newest(model: Any) -> tuple[SortKey, KeyOf]:
    """Newest year first, then by id (descending keyset). `model`: a table model with a `year`."""
    return SortKey((col(model.year), col(model.id)), descending=True, parse=(int, int)), lambda x: (x.year, x.id)


@strawberry.type
class EvaluationQuery:
    @strawberry.field(description="Democratic-evaluation rounds in your scope, newest year first.")
    def evaluation_rounds(
        self,
        info: Info,
        filter: EvaluationFilter | None = None,
        status: RoundStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EvaluationRoundType]:
        R = m.EvaluationRound
        stmt = scoped_select(ctx_of(info), R, *_base(info, R, filter, col(R.year)))
        if status is not None:
            stmt = stmt.where(col(R.status) == status.value)
        sort, key = _newest(R)
        return paginate(info, stmt, sort, key, first=first, after=after)

    @strawberry.field(description="Outcomes (final grades) in your scope, newest year first.")
    def evaluation_outcomes(
        self,
        info: Info,
        filter: EvaluationFilter | None = None,
        grade: list[Grade] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OutcomeType]:
        O = m.Outcome  # noqa: E741
        stmt = scoped_select(ctx_of(info), O, *_base(info, O, filter, col(O.year)))
        if grade:
            stmt = stmt.where(col(O.grade).in_([g.value for g in grade]))
        sort, key = _newest(O)
        return paginate(info, stmt, sort, key, first=first, after=after)

    @strawberry.field(description="Flags for a person to act on (R-EVAL-04, R-CAD-02, R-ASSESS-01); open ones by default.")
    def evaluation_flags(
        self,
        info: Info,
        filter: EvaluationFilter | None = None,
        kind: list[FlagKind] | None = None,
        open: bool | None = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FlagType]:
        stmt = scoped_select(ctx_of(info), Flag, *_base(info, Flag, filter, col(Flag.year)))
        if kind:
            stmt = stmt.where(col(Flag.kind).in_([k.value for k in kind]))
        if open is True:
            stmt = stmt.where(col(Flag.resolved_on).is_(None))
        elif open is False:
            stmt = stmt.where(col(Flag.resolved_on).is_not(None))
        sort = SortKey((col(Flag.id),), descending=True, parse=(int,))
        return paginate(info, stmt, sort, lambda x: (x.id,), first=first, after=after)

    @strawberry.field(description="Follow-up tasks (warning talks, corrections, cadre warnings); `year` is the year created.")
    def evaluation_follow_ups(
        self,
        info: Info,
        filter: EvaluationFilter | None = None,
        kind: list[FollowUpKind] | None = None,
        open: bool | None = True,
        overdue: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FollowUpType]:
        F = m.FollowUp
        stmt = scoped_select(ctx_of(info), F, *_base(info, F, filter, None))
        if filter is not None and filter.year is not None:
            stmt = stmt.where(col(F.created_on) >= date(filter.year, 1, 1), col(F.created_on) <= date(filter.year, 12, 31))
        if kind:
            stmt = stmt.where(col(F.kind).in_([k.value for k in kind]))
        if open is True or overdue:
            stmt = stmt.where(col(F.done_on).is_(None))
        elif open is False:
            stmt = stmt.where(col(F.done_on).is_not(None))
        if overdue:
            stmt = stmt.where(col(F.due_on) < ctx_of(info).today())
        sort = SortKey((col(F.due_on), col(F.id)), parse=(date.fromisoformat, int))
        return paginate(info, stmt, sort, lambda x: (x.due_on, x.id), first=first, after=after)

    @strawberry.field(description="Cadre appointments in your scope; `year` is the year appointed.")
    def cadre_appointments(
        self,
        info: Info,
        filter: EvaluationFilter | None = None,
        status: list[AppointmentStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CadreAppointmentType]:
        A = m.CadreAppointment
        stmt = scoped_select(ctx_of(info), A, *_base(info, A, filter, None))
        if filter is not None and filter.year is not None:
            stmt = stmt.where(col(A.appointed_on) >= date(filter.year, 1, 1), col(A.appointed_on) <= date(filter.year, 12, 31))
        if status:
            stmt = stmt.where(col(A.status).in_([s.value for s in status]))
        sort = SortKey((col(A.appointed_on), col(A.id)), descending=True, parse=(date.fromisoformat, int))
        return paginate(info, stmt, sort, lambda x: (x.appointed_on, x.id), first=first, after=after)

    @strawberry.field(description="Yearly cadre assessments in your scope.")
    def cadre_assessments(
        self, info: Info, filter: EvaluationFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[CadreAssessmentType]:
        A = m.CadreAssessment
        sort, key = _newest(A)
        return paginate(info, scoped_select(ctx_of(info), A, *_base(info, A, filter, col(A.year))), sort, key, first=first, after=after)

    @strawberry.field(description="Yearly organisation assessments (述职评议, five goods, rank) in your scope.")
    def org_assessments(
        self, info: Info, filter: EvaluationFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[OrgAssessmentType]:
        A = m.OrgAssessment
        sort, key = _newest(A)
        return paginate(info, scoped_select(ctx_of(info), A, *_base(info, A, filter, col(A.year))), sort, key, first=first, after=after)

    @strawberry.field(description="Model sites (示范点) in your scope.")
    def model_sites(
        self,
        info: Info,
        filter: EvaluationFilter | None = None,
        status: ModelSiteStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ModelSiteType]:
        S = m.ModelSite
        stmt = scoped_select(ctx_of(info), S, *_base(info, S, filter, col(S.year)))
        if status is not None:
            stmt = stmt.where(col(S.status) == status.value)
        sort, key = _newest(S)
        return paginate(info, stmt, sort, key, first=first, after=after)

    @strawberry.field(description="A member's democratic-evaluation history, newest year first (empty when out of scope).")
    def member_evaluations(self, info: Info, member_id: relay.GlobalID) -> list[EvaluationSubjectType]:
        return evaluations_of(info, db_id(member_id, "Member", "memberId"))

    @strawberry.field(description="A cadre's career: appointments with trials, yearly assessments, events, step-down flags.")
    def cadre_career(self, info: Info, member_id: relay.GlobalID) -> CadreCareer | None:
        return career_of(info, db_id(member_id, "Member", "memberId"))

    @strawberry.field(description="Evaluation alerts under an organisation: open rounds past their year, overdue checkpoints and tasks, open flags.")
    def evaluation_alerts(self, info: Info, under: relay.GlobalID) -> list[EvaluationAlert]:
        ctx = ctx_of(info)
        org = org_service.get(ctx, db_id(under, "Organization", "under"))
        return [alert_of(a, ctx.lang) for a in service.alerts(ctx, org.path)]
