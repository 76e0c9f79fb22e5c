"""The admin's form toolkit: reading a posted form, the one error shape, global ids from URLs
and forms, and how a mutation's error finds its form field.

Every page reads forms and shows errors through this module, so an error looks the same
everywhere: `{form field or "_": FieldError(code, message)}`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from strawberry.relay import GlobalID

from partygraph.admin.core import ERROR_STATUS, Page
from partygraph.admin.field_errors import (
    INVALID_INPUT,
    FieldError,
    FieldErrors,
    camel,
    field_errors,
    form_field,
    payload_errors,
)

__all__ = ["INVALID_INPUT", "FieldError", "FieldErrors", "camel", "field_errors", "form_field", "payload_errors"]


def N_(text: str) -> str:
    """Marks a UI string for the catalog (tests/admin/test_i18n.py); templates translate it."""
    return text


def error_status(payload: dict[str, Any]) -> int:
    return ERROR_STATUS.get(payload.get("__typename", ""), 422)


def split_errors(errors: dict[str, Any], fields: set[str] | list[str]) -> tuple[dict[str, Any], list[Any]]:
    """Errors shown next to a field, and the rest (conflicts, permissions) shown above the form."""
    names = set(fields)
    return {k: v for k, v in errors.items() if k in names}, [v for k, v in errors.items() if k not in names]


# --- responses ------------------------------------------------------------------------------------


def is_htmx(p: Page) -> bool:
    return p.request.headers.get("hx-request") == "true"


def done(p: Page, url: str) -> Response:
    """After a successful change: htmx follows HX-Redirect, a plain form post a 303."""
    if is_htmx(p):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, 303)


# --- ids --------------------------------------------------------------------------------------------


def parse_gid(value: str | None, type_name: str) -> str | None:
    """A global id of the given type, or None for anything else."""
    try:
        gid = GlobalID.from_id(str(value or ""))
    except Exception:  # noqa: BLE001 - any undecodable id is simply not one
        return None
    return str(gid) if gid.type_name == type_name else None


def global_id(value: str | None, type_name: str) -> str:
    """A global id of the given type from a URL, or 404: a typo in a URL is not a server error."""
    gid = parse_gid(value, type_name)
    if gid is None:
        raise HTTPException(404)
    return gid


def raw_id(gid: str) -> str:
    """The row id inside a global id the API answered."""
    return GlobalID.from_id(gid).node_id


def home_org(p: Page) -> str:
    """The signed-in account's own organisation, as a global id."""
    return str(GlobalID("Organization", str(p.signed_in.org_id)))


def org_param(p: Page, name: str = "org") -> str:
    """The organisation a page is about: ?org= (404 when it names none), else the viewer's own."""
    raw = p.request.query_params.get(name)
    return global_id(raw, "Organization") if raw else home_org(p)


# --- posted forms -----------------------------------------------------------------------------------


class Form:
    """A posted form read field by field; shape errors (a date that is not a date) go to
    `errors`, in the one shape, before any mutation runs."""

    # Whether its errors show their code (INVALID_INPUT) as a badge, like the page's API errors.
    badge = False

    def __init__(self, p: Page, data: FormData) -> None:
        self.p = p
        self.data = data
        self.errors: FieldErrors = {}

    def values(self) -> dict[str, Any]:
        """What the clerk typed, to put back in the form when it comes back with an error."""
        return {k: (v if isinstance(v, str) else "") for k, v in self.data.items()}

    def error(self, name: str, text: str) -> None:
        self.errors[name] = FieldError(INVALID_INPUT, self.p.t(text), badge=self.badge)

    def text(self, name: str) -> str:
        value = self.data.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true", "yes")

    def date(self, name: str, *, required: bool = False) -> str | None:
        raw = self.text(name)
        if not raw:
            if required:
                self.error(name, N_("请填写日期"))
            return None
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            self.error(name, N_("日期格式应为 YYYY-MM-DD"))
            return None

    def integer(self, name: str) -> int | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            self.error(name, N_("请填写整数"))
            return None

    def parsed(self, name: str, parse: Callable[[str], Any], message: str, *, missing: str = "", required: bool = False) -> Any:
        """A value a page-specific parser reads (an amount in yuan): `message` when it cannot,
        `missing` when a required one is empty."""
        raw = self.text(name)
        if not raw:
            if required:
                self.error(name, missing or message)
            return None
        try:
            return parse(raw)
        except ValueError:
            self.error(name, message)
            return None

    def choice(self, name: str, allowed: list[tuple[str, str]] | list[str], *, required: bool = True) -> str | None:
        keys = [a[0] if isinstance(a, tuple) else a for a in allowed]
        raw = self.text(name)
        if raw in keys:
            return raw
        if raw or required:
            self.error(name, N_("请选择一项"))
        return None

    def many(self, name: str, allowed: list[tuple[str, str]]) -> list[str]:
        """The ticked boxes of a group, in the order offered."""
        ticked = {v for v in self.data.getlist(name) if isinstance(v, str)}
        if ticked - {a[0] for a in allowed}:
            self.error(name, N_("请选择一项"))
        return [a[0] for a in allowed if a[0] in ticked]

    def gid(self, name: str, type_name: str, *, required: bool = True) -> str | None:
        raw = self.text(name)
        if not raw:
            if required:
                self.error(name, N_("请选择一项"))
            return None
        gid = parse_gid(raw, type_name)
        if gid is None:
            self.error(name, N_("请选择一项"))
        return gid


async def read_form(p: Page) -> Form:
    return Form(p, await p.request.form())


async def org_options(p: Page, operation: str) -> list[dict[str, Any]]:
    """Every organisation a select may offer, paged through the connection (100 at a time)."""
    out: list[dict[str, Any]] = []
    after = None
    for _ in range(50):  # 5,000 organisations: far beyond a county
        data = (await p.run(operation, {"after": after}))["organizations"]
        out.extend(data["nodes"])
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    return out
