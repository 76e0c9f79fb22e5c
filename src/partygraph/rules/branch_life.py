"""Branch life rules (支部工作条例 2018, 农村基层组织工作条例 2019, Party Constitution art. 9;
docs/domain.md §2–§3, docs/rules.md §2–§3). Pure: no I/O, every number a setting.

Codes (stable; clients and tests cite them):

- R-LIFE-01 branch general meeting (支部党员大会) at least once a quarter
- R-LIFE-02 committee meeting (支委会 / 党委会) at least once a month — branches with a committee
  (≥ 7 full members, R-ORG-03, or a current term) and base committees
- R-LIFE-03 party group meeting (党小组会) at least once a month — party groups
- R-LIFE-04 party lecture (党课) at least once a quarter
- R-LIFE-05 organisational life meeting (组织生活会) at least once a year
- R-LIFE-06 democratic evaluation of members (民主评议党员) at least once a year
- R-LIFE-07 theme party day (主题党日) at least once a month
  A period that ended without a meeting of the kind is an alert (never a block); the look-back
  is 12 months (a setting) and periods before the organisation was established are not owed.
- R-LIFE-08 attendance rows name members on the organisation's roster, or flowing members of
  other branches whose branch of life (`FlowingProfile.life_org_id`) is this organisation.
- R-LIFE-09 an excused absence (请假) records its reason.
- R-LIFE-10 the branch secretary gives a party lecture at least once a year (the lecture's
  `chair_member_id` is the lecturer); checked for years in which a secretary was in post.
- R-ORG-TERM a committee term (届) ending within 90 days (`extra.state = "ending"`) or past its
  end with no new term (`"past"`): an election is due.
- R-ELEC-01..03 election validity and who is elected: `rules.votes` (refusals come from there).
- R-MEM-01 absent from party life without reason for 6 months, with no dues paid and no work
  done for 6 months as the clerk records: flagged for a person to decide (treated as having
  left the party, 自行脱党, and removed — or kept, with the reason).
- R-MEM-FLAG a decision names a flag that is open today (not decided already).
- R-MEM-02 lost contact: 6 months → suspension of membership to decide (`flag = R-MEM-02-SUSPEND`);
  2 more years after the recorded suspension, still out of contact → removal to decide
  (`R-MEM-02-REMOVE`). Each is decided by a person (`MemberFlag`), and a decision closes it.
- R-VIL-01 four-step procedure (四议两公开): a step out of order is refused.
- R-VIL-02 a step dated before the step before it is refused.
- R-VIL-03 an item that ended (rejected at any deciding step, or completed) takes no more steps.
- R-VIL-04 the village representative assembly sits only with at least 2/3 of its members;
  its tally is judged by `rules.votes.assembly_passes` with the majority rule of the settings.
- R-VIL-05 a deciding step (the two committees' proposal, the joint discussion, the members'
  review, the assembly) records whether it passed; the notices record where and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from partygraph.rules.base import Alert, Violation, add_months
from partygraph.rules.votes import (
    DEFAULT_VOTE_SETTINGS,
    MAJORITY_PRESENT,
    VoteSettings,
    assembly_passes,
    check_assembly_vote,
)

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_MONTHS = {MONTH: 1, QUARTER: 3, YEAR: 12}
PERIOD_LABELS = {MONTH: ("每月", "a month"), QUARTER: ("每季度", "a quarter"), YEAR: ("每年", "a year")}


@dataclass(frozen=True)
class Requirement:
    """At least `count` meetings of `kind` per `period`, for the organisations of `applies_to`."""

    code: str
    kind: str  # models.meeting.MeetingKind value
    period: str  # month / quarter / year
    applies_to: str  # "branch" (branch, general branch, base committee), "committee" (those with a committee), "group"
    count: int = 1


DEFAULT_REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("R-LIFE-01", "general_meeting", QUARTER, "branch"),
    Requirement("R-LIFE-02", "committee_meeting", MONTH, "committee"),
    Requirement("R-LIFE-03", "group_meeting", MONTH, "group"),
    Requirement("R-LIFE-04", "party_lecture", QUARTER, "branch"),
    Requirement("R-LIFE-05", "life_meeting", YEAR, "branch"),
    Requirement("R-LIFE-06", "democratic_evaluation", YEAR, "branch"),
    Requirement("R-LIFE-07", "theme_day", MONTH, "branch"),
)

# Term length in years by branch type (支部工作条例 2018 art. 9: village and community
# branch committees 5 years, the others 3); `None` is the default for everything else.
DEFAULT_TERM_YEARS: tuple[tuple[str | None, int], ...] = (("village", 5), ("community", 5), (None, 3))


@dataclass(frozen=True)
class LifeSettings:
    requirements: tuple[Requirement, ...] = DEFAULT_REQUIREMENTS
    # How far back missed periods are alerted (older lapses are history, not alerts).
    lookback_months: int = 12
    term_years: tuple[tuple[str | None, int], ...] = DEFAULT_TERM_YEARS
    term_warning_days: int = 90
    absence_months: int = 6  # R-MEM-01
    lost_contact_months: int = 6  # R-MEM-02 → suspension
    suspension_to_removal_months: int = 24  # R-MEM-02 → removal
    assembly_majority: str = MAJORITY_PRESENT  # R-VIL-04
    votes: VoteSettings = field(default_factory=lambda: DEFAULT_VOTE_SETTINGS)

    def requirement(self, kind: str) -> Requirement | None:
        return next((r for r in self.requirements if r.kind == kind), None)


DEFAULT_LIFE_SETTINGS = LifeSettings()


# --- periods -------------------------------------------------------------------------------


def period_start(d: date, period: str) -> date:
    months = PERIOD_MONTHS[period]
    month = (d.month - 1) // months * months + 1
    return date(d.year, month, 1)


def period_end(start: date, period: str) -> date:
    return add_months(start, PERIOD_MONTHS[period]) - timedelta(days=1)


@lru_cache(maxsize=4096)
def periods_between(first: date, last: date, period: str) -> tuple[tuple[date, date], ...]:
    """Every period (start, end) that overlaps [first, last], in order. Kept: a subtree's
    alerts ask for the same window (the look-back up to today) once per organisation."""
    out: list[tuple[date, date]] = []
    start = period_start(first, period)
    while start <= last:
        out.append((start, period_end(start, period)))
        start = add_months(start, PERIOD_MONTHS[period])
    return tuple(out)


def period_name(start: date, period: str) -> tuple[str, str]:
    if period == MONTH:
        return f"{start.year}年{start.month}月", f"{start.year}-{start.month:02d}"
    if period == QUARTER:
        q = (start.month - 1) // 3 + 1
        return f"{start.year}年第{q}季度", f"{start.year} Q{q}"
    return f"{start.year}年", str(start.year)


# --- meetings: what applies, what was missed ------------------------------------------------


def requirements_for(org_kind: str, has_committee: bool, settings: LifeSettings = DEFAULT_LIFE_SETTINGS) -> list[Requirement]:
    """The requirements an organisation must meet: a party group holds group meetings; a
    branch or general branch the 三会一课 and the yearly meetings, committee meetings when it
    has a committee; a base committee (党委) its monthly committee meetings."""
    holds_branch_life = org_kind in ("branch", "general_branch")
    applies = {
        "group": org_kind == "group",
        "branch": holds_branch_life,
        "committee": (holds_branch_life and has_committee) or org_kind == "committee",
    }
    return [r for r in settings.requirements if applies.get(r.applies_to, False)]


@dataclass(frozen=True)
class PeriodCount:
    kind: str
    code: str
    start: date
    end: date
    required: int
    held: int

    @property
    def missed(self) -> bool:
        return self.held < self.required


def calendar(
    requirements: Iterable[Requirement], held: Mapping[str, Sequence[date]], first: date, last: date
) -> list[PeriodCount]:
    """Planned (required) vs held, per kind and period overlapping [first, last]."""
    out: list[PeriodCount] = []
    for r in requirements:
        dates = held.get(r.kind, ())
        for start, end in periods_between(first, last, r.period):
            n = sum(1 for d in dates if start <= d <= end)
            out.append(PeriodCount(r.kind, r.code, start, end, r.count, n))
    return out


def missed_meetings(
    requirements: Iterable[Requirement],
    held: Mapping[str, Sequence[date]],
    *,
    today: date,
    since: date | None = None,
    settings: LifeSettings = DEFAULT_LIFE_SETTINGS,
) -> list[Alert]:
    """R-LIFE-01..07: each period that ended (before today) within the look-back window,
    fully after `since` (the organisation's establishment), without enough meetings."""
    window = add_months(today, -settings.lookback_months)
    out: list[Alert] = []
    for r in requirements:
        for p in calendar([r], held, window, today):
            if p.end >= today or p.end < window or not p.missed:
                continue  # the current period is not over; older lapses are history
            if since and p.start < since:
                continue  # a period the organisation did not exist for the whole of is not owed
            zh_p, en_p = period_name(p.start, r.period)
            zh_k, en_k = KIND_NAMES.get(r.kind, (r.kind, r.kind))
            zh_f, en_f = PERIOD_LABELS[r.period]
            out.append(
                Alert(
                    r.code,
                    f"{zh_p}未召开{zh_k}（应{zh_f}至少 {r.count} 次，已开 {p.held} 次）（{r.code}）",
                    f"No {en_k} in {en_p} (at least {r.count} {en_f} required, {p.held} held) ({r.code})",
                    due_on=p.end,
                    extra={"kind": r.kind, "periodStart": p.start.isoformat(), "periodEnd": p.end.isoformat()},
                )
            )
    return out


def secretary_lecture_missed(
    lectures: Sequence[tuple[date, int | None]],
    secretaries: Sequence[tuple[int, date, date | None]],
    *,
    today: date,
    since: date | None = None,
    settings: LifeSettings = DEFAULT_LIFE_SETTINGS,
) -> list[Alert]:
    """R-LIFE-10: each year that ended within the look-back, in which a secretary was in post
    (member id, from, until), without a party lecture given by a secretary then in post."""
    window = add_months(today, -settings.lookback_months)
    out: list[Alert] = []
    for start, end in periods_between(window, today, YEAR):
        if end >= today or end < window or (since and start < since):
            continue
        in_post = [(m, a, b) for m, a, b in secretaries if a <= end and (b is None or b >= start)]
        if not in_post:
            continue  # no secretary recorded: R-ORG-05 says so, not this rule
        given = any(
            lecturer == m and a <= on <= (b or on) for on, lecturer in lectures if start <= on <= end for m, a, b in in_post
        )
        if not given:
            out.append(
                Alert(
                    "R-LIFE-10",
                    f"{start.year}年支部书记未讲党课（每年至少 1 次）（R-LIFE-10）",
                    f"The branch secretary gave no party lecture in {start.year} (at least one a year) (R-LIFE-10)",
                    due_on=end,
                    extra={"kind": "party_lecture", "periodStart": start.isoformat(), "periodEnd": end.isoformat()},
                )
            )
    return out


KIND_NAMES: dict[str, tuple[str, str]] = {
    "general_meeting": ("支部党员大会", "branch general meeting"),
    "committee_meeting": ("支部委员会会议", "branch committee meeting"),
    "group_meeting": ("党小组会", "party group meeting"),
    "party_lecture": ("党课", "party lecture"),
    "theme_day": ("主题党日", "theme party day"),
    "life_meeting": ("组织生活会", "organisational life meeting"),
    "democratic_evaluation": ("民主评议党员", "democratic evaluation of members"),
    "democratic_life_meeting": ("民主生活会", "democratic life meeting"),
}


# --- terms ---------------------------------------------------------------------------------

TERM_KINDS = frozenset({"branch", "general_branch", "committee"})


def term_years(branch_type: str | None, settings: LifeSettings = DEFAULT_LIFE_SETTINGS) -> int:
    default = 3
    for bt, years in settings.term_years:
        if bt is None:
            default = years
        elif bt == branch_type:
            return years
    return default


def term_end(starts_on: date, years: int) -> date:
    """The last day of a term: the day before the anniversary (2021-03-15, 5 years → 2026-03-14)."""
    return add_months(starts_on, 12 * years) - timedelta(days=1)


def term_alert(ends_on: date, today: date, settings: LifeSettings = DEFAULT_LIFE_SETTINGS) -> Alert | None:
    """R-ORG-TERM: the current term ends within the warning window, or has ended."""
    if ends_on < today:
        days = (today - ends_on).days
        return Alert(
            "R-ORG-TERM",
            f"任期已于 {ends_on.isoformat()} 届满 {days} 天，应按期换届（R-ORG-TERM）",
            f"The term ended on {ends_on.isoformat()}, {days} days ago: an election is due (R-ORG-TERM)",
            due_on=ends_on,
            extra={"state": "past"},
        )
    if (ends_on - today).days <= settings.term_warning_days:
        days = (ends_on - today).days
        return Alert(
            "R-ORG-TERM",
            f"任期将于 {ends_on.isoformat()} 届满（还有 {days} 天），请准备换届选举（R-ORG-TERM）",
            f"The term ends on {ends_on.isoformat()} (in {days} days): prepare the election (R-ORG-TERM)",
            due_on=ends_on,
            extra={"state": "ending"},
        )
    return None


# --- members: R-MEM-01, R-MEM-02 -----------------------------------------------------------

FLAG_R_MEM_01 = "R-MEM-01"
FLAG_SUSPEND = "R-MEM-02-SUSPEND"
FLAG_REMOVE = "R-MEM-02-REMOVE"
# The decisions a person may record on each flag; the first changes the member's status.
FLAG_DECISIONS: dict[str, tuple[str, ...]] = {
    FLAG_R_MEM_01: ("remove", "keep"),
    FLAG_SUSPEND: ("suspend", "keep"),
    FLAG_REMOVE: ("remove", "keep"),
}
DECISION_STATUS = {"remove": "removed", "suspend": "suspended"}


def absent_since(attendance: Sequence[tuple[date, str]]) -> date | None:
    """The first absence without reason after the member last attended (present or
    excused); None if the last record is not an unexcused absence."""
    since: date | None = None
    for on, status in sorted(attendance):
        since = (since or on) if status == "absent" else None
    return since


def r_mem_01(
    attendance: Sequence[tuple[date, str]],
    no_dues_since: date | None,
    no_work_since: date | None,
    today: date,
    settings: LifeSettings = DEFAULT_LIFE_SETTINGS,
) -> Alert | None:
    """Absent without reason, no dues and no work, each for `absence_months` (R-MEM-01)."""
    line = add_months(today, -settings.absence_months)
    since = absent_since(attendance)
    if since is None or no_dues_since is None or no_work_since is None:
        return None
    if since > line or no_dues_since > line or no_work_since > line:
        return None
    raised = max(since, no_dues_since, no_work_since)
    n = settings.absence_months
    return Alert(
        "R-MEM-01",
        f"自 {since.isoformat()} 起无正当理由不参加党的组织生活，且连续 {n} 个月不交纳党费、不做党所分配的工作，"
        "按《党章》第九条视为自行脱党，请由党组织研究决定（R-MEM-01）",
        f"Absent from party life without reason since {since.isoformat()}, no dues and no assigned work for "
        f"{n} months: treated as having left the party (Constitution art. 9) — a person decides (R-MEM-01)",
        due_on=add_months(raised, n),
        extra={"flag": FLAG_R_MEM_01, "raisedOn": raised.isoformat()},
    )


def r_mem_02(
    lost_on: date,
    suspended_on: date | None,
    today: date,
    settings: LifeSettings = DEFAULT_LIFE_SETTINGS,
) -> Alert | None:
    """Lost contact: suspension to decide after 6 months, removal 2 years after that."""
    if suspended_on is None:
        due = add_months(lost_on, settings.lost_contact_months)
        if due > today:
            return None
        return Alert(
            "R-MEM-02",
            f"自 {lost_on.isoformat()} 起失去联系已满 {settings.lost_contact_months} 个月，经多方查找仍无音讯的，"
            "应停止党籍，请由党组织决定（R-MEM-02）",
            f"Out of contact since {lost_on.isoformat()} for {settings.lost_contact_months} months: suspension of "
            "membership to decide (R-MEM-02)",
            due_on=due,
            extra={"flag": FLAG_SUSPEND, "raisedOn": due.isoformat()},
        )
    due = add_months(suspended_on, settings.suspension_to_removal_months)
    if due > today:
        return None
    years = settings.suspension_to_removal_months // 12
    return Alert(
        "R-MEM-02",
        f"停止党籍（{suspended_on.isoformat()}）后 {years} 年仍无法取得联系，应予除名，请由党组织决定（R-MEM-02）",
        f"Still out of contact {years} years after suspension ({suspended_on.isoformat()}): removal to decide (R-MEM-02)",
        due_on=due,
        extra={"flag": FLAG_REMOVE, "raisedOn": due.isoformat()},
    )


# --- four-step procedure (四议两公开) --------------------------------------------------------


class FourStep(StrEnum):
    proposal = "proposal"  # 村党组织提议
    joint_discussion = "joint_discussion"  # 村“两委”会议商议
    members_review = "members_review"  # 党员大会审议
    assembly_resolution = "assembly_resolution"  # 村民代表会议决议
    notice_resolution = "notice_resolution"  # 决议公开
    notice_result = "notice_result"  # 实施结果公开


FOUR_STEP_ORDER: tuple[FourStep, ...] = tuple(FourStep)
DECIDING_STEPS = frozenset({FourStep.proposal, FourStep.joint_discussion, FourStep.members_review, FourStep.assembly_resolution})
FOUR_STEP_LABELS: dict[FourStep, tuple[str, str]] = {
    FourStep.proposal: ("村党组织提议", "Proposal by the branch committee"),
    FourStep.joint_discussion: ("村“两委”会议商议", "Joint discussion with the village committee"),
    FourStep.members_review: ("党员大会审议", "Review at the branch general meeting"),
    FourStep.assembly_resolution: ("村民代表会议决议", "Resolution of the village representative assembly"),
    FourStep.notice_resolution: ("决议公开", "Public notice of the resolution"),
    FourStep.notice_result: ("实施结果公开", "Public notice of the result"),
}


class FourStepStatus(StrEnum):
    in_progress = "in_progress"
    rejected = "rejected"
    completed = "completed"


FOUR_STEP_STATUS_LABELS: dict[FourStepStatus, tuple[str, str]] = {
    FourStepStatus.in_progress: ("办理中", "In progress"),
    FourStepStatus.rejected: ("未通过", "Rejected"),
    FourStepStatus.completed: ("已办结", "Completed"),
}


@dataclass(frozen=True)
class FourStepEntry:
    step: str
    on: date
    passed: bool | None


def four_step_status(entries: Sequence[FourStepEntry]) -> FourStepStatus:
    if any(e.passed is False for e in entries):
        return FourStepStatus.rejected
    if entries and entries[-1].step == FourStep.notice_result:
        return FourStepStatus.completed
    return FourStepStatus.in_progress


def next_four_step(entries: Sequence[FourStepEntry]) -> FourStep | None:
    if four_step_status(entries) != FourStepStatus.in_progress:
        return None
    return FOUR_STEP_ORDER[len(entries)]


@dataclass(frozen=True)
class AssemblyTally:
    should_attend: int
    present: int
    yes: int
    no: int = 0
    abstain: int = 0


def check_four_step(
    entries: Sequence[FourStepEntry],
    step: str,
    on: date,
    *,
    passed: bool | None = None,
    tally: AssemblyTally | None = None,
    settings: LifeSettings = DEFAULT_LIFE_SETTINGS,
) -> tuple[Violation | None, bool | None]:
    """Judge a new step: (refusal, verdict). The assembly's verdict comes from its tally."""
    try:
        s = FourStep(step)
    except ValueError:
        return Violation("INVALID_INPUT", f"未知的步骤：{step}", f"Unknown step: {step}", "step"), None
    out_of_order = _four_step_out_of_order(entries, s, on)
    if out_of_order is not None:
        return out_of_order, None
    if s == FourStep.assembly_resolution:
        return _assembly_verdict(tally, settings)
    if s in DECIDING_STEPS:
        if passed is None:
            return (
                Violation(
                    "R-VIL-05",
                    "须记录该步骤是否通过（R-VIL-05）",
                    "Record whether this step passed (R-VIL-05)",
                    "passed",
                ),
                None,
            )
        return None, passed
    return None, None


def _four_step_out_of_order(entries: Sequence[FourStepEntry], s: FourStep, on: date) -> Violation | None:
    """A step recorded on a closed item, out of the four-step order or dated before the last one."""
    status = four_step_status(entries)
    if status != FourStepStatus.in_progress:
        zh, en = FOUR_STEP_STATUS_LABELS[status]
        return Violation(
            "R-VIL-03",
            f"该事项已{zh}，不能再记录步骤（R-VIL-03）",
            f"The item is {en.lower()}; no further steps can be recorded (R-VIL-03)",
            "step",
        )
    expected = FOUR_STEP_ORDER[len(entries)]
    if s != expected:
        zh, en = FOUR_STEP_LABELS[expected]
        return Violation(
            "R-VIL-01",
            f"须按“四议两公开”顺序办理，下一步应为“{zh}”（R-VIL-01）",
            f"Steps go in the four-step order; the next is “{en}” (R-VIL-01)",
            "step",
        )
    if entries and on < entries[-1].on:
        return Violation(
            "R-VIL-02",
            f"日期不能早于上一步（{entries[-1].on.isoformat()}）（R-VIL-02）",
            f"The date cannot precede the previous step ({entries[-1].on.isoformat()}) (R-VIL-02)",
            "on",
        )
    return None


def _assembly_verdict(
    tally: AssemblyTally | None, settings: LifeSettings
) -> tuple[Violation | None, bool | None]:
    """The villagers' assembly resolution: its tally must be recorded, possible and quorate."""
    if tally is None:
        return (
            Violation(
                "R-VIL-05",
                "村民代表会议决议须记录应到、实到人数和表决票数（R-VIL-05）",
                "The assembly's resolution records who should attend, who was present and the tally (R-VIL-05)",
                "yes",
            ),
            None,
        )
    impossible = check_assembly_vote(tally.yes, tally.no, tally.abstain, tally.should_attend, tally.present)
    if impossible:
        return impossible, None
    if tally.present < settings.votes.assembly_quorum * tally.should_attend:
        return (
            Violation(
                "R-VIL-04",
                f"村民代表会议须有三分之二以上组成人员参加方可召开：应到 {tally.should_attend} 人，实到 "
                f"{tally.present} 人（R-VIL-04）",
                f"The assembly sits only with at least two thirds of its members: {tally.should_attend} should "
                f"attend, {tally.present} present (R-VIL-04)",
                "present",
            ),
            None,
        )
    return None, assembly_passes(
        tally.yes, tally.no, tally.abstain, tally.should_attend, tally.present,
        settings.assembly_majority, settings=settings.votes,
    )  # fmt: skip


def assembly_explanation(tally: AssemblyTally, settings: LifeSettings = DEFAULT_LIFE_SETTINGS) -> tuple[str, str]:
    base = tally.present if settings.assembly_majority == MAJORITY_PRESENT else tally.should_attend
    passed = assembly_passes(
        tally.yes, tally.no, tally.abstain, tally.should_attend, tally.present,
        settings.assembly_majority, settings=settings.votes,
    )  # fmt: skip
    who_zh = "实到" if settings.assembly_majority == MAJORITY_PRESENT else "应到"
    who_en = "present" if settings.assembly_majority == MAJORITY_PRESENT else "who should attend"
    verdict_zh, verdict_en = ("通过", "passed") if passed else ("未通过", "rejected")
    return (
        f"应到 {tally.should_attend} 人，实到 {tally.present} 人；赞成 {tally.yes} 票、反对 {tally.no} 票、"
        f"弃权 {tally.abstain} 票，须超过{who_zh} {base} 人的半数：{verdict_zh}",
        f"{tally.should_attend} should attend, {tally.present} present; {tally.yes} yes, {tally.no} no, "
        f"{tally.abstain} abstain; more than half of the {base} {who_en} needed: {verdict_en}",
    )

