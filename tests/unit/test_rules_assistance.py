"""Assistance rules (docs/domain.md §6, docs/rules.md §5): workflow, fund, loans, allowances."""

from datetime import date

import pytest

from partygraph.rules import assistance as r
from partygraph.rules.assistance import (
    AllowanceKind,
    AssistanceSettings,
    CaseFacts,
    CaseStatus,
    CaseStepKind,
    EntryKind,
    PersonFacts,
    ReviewOutcome,
    Standard,
    StepEvidence,
)

TODAY = date(2026, 11, 1)


def facts(status: CaseStatus, last: date | None = date(2026, 1, 10), **kw) -> CaseFacts:  # type: ignore[no-untyped-def]
    kw.setdefault("standard", Standard.rural_low_income)
    kw.setdefault("household_income_fen", 2000_00)
    kw.setdefault("household_size", 4)
    return CaseFacts(status=status, last_step_on=last, **kw)


# --- money -----------------------------------------------------------------------------------


def test_yuan_round_trip_without_float():
    assert r.yuan(86500) == "865.00"
    assert r.yuan(5) == "0.05"
    assert r.parse_yuan("865") == 86500
    assert r.parse_yuan("0.1") == 10
    assert r.parse_yuan("1,234.56") == 123456
    for bad in ("", "-1", "1.234", "abc", "1.2.3"):
        with pytest.raises(ValueError):
            r.parse_yuan(bad)


# --- R-AID-01 / 06 / 07 / 08: the workflow ----------------------------------------------------


def test_whole_workflow_in_order():
    status = CaseStatus.applied
    steps = [
        (CaseStepKind.appraise, StepEvidence(on=date(2026, 2, 1), record="支部大会评议，全票同意")),
        (CaseStepKind.notice, StepEvidence(on=date(2026, 2, 2), notice_starts_on=date(2026, 2, 2), notice_ends_on=date(2026, 2, 8))),
        (CaseStepKind.report, StepEvidence(on=date(2026, 2, 9))),
        (CaseStepKind.approve, StepEvidence(on=date(2026, 2, 20), record="镇党委会议纪要〔2026〕3号")),
        (CaseStepKind.file, StepEvidence(on=date(2026, 3, 1), record="县组备〔2026〕12号")),
        (CaseStepKind.review, StepEvidence(on=date(2027, 2, 1), outcome=ReviewOutcome.continued)),
        (CaseStepKind.review, StepEvidence(on=date(2027, 6, 1), outcome=ReviewOutcome.closed, reason="务工收入稳定，已脱困")),
    ]
    last = date(2026, 1, 10)
    ends = None
    for step, ev in steps:
        assert r.check_step(facts(status, last, notice_ends_on=ends), step, ev, date(2027, 12, 31)) is None, step
        status, last = r.status_after(step, ev), ev.on
        ends = ev.notice_ends_on or ends
    assert status == CaseStatus.closed


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (CaseStatus.applied, CaseStepKind.notice),
        (CaseStatus.applied, CaseStepKind.approve),
        (CaseStatus.appraised, CaseStepKind.report),
        (CaseStatus.noticed, CaseStepKind.file),
        (CaseStatus.approved, CaseStepKind.review),
        (CaseStatus.refused, CaseStepKind.file),
        (CaseStatus.closed, CaseStepKind.review),
        (CaseStatus.helping, CaseStepKind.apply),
    ],
)
def test_out_of_order_is_r_aid_01(status, step):
    v = r.check_step(facts(status), step, StepEvidence(on=date(2026, 2, 1), record="x", reason="x"), TODAY)
    assert v is not None and v.code == "R-AID-01"


def test_dates_must_not_go_backwards_or_into_the_future():
    v = r.check_step(facts(CaseStatus.applied), CaseStepKind.appraise, StepEvidence(on=date(2026, 1, 1), record="x"), TODAY)
    assert v.code == "R-AID-01" and v.field == "on"
    v = r.check_step(facts(CaseStatus.applied), CaseStepKind.appraise, StepEvidence(on=date(2026, 12, 1), record="x"), TODAY)
    assert v.code == "R-AID-01"


@pytest.mark.parametrize(
    ("status", "step", "ev", "field"),
    [
        (CaseStatus.applied, CaseStepKind.appraise, StepEvidence(on=date(2026, 2, 1)), "record"),
        (CaseStatus.appraised, CaseStepKind.notice, StepEvidence(on=date(2026, 2, 1), notice_ends_on=date(2026, 2, 9)), "noticeStartsOn"),
        (CaseStatus.reported, CaseStepKind.approve, StepEvidence(on=date(2026, 2, 1), record="  "), "record"),
        (CaseStatus.reported, CaseStepKind.refuse, StepEvidence(on=date(2026, 2, 1)), "reason"),
        (CaseStatus.approved, CaseStepKind.file, StepEvidence(on=date(2026, 2, 1)), "record"),
        (CaseStatus.helping, CaseStepKind.review, StepEvidence(on=date(2026, 2, 1)), "outcome"),
        (CaseStatus.helping, CaseStepKind.review, StepEvidence(on=date(2026, 2, 1), outcome=ReviewOutcome.closed), "reason"),
        (CaseStatus.helping, CaseStepKind.review, StepEvidence(on=date(2026, 2, 1), outcome=ReviewOutcome.adjusted), "reason"),
    ],
)
def test_missing_evidence_is_r_aid_06(status, step, ev, field):
    v = r.check_step(facts(status), step, ev, TODAY)
    assert v is not None and (v.code, v.field) == ("R-AID-06", field)


def test_public_notice_rules_r_aid_07():
    short = StepEvidence(on=date(2026, 2, 1), notice_starts_on=date(2026, 2, 1), notice_ends_on=date(2026, 2, 6))
    assert r.check_step(facts(CaseStatus.appraised), CaseStepKind.notice, short, TODAY).code == "R-AID-07"
    seven = StepEvidence(on=date(2026, 2, 1), notice_starts_on=date(2026, 2, 1), notice_ends_on=date(2026, 2, 7))
    assert r.check_step(facts(CaseStatus.appraised), CaseStepKind.notice, seven, TODAY) is None
    objected = StepEvidence(on=date(2026, 2, 1), notice_starts_on=date(2026, 2, 1), notice_ends_on=date(2026, 2, 7), objections="邻居反映有收入")
    v = r.check_step(facts(CaseStatus.appraised), CaseStepKind.notice, objected, TODAY)
    assert (v.code, v.field) == ("R-AID-07", "objectionResolution")
    before_appraisal = StepEvidence(on=date(2026, 2, 1), notice_starts_on=date(2026, 1, 1), notice_ends_on=date(2026, 2, 7))
    assert r.check_step(facts(CaseStatus.appraised), CaseStepKind.notice, before_appraisal, TODAY).code == "R-AID-07"
    early = facts(CaseStatus.noticed, notice_ends_on=date(2026, 2, 7))
    assert r.check_step(early, CaseStepKind.report, StepEvidence(on=date(2026, 2, 7)), TODAY).code == "R-AID-07"
    assert r.check_step(early, CaseStepKind.report, StepEvidence(on=date(2026, 2, 8)), TODAY) is None
    # A county may ask for a longer notice.
    strict = AssistanceSettings(notice_min_days=10)
    assert r.check_step(facts(CaseStatus.appraised), CaseStepKind.notice, seven, TODAY, strict).code == "R-AID-07"


def test_income_standard_r_aid_08():
    approve = StepEvidence(on=date(2026, 2, 1), record="批复")
    # 4 people, 3,460 yuan a year = 865 each: not below the threshold.
    at = facts(CaseStatus.reported, household_income_fen=3460_00, household_size=4)
    v = r.check_step(at, CaseStepKind.approve, approve, TODAY)
    assert (v.code, v.field) == ("R-AID-08", "yearlyIncome")
    below = facts(CaseStatus.reported, household_income_fen=3459_99, household_size=4)
    assert r.check_step(below, CaseStepKind.approve, approve, TODAY) is None
    assert r.check_standard(facts(CaseStatus.reported, standard=None)).code == "R-AID-08"
    assert r.check_standard(facts(CaseStatus.reported, household_income_fen=None)).code == "R-AID-08"
    assert r.check_standard(facts(CaseStatus.reported, standard=Standard.pre_1949_hardship)).code == "R-AID-08"
    assert r.check_standard(facts(CaseStatus.reported, standard=Standard.pre_1949_hardship, member_pre_1949=True)) is None
    assert r.check_standard(facts(CaseStatus.reported, standard=Standard.other)).field == "standardNote"
    assert r.check_standard(facts(CaseStatus.reported, standard=Standard.urban_minimum_living)) is None
    assert r.check_standard(below, AssistanceSettings(rural_income_threshold_fen=500_00)).code == "R-AID-08"


def test_next_steps():
    assert r.next_steps(CaseStatus.reported) == [CaseStepKind.approve, CaseStepKind.refuse]
    assert r.next_steps(CaseStatus.helping) == [CaseStepKind.review]
    assert r.next_steps(CaseStatus.closed) == []


# --- R-AID-02: the yearly review --------------------------------------------------------------


def test_review_due_and_alert():
    assert r.review_due_on(date(2025, 3, 1), None) == date(2026, 3, 1)
    assert r.review_due_on(date(2025, 3, 1), date(2026, 2, 20)) == date(2027, 2, 20)
    assert r.review_alert(date(2025, 3, 1), None, date(2026, 3, 1)) is None
    a = r.review_alert(date(2025, 3, 1), None, date(2026, 3, 11))
    assert a.code == "R-AID-02" and a.due_on == date(2026, 3, 1) and a.extra["days_overdue"] == 10
    assert r.review_alert(None, None, TODAY) is None


def test_help_only_on_cases_under_help_r_aid_09():
    assert r.check_help(CaseStatus.helping, "grant") is None
    assert r.check_help(CaseStatus.approved, "loan").code == "R-AID-09"
    assert r.check_help(CaseStatus.applied, "visit") is None
    assert r.check_help(CaseStatus.closed, "visit").code == "R-AID-09"
    assert r.check_help(CaseStatus.refused, "training").code == "R-AID-09"


# --- R-AID-04 / 11: the fund -----------------------------------------------------------------


def test_outflow_never_below_zero():
    assert r.check_outflow(100_00, 100_00, EntryKind.grant) is None
    v = r.check_outflow(100_00, 100_01, EntryKind.grant)
    assert (v.code, v.field) == ("R-AID-04", "amount")
    assert r.check_outflow(100_00, 0, EntryKind.grant).code == "R-AID-04"
    assert r.check_outflow(100_00, -5, EntryKind.loan).code == "R-AID-04"


def test_principal_protection_setting_r_aid_11():
    on = AssistanceSettings(principal_protection=True)
    assert r.check_outflow(250_000_00, 60_000_00, EntryKind.grant, principal_fen=200_000_00) is None  # off by default
    v = r.check_outflow(250_000_00, 60_000_00, EntryKind.grant, principal_fen=200_000_00, settings=on)
    assert v.code == "R-AID-11" and "50000.00" in v.message_zh
    assert r.check_outflow(250_000_00, 50_000_00, EntryKind.visit, principal_fen=200_000_00, settings=on) is None
    # Loans come back: they may use the principal.
    assert r.check_outflow(250_000_00, 60_000_00, EntryKind.loan, principal_fen=200_000_00, settings=on) is None


def test_ledger_balance():
    assert r.ledger_balance([("in", 1000), ("out", 300), ("in", 5)]) == 705


# --- R-AID-03 / 10: loans --------------------------------------------------------------------


def test_loan_terms():
    assert r.check_loan_terms(5000_00, 24, 4) is None
    assert r.check_loan_terms(5000_00, 25, 4).code == "R-AID-03"
    assert r.check_loan_terms(5000_00, 12, 13).code == "R-AID-03"
    assert r.check_loan_terms(5000_00, 36, 4, AssistanceSettings(loan_term_months=36)) is None


def test_schedule_spreads_the_odd_fen_to_the_last():
    s = r.loan_schedule(1000_01, date(2026, 1, 31), 24, 4)
    assert [i.due_on for i in s] == [date(2026, 7, 31), date(2027, 1, 31), date(2027, 7, 31), date(2028, 1, 31)]
    assert [i.amount_fen for i in s] == [250_00, 250_00, 250_00, 250_01]
    assert sum(i.amount_fen for i in s) == 1000_01


def test_loan_state_on_time_overdue_and_repaid():
    s = r.loan_schedule(2000_00, date(2025, 1, 1), 24, 2)  # 1000 due 2026-01-01, 1000 due 2027-01-01
    st = r.loan_state(s, [], date(2025, 12, 31))
    assert st.status == r.LoanStatus.active and st.next_due_on == date(2026, 1, 1) and st.outstanding_fen == 2000_00
    st = r.loan_state(s, [], date(2026, 1, 2))
    assert st.status == r.LoanStatus.overdue and st.overdue_fen == 1000_00 and st.overdue_since == date(2026, 1, 1)
    assert r.loan_alert(st).code == "R-AID-03"
    st = r.loan_state(s, [(date(2025, 12, 20), 1000_00)], date(2026, 6, 1))
    assert st.status == r.LoanStatus.active and st.installments[0].paid_fen == 1000_00 and r.loan_alert(st) is None
    st = r.loan_state(s, [(date(2025, 12, 20), 600_00), (date(2026, 3, 1), 1400_00)], date(2027, 6, 1))
    assert st.status == r.LoanStatus.repaid and st.outstanding_fen == 0
    # Due today is not yet overdue.
    assert r.loan_state(s, [], date(2026, 1, 1)).status == r.LoanStatus.active


def test_repayment_limits_r_aid_10():
    assert r.check_repayment(500_00, 500_00) is None
    assert r.check_repayment(500_00, 500_01).code == "R-AID-10"
    assert r.check_repayment(0, 1).code == "R-AID-10"
    assert r.check_repayment(500_00, 0).code == "R-AID-10"


# --- pairings -----------------------------------------------------------------------------------


def test_promises():
    assert r.check_promise_dates(date(2026, 1, 1), date(2026, 6, 1), TODAY) is None
    assert r.check_promise_dates(date(2026, 6, 1), date(2026, 1, 1), TODAY).code == "R-AID-14"
    assert r.check_promise_dates(date(2027, 1, 1), date(2027, 6, 1), TODAY).code == "R-AID-14"
    assert r.promise_alert(date(2026, 6, 1), None, TODAY).code == "R-AID-16"
    assert r.promise_alert(date(2026, 6, 1), date(2026, 5, 1), TODAY) is None
    # Decided after its due date (kept late, or recorded as broken with its reason): no alert either.
    assert r.promise_alert(date(2026, 6, 1), date(2026, 8, 1), TODAY) is None
    assert r.promise_alert(date(2026, 12, 1), None, TODAY) is None


# --- R-AID-05: allowances -----------------------------------------------------------------------


def person(birth=date(1950, 1, 1), posts=(), on_roster=True, died=None) -> PersonFacts:  # type: ignore[no-untyped-def]
    return PersonFacts(member_id=1, birth_date=birth, on_roster=on_roster, deceased_on=died, cadre_posts=tuple(posts))


def test_service_months_merges_and_measures():
    posts = [(date(1980, 3, 1), date(1995, 3, 1)), (date(1995, 3, 20), date(2010, 3, 1)), (date(2012, 1, 1), date(2017, 1, 1))]
    consecutive, cumulative = r.service_months(posts, date(2026, 1, 1))
    assert consecutive == 30 * 12 and cumulative == 35 * 12
    assert r.service_months([(date(2020, 1, 1), None)], date(2026, 1, 1)) == (72, 72)
    assert r.service_months([], date(2026, 1, 1)) == (0, 0)


def test_age_80_from_the_month_after_the_birthday():
    born = date(1946, 11, 15)
    assert r.allowance_eligibility(person(born), AllowanceKind.age80, "2026-11") is None
    e = r.allowance_eligibility(person(born), AllowanceKind.age80, "2026-12")
    assert e.amount_fen == 20_00
    assert r.allowance_eligibility(person(date(1946, 11, 1)), AllowanceKind.age80, "2026-11").amount_fen == 20_00
    assert r.allowance_eligibility(person(born, on_roster=False), AllowanceKind.age80, "2026-12") is None


def test_retired_cadre_30_years():
    thirty = [(date(1980, 1, 1), date(2010, 1, 1))]
    e = r.allowance_eligibility(person(posts=thirty), AllowanceKind.retired_cadre, "2026-11")
    assert e.amount_fen == 50_00
    short = [(date(1980, 1, 2), date(2010, 1, 1))]  # one day short of 30 years
    assert r.allowance_eligibility(person(posts=short), AllowanceKind.retired_cadre, "2026-11") is None
    two_stints = [(date(1975, 1, 1), date(1990, 1, 1)), (date(1995, 1, 1), date(2010, 1, 1))]  # 15 + 15 cumulative
    assert r.allowance_eligibility(person(posts=two_stints), AllowanceKind.retired_cadre, "2026-11").amount_fen == 50_00
    still_in_post = [(date(1980, 1, 1), None)]
    assert r.allowance_eligibility(person(posts=still_in_post), AllowanceKind.retired_cadre, "2026-11") is None


@pytest.mark.parametrize(
    ("posts", "tier", "fen"),
    [
        ([(date(1990, 1, 1), date(2005, 1, 1))], 1, 30_00),  # 15 consecutive
        ([(date(1980, 1, 1), date(1990, 1, 1)), (date(1995, 1, 1), date(2005, 1, 1))], 1, 30_00),  # 20 cumulative
        ([(date(1980, 1, 1), date(2000, 1, 1))], 2, 40_00),  # 20 consecutive
        ([(date(1975, 1, 1), date(1990, 1, 1)), (date(1995, 1, 1), date(2005, 1, 1))], 2, 40_00),  # 25 cumulative
        ([(date(1980, 1, 1), date(2005, 1, 1))], 3, 50_00),  # 25 consecutive
    ],
)
def test_seniority_tiers(posts, tier, fen):
    e = r.allowance_eligibility(person(posts=posts), AllowanceKind.seniority, "2026-11")
    assert (e.tier, e.amount_fen) == (tier, fen)


def test_seniority_needs_age_60_and_15_years_and_does_not_stack():
    posts = [(date(1990, 1, 1), date(2005, 1, 1))]
    assert r.allowance_eligibility(person(date(1967, 1, 1), posts), AllowanceKind.seniority, "2026-11") is None
    assert r.allowance_eligibility(person(posts=[(date(1990, 1, 1), date(2004, 1, 1))]), AllowanceKind.seniority, "2026-11") is None
    thirty = [(date(1970, 1, 1), date(2000, 1, 1))]
    assert r.allowance_eligibility(person(posts=thirty), AllowanceKind.seniority, "2026-11") is None
    stacks = AssistanceSettings(seniority_stacks_with_cadre=True)
    assert r.allowance_eligibility(person(posts=thirty), AllowanceKind.seniority, "2026-11", stacks).tier == 3


def test_survivor_benefit_once_when_a_30_year_cadre_dies():
    thirty = [(date(1970, 1, 1), date(2000, 1, 1))]
    died = person(posts=thirty, on_roster=False, died=date(2026, 10, 3))
    e = r.allowance_eligibility(died, AllowanceKind.survivor, "2026-10")
    assert e.amount_fen == 3000_00
    assert r.allowance_eligibility(died, AllowanceKind.survivor, "2026-09") is None
    assert r.allowance_eligibility(person(posts=thirty), AllowanceKind.survivor, "2026-10") is None
    assert r.allowance_period(AllowanceKind.survivor, "2026-10") == "once"
    assert r.allowance_period(AllowanceKind.age80, "2026-10") == "2026-10"
    # The dead are not paid monthly allowances after the month they died.
    assert r.allowance_eligibility(died, AllowanceKind.retired_cadre, "2026-11") is None


def test_month_checks_r_aid_13():
    assert r.check_month("2026-11", TODAY) is None
    assert r.check_month("2026-12", TODAY).code == "R-AID-13"
    assert r.check_month("2026-1", TODAY).code == "R-AID-13"
    assert r.check_month("nonsense", TODAY).code == "R-AID-13"
    assert r.month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))


def test_default_numbers_match_the_domain():
    s = r.DEFAULT_ASSISTANCE_SETTINGS
    assert s.rural_income_threshold_fen == 865_00
    assert s.loan_term_months == 24 and s.review_months == 12
    assert (s.age_allowance_years, s.age_allowance_monthly_fen) == (80, 20_00)
    assert (s.cadre_allowance_years, s.cadre_allowance_monthly_fen) == (30, 50_00)
    assert s.survivor_benefit_fen == 3000_00
    assert s.seniority_min_age == 60 and len(s.seniority_tiers) == 3
    assert s.seniority_tiers[0].min_consecutive_years == 15 and s.seniority_tiers[0].min_cumulative_years == 20
    assert s.principal_protection is False
