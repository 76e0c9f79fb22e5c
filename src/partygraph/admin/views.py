"""Generic admin views a page configures instead of writing them out (NetBox's generic
views are the model): an edit view is a mutation, the form's input, where to go when it is
done and how to show the form again with its errors; a list view is an operation, its
templates, its filters and its page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from partygraph.admin.core import Page, numbered_page
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


@dataclass(frozen=True)
class ListView:
    """A numbered list page (NetBox's ObjectListView is the model): the page configures its
    address, templates and page size, and gives the operation (`fetch`), the total (`count`)
    and the values its templates need besides the paging; the filters are the page's
    cleaned query string (`params`), which every link and the address bar keep.

    An htmx request aimed at `target` (a filter changed, a sort, a page) gets only the
    `results` part, with the address bar following the filters; a history restore gets the
    whole page."""

    path: str
    template: str
    results: str
    page_size: int
    target: str = "results"

    def url(self, params: dict[str, Any], **changes: Any) -> str:
        """The list's address with its filters (empty ones and page 1 left out)."""
        merged = {**params, **changes}
        if merged.get("page") == 1:
            del merged["page"]
        query = urlencode({k: v for k, v in merged.items() if v not in (None, "", [])}, doseq=True)
        return self.path + ("?" + query if query else "")

    async def get(
        self,
        p: Page,
        params: dict[str, Any],
        fetch: Callable[[int, int], Awaitable[dict[str, Any]]],
        count: Callable[[dict[str, Any]], int],
        values: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Response:
        """The page: `fetch(first, offset)` runs the list's operation."""
        data, paging = await numbered_page(
            p.request, lambda offset: fetch(self.page_size, offset), count, self.page_size
        )
        shown = {
            "params": params,
            **paging,
            "list_url": lambda **changes: self.url(params, **changes),
            **values(data),
        }
        headers = p.request.headers
        if headers.get("hx-target") == self.target and headers.get("hx-history-restore-request") != "true":
            response = p.render(self.results, fragment=True, **shown)
            response.headers["HX-Push-Url"] = self.url(params, page=paging["current"])
            return response
        return p.render(self.template, **shown)
