"""Admin pages of branch life: a branch's calendar (planned vs held, htmx month switch),
the meeting form with attendance ticked from the roster, a recorded meeting's page where
the record is corrected (date, kind, chair, minutes, attachments…), its attendance too, with
the history of its changes, the election form with the count arithmetic as the clerk types,
the four-step items, the flowing-member list, and per member: recording them as flowing
(and back), a lost-contact case with its search attempts and its closing, and the R-MEM-01
recordings (no dues, no assigned work since) with the flag a person decides.

Every page runs a named operation (admin/operations/Calendar*, Meeting*, Election*,
FourStep*, Flowing*, LostContact*, DutyLapse*, BranchLifeMember) on the API's own schema;
refusals come back from the mutation's error union and are shown in the form with their
rule code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import OperationError, Page, enum_values, page, submit
from partygraph.admin.field_errors import FieldErrors, field_errors
from partygraph.admin.forms import (
    N_,
    Form,
    done,
    error_status,
    global_id,
    is_htmx,
    org_options,
    org_param,
    payload_errors,
    read_form,
    split_errors,
)

# The posts an election fills, in ballot order (labels: the API's enumLabels).
ELECTED_POSTS = (
    "secretary", "deputy_secretary", "organisation_officer", "discipline_officer", "publicity_officer",
    "committee_member",
)  # fmt: skip


def attendance_choices(p: Page) -> list[tuple[str, str]]:
    """Attendance as the forms post it: the API's values in lower case (the handler upper-cases)."""
    return [(v.lower(), label) for v, label in p.choices("AttendanceStatus")]


def post_choices(p: Page) -> list[tuple[str, str]]:
    return p.choices("PositionKind", ELECTED_POSTS)


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
    return {
        "code": payload.get("code"),
        "message": payload.get("message"),
        "field": payload.get("field"),
    }


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
    data = await p.run(
        "CalendarMonth", {"filter": {"under": org, "heldFrom": first, "heldTo": last}}
    )
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return {
        "org_id": org,
        "year": year,
        "month": month,
        "records": data["meetingRecords"]["nodes"],
        "prev": prev,
        "next": nxt,
    }


@page()
async def calendar(p: Page) -> Response:
    org = org_param(p)
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
    org = global_id(_text(data, "org_id"), "Organization")
    payload = (
        await p.run(
            "CalendarDecideFlag",
            {
                "member": global_id(_text(data, "member_id"), "Member"),
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
        return p.render(
            "branch_life/_error.html", error=err, status_code=error_status(payload)
        )
    back = _text(data, "next")
    # Only pages of this area: the field is posted by our own forms, never a way out.
    return done(
        p, back if back.startswith("/admin/branch-life/") else f"/admin/branch-life?org={org}"
    )


@page()
async def calendar_month(p: Page) -> Response:
    org = org_param(p)
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
    roster = [
        {
            "id": m["id"],
            "name": m["name"],
            "note": m["statusLabel"],
            "where": m["organization"]["name"],
        }
        for m in data["members"]["nodes"]
    ]
    ids = {m["id"] for m in roster}
    for f in data["flowingMembers"]:
        if (
            f["lifeOrganization"]
            and f["lifeOrganization"]["id"] == org
            and f["memberId"] not in ids
        ):
            roster.append(
                {
                    "id": f["memberId"],
                    "name": f["memberName"],
                    "note": p.t("流动党员"),
                    "where": f["workplace"] or "",
                    "away": True,
                }
            )
    return {"org": data["node"], "roster": roster}


@page()
async def meeting_form(p: Page) -> Response:
    org = org_param(p)
    kind = p.request.query_params.get("kind") or "general_meeting"
    values = {"kind": kind, "held_on": p.state.clock().isoformat()}
    return p.render(
        "branch_life/meeting_form.html",
        kinds=p.choices("MeetingKind"),
        statuses=attendance_choices(p),
        values=values,
        error=None,
        **(await _roster(p, org)),
    )


@page(write=True)
async def meeting_submit(p: Page) -> Response:
    data = await p.request.form()
    org = global_id(_text(data, "org_id"), "Organization")
    ctx = await _roster(p, org)
    values: dict[str, Any] = {
        k: _text(data, k)
        for k in (
            "kind",
            "held_on",
            "place",
            "chair",
            "recorder",
            "agenda",
            "minutes",
            "attachments",
        )
    }
    attendance = []
    for m in ctx["roster"]:
        status = _text(data, f"att_{m['id']}")
        values[f"att_{m['id']}"] = status
        values[f"reason_{m['id']}"] = _text(data, f"reason_{m['id']}")
        if status in ("present", "excused", "absent"):
            attendance.append(
                {
                    "memberId": m["id"],
                    "status": status.upper(),
                    "reason": values[f"reason_{m['id']}"] or None,
                }
            )
    held_on = _date(values["held_on"])
    if held_on is None:
        err: dict[str, Any] | None = {"code": "INVALID_DATE", "message": p.t("日期格式应为 YYYY-MM-DD"), "field": "heldOn"}
        return p.render(
            "branch_life/meeting_form.html",
            kinds=p.choices("MeetingKind"),
            statuses=attendance_choices(p),
            values=values,
            error=err,
            status_code=422,
            **ctx,
        )
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
                    "attachments": [
                        line.strip() for line in values["attachments"].splitlines() if line.strip()
                    ],
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
            "branch_life/meeting_form.html", kinds=p.choices("MeetingKind"), statuses=attendance_choices(p), values=values, error=err,
            status_code=error_status(payload), **ctx,
        )  # fmt: skip
    d = date.fromisoformat(held_on)
    return done(p, f"/admin/branch-life?org={org}&year={d.year}&month={d.month}")


# --- elections -----------------------------------------------------------------------------


@page()
async def election_form(p: Page) -> Response:
    org = org_param(p)
    today = p.state.clock().isoformat()
    data = await p.run("ElectionForm", {"org": org, "on": today})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    values = {"held_on": today, "should_attend": data["votingMemberCount"], "seats": 3}
    return p.render(
        "branch_life/election_form.html",
        org=data["node"],
        data=data,
        values=values,
        rows=5,
        posts=post_choices(p),
        error=None,
    )


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
    seats, should, present = (
        _int(q.get("seats")),
        _int(q.get("should_attend")),
        _int(q.get("present")),
    )
    if seats is None or should is None or present is None:
        return p.render("branch_life/_election_explain.html", explanation=None)
    votes = _votes(q, _int(q.get("rows")) or 5)
    data = await p.run(
        "ElectionExplain",
        {"seats": seats, "shouldAttend": should, "present": present, "votes": votes},
    )
    return p.render("branch_life/_election_explain.html", explanation=data["explainElection"])


@page(write=True)
async def election_submit(p: Page) -> Response:
    data = await p.request.form()
    org = global_id(_text(data, "org_id"), "Organization")
    rows = _int(_text(data, "rows")) or 5
    values: dict[str, Any] = {
        k: _text(data, k) for k in ("held_on", "seats", "should_attend", "present")
    }
    candidates = []
    for i in range(rows):
        name, votes, post = (
            _text(data, f"name_{i}"),
            _text(data, f"votes_{i}"),
            _text(data, f"post_{i}"),
        )
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
            "branch_life/election_form.html", org=form["node"], data=form, values=values, rows=rows, posts=post_choices(p), error=err,
            status_code=error_status(payload),
        )  # fmt: skip
    return done(p, f"/admin/branch-life/elections/new?org={org}")


# --- four-step items -----------------------------------------------------------------------


@page()
async def four_step_list(p: Page) -> Response:
    org = org_param(p)
    data = await p.run("FourStepList", {"org": org})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render(
        "branch_life/four_step_list.html",
        org=data["node"],
        items=data["fourStepItems"]["nodes"],
        error=None,
        values={},
    )


@page(write=True)
async def four_step_create(p: Page) -> Response:
    data = await p.request.form()
    org = global_id(_text(data, "org_id"), "Organization")
    payload = (
        await p.run(
            "FourStepCreate",
            {
                "input": {
                    "orgId": org,
                    "title": _text(data, "title"),
                    "description": _text(data, "description") or None,
                }
            },
        )
    )["createFourStepItem"]
    err = _error(payload)
    if err:
        listing = await p.run("FourStepList", {"org": org})
        return p.render(
            "branch_life/four_step_list.html", org=listing["node"], items=listing["fourStepItems"]["nodes"], error=err,
            values={"title": _text(data, "title")}, status_code=error_status(payload),
        )  # fmt: skip
    return done(p, f"/admin/branch-life/four-step/{payload['item']['id']}")


async def _item(p: Page) -> dict[str, Any]:
    iid = global_id(p.request.path_params["id"], "FourStepItem")
    item = (await p.run("FourStepPage", {"id": iid})).get("node")
    if not item:
        raise HTTPException(404, p.t("未找到该事项，或不在您的管理范围内"))
    return item


@page()
async def four_step_page(p: Page) -> Response:
    item = await _item(p)
    values = {"step": item["nextStep"], "on": p.state.clock().isoformat()}
    return p.render("branch_life/four_step.html", item=item, steps=p.choices("FourStep"), values=values, error=None)


@page(write=True)
async def four_step_record(p: Page) -> Response:
    item = await _item(p)
    data = await p.request.form()
    values = {
        k: _text(data, k)
        for k in (
            "step",
            "on",
            "passed",
            "should_attend",
            "present",
            "yes",
            "no",
            "abstain",
            "record",
            "documents",
        )
    }
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
    if values["step"] not in set(enum_values("FourStep")):
        raise HTTPException(404)
    payload = (await p.run("FourStepRecord", {"input": inp}))["recordFourStep"]
    err = _error(payload)
    if err:
        return p.render(
            "branch_life/four_step.html",
            item=item,
            steps=p.choices("FourStep"),
            values=values,
            error=err,
            status_code=error_status(payload),
        )
    return done(p, f"/admin/branch-life/four-step/{item['id']}")


# --- flowing and lost-contact members --------------------------------------------------------


@page()
async def flowing(p: Page) -> Response:
    org = org_param(p)
    data = await p.run("FlowingList", {"org": org})
    if not data.get("node"):
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return p.render(
        "branch_life/flowing.html",
        org=data["node"],
        flowing=data["flowingMembers"],
        lost=data["lostContactMembers"]["nodes"],
    )


# --- a recorded meeting: its page and the attendance correction -------------------------------


async def _meeting(p: Page) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = await p.run("MeetingPage", {"id": global_id(p.request.path_params["id"], "Meeting")})
    record = data.get("meetingRecord")
    if not record:
        raise HTTPException(404, p.t("未找到该会议，或不在您的管理范围内"))
    meeting = {**record["meeting"], **{k: v for k, v in record.items() if k != "meeting"}}
    return meeting, data["meetingAttendance"]


def _attendance_rows(
    p: Page, roster: list[dict[str, Any]], recorded: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The roster with what was recorded, plus those recorded who are no longer on it: their
    rows stay as they are (the API keeps every row and only accepts members on the roster)."""
    by_member = {a["memberId"]: a for a in recorded}
    rows = [{**m, "recorded": by_member.get(m["id"])} for m in roster]
    on_roster = {m["id"] for m in roster}
    for a in recorded:
        if a["memberId"] not in on_roster:
            rows.append(
                {
                    "id": a["memberId"],
                    "name": a["memberName"],
                    "note": p.t("已不在本组织名册"),
                    "where": "",
                    "recorded": a,
                    "fixed": True,
                }
            )
    return rows


def _recorded_values(rows: list[dict[str, Any]], version: int) -> dict[str, Any]:
    values: dict[str, Any] = {"version": str(version)}
    for r in rows:
        if r["recorded"]:
            values[f"att_{r['id']}"] = r["recorded"]["status"].lower()
            values[f"reason_{r['id']}"] = r["recorded"]["reason"] or ""
    return values


# The correction form's fields, named as the API names them (its errors come back so).
EDIT_FIELDS = [
    "kind", "heldOn", "place", "chair", "recorder", "chairMemberId", "recorderMemberId",
    "agenda", "minutes", "attachments",
]  # fmt: skip


def _people(meeting: dict[str, Any], rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Who may chair or record: the roster and those recorded at the meeting, plus whoever
    holds the post now (saving the form must not silently drop them)."""
    people = [(r["id"], r["name"]) for r in rows]
    ids = {i for i, _ in people}
    for key, name in (("chairMemberId", "chair"), ("recorderMemberId", "recorder")):
        if meeting.get(key) and meeting[key] not in ids:
            people.append((meeting[key], meeting.get(name) or meeting[key]))
            ids.add(meeting[key])
    return people


def _edit_values(meeting: dict[str, Any]) -> dict[str, Any]:
    values = {k: meeting.get(k) or "" for k in EDIT_FIELDS if k != "attachments"}
    values["attachments"] = "\n".join(meeting.get("attachments") or [])
    values["version"] = str(meeting["version"])
    return values


def _edit_form(
    meeting: dict[str, Any],
    typed: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
) -> dict[str, Any]:
    # A date or kind posted from a page read before votes fixed them shows with its error.
    posted = typed is not None and ("heldOn" in typed or "kind" in typed)
    return {
        "typed": typed if typed is not None else _edit_values(meeting),
        "errors": errors or {},
        "date_kind": not meeting["dateAndKindFixed"] or posted,
    }


async def _meeting_context(p: Page) -> dict[str, Any]:
    meeting, recorded = await _meeting(p)
    roster = await _roster(p, meeting["organization"]["id"])
    rows = _attendance_rows(p, roster["roster"], recorded)
    return {
        "meeting": meeting,
        "org": roster["org"],
        "rows": rows,
        "statuses": attendance_choices(p),
        "kinds": p.choices("MeetingKind"),
        "people": _people(meeting, rows),
        "edit_fields": EDIT_FIELDS,
    }


@page()
async def meeting_page(p: Page) -> Response:
    ctx = await _meeting_context(p)
    values = _recorded_values(ctx["rows"], ctx["meeting"]["version"])
    return p.render(
        "branch_life/meeting.html",
        values=values,
        error=None,
        edit=_edit_form(ctx["meeting"]),
        **ctx,
    )


@page(write=True)
async def meeting_edit(p: Page) -> Response:
    """Correct the meeting record: every field of the form is sent, the API changes (and
    audits) only what differs; date and kind are sent only when the form shows them."""
    ctx = await _meeting_context(p)
    meeting = ctx["meeting"]
    form = await read_form(p)
    version = form.integer("version")
    _need_version(p, form, version)
    inp: dict[str, Any] = {
        "id": meeting["id"],
        "version": version,
        "place": form.optional("place"),
        "chair": form.optional("chair"),
        "recorder": form.optional("recorder"),
        "chairMemberId": form.gid("chairMemberId", "Member", required=False),
        "recorderMemberId": form.gid("recorderMemberId", "Member", required=False),
        "agenda": form.optional("agenda"),
        "minutes": form.optional("minutes"),
        "attachments": [
            line.strip() for line in form.text("attachments").splitlines() if line.strip()
        ],
    }
    if "kind" in form.data:
        inp["kind"] = form.choice("kind", enum_values("MeetingKind"))
    if "heldOn" in form.data:
        inp["heldOn"] = form.date("heldOn", required=True)
    errors: dict[str, Any] = dict(form.errors)
    status_code = 422
    if not errors:
        payload = (await p.run("MeetingUpdate", {"input": inp}))["updateMeeting"]
        if payload["__typename"] == "MeetingRecordPayload":
            return done(p, f"/admin/branch-life/meetings/{meeting['id']}")
        errors, status_code = field_errors(payload), error_status(payload)
    edit = _edit_form(meeting, form.values(), errors)
    if is_htmx(p):
        return p.render(
            "branch_life/_meeting_edit_form.html", status_code=status_code, edit=edit, **ctx
        )
    values = _recorded_values(ctx["rows"], meeting["version"])
    return p.render(
        "branch_life/meeting.html",
        status_code=status_code,
        values=values,
        error=None,
        edit=edit,
        **ctx,
    )


@page(write=True)
async def meeting_attendance(p: Page) -> Response:
    """Only the rows the clerk changed are sent: the API sets those and keeps the others."""
    ctx = await _meeting_context(p)
    data = await p.request.form()
    values: dict[str, Any] = {"version": _text(data, "version")}
    changes = []
    for r in ctx["rows"]:
        if r.get("fixed"):
            continue
        status, reason = _text(data, f"att_{r['id']}"), _text(data, f"reason_{r['id']}")
        values[f"att_{r['id']}"], values[f"reason_{r['id']}"] = status, reason
        if status not in ("present", "excused", "absent"):
            continue
        before = r["recorded"]
        if before and (before["status"].lower(), before["reason"] or "") == (status, reason):
            continue
        changes.append({"memberId": r["id"], "status": status.upper(), "reason": reason or None})
    version = _int(values["version"])
    url = f"/admin/branch-life/meetings/{ctx['meeting']['id']}"
    if version is None:
        err: dict[str, Any] | None = {
            "code": "INVALID_INPUT",
            "message": p.t("缺少版本号，请刷新页面后重试"),
            "field": None,
        }
        status_code = 422
    elif not changes:
        return done(p, url)
    else:
        payload = (
            await p.run(
                "MeetingSetAttendance",
                {"meetingId": ctx["meeting"]["id"], "attendance": changes, "version": version},
            )
        )["setMeetingAttendance"]
        err = _error(payload)
        if not err:
            return done(p, url)
        status_code = error_status(payload)
        if err["field"] and err["field"].startswith("attendance."):
            idx = _int(err["field"].split(".")[1])
            if idx is not None and idx < len(changes):
                err["member"] = changes[idx]["memberId"]
    template = "branch_life/_attendance_form.html" if is_htmx(p) else "branch_life/meeting.html"
    return p.render(
        template,
        values=values,
        error=err,
        status_code=status_code,
        edit=_edit_form(ctx["meeting"]),
        **ctx,
    )


# --- per member: flowing (流动党员) and lost contact (失去联系, R-MEM-02) ------------------------
#
# Each page holds a few small forms; each posts with htmx and, when refused, only that form
# comes back with its errors inline (the whole page when posted without htmx).

FormSpecs = dict[str, tuple[str, list[str]]]
FLOWING_FORMS: FormSpecs = {
    # form name: (fragment template, fields whose errors show next to them)
    "set": (
        "branch_life/_flowing_form.html",
        ["workplace", "certificate", "contactMemberId", "contactName", "contactPhone", "lifeOrgId"],
    ),
    "end": ("branch_life/_flowing_end_form.html", ["on"]),
}
LOST_FORMS: FormSpecs = {
    "mark": ("branch_life/_lost_mark_form.html", ["lostOn", "note"]),
    "attempt": ("branch_life/_lost_attempt_form.html", ["on", "method", "outcome"]),
    "restore": ("branch_life/_lost_restore_form.html", ["on"]),
}


async def _member(p: Page) -> dict[str, Any]:
    data = await p.run("BranchLifeMember", {"id": global_id(p.request.path_params["id"], "Member")})
    member = data.get("node")
    if not member or not member.get("organization"):
        raise HTTPException(404, p.t("未找到该党员，或不在您的管理范围内"))
    return member


def _render_forms(
    p: Page,
    template: str,
    specs: FormSpecs,
    ctx: dict[str, Any],
    defaults: dict[str, dict[str, Any]],
    *,
    posted: str | None = None,
    form: Form | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    # `typed`: what the form shows in its fields (a dict's `values` would shadow it in Jinja).
    forms = {name: {"typed": defaults.get(name, {}), "errors": {}, "general": []} for name in specs}
    if posted:
        beside, general = split_errors(errors or {}, specs[posted][1])
        forms[posted] = {
            "typed": form.values() if form else {},
            "errors": beside,
            "general": general,
        }
    chosen = specs[posted][0] if posted and is_htmx(p) else template
    return p.render(chosen, status_code=status_code, forms=forms, **ctx)


def _need_version(p: Page, form: Form, version: int | None) -> None:
    """A form of a versioned record posted without its version comes from a broken page."""
    if version is None and "version" not in form.errors:
        form.error("_", N_("缺少版本号，请刷新页面后重试"))


async def _flowing_context(p: Page, member: dict[str, Any]) -> dict[str, Any]:
    org = member["organization"]
    data = await p.run("FlowingMemberProfile", {"org": org["id"]})
    profile = next((f for f in data["flowingMembers"] if f["memberId"] == member["id"]), None)
    # A branch of life is away from home: the member's own branch and those above it are refused.
    home = {org["id"], *(a["id"] for a in org["ancestors"])}
    life_orgs = [o for o in await org_options(p, "FlowingLifeOrgOptions") if o["id"] not in home]
    contacts = [m for m in data["members"]["nodes"] if m["id"] != member["id"]]
    return {
        "member": member,
        "org": org,
        "profile": profile,
        "life_orgs": life_orgs,
        "contacts": contacts,
    }


def _flowing_defaults(
    p: Page, member: dict[str, Any], profile: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    version = str(member["version"])
    values: dict[str, Any] = {"version": version}
    if profile:
        values.update(
            workplace=profile["workplace"] or "",
            certificate=profile["certificate"] or "",
            contactName=profile["contactName"] or "",
            contactPhone=profile["contactPhone"] or "",
            lifeOrgId=(profile["lifeOrganization"] or {}).get("id", ""),
        )
    return {"set": values, "end": {"version": version, "on": p.state.clock().isoformat()}}


async def _render_flowing(p: Page, member: dict[str, Any], **posted: Any) -> Response:
    ctx = await _flowing_context(p, member)
    defaults = _flowing_defaults(p, member, ctx["profile"])
    return _render_forms(
        p, "branch_life/member_flowing.html", FLOWING_FORMS, ctx, defaults, **posted
    )


def _flowing_url(member: dict[str, Any]) -> str:
    return f"/admin/branch-life/members/{member['id']}/flowing"


@page()
async def member_flowing(p: Page) -> Response:
    member = await _member(p)
    if p.request.method == "GET":
        return await _render_flowing(p, member)
    form = await read_form(p)
    variables = {
        "memberId": member["id"],
        "version": form.integer("version"),
        "workplace": form.text("workplace"),
        "certificate": form.optional("certificate"),
        "contactMemberId": form.gid("contactMemberId", "Member", required=False),
        "contactName": form.optional("contactName"),
        "contactPhone": form.optional("contactPhone"),
        "lifeOrgId": form.gid("lifeOrgId", "Organization", required=False),
    }
    _need_version(p, form, variables["version"])
    payload, errors, status = await submit(
        p, "FlowingSet", "setFlowing", {"input": variables}, form.errors, payload_errors
    )
    if payload is None:
        return await _render_flowing(
            p, member, posted="set", form=form, errors=errors, status_code=status
        )
    return done(p, _flowing_url(member))


@page(write=True)
async def member_flowing_end(p: Page) -> Response:
    member = await _member(p)
    form = await read_form(p)
    on, version = form.date("on", required=True), form.integer("version")
    _need_version(p, form, version)
    payload, errors, status = await submit(
        p,
        "FlowingEnd",
        "endFlowing",
        {"memberId": member["id"], "on": on, "version": version},
        form.errors,
        payload_errors,
    )
    if payload is None:
        return await _render_flowing(
            p, member, posted="end", form=form, errors=errors, status_code=status
        )
    return done(p, _flowing_url(member))


async def _lost_context(p: Page, member: dict[str, Any]) -> dict[str, Any]:
    data = await p.run("LostContactPage", {"org": member["organization"]["id"]})
    records = [
        r
        for r in data["lostContactMembers"]["nodes"]
        if (r["member"] or {}).get("id") == member["id"]
    ]
    records.sort(key=lambda r: r["lostOn"], reverse=True)
    return {
        "member": member,
        "org": member["organization"],
        "records": records,
        "open": next((r for r in records if not r["foundOn"]), None),
        "flags": _member_flags(data["branchLifeAlerts"], member, FLAG_DECISIONS),
        "flag_decisions": FLAG_DECISIONS,
    }


def _member_flags(
    alerts: list[dict[str, Any]], member: dict[str, Any], codes: Any
) -> list[dict[str, Any]]:
    """The member's open R-MEM flags among a subtree's branch-life alerts."""
    return [
        a
        for a in alerts
        if (a["member"] or {}).get("id") == member["id"] and a["extra"].get("flag") in codes
    ]


async def _render_lost(p: Page, member: dict[str, Any], **posted: Any) -> Response:
    ctx = await _lost_context(p, member)
    today = p.state.clock().isoformat()
    defaults = {
        "mark": {"lostOn": today},
        "attempt": {"on": today},
        "restore": {"on": today, "version": str(ctx["open"]["version"]) if ctx["open"] else ""},
    }
    return _render_forms(
        p, "branch_life/member_lost_contact.html", LOST_FORMS, ctx, defaults, **posted
    )


def _lost_url(member: dict[str, Any]) -> str:
    return f"/admin/branch-life/members/{member['id']}/lost-contact"


@page()
async def member_lost_contact(p: Page) -> Response:
    member = await _member(p)
    if p.request.method == "GET":
        return await _render_lost(p, member)
    form = await read_form(p)
    lost_on = form.date("lostOn", required=True)
    payload, errors, status = await submit(
        p,
        "LostContactMark",
        "markLostContact",
        {"memberId": member["id"], "lostOn": lost_on, "note": form.optional("note")},
        form.errors,
        payload_errors,
    )
    if payload is None:
        return await _render_lost(
            p, member, posted="mark", form=form, errors=errors, status_code=status
        )
    return done(p, _lost_url(member))


async def _record_of(p: Page, member: dict[str, Any]) -> str:
    """The lost-contact record of the address, which must be this member's."""
    rid = global_id(p.request.path_params["rid"], "LostContact")
    record = (await p.run("LostContactRecord", {"id": rid})).get("node")
    if not record or (record["member"] or {}).get("id") != member["id"]:
        raise HTTPException(404, p.t("未找到该失联记录，或不在您的管理范围内"))
    return rid


@page(write=True)
async def lost_contact_attempt(p: Page) -> Response:
    member = await _member(p)
    rid = await _record_of(p, member)
    form = await read_form(p)
    on = form.date("on", required=True)
    variables = {
        "recordId": rid,
        "on": on,
        "method": form.text("method"),
        "outcome": form.optional("outcome"),
    }
    payload, errors, status = await submit(
        p, "LostContactAttempt", "addContactAttempt", variables, form.errors, payload_errors
    )
    if payload is None:
        return await _render_lost(
            p, member, posted="attempt", form=form, errors=errors, status_code=status
        )
    return done(p, _lost_url(member))


@page(write=True)
async def lost_contact_restored(p: Page) -> Response:
    member = await _member(p)
    rid = await _record_of(p, member)
    form = await read_form(p)
    on, version = form.date("on", required=True), form.integer("version")
    _need_version(p, form, version)
    payload, errors, status = await submit(
        p,
        "LostContactRestored",
        "markContactRestored",
        {"recordId": rid, "on": on, "version": version},
        form.errors,
        payload_errors,
    )
    if payload is None:
        return await _render_lost(
            p, member, posted="restore", form=form, errors=errors, status_code=status
        )
    return done(p, _lost_url(member))


# --- per member: the R-MEM-01 recordings (no dues, no assigned work since) ---------------------

DUTY_FORMS: FormSpecs = {
    "lapse": ("branch_life/_duty_lapse_form.html", ["noDuesSince", "noWorkSince"])
}
ON_ROSTER = ("probationary", "full")


async def _render_duties(p: Page, member: dict[str, Any], **posted: Any) -> Response:
    data = await p.run(
        "DutyLapsePage", {"member": member["id"], "org": member["organization"]["id"]}
    )
    lapses = data["dutyLapses"]
    current = lapses[0] if lapses else {}
    ctx = {
        "member": member,
        "org": member["organization"],
        "lapses": lapses,
        "on_roster": member["status"] in ON_ROSTER,
        "flags": _member_flags(data["branchLifeAlerts"], member, ("R-MEM-01",)),
        "flag_decisions": FLAG_DECISIONS,
    }
    # The form starts from what counts now: the clerk changes a date or clears both.
    defaults = {"lapse": {k: current.get(k) or "" for k in ("noDuesSince", "noWorkSince")}}
    return _render_forms(p, "branch_life/member_duties.html", DUTY_FORMS, ctx, defaults, **posted)


def _duties_url(member: dict[str, Any]) -> str:
    return f"/admin/branch-life/members/{member['id']}/duties"


@page()
async def member_duties(p: Page) -> Response:
    member = await _member(p)
    if p.request.method == "GET":
        return await _render_duties(p, member)
    form = await read_form(p)
    variables = {
        "memberId": member["id"],
        "noDuesSince": form.date("noDuesSince"),
        "noWorkSince": form.date("noWorkSince"),
    }
    payload, errors, status = await submit(
        p, "DutyLapseRecord", "recordDutyLapse", variables, form.errors, payload_errors
    )
    if payload is None:
        return await _render_duties(
            p, member, posted="lapse", form=form, errors=errors, status_code=status
        )
    return done(p, _duties_url(member))


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
    Route("/branch-life/meetings/{id}", meeting_page),
    Route("/branch-life/meetings/{id}/attendance", meeting_attendance, methods=["POST"]),
    Route("/branch-life/meetings/{id}/edit", meeting_edit, methods=["POST"]),
    Route("/branch-life/members/{id}/flowing", member_flowing, methods=["GET", "POST"]),
    Route("/branch-life/members/{id}/flowing/end", member_flowing_end, methods=["POST"]),
    Route("/branch-life/members/{id}/lost-contact", member_lost_contact, methods=["GET", "POST"]),
    Route("/branch-life/members/{id}/duties", member_duties, methods=["GET", "POST"]),
    Route(
        "/branch-life/members/{id}/lost-contact/{rid}/attempts",
        lost_contact_attempt,
        methods=["POST"],
    ),
    Route(
        "/branch-life/members/{id}/lost-contact/{rid}/restored",
        lost_contact_restored,
        methods=["POST"],
    ),
]
