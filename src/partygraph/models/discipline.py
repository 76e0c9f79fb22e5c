"""Party disciplinary sanctions (党纪处分) of members: the five kinds of the Party
Constitution art. 39 (警告、严重警告、撤销党内职务、留党察看、开除党籍).

The roster needs them for one rule so far: a member under 留党察看 whose rights have
not been restored cannot introduce a candidate (R-DEV-09) nor be a contact (R-DEV-05)
— `rules.discipline` (the kinds and that rule). A sanction is never deleted: a decision
revoked (on appeal, or recorded in error) is withdrawn (`withdrawn_at`, reason); the
restoration of a member's rights at the end of 留党察看 is `lifted_on`. The member's
standing on the roster (开除党籍 → expelled) is changed by its own status event
(services.member.change_status), not here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field

from partygraph.models.common import PathType, Versioned


class MemberSanction(Versioned, table=True):
    __tablename__ = "member_sanction"
    __table_args__ = (Index("ix_member_sanction_member", "member_id", "effective_from", "id"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the member's (distribution key)
    kind: str = Field(max_length=24, nullable=False)  # rules.discipline.SanctionKind
    decided_on: date = Field(nullable=False)
    effective_from: date = Field(nullable=False)
    # 留党察看: the last day of its one or two years; NULL for the other kinds
    effective_until: date | None = None
    decided_by: str = Field(max_length=120, nullable=False)
    document: str | None = Field(default=None, max_length=120)
    reason: str | None = Field(default=None, max_length=2000)
    # 留党察看 ended with the member's rights restored (恢复党员权利), by a decision of this date
    lifted_on: date | None = None
    lift_document: str | None = Field(default=None, max_length=120)
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = Field(default=None, max_length=1000)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
