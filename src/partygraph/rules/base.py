"""The shape every rule answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Violation:
    """A refused step: stable code, bilingual message, the offending input field."""

    code: str
    message_zh: str
    message_en: str
    field: str | None = None


@dataclass(frozen=True)
class Alert:
    """Something due or overdue that a person must look at; never a block."""

    code: str
    message_zh: str
    message_en: str
    due_on: date | None = None
    extra: dict = field(default_factory=dict)


def add_months(d: date, months: int) -> date:
    """Calendar month arithmetic, clamping to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_on(birth: date, on: date) -> int:
    """Completed years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
