"""Use cases of disciplinary sanctions (党纪处分): record one, restore a member's rights at
the end of 留党察看 (lift), withdraw a revoked or mistaken record; and the one reading the
pipeline needs: who stands under 留党察看 on a day (R-DEV-09, R-DEV-05).

A sanction is scoped by its member: whoever sees the member sees and (if writing)
changes the member's sanctions. Every change is versioned and audited; a refusal (the
codes R-DISC-01..04 of `rules.discipline`) writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import NotFoundError, RuleViolationError
from partygraph.models.common import utcnow
from partygraph.models.discipline import MemberSanction
from partygraph.models.member import Member
from partygraph.rules.base import Violation
from partygraph.rules.discipline import (
    SanctionKind,
    SanctionRecord,
    lift_problem,
    probation_until,
    record_problem,
    withdraw_problem,
)
from partygraph.services import member as members
from partygraph.services.base import (
    bump_version,
    check_date,
    clean_text,
    record,
    require_writer,
    snapshot,
)

LABEL = "党纪处分"
AUDIT_FIELDS = [
    "member_id", "kind", "decided_on", "effective_from", "effective_until", "decided_by", "document",
    "reason", "lifted_on", "lift_document", "withdrawn_at", "withdrawn_reason",
]  # fmt: skip


def _raise(v: Violation | None) -> None:
    if v is not None:
        raise RuleViolationError(v)


def as_record(s: MemberSanction) -> SanctionRecord:
    return SanctionRecord(
        kind=s.kind,
        effective_from=s.effective_from,
        effective_until=s.effective_until,
        lifted_on=s.lifted_on,
        withdrawn=s.withdrawn_at is not None,
    )


def get(ctx: Context, sanction_id: int) -> tuple[MemberSanction, Member]:
    """The sanction and its member, if the viewer sees the member; else not found."""
    s = ctx.session.get(MemberSanction, sanction_id)
    m = ctx.session.get(Member, s.member_id) if s is not None else None
    if s is None or m is None or ctx.viewer is None or not ctx.viewer.sees(m.org_path):
        raise NotFoundError(LABEL, sanction_id, type_en="MemberSanction")
    return s, m


def of_members(ctx: Context, member_ids: Sequence[int]) -> dict[int, list[MemberSanction]]:
    """Every sanction of each member, newest first: one statement (the caller scoped the ids)."""
    out: dict[int, list[MemberSanction]] = defaultdict(list)
    if not member_ids:
        return out
    rows = ctx.session.execute(
        select(MemberSanction)
        .where(col(MemberSanction.member_id).in_(list(member_ids)))
        .order_by(
            col(MemberSanction.member_id), col(MemberSanction.effective_from).desc(), col(MemberSanction.id).desc()
        )
    ).scalars()
    for r in rows:
        out[r.member_id].append(r)
    return out


def under_party_probation(ctx: Context, member_ids: Sequence[int], on: date) -> set[int]:
    """Of these members, those under 留党察看 on the day: one statement."""
    if not member_ids:
        return set()
    rows = ctx.session.execute(
        select(col(MemberSanction.member_id)).where(
            col(MemberSanction.member_id).in_(list(member_ids)),
            col(MemberSanction.kind) == SanctionKind.party_probation.value,
            col(MemberSanction.withdrawn_at).is_(None),
            col(MemberSanction.effective_from) <= on,
            or_(col(MemberSanction.lifted_on).is_(None), col(MemberSanction.lifted_on) > on),
        )
    ).scalars()
    return set(rows)


def record_sanction(
    ctx: Context,
    *,
    member_id: int,
    kind: str,
    decided_on: date,
    effective_from: date | None = None,
    probation_years: int | None = None,
    decided_by: str,
    document: str | None = None,
    reason: str | None = None,
) -> MemberSanction:
    m = members.get(ctx, member_id)
    viewer = require_writer(ctx, m.org_path)
    effective_from = effective_from or decided_on
    today = ctx.today()
    check_date(
        decided_on, "decidedOn", "处分决定日期", "Decision date", today=today, not_future=False
    )
    _raise(record_problem(kind, decided_on, effective_from, probation_years, today))
    s = MemberSanction(
        member_id=m.id,
        org_path=m.org_path,
        kind=kind,
        decided_on=decided_on,
        effective_from=effective_from,
        effective_until=probation_until(effective_from, probation_years)
        if probation_years
        else None,
        decided_by=clean_text(
            decided_by, "decidedBy", "决定机关", "Deciding body", required=True, max_len=120
        ),
        document=clean_text(
            document, "document", "处分决定文号", "Decision reference", required=False, max_len=120
        ),
        reason=clean_text(reason, "reason", "处分事由", "Grounds", required=False, max_len=2000),
        recorded_by=viewer.account_id,
    )
    ctx.session.add(s)
    ctx.session.flush()
    record(
        ctx, "sanction.record", "MemberSanction", s.id, m.org_path, None, snapshot(s, AUDIT_FIELDS)
    )
    return s


def lift(
    ctx: Context, sanction_id: int, *, on: date, document: str | None = None, version: int | None
) -> MemberSanction:
    """留党察看 ends: the member's rights are restored by a decision of `on`."""
    s, m = get(ctx, sanction_id)
    require_writer(ctx, m.org_path)
    _raise(lift_problem(as_record(s), on, ctx.today()))
    before = snapshot(s, AUDIT_FIELDS)
    s.lifted_on = on
    s.lift_document = clean_text(
        document, "document", "决定文号", "Decision reference", required=False, max_len=120
    )
    bump_version(ctx, s, version, LABEL)
    ctx.session.flush()
    record(
        ctx, "sanction.lift", "MemberSanction", s.id, m.org_path, before, snapshot(s, AUDIT_FIELDS)
    )
    return s


def withdraw(ctx: Context, sanction_id: int, *, reason: str, version: int | None) -> MemberSanction:
    """The decision was revoked (on appeal) or recorded in error: kept, marked withdrawn."""
    s, m = get(ctx, sanction_id)
    require_writer(ctx, m.org_path)
    _raise(withdraw_problem(as_record(s)))
    text = clean_text(reason, "reason", "撤销原因", "Reason", required=True, max_len=1000)
    before = snapshot(s, AUDIT_FIELDS)
    s.withdrawn_at = utcnow()
    s.withdrawn_reason = text
    bump_version(ctx, s, version, LABEL)
    ctx.session.flush()
    record(
        ctx,
        "sanction.withdraw",
        "MemberSanction",
        s.id,
        m.org_path,
        before,
        snapshot(s, AUDIT_FIELDS),
    )
    return s
