"""Party disciplinary sanctions (党纪处分) as the roster needs them: their kinds, when one
may be recorded, lifted or withdrawn, and whether a member stands under 留党察看 on a day.

Readings (Party Constitution arts. 39–40; 《中国共产党纪律处分条例》 art. 11):

- 留党察看 lasts one or two years from the day it takes effect; during it the member has
  no vote, no right to elect or be elected. Rights come back only by a decision after the
  period has ended (期满后恢复其党员权利) — so a member stays under 留党察看 from
  `effective_from` until `lifted_on`, also past `effective_until` while no decision is
  recorded (the stricter reading: nobody is restored by default).
- A member under 留党察看 cannot introduce a candidate (docs/rules.md §1 step 9, R-DEV-09);
  the pipeline applies the same to contacts (R-DEV-05: full members in good standing).

Refusals:

- R-DISC-01 dates: decided on or before today; effective from the decision's day or later,
  and not after today.
- R-DISC-02 留党察看 is for one or two years; the other kinds have no period.
- R-DISC-03 only 留党察看 is lifted (rights restored), once, by a decision dated after its
  period ended and not after today; a withdrawn sanction is not lifted.
- R-DISC-04 a withdrawn sanction is final (no second withdrawal); a withdrawal gives its
  reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from partygraph.rules.base import Violation, add_months


class SanctionKind(StrEnum):
    warning = "warning"
    serious_warning = "serious_warning"
    removal_from_post = "removal_from_post"
    party_probation = "party_probation"
    expulsion = "expulsion"


SANCTION_KIND_LABELS: dict[SanctionKind, tuple[str, str]] = {
    SanctionKind.warning: ("警告", "Warning"),
    SanctionKind.serious_warning: ("严重警告", "Serious warning"),
    SanctionKind.removal_from_post: ("撤销党内职务", "Removal from party posts"),
    SanctionKind.party_probation: ("留党察看", "Probation within the party"),
    SanctionKind.expulsion: ("开除党籍", "Expulsion"),
}
PROBATION_YEARS = (1, 2)


@dataclass(frozen=True)
class SanctionRecord:
    kind: str
    effective_from: date
    effective_until: date | None = None
    lifted_on: date | None = None
    withdrawn: bool = False


def _v(code: str, zh: str, en: str, field: str | None) -> Violation:
    return Violation(code, f"{zh}（{code}）", f"{en} ({code})", field)


def probation_until(effective_from: date, years: int) -> date:
    """The last day of a 留党察看 of `years` years."""
    return add_months(effective_from, 12 * years) - timedelta(days=1)


def record_problem(
    kind: str, decided_on: date, effective_from: date, probation_years: int | None, today: date
) -> Violation | None:
    try:
        k = SanctionKind(kind)
    except ValueError:
        return Violation(
            "INVALID_INPUT", f"未知的处分种类：{kind}", f"Unknown sanction: {kind}", "kind"
        )
    if decided_on > today:
        return _v(
            "R-DISC-01",
            f"处分决定日期不能晚于今天（{today.isoformat()}）",
            f"The decision cannot be dated after today ({today.isoformat()})",
            "decidedOn",
        )
    if effective_from < decided_on:
        return _v(
            "R-DISC-01",
            "处分生效日期不能早于决定日期",
            "A sanction cannot take effect before it was decided",
            "effectiveFrom",
        )
    if effective_from > today:
        return _v(
            "R-DISC-01",
            f"处分生效日期不能晚于今天（{today.isoformat()}）",
            f"The effective date cannot be after today ({today.isoformat()})",
            "effectiveFrom",
        )
    if k == SanctionKind.party_probation:
        if probation_years not in PROBATION_YEARS:
            return _v(
                "R-DISC-02",
                "留党察看期限为一年或二年",
                "Probation within the party lasts one or two years",
                "probationYears",
            )
    elif probation_years is not None:
        return _v(
            "R-DISC-02",
            "只有留党察看有期限",
            "Only probation within the party has a period",
            "probationYears",
        )
    return None


def lift_problem(s: SanctionRecord, on: date, today: date) -> Violation | None:
    if s.kind != SanctionKind.party_probation:
        return _v(
            "R-DISC-03",
            "只有留党察看处分才有恢复党员权利",
            "Only probation within the party ends with rights restored",
            "id",
        )
    if s.withdrawn:
        return _v("R-DISC-03", "该处分已撤销", "That sanction was withdrawn", "id")
    if s.lifted_on is not None:
        return _v(
            "R-DISC-03",
            f"已于 {s.lifted_on.isoformat()} 恢复党员权利",
            f"Rights were restored on {s.lifted_on.isoformat()} already",
            "id",
        )
    if on > today:
        return _v(
            "R-DISC-03",
            f"恢复日期不能晚于今天（{today.isoformat()}）",
            f"The date cannot be after today ({today.isoformat()})",
            "liftedOn",
        )
    if s.effective_until is not None and on <= s.effective_until:
        return _v(
            "R-DISC-03",
            f"留党察看期满（{s.effective_until.isoformat()}）后方可恢复党员权利",
            f"Rights are restored only after the probation ends ({s.effective_until.isoformat()})",
            "liftedOn",
        )
    return None


def withdraw_problem(s: SanctionRecord) -> Violation | None:
    if s.withdrawn:
        return _v("R-DISC-04", "该处分记录已撤销", "That sanction was withdrawn already", "id")
    return None


def under_party_probation(sanctions: Iterable[SanctionRecord], on: date) -> bool:
    """Whether the member stands under 留党察看 on the day (rights not yet restored)."""
    return any(
        s.kind == SanctionKind.party_probation
        and not s.withdrawn
        and s.effective_from <= on
        and (s.lifted_on is None or on < s.lifted_on)
        for s in sanctions
    )
