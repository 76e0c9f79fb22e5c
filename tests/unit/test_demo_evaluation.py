"""The evaluation demo: finished and open rounds, cadres in trial (one checkpoint overdue),
a model site and the flags, planted through the services on the demo county."""

from __future__ import annotations

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
from partygraph.demo.evaluation import EvaluationDemoSummary, load_evaluation_demo
from partygraph.models.evaluation import (
    CadreAppointment,
    EvaluationRound,
    EvaluationSubject,
    Flag,
    ModelSite,
    Outcome,
    TrialCheckpoint,
)
from partygraph.models.organization import Organization
from partygraph.services.evaluation import alerts

TODAY = date(2026, 11, 1)
SETTINGS = Settings(database_url="sqlite://", secret_key="test")


@pytest.fixture(scope="module")
def demo() -> tuple[Session, EvaluationDemoSummary]:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    session = make_session_factory(engine)()
    load_demo(session, SETTINGS, today=TODAY, members_target=500)
    return session, load_evaluation_demo(session, SETTINGS, TODAY)


def test_finished_and_open_rounds(demo) -> None:  # type: ignore[no-untyped-def]
    session, summary = demo
    rounds = list(session.execute(select(EvaluationRound).order_by(EvaluationRound.year)).scalars())
    assert {r.status for r in rounds} == {"open", "closed"}
    assert summary.rounds_open == 1 and summary.rounds_closed >= 2
    for r in rounds:
        total = session.execute(select(func.count()).select_from(EvaluationSubject).where(EvaluationSubject.round_id == r.id)).scalar_one()
        done = session.execute(select(func.count()).select_from(Outcome).where(Outcome.round_id == r.id)).scalar_one()
        if r.status == "closed":
            assert done == total > 0
        else:
            assert 0 < done < total
    unqualified = list(session.execute(select(Outcome).where(Outcome.grade == "unqualified")).scalars())
    assert unqualified and all(o.decision for o in unqualified)


def test_cadres_in_trial_with_an_overdue_checkpoint_a_model_site_and_flags(demo) -> None:  # type: ignore[no-untyped-def]
    session, _ = demo
    in_trial = list(session.execute(select(CadreAppointment).where(CadreAppointment.status == "in_trial")).scalars())
    assert len(in_trial) >= 2
    overdue = session.execute(
        select(func.count()).select_from(TrialCheckpoint).where(TrialCheckpoint.done_on.is_(None), TrialCheckpoint.due_on < TODAY)
    ).scalar_one()
    assert overdue == 1
    assert session.execute(select(func.count()).select_from(ModelSite).where(ModelSite.status == "designated")).scalar_one() >= 1
    kinds = set(session.execute(select(Flag.kind)).scalars())
    assert kinds == {"not_up_to_standard_3y", "cadre_step_down", "last_ranked_twice"}
    root = session.execute(select(Organization).where(Organization.parent_id.is_(None))).scalar_one()
    ctx = Context(session=session, settings=SETTINGS, viewer=SYSTEM_VIEWER, clock=lambda: TODAY)
    codes = {a.code for a in alerts(ctx, root.path)}
    assert {"R-CAD-01", "R-EVAL-04", "R-CAD-02", "R-ASSESS-01"} <= codes
