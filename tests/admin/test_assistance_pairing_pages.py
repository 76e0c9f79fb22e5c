"""The assistance admin's pairings (结对帮扶) with their promises, and setting up a help fund:
every form saves, and a refused input shows the API's error next to the field and changes
nothing. Both databases."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from graphql import parse, validate
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.admin.core import OPERATIONS_DIR, environment
from partygraph.config import PROJECT_DIR
from partygraph.graphql.schema import build_schema
from partygraph.models.assistance import Fund, Pairing, Promise
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests.api.test_assistance import helping_case
from tests.conftest import login, system_context

OPERATIONS = [
    "PairingList",
    "PairingOptions",
    "PairingHelperOptions",
    "PairingPage",
    "PairingCreate",
    "PairingEnd",
    "PromiseAdd",
    "PromiseKeep",
    "PromiseBreak",
    "AssistanceCasePage",
    "FundCreate",
    "FundOrgOptions",
]


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def gid(type_name: str, ident: int) -> str:
    return str(GlobalID(type_name, str(ident)))


def count(session_factory: Any, model: Any) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def agency_with_helper(
    session_factory: Any, settings: Any, clock: Any, world: Any
) -> tuple[int, int]:
    """An agency branch (机关党支部) under township T1 with one member, 周八."""
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        agency = orgs.create(
            ctx,
            parent_id=world.ids["T1"],
            code="A1",
            name="威州镇机关党支部",
            kind="branch",
            branch_type="agency",
        )
        helper = members.register(
            ctx,
            org_id=agency.id,
            name="周八",
            gender="male",
            birth_date=date(1985, 1, 1),
            education="bachelor",
            joined_on=date(2010, 7, 1),
            converted_on=date(2011, 7, 1),
        )
        s.commit()
        return agency.id, helper.id  # type: ignore[return-value]


def test_the_new_operations_validate() -> None:
    schema = build_schema()._schema
    for name in OPERATIONS:
        assert not validate(
            schema, parse((OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8"))
        ), name


def test_shared_macros_show_both_error_shapes() -> None:
    env = environment(str(PROJECT_DIR / "templates"))
    macros = env.get_template("_macros.html").make_module({"_": lambda s: s})
    plain = str(macros.error({"name": "请填写姓名"}, "name"))
    assert plain == '<span class="field-error" id="name-error" role="alert">请填写姓名</span>'
    coded = str(macros.error({"amount": {"code": "R-AID-04", "message": "余额不足"}}, "amount"))
    assert (
        coded
        == '<span class="field-error" id="amount-error" role="alert"><span class="badge red">R-AID-04</span> 余额不足</span>'
    )
    assert "余额不足" in str(
        macros.general({"_": {"code": "CONFLICT", "message": "余额不足"}}, ["amount"])
    )
    assert str(macros.general({"amount": {"code": "X", "message": "m"}}, ["amount"])).strip() == ""
    assert "已被他人修改" in str(macros.general(["已被他人修改"]))


def test_a_fund_is_set_up_from_the_funds_list(client, world, session_factory) -> None:
    csrf = login(client, "county")
    page = client.get("/admin/funds").text
    assert 'id="fund-form"' in page and "威州镇党委" in page.split('id="fund-form"', 1)[1]
    town = world.gid("Organization", "T1")
    # A shape error (the principal is not money) and a refusal of the API (a village branch holds no fund).
    r = client.post(
        "/admin/funds",
        data={
            "orgId": town,
            "name": "威州镇帮扶基金",
            "establishedOn": "2026-01-01",
            "principal": "abc",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="principal-error"' in r.text and "<html" not in r.text
    r = client.post(
        "/admin/funds",
        data={
            "orgId": world.gid("Organization", "V1"),
            "name": "村基金",
            "establishedOn": "2026-01-01",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="orgId-error"' in r.text and "INVALID_INPUT" in r.text
    r = client.post(
        "/admin/funds",
        data={"orgId": town, "name": "", "establishedOn": "2026-01-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="name-error"' in r.text
    assert count(session_factory, Fund) == 0
    r = client.post(
        "/admin/funds",
        data={
            "orgId": town,
            "name": "威州镇帮扶基金",
            "establishedOn": "2026-01-01",
            "principal": "200000",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    url = r.headers["HX-Redirect"]
    page = client.get(url).text
    assert (
        "威州镇帮扶基金" in page and "200000.00" in page and "fund.create" in page
    )  # the history card
    # One fund per organisation.
    r = client.post(
        "/admin/funds",
        data={"orgId": town, "name": "第二个", "establishedOn": "2026-01-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "DUPLICATE" in r.text
    assert count(session_factory, Fund) == 1
    # Without htmx the whole list comes back with the error; a read-only account gets no form.
    r = client.post(
        "/admin/funds",
        data={"csrf": csrf, "orgId": town, "name": "第二个", "establishedOn": "2026-01-01"},
    )
    assert r.status_code == 422 and 'id="funds"' in r.text and "DUPLICATE" in r.text
    client.cookies.clear()
    login(client, "viewer")
    page = client.get("/admin/funds").text
    assert "威州镇帮扶基金" in page and "fund-form" not in page


def test_member_pairing_from_the_case_page_with_promises_kept_and_ended(
    client, world, session_factory, settings, clock
) -> None:
    _, helper = agency_with_helper(session_factory, settings, clock, world)
    cid = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    csrf = login(client, "township")
    page = client.get(f"/admin/assistance/{cid}").text
    form = page.split('id="pairing-form"', 1)[1].split("</form>", 1)[0]
    assert "周八" in form and 'name="covers"' in form
    # No helper chosen: the API's R-AID-14 in the form, nothing written.
    r = client.post(
        f"/admin/assistance/{cid}/pairing",
        data={"startedOn": "2026-02-15", "covers": ["until_out"]},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="pairing-form"' in r.text and "<html" not in r.text
    # ... beside the helper's select, the field the clerk left empty.
    error = r.text.split('id="helperMemberId-error"', 1)[1].split("</span></span>", 1)[0]
    assert '<span class="badge red">R-AID-14</span> 须选择帮扶人（机关党员）' in error
    assert 'value="until_out" checked' in r.text  # what the clerk ticked is kept
    assert count(session_factory, Pairing) == 0
    r = client.post(
        f"/admin/assistance/{cid}/pairing",
        data={
            "helperMemberId": gid("Member", helper),
            "startedOn": "2026-02-15",
            "covers": ["until_out", "technology"],
        },
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    url = r.headers["HX-Redirect"]
    assert url.startswith("/admin/pairings/")
    page = client.get(url).text
    assert "周八" in page and "王五" in page and "包技术、包脱贫" in page
    assert (
        'id="promise-form"' in page
        and 'id="end-form"' in page
        and "hx-confirm=" in page.split('id="end-form"', 1)[1].split(">", 1)[0]
    )
    case_page = client.get(f"/admin/assistance/{cid}").text
    assert (
        url in case_page.split('id="case-pairings"', 1)[1]
        and "结对帮扶" in case_page.split('id="help"', 1)[1]
    )

    # A promise due before it was made is refused (R-AID-14) and not recorded.
    r = client.post(
        url + "/promises",
        data={"text": "帮助联系销路", "madeOn": "2026-03-01", "dueOn": "2026-02-01"},
        headers=hx(csrf),
    )
    assert (
        r.status_code == 422
        and 'id="promise-form"' in r.text
        and 'id="dueOn-error"' in r.text
        and "R-AID-14" in r.text
    )
    assert (
        'value="帮助联系销路"' not in r.text and "帮助联系销路" in r.text
    )  # the textarea keeps the text
    assert count(session_factory, Promise) == 0
    r = client.post(
        url + "/promises",
        data={"text": "帮助联系销路", "madeOn": "2026-03-01", "dueOn": "2026-06-30"},
        headers=hx(csrf),
    )
    assert r.headers["HX-Redirect"] == url
    page = client.get(url).text
    assert (
        "帮助联系销路" in page and "R-AID-16" in page
    )  # past its due date (today is 2026-11-01), not kept
    keep = re.search(r'action="(/admin/pairings/[^"]+/promises/[^"]+/keep)"', page).group(1)  # type: ignore[union-attr]
    # Kept before it was made: refused inline, the promise stays open.
    r = client.post(
        keep, data={"version": "1", "keptOn": "2026-02-01", "note": "x"}, headers=hx(csrf)
    )
    assert r.status_code == 422 and 'id="keptOn-error"' in r.text and "<html" not in r.text
    with session_factory() as s:
        assert s.execute(select(Promise.kept_on)).scalar_one() is None
    r = client.post(
        keep,
        data={"version": "1", "keptOn": "2026-07-10", "note": "已联系县农贸市场"},
        headers=hx(csrf),
    )
    assert r.headers["HX-Redirect"] == url
    page = client.get(url).text
    assert (
        "已兑现" in page
        and "已联系县农贸市场" in page
        and "R-AID-16" not in page
        and keep not in page
    )
    # A stale version is a conflict, shown in the form.
    r = client.post(url + "/end", data={"version": "9", "endedOn": "2026-10-01"}, headers=hx(csrf))
    assert r.status_code == 409 and "CONFLICT" in r.text and 'id="end-form"' in r.text
    r = client.post(url + "/end", data={"version": "1", "endedOn": "2026-01-01"}, headers=hx(csrf))
    assert r.status_code == 422 and 'id="endedOn-error"' in r.text
    with session_factory() as s:
        assert s.execute(select(Pairing.ended_on)).scalar_one() is None
    r = client.post(url + "/end", data={"version": "1", "endedOn": "2026-10-01"}, headers=hx(csrf))
    assert r.headers["HX-Redirect"] == url
    page = client.get(url).text
    assert (
        'id="ended-on">2026-10-01' in page and "promise-form" not in page and "end-form" not in page
    )
    # Ended: the API refuses a new promise.
    r = client.post(
        url + "/promises",
        data={"text": "再承诺", "madeOn": "2026-10-02", "dueOn": "2026-12-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "R-AID-14" in r.text
    assert count(session_factory, Promise) == 1
    # The other township does not see the pairing.
    client.cookies.clear()
    login(client, "township2")
    assert client.get(url).status_code == 404
    assert "周八" not in client.get("/admin/pairings").text


def test_branch_pairing_from_the_pairings_list(
    client, world, session_factory, settings, clock
) -> None:
    agency, _ = agency_with_helper(session_factory, settings, clock, world)
    csrf = login(client, "township")
    page = client.get("/admin/pairings").text
    assert 'id="pairing-members-form"' in page and 'id="pairing-branches-form"' in page
    data = {
        "kind": "branches",
        "villageOrgId": world.gid("Organization", "V1"),
        "startedOn": "2026-02-01",
        "covers": ["project"],
    }
    # A village branch is not an agency branch: refused beside the field.
    r = client.post(
        "/admin/pairings",
        data={**data, "agencyOrgId": world.gid("Organization", "V2")},
        headers=hx(csrf),
    )
    assert (
        r.status_code == 422
        and 'id="pairing-branches-form"' in r.text
        and 'id="agencyOrgId-error"' in r.text
        and "R-AID-14" in r.text
    )
    r = client.post(
        "/admin/pairings",
        data={**data, "agencyOrgId": gid("Organization", agency), "startedOn": "2026-13-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="startedOn-error"' in r.text
    assert count(session_factory, Pairing) == 0
    r = client.post(
        "/admin/pairings",
        data={**data, "agencyOrgId": gid("Organization", agency)},
        headers=hx(csrf),
    )
    url = r.headers["HX-Redirect"]
    page = client.get(url).text
    assert "威州镇机关党支部" in page and "布瓦村党支部" in page and "包项目" in page
    listed = client.get("/admin/pairings").text.split('id="pairings"', 1)[1]
    assert url in listed and "进行中" in listed
    assert (
        client.post(
            url + "/end", data={"version": "1", "endedOn": "2026-09-30"}, headers=hx(csrf)
        ).status_code
        == 200
    )
    assert url not in client.get("/admin/pairings", params={"active": "1"}).text
    assert url in client.get("/admin/pairings").text
    # Without htmx a refusal answers the whole page.
    r = client.post(
        "/admin/pairings", data={"csrf": csrf, "kind": "branches", "startedOn": "2026-02-01"}
    )
    assert r.status_code == 422 and 'id="pairings"' in r.text and "R-AID-14" in r.text
    client.cookies.clear()
    login(client, "viewer")
    page = client.get(url).text
    assert (
        "威州镇机关党支部" in page
        and "end-form" not in page
        and "pairing-members-form" not in client.get("/admin/pairings").text
    )


def test_a_promise_recorded_broken_from_the_pairing_page(
    client, world, session_factory, settings, clock
) -> None:
    _, helper = agency_with_helper(session_factory, settings, clock, world)
    cid = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    csrf = login(client, "township")
    r = client.post(
        f"/admin/assistance/{cid}/pairing",
        data={"helperMemberId": gid("Member", helper), "startedOn": "2026-02-15"},
        headers=hx(csrf),
    )
    url = r.headers["HX-Redirect"]
    client.post(
        url + "/promises",
        data={"text": "引进花椒深加工项目", "madeOn": "2026-03-01", "dueOn": "2026-06-30"},
        headers=hx(csrf),
    )
    page = client.get(url).text
    # The 帮扶 tab is the current one on a pairing's page.
    assert re.search(r'<a href="/admin/assistance" aria-current="page">', page)
    assert "R-AID-16" in page
    brk = re.search(r'action="(/admin/pairings/[^"]+/promises/[^"]+/break)"', page).group(1)  # type: ignore[union-attr]
    form_tag = page.split('action="' + brk + '"', 1)[1].split(">", 1)[0]
    assert "hx-confirm=" in form_tag  # the page asks before recording it
    # No reason, then a date before the promise: refused beside the field, nothing written.
    r = client.post(
        brk, data={"version": "1", "brokenOn": "2026-08-01", "reason": ""}, headers=hx(csrf)
    )
    assert r.status_code == 422 and 'id="reason-error"' in r.text and "<html" not in r.text
    assert r.text.lstrip().startswith('<form id="break-')
    r = client.post(
        brk,
        data={"version": "1", "brokenOn": "2026-02-01", "reason": "资金未落实"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="brokenOn-error"' in r.text and "INVALID_DATE" in r.text
    assert 'value="资金未落实"' in r.text  # what the clerk typed is kept
    r = client.post(
        brk,
        data={"version": "5", "brokenOn": "2026-08-01", "reason": "资金未落实"},
        headers=hx(csrf),
    )
    assert r.status_code == 409 and "CONFLICT" in r.text
    with session_factory() as s:
        assert s.execute(select(Promise.broken_on)).scalar_one() is None
    # Without htmx, a refusal answers the whole page with the fold open.
    r = client.post(brk, data={"csrf": csrf, "version": "1", "brokenOn": "", "reason": "x"})
    assert r.status_code == 422 and 'id="promises"' in r.text
    assert '<details class="promise-break" open>' in r.text
    r = client.post(
        brk,
        data={"version": "1", "brokenOn": "2026-08-01", "reason": "资金未落实，项目取消"},
        headers=hx(csrf),
    )
    assert r.headers["HX-Redirect"] == url
    page = client.get(url).text
    row = page.split('id="promises"', 1)[1].split("</table>", 1)[0]
    assert "未兑现" in row and "2026-08-01" in row and "资金未落实，项目取消" in row
    assert "R-AID-16" not in page and brk not in page and "/keep" not in row
    # The history card shows the change, with who made it.
    history = page.split("修改记录", 1)[1]
    assert "promise.break" in history and "promise.add" in history and "township" in history
    # The case page counts it among its pairings, straight from the API.
    case_page = client.get(f"/admin/assistance/{cid}").text
    pairings = case_page.split('id="case-pairings"', 1)[1].split("</table>", 1)[0]
    assert url in pairings and "0 / 1 · 1 未兑现" in pairings
    listed = client.get("/admin/pairings").text.split('id="pairings"', 1)[1].split("</table>", 1)[0]
    assert "0 / 1 · 1 未兑现" in listed and "R-AID-16" not in listed
    # A reader sees the outcome, no forms.
    client.cookies.clear()
    login(client, "viewer")
    page = client.get(url).text
    assert "资金未落实，项目取消" in page and "/break" not in page and "promise.break" in page


def test_a_reader_sees_an_open_promise_as_pending(
    client, world, session_factory, settings, clock
) -> None:
    _, helper = agency_with_helper(session_factory, settings, clock, world)
    cid = gid(
        "AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"])
    )
    csrf = login(client, "township")
    url = client.post(
        f"/admin/assistance/{cid}/pairing",
        data={"helperMemberId": gid("Member", helper), "startedOn": "2026-02-15"},
        headers=hx(csrf),
    ).headers["HX-Redirect"]
    client.post(
        url + "/promises",
        data={"text": "每季度入户走访", "madeOn": "2026-03-01", "dueOn": "2026-12-31"},
        headers=hx(csrf),
    )
    client.cookies.clear()
    login(client, "viewer")
    row = client.get(url).text.split('id="promises"', 1)[1].split("</table>", 1)[0]
    assert "待兑现" in row and "未兑现" not in row
    # The pairings list is under the 帮扶 tab too.
    listing = client.get("/admin/pairings").text
    assert re.search(r'<a href="/admin/assistance" aria-current="page">', listing)
