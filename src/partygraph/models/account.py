"""Accounts (users with a role and a home organisation) and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from partygraph.models.common import utcnow


class Role(StrEnum):
    county = "county"
    township = "township"
    village = "village"
    group = "group"
    viewer = "viewer"


ROLE_LABELS = {
    Role.county: ("县委组织部", "County organisation department"),
    Role.township: ("乡镇党委组织委员", "Township clerk"),
    Role.village: ("村党支部书记/组织委员", "Village clerk"),
    Role.group: ("党小组组长", "Party group leader"),
    Role.viewer: ("只读查看", "Read-only viewer"),
}

# Roles whose accounts may change records in their subtree.
WRITING_ROLES = frozenset({Role.county, Role.township, Role.village})


class Account(SQLModel, table=True):
    __tablename__ = "account"

    id: int = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True, nullable=False)
    display_name: str = Field(max_length=60, nullable=False)
    password_hash: str = Field(max_length=200, nullable=False)
    role: str = Field(max_length=16, nullable=False)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    active: bool = Field(default=True, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_login_at: datetime | None = None
    # Set when an administrator made the password (a new account, a reset): that password
    # was seen by someone else, so the admin lets the clerk do nothing before replacing it.
    must_change_password: bool = Field(default=False, nullable=False)
    # Optimistic concurrency for administrators editing the same account.
    version: int = Field(default=1, nullable=False)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", nullable=False, index=True)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    label: str | None = Field(default=None, max_length=60)
    read_only: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
