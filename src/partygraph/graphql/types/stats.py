"""Dashboard aggregates (docs/domain.md §7): figures for a subtree and a period, and the same by child.

The figures' [StatCount] fields and the generic `figures` list come from the declared table
(`reports.figures`): a figure declared there is served here without a line of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from partygraph.context import Context
from partygraph.graphql.types.common import ctx_of, maybe_resolves_as
from partygraph.graphql.types.organization import OrganizationType
from partygraph.models.organization import Organization
from partygraph.reports import alerts as report_alerts
from partygraph.reports import figures as declared
from partygraph.reports import stats


@strawberry.type(
    description="One bucket of a figure: a key (enum-like value), its label and the count."
)
class StatCount:
    key: str
    label: str
    value: int


@strawberry.type(
    description="Money by kind (help given): entries and the amount, in fen and in yuan."
)
class StatMoney:
    key: str
    label: str
    count: int
    amount_fen: float = strawberry.field(description="Integer fen, as a Float: sums can pass 2^31.")
    amount_yuan: float


@strawberry.type(
    description="Members as a share of the population, over the finest organisations with a population figure."
)
class PopulationShare:
    population: int
    members: int
    organizations: int
    share: float | None


@strawberry.type(
    description="A structure ratio of the period's new members against a docs/domain.md §4 target."
)
class TargetCheckType:
    target_set: str
    target_set_label: str
    key: str
    label: str
    numerator: int
    denominator: int
    actual: float | None
    target: float
    comparison: str = strawberry.field(description="at_least, or about (within ± tolerance).")
    tolerance: float
    floor: float | None
    met: bool | None = strawberry.field(description="Null when the period has no new member.")
    below_floor: bool


@strawberry.type(
    description="Help funds under the subtree: how many, their balances and principals (fen)."
)
class FundFigures:
    funds: int
    balance_fen: float
    principal_fen: float


@strawberry.type(
    description="Loans still active, and those with an installment past due today (fen)."
)
class LoanFigures:
    outstanding_count: int
    outstanding_fen: float
    overdue_count: int
    overdue_fen: float


@strawberry.type(
    description="One month of the period: pipeline flows and new members over the whole subtree."
)
class MonthFlow:
    month: str
    applied: int
    activist: int
    target: int
    admitted: int
    converted: int
    exited: int
    new_members: int


def _counts(figures: stats.Figures, figure: declared.Figure, lang: str) -> list[StatCount]:
    c = figures[figure.name]
    return [
        StatCount(key=k, label=figure.label(k, lang), value=int(c.get(k, 0)))
        for k in declared.keys_of(figure.name, c, all_known=figure.all_known)
    ]


@strawberry.type(description="One declared figure (`Stats.figures`): its name, title and counts.")
class StatFigure:
    name: str = strawberry.field(description="The figure's name, e.g. gender, age_band, front_line.")
    label: str
    counts: list[StatCount]


def _figure_field(figure: declared.Figure) -> Any:
    """The [StatCount] field of a declared figure."""

    def resolve(self: StatsType, info: Info) -> list[StatCount]:
        return _counts(self.figures, figure, ctx_of(info).lang)

    return strawberry.field(resolver=resolve, name=_camel(figure.field or figure.name), description=figure.description or None)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(x.title() for x in rest)


def _with_figure_fields(cls: type) -> type:
    """Adds one field per declared figure that names one, before strawberry reads the class."""
    for figure in declared.FIGURE_LIST:
        if figure.field is not None:
            setattr(cls, figure.field, _figure_field(figure))
    return cls


@strawberry.type(
    name="Stats",
    description="Figures for a subtree and a period. Standing figures (status, stage, cases, funds, loans) "
    "are today's; flows, new members, help given and evaluation outcomes are the period's. "
    "Every figure of the parent is the sum of the same figure over `byChild`.",
)
@_with_figure_fields
class StatsType:
    org: strawberry.Private[Organization | None]
    figures: strawberry.Private[stats.Figures]
    period_from: date = strawberry.field(name="from")
    period_to: date = strawberry.field(name="to")
    monthly_data: strawberry.Private[dict[str, Counter] | None] = None
    # a breakdown row: its parent and its bucket (child path or stats.DIRECT), for the alerts
    parent: strawberry.Private[Organization | None] = None
    bucket: strawberry.Private[str | None] = None

    @strawberry.field(
        description="The subtree's root; null for the 直属 (directly under) row of a breakdown."
    )
    def organization(self) -> OrganizationType | None:
        return maybe_resolves_as(OrganizationType, self.org)

    @strawberry.field(description="Members on the roster (probationary and full).")
    def members_total(self) -> int:
        return int(self.figures["roster"]["total"])

    @strawberry.field(
        name="figures",
        description="Every declared figure in its order, with its title and counts: what the admin "
        "dashboard and reports read, so that a figure declared once is shown there too.",
    )
    def figures_list(self, info: Info) -> list[StatFigure]:
        lang = ctx_of(info).lang
        return [
            StatFigure(name=f.name, label=f.title(lang), counts=_counts(self.figures, f, lang))
            for f in declared.FIGURE_LIST
            if f.listed
        ]








    @strawberry.field
    def population(self) -> PopulationShare:
        p = self.figures["population"]
        pop, mem = int(p["population"]), int(p["members"])
        return PopulationShare(
            population=pop,
            members=mem,
            organizations=int(p["organizations"]),
            share=mem / pop if pop else None,
        )




    @strawberry.field(
        description="The new members' structure ratios against the docs/domain.md §4 targets."
    )
    def targets(self, info: Info) -> list[TargetCheckType]:
        ctx = ctx_of(info)
        zh = ctx.lang == "zh"
        sets = {ts.key: ts for ts in stats.targets_of(ctx)}
        out = []
        for c in self.figures.checks(ctx):
            ts, t = sets[c.set_key], c.target
            out.append(
                TargetCheckType(
                    target_set=c.set_key,
                    target_set_label=ts.label_zh if zh else ts.label_en,
                    key=t.key,
                    label=t.label_zh if zh else t.label_en,
                    numerator=c.numerator,
                    denominator=c.denominator,
                    actual=c.actual,
                    target=t.share,
                    comparison=t.comparison,
                    tolerance=t.tolerance,
                    floor=t.floor,
                    met=c.met,
                    below_floor=c.below_floor,
                )
            )
        return out





    @strawberry.field(description="Help given in the period by kind: entries and money.")
    def help_given(self, info: Info) -> list[StatMoney]:
        lang = ctx_of(info).lang
        n, fen = self.figures["help_count"], self.figures["help_fen"]
        return [
            StatMoney(
                key=k,
                label=declared.label("help_count", k, lang),
                count=int(n.get(k, 0)),
                amount_fen=float(fen.get(k, 0)),
                amount_yuan=fen.get(k, 0) / 100,
            )
            for k in declared.keys_of("help_count", n)
        ]

    @strawberry.field
    def funds(self) -> FundFigures:
        f = self.figures["fund"]
        return FundFigures(
            funds=int(f["funds"]),
            balance_fen=float(f["balance_fen"]),
            principal_fen=float(f["principal_fen"]),
        )

    @strawberry.field
    def loans(self) -> LoanFigures:
        f = self.figures["loan"]
        return LoanFigures(
            outstanding_count=int(f["outstanding_count"]),
            outstanding_fen=float(f["outstanding_fen"]),
            overdue_count=int(f["overdue_count"]),
            overdue_fen=float(f["overdue_fen"]),
        )

    @strawberry.field(
        description="Month by month over the period (the whole subtree; empty on a breakdown row)."
    )
    def monthly(self) -> list[MonthFlow]:
        if self.monthly_data is None:
            return []
        out = []
        for month in stats.month_range(self.period_from, self.period_to):
            c = self.monthly_data.get(month, Counter())
            out.append(
                MonthFlow(
                    month=month,
                    new_members=int(c["new_members"]),
                    **{k: int(c[k]) for k in declared.FLOW_KINDS},
                )
            )
        return out

    @strawberry.field(
        description="Alert counts by code over the subtree: the four areas of `allAlerts` (pipeline, "
        "branch life, evaluation, assistance); `key` is the rule code, `label` its short title. On a breakdown row, the alerts about that child's subtree "
        "(or, on the 直属 row, about this organisation itself): the rows add up. Costlier than the other "
        "figures: the rules run per open file."
    )
    def alerts(self, info: Info) -> list[StatCount]:
        ctx = ctx_of(info)
        if self.parent is not None:
            counts = alert_breakdown(ctx, self.parent).buckets.get(
                self.bucket or stats.DIRECT, Counter()
            )
        elif self.org is not None:
            counts = alert_breakdown(ctx, self.org).total
        else:
            return []
        return [
            StatCount(key=k, label=declared.label("alert", k, ctx.lang), value=v)
            for k, v in sorted(counts.items())
            if v
        ]

    @strawberry.field(
        name="byChild",
        description="The same figures for each child organisation, plus a 直属 row for records attached to "
        "this organisation itself; the rows add up to this organisation's figures.",
    )
    def by_child(self, info: Info) -> list[ChildStats]:
        if self.org is None:
            return []
        ctx = ctx_of(info)
        b = stats.breakdown(ctx, self.org, self.period_from, self.period_to)
        # A row with alerts but no other figure (a committee's own missed meetings) must be
        # listed when the alerts are asked for, or the rows would not add up to the parent.
        # every node of the field: an operation may select byChild twice (a fragment's and its own)
        asked = any(asks_for(f.selections, ("stats", "alerts")) for f in info.selected_fields)
        also = alert_breakdown(ctx, self.org).buckets if asked else ()
        return child_rows(b, ctx.lang, also)


@strawberry.type(
    description="One row of a breakdown: a child organisation, or the records directly under the parent."
)
class ChildStats:
    organization: OrganizationType | None
    name: str
    directly_under: bool
    stats: StatsType


def of_breakdown(b: stats.Breakdown) -> StatsType:
    return StatsType(
        org=b.org,
        figures=b.total,
        period_from=b.period_from,
        period_to=b.period_to,
        monthly_data=b.monthly,
    )


def alert_breakdown(ctx: Context, org: Organization) -> report_alerts.AlertBreakdown:
    """report_alerts.alert_breakdown once per request: every breakdown row reads its bucket from it, and
    each cache lookup would cost a statement (the data version)."""
    return ctx.loader(f"stats-alerts:{org.path}:{org.id}", lambda: report_alerts.alert_breakdown(ctx, org))


def asks_for(selections: list[Any], path: tuple[str, ...]) -> bool:
    """Whether the query selects the field at `path` below these selections (through fragments,
    minding @skip/@include)."""
    for sel in selections:
        if (
            sel.directives.get("skip", {}).get("if") is True
            or sel.directives.get("include", {}).get("if") is False
        ):
            continue
        if not isinstance(sel, SelectedField):
            if asks_for(sel.selections, path):
                return True
        elif sel.name == path[0] and (len(path) == 1 or asks_for(sel.selections, path[1:])):
            return True
    return False


def child_rows(b: stats.Breakdown, lang: str, also: Collection[str] = ()) -> list[ChildStats]:
    out = []
    for org, figs in stats.rows_by_child(b, also):
        direct = org is None
        name = org.name if org is not None else ("直属" if lang == "zh" else "Directly under")
        out.append(
            ChildStats(
                organization=maybe_resolves_as(OrganizationType, org),
                name=name,
                directly_under=direct,
                stats=StatsType(
                    org=org,
                    figures=figs,
                    period_from=b.period_from,
                    period_to=b.period_to,
                    parent=b.org,
                    bucket=org.path if org is not None else stats.DIRECT,
                ),  # fmt: skip
            )
        )
    return out
