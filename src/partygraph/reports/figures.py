"""Every figure the dashboard and the reports show, declared once.

A `Figure` names a counter (``figures["gender"]["female"] == 12``) and says how it is
counted, labelled, ordered and shown. Everything else reads this table:

- the roster rollup (`reports.rollup`): `figures()` of the write path and the SQL of
  `rebuild` come from each tallied figure's `Bucket` (``tally`` set);
- the statistics (`reports.stats`): which figures the ``members`` group reads from the
  rollup, and how a stored key is shown (a birth year becomes an age band);
- the GraphQL ``Stats`` type: one ``[StatCount]`` field per figure with a ``field`` name,
  and the generic ``figures`` list that the admin operations select;
- the admin dashboard and reports: the breakdown columns (``columns``) and the report's
  roster sections (``report``).

Adding a roster figure is one `Figure` here (plus its test, the regenerated schema and a
migration that counts the members already on file into the rollup).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from partygraph.models.member import (
    ACTIVE_STATUSES,
    EDUCATION_LABELS,
    GENDER_LABELS,
    MEMBER_STATUS_LABELS,
)
from partygraph.rules.assistance import CASE_STATUS_LABELS, CAUSE_LABELS, HELP_LABELS
from partygraph.rules.candidate import STAGE_LABELS
from partygraph.rules.catalogue import CATALOGUE
from partygraph.rules.evaluation import FLAG_LABELS, GRADE_LABELS

Labels = Mapping[str, tuple[str, str]]  # key → (zh, en)

ON_ROSTER = frozenset(s.value for s in ACTIVE_STATUSES)


def by_value(labels: Mapping[Any, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """A label table keyed by the enum values (the keys a figure's counter holds)."""
    return {(k.value if isinstance(k, StrEnum) else str(k)): v for k, v in labels.items()}


# --------------------------------------------------------------------------- bucket rules
# How one member's row becomes the key it is counted under: in Python for the write path,
# in SQL over the member table for the rebuild. The two must agree (tests/api/test_rollups.py).


@dataclass(frozen=True)
class Bucket:
    attr: str  # the Member attribute read

    def of(self, values: Mapping[str, Any]) -> str:
        return str(values[self.attr])

    def sql(self) -> str:
        return self.attr

    def shown(self, stored: str, period_end: date) -> str:
        """The key a stored value is shown under for a period (most are shown as stored)."""
        return stored


@dataclass(frozen=True)
class Value(Bucket):
    """The attribute's value as it is (an enum value, an ethnicity)."""


@dataclass(frozen=True)
class YesNo(Bucket):
    """A flag: "yes" or "no"."""

    def of(self, values: Mapping[str, Any]) -> str:
        return "yes" if values[self.attr] else "no"

    def sql(self) -> str:
        return f"CASE WHEN {self.attr} THEN 'yes' ELSE 'no' END"


@dataclass(frozen=True)
class Constant(Bucket):
    """Every member under one key (the roster's total)."""

    key: str = "total"

    def of(self, values: Mapping[str, Any]) -> str:
        return self.key

    def sql(self) -> str:
        return f"'{self.key}'"


AGE_BANDS = ("le35", "36_45", "46_60", "61_79", "ge80")
AGE_BAND_LABELS: Labels = {
    "le35": ("35岁及以下", "35 or under"),
    "36_45": ("36–45岁", "36–45"),
    "46_60": ("46–60岁", "46–60"),
    "61_79": ("61–79岁", "61–79"),
    "ge80": ("80岁及以上", "80 or over"),
}


def age_band(age: int) -> str:
    """The roster's age band of an age reached in the period's year."""
    for top, band in ((35, "le35"), (45, "36_45"), (60, "46_60"), (79, "61_79")):
        if age <= top:
            return band
    return "ge80"


@dataclass(frozen=True)
class AgeBand(Bucket):
    """Stored by birth year, shown as the age band reached in the year the period ends (the
    yearly party statistics count ages at 31 December): a birth year never moves, so the
    rollup stays exact whatever the period."""

    def of(self, values: Mapping[str, Any]) -> str:
        return str(values[self.attr])[:4]

    def sql(self) -> str:
        return f"substr(cast({self.attr} AS TEXT), 1, 4)"

    def shown(self, stored: str, period_end: date) -> str:
        return age_band(period_end.year - int(stored))


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Column:
    """A column of the dashboard's and the reports' breakdown by child: the sum of some keys."""

    key: str
    label_zh: str
    label_en: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    name: str  # the counter's name in `Figures`, and the key of `FIGURES`
    label_zh: str
    label_en: str
    group: str  # the figure group (`reports.stats.GROUPS`) that counts it
    labels: Labels = field(default_factory=dict)  # its keys' labels
    order: tuple[str, ...] = ()  # the keys in the order shown (default: the labels' order)
    all_known: bool = False  # show every known key, even at zero
    tally: Bucket | None = None  # kept in the roster rollup, bucketed by this rule
    dim: str = ""  # the rollup's name for it, when it differs from `name`
    roster_only: bool = True  # tallied for members on the roster only (else for every member)
    field: str | None = None  # its [StatCount] field on the GraphQL Stats type
    description: str = ""  # that field's description
    report: tuple[str, str] | None = None  # the report section (zh, en) it is listed in
    columns: tuple[Column, ...] = ()  # its columns in the breakdown by child
    listed: bool = True  # in `Stats.figures` (money and alerts have their own shapes)

    @property
    def tally_dim(self) -> str:
        return self.dim or self.name

    @property
    def keys(self) -> tuple[str, ...]:
        return self.order or tuple(self.labels)

    def label(self, key: str, lang: str = "zh") -> str:
        pair = self.labels.get(key)
        if pair is None:
            return str(key)
        return pair[0] if lang == "zh" else pair[1]

    def title(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en


YES_NO: Labels = {"yes": ("是", "Yes"), "no": ("否", "No")}
ROSTER_SECTION = ("党员队伍（在册）", "Members (on the roster)")

FLOW_KINDS = ("applied", "activist", "target", "admitted", "converted", "exited")
COHORT_KEYS = ("total", "women", "age_le35", "junior_high_plus", "senior_high_plus", "junior_college_plus", "front_line")

FIGURE_LIST: tuple[Figure, ...] = (
    # -- the roster rollup (group "members")
    Figure(
        "status", "党籍状态", "Membership status", "members", by_value(MEMBER_STATUS_LABELS),
        tally=Value("status"), roster_only=False, field="by_status",
        description="Every member record by status, including those no longer on the roster.",
        report=("党籍状态", "Standing"),
    ),
    Figure(
        "roster", "在册党员", "Members on the roster", "members", {"total": ("在册党员", "Members on the roster")},
        all_known=True, tally=Constant("status"), report=ROSTER_SECTION, columns=(Column("members", "在册党员", "Members on the roster", ("total",)),),
    ),
    Figure(
        "gender", "性别", "Gender", "members", by_value(GENDER_LABELS),
        tally=Value("gender"), field="by_gender", description="The roster by gender.", report=ROSTER_SECTION,
        columns=(Column("women", "女党员", "Women", ("female",)),),
    ),
    Figure(
        "age_band", "年龄结构", "Age", "members", AGE_BAND_LABELS, all_known=True,
        tally=AgeBand("birth_date"), dim="birth_year", field="by_age_band",
        description="The roster by age on the period's last day: ≤35, 36–45, 46–60, 61–79, ≥80.",
        report=ROSTER_SECTION,
        columns=(
            Column("young", "35岁及以下", "Aged 35 or under", ("le35",)),
            Column("old", "61岁及以上", "Aged 61 or over", ("61_79", "ge80")),
        ),
    ),
    Figure(
        "education", "学历结构", "Education", "members", by_value(EDUCATION_LABELS),
        tally=Value("education"), field="by_education", description="The roster by education.",
        report=("学历结构", "Education"),
    ),
    Figure(
        "ethnicity", "民族", "Ethnicity", "members",
        tally=Value("ethnicity"), field="by_ethnicity", description="The roster by ethnicity.",
        report=("民族", "Ethnicity"),
    ),
    Figure(
        "front_line", "生产工作一线", "Front-line", "members", YES_NO, all_known=True,
        tally=YesNo("front_line"), field="front_line", description="The roster: front-line (yes/no).",
        columns=(Column("front_line", "生产工作一线", "Front line", ("yes",)),),
    ),
    Figure(
        "rural", "农村党员", "Rural", "members", YES_NO, all_known=True,
        tally=YesNo("rural"), field="rural", description="The roster: rural (yes/no).",
    ),
    Figure(
        "flowing", "流动党员", "Flowing members", "members", YES_NO, all_known=True,
        tally=YesNo("flowing"), field="flowing",
        description="The roster: flowing members (流动党员, away from their branch for work or study; yes/no).",
        report=("流动党员", "Flowing members"), columns=(Column("flowing", "流动党员", "Flowing", ("yes",)),),
    ),
    # -- counted by their own statements (`reports.stats`)
    Figure(
        "stage", "发展党员各阶段人数", "Candidates by stage", "candidates", by_value(STAGE_LABELS),
        field="candidates_by_stage", description="Candidates by stage today.",
    ),
    Figure(
        "flow", "发展党员流程", "Pipeline flows", "flows",
        {
            "applied": ("递交申请", "Applied"),
            "activist": ("确定积极分子", "Made activist"),
            "target": ("确定发展对象", "Made development target"),
            "admitted": ("接收预备党员", "Admitted (probationary)"),
            "converted": ("预备党员转正", "Converted to full"),
            "exited": ("退出", "Exited"),
        },
        order=FLOW_KINDS, all_known=True, field="flows",
        description="Pipeline steps recorded in the period: applied, activist, target, admitted, converted, exited.",
    ),
    Figure(
        "cohort", "新党员结构", "New members", "cohort",
        {
            "total": ("新党员", "New members"),
            "women": ("女性", "Women"),
            "age_le35": ("35岁及以下", "Aged 35 or under"),
            "junior_high_plus": ("初中及以上", "Junior high or above"),
            "senior_high_plus": ("高中及以上", "Senior high or above"),
            "junior_college_plus": ("大专及以上", "Junior college or above"),
            "front_line": ("生产工作一线", "Front-line"),
        },
        order=COHORT_KEYS, all_known=True, field="new_members",
        description="The period's new members (joined in the period): total and the counts the targets use.",
    ),
    Figure(
        "grade", "民主评议结果", "Evaluation outcomes", "evaluation", by_value(GRADE_LABELS),
        field="evaluation_outcomes", description="Democratic evaluation outcomes of the period's years, by grade.",
    ),
    Figure(
        "open_flag", "未处理的评议标记", "Open evaluation flags", "evaluation", by_value(FLAG_LABELS),
        field="open_flags", description="Evaluation flags not yet resolved, by kind.",
    ),
    Figure(
        "case_cause", "困难党员（按原因）", "Cases by cause", "assistance", by_value(CAUSE_LABELS),
        field="cases_by_cause", description="Assistance cases (every status) by cause.",
    ),
    Figure(
        "case_status", "帮扶案件状态", "Cases by status", "assistance", by_value(CASE_STATUS_LABELS),
        field="cases_by_status", description="Assistance cases by status.",
    ),
    Figure("help_count", "帮扶次数", "Help given", "assistance", by_value(HELP_LABELS), listed=False),
    Figure("help_fen", "帮扶金额", "Help given (fen)", "assistance", by_value(HELP_LABELS), listed=False),
    Figure(
        "alert", "预警", "Alerts", "alerts", {code: (r.zh, r.en) for code, r in CATALOGUE.items()}, listed=False,
    ),
)  # fmt: skip

FIGURES: dict[str, Figure] = {f.name: f for f in FIGURE_LIST}
TALLIED: tuple[Figure, ...] = tuple(f for f in FIGURE_LIST if f.tally is not None)
BY_DIM: dict[str, Figure] = {f.tally_dim: f for f in TALLIED}
# The Member attributes the rollup follows: a change to any of them moves the member's counts.
TRACKED: tuple[str, ...] = ("org_path", *dict.fromkeys(f.tally.attr for f in TALLIED if f.tally is not None))


def label(figure: str, key: str, lang: str = "zh") -> str:
    f = FIGURES.get(figure)
    return f.label(key, lang) if f is not None else str(key)


def keys_of(figure: str, counter: Mapping[Any, int], *, all_known: bool = False) -> list[str]:
    """The keys to show for a figure: the known ones in their order (all of them when asked),
    then any other key found in the data, sorted."""
    f = FIGURES.get(figure)
    known = list(f.keys) if f is not None else []
    present = [k for k in known if all_known or counter.get(k)]
    extra = sorted(str(k) for k, v in counter.items() if v and str(k) not in known)
    return present + extra


def tallied(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (rollup figure, key) pairs one member counts in."""
    on_roster = str(values["status"]) in ON_ROSTER
    return [
        (f.tally_dim, f.tally.of(values))
        for f in TALLIED
        if f.tally is not None and (on_roster or not f.roster_only)
    ]
