"""Disciplinary sanctions on the member page, over HTTP on both databases: the card loaded
by htmx, the record form with inline refusals (nothing written), lift and withdraw."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select

from partygraph.models.discipline import MemberSanction
from tests.conftest import login


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def count(session_factory: Any) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(MemberSanction)).scalar_one()


def test_member_page_loads_the_card_and_records_a_sanction(
    client, world, clock, session_factory
) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    zhang = world.gid("Member", "zhang")
    page = client.get(f"/admin/members/{zhang}").text
    assert f'hx-get="/admin/members/{zhang}/sanctions"' in page and 'hx-trigger="load"' in page
    card = client.get(f"/admin/members/{zhang}/sanctions", headers={"HX-Request": "true"})
    assert card.status_code == 200 and "<html" not in card.text and "无党纪处分记录" in card.text
    form = {
        "kind": "party_probation",
        "decidedOn": "2026-03-01",
        "probationYears": "3",
        "decidedBy": "岷江县纪委",
    }
    r = client.post(f"/admin/members/{zhang}/sanctions", data=form, headers=hx(csrf))
    assert r.status_code == 422 and "R-DISC-02" in r.text and 'id="probationYears-error"' in r.text
    r = client.post(
        f"/admin/members/{zhang}/sanctions",
        data={**form, "probationYears": "1", "decidedBy": ""},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="decidedBy-error"' in r.text and "<details open" in r.text
    assert count(session_factory) == 0
    r = client.post(
        f"/admin/members/{zhang}/sanctions",
        data={**form, "probationYears": "1", "document": "岷纪发〔2026〕3号"},
        headers=hx(csrf),
    )
    assert (
        r.status_code == 200
        and "留党察看期间" in r.text
        and "2027-02-28" in r.text
        and "岷纪发〔2026〕3号" in r.text
    )
    assert count(session_factory) == 1
    # the full page without htmx
    assert "<html" in client.get(f"/admin/members/{zhang}/sanctions").text


def test_lift_and_withdraw(client, world, clock, session_factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    zhang = world.gid("Member", "zhang")
    form = {
        "kind": "party_probation",
        "decidedOn": "2025-06-01",
        "probationYears": "1",
        "decidedBy": "岷江县纪委",
    }
    r = client.post(f"/admin/members/{zhang}/sanctions", data=form, headers=hx(csrf))
    sid = re.search(r'data-sanction="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    # rights restored before the period ended: refused inline on its row
    r = client.post(
        f"/admin/sanctions/{sid}/lift",
        data={"member": zhang, "liftedOn": "2026-01-01"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "R-DISC-03" in r.text and 'id="sanctions"' in r.text
    clock.today = date(2026, 11, 1)
    r = client.post(
        f"/admin/sanctions/{sid}/lift",
        data={"member": zhang, "liftedOn": "2026-06-05", "document": "岷纪发〔2026〕9号"},
        headers=hx(csrf),
    )
    assert r.status_code == 200 and "已恢复党员权利" in r.text
    r = client.post(
        f"/admin/sanctions/{sid}/withdraw", data={"member": zhang, "reason": ""}, headers=hx(csrf)
    )
    assert r.status_code == 422 and 'id="reason-error"' in r.text
    r = client.post(
        f"/admin/sanctions/{sid}/withdraw",
        data={"member": zhang, "reason": "经复查撤销", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/admin/members/{zhang}"
    card = client.get(f"/admin/members/{zhang}/sanctions", headers={"HX-Request": "true"}).text
    assert "已撤销" in card and "经复查撤销" in card
    assert count(session_factory) == 1  # kept


def test_scope_and_read_only(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "township2")
    zhang = world.gid("Member", "zhang")
    assert (
        client.get(f"/admin/members/{zhang}/sanctions", headers={"HX-Request": "true"}).status_code
        == 404
    )
    client.cookies.clear()
    login(client, "viewer")
    card = client.get(f"/admin/members/{zhang}/sanctions", headers={"HX-Request": "true"}).text
    assert "无党纪处分记录" in card and "sanction-form" not in card
