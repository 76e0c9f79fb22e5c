"""Evaluations: democratic evaluation of members, cadre assessment, organisation assessment.

docs/domain.md §5, docs/rules.md §3 (R-EVAL-01, R-EVAL-02) and §4 (R-CAD-01, R-CAD-02).
Pure functions: nothing here reads a clock or a database; `today` is a parameter.

Codes used here (the first four are the rules file's; the rest are this module's
own, for rules that docs/domain.md §5 states without a code):

- R-EVAL-01  a round closes only when every member has an outcome (只评不议 no more);
             a round left open after its year is an alert.
- R-EVAL-02  every 不合格 carries a person's recorded decision: limited-time
             correction (with a deadline), persuade to leave (劝退) or removal (除名).
- R-EVAL-03  a member "not fully up to standard" (基本合格) gets a warning talk with
             a deadline (a follow-up task; overdue is an alert).
- R-EVAL-04  three consecutive years not up to standard → a flag for the
             organisational handling of the Party Constitution; a person decides.
- R-CAD-01   trial period: checkpoints at 3, 6 and 12 months, each due on its date,
             recorded in order and not long before it is due; overdue is an alert.
- R-CAD-02   the four step-downs (四下): 不称职, warned and not corrected, last place
             in democratic evaluation, failed trial → a flag; a person decides.
- R-ASSESS-01 the last-ranked unit two years running → a flag.

Readings chosen where the texts leave room (each number is in `EvaluationSettings`):

- Combining the sources (三评一审) into a *suggested* grade: each scored source's
  votes become a mean score (优秀 100, 合格 80, 基本合格 60, 不合格 40); the sources
  are weighted (members 40%, masses 30%, branch committee 30%); the mean maps to a
  grade by thresholds (≥ 90 优秀, ≥ 70 合格, ≥ 55 基本合格, else 不合格). When more
  than a third of a source's votes say 不合格, the suggestion is at best 基本合格.
  The township committee's review, when recorded, is the suggestion (it reviews
  and may adjust). `method="plurality"` instead takes the grade with the most
  weighted votes. The outcome itself is always a person's decision.
- "Not up to standard" is 基本合格 or 不合格 (setting `not_up_to_standard`); three
  consecutive calendar years, each with such an outcome, raise the flag.
- Checkpoint results: 3 and 6 months pass or fail; 1 year promote / keep / move /
  demote / fail. Failing any checkpoint or demoting at the end is "failed trial".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from partygraph.rules.base import Alert, Violation, add_months

# --- vocabularies -------------------------------------------------------------------------------


class Grade(StrEnum):
    excellent = "excellent"
    qualified = "qualified"
    basically_qualified = "basically_qualified"
    unqualified = "unqualified"


GRADE_LABELS: dict[Grade, tuple[str, str]] = {
    Grade.excellent: ("优秀", "Excellent"),
    Grade.qualified: ("合格", "Qualified"),
    Grade.basically_qualified: ("基本合格", "Basically qualified"),
    Grade.unqualified: ("不合格", "Unqualified"),
}


class Source(StrEnum):
    peer = "peer"
    masses = "masses"
    committee = "committee"
    township_review = "township_review"


SOURCE_LABELS: dict[Source, tuple[str, str]] = {
    Source.peer: ("党员互评", "Members' peer rating"),
    Source.masses: ("群众评议", "Masses' representatives"),
    Source.committee: ("支委评定", "Branch committee"),
    Source.township_review: ("党委审核", "Township committee review"),
}


class Decision(StrEnum):
    correction = "correction"
    persuade_to_leave = "persuade_to_leave"
    removal = "removal"


DECISION_LABELS: dict[Decision, tuple[str, str]] = {
    Decision.correction: ("限期改正", "Correct within a deadline"),
    Decision.persuade_to_leave: ("劝其退党", "Persuade to leave"),
    Decision.removal: ("除名", "Removal"),
}


class CadreRating(StrEnum):
    excellent = "excellent"
    competent = "competent"
    basically_competent = "basically_competent"
    incompetent = "incompetent"


CADRE_RATING_LABELS: dict[CadreRating, tuple[str, str]] = {
    CadreRating.excellent: ("优秀", "Excellent"),
    CadreRating.competent: ("称职", "Competent"),
    CadreRating.basically_competent: ("基本称职", "Basically competent"),
    CadreRating.incompetent: ("不称职", "Incompetent"),
}


class OrgRating(StrEnum):
    good = "good"
    fairly_good = "fairly_good"
    average = "average"
    poor = "poor"


ORG_RATING_LABELS: dict[OrgRating, tuple[str, str]] = {
    OrgRating.good: ("好", "Good"),
    OrgRating.fairly_good: ("较好", "Fairly good"),
    OrgRating.average: ("一般", "Average"),
    OrgRating.poor: ("差", "Poor"),
}

# The "five goods" (五好) of docs/domain.md §2, a checklist per organisation per year.
FIVE_GOODS: dict[str, tuple[str, str]] = {
    "leadership": ("领导班子好", "Good leadership team"),
    "mechanism": ("工作机制好", "Good working mechanism"),
    "members": ("党员队伍好", "Good member team"),
    "masses": ("群众反映好（满意度≥90%）", "Good response of the masses (≥ 90% satisfied)"),
    "results": ("工作业绩好", "Good work results"),
}


class Checkpoint(StrEnum):
    work_report = "work_report"
    special_assessment = "special_assessment"
    final_decision = "final_decision"


CHECKPOINT_LABELS: dict[Checkpoint, tuple[str, str]] = {
    Checkpoint.work_report: ("3个月：工作汇报（思路是否清晰）", "3 months: work report (are the ideas clear)"),
    Checkpoint.special_assessment: ("6个月：专项考核（工作成效）", "6 months: special assessment (results)"),
    Checkpoint.final_decision: ("1年：试用期满（提拔、降职、留任或调整）", "1 year: end of trial (promote, demote, keep or move)"),
}
CHECKPOINT_ORDER = (Checkpoint.work_report, Checkpoint.special_assessment, Checkpoint.final_decision)


class CheckpointResult(StrEnum):
    passed = "passed"
    failed = "failed"
    promote = "promote"
    keep = "keep"
    move = "move"
    demote = "demote"


CHECKPOINT_RESULT_LABELS: dict[CheckpointResult, tuple[str, str]] = {
    CheckpointResult.passed: ("合格", "Passed"),
    CheckpointResult.failed: ("不合格", "Failed"),
    CheckpointResult.promote: ("提拔", "Promote"),
    CheckpointResult.keep: ("留任", "Keep"),
    CheckpointResult.move: ("调整岗位", "Move"),
    CheckpointResult.demote: ("降职", "Demote"),
}
INTERIM_RESULTS = frozenset({CheckpointResult.passed, CheckpointResult.failed})
FINAL_RESULTS = frozenset(
    {CheckpointResult.promote, CheckpointResult.keep, CheckpointResult.move, CheckpointResult.demote, CheckpointResult.failed}
)
FAILED_TRIAL_RESULTS = frozenset({CheckpointResult.failed, CheckpointResult.demote})


class FlagKind(StrEnum):
    not_up_to_standard_3y = "not_up_to_standard_3y"
    cadre_step_down = "cadre_step_down"
    last_ranked_twice = "last_ranked_twice"


FLAG_LABELS: dict[FlagKind, tuple[str, str]] = {
    FlagKind.not_up_to_standard_3y: ("连续三年评议不合格或基本合格", "Not up to standard three years running"),
    FlagKind.cadre_step_down: ("干部“四下”情形", "Cadre step-down case (四下)"),
    FlagKind.last_ranked_twice: ("连续两年考核排名末位", "Last-ranked two years running"),
}
FLAG_CODES: dict[FlagKind, str] = {
    FlagKind.not_up_to_standard_3y: "R-EVAL-04",
    FlagKind.cadre_step_down: "R-CAD-02",
    FlagKind.last_ranked_twice: "R-ASSESS-01",
}


class StepDownReason(StrEnum):
    incompetent = "incompetent"
    warned_not_corrected = "warned_not_corrected"
    last_in_evaluation = "last_in_evaluation"
    failed_trial = "failed_trial"


STEP_DOWN_LABELS: dict[StepDownReason, tuple[str, str]] = {
    StepDownReason.incompetent: ("年度考核不称职", "Incompetent in the yearly assessment"),
    StepDownReason.warned_not_corrected: ("受到警告后仍不改正", "Warned and not corrected"),
    StepDownReason.last_in_evaluation: ("民主测评排名末位", "Last place in the democratic evaluation"),
    StepDownReason.failed_trial: ("试用期考核不合格", "Failed the trial period"),
}


# --- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationSettings:
    """Every number of this module; a deployment may change any of them."""

    method: str = "weighted"  # or "plurality"
    grade_scores: tuple[tuple[Grade, int], ...] = (
        (Grade.excellent, 100),
        (Grade.qualified, 80),
        (Grade.basically_qualified, 60),
        (Grade.unqualified, 40),
    )
    source_weights: tuple[tuple[Source, Fraction], ...] = (
        (Source.peer, Fraction(2, 5)),
        (Source.masses, Fraction(3, 10)),
        (Source.committee, Fraction(3, 10)),
    )
    thresholds: tuple[tuple[Grade, int], ...] = (
        (Grade.excellent, 90),
        (Grade.qualified, 70),
        (Grade.basically_qualified, 55),
    )
    unqualified_share_cap: Fraction = Fraction(1, 3)  # more than this share of 不合格 votes → at best 基本合格
    township_review_decides: bool = True
    not_up_to_standard: frozenset[Grade] = frozenset({Grade.basically_qualified, Grade.unqualified})
    consecutive_years: int = 3  # R-EVAL-04
    warning_talk_days: int = 30  # R-EVAL-03: the talk within a month of the outcome
    correction_months: int = 6  # R-EVAL-02: default deadline of a limited-time correction
    round_grace_days: int = 0  # R-EVAL-01: an open round is an alert this many days after 31 Dec
    checkpoint_months: tuple[int, ...] = (3, 6, 12)  # R-CAD-01
    checkpoint_early_days: int = 30  # a checkpoint may be recorded this many days before it is due
    checkpoint_due_soon_days: int = 14
    last_ranked_years: int = 2  # R-ASSESS-01


DEFAULT_EVALUATION_SETTINGS = EvaluationSettings()


# --- combining the sources (三评一审) ----------------------------------------------------------


@dataclass(frozen=True)
class SourceEntry:
    """One source's result for one member: vote counts by grade (per-rater entries are counted)."""

    source: Source
    tallies: Mapping[Grade, int]

    @property
    def total(self) -> int:
        return sum(self.tallies.values())


def tally_of(raters: Iterable[Mapping[str, str]]) -> dict[Grade, int]:
    """Per-rater entries [{"rater": "...", "grade": "qualified"}] → counts by grade."""
    out: dict[Grade, int] = {}
    for r in raters:
        g = Grade(r["grade"])
        out[g] = out.get(g, 0) + 1
    return out


def check_tallies(tallies: Mapping[str, object]) -> Violation | None:
    for key, n in tallies.items():
        if key not in Grade.__members__:
            return Violation("INVALID_INPUT", f"未知的等次：{key}", f"Unknown grade: {key}", "tallies")
        if not isinstance(n, int) or n < 0:
            return Violation("INVALID_INPUT", "票数须为非负整数", "Vote counts must be whole numbers ≥ 0", "tallies")
    return None


def _grade_for_score(score: Fraction, s: EvaluationSettings) -> Grade:
    for grade, floor in s.thresholds:
        if score >= floor:
            return grade
    return Grade.unqualified


_ORDER = {g: i for i, g in enumerate(Grade)}  # 0 = best


def _worse(a: Grade, b: Grade) -> Grade:
    return a if _ORDER[a] >= _ORDER[b] else b


@dataclass(frozen=True)
class Suggestion:
    grade: Grade | None
    score: Fraction | None  # weighted mean score, when scored
    capped: bool = False  # lowered to 基本合格 by the 不合格 share rule
    by_review: bool = False  # the township committee's review decided


def suggest(entries: Sequence[SourceEntry], s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> Suggestion:
    """The suggested outcome from the sources entered so far (None without any scored votes)."""
    by_source = {e.source: e for e in entries if e.total > 0}
    review = by_source.get(Source.township_review)
    weights = {src: w for src, w in s.source_weights if src in by_source}
    score: Fraction | None = None
    grade: Grade | None = None
    capped = False
    if weights:
        total_w = sum(weights.values())
        scores = dict(s.grade_scores)
        if s.method == "plurality":
            votes: dict[Grade, Fraction] = {}
            for src, w in weights.items():
                e = by_source[src]
                for g, n in e.tallies.items():
                    votes[g] = votes.get(g, Fraction(0)) + w * Fraction(n, e.total)
            # Most weighted votes; a tie goes to the lower grade (the stricter reading).
            grade = max(votes, key=lambda g: (votes[g], _ORDER[g]))
        score = Fraction(0)
        for src, w in weights.items():
            e = by_source[src]
            mean = Fraction(sum(scores[Grade(g)] * n for g, n in e.tallies.items()), e.total)
            score += mean * w / total_w
        if grade is None:
            grade = _grade_for_score(score, s)
        for src in weights:
            e = by_source[src]
            if Fraction(e.tallies.get(Grade.unqualified, 0), e.total) > s.unqualified_share_cap:
                worse = _worse(grade, Grade.basically_qualified)
                capped = capped or worse != grade
                grade = worse
    if review is not None and s.township_review_decides:
        best = max(review.tallies, key=lambda g: (review.tallies[g], _ORDER[Grade(g)]))
        return Suggestion(Grade(best), score, capped, by_review=True)
    return Suggestion(grade, score, capped)


# --- closing a round (R-EVAL-01, R-EVAL-02) -----------------------------------------------------


@dataclass(frozen=True)
class SubjectState:
    member_id: int
    name: str
    grade: Grade | None
    decision: Decision | None = None


def close_blockers(subjects: Sequence[SubjectState]) -> list[Violation]:
    """Why the round cannot close yet; empty when it can."""
    out: list[Violation] = []
    missing = [x.name for x in subjects if x.grade is None]
    if missing:
        names = "、".join(missing[:10]) + ("等" if len(missing) > 10 else "")
        names_en = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        out.append(
            Violation(
                "R-EVAL-01",
                f"还有 {len(missing)} 名党员没有评定等次（{names}），评议不能结束（R-EVAL-01）",
                f"{len(missing)} member(s) have no outcome yet ({names_en}); the round cannot close (R-EVAL-01)",
                "outcomes",
            )
        )
    undecided = [x.name for x in subjects if x.grade == Grade.unqualified and x.decision is None]
    if undecided:
        out.append(
            Violation(
                "R-EVAL-02",
                f"评为不合格的 {len(undecided)} 名党员（{'、'.join(undecided)}）还没有处置决定"
                "（限期改正、劝退或除名，R-EVAL-02）",
                f"{len(undecided)} member(s) graded unqualified ({', '.join(undecided)}) have no recorded"
                " decision (correction, persuade to leave or removal; R-EVAL-02)",
                "decision",
            )
        )
    return out


def check_decision(grade: Grade, decision: Decision | None, deadline: date | None, decided_on: date) -> Violation | None:
    """A decision belongs to 不合格 only; a correction needs a deadline after the decision."""
    if decision is not None and grade != Grade.unqualified:
        return Violation(
            "R-EVAL-02",
            "只有评为不合格的党员才需要处置决定",
            "Only a member graded unqualified takes a decision",
            "decision",
        )
    if decision == Decision.correction and deadline is not None and deadline <= decided_on:
        return Violation(
            "R-EVAL-02",
            "限期改正的期限须晚于决定日期",
            "The correction deadline must fall after the decision",
            "correctionDeadline",
        )
    return None


def correction_deadline(decided_on: date, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> date:
    return add_months(decided_on, s.correction_months)


def warning_talk_due(decided_on: date, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> date:
    """R-EVAL-03: when a 基本合格 outcome's warning talk is due."""
    return decided_on + timedelta(days=s.warning_talk_days)


def needs_warning_talk(grade: Grade) -> bool:
    return grade == Grade.basically_qualified


def consecutive_not_up_to_standard(
    history: Mapping[int, Grade], year: int, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS
) -> bool:
    """R-EVAL-04: this year and the years before it, `consecutive_years` in all, not up to standard."""
    return all(history.get(y) in s.not_up_to_standard for y in range(year - s.consecutive_years + 1, year + 1))


def round_alert(year: int, closed: bool, today: date, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> Alert | None:
    """R-EVAL-01: a round still open after its year."""
    due = date(year, 12, 31) + timedelta(days=s.round_grace_days)
    if closed or today <= due:
        return None
    return Alert(
        "R-EVAL-01",
        f"{year} 年度民主评议尚未结束（应于 {due} 前完成）",
        f"The {year} democratic evaluation is still open (due by {due})",
        due_on=due,
    )


# --- cadre trial period (R-CAD-01) -------------------------------------------------------------


def trial_checkpoints(appointed_on: date, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> list[tuple[Checkpoint, date]]:
    return [(kind, add_months(appointed_on, months)) for kind, months in zip(CHECKPOINT_ORDER, s.checkpoint_months, strict=True)]


@dataclass(frozen=True)
class CheckpointState:
    kind: Checkpoint
    due_on: date
    done_on: date | None = None
    result: CheckpointResult | None = None


def check_checkpoint(
    states: Sequence[CheckpointState],
    kind: Checkpoint,
    done_on: date,
    result: CheckpointResult,
    today: date,
    s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS,
) -> Violation | None:
    """Whether a checkpoint's result may be recorded: in order, not early, a result of its kind."""
    by_kind = {x.kind: x for x in states}
    me = by_kind[kind]
    if me.done_on is not None:
        return Violation("R-CAD-01", "该节点已有考核结果", "This checkpoint already has its result", "kind")
    if done_on > today:
        return Violation("INVALID_DATE", f"考核日期不能晚于今天（{today}）", f"The date cannot be after today ({today})", "doneOn")
    earliest = me.due_on - timedelta(days=s.checkpoint_early_days)
    if done_on < earliest:
        z, e = CHECKPOINT_LABELS[kind]
        return Violation(
            "R-CAD-01",
            f"“{z}”应于 {me.due_on} 进行，最早 {earliest}（R-CAD-01）",
            f"“{e}” is due on {me.due_on}, not before {earliest} (R-CAD-01)",
            "doneOn",
        )
    for prev in CHECKPOINT_ORDER[: CHECKPOINT_ORDER.index(kind)]:
        p = by_kind.get(prev)
        if p is not None and p.done_on is None:
            z, e = CHECKPOINT_LABELS[prev]
            return Violation(
                "R-CAD-01",
                f"请先记录“{z}”（R-CAD-01）",
                f"Record “{e}” first (R-CAD-01)",
                "kind",
            )
        if p is not None and p.done_on is not None and done_on < p.done_on:
            return Violation("R-CAD-01", "考核日期不能早于上一个节点", "The date cannot precede the previous checkpoint", "doneOn")
    allowed = FINAL_RESULTS if kind == Checkpoint.final_decision else INTERIM_RESULTS
    if result not in allowed:
        return Violation(
            "INVALID_INPUT",
            "该节点的结果须为：" + "、".join(CHECKPOINT_RESULT_LABELS[r][0] for r in CheckpointResult if r in allowed),
            "This checkpoint's result must be one of: " + ", ".join(r.value for r in CheckpointResult if r in allowed),
            "result",
        )
    return None


def checkpoint_alerts(
    states: Sequence[CheckpointState], today: date, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS
) -> list[Alert]:
    """Overdue (and soon due) checkpoints of one trial."""
    out: list[Alert] = []
    for x in states:
        if x.done_on is not None:
            continue
        z, e = CHECKPOINT_LABELS[x.kind]
        if today > x.due_on:
            out.append(
                Alert(
                    "R-CAD-01",
                    f"试用期考核“{z}”已逾期（应于 {x.due_on}）",
                    f"Trial checkpoint “{e}” is overdue (due {x.due_on})",
                    due_on=x.due_on,
                    extra={"state": "overdue", "kind": x.kind.value, "days": (today - x.due_on).days},
                )
            )
        elif (x.due_on - today).days <= s.checkpoint_due_soon_days:
            out.append(
                Alert(
                    "R-CAD-01",
                    f"试用期考核“{z}”将于 {x.due_on} 到期",
                    f"Trial checkpoint “{e}” falls due on {x.due_on}",
                    due_on=x.due_on,
                    extra={"state": "due", "kind": x.kind.value, "days": (x.due_on - today).days},
                )
            )
    return out


def checkpoint_state(due_on: date, done_on: date | None, today: date, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS) -> str:
    """done | overdue | due (within the soon window) | pending."""
    if done_on is not None:
        return "done"
    if today > due_on:
        return "overdue"
    if (due_on - today).days <= s.checkpoint_due_soon_days:
        return "due"
    return "pending"


# --- step-downs (R-CAD-02) and unit ranking (R-ASSESS-01) ---------------------------------------


@dataclass(frozen=True)
class CadreFacts:
    """What the four step-downs look at for one cadre."""

    rating: CadreRating | None = None  # the latest yearly rating
    rank: int | None = None  # place in the democratic evaluation (1 = best)
    ranked: int | None = None  # how many were ranked
    warned_not_corrected: bool = False
    trial_results: Sequence[CheckpointResult] = field(default_factory=tuple)


def step_down_reasons(f: CadreFacts) -> list[StepDownReason]:
    out: list[StepDownReason] = []
    if f.rating == CadreRating.incompetent:
        out.append(StepDownReason.incompetent)
    if f.warned_not_corrected:
        out.append(StepDownReason.warned_not_corrected)
    if f.rank is not None and f.ranked is not None and f.ranked > 1 and f.rank >= f.ranked:
        out.append(StepDownReason.last_in_evaluation)
    if any(r in FAILED_TRIAL_RESULTS for r in f.trial_results):
        out.append(StepDownReason.failed_trial)
    return out


def check_rank(rank: int | None, ranked: int | None) -> Violation | None:
    if rank is None and ranked is None:
        return None
    if rank is None or ranked is None or rank < 1 or ranked < 1 or rank > ranked:
        return Violation(
            "INVALID_INPUT",
            "排名须同时给出名次和参评总数，且名次在 1 到总数之间",
            "A ranking needs both the place and the number ranked, with 1 ≤ place ≤ number",
            "rank",
        )
    return None


def is_last(rank: int | None, ranked: int | None) -> bool:
    return rank is not None and ranked is not None and ranked > 1 and rank >= ranked


def last_ranked_running(
    ranks: Mapping[int, tuple[int | None, int | None]], year: int, s: EvaluationSettings = DEFAULT_EVALUATION_SETTINGS
) -> bool:
    """R-ASSESS-01: last place in this year and the years before, `last_ranked_years` in all."""
    years = range(year - s.last_ranked_years + 1, year + 1)
    return all(y in ranks and is_last(*ranks[y]) for y in years)


def five_goods_score(checklist: Mapping[str, bool]) -> tuple[int, int]:
    """(met, of) for the five goods; unknown keys are ignored."""
    return sum(1 for k in FIVE_GOODS if checklist.get(k)), len(FIVE_GOODS)


def check_five_goods(checklist: Mapping[str, object]) -> Violation | None:
    unknown = sorted(set(checklist) - set(FIVE_GOODS))
    if unknown:
        return Violation(
            "INVALID_INPUT",
            f"未知的“五好”项目：{unknown}",
            f"Unknown five-goods items: {unknown} (known: {sorted(FIVE_GOODS)})",
            "fiveGoods",
        )
    return None
