"""GraphQL enums exposed from the model enums, so there is one list of values."""

from __future__ import annotations

from enum import Enum

import strawberry

from partygraph.models.account import Role
from partygraph.models.member import Education, Gender, MemberStatus, PositionKind, TransferStatus
from partygraph.models.organization import BranchType, OrgKind, OrgStatus

# Registered in place: strawberry.enum returns the class it is given, so the model enum itself
# is the GraphQL enum (and a class to type checkers, not a variable).
strawberry.enum(OrgKind, name="OrgKind")
strawberry.enum(BranchType, name="BranchType")
strawberry.enum(OrgStatus, name="OrgStatus")
strawberry.enum(Gender, name="Gender")
strawberry.enum(Education, name="Education")
strawberry.enum(MemberStatus, name="MemberStatus")
strawberry.enum(PositionKind, name="PositionKind")
strawberry.enum(TransferStatus, name="TransferStatus")
strawberry.enum(Role, name="Role")


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
