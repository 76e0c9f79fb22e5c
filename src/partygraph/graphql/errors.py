"""Typed mutation errors and the one wrapper that runs a use case inside a transaction.

Error fields, one convention:

- Rules and services name the field at fault by its *domain* name: the service's keyword
  argument or the model's attribute (`applied_on`, `member_id`), and into lists by index
  (`attendance.3.member_id`). Older code spells the same names camelCase (`appliedOn`);
  both read alike here, because turning a name camelCase changes nothing that already is.
  Rules and services never know the API's argument names.
- This module alone turns that name into the API's: `Error.path` is the place as a GraphQL
  input path from the argument down, camelCase (`input.appliedOn`,
  `input.introducers[1].memberId`, or `attendance[3].memberId` where the mutation takes no
  `input` object). It is resolved against the mutation's argument types in the schema, so it
  names a place that exists, or it is null (the error concerns no one input field).
  `Error.field` still carries the service's name verbatim (today mostly the camelCase input
  name, `attendance.3.memberId`; the candidate rules' `data.ends_on`), because the admin's
  pages and API clients read those spellings; new clients map `path`.
- Mutation modules hand services their inputs under the domain names (`service_args` in
  mutations/inputs.py) and keep no tables from service names to input names; where an input
  deliberately differs from the service's name, the mutation passes the input's name itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
)
from sqlalchemy.exc import IntegrityError
from strawberry.types import Info

from partygraph.context import Context
from partygraph.errors import ConflictError, DomainError, NotAllowedError, NotFoundError


@strawberry.interface(description="Every mutation error: a stable code and a bilingual message.")
class Error:
    code: str
    message: str = strawberry.field(description="In the request's language (zh by default).")
    message_zh: str
    message_en: str
    field: str | None = strawberry.field(
        description="The field at fault as the service names it: mostly the camelCase input field, "
        "list indexes as numbers (`attendance.3.memberId`). Kept for existing clients; `path` is exact."
    )
    path: str | None = strawberry.field(
        default=None,
        description="The same place as a GraphQL input path from the argument down "
        "(`input.introducers[1].memberId`); null when the error concerns no one input field.",
    )


@strawberry.type(description="A domain rule refused the change; `code` cites the rule (e.g. R-DEV-07).")
class RuleViolation(Error):
    pass


@strawberry.type(description="No such record, or it is outside your scope.")
class NotFound(Error):
    pass


@strawberry.type(description="Your account may not make this change.")
class NotAllowed(Error):
    pass


@strawberry.type(description="The record changed since you read it (stale version).")
class Conflict(Error):
    current_version: int | None = None


ERROR_TYPES = (RuleViolation, NotFound, NotAllowed, Conflict)

# Row ids are INTEGER columns: PostgreSQL refuses a larger number with an error that quotes
# the statement, SQLite one over 2**63 with an OverflowError. No such row can exist.
MAX_ROW_ID = 2**31 - 1


def row_id(node_id: str) -> int | None:
    """The row id a global id's node part names, or None if it cannot name a row."""
    text = node_id.strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None
# The error half of every mutation's result union:
# `Result = Annotated[Payload | MutationError, strawberry.union("Result")]`.
MutationError = RuleViolation | NotFound | NotAllowed | Conflict


def camel(name: str) -> str:
    """`applied_on` → `appliedOn`; a name already camelCase is left as it is."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def api_field(domain_field: str | None) -> str | None:
    """A domain field name as `Error.field` spells it: `attendance.3.member_id` → `attendance.3.memberId`."""
    if not domain_field:
        return None
    return ".".join(seg if seg.isdigit() else camel(seg) for seg in domain_field.split("."))


def input_path(arguments: dict[str, GraphQLArgument], domain_field: str | None) -> str | None:
    """The GraphQL input path of a domain field among a mutation's arguments, or None if none matches.

    The first segment names an argument, or else a field of the `input` argument.
    """
    relative = api_field(domain_field)
    if relative is None:
        return None
    head, *rest = relative.split(".")
    if head in arguments:
        path, type_ = head, arguments[head].type
    elif "input" in arguments:
        path, type_, rest = "input", arguments["input"].type, [head, *rest]
    else:
        return None
    for seg in rest:
        inner: GraphQLInputType = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if seg.isdigit() and isinstance(inner, GraphQLList):
            path, type_ = f"{path}[{seg}]", inner.of_type
        elif isinstance(inner, GraphQLInputObjectType) and (name := _input_field(inner, seg)):
            path, type_ = f"{path}.{name}", inner.fields[name].type
        else:
            return None
    return path


def _input_field(type_: GraphQLInputObjectType, name: str) -> str | None:
    """The input's field of that name, or the one field that adds a unit or id suffix to it.

    Services name the thing (`amount`, `helper`); an input may name what is sent for it
    (`amountFen`, `helperMemberId`). A prefix shared by two fields names neither.
    """
    if name in type_.fields:
        return name
    longer = [f for f in type_.fields if f.startswith(name) and f[len(name)].isupper()]
    return longer[0] if len(longer) == 1 else None


def mutation_arguments(info: Info) -> dict[str, GraphQLArgument]:
    """The arguments of the field being resolved, as the schema declares them."""
    return info._raw_info.parent_type.fields[info.field_name].args


def to_error(exc: DomainError, lang: str, arguments: dict[str, GraphQLArgument] | None = None) -> MutationError:
    common: dict[str, Any] = {
        "code": exc.code,
        "message": exc.message_zh if lang == "zh" else exc.message_en,
        "message_zh": exc.message_zh,
        "message_en": exc.message_en,
        # Verbatim: the admin and API clients read today's spellings (`data.ends_on` too).
        "field": exc.field,
        "path": input_path(arguments or {}, exc.field),
    }
    if isinstance(exc, NotFoundError):
        return NotFound(**common)
    if isinstance(exc, NotAllowedError):
        return NotAllowed(**common)
    if isinstance(exc, ConflictError):
        return Conflict(**common, current_version=exc.current)
    return RuleViolation(**common)


P = TypeVar("P")


def payload(cls: type[P], row: object) -> P:
    """A one-field payload holding `row` (an ORM row its field's type resolves, see `resolves_as`)."""
    (only,) = cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
    return cls(**{only.python_name: row})


def run_service(info: Info, cls: type[P], call: Callable[[Context], object]) -> P | MutationError:
    """The common mutation: one service call whose row the one-field payload `cls` answers."""
    return run_mutation(info, lambda ctx: payload(cls, call(ctx)))


def run_mutation(info: Info, use_case: Callable[[Context], P]) -> P | MutationError:
    """Run one use case in one transaction: commit on success, roll back on any error."""
    ctx: Context = info.context
    try:
        result = use_case(ctx)
        ctx.session.commit()
    except DomainError as exc:
        ctx.session.rollback()
        return to_error(exc, ctx.lang, mutation_arguments(info))
    except IntegrityError:
        # A unique constraint lost a race that the service's own check could not see.
        ctx.session.rollback()
        return Conflict(
            code="CONFLICT",
            message="数据已被同时修改，请刷新后重试" if ctx.lang == "zh" else "Concurrent change; reload and retry",
            message_zh="数据已被同时修改，请刷新后重试",
            message_en="Concurrent change; reload and retry",
            field=None,
        )
    except BaseException:
        ctx.session.rollback()
        raise
    finally:
        # Loaders may hold rows read before the write.
        ctx.loaders.clear()
    return result
