"""Development plans (发展党员工作计划): what a plan may say, and how far it has come.

docs/domain.md §4: a three-year plan and a yearly plan per organisation (县有宏观指导、乡有目标
计划、村有具体实施), progress reported monthly; seed 000: the county manages the
townships' yearly plans as targets (目标管理) and a plan not met is reported and costs
points (计划数没有完成的，严格执行通报和扣分); seed 004: 每三年制定一个发展党员工作规划,
a yearly plan, 月报告、月通报, laggards managed closely. Nothing here reads a clock or
the database: `today` and the other plans are parameters.

Refusals (a `Violation`; the plan is not written):

- R-PLAN-01 years: the first and last year lie between 1949 and five years ahead of
  today's year, and the first is not after the last.
- R-PLAN-02 span: a yearly plan covers one calendar year, a three-year plan exactly
  three (first year + 2).
- R-PLAN-03 numbers: every number target is a whole number, 0 to 1,000,000.
- R-PLAN-04 structure: every structure target is a percentage, 0 to 100 (empty = the
  deployment's default target of `stats.targets_of`).
- R-PLAN-05 a yearly plan lies inside the organisation's three-year plan: the
  organisation's live yearly plans within a live three-year plan's period add up, number
  by number, to no more than the three-year plan (checked from both sides: a yearly plan
  that would overflow it, a three-year plan smaller than the yearly plans already made).
- R-PLAN-06 one live plan (draft or adopted) per organisation, kind and first year, and
  the live three-year plans of one organisation do not overlap.
- R-PLAN-07 who plans: an active county, base committee, general branch or branch; a
  party group has no plan of its own and a dissolved organisation none any more.
- R-PLAN-08 status: only a draft is adopted; a withdrawn plan is final (no change, no
  adoption, no second withdrawal); a withdrawal gives its reason.
- R-PLAN-09 adoption date: not in the future and not after the plan's period ended.

Alerts (never a block, a person looks at them):

- A-PLAN-BEHIND: a number more than one whole person behind its share expected by now,
  pro rata by completed months (a month counts once its last day is reached).
- A-PLAN-MISSED: the period is over and a number was not reached (seed 000's 通报).
- A-PLAN-CASCADE: the children's plans of the same kind and first year add up to less
  than the parent's target for a number (县→乡→村: the townships' plans must carry the
  county's, the villages' the township's); children without a plan count as 0.
- A-PLAN-STRUCTURE: a structure ratio of the period's new members misses its target
  (or falls below its floor).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from partygraph.rules.base import Alert, Violation


class PlanKind(StrEnum):
    yearly = "yearly"
    three_year = "three_year"


PLAN_KIND_LABELS: dict[PlanKind, tuple[str, str]] = {
    PlanKind.yearly: ("年度计划", "Yearly plan"),
    PlanKind.three_year: ("三年规划", "Three-year plan"),
}
# How many calendar years a plan of each kind covers.
PLAN_SPAN_YEARS: dict[PlanKind, int] = {PlanKind.yearly: 1, PlanKind.three_year: 3}


class PlanStatus(StrEnum):
    draft = "draft"
    adopted = "adopted"
    withdrawn = "withdrawn"


PLAN_STATUS_LABELS: dict[PlanStatus, tuple[str, str]] = {
    PlanStatus.draft: ("草案", "Draft"),
    PlanStatus.adopted: ("已通过", "Adopted"),
    PlanStatus.withdrawn: ("已撤回", "Withdrawn"),
}
LIVE_STATUSES = (PlanStatus.draft, PlanStatus.adopted)

# The number targets, in the order they are shown; each is counted from one flow of
# `stats.FLOW_KINDS` (the candidates' steps of the period).
NUMBER_FIELDS: tuple[str, ...] = ("new_activists", "new_targets", "admissions", "conversions")
NUMBER_FLOWS: dict[str, str] = {
    "new_activists": "activist",
    "new_targets": "target",
    "admissions": "admitted",
    "conversions": "converted",
}
NUMBER_LABELS: dict[str, tuple[str, str]] = {
    "new_activists": ("确定入党积极分子", "New activists"),
    "new_targets": ("确定发展对象", "New development targets"),
    "admissions": ("发展党员（接收预备党员）", "Admissions (probationary members)"),
    "conversions": ("预备党员转正", "Conversions to full membership"),
}

# The structure targets a plan may set, as `stats.COHORT_KEYS` numerators; the column
# holding each is `<key>_pct`.
STRUCTURE_KEYS: tuple[str, ...] = (
    "age_le35",
    "junior_high_plus",
    "senior_high_plus",
    "junior_college_plus",
    "women",
    "front_line",
)


def pct_field(key: str) -> str:
    return f"{key}_pct"


FIRST_PLAN_YEAR = 1949
YEARS_AHEAD = 5
MAX_NUMBER = 1_000_000
# models.organization.OrgKind values that make plans (a party group does not)
PLANNING_KINDS = frozenset(
    {"province", "prefecture", "county", "committee", "general_branch", "branch"}
)


def _v(code: str, zh: str, en: str, field: str | None) -> Violation:
    return Violation(code, f"{zh}（{code}）", f"{en} ({code})", field)


# --- what a plan may say ----------------------------------------------------------------


def plan_problem(
    *,
    kind: str,
    first_year: int,
    last_year: int,
    numbers: Mapping[str, object],
    percents: Mapping[str, object],
    this_year: int,
) -> Violation | None:
    """R-PLAN-01..04 for the plan's own fields (field names are the API's camelCase)."""
    try:
        k = PlanKind(kind)
    except ValueError:
        return Violation(
            "INVALID_INPUT", f"未知的计划类别：{kind}", f"Unknown plan kind: {kind}", "kind"
        )
    high = this_year + YEARS_AHEAD
    for value, field in ((first_year, "firstYear"), (last_year, "lastYear")):
        if not FIRST_PLAN_YEAR <= value <= high:
            return _v(
                "R-PLAN-01",
                f"计划年度须在 {FIRST_PLAN_YEAR} 至 {high} 年之间，现为 {value} 年",
                f"A plan's years lie between {FIRST_PLAN_YEAR} and {high}; {value} given",
                field,
            )
    if last_year < first_year:
        return _v(
            "R-PLAN-01",
            "截止年度不能早于起始年度",
            "The last year cannot be before the first",
            "lastYear",
        )
    span = PLAN_SPAN_YEARS[k]
    if last_year - first_year + 1 != span:
        zh, en = PLAN_KIND_LABELS[k]
        return _v(
            "R-PLAN-02",
            f"{zh}须覆盖 {span} 个年度（{first_year}—{first_year + span - 1}），现为 {first_year}—{last_year}",
            f"A {en.lower()} covers {span} calendar year{'s' if span > 1 else ''} "
            f"({first_year}–{first_year + span - 1}); {first_year}–{last_year} given",
            "lastYear",
        )
    for key in NUMBER_FIELDS:
        n = numbers.get(key)
        if n is None or not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_NUMBER:
            zh, en = NUMBER_LABELS[key]
            return _v(
                "R-PLAN-03",
                f"“{zh}”计划数须为 0 至 {MAX_NUMBER} 的整数",
                f"“{en}” must be a whole number from 0 to {MAX_NUMBER}",
                _camel(key),
            )
    for key, pct in percents.items():
        if pct is not None and (
            isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100
        ):
            return _v(
                "R-PLAN-04",
                "结构目标须为 0 至 100 的百分比",
                "A structure target is a percentage from 0 to 100",
                _camel(pct_field(key)),
            )
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def holder_problem(org_kind: str, org_status: str) -> Violation | None:
    """R-PLAN-07: who makes plans."""
    if org_status != "active":
        return _v(
            "R-PLAN-07",
            "该组织已撤销，不能制定计划",
            "That organisation is dissolved and makes no plans",
            "orgId",
        )
    if org_kind not in PLANNING_KINDS:
        return _v(
            "R-PLAN-07",
            "发展党员计划由县委、基层党委、党总支或党支部制定，党小组不单独制定",
            "Plans are made by a county, base committee, general branch or branch, not by a party group",
            "orgId",
        )
    return None


@dataclass(frozen=True)
class OtherPlan:
    """Another live plan of the same organisation, as the checks need it."""

    id: int
    kind: str
    first_year: int
    last_year: int
    numbers: Mapping[str, int]


def overlap_problem(
    kind: str, first_year: int, last_year: int, others: Iterable[OtherPlan]
) -> Violation | None:
    """R-PLAN-06: one live plan per kind and first year; three-year plans do not overlap."""
    for o in others:
        if o.kind != kind:
            continue
        if o.first_year == first_year:
            zh, en = PLAN_KIND_LABELS[PlanKind(kind)]
            return _v(
                "R-PLAN-06",
                f"本组织已有 {first_year} 年起的{zh}（未撤回），请修改该计划或先撤回",
                f"This organisation already has a live {en.lower()} from {first_year}; change it or withdraw it first",
                "firstYear",
            )
        if kind == PlanKind.three_year and o.first_year <= last_year and first_year <= o.last_year:
            return _v(
                "R-PLAN-06",
                f"与本组织 {o.first_year}—{o.last_year} 年的三年规划期限重叠",
                f"Overlaps this organisation's three-year plan of {o.first_year}–{o.last_year}",
                "firstYear",
            )
    return None


def inside_problem(
    kind: str,
    first_year: int,
    last_year: int,
    numbers: Mapping[str, int],
    others: Sequence[OtherPlan],
) -> Violation | None:
    """R-PLAN-05: the yearly plans within a three-year plan add up to no more than it."""
    if kind == PlanKind.yearly:
        frames = [
            o
            for o in others
            if o.kind == PlanKind.three_year and o.first_year <= first_year <= o.last_year
        ]
        for frame in frames:
            yearly = [
                o.numbers
                for o in others
                if o.kind == PlanKind.yearly and frame.first_year <= o.first_year <= frame.last_year
            ]
            problem = _overflow(
                [*yearly, numbers], frame.numbers, frame.first_year, frame.last_year, "yearly"
            )
            if problem:
                return problem
        return None
    yearly = [
        o.numbers
        for o in others
        if o.kind == PlanKind.yearly and first_year <= o.first_year <= last_year
    ]
    return _overflow(yearly, numbers, first_year, last_year, "three_year") if yearly else None


def _overflow(
    yearly: Sequence[Mapping[str, int]], frame: Mapping[str, int], first: int, last: int, side: str
) -> Violation | None:
    for key in NUMBER_FIELDS:
        total = sum(int(y.get(key, 0)) for y in yearly)
        if total > int(frame.get(key, 0)):
            zh, en = NUMBER_LABELS[key]
            if side == "yearly":
                return _v(
                    "R-PLAN-05",
                    f"年度计划须在三年规划之内：{first}—{last} 年各年度“{zh}”合计 {total} 人，超过三年规划的 {frame.get(key, 0)} 人",
                    f"A yearly plan lies inside the three-year plan: the yearly “{en}” of {first}–{last} add up to "
                    f"{total}, more than the three-year plan's {frame.get(key, 0)}",
                    _camel(key),
                )
            return _v(
                "R-PLAN-05",
                f"三年规划的“{zh}”不能少于期内各年度计划之和 {total} 人",
                f"The three-year plan's “{en}” cannot be less than its yearly plans' sum, {total}",
                _camel(key),
            )
    return None


def status_problem(status: str, action: str) -> Violation | None:
    """R-PLAN-08: update, adopt and withdraw, by the plan's status."""
    s = PlanStatus(status)
    if s == PlanStatus.withdrawn:
        return _v(
            "R-PLAN-08",
            "该计划已撤回，不能再修改",
            "That plan was withdrawn and cannot change any more",
            "status",
        )
    if action == "adopt" and s != PlanStatus.draft:
        return _v(
            "R-PLAN-08", "该计划已通过，不能再次通过", "That plan was adopted already", "status"
        )
    return None


def adoption_problem(on: date, last_year: int, today: date) -> Violation | None:
    """R-PLAN-09."""
    if on > today:
        return _v(
            "R-PLAN-09",
            f"通过日期不能晚于今天（{today.isoformat()}）",
            f"The adoption date cannot be after today ({today.isoformat()})",
            "adoptedOn",
        )
    if on > date(last_year, 12, 31):
        return _v(
            "R-PLAN-09",
            "计划期满后不能再通过该计划",
            "A plan cannot be adopted after its period ended",
            "adoptedOn",
        )
    return None


# --- progress ----------------------------------------------------------------------------


def period_of(first_year: int, last_year: int) -> tuple[date, date]:
    return date(first_year, 1, 1), date(last_year, 12, 31)


def months_total(first_year: int, last_year: int) -> int:
    return 12 * (last_year - first_year + 1)


def months_elapsed(first_year: int, last_year: int, today: date) -> int:
    """Completed months of the period: a month counts once its last day is reached."""
    start, end = period_of(first_year, last_year)
    if today < start:
        return 0
    if today >= end:
        return months_total(first_year, last_year)
    done = (today.year - first_year) * 12 + today.month - 1
    tomorrow_month = date.fromordinal(today.toordinal() + 1).month
    return done + (1 if tomorrow_month != today.month else 0)


class LineStatus(StrEnum):
    no_target = "no_target"
    not_started = "not_started"
    done = "done"
    ahead = "ahead"
    on_track = "on_track"
    behind = "behind"
    missed = "missed"


LINE_STATUS_LABELS: dict[str, tuple[str, str]] = {
    LineStatus.no_target: ("未定计划数", "No target"),
    LineStatus.not_started: ("未开始", "Not started"),
    LineStatus.done: ("已完成", "Done"),
    LineStatus.ahead: ("超进度", "Ahead"),
    LineStatus.on_track: ("按进度", "On track"),
    LineStatus.behind: ("滞后", "Behind"),
    LineStatus.missed: ("未完成", "Missed"),
}


@dataclass(frozen=True)
class ProgressLine:
    key: str  # a NUMBER_FIELDS name
    planned: int
    actual: int
    expected: Fraction  # planned × completed months / months of the period
    status: LineStatus

    @property
    def percent_done(self) -> float | None:
        return round(self.actual * 100 / self.planned, 1) if self.planned else None

    @property
    def label_zh(self) -> str:
        return NUMBER_LABELS[self.key][0]

    @property
    def label_en(self) -> str:
        return NUMBER_LABELS[self.key][1]


def progress_line(
    key: str, planned: int, actual: int, *, elapsed: int, total: int, started: bool
) -> ProgressLine:
    expected = Fraction(planned * elapsed, total) if total else Fraction(0)
    if planned <= 0:
        status = LineStatus.no_target
    elif actual >= planned:
        status = LineStatus.done
    elif elapsed >= total:
        status = LineStatus.missed
    elif not started:
        status = LineStatus.not_started
    elif actual < int(expected):  # at least one whole person behind the pro-rata line
        status = LineStatus.behind
    elif actual > expected:
        status = LineStatus.ahead
    else:
        status = LineStatus.on_track
    return ProgressLine(key, planned, actual, expected, status)


def progress_lines(
    planned: Mapping[str, int],
    actual: Mapping[str, int],
    first_year: int,
    last_year: int,
    today: date,
) -> list[ProgressLine]:
    elapsed, total = (
        months_elapsed(first_year, last_year, today),
        months_total(first_year, last_year),
    )
    started = today >= period_of(first_year, last_year)[0]
    return [
        progress_line(
            k,
            int(planned.get(k, 0)),
            int(actual.get(k, 0)),
            elapsed=elapsed,
            total=total,
            started=started,
        )
        for k in NUMBER_FIELDS
    ]


def line_alerts(
    lines: Iterable[ProgressLine], org_name: str, first_year: int, last_year: int
) -> list[Alert]:
    """A-PLAN-BEHIND and A-PLAN-MISSED for the plan's own numbers."""
    period = str(first_year) if first_year == last_year else f"{first_year}—{last_year}"
    period_en = str(first_year) if first_year == last_year else f"{first_year}–{last_year}"
    out = []
    for ln in lines:
        if ln.status == LineStatus.behind:
            exp = float(ln.expected)
            out.append(
                Alert(
                    "A-PLAN-BEHIND",
                    f"{org_name}：{period} 年“{ln.label_zh}”计划 {ln.planned} 人，按进度应完成约 {exp:.1f} 人，实际 {ln.actual} 人",
                    f"{org_name}: {period_en} “{ln.label_en}” planned {ln.planned}, about {exp:.1f} expected by now, {ln.actual} done",
                    None,
                    {
                        "key": ln.key,
                        "planned": ln.planned,
                        "actual": ln.actual,
                        "expected": round(exp, 1),
                    },
                )
            )
        elif ln.status == LineStatus.missed:
            out.append(
                Alert(
                    "A-PLAN-MISSED",
                    f"{org_name}：{period} 年“{ln.label_zh}”计划 {ln.planned} 人，只完成 {ln.actual} 人（计划数未完成）",
                    f"{org_name}: {period_en} “{ln.label_en}” planned {ln.planned}, only {ln.actual} done (plan missed)",
                    date(last_year, 12, 31),
                    {"key": ln.key, "planned": ln.planned, "actual": ln.actual},
                )
            )
    return out


@dataclass(frozen=True)
class ChildPlan:
    """One child organisation beside its parent's plan: its plan's numbers, or None."""

    name: str
    numbers: Mapping[str, int] | None


def children_total(children: Iterable[ChildPlan]) -> dict[str, int]:
    out = dict.fromkeys(NUMBER_FIELDS, 0)
    for c in children:
        for k in NUMBER_FIELDS:
            out[k] += int((c.numbers or {}).get(k, 0))
    return out


def cascade_alerts(
    parent: Mapping[str, int], children: Sequence[ChildPlan], org_name: str
) -> list[Alert]:
    """A-PLAN-CASCADE: the children's plans must carry the parent's numbers."""
    if not children:
        return []
    total = children_total(children)
    missing = [c.name for c in children if c.numbers is None]
    out = []
    for k in NUMBER_FIELDS:
        want = int(parent.get(k, 0))
        if want > 0 and total[k] < want:
            zh, en = NUMBER_LABELS[k]
            none_zh = f"；未制定计划的下级组织：{'、'.join(missing)}" if missing else ""
            none_en = f"; without a plan: {', '.join(missing)}" if missing else ""
            out.append(
                Alert(
                    "A-PLAN-CASCADE",
                    f"{org_name}：下级组织“{zh}”计划合计 {total[k]} 人，少于本级计划 {want} 人{none_zh}",
                    f"{org_name}: the children's plans add up to {total[k]} “{en}”, less than this plan's {want}{none_en}",
                    None,
                    {"key": k, "planned": want, "children": total[k], "without_plan": missing},
                )
            )
    return out
