"""The assistance admin over HTTP: the ledger (filters, CSV), the case page and its
workflow forms, the fund's book and supervision view, loans, the allowance run with
its preview and confirmation. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from graphql import parse, validate
from strawberry.relay import GlobalID

from partygraph.admin.core import OPERATIONS_DIR
from partygraph.graphql.schema import build_schema
from partygraph.services import assistance as aid
from partygraph.services import fund as funds
from partygraph.services import member as members
from tests.api.test_assistance import helping_case
from tests.conftest import login, system_context


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def gid(type_name: str, ident: int) -> str:
    return str(GlobalID(type_name, str(ident)))


def switch(client: Any, username: str) -> str:
    client.cookies.clear()
    return login(client, username)


def make_fund(session_factory, settings, clock, org_id: int, amount: int) -> int:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        f = funds.create(ctx, org_id=org_id, name="县帮扶基金", established_on=date(2025, 1, 1))
        funds.record_inflow(ctx, f.id, kind="budget", amount_fen=amount, on=date(2025, 1, 2), approver="县委常委会", counterparty="县财政")
        s.commit()
        return f.id  # type: ignore[return-value]


def test_every_assistance_operation_validates():
    schema = build_schema()._schema
    names = [p for p in OPERATIONS_DIR.glob("*.graphql") if p.stem.startswith(("Assistance", "Fund", "Loan", "Allowance"))]
    assert len(names) >= 18
    for path in names:
        assert not validate(schema, parse(path.read_text(encoding="utf-8"))), path.name


def test_ledger_list_filters_and_csv(client, world, session_factory, settings, clock):
    helping_case(session_factory, settings, clock, world.members["wang"])
    helping_case(session_factory, settings, clock, world.members["zhao"])
    with session_factory() as s:
        aid.open_case(system_context(s, settings, clock), member_id=world.members["li"], cause="laid_off", applied_on=date(2026, 5, 1))
        s.commit()
    login(client, "county")
    page = client.get("/admin/assistance").text
    assert "王五" in page and "赵六" in page and "李四" in page
    page = client.get("/admin/assistance", params={"cause": "laid_off"}).text
    table = page.split('id="cases"', 1)[1]
    assert "李四" in table and "王五" not in table
    r = client.get("/admin/assistance", params={"status": "helping", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["姓名", "性别", "年龄", "所在组织", "致困原因"]
    assert sorted(row[0] for row in rows[1:]) == ["王五", "赵六"]
    # The township sees only its own villages.
    switch(client, "township")
    page = client.get("/admin/assistance").text
    assert "王五" in page and "赵六" not in page


def test_open_case_form(client, world):
    csrf = login(client, "village")
    page = client.get("/admin/assistance/new", params={"q": "zs"}).text
    assert "张三" in page
    r = client.post("/admin/assistance/new", data={"csrf": csrf, "memberId": world.gid("Member", "zhang"), "cause": "illness", "appliedOn": "2026-01-05", "yearlyIncome": "12.345"})
    assert r.status_code == 422 and "金额格式" in r.text
    r = client.post(
        "/admin/assistance/new",
        data={"csrf": csrf, "memberId": world.gid("Member", "zhang"), "cause": "illness", "appliedOn": "2026-01-05", "yearlyIncome": "2400", "standard": "rural_low_income", "familyMembers": "张妻 配偶\n张子，儿子"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "张三" in page and "张妻（配偶）" in page and "2400.00" in page and "800.00" in page


def test_case_page_workflow_forms_with_inline_errors(client, world, session_factory, settings, clock):
    with session_factory() as s:
        c = aid.open_case(system_context(s, settings, clock), member_id=world.members["zhang"], cause="illness", applied_on=date(2026, 1, 5), yearly_income_fen=1200_00, standard="rural_low_income")
        s.commit()
        cid = gid("AssistanceCase", c.id)
    csrf = login(client, "village")
    page = client.get(f"/admin/assistance/{cid}").text
    assert 'id="step-form"' in page and "支部民主评议" in page
    # Missing evidence: the form comes back alone, 422, with the code next to the field.
    r = client.post(f"/admin/assistance/{cid}/step", data={"version": "1", "step": "appraise", "on": "2026-01-10"}, headers=hx(csrf))
    assert r.status_code == 422
    assert 'id="step-form"' in r.text and "<html" not in r.text
    assert "R-AID-06" in r.text and 'id="record-error"' in r.text
    r = client.post(f"/admin/assistance/{cid}/step", data={"version": "1", "step": "appraise", "on": "2026-01-10", "record": "支部大会评议通过"}, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/admin/assistance/{cid}"
    # A stale version is a conflict shown above the form.
    r = client.post(f"/admin/assistance/{cid}/step", data={"version": "1", "step": "notice", "on": "2026-01-11", "noticeStartsOn": "2026-01-11", "noticeEndsOn": "2026-01-20"}, headers=hx(csrf))
    assert r.status_code == 409 and "CONFLICT" in r.text
    page = client.get(f"/admin/assistance/{cid}").text
    assert "支部大会评议通过" in page and "公示开始" in page
    # Out of scope: another township's clerk gets 404.
    switch(client, "township2")
    assert client.get(f"/admin/assistance/{cid}").status_code == 404


def test_grant_refused_then_paid_and_the_book(client, world, session_factory, settings, clock):
    fid = gid("Fund", make_fund(session_factory, settings, clock, world.ids["C"], 500_00))
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    csrf = login(client, "county")
    page = client.get(f"/admin/assistance/{cid}").text
    assert 'id="grant-form"' in page and 'id="loan-form"' in page
    r = client.post(f"/admin/assistance/{cid}/grant", data={"fundId": fid, "amount": "500.01", "on": "2026-03-01", "approver": "部务会"}, headers=hx(csrf))
    assert r.status_code == 422 and "R-AID-04" in r.text and 'id="amount-error"' in r.text
    assert "500.00" in client.get(f"/admin/funds/{fid}").text
    r = client.post(f"/admin/assistance/{cid}/grant", data={"fundId": fid, "amount": "300", "on": "2026-03-01", "approver": "部务会", "note": "医疗救助"}, headers=hx(csrf))
    assert r.status_code == 200, r.text
    page = client.get(f"/admin/funds/{fid}").text
    assert '<strong id="balance">200.00</strong>' in page and "医疗救助" in page and 'id="inflow-form"' in page
    # Inflow through the fund page.
    r = client.post(f"/admin/funds/{fid}/inflow", data={"kind": "donation", "amount": "abc", "on": "2026-03-02", "approver": "x"}, headers=hx(csrf))
    assert r.status_code == 422 and 'id="inflow-form"' in r.text
    r = client.post(f"/admin/funds/{fid}/inflow", data={"kind": "donation", "amount": "1000", "on": "2026-03-02", "approver": "县委", "counterparty": "某企业"}, headers=hx(csrf))
    assert r.headers["HX-Redirect"] == f"/admin/funds/{fid}"
    # The book filtered, and as a spreadsheet.
    page = client.get(f"/admin/funds/{fid}", params={"direction": "outflow"}).text
    book = page.split('id="book"', 1)[1]
    assert "医疗救助" in book and "某企业" not in book
    r = client.get(f"/admin/funds/{fid}", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["日期", "收支", "类别", "金额（元）", "余额（元）"] and len(rows) == 4
    assert rows[1][1:5] == ["收入", "社会捐赠", "1000.00", "1200.00"]
    # The supervision view: read-only, the book's own sum beside the balance.
    switch(client, "viewer")
    page = client.get(f"/admin/funds/{fid}/supervision").text
    assert 'id="balanced"' in page and "账实相符" in page and "1200.00" in page
    assert "inflow-form" not in page and "<form" in page  # only the filter form
    assert 'method="post"' not in page.split("<main>", 1)[1]


def test_loan_page_schedule_and_repayment(client, world, session_factory, settings, clock):
    fid = make_fund(session_factory, settings, clock, world.ids["C"], 5000_00)
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    csrf = login(client, "county")
    r = client.post(f"/admin/assistance/{cid}/loan", data={"fundId": gid("Fund", fid), "amount": "2000", "on": "2026-03-01", "approver": "部务会", "termMonths": "30", "installments": "2"}, headers=hx(csrf))
    assert r.status_code == 422 and "R-AID-03" in r.text
    r = client.post(f"/admin/assistance/{cid}/loan", data={"fundId": gid("Fund", fid), "amount": "2000", "on": "2026-03-01", "approver": "部务会", "termMonths": "24", "installments": "2", "purpose": "购买种猪"}, headers=hx(csrf))
    loan_url = r.headers["HX-Redirect"]
    assert loan_url.startswith("/admin/loans/")
    page = client.get(loan_url).text
    assert "2027-03-01" in page and "2028-03-01" in page and "还款中" in page
    clock.today = date(2027, 3, 10)
    page = client.get(loan_url).text
    assert "已逾期" in page and "R-AID-03" in page
    assert "已逾期" in client.get("/admin/loans", params={"status": "overdue"}).text
    r = client.post(loan_url + "/repay", data={"version": "1", "amount": "3000", "on": "2027-03-10"}, headers=hx(csrf))
    assert r.status_code == 422 and "R-AID-10" in r.text and 'id="repay-form"' in r.text
    r = client.post(loan_url + "/repay", data={"version": "1", "amount": "2000", "on": "2027-03-10", "receivedBy": "出纳"}, headers=hx(csrf))
    assert r.headers["HX-Redirect"] == loan_url
    page = client.get(loan_url).text
    assert "已还清" in page and "repay-form" not in page


def test_allowance_preview_confirm_pay_and_no_double_pay(client, world, session_factory, settings, clock):
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.register(ctx, org_id=world.ids["V1"], name="孙老", gender="male", birth_date=date(1940, 3, 3), education="primary", joined_on=date(1965, 7, 1), converted_on=date(1966, 7, 1))
        s.commit()
    csrf = login(client, "county")
    county = world.gid("Organization", "C")
    page = client.get("/admin/allowances", params={"under": county, "kind": "age80", "month": "2026-10"}).text
    assert "孙老" in page and 'id="pay-form"' in page and "待发" in page
    bad = client.get("/admin/allowances", params={"under": county, "kind": "age80", "month": "2026-13"})
    assert bad.status_code == 422 and "R-AID-13" in bad.text
    # Paying needs the confirmation box.
    r = client.post("/admin/allowances/pay", data={"csrf": csrf, "under": county, "kind": "age80", "month": "2026-10"})
    assert r.status_code == 422 and "请先核对名单" in r.text
    r = client.post("/admin/allowances/pay", data={"csrf": csrf, "under": county, "kind": "age80", "month": "2026-10", "confirm": "1"}, follow_redirects=False)
    assert r.status_code == 303
    run = client.get(r.headers["location"]).text
    assert '<dd id="paid-count">1</dd>' in run and "孙老" in run
    # The same month again: the preview says already paid, and a forced second run pays nobody.
    page = client.get("/admin/allowances", params={"under": county, "kind": "age80", "month": "2026-10"}).text
    assert "本期已发" in page and 'id="pay-form"' not in page
    r = client.post("/admin/allowances/pay", data={"csrf": csrf, "under": county, "kind": "age80", "month": "2026-10", "confirm": "1"}, follow_redirects=False)
    run = client.get(r.headers["location"]).text
    assert '<dd id="paid-count">0</dd>' in run and '<dd id="skipped-count">1</dd>' in run


def test_funds_list_scope_and_english(client, world, session_factory, settings, clock):
    make_fund(session_factory, settings, clock, world.ids["C"], 100_00)
    login(client, "county")
    assert "县帮扶基金" in client.get("/admin/funds").text
    switch(client, "township2")
    page = client.get("/admin/funds").text
    assert "县帮扶基金" not in page
    client.get("/admin/lang", params={"lang": "en"})
    page = client.get("/admin/allowances").text
    assert "Allowance payments" in page and "生活补贴发放" not in page


def test_read_only_viewer_sees_no_forms(client, world, session_factory, settings, clock):
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    login(client, "viewer")
    page = client.get(f"/admin/assistance/{cid}").text
    assert "王五" in page and "step-form" not in page and "grant-form" not in page
    assert re.search(r"已备案·帮扶中", page)


def test_yearly_list_declare_verify_confirm_post(client, world, session_factory, settings, clock):
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.register(ctx, org_id=world.ids["V1"], name="孙老", gender="male", birth_date=date(1940, 3, 3), education="primary", joined_on=date(1965, 7, 1), converted_on=date(1966, 7, 1))
        m = members.register(ctx, org_id=world.ids["G1"], name="周老", gender="female", birth_date=date(1938, 2, 2), education="primary", joined_on=date(1960, 7, 1), converted_on=date(1961, 7, 1))
        s.commit()
        zhou = gid("Member", m.id)
    csrf = login(client, "village")
    page = client.get("/admin/allowances").text
    assert 'id="declare-form"' in page
    r = client.post("/admin/allowances/rolls", data={"csrf": csrf, "orgId": world.gid("Organization", "V1"), "year": "2026", "kind": "age80", "on": "2026-04-01"})
    assert r.status_code == 422 and "R-AID-17" in r.text
    r = client.post("/admin/allowances/rolls", data={"csrf": csrf, "orgId": world.gid("Organization", "V1"), "year": "2026", "kind": "age80", "on": "2026-05-08"}, follow_redirects=False)
    assert r.status_code == 303
    roll_url = r.headers["location"]
    page = client.get(roll_url).text
    assert "孙老" in page and "周老" in page and "村（社区）已申报" in page
    # The village cannot verify; the township can, striking a name off with its note.
    r = client.post(roll_url + "/step", data={"version": "1", "step": "verify", "on": "2026-05-12"}, headers=hx(csrf))
    assert r.status_code == 403 and 'id="roll-form"' in r.text
    csrf = switch(client, "township")
    r = client.post(roll_url + "/step", data={"version": "1", "step": "verify", "on": "2026-05-12", "strike": zhou}, headers=hx(csrf))
    assert r.status_code == 422 and "R-AID-06" in r.text
    r = client.post(roll_url + "/step", data={"version": "1", "step": "verify", "on": "2026-05-12", "strike": zhou, "note": "已迁居外地"}, headers=hx(csrf))
    assert r.headers["HX-Redirect"] == roll_url
    csrf = switch(client, "county")
    assert client.post(roll_url + "/step", data={"version": "2", "step": "confirm", "on": "2026-05-20"}, headers=hx(csrf)).status_code == 200
    assert client.post(roll_url + "/step", data={"version": "3", "step": "post", "on": "2026-05-25"}, headers=hx(csrf)).status_code == 200
    page = client.get(roll_url).text
    assert "已张榜公示" in page and "已删减" in page and "已迁居外地" in page and 'id="roll-form"' not in page
    assert "已张榜公示" in client.get("/admin/allowances").text
