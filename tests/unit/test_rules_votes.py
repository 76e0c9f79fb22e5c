"""Meeting, election and village-assembly arithmetic (docs/domain.md §2, docs/rules.md §1 step 15, §2)."""

from fractions import Fraction

import pytest

from partygraph.rules.votes import (
    ElectionTally,
    VoteSettings,
    VoteTally,
    assembly_passes,
    check_assembly_vote,
    check_candidates,
    check_election,
    check_general_meeting_vote,
    committee_quorum_ok,
    election_result,
    explain_vote,
    general_meeting_outcome,
    min_candidates,
    smallest_more_than,
)

# --- R-VOTE-00: impossible tallies ------------------------------------------------------


@pytest.mark.parametrize(
    ("tally", "field"),
    [
        (VoteTally(should_attend=10, present=-1), "present"),
        (VoteTally(should_attend=10, present=6, yes=-2), "yes"),
        (VoteTally(should_attend=10, present=11, yes=6), "present"),
        (VoteTally(should_attend=10, present=8, written_opinions=3, yes=6), "written_opinions"),
        (VoteTally(should_attend=10, present=6, written_opinions=1, yes=5, no=2, abstain=1), "yes"),
    ],
)
def test_impossible_tally_is_r_vote_00(tally, field):
    v = check_general_meeting_vote(tally)
    assert v is not None and v.code == "R-VOTE-00" and v.field == field
    out = general_meeting_outcome(tally)
    assert not out.valid and not out.passed and out.reason == v


def test_possible_tally_has_no_violation():
    t = VoteTally(should_attend=10, present=7, written_opinions=3, yes=8, no=1, abstain=1)
    assert check_general_meeting_vote(t) is None


# --- R-VOTE-01: quorum ----------------------------------------------------------------


def test_exactly_half_present_is_not_valid():
    out = general_meeting_outcome(VoteTally(should_attend=40, present=20, yes=20))
    assert not out.valid and not out.passed
    assert out.reason.code == "R-VOTE-01" and out.reason.field == "present"
    assert out.quorum_needed == 21


def test_one_more_than_half_present_is_valid():
    out = general_meeting_outcome(VoteTally(should_attend=40, present=21, yes=21))
    assert out.valid and out.passed and out.reason is None


def test_quorum_of_an_odd_membership():
    assert general_meeting_outcome(VoteTally(should_attend=41, present=20)).quorum_needed == 21
    assert not general_meeting_outcome(VoteTally(should_attend=41, present=20, yes=20)).valid
    assert general_meeting_outcome(VoteTally(should_attend=41, present=21, yes=21)).valid


def test_written_opinions_do_not_make_a_quorum():
    # R-VOTE-03 counts them in the votes, never in the attendance
    t = VoteTally(should_attend=10, present=5, written_opinions=5, yes=10)
    out = general_meeting_outcome(t)
    assert not out.valid and not out.passed and out.reason.code == "R-VOTE-01"


# --- R-VOTE-02: majority of those who should attend ---------------------------------------


def test_yes_exactly_half_of_should_attend_does_not_pass():
    out = general_meeting_outcome(VoteTally(should_attend=40, present=30, yes=20, no=10))
    assert out.valid and not out.passed
    assert out.reason.code == "R-VOTE-02" and out.yes_needed == 21


def test_yes_counts_against_should_attend_not_present():
    # 16 of 30 present is a majority of those present but not of the 40 who should attend
    out = general_meeting_outcome(VoteTally(should_attend=40, present=30, yes=16, no=14))
    assert out.valid and not out.passed


def test_yes_one_more_than_half_passes():
    out = general_meeting_outcome(VoteTally(should_attend=40, present=30, yes=21, no=9))
    assert out.valid and out.passed


def test_written_opinions_count_in_the_votes():
    # R-VOTE-03: 5 yes in the room + 1 written yes = 6 > 5
    t = VoteTally(should_attend=10, present=6, written_opinions=1, yes=6, no=1)
    assert general_meeting_outcome(t).passed
    without = VoteTally(should_attend=10, present=6, yes=5, no=1)
    assert not general_meeting_outcome(without).passed


def test_an_invalid_meeting_never_passes():
    t = VoteTally(should_attend=10, present=5, written_opinions=1, yes=6)
    out = general_meeting_outcome(t)
    assert not out.valid and not out.passed


def test_thresholds_are_settings():
    two_thirds = VoteSettings(pass_share=Fraction(2, 3))
    t = VoteTally(should_attend=30, present=30, yes=20, no=10)
    assert general_meeting_outcome(t).passed
    assert not general_meeting_outcome(t, settings=two_thirds).passed
    assert general_meeting_outcome(t, settings=two_thirds).yes_needed == 21


def test_float_settings_become_exact_fractions():
    s = VoteSettings(difference_ratio=0.2, quorum=0.5)
    assert s.difference_ratio == Fraction(1, 5) and s.quorum == Fraction(1, 2)
    assert smallest_more_than(s.quorum, 40) == 21


# --- explanation ----------------------------------------------------------------------


def test_explain_vote_in_both_languages():
    zh, en = explain_vote(VoteTally(should_attend=41, present=22, yes=21, no=1))
    assert (
        zh == "应到 41 人，实到 22 人（须超过 20.5 人），赞成 21 票（须超过 20.5 票）：有效，通过"
    )
    assert en == (
        "41 should attend, 22 present (more than 20.5 needed), "
        "21 yes (more than 20.5 needed): valid, passed"
    )


def test_explain_vote_not_passed_invalid_and_written():
    zh, _ = explain_vote(VoteTally(should_attend=40, present=30, written_opinions=2, yes=20))
    assert zh == (
        "应到 40 人，实到 30 人（须超过 20 人），书面意见 2 份，赞成 20 票（须超过 20 票）：有效，未通过"
    )
    zh, en = explain_vote(VoteTally(should_attend=40, present=20, yes=20))
    assert zh.endswith("会议无效（到会人数不足），不能表决") and en.endswith(
        "not valid (too few present)"
    )
    zh, _ = explain_vote(VoteTally(should_attend=4, present=5))
    assert "R-VOTE-00" in zh


# --- committee meetings ---------------------------------------------------------------


def test_committee_quorum():
    assert committee_quorum_ok(5, 3)
    assert not committee_quorum_ok(4, 2)  # exactly half
    assert committee_quorum_ok(4, 3)
    assert not committee_quorum_ok(3, 4)  # impossible
    assert not committee_quorum_ok(0, 0)


# --- elections ------------------------------------------------------------------------


def test_min_candidates_rounds_up():
    assert [min_candidates(n) for n in (1, 3, 5, 7, 10)] == [2, 4, 6, 9, 12]


def test_too_few_candidates_is_r_elec_01():
    v = check_candidates(3, 3)
    assert v.code == "R-ELEC-01" and v.field == "candidates"
    assert check_candidates(3, 4) is None
    t = ElectionTally(
        seats=3, should_attend=10, present=10, candidates=[("a", 9), ("b", 8), ("c", 7)]
    )
    assert check_election(t).code == "R-ELEC-01"


def test_exactly_four_fifths_present_is_not_valid():
    cands = [("a", 40), ("b", 30), ("c", 30), ("d", 20)]
    t = ElectionTally(seats=3, should_attend=50, present=40, candidates=cands)
    v = check_election(t)
    assert v.code == "R-ELEC-02" and v.field == "present"
    r = election_result(t)
    assert not r.valid and r.elected == () and r.reason == v


def test_one_more_than_four_fifths_is_valid():
    cands = [("a", 41), ("b", 30), ("c", 25), ("d", 20)]
    t = ElectionTally(seats=3, should_attend=50, present=41, candidates=cands)
    assert check_election(t) is None
    r = election_result(t)
    assert r.valid and r.elected == ("a", "b", "c") and r.seats_unfilled == 0
    assert r.votes_needed == 21


def test_elected_only_with_more_than_half_of_present():
    # R-ELEC-03: 20 of 40 present is exactly half: not elected
    cands = [("a", 35), ("b", 30), ("c", 20), ("d", 10)]
    r = election_result(ElectionTally(seats=3, should_attend=45, present=40, candidates=cands))
    assert r.valid and r.elected == ("a", "b") and r.seats_unfilled == 1
    assert r.tied_for_last_seat == ()


def test_tie_for_the_last_seat_elects_neither():
    cands = [("a", 30), ("b", 25), ("c", 22), ("d", 22), ("e", 5)]
    r = election_result(ElectionTally(seats=3, should_attend=45, present=40, candidates=cands))
    assert r.valid
    assert r.elected == ("a", "b")
    assert set(r.tied_for_last_seat) == {"c", "d"}
    assert r.seats_unfilled == 1


def test_tie_below_the_cut_off_does_not_matter():
    cands = [("a", 30), ("b", 24), ("c", 23), ("d", 21), ("e", 21)]
    r = election_result(ElectionTally(seats=3, should_attend=45, present=40, candidates=cands))
    assert r.elected == ("a", "b", "c") and r.tied_for_last_seat == ()


@pytest.mark.parametrize(
    "tally",
    [
        ElectionTally(
            seats=3,
            should_attend=10,
            present=9,
            candidates=[("a", 10), ("b", 1), ("c", 1), ("d", 1)],
        ),
        ElectionTally(seats=1, should_attend=10, present=9, candidates=[("a", 5), ("a", 4)]),
        ElectionTally(seats=1, should_attend=10, present=11, candidates=[("a", 5), ("b", 4)]),
        ElectionTally(seats=1, should_attend=10, present=9, candidates=[("a", 9), ("b", 9)]),
        ElectionTally(seats=0, should_attend=10, present=9, candidates=[]),
    ],
)
def test_impossible_election_tally_is_r_vote_00(tally):
    v = check_election(tally)
    assert v is not None and v.code == "R-VOTE-00"
    assert not election_result(tally).valid


# --- village representative assembly (四议两公开) --------------------------------------


def test_seed_assembly_rejects_19_to_14():
    # seed 002: the representatives rejected the project 19 votes to 14
    assert not assembly_passes(yes=14, no=19, abstain=0, should_attend=40, present=33)
    assert assembly_passes(yes=19, no=14, abstain=0, should_attend=40, present=33)


def test_assembly_majority_of_those_who_should_attend():
    # 19 of 33 present carries; 19 of 40 representatives does not
    assert assembly_passes(19, 14, 0, 40, 33, "present")
    assert not assembly_passes(19, 14, 0, 40, 33, "should_attend")
    assert assembly_passes(21, 12, 0, 40, 33, "should_attend")


def test_assembly_exactly_half_is_not_enough():
    assert not assembly_passes(15, 15, 0, 30, 30)


def test_assembly_needs_two_thirds_of_its_members():
    # 村民委员会组织法 art. 26: at least 2/3 of the members present (以上 includes the number)
    assert assembly_passes(20, 0, 0, 30, 20)
    assert not assembly_passes(19, 0, 0, 30, 19)


def test_assembly_impossible_or_unknown_majority():
    assert check_assembly_vote(20, 20, 0, 40, 33).code == "R-VOTE-00"
    assert not assembly_passes(20, 20, 0, 40, 33)
    with pytest.raises(ValueError):
        assembly_passes(19, 14, 0, 40, 33, "everyone")
