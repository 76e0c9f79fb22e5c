"""Every enum's labels (value → zh/en), so that clients (the admin among them) show what the
API means without importing the tables from rules or models.

Each label table stays where its enum is declared (rules/ or models/): the one source. This
module only lists them and names each by its GraphQL enum, with the values the API answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any

import strawberry

from partygraph.graphql import enums  # noqa: F401 - registers the model enums in place
from partygraph.graphql.queries.alerts import AlertArea
from partygraph.graphql.types import assistance as _assistance  # noqa: F401 - registers its enums
from partygraph.graphql.types import branch_life as gbl
from partygraph.graphql.types import candidate as _candidate  # noqa: F401 - registers its enums
from partygraph.graphql.types import discipline as _discipline  # noqa: F401 - registers its enums
from partygraph.graphql.types import evaluation as gev
from partygraph.graphql.types import plan as _plan  # noqa: F401 - registers its enums
from partygraph.models import account as ma
from partygraph.models import meeting as mm
from partygraph.models import member as mb
from partygraph.models import organization as mo
from partygraph.reports import alerts as report_alerts
from partygraph.rules import assistance as ra
from partygraph.rules import branch_life as rbl
from partygraph.rules import candidate as rc
from partygraph.rules import discipline as rd
from partygraph.rules import evaluation as rev
from partygraph.rules import plan as rp

Labels = Mapping[Any, tuple[str, str]]

# The label tables, each keyed by the members of one enum.
TABLES: tuple[Labels, ...] = (
    mo.ORG_KIND_LABELS,
    mo.BRANCH_TYPE_LABELS,
    mb.GENDER_LABELS,
    mb.EDUCATION_LABELS,
    mb.MEMBER_STATUS_LABELS,
    mb.POSITION_LABELS,
    ma.ROLE_LABELS,
    mm.MEETING_KIND_LABELS,
    mm.DECISION_SUBJECT_LABELS,
    mm.ATTENDANCE_LABELS,
    rc.STAGE_LABELS,
    rc.STEP_LABELS,
    rev.GRADE_LABELS,
    rev.SOURCE_LABELS,
    rev.DECISION_LABELS,
    rev.CADRE_RATING_LABELS,
    rev.ORG_RATING_LABELS,
    rev.CHECKPOINT_LABELS,
    rev.CHECKPOINT_RESULT_LABELS,
    rev.FLAG_LABELS,
    gev.FOLLOW_UP_LABELS,
    gev.CAREER_LABELS,
    rbl.FOUR_STEP_LABELS,
    rbl.FOUR_STEP_STATUS_LABELS,
    rd.SANCTION_KIND_LABELS,
    rp.PLAN_KIND_LABELS,
    rp.PLAN_STATUS_LABELS,
    ra.CAUSE_LABELS,
    ra.STANDARD_LABELS,
    ra.CASE_STATUS_LABELS,
    ra.STEP_LABELS,
    ra.REVIEW_LABELS,
    ra.HELP_LABELS,
    ra.OCCASION_LABELS,
    ra.ENTRY_LABELS,
    ra.LOAN_STATUS_LABELS,
    ra.PAIRING_LABELS,
    ra.ALLOWANCE_LABELS,
    ra.ROLL_STAGE_LABELS,
)

# Tables keyed by the values (strings) of the enum they label, where that enum is declared
# apart from the table.
BY_VALUE: tuple[tuple[type[Enum], Mapping[str, tuple[str, str]]], ...] = (
    (AlertArea, report_alerts.ALERT_AREA_LABELS),
)

# Model enums the API exposes through an enum of its own (upper-case names, same values).
GRAPHQL_TWINS: dict[type[Enum], type[Enum]] = {
    mm.AttendanceStatus: gbl.AttendanceStatus,
    rbl.FourStep: gbl.FourStep,
    rbl.FourStepStatus: gbl.FourStepStatus,
}


@strawberry.type(description="One value of an enum with its labels.")
class EnumLabel:
    value: str = strawberry.field(description="The enum value as the API answers it.")
    zh: str
    en: str


@strawberry.type(description="The labels of one GraphQL enum, in the enum's order.")
class EnumLabels:
    name: str = strawberry.field(description="The GraphQL enum's name.")
    values: list[EnumLabel]


def _graphql_name(cls: type[Enum]) -> str:
    definition = getattr(cls, "__strawberry_definition__", None)
    if definition is None:
        raise TypeError(f"{cls.__name__} labels a model enum the API does not expose")
    return str(definition.name)


@cache
def catalogue() -> dict[str, EnumLabels]:
    """Every labelled enum by its GraphQL name; a table whose enum the API does not expose,
    or that misses a value, is a bug found at the first request."""
    out: dict[str, EnumLabels] = {}
    keyed: list[tuple[type[Enum], Labels]] = [(type(next(iter(t))), t) for t in TABLES]
    keyed += [(cls, {m: table[m.value] for m in cls if m.value in table}) for cls, table in BY_VALUE]
    for model, table in keyed:
        api = GRAPHQL_TWINS.get(model, model)
        by_value = {member.value: member.name for member in api}
        missing = [m.name for m in model if m not in table]
        if missing:
            raise ValueError(f"{model.__name__} has no label for {missing}")
        name = _graphql_name(api)
        values = [EnumLabel(value=by_value[m.value], zh=table[m][0], en=table[m][1]) for m in model]
        out[name] = EnumLabels(name=name, values=values)
    return out


@strawberry.type
class LabelsQuery:
    @strawberry.field(description="The zh/en labels of the named enums (all labelled enums when `names` is omitted); an unknown name is left out.")
    def enum_labels(self, names: list[str] | None = None) -> list[EnumLabels]:
        known = catalogue()
        if names is None:
            return list(known.values())
        return [known[n] for n in names if n in known]
