"""The vote step form records the general meeting and the step in one transaction: a step
the rules refuse leaves no meeting (both databases)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from partygraph.models.candidate import CandidateStep
from partygraph.models.meeting import Meeting, MeetingDecision
from tests.admin.test_candidate_pages import apply, hx
from tests.api.test_candidate import Pipeline, run_until
from tests.conftest import login


def rows(session_factory: Any) -> tuple[int, int, int]:
    with session_factory() as s:
        return tuple(
            s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Meeting, MeetingDecision, CandidateStep)
        )  # type: ignore[return-value]


def test_refused_vote_step_leaves_no_meeting(client, world, clock, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    clock.today = date(2026, 9, 1)
    url = apply(client, csrf, world)
    before = rows(session_factory)
    # an applicant cannot be voted on: refused, and the meeting is not kept either
    r = client.post(
        f"{url}/steps",
        data={
            "step": "admission_vote",
            "on": "2026-09-01",
            "should_attend": "2",
            "present": "2",
            "yes": "2",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "R-DEV-00" in r.text
    assert rows(session_factory) == before
    # an impossible tally is refused on its field
    r = client.post(
        f"{url}/steps",
        data={
            "step": "admission_vote",
            "on": "2026-09-01",
            "should_attend": "2",
            "present": "3",
            "yes": "2",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "R-VOTE-00" in r.text
    assert rows(session_factory) == before


def test_vote_step_records_meeting_and_step(client, gql, world, clock, session_factory) -> None:  # type: ignore[no-untyped-def]
    p = Pipeline(gql, world, clock)
    run_until(p, "admission_vote")
    clock.today = date(2024, 7, 1)
    csrf = login(client, "village")
    before = rows(session_factory)
    url = f"/admin/candidates/{p.id}"
    data = {
        "step": "admission_vote",
        "on": "2024-07-01",
        "should_attend": "2",
        "present": "2",
        "yes": "1",
        "no": "1",
        "place": "村委会",
    }
    r = client.post(f"{url}/steps", data=data, headers=hx(csrf))
    assert r.status_code == 422 and "R-VOTE-02" in r.text  # a failed vote admits no one
    assert rows(session_factory) == before
    r = client.post(f"{url}/steps", data={**data, "yes": "2", "no": "0"}, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == url
    assert rows(session_factory) == (before[0] + 1, before[1] + 1, before[2] + 1)
