"""Use cases of the organisation tree: create, update, move, dissolve."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlmodel import SQLModel, col

from partygraph.context import Context
from partygraph.errors import RuleViolationError, violation
from partygraph.models.member import ACTIVE_STATUSES, Member
from partygraph.models.organization import (
    ALLOWED_PARENTS,
    ORG_KIND_LABELS,
    BranchType,
    Organization,
    OrgKind,
    OrgStatus,
    path_segment,
    subtree_upper_bound,
)
from partygraph.reports import rollup
from partygraph.scope import path_range
from partygraph.services.base import (
    bump_version,
    check_date,
    clean_text,
    get_scoped,
    record,
    require_writer,
    snapshot,
)

AUDIT_FIELDS = [
    "code",
    "name",
    "kind",
    "branch_type",
    "parent_id",
    "path",
    "established_on",
    "population",
    "address",
    "status",
    "dissolved_on",
    "dissolved_reason",
]
LABEL = "组织"


def get(ctx: Context, org_id: int) -> Organization:
    return get_scoped(ctx, Organization, org_id, "path", LABEL)


# What an account may change of its own home organisation (R-ORG-HOME). Its kind, code and
# place in the tree, and whether it exists at all, are the business of the level above
# (docs/domain.md §1: the township sets up and numbers its villages; the county its townships): a
# village clerk who turned its branch into a committee, renumbered it or dissolved it
# would change what the levels above count and see. The clerk keeps what it knows best:
# the name as written, the address, the founding date, the population. The top of the
# tree has no level above: its own county keeps all of it.
HOME_EDITABLE = frozenset({"name", "address", "established_on", "population"})
HOME_FIELD_NAMES = {"code": "code", "kind": "kind", "branch_type": "branchType"}


def is_home(ctx: Context, org: Organization) -> bool:
    """The organisation is the viewer's own home, with a level above it in the tree."""
    return ctx.viewer is not None and ctx.viewer.org_id == org.id and org.parent_id is not None


def _home_violation(field: str | None, what_zh: str, what_en: str) -> RuleViolationError:
    return violation(
        "R-ORG-HOME",
        f"本组织的{what_zh}由上级组织维护，请联系上级组织办理",
        f"Your own organisation's {what_en} is kept by the level above: ask it to make the change",
        field,
    )


def _check_home_changes(ctx: Context, org: Organization, changes: dict[str, Any]) -> None:
    if not is_home(ctx, org):
        return
    current = {"code": org.code, "kind": org.kind, "branch_type": org.branch_type}
    for attr, field in HOME_FIELD_NAMES.items():
        # Sending back the value it already has is no change (a form posts every field).
        if attr in changes and changes[attr] != current[attr]:
            zh, en = {"code": ("编码", "code"), "kind": ("类别", "kind"), "branch_type": ("支部类型", "branch type")}[attr]
            raise _home_violation(field, zh, en)


def _check_kind(kind: str, branch_type: str | None) -> tuple[OrgKind, str | None]:
    try:
        k = OrgKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的组织类别：{kind}", f"Unknown organisation kind: {kind}", "kind") from None
    if branch_type:
        if k not in (OrgKind.branch, OrgKind.general_branch, OrgKind.committee):
            raise violation(
                "INVALID_INPUT",
                "只有党支部、党总支或基层党委可以设置支部类型",
                "Only branches, general branches and base committees have a branch type",
                "branchType",
            )
        try:
            BranchType(branch_type)
        except ValueError:
            raise violation("INVALID_INPUT", f"未知的支部类型：{branch_type}", f"Unknown branch type: {branch_type}", "branchType") from None
    return k, branch_type or None


def _check_parent(kind: OrgKind, parent: Organization | None, field: str = "parentId") -> None:
    allowed = ALLOWED_PARENTS[kind]
    if parent is None:
        if allowed and kind not in (OrgKind.county, OrgKind.prefecture, OrgKind.province):
            raise violation("R-ORG-TREE", "必须指定上级组织", "A parent organisation is required", field)
        return
    if parent.status != OrgStatus.active:
        raise violation("R-ORG-TREE", "上级组织已撤销", "The parent organisation is dissolved", field)
    if OrgKind(parent.kind) not in allowed:
        pz, pe = ORG_KIND_LABELS[OrgKind(parent.kind)]
        kz, ke = ORG_KIND_LABELS[kind]
        raise violation(
            "R-ORG-TREE",
            f"{pz}之下不能设{kz}",
            f"A {ke.lower()} cannot sit under a {pe.lower()}",
            field,
        )


def _check_code(ctx: Context, code: str, own_id: int | None = None) -> None:
    existing = ctx.session.execute(select(col(Organization.id)).where(col(Organization.code) == code)).scalar()
    if existing is not None and existing != own_id:
        raise violation("DUPLICATE", f"组织编码 {code} 已被使用", f"Organisation code {code} is already used", "code")


def _check_common(ctx: Context, established_on: date | None, population: int | None) -> None:
    check_date(established_on, "establishedOn", "成立日期", "Established date", today=ctx.today())
    if population is not None and population < 0:
        raise violation("INVALID_INPUT", "人口数不能为负数", "Population cannot be negative", "population")


def create(
    ctx: Context,
    *,
    parent_id: int | None,
    code: str,
    name: str,
    kind: str,
    branch_type: str | None = None,
    established_on: date | None = None,
    population: int | None = None,
    address: str | None = None,
) -> Organization:
    parent = get(ctx, parent_id) if parent_id is not None else None
    if parent is not None:
        require_writer(ctx, parent.path)
    else:
        # Only the system (CLI set-up, imports run by an operator) plants a new root.
        require_writer(ctx, "")
    code = clean_text(code, "code", "组织编码", "Code", required=True, max_len=32)
    name = clean_text(name, "name", "组织名称", "Name", required=True, max_len=120)
    k, branch_type = _check_kind(kind, branch_type)
    _check_parent(k, parent)
    _check_code(ctx, code)
    _check_common(ctx, established_on, population)
    org = Organization(
        parent_id=parent.id if parent else None,
        path=f"~{uuid.uuid4().hex}",
        depth=(parent.depth + 1) if parent else 0,
        code=code,
        name=name,
        kind=k.value,
        branch_type=branch_type,
        established_on=established_on,
        population=population,
        address=clean_text(address, "address", "地址", "Address", required=False, max_len=200),
    )
    ctx.session.add(org)
    ctx.session.flush()
    org.path = (parent.path if parent else "") + path_segment(org.id)
    ctx.session.flush()
    record(ctx, "organization.create", "Organization", org.id, org.path, None, snapshot(org, AUDIT_FIELDS))
    return org


def update_fields(
    ctx: Context,
    org_id: int,
    *,
    version: int | None,
    changes: dict[str, Any],
) -> Organization:
    """Change any of code, name, kind, branch_type, established_on, population, address."""
    org = get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "已撤销的组织不能修改", "A dissolved organisation cannot be changed")
    _check_home_changes(ctx, org, changes)
    before = snapshot(org, AUDIT_FIELDS)
    if "code" in changes:
        code = clean_text(changes["code"], "code", "组织编码", "Code", required=True, max_len=32)
        _check_code(ctx, code, org.id)
        org.code = code
    if "name" in changes:
        org.name = clean_text(changes["name"], "name", "组织名称", "Name", required=True, max_len=120)
    kind = changes.get("kind", org.kind)
    branch_type = changes.get("branch_type", org.branch_type)
    k, bt = _check_kind(kind, branch_type)
    if k.value != org.kind:
        parent = ctx.session.get(Organization, org.parent_id) if org.parent_id else None
        _check_parent(k, parent)
        for child in _children(ctx, org.id):
            if k not in ALLOWED_PARENTS[OrgKind(child.kind)]:
                raise violation(
                    "R-ORG-TREE",
                    f"下级组织“{child.name}”不能设在该类别之下",
                    f"Child “{child.name}” cannot sit under that kind",
                    "kind",
                )
    org.kind, org.branch_type = k.value, bt
    if "established_on" in changes:
        org.established_on = changes["established_on"]
    if "population" in changes:
        org.population = changes["population"]
    if "address" in changes:
        org.address = clean_text(changes["address"], "address", "地址", "Address", required=False, max_len=200)
    _check_common(ctx, org.established_on, org.population)
    bump_version(ctx, org, version, LABEL)
    record(ctx, "organization.update", "Organization", org.id, org.path, before, snapshot(org, AUDIT_FIELDS))
    ctx.session.flush()
    return org


def _children(ctx: Context, org_id: int) -> list[Organization]:
    return list(
        ctx.session.execute(
            select(Organization).where(col(Organization.parent_id) == org_id, col(Organization.status) == OrgStatus.active)
        ).scalars()
    )


def path_columns() -> list:
    """Every column that stores an organisation path, by the naming convention `*org_path`."""
    cols = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("org_path") or (table.name == "organization" and column.name == "path"):
                cols.append((table, column))
    return cols


def move(ctx: Context, org_id: int, *, new_parent_id: int, version: int | None) -> Organization:
    org = get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.parent_id is None:
        raise violation("R-ORG-TREE", "顶级组织不能移动", "The top organisation cannot be moved", "id")
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "已撤销的组织不能移动", "A dissolved organisation cannot be moved")
    parent = get(ctx, new_parent_id)
    require_writer(ctx, parent.path)
    if parent.path.startswith(org.path):
        raise violation(
            "R-ORG-CYCLE",
            "不能把组织移到它自己或它的下级组织之下",
            "An organisation cannot be moved under itself or one of its descendants",
            "newParentId",
        )
    _check_parent(OrgKind(org.kind), parent, "newParentId")
    # A scope is a subtree, so a home organisation's new parent in scope is already below it
    # (R-ORG-CYCLE above); this names the rule should scopes ever reach further.
    if is_home(ctx, org):
        raise _home_violation("newParentId", "上级组织", "parent")
    before = snapshot(org, AUDIT_FIELDS)
    old, new = org.path, parent.path + path_segment(org.id)
    delta = parent.depth + 1 - org.depth
    bump_version(ctx, org, version, LABEL)
    rollup.move_subtree(ctx.session, org, new)
    for table, column in path_columns():
        values = {column.name: literal(new) + func.substr(column, len(old) + 1)}
        if table.name == "organization":
            values["depth"] = table.c.depth + delta
        ctx.session.execute(update(table).where(column >= old, column < subtree_upper_bound(old)).values(**values))
    ctx.session.execute(update(Organization).where(col(Organization.id) == org.id).values(parent_id=parent.id))
    ctx.session.expire_all()
    org = ctx.session.get_one(Organization, org_id)
    record(ctx, "organization.move", "Organization", org.id, org.path, before, snapshot(org, AUDIT_FIELDS))
    return org


def dissolve(ctx: Context, org_id: int, *, on: date, reason: str, version: int | None) -> Organization:
    org = get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.parent_id is None:
        raise violation("R-ORG-TREE", "顶级组织不能撤销", "The top organisation cannot be dissolved")
    if is_home(ctx, org):
        raise _home_violation(None, "撤销", "dissolution")  # zh: 本组织的撤销由上级组织…办理
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "该组织已撤销", "The organisation is already dissolved")
    reason = clean_text(reason, "reason", "撤销原因", "Reason", required=True, max_len=500)
    check_date(on, "on", "撤销日期", "Dissolution date", today=ctx.today())
    if _children(ctx, org.id):
        raise violation(
            "R-ORG-DISSOLVE",
            "该组织还有未撤销的下级组织，请先撤销或移走",
            "It still has active child organisations: dissolve or move them first",
        )
    active = ctx.session.execute(
        select(func.count()).select_from(Member).where(path_range(col(Member.org_path), org.path), col(Member.status).in_(list(ACTIVE_STATUSES)))
    ).scalar_one()
    if active:
        raise violation(
            "R-ORG-DISSOLVE",
            f"该组织还有 {active} 名党员，请先转接组织关系",
            f"It still has {active} members: transfer them first",
        )
    before = snapshot(org, AUDIT_FIELDS)
    org.status, org.dissolved_on, org.dissolved_reason = OrgStatus.dissolved.value, on, reason
    bump_version(ctx, org, version, LABEL)
    record(ctx, "organization.dissolve", "Organization", org.id, org.path, before, snapshot(org, AUDIT_FIELDS))
    ctx.session.flush()
    return org
