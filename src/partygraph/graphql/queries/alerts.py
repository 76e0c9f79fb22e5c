"""Every alert of a subtree in one list: candidates, branch life, evaluations, assistance.

`allAlerts` calls the four areas' own alert fields (each applies the viewer's scope and its
rules), then filters, sorts and pages the merged list; `alertKinds` counts the same list by
area and code, so a client can show the filter choices (titled from rules.catalogue) and the
total of a filtered page.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.lists import under_org
from partygraph.graphql.queries.assistance import AssistanceQuery
from partygraph.graphql.queries.branch_life import BranchLifeQuery
from partygraph.graphql.queries.candidate import CandidateQuery
from partygraph.graphql.queries.evaluation import EvaluationQuery
from partygraph.graphql.types.common import AlertInterface, ctx_of
from partygraph.reports import alerts as report_alerts
from partygraph.rules import catalogue


@strawberry.enum(name="AlertArea", description="Where an alert comes from.")
class AlertArea(Enum):
    pipeline = "pipeline"  # alerts: candidates, blank and old villages
    branch_life = "branch_life"  # branchLifeAlerts
    evaluation = "evaluation"  # evaluationAlerts
    assistance = "assistance"  # assistanceAlerts


@strawberry.enum(
    name="AlertOrder", description="By due date; alerts without one come last either way."
)
class AlertOrder(Enum):
    DUE_ASC = "due_asc"
    DUE_DESC = "due_desc"


# area → (query class, field) of the area's own alerts, in report_alerts.ALERT_AREAS order.
SOURCES = {
    AlertArea.pipeline: (CandidateQuery, "alerts"),
    AlertArea.branch_life: (BranchLifeQuery, "branch_life_alerts"),
    AlertArea.evaluation: (EvaluationQuery, "evaluation_alerts"),
    AlertArea.assistance: (AssistanceQuery, "assistance_alerts"),
}
MAX_FIRST = 500


def _resolver(cls: Any, name: str) -> Any:
    field = next(f for f in cls.__strawberry_definition__.fields if f.python_name == name)
    return field.base_resolver.wrapped_func


def _gid_int(gid: relay.GlobalID | None) -> int | None:
    return None if gid is None else int(gid.node_id)


def _ref(area: AlertArea, a: Any) -> report_alerts.AlertRef:
    """What the alert is about, as report_alerts.alert_entries names it (there from the service rows)."""
    if area is AlertArea.evaluation:
        return report_alerts.evaluation_ref(a.org_id, _gid_int(a.follow_up_id), _gid_int(a.flag_id))
    if area is AlertArea.assistance:
        return (a.object_type, int(a.object_id.node_id))
    return ("org", a.org_id)


def _found(info: Info, under: relay.GlobalID, directly_under: bool) -> list[tuple[AlertArea, Any]]:
    """(area, alert) for the subtree, computed once per request however many fields ask."""
    ctx = ctx_of(info)
    org = under_org(ctx, under)
    if org is None:
        return []

    def produce() -> list[tuple[AlertArea, Any]]:
        found = [
            (area, a)
            for area, (cls, name) in SOURCES.items()
            for a in _resolver(cls, name)(None, info, under)
        ]
        if not directly_under:
            return found
        paths = report_alerts.alert_paths(ctx, (_ref(area, a) for area, a in found))
        return [
            (area, a)
            for area, a in found
            if report_alerts.alert_bucket(paths.get(_ref(area, a), ()), org.path) == report_alerts.DIRECT
        ]

    return ctx.loader(f"all-alerts:{org.id}:{directly_under}", produce)


def _sort_key(order: AlertOrder) -> Any:
    if order is AlertOrder.DUE_DESC:
        return lambda a: (a.due_on is None, -(a.due_on.toordinal() if a.due_on else 0), a.code)
    return lambda a: (a.due_on or date.max, a.code)


@strawberry.type(
    name="AlertKind", description="How many alerts of one kind (area and rule code) a subtree has."
)
class AlertKindType:
    area: AlertArea
    area_label: str
    code: str
    label: str = strawberry.field(
        description="The rule's short title in the request's language (申请后一个月内未谈话 for "
        "R-DEV-02); the code itself when the catalogue has no title for it."
    )
    count: int


@strawberry.type
class AlertsQuery:
    @strawberry.field(
        description="All alerts of a subtree, soonest due first: the four areas' own lists "
        "(alerts, branchLifeAlerts, evaluationAlerts, assistanceAlerts) merged. Filter by area and by "
        "rule code; `directlyUnder` keeps the alerts about the organisation itself (the 直属 row of "
        "`stats.byChild`). `first` (at most 500) and `offset` page the list; `alertKinds` gives the "
        "counts. Use fragments on the concrete types for their details."
    )
    def all_alerts(
        self,
        info: Info,
        under: relay.GlobalID,
        area: list[AlertArea] | None = None,
        code: list[str] | None = None,
        directly_under: bool = False,
        order_by: AlertOrder = AlertOrder.DUE_ASC,
        first: int | None = None,
        offset: int = 0,
    ) -> list[AlertInterface]:
        areas, codes = set(area or SOURCES), set(code or ())
        found = [
            a
            for ar, a in _found(info, under, directly_under)
            if ar in areas and (not codes or a.code in codes)
        ]
        found.sort(key=_sort_key(order_by))
        start = max(0, offset)
        end = None if first is None else start + min(max(0, first), MAX_FIRST)
        return found[start:end]

    @strawberry.field(
        description="Alert counts of a subtree by area and rule code (the kinds `allAlerts` can filter by), "
        "in area order then by code. The sum over the kinds a filter keeps is the length of its list."
    )
    def alert_kinds(
        self, info: Info, under: relay.GlobalID, directly_under: bool = False
    ) -> list[AlertKindType]:
        lang = ctx_of(info).lang
        counts = Counter((area, a.code) for area, a in _found(info, under, directly_under))
        order = list(SOURCES)
        return [
            AlertKindType(
                area=area,
                area_label=report_alerts.ALERT_AREA_LABELS[area.value][0 if lang == "zh" else 1],
                code=code,
                label=catalogue.title(code, lang),
                count=n,
            )
            for (area, code), n in sorted(
                counts.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])
            )
        ]
