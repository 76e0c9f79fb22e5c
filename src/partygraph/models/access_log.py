"""The access log: who read which personal data, when, of which record, through which path.

Kept apart from the audit trail on purpose: the audit trail's newest id is the data
version of the result cache (`stats.data_version`), so a read recorded there would empty
every cache on every read. Rows here are only ever appended, in one insert per request
or per export (`services.access_log`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from partygraph.models.common import utcnow


class FieldGroup(StrEnum):
    """What was read. Masked ID numbers are not personal data worth a row; full ones are."""

    id_number = "id_number"
    phone = "phone"
    address = "address"
    sanctions = "sanctions"
    assistance = "assistance"


FIELD_GROUP_LABELS: dict[FieldGroup, tuple[str, str]] = {
    FieldGroup.id_number: ("完整身份证号码", "full national ID number"),
    FieldGroup.phone: ("联系电话", "phone"),
    FieldGroup.address: ("住址", "address"),
    FieldGroup.sanctions: ("处分", "sanctions"),
    FieldGroup.assistance: ("帮扶档案详情", "assistance case details"),
}


class AccessLog(SQLModel, table=True):
    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_object", "object_type", "object_id", "id"),
        Index("ix_access_log_account", "account_id", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    # No foreign key: the log outlives any account change and is written in bulk without
    # the account row being loaded; `username` keeps who it was.
    account_id: int | None = Field(default=None)
    username: str = Field(max_length=60, nullable=False)
    role: str = Field(max_length=20, nullable=False)
    object_type: str = Field(max_length=40, nullable=False)
    object_id: int = Field(nullable=False)
    field_group: str = Field(max_length=20, nullable=False)
    # "api:<operation>", "admin:<operation>" or "export:<what>"
    path: str = Field(max_length=120, nullable=False)
