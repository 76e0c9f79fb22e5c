"""Assistance: cases with their timeline and help, funds and their book, loans,
pairings and promises, allowance runs and eligibility lists, alerts.

Money is the `Fen` scalar: an integer number of fen (1 yuan = 100 fen), never
a float; each amount also has a `…Yuan` string for display ("865.00").
Nested lists load through per-request DataLoaders (one statement per level).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from enum import Enum
from typing import Any, NewType, cast

import strawberry
from sqlalchemy import select
from sqlmodel import col
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.graphql import loaders
from partygraph.graphql.types.common import (
    AlertInterface,
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    recorded,
    row_of,
    rows_as,
)
from partygraph.graphql.types.member import MemberType
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models import assistance as m
from partygraph.models.access_log import FieldGroup
from partygraph.rules import assistance as rules
from partygraph.scope import scoped_select
from partygraph.services import assistance as service
from partygraph.services import fund as fund_service

Fen = NewType("Fen", int)
# Fen's GraphQL definition, bound to the type in the schema's `scalar_map`.
FEN_SCALAR = strawberry.scalar(
    name="Fen",
    description="Money as an integer number of fen (1 yuan = 100 fen); 64-bit, never a float.",
    serialize=int,
    parse_value=lambda v: _parse_fen(v),
)


def _parse_fen(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Fen must be an integer number of fen")
    return value


# Model and rule enums registered as GraphQL enums in place (strawberry.enum returns the class),
# so each name below is the enum class itself.
AssistanceCause = rules.Cause
strawberry.enum(AssistanceCause, name="AssistanceCause")
AssistanceStandard = rules.Standard
strawberry.enum(AssistanceStandard, name="AssistanceStandard")
AssistanceCaseStatus = rules.CaseStatus
strawberry.enum(AssistanceCaseStatus, name="AssistanceCaseStatus")
AssistanceStep = rules.CaseStepKind
strawberry.enum(AssistanceStep, name="AssistanceStep")
ReviewOutcome = rules.ReviewOutcome
strawberry.enum(ReviewOutcome, name="ReviewOutcome")
HelpKind = rules.HelpKind
strawberry.enum(HelpKind, name="HelpKind")
VisitOccasion = rules.VisitOccasion
strawberry.enum(VisitOccasion, name="VisitOccasion")
FundDirection = rules.Direction
strawberry.enum(FundDirection, name="FundDirection")
FundEntryKind = rules.EntryKind
strawberry.enum(FundEntryKind, name="FundEntryKind")
LoanStatus = rules.LoanStatus
strawberry.enum(LoanStatus, name="LoanStatus")
PairingKind = rules.PairingKind
strawberry.enum(PairingKind, name="PairingKind")
AllowanceKind = rules.AllowanceKind
strawberry.enum(AllowanceKind, name="AllowanceKind")
AllowanceRollStage = rules.RollStage
strawberry.enum(AllowanceRollStage, name="AllowanceRollStage")


@strawberry.enum(name="AllowanceRollStep", description="verify (township), confirm and post (county department).")
class AllowanceRollStep(Enum):
    VERIFY = "verify"
    CONFIRM = "confirm"
    POST = "post"


# --- loaders -------------------------------------------------------------------------------------


def _loader(info: Info, name: str, batch: Callable[[list[Any]], Sequence[Any]]) -> DataLoader:
    return loaders.loader(ctx_of(info), f"assistance:{name}", batch)


def _grouped(info: Info, name: str, model: Any, key_col: Any, order: list[Any]) -> DataLoader:
    """Key: parent id → its child rows (parents were already scope-checked)."""

    def batch(keys: list[int]) -> list[list[Any]]:
        rows = ctx_of(info).session.execute(select(model).where(key_col.in_(keys)).order_by(*order)).scalars()
        out: dict[int, list[Any]] = defaultdict(list)
        for r in rows:
            out[getattr(r, key_col.key)].append(r)
        return [out.get(k, []) for k in keys]

    return _loader(info, name, batch)


def case_loader(info: Info) -> DataLoader:
    return loaders.rows(ctx_of(info), m.AssistanceCase)


def fund_loader(info: Info) -> DataLoader:
    return loaders.rows(ctx_of(info), m.Fund)


def loan_loader(info: Info) -> DataLoader:
    return loaders.rows(ctx_of(info), m.Loan)


def case_pairings_loader(info: Info) -> DataLoader:
    """Key: case id → its pairings. Scoped like the `pairings` list (either side in scope), although
    a case's pairing lies on the case's own path: the condition costs nothing and cannot be forgotten."""

    def batch(keys: list[int]) -> list[list[Any]]:
        ctx = ctx_of(info)
        rows = ctx.session.execute(
            scoped_select(ctx, m.Pairing, col(m.Pairing.case_id).in_(keys))
            .order_by(col(m.Pairing.case_id), col(m.Pairing.started_on), col(m.Pairing.id))
        ).scalars()
        out: dict[int | None, list[Any]] = defaultdict(list)
        for r in rows:
            out[r.case_id].append(r)
        return [out.get(k, []) for k in keys]

    return _loader(info, "case_pairings", batch)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else rules.yuan(fen)


# --- cases ---------------------------------------------------------------------------------------


@strawberry.type(name="AssistanceCaseStep", description="One workflow event with its evidence; never edited.")
class CaseStepType:
    id: int
    kind: AssistanceStep
    on: date
    from_status: AssistanceCaseStatus | None
    to_status: AssistanceCaseStatus
    record: str | None
    reason: str | None
    outcome: ReviewOutcome | None
    data: JSON
    actor_name: str | None

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rules.STEP_LABELS[rules.CaseStepKind(self.kind)])

    @strawberry.field
    def outcome_label(self, info: Info) -> str | None:
        return label(info, rules.REVIEW_LABELS[rules.ReviewOutcome(self.outcome)]) if self.outcome else None


@strawberry.type(name="HelpEntry", description="Help given to a case: visit, grant, loan, pairing, training or job.")
class HelpEntryType:
    id: int
    kind: HelpKind
    on: date
    amount_fen: Fen
    goods: str | None
    occasion: VisitOccasion | None
    helper: str
    approver: str | None
    note: str | None
    actor_name: str | None
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    case_id: strawberry.Private[int]
    fund_id: strawberry.Private[int | None]
    loan_id: strawberry.Private[int | None]

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rules.HELP_LABELS[rules.HelpKind(self.kind)])

    @strawberry.field
    def occasion_label(self, info: Info) -> str | None:
        return label(info, rules.OCCASION_LABELS[rules.VisitOccasion(self.occasion)]) if self.occasion else None

    @strawberry.field(description="One of the four must-visit occasions (四必访).")
    def must_visit(self) -> bool:
        return self.occasion is not None and rules.VisitOccasion(self.occasion) in rules.MUST_VISIT

    @strawberry.field
    async def fund(self, info: Info) -> FundType | None:
        fid = self.fund_id
        return await fund_loader(info).load(fid) if fid else None

    @strawberry.field
    async def loan(self, info: Info) -> LoanType | None:
        lid = self.loan_id
        return await loan_loader(info).load(lid) if lid else None

    @strawberry.field(name="case")
    async def assistance_case(self, info: Info) -> AssistanceCaseType | None:
        return await case_loader(info).load(self.case_id)


@strawberry.type(name="AssistanceCase", description="A member in difficulty: the ledger row (台帐) and its workflow.")
class AssistanceCaseType(Node, model=m.AssistanceCase):
    id: relay.NodeID[int]
    cause: AssistanceCause
    standard: AssistanceStandard | None
    standard_note: str | None
    status: AssistanceCaseStatus
    applied_on: date
    notice_ends_on: date | None
    filed_on: date | None
    last_review_on: date | None
    review_due_on: date | None
    closed_on: date | None
    closed_reason: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]
    org_id: strawberry.Private[int]

    @strawberry.field
    def cause_label(self, info: Info) -> str:
        return label(info, rules.CAUSE_LABELS[rules.Cause(self.cause)])

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, rules.CASE_STATUS_LABELS[rules.CaseStatus(self.status)])

    @strawberry.field
    def standard_label(self, info: Info) -> str | None:
        return label(info, rules.STANDARD_LABELS[rules.Standard(self.standard)]) if self.standard else None

    # The household's details are personal data: each read is in the access log (of the member).
    @strawberry.field
    def family_members(self, info: Info) -> JSON:
        family = recorded(info, "Member", self.member_id, FieldGroup.assistance, row_of(m.AssistanceCase, self).family_members)
        return cast(JSON, family)

    @strawberry.field
    def yearly_income_fen(self, info: Info) -> Fen | None:
        income = recorded(info, "Member", self.member_id, FieldGroup.assistance, row_of(m.AssistanceCase, self).yearly_income_fen)
        return None if income is None else Fen(income)

    @strawberry.field
    def situation(self, info: Info) -> str | None:
        return recorded(info, "Member", self.member_id, FieldGroup.assistance, row_of(m.AssistanceCase, self).situation)

    @strawberry.field
    def yearly_income_yuan(self, info: Info) -> str | None:
        return recorded(info, "Member", self.member_id, FieldGroup.assistance, _yuan(row_of(m.AssistanceCase, self).yearly_income_fen))

    @strawberry.field(description="Household size: the member and the family members listed.")
    def household_size(self, info: Info) -> int:
        recorded(info, "Member", self.member_id, FieldGroup.assistance, True)
        return 1 + len(row_of(m.AssistanceCase, self).family_members or [])

    @strawberry.field(description="Yearly income per person of the household, in yuan.")
    def income_per_person_yuan(self, info: Info) -> str | None:
        row = row_of(m.AssistanceCase, self)
        if row.yearly_income_fen is None:
            return None
        recorded(info, "Member", self.member_id, FieldGroup.assistance, True)
        return rules.yuan(row.yearly_income_fen // (1 + len(row.family_members or [])))

    @strawberry.field(description="Filed and past the yearly review date (R-AID-02).")
    def review_overdue(self, info: Info) -> bool:
        return self.status == rules.CaseStatus.helping and self.review_due_on is not None and self.review_due_on < ctx_of(info).today()

    @strawberry.field(description="Steps that may be recorded next.")
    def next_steps(self) -> list[AssistanceStep]:
        return rules.next_steps(rules.CaseStatus(self.status))

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(description="The workflow in order: application, appraisal, notice, report, decision, filing, reviews.")
    async def timeline(self, info: Info) -> list[CaseStepType]:
        return await _grouped(info, "steps", m.CaseStep, m.CaseStep.case_id, [m.CaseStep.case_id, m.CaseStep.on, m.CaseStep.id]).load(self.id)

    @strawberry.field(description="Help given, oldest first.")
    async def help(self, info: Info, kind: HelpKind | None = None) -> list[HelpEntryType]:
        rows = await _grouped(info, "help", m.HelpEntry, m.HelpEntry.case_id, [m.HelpEntry.case_id, m.HelpEntry.on, m.HelpEntry.id]).load(self.id)
        return [r for r in rows if kind is None or r.kind == kind]

    @strawberry.field
    async def loans(self, info: Info) -> list[LoanType]:
        return await _grouped(info, "case_loans", m.Loan, m.Loan.case_id, [m.Loan.case_id, m.Loan.lent_on, m.Loan.id]).load(self.id)

    @strawberry.field(description="The case's pairings with agency members (结对帮扶), oldest first.")
    async def pairings(self, info: Info) -> list[PairingType]:
        return await case_pairings_loader(info).load(self.id)

    @strawberry.field(description="Money given (grants and visit money), in fen.")
    async def total_given_fen(self, info: Info) -> Fen:
        rows = await _grouped(info, "help", m.HelpEntry, m.HelpEntry.case_id, [m.HelpEntry.case_id, m.HelpEntry.on, m.HelpEntry.id]).load(self.id)
        return sum(r.amount_fen for r in rows if r.kind in ("grant", "visit"))

    @strawberry.field(description="Every recorded change of this case, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "AssistanceCase", self.id, min(first, 200))


# --- the fund ------------------------------------------------------------------------------------


@strawberry.type(name="FundEntry", description="One line of a fund's book: money in or out, with its approver.")
class FundEntryType:
    id: int
    on: date
    direction: FundDirection
    kind: FundEntryKind
    amount_fen: Fen
    balance_after_fen: Fen
    approver: str
    counterparty: str | None
    note: str | None
    actor_name: str | None
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    case_id: strawberry.Private[int | None]
    fund_id: strawberry.Private[int]
    loan_id: strawberry.Private[int | None]

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)

    @strawberry.field
    def balance_after_yuan(self) -> str:
        return rules.yuan(self.balance_after_fen)

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rules.ENTRY_LABELS[rules.EntryKind(self.kind)])

    @strawberry.field
    async def fund(self, info: Info) -> FundType | None:
        return await fund_loader(info).load(self.fund_id)

    @strawberry.field(name="case")
    async def assistance_case(self, info: Info) -> AssistanceCaseType | None:
        cid = self.case_id
        return await case_loader(info).load(cid) if cid else None

    @strawberry.field
    async def loan(self, info: Info) -> LoanType | None:
        lid = self.loan_id
        return await loan_loader(info).load(lid) if lid else None


@strawberry.type(description="Money in or out of a fund by kind.")
class FundKindTotal:
    kind: FundEntryKind
    direction: FundDirection
    label: str
    count: int
    total_fen: Fen
    total_yuan: str


@strawberry.type(name="Fund", description="A help fund (帮扶基金) held by a county or township committee.")
class FundType(Node, model=m.Fund):
    id: relay.NodeID[int]
    name: str
    established_on: date
    balance_fen: Fen
    principal_fen: Fen
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def balance_yuan(self) -> str:
        return rules.yuan(self.balance_fen)

    @strawberry.field
    def principal_yuan(self) -> str:
        return rules.yuan(self.principal_fen)

    @strawberry.field(description="The balance the book adds up to (Σ in − Σ out): for supervision.")
    def book_balance_fen(self, info: Info) -> Fen:
        return Fen(fund_service.book_balance(ctx_of(info), self.id))

    @strawberry.field(description="The cached balance equals the book's sum.")
    def balanced(self, info: Info) -> bool:
        return fund_service.book_balance(ctx_of(info), self.id) == self.balance_fen

    @strawberry.field(description="Whether grants are limited to the fund's income (R-AID-11).")
    def principal_protected(self, info: Info) -> bool:
        return fund_service.settings_of(ctx_of(info)).principal_protection

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(description="Totals by kind over the whole book.")
    def totals(self, info: Info) -> list[FundKindTotal]:
        from sqlalchemy import func

        rows = ctx_of(info).session.execute(
            select(col(m.FundEntry.kind), col(m.FundEntry.direction), func.count(), func.sum(col(m.FundEntry.amount_fen)))
            .where(col(m.FundEntry.fund_id) == self.id)
            .group_by(col(m.FundEntry.kind), col(m.FundEntry.direction))
            .order_by(col(m.FundEntry.direction), col(m.FundEntry.kind))
        ).all()
        return [
            FundKindTotal(
                kind=rules.EntryKind(k), direction=rules.Direction(d), label=label(info, rules.ENTRY_LABELS[rules.EntryKind(k)]),
                count=n, total_fen=Fen(int(t or 0)), total_yuan=rules.yuan(int(t or 0)),
            )  # fmt: skip
            for k, d, n, t in rows
        ]

    @strawberry.field
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Fund", self.id, min(first, 200))


# --- loans ---------------------------------------------------------------------------------------


@strawberry.type(description="One installment of a loan's schedule and how much of it is paid.")
class LoanInstallment:
    number: int
    due_on: date
    amount_fen: Fen
    paid_fen: Fen
    overdue: bool

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)

    @strawberry.field
    def paid_yuan(self) -> str:
        return rules.yuan(self.paid_fen)


@strawberry.type(name="Repayment")
class RepaymentType:
    id: int
    on: date
    amount_fen: Fen
    received_by: str | None

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)


async def _loan_state(self: Any, info: Info) -> rules.LoanState:
    reps = await _grouped(info, "repayments", m.Repayment, m.Repayment.loan_id, [m.Repayment.loan_id, m.Repayment.on, m.Repayment.id]).load(self.id)
    return service.state_of(self, reps, ctx_of(info).today())


@strawberry.type(name="Loan", description="A repayable loan (有偿扶助) from a fund; repaid money returns to the fund.")
class LoanType(Node, model=m.Loan):
    id: relay.NodeID[int]
    amount_fen: Fen
    lent_on: date
    term_months: int
    installments: int
    final_due_on: date
    repaid_fen: Fen
    repaid_on: date | None
    approver: str
    purpose: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    case_id: strawberry.Private[int]
    fund_id: strawberry.Private[int]
    member_id: strawberry.Private[int]

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)

    @strawberry.field
    def repaid_yuan(self) -> str:
        return rules.yuan(self.repaid_fen)

    @strawberry.field
    def outstanding_fen(self) -> Fen:
        return Fen(self.amount_fen - self.repaid_fen)

    @strawberry.field
    def outstanding_yuan(self) -> str:
        return rules.yuan(self.amount_fen - self.repaid_fen)

    @strawberry.field(description="Computed with today's date: repaying, overdue or repaid (R-AID-03).")
    async def status(self, info: Info) -> LoanStatus:
        return (await _loan_state(self, info)).status

    @strawberry.field
    async def status_label(self, info: Info) -> str:
        return label(info, rules.LOAN_STATUS_LABELS[(await _loan_state(self, info)).status])

    @strawberry.field
    async def overdue_fen(self, info: Info) -> Fen:
        return Fen((await _loan_state(self, info)).overdue_fen)

    @strawberry.field
    async def overdue_since(self, info: Info) -> date | None:
        return (await _loan_state(self, info)).overdue_since

    @strawberry.field
    async def next_due_on(self, info: Info) -> date | None:
        return (await _loan_state(self, info)).next_due_on

    @strawberry.field
    async def schedule(self, info: Info) -> list[LoanInstallment]:
        st = await _loan_state(self, info)
        return [LoanInstallment(number=i.number, due_on=i.due_on, amount_fen=Fen(i.amount_fen), paid_fen=Fen(i.paid_fen), overdue=i.overdue) for i in st.installments]

    @strawberry.field
    async def repayments(self, info: Info) -> list[RepaymentType]:
        return await _grouped(info, "repayments", m.Repayment, m.Repayment.loan_id, [m.Repayment.loan_id, m.Repayment.on, m.Repayment.id]).load(self.id)

    @strawberry.field(name="case")
    async def assistance_case(self, info: Info) -> AssistanceCaseType | None:
        return await case_loader(info).load(self.case_id)

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)

    @strawberry.field
    async def fund(self, info: Info) -> FundType | None:
        return await fund_loader(info).load(self.fund_id)

    @strawberry.field
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Loan", self.id, min(first, 200))


# --- pairings ------------------------------------------------------------------------------------


@strawberry.enum(name="PromiseOutcome", description="Whether a promise is still open, kept, or recorded as broken (未兑现).")
class PromiseOutcome(Enum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


PROMISE_OUTCOME_LABELS = {
    PromiseOutcome.PENDING: ("待兑现", "Pending"),
    PromiseOutcome.KEPT: ("已兑现", "Kept"),
    PromiseOutcome.BROKEN: ("未兑现", "Broken"),
}


def _promise_outcome(row: Any) -> PromiseOutcome:
    if row.kept_on is not None:
        return PromiseOutcome.KEPT
    return PromiseOutcome.BROKEN if row.broken_on is not None else PromiseOutcome.PENDING


@strawberry.type(name="Promise", description="A promise made in a pairing, with its due date and its outcome: kept or broken.")
class PromiseType(Node, model=m.Promise):
    id: relay.NodeID[int]
    text: str
    made_on: date
    due_on: date
    kept_on: date | None
    broken_on: date | None = strawberry.field(description="When it was recorded as not to be kept (未兑现).")
    outcome_note: str | None = strawberry.field(description="How it was kept, or why it was not.")
    version: int

    @strawberry.field
    def kept(self) -> bool:
        return self.kept_on is not None

    @strawberry.field(description="Recorded as not to be kept, with its reason (未兑现).")
    def broken(self) -> bool:
        return self.broken_on is not None

    @strawberry.field
    def outcome(self) -> PromiseOutcome:
        return _promise_outcome(self)

    @strawberry.field
    def outcome_label(self, info: Info) -> str:
        return label(info, PROMISE_OUTCOME_LABELS[_promise_outcome(self)])

    @strawberry.field(description="Past its due date and neither kept nor recorded as broken (R-AID-16).")
    def overdue(self, info: Info) -> bool:
        return self.kept_on is None and self.broken_on is None and self.due_on < ctx_of(info).today()


@strawberry.type(name="Pairing", description="结对帮扶: agency branch ↔ village branch, or agency member ↔ member in difficulty.")
class PairingType(Node, model=m.Pairing):
    id: relay.NodeID[int]
    kind: PairingKind
    covers: list[str]
    started_on: date
    ended_on: date | None
    note: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    agency_org_id: strawberry.Private[int]
    case_id: strawberry.Private[int | None]
    helper_member_id: strawberry.Private[int | None]
    village_org_id: strawberry.Private[int | None]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rules.PAIRING_LABELS[rules.PairingKind(self.kind)])

    @strawberry.field(description="三包: technology, project, until out of poverty.")
    def covers_labels(self, info: Info) -> list[str]:
        return [label(info, rules.PAIRING_COVERS[c]) for c in self.covers if c in rules.PAIRING_COVERS]

    @strawberry.field
    def agency_name(self, info: Info) -> str:
        from partygraph.models.organization import Organization

        org = ctx_of(info).session.get(Organization, self.agency_org_id)
        return org.name if org else ""

    @strawberry.field
    async def agency(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.agency_org_id)

    @strawberry.field(description="The village (or the case's) branch, while in your scope.")
    async def village(self, info: Info) -> OrganizationType | None:
        vid = self.village_org_id
        return await loaders.org(ctx_of(info)).load(vid) if vid else None

    @strawberry.field
    async def helper(self, info: Info) -> MemberType | None:
        mid = self.helper_member_id
        return await loaders.member(ctx_of(info)).load(mid) if mid else None

    @strawberry.field(name="case")
    async def assistance_case(self, info: Info) -> AssistanceCaseType | None:
        cid = self.case_id
        return await case_loader(info).load(cid) if cid else None

    @strawberry.field
    async def promises(self, info: Info) -> list[PromiseType]:
        return await _grouped(info, "promises", m.Promise, m.Promise.pairing_id, [m.Promise.pairing_id, m.Promise.due_on, m.Promise.id]).load(self.id)

    @strawberry.field(description="Every recorded change of this pairing and its promises, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "Pairing", self.id, min(first, 200))


# --- allowances ----------------------------------------------------------------------------------


@strawberry.type(name="AllowancePayment")
class AllowancePaymentType:
    id: int
    kind: AllowanceKind
    period: str
    amount_fen: Fen
    tier: int | None
    reason: str | None
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    member_id: strawberry.Private[int]

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)

    @strawberry.field
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)


@strawberry.type(name="AllowanceRun", description="A payment run: who was paid what for one month (or a one-off benefit).")
class AllowanceRunType(Node, model=m.AllowanceRun):
    id: relay.NodeID[int]
    kind: AllowanceKind
    month: str
    paid_on: date
    payment_count: int
    skipped_count: int = strawberry.field(description="Eligible but already paid for this period: not paid again.")
    total_fen: Fen
    actor_name: str | None
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rules.ALLOWANCE_LABELS[rules.AllowanceKind(self.kind)])

    @strawberry.field
    def total_yuan(self) -> str:
        return rules.yuan(self.total_fen)

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field
    def payments(self, info: Info) -> list[AllowancePaymentType]:
        ctx = ctx_of(info)
        return rows_as(
            AllowancePaymentType,
            ctx.session.execute(
                scoped_select(ctx, m.AllowancePayment, col(m.AllowancePayment.run_id) == self.id)
                .order_by(col(m.AllowancePayment.org_path), col(m.AllowancePayment.id))
            ).scalars()
        )


@strawberry.type(description="One member owed an allowance for the month, and whether already paid.")
class AllowanceEligible:
    member: MemberType
    amount_fen: Fen
    tier: int | None
    reason: str
    already_paid: bool

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)


@strawberry.type(description="The eligibility list of one allowance for one month: the preview before paying.")
class AllowancePreview:
    kind: AllowanceKind
    kind_label: str
    month: str
    eligible: list[AllowanceEligible]
    payable_count: int
    payable_total_fen: Fen
    already_paid_count: int

    @strawberry.field
    def payable_total_yuan(self) -> str:
        return rules.yuan(self.payable_total_fen)


@strawberry.type(description="One line of a yearly allowance list.")
class AllowanceRollEntry:
    member_id: strawberry.Private[int]
    name: str
    amount_fen: Fen
    tier: int | None
    reason: str | None
    struck: bool = strawberry.field(description="Struck off at verification or confirmation (kept, with the note).")
    note: str | None

    @strawberry.field
    def amount_yuan(self) -> str:
        return rules.yuan(self.amount_fen)

    @strawberry.field(description="The member, while in your scope.")
    async def member(self, info: Info) -> MemberType | None:
        return await loaders.member(ctx_of(info)).load(self.member_id)


@strawberry.type(name="AllowanceRoll", description="A branch's yearly allowance list: declared, verified, confirmed, posted (R-AID-17).")
class AllowanceRollType(Node, model=m.AllowanceRoll):
    id: relay.NodeID[int]
    year: int
    kind: AllowanceKind
    stage: AllowanceRollStage
    declared_on: date
    declared_by: str | None
    verified_on: date | None
    verified_by: str | None
    confirmed_on: date | None
    confirmed_by: str | None
    posted_on: date | None
    posted_by: str | None
    note: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rules.ALLOWANCE_LABELS[rules.AllowanceKind(self.kind)])

    @strawberry.field
    def stage_label(self, info: Info) -> str:
        return label(info, rules.ROLL_STAGE_LABELS[rules.RollStage(self.stage)])

    @strawberry.field(description="The step that may be recorded next, if any.")
    def next_step(self) -> AllowanceRollStep | None:
        for step, (source, _) in rules.ROLL_STEPS.items():
            if source == self.stage:
                return AllowanceRollStep(step)
        return None

    @strawberry.field
    def entries(self) -> list[AllowanceRollEntry]:
        return [
            AllowanceRollEntry(
                member_id=int(e["member_id"]), name=e.get("name", ""), amount_fen=Fen(int(e["amount_fen"])), tier=e.get("tier"),
                reason=e.get("reason"), struck=bool(e.get("struck")), note=e.get("note"),
            )  # fmt: skip
            for e in row_of(m.AllowanceRoll, self).entries
        ]

    @strawberry.field(description="Members on the list and not struck off, and their monthly total.")
    def listed_count(self) -> int:
        return sum(1 for e in row_of(m.AllowanceRoll, self).entries if not e.get("struck"))

    @strawberry.field
    def monthly_total_yuan(self) -> str:
        return rules.yuan(sum(int(e["amount_fen"]) for e in row_of(m.AllowanceRoll, self).entries if not e.get("struck")))

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "AllowanceRoll", self.id, min(first, 200))


# --- alerts --------------------------------------------------------------------------------------


@strawberry.type(description="Something overdue: a yearly review (R-AID-02), a loan (R-AID-03), a promise (R-AID-16).")
class AssistanceAlert(AlertInterface):
    code: str
    message: str
    message_zh: str
    message_en: str
    due_on: date | None
    object_type: str
    object_id: relay.GlobalID
    title: str


# Types reachable through `node(id)`; schema.py adds them to the schema.
NODE_TYPES = [AssistanceCaseType, FundType, LoanType, PairingType, PromiseType, AllowanceRunType, AllowanceRollType]
