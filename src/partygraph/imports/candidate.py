"""Import the candidate ledger (发展党员台账) from .xlsx or .csv: one row per person applying to
join, with the dates of the steps of docs/rules.md §1 already taken.

Columns (Chinese headers, see HEADERS): the person (姓名, 性别, 民族, 出生日期, 学历, 职业, 身份证号码,
联系电话, 所在党组织 / 组织编码), 申请日期 (required), 阶段 (checked, see below), 推荐方式, and one
date column per step: 谈话日期, 积极分子公示日期, 确定积极分子日期, 积极分子备案日期, 指定培养联系人日期
(+ 培养联系人: one or two names), 考察日期 (several dates allowed), 发展对象公示日期, 确定发展对象日期,
发展对象备案日期, 确定入党介绍人日期 (+ 入党介绍人: two names), 政审日期 (+ 政审结论), 培训日期
(+ 培训天数 / 培训学时), 支部委员会审查日期, 上级党委预审日期, 拟接收公示日期, 填写入党志愿书日期,
支部大会接收日期 (+ 接收表决情况: "应到 23，实到 20，赞成 18，反对 1，弃权 1"), 上级党委谈话日期,
上级党委审批日期, 入党备案日期, 编入党支部日期, 入党宣誓日期, 转正申请日期, 转正公示日期,
支部大会讨论转正日期 (+ 转正表决情况, 转正结论), 转正审批日期, 材料归档日期; 公示地点 (every notice),
特殊理由 (a late approval), and an exit: 退出方式 + 退出日期 + 退出原因. Contacts and introducers
are named members of the roster (the candidate's branch first, then the viewer's scope).

Each row is replayed through `services.candidate` (apply, then record_step for every date
given, in date order; same-day steps in the procedure's order), with a branch general
meeting recorded through `services.meeting` for each vote: the pipeline rules that refuse
a clerk's step refuse the row, with the rule's code (R-DEV-07, R-VOTE-02…) and the step
named. A row whose 阶段 differs from the stage its dates lead to is bad (STAGE_MISMATCH):
a ledger that says 预备党员 but gives no admission dates cannot be imported as one.
Admission approval registers the person on the roster as a probationary member (the
service's rule), so a person already on the roster cannot be imported past admission.

Re-importing: a row that matches a candidate already in the database — by ID number, else
by name + birth date + organisation — is skipped (existing files are never changed by an
import), so the same file (or the ledger's export, `xlsx.candidates_dataset`) imports
twice without duplicates. An export for a level that sees masked ID numbers matches by
name; a masked number cannot open a new file.
"""

from __future__ import annotations

import dataclasses
import re
from copy import copy
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict, cast

from sqlalchemy import select
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import DomainError
from partygraph.imports.common import (
    Bad,
    Columns,
    Existing,
    ImportReport,
    Orgs,
    Parsed,
    Progress,
    Row,
    Source,
    chunks,
    drop_repeats,
    education,
    gender,
    id_number,
    labels,
    lookup,
    norm_header,
    read_ledger,
    replay,
    skip_existing,
)
from partygraph.models.candidate import Candidate
from partygraph.models.meeting import MeetingDecision
from partygraph.models.member import Member, MemberStatus
from partygraph.rules.candidate import (
    REVIEW_FAIL,
    REVIEW_PASS,
    STAGE_LABELS,
    STEP_LABELS,
    ConversionOutcome,
    Recommendation,
    Stage,
    Step,
)
from partygraph.rules.candidate_steps import STEP_FIELDS, Kind, StepField
from partygraph.scope import visible

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "name"),
    "gender": ("性别", "gender", "sex"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "birth_date"),
    "education": ("学历", "文化程度", "最高学历", "education"),
    "occupation": ("职业", "工作岗位", "occupation"),
    "front_line": ("生产工作一线", "一线", "是否一线", "front_line"),
    "rural": ("农村", "农村户籍", "是否农村", "rural"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "身份证", "id_number"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "phone"),
    "org_name": ("所在党组织", "党组织", "所在支部", "党支部", "organization"),
    "org_code": ("组织编码", "党组织编码", "组织代码", "org_code"),
    "notes": ("备注", "notes"),
    "stage": ("阶段", "当前阶段", "所处阶段", "stage"),
    "recommendation": ("推荐方式", "推荐方法", "recommendation"),
    "last_step_on": ("最近一步日期", "last_step_on"),  # the export's; the steps' dates say it
    "application": (
        "申请日期",
        "递交入党申请书日期",
        "递交入党申请书",
        "申请入党日期",
        "入党申请日期",
        "applied_on",
    ),
    "talk": ("谈话日期", "党组织派人谈话", "谈话时间", "talk"),
    "notice_activist": ("积极分子公示日期", "积极分子公示", "notice_activist"),
    "activist_decided": (
        "确定积极分子日期",
        "确定入党积极分子日期",
        "确定入党积极分子",
        "activist_decided",
    ),
    "activist_filed": ("积极分子备案日期", "积极分子报上级党委备案", "activist_filed"),
    "contacts_assigned": ("指定培养联系人日期", "指定培养联系人", "contacts_assigned"),
    "contacts": ("培养联系人", "contacts"),
    "activist_review": ("考察日期", "培养教育考察", "培养考察日期", "activist_review"),
    "notice_target": ("发展对象公示日期", "发展对象公示", "notice_target"),
    "target_decided": ("确定发展对象日期", "确定发展对象", "target_decided"),
    "target_filed": ("发展对象备案日期", "发展对象报上级党委备案", "target_filed"),
    "introducers_assigned": ("确定入党介绍人日期", "确定入党介绍人", "introducers_assigned"),
    "introducers": ("入党介绍人", "introducers"),
    "political_review": ("政审日期", "政治审查日期", "进行政治审查", "political_review"),
    "political_review_outcome": ("政审结论", "政治审查结论", "political_review_outcome"),
    "training": ("培训日期", "集中培训日期", "开展集中培训", "training"),
    "training_days": ("培训天数", "training_days"),
    "training_hours": ("培训学时", "training_hours"),
    "branch_examination": ("支部委员会审查日期", "支部委员会审查", "branch_examination"),
    "pre_examination": ("上级党委预审日期", "上级党委预审", "预审日期", "pre_examination"),
    "notice_admission": ("拟接收公示日期", "接收公示日期", "发展公示日期", "notice_admission"),
    "form_filled": ("填写入党志愿书日期", "填写入党志愿书", "form_filled"),
    "admission_vote": (
        "支部大会接收日期",
        "支部大会讨论接收日期",
        "支部党员大会讨论接收",
        "admission_vote",
    ),
    "admission_tally": ("接收表决情况", "接收表决", "admission_tally"),
    "approval_talk": ("上级党委谈话日期", "上级党委派人谈话", "approval_talk"),
    "admission_approved": (
        "上级党委审批日期",
        "上级党委审批",
        "接收审批日期",
        "admission_approved",
    ),
    "admission_filed": ("入党备案日期", "报再上一级党委组织部门备案", "admission_filed"),
    "placed": ("编入党支部日期", "编入党支部和党小组", "placed"),
    "oath": ("入党宣誓日期", "入党宣誓", "宣誓日期", "oath"),
    "conversion_applied": ("转正申请日期", "提出书面转正申请", "conversion_applied"),
    "notice_conversion": ("转正公示日期", "转正公示", "notice_conversion"),
    "conversion_vote": (
        "支部大会讨论转正日期",
        "支部党员大会讨论转正",
        "转正大会日期",
        "conversion_vote",
    ),
    "conversion_tally": ("转正表决情况", "转正表决", "conversion_tally"),
    "conversion_outcome": ("转正结论", "转正表决结论", "conversion_outcome"),
    "conversion_approved": (
        "转正审批日期",
        "上级党委审批转正",
        "批准转正日期",
        "conversion_approved",
    ),
    "archived": ("材料归档日期", "材料归档", "归档日期", "archived"),
    "notice_place": ("公示地点", "notice_place"),
    "leaving_unit_on": ("离开工作单位日期", "离开单位日期", "leaving_unit_on"),
    "special_reason": ("特殊理由", "special_reason"),
    "exit": ("退出方式", "退出类型", "exit"),
    "exit_on": ("退出日期", "exit_on"),
    "exit_reason": ("退出原因", "exit_reason"),
}
REQUIRED = ("name", "gender", "birth_date", "education", "application")
COLUMNS = Columns(HEADERS, REQUIRED, one_of=(("org_name", "org_code"),))

# The procedure's order: steps dated the same day are recorded in this order.
ORDER: list[tuple[str, Step]] = [
    ("talk", Step.talk),
    ("notice_activist", Step.notice),
    ("activist_decided", Step.activist_decided),
    ("activist_filed", Step.activist_filed),
    ("contacts_assigned", Step.contacts_assigned),
    ("activist_review", Step.activist_review),
    ("notice_target", Step.notice),
    ("target_decided", Step.target_decided),
    ("target_filed", Step.target_filed),
    ("introducers_assigned", Step.introducers_assigned),
    ("political_review", Step.political_review),
    ("training", Step.training),
    ("branch_examination", Step.branch_examination),
    ("pre_examination", Step.pre_examination),
    ("notice_admission", Step.notice),
    ("form_filled", Step.form_filled),
    ("admission_vote", Step.admission_vote),
    ("approval_talk", Step.approval_talk),
    ("admission_approved", Step.admission_approved),
    ("admission_filed", Step.admission_filed),
    ("placed", Step.placed),
    ("oath", Step.oath),
    ("conversion_applied", Step.conversion_applied),
    ("notice_conversion", Step.notice),
    ("conversion_vote", Step.conversion_vote),
    ("conversion_approved", Step.conversion_approved),
    ("archived", Step.archived),
]
EXIT_ORDER = len(ORDER)


STAGES = labels(
    STAGE_LABELS,
    {
        "申请人": Stage.applicant,
        "积极分子": Stage.activist,
        "预备": Stage.probationary,
        "正式": Stage.full,
    },
)
# The ledger's own words for a step datum's choices, besides its labels and values.
CHOICE_WORDS: dict[str, dict[str, str]] = {
    "recommendation": {"团组织推优": Recommendation.league.value, "推优": Recommendation.league.value},
    "political_review_outcome": {"通过": REVIEW_PASS, "未通过": REVIEW_FAIL},
}
EXITS = {
    "撤回申请": Step.withdraw, "本人撤回入党申请": Step.withdraw, "撤回": Step.withdraw, "已撤回申请": Step.withdraw,
    "调整出积极分子队伍": Step.remove_from_pool, "已调整出积极分子队伍": Step.remove_from_pool, "调整出": Step.remove_from_pool,
    "不予接收": Step.not_admitted, "未被接收": Step.not_admitted,
    "取消预备党员资格": Step.cancel_probation, "已取消预备党员资格": Step.cancel_probation,
    **{s.value: s for s in (Step.withdraw, Step.remove_from_pool, Step.not_admitted, Step.cancel_probation)},
}  # fmt: skip
VOTE_SUBJECTS = {Step.admission_vote: "admission", Step.conversion_vote: "conversion"}
TALLY_COLUMNS = {Step.admission_vote: "admission_tally", Step.conversion_vote: "conversion_tally"}
_TALLY = {
    "应到": "should_attend", "should": "should_attend", "实到": "present", "present": "present",
    "书面意见": "written_opinions", "书面": "written_opinions", "written": "written_opinions",
    "赞成": "yes", "同意": "yes", "yes": "yes", "反对": "no", "no": "no", "弃权": "abstain", "abstain": "abstain",
}  # fmt: skip


class VoteCounts(TypedDict, total=False):
    """A vote's numbers as parsed from a cell: DecisionInput's fields (the values of _TALLY)."""

    should_attend: int
    present: int
    written_opinions: int
    yes: int
    no: int
    abstain: int


_TALLY_RE = re.compile(
    r"(" + "|".join(sorted(_TALLY, key=len, reverse=True)) + r")[^0-9]*?(\d+)", re.IGNORECASE
)
_CN_NUMBERS = {
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
    "一年": 12,
    "半年": 6,
}
EXISTING = Existing(
    (
        "该身份证号码已登记在发展对象“{name}”名下",
        "That ID number belongs to another candidate ({name})",
    ),
    same_id="身份证号码已在台账中",
    same_person="同名、同出生日期、同组织的发展对象已在台账中",
)
# The services name their fields in the API's camelCase; the report names the file's column.
_FIELDS = {
    "birthDate": "birth_date",
    "idNumber": "id_number",
    "orgId": "org_name",
    "appliedOn": "application",
    "on": "application",
}


@dataclass
class PlannedStep:
    field: str  # the column the date came from
    step: Step
    on: date
    order: int
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # StepInput fields
    people: tuple[str, list[str]] | None = None  # ("contact_ids" / "introducer_ids", names)
    tally: VoteCounts | None = None  # a vote: the meeting's numbers


@dataclass
class CandidateRow:
    org_id: int
    org_path: str
    applied_on: date
    person: dict[str, Any]
    masked_id: bool
    stage: Stage | None
    steps: list[PlannedStep]


def _step_label(p: PlannedStep) -> tuple[str, str]:
    zh, en = STEP_LABELS[p.step]
    if p.step == Step.notice:
        zh = COLUMNS.label(p.field).removesuffix("日期")
    return f"{zh}（{p.on.isoformat()}）", f"{en} ({p.on.isoformat()})"


def parse_tally(raw: str, fld: str, label: str) -> VoteCounts:
    """ "应到 23，实到 20，赞成 18，反对 1，弃权 1" → the decision's numbers."""
    # The keys are _TALLY's values, which VoteCounts lists.
    out = cast(VoteCounts, {
        _TALLY.get(m.group(1)) or _TALLY[m.group(1).lower()]: int(m.group(2))
        for m in _TALLY_RE.finditer(raw)
    })
    if "present" not in out or "yes" not in out:
        raise Bad(fld, "R-VOTE-00", f"{label}须写明实到人数和赞成票数，如“应到 23，实到 20，赞成 18，反对 1，弃权 1”（R-VOTE-00）",
                  f"{label} must give at least the members present and the yes votes, e.g. “应到 23，实到 20，赞成 18，反对 1，弃权 1” (R-VOTE-00)")  # fmt: skip
    return out


def parse_conversion(raw: str) -> dict[str, Any]:
    """转正结论: 按期转正 (the default) / 延长预备期 6 个月 / 取消预备党员资格."""
    text = raw.strip()
    if "取消" in text or text.lower() == "cancel":
        return {"outcome": ConversionOutcome.cancel.value}
    if "延长" in text or text.lower().startswith("extend"):
        digits = re.search(r"\d+", text)
        words = sorted(_CN_NUMBERS.items(), key=lambda kv: -len(kv[0]))
        months = int(digits.group()) if digits else next((n for w, n in words if w in text), None)
        return {"outcome": ConversionOutcome.extend.value, "extension_months": months}
    if not text or "转正" in text or text.lower() == "convert":
        return {"outcome": ConversionOutcome.convert.value}
    return {"outcome": text}  # the rule names the valid outcomes (R-DEV-23)


def _choice(f: StepField, raw: str) -> str | None:
    """A declared choice by its label, value or one of the ledger's words (else as written:
    the rule names the valid choices)."""
    table = {key: k for k, (zh, _) in f.choices.items() for key in (zh, norm_header(zh))}
    table |= {k: k for k in f.choices} | {en.lower(): k for k, (_, en) in f.choices.items()}
    return lookup(table | CHOICE_WORDS.get(f.ledger or "", {}), raw) or raw or None


def _data(row: Row, p: PlannedStep) -> None:
    """The step's data the ledger carries or implies (rules.candidate_steps), into `p`."""
    for f in STEP_FIELDS.get(p.step, ()):
        if f.ledger == "conversion_outcome":  # one cell, two fields: "延长预备期 6 个月"
            p.extra.update(parse_conversion(row.text(f.ledger)))
        elif f.ledger is None:
            if f.implied is not None:
                p.extra[f.name] = copy(f.implied)
        elif f.kind == Kind.members:
            p.people = (f.name, row.names(f.ledger))
        elif f.kind == Kind.choice:
            p.extra[f.name] = _choice(f, row.text(f.ledger))
        elif f.kind == Kind.date:
            p.extra[f.name] = row.date(f.ledger)
        elif f.kind == Kind.float:
            p.extra[f.name] = row.number(f.ledger)
        else:
            p.extra[f.name] = row.optional(f.ledger)


def _plan(row: Row) -> list[PlannedStep]:
    """Every dated step of the row, in date order (same day: the procedure's order)."""
    out: list[PlannedStep] = []
    for order, (fld, step) in enumerate(ORDER):
        if not row.has(fld):
            continue
        dates = row.dates(fld) if step == Step.activist_review else [d for d in [row.date(fld)] if d]
        for on in dates:
            p = PlannedStep(fld, step, on, order)
            _data(row, p)
            if step in TALLY_COLUMNS:
                tally_field = TALLY_COLUMNS[step]
                p.tally = parse_tally(row.text(tally_field), tally_field, COLUMNS.label(tally_field))
            out.append(p)
    for fld, step_fld in (
        ("contacts", "contacts_assigned"),
        ("introducers", "introducers_assigned"),
    ):
        if row.text(fld) and not row.date(step_fld):
            raise Bad(step_fld, "REQUIRED", f"填写了{COLUMNS.label(fld)}，请同时填写{COLUMNS.label(step_fld)}",
                      f"{fld} given: give the date of {step_fld} too")  # fmt: skip
    exit_text, exit_on = row.text("exit"), row.date("exit_on")
    if exit_text or exit_on:
        exit_step = EXITS.get(exit_text) or EXITS.get(exit_text.replace(" ", ""))
        if exit_step is None:
            raise Bad("exit", "INVALID_INPUT" if exit_text else "REQUIRED",
                      f"退出方式应为撤回申请、调整出积极分子队伍、不予接收或取消预备党员资格，而不是“{exit_text}”",
                      f"The exit must be withdrawn, removed from the pool, not admitted or probation cancelled, not {exit_text!r}")  # fmt: skip
        if exit_on is None:
            raise Bad("exit_on", "REQUIRED", "退出日期不能为空", "exit_on is required")
        out.append(
            PlannedStep(
                "exit_on", exit_step, exit_on, EXIT_ORDER, {"reason": row.optional("exit_reason")}
            )
        )
    out.sort(key=lambda p: (p.on, p.order))
    return out


def _parse(orgs: Orgs, row: Row) -> Parsed:
    for f in REQUIRED:
        row.required(f)
    name = row.text("name")
    person: dict[str, Any] = {
        "name": name,
        "gender": gender(row),
        "birth_date": row.date("birth_date"),
        "education": education(row),
        "ethnicity": row.text("ethnicity") or "汉族",
        "occupation": row.optional("occupation"),
        "phone": row.optional("phone"),
        "notes": row.optional("notes"),
    }
    for f in ("front_line", "rural"):
        flag = row.flag(f)
        if flag is not None:
            person[f] = flag
    idn, masked = id_number(row)
    person["id_number"] = idn
    applied_on = row.date("application")
    assert applied_on is not None  # required
    stage = None
    if row.text("stage"):
        stage = lookup(STAGES, row.text("stage"))
        if stage is None:
            raise Bad(
                "stage",
                "INVALID_INPUT",
                f"无法识别的阶段“{row.text('stage')}”",
                f"Unknown stage {row.text('stage')!r}",
            )
    org = orgs.find(row.text("org_code"), row.text("org_name"))
    steps = _plan(row)
    keys: list[tuple[str, Any]] = [("id_number", idn)] if idn else []
    keys.append(("name", (name, person["birth_date"], org.id)))
    return Parsed(
        row.line,
        name,
        keys,
        CandidateRow(org.id, org.path, applied_on, person, masked, stage, steps),
    )


class _People:
    """The members named as contacts and introducers, loaded once for the whole file."""

    def __init__(self, ctx: Context, rows: list[Parsed]) -> None:
        names = sorted({n for r in rows for p in r.data.steps if p.people for n in p.people[1]})
        self.by_name: dict[str, list[Any]] = {}
        for chunk in chunks(names, 500):
            for m in ctx.session.execute(
                select(col(Member.id), col(Member.name), col(Member.org_path), col(Member.status)).where(
                    col(Member.name).in_(chunk), visible(Member, ctx.viewer)
                )
            ).all():
                self.by_name.setdefault(m.name, []).append(m)

    def resolve(self, name: str, branch_path: str, fld: str, label: str) -> int:
        found = self.by_name.get(name, [])
        pool = [m for m in found if m.org_path.startswith(branch_path)] or found
        pool = [m for m in pool if m.status == MemberStatus.full.value] or pool
        if not pool:
            raise Bad(
                fld,
                "UNKNOWN_MEMBER",
                f"{label}“{name}”不在党员名册中（或不在您的管理范围内）",
                f"{label} {name!r} is not on the roster (or outside your scope)",
            )
        if len(pool) > 1:
            raise Bad(
                fld,
                "AMBIGUOUS_MEMBER",
                f"有 {len(pool)} 名党员名为“{name}”，无法确定{label}",
                f"{len(pool)} members are named {name!r}: cannot tell which is meant",
            )
        return int(pool[0].id)


def _existing(ctx: Context, unique: list[Parsed], report: ImportReport) -> list[Parsed]:
    """Rows that match a candidate in the database are skipped (or bad: another person's ID number)."""
    return skip_existing(ctx, Candidate, unique, report, lambda r: r.data.person, EXISTING)


def _vote(ctx: Context, cand: Candidate, p: PlannedStep) -> int:
    """The branch general meeting of the vote, recorded with its tally; returns its decision."""
    from partygraph.services import meeting as meetings

    subject = VOTE_SUBJECTS[p.step]
    meeting = meetings.record_meeting(
        ctx,
        org_id=cand.org_id,
        kind="general_meeting",
        held_on=p.on,
        agenda=("讨论接收预备党员" if subject == "admission" else "讨论预备党员转正")
        + "（据发展党员台账导入）",
        decisions=[
            meetings.DecisionInput(subject=subject, candidate_id=cand.id, **(p.tally or {}))
        ],
    )
    return int(
        ctx.session.execute(
            select(col(MeetingDecision.id)).where(col(MeetingDecision.meeting_id) == meeting.id)
        ).scalar_one()
    )


def _writer(people: _People):
    def write(ctx: Context, r: Parsed) -> None:
        from partygraph.services import candidate as candidates

        d: CandidateRow = r.data
        if d.masked_id:
            raise Bad("id_number", "INVALID_ID_NUMBER", "身份证号码已脱敏（含 *），不能据此建立档案：请填写完整号码或留空",
                      "The ID number is masked (contains *): give the whole number or leave it empty")  # fmt: skip
        application = STEP_LABELS[Step.application]
        try:
            cand = candidates.apply(ctx, org_id=d.org_id, applied_on=d.applied_on, **d.person)
        except DomainError as e:
            raise Bad.of(
                e,
                _FIELDS.get(e.field or "", e.field),
                (f"{application[0]}（{d.applied_on}）", f"{application[1]} ({d.applied_on})"),
            ) from None
        for p in d.steps:
            try:
                extra = dict(p.extra)
                if p.people:
                    attr, names = p.people
                    label = COLUMNS.label("contacts" if attr == "contact_ids" else "introducers")
                    extra[attr] = [people.resolve(n, d.org_path, p.field, label) for n in names]
                s = candidates.StepInput(step=p.step.value, on=p.on, **extra)
                if p.tally is not None:
                    s.decision_id = _vote(ctx, cand, p)
                candidates.record_step(ctx, cand.id, s)
            except DomainError as e:
                raise Bad.of(e, p.field, _step_label(p)) from None
            except Bad as b:
                zh, en = _step_label(p)
                raise Bad(b.field, b.code, f"{zh}：{b.zh}", f"{en}: {b.en}") from None
        if d.stage is not None and cand.stage != d.stage.value:
            said, got = STAGE_LABELS[d.stage], STAGE_LABELS[Stage(cand.stage)]
            raise Bad("stage", "STAGE_MISMATCH", f"台账填写的阶段为“{said[0]}”，但按所填步骤日期应为“{got[0]}”：请补全或核对各步骤的日期",
                      f"The ledger says “{said[1]}” but the dates given lead to “{got[1]}”: complete or check the steps' dates")  # fmt: skip

    return write


def import_candidates(
    ctx: Context,
    source: Source,
    filename: str | None = None,
    *,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Dry run (default: every row replayed through the services, then rolled back) or commit
    (ImportRefusedError and nothing written when any row is bad)."""
    report, parsed = read_ledger(ctx, "candidates", source, filename, COLUMNS, _parse, progress)
    todo = _existing(ctx, drop_repeats(parsed, report), report)
    return replay(ctx, todo, _writer(_People(ctx, todo)), report, commit=commit, progress=progress)
