"""Whole results of dashboard queries, kept until the data changes.

`stats` already keeps its figures (stats.cached), but a county dashboard still costs ~27 ms
of GraphQL to turn them into fields on every request. A query whose root fields are all
dashboard aggregates is answered from here, keyed by the query, its variables, what the
viewer may see (home organisation, role, language) and the data version of `stats` (one
statement; writes from any worker change it), so a write is visible in the next read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson
import strawberry
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError
from strawberry.types import ExecutionResult

from partygraph import stats
from partygraph.context import Context

CACHEABLE_ROOT_FIELDS = frozenset({"stats", "alertKinds", "__typename"})
MAX_ENTRIES = 512

_lock = threading.Lock()
_results: dict[tuple[Any, ...], tuple[float, bytes]] = {}


@lru_cache(maxsize=1024)
def cacheable(query: str, operation_name: str | None) -> bool:
    """A read whose root selections are only dashboard aggregates (no fragments at the root)."""
    try:
        doc = parse(query)
    except GraphQLError:
        return False
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == operation_name]
    if len(ops) != 1 or ops[0].operation != OperationType.QUERY:
        return False
    selections = ops[0].selection_set.selections
    return all(isinstance(s, FieldNode) and s.name.value in CACHEABLE_ROOT_FIELDS for s in selections)


def _key(ctx: Context, query: str, variables: dict[str, Any] | None, operation_name: str | None) -> tuple[Any, ...] | None:
    viewer = ctx.viewer
    if viewer is None:
        return None
    try:
        frozen = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (query, operation_name, frozen, viewer.org_path, viewer.role, ctx.lang, ctx.today(), stats.data_version(ctx.session))


class CachingSchema(strawberry.Schema):
    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[Any] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        key = None
        if query and isinstance(context_value, Context) and cacheable(query, operation_name):
            key = _key(context_value, query, variable_values, operation_name)
        if key is not None:
            now = time.monotonic()
            with _lock:
                hit = _results.get(key)
            if hit is not None and now - hit[0] < stats.CACHE_TTL:
                # kept serialised: every caller gets its own copy to change as it likes
                return ExecutionResult(data=orjson.loads(hit[1]), errors=None)
        result = await super().execute(
            query, variable_values, context_value, root_value, operation_name, allowed_operation_types, operation_extensions
        )
        if key is not None and not result.errors:
            with _lock:
                if len(_results) >= MAX_ENTRIES:
                    _results.clear()
                _results[key] = (time.monotonic(), orjson.dumps(result.data))
        return result
