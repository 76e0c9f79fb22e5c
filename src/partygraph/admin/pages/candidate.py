"""Admin pages of the candidate pipeline: the board (with a line on the organisation's
development plan of the year), the candidate page with its step forms (htmx, inline
refusals with the rule's code), the vote arithmetic as the clerk types, the application
form (the alerts list of every area is admin/pages/alerts.py). A vote step's form records the general meeting and the step with
one mutation (`recordCandidateVote`): all or nothing. Before the admission vote the
introducers may be replaced (the vote re-checks them, R-DEV-09, and its refusal links to
the replacement form).

Every page runs a named operation of admin/operations/Pipeline*.graphql on the API's
own schema; every change is a mutation, and its error union is shown in the form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route
from strawberry.relay import GlobalID

from partygraph.admin.core import Page, page
from partygraph.admin.forms import N_, done, error_status, global_id, org_param
from partygraph.admin.pages.plans import BADGE, SEVERITY
from partygraph.rules.candidate import EXIT_STEPS, Step
from partygraph.rules.candidate_steps import EVERY_STEP, Kind, StepField, camel, fields_of
from partygraph.rules.candidate_steps import STEP_FIELDS as STEP_DATA

BOARD_STAGES = ("applicant", "activist", "target", "probationary")  # labels: the API's CandidateStage
EXITS = {
    Step.withdraw.value: ("WITHDRAW", N_("本人撤回入党申请")),
    Step.remove_from_pool.value: ("REMOVE_FROM_POOL", N_("调整出积极分子队伍")),
    Step.not_admitted.value: ("NOT_ADMITTED", N_("不予接收")),
    Step.cancel_probation.value: ("CANCEL_PROBATION", N_("取消预备党员资格")),
}
EXIT_STAGES = {
    Step.withdraw.value: ("applicant", "activist", "target"),
    Step.remove_from_pool.value: ("activist", "target"),
    Step.not_admitted.value: ("target",),
    Step.cancel_probation.value: ("probationary",),
}
assert set(EXITS) == {s.value for s in EXIT_STEPS}
VOTE_STEPS = {Step.admission_vote.value: "admission", Step.conversion_vote.value: "conversion"}
# What a vote step's form sends besides the tally (RecordCandidateVoteInput): its data but the decision.
VOTE_STEP_FIELDS = {"candidateId", "version", "step", "on", "documents"} | {
    camel(f.name) for s in VOTE_STEPS for f in fields_of(s) if f.kind != Kind.decision
}
# Rule field names (snake_case, data.*) and API fields → the form field to mark: the step's
# data as declared (rules.candidate_steps), then the vote's tally and the step's own fields.
ERROR_FIELDS = {
    **{f"data.{f.key}": f.name for fs in (*STEP_DATA.values(), EVERY_STEP) for f in fs if f.key},
    **{camel(f.name): f.name for fs in (*STEP_DATA.values(), EVERY_STEP) for f in fs},
    "on": "on",
    "heldOn": "on",
    "data.present": "present",
    "data.yes": "yes",
    "present": "present",
    "yes": "yes",
    "no": "yes",
    "abstain": "yes",
    "writtenOpinions": "present",
    "shouldAttend": "present",
    "reason": "reason",
}


def _text(data: FormData, name: str) -> str:
    v = data.get(name, "")
    return v.strip() if isinstance(v, str) else ""


def _int(data: FormData, name: str, errors: dict[str, str], p: Page) -> int | None:
    raw = _text(data, name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        errors[name] = p.t("请填写整数")
        return None


def _float(data: FormData, name: str, errors: dict[str, str], p: Page) -> float | None:
    raw = _text(data, name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        errors[name] = p.t("请填写数字")
        return None


def _date(data: FormData, name: str, errors: dict[str, str], p: Page, *, required: bool = False) -> str | None:
    raw = _text(data, name)
    if not raw:
        if required:
            errors[name] = p.t("请填写日期")
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        errors[name] = p.t("日期格式应为 YYYY-MM-DD")
        return None


def _lines(data: FormData, name: str) -> list[str]:
    return [line.strip() for line in _text(data, name).splitlines() if line.strip()]


def _error(payload: dict[str, Any]) -> dict[str, Any] | None:
    if payload.get("__typename", "").endswith("Payload"):
        return None
    return {"code": payload.get("code"), "message": payload.get("message"), "field": ERROR_FIELDS.get(payload.get("field") or "")}


# --- the board -----------------------------------------------------------------------------


@page()
async def board(p: Page) -> Response:
    under = org_param(p, "under")
    year = p.state.clock().year
    data = await p.run("PipelineBoard", {"under": under, "year": year})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    columns: dict[str, list[dict[str, Any]]] = {s: [] for s in BOARD_STAGES}
    for c in data["candidates"]["nodes"]:
        c["overdue"] = any(n["overdue"] for n in c["nextSteps"])
        dues = [n["due"] for n in c["nextSteps"] if n["due"]]
        c["due"] = min(dues) if dues else None
        columns[c["stage"]].append(c)
    return p.render(
        "candidate/board.html",
        org=data["node"],
        under=under,
        stages=p.choices("CandidateStage", BOARD_STAGES),
        columns=columns,
        total=data["candidates"]["totalCount"],
        year=year,
        plan=_board_plan(data["developmentPlans"]["nodes"], under),
    )


# An adopted plan before a draft, a yearly plan before a three-year one.
PLAN_RANK = {("adopted", "yearly"): 0, ("adopted", "three_year"): 1, ("draft", "yearly"): 2, ("draft", "three_year"): 3}


def _board_plan(plans: list[dict[str, Any]], under: str) -> dict[str, Any] | None:
    """The board organisation's own plan covering this year: the lines that have a target
    and the worst of them (as the plans list badges it)."""
    own = [pl for pl in plans if pl["organization"]["id"] == under]
    if not own:
        return None
    plan = min(own, key=lambda pl: PLAN_RANK.get((pl["status"], pl["kind"]), 9))
    lines = [ln for ln in plan["progress"]["lines"] if ln["status"] != "no_target"]
    worst = max(lines, key=lambda ln: SEVERITY[ln["status"]], default=None)
    return {**plan, "lines": lines, "worst": worst, "badge": BADGE[worst["status"]] if worst else ""}


# --- the application form ------------------------------------------------------------------


APPLY_FIELDS = ["name", "gender", "birth_date", "education", "applied_on", "ethnicity", "occupation", "phone", "id_number", "documents"]


@page()
async def apply_form(p: Page) -> Response:
    under = org_param(p, "under")
    return p.render("candidate/apply.html", under=under, values={"applied_on": p.state.clock().isoformat(), "ethnicity": "汉族"}, errors={}, error=None)


@page(write=True)
async def apply_submit(p: Page) -> Response:
    data = await p.request.form()
    under = global_id(_text(data, "org_id"), "Organization")
    errors: dict[str, str] = {}
    applied_on = _date(data, "applied_on", errors, p, required=True)
    birth = _date(data, "birth_date", errors, p, required=True)
    values = {k: _text(data, k) for k in APPLY_FIELDS}
    if errors:
        return p.render("candidate/apply.html", under=under, values=values, errors=errors, error=None, status_code=422)
    payload = (
        await p.run(
            "PipelineApply",
            {
                "input": {
                    "orgId": under,
                    "appliedOn": applied_on,
                    "name": _text(data, "name"),
                    "gender": _text(data, "gender") or "male",
                    "birthDate": birth,
                    "education": _text(data, "education") or "junior_high",
                    "ethnicity": _text(data, "ethnicity") or "汉族",
                    "occupation": _text(data, "occupation") or None,
                    "phone": _text(data, "phone") or None,
                    "idNumber": _text(data, "id_number") or None,
                    "documents": _lines(data, "documents"),
                }
            },
        )
    )["applyForMembership"]
    err = _error(payload)
    if err:
        return p.render("candidate/apply.html", under=under, values=values, errors={}, error=err, status_code=error_status(payload))
    return done(p, f"/admin/candidates/{payload['candidate']['id']}")


# --- the candidate page and its step forms --------------------------------------------------


async def _candidate(p: Page) -> dict[str, Any]:
    cid = global_id(p.request.path_params["id"], "Candidate")
    data = await p.run("PipelineCandidate", {"id": cid})
    c = data.get("node")
    if not c:
        raise HTTPException(404, p.t("未找到该发展党员对象，或不在您的管理范围内"))
    return c


REPLACE_INTRODUCERS = N_("更换入党介绍人")
# While these are next, the branch has resolved to admit: the introducers stay.
AFTER_ADMISSION_VOTE = {Step.approval_talk.value, Step.admission_approved.value}


def _assignments(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The introducers' assignments of the file's current round (since its latest application)."""
    timeline = c["timeline"]
    starts = [i for i, t in enumerate(timeline) if t["step"] == Step.application.value]
    return [t for t in timeline[starts[-1] if starts else 0 :] if t["step"] == Step.introducers_assigned.value]


def _replacing_introducers(c: dict[str, Any]) -> bool:
    """A target whose introducers are assigned, before the admission vote: one may be
    replaced (sanctioned, gone, no longer full; R-DEV-09 is checked again at the vote)."""
    return (
        c["stage"] == "target"
        and bool(_assignments(c))
        and not any(n["step"] in AFTER_ADMISSION_VOTE for n in c["nextSteps"])
    )


def _current_introducers(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The pair in force while it may be replaced (the latest assignment), else nothing."""
    if not _replacing_introducers(c):
        return []
    latest = _assignments(c)[-1]
    return [x for x in (latest["data"] or {}).get("introducers") or [] if isinstance(x, dict)]


def _fields(c: dict[str, Any], step: str | None) -> list[str]:
    """The form fields of a step besides its data: replacing the introducers asks why."""
    return ["reason"] if step == Step.introducers_assigned.value and _replacing_introducers(c) else []


def _step_fields(step: str | None) -> tuple[StepField, ...]:
    return STEP_DATA.get(Step(step), ()) if step else ()


def _step_choices(p: Page, c: dict[str, Any]) -> list[tuple[str, str]]:
    """The steps the rules list as next, and the replacement of the introducers."""
    seen: list[str] = []
    for n in c["nextSteps"]:
        if n["step"] not in seen:
            seen.append(n["step"])
    choices = [(s, p.label("CandidateStepKind", s)) for s in seen]
    if Step.introducers_assigned.value not in seen and _replacing_introducers(c):
        choices.append((Step.introducers_assigned.value, REPLACE_INTRODUCERS))
    return choices


def _form_context(p: Page, c: dict[str, Any], step: str | None, values: dict[str, Any], error: dict[str, Any] | None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    choices = _step_choices(p, c)
    if step is None:
        step = choices[0][0] if choices else None
    if step and step not in [s for s, _ in choices]:
        choices.append((step, p.label("CandidateStepKind", step)))
    current = _current_introducers(c) if step == Step.introducers_assigned.value else []
    if current and not values:
        # the replacement form starts from the pair in force: untick one, tick another
        values = {"introducer_ids": [str(GlobalID("Member", str(x["member_id"]))) for x in current if x.get("member_id")]}
    return {
        "c": c,
        "step": step,
        "choices": choices,
        "fields": _fields(c, step),
        "step_fields": _step_fields(step),
        "every_step": EVERY_STEP,
        "current_introducers": [x.get("name") for x in current],
        "values": values,
        "error": error,
        "errors": errors or {},
        "full_members": c["organization"]["members"]["nodes"],
    }


def _exits(c: dict[str, Any]) -> list[tuple[str, str]]:
    return [(api, label) for step, (api, label) in EXITS.items() if c["stage"] in EXIT_STAGES[step]]


async def _with_should_attend(p: Page, c: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    """A vote form starts with who should attend: the branch's full members today."""
    if ctx["step"] in VOTE_STEPS and not ctx["values"].get("should_attend"):
        data = await p.run("PipelineVotingMembers", {"orgId": c["organization"]["id"], "on": p.state.clock().isoformat()})
        ctx["values"] = {**ctx["values"], "should_attend": data["votingMemberCount"]}
    return ctx


def _asked_step(p: Page) -> str | None:
    step = p.request.query_params.get("step") or None
    if step is not None and step not in {s.value for s in Step}:
        raise HTTPException(404)
    return step


@page()
async def candidate(p: Page) -> Response:
    """The candidate page; `?step=` opens the form on that step (the vote's refusal links
    to the replacement of the introducers this way, with or without htmx)."""
    c = await _candidate(p)
    ctx = await _with_should_attend(p, c, _form_context(p, c, _asked_step(p), {}, None))
    return p.render("candidate/candidate.html", exits=_exits(c), **ctx)


@page()
async def step_form(p: Page) -> Response:
    c = await _candidate(p)
    ctx = await _with_should_attend(p, c, _form_context(p, c, _asked_step(p), {}, None))
    return p.render("candidate/_step_form.html", **ctx)


def _form_value(data: FormData, f: StepField, errors: dict[str, str], p: Page) -> Any:
    """One datum of the step as the form gives it (None: not given), by its declared kind."""
    if f.kind in (Kind.members, Kind.choices):
        return [v for v in data.getlist(f.name) if isinstance(v, str) and v]
    if f.kind == Kind.bool:
        return _text(data, f.name) in ("1", "on", "true")
    if f.kind == Kind.date:
        return _date(data, f.name, errors, p)
    if f.kind == Kind.int:
        return _int(data, f.name, errors, p)
    if f.kind == Kind.float:
        return _float(data, f.name, errors, p)
    if f.kind == Kind.decision:  # the vote's tally is read on its own (record_step)
        return None
    return _text(data, f.name) or None


def _step_input(p: Page, c: dict[str, Any], data: FormData, step: str, errors: dict[str, str], fields: list[str]) -> dict[str, Any]:
    on = _date(data, "on", errors, p, required=True)
    out: dict[str, Any] = {"candidateId": c["id"], "version": c["version"], "step": step, "on": on}
    docs = _lines(data, "documents")
    if docs:
        out["documents"] = docs
    for f in fields_of(step):
        value = _form_value(data, f, errors, p)
        if value is not None:
            out[camel(f.name)] = value
    if "reason" in fields and _text(data, "reason"):
        out["reason"] = _text(data, "reason")
    return out


@page(write=True)
async def record_step(p: Page) -> Response:
    c = await _candidate(p)
    data = await p.request.form()
    step = _text(data, "step")
    if step not in {s.value for s in Step} or step in EXITS:
        raise HTTPException(400)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {k: (v if isinstance(v, str) else "") for k, v in data.items()}
    for f in _step_fields(step):
        if f.kind in (Kind.members, Kind.choices):
            values[f.name] = data.getlist(f.name)
    inp = _step_input(p, c, data, step, errors, _fields(c, step))
    tally: dict[str, Any] = {}
    if step in VOTE_STEPS:
        for name in ("should_attend", "present", "yes", "no", "abstain", "written_opinions"):
            tally[name] = _int(data, name, errors, p)
        if tally["present"] is None:
            errors["present"] = p.t("请填写实到人数")
    if errors:
        ctx = _form_context(p, c, step, values, None, errors)
        return p.render("candidate/_step_form.html", status_code=422, **ctx)
    if step in VOTE_STEPS:
        # The meeting and the step in one mutation: a step the rules refuse leaves no meeting.
        vote = {
            **{k: v for k, v in inp.items() if k in VOTE_STEP_FIELDS},
            "place": _text(data, "place") or None,
            "chair": _text(data, "chair") or None,
            "present": tally["present"],
            "yes": tally["yes"] or 0,
            "no": tally["no"] or 0,
            "abstain": tally["abstain"] or 0,
            "writtenOpinions": tally["written_opinions"] or 0,
        }
        if tally["should_attend"] is not None:
            vote["shouldAttend"] = tally["should_attend"]
        payload = (await p.run("PipelineRecordVote", {"input": vote}))["recordCandidateVote"]
    else:
        payload = (await p.run("PipelineRecordStep", {"input": inp}))["recordCandidateStep"]
    err = _error(payload)
    if err:
        ctx = _form_context(p, c, step, values, err)
        return p.render("candidate/_step_form.html", status_code=error_status(payload), **ctx)
    return done(p, f"/admin/candidates/{c['id']}")


@page(write=True)
async def exit_candidate(p: Page) -> Response:
    c = await _candidate(p)
    data = await p.request.form()
    errors: dict[str, str] = {}
    on = _date(data, "on", errors, p, required=True)
    exit_ = _text(data, "exit")
    if exit_ not in {api for api, _ in EXITS.values()}:
        errors["exit"] = p.t("请选择一项")
    values = {k: (v if isinstance(v, str) else "") for k, v in data.items()}
    if errors:
        return p.render("candidate/_exit_form.html", c=c, exits=_exits(c), values=values, errors=errors, error=None, status_code=422)
    payload = (
        await p.run(
            "PipelineExit",
            {"input": {"candidateId": c["id"], "version": c["version"], "exit": exit_, "on": on, "reason": _text(data, "reason")}},
        )
    )["exitCandidate"]
    err = _error(payload)
    if err:
        return p.render("candidate/_exit_form.html", c=c, exits=_exits(c), values=values, errors={}, error=err, status_code=error_status(payload))
    return done(p, f"/admin/candidates/{c['id']}")


# --- the vote arithmetic, as the clerk types -------------------------------------------------


@page()
async def explain_vote(p: Page) -> Response:
    q = p.request.query_params

    def n(name: str) -> int:
        try:
            return max(int(q.get(name) or 0), -1)
        except ValueError:
            return 0

    should = n("should_attend")
    if should <= 0 and not q.get("present"):
        return p.render("candidate/_vote_explain.html", explanation=None)
    data = await p.run(
        "PipelineExplainVote",
        {"shouldAttend": should, "present": n("present"), "yes": n("yes"), "no": n("no"), "abstain": n("abstain"), "writtenOpinions": n("written_opinions")},
    )
    return p.render("candidate/_vote_explain.html", explanation=data["explainVote"])


routes = [
    Route("/pipeline", board),
    Route("/pipeline/apply", apply_form),
    Route("/pipeline/apply", apply_submit, methods=["POST"]),
    Route("/candidates/{id}", candidate),
    Route("/candidates/{id}/form", step_form),
    Route("/candidates/{id}/steps", record_step, methods=["POST"]),
    Route("/candidates/{id}/exit", exit_candidate, methods=["POST"]),
    Route("/votes/explain", explain_vote),
]
