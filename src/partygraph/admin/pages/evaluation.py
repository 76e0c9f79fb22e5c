"""Admin pages: evaluation rounds (the 三评一审 grid with htmx row saving and the close
button), flags and alerts, and the cadre pages (trial checkpoints and career).

Every page runs a named operation of admin/operations/ on the API's own schema; every
change is a mutation, and its error union is shown where the clerk is looking.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from strawberry.relay import GlobalID

from partygraph.admin.core import Page, enum_values, form_errors, page, submit
from partygraph.admin.field_errors import INVALID_INPUT, FieldError, FieldErrors
from partygraph.admin.forms import N_, camel, done, error_status, global_id, is_htmx
from partygraph.admin.views import save

TALLY_SOURCES = ["peer", "masses"]  # entered as tallies in the grid
GRADE_SOURCES = ["committee", "township_review"]  # one body's grade


# The cadre posts of docs/domain.md §5: village secretary, committee members, village cadres, township leaders.
POSTS = [
    "secretary",
    "deputy_secretary",
    "committee_member",
    "organisation_officer",
    "discipline_officer",
    "publicity_officer",
    "village_director",
    "village_cadre",
    "township_leader",
]
CHECKPOINT_RESULTS = {
    "work_report": ["passed", "failed"],
    "special_assessment": ["passed", "failed"],
    "final_decision": ["keep", "promote", "move", "demote", "failed"],
}


def _int(form: FormData, name: str) -> int:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return 0
    try:
        n = int(raw)
    except ValueError:
        raise _FormError(name, N_("请填写非负整数")) from None
    if n < 0:
        raise _FormError(name, N_("请填写非负整数"))
    return n


def _date(form: FormData, name: str, default: date) -> date:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _FormError(name, N_("日期格式应为 年-月-日")) from None


class _FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message

    def errors(self, p: Page) -> FieldErrors:
        return {self.field: FieldError(INVALID_INPUT, p.t(self.message), badge=False)}


def _labels(p: Page, enum: str) -> dict[str, str]:
    """The API's own labels of an enum, so the admin says what the API says."""
    return dict(p.choices(enum))


def _common(p: Page) -> dict[str, Any]:
    return {
        "grades": _labels(p, "EvaluationGrade"),
        "decisions": _labels(p, "UnqualifiedDecision"),
        "results": _labels(p, "TrialCheckpointResult"),
        "cadre_ratings": _labels(p, "CadreRating"),
    }


# --- rounds ---------------------------------------------------------------------------------------


@page()
async def rounds(p: Page) -> Response:
    return await _rounds_page(p)


async def _rounds_page(
    p: Page,
    *,
    errors: FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    q = p.request.query_params
    year = q.get("year")
    variables: dict[str, Any] = {
        "year": int(year) if year and year.isdigit() else None,
        "after": q.get("after") or None,
    }
    data = await p.run("EvaluationRounds", variables)
    return p.render(
        "evaluation/rounds.html",
        rounds=data["evaluationRounds"],
        branches=data["organizations"]["nodes"],
        year=variables["year"],
        errors=errors or {},
        values=values or {},
        status_code=status_code,
        **_common(p),
    )


@page(write=True)
async def open_round(p: Page) -> Response:
    form = await p.request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    try:
        org_id = global_id(str(form.get("orgId") or ""), "Organization") if form.get("orgId") else None
        if org_id is None:
            raise _FormError("orgId", N_("请选择党支部"))
        year_raw = str(form.get("year") or "").strip()
        if not year_raw.isdigit():
            raise _FormError("year", N_("请填写年度"))
        opened_on = _date(form, "openedOn", p.state.clock())
    except _FormError as exc:
        return await _rounds_page(
            p, errors=exc.errors(p), values=values, status_code=422
        )
    payload, errors, status = await submit(
        p,
        "EvaluationOpenRound",
        "openEvaluationRound",
        {"input": {"orgId": org_id, "year": int(year_raw), "openedOn": opened_on}},
    )
    if payload is not None:
        return done(p, f"/admin/evaluation/rounds/{payload['round']['id']}")
    return await _rounds_page(p, errors=errors, values=values, status_code=status)


@page()
async def round_page(p: Page) -> Response:
    rid = global_id(p.request.path_params["id"], "EvaluationRound")
    data = await p.run("EvaluationRound", {"id": rid})
    rnd = data.get("node")
    if not rnd:
        raise HTTPException(404, p.t("未找到该评议，或不在您的管理范围内"))
    return p.render("evaluation/round.html", round=rnd, **_common(p))


def _row_input(form: FormData, subject_id: str, today: date) -> dict[str, Any]:
    """The grid row as a recordEvaluation input: the sources filled in and a changed outcome."""
    sources: list[dict[str, Any]] = []
    for src in TALLY_SOURCES:
        tallies = {g: _int(form, f"{src}_{g}") for g in enum_values("EvaluationGrade")}
        if form.get(f"{src}_raters") == _tally_mark(tallies):
            continue  # entered per rater and untouched here: re-sending tallies would drop the raters
        if any(tallies.values()) or form.get(f"{src}_had"):
            sources.append({"source": src, "tallies": {camel(g): n for g, n in tallies.items()}})
    for src in GRADE_SOURCES:
        grade = str(form.get(src) or "")
        if grade:
            if grade not in enum_values("EvaluationGrade"):
                raise _FormError(src, N_("请选择等次"))
            sources.append({"source": src, "tallies": {camel(grade): 1}})
    out: dict[str, Any] = {
        "subjectId": subject_id,
        "version": _int(form, "version"),
        "sources": sources,
    }
    grade = str(form.get("grade") or "")
    decision = str(form.get("decision") or "")
    if grade and (grade != form.get("grade_was") or decision != (form.get("decision_was") or "")):
        if grade not in enum_values("EvaluationGrade") or (decision and decision not in enum_values("UnqualifiedDecision")):
            raise _FormError("grade", N_("请选择等次"))
        out["outcome"] = {
            "grade": grade,
            "decidedOn": _date(form, "decidedOn", today),
            "decision": decision or None,
        }
    elif decision and not grade:
        raise _FormError("grade", N_("请先评定等次"))
    return out


def _tally_mark(tallies: dict[str, int]) -> str:
    """The tallies a per-rater source showed in the grid, to tell whether the clerk changed them."""
    return ",".join(str(tallies.get(g) or 0) for g in enum_values("EvaluationGrade"))


@page(write=True)
async def save_row(p: Page) -> Response:
    """htmx: save one row of the grid and answer with the row (and the progress, out of band)."""
    sid = global_id(p.request.path_params["id"], "EvaluationSubject")
    form = await p.request.form()
    submitted = {k: str(v) for k, v in form.items()}
    try:
        variables = _row_input(form, sid, p.state.clock())
    except _FormError as exc:
        data = await p.run("EvaluationRow", {"id": sid})
        if not data.get("node"):
            raise HTTPException(404) from None
        return p.render(
            "evaluation/_row.html",
            s=data["node"],
            form=submitted,
            error=p.t(exc.message),
            status_code=422,
            **_common(p),
        )
    data = await p.run("EvaluationRecordRow", {"input": variables})
    payload = data["recordEvaluation"]
    keep = None if payload["__typename"] == "Conflict" else submitted
    return await _row_answer(p, sid, payload, kept=keep, saved=True)


async def _row_answer(
    p: Page, sid: str, payload: dict[str, Any], *, kept: dict[str, str] | None, saved: bool = False
) -> Response:
    """A grid row after a change: the changed row (and the round's progress and blockers
    refresh), or the row read again with the error beside what was typed (`kept`)."""
    if payload["__typename"] == "EvaluationSubjectPayload":
        shown = {"saved": True} if saved else {}
        response = p.render("evaluation/_row.html", s=payload["subject"], form=None, error=None, **shown, **_common(p))
        response.headers["HX-Trigger"] = "evaluationSaved"
        return response
    fresh = await p.run("EvaluationRow", {"id": sid})
    if not fresh.get("node"):
        raise HTTPException(404)
    return p.render(
        "evaluation/_row.html",
        s=fresh["node"],
        form=kept,
        error=payload["message"],
        status_code=error_status(payload),
        **_common(p),
    )


@page(write=True)
async def withdraw_row(p: Page) -> Response:
    """htmx: take a member without an outcome out of the round, with the reason."""
    sid = global_id(p.request.path_params["id"], "EvaluationSubject")
    form = await p.request.form()
    submitted = {k: str(v) for k, v in form.items()}
    raw_version = str(form.get("version") or "")
    variables = {
        "id": sid,
        "version": int(raw_version) if raw_version.isdigit() else 0,
        "on": p.state.clock(),
        "reason": str(form.get("withdraw_reason") or ""),
    }
    data = await p.run("EvaluationWithdrawSubject", {"input": variables})
    return await _row_answer(p, sid, data["withdrawEvaluationSubject"], kept=submitted)


@page(write=True)
async def add_subject(p: Page) -> Response:
    rid = global_id(p.request.path_params["id"], "EvaluationRound")
    form = await p.request.form()
    member = str(form.get("memberId") or "")
    if not member:
        return RedirectResponse(f"/admin/evaluation/rounds/{rid}", 303)
    data = await p.run(
        "EvaluationAddSubject",
        {"input": {"roundId": rid, "memberId": global_id(member, "Member"), "on": p.state.clock()}},
    )
    payload = data["addEvaluationSubject"]
    if payload["__typename"] == "EvaluationSubjectPayload":
        return done(p, f"/admin/evaluation/rounds/{rid}")
    fresh = await p.run("EvaluationRound", {"id": rid})
    if not fresh.get("node"):
        raise HTTPException(404)
    return p.render(
        "evaluation/round.html",
        round=fresh["node"],
        add_error=payload["message"],
        status_code=error_status(payload),
        **_common(p),
    )


@page(write=True)
async def close_round(p: Page) -> Response:
    rid = global_id(p.request.path_params["id"], "EvaluationRound")
    form = await p.request.form()
    try:
        closed_on = _date(form, "closedOn", p.state.clock())
        version = _int(form, "version")
    except _FormError as exc:
        return p.render(
            "evaluation/_close.html", error=p.t(exc.message), blockers=[], status_code=422
        )
    data = await p.run(
        "EvaluationCloseRound", {"input": {"id": rid, "version": version, "closedOn": closed_on}}
    )
    payload = data["closeEvaluationRound"]
    if payload["__typename"] == "EvaluationRoundPayload":
        return done(p, f"/admin/evaluation/rounds/{rid}")
    blockers: list[dict[str, Any]] = []
    if payload["__typename"] == "RuleViolation":
        fresh = await p.run("EvaluationRound", {"id": rid})
        blockers = (fresh.get("node") or {}).get("closeBlockers") or []
    return p.render(
        "evaluation/_close.html",
        error=payload["message"],
        blockers=blockers,
        status_code=error_status(payload),
    )


# --- per-rater entry of one member's row ------------------------------------------------------------

BLANK_RATER_ROWS = 3


def _saved_raters(subject: dict[str, Any], source: str) -> list[dict[str, str]]:
    found = next((x for x in subject.get("sources") or [] if x["source"] == source), None)
    return [
        {"rater": str(r.get("rater") or ""), "grade": str(r.get("grade") or "")}
        for r in (found or {}).get("raters") or []
    ]


def _render_raters(
    p: Page,
    subject: dict[str, Any],
    source: str,
    raters: list[dict[str, str]],
    *,
    extra: int = BLANK_RATER_ROWS,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    rows = raters + [{"rater": "", "grade": ""} for _ in range(extra)]
    return p.render(
        "evaluation/_raters.html",
        status_code=status_code,
        s=subject,
        source=source,
        rows=rows,
        errors=errors or {},
        sources={
            k: v for k, v in _labels(p, "EvaluationSource").items() if k in TALLY_SOURCES
        },
        **_common(p),
    )


async def _subject(p: Page, sid: str) -> dict[str, Any]:
    data = await p.run("EvaluationRow", {"id": sid})
    if not data.get("node"):
        raise HTTPException(404)
    return data["node"]


@page()
async def row(p: Page) -> Response:
    """htmx: one row of the grid as it is saved (back from the per-rater editor)."""
    subject = await _subject(p, global_id(p.request.path_params["id"], "EvaluationSubject"))
    return p.render("evaluation/_row.html", s=subject, form=None, error=None, **_common(p))


@page()
async def raters_form(p: Page) -> Response:
    """htmx: the member's row opened for entering each rater's grade of one source."""
    subject = await _subject(p, global_id(p.request.path_params["id"], "EvaluationSubject"))
    source = p.request.query_params.get("source", TALLY_SOURCES[0])
    if source not in TALLY_SOURCES:
        raise HTTPException(404)
    return _render_raters(p, subject, source, _saved_raters(subject, source))


@page(write=True)
async def save_raters(p: Page) -> Response:
    """htmx: save the raters of one source (the tallies follow from them) and answer with the row."""
    sid = global_id(p.request.path_params["id"], "EvaluationSubject")
    form = await p.request.form()
    source = str(form.get("source") or "")
    if source not in TALLY_SOURCES:
        raise HTTPException(404)
    typed = [
        {"rater": str(name).strip(), "grade": str(grade)}
        for name, grade in zip(form.getlist("rater"), form.getlist("rater_grade"), strict=False)
    ]
    typed = [r for r in typed if r["rater"] or r["grade"]]
    more = str(form.get("more") or "")
    if more.isdigit():
        return _render_raters(p, await _subject(p, sid), source, typed, extra=min(int(more), 50))
    errors: FieldErrors = {}
    for i, r in enumerate(typed):
        if r["grade"] not in enum_values("EvaluationGrade"):
            errors[f"rater-{i}"] = FieldError(INVALID_INPUT, p.t(N_("请选择等次")), badge=False)
    if not typed:
        errors["_"] = FieldError(INVALID_INPUT, p.t(N_("请至少填写一名评议人的等次")), badge=False)
    if errors:
        return _render_raters(
            p, await _subject(p, sid), source, typed, errors=errors, status_code=422
        )
    variables = {
        "subjectId": sid,
        "version": _int(form, "version"),
        "sources": [
            {
                "source": source,
                "raters": [{"rater": r["rater"] or None, "grade": r["grade"]} for r in typed],
            }
        ],
    }
    payload = (await p.run("EvaluationRecordRow", {"input": variables}))["recordEvaluation"]
    if payload["__typename"] == "EvaluationSubjectPayload":
        response = p.render(
            "evaluation/_row.html",
            s=payload["subject"],
            form=None,
            error=None,
            saved=True,
            **_common(p),
        )
        response.headers["HX-Trigger"] = "evaluationSaved"
        return response
    subject = await _subject(p, sid)
    keep = _saved_raters(subject, source) if payload["__typename"] == "Conflict" else typed
    return _render_raters(
        p, subject, source, keep, errors=form_errors(payload), status_code=error_status(payload)
    )


# --- flags and alerts -------------------------------------------------------------------------------


@page()
async def flags(p: Page) -> Response:
    return await _flags_page(p)


async def _flags_page(
    p: Page, *, errors: dict[str, FieldErrors] | None = None, status_code: int = 200
) -> Response:
    show_all = p.request.query_params.get("all") == "1"
    home = str(GlobalID("Organization", str(p.signed_in.org_id)))
    data = await p.run("EvaluationFlags", {"open": None if show_all else True, "under": home})
    return p.render(
        "evaluation/flags.html",
        flags=data["evaluationFlags"],
        tasks=data["evaluationFollowUps"],
        alerts=data["evaluationAlerts"],
        show_all=show_all,
        errors=errors or {},
        status_code=status_code,
    )


@page(write=True)
async def resolve_flag(p: Page) -> Response:
    fid = global_id(p.request.path_params["id"], "EvaluationFlag")
    form = await p.request.form()
    try:
        resolved_on = _date(form, "resolvedOn", p.state.clock())
        version = _int(form, "version")
    except _FormError as exc:
        return await _flags_page(p, errors={fid: exc.errors(p)}, status_code=422)
    payload, errors, status = await submit(
        p,
        "EvaluationResolveFlag",
        "resolveEvaluationFlag",
        {
            "input": {
                "id": fid,
                "version": version,
                "resolution": str(form.get("resolution") or ""),
                "resolvedOn": resolved_on,
            }
        },
    )
    if payload is not None:
        return done(p, "/admin/evaluation/flags")
    return await _flags_page(p, errors={fid: errors}, status_code=status)


@page(write=True)
async def complete_follow_up(p: Page) -> Response:
    tid = global_id(p.request.path_params["id"], "EvaluationFollowUp")
    form = await p.request.form()
    corrected = {"yes": True, "no": False}.get(str(form.get("corrected") or ""))
    try:
        done_on = _date(form, "doneOn", p.state.clock())
        version = _int(form, "version")
    except _FormError as exc:
        return await _flags_page(p, errors={tid: exc.errors(p)}, status_code=422)
    payload, errors, status = await submit(
        p,
        "EvaluationCompleteFollowUp",
        "completeFollowUp",
        {
            "input": {
                "id": tid,
                "version": version,
                "doneOn": done_on,
                "note": str(form.get("note") or "") or None,
                "corrected": corrected,
            }
        },
    )
    if payload is not None:
        return done(p, "/admin/evaluation/flags")
    return await _flags_page(p, errors={tid: errors}, status_code=status)


# --- organisation assessments and model sites ------------------------------------------------------

FIVE_GOODS = {
    "leadership": N_("领导班子好"),
    "mechanism": N_("工作机制好"),
    "members": N_("党员队伍好"),
    "masses": N_("群众反映好"),
    "results": N_("工作业绩好"),
}


SITE_CRITERIA = {
    "eight": "八有",
    "venue": "活动场所面积（㎡）",
    "satisfaction": "群众满意度",
}  # the demo's keys


def _assessment_values(a: dict[str, Any]) -> dict[str, Any]:
    """An assessment of the list as the form's values, to correct it (with its version)."""
    return {
        "orgId": (a.get("organization") or {}).get("id", ""),
        "year": str(a["year"]),
        "rating": a["rating"],
        "assessedOn": a["assessedOn"],
        "fiveGoods": [k for k, v in (a.get("fiveGoods") or {}).items() if v],
        "rank": str(a["rank"] or ""),
        "ranked": str(a["ranked"] or ""),
        "secretaryId": (a.get("secretary") or {}).get("id", ""),
        "note": a.get("note") or "",
        "version": str(a["version"]),
    }


async def _secretary_options(p: Page, org_id: str) -> dict[str, Any] | None:
    """The chosen organisation's members and current secretary, for the assessment form."""
    try:
        gid = global_id(org_id, "Organization")
    except HTTPException:
        return None
    return (await p.run("EvaluationOrgSecretary", {"id": gid})).get("node")


async def _orgs_page(
    p: Page,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    """The assessments and model sites with their forms; an htmx post with errors gets its form back alone."""
    q = p.request.query_params
    year = q.get("year")
    year_value = int(year) if year and year.isdigit() else None
    today = p.state.clock()
    data = await p.run("EvaluationOrgAssessments", {"year": year_value})
    all_values: dict[str, dict[str, Any]] = {
        "assessment": {"year": str(today.year), "assessedOn": today.isoformat(), "fiveGoods": []},
        "site": {"year": str(today.year), "designatedOn": today.isoformat()},
    }
    for s in data["modelSites"]["nodes"]:
        all_values[f"review-{s['id']}"] = {"reviewedOn": today.isoformat()}
        all_values[f"delist-{s['id']}"] = {"on": today.isoformat()}
    edit = next((a for a in data["orgAssessments"]["nodes"] if a["id"] == q.get("edit")), None)
    if edit:
        all_values["assessment"] = _assessment_values(edit)
    if form and values is not None:
        all_values[form] = values
    context: dict[str, Any] = {
        "values": all_values,
        "errors": {form: errors or {}} if form else {},
        "org_ratings": _labels(p, "OrgRating"),
        "five_goods": FIVE_GOODS,
        "year": year_value,
        "secretary": None,
        "org_options": [],
    }
    if p.viewer and p.viewer.can_write:
        context["org_options"] = (await p.run("EvaluationOrgOptions"))["organizations"]["nodes"]
        if all_values["assessment"].get("orgId"):
            context["secretary"] = await _secretary_options(p, all_values["assessment"]["orgId"])
    if form and is_htmx(p):
        key, _, site_id = form.partition("-")
        site = next((x for x in data["modelSites"]["nodes"] if x["id"] == site_id), None)
        if site_id and site is None:
            raise HTTPException(404)
        return p.render(
            "evaluation/_org_form.html", status_code=status_code, form=key, site=site, **context
        )
    return p.render(
        "evaluation/orgs.html",
        status_code=status_code,
        assessments=data["orgAssessments"],
        sites=data["modelSites"],
        **context,
    )


@page()
async def org_assessments(p: Page) -> Response:
    return await _orgs_page(p)


@page()
async def secretary_field(p: Page) -> Response:
    """htmx: the secretary select for the organisation just chosen (its current secretary preselected)."""
    org = await _secretary_options(p, p.request.query_params.get("orgId", ""))
    return p.render("evaluation/_secretary.html", secretary=org, v={}, e={})


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "csrf"}
    values["fiveGoods"] = [str(v) for v in form.getlist("fiveGoods")]
    return values


@page(write=True)
async def record_org_assessment(p: Page) -> Response:
    """Record (or, with its version, correct) a yearly organisation assessment (述职评议, 五好, rank)."""
    form = await p.request.form()
    values = _form_values(form)
    try:
        org = _text(form, "orgId")
        if not org:
            raise _FormError("orgId", N_("请选择党组织"))
        year = _optional_number(form, "year", int)
        if year is None:
            raise _FormError("year", N_("请填写年度"))
        rating = str(form.get("rating") or "")
        if rating not in enum_values("OrgRating"):
            raise _FormError("rating", N_("请选择评议等次"))
        ticked = set(values["fiveGoods"])
        secretary = _text(form, "secretaryId")
        variables = {
            "orgId": global_id(org, "Organization"),
            "year": year,
            "rating": rating,
            "assessedOn": _date(form, "assessedOn", p.state.clock()),
            "fiveGoods": {k: k in ticked for k in FIVE_GOODS},
            "rank": _optional_number(form, "rank", int),
            "ranked": _optional_number(form, "ranked", int),
            "secretaryId": global_id(secretary, "Member") if secretary else None,
            "note": _text(form, "note"),
            "version": _optional_number(form, "version", int),
        }
    except _FormError as exc:
        return await _orgs_page(
            p,
            form="assessment",
            values=values,
            errors=exc.errors(p),
            status_code=422,
        )
    payload, errors, status = await submit(
        p, "EvaluationRecordOrgAssessment", "recordOrgAssessment", {"input": variables}
    )
    if payload is not None:
        return done(p, f"/admin/evaluation/orgs?year={year}")
    return await _orgs_page(
        p,
        form="assessment",
        values=values,
        errors=errors,
        status_code=status,
    )


def _criteria(form: FormData) -> dict[str, Any]:
    """The model site's standards: the eight haves, the venue, the masses' satisfaction, any others as lines."""
    criteria: dict[str, Any] = {}
    if form.get("eight") == "1":
        criteria[SITE_CRITERIA["eight"]] = True
    venue = _optional_number(form, "venue", float)
    if venue is not None:
        if venue <= 0:
            raise _FormError("venue", N_("请填写数字"))
        criteria[SITE_CRITERIA["venue"]] = int(venue) if venue == int(venue) else venue
    satisfaction = _optional_number(form, "satisfaction", float)
    if satisfaction is not None:
        if not 0 <= satisfaction <= 100:
            raise _FormError("satisfaction", N_("满意度应在 0 到 100 之间"))
        criteria[SITE_CRITERIA["satisfaction"]] = round(satisfaction / 100, 4)
    for line in str(form.get("other") or "").splitlines():
        key, sep, value = line.partition("：") if "：" in line else line.partition(":")
        if not line.strip():
            continue
        if not sep or not key.strip():
            raise _FormError("other", N_("其他标准每行一项，格式为“标准：情况”"))
        criteria[key.strip()] = value.strip()
    return criteria


@page(write=True)
async def designate_model_site(p: Page) -> Response:
    form = await p.request.form()
    values = _form_values(form)
    try:
        org = _text(form, "orgId")
        if not org:
            raise _FormError("orgId", N_("请选择党组织"))
        year = _optional_number(form, "year", int)
        if year is None:
            raise _FormError("year", N_("请填写年度"))
        variables = {
            "orgId": global_id(org, "Organization"),
            "year": year,
            "designatedOn": _date(form, "designatedOn", p.state.clock()),
            "criteria": _criteria(form),
        }
    except _FormError as exc:
        return await _orgs_page(
            p, form="site", values=values, errors=exc.errors(p), status_code=422
        )
    payload, errors, status = await submit(
        p, "EvaluationDesignateModelSite", "designateModelSite", {"input": variables}
    )
    if payload is not None:
        return done(p, f"/admin/evaluation/orgs?year={year}")
    return await _orgs_page(p, form="site", values=values, errors=errors, status_code=status)


@page(write=True)
async def review_model_site(p: Page) -> Response:
    """The yearly review of a model site: passed or not, with the reviewers' note."""
    sid = global_id(p.request.path_params["id"], "ModelSite")
    form = await p.request.form()
    values = _form_values(form)
    key = f"review-{sid}"
    try:
        passed = {"yes": True, "no": False}.get(str(form.get("passed") or ""))
        if passed is None:
            raise _FormError("passed", N_("请选择复查结论"))
        variables = {
            "id": sid,
            "version": _int(form, "version"),
            "reviewedOn": _date(form, "reviewedOn", p.state.clock()),
            "passed": passed,
            "note": _text(form, "note"),
        }
    except _FormError as exc:
        return await _orgs_page(
            p, form=key, values=values, errors=exc.errors(p), status_code=422
        )
    payload, errors, status = await submit(
        p, "EvaluationReviewModelSite", "reviewModelSite", {"input": variables}
    )
    if payload is not None:
        return done(p, "/admin/evaluation/orgs")
    return await _orgs_page(p, form=key, values=values, errors=errors, status_code=status)


@page(write=True)
async def delist_model_site(p: Page) -> Response:
    """De-list a model site with the reason (the page asks to confirm first)."""
    sid = global_id(p.request.path_params["id"], "ModelSite")
    form = await p.request.form()
    values = _form_values(form)
    key = f"delist-{sid}"
    try:
        variables = {
            "id": sid,
            "version": _int(form, "version"),
            "on": _date(form, "on", p.state.clock()),
            "reason": str(form.get("reason") or ""),
        }
    except _FormError as exc:
        return await _orgs_page(
            p, form=key, values=values, errors=exc.errors(p), status_code=422
        )
    payload, errors, status = await submit(
        p, "EvaluationDelistModelSite", "delistModelSite", {"input": variables}
    )
    if payload is not None:
        return done(p, "/admin/evaluation/orgs")
    return await _orgs_page(p, form=key, values=values, errors=errors, status_code=status)


# --- cadres -----------------------------------------------------------------------------------------


@page()
async def cadres(p: Page) -> Response:
    data = await p.run("CadreList", {"after": p.request.query_params.get("after") or None})
    return p.render("evaluation/cadres.html", appointments=data["cadreAppointments"])


@page()
async def cadre_page(p: Page) -> Response:
    return await _cadre_page(p, global_id(p.request.path_params["member_id"], "Member"))


async def _cadre_page(
    p: Page,
    member_id: str,
    *,
    errors: dict[str, FieldErrors] | None = None,
    status_code: int = 200,
) -> Response:
    data = await p.run("CadrePage", {"memberId": member_id})
    career = data.get("cadreCareer")
    if not career:
        raise HTTPException(404, p.t("未找到该党员，或不在您的管理范围内"))
    return p.render(
        "evaluation/cadre.html",
        career=career,
        member_id=member_id,
        checkpoint_results=CHECKPOINT_RESULTS,
        posts=dict(p.choices("PositionKind", POSTS)),
        errors=errors or {},
        status_code=status_code,
        **_common(p),
    )


@page(write=True)
async def record_checkpoint(p: Page) -> Response:
    cid = global_id(p.request.path_params["id"], "TrialCheckpoint")
    form = await p.request.form()
    member_id = global_id(str(form.get("memberId") or ""), "Member")
    try:
        done_on = _date(form, "doneOn", p.state.clock())
        version = _int(form, "version")
        result = str(form.get("result") or "")
        if not result:
            raise _FormError("result", N_("请选择考核结果"))
    except _FormError as exc:
        return await _cadre_page(
            p, member_id, errors={cid: exc.errors(p)}, status_code=422
        )
    payload, errors, status = await submit(
        p,
        "CadreRecordCheckpoint",
        "recordTrialCheckpoint",
        {
            "input": {
                "id": cid,
                "version": version,
                "doneOn": done_on,
                "result": result,
                "evidence": str(form.get("evidence") or "") or None,
            }
        },
    )
    if payload is not None:
        return done(p, f"/admin/evaluation/cadres/{member_id}")
    return await _cadre_page(p, member_id, errors={cid: errors}, status_code=status)


def _text(form: FormData, name: str) -> str | None:
    return str(form.get(name) or "").strip() or None


def _optional_number(form: FormData, name: str, kind: type) -> int | float | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise _FormError(name, N_("请填写数字")) from None


async def _cadre_change(
    p: Page, member_id: str, key: str, operation: str, field: str, read: Callable[[], dict[str, Any]]
) -> Response:
    """One change on a cadre's page: `read` builds the mutation's input from the form (a
    _FormError shows beside its field, under `key`: the form it came from), then back to the
    page, or to the form with the mutation's error."""

    async def again(errors: FieldErrors, status: int) -> Response:
        return await _cadre_page(p, member_id, errors={key: errors}, status_code=status)

    try:
        variables = read()
    except _FormError as exc:
        return await again(exc.errors(p), 422)
    return await save(
        p, operation, field, variables, invalid={}, again=again, redirect=lambda _: f"/admin/evaluation/cadres/{member_id}"
    )


@page(write=True)
async def appoint(p: Page) -> Response:
    """Appoint the member to a post (or re-appoint after a step-down); a trial gets its checkpoints."""
    member_id = global_id(p.request.path_params["member_id"], "Member")
    form = await p.request.form()

    def read() -> dict[str, Any]:
        org = str(form.get("orgId") or "")
        if not org:
            raise _FormError("orgId", N_("请选择任职组织"))
        post = str(form.get("post") or "")
        if post not in POSTS:
            raise _FormError("post", N_("请选择职务"))
        return {
            "memberId": member_id,
            "orgId": global_id(org, "Organization"),
            "post": post,
            "appointedOn": _date(form, "appointedOn", p.state.clock()),
            "title": _text(form, "title"),
            "trial": form.get("trial") == "1",
        }

    return await _cadre_change(p, member_id, "appoint", "CadreAppoint", "appointCadre", read)


@page(write=True)
async def step_down(p: Page) -> Response:
    aid = global_id(p.request.path_params["id"], "CadreAppointment")
    form = await p.request.form()
    member_id = global_id(str(form.get("memberId") or ""), "Member")

    def read() -> dict[str, Any]:
        on = _date(form, "on", p.state.clock())
        return {"id": aid, "version": _int(form, "version"), "on": on, "reason": str(form.get("reason") or "")}

    return await _cadre_change(p, member_id, aid, "CadreStepDown", "stepDownCadre", read)


@page(write=True)
async def warn(p: Page) -> Response:
    aid = global_id(p.request.path_params["id"], "CadreAppointment")
    form = await p.request.form()
    member_id = global_id(str(form.get("memberId") or ""), "Member")

    def read() -> dict[str, Any]:
        on = _date(form, "on", p.state.clock())
        return {"appointmentId": aid, "on": on, "dueOn": _date(form, "dueOn", on), "reason": str(form.get("reason") or "")}

    return await _cadre_change(p, member_id, f"warn:{aid}", "CadreWarn", "warnCadre", read)


@page(write=True)
async def record_assessment(p: Page) -> Response:
    member_id = global_id(p.request.path_params["member_id"], "Member")
    form = await p.request.form()

    def read() -> dict[str, Any]:
        variables = {
            "memberId": member_id,
            "year": _int(form, "year"),
            "rating": str(form.get("rating") or ""),
            "assessedOn": _date(form, "assessedOn", p.state.clock()),
            "rank": _optional_number(form, "rank", int),
            "ranked": _optional_number(form, "ranked", int),
            "massScore": _optional_number(form, "massScore", float),
            "mutualScore": _optional_number(form, "mutualScore", float),
            "departmentScore": _optional_number(form, "departmentScore", float),
            "note": _text(form, "note"),
            "version": _optional_number(form, "version", int),
        }
        if variables["rating"] not in enum_values("CadreRating"):
            raise _FormError("rating", N_("请选择考核等次"))
        return variables

    return await _cadre_change(p, member_id, "assessment", "CadreRecordAssessment", "recordCadreAssessment", read)


routes = [
    Route("/evaluation", rounds),
    Route("/evaluation/rounds", open_round, methods=["POST"]),
    Route("/evaluation/rounds/{id}", round_page),
    Route("/evaluation/rounds/{id}/close", close_round, methods=["POST"]),
    Route("/evaluation/rounds/{id}/subjects", add_subject, methods=["POST"]),
    Route("/evaluation/subjects/{id}", save_row, methods=["POST"]),
    Route("/evaluation/subjects/{id}", row),
    Route("/evaluation/subjects/{id}/raters", raters_form),
    Route("/evaluation/subjects/{id}/raters", save_raters, methods=["POST"]),
    Route("/evaluation/subjects/{id}/withdraw", withdraw_row, methods=["POST"]),
    Route("/evaluation/flags", flags),
    Route("/evaluation/flags/{id}/resolve", resolve_flag, methods=["POST"]),
    Route("/evaluation/follow-ups/{id}/done", complete_follow_up, methods=["POST"]),
    Route("/evaluation/orgs", org_assessments),
    Route("/evaluation/orgs/secretary", secretary_field),
    Route("/evaluation/orgs/assessments", record_org_assessment, methods=["POST"]),
    Route("/evaluation/sites", designate_model_site, methods=["POST"]),
    Route("/evaluation/sites/{id}/review", review_model_site, methods=["POST"]),
    Route("/evaluation/sites/{id}/delist", delist_model_site, methods=["POST"]),
    Route("/evaluation/cadres", cadres),
    Route("/evaluation/cadres/{member_id}", cadre_page),
    Route("/evaluation/checkpoints/{id}", record_checkpoint, methods=["POST"]),
    Route("/evaluation/appointments/{id}/step-down", step_down, methods=["POST"]),
    Route("/evaluation/appointments/{id}/warn", warn, methods=["POST"]),
    Route("/evaluation/cadres/{member_id}/assessments", record_assessment, methods=["POST"]),
    Route("/evaluation/cadres/{member_id}/appointments", appoint, methods=["POST"]),
]
