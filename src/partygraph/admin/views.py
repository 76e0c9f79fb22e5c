"""Generic admin views a page configures instead of writing them out (NetBox's generic
ObjectEditView is the model): an edit view is a mutation, the form's input, where to go when
it is done and how to show the form again with its errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from partygraph.admin.core import Page
from partygraph.admin.field_errors import FieldErrors, field_errors
from partygraph.admin.forms import done, error_status

# Shows the form again: (the errors beside its fields, the HTTP status).
Again = Callable[[FieldErrors, int], Awaitable[Response]]


async def save(
    p: Page,
    operation: str,
    field: str,
    variables: dict[str, Any] | None,
    *,
    invalid: FieldErrors,
    again: Again,
    redirect: Callable[[dict[str, Any]], str],
    aliases: dict[str, str] | None = None,
    badge: bool = False,
) -> Response:
    """An edit view's POST. A form the page found invalid (`invalid`, or no `variables`: a
    versioned form posted without its version) comes back with 422 and no mutation run;
    otherwise the mutation `operation` runs with `{"input": variables}` and its payload under
    `field` either redirects (`redirect(payload)`) or comes back with the error beside its
    field (`aliases`: a field the form shows under another name; `badge`: with its code)."""
    if invalid or variables is None:
        return await again(invalid, 422)
    payload = (await p.run(operation, {"input": variables}))[field]
    errors = field_errors(payload, aliases, badge=badge)
    if errors:
        return await again(errors, error_status(payload))
    return done(p, redirect(payload))
