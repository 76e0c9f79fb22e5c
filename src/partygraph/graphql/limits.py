"""Query limits (depth, aliases, tokens) read per request from the request's settings.

The schema is built once per process: Strawberry binds relay fields (``node``) to the
schema that converts them first, so a second schema built from the same types fails.
The limits therefore cannot be baked into the schema; this extension reads them from the
context's ``Settings`` when the operation starts.

The validation rules are made once per set of limits: Strawberry's ValidationCache keys
on the rule classes, so a fresh class per request would never hit, and one class shared
by two sets of limits would let a document validated under the larger limits through
under the smaller ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from partygraph.config import Settings

_DEFAULTS = Settings()


@lru_cache(maxsize=16)
def _rules(max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    return (depth_rule(max_depth, None), aliases_rule(max_aliases))


class QueryLimits(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        settings = getattr(ec.context, "settings", None)
        if not isinstance(settings, Settings):
            settings = _DEFAULTS
        ec.parse_options["max_tokens"] = settings.max_tokens
        ec.validation_rules = ec.validation_rules + _rules(settings.max_query_depth, settings.max_aliases)
        yield
