"""Assistance (党内关怀帮扶): cases, help given, the help fund and its book, loans,
pairings and promises, standing-allowance runs.

Money is integer fen (1 yuan = 100 fen) in BigInteger columns, never float.
Every row that belongs to an organisation carries a `*org_path` column, so
moving an organisation rewrites it with the rest (services.organization.move).
Steps, help entries, fund entries, repayments and payments are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from partygraph.models.common import PathType, Versioned, utcnow


def _money(nullable: bool = False, default: int | None = 0) -> Any:
    return Field(default=default, sa_type=BigInteger, nullable=nullable)


class AssistanceCase(Versioned, table=True):
    """One member in difficulty: the ledger's (台帐) row, with its workflow status."""

    __tablename__ = "assistance_case"
    __table_args__ = (
        Index("ix_assistance_case_path_status", "org_path", "status", "id"),
        Index("ix_assistance_case_review", "status", "review_due_on"),
    )

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", nullable=False, index=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    cause: str = Field(max_length=32, nullable=False, index=True)
    family_members: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    yearly_income_fen: int | None = _money(nullable=True, default=None)
    situation: str | None = Field(default=None, max_length=2000)
    standard: str | None = Field(default=None, max_length=32)
    standard_note: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=16, nullable=False)
    applied_on: date = Field(nullable=False)
    notice_ends_on: date | None = None
    filed_on: date | None = None
    last_review_on: date | None = None
    review_due_on: date | None = None
    closed_on: date | None = None
    closed_reason: str | None = Field(default=None, max_length=1000)


class CaseStep(SQLModel, table=True):
    """One workflow event of a case, with its evidence. Never edited, never deleted."""

    __tablename__ = "assistance_case_step"

    id: int = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="assistance_case.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the case's (distribution key)
    kind: str = Field(max_length=16, nullable=False)
    on: date = Field(nullable=False)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16, nullable=False)
    record: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, max_length=1000)
    outcome: str | None = Field(default=None, max_length=16)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    actor_name: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class HelpEntry(SQLModel, table=True):
    """Help given to a case: visit, grant, loan, pairing, training, job. Append-only."""

    __tablename__ = "assistance_help"
    __table_args__ = (
        Index("ix_assistance_help_case", "case_id", "on", "id"),
        CheckConstraint("amount_fen >= 0", name="ck_assistance_help_amount"),
    )

    id: int = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="assistance_case.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    kind: str = Field(max_length=16, nullable=False)
    on: date = Field(nullable=False)
    amount_fen: int = _money()
    goods: str | None = Field(default=None, max_length=200)
    occasion: str | None = Field(default=None, max_length=24)
    helper: str = Field(max_length=120, nullable=False)  # who visited / helped
    approver: str | None = Field(default=None, max_length=60)
    fund_id: int | None = Field(default=None, foreign_key="assistance_fund.id")
    loan_id: int | None = Field(default=None, foreign_key="assistance_loan.id")
    pairing_id: int | None = Field(default=None, foreign_key="assistance_pairing.id")
    note: str | None = Field(default=None, max_length=1000)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    actor_name: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class Fund(Versioned, table=True):
    """A help fund (帮扶基金) held by one organisation. `balance_fen` is a cache of the book,
    changed only together with a FundEntry, under a row lock, never below zero."""

    __tablename__ = "assistance_fund"
    __table_args__ = (CheckConstraint("balance_fen >= 0", name="ck_assistance_fund_balance"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False, unique=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    name: str = Field(max_length=120, nullable=False)
    established_on: date = Field(nullable=False)
    balance_fen: int = _money()
    principal_fen: int = _money()


class FundEntry(SQLModel, table=True):
    """One line of the fund's book: money in or out, with its approver. Append-only."""

    __tablename__ = "assistance_fund_entry"
    __table_args__ = (
        Index("ix_assistance_fund_entry_fund", "fund_id", "id"),
        Index("ix_assistance_fund_entry_path", "org_path", "on"),
        CheckConstraint("amount_fen > 0", name="ck_assistance_fund_entry_amount"),
        CheckConstraint("balance_after_fen >= 0", name="ck_assistance_fund_entry_balance"),
        CheckConstraint("direction in ('in', 'out')", name="ck_assistance_fund_entry_direction"),
    )

    id: int = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="assistance_fund.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    on: date = Field(nullable=False)
    direction: str = Field(max_length=3, nullable=False)
    kind: str = Field(max_length=16, nullable=False)
    amount_fen: int = _money()
    balance_after_fen: int = _money()
    approver: str = Field(max_length=60, nullable=False)
    counterparty: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=500)
    case_id: int | None = Field(default=None, foreign_key="assistance_case.id", index=True)
    help_entry_id: int | None = Field(default=None, foreign_key="assistance_help.id")
    loan_id: int | None = Field(default=None, foreign_key="assistance_loan.id", index=True)
    repayment_id: int | None = Field(default=None, foreign_key="assistance_repayment.id")
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    actor_name: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class Loan(Versioned, table=True):
    """A repayable loan (有偿扶助) from a fund to a case; the money revolves back."""

    __tablename__ = "assistance_loan"
    __table_args__ = (CheckConstraint("repaid_fen <= amount_fen", name="ck_assistance_loan_repaid"),)

    id: int = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="assistance_case.id", nullable=False, index=True)
    fund_id: int = Field(foreign_key="assistance_fund.id", nullable=False, index=True)
    member_id: int = Field(foreign_key="member.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    amount_fen: int = _money()
    lent_on: date = Field(nullable=False)
    term_months: int = Field(nullable=False)
    installments: int = Field(nullable=False)
    schedule: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    final_due_on: date = Field(nullable=False)
    # The due date of the first installment not yet covered by repayments (None when repaid):
    # overdue ⇔ active and next_due_on < today, a plain indexed comparison for list filters.
    next_due_on: date | None = Field(default=None, index=True)
    repaid_fen: int = _money()
    status: str = Field(max_length=12, nullable=False)  # active | repaid (overdue is computed)
    repaid_on: date | None = None
    approver: str = Field(max_length=60, nullable=False)
    purpose: str | None = Field(default=None, max_length=500)


class Repayment(SQLModel, table=True):
    __tablename__ = "assistance_repayment"

    id: int = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="assistance_loan.id", nullable=False, index=True)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))  # the loan's (distribution key)
    on: date = Field(nullable=False)
    amount_fen: int = _money()
    received_by: str | None = Field(default=None, max_length=60)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class Pairing(Versioned, table=True):
    """结对帮扶: an agency branch with a village branch, or an agency member with a case.

    `org_path` is the helped side (village branch or the case's organisation);
    `agency_org_path` the helping side. Either side sees the pairing."""

    __tablename__ = "assistance_pairing"

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    agency_org_id: int = Field(foreign_key="organization.id", nullable=False)
    agency_org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    village_org_id: int | None = Field(default=None, foreign_key="organization.id")
    helper_member_id: int | None = Field(default=None, foreign_key="member.id")
    case_id: int | None = Field(default=None, foreign_key="assistance_case.id", index=True)
    covers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_on: date = Field(nullable=False)
    ended_on: date | None = None
    note: str | None = Field(default=None, max_length=1000)


class Promise(Versioned, table=True):
    """A promise made in a pairing. Decided once: kept (`kept_on`) or broken (`broken_on`),
    with `outcome_note` saying how, or why not; an undecided one past `due_on` is R-AID-16."""

    __tablename__ = "assistance_promise"

    id: int = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="assistance_pairing.id", nullable=False, index=True)
    # the pairing's org_path, the helped side (distribution key)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    text: str = Field(max_length=500, nullable=False)
    made_on: date = Field(nullable=False)
    due_on: date = Field(nullable=False)
    kept_on: date | None = None
    broken_on: date | None = None
    outcome_note: str | None = Field(default=None, max_length=500)


class AllowanceRun(SQLModel, table=True):
    """One monthly (or one-off) payment run of a standing allowance over a subtree."""

    __tablename__ = "allowance_run"
    __table_args__ = (Index("ix_allowance_run_path", "org_path", "month"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False))
    kind: str = Field(max_length=16, nullable=False)
    month: str = Field(max_length=7, nullable=False)
    paid_on: date = Field(nullable=False)
    payment_count: int = Field(default=0, nullable=False)
    skipped_count: int = Field(default=0, nullable=False)
    total_fen: int = _money()
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    actor_name: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class AllowancePayment(SQLModel, table=True):
    """Who was paid what. UNIQUE (member, kind, period): a month (or 'once') is paid once."""

    __tablename__ = "allowance_payment"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period", name="uq_allowance_payment_member_kind_period"),
        Index("ix_allowance_payment_run", "run_id", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="allowance_run.id", nullable=False)
    member_id: int = Field(foreign_key="member.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    kind: str = Field(max_length=16, nullable=False)
    period: str = Field(max_length=7, nullable=False)  # 'YYYY-MM', or 'once' for one-off benefits
    amount_fen: int = _money()
    tier: int | None = None
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class AllowanceRoll(Versioned, table=True):
    """The yearly list of one allowance for one branch: declared, verified, confirmed, posted.

    `entries`: [{member_id, name, amount_fen, tier, reason, struck, note}] — a snapshot of
    the eligibility for the declaration month; verification may strike names off (kept, marked)."""

    __tablename__ = "allowance_roll"
    __table_args__ = (UniqueConstraint("org_id", "year", "kind", name="uq_allowance_roll_org_year_kind"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", nullable=False)
    org_path: str = Field(sa_column=Column(PathType, nullable=False, index=True))
    year: int = Field(nullable=False)
    kind: str = Field(max_length=16, nullable=False)
    stage: str = Field(max_length=12, nullable=False)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    declared_on: date = Field(nullable=False)
    declared_by: str | None = Field(default=None, max_length=60)
    verified_on: date | None = None
    verified_by: str | None = Field(default=None, max_length=60)
    confirmed_on: date | None = None
    confirmed_by: str | None = Field(default=None, max_length=60)
    posted_on: date | None = None
    posted_by: str | None = Field(default=None, max_length=60)
    note: str | None = Field(default=None, max_length=1000)
