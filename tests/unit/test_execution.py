"""The lean path for plain attribute fields answers exactly as graphql-core's own path."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from partygraph.graphql.execution import ExecutionContext, plain_fields


@strawberry.enum
class Colour(enum.Enum):
    red = "red"
    blue = "blue"


@dataclass
class Row:
    name: Any
    born: Any
    colour: Any
    note: Any = None
    flag: Any = True


@strawberry.type
class Thing:
    name: str
    born: date
    colour: Colour
    note: str | None
    flag: bool

    @strawberry.field
    def shout(self) -> str:
        return str(self.name).upper()


ROWS = [
    Row("甲", date(1990, 1, 2), Colour.red, "x"),
    Row("乙", date(2000, 3, 4), "blue", None, False),  # an enum stored as its value
]
BROKEN = [
    Row(None, date(1990, 1, 2), Colour.red),  # null in a non-null field
    Row("丙", "not a date", Colour.red),  # a value the scalar cannot serialise
    Row("丁", date(1990, 1, 2), "green"),  # not a value of the enum
]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return ROWS  # type: ignore[return-value]

    @strawberry.field
    def broken(self) -> list[Thing | None]:
        return BROKEN  # type: ignore[return-value]


QUERY = "{ things { name born colour note flag shout } }"
BROKEN_QUERY = "{ broken { name born colour } }"


def _run(context: type, query: str) -> Any:
    schema = strawberry.Schema(query=Query, types=[Thing], execution_context_class=context)
    result = asyncio.run(schema.execute(query))
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or ())


def test_plain_fields_are_the_attribute_reads_of_leaf_type() -> None:
    schema = strawberry.Schema(query=Query, types=[Thing])
    plain = plain_fields(schema._schema)
    assert {name for (type_, name) in plain if type_ == "Thing"} == {"name", "born", "colour", "note", "flag"}
    assert ("Thing", "shout") not in plain  # has a resolver
    assert ("Query", "things") not in plain  # returns objects


def test_same_data_as_the_standard_path() -> None:
    fast = _run(ExecutionContext, QUERY)
    assert fast == _run(StrawberryGraphQLCoreExecutionContext, QUERY)
    assert fast[0]["things"][1] == {"name": "乙", "born": "2000-03-04", "colour": "blue", "note": None, "flag": False, "shout": "乙"}


def test_same_errors_as_the_standard_path() -> None:
    fast = _run(ExecutionContext, BROKEN_QUERY)
    assert fast == _run(StrawberryGraphQLCoreExecutionContext, BROKEN_QUERY)
    assert fast[0] == {"broken": [None, None, None]}
    assert len(fast[1]) == 3
