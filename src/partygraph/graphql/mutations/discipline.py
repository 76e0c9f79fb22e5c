"""Mutations of disciplinary sanctions: record, lift (rights restored after 留党察看), withdraw."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.errors import MutationError, run_service
from partygraph.graphql.mutations.inputs import db_id, service_args
from partygraph.graphql.types.discipline import MemberSanctionType, SanctionKind
from partygraph.services import discipline as service


@strawberry.type
class MemberSanctionPayload:
    sanction: MemberSanctionType


RecordMemberSanctionResult = Annotated[MemberSanctionPayload | MutationError, strawberry.union("RecordMemberSanctionResult")]
LiftMemberSanctionResult = Annotated[MemberSanctionPayload | MutationError, strawberry.union("LiftMemberSanctionResult")]
WithdrawMemberSanctionResult = Annotated[MemberSanctionPayload | MutationError, strawberry.union("WithdrawMemberSanctionResult")]


@strawberry.input(description="A disciplinary decision about a member (R-DISC-01, R-DISC-02).")
class RecordMemberSanctionInput:
    member_id: relay.GlobalID
    kind: SanctionKind
    decided_on: date
    effective_from: date | None = strawberry.field(
        default=None, description="Default: the decision's day."
    )
    probation_years: int | None = strawberry.field(
        default=None, description="留党察看 only: 1 or 2."
    )
    decided_by: str = strawberry.field(description="The deciding body, e.g. 县纪委.")
    document: str | None = strawberry.field(
        default=None, description="The decision's reference number."
    )
    reason: str | None = None


@strawberry.input(
    description="留党察看 ended: the member's rights are restored by a decision (R-DISC-03)."
)
class LiftMemberSanctionInput:
    id: relay.GlobalID
    version: int | None = None
    lifted_on: date
    document: str | None = None


@strawberry.input(
    description="The decision was revoked or recorded in error: kept, marked withdrawn (R-DISC-04)."
)
class WithdrawMemberSanctionInput:
    id: relay.GlobalID
    version: int | None = None
    reason: str


def _sanction_id(gid: relay.GlobalID) -> int:
    return db_id(gid, "MemberSanction", "id")


@strawberry.type
class DisciplineMutation:
    @strawberry.mutation(description="Record a disciplinary sanction of a member.")
    def record_member_sanction(self, info: Info, input: RecordMemberSanctionInput) -> RecordMemberSanctionResult:
        return run_service(
            info, MemberSanctionPayload, lambda ctx: service.record_sanction(ctx, **service_args(input, {"member_id": "Member"}))
        )

    @strawberry.mutation(description="Restore a member's rights at the end of 留党察看.")
    def lift_member_sanction(self, info: Info, input: LiftMemberSanctionInput) -> LiftMemberSanctionResult:
        return run_service(
            info,
            MemberSanctionPayload,
            lambda ctx: service.lift(
                ctx, _sanction_id(input.id), on=input.lifted_on, document=input.document, version=input.version
            ),
        )

    @strawberry.mutation(description="Withdraw a sanction record (revoked or entered in error); it is kept.")
    def withdraw_member_sanction(self, info: Info, input: WithdrawMemberSanctionInput) -> WithdrawMemberSanctionResult:
        return run_service(info, MemberSanctionPayload, lambda ctx: service.withdraw(ctx, _sanction_id(input.id), **service_args(input)))
