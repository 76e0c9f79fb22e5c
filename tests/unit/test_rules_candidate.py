"""The 25 steps of developing a member (docs/rules.md §1): order, limits, what is due."""

from dataclasses import replace
from datetime import date

import pytest

from partygraph.rules.candidate import (
    ARCHIVE_DOCUMENTS,
    STAGE_LABELS,
    STEP_INFO,
    STEP_LABELS,
    PipelineSettings,
    Stage,
    Step,
    StepRecord,
    alerts,
    check_step,
    membership_dates,
    next_steps,
    notice_ends_on,
    probation_end,
    stage_of,
)

D = date.fromisoformat
BIRTH = D("2000-05-20")
FULL = "full"
TALLY_PASSED = {"should_attend": 41, "present": 22, "yes": 21, "no": 1, "meeting": "m-2024-04"}


def R(step: Step, on: str, outcome: str | None = None, **data) -> StepRecord:
    return StepRecord(step, D(on), outcome, data)


def people(*keys: str, standing: str = FULL) -> list[dict]:
    return [{"key": k, "standing": standing} for k in keys]


JOURNEY: list[StepRecord] = [
    R(Step.application, "2023-01-10"),
    R(Step.talk, "2023-01-20"),
    R(Step.notice, "2023-02-06"),  # Mon → ends Fri 2023-02-10
    R(Step.activist_decided, "2023-02-15", recommendation="mass"),
    R(Step.activist_filed, "2023-02-20"),
    R(Step.contacts_assigned, "2023-02-20", contacts=people("m1")),
    R(Step.activist_review, "2023-08-10", passed=True),
    R(Step.activist_review, "2024-02-05", passed=True),
    R(Step.notice, "2024-02-05"),  # ends 2024-02-09
    R(Step.target_decided, "2024-02-15"),  # the anniversary itself
    R(Step.target_filed, "2024-02-20"),
    R(Step.introducers_assigned, "2024-02-25", introducers=people("m1", "m2")),
    R(Step.political_review, "2024-03-10", "pass"),
    R(Step.training, "2024-03-13", days=3, hours=24),
    R(Step.branch_examination, "2024-03-20"),
    R(Step.pre_examination, "2024-03-22"),
    R(Step.notice, "2024-03-25"),  # ends 2024-03-29
    R(Step.form_filled, "2024-04-02"),
    R(Step.admission_vote, "2024-04-10", **TALLY_PASSED),
    R(Step.approval_talk, "2024-05-06"),
    R(Step.admission_approved, "2024-05-20"),
    R(Step.admission_filed, "2024-05-25"),
    R(Step.placed, "2024-05-25"),
    R(Step.oath, "2024-07-01"),
    R(Step.conversion_applied, "2025-03-20"),
    R(Step.notice, "2025-03-31"),  # ends 2025-04-04
    R(Step.conversion_vote, "2025-04-10", "convert", valid=True, passed=True),
    R(Step.conversion_approved, "2025-05-15"),
    R(Step.archived, "2025-06-01", documents=list(ARCHIVE_DOCUMENTS)),
]


def before(step: Step, nth: int = 1) -> list[StepRecord]:
    """The journey up to (not including) the nth record of `step`."""
    seen = 0
    for i, rec in enumerate(JOURNEY):
        if rec.step == step:
            seen += 1
            if seen == nth:
                return JOURNEY[:i]
    raise AssertionError(step)


def through(step: Step, nth: int = 1) -> list[StepRecord]:
    h = before(step, nth)
    return [*h, JOURNEY[len(h)]]


def check(history, new, *, settings=None, birth=BIRTH, today=None):
    return check_step(
        history,
        new,
        birth_date=birth,
        settings=settings or PipelineSettings(),
        today=today or new.on,
    )


def codes(alist) -> list[str]:
    return [a.code for a in alist]


def steps(nlist) -> list[Step]:
    return [n.step for n in nlist]


def by_step(nlist, step):
    return next(n for n in nlist if n.step == step)


# --- the journey ----------------------------------------------------------------------


def test_full_journey_passes_every_check_and_each_step_was_expected():
    for i, rec in enumerate(JOURNEY):
        history = JOURNEY[:i]
        assert check(history, rec) is None, (rec, check(history, rec))
        expected = next_steps(history, birth_date=BIRTH, today=rec.on)
        assert rec.step in steps(expected), (rec.step, steps(expected))


def test_journey_stages():
    assert stage_of(through(Step.talk)) == Stage.applicant
    assert stage_of(through(Step.activist_decided)) == Stage.activist
    assert stage_of(through(Step.target_decided)) == Stage.target
    assert stage_of(through(Step.admission_vote)) == Stage.target  # awaiting approval
    assert stage_of(through(Step.admission_approved)) == Stage.probationary
    assert stage_of(through(Step.conversion_vote)) == Stage.probationary
    assert stage_of(JOURNEY) == Stage.full
    with pytest.raises(ValueError):
        stage_of([])


def test_membership_and_probation_dates():
    assert probation_end(before(Step.admission_approved)) is None
    assert probation_end(through(Step.admission_approved)) == D("2025-04-10")
    assert membership_dates(through(Step.oath)) == (D("2024-04-10"), None)
    assert membership_dates(JOURNEY) == (D("2024-04-10"), D("2025-04-10"))
    with pytest.raises(ValueError):
        membership_dates(through(Step.admission_vote))


def test_labels_cover_every_stage_and_step():
    assert set(STAGE_LABELS) == set(Stage)
    assert set(STEP_LABELS) == set(Step)
    assert STEP_INFO[Step.target_decided].rule == "R-DEV-07"
    assert STEP_INFO[Step.target_decided].number == 7
    assert STEP_LABELS[Step.target_decided] == ("确定发展对象", "Development target decided")


def test_notice_length_counts_working_days():
    assert notice_ends_on(D("2023-02-06"), 5) == D("2023-02-10")  # Mon → Fri
    assert notice_ends_on(D("2023-02-08"), 5) == D("2023-02-14")  # Wed → next Tue
    assert notice_ends_on(D("2023-02-11"), 5) == D("2023-02-17")  # Sat → starts Monday


# --- next steps -----------------------------------------------------------------------


def test_next_step_of_nobody_is_the_application_from_18():
    (ns,) = next_steps([], birth_date=BIRTH, today=D("2017-01-01"))
    assert ns.step == Step.application and ns.earliest == D("2018-05-20")


def test_next_steps_after_application():
    ns = next_steps(JOURNEY[:1], birth_date=BIRTH, today=D("2023-01-12"))
    assert steps(ns) == [Step.talk, Step.notice]
    talk = by_step(ns, Step.talk)
    assert talk.due == D("2023-02-10") and not talk.overdue
    assert talk.label_zh == "党组织派人谈话" and talk.rule == "R-DEV-02"
    late = next_steps(JOURNEY[:1], birth_date=BIRTH, today=D("2023-02-11"))
    assert by_step(late, Step.talk).overdue


def test_next_steps_as_activist():
    ns = next_steps(through(Step.activist_review), birth_date=BIRTH, today=D("2023-09-01"))
    assert steps(ns) == [Step.activist_review, Step.notice, Step.target_decided]
    assert by_step(ns, Step.activist_review).due == D("2024-02-10")
    assert by_step(ns, Step.target_decided).earliest == D("2024-02-15")


def test_next_steps_target_waits_for_anniversary_and_notice():
    ns = next_steps(before(Step.target_decided), birth_date=BIRTH, today=D("2024-02-07"))
    assert steps(ns) == [Step.activist_review, Step.target_decided]
    assert by_step(ns, Step.target_decided).earliest == D("2024-02-15")


def test_next_steps_for_a_new_target():
    ns = next_steps(through(Step.target_decided), birth_date=BIRTH, today=D("2024-02-16"))
    assert steps(ns) == [
        Step.target_filed,
        Step.introducers_assigned,
        Step.political_review,
        Step.training,
    ]


def test_next_steps_after_admission_vote():
    ns = next_steps(through(Step.admission_vote), birth_date=BIRTH, today=D("2024-04-15"))
    assert steps(ns) == [Step.approval_talk]
    assert ns[0].due == D("2024-07-10")
    ns = next_steps(through(Step.approval_talk), birth_date=BIRTH, today=D("2024-07-11"))
    assert steps(ns) == [Step.admission_approved] and ns[0].overdue


def test_next_steps_during_probation():
    ns = next_steps(through(Step.oath), birth_date=BIRTH, today=D("2024-08-01"))
    assert steps(ns) == [Step.conversion_applied, Step.notice]
    assert by_step(ns, Step.conversion_applied).due == D("2025-04-10")
    ns = next_steps(through(Step.notice, 4), birth_date=BIRTH, today=D("2025-04-05"))
    vote = by_step(ns, Step.conversion_vote)
    assert vote.earliest == D("2025-04-10") and vote.due == D("2025-04-10") and not vote.overdue


def test_next_steps_at_the_end():
    assert steps(next_steps(before(Step.archived), birth_date=BIRTH, today=D("2025-05-20"))) == [
        Step.archived
    ]
    assert next_steps(JOURNEY, birth_date=BIRTH, today=D("2025-06-02")) == []


# --- alerts ---------------------------------------------------------------------------


def test_alert_talk_overdue_r_dev_02():
    assert alerts(JOURNEY[:1], today=D("2023-02-10")) == []
    (a,) = alerts(JOURNEY[:1], today=D("2023-02-11"))
    assert a.code == "R-DEV-02" and a.due_on == D("2023-02-10")


def test_alert_activist_review_overdue_r_dev_06():
    h = through(Step.contacts_assigned)
    assert "R-DEV-06" not in codes(alerts(h, today=D("2023-08-15")))
    assert "R-DEV-06" in codes(alerts(h, today=D("2023-08-16")))


def test_alert_activist_eligible():
    h = through(Step.activist_review, 2)
    assert "A-ELIGIBLE" not in codes(alerts(h, today=D("2024-02-14")))
    (a,) = [a for a in alerts(h, today=D("2024-02-15")) if a.code == "A-ELIGIBLE"]
    assert a.due_on == D("2024-02-15")


def test_alert_notice_ending():
    h = through(Step.notice, 3)
    (a,) = alerts(h, today=D("2024-03-25"))
    assert a.code == "A-NOTICE-ENDING" and a.due_on == D("2024-03-29")
    assert alerts(h, today=D("2024-03-30")) == []


def test_alert_approval_waiting_r_dev_17():
    h = through(Step.approval_talk)
    assert alerts(h, today=D("2024-07-10")) == []
    (a,) = alerts(h, today=D("2024-07-11"))
    assert a.code == "R-DEV-17" and a.extra["limit"] == "normal"
    assert a.due_on == D("2024-07-10")
    lapsed = [a for a in alerts(h, today=D("2024-10-11")) if a.code == "R-DEV-17"]
    assert lapsed[0].extra["limit"] == "max"


def test_alert_probation_ending_and_overdue_r_dev_22():
    h = through(Step.oath)
    assert alerts(h, today=D("2024-09-01")) == []  # probation is a wait, not a stall
    assert alerts(h, today=D("2025-03-10")) == []
    (a,) = alerts(h, today=D("2025-03-11"))
    assert a.code == "R-DEV-22" and a.extra["kind"] == "ending" and a.due_on == D("2025-04-10")
    (a,) = alerts(h, today=D("2025-04-11"))
    assert a.code == "R-DEV-22" and a.extra["kind"] == "overdue"
    assert "A-STALLED" in codes(alerts(h, today=D("2025-10-10")))


def test_alert_conversion_approval_waiting_r_dev_24():
    h = through(Step.conversion_vote)
    assert alerts(h, today=D("2025-07-10")) == []
    assert codes(alerts(h, today=D("2025-07-11"))) == ["R-DEV-24"]


def test_no_alerts_once_the_journey_is_done():
    assert alerts(JOURNEY, today=D("2026-06-01")) == []
    assert alerts([], today=D("2026-06-01")) == []


def test_seed_applicant_of_2001_is_stalled():
    # seed 000: applied in 2001, the branch first looked at it in 2009
    h = [R(Step.application, "2001-06-01")]
    found = alerts(h, today=D("2009-03-01"))
    assert "A-STALLED" in codes(found) and "R-DEV-02" in codes(found)
    stalled = next(a for a in found if a.code == "A-STALLED")
    assert stalled.due_on == D("2001-12-01")
    assert stalled.extra["stage"] == "applicant"
    assert "A-STALLED" not in codes(alerts(h, today=D("2001-11-30")))
    assert "A-STALLED" in codes(alerts(h, today=D("2001-12-01")))
    short = PipelineSettings(stalled_after_months=3)
    assert "A-STALLED" in codes(alerts(h, settings=short, today=D("2001-09-01")))


# --- R-DEV-00: order and dates ------------------------------------------------------------


def test_r_dev_00_future_date():
    v = check(JOURNEY[:1], R(Step.talk, "2023-02-01"), today=D("2023-01-25"))
    assert v.code == "R-DEV-00" and v.field == "on"


def test_r_dev_00_dated_before_the_previous_step():
    v = check(JOURNEY[:1], R(Step.talk, "2023-01-05"))
    assert v.code == "R-DEV-00" and v.field == "on"


def test_r_dev_00_wrong_stage_names_stage_and_expected_step():
    v = check(JOURNEY[:2], R(Step.target_decided, "2023-01-25"))
    assert v.code == "R-DEV-00"
    assert "入党申请人" in v.message_zh and "确定入党积极分子" in v.message_zh
    assert "Applicant" in v.message_en and "Activist decided" in v.message_en


def test_r_dev_00_first_step_is_the_application():
    assert check([], R(Step.talk, "2023-01-20")).code == "R-DEV-00"


def test_r_dev_00_step_twice():
    v = check(JOURNEY[:2], R(Step.talk, "2023-01-21"))
    assert v.code == "R-DEV-00" and "2023-01-20" in v.message_zh


def test_r_dev_00_missing_previous_step():
    h = through(Step.activist_filed)
    v = check(h, R(Step.target_decided, "2024-03-01"))
    assert v.code == "R-DEV-00" and "指定培养联系人" in v.message_zh


def test_r_dev_00_second_application_while_open():
    assert check(JOURNEY[:2], R(Step.application, "2023-02-01")).code == "R-DEV-00"


def test_r_dev_00_closed_file_and_reapplication():
    h = [*JOURNEY[:2], R(Step.withdraw, "2023-03-01", reason="moved away")]
    assert stage_of(h) == Stage.withdrawn
    v = check(h, R(Step.activist_decided, "2023-03-02", recommendation="mass"))
    assert v.code == "R-DEV-00" and "重新递交入党申请" in v.message_zh
    again = R(Step.application, "2024-01-01")
    assert check(h, again) is None
    h2 = [*h, again]
    assert stage_of(h2) == Stage.applicant
    assert check(h2, R(Step.talk, "2024-01-10")) is None  # the old round's talk does not count


def test_r_dev_00_exits_only_at_their_stages():
    assert check(JOURNEY[:2], R(Step.remove_from_pool, "2023-03-01")).code == "R-DEV-00"
    assert check(JOURNEY[:2], R(Step.cancel_probation, "2023-03-01")).code == "R-DEV-00"
    h = through(Step.oath)
    assert check(h, R(Step.cancel_probation, "2024-08-01")) is None
    assert stage_of([*h, R(Step.cancel_probation, "2024-08-01")]) == Stage.cancelled


# --- R-DEV-01: age ----------------------------------------------------------------------


def test_r_dev_01_under_18_on_the_day():
    birth = D("2005-01-10")
    v = check([], R(Step.application, "2023-01-09"), birth=birth)
    assert v.code == "R-DEV-01" and "2023-01-10" in v.message_zh and "第五条" in v.message_zh


def test_r_dev_01_exactly_18_on_the_day_is_allowed():
    assert check([], R(Step.application, "2023-01-10"), birth=D("2005-01-10")) is None


# --- R-DEV-03: activist ------------------------------------------------------------------


def test_r_dev_03_recommendation_method_required():
    h = through(Step.notice)
    for data in ({}, {"recommendation": "lottery"}):
        v = check(h, StepRecord(Step.activist_decided, D("2023-02-15"), None, data))
        assert v.code == "R-DEV-03" and v.field == "data.recommendation"


def test_r_dev_03_notice_before_activist():
    h = JOURNEY[:2]
    v = check(h, R(Step.activist_decided, "2023-02-15", recommendation="league"))
    assert v.code == "R-DEV-03" and "公示" in v.message_zh
    relaxed = PipelineSettings(notice_before_activist=False)
    assert (
        check(h, R(Step.activist_decided, "2023-02-15", recommendation="league"), settings=relaxed)
        is None
    )


def test_r_dev_03_notice_must_be_over():
    h = through(Step.notice)
    v = check(h, R(Step.activist_decided, "2023-02-10", recommendation="joint"))
    assert v.code == "R-DEV-03" and "最早可于 2023-02-11" in v.message_zh
    assert check(h, R(Step.activist_decided, "2023-02-11", recommendation="joint")) is None


def test_r_dev_03_open_objection_blocks():
    h = [*JOURNEY[:2], R(Step.notice, "2023-02-06", open_objections=1)]
    v = check(h, R(Step.activist_decided, "2023-02-15", recommendation="member"))
    assert v.code == "R-DEV-03" and v.field == "data.open_objections"


# --- R-DEV-05: contacts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "contacts",
    [[], people("a", "b", "c"), people("a", standing="probationary"), people("a", "a")],
)
def test_r_dev_05_one_or_two_full_members(contacts):
    v = check(
        through(Step.activist_filed), R(Step.contacts_assigned, "2023-02-20", contacts=contacts)
    )
    assert v.code == "R-DEV-05"


def test_r_dev_05_two_contacts_allowed():
    new = R(Step.contacts_assigned, "2023-02-20", contacts=people("a", "b"))
    assert check(through(Step.activist_filed), new) is None


# --- R-DEV-06: six-monthly review is an alert, not a block -----------------------------------


def test_r_dev_06_missing_review_does_not_block_the_target():
    h = [r for r in before(Step.target_decided) if r.step != Step.activist_review]
    assert check(h, R(Step.target_decided, "2024-02-15")) is None
    assert "R-DEV-06" in codes(alerts(h, today=D("2024-02-15")))


# --- R-DEV-07: one year as activist ---------------------------------------------------------


def test_r_dev_07_day_before_the_anniversary_is_refused():
    v = check(before(Step.target_decided), R(Step.target_decided, "2024-02-14"))
    assert v.code == "R-DEV-07" and v.field == "on"
    assert v.message_zh == (
        "成为入党积极分子满一年后才能确定为发展对象（R-DEV-07，《发展党员工作细则》第十三条）；"
        "最早可于 2024-02-15"
    )
    assert v.message_en == (
        "A candidate can become a development target only after at least one year as an "
        "activist (R-DEV-07, Rules on Recruiting Party Members (2014) art. 13); earliest 2024-02-15"
    )


def test_r_dev_07_the_anniversary_is_allowed():
    assert check(before(Step.target_decided), R(Step.target_decided, "2024-02-15")) is None


def test_r_dev_07_notice_before_target():
    h = before(Step.notice, 2)
    v = check(h, R(Step.target_decided, "2024-02-15"))
    assert v.code == "R-DEV-07" and "公示" in v.message_zh
    relaxed = PipelineSettings(notice_before_target=False)
    assert check(h, R(Step.target_decided, "2024-02-15"), settings=relaxed) is None


# --- R-DEV-09: introducers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("introducers", "needle"),
    [
        (people("m1"), "2 名"),
        (people("m1", "m1"), "重复"),
        ([*people("m1"), *people("p1", standing="probationary")], "不是正式党员"),
        ([*people("m1"), *people("x1", standing="party_probation")], "留党察看"),
    ],
)
def test_r_dev_09_two_full_members_not_under_party_probation(introducers, needle):
    v = check(
        through(Step.target_filed),
        R(Step.introducers_assigned, "2024-02-25", introducers=introducers),
    )
    assert v.code == "R-DEV-09" and needle in v.message_zh and "第十四条" in v.message_zh


def test_r_dev_09_admission_needs_introducers():
    h = [r for r in before(Step.branch_examination) if r.step != Step.introducers_assigned]
    assert check(h, R(Step.branch_examination, "2024-03-20")).code == "R-DEV-09"


# --- R-DEV-10: political review --------------------------------------------------------------


def test_r_dev_10_no_review():
    h = [r for r in before(Step.branch_examination) if r.step != Step.political_review]
    assert check(h, R(Step.branch_examination, "2024-03-20")).code == "R-DEV-10"


def test_r_dev_10_failed_review():
    h = [
        replace(r, outcome="fail") if r.step == Step.political_review else r
        for r in before(Step.branch_examination)
    ]
    v = check(h, R(Step.branch_examination, "2024-03-20"))
    assert v.code == "R-DEV-10" and v.field == "outcome"


def test_r_dev_10_review_needs_a_conclusion():
    v = check(through(Step.introducers_assigned), R(Step.political_review, "2024-03-10"))
    assert v.code == "R-DEV-10"


# --- R-DEV-11: training ------------------------------------------------------------------


def _with_training(*sessions: StepRecord) -> list[StepRecord]:
    h = [r for r in before(Step.branch_examination) if r.step != Step.training]
    return [*h, *sessions]


def test_r_dev_11_short_training_is_refused():
    h = _with_training(R(Step.training, "2024-03-13", days=2, hours=16))
    v = check(h, R(Step.branch_examination, "2024-03-20"))
    assert v.code == "R-DEV-11" and "第十七条" in v.message_zh


def test_r_dev_11_hours_or_days_and_sessions_add_up():
    hours = _with_training(R(Step.training, "2024-03-13", hours=24))
    assert check(hours, R(Step.branch_examination, "2024-03-20")) is None
    two = _with_training(
        R(Step.training, "2024-03-12", days=2), R(Step.training, "2024-03-13", days=1)
    )
    assert check(two, R(Step.branch_examination, "2024-03-20")) is None


# --- R-DEV-13: public notice before admission ----------------------------------------------


def test_r_dev_13_form_needs_the_notice():
    v = check(before(Step.notice, 3), R(Step.form_filled, "2024-04-02"))
    assert v.code == "R-DEV-13"


def test_r_dev_13_notice_not_over():
    v = check(through(Step.notice, 3), R(Step.form_filled, "2024-03-29"))
    assert v.code == "R-DEV-13" and "2024-03-30" in v.message_zh


def test_r_dev_13_notice_too_short():
    v = check(before(Step.notice, 3), R(Step.notice, "2024-03-25", ends_on=D("2024-03-27")))
    assert v.code == "R-DEV-13" and v.field == "data.ends_on"


def test_r_dev_13_unresolved_objection_blocks_the_vote_and_approval():
    h = [
        replace(r, data={"open_objections": 2}) if r.on == D("2024-03-25") else r
        for r in before(Step.admission_vote)
    ]
    v = check(h, R(Step.admission_vote, "2024-04-10", **TALLY_PASSED))
    assert v.code == "R-DEV-13" and v.field == "data.open_objections"


# --- R-DEV-15: leaving the unit within 3 months ------------------------------------------


def test_r_dev_15_leaving_soon():
    h = before(Step.admission_vote)
    leaving = R(Step.admission_vote, "2024-04-10", leaving_unit_on=D("2024-06-30"), **TALLY_PASSED)
    assert check(h, leaving).code == "R-DEV-15"
    later = R(Step.admission_vote, "2024-04-10", leaving_unit_on=D("2024-07-11"), **TALLY_PASSED)
    assert check(h, later) is None
    reason = R(
        Step.admission_vote,
        "2024-04-10",
        leaving_unit_on=D("2024-06-30"),
        special_reason="posted back within the county",
        **TALLY_PASSED,
    )
    assert check(h, reason) is None


# --- R-VOTE-00/01/02 at the admission meeting ----------------------------------------------


def test_admission_vote_from_an_invalid_meeting():
    h = before(Step.admission_vote)
    v = check(h, R(Step.admission_vote, "2024-04-10", should_attend=41, present=20, yes=20))
    assert v.code == "R-VOTE-01"


def test_admission_vote_that_did_not_pass():
    h = before(Step.admission_vote)
    v = check(h, R(Step.admission_vote, "2024-04-10", should_attend=41, present=30, yes=20, no=10))
    assert v.code == "R-VOTE-02"
    v = check(h, R(Step.admission_vote, "2024-04-10", valid=True, passed=False))
    assert v.code == "R-VOTE-02"


def test_admission_vote_impossible_or_missing_tally():
    h = before(Step.admission_vote)
    assert check(h, R(Step.admission_vote, "2024-04-10", should_attend=10, present=12)).code == (
        "R-VOTE-00"
    )
    assert check(h, R(Step.admission_vote, "2024-04-10")).code == "R-VOTE-00"


def test_failed_vote_moves_nowhere_and_not_admitted_is_explicit():
    failed = R(Step.admission_vote, "2024-04-10", valid=True, passed=False)
    h = [*before(Step.admission_vote), failed]  # even if a service stored it anyway
    assert stage_of(h) == Stage.target
    assert check(h, R(Step.approval_talk, "2024-04-20")).code == "R-DEV-00"
    assert check(h, R(Step.admission_vote, "2024-05-10", **TALLY_PASSED)) is None
    exit_ = R(Step.not_admitted, "2024-04-20", reason="branch voted against")
    assert check(h, exit_) is None
    assert stage_of([*h, exit_]) == Stage.not_admitted


def test_second_admission_vote_while_awaiting_approval():
    v = check(through(Step.admission_vote), R(Step.admission_vote, "2024-04-20", **TALLY_PASSED))
    assert v.code == "R-DEV-00"


# --- R-DEV-16 / R-DEV-17: approval -----------------------------------------------------------


def test_r_dev_16_approval_without_the_talk():
    v = check(through(Step.admission_vote), R(Step.admission_approved, "2024-05-20"))
    assert v.code == "R-DEV-16"


@pytest.mark.parametrize(
    ("on", "reason", "ok"),
    [
        ("2024-07-10", None, True),  # exactly 3 months
        ("2024-07-11", None, False),
        ("2024-07-11", "committee meeting postponed by the flood", True),
        ("2024-10-10", "committee meeting postponed by the flood", True),  # exactly 6 months
        ("2024-10-11", "committee meeting postponed by the flood", False),
    ],
)
def test_r_dev_17_approval_window(on, reason, ok):
    data = {"special_reason": reason} if reason else {}
    v = check(through(Step.approval_talk), StepRecord(Step.admission_approved, D(on), None, data))
    assert (v is None) is ok
    if not ok:
        assert v.code == "R-DEV-17"


def test_lapsed_resolution_allows_a_new_vote():
    h = through(Step.approval_talk)
    assert check(h, R(Step.admission_vote, "2024-10-10", **TALLY_PASSED)).code == "R-DEV-00"
    assert check(h, R(Step.admission_vote, "2024-10-11", **TALLY_PASSED)) is None


# --- R-DEV-22 / 23 / 24: conversion -----------------------------------------------------------


def test_r_dev_22_conversion_vote_before_probation_ends():
    h = before(Step.conversion_vote)
    v = check(h, R(Step.conversion_vote, "2025-04-09", "convert", valid=True, passed=True))
    assert v.code == "R-DEV-22" and "最早可于 2025-04-10" in v.message_zh


def test_r_dev_23_notice_before_conversion():
    h = [r for r in before(Step.conversion_vote) if r.on != D("2025-03-31")]
    v = check(h, R(Step.conversion_vote, "2025-04-10", "convert", valid=True, passed=True))
    assert v.code == "R-DEV-23"
    relaxed = PipelineSettings(notice_before_conversion=False)
    new = R(Step.conversion_vote, "2025-04-10", "convert", valid=True, passed=True)
    assert check(h, new, settings=relaxed) is None


@pytest.mark.parametrize(
    ("outcome", "months", "ok"),
    [
        ("extend", 5, False),
        ("extend", 13, False),
        ("extend", 6, True),
        ("extend", 12, True),
        ("postpone", None, False),
    ],
)
def test_r_dev_23_extension_between_6_and_12_months(outcome, months, ok):
    data = {"valid": True, "passed": True}
    if months is not None:
        data["extension_months"] = months
    new = StepRecord(Step.conversion_vote, D("2025-04-10"), outcome, data)
    v = check(before(Step.conversion_vote), new)
    assert (v is None) is ok
    if not ok:
        assert v.code == "R-DEV-23"


def _extended() -> list[StepRecord]:
    return [
        *before(Step.conversion_vote),
        R(
            Step.conversion_vote,
            "2025-04-10",
            "extend",
            valid=True,
            passed=True,
            extension_months=6,
        ),
        R(Step.conversion_approved, "2025-05-15"),
    ]


def test_extension_moves_probation_end_and_conversion_date():
    h = _extended()
    assert stage_of(h) == Stage.probationary
    assert probation_end(h) == D("2025-10-10")
    ns = next_steps(h, birth_date=BIRTH, today=D("2025-06-01"))
    assert steps(ns) == [Step.conversion_applied, Step.notice]
    h += [R(Step.conversion_applied, "2025-09-15"), R(Step.notice, "2025-09-22")]
    early = R(Step.conversion_vote, "2025-10-09", "convert", valid=True, passed=True)
    assert check(h, early).code == "R-DEV-22"
    vote = R(Step.conversion_vote, "2025-10-10", "convert", valid=True, passed=True)
    assert check(h, vote) is None
    h += [vote, R(Step.conversion_approved, "2025-11-01")]
    assert stage_of(h) == Stage.full
    assert membership_dates(h) == (D("2024-04-10"), D("2025-10-10"))


def test_r_dev_23_second_extension_refused():
    h = [*_extended(), R(Step.conversion_applied, "2025-09-15"), R(Step.notice, "2025-09-22")]
    again = R(
        Step.conversion_vote, "2025-10-10", "extend", valid=True, passed=True, extension_months=6
    )
    v = check(h, again)
    assert v.code == "R-DEV-23" and "一次" in v.message_zh


def test_conversion_cancelled():
    h = [
        *before(Step.conversion_vote),
        R(Step.conversion_vote, "2025-04-10", "cancel", valid=True, passed=True),
        R(Step.conversion_approved, "2025-05-15"),
    ]
    assert stage_of(h) == Stage.cancelled
    assert membership_dates(h) == (D("2024-04-10"), None)
    assert next_steps(h, birth_date=BIRTH, today=D("2025-06-01")) == []
    assert check(h, R(Step.application, "2027-01-01")) is None


@pytest.mark.parametrize(
    ("on", "reason", "ok"),
    [
        ("2025-07-10", None, True),
        ("2025-07-11", None, False),
        ("2025-08-20", "committee re-elected", True),
        ("2025-10-11", "committee re-elected", False),
    ],
)
def test_r_dev_24_conversion_approval_window(on, reason, ok):
    data = {"special_reason": reason} if reason else {}
    v = check(
        through(Step.conversion_vote), StepRecord(Step.conversion_approved, D(on), None, data)
    )
    assert (v is None) is ok
    if not ok:
        assert v.code == "R-DEV-24"


def test_r_dev_24_approval_confirms_the_branch_resolution():
    v = check(through(Step.conversion_vote), R(Step.conversion_approved, "2025-05-15", "extend"))
    assert v.code == "R-DEV-24" and v.field == "outcome"


def test_conversion_vote_from_an_invalid_meeting():
    new = R(Step.conversion_vote, "2025-04-10", "convert", should_attend=40, present=20, yes=20)
    assert check(before(Step.conversion_vote), new).code == "R-VOTE-01"


# --- R-DEV-25: archive ---------------------------------------------------------------------


def test_r_dev_25_archive_documents():
    h = before(Step.archived)
    v = check(h, R(Step.archived, "2025-06-01", documents=["application", "form"]))
    assert (
        v.code == "R-DEV-25" and "转正申请书" in v.message_zh and "political review" in v.message_en
    )
    assert check(h, R(Step.archived, "2025-06-01")).code == "R-DEV-25"
