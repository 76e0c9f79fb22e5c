"""Developing members: the 25 steps of 《中国共产党发展党员工作细则》 (docs/rules.md §1).

A candidate's file is a list of dated `StepRecord`s in the order they were
recorded. `check_step` says whether one more step may be recorded (a
`Violation` with the rule's code, or None); `next_steps` and `alerts` say
what is due. Nothing here reads a clock: `today` is always a parameter.

Readings chosen where the texts leave room (each is a setting or documented):

- R-DEV-00 is this module's own code for order and dates: a step in the wrong
  stage, before its prerequisite step, twice, dated in the future or before
  the previous step of the file.
- 满一年 (R-DEV-07): on or after the same calendar date one year later
  (activist 2023-02-15 → target from 2024-02-15; 29 Feb → 28 Feb).
- A missing six-monthly activist review (R-DEV-06) is an alert, never a block:
  the review is the branch's duty, and the 细则 does not make it a condition
  of becoming a development target.
- A public notice (公示) is "finished" the day after its end date; its end date
  is `data["ends_on"]` or, when absent, the N-th working day (Mon–Fri) counted
  from its start (public holidays are not known here — give `ends_on` then).
  Its code is the code of the step it guards: R-DEV-03 before an activist,
  R-DEV-07 before a target, R-DEV-13 before admission, R-DEV-23 before
  conversion.
- Approval (R-DEV-17, R-DEV-24): within `approval_within_months` freely; up to
  `approval_max_months` only with `data["special_reason"]`; never later. A
  branch resolution not approved by then has lapsed and the branch may vote
  again (the only way forward the texts leave).
- A probation extension (R-DEV-23) counts once the committee has approved it.
- Probation ends on the same calendar date a year after the admission vote;
  that day is the conversion date (R-DEV-24).
- R-DEV-09 holds on two days: when the introducers are assigned and again at the
  admission vote (their standing on the meeting's day, which the service reads from the
  roster and the sanctions). An introducer who no longer qualifies is replaced by
  recording the assignment again: the latest assignment is the one in force.
- A re-application after an exit (withdrawn, removed, not admitted,
  cancelled) starts a new round: every check looks at the records since the
  latest application only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from partygraph.rules.base import Alert, Violation, add_months, age_on
from partygraph.rules.votes import (
    VoteSettings,
    VoteTally,
    general_meeting_outcome,
)

__all__ = [
    "Stage",
    "STAGE_LABELS",
    "ACTIVE_STAGES",
    "EXIT_STAGES",
    "Step",
    "StepInfo",
    "STEP_INFO",
    "STEP_LABELS",
    "STEP_RULES",
    "STEP_STAGES",
    "EXIT_STEPS",
    "Recommendation",
    "RECOMMENDATION_LABELS",
    "Standing",
    "ConversionOutcome",
    "REVIEW_PASS",
    "REVIEW_FAIL",
    "ARCHIVE_DOCUMENTS",
    "RULE_SOURCES",
    "PipelineSettings",
    "DEFAULT_PIPELINE_SETTINGS",
    "StepRecord",
    "NextStep",
    "notice_ends_on",
    "stage_of",
    "check_step",
    "next_steps",
    "alerts",
    "probation_end",
    "membership_dates",
    "assigned_introducers",
    "introducers_at_vote_problem",
]


class Stage(StrEnum):
    applicant = "applicant"
    activist = "activist"
    target = "target"
    probationary = "probationary"
    full = "full"
    withdrawn = "withdrawn"
    removed_from_pool = "removed_from_pool"
    not_admitted = "not_admitted"
    cancelled = "cancelled"


STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.applicant: ("入党申请人", "Applicant"),
    Stage.activist: ("入党积极分子", "Activist"),
    Stage.target: ("发展对象", "Development target"),
    Stage.probationary: ("预备党员", "Probationary member"),
    Stage.full: ("正式党员", "Full member"),
    Stage.withdrawn: ("已撤回申请", "Withdrawn"),
    Stage.removed_from_pool: ("已调整出积极分子队伍", "Removed from the activist pool"),
    Stage.not_admitted: ("未被接收", "Not admitted"),
    Stage.cancelled: ("已取消预备党员资格", "Probationary membership cancelled"),
}

ACTIVE_STAGES = (Stage.applicant, Stage.activist, Stage.target, Stage.probationary)
EXIT_STAGES = (Stage.withdrawn, Stage.removed_from_pool, Stage.not_admitted, Stage.cancelled)


class Step(StrEnum):
    application = "application"
    talk = "talk"
    activist_decided = "activist_decided"
    activist_filed = "activist_filed"
    contacts_assigned = "contacts_assigned"
    activist_review = "activist_review"
    target_decided = "target_decided"
    target_filed = "target_filed"
    introducers_assigned = "introducers_assigned"
    political_review = "political_review"
    training = "training"
    branch_examination = "branch_examination"
    pre_examination = "pre_examination"
    notice = "notice"
    form_filled = "form_filled"
    admission_vote = "admission_vote"
    approval_talk = "approval_talk"
    admission_approved = "admission_approved"
    admission_filed = "admission_filed"
    placed = "placed"
    oath = "oath"
    conversion_applied = "conversion_applied"
    conversion_vote = "conversion_vote"
    conversion_approved = "conversion_approved"
    archived = "archived"
    withdraw = "withdraw"
    remove_from_pool = "remove_from_pool"
    not_admitted = "not_admitted"
    cancel_probation = "cancel_probation"


@dataclass(frozen=True)
class StepInfo:
    number: int | None  # the step's number in docs/rules.md §1; None for notices and exits
    label_zh: str
    label_en: str
    rule: str | None  # the code of the rule the step is tied to


def _info(number: int | None, zh: str, en: str, rule: str | None = "") -> StepInfo:
    # The official codes (docs/rules.md §1) follow the step numbers (R-DEV-07 is step 7); the
    # steps they name no rule for keep the same numbering so every step has one code to cite.
    code = f"R-DEV-{number:02d}" if rule == "" and number is not None else rule or None
    return StepInfo(number, zh, en, code)


STEP_INFO: dict[Step, StepInfo] = {
    Step.application: _info(1, "递交入党申请书", "Written application"),
    Step.talk: _info(2, "党组织派人谈话", "Talk with the applicant"),
    Step.activist_decided: _info(3, "确定入党积极分子", "Activist decided"),
    Step.activist_filed: _info(
        4, "积极分子报上级党委备案", "Activist filed with the committee above"
    ),
    Step.contacts_assigned: _info(5, "指定培养联系人", "Contacts assigned"),
    Step.activist_review: _info(
        6, "培养教育考察（每半年一次）", "Six-monthly review of the activist"
    ),
    Step.target_decided: _info(7, "确定发展对象", "Development target decided"),
    Step.target_filed: _info(8, "发展对象报上级党委备案", "Target filed with the committee above"),
    Step.introducers_assigned: _info(9, "确定入党介绍人", "Introducers assigned"),
    Step.political_review: _info(10, "进行政治审查", "Political review"),
    Step.training: _info(11, "开展集中培训", "Concentrated training"),
    Step.branch_examination: _info(12, "支部委员会审查", "Branch committee examination"),
    Step.pre_examination: _info(13, "上级党委预审", "Pre-examination by the committee above"),
    Step.notice: _info(None, "公示", "Public notice", "R-DEV-13"),
    Step.form_filled: _info(14, "填写入党志愿书", "Application form filled in"),
    Step.admission_vote: _info(15, "支部党员大会讨论接收", "Branch general meeting on admission"),
    Step.approval_talk: _info(16, "上级党委派人谈话", "Talk by the committee above"),
    Step.admission_approved: _info(17, "上级党委审批", "Admission approved by the committee"),
    Step.admission_filed: _info(
        18, "报再上一级党委组织部门备案", "Filed with the department above"
    ),
    Step.placed: _info(19, "编入党支部和党小组", "Placed in a branch and party group"),
    Step.oath: _info(20, "入党宣誓", "Oath"),
    Step.conversion_applied: _info(22, "提出书面转正申请", "Written conversion application"),
    Step.conversion_vote: _info(23, "支部党员大会讨论转正", "Branch general meeting on conversion"),
    Step.conversion_approved: _info(24, "上级党委审批转正", "Conversion approved by the committee"),
    Step.archived: _info(25, "材料归档", "Files archived"),
    Step.withdraw: _info(None, "本人撤回入党申请", "Withdrawn by the candidate", None),
    Step.remove_from_pool: _info(
        None, "调整出积极分子队伍", "Removed from the activist pool", None
    ),
    Step.not_admitted: _info(None, "不予接收", "Not admitted", None),
    Step.cancel_probation: _info(None, "取消预备党员资格", "Probation cancelled", "R-DEV-23"),
}
STEP_LABELS: dict[Step, tuple[str, str]] = {
    s: (i.label_zh, i.label_en) for s, i in STEP_INFO.items()
}
STEP_RULES: dict[Step, str | None] = {s: i.rule for s, i in STEP_INFO.items()}

# The stage a file must be in for each step (application is handled on its own).
STEP_STAGES: dict[Step, tuple[Stage, ...]] = {
    Step.talk: (Stage.applicant,),
    Step.activist_decided: (Stage.applicant,),
    Step.activist_filed: (Stage.activist,),
    Step.contacts_assigned: (Stage.activist,),
    Step.activist_review: (Stage.activist,),
    Step.target_decided: (Stage.activist,),
    Step.target_filed: (Stage.target,),
    Step.introducers_assigned: (Stage.target,),
    Step.political_review: (Stage.target,),
    Step.training: (Stage.target,),
    Step.branch_examination: (Stage.target,),
    Step.pre_examination: (Stage.target,),
    Step.notice: ACTIVE_STAGES,
    Step.form_filled: (Stage.target,),
    Step.admission_vote: (Stage.target,),
    Step.approval_talk: (Stage.target,),
    Step.admission_approved: (Stage.target,),
    Step.admission_filed: (Stage.probationary,),
    Step.placed: (Stage.probationary,),
    Step.oath: (Stage.probationary,),
    Step.conversion_applied: (Stage.probationary,),
    Step.conversion_vote: (Stage.probationary,),
    Step.conversion_approved: (Stage.probationary,),
    Step.archived: (Stage.full,),
    Step.withdraw: (Stage.applicant, Stage.activist, Stage.target),
    Step.remove_from_pool: (Stage.activist, Stage.target),
    Step.not_admitted: (Stage.target,),
    Step.cancel_probation: (Stage.probationary,),
}
EXIT_STEPS = (Step.withdraw, Step.remove_from_pool, Step.not_admitted, Step.cancel_probation)


class Recommendation(StrEnum):
    mass = "mass"
    member = "member"
    league = "league"
    joint = "joint"


RECOMMENDATION_LABELS: dict[Recommendation, tuple[str, str]] = {
    Recommendation.mass: ("群众推荐", "Mass recommendation"),
    Recommendation.member: ("党员推荐", "Party-member recommendation"),
    Recommendation.league: ("群团组织推优", "Youth league / women's federation recommendation"),
    Recommendation.joint: ("联名推荐", "Joint-name recommendation"),
}


class Standing(StrEnum):
    """An introducer's or contact's standing, as the service reads it from the roster."""

    full = "full"
    probationary = "probationary"  # on the roster but not a full member (also suspended)
    party_probation = "party_probation"  # 留党察看, rights not yet restored
    off_roster = "off_roster"  # died, transferred out of the system, left, expelled…


class ConversionOutcome(StrEnum):
    convert = "convert"
    extend = "extend"
    cancel = "cancel"


REVIEW_PASS = "pass"
REVIEW_FAIL = "fail"

# R-DEV-25: what 材料归档 must contain, as keys in data["documents"].
ARCHIVE_DOCUMENTS: dict[str, tuple[str, str]] = {
    "application": ("入党申请书", "application"),
    "form": ("入党志愿书", "application form"),
    "political_review": ("政治审查材料", "political review"),
    "conversion_application": ("转正申请书", "conversion application"),
    "observation_records": ("培养教育考察材料", "observation records"),
}

_XIZE_ZH = "《发展党员工作细则》"
_XIZE_EN = "Rules on Recruiting Party Members (2014)"
_DANGZHANG_ZH = "《中国共产党章程》"
_DANGZHANG_EN = "Party Constitution"

# Where each code comes from. Article numbers are given only where checked against
# the published text; the others cite the regulation by name.
RULE_SOURCES: dict[str, tuple[str, str]] = {
    "R-DEV-00": (
        "步骤须按《发展党员工作细则》规定的程序和时间顺序进行",
        "steps follow the order of the Rules",
    ),
    "R-DEV-01": (f"{_XIZE_ZH}第五条", f"{_XIZE_EN} art. 5"),
    "R-DEV-02": (f"{_XIZE_ZH}第七条", f"{_XIZE_EN} art. 7"),
    "R-DEV-03": (f"{_XIZE_ZH}第八条；公示制", f"{_XIZE_EN} art. 8; public-notice practice"),
    "R-DEV-05": (f"{_XIZE_ZH}第九条", f"{_XIZE_EN} art. 9"),
    "R-DEV-06": (_XIZE_ZH, _XIZE_EN),
    "R-DEV-07": (f"{_XIZE_ZH}第十三条", f"{_XIZE_EN} art. 13"),
    "R-DEV-09": (f"{_XIZE_ZH}第十四条", f"{_XIZE_EN} art. 14"),
    "R-DEV-10": (f"{_XIZE_ZH}第十六条", f"{_XIZE_EN} art. 16"),
    "R-DEV-11": (f"{_XIZE_ZH}第十七条", f"{_XIZE_EN} art. 17"),
    "R-DEV-13": (f"{_XIZE_ZH}；公示制", f"{_XIZE_EN}; public-notice practice"),
    "R-DEV-15": (f"{_XIZE_ZH}第十九条", f"{_XIZE_EN} art. 19"),
    "R-DEV-16": (f"{_DANGZHANG_ZH}第五条", f"{_DANGZHANG_EN} art. 5"),
    "R-DEV-17": (_XIZE_ZH, _XIZE_EN),
    "R-DEV-22": (f"{_DANGZHANG_ZH}第七条", f"{_DANGZHANG_EN} art. 7"),
    "R-DEV-23": (f"{_DANGZHANG_ZH}第七条；{_XIZE_ZH}", f"{_DANGZHANG_EN} art. 7; {_XIZE_EN}"),
    "R-DEV-24": (f"{_XIZE_ZH}；{_DANGZHANG_ZH}第七条", f"{_XIZE_EN}; {_DANGZHANG_EN} art. 7"),
    "R-DEV-25": (_XIZE_ZH, _XIZE_EN),
}


@dataclass(frozen=True)
class PipelineSettings:
    """Every number of docs/rules.md §1; the defaults are the national rules or seed 003."""

    min_age: int = 18  # R-DEV-01
    talk_within_months: int = 1  # R-DEV-02
    activist_review_months: int = 6  # R-DEV-06
    activist_min_months: int = 12  # R-DEV-07
    training_min_days: int = 3  # R-DEV-11: days OR hours suffice
    training_min_hours: int = 24  # R-DEV-11
    notice_working_days: int = 5  # R-DEV-13 (local practice)
    approval_within_months: int = 3  # R-DEV-17, R-DEV-24
    approval_max_months: int = 6  # R-DEV-17, R-DEV-24 (with a special reason)
    probation_months: int = 12  # R-DEV-22
    extension_min_months: int = 6  # R-DEV-23
    extension_max_months: int = 12  # R-DEV-23
    stalled_after_months: int = 6  # docs/domain.md §4: no step for this long → alert
    leaving_unit_within_months: int = 3  # R-DEV-15
    notice_before_activist: bool = True  # seed 003
    notice_before_target: bool = True  # seed 003
    notice_before_conversion: bool = True  # seed 003
    contacts_min: int = 1  # R-DEV-05
    contacts_max: int = 2  # R-DEV-05
    introducers_required: int = 2  # R-DEV-09
    notice_alert_days: int = 5  # alert when a notice ends within this many days
    probation_alert_days: int = 30  # alert when probation ends within this many days
    vote: VoteSettings = field(default_factory=VoteSettings)


DEFAULT_PIPELINE_SETTINGS = PipelineSettings()


@dataclass(frozen=True)
class StepRecord:
    """One dated step of a candidate's file.

    `data` keys read by the rules (all optional unless the step's rule needs them):
      activist_decided: recommendation (a Recommendation value)
      contacts_assigned: contacts = [{"key": str, "standing": Standing}, ...]
      activist_review: passed (bool)
      introducers_assigned: introducers = [{"key": str, "standing": Standing}, ...]
        (a later assignment replaces an earlier one)
      political_review: outcome "pass" / "fail" (in `outcome`)
      training: days, hours (numbers; summed over the training records)
      notice: ends_on (date), open_objections (int)
      pre_examination, admission_vote: leaving_unit_on (date), special_reason (str)
      admission_vote: introducers_at_vote = the assigned introducers' standing on the
        day, same shape (R-DEV-09 is checked again)
      admission_vote, conversion_vote: either valid and passed (bools) or a tally:
        should_attend, present, written_opinions, yes, no, abstain; meeting (a reference)
      conversion_vote: outcome convert / extend / cancel; extension_months (int)
      admission_approved, conversion_approved: special_reason (str) when late
      archived: documents (keys of ARCHIVE_DOCUMENTS)
    """

    step: Step
    on: date
    outcome: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NextStep:
    step: Step
    earliest: date | None
    due: date | None
    overdue: bool
    label_zh: str
    label_en: str
    rule: str | None = None


def notice_ends_on(start: date, working_days: int) -> date:
    """The last day of a notice of N working days (Mon–Fri), counting its first day."""
    d, counted = start, 0
    while True:
        if d.weekday() < 5:
            counted += 1
            if counted >= working_days:
                return d
        d += timedelta(days=1)


# --- reading a file -------------------------------------------------------------------


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _number(value: Any) -> Fraction:
    if value is None:
        return Fraction(0)
    if isinstance(value, float):
        return Fraction(str(value))
    return Fraction(value)


def _label(step: Step | str) -> tuple[str, str]:
    return STEP_LABELS[Step(step)]


def _stage_label(stage: Stage) -> tuple[str, str]:
    return STAGE_LABELS[stage]


_CN_DIGITS = "零一二三四五六七八九十"


def _span_zh(months: int) -> str:
    if months % 12 == 0 and months // 12 <= 10:
        return f"{_CN_DIGITS[months // 12]}年"
    return f" {months} 个月"


def _span_en(months: int) -> str:
    if months == 12:
        return "one year"
    return f"{months // 12} years" if months % 12 == 0 else f"{months} months"


class _File:
    """The current round of a file: the records since the latest application."""

    def __init__(self, history: Sequence[StepRecord]) -> None:
        start = 0
        for i, rec in enumerate(history):
            if rec.step == Step.application:
                start = i
        self.records: list[StepRecord] = list(history[start:])
        # the stage in force when each record was made, so a notice knows what it guarded
        self.stage_at: list[Stage] = []
        stage = Stage.applicant
        for i, rec in enumerate(self.records):
            self.stage_at.append(stage)
            stage = _advance(stage, rec, self.records[:i])
        self.stage = stage

    def index_of_last(self, *steps: Step) -> int:
        for i in range(len(self.records) - 1, -1, -1):
            if self.records[i].step in steps:
                return i
        return -1

    def last(self, step: Step, since: int = -1) -> StepRecord | None:
        i = self.index_of_last(step)
        return self.records[i] if i > since else None

    def all(self, step: Step, since: int = -1) -> list[StepRecord]:
        return [r for i, r in enumerate(self.records) if r.step == step and i > since]

    def has(self, step: Step, since: int = -1) -> bool:
        return self.last(step, since) is not None

    @property
    def application(self) -> StepRecord:
        return self.records[0]


def _advance(stage: Stage, rec: StepRecord, before: Sequence[StepRecord]) -> Stage:
    step = rec.step
    if step == Step.application:
        return Stage.applicant
    moves = {
        Step.activist_decided: Stage.activist,
        Step.target_decided: Stage.target,
        Step.admission_approved: Stage.probationary,
        Step.withdraw: Stage.withdrawn,
        Step.remove_from_pool: Stage.removed_from_pool,
        Step.not_admitted: Stage.not_admitted,
        Step.cancel_probation: Stage.cancelled,
    }
    if step in moves:
        return moves[Step(step)]
    if step == Step.conversion_approved:
        vote = next((r for r in reversed(before) if r.step == Step.conversion_vote), None)
        outcome = vote.outcome if vote else None
        if outcome == ConversionOutcome.convert:
            return Stage.full
        if outcome == ConversionOutcome.cancel:
            return Stage.cancelled
    return stage


def stage_of(history: Sequence[StepRecord]) -> Stage:
    """The candidate's stage after the recorded steps (a failed vote moves nothing)."""
    if not history:
        raise ValueError("an empty history has no stage: the first step is the application")
    return _File(history).stage


def _vote(rec: StepRecord, settings: PipelineSettings) -> tuple[bool, bool] | Violation:
    """(valid, passed) of the meeting a vote step refers to, or why it cannot be read."""
    data = rec.data
    if "should_attend" in data:
        tally = VoteTally(
            should_attend=int(data["should_attend"]),
            present=int(data.get("present", 0)),
            written_opinions=int(data.get("written_opinions", 0)),
            yes=int(data.get("yes", 0)),
            no=int(data.get("no", 0)),
            abstain=int(data.get("abstain", 0)),
        )
        out = general_meeting_outcome(tally, settings=settings.vote)
        if out.reason and out.reason.code == "R-VOTE-00":
            return out.reason
        return out.valid, out.passed
    if "valid" in data and "passed" in data:
        return bool(data["valid"]), bool(data["valid"]) and bool(data["passed"])
    return Violation(
        "R-VOTE-00",
        "缺少支部大会表决结果：请填写应到、实到、书面意见和赞成、反对、弃权票数（R-VOTE-00）",
        "The branch general meeting's result is missing: enter who should attend, who was "
        "present, written opinions and the yes / no / abstain counts (R-VOTE-00)",
        "data.should_attend",
    )


def _passed(rec: StepRecord, settings: PipelineSettings) -> bool:
    result = _vote(rec, settings)
    return isinstance(result, tuple) and result[1]


def _pending_admission_vote(f: _File, settings: PipelineSettings) -> StepRecord | None:
    """The latest passing admission vote (approval moves the file on, so it is pending)."""
    for rec in reversed(f.records):
        if rec.step == Step.admission_vote and _passed(rec, settings):
            return rec
    return None


def _admission_vote_of_record(f: _File, settings: PipelineSettings) -> StepRecord | None:
    """The passing admission vote that the committee approved."""
    approved = f.index_of_last(Step.admission_approved)
    for i in range(approved - 1, -1, -1):
        rec = f.records[i]
        if rec.step == Step.admission_vote and _passed(rec, settings):
            return rec
    return None


def _pending_conversion_vote(f: _File) -> StepRecord | None:
    vote_i = f.index_of_last(Step.conversion_vote)
    if vote_i < 0 or f.index_of_last(Step.conversion_approved) > vote_i:
        return None
    return f.records[vote_i]


def _conversion_anchor(f: _File) -> int:
    """Records after this index belong to the current conversion round."""
    return max(f.index_of_last(Step.conversion_vote), f.index_of_last(Step.admission_approved))


def _approved_extensions(f: _File) -> list[StepRecord]:
    out, vote = [], None
    for rec in f.records:
        if rec.step == Step.conversion_vote:
            vote = rec
        elif rec.step == Step.conversion_approved and vote is not None:
            if vote.outcome == ConversionOutcome.extend:
                out.append(vote)
            vote = None
    return out


def _probation_end(f: _File, settings: PipelineSettings) -> date | None:
    if f.stage not in (Stage.probationary, Stage.full, Stage.cancelled):
        return None
    vote = _admission_vote_of_record(f, settings)
    if vote is None:
        return None
    months = settings.probation_months + sum(
        int(v.data.get("extension_months", 0)) for v in _approved_extensions(f)
    )
    return add_months(vote.on, months)


def probation_end(
    history: Sequence[StepRecord], settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS
) -> date | None:
    """Probation's last day: the admission vote's date + probation_months + approved extensions.

    None while the candidate is not (or was never) a probationary member in this round.
    """
    if not history:
        return None
    return _probation_end(_File(history), settings)


def membership_dates(
    history: Sequence[StepRecord], settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS
) -> tuple[date, date | None]:
    """(join date, conversion date): the admitting branch meeting's date, and the day
    probation ended once conversion is approved (R-DEV-24; party standing counts from it).
    """
    f = _File(history) if history else None
    vote = _admission_vote_of_record(f, settings) if f else None
    if f is None or vote is None:
        raise ValueError("no approved admission in this file: there is no join date")
    conversion = _probation_end(f, settings) if f.stage == Stage.full else None
    return vote.on, conversion


# --- violations -----------------------------------------------------------------------


def _violation(
    code: str, zh: str, en: str, field_name: str | None, earliest: date | None = None
) -> Violation:
    source_zh, source_en = RULE_SOURCES.get(code, ("", ""))
    cite_zh = f"（{code}，{source_zh}）" if source_zh else f"（{code}）"
    cite_en = f" ({code}, {source_en})" if source_en else f" ({code})"
    tail_zh = f"；最早可于 {earliest.isoformat()}" if earliest else ""
    tail_en = f"; earliest {earliest.isoformat()}" if earliest else ""
    return Violation(code, f"{zh}{cite_zh}{tail_zh}", f"{en}{cite_en}{tail_en}", field_name)


def _order(zh: str, en: str, field_name: str | None = "step") -> Violation:
    return _violation("R-DEV-00", zh, en, field_name)


def _missing(step: Step, before: Step) -> Violation:
    need_zh, need_en = _label(step)
    this_zh, this_en = _label(before)
    return _order(
        f"须先完成「{need_zh}」，才能进行「{this_zh}」",
        f"“{need_en}” must be recorded before “{this_en}”",
    )


def _duplicate(rec: StepRecord) -> Violation:
    zh, en = _label(rec.step)
    return _order(
        f"「{zh}」已于 {rec.on.isoformat()} 记录，不能重复记录",
        f"“{en}” was already recorded on {rec.on.isoformat()}",
    )


def _special_reason(data: dict[str, Any]) -> bool:
    return bool(str(data.get("special_reason") or "").strip())


def _people_problem(
    people: Any, *, low: int, high: int, code: str, field_name: str, what_zh: str, what_en: str
) -> Violation | None:
    """Contacts and introducers: a list of {"key", "standing"}, all full members in good standing."""
    if not isinstance(people, list | tuple):
        people = []
    keys = [p.get("key") for p in people if isinstance(p, dict)]
    distinct = {k for k in keys if k is not None}
    count_ok = low <= len(people) <= high and len(distinct) == len(people)
    if not count_ok:
        need_zh = f"{low} 名" if low == high else f"{low} 至 {high} 名"
        need_en = f"{low}" if low == high else f"{low} to {high}"
        return _violation(
            code,
            f"{what_zh}须为 {need_zh}不同的正式党员，现为 {len(people)} 名"
            + ("（有重复）" if len(distinct) != len(people) else ""),
            f"{what_en}: {need_en} different full members needed, {len(people)} given"
            + (" (some repeated)" if len(distinct) != len(people) else ""),
            field_name,
        )
    for p in people:
        why = _standing_problem(p, what_zh, what_en)
        if why:
            return _violation(code, why[0], why[1], field_name)
    return None


def _standing_problem(p: dict[str, Any], what_zh: str, what_en: str) -> tuple[str, str] | None:
    """Why this person cannot act as a contact or introducer (zh, en), or None.

    `status_zh` / `status_en`, when the service gives them, name the roster status."""
    standing = p.get("standing")
    who = p.get("name") or p.get("key")  # the service gives the roster name
    status_zh = f"（{p['status_zh']}）" if p.get("status_zh") else ""
    status_en = f" ({p['status_en']})" if p.get("status_en") else ""
    role_en = f"one of the {what_en.lower()}"
    if standing == Standing.off_roster:
        return (
            f"{who} 已不在党员名册中{status_zh}，不能作{what_zh}",
            f"{who} is no longer on the roster{status_en} and cannot act as {role_en}",
        )
    if standing == Standing.party_probation:
        return (
            f"{who} 受留党察看处分、尚未恢复党员权利，不能作{what_zh}",
            f"{who} is under probation within the party (留党察看) and cannot act as {role_en}",
        )
    if standing != Standing.full:
        return (
            f"{who} 不是正式党员{status_zh}，不能作{what_zh}",
            f"{who} is not a full member{status_en} and cannot act as {role_en}",
        )
    return None


def _introducers_problem(
    f: _File, settings: PipelineSettings, code: str = "R-DEV-09"
) -> Violation | None:
    rec = f.last(Step.introducers_assigned)
    if rec is None:
        return _violation(
            code,
            f"尚未确定 {settings.introducers_required} 名入党介绍人",
            f"{settings.introducers_required} introducers have not been assigned",
            "data.introducers",
        )
    n = settings.introducers_required
    return _people_problem(
        rec.data.get("introducers"),
        low=n,
        high=n,
        code=code,
        field_name="data.introducers",
        what_zh="入党介绍人",
        what_en="Introducers",
    )


def assigned_introducers(history: Sequence[StepRecord]) -> list[dict[str, Any]]:
    """The introducers in force: the latest assignment of the current round (a later
    assignment replaces an earlier one), as recorded: [{"key", "name", "standing", ...}]."""
    if not history:
        return []
    rec = _File(history).last(Step.introducers_assigned)
    people = rec.data.get("introducers") if rec else None
    return [p for p in people if isinstance(p, dict)] if isinstance(people, list | tuple) else []


def introducers_at_vote_problem(new: StepRecord) -> Violation | None:
    """R-DEV-09 again on the day of the branch general meeting: the service gives the
    assigned introducers' standing on that day in data["introducers_at_vote"] (absent: not
    known, e.g. a replayed ledger of another tool, and not checked)."""
    people = new.data.get("introducers_at_vote")
    if not isinstance(people, list | tuple):
        return None
    day = new.on.isoformat()
    for p in people:
        why = _standing_problem(p, "入党介绍人", "Introducers") if isinstance(p, dict) else None
        if why:
            return _violation(
                "R-DEV-09",
                f"支部党员大会讨论之日（{day}），入党介绍人 {why[0]}；须先重新确定入党介绍人",
                f"On the day of the branch general meeting ({day}), introducer {why[1]}; "
                "assign another introducer first",
                "data.introducers",
            )
    return None


def _political_review_problem(f: _File) -> Violation | None:
    rec = f.last(Step.political_review)
    if rec is None:
        return _violation(
            "R-DEV-10",
            "未经政治审查，不能发展入党",
            "No political review has been recorded; the target cannot be admitted",
            "step",
        )
    if rec.outcome != REVIEW_PASS:
        return _violation(
            "R-DEV-10",
            f"政治审查（{rec.on.isoformat()}）结论为不合格，不能发展入党",
            f"The political review of {rec.on.isoformat()} did not pass; the target cannot be "
            "admitted",
            "outcome",
        )
    return None


def _training_problem(f: _File, settings: PipelineSettings) -> Violation | None:
    sessions = f.all(Step.training)
    days = sum((_number(r.data.get("days")) for r in sessions), Fraction(0))
    hours = sum((_number(r.data.get("hours")) for r in sessions), Fraction(0))
    if days >= settings.training_min_days or hours >= settings.training_min_hours:
        return None
    return _violation(
        "R-DEV-11",
        f"集中培训不足：须不少于 {settings.training_min_days} 天或 {settings.training_min_hours} "
        f"学时，已记录 {days} 天、{hours} 学时",
        f"Not enough concentrated training: at least {settings.training_min_days} days or "
        f"{settings.training_min_hours} class hours, {days} days and {hours} hours recorded",
        "data.days",
    )


# Which notice guards which step: stage it is recorded in → (guarded step, code, setting).
_NOTICE_GUARDS: dict[Stage, tuple[Step, str, str | None]] = {
    Stage.applicant: (Step.activist_decided, "R-DEV-03", "notice_before_activist"),
    Stage.activist: (Step.target_decided, "R-DEV-07", "notice_before_target"),
    Stage.target: (Step.admission_vote, "R-DEV-13", None),
    Stage.probationary: (Step.conversion_vote, "R-DEV-23", "notice_before_conversion"),
}


def _notice_required(stage: Stage, settings: PipelineSettings) -> bool:
    _, _, setting = _NOTICE_GUARDS[stage]
    return True if setting is None else bool(getattr(settings, setting))


def _notice_since(f: _File) -> int:
    # A conversion notice must be new for each conversion round (after an extension).
    return _conversion_anchor(f) if f.stage == Stage.probationary else -1


def _current_notice(f: _File) -> StepRecord | None:
    since = _notice_since(f)
    for i in range(len(f.records) - 1, since, -1):
        if f.records[i].step == Step.notice and f.stage_at[i] == f.stage:
            return f.records[i]
    return None


def _notice_end(rec: StepRecord, settings: PipelineSettings) -> date:
    return _as_date(rec.data.get("ends_on")) or notice_ends_on(rec.on, settings.notice_working_days)


def _notice_length_problem(
    rec: StepRecord, code: str, settings: PipelineSettings
) -> Violation | None:
    end = _notice_end(rec, settings)
    shortest = notice_ends_on(rec.on, settings.notice_working_days)
    if end < shortest:
        return _violation(
            code,
            f"公示期不足：自 {rec.on.isoformat()} 起须满 {settings.notice_working_days} 个工作日，"
            f"至少到 {shortest.isoformat()}，现为到 {end.isoformat()}",
            f"Notice too short: from {rec.on.isoformat()} it must run "
            f"{settings.notice_working_days} working days, at least to {shortest.isoformat()}, "
            f"not {end.isoformat()}",
            "data.ends_on",
        )
    return None


def _notice_problem(f: _File, on: date, settings: PipelineSettings) -> Violation | None:
    """The notice guarding the current stage's next decision: finished, no open objection."""
    guarded, code, _ = _NOTICE_GUARDS[f.stage]
    g_zh, g_en = _label(guarded)
    rec = _current_notice(f)
    if rec is None:
        return _violation(
            code,
            f"「{g_zh}」前须先公示",
            f"A public notice must precede “{g_en}”",
            "step",
        )
    too_short = _notice_length_problem(rec, code, settings)
    if too_short:
        return too_short
    end = _notice_end(rec, settings)
    if on <= end:
        return _violation(
            code,
            f"公示期至 {end.isoformat()} 结束，结束前不能进行「{g_zh}」",
            f"The public notice runs until {end.isoformat()}; “{g_en}” must wait for its end",
            "on",
            earliest=end + timedelta(days=1),
        )
    objections = int(rec.data.get("open_objections") or 0)
    if objections > 0:
        return _violation(
            code,
            f"公示中有 {objections} 项群众反映尚未查清处理，不能进行「{g_zh}」",
            f"{objections} objection(s) raised during the public notice are unresolved; "
            f"“{g_en}” cannot proceed",
            "data.open_objections",
        )
    return None


def _leaving_problem(new: StepRecord, settings: PipelineSettings) -> Violation | None:
    leaving = _as_date(new.data.get("leaving_unit_on"))
    if leaving is None or _special_reason(new.data):
        return None
    limit = add_months(new.on, settings.leaving_unit_within_months)
    if leaving <= limit:
        return _violation(
            "R-DEV-15",
            f"发展对象将于 {leaving.isoformat()} 离开工作、学习单位（{settings.leaving_unit_within_months} "
            "个月内），一般不办理接收预备党员手续；确需办理须记录特殊理由",
            f"The target leaves their unit on {leaving.isoformat()}, within "
            f"{settings.leaving_unit_within_months} months; admission is normally not handled "
            "there unless a special reason is recorded",
            "data.leaving_unit_on",
        )
    return None


def _approval_timing_problem(
    vote: StepRecord, new: StepRecord, code: str, settings: PipelineSettings
) -> Violation | None:
    normal = add_months(vote.on, settings.approval_within_months)
    latest = add_months(vote.on, settings.approval_max_months)
    if new.on > latest:
        return _violation(
            code,
            f"支部大会决议（{vote.on.isoformat()}）须在 {settings.approval_max_months} 个月内审批，"
            f"最晚 {latest.isoformat()}，已超过期限，不能再审批；须重新召开支部大会",
            f"The branch resolution of {vote.on.isoformat()} had to be approved within "
            f"{settings.approval_max_months} months, by {latest.isoformat()}; it has lapsed and "
            "the branch must vote again",
            "on",
        )
    if new.on > normal and not _special_reason(new.data):
        return _violation(
            code,
            f"审批应在支部大会决议（{vote.on.isoformat()}）后 {settings.approval_within_months} 个月内"
            f"（{normal.isoformat()} 前）；超过须记录特殊情况的理由",
            f"Approval is due within {settings.approval_within_months} months of the branch "
            f"resolution of {vote.on.isoformat()} (by {normal.isoformat()}); later needs a "
            "recorded special reason",
            "data.special_reason",
        )
    return None


def _lapsed(vote: StepRecord, on: date, settings: PipelineSettings) -> bool:
    return on > add_months(vote.on, settings.approval_max_months)


def _vote_problem(new: StepRecord, settings: PipelineSettings) -> Violation | None:
    result = _vote(new, settings)
    if isinstance(result, Violation):
        return result
    valid, passed = result
    if not valid:
        return Violation(
            "R-VOTE-01",
            "支部大会有表决权的到会人数未超过应到会有表决权人数的半数，会议无效，不产生决议"
            "（R-VOTE-01，《发展党员工作细则》第二十条）；如不予接收，请记录「不予接收」",
            "Fewer than half of the voting members were present: the meeting was not valid and "
            "made no resolution (R-VOTE-01, Rules on Recruiting Party Members art. 20); to end "
            "the file record “Not admitted”",
            "data.present",
        )
    if not passed:
        return Violation(
            "R-VOTE-02",
            "赞成票未超过应到会有表决权正式党员的半数，决议未通过（R-VOTE-02，《发展党员工作细则》"
            "第二十二条）；如不予接收，请记录「不予接收」",
            "The yes votes did not exceed half of the voting full members who should attend: "
            "not passed (R-VOTE-02, Rules on Recruiting Party Members art. 22); to end the file "
            "record “Not admitted”",
            "data.yes",
        )
    return None


# --- step checks ----------------------------------------------------------------------

_Check = Callable[[_File, StepRecord, PipelineSettings], Violation | None]


def _once(step: Step) -> _Check:
    def check(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
        done = f.last(step)
        return _duplicate(done) if done else None

    return check


def _check_talk(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    return _once(Step.talk)(f, new, settings)


def _check_activist_decided(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    if not f.has(Step.talk):
        return _missing(Step.talk, Step.activist_decided)
    rec = new.data.get("recommendation")
    if rec not in set(Recommendation):
        choices_zh = "、".join(zh for zh, _ in RECOMMENDATION_LABELS.values())
        choices_en = ", ".join(en for _, en in RECOMMENDATION_LABELS.values())
        return _violation(
            "R-DEV-03",
            f"确定入党积极分子须注明推荐方式（{choices_zh}）",
            f"An activist must be decided on a recommendation ({choices_en})",
            "data.recommendation",
        )
    if _notice_required(Stage.applicant, settings):
        return _notice_problem(f, new.on, settings)
    return None


def _check_contacts(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    return _people_problem(
        new.data.get("contacts"),
        low=settings.contacts_min,
        high=settings.contacts_max,
        code="R-DEV-05",
        field_name="data.contacts",
        what_zh="培养联系人",
        what_en="Contacts",
    )


def _check_target_decided(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    for step in (Step.activist_filed, Step.contacts_assigned):
        if not f.has(step):
            return _missing(step, Step.target_decided)
    activist = f.last(Step.activist_decided)
    assert activist is not None  # the stage is activist
    earliest = add_months(activist.on, settings.activist_min_months)
    if new.on < earliest:
        return _violation(
            "R-DEV-07",
            f"成为入党积极分子满{_span_zh(settings.activist_min_months)}后才能确定为发展对象",
            "A candidate can become a development target only after at least "
            f"{_span_en(settings.activist_min_months)} as an activist",
            "on",
            earliest=earliest,
        )
    if _notice_required(Stage.activist, settings):
        return _notice_problem(f, new.on, settings)
    return None


def _check_introducers(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    vote = _pending_admission_vote(f, settings)
    if vote is not None and not _lapsed(vote, new.on, settings):
        return _order(
            f"支部大会已于 {vote.on.isoformat()} 通过接收决议，不能再更换入党介绍人",
            f"The branch resolved to admit on {vote.on.isoformat()}; the introducers can no "
            "longer be replaced",
        )
    n = settings.introducers_required
    return _people_problem(
        new.data.get("introducers"),
        low=n,
        high=n,
        code="R-DEV-09",
        field_name="data.introducers",
        what_zh="入党介绍人",
        what_en="Introducers",
    )


def _check_political_review(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    if new.outcome not in (REVIEW_PASS, REVIEW_FAIL):
        return _violation(
            "R-DEV-10",
            "政治审查须有书面结论：合格（pass）或不合格（fail）",
            "A political review needs a written conclusion: pass or fail",
            "outcome",
        )
    return None


def _check_training(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    days, hours = _number(new.data.get("days")), _number(new.data.get("hours"))
    if days < 0 or hours < 0 or days + hours == 0:
        return _violation(
            "R-DEV-11",
            "集中培训须记录天数或学时",
            "Training needs its days or class hours",
            "data.days",
        )
    return None


def _admission_gates(f: _File, settings: PipelineSettings) -> Violation | None:
    return (
        _introducers_problem(f, settings)
        or _political_review_problem(f)
        or _training_problem(f, settings)
    )


def _check_branch_examination(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    return (
        _once(Step.branch_examination)(f, new, settings)
        or (None if f.has(Step.target_filed) else _missing(Step.target_filed, new.step))
        or _admission_gates(f, settings)
    )


def _check_pre_examination(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    return (
        _once(Step.pre_examination)(f, new, settings)
        or (None if f.has(Step.branch_examination) else _missing(Step.branch_examination, new.step))
        or _leaving_problem(new, settings)
    )


def _check_notice(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    _, code, _ = _NOTICE_GUARDS[f.stage]
    end = _as_date(new.data.get("ends_on"))
    if end is not None and end < new.on:
        return _order(
            "公示结束日期不能早于开始日期",
            "A notice cannot end before it starts",
            "data.ends_on",
        )
    if int(new.data.get("open_objections") or 0) < 0:
        return _order(
            "群众反映数不能为负数", "Objections cannot be negative", "data.open_objections"
        )
    return _notice_length_problem(new, code, settings)


def _check_form_filled(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    return (
        _once(Step.form_filled)(f, new, settings)
        or (None if f.has(Step.pre_examination) else _missing(Step.pre_examination, new.step))
        or _notice_problem(f, new.on, settings)
    )


def _check_admission_vote(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    pending = _pending_admission_vote(f, settings)
    if pending and not _lapsed(pending, new.on, settings):
        return _order(
            f"支部大会已于 {pending.on.isoformat()} 通过接收决议，正等待上级党委审批",
            f"The branch resolved to admit on {pending.on.isoformat()}; it awaits approval",
        )
    if not f.has(Step.form_filled):
        return _missing(Step.form_filled, new.step)
    return (
        _admission_gates(f, settings)
        or introducers_at_vote_problem(new)
        or _notice_problem(f, new.on, settings)
        or _leaving_problem(new, settings)
        or _vote_problem(new, settings)
    )


def _check_approval_talk(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    vote = _pending_admission_vote(f, settings)
    if vote is None:
        return _missing(Step.admission_vote, new.step)
    done = f.last(Step.approval_talk, since=f.records.index(vote))
    return _duplicate(done) if done else None


def _check_admission_approved(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    vote = _pending_admission_vote(f, settings)
    if vote is None:
        return _missing(Step.admission_vote, new.step)
    if not f.has(Step.approval_talk, since=f.records.index(vote)):
        return _violation(
            "R-DEV-16",
            "上级党委审批前须派人同发展对象谈话",
            "The committee must send someone to talk with the target before approval",
            "step",
        )
    return _approval_timing_problem(vote, new, "R-DEV-17", settings) or _notice_problem(
        f, new.on, settings
    )


def _check_conversion_applied(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    done = f.last(Step.conversion_applied, since=_conversion_anchor(f))
    return _duplicate(done) if done else None


def _check_conversion_vote(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    pending = _pending_conversion_vote(f)
    if pending and not _lapsed(pending, new.on, settings):
        return _order(
            f"支部大会已于 {pending.on.isoformat()} 讨论转正，正等待上级党委审批",
            f"The branch voted on conversion on {pending.on.isoformat()}; it awaits approval",
        )
    for step in (Step.admission_filed, Step.placed, Step.oath):
        if not f.has(step):
            return _missing(step, new.step)
    if not f.has(Step.conversion_applied, since=_conversion_anchor(f)):
        return _missing(Step.conversion_applied, new.step)
    end = _probation_end(f, settings)
    assert end is not None  # the stage is probationary
    if new.on < end:
        return _violation(
            "R-DEV-22",
            f"预备期至 {end.isoformat()} 期满（自支部大会通过之日起计算），期满前不能讨论转正",
            f"Probation runs until {end.isoformat()} (counted from the admitting branch "
            "meeting); conversion cannot be discussed before it ends",
            "on",
            earliest=end,
        )
    if new.outcome not in set(ConversionOutcome):
        return _violation(
            "R-DEV-23",
            "转正讨论结果须为：按期转正（convert）、延长预备期（extend）或取消预备党员资格（cancel）",
            "The conversion outcome must be convert, extend or cancel",
            "outcome",
        )
    if new.outcome == ConversionOutcome.extend:
        if _approved_extensions(f):
            return _violation(
                "R-DEV-23",
                "预备期只能延长一次",
                "Probation can be extended only once",
                "outcome",
            )
        months = new.data.get("extension_months")
        lo, hi = settings.extension_min_months, settings.extension_max_months
        if not isinstance(months, int) or not lo <= months <= hi:
            return _violation(
                "R-DEV-23",
                f"延长预备期须不少于 {lo} 个月、不超过 {hi} 个月",
                f"An extension must be between {lo} and {hi} months",
                "data.extension_months",
            )
    if _notice_required(Stage.probationary, settings):
        notice = _notice_problem(f, new.on, settings)
        if notice:
            return notice
    return _vote_problem(new, settings)


def _check_conversion_approved(
    f: _File, new: StepRecord, settings: PipelineSettings
) -> Violation | None:
    vote = _pending_conversion_vote(f)
    if vote is None:
        return _missing(Step.conversion_vote, new.step)
    if new.outcome is not None and new.outcome != vote.outcome:
        return _violation(
            "R-DEV-24",
            f"审批须针对支部大会的决议（{vote.outcome}）；如结论不同，请由支部大会重新讨论",
            f"The approval confirms the branch resolution ({vote.outcome}); a different "
            "conclusion needs a new branch meeting",
            "outcome",
        )
    return _approval_timing_problem(vote, new, "R-DEV-24", settings)


def _check_archived(f: _File, new: StepRecord, settings: PipelineSettings) -> Violation | None:
    done = f.last(Step.archived)
    if done:
        return _duplicate(done)
    given = set(new.data.get("documents") or ())
    missing = [k for k in ARCHIVE_DOCUMENTS if k not in given]
    if missing:
        return _violation(
            "R-DEV-25",
            "归档材料不全，缺少：" + "、".join(ARCHIVE_DOCUMENTS[k][0] for k in missing),
            "The archive is incomplete; missing: "
            + ", ".join(ARCHIVE_DOCUMENTS[k][1] for k in missing),
            "data.documents",
        )
    return None


_CHECKS: dict[Step, _Check] = {
    Step.talk: _check_talk,
    Step.activist_decided: _check_activist_decided,
    Step.activist_filed: _once(Step.activist_filed),
    Step.contacts_assigned: _check_contacts,
    Step.target_decided: _check_target_decided,
    Step.target_filed: _once(Step.target_filed),
    Step.introducers_assigned: _check_introducers,
    Step.political_review: _check_political_review,
    Step.training: _check_training,
    Step.branch_examination: _check_branch_examination,
    Step.pre_examination: _check_pre_examination,
    Step.notice: _check_notice,
    Step.form_filled: _check_form_filled,
    Step.admission_vote: _check_admission_vote,
    Step.approval_talk: _check_approval_talk,
    Step.admission_approved: _check_admission_approved,
    Step.admission_filed: _once(Step.admission_filed),
    Step.placed: _once(Step.placed),
    Step.oath: _once(Step.oath),
    Step.conversion_applied: _check_conversion_applied,
    Step.conversion_vote: _check_conversion_vote,
    Step.conversion_approved: _check_conversion_approved,
    Step.archived: _check_archived,
}


def _wrong_stage(f: _File, step: Step, settings: PipelineSettings, on: date) -> Violation:
    stage_zh, stage_en = _stage_label(f.stage)
    step_zh, step_en = _label(step)
    if f.stage not in ACTIVE_STAGES and f.stage != Stage.full:
        return _order(
            f"档案已结束（{stage_zh}），不能记录「{step_zh}」；如需继续须重新递交入党申请",
            f"The file is closed ({stage_en}); “{step_en}” cannot be recorded; a new "
            "application starts a new round",
        )
    expected = [n.step for n in _next(f, settings, on)]
    if expected:
        exp_zh = "、".join(f"「{_label(s)[0]}」" for s in expected)
        exp_en = ", ".join(f"“{_label(s)[1]}”" for s in expected)
    else:
        exp_zh, exp_en = "无", "nothing"
    return _order(
        f"当前阶段为「{stage_zh}」，不能记录「{step_zh}」；下一步应为：{exp_zh}",
        f"The candidate is at stage “{stage_en}”; “{step_en}” cannot be recorded now; "
        f"expected next: {exp_en}",
    )


def check_step(
    history: Sequence[StepRecord],
    new: StepRecord,
    *,
    birth_date: date,
    settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
    today: date,
) -> Violation | None:
    """May `new` be recorded after `history`? None if so, else the rule it breaks."""
    try:
        step = Step(new.step)
    except ValueError:
        return _order(f"未知步骤：{new.step}", f"Unknown step: {new.step}")
    if new.on > today:
        return _order(
            f"日期 {new.on.isoformat()} 晚于今天 {today.isoformat()}",
            f"The date {new.on.isoformat()} is after today, {today.isoformat()}",
            "on",
        )
    if history and new.on < history[-1].on:
        return _order(
            f"日期 {new.on.isoformat()} 早于上一步骤的日期 {history[-1].on.isoformat()}",
            f"The date {new.on.isoformat()} is before the previous step's, "
            f"{history[-1].on.isoformat()}",
            "on",
        )
    f = _File(history) if history else None
    if step == Step.application:
        if f is not None and f.stage not in EXIT_STAGES:
            stage_zh, stage_en = _stage_label(f.stage)
            return _order(
                f"已有进行中的入党档案（{stage_zh}），不能再次递交申请",
                f"An open file exists ({stage_en}); a new application cannot be recorded",
            )
        age = age_on(birth_date, new.on)
        if age < settings.min_age:
            return _violation(
                "R-DEV-01",
                f"递交入党申请时须年满 {settings.min_age} 岁，当日为 {age} 岁",
                f"An applicant must be at least {settings.min_age} on the day of the "
                f"application; {age} on that day",
                "on",
                earliest=add_months(birth_date, 12 * settings.min_age),
            )
        return None
    if f is None:
        zh, en = _label(Step.application)
        return _order(f"第一步须为「{zh}」", f"The first step must be “{en}”")
    if f.stage not in STEP_STAGES[step]:
        return _wrong_stage(f, step, settings, new.on)
    check = _CHECKS.get(step)
    return check(f, new, settings) if check else None


# --- what is due ----------------------------------------------------------------------


def _ns(step: Step, earliest: date | None, due: date | None, today: date) -> NextStep:
    zh, en = _label(step)
    return NextStep(
        step=step,
        earliest=earliest,
        due=due,
        overdue=due is not None and today > due,
        label_zh=zh,
        label_en=en,
        rule=STEP_RULES[step],
    )


def _later(*dates: date | None) -> date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def _notice_next(
    f: _File, settings: PipelineSettings, today: date
) -> tuple[list[NextStep], date | None]:
    """The notice step if one is still needed, and the day the guarded step may follow it."""
    if not _notice_required(f.stage, settings):
        return [], None
    rec = _current_notice(f)
    if rec is None or _notice_length_problem(rec, "R-DEV-13", settings):
        return [_ns(Step.notice, None, None, today)], None
    if int(rec.data.get("open_objections") or 0) > 0:
        return [_ns(Step.notice, None, None, today)], None
    return [], _notice_end(rec, settings) + timedelta(days=1)


def _applicant_next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    out: list[NextStep] = []
    app = f.application
    talk = f.last(Step.talk)
    if talk is None:
        out.append(_ns(Step.talk, app.on, add_months(app.on, settings.talk_within_months), today))
    notice, after_notice = _notice_next(f, settings, today)
    out += notice
    if talk is not None:
        out.append(_ns(Step.activist_decided, _later(talk.on, after_notice), None, today))
    return out


def _activist_next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    activist = f.last(Step.activist_decided)
    assert activist is not None
    out = [
        _ns(step, activist.on, None, today)
        for step in (Step.activist_filed, Step.contacts_assigned)
        if not f.has(step)
    ]
    review = f.last(Step.activist_review)
    base = review.on if review else activist.on
    out.append(
        _ns(Step.activist_review, None, add_months(base, settings.activist_review_months), today)
    )
    notice, after_notice = _notice_next(f, settings, today)
    out += notice
    if f.has(Step.activist_filed) and f.has(Step.contacts_assigned):
        eligible = add_months(activist.on, settings.activist_min_months)
        out.append(
            _ns(Step.target_decided, _later(eligible, after_notice, f.records[-1].on), None, today)
        )
    return out


def _target_next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    vote = _pending_admission_vote(f, settings)
    if vote is not None and not _lapsed(vote, today, settings):
        return [_approval_next(f, vote, settings, today)]
    # The target's file must be complete before the branch examines it.
    missing = _target_file_next(f, settings, today)
    if missing:
        return missing
    last_on = f.records[-1].on
    if not f.has(Step.branch_examination):
        return [_ns(Step.branch_examination, last_on, None, today)]
    out: list[NextStep] = []
    if not f.has(Step.pre_examination):
        out.append(_ns(Step.pre_examination, last_on, None, today))
    notice, after_notice = _notice_next(f, settings, today)
    out += notice
    if f.has(Step.pre_examination):
        form = f.last(Step.form_filled)
        if form is None:
            out.append(_ns(Step.form_filled, _later(last_on, after_notice), None, today))
        else:
            out.append(_ns(Step.admission_vote, _later(form.on, after_notice), None, today))
    return out


def _approval_next(f: _File, vote: StepRecord, settings: PipelineSettings, today: date) -> NextStep:
    """After the admission vote: the approval talk, then the approval, both due by the same day."""
    due = add_months(vote.on, settings.approval_within_months)
    talk = f.last(Step.approval_talk, since=f.records.index(vote))
    if talk is None:
        return _ns(Step.approval_talk, vote.on, due, today)
    return _ns(Step.admission_approved, talk.on, due, today)


def _target_file_next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    """What the development target's file still lacks."""
    target = f.last(Step.target_decided)
    assert target is not None
    lacking = (
        (Step.target_filed, not f.has(Step.target_filed)),
        (Step.introducers_assigned, _introducers_problem(f, settings)),
        (Step.political_review, _political_review_problem(f)),
        (Step.training, _training_problem(f, settings)),
    )
    return [_ns(step, target.on, None, today) for step, lacks in lacking if lacks]


_AFTER_ADMISSION = (Step.admission_filed, Step.placed, Step.oath)


def _probationary_next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    pending = _pending_conversion_vote(f)
    if pending is not None and not _lapsed(pending, today, settings):
        due = add_months(pending.on, settings.approval_within_months)
        return [_ns(Step.conversion_approved, pending.on, due, today)]
    approved = f.last(Step.admission_approved)
    assert approved is not None
    out = [_ns(step, approved.on, None, today) for step in _AFTER_ADMISSION if not f.has(step)]
    end = _probation_end(f, settings)
    applied = f.last(Step.conversion_applied, since=_conversion_anchor(f))
    if applied is None:
        out.append(_ns(Step.conversion_applied, None, end, today))
    notice, after_notice = _notice_next(f, settings, today)
    out += notice
    if applied is not None and not any(n.step in _AFTER_ADMISSION for n in out):
        out.append(_ns(Step.conversion_vote, _later(end, after_notice, applied.on), end, today))
    return out


def _full_next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    if f.has(Step.archived):
        return []
    return [_ns(Step.archived, f.records[-1].on, None, today)]


_NEXT_BY_STAGE: dict[Stage, Callable[[_File, PipelineSettings, date], list[NextStep]]] = {
    Stage.applicant: _applicant_next,
    Stage.activist: _activist_next,
    Stage.target: _target_next,
    Stage.probationary: _probationary_next,
    Stage.full: _full_next,
}


def _next(f: _File, settings: PipelineSettings, today: date) -> list[NextStep]:
    # An ended file (withdrawn, not admitted, …) has nothing next.
    step_rule = _NEXT_BY_STAGE.get(f.stage)
    return step_rule(f, settings, today) if step_rule else []


def next_steps(
    history: Sequence[StepRecord],
    *,
    birth_date: date,
    settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
    today: date,
) -> list[NextStep]:
    """What can be recorded next, from when (earliest) and by when (due).

    Only the steps whose preceding step is done are listed; exits (withdraw, …) are
    always possible at their stages (STEP_STAGES) and are not listed.
    """
    if not history:
        return [_ns(Step.application, add_months(birth_date, 12 * settings.min_age), None, today)]
    return _next(_File(history), settings, today)


def _alert(code: str, zh: str, en: str, due_on: date | None, **extra: Any) -> Alert:
    return Alert(code, zh, en, due_on, dict(extra))


_AlertRule = Callable[[_File, PipelineSettings, date], list[Alert]]


def alerts(
    history: Sequence[StepRecord],
    *,
    settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
    today: date,
) -> list[Alert]:
    """What a person must look at for this candidate today. Alerts never block."""
    if not history:
        return []
    f = _File(history)
    if f.stage not in ACTIVE_STAGES:
        return []
    out: list[Alert] = []
    for rule in _ALERTS_BY_STAGE[f.stage]:
        out += rule(f, settings, today)
    return out + _stalled_alert(f, settings, today)


def _talk_alert(f: _File, settings: PipelineSettings, today: date) -> list[Alert]:
    if f.has(Step.talk):
        return []
    due = add_months(f.application.on, settings.talk_within_months)
    if today <= due:
        return []
    return [
        _alert(
            "R-DEV-02",
            f"收到入党申请（{f.application.on.isoformat()}）后一个月内应派人谈话，"
            f"{due.isoformat()} 已到期",
            f"The talk was due within a month of the application of "
            f"{f.application.on.isoformat()}, by {due.isoformat()}",
            due,
        )
    ]


def _activist_alerts(f: _File, settings: PipelineSettings, today: date) -> list[Alert]:
    activist = f.last(Step.activist_decided)
    assert activist is not None
    out: list[Alert] = []
    review = f.last(Step.activist_review)
    due = add_months(review.on if review else activist.on, settings.activist_review_months)
    if today > due:
        out.append(
            _alert(
                "R-DEV-06",
                f"入党积极分子应每半年考察一次，{due.isoformat()} 已到期",
                f"The six-monthly review of the activist was due on {due.isoformat()}",
                due,
            )
        )
    eligible = add_months(activist.on, settings.activist_min_months)
    if today >= eligible:
        out.append(
            _alert(
                "A-ELIGIBLE",
                f"已满足确定为发展对象的时间条件（{eligible.isoformat()} 起），尚未研究",
                f"Eligible to become a development target since {eligible.isoformat()}; "
                "not yet considered",
                eligible,
            )
        )
    return out


def _notice_alerts(f: _File, settings: PipelineSettings, today: date) -> list[Alert]:
    notice = _current_notice(f)
    if notice is None:
        return []
    out: list[Alert] = []
    notice_ends = _notice_end(notice, settings)
    if today <= notice_ends <= today + timedelta(days=settings.notice_alert_days):
        out.append(
            _alert(
                "A-NOTICE-ENDING",
                f"公示将于 {notice_ends.isoformat()} 结束",
                f"The public notice ends on {notice_ends.isoformat()}",
                notice_ends,
            )
        )
    objections = int(notice.data.get("open_objections") or 0)
    if objections > 0:
        out.append(
            _alert(
                "A-NOTICE-OBJECTION",
                f"公示中有 {objections} 项群众反映尚未查清处理",
                f"{objections} objection(s) to the public notice are unresolved",
                None,
                objections=objections,
            )
        )
    return out


def _admission_approval_alerts(f: _File, settings: PipelineSettings, today: date) -> list[Alert]:
    vote = _pending_admission_vote(f, settings)
    return [] if vote is None else _approval_alerts("R-DEV-17", vote, settings, today)


def _probation_alerts(f: _File, settings: PipelineSettings, today: date) -> list[Alert]:
    pending = _pending_conversion_vote(f)
    if pending is not None:
        return _approval_alerts("R-DEV-24", pending, settings, today)
    end = _probation_end(f, settings)
    if end is None:
        return []
    if today > end:
        return [
            _alert(
                "R-DEV-22",
                f"预备期已于 {end.isoformat()} 期满，支部应及时讨论转正",
                f"Probation ended on {end.isoformat()}; the branch is overdue to "
                "discuss conversion",
                end,
                kind="overdue",
            )
        ]
    if end - timedelta(days=settings.probation_alert_days) <= today:
        return [
            _alert(
                "R-DEV-22",
                f"预备期将于 {end.isoformat()} 期满，请准备转正",
                f"Probation ends on {end.isoformat()}; prepare the conversion",
                end,
                kind="ending",
            )
        ]
    return []


def _stalled_alert(f: _File, settings: PipelineSettings, today: date) -> list[Alert]:
    last_on = f.records[-1].on
    # Probation is a wait the rules impose: the clock starts when it ends.
    end = _probation_end(f, settings) if f.stage == Stage.probationary else None
    since = _later(last_on, end)
    assert since is not None
    stalled_on = add_months(since, settings.stalled_after_months)
    if today < stalled_on:
        return []
    stage_zh, stage_en = _stage_label(f.stage)
    return [
        _alert(
            "A-STALLED",
            f"自 {last_on.isoformat()} 起已超过 {settings.stalled_after_months} 个月没有进展"
            f"（当前阶段：{stage_zh}）",
            f"No step since {last_on.isoformat()}, more than "
            f"{settings.stalled_after_months} months (stage: {stage_en})",
            stalled_on,
            last_step_on=last_on,
            stage=str(f.stage),
        )
    ]


# Each active stage's own clocks, in the order a person reads them: the stage's deadline,
# the public notice, then the approval clock.
_ALERTS_BY_STAGE: dict[Stage, tuple[_AlertRule, ...]] = {
    Stage.applicant: (_talk_alert, _notice_alerts),
    Stage.activist: (_activist_alerts, _notice_alerts),
    Stage.target: (_notice_alerts, _admission_approval_alerts),
    Stage.probationary: (_notice_alerts, _probation_alerts),
}


def _approval_alerts(
    code: str, vote: StepRecord, settings: PipelineSettings, today: date
) -> list[Alert]:
    normal = add_months(vote.on, settings.approval_within_months)
    latest = add_months(vote.on, settings.approval_max_months)
    if today > latest:
        return [
            _alert(
                code,
                f"支部大会决议（{vote.on.isoformat()}）已超过 {settings.approval_max_months} 个月未审批，"
                "已不能审批，须重新召开支部大会",
                f"The branch resolution of {vote.on.isoformat()} was not approved within "
                f"{settings.approval_max_months} months; it has lapsed",
                latest,
                limit="max",
            )
        ]
    if today > normal:
        return [
            _alert(
                code,
                f"支部大会决议（{vote.on.isoformat()}）应在 {normal.isoformat()} 前审批，已逾期；"
                f"特殊情况最晚 {latest.isoformat()}",
                f"The branch resolution of {vote.on.isoformat()} was due for approval by "
                f"{normal.isoformat()}; in special cases by {latest.isoformat()} at the latest",
                normal,
                limit="normal",
            )
        ]
    return []
