"""Use cases of members: register, update, status changes, positions, transfers."""

from __future__ import annotations

from datetime import date
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select
from sqlmodel import col
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from partygraph.context import Context
from partygraph.errors import NotAllowedError, NotFoundError, violation
from partygraph.models.member import (
    ACTIVE_STATUSES,
    MEMBER_STATUS_LABELS,
    POSITION_LABELS,
    Education,
    Gender,
    Member,
    MemberEvent,
    MemberStatus,
    Position,
    PositionKind,
    Transfer,
    TransferStatus,
)
from partygraph.models.organization import Organization, OrgKind, OrgStatus
from partygraph.rules.base import age_on
from partygraph.services import organization as orgs
from partygraph.services.base import (
    bump_version,
    check_date,
    clean_text,
    get_scoped,
    record,
    repath_children,
    require_viewer,
    require_writer,
    snapshot,
)

LABEL = "党员"
AUDIT_FIELDS = [
    "org_id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "occupation",
    "front_line",
    "rural",
    "joined_on",
    "converted_on",
    "status",
    "phone",
    "id_number",
    "pre_1949",
    "flowing",
    "flow_destination",
    "flow_certificate",
    "lost_contact",
    "lost_contact_since",
    "in_difficulty",
    "notes",
]
# Organisations that hold members directly (a party group's members are its branch's too).
MEMBER_HOLDING_KINDS = frozenset(
    {OrgKind.branch, OrgKind.group, OrgKind.general_branch, OrgKind.committee}
)

# Status changes a clerk may record by hand; conversions and transfers have their own use cases.
STATUS_TRANSITIONS: dict[MemberStatus, frozenset[MemberStatus]] = {
    MemberStatus.probationary: frozenset(
        {MemberStatus.full, MemberStatus.probation_cancelled, MemberStatus.deceased, MemberStatus.left, MemberStatus.expelled}
    ),
    MemberStatus.full: frozenset(
        {MemberStatus.suspended, MemberStatus.deceased, MemberStatus.left, MemberStatus.removed, MemberStatus.expelled}
    ),
    MemberStatus.suspended: frozenset(
        {MemberStatus.full, MemberStatus.removed, MemberStatus.deceased, MemberStatus.expelled}
    ),
}

EDITABLE = {
    "name", "gender", "ethnicity", "birth_date", "education", "occupation", "front_line",
    "rural", "joined_on", "converted_on", "phone", "id_number", "pre_1949", "flowing",
    "flow_destination", "flow_certificate", "lost_contact", "lost_contact_since",
    "in_difficulty", "notes", "org_id",
}  # fmt: skip


def get(ctx: Context, member_id: int) -> Member:
    return get_scoped(ctx, Member, member_id, "org_path", LABEL)


def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, so 张三 is found by 'zhangsan' and by 'zs'."""
    return (
        "".join(lazy_pinyin(name)).lower(),
        "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower(),
    )


def _holding_org(ctx: Context, org_id: int) -> Organization:
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "该组织已撤销", "That organisation is dissolved", "orgId")
    if OrgKind(org.kind) not in MEMBER_HOLDING_KINDS:
        raise violation(
            "INVALID_INPUT",
            "党员须编入党支部、党小组、党总支或基层党委",
            "Members belong to a branch, party group, general branch or base committee",
            "orgId",
        )
    return org


# A duplicate ID number held outside the viewer's scope: neither who holds it nor where
# (nor whether a member or an applicant) may reach a clerk who cannot see that record.
REGISTERED_ELSEWHERE = (
    "该身份证号码已登记，请联系县委组织部核实",
    "That ID number is already registered; contact the county organisation department",
)


def normalise_id_number(raw: str | None) -> str | None:
    text = (raw or "").strip().upper()
    if not text:
        return None
    try:
        return ric.validate(text)
    except ValidationError:
        raise violation(
            "INVALID_ID_NUMBER",
            "身份证号码无效（长度、出生日期或校验位不对）",
            "Invalid national ID number (length, birth date or check digit)",
            "idNumber",
        ) from None


REQUIRED = {
    "name": ("姓名", "Name"),
    "gender": ("性别", "Gender"),
    "birth_date": ("出生日期", "Birth date"),
    "education": ("学历", "Education"),
    "joined_on": ("入党日期", "Joining date"),
    "ethnicity": ("民族", "Ethnicity"),
    "front_line": ("是否生产工作一线", "Front-line"),
    "rural": ("是否农村党员", "Rural"),
    "flowing": ("是否流动党员", "Flowing"),
    "lost_contact": ("是否失联", "Lost contact"),
    "in_difficulty": ("是否困难党员", "In difficulty"),
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _validate(ctx: Context, m: Member) -> None:
    with ctx.session.no_autoflush:
        _check(ctx, m)


def _check(ctx: Context, m: Member) -> None:
    today = ctx.today()
    for attr, (zh, en) in REQUIRED.items():
        if getattr(m, attr) is None:
            raise violation("INVALID_INPUT", f"{zh}不能为空", f"{en} must not be empty", _camel(attr))
    m.name = clean_text(m.name, "name", "姓名", "Name", required=True, max_len=60)
    if m.gender not in {g.value for g in Gender}:
        raise violation("INVALID_INPUT", "性别须为男或女", "Gender must be male or female", "gender")
    if m.education not in {e.value for e in Education}:
        raise violation("INVALID_INPUT", f"未知的学历：{m.education}", f"Unknown education: {m.education}", "education")
    m.ethnicity = clean_text(m.ethnicity, "ethnicity", "民族", "Ethnicity", required=True, max_len=20)
    check_date(m.birth_date, "birthDate", "出生日期", "Birth date", today=today)
    check_date(m.joined_on, "joinedOn", "入党日期", "Joining date", today=today, earliest=date(1921, 7, 1))
    if age_on(m.birth_date, m.joined_on) < 18:
        raise violation(
            "R-DEV-01",
            "入党时须年满十八岁（R-DEV-01）：出生日期与入党日期不符",
            "A member must be 18 or older when joining (R-DEV-01): check the birth and joining dates",
            "joinedOn",
        )
    if m.converted_on is not None:
        check_date(m.converted_on, "convertedOn", "转正日期", "Conversion date", today=today)
        if m.converted_on < m.joined_on:
            raise violation("INVALID_DATE", "转正日期不能早于入党日期", "Conversion cannot precede joining", "convertedOn")
    if m.status == MemberStatus.probationary and m.converted_on is not None:
        raise violation("INVALID_INPUT", "预备党员没有转正日期", "A probationary member has no conversion date", "convertedOn")
    m.pre_1949 = m.joined_on < date(1949, 10, 1)
    check_date(m.lost_contact_since, "lostContactSince", "失联日期", "Lost-contact date", today=today)
    m.lost_contact = m.lost_contact_since is not None or m.lost_contact
    for attr, zh, en, n in (
        ("occupation", "职业", "Occupation", 60),
        ("phone", "电话", "Phone", 20),
        ("flow_destination", "外出地点", "Where working away", 120),
        ("flow_certificate", "流动党员活动证号", "Flowing-member certificate", 40),
        ("notes", "备注", "Notes", 2000),
    ):
        setattr(m, attr, clean_text(getattr(m, attr), _camel(attr), zh, en, required=False, max_len=n))
    m.id_number = normalise_id_number(m.id_number)
    if m.id_number:
        birth = ric.get_birth_date(m.id_number)
        if birth != m.birth_date:
            raise violation(
                "INVALID_ID_NUMBER",
                f"身份证号码中的出生日期（{birth}）与填写的出生日期不一致",
                f"The ID number's birth date ({birth}) differs from the birth date given",
                "idNumber",
            )
        gender = Gender.male if int(m.id_number[16]) % 2 else Gender.female
        if gender != m.gender:
            raise violation(
                "INVALID_ID_NUMBER",
                "身份证号码中的性别与填写的性别不一致",
                "The ID number's gender differs from the gender given",
                "idNumber",
            )
        clash = ctx.session.execute(
            select(col(Member.name), col(Member.org_path)).where(col(Member.id_number) == m.id_number, col(Member.id) != (m.id or -1))
        ).first()
        if clash is not None:
            if not (ctx.viewer and ctx.viewer.sees(clash.org_path)):
                raise violation("DUPLICATE", *REGISTERED_ELSEWHERE, "idNumber")
            raise violation(
                "DUPLICATE",
                f"该身份证号码已登记在党员“{clash.name}”名下",
                f"That ID number is already registered to another member ({clash.name})",
                "idNumber",
            )
    m.name_pinyin, m.name_initials = name_keys(m.name)


def register(ctx: Context, *, org_id: int, status: str = "full", **fields: Any) -> Member:
    org = _holding_org(ctx, org_id)
    if status not in (MemberStatus.full, MemberStatus.probationary):
        raise violation(
            "INVALID_INPUT",
            "新登记的党员须为正式党员或预备党员",
            "A newly registered member is full or probationary",
            "status",
        )
    unknown = set(fields) - EDITABLE
    if unknown:
        raise violation("INVALID_INPUT", f"未知字段：{sorted(unknown)}", f"Unknown fields: {sorted(unknown)}")
    m = Member(org_id=org.id, org_path=org.path, status=status, status_since=fields.get("converted_on") or fields.get("joined_on"), **fields)
    _validate(ctx, m)
    ctx.session.add(m)
    ctx.session.flush()
    ctx.session.add(
        MemberEvent(
            member_id=m.id,
            org_path=m.org_path,
            on=m.joined_on,
            kind="registered",
            to_status=m.status,
            org_id=org.id,
            actor_id=ctx.viewer.account_id if ctx.viewer else None,
        )
    )
    record(ctx, "member.register", "Member", m.id, m.org_path, None, snapshot(m, AUDIT_FIELDS))
    return m


def update(ctx: Context, member_id: int, *, version: int | None, changes: dict[str, Any]) -> Member:
    m = get(ctx, member_id)
    require_writer(ctx, m.org_path)
    if m.status not in ACTIVE_STATUSES and m.status != MemberStatus.suspended:
        raise violation(
            "R-MEM-CLOSED",
            "该党员已不在册，记录不能修改",
            "This member is no longer on the roster; the record is closed",
        )
    unknown = set(changes) - EDITABLE
    if unknown:
        raise violation("INVALID_INPUT", f"未知字段：{sorted(unknown)}", f"Unknown fields: {sorted(unknown)}")
    before = snapshot(m, AUDIT_FIELDS)
    new_org_id = changes.pop("org_id", None)
    for key, value in changes.items():
        setattr(m, key, value)
    moved_from = None
    if new_org_id is not None and new_org_id != m.org_id:
        org = _holding_org(ctx, new_org_id)
        moved_from = m.org_id
        m.org_id, m.org_path = org.id, org.path
    _validate(ctx, m)
    bump_version(ctx, m, version, LABEL)
    if moved_from is not None:
        repath_children(ctx.session, Member, m.id, m.org_path)
        ctx.session.add(
            MemberEvent(
                member_id=m.id,
                org_path=m.org_path,
                on=ctx.today(),
                kind="moved",
                org_id=m.org_id,
                reason=f"from organisation {moved_from}",
                actor_id=ctx.viewer.account_id if ctx.viewer else None,
            )
        )
    record(ctx, "member.update", "Member", m.id, m.org_path, before, snapshot(m, AUDIT_FIELDS))
    ctx.session.flush()
    return m


def change_status(
    ctx: Context, member_id: int, *, to_status: str, on: date, reason: str, version: int | None
) -> Member:
    m = get(ctx, member_id)
    require_writer(ctx, m.org_path)
    try:
        target = MemberStatus(to_status)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的党籍状态：{to_status}", f"Unknown status: {to_status}", "toStatus") from None
    current = MemberStatus(m.status)
    if target not in STATUS_TRANSITIONS.get(current, frozenset()):
        cz, ce = MEMBER_STATUS_LABELS[current]
        tz, te = MEMBER_STATUS_LABELS[target]
        raise violation(
            "R-MEM-STATUS",
            f"不能从“{cz}”变更为“{tz}”" + ("（组织关系转出请使用转接功能）" if target == MemberStatus.transferred_out else ""),
            f"Cannot change from {ce} to {te}" + (" (use a relation transfer)" if target == MemberStatus.transferred_out else ""),
            "toStatus",
        )
    reason = clean_text(reason, "reason", "原因", "Reason", required=True, max_len=1000)
    check_date(on, "on", "变更日期", "Date", today=ctx.today())
    if on < m.joined_on:
        raise violation("INVALID_DATE", "变更日期不能早于入党日期", "The date cannot precede joining", "on")
    before = snapshot(m, AUDIT_FIELDS)
    m.status, m.status_since = target.value, on
    if target == MemberStatus.full and current == MemberStatus.probationary:
        m.converted_on = on
    bump_version(ctx, m, version, LABEL)
    ctx.session.add(
        MemberEvent(
            member_id=m.id,
            org_path=m.org_path,
            on=on,
            kind="status",
            from_status=current.value,
            to_status=target.value,
            org_id=m.org_id,
            reason=reason,
            actor_id=ctx.viewer.account_id if ctx.viewer else None,
        )
    )
    record(ctx, "member.status", "Member", m.id, m.org_path, before, snapshot(m, AUDIT_FIELDS))
    ctx.session.flush()
    return m


# --- positions -------------------------------------------------------------------------------

def add_position(
    ctx: Context, *, member_id: int, org_id: int, kind: str, start_on: date, title: str | None = None
) -> Position:
    m = get(ctx, member_id)
    require_writer(ctx, m.org_path)
    if m.status not in ACTIVE_STATUSES:
        raise violation("R-MEM-CLOSED", "只有在册党员可以任职", "Only members on the roster can hold a post", "memberId")
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    try:
        k = PositionKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的职务：{kind}", f"Unknown post: {kind}", "kind") from None
    check_date(start_on, "startOn", "任职日期", "Start date", today=ctx.today())
    if k == PositionKind.secretary:
        holder = ctx.session.execute(
            select(col(Position.id)).where(col(Position.org_id) == org.id, col(Position.kind) == k, col(Position.end_on).is_(None))
        ).scalar()
        if holder is not None:
            raise violation(
                "R-ORG-SECRETARY",
                "该组织已有在任书记，请先办理其离任",
                "That organisation already has a secretary in office: end that post first",
                "kind",
            )
    p = Position(
        member_id=m.id,
        org_path=m.org_path,
        org_id=org.id,
        kind=k.value,
        title=clean_text(title, "title", "职务名称", "Title", required=False, max_len=60) or POSITION_LABELS[k][0],
        start_on=start_on,
    )
    ctx.session.add(p)
    ctx.session.flush()
    record(ctx, "position.add", "Member", m.id, m.org_path, None, {"position": p.id, "org_id": org.id, "kind": k.value, "start_on": start_on.isoformat()})
    return p


def end_position(ctx: Context, position_id: int, *, end_on: date, version: int | None) -> Position:
    p = ctx.session.get(Position, position_id)
    if p is None:
        raise NotFoundError("职务", position_id)
    m = get(ctx, p.member_id)
    require_writer(ctx, m.org_path)
    require_writer(ctx, orgs.get(ctx, p.org_id).path)
    if p.end_on is not None:
        raise violation("INVALID_INPUT", "该职务已离任", "That post has already ended", "endOn")
    check_date(end_on, "endOn", "离任日期", "End date", today=ctx.today())
    if end_on < p.start_on:
        raise violation("INVALID_DATE", "离任日期不能早于任职日期", "The end date cannot precede the start", "endOn")
    p.end_on = end_on
    bump_version(ctx, p, version, "职务")
    record(ctx, "position.end", "Member", m.id, m.org_path, {"position": p.id, "end_on": None}, {"position": p.id, "end_on": end_on.isoformat()})
    ctx.session.flush()
    return p


# --- organisation-relation transfers (组织关系转接) -------------------------------------------

def _pending_transfer(ctx: Context, member_id: int) -> Transfer | None:
    return ctx.session.execute(
        select(Transfer).where(col(Transfer.member_id) == member_id, col(Transfer.status) == TransferStatus.pending)
    ).scalar()


def _end_posts(ctx: Context, member_id: int, on: date) -> None:
    for p in ctx.session.execute(
        select(Position).where(col(Position.member_id) == member_id, col(Position.end_on).is_(None))
    ).scalars():
        p.end_on = max(on, p.start_on)


def find_receiving_org(ctx: Context, code: str) -> Organization:
    """The receiving side may be anywhere in the system: look it up by its code, not by scope."""
    require_viewer(ctx)
    org = ctx.session.execute(select(Organization).where(col(Organization.code) == code.strip())).scalar()
    if org is None or org.status != OrgStatus.active or OrgKind(org.kind) not in MEMBER_HOLDING_KINDS:
        raise violation(
            "R-MEM-TRANSFER",
            f"未找到可接收党员的组织（编码 {code}）",
            f"No organisation that can receive members has code {code}",
            "toOrgCode",
        )
    return org


def send_transfer(ctx: Context, member_id: int, *, to_org_code: str, on: date, reason: str, letter_number: str | None = None) -> Transfer:
    m = get(ctx, member_id)
    viewer = require_writer(ctx, m.org_path)
    if m.status not in ACTIVE_STATUSES:
        raise violation("R-MEM-CLOSED", "只有在册党员可以转接组织关系", "Only members on the roster can be transferred", "memberId")
    if _pending_transfer(ctx, m.id) is not None:
        raise violation("R-MEM-TRANSFER", "该党员已有一项待接收的转接", "A transfer of this member is already waiting", "memberId")
    to = find_receiving_org(ctx, to_org_code)
    if to.id == m.org_id:
        raise violation("R-MEM-TRANSFER", "转入组织与当前组织相同", "The receiving organisation is the current one", "toOrgCode")
    check_date(on, "on", "转出日期", "Date sent", today=ctx.today())
    t = Transfer(
        member_id=m.id,
        from_org_id=m.org_id,
        from_org_path=m.org_path,
        to_org_id=to.id,
        to_org_path=to.path,
        letter_number=clean_text(letter_number, "letterNumber", "介绍信编号", "Letter number", required=False, max_len=60),
        status=TransferStatus.pending.value,
        sent_on=on,
        reason=clean_text(reason, "reason", "转接原因", "Reason", required=True, max_len=1000),
        sent_by=viewer.account_id,
    )
    ctx.session.add(t)
    ctx.session.flush()
    ctx.session.add(MemberEvent(member_id=m.id, org_path=m.org_path, on=on, kind="transfer_sent", org_id=to.id, reason=t.reason, actor_id=viewer.account_id))
    record(ctx, "transfer.send", "Member", m.id, m.org_path, None, {"transfer": t.id, "to_org_id": to.id})
    return t


def get_transfer(ctx: Context, transfer_id: int) -> Transfer:
    t = ctx.session.get(Transfer, transfer_id)
    viewer = ctx.viewer
    if t is None or viewer is None or not (viewer.sees(t.from_org_path) or viewer.sees(t.to_org_path)):
        raise NotFoundError("组织关系转接", transfer_id)
    return t


def decide_transfer(
    ctx: Context, transfer_id: int, *, accept: bool, on: date, note: str | None, version: int | None, to_org_id: int | None = None
) -> Transfer:
    """The receiving side accepts (optionally into one of its groups) or refuses."""
    t = get_transfer(ctx, transfer_id)
    viewer = require_viewer(ctx)
    if not viewer.sees(t.to_org_path):
        raise NotAllowedError("只有接收方可以接收或退回", "Only the receiving side can accept or refuse")
    assert t.to_org_path is not None  # an outside transfer has no receiving side: refused above
    require_writer(ctx, t.to_org_path)
    if t.status != TransferStatus.pending:
        raise violation("R-MEM-TRANSFER", "该转接已办结", "That transfer is already settled")
    check_date(on, "on", "办理日期", "Date", today=ctx.today())
    if on < t.sent_on:
        raise violation("INVALID_DATE", "接收日期不能早于转出日期", "The decision cannot precede sending", "on")
    note = clean_text(note, "note", "意见", "Note", required=not accept, max_len=1000)
    m = ctx.session.get(Member, t.member_id)
    assert m is not None
    if accept and m.status not in ACTIVE_STATUSES:
        raise violation(
            "R-MEM-CLOSED",
            "该党员已不在册（去世、出党等），不能接收；请退回",
            "The member is no longer on the roster and cannot be received; refuse the transfer",
            "accept",
        )
    t.status = (TransferStatus.accepted if accept else TransferStatus.refused).value
    t.decided_on, t.decision_note, t.decided_by = on, note, viewer.account_id
    bump_version(ctx, t, version, "组织关系转接")
    if accept:
        target = orgs.get(ctx, to_org_id) if to_org_id else ctx.session.get(Organization, t.to_org_id)
        assert target is not None
        if not target.path.startswith(t.to_org_path or "") or OrgKind(target.kind) not in MEMBER_HOLDING_KINDS:
            raise violation("R-MEM-TRANSFER", "只能接收到接收组织或其党小组", "Receive into the receiving organisation or one of its groups", "toOrgId")
        before = snapshot(m, AUDIT_FIELDS)
        _end_posts(ctx, m.id, on)
        m.org_id, m.org_path = target.id, target.path
        bump_version(ctx, m, None, LABEL)
        repath_children(ctx.session, Member, m.id, m.org_path)
        record(ctx, "member.transfer_in", "Member", m.id, m.org_path, before, snapshot(m, AUDIT_FIELDS))
    ctx.session.add(
        MemberEvent(
            member_id=m.id,
            org_path=m.org_path,
            on=on,
            kind="transfer_accepted" if accept else "transfer_refused",
            org_id=t.to_org_id,
            reason=note,
            actor_id=viewer.account_id,
        )
    )
    record(ctx, "transfer.decide", "Transfer", t.id, t.to_org_path, {"status": "pending"}, {"status": t.status, "note": note})
    ctx.session.flush()
    return t


def cancel_transfer(ctx: Context, transfer_id: int, *, reason: str, version: int | None) -> Transfer:
    t = get_transfer(ctx, transfer_id)
    viewer = require_viewer(ctx)
    if not viewer.sees(t.from_org_path):
        raise NotAllowedError("只有转出方可以撤回", "Only the sending side can cancel")
    require_writer(ctx, t.from_org_path)
    if t.status != TransferStatus.pending:
        raise violation("R-MEM-TRANSFER", "该转接已办结", "That transfer is already settled")
    t.status = TransferStatus.cancelled.value
    t.decision_note = clean_text(reason, "reason", "撤回原因", "Reason", required=True, max_len=1000)
    t.decided_on, t.decided_by = ctx.today(), viewer.account_id
    bump_version(ctx, t, version, "组织关系转接")
    m = ctx.session.get(Member, t.member_id)
    assert m is not None
    ctx.session.add(MemberEvent(member_id=t.member_id, org_path=m.org_path, on=ctx.today(), kind="transfer_cancelled", reason=t.decision_note, actor_id=viewer.account_id))
    record(ctx, "transfer.cancel", "Transfer", t.id, t.from_org_path, {"status": "pending"}, {"status": t.status})
    ctx.session.flush()
    return t


def transfer_out(
    ctx: Context, member_id: int, *, external_org_name: str, letter_number: str, on: date, reason: str, version: int | None
) -> Transfer:
    """Out of the system: a letter (介绍信) to an organisation partygraph does not hold."""
    m = get(ctx, member_id)
    viewer = require_writer(ctx, m.org_path)
    if m.status not in ACTIVE_STATUSES:
        raise violation("R-MEM-CLOSED", "只有在册党员可以转出", "Only members on the roster can be transferred out", "memberId")
    if _pending_transfer(ctx, m.id) is not None:
        raise violation("R-MEM-TRANSFER", "该党员已有一项待接收的转接", "A transfer of this member is already waiting", "memberId")
    check_date(on, "on", "转出日期", "Date sent", today=ctx.today())
    t = Transfer(
        member_id=m.id,
        from_org_id=m.org_id,
        from_org_path=m.org_path,
        external_org_name=clean_text(external_org_name, "externalOrgName", "接收单位", "Receiving organisation", required=True, max_len=200),
        letter_number=clean_text(letter_number, "letterNumber", "介绍信编号", "Letter number", required=True, max_len=60),
        status=TransferStatus.external.value,
        sent_on=on,
        decided_on=on,
        reason=clean_text(reason, "reason", "转出原因", "Reason", required=True, max_len=1000),
        sent_by=viewer.account_id,
    )
    ctx.session.add(t)
    before = snapshot(m, AUDIT_FIELDS)
    previous = m.status
    m.status, m.status_since = MemberStatus.transferred_out.value, on
    _end_posts(ctx, m.id, on)
    bump_version(ctx, m, version, LABEL)
    ctx.session.flush()
    ctx.session.add(
        MemberEvent(
            member_id=m.id,
            org_path=m.org_path,
            on=on,
            kind="transfer_out",
            from_status=previous,
            to_status=m.status,
            reason=f"{t.external_org_name}（{t.letter_number}）：{t.reason}",
            actor_id=viewer.account_id,
        )
    )
    record(ctx, "member.transfer_out", "Member", m.id, m.org_path, before, snapshot(m, AUDIT_FIELDS))
    return t
