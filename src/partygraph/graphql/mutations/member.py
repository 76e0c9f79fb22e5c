"""Mutations of members: register, update, status, posts, relation transfers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql import enums
from partygraph.graphql.errors import MutationError, run_service
from partygraph.graphql.mutations.inputs import db_id, provided, service_args
from partygraph.graphql.types.member import MemberType, PositionType, TransferType
from partygraph.services import member as service

MEMBER_FIELDS = [
    "name", "gender", "ethnicity", "birth_date", "education", "occupation", "front_line",
    "rural", "joined_on", "converted_on", "phone", "id_number", "flowing", "flow_destination",
    "flow_certificate", "lost_contact", "lost_contact_since", "in_difficulty", "notes",
]  # fmt: skip


@strawberry.type
class MemberPayload:
    member: MemberType


@strawberry.type
class PositionPayload:
    position: PositionType


@strawberry.type
class TransferPayload:
    transfer: TransferType


RegisterMemberResult = Annotated[MemberPayload | MutationError, strawberry.union("RegisterMemberResult")]
UpdateMemberResult = Annotated[MemberPayload | MutationError, strawberry.union("UpdateMemberResult")]
ChangeMemberStatusResult = Annotated[MemberPayload | MutationError, strawberry.union("ChangeMemberStatusResult")]
AddPositionResult = Annotated[PositionPayload | MutationError, strawberry.union("AddPositionResult")]
EndPositionResult = Annotated[PositionPayload | MutationError, strawberry.union("EndPositionResult")]
TransferResult = Annotated[TransferPayload | MutationError, strawberry.union("TransferResult")]


@strawberry.input
class RegisterMemberInput:
    org_id: relay.GlobalID
    name: str
    gender: enums.Gender
    birth_date: date
    education: enums.Education
    joined_on: date
    status: enums.MemberStatus = enums.MemberStatus.full
    converted_on: date | None = None
    ethnicity: str = "汉族"
    occupation: str | None = None
    front_line: bool = False
    rural: bool = False
    phone: str | None = None
    id_number: str | None = None
    flowing: bool = False
    flow_destination: str | None = None
    flow_certificate: str | None = None
    lost_contact_since: date | None = None
    in_difficulty: bool = False
    notes: str | None = None


@strawberry.input(description="Fields left out are unchanged; `orgId` moves the member inside your scope.")
class UpdateMemberInput:
    id: relay.GlobalID
    version: int
    org_id: relay.GlobalID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    gender: enums.Gender | None = strawberry.UNSET
    ethnicity: str | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    education: enums.Education | None = strawberry.UNSET
    occupation: str | None = strawberry.UNSET
    front_line: bool | None = strawberry.UNSET
    rural: bool | None = strawberry.UNSET
    joined_on: date | None = strawberry.UNSET
    converted_on: date | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    id_number: str | None = strawberry.UNSET
    flowing: bool | None = strawberry.UNSET
    flow_destination: str | None = strawberry.UNSET
    flow_certificate: str | None = strawberry.UNSET
    lost_contact: bool | None = strawberry.UNSET
    lost_contact_since: date | None = strawberry.UNSET
    in_difficulty: bool | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET


@strawberry.input
class ChangeMemberStatusInput:
    id: relay.GlobalID
    version: int
    to_status: enums.MemberStatus
    on: date
    reason: str


@strawberry.input
class AddPositionInput:
    member_id: relay.GlobalID
    org_id: relay.GlobalID
    kind: enums.PositionKind
    start_on: date
    title: str | None = None


@strawberry.input
class EndPositionInput:
    id: relay.GlobalID
    version: int
    end_on: date


@strawberry.input(description="Send a member's relation to another organisation in the system (by its code).")
class SendTransferInput:
    member_id: relay.GlobalID
    to_org_code: str
    on: date
    reason: str
    letter_number: str | None = None


@strawberry.input(description="The receiving side accepts (optionally into one of its groups) or refuses with a note.")
class DecideTransferInput:
    id: relay.GlobalID
    version: int
    accept: bool
    on: date
    note: str | None = None
    to_org_id: relay.GlobalID | None = None


@strawberry.input
class CancelTransferInput:
    id: relay.GlobalID
    version: int
    reason: str


@strawberry.input(description="Transfer out of the system with an introduction letter (介绍信).")
class TransferOutInput:
    member_id: relay.GlobalID
    version: int
    external_org_name: str
    letter_number: str
    on: date
    reason: str


@strawberry.type
class MemberMutation:
    @strawberry.mutation(description="Register a member in a branch or group of your scope.")
    def register_member(self, info: Info, input: RegisterMemberInput) -> RegisterMemberResult:
        return run_service(info, MemberPayload, lambda ctx: service.register(ctx, **service_args(input, {"org_id": "Organization"})))

    @strawberry.mutation
    def update_member(self, info: Info, input: UpdateMemberInput) -> UpdateMemberResult:
        def call(ctx: Context) -> object:
            changes = provided(input, MEMBER_FIELDS)
            if input.org_id is not strawberry.UNSET and input.org_id is not None:
                changes["org_id"] = db_id(input.org_id, "Organization", "org_id")
            return service.update(ctx, db_id(input.id, "Member", "id"), version=input.version, changes=changes)

        return run_service(info, MemberPayload, call)

    @strawberry.mutation(description="Record a change of standing (suspended, deceased, removed…) with date and reason.")
    def change_member_status(self, info: Info, input: ChangeMemberStatusInput) -> ChangeMemberStatusResult:
        return run_service(
            info, MemberPayload, lambda ctx: service.change_status(ctx, db_id(input.id, "Member", "id"), **service_args(input))
        )

    @strawberry.mutation
    def add_position(self, info: Info, input: AddPositionInput) -> AddPositionResult:
        ids = {"member_id": "Member", "org_id": "Organization"}
        return run_service(info, PositionPayload, lambda ctx: service.add_position(ctx, **service_args(input, ids)))

    @strawberry.mutation
    def end_position(self, info: Info, input: EndPositionInput) -> EndPositionResult:
        return run_service(
            info, PositionPayload, lambda ctx: service.end_position(ctx, db_id(input.id, "Position", "id"), **service_args(input))
        )

    @strawberry.mutation(description="Step one of the handshake: the member stays here until the other side accepts.")
    def send_transfer(self, info: Info, input: SendTransferInput) -> TransferResult:
        return run_service(
            info,
            TransferPayload,
            lambda ctx: service.send_transfer(ctx, db_id(input.member_id, "Member", "member_id"), **service_args(input, skip=("member_id",))),
        )

    @strawberry.mutation
    def decide_transfer(self, info: Info, input: DecideTransferInput) -> TransferResult:
        return run_service(
            info,
            TransferPayload,
            lambda ctx: service.decide_transfer(
                ctx, db_id(input.id, "Transfer", "id"), **service_args(input, {"to_org_id": "Organization"})
            ),
        )

    @strawberry.mutation
    def cancel_transfer(self, info: Info, input: CancelTransferInput) -> TransferResult:
        return run_service(
            info, TransferPayload, lambda ctx: service.cancel_transfer(ctx, db_id(input.id, "Transfer", "id"), **service_args(input))
        )

    @strawberry.mutation
    def transfer_out(self, info: Info, input: TransferOutInput) -> TransferResult:
        return run_service(
            info,
            TransferPayload,
            lambda ctx: service.transfer_out(ctx, db_id(input.member_id, "Member", "member_id"), **service_args(input, skip=("member_id",))),
        )
