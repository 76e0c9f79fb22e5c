"""DevelopmentPlan (发展党员工作计划) and its progress: planned against actual, expected by
now, the structure of the period's new members, and the children's plans side by side."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from sqlmodel import col
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from partygraph.graphql import loaders
from partygraph.graphql.types.common import (
    AlertInterface,
    AuditEventType,
    Node,
    ctx_of,
    history,
    label,
    message_in_language,
)
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models.plan import DevelopmentPlan
from partygraph.reports import figures
from partygraph.rules import plan as rp
from partygraph.rules.base import Alert
from partygraph.scope import scoped_select
from partygraph.services import plan as service

# Model and rule enums registered as GraphQL enums in place (strawberry.enum returns the class),
# so each name below is the enum class itself.
PlanKind = rp.PlanKind
strawberry.enum(
    PlanKind, name="PlanKind", description="A yearly plan or a three-year plan."
)
PlanStatus = rp.PlanStatus
strawberry.enum(
    PlanStatus, name="PlanStatus", description="Draft, adopted, or withdrawn (never deleted)."
)
PlanLineStatus = rp.LineStatus
strawberry.enum(
    PlanLineStatus,
    name="PlanLineStatus",
    description="A number target against its share expected by now.",
)


def _text(info: Info, zh: str, en: str) -> str:
    return zh if ctx_of(info).lang == "zh" else en


@strawberry.type(description="The four number targets of a plan (people).")
class PlanNumbers:
    new_activists: int
    new_targets: int = strawberry.field(description="New development targets (发展对象).")
    admissions: int = strawberry.field(
        description="Admitted as probationary members (approved by the committee)."
    )
    conversions: int

    @staticmethod
    def of(values: dict[str, int]) -> PlanNumbers:
        return PlanNumbers(**{k: int(values.get(k, 0)) for k in rp.NUMBER_FIELDS})


@strawberry.type(
    description="One number target: planned, done, expected by now (pro rata by completed month)."
)
class PlanProgressLine:
    key: str = strawberry.field(description="newActivists, newTargets, admissions or conversions.")
    planned: int
    actual: int
    expected_by_now: float = strawberry.field(
        description="planned × completed months ÷ months of the period, one decimal."
    )
    percent_done: float | None = strawberry.field(
        description="actual ÷ planned in percent; null without a target."
    )
    status: PlanLineStatus
    label_zh: str
    label_en: str

    @strawberry.field
    def label(self, info: Info) -> str:
        return _text(info, self.label_zh, self.label_en)

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, rp.LINE_STATUS_LABELS[rp.LineStatus(self.status)])

    @staticmethod
    def of(ln: rp.ProgressLine) -> PlanProgressLine:
        head, *rest = ln.key.split("_")
        return PlanProgressLine(
            key=head + "".join(p.title() for p in rest),
            planned=ln.planned,
            actual=ln.actual,
            expected_by_now=round(float(ln.expected), 1),
            percent_done=ln.percent_done,
            status=ln.status,
            label_zh=ln.label_zh,
            label_en=ln.label_en,
        )


@strawberry.type(
    description="A structure ratio of the period's new members against the plan's target."
)
class PlanStructureCheck:
    key: str = strawberry.field(description="A cohort key: age_le35, junior_high_plus, women…")
    label_zh: str
    label_en: str
    target_percent: float | None = strawberry.field(
        description="Null: no target set here nor by default."
    )
    comparison: str | None = strawberry.field(
        description="at_least, or about (within the tolerance)."
    )
    tolerance_percent: float | None
    floor_percent: float | None = strawberry.field(
        description="Never below (Wenchuan: 50% aged 35 or under)."
    )
    from_default: bool = strawberry.field(
        description="The plan leaves it empty: the deployment's default target."
    )
    count: int = strawberry.field(description="New members with the property.")
    new_members: int = strawberry.field(description="New members of the period (the denominator).")
    actual_percent: float | None
    met: bool | None
    below_floor: bool

    @strawberry.field
    def label(self, info: Info) -> str:
        return _text(info, self.label_zh, self.label_en)

    @staticmethod
    def of(c: service.StructureCheck) -> PlanStructureCheck:
        chk, t = c.check, c.target
        return PlanStructureCheck(
            key=c.key,
            label_zh=c.label_zh,
            label_en=c.label_en,
            target_percent=round(100 * t.share, 1) if t else None,
            comparison=t.comparison if t else None,
            tolerance_percent=round(100 * t.tolerance, 1)
            if t and t.comparison == "about"
            else None,
            floor_percent=round(100 * t.floor, 1) if t and t.floor is not None else None,
            from_default=c.from_default,
            count=c.numerator,
            new_members=c.denominator,
            actual_percent=round(100 * c.actual, 1) if c.actual is not None else None,
            met=chk.met if chk else None,
            below_floor=chk.below_floor if chk else False,
        )


@strawberry.type(
    description="A structure target as the deployment sets it: what a plan's empty percentage means."
)
class PlanStructureDefault:
    key: str
    label_zh: str
    label_en: str
    target_percent: float
    comparison: str
    tolerance_percent: float | None
    floor_percent: float | None

    @strawberry.field
    def label(self, info: Info) -> str:
        return _text(info, self.label_zh, self.label_en)


def structure_defaults(info: Info) -> list[PlanStructureDefault]:
    found = service.default_targets(ctx_of(info))
    out = []
    for key in rp.STRUCTURE_KEYS:
        t = found.get(key)
        if t is None:
            continue
        out.append(
            PlanStructureDefault(
                key=key,
                label_zh=figures.label("cohort", key, "zh"),
                label_en=figures.label("cohort", key, "en"),
                target_percent=round(100 * t.share, 1),
                comparison=t.comparison,
                tolerance_percent=round(100 * t.tolerance, 1) if t.comparison == "about" else None,
                floor_percent=round(100 * t.floor, 1) if t.floor is not None else None,
            )
        )
    return out


@strawberry.type(
    name="PlanAlert", description="Behind, missed, cascade or structure: never a block."
)
class PlanAlertType(AlertInterface):
    code: str
    message: str = strawberry.field(resolver=message_in_language)
    message_zh: str
    message_en: str
    due_on: date | None
    extra: JSON

    @staticmethod
    def of(a: Alert) -> PlanAlertType:
        return PlanAlertType(
            code=a.code,
            message_zh=a.message_zh,
            message_en=a.message_en,
            due_on=a.due_on,
            extra=JSON(dict(a.extra or {})),
        )


@strawberry.type(
    description="A child organisation beside its parent's plan: its own plan (or none) and its numbers."
)
class PlanChild:
    org: strawberry.Private[Any]
    row_plan: strawberry.Private[Any]
    actual: PlanNumbers

    @strawberry.field
    def organization(self) -> OrganizationType:
        return self.org

    @strawberry.field(
        description="The child's live plan of the same kind and first year; null if it has none."
    )
    def plan(self) -> DevelopmentPlanType | None:
        return self.row_plan

    @strawberry.field(description="The child's planned numbers; null without a plan.")
    def planned(self) -> PlanNumbers | None:
        return (
            PlanNumbers.of(service.numbers_of(self.row_plan)) if self.row_plan is not None else None
        )


@strawberry.type(
    description="How far a plan has come: counted from the candidates' steps of its period."
)
class PlanProgress:
    period_start: date
    period_end: date
    elapsed_months: int = strawberry.field(description="Completed months of the period.")
    total_months: int
    lines: list[PlanProgressLine]
    actual: PlanNumbers
    data: strawberry.Private[Any]
    memo: strawberry.Private[dict]

    def _children(self, info: Info) -> list[service.ChildRow]:
        if "children" not in self.memo:
            self.memo["children"] = service.children(ctx_of(info), self.data)
        return self.memo["children"]

    def _structure(self, info: Info) -> list[service.StructureCheck]:
        if "structure" not in self.memo:
            self.memo["structure"] = service.structure(ctx_of(info), self.data.plan)
        return self.memo["structure"]

    @strawberry.field(description="The period's new members against the structure targets.")
    def structure(self, info: Info) -> list[PlanStructureCheck]:
        return [PlanStructureCheck.of(c) for c in self._structure(info)]

    @strawberry.field(
        description="Children that make plans, side by side (县→乡→村), in code order."
    )
    def children(self, info: Info) -> list[PlanChild]:
        return [
            PlanChild(org=r.org, row_plan=r.plan, actual=PlanNumbers.of(r.actual))
            for r in self._children(info)
        ]

    @strawberry.field(description="The children's planned numbers added up (no plan counts 0).")
    def children_planned(self, info: Info) -> PlanNumbers:
        return PlanNumbers.of(service.children_planned(self._children(info)))

    @strawberry.field(
        description="Behind, missed, children short of the plan (cascade), structure misses."
    )
    def alerts(self, info: Info) -> list[PlanAlertType]:
        found = service.alerts(ctx_of(info), self.data, self._children(info), self._structure(info))
        return [PlanAlertType.of(a) for a in found]

    @staticmethod
    def of(p: service.Progress) -> PlanProgress:
        return PlanProgress(
            period_start=p.start,
            period_end=p.end,
            elapsed_months=p.elapsed_months,
            total_months=p.total_months,
            lines=[PlanProgressLine.of(ln) for ln in p.lines],
            actual=PlanNumbers.of({ln.key: ln.actual for ln in p.lines}),
            data=p,
            memo={},
        )


def progress_loader(info: Info) -> DataLoader:
    """Key: plan id → its progress; the plans of one query level cost one statement per period."""
    ctx = ctx_of(info)

    async def load(keys: list[int]) -> list[service.Progress | None]:
        plans = list(
            ctx.session.execute(
                scoped_select(ctx, DevelopmentPlan, col(DevelopmentPlan.id).in_(keys))
            ).scalars()
        )
        found = service.progress_of(ctx, plans)
        return [found.get(k) for k in keys]

    return ctx.loader("plan_progress", lambda: DataLoader(load_fn=load))


@strawberry.type(
    name="DevelopmentPlan",
    description="A yearly or three-year development plan of an organisation (发展党员工作计划).",
)
class DevelopmentPlanType(Node, model=DevelopmentPlan):
    id: relay.NodeID[int]
    kind: PlanKind
    status: PlanStatus
    first_year: int
    last_year: int
    new_activists: int
    new_targets: int
    admissions: int
    conversions: int
    age_le35_pct: int | None = strawberry.field(
        description="Structure targets in percent; null = the default target."
    )
    junior_high_plus_pct: int | None
    senior_high_plus_pct: int | None
    junior_college_plus_pct: int | None
    women_pct: int | None
    front_line_pct: int | None
    notes: str | None
    adopted_on: date | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    version: int
    # Columns of the row this type resolves from, read by the resolvers; not in the schema.
    org_id: strawberry.Private[int]

    @strawberry.field
    def kind_label(self, info: Info) -> str:
        return label(info, rp.PLAN_KIND_LABELS[rp.PlanKind(self.kind)])

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return label(info, rp.PLAN_STATUS_LABELS[rp.PlanStatus(self.status)])

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await loaders.org(ctx_of(info)).load(self.org_id)

    @strawberry.field(
        description="Planned against actual, from the candidates' steps of the period."
    )
    async def progress(self, info: Info) -> PlanProgress:
        p = await progress_loader(info).load(self.id)
        return PlanProgress.of(p)

    @strawberry.field(description="Every recorded change of this plan, newest first.")
    def history(self, info: Info, first: int = 50) -> list[AuditEventType]:
        return history(info, "DevelopmentPlan", self.id, min(first, 200))


def plans_of(info: Info, org_id: int, year: int | None) -> list[DevelopmentPlan]:
    """The live plans of one organisation (not its subtree), three-year plans first."""
    ctx = ctx_of(info)
    stmt = scoped_select(
        ctx,
        DevelopmentPlan,
        col(DevelopmentPlan.org_id) == org_id,
        col(DevelopmentPlan.status).in_([s.value for s in rp.LIVE_STATUSES]),
    )
    if year is not None:
        stmt = stmt.where(col(DevelopmentPlan.first_year) <= year, col(DevelopmentPlan.last_year) >= year)
    return list(
        ctx.session.execute(
            stmt.order_by(col(DevelopmentPlan.kind), col(DevelopmentPlan.first_year), col(DevelopmentPlan.id))
        ).scalars()
    )


NODE_TYPES = [DevelopmentPlanType]
