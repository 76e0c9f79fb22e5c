"""The help fund (帮扶基金) and its book: the only code that moves money.

How the balance stays right (R-AID-04):

- Every movement is a FundEntry (direction, kind, amount in integer fen,
  approver, balance after) and a change of the fund's cached `balance_fen`,
  in the same transaction as the help entry or loan it pays for.
- The fund row is locked first (`SELECT … FOR UPDATE` on PostgreSQL; SQLite
  serialises writers), so the balance the rule checks is the balance the
  write changes: a second concurrent grant waits, then sees the lower balance.
- The write itself is a compare-and-set: `UPDATE … SET balance = balance - x
  WHERE id = … AND balance >= x RETURNING balance`; no row means refused. This
  holds even where the lock is a no-op (SQLite reads outside a write
  transaction). A CHECK (balance_fen >= 0) on the table is the last fence.
- The book can always be re-added (`book_balance`); the supervision view
  shows both figures side by side.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import NotFoundError, RuleViolationError, violation
from partygraph.models.assistance import Fund, FundEntry
from partygraph.models.organization import OrgKind, OrgStatus
from partygraph.rules import assistance as rules
from partygraph.services import organization as orgs
from partygraph.services.base import (
    check_date,
    clean_text,
    get_scoped,
    record,
    require_writer,
    snapshot,
)

LABEL = "帮扶基金"
FUND_HOLDING_KINDS = frozenset({OrgKind.province, OrgKind.prefecture, OrgKind.county, OrgKind.committee})
AUDIT_FIELDS = ["org_id", "name", "established_on", "principal_fen"]


def settings_of(ctx: Context) -> rules.AssistanceSettings:
    """The deployment's assistance numbers: `Settings.assistance` when present, else the defaults."""
    return getattr(ctx.settings, "assistance", None) or rules.DEFAULT_ASSISTANCE_SETTINGS


def get(ctx: Context, fund_id: int) -> Fund:
    return get_scoped(ctx, Fund, fund_id, "org_path", LABEL)


def create(
    ctx: Context, *, org_id: int, name: str, established_on: date, principal_fen: int = 0
) -> Fund:
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "该组织已撤销", "That organisation is dissolved", "orgId")
    if OrgKind(org.kind) not in FUND_HOLDING_KINDS:
        raise violation(
            "INVALID_INPUT",
            "帮扶基金设在县委或乡镇（基层）党委",
            "A help fund is held by a county or a township (base) committee",
            "orgId",
        )
    if ctx.session.execute(select(col(Fund.id)).where(col(Fund.org_id) == org.id)).scalar() is not None:
        raise violation("DUPLICATE", "该组织已设立帮扶基金", "That organisation already holds a fund", "orgId")
    check_date(established_on, "establishedOn", "设立日期", "Established date", today=ctx.today())
    if principal_fen < 0:
        raise violation("INVALID_INPUT", "本金不能为负数", "The principal cannot be negative", "principal")
    fund = Fund(
        org_id=org.id,
        org_path=org.path,
        name=clean_text(name, "name", "基金名称", "Name", required=True, max_len=120),
        established_on=established_on,
        principal_fen=principal_fen,
    )
    ctx.session.add(fund)
    ctx.session.flush()
    record(ctx, "fund.create", "Fund", fund.id, fund.org_path, None, snapshot(fund, AUDIT_FIELDS))
    return fund


def lock(ctx: Context, fund_id: int) -> Fund:
    """The fund row, locked for the rest of the transaction, with its committed balance."""
    fund = ctx.session.execute(
        select(Fund).where(col(Fund.id) == fund_id).with_for_update().execution_options(populate_existing=True)
    ).scalar()
    if fund is None or ctx.viewer is None or not ctx.viewer.sees(fund.org_path):
        raise NotFoundError(LABEL, fund_id, "fundId")
    return fund


def post(
    ctx: Context,
    fund: Fund,
    *,
    on: date,
    kind: rules.EntryKind,
    amount_fen: int,
    approver: str,
    counterparty: str | None = None,
    note: str | None = None,
    case_id: int | None = None,
    help_entry_id: int | None = None,
    loan_id: int | None = None,
    repayment_id: int | None = None,
) -> FundEntry:
    """Write one line of the book and move the cached balance with it. `fund` must come from `lock`."""
    approver = clean_text(approver, "approver", "审批人", "Approver", required=True, max_len=60)
    check_date(on, "on", "日期", "Date", today=ctx.today())
    if on < fund.established_on:
        raise violation("INVALID_DATE", "日期不能早于基金设立日期", "The date cannot precede the fund's establishment", "on")
    outflow = kind in rules.OUTFLOW_KINDS
    settings = settings_of(ctx)
    if outflow:
        problem = rules.check_outflow(fund.balance_fen, amount_fen, kind, principal_fen=fund.principal_fen, settings=settings)
    else:
        problem = rules.check_amount(amount_fen)
    if problem:
        raise RuleViolationError(problem)
    delta = -amount_fen if outflow else amount_fen
    stmt = update(Fund).where(col(Fund.id) == fund.id).values(balance_fen=col(Fund.balance_fen) + delta)
    if outflow:
        floor = fund.principal_fen if settings.principal_protection and kind != rules.EntryKind.loan else 0
        stmt = stmt.where(col(Fund.balance_fen) - amount_fen >= floor)
    new_balance = ctx.session.execute(
        stmt.returning(col(Fund.balance_fen)).execution_options(synchronize_session=False)
    ).scalar()
    if new_balance is None:
        # Another transaction spent the money between our read and our write.
        current = ctx.session.execute(select(col(Fund.balance_fen)).where(col(Fund.id) == fund.id)).scalar_one()
        raise RuleViolationError(
            rules.check_outflow(current, amount_fen, kind, principal_fen=fund.principal_fen, settings=settings)
            or rules.Violation("R-AID-04", "基金余额不足（R-AID-04）", "The fund's balance is too low (R-AID-04)", "amount")
        )
    set_committed_value(fund, "balance_fen", new_balance)
    viewer = ctx.viewer
    entry = FundEntry(
        fund_id=fund.id,
        org_path=fund.org_path,
        on=on,
        direction=(rules.Direction.outflow if outflow else rules.Direction.inflow).value,
        kind=kind.value,
        amount_fen=amount_fen,
        balance_after_fen=new_balance,
        approver=approver,
        counterparty=clean_text(counterparty, "counterparty", "来源/对象", "Counterparty", required=False, max_len=120),
        note=clean_text(note, "note", "摘要", "Note", required=False, max_len=500),
        case_id=case_id,
        help_entry_id=help_entry_id,
        loan_id=loan_id,
        repayment_id=repayment_id,
        actor_id=viewer.account_id if viewer else None,
        actor_name=viewer.username if viewer else "system",
    )
    ctx.session.add(entry)
    ctx.session.flush()
    record(
        ctx, f"fund.{entry.direction}", "Fund", fund.id, fund.org_path,
        {"balance_fen": new_balance - delta},
        {"balance_fen": new_balance, "entry": entry.id, "kind": kind.value, "amount_fen": amount_fen, "approver": approver},
    )  # fmt: skip
    return entry


def record_inflow(
    ctx: Context,
    fund_id: int,
    *,
    kind: str,
    amount_fen: int,
    on: date,
    approver: str,
    counterparty: str | None = None,
    note: str | None = None,
) -> FundEntry:
    """Budget, retained party fees, contributions, donations (repayments come through loans)."""
    fund = get(ctx, fund_id)
    require_writer(ctx, fund.org_path)
    try:
        k = rules.EntryKind(kind)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知的收入类别：{kind}", f"Unknown inflow kind: {kind}", "kind") from None
    if k not in rules.MANUAL_INFLOWS:
        raise violation("INVALID_INPUT", "此处只登记预算、党费、捐助、捐赠收入", "Only budget, party fees, contributions and donations here", "kind")
    fund = lock(ctx, fund_id)
    return post(ctx, fund, on=on, kind=k, amount_fen=amount_fen, approver=approver, counterparty=counterparty, note=note)


def book_balance(ctx: Context, fund_id: int) -> int:
    """The balance the book itself adds up to (Σ in − Σ out), to compare with the cache."""
    signed = case((col(FundEntry.direction) == rules.Direction.inflow.value, FundEntry.amount_fen), else_=-FundEntry.amount_fen)
    return int(ctx.session.execute(select(func.coalesce(func.sum(signed), 0)).where(col(FundEntry.fund_id) == fund_id)).scalar_one())
