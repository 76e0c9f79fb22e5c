"""SQLModel tables, one module per aggregate. Importing this registers them all."""

from partygraph.models.account import Account, ApiToken, Role
from partygraph.models.audit import AuditEvent
from partygraph.models.member import Member, MemberEvent, Position, Transfer
from partygraph.models.organization import Organization

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "Member",
    "MemberEvent",
    "Organization",
    "Position",
    "Role",
    "Transfer",
]
