"""Admin sign-in: server-side sessions, the attempts that throttling counts, and lockouts.

The session cookie carries only a random session id; the row here, found by the id's
SHA-256 digest, is what makes it worth anything, so ending the row ends the cookie.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from partygraph.models.common import utcnow


class LoginSession(SQLModel, table=True):
    __tablename__ = "login_session"

    id: int = Field(default=None, primary_key=True)
    # The cookie's value is never stored: a copy of this table signs nobody in.
    id_hash: str = Field(max_length=64, unique=True, nullable=False)
    account_id: int = Field(foreign_key="account.id", nullable=False, index=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, nullable=False)
    ended_at: datetime | None = None
    # signed_out, deactivated, password_changed, role_changed, … (services.signin.end_sessions)
    ended_reason: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=200)


class SignInAttempt(SQLModel, table=True):
    """One try at the sign-in form. Keyed by the name typed, not the account, so that a name
    nobody has is throttled exactly like one that exists."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_username_at", "username", "at"),
        Index("ix_sign_in_attempt_address_at", "address", "at"),
    )

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, nullable=False)
    username: str = Field(max_length=60, nullable=False)
    address: str = Field(max_length=64, nullable=False)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    succeeded: bool = Field(default=False, nullable=False)


class SignInLockout(SQLModel, table=True):
    """Sign-in refused for a name (kind "account") or an address until `until`, unless lifted."""

    __tablename__ = "sign_in_lockout"
    __table_args__ = (Index("ix_sign_in_lockout_kind_key", "kind", "key", "until"),)

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, nullable=False)
    key: str = Field(max_length=64, nullable=False)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    failures: int = Field(nullable=False)
    started_at: datetime = Field(default_factory=utcnow, nullable=False)
    until: datetime = Field(nullable=False)
    lifted_at: datetime | None = None
    lifted_by_id: int | None = Field(default=None, foreign_key="account.id")
    version: int = Field(default=1, nullable=False)
