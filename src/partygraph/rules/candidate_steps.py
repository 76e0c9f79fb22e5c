"""What each step of a candidate's file carries besides its date: declared once.

`STEP_FIELDS` names, per step, the data a clerk gives (`StepField`): its name (the
attribute of `services.candidate.StepInput`, the admin form's input; the GraphQL
input's field is the camelCase of it), its kind, its labels, where the rules read it
(`key` in `StepRecord.data`, or the step row's own column), its check, and the
candidate ledger's column that carries it (`imports.candidate` / `exports`).

Derived from it: the service's `StepRecord.data` (`services.candidate._step_data`), the
GraphQL input's conversion to `StepInput`, the admin's step form (`_step_input` and
templates/candidate/_step_form.html) and the ledger's export and import of the step
data. The GraphQL input classes and `StepInput` stay written out (typed); a test
(tests/unit/test_rules_candidate_steps.py) fails when they drift from this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from partygraph.rules.candidate import (
    ARCHIVE_DOCUMENTS,
    RECOMMENDATION_LABELS,
    REVIEW_FAIL,
    REVIEW_PASS,
    ConversionOutcome,
    Step,
)


class Kind(StrEnum):
    text = "text"
    date = "date"
    int = "int"
    float = "float"
    bool = "bool"
    choice = "choice"  # one of `choices`
    choices = "choices"  # several of `choices`
    members = "members"  # roster members by id; the data holds them with their standing
    decision = "decision"  # a general meeting's decision (a vote step's tally)


@dataclass(frozen=True)
class StepField:
    name: str
    kind: Kind
    label_zh: str
    label_en: str
    # Where the rules read it in StepRecord.data; None: the step row's own column of this name.
    key: str | None
    choices: dict[str, tuple[str, str]] = field(default_factory=dict)
    required: bool = False
    max_len: int = 0  # text: the longest accepted
    minimum: int | None = None  # numbers: the smallest accepted
    default: Any = None  # stored when the client gives nothing (None: nothing stored)
    # The candidate ledger's column (a field of imports.candidate.HEADERS) …
    ledger: str | None = None
    # … or, without a column, what a dated step in the ledger implies for it …
    implied: Any = None
    # … or why the ledger does not carry it (a test asks for one of the three).
    not_in_ledger: str = ""
    summed: bool = False  # the ledger shows the sum over the step's records (training)
    unit_zh: str = ""  # the ledger writes it after the number ("6 个月")


def camel(name: str) -> str:
    """The GraphQL input's name of a field (strawberry's auto camel case)."""
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


_SINGLE_NOTICE_COLUMN = "the ledger has one 公示地点 for the four notices and no other notice columns"
_VOTE = "the ledger's 表决情况 column records the meeting again on import"

NOTE = StepField("note", Kind.text, "情况说明", "Note", "note", max_len=2000, not_in_ledger="the ledger has no note per step")
SPECIAL_REASON = StepField(
    "special_reason", Kind.text, "特殊理由", "Special reason", "special_reason", max_len=1000, ledger="special_reason"
)
LEAVING_UNIT_ON = StepField(
    "leaving_unit_on", Kind.date, "离开工作单位日期", "Leaving the unit on", "leaving_unit_on", ledger="leaving_unit_on"
)
DECISION = StepField("decision_id", Kind.decision, "支部党员大会表决（无记名投票）", "Branch general meeting vote", None, not_in_ledger=_VOTE)

STEP_FIELDS: dict[Step, tuple[StepField, ...]] = {
    Step.activist_decided: (
        StepField(
            "recommendation", Kind.choice, "推荐方式", "Recommendation", "recommendation",
            choices={r.value: labels for r, labels in RECOMMENDATION_LABELS.items()}, ledger="recommendation",
        ),
    ),
    Step.contacts_assigned: (
        StepField("contact_ids", Kind.members, "培养联系人", "Contacts", "contacts", ledger="contacts"),
    ),
    Step.activist_review: (
        StepField("passed", Kind.bool, "考察合格", "Passed", "passed", implied=True),
    ),
    Step.introducers_assigned: (
        StepField("introducer_ids", Kind.members, "入党介绍人", "Introducers", "introducers", ledger="introducers"),
    ),
    Step.political_review: (
        StepField(
            "outcome", Kind.choice, "政审结论", "Outcome", None,
            choices={REVIEW_PASS: ("合格", "pass"), REVIEW_FAIL: ("不合格", "fail")}, ledger="political_review_outcome",
        ),
    ),
    Step.training: (
        StepField("training_days", Kind.float, "培训天数", "Training days", "days", ledger="training_days", summed=True),
        StepField("training_hours", Kind.float, "培训学时", "Training hours", "hours", ledger="training_hours", summed=True),
    ),
    Step.notice: (
        StepField("notice_place", Kind.text, "公示地点", "Where posted", "place", required=True, max_len=200, ledger="notice_place"),
        StepField("notice_ends_on", Kind.date, "公示结束日期", "Notice ends on", "ends_on", not_in_ledger=_SINGLE_NOTICE_COLUMN),
        StepField("objections", Kind.int, "收到群众反映", "Objections", "objections", minimum=0, not_in_ledger=_SINGLE_NOTICE_COLUMN),
        StepField(
            "open_objections", Kind.int, "未处理的反映", "Open objections", "open_objections", default=0,
            not_in_ledger=_SINGLE_NOTICE_COLUMN,
        ),
        StepField(
            "objection_resolution", Kind.text, "处理情况", "Resolution", "objection_resolution", max_len=2000,
            not_in_ledger=_SINGLE_NOTICE_COLUMN,
        ),
    ),
    Step.pre_examination: (LEAVING_UNIT_ON, SPECIAL_REASON),
    Step.admission_vote: (DECISION, LEAVING_UNIT_ON, SPECIAL_REASON),
    Step.admission_approved: (SPECIAL_REASON,),
    Step.conversion_vote: (
        StepField(
            "outcome", Kind.choice, "讨论结果", "Outcome", None,
            choices={
                ConversionOutcome.convert.value: ("按期转正", "convert"),
                ConversionOutcome.extend.value: ("延长预备期", "extend"),
                ConversionOutcome.cancel.value: ("取消预备党员资格", "cancel"),
            },
            ledger="conversion_outcome",
        ),
        StepField("extension_months", Kind.int, "延长月数", "Extension (months)", "extension_months", ledger="conversion_outcome", unit_zh="个月"),
        DECISION,
    ),
    Step.conversion_approved: (SPECIAL_REASON,),
    Step.archived: (
        StepField(
            "archive_documents", Kind.choices, "归档材料", "Archived documents", "documents",
            choices=ARCHIVE_DOCUMENTS, implied=list(ARCHIVE_DOCUMENTS),
        ),
    ),
}  # fmt: skip
# Taken by every step (the step's documents and a correction's reason are the step row's own).
EVERY_STEP: tuple[StepField, ...] = (NOTE,)


def fields_of(step: Step | str) -> tuple[StepField, ...]:
    """The data a step takes: its own, then what every step takes."""
    return (*STEP_FIELDS.get(Step(step), ()), *EVERY_STEP)


def field_kinds() -> dict[str, Kind]:
    """Each field's kind by name (a name means one kind in every step that takes it)."""
    return {f.name: f.kind for fields in (*STEP_FIELDS.values(), EVERY_STEP) for f in fields}


def ledger_fields() -> dict[str, list[tuple[Step, StepField]]]:
    """Ledger column → the steps' fields it carries."""
    out: dict[str, list[tuple[Step, StepField]]] = {}
    for step, fields in STEP_FIELDS.items():
        for f in fields:
            if f.ledger:
                out.setdefault(f.ledger, []).append((step, f))
    return out
