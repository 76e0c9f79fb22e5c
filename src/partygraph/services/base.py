"""Helpers every service uses: scoped loading, permission, versions, audit."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, TypeVar, cast, overload

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import SQLModel

from partygraph.context import Context, Viewer
from partygraph.errors import ConflictError, NotAllowedError, NotFoundError, violation
from partygraph.models.assistance import AssistanceCase, CaseStep, Loan, Pairing, Promise, Repayment
from partygraph.models.audit import AuditEvent
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.common import utcnow
from partygraph.models.discipline import MemberSanction
from partygraph.models.meeting import (
    ContactAttempt,
    Election,
    ElectionCandidate,
    FourStepItem,
    FourStepRecord,
    LostContactRecord,
    Meeting,
    MeetingDecision,
    Term,
    TermMember,
)
from partygraph.models.member import Member, MemberEvent, Position

M = TypeVar("M", bound=SQLModel)


def require_viewer(ctx: Context) -> Viewer:
    if ctx.viewer is None:
        raise NotAllowedError("请先登录", "Sign in first")
    return ctx.viewer


def require_writer(ctx: Context, path: str | None) -> Viewer:
    """In scope and allowed to write. Out of scope is reported as not found by the caller."""
    viewer = require_viewer(ctx)
    if not viewer.can_write:
        raise NotAllowedError(
            "当前账号为只读，不能修改数据", "This account is read-only and cannot change records"
        )
    if not viewer.sees(path):
        raise NotAllowedError("该组织不在您的管理范围内", "That organisation is outside your scope")
    return viewer


def get_scoped(ctx: Context, model: type[M], ident: int, path_attr: str, label: str) -> M:
    obj = ctx.session.get(model, ident)
    viewer = ctx.viewer
    if obj is None or viewer is None or not viewer.sees(getattr(obj, path_attr)):
        raise NotFoundError(label, ident, type_en=model.__name__)
    return obj


# --- the distribution key of child rows --------------------------------------------------------
#
# Rows that grow with the members carry the organisation path of the record they belong to
# (`org_path`, the distribution key), copied from it when they are written:
# child model → (its foreign key to the parent, the parent model, the parent's path attribute).
# An organisation move rewrites every `*org_path` by prefix; a parent whose own path changes
# otherwise (a member moved or transferred to another organisation) calls `repath_children`.
PATH_PARENTS: dict[type[SQLModel], tuple[str, type[SQLModel], str]] = {
    MemberEvent: ("member_id", Member, "org_path"),
    Position: ("member_id", Member, "org_path"),
    MemberSanction: ("member_id", Member, "org_path"),
    CandidateStep: ("candidate_id", Candidate, "org_path"),
    MeetingDecision: ("meeting_id", Meeting, "org_path"),
    TermMember: ("term_id", Term, "org_path"),
    ElectionCandidate: ("election_id", Election, "org_path"),
    FourStepRecord: ("item_id", FourStepItem, "org_path"),
    ContactAttempt: ("record_id", LostContactRecord, "member_org_path"),
    CaseStep: ("case_id", AssistanceCase, "org_path"),
    Promise: ("pairing_id", Pairing, "org_path"),
    Repayment: ("loan_id", Loan, "org_path"),
}


def repath_children(session: Session, parent: type[SQLModel], parent_id: int, new_path: str) -> None:
    """The parent's path changed (not by an organisation move): its child rows follow, one bulk
    UPDATE per child table, in the caller's transaction. Pending ORM changes are flushed first
    so that no child row is written afterwards with the old path."""
    session.flush()
    for child, (fk, model, _attr) in PATH_PARENTS.items():
        if model is parent:
            session.execute(update(child).where(getattr(child, fk) == parent_id).values(org_path=new_path))


def bump_version(ctx: Context, obj: Any, expected: int | None, label: str) -> None:
    """Compare-and-set on the version column: a stale write is a Conflict, never an overwrite."""
    current = obj.version
    if expected is not None and expected != current:
        raise ConflictError(label, expected, current, type_en=type(obj).__name__)
    model = type(obj)
    # An UPDATE's result is a CursorResult, which has the row count.
    result = cast(CursorResult[Any], ctx.session.execute(
        update(model)
        .where(model.id == obj.id, model.version == current)
        .values(version=current + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))
    if result.rowcount != 1:
        raise ConflictError(label, current, current + 1, type_en=type(obj).__name__)
    # The row already holds the new version; tell the ORM so it does not write it again.
    set_committed_value(obj, "version", current + 1)
    obj.updated_at = utcnow()


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def record(
    ctx: Context,
    action: str,
    object_type: str,
    object_id: int,
    org_path: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    viewer = ctx.viewer
    event = AuditEvent(
        actor_id=viewer.account_id if viewer else None,
        actor_name=viewer.username if viewer else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        org_path=org_path,
        before=before,
        after=after,
    )
    ctx.session.add(event)
    return event


@overload
def clean_text(value: str | None, field: str, label_zh: str, label_en: str, *, required: Literal[True], max_len: int) -> str: ...
@overload
def clean_text(value: str | None, field: str, label_zh: str, label_en: str, *, required: bool, max_len: int) -> str | None: ...
def clean_text(value: str | None, field: str, label_zh: str, label_en: str, *, required: bool, max_len: int) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise violation("INVALID_INPUT", f"{label_zh}不能为空", f"{label_en} must not be empty", field)
        return None
    if len(text) > max_len:
        raise violation(
            "INVALID_INPUT",
            f"{label_zh}不能超过 {max_len} 个字符",
            f"{label_en} must be at most {max_len} characters",
            field,
        )
    return text


def check_date(value: date | None, field: str, label_zh: str, label_en: str, *, today: date, not_future: bool = True, earliest: date = date(1900, 1, 1)) -> None:
    if value is None:
        return
    if value < earliest:
        raise violation("INVALID_DATE", f"{label_zh}不可能早于 {earliest}", f"{label_en} cannot be before {earliest}", field)
    if not_future and value > today:
        raise violation("INVALID_DATE", f"{label_zh}不能晚于今天（{today}）", f"{label_en} cannot be after today ({today})", field)
