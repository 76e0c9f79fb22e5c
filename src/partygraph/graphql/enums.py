"""GraphQL enums exposed from the model enums, so there is one list of values."""

from __future__ import annotations

from enum import Enum

import strawberry

from partygraph.models.account import Role as _Role
from partygraph.models.member import Education as _Education
from partygraph.models.member import Gender as _Gender
from partygraph.models.member import MemberStatus as _MemberStatus
from partygraph.models.member import PositionKind as _PositionKind
from partygraph.models.member import TransferStatus as _TransferStatus
from partygraph.models.organization import BranchType as _BranchType
from partygraph.models.organization import OrgKind as _OrgKind
from partygraph.models.organization import OrgStatus as _OrgStatus

OrgKind = strawberry.enum(_OrgKind, name="OrgKind")
BranchType = strawberry.enum(_BranchType, name="BranchType")
OrgStatus = strawberry.enum(_OrgStatus, name="OrgStatus")
Gender = strawberry.enum(_Gender, name="Gender")
Education = strawberry.enum(_Education, name="Education")
MemberStatus = strawberry.enum(_MemberStatus, name="MemberStatus")
PositionKind = strawberry.enum(_PositionKind, name="PositionKind")
TransferStatus = strawberry.enum(_TransferStatus, name="TransferStatus")
Role = strawberry.enum(_Role, name="Role")


@strawberry.enum
class MemberOrder(Enum):
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    JOINED_ASC = "joined_asc"
    JOINED_DESC = "joined_desc"
    BIRTH_ASC = "birth_asc"
    BIRTH_DESC = "birth_desc"


@strawberry.enum
class OrgOrder(Enum):
    TREE = "tree"
    NAME = "name"
    CODE = "code"


@strawberry.enum
class TransferDirection(Enum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ALL = "all"
