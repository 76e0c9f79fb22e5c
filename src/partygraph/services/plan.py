"""Use cases of development plans (发展党员工作计划): create, update, adopt, withdraw; and
their progress, counted from the candidates' steps (never stored).

Writes: scope and permission first (`require_writer` on the plan's organisation), then
the rules of `rules.plan` (R-PLAN-01..09) with the organisation's other live plans, then
the row, its version and an audit event, in the caller's transaction; a refusal writes
nothing.

Progress of a plan (docs/domain.md §4 "monthly report of progress"):

- actual numbers: the steps of the plan's period (1 January of its first year to 31
  December of its last) of every candidate filed in the organisation's subtree, read the
  way the dashboards read flows (`stats.FLOW_STEPS`; a conversion approval counts unless
  it extended the probation or cancelled it): activist_decided → new activists,
  target_decided → new development targets, admission_approved → admissions,
  conversion_approved → conversions. One grouped statement per distinct period for any
  number of plans (a list of plans does not cost a statement per row).
- expected by now, behind or ahead: `rules.plan.progress_lines` (pro rata by completed month).
- structure: the period's new members (members who joined in the period — the
  dashboards' cohort, `stats.breakdown(..., ("cohort",))`) against the plan's percentages,
  or, where the plan leaves one empty, the deployment's default target of
  `stats.targets_of` (comparison, tolerance and floor always come from the default).
- children: the organisation's children that make plans, each with its live plan of the
  same kind and first year and its own actual numbers, and their sum against the parent
  (A-PLAN-CASCADE).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import RuleViolationError, violation
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.common import utcnow
from partygraph.models.organization import Organization, OrgStatus
from partygraph.models.plan import DevelopmentPlan
from partygraph.reports import figures, stats
from partygraph.rules.base import Alert, Violation
from partygraph.rules.plan import (
    LIVE_STATUSES,
    NUMBER_FIELDS,
    NUMBER_FLOWS,
    PLAN_SPAN_YEARS,
    PLANNING_KINDS,
    STRUCTURE_KEYS,
    ChildPlan,
    OtherPlan,
    PlanKind,
    PlanStatus,
    ProgressLine,
    adoption_problem,
    cascade_alerts,
    children_total,
    holder_problem,
    inside_problem,
    line_alerts,
    months_elapsed,
    months_total,
    overlap_problem,
    pct_field,
    period_of,
    plan_problem,
    progress_lines,
    status_problem,
)
from partygraph.scope import path_range
from partygraph.services import organization as orgs
from partygraph.services.base import (
    bump_version,
    clean_text,
    get_scoped,
    record,
    require_writer,
    snapshot,
)

LABEL = "发展党员计划"
PCT_FIELDS = [pct_field(k) for k in STRUCTURE_KEYS]
EDITABLE = ["first_year", "last_year", *NUMBER_FIELDS, *PCT_FIELDS, "notes"]
AUDIT_FIELDS = [
    "org_id",
    "kind",
    "status",
    *EDITABLE,
    "adopted_on",
    "withdrawn_at",
    "withdrawn_reason",
]
# The steps a plan counts (see the module's docstring).
COUNTED_STEPS = ("activist_decided", "target_decided", "admission_approved", "conversion_approved")


def _raise(v: Violation | None) -> None:
    if v is not None:
        raise RuleViolationError(v)


def numbers_of(plan: DevelopmentPlan) -> dict[str, int]:
    return {k: int(getattr(plan, k)) for k in NUMBER_FIELDS}


def percents_of(plan: DevelopmentPlan) -> dict[str, int | None]:
    return {k: getattr(plan, pct_field(k)) for k in STRUCTURE_KEYS}


# --- reading ---------------------------------------------------------------------------


def get(ctx: Context, plan_id: int) -> DevelopmentPlan:
    return get_scoped(ctx, DevelopmentPlan, plan_id, "org_path", LABEL)


def _live_others(ctx: Context, org_id: int, exclude_id: int | None) -> list[OtherPlan]:
    rows = ctx.session.execute(
        select(DevelopmentPlan).where(
            col(DevelopmentPlan.org_id) == org_id,
            col(DevelopmentPlan.status).in_([s.value for s in LIVE_STATUSES]),
            col(DevelopmentPlan.id) != (exclude_id or -1),
        )
    ).scalars()
    return [OtherPlan(p.id, p.kind, p.first_year, p.last_year, numbers_of(p)) for p in rows]


# --- writing ---------------------------------------------------------------------------


def _check(ctx: Context, plan: DevelopmentPlan, org: Organization) -> None:
    _raise(holder_problem(org.kind, org.status))
    _raise(
        plan_problem(
            kind=plan.kind,
            first_year=plan.first_year,
            last_year=plan.last_year,
            numbers={k: getattr(plan, k) for k in NUMBER_FIELDS},
            percents=percents_of(plan),
            this_year=ctx.today().year,
        )
    )
    plan.notes = clean_text(plan.notes, "notes", "说明", "Notes", required=False, max_len=2000)
    others = _live_others(ctx, org.id, plan.id)
    _raise(overlap_problem(plan.kind, plan.first_year, plan.last_year, others))
    _raise(inside_problem(plan.kind, plan.first_year, plan.last_year, numbers_of(plan), others))


def create(
    ctx: Context,
    *,
    org_id: int,
    kind: str,
    first_year: int,
    last_year: int | None = None,
    notes: str | None = None,
    **targets: int | None,
) -> DevelopmentPlan:
    """A new draft plan. `targets`: the NUMBER_FIELDS (default 0) and `<key>_pct` fields."""
    unknown = set(targets) - set(NUMBER_FIELDS) - set(PCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    org = orgs.get(ctx, org_id)
    viewer = require_writer(ctx, org.path)
    if last_year is None and kind in {k.value for k in PlanKind}:
        last_year = first_year + PLAN_SPAN_YEARS[PlanKind(kind)] - 1
    numbers: dict[str, Any] = {k: (targets.get(k) if targets.get(k) is not None else 0) for k in NUMBER_FIELDS}
    pcts: dict[str, Any] = {k: targets.get(k) for k in PCT_FIELDS}
    plan = DevelopmentPlan(
        org_id=org.id,
        org_path=org.path,
        kind=kind,
        first_year=first_year,
        last_year=last_year if last_year is not None else first_year,
        notes=notes,
        status=PlanStatus.draft.value,
        created_by=viewer.account_id,
        **numbers,
        **pcts,
    )
    _check(ctx, plan, org)
    ctx.session.add(plan)
    ctx.session.flush()
    record(
        ctx,
        "plan.create",
        "DevelopmentPlan",
        plan.id,
        plan.org_path,
        None,
        snapshot(plan, AUDIT_FIELDS),
    )
    return plan


def update(
    ctx: Context, plan_id: int, *, version: int | None, changes: dict[str, Any]
) -> DevelopmentPlan:
    """Change a draft or adopted plan (a plan is adjusted during its period; every change is
    audited). `changes` holds EDITABLE fields only; a NULL percentage returns to the default."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    plan = get(ctx, plan_id)
    require_writer(ctx, plan.org_path)
    _raise(status_problem(plan.status, "update"))
    if "first_year" in changes and "last_year" not in changes and changes["first_year"] is not None:
        changes = {
            **changes,
            "last_year": changes["first_year"] + PLAN_SPAN_YEARS[PlanKind(plan.kind)] - 1,
        }
    for k in ("first_year", "last_year", *NUMBER_FIELDS):
        if k in changes and changes[k] is None:
            name = "".join(w if i == 0 else w.title() for i, w in enumerate(k.split("_")))
            raise violation("INVALID_INPUT", "该项不能为空", "This field must not be empty", name)
    before = snapshot(plan, AUDIT_FIELDS)
    org = ctx.session.get(Organization, plan.org_id)
    assert org is not None
    for k, v in changes.items():
        setattr(plan, k, v)
    _check(ctx, plan, org)
    bump_version(ctx, plan, version, LABEL)
    ctx.session.flush()
    record(
        ctx,
        "plan.update",
        "DevelopmentPlan",
        plan.id,
        plan.org_path,
        before,
        snapshot(plan, AUDIT_FIELDS),
    )
    return plan


def adopt(
    ctx: Context, plan_id: int, *, version: int | None, on: date | None = None
) -> DevelopmentPlan:
    """The organisation adopts its draft (e.g. at its committee meeting)."""
    plan = get(ctx, plan_id)
    viewer = require_writer(ctx, plan.org_path)
    _raise(status_problem(plan.status, "adopt"))
    on = on or ctx.today()
    _raise(adoption_problem(on, plan.last_year, ctx.today()))
    before = snapshot(plan, AUDIT_FIELDS)
    plan.status = PlanStatus.adopted.value
    plan.adopted_on = on
    plan.adopted_by = viewer.account_id
    bump_version(ctx, plan, version, LABEL)
    ctx.session.flush()
    record(
        ctx,
        "plan.adopt",
        "DevelopmentPlan",
        plan.id,
        plan.org_path,
        before,
        snapshot(plan, AUDIT_FIELDS),
    )
    return plan


def withdraw(ctx: Context, plan_id: int, *, version: int | None, reason: str) -> DevelopmentPlan:
    """Withdrawn instead of deleted: kept with its reason, no longer live."""
    plan = get(ctx, plan_id)
    viewer = require_writer(ctx, plan.org_path)
    _raise(status_problem(plan.status, "withdraw"))
    text = clean_text(reason, "reason", "撤回原因", "Reason", required=True, max_len=1000)
    before = snapshot(plan, AUDIT_FIELDS)
    plan.status = PlanStatus.withdrawn.value
    plan.withdrawn_at = utcnow()
    plan.withdrawn_by = viewer.account_id
    plan.withdrawn_reason = text
    bump_version(ctx, plan, version, LABEL)
    ctx.session.flush()
    record(
        ctx,
        "plan.withdraw",
        "DevelopmentPlan",
        plan.id,
        plan.org_path,
        before,
        snapshot(plan, AUDIT_FIELDS),
    )
    return plan


# --- progress --------------------------------------------------------------------------


def flow_kind(step: str, outcome: str | None) -> str | None:
    """The flow a step counts as, read as `stats` reads the dashboards' flows."""
    if step == "conversion_approved":
        return {"extend": None, "cancel": "exited"}.get(outcome or "convert", "converted")
    return stats.FLOW_STEPS.get(step)


def _collapse(paths: set[str]) -> list[str]:
    """The paths none of whose ancestors is in the set: their ranges cover all the others."""
    return [p for p in sorted(paths) if not any(p != q and p.startswith(q) for q in paths)]


def flow_rows(
    ctx: Context, plans: Sequence[DevelopmentPlan]
) -> dict[int, list[tuple[str, str, int]]]:
    """Per plan, (candidate org_path, flow kind, count) of its period in its subtree: one
    grouped statement per distinct period. The plans were loaded in the viewer's scope."""
    by_period: dict[tuple[int, int], list[DevelopmentPlan]] = defaultdict(list)
    for p in plans:
        by_period[(p.first_year, p.last_year)].append(p)
    out: dict[int, list[tuple[str, str, int]]] = {p.id: [] for p in plans}
    for (first, last), group in by_period.items():
        start, end = period_of(first, last)
        ranges = [
            path_range(col(Candidate.org_path), path) for path in _collapse({p.org_path for p in group})
        ]
        rows = ctx.session.execute(
            select(col(Candidate.org_path), col(CandidateStep.step), col(CandidateStep.outcome), func.count())
            .select_from(CandidateStep)
            .join(Candidate, col(Candidate.id) == CandidateStep.candidate_id)
            .where(
                or_(*ranges),
                col(CandidateStep.step).in_(COUNTED_STEPS),
                col(CandidateStep.on) >= start,
                col(CandidateStep.on) <= end,
            )
            .group_by(col(Candidate.org_path), col(CandidateStep.step), col(CandidateStep.outcome))
        ).all()
        counted: list[tuple[str, str, int]] = []
        for path, step, outcome, n in rows:
            kind = flow_kind(step, outcome)
            if kind is not None:
                counted.append((path, kind, int(n)))
        for p in group:
            out[p.id] = [r for r in counted if r[0].startswith(p.org_path)]
    return out


def actual_numbers(rows: Sequence[tuple[str, str, int]], under: str = "") -> dict[str, int]:
    flows: Counter = Counter()
    for path, kind, n in rows:
        if path.startswith(under):
            flows[kind] += n
    return {k: int(flows[NUMBER_FLOWS[k]]) for k in NUMBER_FIELDS}


@dataclass
class Progress:
    plan: DevelopmentPlan
    start: date
    end: date
    elapsed_months: int
    total_months: int
    lines: list[ProgressLine]
    rows: list[tuple[str, str, int]] = field(default_factory=list)


def progress_of(ctx: Context, plans: Sequence[DevelopmentPlan]) -> dict[int, Progress]:
    today = ctx.today()
    rows = flow_rows(ctx, plans)
    out = {}
    for p in plans:
        start, end = period_of(p.first_year, p.last_year)
        actual = actual_numbers(rows[p.id])
        out[p.id] = Progress(
            plan=p,
            start=start,
            end=end,
            elapsed_months=months_elapsed(p.first_year, p.last_year, today),
            total_months=months_total(p.first_year, p.last_year),
            lines=progress_lines(numbers_of(p), actual, p.first_year, p.last_year, today),
            rows=rows[p.id],
        )
    return out


@dataclass(frozen=True)
class StructureCheck:
    key: str
    label_zh: str
    label_en: str
    target: stats.Target | None  # None: neither the plan nor the deployment sets one
    from_default: bool
    numerator: int
    denominator: int

    @property
    def check(self) -> stats.TargetCheck | None:
        if self.target is None:
            return None
        return stats.TargetCheck("plan", self.target, self.numerator, self.denominator)

    @property
    def actual(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def default_targets(ctx: Context) -> dict[str, stats.Target]:
    """One default per cohort key from the deployment's target sets: the first set naming
    the key gives share, comparison and tolerance; the floor is the first one given."""
    out: dict[str, stats.Target] = {}
    floors: dict[str, float] = {}
    for ts in stats.targets_of(ctx):
        for t in ts.targets:
            out.setdefault(t.key, t)
            if t.floor is not None:
                floors.setdefault(t.key, t.floor)
    return {
        k: stats.Target(
            t.key, t.label_zh, t.label_en, t.share, t.comparison, floors.get(k), t.tolerance
        )
        for k, t in out.items()
    }


def structure(ctx: Context, plan: DevelopmentPlan) -> list[StructureCheck]:
    org = ctx.session.get(Organization, plan.org_id)
    assert org is not None
    start, end = period_of(plan.first_year, plan.last_year)
    cohort = stats.breakdown(ctx, org, start, end, ("cohort",)).total["cohort"]
    defaults = default_targets(ctx)
    out = []
    for key in STRUCTURE_KEYS:
        zh, en = figures.label("cohort", key, "zh"), figures.label("cohort", key, "en")
        pct = getattr(plan, pct_field(key))
        base = defaults.get(key)
        target: stats.Target | None
        if pct is not None:
            target = stats.Target(
                key,
                zh,
                en,
                pct / 100,
                base.comparison if base else "at_least",
                base.floor if base else None,
                base.tolerance if base else 0.05,
            )
        else:
            target = base
        out.append(
            StructureCheck(
                key,
                zh,
                en,
                target,
                pct is None and base is not None,
                int(cohort[key]),
                int(cohort["total"]),
            )
        )
    return out


@dataclass(frozen=True)
class ChildRow:
    org: Organization
    plan: DevelopmentPlan | None
    actual: dict[str, int]


def children(ctx: Context, progress: Progress) -> list[ChildRow]:
    """The organisation's active children that make plans, each with its live plan of the
    same kind and first year (or None) and its actual numbers: two statements."""
    plan = progress.plan
    kids = [
        o
        for o in ctx.session.execute(
            select(Organization)
            .where(
                col(Organization.parent_id) == plan.org_id, col(Organization.status) == OrgStatus.active.value
            )
            .order_by(col(Organization.code), col(Organization.id))
        ).scalars()
        if o.kind in PLANNING_KINDS
    ]
    plans = {
        p.org_id: p
        for p in ctx.session.execute(
            select(DevelopmentPlan).where(
                col(DevelopmentPlan.org_id).in_([k.id for k in kids]),
                col(DevelopmentPlan.kind) == plan.kind,
                col(DevelopmentPlan.first_year) == plan.first_year,
                col(DevelopmentPlan.status).in_([s.value for s in LIVE_STATUSES]),
            )
        ).scalars()
    }
    return [ChildRow(k, plans.get(k.id), actual_numbers(progress.rows, k.path)) for k in kids]


def children_planned(rows: Sequence[ChildRow]) -> dict[str, int]:
    return children_total(
        [ChildPlan(r.org.name, numbers_of(r.plan) if r.plan else None) for r in rows]
    )


def alerts(
    ctx: Context,
    progress: Progress,
    kids: Sequence[ChildRow] | None = None,
    checks: Sequence[StructureCheck] | None = None,
) -> list[Alert]:
    """Behind, missed, cascade and structure alerts of one plan (none for a withdrawn plan)."""
    plan = progress.plan
    if plan.status == PlanStatus.withdrawn:
        return []
    org = ctx.session.get(Organization, plan.org_id)
    name = org.name if org else ""
    out = line_alerts(progress.lines, name, plan.first_year, plan.last_year)
    kids = children(ctx, progress) if kids is None else kids
    out += cascade_alerts(
        numbers_of(plan),
        [ChildPlan(r.org.name, numbers_of(r.plan) if r.plan else None) for r in kids],
        name,
    )
    for c in structure(ctx, plan) if checks is None else checks:
        chk = c.check
        if chk is None or chk.met is not False:
            continue
        pct = f"{100 * (chk.actual or 0):.1f}%"
        want = f"{100 * chk.target.share:.0f}%"
        floor = chk.below_floor
        out.append(
            Alert(
                "A-PLAN-STRUCTURE",
                f"{name}：期内新党员中“{c.label_zh}”占 {pct}，未达到目标 {want}"
                + ("，且低于底线" if floor else ""),
                f"{name}: “{c.label_en}” is {pct} of the period's new members, short of the {want} target"
                + (" and below the floor" if floor else ""),
                None,
                {
                    "key": c.key,
                    "actual": round(100 * (chk.actual or 0), 1),
                    "target": round(100 * chk.target.share, 1),
                    "below_floor": floor,
                },
            )
        )
    return out
