"""Use cases of candidates (发展党员): apply, record each step, exits; and subtree alerts.

Every step goes through `rules.pipeline.check_step` with the file's history; a
refusal is a RuleViolationError carrying the rule's code (R-DEV-xx, R-VOTE-xx)
and nothing is written. A recorded step appends one `CandidateStep`, updates
the cached stage, bumps the candidate's version and appends an audit event, in
the caller's transaction.

Membership (one consistent approach): when the committee approves the
admission (step 17) the person is registered on the roster through
`services.member.register` as a *probationary* member, joined_on = the date of
the admitting branch general meeting (R-DEV-22: probation counts from it).
When the committee approves the conversion (step 24) the same member becomes
*full* through `services.member.change_status`, on the day probation ended
(R-DEV-24), which sets converted_on. A cancelled probation changes the status
to probation_cancelled on the day it is recorded.

Rules enforced when a step is recorded (codes of docs/rules.md §1, messages name them):
R-DEV-00 order, dates (not in the future, not before the previous step, no repeats);
R-DEV-01 age 18 at application; R-DEV-03 recommendation method and public notice
before an activist; R-DEV-05 one or two full members as contacts; R-DEV-07 one year
as activist and a notice before a target; R-DEV-09 two full-member introducers, none under
留党察看 on the day they are assigned (services.discipline; contacts likewise, R-DEV-05),
and again on the day of the admission vote: an introducer sanctioned since, off the roster
(died, transferred out…) or no longer full refuses the vote until the introducers are
assigned again (the latest assignment is in force; the history names both pairs);
R-DEV-10 a passed political review; R-DEV-11 training of 3 days or 24 hours;
R-DEV-13 the admission notice ended without an open objection; R-DEV-15 leaving the
unit within 3 months needs a special reason; R-DEV-16 the committee's talk before
approval; R-DEV-17 / R-DEV-24 approval by a committee with approval power (not the
branch), within 3 months or 6 with a special reason; R-DEV-22 conversion not before
probation ends; R-DEV-23 convert / extend 6–12 months once / cancel, notice first;
R-DEV-25 a complete archive; R-VOTE-00/01/02/03 the vote cites its own branch's
general meeting, whose tally rules.votes judges (an invalid or failed meeting admits
no one). R-DEV-02 (talk within a month), R-DEV-06 (six-monthly review), approvals
waiting, notices ending, probation ending, stalled files (A-STALLED), blank villages
(A-BLANK-VILLAGE) and old villages (A-OLD-VILLAGE) are alerts, never blocks.
A correction is a new step with a `reason`: a new notice, political review or set of
introducers replaces the earlier one for the rules, training sessions add up; recorded
steps are never edited or deleted.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlmodel import col
from stdnum.cn import ric

from partygraph.config import settings_key
from partygraph.context import Context
from partygraph.errors import DomainError, RuleViolationError, violation
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.common import table_of
from partygraph.models.meeting import DecisionSubject, Meeting, MeetingDecision, MeetingKind
from partygraph.models.member import (
    ACTIVE_STATUSES,
    MEMBER_STATUS_LABELS,
    Education,
    Gender,
    Member,
    MemberEvent,
    MemberStatus,
)
from partygraph.models.organization import (
    APPROVING_KINDS,
    BranchType,
    Organization,
    OrgKind,
    OrgStatus,
)
from partygraph.rules.base import Alert, Violation, add_months
from partygraph.rules.candidate import (
    EXIT_STEPS,
    PipelineSettings,
    Stage,
    Standing,
    Step,
    StepRecord,
    assigned_introducers,
    check_step,
    introducers_at_vote_problem,
    membership_dates,
    stage_of,
)
from partygraph.rules.candidate_steps import Kind, StepField, camel, fields_of
from partygraph.scope import path_range
from partygraph.services import discipline
from partygraph.services import meeting as meetings
from partygraph.services import member as members
from partygraph.services import organization as orgs
from partygraph.services.base import (
    bump_version,
    check_date,
    clean_text,
    get_scoped,
    record,
    require_writer,
    snapshot,
)

LABEL = "发展党员对象"
AUDIT_FIELDS = [
    "org_id", "name", "gender", "ethnicity", "birth_date", "education", "occupation",
    "front_line", "rural", "phone", "id_number", "stage", "recommendation", "applied_on",
    "last_step_on", "member_id",
]  # fmt: skip
# Candidates belong to a branch (or general branch): where they work, study or live.
CANDIDATE_HOLDING_KINDS = frozenset({OrgKind.branch, OrgKind.general_branch})
APPROVAL_STEPS = {Step.admission_approved: "R-DEV-17", Step.conversion_approved: "R-DEV-24"}
VOTE_STEPS = {Step.admission_vote: DecisionSubject.admission, Step.conversion_vote: DecisionSubject.conversion}
BLANK_VILLAGE_YEARS = 3  # docs/domain.md §4: no new member in 3 years
OLD_AGE = 60  # docs/domain.md §4: "over half the members are over 60" (60岁以上, 60 included)


def pipeline_settings(ctx: Context) -> PipelineSettings:
    """The deployment's numbers (config.Settings.pipeline; defaults are the national rules)."""
    return ctx.settings.pipeline


@dataclass
class StepInput:
    """One step as a client gives it; people are member ids, resolved against the roster."""

    step: str
    on: date
    outcome: str | None = None
    recommendation: str | None = None
    contact_ids: list[int] | None = None
    introducer_ids: list[int] | None = None
    training_days: float | None = None
    training_hours: float | None = None
    notice_ends_on: date | None = None
    notice_place: str | None = None
    objections: int | None = None
    open_objections: int | None = None
    objection_resolution: str | None = None
    decision_id: int | None = None
    extension_months: int | None = None
    special_reason: str | None = None
    leaving_unit_on: date | None = None
    passed: bool | None = None
    archive_documents: list[str] | None = None
    note: str | None = None
    reason: str | None = None
    documents: list[str] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------


def get(ctx: Context, candidate_id: int) -> Candidate:
    return get_scoped(ctx, Candidate, candidate_id, "org_path", LABEL)


def steps_of(ctx: Context, candidate_ids: Sequence[int]) -> dict[int, list[CandidateStep]]:
    """Every step of each candidate in recorded order: one statement for any number of files."""
    out: dict[int, list[CandidateStep]] = defaultdict(list)
    if not candidate_ids:
        return out
    rows = ctx.session.execute(
        select(CandidateStep)
        .where(col(CandidateStep.candidate_id).in_(list(candidate_ids)))
        .order_by(col(CandidateStep.candidate_id), col(CandidateStep.id))
    ).scalars()
    for r in rows:
        out[r.candidate_id].append(r)
    return out


def step_records_of(ctx: Context, candidate_ids: Sequence[int]) -> dict[int, list[StepRecord]]:
    """What the rules read of every step of each candidate, as plain records: for subtree-wide
    alerts, where building ORM rows cost more than the rules themselves (≈ 35,000 steps a county)."""
    out: dict[int, list[StepRecord]] = defaultdict(list)
    if not candidate_ids:
        return out
    t = table_of(CandidateStep).c
    rows = ctx.session.execute(
        select(t.candidate_id, t.step, t.on, t.outcome, t.data)
        .where(t.candidate_id.in_(list(candidate_ids)))
        .order_by(t.candidate_id, t.id)
    )
    for cid, step, on, outcome, data in rows:
        out[cid].append(StepRecord(step=Step(step), on=on, outcome=outcome, data=dict(data or {})))
    return out


def to_record(row: CandidateStep) -> StepRecord:
    return StepRecord(step=Step(row.step), on=row.on, outcome=row.outcome, data=dict(row.data or {}))


def records_of(rows: Sequence[CandidateStep]) -> list[StepRecord]:
    return [to_record(r) for r in rows]


# --- validation helpers ----------------------------------------------------------------


def _org_for_candidates(ctx: Context, org_id: int) -> Organization:
    org = orgs.get(ctx, org_id)
    require_writer(ctx, org.path)
    if org.status != OrgStatus.active:
        raise violation("R-ORG-DISSOLVED", "该组织已撤销", "That organisation is dissolved", "orgId")
    if OrgKind(org.kind) not in CANDIDATE_HOLDING_KINDS:
        raise violation(
            "INVALID_INPUT",
            "入党申请须递交到党支部（或党总支）；乡镇党委通过双向递交同时看到",
            "An application is registered at a branch (or general branch); the committee above "
            "sees it through dual submission",
            "orgId",
        )
    return org


def _check_person(ctx: Context, c: Candidate) -> None:
    c.name = clean_text(c.name, "name", "姓名", "Name", required=True, max_len=60)
    if c.gender not in {g.value for g in Gender}:
        raise violation("INVALID_INPUT", "性别须为男或女", "Gender must be male or female", "gender")
    if c.education not in {e.value for e in Education}:
        raise violation("INVALID_INPUT", f"未知的学历：{c.education}", f"Unknown education: {c.education}", "education")
    c.ethnicity = clean_text(c.ethnicity, "ethnicity", "民族", "Ethnicity", required=True, max_len=20)
    check_date(c.birth_date, "birthDate", "出生日期", "Birth date", today=ctx.today())
    for attr, zh, en, n in (
        ("occupation", "职业", "Occupation", 60),
        ("phone", "电话", "Phone", 20),
        ("notes", "备注", "Notes", 2000),
    ):
        setattr(c, attr, clean_text(getattr(c, attr), attr, zh, en, required=False, max_len=n))
    c.id_number = members.normalise_id_number(c.id_number)
    if c.id_number:
        if ric.get_birth_date(c.id_number) != c.birth_date:
            raise violation(
                "INVALID_ID_NUMBER",
                "身份证号码中的出生日期与填写的出生日期不一致",
                "The ID number's birth date differs from the birth date given",
                "idNumber",
            )
        open_file = ctx.session.execute(
            select(col(Candidate.name), col(Candidate.org_path)).where(
                col(Candidate.id_number) == c.id_number,
                col(Candidate.id) != (c.id or -1),
                col(Candidate.stage).in_([s.value for s in (*_ACTIVE, Stage.full)]),
            )
        ).first()
        if open_file is not None:
            if not (ctx.viewer and ctx.viewer.sees(open_file.org_path)):
                raise violation("DUPLICATE", *members.REGISTERED_ELSEWHERE, "idNumber")
            raise violation(
                "DUPLICATE",
                f"该身份证号码已有进行中的入党档案（{open_file.name}）",
                f"A file with that ID number is already open ({open_file.name})",
                "idNumber",
            )
    c.name_pinyin, c.name_initials = members.name_keys(c.name)


_ACTIVE = (Stage.applicant, Stage.activist, Stage.target, Stage.probationary)
ACTIVE_STAGES = _ACTIVE


def _raise(v: Violation) -> None:
    raise RuleViolationError(v)


# Suspended (停止党籍) members stay on the roster; they are not full members in good standing.
ON_ROSTER = frozenset({*ACTIVE_STATUSES, MemberStatus.suspended})
NOT_YET_A_MEMBER = ("当日尚未入党", "not yet a member on that day")


def _standing(status: str | None, sanctioned: bool) -> Standing:
    # Off the roster (died, transferred out…) first, the most telling reason; then under
    # 留党察看 (rights not restored) on the step's day; otherwise a full member stands as
    # full and anyone else is not a full member (probationary, suspended, not yet joined):
    # the rules refuse all but full (R-DEV-05/09).
    if status is not None and status not in ON_ROSTER:
        return Standing.off_roster
    if sanctioned:
        return Standing.party_probation
    return Standing.full if status == MemberStatus.full else Standing.probationary


def _statuses_on(ctx: Context, people: Sequence[Member], on: date) -> dict[int, str | None]:
    """Each member's roster status on the day: the current one unless it changed after the
    day, then the one their status events give (None: not yet a member). One statement,
    only for back-dated steps."""
    out: dict[int, str | None] = {m.id: m.status for m in people if m.status_since is None or m.status_since <= on}
    later = [m.id for m in people if m.id not in out]
    if later:
        out.update(dict.fromkeys(later))
        rows = ctx.session.execute(
            select(col(MemberEvent.member_id), col(MemberEvent.to_status))
            .where(col(MemberEvent.member_id).in_(later), col(MemberEvent.to_status).is_not(None), col(MemberEvent.on) <= on)
            .order_by(col(MemberEvent.member_id), col(MemberEvent.on), col(MemberEvent.id))
        ).all()
        for mid, status in rows:  # the last one of each member wins
            out[mid] = status
    return out


def _as_people(ctx: Context, found: Sequence[Member], on: date) -> list[dict[str, Any]]:
    """Contacts or introducers as the rules read them, with their standing on the day; a
    refused standing also names the roster status (the message says why)."""
    sanctioned = discipline.under_party_probation(ctx, [m.id for m in found], on)
    statuses = _statuses_on(ctx, found, on)
    out = []
    for m in found:
        status = statuses[m.id]
        standing = _standing(status, m.id in sanctioned)
        person: dict[str, Any] = {"key": str(m.id), "member_id": m.id, "name": m.name, "standing": standing.value}
        if standing in (Standing.off_roster, Standing.probationary):
            zh, en = MEMBER_STATUS_LABELS[MemberStatus(status)] if status else NOT_YET_A_MEMBER
            person |= {"status_zh": zh, "status_en": en}
        out.append(person)
    return out


def _people(ctx: Context, ids: list[int] | None, field_name: str, on: date) -> list[dict[str, Any]]:
    """Contacts or introducers given by the client: members the viewer sees."""
    found = []
    for mid in ids or []:
        m = ctx.session.get(Member, mid)
        if m is None or ctx.viewer is None or not ctx.viewer.sees(m.org_path):
            raise violation("NOT_FOUND", f"未找到党员（{mid}）", f"Member {mid} not found", field_name)
        found.append(m)
    return _as_people(ctx, found, on)


def _introducers_at_vote(ctx: Context, history: Sequence[StepRecord], on: date) -> list[dict[str, Any]]:
    """The introducers in force, with their standing on the day of the admission vote.

    Read by id whatever the viewer's scope: they were in scope when assigned and their
    names are already on the file; one may since have been transferred elsewhere."""
    assigned = assigned_introducers(history)
    ids = [p["member_id"] for p in assigned if isinstance(p.get("member_id"), int)]
    found = list(ctx.session.execute(select(Member).where(col(Member.id).in_(ids))).scalars()) if ids else []
    now = {p["member_id"]: p for p in _as_people(ctx, found, on)}
    # one without a member id (never recorded so by this service) is judged as recorded
    return [now.get(p.get("member_id"), p) for p in assigned]


def _require_approval_power(ctx: Context, cand: Candidate, code: str) -> None:
    """Village branches have no approval power: a committee above the branch approves."""
    viewer = ctx.viewer
    assert viewer is not None
    if viewer.org_id == 0:  # the system operator (imports, demo)
        return
    home = ctx.session.get(Organization, viewer.org_id)
    if home is None or OrgKind(home.kind) not in APPROVING_KINDS or home.path == cand.org_path:
        raise RuleViolationError(
            Violation(
                code,
                f"党支部没有审批权，须由具有审批权限的上级党委审批（{code}）",
                f"A branch has no power of approval; the committee above with approval power "
                f"approves ({code})",
                "step",
            )
        )


def _step_data(ctx: Context, cand: Candidate, s: StepInput, step: Step) -> tuple[dict[str, Any], int | None]:
    """The rules' StepRecord.data for this step: the fields `rules.candidate_steps` declares for
    it, each checked as declared (the client's other fields are not read)."""
    data: dict[str, Any] = {}
    for f in fields_of(step):
        if f.key is not None:
            value = _datum(ctx, f, getattr(s, f.name), s.on)
            if value is not None:
                data[f.key] = value
    decision_id = None
    if step in VOTE_STEPS:
        data.update(_vote_data(ctx, cand, s, step))
        decision_id = s.decision_id
    return data, decision_id


def _datum(ctx: Context, f: StepField, value: Any, on: date) -> Any:
    """One declared datum as the rules read it (None: nothing to store); errors name the API's field."""
    api = camel(f.name)
    if f.kind == Kind.members:
        return _people(ctx, value, api, on)
    if f.kind == Kind.text:
        return clean_text(value, api, f.label_zh, f.label_en, required=f.required, max_len=f.max_len)
    if f.kind == Kind.choices:
        return list(value or ())
    if value is None:
        return f.default
    if f.minimum is not None and value < f.minimum:
        raise violation(
            "INVALID_INPUT", f"{f.label_zh}不能小于 {f.minimum}", f"{f.label_en} cannot be less than {f.minimum}", api
        )
    if f.kind == Kind.date:
        return value.isoformat()
    return value


def _vote_data(ctx: Context, cand: Candidate, s: StepInput, step: Step) -> dict[str, Any]:
    """A vote step cites a decision of the general meeting of the candidate's own branch."""
    if s.decision_id is None:
        raise violation(
            "R-VOTE-00",
            "须引用支部党员大会的表决记录（先记录会议及表决票数）（R-VOTE-00）",
            "Cite the branch general meeting's decision (record the meeting and its tally first) (R-VOTE-00)",
            "decisionId",
        )
    d, meeting = meetings.get_decision(ctx, s.decision_id)
    if (
        meeting.kind != MeetingKind.general_meeting
        or meeting.org_id != cand.org_id
        or d.candidate_id != cand.id
        or d.subject != VOTE_STEPS[step].value
    ):
        raise violation(
            "R-VOTE-00",
            "所引用的表决不是本人所在党支部党员大会对该事项的表决（R-VOTE-00）",
            "The decision cited is not this branch general meeting's vote on this candidate and subject (R-VOTE-00)",
            "decisionId",
        )
    if meeting.held_on != s.on:
        raise violation(
            "INVALID_DATE",
            f"表决日期须为会议日期 {meeting.held_on.isoformat()}",
            f"The vote's date is the meeting's, {meeting.held_on.isoformat()}",
            "on",
        )
    return {
        "meeting_id": meeting.id,
        "decision_id": d.id,
        "should_attend": d.should_attend,
        "present": d.present,
        "written_opinions": d.written_opinions,
        "yes": d.yes,
        "no": d.no,
        "abstain": d.abstain,
    }


# --- writing ---------------------------------------------------------------------------


def apply(
    ctx: Context,
    *,
    org_id: int,
    applied_on: date,
    name: str,
    gender: str,
    birth_date: date,
    education: str,
    ethnicity: str = "汉族",
    occupation: str | None = None,
    front_line: bool = False,
    rural: bool = False,
    phone: str | None = None,
    id_number: str | None = None,
    notes: str | None = None,
    documents: list[str] | None = None,
) -> Candidate:
    """Step 1: a written application, registered at the branch (dual submission: the
    committee above sees and may act on it, because its scope contains the branch)."""
    org = _org_for_candidates(ctx, org_id)
    viewer = ctx.viewer
    assert viewer is not None
    cand = Candidate(
        org_id=org.id,
        org_path=org.path,
        name=name,
        gender=gender,
        birth_date=birth_date,
        education=education,
        ethnicity=ethnicity,
        occupation=occupation,
        front_line=front_line,
        rural=rural,
        phone=phone,
        id_number=id_number,
        notes=notes,
        stage=Stage.applicant.value,
        applied_on=applied_on,
        last_step_on=applied_on,
    )
    _check_person(ctx, cand)
    new = StepRecord(step=Step.application, on=applied_on)
    problem = check_step([], new, birth_date=cand.birth_date, settings=pipeline_settings(ctx), today=ctx.today())
    if problem:
        _raise(problem)
    ctx.session.add(cand)
    ctx.session.flush()
    ctx.session.add(
        CandidateStep(
            candidate_id=cand.id,
            org_path=cand.org_path,
            step=Step.application.value,
            on=applied_on,
            data={},
            documents=_documents(documents),
            recorded_by=viewer.account_id,
            recorded_by_name=viewer.username,
        )
    )
    ctx.session.flush()
    record(ctx, "candidate.apply", "Candidate", cand.id, cand.org_path, None, snapshot(cand, AUDIT_FIELDS))
    return cand


def _documents(docs: list[str] | None) -> list[str]:
    out = []
    for i, d in enumerate(docs or []):
        text = clean_text(d, f"documents.{i}", "材料", "Document", required=False, max_len=300)
        if text:
            out.append(text)
    return out


def record_step(ctx: Context, candidate_id: int, s: StepInput, *, version: int | None = None) -> tuple[Candidate, CandidateStep]:
    """Record one step of docs/rules.md §1 (or an exit) after checking it against the rules."""
    cand = get(ctx, candidate_id)
    viewer = require_writer(ctx, cand.org_path)
    try:
        step = Step(s.step)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知步骤：{s.step}", f"Unknown step: {s.step}", "step") from None
    reason = clean_text(s.reason, "reason", "原因", "Reason", required=step in EXIT_STEPS, max_len=1000)
    if step in APPROVAL_STEPS:
        _require_approval_power(ctx, cand, APPROVAL_STEPS[step])
    data, decision_id = _step_data(ctx, cand, s, step)
    if reason:
        data["reason"] = reason
    rows = steps_of(ctx, [cand.id])[cand.id]
    history = records_of(rows)
    if step == Step.admission_vote:
        # R-DEV-09 again: an introducer sanctioned, gone or no longer full since the assignment
        data["introducers_at_vote"] = _introducers_at_vote(ctx, history, s.on)
    replaced = assigned_introducers(history) if step == Step.introducers_assigned else []
    new = StepRecord(step=step, on=s.on, outcome=(s.outcome or None), data=data)
    problem = check_step(history, new, birth_date=cand.birth_date, settings=pipeline_settings(ctx), today=ctx.today())
    if problem:
        _raise(problem)
    before = snapshot(cand, AUDIT_FIELDS)
    row = CandidateStep(
        candidate_id=cand.id,
        org_path=cand.org_path,
        step=step.value,
        on=s.on,
        outcome=new.outcome,
        data=data,
        documents=_documents(s.documents),
        decision_id=decision_id,
        reason=reason,
        recorded_by=viewer.account_id,
        recorded_by_name=viewer.username,
    )
    ctx.session.add(row)
    full = [*history, new]
    settings = pipeline_settings(ctx)
    previous_stage = Stage(cand.stage)
    cand.stage = stage_of(full).value
    cand.last_step_on = s.on
    if step == Step.application:
        cand.applied_on = s.on
        cand.recommendation = None
    if step == Step.activist_decided:
        cand.recommendation = data.get("recommendation")
    _membership(ctx, cand, step, previous_stage, full, settings, reason)
    bump_version(ctx, cand, version, LABEL)
    ctx.session.flush()
    after = snapshot(cand, AUDIT_FIELDS)
    after["step"] = {"id": row.id, "step": step.value, "on": s.on.isoformat(), "outcome": new.outcome}
    if step == Step.introducers_assigned:
        # a replacement names both pairs, and why, in the history
        after["introducers"] = [p["name"] for p in data["introducers"]]
        if replaced:
            before["introducers"] = [p.get("name") or p.get("key") for p in replaced]
            after["step"]["reason"] = reason
    record(ctx, f"candidate.step.{step.value}", "Candidate", cand.id, cand.org_path, before, after)
    return cand, row


@dataclass
class VoteInput:
    """The branch general meeting of a vote step and its tally (secret ballot)."""

    present: int
    yes: int = 0
    no: int = 0
    abstain: int = 0
    written_opinions: int = 0
    should_attend: int | None = None  # default: the branch's full members on the day
    place: str | None = None
    chair: str | None = None


VOTE_AGENDA = {Step.admission_vote: "讨论接收预备党员", Step.conversion_vote: "讨论预备党员转正"}


def record_vote(ctx: Context, candidate_id: int, s: StepInput, vote: VoteInput, *, version: int | None = None) -> tuple[Candidate, CandidateStep, Meeting]:
    """A vote step together with the general meeting that voted: both are written in the
    caller's transaction, so a step the rules refuse leaves no meeting behind either.
    Errors of the tally name the vote's own fields (present, yes, shouldAttend…)."""
    cand = get(ctx, candidate_id)
    require_writer(ctx, cand.org_path)
    try:
        step = Step(s.step)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知步骤：{s.step}", f"Unknown step: {s.step}", "step") from None
    if step not in VOTE_STEPS:
        raise violation(
            "INVALID_INPUT",
            "只有支部党员大会讨论接收或转正的步骤带有表决",
            "Only the general meeting's admission or conversion step carries a vote",
            "step",
        )
    if step == Step.admission_vote and cand.stage == Stage.target:
        # The introducers first: a tally that no longer adds up because one of them died
        # must not hide the reason (record_step checks them again, with everything else).
        history = records_of(steps_of(ctx, [cand.id])[cand.id])
        people = _introducers_at_vote(ctx, history, s.on)
        problem = introducers_at_vote_problem(StepRecord(step=step, on=s.on, data={"introducers_at_vote": people}))
        if problem:
            _raise(problem)
    try:
        meeting = meetings.record_meeting(
            ctx,
            org_id=cand.org_id,
            kind=MeetingKind.general_meeting.value,
            held_on=s.on,
            place=vote.place,
            chair=vote.chair,
            agenda=VOTE_AGENDA[step],
            decisions=[
                meetings.DecisionInput(
                    subject=VOTE_STEPS[step].value,
                    candidate_id=cand.id,
                    present=vote.present,
                    yes=vote.yes,
                    no=vote.no,
                    abstain=vote.abstain,
                    written_opinions=vote.written_opinions,
                    should_attend=vote.should_attend,
                )
            ],
        )
    except DomainError as exc:
        if exc.field and exc.field.startswith("decisions.0."):
            exc.field = _camel(exc.field.removeprefix("decisions.0."))
        elif exc.field == "heldOn":
            exc.field = "on"
        raise
    decision = ctx.session.execute(select(MeetingDecision).where(col(MeetingDecision.meeting_id) == meeting.id)).scalar_one()
    s.decision_id = decision.id
    cand, row = record_step(ctx, candidate_id, s, version=version)
    return cand, row, meeting


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _membership(
    ctx: Context,
    cand: Candidate,
    step: Step,
    previous: Stage,
    full: list[StepRecord],
    settings: PipelineSettings,
    reason: str | None,
) -> None:
    """Keep the roster in step with the file (see the module's docstring)."""
    stage = Stage(cand.stage)
    if step == Step.admission_approved and stage == Stage.probationary:
        joined_on, _ = membership_dates(full, settings)
        m = members.register(
            ctx,
            org_id=cand.org_id,
            status=MemberStatus.probationary.value,
            name=cand.name,
            gender=cand.gender,
            birth_date=cand.birth_date,
            education=cand.education,
            ethnicity=cand.ethnicity,
            occupation=cand.occupation,
            front_line=cand.front_line,
            rural=cand.rural,
            phone=cand.phone,
            id_number=cand.id_number,
            joined_on=joined_on,
        )
        cand.member_id = m.id
    elif previous == Stage.probationary and cand.member_id is not None:
        if stage == Stage.full:
            _, converted_on = membership_dates(full, settings)
            assert converted_on is not None
            members.change_status(
                ctx,
                cand.member_id,
                to_status=MemberStatus.full.value,
                on=converted_on,
                reason="预备期满，经支部大会讨论、上级党委批准按期转正（R-DEV-24）",
                version=None,
            )
        elif stage == Stage.cancelled:
            members.change_status(
                ctx,
                cand.member_id,
                to_status=MemberStatus.probation_cancelled.value,
                on=full[-1].on,
                reason=reason or "经支部大会讨论、上级党委批准取消预备党员资格（R-DEV-23）",
                version=None,
            )


def exit_candidate(ctx: Context, candidate_id: int, *, step: str, on: date, reason: str, version: int | None) -> Candidate:
    """Withdrawn, removed from the activist pool, not admitted, probation cancelled."""
    if step not in {s.value for s in EXIT_STEPS}:
        raise violation("INVALID_INPUT", f"不是退出步骤：{step}", f"Not an exit: {step}", "step")
    cand, _ = record_step(ctx, candidate_id, StepInput(step=step, on=on, reason=reason), version=version)
    return cand


# --- subtree alerts --------------------------------------------------------------------


@dataclass(frozen=True)
class SubtreeAlert:
    alert: Alert
    org_id: int
    candidate_id: int | None = None


def candidate_alerts(ctx: Context, org: Organization, today: date) -> list[SubtreeAlert]:
    """rules.pipeline.alerts for every open file under the organisation: two statements (one
    when every file is unchanged since it was last asked for: `_file_alerts_memo`)."""
    from partygraph.rules.candidate import alerts as file_alerts

    cands = ctx.session.execute(
        select(col(Candidate.id), col(Candidate.org_id), col(Candidate.version), col(Candidate.updated_at))
        .where(
            path_range(col(Candidate.org_path), org.path),  # `org` was loaded in scope
            col(Candidate.stage).in_([s.value for s in _ACTIVE]),
        )
        .order_by(col(Candidate.org_path), col(Candidate.id))
    ).all()
    settings = pipeline_settings(ctx)
    fixed = (today, settings_key(settings))
    keys = {c.id: (c.id, c.version, str(c.updated_at), *fixed) for c in cands}
    with _file_alerts_lock:
        known = {cid: _file_alerts_memo.get(k) for cid, k in keys.items()}
    records = step_records_of(ctx, [cid for cid, hit in known.items() if hit is None])
    out: list[SubtreeAlert] = []
    for c in cands:
        found = known[c.id]
        if found is None:
            found = known[c.id] = tuple(file_alerts(records[c.id], settings=settings, today=today))
            with _file_alerts_lock:
                if len(_file_alerts_memo) >= FILE_ALERTS_MEMO_MAX:
                    del _file_alerts_memo[next(iter(_file_alerts_memo))]
                _file_alerts_memo[keys[c.id]] = found
        out.extend(SubtreeAlert(a, c.org_id, c.id) for a in found)
    return out


# A file's alerts depend only on its steps, the rule settings and the day. Every step is
# written through `apply`/`record_step`, which move the candidate's version and update
# time, so (id, version, updated_at, day, settings) names one answer: a subtree's alerts
# replay only the files that changed since they were last asked for (a county: ~35,000
# steps read and replayed otherwise). Per process, oldest out first.
FILE_ALERTS_MEMO_MAX = 200_000
_file_alerts_lock = threading.Lock()
_file_alerts_memo: dict[tuple[Any, ...], tuple[Alert, ...]] = {}


def _years_before(today: date, years: int) -> date:
    return add_months(today, -12 * years)


def village_alerts(ctx: Context, org: Organization, today: date) -> list[SubtreeAlert]:
    """Blank villages (no new member in 3 years) and villages where over half of the
    members on the roster are 60 or older: one grouped statement over the subtree."""
    anchor = table_of(Organization).alias("anchor")
    bound = func.substr(anchor.c.path, 1, func.length(anchor.c.path) - 1) + literal("/")
    old_cutoff = _years_before(today, OLD_AGE)
    active = col(Member.status).in_([s.value for s in ACTIVE_STATUSES])
    rows = ctx.session.execute(
        select(
            anchor.c.id,
            anchor.c.name,
            func.max(col(Member.joined_on)),
            func.sum(case((active, 1), else_=0)),
            func.sum(case((and_(active, col(Member.birth_date) <= old_cutoff), 1), else_=0)),
        )
        .select_from(anchor)
        .outerjoin(Member, and_(col(Member.org_path) >= anchor.c.path, col(Member.org_path) < bound))
        .where(
            path_range(anchor.c.path, org.path),  # `org` was loaded in scope
            anchor.c.kind == OrgKind.branch.value,
            anchor.c.branch_type == BranchType.village.value,
            anchor.c.status == OrgStatus.active.value,
        )
        .group_by(anchor.c.id, anchor.c.name)
        .order_by(anchor.c.id)
    ).all()
    blank_cutoff = _years_before(today, BLANK_VILLAGE_YEARS)
    out = []
    for oid, name, last_joined, total, old in rows:
        last = last_joined if last_joined is None or isinstance(last_joined, date) else date.fromisoformat(str(last_joined))
        if last is None or last <= blank_cutoff:
            since_zh = f"最近一名新党员入党于 {last.isoformat()}" if last else "没有新党员记录"
            since_en = f"the last new member joined on {last.isoformat()}" if last else "no new member on record"
            out.append(
                SubtreeAlert(
                    Alert(
                        "A-BLANK-VILLAGE",
                        f"{name}：{BLANK_VILLAGE_YEARS} 年内没有发展新党员（空白村），{since_zh}",
                        f"{name}: no new member in {BLANK_VILLAGE_YEARS} years (blank village); {since_en}",
                        add_months(last, 12 * BLANK_VILLAGE_YEARS) if last else None,
                        {"last_joined_on": last.isoformat() if last else None},
                    ),
                    oid,
                )
            )
        total, old = int(total or 0), int(old or 0)
        if total and old * 2 > total:
            out.append(
                SubtreeAlert(
                    Alert(
                        "A-OLD-VILLAGE",
                        f"{name}：在册党员 {total} 人中 {old} 人年满 {OLD_AGE} 岁，超过半数（重点村）",
                        f"{name}: {old} of the {total} members on the roster are {OLD_AGE} or older, "
                        "more than half (key village)",
                        None,
                        {"members": total, "old": old},
                    ),
                    oid,
                )
            )
    return out


def subtree_alerts(ctx: Context, org_id: int) -> list[SubtreeAlert]:
    org = orgs.get(ctx, org_id)
    today = ctx.today()
    return candidate_alerts(ctx, org, today) + village_alerts(ctx, org, today)


OVERDUE_ALERTS = frozenset({"R-DEV-02", "R-DEV-06", "R-DEV-17", "R-DEV-24", "A-STALLED"})


def is_overdue(records: Sequence[StepRecord], birth_date: date, settings: PipelineSettings, today: date) -> bool:
    """A next step past its due date, or an alert that says something is late."""
    from partygraph.rules.candidate import alerts as file_alerts
    from partygraph.rules.candidate import next_steps

    if not records or stage_of(records) not in _ACTIVE:
        return False
    if any(n.overdue for n in next_steps(records, birth_date=birth_date, settings=settings, today=today)):
        return True
    return any(
        a.code in OVERDUE_ALERTS or (a.code == "R-DEV-22" and a.extra.get("kind") == "overdue")
        for a in file_alerts(records, settings=settings, today=today)
    )


def overdue_ids(ctx: Context, candidates: Sequence[tuple[int, date]]) -> list[int]:
    """Of (id, birth date) pairs, the overdue ones: one statement for their steps."""
    records = step_records_of(ctx, [cid for cid, _ in candidates])
    settings, today = pipeline_settings(ctx), ctx.today()
    return [cid for cid, born in candidates if is_overdue(records[cid], born, settings, today)]
