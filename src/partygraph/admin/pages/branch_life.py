"""Admin pages of branch life: a branch's calendar (planned vs held, htmx month switch),
the meeting form with attendance ticked from the roster, the election form with the count
arithmetic as the clerk types, the four-step items and the flowing-member list.

Every page runs a named operation (admin/operations/Calendar*, Meeting*, Election*,
FourStep*, Flowing*) on the API's own schema; refusals come back from the mutation's
error union and are shown in the form with their rule code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from strawberry.relay import GlobalID

from partygraph.admin.core import OperationError, Page, page
from partygraph.models.meeting import MEETING_KIND_LABELS, MeetingKind
from partygraph.rules.branch_life import FOUR_STEP_LABELS, FourStep

STATUS = {"RuleViolation": 422, "Conflict": 409, "NotAllowed": 403, "NotFound": 404}
KINDS = [(k.value, MEETING_KIND_LABELS[k][0]) for k in MeetingKind]
ATTENDANCE = [("present", "出席"), ("excused", "请假"), ("absent", "缺席")]
N_ = str  # marks Python strings for the catalog; templates translate them
POSTS = [
    ("secretary", "书记"),
    ("deputy_secretary", "副书记"),
    ("organisation_officer", "组织委员"),
    ("discipline_officer", "纪检委员"),
    ("publicity_officer", "宣传委员"),
    ("committee_member", "委员"),
]
STEPS = [(s.name.upper(), FOUR_STEP_LABELS[s][0]) for s in FourStep]


def _gid(value: str | None, type_name: str) -> str:
    try:
        gid = GlobalID.from_id(str(value or ""))
    except Exception:  # noqa: BLE001 - an undecodable id is simply not found
        raise HTTPException(404) from None
    if gid.type_name != type_name:
        raise HTTPException(404)
    return str(gid)


def _org(p: Page) -> str:
    raw = p.request.query_params.get("org")
    if raw:
        return _gid(raw, "Organization")
    assert p.viewer is not None
    return str(GlobalID("Organization", str(p.viewer.org_id)))


def _text(data: FormData, name: str) -> str:
    v = data.get(name, "")
    return v.strip() if isinstance(v, str) else ""


def _int(raw: str | None) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def _date(raw: str) -> str | None:
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


def _error(payload: dict[str, Any]) -> dict[str, Any] | None:
    if payload.get("__typename", "").endswith("Payload"):
        return None
    return {"code": payload.get("code"), "message": payload.get("message"), "field": payload.get("field")}


def _done(p: Page, url: str) -> Response:
    if p.request.headers.get("hx-request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, 303)


def _month_bounds(year: int, month: int) -> tuple[str, str]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first.isoformat(), date.fromordinal(nxt.toordinal() - 1).isoformat()


# --- calendar ------------------------------------------------------------------------------


def _year_month(p: Page) -> tuple[int, int]:
    today = p.state.clock()
    year = _int(p.request.query_params.get("year")) or today.year
    month = _int(p.request.query_params.get("month")) or (today.month if year == today.year else 1)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise HTTPException(404)
    return year, month


async def _month_context(p: Page, org: str, year: int, month: int) -> dict[str, Any]:
    first, last = _month_bounds(year, month)
    data = await p.run("CalendarMonth", {"filter": {"under": org, "heldFrom": first, "heldTo": last}})
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return {"org_id": org, "year": year, "month": month, "records": data["meetingRecords"]["nodes"], "prev": prev, "next": nxt}


@page()
async def calendar(p: Page) -> Response:
    org = _org(p)
    year, month = _year_month(p)
    data = await p.run("CalendarPage", {"org": org, "year": year})
    if not data.get("node") or not data.get("branchCalendar"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render(
        "branch_life/calendar.html",
        org=data["node"],
        cal=data["branchCalendar"],
        alerts=data["branchLifeAlerts"],
        flag_decisions=FLAG_DECISIONS,
        **(await _month_context(p, org, year, month)),
    )


FLAG_DECISIONS = {
    "R-MEM-01": [("remove", N_("按自行脱党予以除名")), ("keep", N_("不作处置（说明理由）"))],
    "R-MEM-02-SUSPEND": [("suspend", N_("停止党籍")), ("keep", N_("不作处置（说明理由）"))],
    "R-MEM-02-REMOVE": [("remove", N_("予以除名")), ("keep", N_("不作处置（说明理由）"))],
}


@page(write=True)
async def decide_flag(p: Page) -> Response:
    """A person decides an R-MEM flag from the calendar's alert list."""
    data = await p.request.form()
    org = _gid(_text(data, "org_id"), "Organization")
    payload = (
        await p.run(
            "CalendarDecideFlag",
            {
                "member": _gid(_text(data, "member_id"), "Member"),
                "flag": _text(data, "flag"),
                "raisedOn": _date(_text(data, "raised_on")) or "",
                "decision": _text(data, "decision"),
                "on": p.state.clock().isoformat(),
                "note": _text(data, "note"),
            },
        )
    )["decideMemberFlag"]
    err = _error(payload)
    if err:
        return p.render("branch_life/_error.html", error=err, status_code=STATUS.get(payload["__typename"], 422))
    return _done(p, f"/admin/branch-life?org={org}")


@page()
async def calendar_month(p: Page) -> Response:
    org = _org(p)
    year, month = _year_month(p)
    return p.render("branch_life/_month.html", **(await _month_context(p, org, year, month)))


# --- the meeting form ----------------------------------------------------------------------


async def _roster(p: Page, org: str) -> dict[str, Any]:
    try:
        data = await p.run("MeetingFormRoster", {"org": org, "filter": {"under": org}})
    except OperationError:  # the member filter refuses an organisation out of scope
        data = {}
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    roster = [{"id": m["id"], "name": m["name"], "note": m["statusLabel"], "where": m["organization"]["name"]} for m in data["members"]["nodes"]]
    ids = {m["id"] for m in roster}
    for f in data["flowingMembers"]:
        if f["lifeOrganization"] and f["lifeOrganization"]["id"] == org and f["memberId"] not in ids:
            roster.append({"id": f["memberId"], "name": f["memberName"], "note": p.t("流动党员"), "where": f["workplace"] or "", "away": True})
    return {"org": data["node"], "roster": roster}


@page()
async def meeting_form(p: Page) -> Response:
    org = _org(p)
    kind = p.request.query_params.get("kind") or "general_meeting"
    values = {"kind": kind, "held_on": p.state.clock().isoformat()}
    return p.render("branch_life/meeting_form.html", kinds=KINDS, statuses=ATTENDANCE, values=values, error=None, **(await _roster(p, org)))


@page(write=True)
async def meeting_submit(p: Page) -> Response:
    data = await p.request.form()
    org = _gid(_text(data, "org_id"), "Organization")
    ctx = await _roster(p, org)
    values: dict[str, Any] = {k: _text(data, k) for k in ("kind", "held_on", "place", "chair", "recorder", "agenda", "minutes", "attachments")}
    attendance = []
    for m in ctx["roster"]:
        status = _text(data, f"att_{m['id']}")
        values[f"att_{m['id']}"] = status
        values[f"reason_{m['id']}"] = _text(data, f"reason_{m['id']}")
        if status in ("present", "excused", "absent"):
            attendance.append({"memberId": m["id"], "status": status.upper(), "reason": values[f"reason_{m['id']}"] or None})
    held_on = _date(values["held_on"])
    if held_on is None:
        err = {"code": "INVALID_DATE", "message": p.t("日期格式应为 YYYY-MM-DD"), "field": "heldOn"}
        return p.render("branch_life/meeting_form.html", kinds=KINDS, statuses=ATTENDANCE, values=values, error=err, status_code=422, **ctx)
    payload = (
        await p.run(
            "MeetingRecord",
            {
                "input": {
                    "orgId": org,
                    "kind": values["kind"] or "general_meeting",
                    "heldOn": held_on,
                    "place": values["place"] or None,
                    "chair": values["chair"] or None,
                    "recorder": values["recorder"] or None,
                    "agenda": values["agenda"] or None,
                    "minutes": values["minutes"] or None,
                    "attachments": [line.strip() for line in values["attachments"].splitlines() if line.strip()],
                    "attendance": attendance,
                }
            },
        )
    )["recordBranchMeeting"]
    err = _error(payload)
    if err:
        if err["field"] and err["field"].startswith("attendance."):
            idx = _int(err["field"].split(".")[1])
            if idx is not None and idx < len(attendance):
                err["member"] = attendance[idx]["memberId"]
        return p.render(
            "branch_life/meeting_form.html", kinds=KINDS, statuses=ATTENDANCE, values=values, error=err,
            status_code=STATUS.get(payload["__typename"], 422), **ctx,
        )  # fmt: skip
    d = date.fromisoformat(held_on)
    return _done(p, f"/admin/branch-life?org={org}&year={d.year}&month={d.month}")


# --- elections -----------------------------------------------------------------------------


@page()
async def election_form(p: Page) -> Response:
    org = _org(p)
    today = p.state.clock().isoformat()
    data = await p.run("ElectionForm", {"org": org, "on": today})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    values = {"held_on": today, "should_attend": data["votingMemberCount"], "seats": 3}
    return p.render("branch_life/election_form.html", org=data["node"], data=data, values=values, rows=5, posts=POSTS, error=None)


def _votes(params: Any, count: int) -> list[int]:
    out = []
    for i in range(count):
        name = (params.get(f"name_{i}") or "").strip()
        v = _int(params.get(f"votes_{i}"))
        if name or v is not None:
            out.append(v or 0)
    return out


@page()
async def election_explain(p: Page) -> Response:
    q = p.request.query_params
    seats, should, present = _int(q.get("seats")), _int(q.get("should_attend")), _int(q.get("present"))
    if seats is None or should is None or present is None:
        return p.render("branch_life/_election_explain.html", explanation=None)
    votes = _votes(q, _int(q.get("rows")) or 5)
    data = await p.run("ElectionExplain", {"seats": seats, "shouldAttend": should, "present": present, "votes": votes})
    return p.render("branch_life/_election_explain.html", explanation=data["explainElection"])


@page(write=True)
async def election_submit(p: Page) -> Response:
    data = await p.request.form()
    org = _gid(_text(data, "org_id"), "Organization")
    rows = _int(_text(data, "rows")) or 5
    values: dict[str, Any] = {k: _text(data, k) for k in ("held_on", "seats", "should_attend", "present")}
    candidates = []
    for i in range(rows):
        name, votes, post = _text(data, f"name_{i}"), _text(data, f"votes_{i}"), _text(data, f"post_{i}")
        values.update({f"name_{i}": name, f"votes_{i}": votes, f"post_{i}": post})
        if name:
            candidates.append({"name": name, "votes": _int(votes) or 0, "post": post or None})
    payload = (
        await p.run(
            "ElectionRecord",
            {
                "input": {
                    "orgId": org,
                    "heldOn": _date(values["held_on"]) or p.state.clock().isoformat(),
                    "seats": _int(values["seats"]) or 0,
                    "shouldAttend": _int(values["should_attend"]),
                    "present": _int(values["present"]) or 0,
                    "candidates": candidates,
                }
            },
        )
    )["recordElection"]
    err = _error(payload)
    if err:
        form = await p.run("ElectionForm", {"org": org, "on": p.state.clock().isoformat()})
        return p.render(
            "branch_life/election_form.html", org=form["node"], data=form, values=values, rows=rows, posts=POSTS, error=err,
            status_code=STATUS.get(payload["__typename"], 422),
        )  # fmt: skip
    return _done(p, f"/admin/branch-life/elections/new?org={org}")


# --- four-step items -----------------------------------------------------------------------


@page()
async def four_step_list(p: Page) -> Response:
    org = _org(p)
    data = await p.run("FourStepList", {"org": org})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render("branch_life/four_step_list.html", org=data["node"], items=data["fourStepItems"]["nodes"], error=None, values={})


@page(write=True)
async def four_step_create(p: Page) -> Response:
    data = await p.request.form()
    org = _gid(_text(data, "org_id"), "Organization")
    payload = (
        await p.run("FourStepCreate", {"input": {"orgId": org, "title": _text(data, "title"), "description": _text(data, "description") or None}})
    )["createFourStepItem"]
    err = _error(payload)
    if err:
        listing = await p.run("FourStepList", {"org": org})
        return p.render(
            "branch_life/four_step_list.html", org=listing["node"], items=listing["fourStepItems"]["nodes"], error=err,
            values={"title": _text(data, "title")}, status_code=STATUS.get(payload["__typename"], 422),
        )  # fmt: skip
    return _done(p, f"/admin/branch-life/four-step/{payload['item']['id']}")


async def _item(p: Page) -> dict[str, Any]:
    iid = _gid(p.request.path_params["id"], "FourStepItem")
    item = (await p.run("FourStepPage", {"id": iid})).get("node")
    if not item:
        raise HTTPException(404, p.t("未找到该事项，或不在您的管理范围内"))
    return item


@page()
async def four_step_page(p: Page) -> Response:
    item = await _item(p)
    values = {"step": item["nextStep"], "on": p.state.clock().isoformat()}
    return p.render("branch_life/four_step.html", item=item, steps=STEPS, values=values, error=None)


@page(write=True)
async def four_step_record(p: Page) -> Response:
    item = await _item(p)
    data = await p.request.form()
    values = {k: _text(data, k) for k in ("step", "on", "passed", "should_attend", "present", "yes", "no", "abstain", "record", "documents")}
    inp: dict[str, Any] = {
        "itemId": item["id"],
        "version": item["version"],
        "step": values["step"],
        "on": _date(values["on"]) or p.state.clock().isoformat(),
        "record": values["record"] or None,
        "documents": [line.strip() for line in values["documents"].splitlines() if line.strip()],
    }
    if values["passed"] in ("yes", "no"):
        inp["passed"] = values["passed"] == "yes"
    if values["step"] == "ASSEMBLY_RESOLUTION":
        for k, api in (("should_attend", "shouldAttend"), ("present", "present"), ("yes", "yes")):
            inp[api] = _int(values[k])
        inp["no"] = _int(values["no"]) or 0
        inp["abstain"] = _int(values["abstain"]) or 0
    if values["step"] not in {s for s, _ in STEPS}:
        raise HTTPException(404)
    payload = (await p.run("FourStepRecord", {"input": inp}))["recordFourStep"]
    err = _error(payload)
    if err:
        return p.render("branch_life/four_step.html", item=item, steps=STEPS, values=values, error=err, status_code=STATUS.get(payload["__typename"], 422))
    return _done(p, f"/admin/branch-life/four-step/{item['id']}")


# --- flowing and lost-contact members --------------------------------------------------------


@page()
async def flowing(p: Page) -> Response:
    org = _org(p)
    data = await p.run("FlowingList", {"org": org})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render("branch_life/flowing.html", org=data["node"], flowing=data["flowingMembers"], lost=data["lostContactMembers"]["nodes"])


routes = [
    Route("/branch-life", calendar),
    Route("/branch-life/month", calendar_month),
    Route("/branch-life/flags", decide_flag, methods=["POST"]),
    Route("/branch-life/meetings/new", meeting_form),
    Route("/branch-life/meetings", meeting_submit, methods=["POST"]),
    Route("/branch-life/elections/new", election_form),
    Route("/branch-life/elections/explain", election_explain),
    Route("/branch-life/elections", election_submit, methods=["POST"]),
    Route("/branch-life/four-step", four_step_list),
    Route("/branch-life/four-step", four_step_create, methods=["POST"]),
    Route("/branch-life/four-step/{id}", four_step_page),
    Route("/branch-life/four-step/{id}/steps", four_step_record, methods=["POST"]),
    Route("/branch-life/flowing", flowing),
]
