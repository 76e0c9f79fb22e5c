"""Pure evaluation rules: combining 三评一审, closing a round, the three-year flag, trial
checkpoints (R-CAD-01), step-downs (R-CAD-02) and the last-ranked unit (R-ASSESS-01)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

from partygraph.rules.evaluation import (
    DEFAULT_EVALUATION_SETTINGS,
    CadreFacts,
    CadreRating,
    Checkpoint,
    CheckpointResult,
    CheckpointState,
    Decision,
    Grade,
    Source,
    SourceEntry,
    StepDownReason,
    SubjectState,
    check_checkpoint,
    check_decision,
    check_five_goods,
    check_rank,
    check_tallies,
    checkpoint_alerts,
    checkpoint_state,
    close_blockers,
    consecutive_not_up_to_standard,
    correction_deadline,
    five_goods_score,
    last_ranked_running,
    round_alert,
    step_down_reasons,
    suggest,
    tally_of,
    trial_checkpoints,
    warning_talk_due,
)

E, Q, B, U = Grade.excellent, Grade.qualified, Grade.basically_qualified, Grade.unqualified


def entry(source: Source, **counts: int) -> SourceEntry:
    return SourceEntry(source, {Grade(k): v for k, v in counts.items()})


def test_tallies_from_per_rater_entries() -> None:
    assert tally_of([{"rater": "a", "grade": "qualified"}, {"rater": "b", "grade": "qualified"}, {"grade": "excellent"}]) == {Q: 2, E: 1}
    assert check_tallies({"excellent": 23, "qualified": 40, "unqualified": 2}) is None
    assert check_tallies({"good": 3}).code == "INVALID_INPUT"  # type: ignore[union-attr]
    assert check_tallies({"qualified": -1}).field == "tallies"  # type: ignore[union-attr]


def test_suggestion_weighs_the_sources() -> None:
    # 23 excellent, 40 qualified, 2 unqualified: mean 85.2 → 合格.
    s = suggest([entry(Source.peer, excellent=23, qualified=40, unqualified=2)])
    assert s.grade == Q
    assert s.score == Fraction(23 * 100 + 40 * 80 + 2 * 40, 65)
    # Everyone says excellent → 优秀.
    assert suggest([entry(Source.peer, excellent=30), entry(Source.masses, excellent=10), entry(Source.committee, excellent=1)]).grade == E
    # Weighted: peer 40% at 100, masses 30% at 60, committee 30% at 60 → 76 → 合格.
    s = suggest([entry(Source.peer, excellent=10), entry(Source.masses, basically_qualified=5), entry(Source.committee, basically_qualified=1)])
    assert s.score == 76 and s.grade == Q
    # Nothing entered → no suggestion.
    assert suggest([]).grade is None
    assert suggest([entry(Source.peer)]).grade is None


def test_a_third_unqualified_caps_the_suggestion() -> None:
    # Mean 80 would be 合格, but 4 of 10 votes say 不合格 (> 1/3).
    s = suggest([entry(Source.peer, excellent=6, unqualified=4)])
    assert s.score == 76
    assert s.grade == B and s.capped
    # Exactly a third does not cap.
    s = suggest([entry(Source.peer, excellent=2, unqualified=1)])
    assert not s.capped


def test_township_review_decides_and_plurality_setting() -> None:
    s = suggest([entry(Source.peer, excellent=30), entry(Source.township_review, qualified=1)])
    assert s.grade == Q and s.by_review
    no_review = replace(DEFAULT_EVALUATION_SETTINGS, township_review_decides=False)
    assert suggest([entry(Source.peer, excellent=30), entry(Source.township_review, qualified=1)], no_review).grade == E
    plurality = replace(DEFAULT_EVALUATION_SETTINGS, method="plurality")
    # Most votes say 合格 although the mean is high.
    assert suggest([entry(Source.peer, excellent=4, qualified=6)], plurality).grade == Q
    # A tie goes to the lower grade.
    assert suggest([entry(Source.peer, excellent=5, qualified=5)], plurality).grade == Q


def test_close_blockers_name_who_is_missing() -> None:
    subjects = [
        SubjectState(1, "张三", Q),
        SubjectState(2, "李四", None),
        SubjectState(3, "王五", U),
        SubjectState(4, "赵六", U, Decision.removal),
    ]
    blockers = close_blockers(subjects)
    assert [b.code for b in blockers] == ["R-EVAL-01", "R-EVAL-02"]
    assert "李四" in blockers[0].message_zh and "1 member" in blockers[0].message_en
    assert "王五" in blockers[1].message_zh and "赵六" not in blockers[1].message_zh
    assert close_blockers([SubjectState(1, "张三", Q), SubjectState(4, "赵六", U, Decision.correction)]) == []


def test_decisions_and_deadlines() -> None:
    on = date(2026, 10, 26)
    assert check_decision(U, Decision.correction, None, on) is None
    assert check_decision(Q, Decision.removal, None, on).code == "R-EVAL-02"  # type: ignore[union-attr]
    assert check_decision(U, Decision.correction, on, on).field == "correctionDeadline"  # type: ignore[union-attr]
    assert correction_deadline(on) == date(2027, 4, 26)
    assert warning_talk_due(on) == date(2026, 11, 25)


def test_three_consecutive_years_not_up_to_standard() -> None:
    assert consecutive_not_up_to_standard({2024: B, 2025: U, 2026: B}, 2026)
    assert not consecutive_not_up_to_standard({2024: B, 2025: Q, 2026: B}, 2026)
    assert not consecutive_not_up_to_standard({2023: B, 2024: B, 2026: B}, 2026)  # a gap breaks the run
    assert not consecutive_not_up_to_standard({2025: B, 2026: B}, 2026)
    two = replace(DEFAULT_EVALUATION_SETTINGS, consecutive_years=2)
    assert consecutive_not_up_to_standard({2025: B, 2026: B}, 2026, two)


def test_open_round_alert_after_its_year() -> None:
    assert round_alert(2026, False, date(2026, 12, 31)) is None
    a = round_alert(2026, False, date(2027, 1, 1))
    assert a is not None and a.code == "R-EVAL-01" and a.due_on == date(2026, 12, 31)
    assert round_alert(2026, True, date(2027, 6, 1)) is None


def test_trial_checkpoints_and_their_alerts() -> None:
    cps = trial_checkpoints(date(2026, 11, 30))
    assert cps == [
        (Checkpoint.work_report, date(2027, 2, 28)),
        (Checkpoint.special_assessment, date(2027, 5, 30)),
        (Checkpoint.final_decision, date(2027, 11, 30)),
    ]
    states = [CheckpointState(k, d) for k, d in cps]
    assert checkpoint_alerts(states, date(2026, 12, 1)) == []
    soon = checkpoint_alerts(states, date(2027, 2, 20))
    assert [(a.code, a.extra["state"]) for a in soon] == [("R-CAD-01", "due")]
    late = checkpoint_alerts(states, date(2027, 6, 1))
    assert [a.extra["state"] for a in late] == ["overdue", "overdue"]
    assert checkpoint_state(date(2027, 2, 28), None, date(2027, 3, 1)) == "overdue"
    assert checkpoint_state(date(2027, 2, 28), date(2027, 2, 27), date(2027, 3, 1)) == "done"
    assert checkpoint_state(date(2027, 2, 28), None, date(2026, 12, 1)) == "pending"


def test_checkpoints_recorded_in_order_and_not_early() -> None:
    cps = [CheckpointState(k, d) for k, d in trial_checkpoints(date(2026, 1, 10))]
    today = date(2027, 3, 1)
    assert check_checkpoint(cps, Checkpoint.work_report, date(2026, 3, 1), CheckpointResult.passed, today).code == "R-CAD-01"  # type: ignore[union-attr]
    assert check_checkpoint(cps, Checkpoint.work_report, date(2026, 4, 10), CheckpointResult.passed, today) is None
    assert check_checkpoint(cps, Checkpoint.special_assessment, date(2026, 7, 10), CheckpointResult.passed, today).field == "kind"  # type: ignore[union-attr]
    assert check_checkpoint(cps, Checkpoint.work_report, date(2026, 4, 10), CheckpointResult.keep, today).field == "result"  # type: ignore[union-attr]
    assert check_checkpoint(cps, Checkpoint.work_report, date(2027, 4, 10), CheckpointResult.passed, today).code == "INVALID_DATE"  # type: ignore[union-attr]
    done = [replace(cps[0], done_on=date(2026, 4, 10)), replace(cps[1], done_on=date(2026, 7, 10)), cps[2]]
    assert check_checkpoint(done, Checkpoint.final_decision, date(2027, 1, 10), CheckpointResult.promote, today) is None
    assert check_checkpoint(done, Checkpoint.work_report, date(2026, 4, 11), CheckpointResult.passed, today).code == "R-CAD-01"  # type: ignore[union-attr]


def test_four_step_downs() -> None:
    assert step_down_reasons(CadreFacts()) == []
    assert step_down_reasons(CadreFacts(rating=CadreRating.incompetent)) == [StepDownReason.incompetent]
    assert step_down_reasons(CadreFacts(rating=CadreRating.competent, rank=9, ranked=9)) == [StepDownReason.last_in_evaluation]
    assert step_down_reasons(CadreFacts(rank=1, ranked=1)) == []  # alone is not last
    assert step_down_reasons(CadreFacts(warned_not_corrected=True, trial_results=[CheckpointResult.passed, CheckpointResult.failed])) == [
        StepDownReason.warned_not_corrected,
        StepDownReason.failed_trial,
    ]
    assert step_down_reasons(CadreFacts(trial_results=[CheckpointResult.demote])) == [StepDownReason.failed_trial]


def test_last_ranked_unit_two_years_running_and_checklists() -> None:
    assert last_ranked_running({2025: (12, 12), 2026: (11, 11)}, 2026)
    assert not last_ranked_running({2025: (11, 12), 2026: (11, 11)}, 2026)
    assert not last_ranked_running({2026: (11, 11)}, 2026)
    assert check_rank(3, None).field == "rank"  # type: ignore[union-attr]
    assert check_rank(13, 12) is not None
    assert check_rank(None, None) is None
    assert five_goods_score({"leadership": True, "masses": True, "results": False}) == (2, 5)
    assert check_five_goods({"leadership": True}) is None
    assert check_five_goods({"venue": True}) is not None


def _rank(g: Grade | None) -> int:
    return list(Grade).index(g) if g is not None else -1


def test_more_excellent_votes_never_lower_the_suggestion() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    counts = st.integers(min_value=0, max_value=40)

    @settings(max_examples=300, deadline=None)
    @given(counts, counts, counts, counts, st.integers(min_value=1, max_value=20), st.sampled_from([Source.peer, Source.masses]))
    def check(e: int, q: int, b: int, u: int, extra: int, source: Source) -> None:
        base = [entry(Source.peer, excellent=e, qualified=q, basically_qualified=b, unqualified=u), entry(Source.masses, qualified=5)]
        more = [SourceEntry(x.source, {**x.tallies, E: x.tallies.get(E, 0) + extra}) if x.source == source else x for x in base]
        before, after = suggest(base), suggest(more)
        assert before.grade is not None and after.grade is not None
        assert _rank(after.grade) <= _rank(before.grade)
        assert after.score is not None and before.score is not None and after.score >= before.score

    check()
