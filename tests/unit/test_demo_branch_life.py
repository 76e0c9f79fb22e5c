"""The demo county's branch life: a year of meetings with a few lapsed branches, terms in
and past their end, the seed's four-step rejection, flowing and lost-contact members."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

import partygraph.models  # noqa: F401  (registers every table)
from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.db import make_engine, make_session_factory
from partygraph.demo import load_demo
from partygraph.demo.branch_life import load_branch_life_demo
from partygraph.models.meeting import FourStepItem, FourStepRecord, MeetingAttendance
from partygraph.models.organization import Organization
from partygraph.services import branch_life as service

TODAY = date(2026, 11, 1)
SETTINGS = Settings(database_url="sqlite://", secret_key="test")


@pytest.fixture(scope="module")
def loaded() -> tuple[Session, object]:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    session = make_session_factory(engine)()
    load_demo(session, SETTINGS, today=TODAY, members_target=1200)
    summary = load_branch_life_demo(session, SETTINGS, TODAY)
    session.commit()
    return session, summary


def test_a_year_of_meetings_with_a_few_lapsed_branches(loaded) -> None:
    session, summary = loaded
    assert summary.meetings > 5000 and len(summary.lapsed) == 3
    ctx = Context(session=session, settings=SETTINGS, viewer=SYSTEM_VIEWER, clock=lambda: TODAY)
    county = session.execute(select(Organization).where(Organization.kind == "county")).scalar_one()
    alerts = service.branch_life_alerts(ctx, county.id)
    names = {o.id: o.name for o in session.execute(select(Organization)).scalars()}
    missed = Counter(names[a.org_id] for a in alerts if a.alert.code.startswith("R-LIFE-0"))
    # every missed meeting belongs to a lapsed branch or one of its groups
    assert missed and all(any(n.startswith(b[:-3]) for b in summary.lapsed) for n in missed)
    codes = Counter(a.alert.code for a in alerts)
    assert codes["R-ORG-TERM"] == 2 and codes["R-MEM-02"] == 2 and codes["R-MEM-01"] == 1
    assert {a.alert.extra["state"] for a in alerts if a.alert.code == "R-ORG-TERM"} == {"ending", "past"}


def test_the_seeds_four_step_item_and_flowing_members(loaded) -> None:
    session, summary = loaded
    seed = session.execute(select(FourStepItem).where(FourStepItem.status == "rejected")).scalar_one()
    steps = session.execute(select(FourStepRecord).where(FourStepRecord.item_id == seed.id).order_by(FourStepRecord.id)).scalars().all()
    assert [(s.step, s.passed) for s in steps] == [
        ("proposal", True), ("joint_discussion", True), ("members_review", True), ("assembly_resolution", False)
    ]  # fmt: skip
    assert (steps[-1].yes, steps[-1].no) == (14, 19)
    assert session.execute(select(func.count()).select_from(FourStepItem).where(FourStepItem.status == "completed")).scalar_one() == 1
    assert summary.flowing == 3 and summary.lost_contact == 2
    away = session.execute(select(func.count()).select_from(MeetingAttendance).where(MeetingAttendance.away.is_(True))).scalar_one()
    assert away >= 2
