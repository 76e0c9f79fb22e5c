"""Root fields of assistance: cases, funds and their book, loans, pairings,
allowance eligibility and runs, alerts. Every list is limited to the viewer's scope."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import ColumnElement, or_, select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.filters import _escape_like, search_text
from partygraph.graphql.lists import scoped_page, under_conditions, under_org
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey
from partygraph.graphql.types.assistance import (
    AllowanceEligible,
    AllowanceKind,
    AllowancePreview,
    AllowanceRollStage,
    AllowanceRollType,
    AllowanceRunType,
    AssistanceAlert,
    AssistanceCaseStatus,
    AssistanceCaseType,
    AssistanceCause,
    Fen,
    FundDirection,
    FundEntryKind,
    FundEntryType,
    FundType,
    LoanStatus,
    LoanType,
    PairingType,
)
from partygraph.graphql.types.common import ctx_of, label, resolves_as, rows_as
from partygraph.graphql.types.member import MemberType
from partygraph.models import assistance as m
from partygraph.models.member import Member
from partygraph.rules import assistance as rules
from partygraph.scope import scoped_select
from partygraph.services import assistance as service


@strawberry.input(description="Ledger filters; every field narrows the list.")
class AssistanceCaseFilter:
    under: relay.GlobalID | None = strawberry.field(default=None, description="Only this organisation's subtree.")
    cause: list[AssistanceCause] | None = None
    status: list[AssistanceCaseStatus] | None = None
    overdue_review: bool | None = strawberry.field(default=None, description="Under help and past the yearly review date.")
    search: str | None = strawberry.field(default=None, description="The member's name contains.")


def case_conditions(info: Info, f: AssistanceCaseFilter | None) -> list[ColumnElement[bool]]:
    f = f or AssistanceCaseFilter()
    C = m.AssistanceCase
    conds = under_conditions(ctx_of(info), C, f.under)
    if f.cause:
        conds.append(col(C.cause).in_([c.value for c in f.cause]))
    if f.status:
        conds.append(col(C.status).in_([s.value for s in f.status]))
    today = ctx_of(info).today()
    overdue = (col(C.status) == rules.CaseStatus.helping.value) & (col(C.review_due_on) < today)
    if f.overdue_review is True:
        conds.append(overdue)
    elif f.overdue_review is False:
        conds.append(~overdue | col(C.review_due_on).is_(None))
    if f.search and f.search.strip():
        q = f"%{_escape_like(search_text(ctx_of(info), f.search))}%"
        conds.append(col(C.member_id).in_(select(col(Member.id)).where(or_(col(Member.name).like(q, escape="\\"), col(Member.name_pinyin).like(q.lower(), escape="\\")))))
    return conds


@strawberry.input(description="Fund book filters.")
class FundEntryFilter:
    fund: relay.GlobalID | None = None
    under: relay.GlobalID | None = strawberry.field(default=None, description="Funds held in this organisation's subtree.")
    direction: FundDirection | None = None
    kind: list[FundEntryKind] | None = None
    from_date: date | None = None
    to_date: date | None = None
    case: relay.GlobalID | None = None


@strawberry.input
class LoanFilter:
    under: relay.GlobalID | None = None
    fund: relay.GlobalID | None = None
    status: list[LoanStatus] | None = strawberry.field(default=None, description="active (repaying, not late), overdue, repaid.")


def entry_conditions(info: Info, f: FundEntryFilter | None) -> list[ColumnElement[bool]]:
    f = f or FundEntryFilter()
    E = m.FundEntry
    conds = under_conditions(ctx_of(info), E, f.under)
    if f.fund is not None:
        conds.append(col(E.fund_id) == db_id(f.fund, "Fund", "fund"))
    if f.direction is not None:
        conds.append(col(E.direction) == f.direction.value)
    if f.kind:
        conds.append(col(E.kind).in_([k.value for k in f.kind]))
    if f.from_date:
        conds.append(col(E.on) >= f.from_date)
    if f.to_date:
        conds.append(col(E.on) <= f.to_date)
    if f.case is not None:
        conds.append(col(E.case_id) == db_id(f.case, "AssistanceCase", "case"))
    return conds


def loan_conditions(info: Info, f: LoanFilter | None) -> list[ColumnElement[bool]]:
    f = f or LoanFilter()
    L = m.Loan
    conds = under_conditions(ctx_of(info), L, f.under)
    if f.fund is not None:
        conds.append(col(L.fund_id) == db_id(f.fund, "Fund", "fund"))
    if f.status:
        today = ctx_of(info).today()
        wanted = {s.value for s in f.status}
        parts = []
        active = col(L.status) == rules.LoanStatus.active.value
        if "repaid" in wanted:
            parts.append(col(L.status) == rules.LoanStatus.repaid.value)
        if "overdue" in wanted:
            parts.append(active & (col(L.next_due_on) < today))
        if "active" in wanted:
            parts.append(active & (col(L.next_due_on) >= today))
        conds.append(or_(*parts))
    return conds


@strawberry.type
class AssistanceQuery:
    @strawberry.field(description="The ledger (台帐) of members in difficulty, newest application first.")
    def assistance_cases(
        self,
        info: Info,
        filter: AssistanceCaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
    ) -> Connection[AssistanceCaseType]:
        C = m.AssistanceCase
        sort = SortKey((col(C.applied_on), col(C.id)), descending=True)
        return scoped_page(info, C, case_conditions(info, filter), sort, first=first, after=after, offset=offset)

    @strawberry.field(description="Help funds in your scope (optionally in one subtree).")
    def funds(self, info: Info, under: relay.GlobalID | None = None) -> list[FundType]:
        ctx = ctx_of(info)
        stmt = scoped_select(ctx, m.Fund, *under_conditions(ctx, m.Fund, under))
        return rows_as(FundType, ctx.session.execute(stmt.order_by(col(m.Fund.org_path))).scalars())

    @strawberry.field(description="Lines of the funds' books, newest first.")
    def fund_entries(
        self,
        info: Info,
        filter: FundEntryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
    ) -> Connection[FundEntryType]:
        sort = SortKey((col(m.FundEntry.id),), descending=True)
        return scoped_page(info, m.FundEntry, entry_conditions(info, filter), sort, first=first, after=after, offset=offset)

    @strawberry.field(description="Loans from the funds; `status: [overdue]` uses today's date.")
    def loans(
        self,
        info: Info,
        filter: LoanFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
    ) -> Connection[LoanType]:
        sort = SortKey((col(m.Loan.lent_on), col(m.Loan.id)), descending=True)
        return scoped_page(info, m.Loan, loan_conditions(info, filter), sort, first=first, after=after, offset=offset)

    @strawberry.field(description="Pairings that touch your scope (either side).")
    def pairings(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        active_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PairingType]:
        P = m.Pairing
        # Either side: the branch of the person helped, or the agency (scope.SCOPED_BY).
        conds = under_conditions(ctx_of(info), P, under)
        if active_only:
            conds.append(col(P.ended_on).is_(None))
        return scoped_page(info, P, conds, SortKey((col(P.id),), descending=True), first=first, after=after)

    @strawberry.field(description="Who is owed an allowance for a month in a subtree (R-AID-05): the preview before paying.")
    def allowance_eligibility(self, info: Info, under: relay.GlobalID, kind: AllowanceKind, month: str) -> AllowancePreview:
        ctx = ctx_of(info)
        # An organisation out of scope owes nobody here (lists.under_conditions); a bad month
        # reaches the client as a domain error with its code and messages.
        org = under_org(ctx, under)
        rows = [] if org is None else service.eligibility(ctx, org_id=org.id, kind=kind.value, month=month)
        eligible = [
            AllowanceEligible(
                member=resolves_as(MemberType, r.member),
                amount_fen=Fen(r.eligibility.amount_fen),
                tier=r.eligibility.tier,
                reason=r.eligibility.reason_zh if ctx.lang == "zh" else r.eligibility.reason_en,
                already_paid=r.paid,
            )
            for r in rows
        ]
        payable = [e for e in eligible if not e.already_paid]
        return AllowancePreview(
            kind=kind,
            kind_label=label(info, rules.ALLOWANCE_LABELS[rules.AllowanceKind(kind.value)]),
            month=month,
            eligible=eligible,
            payable_count=len(payable),
            payable_total_fen=Fen(sum(e.amount_fen for e in payable)),
            already_paid_count=len(eligible) - len(payable),
        )

    @strawberry.field(description="Allowance payment runs, newest first.")
    def allowance_runs(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        kind: AllowanceKind | None = None,
        month: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AllowanceRunType]:
        R = m.AllowanceRun
        conds = under_conditions(ctx_of(info), R, under)
        if kind is not None:
            conds.append(col(R.kind) == kind.value)
        if month:
            conds.append(col(R.month) == month.strip())
        return scoped_page(info, R, conds, SortKey((col(R.id),), descending=True), first=first, after=after)

    @strawberry.field(description="Yearly allowance lists (declared → verified → confirmed → posted), by branch.")
    def allowance_rolls(
        self,
        info: Info,
        under: relay.GlobalID | None = None,
        year: int | None = None,
        kind: AllowanceKind | None = None,
        stage: list[AllowanceRollStage] | None = None,
    ) -> list[AllowanceRollType]:
        ctx = ctx_of(info)
        R = m.AllowanceRoll
        stmt = scoped_select(ctx, R, *under_conditions(ctx, R, under))
        if year is not None:
            stmt = stmt.where(col(R.year) == year)
        if kind is not None:
            stmt = stmt.where(col(R.kind) == kind.value)
        if stage:
            stmt = stmt.where(col(R.stage).in_([s.value for s in stage]))
        return rows_as(AllowanceRollType, ctx.session.execute(stmt.order_by(col(R.year).desc(), col(R.org_path), col(R.kind)).limit(500)).scalars())

    @strawberry.field(description="Overdue yearly reviews (R-AID-02), overdue loans (R-AID-03) and promises past due (R-AID-16) in a subtree.")
    def assistance_alerts(self, info: Info, under: relay.GlobalID) -> list[AssistanceAlert]:
        ctx = ctx_of(info)
        org = under_org(ctx, under)
        rows = [] if org is None else service.alerts(ctx, org_id=org.id)
        zh = ctx.lang == "zh"
        return [
            AssistanceAlert(
                code=a.alert.code,
                message=a.alert.message_zh if zh else a.alert.message_en,
                message_zh=a.alert.message_zh,
                message_en=a.alert.message_en,
                due_on=a.alert.due_on,
                object_type=a.object_type,
                object_id=relay.GlobalID(a.object_type, str(a.object_id)),
                title=a.title,
            )
            for a in rows
        ]
