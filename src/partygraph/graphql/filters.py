"""List filters and orderings as input types, turned into SQL in one place."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Select, and_, or_, select, union_all
from sqlmodel import col
from strawberry import relay

from partygraph.context import Context
from partygraph.errors import violation
from partygraph.graphql import enums
from partygraph.graphql.lists import under_conditions
from partygraph.graphql.pagination import SortKey
from partygraph.models.member import ACTIVE_STATUSES, Member
from partygraph.models.organization import Organization


@strawberry.input(description="Member list filters; every field narrows the list.")
class MemberFilter:
    search: str | None = strawberry.field(default=None, description="Name, pinyin (zhangsan) or initials (zs).")
    under: relay.GlobalID | None = strawberry.field(default=None, description="Only this organisation's subtree.")
    status: list[enums.MemberStatus] | None = strawberry.field(
        default=None, description="Default: on the roster (probationary and full)."
    )
    gender: enums.Gender | None = None
    education: list[enums.Education] | None = None
    age_min: int | None = None
    age_max: int | None = None
    ethnicity: str | None = None
    flowing: bool | None = None
    lost_contact: bool | None = None
    in_difficulty: bool | None = None
    front_line: bool | None = None
    rural: bool | None = None


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def search_text(ctx: Context, text: str, field: str = "filter.search") -> str:
    """A list filter's search text, stripped; refused over `max_search_length` characters (a
    LIKE over a long pattern costs the database, and no name is that long)."""
    q = text.strip()
    limit = ctx.settings.max_search_length
    if len(q) > limit:
        raise violation("SEARCH_TOO_LONG", f"搜索内容不能超过 {limit} 个字", f"The search text is longer than {limit} characters", field)
    return q


def name_search(ctx: Context, model: Any, text: str) -> ColumnElement[bool]:
    """Search a person table (Member, Candidate) by pinyin or initials prefix, phone, ID number or name.

    Latin letters are a pinyin prefix: two index range scans on the C-collated key columns.
    SQLite has no column histograms and would rather scan the organisation path range, so
    there the ranges become `id IN (… UNION ALL …)`, which it drives from those indexes
    (`LIKE 'x%'` is case-insensitive on SQLite and cannot use an index at all); PostgreSQL
    gets the plain OR and weighs a bitmap OR of the two ranges against the path range itself
    (in a province "zhang" matches 270,000 people, a county's subtree 20,000). Digits are a phone or ID number, matched exactly
    (indexed); anything else is a substring of the Chinese name.
    """
    q = search_text(ctx, text)
    low = q.lower().replace(" ", "")
    if low.isascii() and low.isalpha():
        ranges = [and_(k >= low, k < _next_prefix(low)) for k in (model.name_pinyin, model.name_initials)]
        if ctx.session.get_bind().dialect.name == "postgresql":
            return or_(*ranges)
        return model.id.in_(union_all(*(select(model.id).where(r) for r in ranges)))
    if q.isascii() and q[:-1].isdigit() and (q[-1].isdigit() or q[-1] in "xX"):
        cond = model.phone == q
        if hasattr(model, "id_number"):
            cond = or_(cond, model.id_number == q.upper())
        return cond
    return model.name.like(f"%{_escape_like(q)}%", escape="\\")


def member_conditions(ctx: Context, f: MemberFilter | None) -> list[ColumnElement[bool]]:
    f = f or MemberFilter()
    conds: list[ColumnElement[bool]] = []
    conds += under_conditions(ctx, Member, f.under, "filter.under")
    statuses = [s.value for s in f.status] if f.status else [s.value for s in ACTIVE_STATUSES]
    conds.append(col(Member.status).in_(statuses))
    if f.search and f.search.strip():
        conds.append(name_search(ctx, Member, f.search))
    if f.gender is not None:
        conds.append(col(Member.gender) == f.gender.value)
    if f.education:
        conds.append(col(Member.education).in_([e.value for e in f.education]))
    today = ctx.today()
    if f.age_min is not None:
        conds.append(col(Member.birth_date) <= _years_before(today, f.age_min))
    if f.age_max is not None:
        # age <= max  <=>  born after the day (max + 1) years ago
        conds.append(col(Member.birth_date) > _years_before(today, f.age_max + 1))
    if f.ethnicity:
        conds.append(col(Member.ethnicity) == f.ethnicity.strip())
    for attr in ("flowing", "lost_contact", "in_difficulty", "front_line", "rural"):
        value = getattr(f, attr)
        if value is not None:
            conds.append(getattr(Member, attr).is_(value))
    return conds


def member_sort(order: enums.MemberOrder | None) -> SortKey:
    order = order or enums.MemberOrder.NAME_ASC
    column = {"name": col(Member.name), "joined": col(Member.joined_on), "birth": col(Member.birth_date)}[order.value.split("_")[0]]
    return SortKey((column, col(Member.id)), descending=order.value.endswith("desc"))


def apply_members(ctx: Context, stmt: Select, f: MemberFilter | None) -> Select:
    return stmt.where(*member_conditions(ctx, f))


@strawberry.input(description="Organisation list filters.")
class OrgFilter:
    under: relay.GlobalID | None = None
    kind: list[enums.OrgKind] | None = None
    branch_type: list[enums.BranchType] | None = None
    search: str | None = strawberry.field(default=None, description="Name or code contains.")
    include_dissolved: bool = False


def org_conditions(ctx: Context, f: OrgFilter | None) -> list[ColumnElement[bool]]:
    f = f or OrgFilter()
    conds: list[ColumnElement[bool]] = []
    conds += under_conditions(ctx, Organization, f.under, "filter.under")
    if f.kind:
        conds.append(col(Organization.kind).in_([k.value for k in f.kind]))
    if f.branch_type:
        conds.append(col(Organization.branch_type).in_([b.value for b in f.branch_type]))
    if f.search and f.search.strip():
        q = f"%{_escape_like(search_text(ctx, f.search))}%"
        conds.append(or_(col(Organization.name).ilike(q, escape="\\"), col(Organization.code).ilike(q, escape="\\")))
    if not f.include_dissolved:
        conds.append(col(Organization.status) == "active")
    return conds


def org_sort(order: enums.OrgOrder | None) -> SortKey:
    column = {enums.OrgOrder.NAME: Organization.name, enums.OrgOrder.CODE: Organization.code}.get(
        order or enums.OrgOrder.TREE, Organization.path
    )
    return SortKey((col(column), col(Organization.id)))
