"""The organisation tree (党组织), stored with a materialised path."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Column, Index
from sqlmodel import Field

from partygraph.models.common import PathType, Versioned

PATH_SEGMENT_WIDTH = 8


class OrgKind(StrEnum):
    province = "province"
    prefecture = "prefecture"
    county = "county"
    committee = "committee"
    general_branch = "general_branch"
    branch = "branch"
    group = "group"


ORG_KIND_LABELS: dict[OrgKind, tuple[str, str]] = {
    OrgKind.province: ("省委", "Provincial committee"),
    OrgKind.prefecture: ("市（州）委", "Prefecture committee"),
    OrgKind.county: ("县委", "County committee"),
    OrgKind.committee: ("基层党委", "Base committee"),
    OrgKind.general_branch: ("党总支", "General branch"),
    OrgKind.branch: ("党支部", "Branch"),
    OrgKind.group: ("党小组", "Party group"),
}

# Which kinds may hold which: a branch never holds a committee, a group sits in a branch.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.province: frozenset(),
    OrgKind.prefecture: frozenset({OrgKind.province}),
    OrgKind.county: frozenset({OrgKind.prefecture, OrgKind.province}),
    OrgKind.committee: frozenset({OrgKind.county, OrgKind.committee, OrgKind.prefecture}),
    OrgKind.general_branch: frozenset({OrgKind.county, OrgKind.committee}),
    OrgKind.branch: frozenset({OrgKind.county, OrgKind.committee, OrgKind.general_branch}),
    OrgKind.group: frozenset({OrgKind.branch}),
}

# Committees with approval power over admissions (docs/rules.md §1 step 17).
APPROVING_KINDS = frozenset({OrgKind.county, OrgKind.committee, OrgKind.prefecture})


class BranchType(StrEnum):
    village = "village"
    community = "community"
    agency = "agency"
    enterprise = "enterprise"
    school = "school"
    hospital = "hospital"
    two_new = "two_new"
    flowing = "flowing"
    retired = "retired"
    left_behind = "left_behind"
    other = "other"


BRANCH_TYPE_LABELS: dict[BranchType, tuple[str, str]] = {
    BranchType.village: ("村党支部", "Village"),
    BranchType.community: ("社区党支部", "Community"),
    BranchType.agency: ("机关党支部", "Agency"),
    BranchType.enterprise: ("企业党支部", "Enterprise"),
    BranchType.school: ("学校党支部", "School"),
    BranchType.hospital: ("医院党支部", "Hospital"),
    BranchType.two_new: ("两新组织党支部", "New economic/social organisation"),
    BranchType.flowing: ("流动党支部", "Flowing members"),
    BranchType.retired: ("离退休党支部", "Retired"),
    BranchType.left_behind: ("留守支部", "Left-behind"),
    BranchType.other: ("其他", "Other"),
}


class OrgStatus(StrEnum):
    active = "active"
    dissolved = "dissolved"


def path_segment(org_id: int) -> str:
    return f"{org_id:0{PATH_SEGMENT_WIDTH}d}."


def subtree_upper_bound(path: str) -> str:
    """Every descendant path P satisfies path <= P < bound ('/' follows '.')."""
    return path[:-1] + "/"


class Organization(Versioned, table=True):
    __tablename__ = "organization"
    __table_args__ = (Index("ix_organization_parent_name", "parent_id", "name"),)

    id: int = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    path: str = Field(sa_column=Column(PathType, nullable=False, unique=True))
    depth: int = Field(default=0, nullable=False)
    code: str = Field(max_length=32, unique=True, nullable=False)
    name: str = Field(max_length=120, nullable=False)
    kind: str = Field(max_length=20, nullable=False)
    branch_type: str | None = Field(default=None, max_length=20)
    established_on: date | None = None
    population: int | None = None
    address: str | None = Field(default=None, max_length=200)
    status: str = Field(default=OrgStatus.active, max_length=12, nullable=False)
    dissolved_on: date | None = None
    dissolved_reason: str | None = Field(default=None, max_length=500)
