"""The pure rules of development plans and disciplinary sanctions: months, pro-rata
statuses, cascade sums, the checks of R-PLAN-0x and R-DISC-0x."""

from __future__ import annotations

from datetime import date

import pytest

from partygraph.rules import discipline as rd
from partygraph.rules import plan as rp


@pytest.mark.parametrize(
    ("today", "months"),
    [
        (date(2025, 12, 31), 0),
        (date(2026, 1, 1), 0),
        (date(2026, 1, 30), 0),
        (date(2026, 1, 31), 1),  # a month counts on its last day
        (date(2026, 2, 28), 2),
        (date(2026, 7, 15), 6),
        (date(2026, 12, 30), 11),
        (date(2026, 12, 31), 12),
        (date(2027, 5, 1), 12),
    ],
)
def test_months_elapsed_of_a_yearly_plan(today: date, months: int) -> None:
    assert rp.months_elapsed(2026, 2026, today) == months


def test_months_of_a_three_year_plan() -> None:
    assert rp.months_total(2025, 2027) == 36
    assert rp.months_elapsed(2025, 2027, date(2026, 6, 30)) == 18


@pytest.mark.parametrize(
    ("planned", "actual", "elapsed", "started", "status"),
    [
        (0, 3, 6, True, "no_target"),
        (4, 4, 3, True, "done"),
        (4, 3, 12, True, "missed"),
        (4, 0, 0, False, "not_started"),
        (6, 2, 6, True, "behind"),  # 3 expected, 2 done: a whole person short
        (5, 2, 6, True, "on_track"),  # 2.5 expected: 2 is not a whole person short
        (5, 3, 6, True, "ahead"),
        (6, 3, 6, True, "on_track"),
    ],
)
def test_progress_line_status(
    planned: int, actual: int, elapsed: int, started: bool, status: str
) -> None:
    ln = rp.progress_line("admissions", planned, actual, elapsed=elapsed, total=12, started=started)
    assert ln.status == status


def test_cascade_counts_children_without_plan_as_zero() -> None:
    parent = {"new_activists": 10, "new_targets": 4, "admissions": 3, "conversions": 0}
    kids = [
        rp.ChildPlan(
            "甲村", {"new_activists": 6, "new_targets": 4, "admissions": 2, "conversions": 1}
        ),
        rp.ChildPlan("乙村", None),
    ]
    alerts = rp.cascade_alerts(parent, kids, "某镇")
    assert [(a.code, a.extra["key"], a.extra["children"]) for a in alerts] == [
        ("A-PLAN-CASCADE", "new_activists", 6),
        ("A-PLAN-CASCADE", "admissions", 2),
    ]
    assert "乙村" in alerts[0].message_zh and alerts[0].extra["without_plan"] == ["乙村"]
    assert rp.cascade_alerts(parent, [], "某镇") == []


def test_plan_checks() -> None:
    ok = {
        "kind": "yearly",
        "first_year": 2026,
        "last_year": 2026,
        "numbers": dict.fromkeys(rp.NUMBER_FIELDS, 1),
        "percents": {},
        "this_year": 2026,
    }
    assert rp.plan_problem(**ok) is None
    assert (
        rp.plan_problem(**{**ok, "numbers": {**ok["numbers"], "admissions": True}}).code
        == "R-PLAN-03"
    )  # type: ignore[union-attr]
    assert rp.plan_problem(**{**ok, "percents": {"women": 101}}).field == "womenPct"  # type: ignore[union-attr]
    three = [
        rp.OtherPlan(1, "three_year", 2025, 2027, {"admissions": 5}),
        rp.OtherPlan(2, "yearly", 2025, 2025, {"admissions": 3}),
    ]
    assert rp.inside_problem("yearly", 2026, 2026, {"admissions": 2}, three) is None
    assert rp.inside_problem("yearly", 2026, 2026, {"admissions": 3}, three).code == "R-PLAN-05"  # type: ignore[union-attr]
    assert (
        rp.inside_problem("yearly", 2028, 2028, {"admissions": 9}, three) is None
    )  # outside its period
    assert rp.overlap_problem("three_year", 2027, 2029, three).code == "R-PLAN-06"  # type: ignore[union-attr]
    assert rp.overlap_problem("three_year", 2028, 2030, three) is None
    assert rp.holder_problem("group", "active").code == "R-PLAN-07"  # type: ignore[union-attr]
    assert rp.holder_problem("branch", "dissolved").code == "R-PLAN-07"  # type: ignore[union-attr]


def test_party_probation_until_rights_are_restored() -> None:
    until = rd.probation_until(date(2026, 3, 1), 1)
    assert until == date(2027, 2, 28)
    s = rd.SanctionRecord("party_probation", date(2026, 3, 1), until)
    assert not rd.under_party_probation([s], date(2026, 2, 28))
    assert rd.under_party_probation([s], date(2026, 3, 1))
    assert rd.under_party_probation([s], date(2028, 1, 1))  # no restoring decision recorded
    lifted = rd.SanctionRecord(
        "party_probation", date(2026, 3, 1), until, lifted_on=date(2027, 3, 5)
    )
    assert rd.under_party_probation([lifted], date(2027, 3, 4)) and not rd.under_party_probation(
        [lifted], date(2027, 3, 5)
    )
    assert not rd.under_party_probation(
        [rd.SanctionRecord("party_probation", date(2026, 3, 1), until, withdrawn=True)],
        date(2026, 6, 1),
    )
    assert not rd.under_party_probation(
        [rd.SanctionRecord("serious_warning", date(2026, 3, 1))], date(2026, 6, 1)
    )
    assert rd.lift_problem(s, date(2027, 2, 28), date(2027, 6, 1)).code == "R-DISC-03"  # type: ignore[union-attr]
    assert rd.lift_problem(s, date(2027, 3, 1), date(2027, 6, 1)) is None
