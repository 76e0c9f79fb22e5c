"""Roster rollups: member counts of every organisation's whole subtree, by figure.

Kept by the write path (`partygraph.reports.rollup`), so the statistics of a province read a
few hundred rows instead of scanning four million members.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, PrimaryKeyConstraint, String
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType


class MemberTally(SQLModel, table=True):
    __tablename__ = "member_tally"
    __table_args__ = (PrimaryKeyConstraint("org_id", "dim", "value", name="pk_member_tally"),)

    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", name="fk_member_tally_org_id_organization"), nullable=False))
    # a figure (status, gender, education, ethnicity, front_line, rural, birth_year, roster)
    # the path of `org_id` (distribution key): rewritten by organisation moves like every *org_path
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    dim: str = Field(sa_column=Column(String(16), nullable=False))
    value: str = Field(sa_column=Column(String(32), nullable=False))
    n: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
