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

from partygraph.graphql.lists import scoped_page, under_conditions, under_org
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey
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
from partygraph.services import evaluation as service


@strawberry.input(description="Narrow an evaluation list: a subtree and/or a year.")
class EvaluationFilter:
    under: relay.GlobalID | None = strawberry.field(default=None, description="Only this organisation's subtree.")
    year: int | None = None


def _base(info: Info, model: Any, f: EvaluationFilter | None, year_col: SQLColumnExpression[int | None] | None) -> list[ColumnElement[bool]]:
    """The filter's subtree, and its year on `year_col` (None: the list reads the year itself)."""
    conds = under_conditions(ctx_of(info), model, f.under if f is not None else None)
    if f is not None and f.year is not None and year_col is not None:
        conds.append(year_col == f.year)
    return conds


def _newest(model: Any) -> SortKey:
    """Newest year first, then by id (descending keyset). `model`: a table model with a `year`."""
    return SortKey((col(model.year), col(model.id)), descending=True)


def _in_year(column: SQLColumnExpression[date], f: EvaluationFilter | None) -> list[ColumnElement[bool]]:
    """A date column within the filter's year."""
    if f is None or f.year is None:
        return []
    return [column >= date(f.year, 1, 1), column <= date(f.year, 12, 31)]


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
        conds = _base(info, R, filter, col(R.year))
        if status is not None:
            conds.append(col(R.status) == status.value)
        return scoped_page(info, R, conds, _newest(R), first=first, after=after)

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
        conds = _base(info, O, filter, col(O.year))
        if grade:
            conds.append(col(O.grade).in_([g.value for g in grade]))
        return scoped_page(info, O, conds, _newest(O), first=first, after=after)

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
        conds = _base(info, Flag, filter, col(Flag.year))
        if kind:
            conds.append(col(Flag.kind).in_([k.value for k in kind]))
        if open is True:
            conds.append(col(Flag.resolved_on).is_(None))
        elif open is False:
            conds.append(col(Flag.resolved_on).is_not(None))
        return scoped_page(info, Flag, conds, SortKey((col(Flag.id),), descending=True), first=first, after=after)

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
        conds = _base(info, F, filter, None) + _in_year(col(F.created_on), filter)
        if kind:
            conds.append(col(F.kind).in_([k.value for k in kind]))
        if open is True or overdue:
            conds.append(col(F.done_on).is_(None))
        elif open is False:
            conds.append(col(F.done_on).is_not(None))
        if overdue:
            conds.append(col(F.due_on) < ctx_of(info).today())
        return scoped_page(info, F, conds, SortKey((col(F.due_on), col(F.id))), first=first, after=after)

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
        conds = _base(info, A, filter, None) + _in_year(col(A.appointed_on), filter)
        if status:
            conds.append(col(A.status).in_([s.value for s in status]))
        sort = SortKey((col(A.appointed_on), col(A.id)), descending=True)
        return scoped_page(info, A, conds, sort, first=first, after=after)

    @strawberry.field(description="Yearly cadre assessments in your scope.")
    def cadre_assessments(
        self, info: Info, filter: EvaluationFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[CadreAssessmentType]:
        A = m.CadreAssessment
        return scoped_page(info, A, _base(info, A, filter, col(A.year)), _newest(A), first=first, after=after)

    @strawberry.field(description="Yearly organisation assessments (述职评议, five goods, rank) in your scope.")
    def org_assessments(
        self, info: Info, filter: EvaluationFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[OrgAssessmentType]:
        A = m.OrgAssessment
        return scoped_page(info, A, _base(info, A, filter, col(A.year)), _newest(A), first=first, after=after)

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
        conds = _base(info, S, filter, col(S.year))
        if status is not None:
            conds.append(col(S.status) == status.value)
        return scoped_page(info, S, conds, _newest(S), first=first, after=after)

    @strawberry.field(description="A member's democratic-evaluation history, newest year first (empty when out of scope).")
    def member_evaluations(self, info: Info, member_id: relay.GlobalID) -> list[EvaluationSubjectType]:
        return evaluations_of(info, db_id(member_id, "Member", "memberId"))

    @strawberry.field(description="A cadre's career: appointments with trials, yearly assessments, events, step-down flags.")
    def cadre_career(self, info: Info, member_id: relay.GlobalID) -> CadreCareer | None:
        return career_of(info, db_id(member_id, "Member", "memberId"))

    @strawberry.field(description="Evaluation alerts under an organisation: open rounds past their year, overdue checkpoints and tasks, open flags.")
    def evaluation_alerts(self, info: Info, under: relay.GlobalID) -> list[EvaluationAlert]:
        ctx = ctx_of(info)
        org = under_org(ctx, under)
        return [] if org is None else [alert_of(a, ctx.lang) for a in service.alerts(ctx, org.path)]
