"""The audit log: who changed what, when, before and after. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id", "id"),)

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    actor_name: str | None = Field(default=None, max_length=60)
    action: str = Field(max_length=40, nullable=False)
    object_type: str = Field(max_length=40, nullable=False)
    object_id: int = Field(nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
