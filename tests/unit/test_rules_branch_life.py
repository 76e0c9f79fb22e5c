"""Pure branch-life rules: missed meetings, terms, R-MEM flags, the four-step order."""

from __future__ import annotations

from datetime import date

from partygraph.rules import branch_life as r
from partygraph.rules.votes import ElectionTally, election_result

TODAY = date(2027, 1, 1)


def _full_year(kinds: list[str], year: int = 2026) -> dict[str, list[date]]:
    """Every kind held monthly through the year (more than any rule asks)."""
    return {k: [date(year, m, 10) for m in range(1, 13)] for k in kinds}


def test_requirements_per_kind_of_organisation() -> None:
    branch = {x.code for x in r.requirements_for("branch", has_committee=False)}
    assert branch == {"R-LIFE-01", "R-LIFE-04", "R-LIFE-05", "R-LIFE-06", "R-LIFE-07"}
    assert "R-LIFE-02" in {x.code for x in r.requirements_for("branch", has_committee=True)}
    assert {x.code for x in r.requirements_for("group", has_committee=False)} == {"R-LIFE-03"}
    assert r.requirements_for("county", has_committee=True) == []
    assert {x.code for x in r.requirements_for("committee", has_committee=False)} == {"R-LIFE-02"}


def test_a_year_of_meetings_with_one_kind_missed_is_exactly_that_alert() -> None:
    reqs = r.requirements_for("branch", has_committee=True)
    held = _full_year([q.kind for q in reqs])
    assert r.missed_meetings(reqs, held, today=TODAY) == []
    held["party_lecture"] = [d for d in held["party_lecture"] if d.month not in (4, 5, 6)]
    alerts = r.missed_meetings(reqs, held, today=TODAY)
    assert [(a.code, a.extra["periodStart"]) for a in alerts] == [("R-LIFE-04", "2026-04-01")]
    assert alerts[0].due_on == date(2026, 6, 30)
    assert "2026年第2季度" in alerts[0].message_zh and "2026 Q2" in alerts[0].message_en


def test_the_current_period_is_not_missed_and_a_yearly_lapse_is() -> None:
    reqs = [q for q in r.requirements_for("branch", has_committee=False) if q.kind in ("theme_day", "life_meeting")]
    # held every month up to October; today is 1 November: October was fine, November is not over
    held = {"theme_day": [date(2026, m, 5) for m in range(1, 11)], "life_meeting": []}
    alerts = r.missed_meetings(reqs, held, today=date(2026, 11, 1))
    codes = sorted((a.code, a.extra["periodStart"]) for a in alerts)
    # theme days missing Nov–Dec 2025 (inside the look-back), the 2025 life meeting missing
    assert codes == [("R-LIFE-05", "2025-01-01"), ("R-LIFE-07", "2025-11-01"), ("R-LIFE-07", "2025-12-01")]


def test_periods_before_the_organisation_existed_are_not_owed() -> None:
    reqs = [q for q in r.requirements_for("branch", has_committee=False) if q.kind == "general_meeting"]
    alerts = r.missed_meetings(reqs, {}, today=TODAY, since=date(2026, 7, 1))
    assert [a.extra["periodStart"] for a in alerts] == ["2026-07-01", "2026-10-01"]


def test_calendar_counts_planned_and_held() -> None:
    reqs = [q for q in r.requirements_for("branch", has_committee=False) if q.kind == "general_meeting"]
    cal = r.calendar(reqs, {"general_meeting": [date(2026, 2, 1), date(2026, 3, 1)]}, date(2026, 1, 1), date(2026, 12, 31))
    assert [(p.start.month, p.required, p.held) for p in cal] == [(1, 1, 2), (4, 1, 0), (7, 1, 0), (10, 1, 0)]


def test_term_length_and_end() -> None:
    assert r.term_years("village") == 5 and r.term_years("community") == 5
    assert r.term_years("enterprise") == 3 and r.term_years(None) == 3
    assert r.term_end(date(2021, 3, 15), 5) == date(2026, 3, 14)


def test_term_alerts_at_90_days_and_past() -> None:
    ending = r.term_alert(date(2027, 4, 1), TODAY)  # 90 days exactly → ending
    assert ending and ending.code == "R-ORG-TERM" and ending.extra["state"] == "ending"
    assert r.term_alert(date(2027, 4, 2), TODAY) is None
    past = r.term_alert(date(2026, 12, 31), TODAY)
    assert past and past.extra["state"] == "past"


def test_r_mem_01_needs_all_three_for_six_months() -> None:
    att = [(date(2026, 5, 1), "present"), (date(2026, 6, 1), "absent"), (date(2026, 9, 1), "absent")]
    six = date(2026, 7, 1)
    assert r.r_mem_01(att, six, six, TODAY) is not None
    assert r.r_mem_01(att, None, six, TODAY) is None  # dues not recorded as lapsed
    assert r.r_mem_01(att, date(2026, 8, 1), six, TODAY) is None  # dues only 5 months
    excused = [*att, (date(2026, 10, 1), "excused")]
    assert r.r_mem_01(excused, six, six, TODAY) is None  # attended (excused) since
    a = r.r_mem_01(att, six, six, TODAY)
    assert a and a.extra == {"flag": "R-MEM-01", "raisedOn": "2026-07-01"}


def test_r_mem_02_suspension_then_removal() -> None:
    assert r.r_mem_02(date(2026, 7, 2), None, TODAY) is None
    s = r.r_mem_02(date(2026, 7, 1), None, TODAY)
    assert s and s.code == "R-MEM-02" and s.extra["flag"] == "R-MEM-02-SUSPEND"
    assert r.r_mem_02(date(2024, 1, 1), date(2025, 1, 2), TODAY) is None
    rem = r.r_mem_02(date(2024, 1, 1), date(2025, 1, 1), TODAY)
    assert rem and rem.extra["flag"] == "R-MEM-02-REMOVE"


def _steps(*steps: tuple[str, bool | None]) -> list[r.FourStepEntry]:
    return [r.FourStepEntry(s, date(2026, 3, i + 1), p) for i, (s, p) in enumerate(steps)]


def test_four_step_order_and_the_seeds_19_to_14_rejection() -> None:
    entries = _steps(("proposal", True), ("joint_discussion", True), ("members_review", True))
    problem, _ = r.check_four_step(entries, "notice_resolution", date(2026, 3, 10))
    assert problem and problem.code == "R-VIL-01"
    problem, _ = r.check_four_step(entries, "assembly_resolution", date(2026, 3, 2), tally=r.AssemblyTally(35, 33, 14, 19))
    assert problem and problem.code == "R-VIL-02"
    problem, _ = r.check_four_step(entries, "assembly_resolution", date(2026, 3, 10))
    assert problem and problem.code == "R-VIL-05"
    problem, _ = r.check_four_step(entries, "assembly_resolution", date(2026, 3, 10), tally=r.AssemblyTally(60, 33, 14, 19))
    assert problem and problem.code == "R-VIL-04"  # 33 of 60 is less than two thirds
    problem, verdict = r.check_four_step(entries, "assembly_resolution", date(2026, 3, 10), tally=r.AssemblyTally(35, 33, 14, 19))
    assert problem is None and verdict is False
    done = [*entries, r.FourStepEntry("assembly_resolution", date(2026, 3, 10), False)]
    assert r.four_step_status(done) == r.FourStepStatus.rejected
    problem, _ = r.check_four_step(done, "notice_resolution", date(2026, 3, 11))
    assert problem and problem.code == "R-VIL-03"
    zh, en = r.assembly_explanation(r.AssemblyTally(35, 33, 14, 19))
    assert "未通过" in zh and "rejected" in en


def test_four_step_completes_after_both_notices() -> None:
    entries = _steps(("proposal", True), ("joint_discussion", True), ("members_review", True), ("assembly_resolution", True), ("notice_resolution", None))
    assert r.next_four_step(entries) == r.FourStep.notice_result
    problem, verdict = r.check_four_step(entries, "notice_result", date(2026, 3, 9))
    assert problem is None and verdict is None
    assert r.four_step_status([*entries, r.FourStepEntry("notice_result", date(2026, 3, 9), None)]) == r.FourStepStatus.completed


def test_election_quorum_boundary_and_tie_for_last_seat() -> None:
    # exactly 4/5 present (40 of 50) is not more than 4/5: invalid (R-ELEC-02)
    cands = [("a", 38), ("b", 37), ("c", 30), ("d", 10)]
    res = election_result(ElectionTally(seats=3, should_attend=50, present=40, candidates=cands))
    assert not res.valid and res.reason and res.reason.code == "R-ELEC-02"
    assert election_result(ElectionTally(seats=3, should_attend=50, present=41, candidates=cands)).valid
    tie = election_result(ElectionTally(seats=3, should_attend=50, present=41, candidates=[("a", 30), ("b", 29), ("c", 25), ("d", 25)]))
    assert tie.elected == ("a", "b") and set(tie.tied_for_last_seat) == {"c", "d"} and tie.seats_unfilled == 1


def test_r_life_10_the_secretary_lectures_once_a_year() -> None:
    secretaries = [(7, date(2020, 1, 1), None)]
    assert r.secretary_lecture_missed([(date(2026, 5, 1), 9)], [], today=TODAY) == []  # no secretary recorded
    missed = r.secretary_lecture_missed([(date(2026, 5, 1), 9), (date(2026, 8, 1), None)], secretaries, today=TODAY)
    assert [(a.code, a.extra["periodStart"]) for a in missed] == [("R-LIFE-10", "2026-01-01")]
    assert r.secretary_lecture_missed([(date(2026, 5, 1), 7)], secretaries, today=TODAY) == []
    # the secretary of the year counts, not a later one
    later = [(7, date(2027, 1, 1), None), (5, date(2020, 1, 1), date(2026, 12, 31))]
    assert r.secretary_lecture_missed([(date(2026, 5, 1), 7)], later, today=TODAY) != []
    assert r.secretary_lecture_missed([(date(2026, 5, 1), 5)], later, today=TODAY) == []
