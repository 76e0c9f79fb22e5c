"""Meeting and election arithmetic: who must be present, how many votes carry.

Sources (docs/rules.md §1 step 15, §2; docs/domain.md §2):

- R-VOTE-01: a branch general meeting is valid only if the voting members
  present exceed half of those who should attend (《发展党员工作细则》第二十条).
- R-VOTE-02: a motion passes only if the yes votes exceed half of the voting
  members who *should* attend — not of those present (第二十二条).
- R-VOTE-03: a voting member who cannot attend and hands in a written opinion
  before the meeting is counted in the votes (第二十二条). The clerk enters
  those opinions into yes / no / abstain; they never count towards the quorum.
- R-ELEC-01..03: elections (《中国共产党基层组织选举工作条例》).
- R-VOTE-00: a tally that cannot have happened (a typing error, not a rule).

Every boundary is an exact rational comparison: "more than half of 41" is
`votes > Fraction(41, 2)`, never a float. Exactly half is never enough.
Probationary members have no vote, so every count here is of full members.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction

from partygraph.rules.base import Violation

__all__ = [
    "MAJORITY_PRESENT",
    "MAJORITY_SHOULD_ATTEND",
    "DEFAULT_VOTE_SETTINGS",
    "VoteSettings",
    "VoteTally",
    "VoteOutcome",
    "ElectionTally",
    "ElectionResult",
    "more_than",
    "smallest_more_than",
    "check_general_meeting_vote",
    "general_meeting_outcome",
    "explain_vote",
    "committee_quorum_ok",
    "min_candidates",
    "check_candidates",
    "check_election",
    "election_result",
    "check_assembly_vote",
    "assembly_passes",
]

MAJORITY_PRESENT = "present"
MAJORITY_SHOULD_ATTEND = "should_attend"


def _as_fraction(value: Fraction | int | float | str) -> Fraction:
    # Fraction(0.2) is 3602879701896397/18014398509481984; going through str keeps 1/5.
    if isinstance(value, float):
        return Fraction(str(value))
    return Fraction(value)


@dataclass(frozen=True)
class VoteSettings:
    """Every threshold of a vote, as an exact fraction (floats are converted via their text).

    A share `s` means "more than s × base" unless stated otherwise.
    """

    quorum: Fraction = Fraction(1, 2)  # R-VOTE-01: present > 1/2 of should_attend
    pass_share: Fraction = Fraction(1, 2)  # R-VOTE-02: yes > 1/2 of should_attend
    committee_quorum: Fraction = Fraction(1, 2)  # docs/domain.md §2: committee present > 1/2
    election_quorum: Fraction = Fraction(4, 5)  # R-ELEC-02: present > 4/5 of should_attend
    election_majority: Fraction = Fraction(1, 2)  # R-ELEC-03: votes > 1/2 of present
    difference_ratio: Fraction = Fraction(1, 5)  # R-ELEC-01: candidates ≥ seats × 1.2
    # 村民委员会组织法 art. 26: "三分之二以上的组成人员参加方可召开" — 以上 includes the number itself,
    # so this one threshold is "at least", unlike every other share here.
    assembly_quorum: Fraction = Fraction(2, 3)
    assembly_majority: Fraction = Fraction(1, 2)  # "过半数同意": yes > 1/2 of the base

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _as_fraction(getattr(self, f.name)))


DEFAULT_VOTE_SETTINGS = VoteSettings()


def more_than(count: int, share: Fraction, of: int) -> bool:
    """`count > share × of`, exactly."""
    return count > share * of


def smallest_more_than(share: Fraction, of: int) -> int:
    """The smallest whole number strictly greater than `share × of` (half of 40 → 21, of 41 → 21)."""
    return math.floor(share * of) + 1


def _fmt(x: Fraction) -> str:
    """20.5 rather than 41/2 where the decimal is finite; the clerk reads it aloud."""
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        return str(Decimal(x.numerator) / Decimal(x.denominator))
    return f"{x.numerator}/{x.denominator}"


def _impossible(field: str, zh: str, en: str) -> Violation:
    return Violation(
        "R-VOTE-00",
        f"票数不可能成立：{zh}（R-VOTE-00），请核对后重新录入",
        f"Impossible tally: {en} (R-VOTE-00); check the figures and enter them again",
        field,
    )


# --- branch general meeting -------------------------------------------------------------


@dataclass(frozen=True)
class VoteTally:
    """One motion at a branch general meeting, as the clerk types it.

    should_attend: full members with a vote who should attend (probationary members
      have no vote and are never counted).
    present: voting members present.
    written_opinions: absent voting members who handed in a written opinion before the
      meeting (R-VOTE-03); their opinions are already inside yes / no / abstain.
    """

    should_attend: int
    present: int
    written_opinions: int = 0
    yes: int = 0
    no: int = 0
    abstain: int = 0


@dataclass(frozen=True)
class VoteOutcome:
    valid: bool
    passed: bool
    quorum_needed: int  # smallest `present` that makes the meeting valid
    yes_needed: int  # smallest `yes` that carries the motion
    reason: Violation | None = None  # why not valid / not passed; None when passed


def check_general_meeting_vote(t: VoteTally) -> Violation | None:
    """Refuse a tally that cannot have happened (R-VOTE-00)."""
    names = {
        "should_attend": ("应到人数", "members who should attend"),
        "present": ("实到人数", "members present"),
        "written_opinions": ("书面意见数", "written opinions"),
        "yes": ("赞成票", "yes votes"),
        "no": ("反对票", "no votes"),
        "abstain": ("弃权票", "abstentions"),
    }
    for name, (zh, en) in names.items():
        if getattr(t, name) < 0:
            return _impossible(name, f"{zh}不能为负数", f"{en} cannot be negative")
    if t.present > t.should_attend:
        return _impossible(
            "present",
            f"实到 {t.present} 人多于应到 {t.should_attend} 人",
            f"{t.present} present is more than the {t.should_attend} who should attend",
        )
    absent = t.should_attend - t.present
    if t.written_opinions > absent:
        return _impossible(
            "written_opinions",
            f"书面意见 {t.written_opinions} 份多于缺席的 {absent} 人",
            f"{t.written_opinions} written opinions but only {absent} absent",
        )
    cast = t.yes + t.no + t.abstain
    if cast > t.present + t.written_opinions:
        return _impossible(
            "yes",
            f"赞成、反对、弃权合计 {cast} 票，多于实到 {t.present} 人加书面意见 "
            f"{t.written_opinions} 份",
            f"yes + no + abstain = {cast}, more than {t.present} present plus "
            f"{t.written_opinions} written opinions",
        )
    return None


def general_meeting_outcome(
    t: VoteTally, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS
) -> VoteOutcome:
    """R-VOTE-01/02/03: valid if present > ½ should_attend; passes if yes > ½ should_attend.

    An invalid meeting never passes, whatever the yes count.
    """
    quorum_needed = smallest_more_than(settings.quorum, t.should_attend)
    yes_needed = smallest_more_than(settings.pass_share, t.should_attend)
    impossible = check_general_meeting_vote(t)
    if impossible:
        return VoteOutcome(False, False, quorum_needed, yes_needed, impossible)
    quorum_line = _fmt(settings.quorum * t.should_attend)
    if t.present < quorum_needed:
        return VoteOutcome(
            False,
            False,
            quorum_needed,
            yes_needed,
            Violation(
                "R-VOTE-01",
                f"会议无效：应到 {t.should_attend} 人，实到 {t.present} 人，须超过 {quorum_line} 人"
                f"（至少 {quorum_needed} 人）（R-VOTE-01，《发展党员工作细则》第二十条）",
                f"Meeting not valid: {t.should_attend} should attend, {t.present} present; more "
                f"than {quorum_line} needed (at least {quorum_needed}) (R-VOTE-01, Rules on "
                "Recruiting Party Members art. 20)",
                "present",
            ),
        )
    if t.yes < yes_needed:
        yes_line = _fmt(settings.pass_share * t.should_attend)
        return VoteOutcome(
            True,
            False,
            quorum_needed,
            yes_needed,
            Violation(
                "R-VOTE-02",
                f"未通过：赞成 {t.yes} 票，须超过应到会有表决权党员 {t.should_attend} 人的半数即 "
                f"{yes_line} 票（至少 {yes_needed} 票）（R-VOTE-02，《发展党员工作细则》第二十二条）",
                f"Not passed: {t.yes} yes; more than {yes_line} needed, i.e. half of the "
                f"{t.should_attend} voting members who should attend (at least {yes_needed}) "
                "(R-VOTE-02, Rules on Recruiting Party Members art. 22)",
                "yes",
            ),
        )
    return VoteOutcome(True, True, quorum_needed, yes_needed, None)


def explain_vote(
    t: VoteTally, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS
) -> tuple[str, str]:
    """The quorum arithmetic in words, for the clerk while typing (zh, en)."""
    impossible = check_general_meeting_vote(t)
    if impossible:
        return impossible.message_zh, impossible.message_en
    out = general_meeting_outcome(t, settings=settings)
    q = _fmt(settings.quorum * t.should_attend)
    y = _fmt(settings.pass_share * t.should_attend)
    written_zh = f"，书面意见 {t.written_opinions} 份" if t.written_opinions else ""
    written_en = f", {t.written_opinions} written opinions" if t.written_opinions else ""
    if not out.valid:
        verdict_zh, verdict_en = "会议无效（到会人数不足），不能表决", "not valid (too few present)"
    elif out.passed:
        verdict_zh, verdict_en = "有效，通过", "valid, passed"
    else:
        verdict_zh, verdict_en = "有效，未通过", "valid, not passed"
    zh = (
        f"应到 {t.should_attend} 人，实到 {t.present} 人（须超过 {q} 人）{written_zh}，"
        f"赞成 {t.yes} 票（须超过 {y} 票）：{verdict_zh}"
    )
    en = (
        f"{t.should_attend} should attend, {t.present} present (more than {q} needed)"
        f"{written_en}, {t.yes} yes (more than {y} needed): {verdict_en}"
    )
    return zh, en


def committee_quorum_ok(
    committee_size: int, present: int, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS
) -> bool:
    """A committee meeting needs more than half of its members present (docs/domain.md §2).

    Impossible inputs (negative, more present than members) answer False.
    """
    if committee_size <= 0 or present < 0 or present > committee_size:
        return False
    return more_than(present, settings.committee_quorum, committee_size)


# --- elections ------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectionTally:
    """One round of a branch election: each voter may mark up to `seats` candidates."""

    seats: int
    should_attend: int
    present: int
    candidates: Sequence[tuple[str, int]]  # (candidate key, votes received)


@dataclass(frozen=True)
class ElectionResult:
    valid: bool
    elected: tuple[str, ...] = ()
    # Tied at the cut-off with more seats-worth of candidates than seats left: none of
    # them is elected; the seat(s) go to another round among exactly these candidates.
    tied_for_last_seat: tuple[str, ...] = ()
    seats_unfilled: int = 0
    votes_needed: int = 0  # smallest vote count that can elect (R-ELEC-03)
    reason: Violation | None = None  # why the election is not valid


def min_candidates(seats: int, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS) -> int:
    """R-ELEC-01 reading: candidates ≥ ceil(seats × (1 + ratio)).

    差额 "不少于应选人数的20%" is a count of people, so a fraction of a person
    rounds up: 3 seats → 3.6 → 4 candidates, 5 → 6, 7 → 8.4 → 9.
    """
    return math.ceil(seats * (1 + settings.difference_ratio))


def check_candidates(
    seats: int, candidate_count: int, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS
) -> Violation | None:
    """The candidate list before the vote (R-ELEC-01)."""
    if seats <= 0:
        return _impossible("seats", "应选名额必须大于 0", "seats must be more than 0")
    need = min_candidates(seats, settings=settings)
    if candidate_count < need:
        ratio = _fmt(settings.difference_ratio * 100)
        return Violation(
            "R-ELEC-01",
            f"差额不足：应选 {seats} 名，候选人须多于应选人数的 {ratio}%，至少 {need} 名，"
            f"现有 {candidate_count} 名（R-ELEC-01，《中国共产党基层组织选举工作条例》）",
            f"Too few candidates: {seats} seats need at least {need} candidates "
            f"({ratio}% more than the seats), {candidate_count} given (R-ELEC-01, "
            "Regulations on Elections in Basic-Level Party Organisations)",
            "candidates",
        )
    return None


def check_election(
    t: ElectionTally, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS
) -> Violation | None:
    """Impossible tallies (R-VOTE-00), too few candidates (R-ELEC-01), no quorum (R-ELEC-02)."""
    if t.seats <= 0:
        return _impossible("seats", "应选名额必须大于 0", "seats must be more than 0")
    if t.should_attend < 0 or t.present < 0:
        field = "present" if t.present < 0 else "should_attend"
        return _impossible(field, "人数不能为负数", "counts cannot be negative")
    if t.present > t.should_attend:
        return _impossible(
            "present",
            f"实到 {t.present} 人多于应到 {t.should_attend} 人",
            f"{t.present} present is more than the {t.should_attend} who should attend",
        )
    seen: set[str] = set()
    for key, votes in t.candidates:
        if key in seen:
            return _impossible("candidates", f"候选人 {key} 重复", f"candidate {key} listed twice")
        seen.add(key)
        if votes < 0 or votes > t.present:
            return _impossible(
                "candidates",
                f"候选人 {key} 得 {votes} 票，应在 0 到实到人数 {t.present} 之间",
                f"candidate {key} has {votes} votes, must be between 0 and the {t.present} present",
            )
    total = sum(votes for _, votes in t.candidates)
    if total > t.present * t.seats:
        return _impossible(
            "candidates",
            f"总票数 {total} 多于实到 {t.present} 人 × 应选 {t.seats} 名",
            f"{total} votes in all, more than {t.present} present × {t.seats} seats",
        )
    too_few = check_candidates(t.seats, len(t.candidates), settings=settings)
    if too_few:
        return too_few
    if not more_than(t.present, settings.election_quorum, t.should_attend):
        line = _fmt(settings.election_quorum * t.should_attend)
        need = smallest_more_than(settings.election_quorum, t.should_attend)
        share = _fmt(settings.election_quorum)
        return Violation(
            "R-ELEC-02",
            f"选举无效：应到 {t.should_attend} 人，实到 {t.present} 人，须超过应到人数的 {share} "
            f"即 {line} 人（至少 {need} 人）（R-ELEC-02，《中国共产党基层组织选举工作条例》）",
            f"Election not valid: {t.should_attend} should attend, {t.present} present; more "
            f"than {share} of them, i.e. {line}, needed (at least {need}) (R-ELEC-02, "
            "Regulations on Elections in Basic-Level Party Organisations)",
            "present",
        )
    return None


def election_result(
    t: ElectionTally, *, settings: VoteSettings = DEFAULT_VOTE_SETTINGS
) -> ElectionResult:
    """R-ELEC-03: elected with votes > half of those present, best first, at most `seats`.

    A tie at the cut-off that would take more candidates than seats left elects
    none of the tied; the seats left are reported unfilled.
    """
    needed = smallest_more_than(settings.election_majority, t.present)
    problem = check_election(t, settings=settings)
    if problem:
        return ElectionResult(False, votes_needed=needed, reason=problem)
    qualified = sorted(
        ((key, votes) for key, votes in t.candidates if votes >= needed),
        key=lambda kv: -kv[1],
    )
    tied: tuple[str, ...] = ()
    if len(qualified) <= t.seats:
        elected = tuple(key for key, _ in qualified)
    else:
        cutoff = qualified[t.seats - 1][1]
        if qualified[t.seats][1] == cutoff:
            elected = tuple(key for key, votes in qualified if votes > cutoff)
            tied = tuple(key for key, votes in qualified if votes == cutoff)
        else:
            elected = tuple(key for key, _ in qualified[: t.seats])
    return ElectionResult(
        True,
        elected=elected,
        tied_for_last_seat=tied,
        seats_unfilled=t.seats - len(elected),
        votes_needed=needed,
    )


# --- village representative assembly (四议两公开) -----------------------------------------


def check_assembly_vote(
    yes: int, no: int, abstain: int, should_attend: int, present: int
) -> Violation | None:
    """Impossible village-assembly tallies (R-VOTE-00)."""
    for name, value in (
        ("yes", yes),
        ("no", no),
        ("abstain", abstain),
        ("should_attend", should_attend),
        ("present", present),
    ):
        if value < 0:
            return _impossible(name, "人数和票数不能为负数", "counts cannot be negative")
    if present > should_attend:
        return _impossible(
            "present",
            f"实到 {present} 人多于应到 {should_attend} 人",
            f"{present} present is more than the {should_attend} who should attend",
        )
    if yes + no + abstain > present:
        return _impossible(
            "yes",
            f"赞成、反对、弃权合计 {yes + no + abstain} 票，多于实到 {present} 人",
            f"yes + no + abstain = {yes + no + abstain}, more than the {present} present",
        )
    return None


def assembly_passes(
    yes: int,
    no: int,
    abstain: int,
    should_attend: int,
    present: int,
    majority: str = MAJORITY_PRESENT,
    *,
    settings: VoteSettings = DEFAULT_VOTE_SETTINGS,
) -> bool:
    """A village representative assembly decision (四议两公开, step 3).

    `majority` is the deployment's setting: "present" (default: over half of those
    present, 村民委员会组织法 art. 26) or "should_attend" (over half of all
    representatives). The assembly sits only with at least 2/3 of its members.
    Impossible tallies answer False; `check_assembly_vote` says why.
    """
    if majority not in (MAJORITY_PRESENT, MAJORITY_SHOULD_ATTEND):
        raise ValueError(f"majority must be 'present' or 'should_attend', not {majority!r}")
    if check_assembly_vote(yes, no, abstain, should_attend, present):
        return False
    if present < settings.assembly_quorum * should_attend:
        return False
    base = present if majority == MAJORITY_PRESENT else should_attend
    return more_than(yes, settings.assembly_majority, base)
