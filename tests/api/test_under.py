"""One meaning of `under` (graphql.lists): every root field that narrows to a subtree, given an
organisation the caller cannot see (another township's, or no such id), answers the same way:
no error, nothing shown (an empty list or page, a null object, zero counts). The fields are
found by walking the schema, so a new one is held to it without a case written for it."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLInputObjectType, get_named_type

from tests.api.contract import (
    InputBuilder,
    Targets,
    graphql_schema,
    operation,
    query_fields,
    selection,
    walk,
)

SCHEMA = graphql_schema()


def _under_fields() -> dict[str, str]:
    """Root field → where its `under` is: `under` (an argument) or `filter.under`."""
    out = {}
    for name, f in query_fields(SCHEMA).items():
        if "under" in f.args:
            out[name] = "under"
        elif "filter" in f.args:
            named = get_named_type(f.args["filter"].type)
            if isinstance(named, GraphQLInputObjectType) and "under" in named.fields:
                out[name] = "filter.under"
    return out


UNDER_FIELDS = _under_fields()


def _query(name: str, where: str, org: str) -> tuple[str, dict[str, Any]]:
    f = query_fields(SCHEMA)[name]
    args = InputBuilder(SCHEMA, Targets(ids={}, versions={}, org_code="V1", subtree=org)).arguments(name, f, all_ids=False)
    if where == "under":
        args["under"] = org
    else:
        args["filter"] = {**args.get("filter", {}), "under": org}
    return operation("query", name, f, args, selection(f.type))


def _shown(data: Any) -> list[str]:
    """What shows a record: a non-empty list, an id, a non-zero count or sum."""
    return [
        f"{path}={leaf}"
        for path, leaf in walk(data)
        if (path.endswith("[]") and leaf)
        or (path.rsplit(".", 1)[-1] == "id" and leaf is not None)
        or (isinstance(leaf, int) and not isinstance(leaf, bool) and leaf and not path.endswith("[]"))
    ]


def test_the_walk_finds_the_lists_that_take_under() -> None:
    for name in ("members", "organizations", "candidates", "developmentPlans", "pairings", "flowingMembers",
                 "assistanceAlerts", "evaluationAlerts", "alerts", "allAlerts", "accounts", "stats", "allowanceEligibility"):
        assert name in UNDER_FIELDS, name


@pytest.mark.parametrize("name", sorted(UNDER_FIELDS))
def test_an_under_out_of_scope_or_unknown_answers_nothing(gql, world, name: str) -> None:
    where = UNDER_FIELDS[name]
    for org in (world.gid("Organization", "V3"), world.gid("Organization", "C"), "T3JnYW5pemF0aW9uOjk5OTk5"):
        result = gql.run(*_query(name, where, org), user="township")
        assert not result.errors, (name, org, result.errors)
        assert _shown(result.data["r"]) == [], (name, org, result.data)
    # Control: the same query aimed inside the scope is no error either (the answer above is
    # the scope's, not a malformed query's).
    inside = gql.run(*_query(name, where, world.gid("Organization", "T1")), user="township")
    assert not inside.errors, (name, inside.errors)


def test_control_an_inside_under_shows_records(gql, world) -> None:
    """The out-of-scope test would pass on a list that is always empty: these show records."""
    for name in ("members", "organizations"):
        result = gql.run(*_query(name, UNDER_FIELDS[name], world.gid("Organization", "T1")), user="township")
        assert _shown(result.data["r"]), name
