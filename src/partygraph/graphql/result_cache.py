"""Whole results of read queries, kept until the data changes.

A query's result depends on the query, its variables, who asks (what they may see, and
how numbers are masked for them), the language, the day, the rule settings, and the data. Every committed
write moves the data version (`cache.data_version`: the audit trail's newest id, read in
one statement, so a write in any worker is seen by every other; plus this process's own
counter), so a write is visible in the next read and nothing is served stale.

Dashboard aggregates (`stats`, `alertKinds`) do not depend on the account, only on the
viewer's home organisation and role: their entries are shared by every account there.
Any other query is kept per account. `me` and mutations are never kept. Entries expire
after `cache.CACHE_TTL` seconds and the oldest go first when the cache is full (1,024
results or 64 MiB; a result over 4 MiB is not kept). The cache
is per process; `PARTYGRAPH_RESULT_CACHE=off` turns it off (the benchmark measures both).

Reads of personal data (services.access_log) are written once the operation has run; an
entry remembers the reads its execution recorded, and every hit logs them again, so a
result served from the cache is in the access log like one that was executed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal, cast

import orjson
import strawberry
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError
from strawberry.types import ExecutionResult

from partygraph import config
from partygraph.context import Context
from partygraph.reports import cache
from partygraph.services import access_log

SHARED_ROOT_FIELDS = frozenset({"stats", "alertKinds", "__typename"})
# accessLog: its rows do not move the data version (services.access_log), so a kept
# answer would miss the newest reads. job: a job's state is a file (partygraph.jobs), not data.
NEVER_KEPT_ROOT_FIELDS = frozenset({"me", "accessLog", "job"})
MAX_ENTRIES = 1024
# Bytes kept per process (serialised results), and the largest result worth keeping: a
# worker serving a province stays well under its memory budget whatever is asked.
MAX_BYTES = 64 * 1024 * 1024
MAX_ENTRY_BYTES = 4 * 1024 * 1024

Reuse = Literal["shared", "account"] | None

_lock = threading.Lock()
# key → (kept at, serialised result, the personal-data reads its execution recorded)
_results: dict[tuple[Any, ...], tuple[float, bytes, tuple[access_log.Access, ...]]] = {}
_bytes = 0


@lru_cache(maxsize=1024)
def reuse(query: str, operation_name: str | None) -> Reuse:
    """Whose entry a query's result may be: "shared" (dashboard aggregates only), "account",
    or None (a mutation, `me`, several operations without a name, fragments at the root)."""
    try:
        doc = parse(query)
    except GraphQLError:
        return None
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == operation_name]
    if len(ops) != 1 or ops[0].operation != OperationType.QUERY:
        return None
    selections = ops[0].selection_set.selections
    fields = [s for s in selections if isinstance(s, FieldNode)]
    if len(fields) != len(selections):
        return None
    names = {f.name.value for f in fields}
    if names & NEVER_KEPT_ROOT_FIELDS:
        return None
    return "shared" if names <= SHARED_ROOT_FIELDS else "account"


def _key(ctx: Context, how: Reuse, query: str, variables: dict[str, Any] | None, operation_name: str | None) -> tuple[Any, ...] | None:
    viewer = ctx.viewer
    if viewer is None or how is None:
        return None
    try:
        frozen = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    who: tuple[Any, ...] = (viewer.org_path, viewer.role)
    if how == "account":
        who += (viewer.account_id, viewer.read_only)
    return (query, operation_name, frozen, *who, ctx.lang, ctx.today(), config.settings_key(ctx.settings), cache.data_version(ctx.session))


class CachingSchema(strawberry.Schema):
    async def execute(
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
        ctx = context_value if isinstance(context_value, Context) else None
        if query and ctx is not None and ctx.settings.result_cache:
            key = _key(ctx, reuse(query, operation_name), query, variable_values, operation_name)
        if ctx is not None and key is not None:
            now = time.monotonic()
            with _lock:
                hit = _results.get(key)
            if hit is not None and now - hit[0] < cache.CACHE_TTL:
                if hit[2]:
                    access_log.flush(ctx, access_log.operation_path(ctx, query, operation_name), hit[2])
                # kept serialised: every caller gets its own copy to change as it likes, and
                # the HTTP endpoint the bytes themselves
                data = orjson.Fragment(hit[1]) if ctx.encoded_results else orjson.loads(hit[1])
                # A Fragment is not the declared dict: the HTTP view writes it out as it is.
                return ExecutionResult(data=cast("dict[str, Any]", data), errors=None)
        seen = len(access_log.collected(ctx)) if ctx is not None else 0
        result = await super().execute(
            query, variable_values, context_value, root_value, operation_name, allowed_operation_types, operation_extensions
        )
        reads: tuple[access_log.Access, ...] = ()
        if ctx is not None:
            found = access_log.collected(ctx)
            # run_mutation empties the context's loaders (the list included) along the way
            reads = tuple(found[seen:] if len(found) >= seen else found)
            if reads:
                access_log.flush(ctx, access_log.operation_path(ctx, query, operation_name))
        if key is not None and not result.errors:
            encoded = orjson.dumps(result.data)
            if len(encoded) <= MAX_ENTRY_BYTES:
                _keep(key, encoded, reads)
        return result


def _keep(key: tuple[Any, ...], encoded: bytes, reads: tuple[access_log.Access, ...] = ()) -> None:
    global _bytes
    with _lock:
        old = _results.pop(key, None)
        if old is not None:
            _bytes -= len(old[1])
        while _results and (len(_results) >= MAX_ENTRIES or _bytes + len(encoded) > MAX_BYTES):
            _bytes -= len(_results.pop(next(iter(_results)))[1])
        _results[key] = (time.monotonic(), encoded, reads)
        _bytes += len(encoded)
