"""Branch-structure compliance (docs/domain.md §2, 支部工作条例) at its boundaries.

Pure rules, no database: `compliance(Structure)` returns warnings, never blocks.
"""

from __future__ import annotations

import pytest

from partygraph.rules.organization import Structure, StructureSettings, compliance


def codes(kind: str = "branch", *, members: int | None = None, full: int, committee: int = 0, secretary: bool = True,
          settings: StructureSettings | None = None) -> list[str]:
    s = Structure(
        kind=kind,
        members=full if members is None else members,
        full_members=full,
        committee_size=committee,
        has_secretary=secretary,
    )
    return sorted(v.code for v in compliance(s, settings or StructureSettings()))


# --- R-ORG-03: ≥ 7 full members need a committee of 3–7; fewer than 7 may not have one ---------


def test_six_full_members_with_a_secretary_only_is_fine():
    assert codes(full=6, committee=1) == []


def test_seven_full_members_without_a_committee_is_warned():
    assert codes(full=7, committee=1) == ["R-ORG-03"]


@pytest.mark.parametrize(
    ("committee", "expected"),
    [(0, ["R-ORG-03"]), (2, ["R-ORG-03"]), (3, []), (5, []), (7, []), (8, ["R-ORG-03"])],
)
def test_committee_size_with_seven_or_more_full_members(committee, expected):
    assert codes(full=7, committee=committee) == expected
    assert codes(full=30, committee=committee) == expected


@pytest.mark.parametrize(("committee", "expected"), [(1, []), (2, []), (3, ["R-ORG-03"]), (7, ["R-ORG-03"])])
def test_committee_not_allowed_below_seven_full_members(committee, expected):
    assert codes(full=6, committee=committee) == expected


def test_committee_warning_messages_name_the_numbers():
    [v] = compliance(Structure("branch", members=9, full_members=9, committee_size=2, has_secretary=True))
    assert v.code == "R-ORG-03"
    assert "9" in v.message_zh and "9" in v.message_en
    assert "2" in v.message_en
    [v] = compliance(Structure("branch", members=5, full_members=5, committee_size=3, has_secretary=True))
    assert v.code == "R-ORG-03" and "3" in v.message_en


# --- R-ORG-01: fewer than 3 full members → should form a joint branch ----------------------------


def test_exactly_three_full_members_is_enough():
    assert codes(full=3, committee=1) == []


def test_two_full_members_is_too_few():
    assert codes(full=2, committee=1) == ["R-ORG-01"]


def test_probationary_members_do_not_count_as_full():
    # 2 full + 10 probationary: still too few full members, and no committee needed.
    assert codes(members=12, full=2, committee=1) == ["R-ORG-01"]
    # 6 full + 4 probationary = 10 on the roster but < 7 full: no committee required.
    assert codes(members=10, full=6, committee=1) == []


def test_empty_branch_without_secretary():
    assert codes(full=0, committee=0, secretary=False) == ["R-ORG-01", "R-ORG-05"]


# --- R-ORG-04: more than 50 members → split ------------------------------------------------------


def test_fifty_members_is_the_limit():
    assert codes(members=50, full=50, committee=5) == []


def test_fifty_one_members_is_warned():
    assert codes(members=51, full=51, committee=5) == ["R-ORG-04"]
    # probationary members count towards the size
    assert codes(members=51, full=45, committee=5) == ["R-ORG-04"]


# --- R-ORG-05: a secretary in office -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["branch", "general_branch", "committee"])
def test_no_secretary_is_warned_for_every_kind_with_a_secretary(kind):
    assert "R-ORG-05" in codes(kind, full=5, committee=1, secretary=False)


@pytest.mark.parametrize("kind", ["group", "county", "prefecture", "province"])
def test_other_kinds_have_no_structure_warnings(kind):
    assert codes(kind, members=500, full=1, committee=0, secretary=False) == []


@pytest.mark.parametrize("kind", ["general_branch", "committee"])
def test_branch_only_rules_do_not_apply_above_branches(kind):
    # A general branch or a base committee with 1 full member or 200 members: only R-ORG-05 applies.
    assert codes(kind, members=200, full=1, committee=9, secretary=True) == []
    assert codes(kind, members=200, full=1, committee=9, secretary=False) == ["R-ORG-05"]


def test_several_warnings_at_once():
    assert codes(members=60, full=8, committee=1, secretary=False) == ["R-ORG-03", "R-ORG-04", "R-ORG-05"]


def test_every_warning_is_bilingual_and_has_no_field():
    for v in compliance(Structure("branch", members=60, full_members=2, committee_size=5, has_secretary=False)):
        assert v.message_zh and v.message_en and v.message_zh != v.message_en
        assert v.field is None


def test_thresholds_are_settings():
    strict = StructureSettings(committee_threshold=5, branch_min_full=4, branch_max_members=30)
    assert codes(full=5, committee=1, settings=strict) == ["R-ORG-03"]
    assert codes(full=4, committee=1, settings=strict) == []
    assert codes(full=3, committee=1, settings=strict) == ["R-ORG-01"]
    assert codes(members=31, full=31, committee=3, settings=strict) == ["R-ORG-04"]
    assert codes(members=30, full=30, committee=3, settings=strict) == []
