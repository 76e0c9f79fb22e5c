"""Aggregates over a subtree and a period (docs/domain.md §7), and their breakdown by child
organisation: a read service (it never writes; the services may read it, it does not import them).

Every figure group is ONE grouped SQL statement over the subtree's path range. Its first
GROUP BY column is the *bucket*: the first `len(parent.path) + 9` characters of the row's
`org_path`, i.e. the path of the child organisation whose subtree holds the row, or the
parent's own path for rows attached directly to the parent (the "直属" row). The parent's
figures are the sum of its buckets, so the sum over children always equals the parent.
Alert counts are bucketed the same way (`reports.alerts`).

Figures are a snapshot of today's standing (status, stage, open cases, balances) plus
the period's flows (applications, admissions, new members' structure, help given,
evaluation outcomes of the period's years). Ages are taken on the period's last day.
What each figure is, its labels and its order: `reports.figures`.

Results are cached (`reports.cache`) by (subtree path, period, today, figure set, data version).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlmodel import col

from partygraph.context import Context
from partygraph.models.assistance import AssistanceCase, Fund, HelpEntry, Loan
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.common import table_of
from partygraph.models.evaluation import Flag, Outcome
from partygraph.models.member import EDUCATION_RANK, Education, Member
from partygraph.models.organization import PATH_SEGMENT_WIDTH, Organization
from partygraph.models.rollup import MemberTally
from partygraph.reports import rollup
from partygraph.reports.cache import cached
from partygraph.reports.figures import BY_DIM
from partygraph.rules.base import age_on
from partygraph.scope import path_range

SEGMENT = PATH_SEGMENT_WIDTH + 1  # "00000042."
DIRECT = "direct"  # the bucket of rows attached to the parent itself

FLOW_STEPS = {
    "application": "applied",
    "activist_decided": "activist",
    "target_decided": "target",
    "admission_approved": "admitted",
    "withdraw": "exited",
    "remove_from_pool": "exited",
    "not_admitted": "exited",
    "cancel_probation": "exited",
}
# The figure groups; a caller may ask for a subset.
GROUPS = ("members", "population", "candidates", "flows", "cohort", "evaluation", "assistance")


@dataclass(frozen=True)
class Target:
    key: str  # a COHORT_KEYS numerator over cohort["total"]
    label_zh: str
    label_en: str
    share: float  # the target share (0..1)
    comparison: str  # "at_least" or "about"
    floor: float | None = None  # never below (Wenchuan's 50% for age ≤ 35)
    tolerance: float = 0.05  # "about": within ± this


@dataclass(frozen=True)
class TargetSet:
    key: str
    label_zh: str
    label_en: str
    targets: tuple[Target, ...]


# docs/domain.md §4 defaults; a deployment may put `stats_targets` (a tuple of TargetSet) on Settings.
DEFAULT_TARGETS: tuple[TargetSet, ...] = (
    TargetSet(
        "wenchuan",
        "汶川目标",
        "Wenchuan targets",
        (
            Target("junior_high_plus", "初中及以上学历", "Junior high or above", 0.80, "at_least"),
            Target("age_le35", "35岁及以下", "Aged 35 or under", 0.80, "at_least", floor=0.50),
        ),
    ),
    TargetSet(
        "guangzhou",
        "广州园区“四个比例”",
        "Guangzhou park four ratios",
        (
            Target("women", "女性", "Women", 0.40, "about"),
            Target("age_le35", "35岁及以下", "Aged 35 or under", 0.80, "at_least"),
            Target("front_line", "生产工作一线", "Front-line", 0.60, "about"),
            Target("senior_high_plus", "高中及以上学历", "Senior high or above", 0.90, "at_least"),
            Target("junior_college_plus", "大专及以上学历", "Junior college or above", 0.45, "about"),
        ),
    ),
)


def targets_of(ctx: Context) -> tuple[TargetSet, ...]:
    return getattr(ctx.settings, "stats_targets", None) or DEFAULT_TARGETS


@dataclass(frozen=True)
class TargetCheck:
    set_key: str
    target: Target
    numerator: int
    denominator: int

    @property
    def actual(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def met(self) -> bool | None:
        a = self.actual
        if a is None:
            return None
        if self.target.comparison == "about":
            return abs(a - self.target.share) <= self.target.tolerance + 1e-9
        return a >= self.target.share - 1e-9

    @property
    def below_floor(self) -> bool:
        a = self.actual
        return a is not None and self.target.floor is not None and a < self.target.floor - 1e-9


# --------------------------------------------------------------------------- figures


def _new_figures() -> dict[str, Counter]:
    return defaultdict(Counter)


@dataclass
class Figures:
    """Named counters: figures["gender"]["female"] == 12. Money is in fen."""

    data: dict[str, Counter] = field(default_factory=_new_figures)

    def __getitem__(self, name: str) -> Counter:
        return self.data[name]

    def add(self, other: Figures) -> None:
        for name, counter in other.data.items():
            self.data[name].update(counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: {str(k): v for k, v in sorted(c.items(), key=lambda kv: str(kv[0])) if v} for name, c in sorted(self.data.items())}

    def checks(self, ctx: Context) -> list[TargetCheck]:
        cohort = self.data["cohort"]
        return [
            TargetCheck(ts.key, t, int(cohort[t.key]), int(cohort["total"]))
            for ts in targets_of(ctx)
            for t in ts.targets
        ]


@dataclass
class Breakdown:
    """The parent's figures and one entry per bucket (child path or DIRECT)."""

    org: Organization
    period_from: date
    period_to: date
    total: Figures
    buckets: dict[str, Figures]  # child path or DIRECT → figures
    children: list[Organization]  # the parent's children, ordered by name
    monthly: dict[str, Counter]  # "YYYY-MM" → flows + "new_members" over the whole subtree


# --------------------------------------------------------------------------- the statements


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


class _Runner:
    def __init__(self, ctx: Context, org: Organization, start: date, end: date) -> None:
        self.ctx, self.org, self.start, self.end = ctx, org, start, end
        self.session = ctx.session
        self.width = len(org.path) + SEGMENT
        self.buckets: dict[str, Figures] = defaultdict(Figures)
        self.monthly: dict[str, Counter] = defaultdict(Counter)

    def bucket(self, column: Any) -> Any:
        return func.substr(column, 1, self.width)

    def key(self, raw: str) -> str:
        return raw if len(raw) == self.width else DIRECT

    def add(self, raw: str, figure: str, key: Any, n: int) -> None:
        if n:
            self.buckets[self.key(raw)][figure][key] += int(n)

    def scope(self, column: Any) -> Any:
        return path_range(column, self.org.path)

    # -- members: whole subtrees from the roster rollup (reports/rollup.py), this organisation and
    # each child; the 直属 row is the difference
    def members(self) -> None:
        parent = col(Organization.parent_id) == self.org.id if self.org.path else col(Organization.parent_id).is_(None)
        kids = self.session.execute(select(col(Organization.id), col(Organization.path)).where(parent)).all()
        tallies = rollup.read(self.session, [k for k, _ in kids] + ([self.org.id] if self.org.path else []))
        direct = Counter(tallies.get(self.org.id, Counter()))
        for kid_id, path in kids:
            self._tally(path, tallies[kid_id])
            direct.subtract(tallies[kid_id])
        self._tally(self.org.path, direct)

    def _tally(self, raw: str, counts: Counter) -> None:
        for (dim, value), n in counts.items():
            figure = BY_DIM.get(dim)
            if figure is not None and figure.tally is not None:  # a figure no longer declared is not shown
                self.add(raw, figure.name, figure.tally.shown(value, self.end), n)

    # -- population: the finest organisations with a population figure (none below them has
    # one, so nested figures are never counted twice) and the roster of their subtrees
    def population(self) -> None:
        anchor = table_of(Organization).alias("anchor")
        inner = table_of(Organization).alias("inner_org")
        upper = func.substr(anchor.c.path, 1, func.length(anchor.c.path) - 1) + literal("/")
        finer = (
            select(inner.c.id)
            .where(inner.c.path > anchor.c.path, inner.c.path < upper, inner.c.population.is_not(None))
            .exists()
        )
        b = self.bucket(anchor.c.path)
        roster = and_(col(MemberTally.org_id) == anchor.c.id, col(MemberTally.dim) == "roster", col(MemberTally.value) == "total")
        rows = self.session.execute(
            select(b, anchor.c.id, anchor.c.population, func.coalesce(col(MemberTally.n), 0))
            .select_from(anchor)
            .outerjoin(MemberTally, roster)
            .where(self.scope(anchor.c.path), anchor.c.population.is_not(None), ~finer)
        ).all()
        for raw, _oid, population, n in rows:
            self.add(raw, "population", "population", population)
            self.add(raw, "population", "members", n)
            self.add(raw, "population", "organizations", 1)

    # -- candidates by stage (today's standing)
    def candidates(self) -> None:
        b = self.bucket(Candidate.org_path)
        rows = self.session.execute(
            select(b, col(Candidate.stage), func.count()).where(self.scope(Candidate.org_path)).group_by(b, col(Candidate.stage))
        ).all()
        for raw, stage, n in rows:
            self.add(raw, "stage", stage, n)

    # -- flows of the period, from the candidates' steps (grouped by day for the monthly lines)
    def flows(self) -> None:
        b = self.bucket(Candidate.org_path)
        steps = [*FLOW_STEPS, "conversion_approved"]
        rows = self.session.execute(
            select(b, col(CandidateStep.step), col(CandidateStep.outcome), col(CandidateStep.on), func.count())
            .select_from(CandidateStep)
            .join(Candidate, col(Candidate.id) == CandidateStep.candidate_id)
            .where(
                self.scope(Candidate.org_path),
                col(CandidateStep.step).in_(steps),
                col(CandidateStep.on) >= self.start,
                col(CandidateStep.on) <= self.end,
            )
            .group_by(b, col(CandidateStep.step), col(CandidateStep.outcome), col(CandidateStep.on))
        ).all()
        for raw, step, outcome, on, n in rows:
            if step == "conversion_approved":
                kind = {"extend": None, "cancel": "exited"}.get(outcome or "convert", "converted")
            else:
                kind = FLOW_STEPS[step]
            if kind is None:
                continue
            self.add(raw, "flow", kind, n)
            self.monthly[_as_date(on).strftime("%Y-%m")][kind] += int(n)

    # -- the period's new members (joined in the period) against the §4 targets
    def cohort(self) -> None:
        b = self.bucket(Member.org_path)
        rows = self.session.execute(
            select(b, col(Member.gender), col(Member.education), col(Member.front_line), col(Member.birth_date), col(Member.joined_on), func.count())
            .where(self.scope(Member.org_path), col(Member.joined_on) >= self.start, col(Member.joined_on) <= self.end)
            .group_by(b, col(Member.gender), col(Member.education), col(Member.front_line), col(Member.birth_date), col(Member.joined_on))
        ).all()
        jh, sh, jc = (EDUCATION_RANK[e] for e in (Education.junior_high, Education.senior_high, Education.junior_college))
        for raw, gender, edu, front, born, joined, n in rows:
            rank = EDUCATION_RANK.get(edu, -1)
            joined = _as_date(joined)
            self.add(raw, "cohort", "total", n)
            self.add(raw, "cohort", "women", n if gender == "female" else 0)
            self.add(raw, "cohort", "age_le35", n if age_on(_as_date(born), joined) <= 35 else 0)
            self.add(raw, "cohort", "junior_high_plus", n if rank >= jh else 0)
            self.add(raw, "cohort", "senior_high_plus", n if rank >= sh else 0)
            self.add(raw, "cohort", "junior_college_plus", n if rank >= jc else 0)
            self.add(raw, "cohort", "front_line", n if front else 0)
            self.monthly[joined.strftime("%Y-%m")]["new_members"] += int(n)

    # -- evaluation outcomes of the period's years, and flags still open
    def evaluation(self) -> None:
        b = self.bucket(Outcome.org_path)
        for raw, grade, n in self.session.execute(
            select(b, col(Outcome.grade), func.count())
            .where(self.scope(Outcome.org_path), col(Outcome.year) >= self.start.year, col(Outcome.year) <= self.end.year)
            .group_by(b, col(Outcome.grade))
        ).all():
            self.add(raw, "grade", grade, n)
        b = self.bucket(Flag.org_path)
        for raw, kind, n in self.session.execute(
            select(b, col(Flag.kind), func.count()).where(self.scope(Flag.org_path), col(Flag.resolved_on).is_(None)).group_by(b, col(Flag.kind))
        ).all():
            self.add(raw, "open_flag", kind, n)

    # -- assistance: cases, help given in the period, funds, loans
    def assistance(self) -> None:
        today = self.ctx.today()
        b = self.bucket(AssistanceCase.org_path)
        for raw, cause, status, n in self.session.execute(
            select(b, col(AssistanceCase.cause), col(AssistanceCase.status), func.count())
            .where(self.scope(AssistanceCase.org_path))
            .group_by(b, col(AssistanceCase.cause), col(AssistanceCase.status))
        ).all():
            self.add(raw, "case_cause", cause, n)
            self.add(raw, "case_status", status, n)
        b = self.bucket(HelpEntry.org_path)
        for raw, kind, n, fen in self.session.execute(
            select(b, col(HelpEntry.kind), func.count(), func.coalesce(func.sum(col(HelpEntry.amount_fen)), 0))
            .where(self.scope(HelpEntry.org_path), col(HelpEntry.on) >= self.start, col(HelpEntry.on) <= self.end)
            .group_by(b, col(HelpEntry.kind))
        ).all():
            self.add(raw, "help_count", kind, n)
            self.add(raw, "help_fen", kind, fen)
        b = self.bucket(Fund.org_path)
        for raw, n, balance, principal in self.session.execute(
            select(b, func.count(), func.coalesce(func.sum(col(Fund.balance_fen)), 0), func.coalesce(func.sum(col(Fund.principal_fen)), 0))
            .where(self.scope(Fund.org_path))
            .group_by(b)
        ).all():
            self.add(raw, "fund", "funds", n)
            self.add(raw, "fund", "balance_fen", balance)
            self.add(raw, "fund", "principal_fen", principal)
        b = self.bucket(Loan.org_path)
        active = col(Loan.status) == "active"
        overdue = and_(active, col(Loan.next_due_on) < today)
        outstanding = col(Loan.amount_fen) - Loan.repaid_fen
        for raw, n_out, fen_out, n_over, fen_over in self.session.execute(
            select(
                b,
                func.sum(case((active, 1), else_=0)),
                func.sum(case((active, outstanding), else_=0)),
                func.sum(case((overdue, 1), else_=0)),
                func.sum(case((overdue, outstanding), else_=0)),
            )
            .where(self.scope(Loan.org_path))
            .group_by(b)
        ).all():
            self.add(raw, "loan", "outstanding_count", n_out or 0)
            self.add(raw, "loan", "outstanding_fen", fen_out or 0)
            self.add(raw, "loan", "overdue_count", n_over or 0)
            self.add(raw, "loan", "overdue_fen", fen_over or 0)


def compute(ctx: Context, org: Organization, start: date, end: date, groups: tuple[str, ...] = GROUPS) -> Breakdown:
    """Run the figure groups (one statement each, two or four for the multi-table groups)."""
    r = _Runner(ctx, org, start, end)
    for g in groups:
        getattr(r, g)()
    total = Figures()
    for figs in r.buckets.values():
        total.add(figs)
    children = list(
        ctx.session.execute(
            select(Organization).where(col(Organization.parent_id) == org.id).order_by(col(Organization.code), col(Organization.id))
        ).scalars()
    )
    if not org.path:  # the system viewer's root: the tree's roots are the children
        children = list(
            ctx.session.execute(select(Organization).where(col(Organization.parent_id).is_(None)).order_by(col(Organization.code))).scalars()
        )
    return Breakdown(org, start, end, total, dict(r.buckets), children, dict(r.monthly))


# --------------------------------------------------------------------------- cached, by child


def breakdown(ctx: Context, org: Organization, start: date, end: date, groups: tuple[str, ...] = GROUPS) -> Breakdown:
    """The cached `compute`: the org row must have been loaded in the viewer's scope."""
    return cached(ctx, ("breakdown", org.path, org.id, start, end, groups), lambda: compute(ctx, org, start, end, groups))


def default_period(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), today


def rows_by_child(
    b: Breakdown, also: Collection[str] = ()
) -> list[tuple[Organization | None, Figures]]:
    """Every child in order (empty figures for one without rows), then the 直属 row if it has any.
    `also`: bucket keys counted outside `b` (alerts) that need their row even without figures."""
    out: list[tuple[Organization | None, Figures]] = []
    seen = set()
    for c in b.children:
        figs = b.buckets.get(c.path)
        seen.add(c.path)
        if figs is None:
            if c.status != "active" and c.path not in also:
                continue
            figs = Figures()
        out.append((c, figs))
    for key, figs in b.buckets.items():  # a row under a child not listed (should not happen)
        if key != DIRECT and key not in seen:
            out.append((None, figs))
    if DIRECT in b.buckets or DIRECT in also:
        out.append((None, b.buckets.get(DIRECT) or Figures()))
    return out


def month_range(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
