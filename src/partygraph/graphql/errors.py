"""Typed mutation errors and the one wrapper that runs a use case inside a transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
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
    field: str | None = strawberry.field(description="The input field at fault, camelCase.")


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


def to_error(exc: DomainError, lang: str) -> MutationError:
    common: dict[str, Any] = {
        "code": exc.code,
        "message": exc.message_zh if lang == "zh" else exc.message_en,
        "message_zh": exc.message_zh,
        "message_en": exc.message_en,
        "field": exc.field,
    }
    if isinstance(exc, NotFoundError):
        return NotFound(**common)
    if isinstance(exc, NotAllowedError):
        return NotAllowed(**common)
    if isinstance(exc, ConflictError):
        return Conflict(**common, current_version=exc.current)
    return RuleViolation(**common)


P = TypeVar("P")


def run_mutation(info: Info, use_case: Callable[[Context], P]) -> P | MutationError:
    """Run one use case in one transaction: commit on success, roll back on any error."""
    ctx: Context = info.context
    try:
        result = use_case(ctx)
        ctx.session.commit()
    except DomainError as exc:
        ctx.session.rollback()
        return to_error(exc, ctx.lang)
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
