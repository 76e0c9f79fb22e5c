"""Every alert of a subtree in one list: candidates, branch life, evaluations, assistance."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.graphql.queries.assistance import AssistanceQuery
from partygraph.graphql.queries.branch_life import BranchLifeQuery
from partygraph.graphql.queries.candidate import CandidateQuery
from partygraph.graphql.queries.evaluation import EvaluationQuery
from partygraph.graphql.types.common import AlertInterface

# (query class, field) of each area's own alerts; each applies the viewer's scope itself.
SOURCES = (
    (CandidateQuery, "alerts"),
    (BranchLifeQuery, "branch_life_alerts"),
    (EvaluationQuery, "evaluation_alerts"),
    (AssistanceQuery, "assistance_alerts"),
)


def _resolver(cls: Any, name: str) -> Any:
    field = next(f for f in cls.__strawberry_definition__.fields if f.python_name == name)
    return field.base_resolver.wrapped_func


@strawberry.type
class AlertsQuery:
    @strawberry.field(
        description="All alerts of a subtree, soonest due first: the four areas' own lists "
        "(alerts, branchLifeAlerts, evaluationAlerts, assistanceAlerts) merged. Use fragments on "
        "the concrete types for their details."
    )
    def all_alerts(self, info: Info, under: relay.GlobalID) -> list[AlertInterface]:
        found: list[Any] = []
        for cls, name in SOURCES:
            found.extend(_resolver(cls, name)(None, info, under))
        return sorted(found, key=lambda a: (a.due_on or date.max, a.code))
