"""Mutations of assistance: cases and their workflow, help, the fund, loans, pairings, allowances.

Each runs one service use case in one transaction (run_mutation) and answers
the payload or a typed error: RuleViolation (code R-AID-xx), NotFound,
NotAllowed, Conflict.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql.errors import MutationError, run_mutation, run_service
from partygraph.graphql.mutations.inputs import db_id, service_args
from partygraph.graphql.types.assistance import (
    AllowanceKind,
    AllowanceRollStep,
    AllowanceRollType,
    AllowanceRunType,
    AssistanceCaseType,
    AssistanceCause,
    AssistanceStandard,
    AssistanceStep,
    Fen,
    FundEntryKind,
    FundEntryType,
    FundType,
    HelpEntryType,
    HelpKind,
    LoanType,
    PairingKind,
    PairingType,
    PromiseType,
    ReviewOutcome,
    VisitOccasion,
)
from partygraph.graphql.types.common import maybe_resolves_as, resolves_as
from partygraph.models.assistance import AssistanceCase, Fund, HelpEntry, Loan
from partygraph.services import assistance as service
from partygraph.services import fund as fund_service


@strawberry.type
class AssistanceCasePayload:
    assistance_case: AssistanceCaseType


@strawberry.type
class HelpEntryPayload:
    entry: HelpEntryType
    assistance_case: AssistanceCaseType
    fund: FundType | None = None


@strawberry.type
class LoanPayload:
    loan: LoanType
    fund: FundType


@strawberry.type
class FundPayload:
    fund: FundType


@strawberry.type
class FundEntryPayload:
    entry: FundEntryType
    fund: FundType


@strawberry.type
class PairingPayload:
    pairing: PairingType


@strawberry.type
class PromisePayload:
    promise: PromiseType


@strawberry.type
class AllowanceRunPayload:
    run: AllowanceRunType


@strawberry.type
class AllowanceRollPayload:
    roll: AllowanceRollType


AllowanceRollResult = Annotated[AllowanceRollPayload | MutationError, strawberry.union("AllowanceRollResult")]
AssistanceCaseResult = Annotated[AssistanceCasePayload | MutationError, strawberry.union("AssistanceCaseResult")]
HelpEntryResult = Annotated[HelpEntryPayload | MutationError, strawberry.union("HelpEntryResult")]
LoanResult = Annotated[LoanPayload | MutationError, strawberry.union("LoanResult")]
FundResult = Annotated[FundPayload | MutationError, strawberry.union("FundResult")]
FundEntryResult = Annotated[FundEntryPayload | MutationError, strawberry.union("FundEntryResult")]
PairingResult = Annotated[PairingPayload | MutationError, strawberry.union("PairingResult")]
PromiseResult = Annotated[PromisePayload | MutationError, strawberry.union("PromiseResult")]
AllowanceRunResult = Annotated[AllowanceRunPayload | MutationError, strawberry.union("AllowanceRunResult")]


@strawberry.input
class FamilyMemberInput:
    name: str
    relation: str
    birth_year: int | None = None
    note: str | None = None


def _family(items: list[FamilyMemberInput] | None) -> list[dict] | None:
    if items is None:
        return None
    return [{"name": i.name, "relation": i.relation, "birth_year": i.birth_year, "note": i.note} for i in items]


@strawberry.input(description="Open a case in the ledger: the member's application.")
class OpenAssistanceCaseInput:
    member_id: relay.GlobalID
    cause: AssistanceCause
    applied_on: date
    family_members: list[FamilyMemberInput] | None = None
    yearly_income_fen: Fen | None = strawberry.field(default=None, description="The household's yearly income, in fen.")
    situation: str | None = None
    standard: AssistanceStandard | None = None
    standard_note: str | None = None
    application: str | None = strawberry.field(default=None, description="The application's text or summary.")


@strawberry.input(description="Fields left out are unchanged.")
class UpdateAssistanceCaseInput:
    id: relay.GlobalID
    version: int
    cause: AssistanceCause | None = strawberry.UNSET
    family_members: list[FamilyMemberInput] | None = strawberry.UNSET
    yearly_income_fen: Fen | None = strawberry.UNSET
    situation: str | None = strawberry.UNSET
    standard: AssistanceStandard | None = strawberry.UNSET
    standard_note: str | None = strawberry.UNSET


@strawberry.input(description="Record the next workflow step with its evidence (which fields are needed depends on the step).")
class AdvanceAssistanceCaseInput:
    id: relay.GlobalID
    version: int
    step: AssistanceStep
    on: date
    record: str | None = strawberry.field(default=None, description="Appraisal record, committee decision, filing reference, review notes.")
    notice_starts_on: date | None = None
    notice_ends_on: date | None = None
    objections: str | None = None
    objection_resolution: str | None = None
    reason: str | None = strawberry.field(default=None, description="Refusal, adjustment or closing reason.")
    outcome: ReviewOutcome | None = None


@strawberry.input(description="A visit or condolence (慰问): money (from a fund or recorded only) and/or goods.")
class RecordVisitInput:
    case_id: relay.GlobalID
    on: date
    occasion: VisitOccasion
    helper: str = strawberry.field(description="Who visited.")
    amount_fen: Fen = Fen(0)
    goods: str | None = None
    approver: str | None = None
    fund_id: relay.GlobalID | None = None
    note: str | None = None


@strawberry.input(description="Training or job placement.")
class RecordHelpInput:
    case_id: relay.GlobalID
    kind: HelpKind
    on: date
    helper: str
    note: str


@strawberry.input(description="A grant (无偿救济) from a fund: refused when larger than the balance (R-AID-04).")
class GrantAssistanceInput:
    case_id: relay.GlobalID
    fund_id: relay.GlobalID
    amount_fen: Fen
    on: date
    approver: str
    note: str | None = None


@strawberry.input(description="A repayable loan from a fund; term defaults to 24 months (R-AID-03).")
class LendAssistanceInput:
    case_id: relay.GlobalID
    fund_id: relay.GlobalID
    amount_fen: Fen
    on: date
    approver: str
    term_months: int | None = None
    installments: int | None = None
    purpose: str | None = None


@strawberry.input
class RepayLoanInput:
    loan_id: relay.GlobalID
    version: int
    amount_fen: Fen
    on: date
    received_by: str | None = None


@strawberry.input
class CreateFundInput:
    org_id: relay.GlobalID
    name: str
    established_on: date
    principal_fen: Fen = Fen(0)


@strawberry.input(description="Money into a fund: budget, retained party fees, contributions, donations.")
class RecordFundInflowInput:
    fund_id: relay.GlobalID
    kind: FundEntryKind
    amount_fen: Fen
    on: date
    approver: str
    counterparty: str | None = None
    note: str | None = None


@strawberry.input(description="Branches: agencyOrgId + villageOrgId. Members: caseId + helperMemberId.")
class CreatePairingInput:
    kind: PairingKind
    started_on: date
    agency_org_id: relay.GlobalID | None = None
    village_org_id: relay.GlobalID | None = None
    case_id: relay.GlobalID | None = None
    helper_member_id: relay.GlobalID | None = None
    covers: list[str] | None = strawberry.field(default=None, description="三包: technology, project, until_out.")
    note: str | None = None


@strawberry.input
class EndPairingInput:
    id: relay.GlobalID
    version: int
    ended_on: date


@strawberry.input
class AddPromiseInput:
    pairing_id: relay.GlobalID
    text: str
    made_on: date
    due_on: date


@strawberry.input
class KeepPromiseInput:
    id: relay.GlobalID
    version: int
    kept_on: date
    note: str | None = None


@strawberry.input(description="Record that a promise will not be kept (未兑现): the date and the reason, both required.")
class BreakPromiseInput:
    id: relay.GlobalID
    version: int
    broken_on: date
    reason: str


@strawberry.input(description="Pay an allowance for a month over a subtree; members already paid are skipped.")
class PayAllowancesInput:
    org_id: relay.GlobalID
    kind: AllowanceKind
    month: str = strawberry.field(description="YYYY-MM")


@strawberry.input(description="A village (community) branch declares its yearly list: May's eligibility, frozen.")
class DeclareAllowanceRollInput:
    org_id: relay.GlobalID
    year: int
    kind: AllowanceKind
    on: date


@strawberry.input(description="Verify (township), confirm or post (county department); names may be struck off with a note.")
class AdvanceAllowanceRollInput:
    id: relay.GlobalID
    version: int
    step: AllowanceRollStep
    on: date
    strike_member_ids: list[relay.GlobalID] | None = None
    note: str | None = None


def _help_payload(ctx: Context, entry: HelpEntry) -> HelpEntryPayload:
    case = ctx.session.get(AssistanceCase, entry.case_id)
    fund = ctx.session.get(Fund, entry.fund_id) if entry.fund_id else None
    return HelpEntryPayload(entry=resolves_as(HelpEntryType, entry), assistance_case=resolves_as(AssistanceCaseType, case), fund=maybe_resolves_as(FundType, fund))


def _loan_payload(ctx: Context, loan: Loan) -> LoanPayload:
    return LoanPayload(loan=resolves_as(LoanType, loan), fund=resolves_as(FundType, ctx.session.get(Fund, loan.fund_id)))


def _case_id(gid: relay.GlobalID) -> int:
    return db_id(gid, "AssistanceCase", "case_id")


@strawberry.type
class AssistanceMutation:
    @strawberry.mutation(description="Open a case: the member applies for help.")
    def open_assistance_case(self, info: Info, input: OpenAssistanceCaseInput) -> AssistanceCaseResult:
        return run_service(
            info,
            AssistanceCasePayload,
            lambda ctx: service.open_case(
                ctx,
                family_members=_family(input.family_members),
                **service_args(input, {"member_id": "Member"}, skip=("family_members",)),
            ),
        )

    @strawberry.mutation
    def update_assistance_case(self, info: Info, input: UpdateAssistanceCaseInput) -> AssistanceCaseResult:
        def call(ctx: Context) -> object:
            changes = service_args(input, skip=("version", "family_members"))
            if input.family_members is not strawberry.UNSET:
                changes["family_members"] = _family(input.family_members) or []
            return service.update_case(ctx, db_id(input.id, "AssistanceCase", "id"), version=input.version, changes=changes)

        return run_service(info, AssistanceCasePayload, call)

    @strawberry.mutation(description="Record the next workflow step (R-AID-01 order, R-AID-06 evidence, R-AID-07 notice, R-AID-08 standard).")
    def advance_assistance_case(self, info: Info, input: AdvanceAssistanceCaseInput) -> AssistanceCaseResult:
        return run_service(
            info,
            AssistanceCasePayload,
            lambda ctx: service.advance(
                ctx, db_id(input.id, "AssistanceCase", "id"), record_text=input.record, **service_args(input, skip=("record",))
            ),
        )

    @strawberry.mutation
    def record_assistance_visit(self, info: Info, input: RecordVisitInput) -> HelpEntryResult:
        return run_mutation(
            info,
            lambda ctx: _help_payload(
                ctx, service.record_visit(ctx, _case_id(input.case_id), **service_args(input, {"fund_id": "Fund"}, skip=("case_id",)))
            ),
        )

    @strawberry.mutation
    def record_assistance_help(self, info: Info, input: RecordHelpInput) -> HelpEntryResult:
        return run_mutation(
            info,
            lambda ctx: _help_payload(ctx, service.record_help(ctx, _case_id(input.case_id), **service_args(input, skip=("case_id",)))),
        )

    @strawberry.mutation(description="A grant from a fund; refused with R-AID-04 (balance unchanged) when the fund is short.")
    def grant_assistance(self, info: Info, input: GrantAssistanceInput) -> HelpEntryResult:
        return run_mutation(
            info,
            lambda ctx: _help_payload(
                ctx, service.grant(ctx, _case_id(input.case_id), **service_args(input, {"fund_id": "Fund"}, skip=("case_id",)))
            ),
        )

    @strawberry.mutation
    def lend_assistance(self, info: Info, input: LendAssistanceInput) -> LoanResult:
        return run_mutation(
            info,
            lambda ctx: _loan_payload(
                ctx, service.lend(ctx, _case_id(input.case_id), **service_args(input, {"fund_id": "Fund"}, skip=("case_id",)))
            ),
        )

    @strawberry.mutation(description="A repayment: money back into the fund.")
    def repay_loan(self, info: Info, input: RepayLoanInput) -> LoanResult:
        return run_mutation(
            info,
            lambda ctx: _loan_payload(
                ctx, service.repay(ctx, db_id(input.loan_id, "Loan", "loan_id"), **service_args(input, skip=("loan_id",)))
            ),
        )

    @strawberry.mutation
    def create_fund(self, info: Info, input: CreateFundInput) -> FundResult:
        return run_service(info, FundPayload, lambda ctx: fund_service.create(ctx, **service_args(input, {"org_id": "Organization"})))

    @strawberry.mutation
    def record_fund_inflow(self, info: Info, input: RecordFundInflowInput) -> FundEntryResult:
        def use_case(ctx: Context) -> FundEntryPayload:
            entry = fund_service.record_inflow(ctx, db_id(input.fund_id, "Fund", "fund_id"), **service_args(input, skip=("fund_id",)))
            return FundEntryPayload(
                entry=resolves_as(FundEntryType, entry), fund=resolves_as(FundType, ctx.session.get(Fund, entry.fund_id))
            )

        return run_mutation(info, use_case)

    @strawberry.mutation
    def create_pairing(self, info: Info, input: CreatePairingInput) -> PairingResult:
        ids = {
            "agency_org_id": "Organization", "village_org_id": "Organization",
            "case_id": "AssistanceCase", "helper_member_id": "Member",
        }  # fmt: skip
        return run_service(info, PairingPayload, lambda ctx: service.create_pairing(ctx, **service_args(input, ids)))

    @strawberry.mutation
    def end_pairing(self, info: Info, input: EndPairingInput) -> PairingResult:
        return run_service(info, PairingPayload, lambda ctx: service.end_pairing(ctx, db_id(input.id, "Pairing", "id"), **service_args(input)))

    @strawberry.mutation
    def add_promise(self, info: Info, input: AddPromiseInput) -> PromiseResult:
        return run_service(
            info,
            PromisePayload,
            lambda ctx: service.add_promise(
                ctx, db_id(input.pairing_id, "Pairing", "pairing_id"), **service_args(input, skip=("pairing_id",))
            ),
        )

    @strawberry.mutation
    def keep_promise(self, info: Info, input: KeepPromiseInput) -> PromiseResult:
        return run_service(info, PromisePayload, lambda ctx: service.keep_promise(ctx, db_id(input.id, "Promise", "id"), **service_args(input)))

    @strawberry.mutation(description="Record a promise as broken (未兑现) with its reason: decided, so no longer overdue (R-AID-16).")
    def break_promise(self, info: Info, input: BreakPromiseInput) -> PromiseResult:
        return run_service(info, PromisePayload, lambda ctx: service.break_promise(ctx, db_id(input.id, "Promise", "id"), **service_args(input)))

    @strawberry.mutation(description="Pay an allowance for a month: members already paid for it are skipped, never paid twice (R-AID-05).")
    def pay_allowances(self, info: Info, input: PayAllowancesInput) -> AllowanceRunResult:
        return run_service(
            info, AllowanceRunPayload, lambda ctx: service.pay_allowances(ctx, **service_args(input, {"org_id": "Organization"}))
        )

    @strawberry.mutation(description="Declare a branch's yearly allowance list (R-AID-17).")
    def declare_allowance_roll(self, info: Info, input: DeclareAllowanceRollInput) -> AllowanceRollResult:
        return run_service(
            info, AllowanceRollPayload, lambda ctx: service.declare_roll(ctx, **service_args(input, {"org_id": "Organization"}))
        )

    @strawberry.mutation(description="The next step of a yearly list: verify, confirm, post (R-AID-17).")
    def advance_allowance_roll(self, info: Info, input: AdvanceAllowanceRollInput) -> AllowanceRollResult:
        return run_service(
            info,
            AllowanceRollPayload,
            lambda ctx: service.advance_roll(
                ctx,
                db_id(input.id, "AllowanceRoll", "id"),
                strike_member_ids=[db_id(g, "Member", "strike_member_ids") for g in input.strike_member_ids or []],
                **service_args(input, skip=("strike_member_ids",)),
            ),
        )
