"""A leaner path through graphql-core for plain attribute fields.

Profiling the member list (bench/README.md) showed ~12 µs per resolved field, most of it
not in our resolvers: graphql-core builds a resolve-info object for every field, Strawberry
wraps even a plain attribute read in two calls, and completion walks the type wrappers.
Most fields of a list page are plain attributes of scalar or enum type (a member's name,
birth date, status). For those this context reads the attribute and coerces it the way
graphql-core's `complete_leaf_value` does, and hands everything else — resolvers,
objects, lists, nulls in non-null fields, coercion errors — to the standard path, so
results and errors are the same.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

# (python attribute, leaf type, non-null) by (object type, field name)
PlainFields = dict[tuple[str, str], tuple[str, Any, bool]]

_plain_by_schema: dict[int, PlainFields] = {}


def plain_fields(schema: GraphQLSchema) -> PlainFields:
    """Fields that only read an attribute (Strawberry's "basic" fields) and return a leaf."""
    found: PlainFields = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if definition is None or not getattr(field.resolve, "_is_default", False):
                continue
            if not definition.is_basic_field or field.args:
                continue
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                found[(type_.name, name)] = (definition.python_name, leaf, isinstance(field.type, GraphQLNonNull))
    return found


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A resolve middleware (a schema extension with a `resolve` hook) must see every field.
        manager = self.middleware_manager
        self._fast = _plain_by_schema.get(id(self.schema)) if manager is None or not manager.middlewares else None
        if self._fast is None and (manager is None or not manager.middlewares):
            self._fast = _plain_by_schema[id(self.schema)] = plain_fields(self.schema)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any = None,
    ) -> Any:
        plain = self._fast.get((parent_type.name, field_details_list[0].node.name.value)) if self._fast else None
        if plain is not None:
            attr, leaf, non_null = plain
            try:
                value = getattr(source, attr)
                if value is None:
                    if not non_null:
                        return None
                else:
                    coerced = leaf.coerce_output_value(value)
                    if coerced is not Undefined and coerced is not None:
                        return coerced
            except Exception:  # noqa: BLE001 - the standard path reports it with its path
                pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
