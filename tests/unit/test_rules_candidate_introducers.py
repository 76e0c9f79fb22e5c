"""R-DEV-09 at the admission vote (rules.pipeline, pure): the introducers' standing on the
meeting's day, given by the service, refuses the vote; a later assignment replaces the
earlier pair; the pair cannot be replaced once the branch resolved to admit."""

from dataclasses import replace

import pytest
from tests.unit.test_rules_candidate import JOURNEY, R, before, check, people, through

from partygraph.rules.candidate import Step, assigned_introducers, introducers_at_vote_problem

VOTE = next(r for r in JOURNEY if r.step == Step.admission_vote)


def at_vote(*persons: dict) -> object:
    return replace(VOTE, data={**VOTE.data, "introducers_at_vote": list(persons)})


def test_the_journey_passes_with_both_introducers_in_good_standing():
    assert check(before(Step.admission_vote), at_vote(*people("m1", "m2"))) is None


def test_without_the_standing_given_the_vote_is_not_rechecked():
    assert introducers_at_vote_problem(VOTE) is None


@pytest.mark.parametrize(
    ("person", "zh", "en"),
    [
        (
            {"key": "m2", "name": "李四", "standing": "party_probation"},
            "李四 受留党察看处分",
            "李四 is under probation within the party",
        ),
        (
            {
                "key": "m2",
                "name": "李四",
                "standing": "off_roster",
                "status_zh": "已去世",
                "status_en": "Deceased",
            },
            "李四 已不在党员名册中（已去世）",
            "李四 is no longer on the roster (Deceased)",
        ),
        (
            {
                "key": "m2",
                "name": "李四",
                "standing": "probationary",
                "status_zh": "停止党籍",
                "status_en": "Membership suspended",
            },
            "李四 不是正式党员（停止党籍）",
            "李四 is not a full member (Membership suspended)",
        ),
    ],
)
def test_an_introducer_who_no_longer_qualifies_refuses_the_vote(person, zh, en):
    v = check(before(Step.admission_vote), at_vote(*people("m1"), person))
    assert (v.code, v.field) == ("R-DEV-09", "data.introducers")
    assert f"支部党员大会讨论之日（{VOTE.on.isoformat()}），入党介绍人 {zh}" in v.message_zh
    assert "须先重新确定入党介绍人" in v.message_zh
    assert en in v.message_en and "assign another introducer first" in v.message_en


def test_a_later_assignment_replaces_the_pair_before_the_vote():
    history = before(Step.admission_vote)
    new = R(Step.introducers_assigned, VOTE.on.isoformat(), introducers=people("m2", "m3"))
    assert check(history, new) is None
    assert [p["key"] for p in assigned_introducers(history)] == ["m1", "m2"]
    assert [p["key"] for p in assigned_introducers([*history, new])] == ["m2", "m3"]
    assert check([*history, new], at_vote(*people("m2", "m3"))) is None


def test_no_replacement_once_the_branch_resolved_to_admit():
    history = through(Step.admission_vote)
    v = check(history, R(Step.introducers_assigned, "2024-04-15", introducers=people("m3", "m4")))
    assert (v.code, v.field) == ("R-DEV-00", "step") and VOTE.on.isoformat() in v.message_zh


def test_assigned_introducers_of_a_new_round_only():
    assert assigned_introducers([]) == []
    assert (
        assigned_introducers(
            [
                *through(Step.introducers_assigned),
                R(Step.not_admitted, "2024-03-01"),
                R(Step.application, "2024-03-02"),
            ]
        )
        == []
    )
