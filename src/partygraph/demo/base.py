"""The demo loader's working records and shared state: the units (branches holding members),
the people planned for them, and the helpers every area's steps use."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker
from sqlalchemy.orm import Session

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.member import (
    Member,
    MemberStatus,
    Position,
)
from partygraph.models.organization import BranchType, Organization, OrgKind
from partygraph.services import organization as orgs

# Told when a phase of the load starts, (name, None), and when it ends, (name, "what it made"):
# the load takes a minute or more and the command line shows where it is.
PhaseReport = Callable[[str, str | None], None]

ACTIVE = (MemberStatus.full.value, MemberStatus.probationary.value)


@dataclass
class Unit:
    """A branch that holds members (directly or in its party groups)."""

    org: Organization
    profile: BranchType
    ethnic: tuple[float, float, float] = (0.10, 0.02, 0.0)
    groups: list[Organization] = field(default_factory=list)
    township: int | None = None
    size: int = 0
    fixed: bool = False  # size set by design, not by the allocation
    old: bool = False  # 重点村: over half the members over 60
    design: str = ""  # "vacant" | "lone" | "crowded": the three non-compliant branches
    touched: bool = False  # already had a member leave
    people: list[Person] = field(default_factory=list)


@dataclass
class Person:
    unit: Unit
    holder: Organization
    age: int
    fields: dict[str, Any]
    status: str = MemberStatus.full.value
    member: Member | None = None  # held so the session's identity map keeps it (no reloads)
    busy: bool = False  # not to be picked for posts or further changes
    posts: int = 0

    @property
    def mid(self) -> int:
        assert self.member is not None and self.member.id is not None
        return self.member.id


def pk(obj: Organization | Position) -> int:
    assert obj.id is not None
    return obj.id



class LoaderBase:
    """The state the areas' steps share: the seeded randomness, the clock, the tree
    and the people as they are built."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        today: date,
        seed: int,
        target: int,
        progress: Callable[[int, int], None] | None,
        phases: PhaseReport | None = None,
    ) -> None:
        self.session = session
        self.today = today
        self.ctx = Context(
            session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today
        )
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.target = target
        self.progress = progress
        self.phases = phases
        self.units: list[Unit] = []
        self.people: list[Person] = []
        self.org_count = 0
        self.id_numbers: set[str] = set()
        self.letter_no = 0
        # Set while building the tree.
        self.root: Organization
        self.townships: list[
            tuple[Organization, Unit, str]
        ] = []  # committee, its agency branch, 镇/乡
        self.general_branches: list[tuple[Organization, list[Unit]]] = []
        self.villages: list[Unit] = []
        self.agency_committee: Organization
        self.county_units: dict[str, Unit] = {}
        self.lost: list[Person] = []
        self.vacating: Person | None = None

    # -- helpers ----------------------------------------------------------------------------------

    def _org(
        self, parent: Organization | None, code: str, name: str, kind: OrgKind, **kw: Any
    ) -> Organization:
        est = kw.pop("established_on", None)
        if est is not None and est > self.today:
            est = None
        org = orgs.create(
            self.ctx,
            parent_id=pk(parent) if parent is not None else None,
            code=code,
            name=name,
            kind=kind.value,
            established_on=est,
            **kw,
        )
        self.org_count += 1
        return org

    def _est(self, lo: int, hi: int) -> date:
        return date(self.rng.randint(lo, hi), self.rng.randint(1, 12), 1)

    def _days_ago(self, lo: int, hi: int, *, not_before: date | None = None) -> date:
        d = self.today - timedelta(days=self.rng.randint(lo, hi))
        if not_before is not None and d < not_before:
            d = min(not_before + timedelta(days=self.rng.randint(1, 30)), self.today)
        return d

    def _letter(self, on: date) -> str:
        self.letter_no += 1
        return f"岷组转〔{on.year}〕{self.letter_no * 7 + 11:03d}号"

    def _phase(self, name: str, done: str | None = None) -> None:
        if self.phases is not None:
            self.phases(name, done)
