"""A deterministic demo county (岷江县), loaded through the real services.

Modelled on the seeds' Wenchuan / Lichuan counties: a county committee, eleven
townships with ~110 village branches and their party groups, communities under
general branches, county agencies, a school, a hospital, enterprises, a retired,
a flowing-members and a "two new" branch; ~2,200 members with realistic spreads
(gender, age, education, ethnicity), positions, status changes and transfers,
and five accounts that share one password.

Everything goes through `partygraph.services` with a system context whose
clock answers `today`, so the data obeys the same rules as a clerk's input.
The same seed gives the same county, name for name.

Three branches are deliberately left non-compliant so the structure warnings
show: one whose secretary has left (no secretary), one with ≥ 7 full members
but a secretary only, and one with < 7 full members but a committee of four."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from partygraph.config import Settings
from partygraph.demo.accounts import DEMO_ACCOUNTS, AccountSteps
from partygraph.demo.base import ACTIVE, PhaseReport
from partygraph.demo.members import MemberSteps
from partygraph.demo.positions import PositionSteps
from partygraph.demo.tree import TreeSteps
from partygraph.models.account import Account
from partygraph.models.organization import Organization


@dataclass
class DemoSummary:
    organisations: int
    members: int  # every member registered, whatever their status now
    active_members: int  # full + probationary
    accounts: int
    villages: int
    branches: int
    # (username, password, role, home organisation's name)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def organizations(self) -> int:
        """The same count, spelt as the CLI spells it."""
        return self.organisations


def is_empty(session: Session) -> bool:
    """True when the database holds no organisation yet (a demo may be loaded)."""
    return session.execute(select(col(Organization.id)).limit(1)).first() is None


def load_demo(
    session: Session,
    settings: Settings,
    *,
    today: date | None = None,
    seed: int = 2024,
    members_target: int = 2200,
    progress: Callable[[int, int], None] | None = None,
    phases: PhaseReport | None = None,
) -> DemoSummary:
    """Plant the demo county in an empty database and commit it.

    Raises ValueError if the database already holds organisations or one of the
    demo usernames. `progress(done, total)` is called every hundred members and
    once at the end (total = members planned); `phases(name, None)` as each phase starts
    and `phases(name, counts)` as it ends. The tree's shape does not depend on
    `members_target`: it only sets how many members are spread over it (each branch
    gets at least six, at most 45, so the county holds ~1,150 to ~5,500).
    """
    if not is_empty(session):
        raise ValueError(
            "The database already holds organisations: the demo loads into an empty database only"
        )
    taken = (
        session.execute(
            select(col(Account.username)).where(
                col(Account.username).in_([u for u, _, _ in DEMO_ACCOUNTS])
            )
        )
        .scalars()
        .first()
    )
    if taken is not None:
        raise ValueError(f"An account named {taken!r} already exists")
    loader = _Loader(
        session, settings, today or date.today(), seed, members_target, progress, phases
    )
    try:
        summary = loader.run()
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return summary


class _Loader(TreeSteps, MemberSteps, PositionSteps, AccountSteps):
    """The areas' steps in order; each area's steps live in its own module."""

    def run(self) -> DemoSummary:
        # Every service flushes what its own checks need to read; without autoflush the audit
        # and event rows ride along with the next flush instead of costing one of their own
        # (the load takes about half the time).
        with self.session.no_autoflush:
            return self._run()

    def _run(self) -> DemoSummary:
        self._phase("organisation tree")
        self._tree()
        self._allocate()
        for unit in self.units:
            self._people(unit)
        self._flags()
        self._id_numbers()
        self._phase(
            "organisation tree",
            f"{self.org_count:,} organisations, {len(self.villages):,} villages",
        )
        self._phase("members")
        self._register()
        self._phase("members", f"{len(self.people):,} registered")
        self._phase("status changes, transfers, positions, accounts")
        self._statuses()
        self._pending_transfer()
        self._positions()
        self._vacate()
        logins = self._accounts()
        self.session.flush()
        active = sum(1 for p in self.people if p.status in ACTIVE)
        self._phase(
            "status changes, transfers, positions, accounts",
            f"{active:,} members on the roster, {len(logins)} accounts",
        )
        if self.progress is not None:
            self.progress(len(self.people), len(self.people))
        return DemoSummary(
            organisations=self.org_count,
            members=len(self.people),
            active_members=active,
            accounts=len(logins),
            villages=len(self.villages),
            branches=len(self.units),
            logins=logins,
        )


def load_demo_activity(
    session: Session,
    settings: Settings,
    *,
    today: date | None = None,
    phases: PhaseReport | None = None,
) -> None:
    """The work on top of the roster: candidates at every stage, evaluation rounds,
    assistance cases and funds, a year of meetings. Runs after `load_demo`, through the
    same services; `phases` as in `load_demo`."""
    from partygraph.demo.assistance import load_assistance_demo
    from partygraph.demo.branch_life import load_branch_life_demo
    from partygraph.demo.candidate import load_pipeline_demo
    from partygraph.demo.evaluation import load_evaluation_demo

    def phase(name: str, done: str | None = None) -> None:
        if phases is not None:
            phases(name, done)

    today = today or date.today()
    try:
        phase("candidates")
        pipeline = load_pipeline_demo(session, settings, today)
        session.commit()
        phase(
            "candidates",
            f"{pipeline.candidates:,} candidates, {pipeline.meetings:,} meetings, "
            f"{pipeline.plans:,} plans",
        )
        phase("evaluations")
        evaluation = load_evaluation_demo(session, settings, today)
        session.commit()
        phase(
            "evaluations",
            f"{evaluation.rounds_closed + evaluation.rounds_open:,} rounds, "
            f"{evaluation.outcomes:,} outcomes, {evaluation.flags:,} flags",
        )
        phase("assistance")
        assistance = load_assistance_demo(session, settings, today)
        session.commit()
        phase(
            "assistance",
            f"{sum(assistance.cases.values()):,} cases, {assistance.funds:,} funds, "
            f"{assistance.loans:,} loans, {assistance.pairings:,} pairings",
        )
        phase("branch life")
        life = load_branch_life_demo(session, settings, today)
        session.commit()
        phase(
            "branch life",
            f"{life.meetings:,} meetings, {life.terms:,} terms, "
            f"{life.four_step_items:,} four-step items",
        )
    except BaseException:
        session.rollback()
        raise
