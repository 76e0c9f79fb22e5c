"""The one shape of an error shown beside a form field, and how an API error's `field`
(an input path) finds the form field it is about: generically, with no per-page table."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

# The code of an error the form itself found (a date that is not a date) before any
# mutation ran.
INVALID_INPUT = "INVALID_INPUT"


class FieldError(dict[str, str]):
    """One error beside a field: a mapping {code, message, badge} that prints as its message
    where a template shows it bare. `badge` is the code the form macros show before the
    message: the code itself on the forms that show rule codes, empty on the others."""

    def __init__(self, code: str | None, message: str | None, *, badge: bool = True) -> None:
        super().__init__(code=code or "", message=message or "", badge=(code or "") if badge else "")

    @property
    def code(self) -> str:
        return self["code"]

    @property
    def message(self) -> str:
        return self["message"]

    def __str__(self) -> str:
        return self["message"]

    def __html__(self) -> str:
        return str(escape(self["message"]))


FieldErrors = dict[str, FieldError]


# --- mutation errors ------------------------------------------------------------------------------


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def form_field(path: str | None) -> str:
    """The form field an API error's `field` names: the API reports input paths
    (`attachments.2`, `input.heldOn`, some services still `held_on`); a form names the
    field itself (`attachments`, `heldOn`). No path: `_`, shown above the form."""
    if not path:
        return "_"
    parts = path.split(".")
    if parts[0] == "input" and len(parts) > 1:
        parts = parts[1:]
    return camel(parts[0])


def field_errors(payload: dict[str, Any], aliases: dict[str, str] | None = None, *, badge: bool = True) -> FieldErrors:
    """A mutation's error union in the one shape; {} for its payload. `aliases` puts an error
    beside the field the form shows for it (a year span error on its first year)."""
    if payload.get("__typename", "").endswith("Payload"):
        return {}
    field = form_field(payload.get("field"))
    field = (aliases or {}).get(field, field)
    return {field: FieldError(payload.get("code"), payload.get("message"), badge=badge)}


def payload_errors(payload: dict[str, Any]) -> FieldErrors:
    """`field_errors` for the forms that show the message without the rule code."""
    return field_errors(payload, badge=False)
