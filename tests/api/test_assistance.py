"""Assistance through the API: a case from application to closing, the fund's book,
grants refused for lack of money, loans on time and overdue, allowance runs that
never pay twice, concurrent grants, and scope. Every test runs on both databases."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.errors import DomainError
from partygraph.models.assistance import AllowancePayment, Fund, FundEntry, HelpEntry
from partygraph.services import assistance as aid
from partygraph.services import fund as funds
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests.conftest import system_context


def gid(type_name: str, ident: int) -> str:
    return str(GlobalID(type_name, str(ident)))


CASE_FIELDS = """
  ... on AssistanceCasePayload { assistanceCase { id status version member { name inDifficulty } } }
  ... on Error { code message field }
"""

OPEN = "mutation($i: OpenAssistanceCaseInput!) { openAssistanceCase(input: $i) { __typename " + CASE_FIELDS + " } }"
ADVANCE = "mutation($i: AdvanceAssistanceCaseInput!) { advanceAssistanceCase(input: $i) { __typename " + CASE_FIELDS + " } }"
CREATE_FUND = """mutation($i: CreateFundInput!) { createFund(input: $i) { __typename
  ... on FundPayload { fund { id balanceFen } } ... on Error { code message field } } }"""
INFLOW = """mutation($i: RecordFundInflowInput!) { recordFundInflow(input: $i) { __typename
  ... on FundEntryPayload { entry { id balanceAfterFen } fund { balanceFen } } ... on Error { code message field } } }"""
GRANT = """mutation($i: GrantAssistanceInput!) { grantAssistance(input: $i) { __typename
  ... on HelpEntryPayload { entry { id amountFen kind } fund { balanceFen } } ... on Error { code message field } } }"""
LEND = """mutation($i: LendAssistanceInput!) { lendAssistance(input: $i) { __typename
  ... on LoanPayload { loan { id version status schedule { dueOn amountFen } } fund { balanceFen } } ... on Error { code message field } } }"""
REPAY = """mutation($i: RepayLoanInput!) { repayLoan(input: $i) { __typename
  ... on LoanPayload { loan { id version status repaidFen outstandingFen } fund { balanceFen } } ... on Error { code message field } } }"""
PAY = """mutation($i: PayAllowancesInput!) { payAllowances(input: $i) { __typename
  ... on AllowanceRunPayload { run { id paymentCount skippedCount totalFen payments { amountFen member { name } } } }
  ... on Error { code message field } } }"""


def step(gql, case, version, step, on, user="village", **extra):  # type: ignore[no-untyped-def]
    out = gql(ADVANCE, {"i": {"id": case, "version": version, "step": step, "on": on, **extra}}, user=user)["advanceAssistanceCase"]
    return out


def make_fund(gql, world, org="C", amount=100_000_00, user="county") -> str:  # type: ignore[no-untyped-def]
    r = gql(CREATE_FUND, {"i": {"orgId": world.gid("Organization", org), "name": "帮扶基金", "establishedOn": "2025-01-01"}}, user=user)["createFund"]
    assert r["__typename"] == "FundPayload", r
    fid = r["fund"]["id"]
    if amount:
        r = gql(INFLOW, {"i": {"fundId": fid, "kind": "budget", "amountFen": amount, "on": "2025-01-02", "approver": "县委常委会"}}, user=user)["recordFundInflow"]
        assert r["fund"]["balanceFen"] == amount, r
    return fid


def helping_case(session_factory, settings, clock, member_id: int, applied=date(2026, 1, 5)) -> int:  # type: ignore[no-untyped-def]
    """A case approved and filed (under help), through the services."""
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        c = aid.open_case(ctx, member_id=member_id, cause="illness", applied_on=applied, yearly_income_fen=1200_00, standard="rural_low_income", family_members=[{"name": "王妻", "relation": "配偶"}])
        d = applied.toordinal()
        aid.advance(ctx, c.id, step="appraise", on=date.fromordinal(d + 5), version=None, record_text="支部大会评议")
        aid.advance(ctx, c.id, step="notice", on=date.fromordinal(d + 6), version=None, notice_starts_on=date.fromordinal(d + 6), notice_ends_on=date.fromordinal(d + 12))
        aid.advance(ctx, c.id, step="report", on=date.fromordinal(d + 13), version=None)
        aid.advance(ctx, c.id, step="approve", on=date.fromordinal(d + 20), version=None, record_text="党委会批准")
        aid.advance(ctx, c.id, step="file", on=date.fromordinal(d + 25), version=None, record_text="县备 1 号")
        s.commit()
        return c.id  # type: ignore[return-value]


# --- a case from application to closing -------------------------------------------------------


def test_case_from_application_to_closing(gql, world, clock):
    r = gql(OPEN, {"i": {
        "memberId": world.gid("Member", "zhang"), "cause": "illness", "appliedOn": "2026-01-05",
        "familyMembers": [{"name": "张妻", "relation": "配偶"}, {"name": "张子", "relation": "儿子", "birthYear": 2010}],
        "yearlyIncomeFen": 2400_00, "situation": "妻子长期住院，家中无劳动力", "standard": "rural_low_income",
        "application": "本人申请党内帮扶",
    }}, user="village")["openAssistanceCase"]  # fmt: skip
    assert r["__typename"] == "AssistanceCasePayload", r
    case = r["assistanceCase"]
    assert case["status"] == "applied" and case["member"]["inDifficulty"] is True
    cid = case["id"]

    # A second open case for the same member is refused.
    again = gql(OPEN, {"i": {"memberId": world.gid("Member", "zhang"), "cause": "other", "appliedOn": "2026-01-06"}}, user="village")["openAssistanceCase"]
    assert again["code"] == "R-AID-15"

    # Out of order, then missing evidence: coded, named errors.
    bad = step(gql, cid, 1, "report", "2026-01-10")
    assert (bad["__typename"], bad["code"], bad["field"]) == ("RuleViolation", "R-AID-01", "step")
    bad = step(gql, cid, 1, "appraise", "2026-01-10")
    assert (bad["code"], bad["field"]) == ("R-AID-06", "record")
    assert "R-AID-06" in bad["message"]

    ok = step(gql, cid, 1, "appraise", "2026-01-10", record="支部党员大会民主评议：应到 12 人，实到 11 人，同意 11 人")
    assert ok["assistanceCase"]["status"] == "appraised"
    short = step(gql, cid, 2, "notice", "2026-01-11", noticeStartsOn="2026-01-11", noticeEndsOn="2026-01-14")
    assert short["code"] == "R-AID-07"
    ok = step(gql, cid, 2, "notice", "2026-01-11", noticeStartsOn="2026-01-11", noticeEndsOn="2026-01-17", objections="有群众反映其子在外务工", objectionResolution="经核实其子在读，异议不成立")
    assert ok["assistanceCase"]["status"] == "noticed"
    early = step(gql, cid, 3, "report", "2026-01-17")
    assert early["code"] == "R-AID-07"
    assert step(gql, cid, 3, "report", "2026-01-18")["assistanceCase"]["status"] == "reported"
    # The village branch cannot approve: that is the committee's.
    denied = step(gql, cid, 4, "approve", "2026-01-25", record="批准")
    assert denied["__typename"] == "NotAllowed"
    # Stale version: Conflict.
    stale = step(gql, cid, 3, "approve", "2026-01-25", user="township", record="镇党委会议批准")
    assert stale["__typename"] == "Conflict"
    assert step(gql, cid, 4, "approve", "2026-01-25", user="township", record="镇党委会议批准")["assistanceCase"]["status"] == "approved"
    assert step(gql, cid, 5, "file", "2026-02-01", user="township", record="x")["__typename"] == "NotAllowed"
    filed = step(gql, cid, 5, "file", "2026-02-01", user="county", record="县组备〔2026〕8号")
    assert filed["assistanceCase"]["status"] == "helping"

    # Help given: a visit on a must-visit occasion.
    visit = gql("""mutation($i: RecordVisitInput!) { recordAssistanceVisit(input: $i) { __typename
      ... on HelpEntryPayload { entry { kind occasion mustVisit amountFen goods } } ... on Error { code field } } }""",
        {"i": {"caseId": cid, "on": "2026-02-10", "occasion": "illness", "helper": "镇党委书记", "goods": "米一袋、油一桶"}}, user="township")["recordAssistanceVisit"]  # fmt: skip
    assert visit["entry"]["mustVisit"] is True and visit["entry"]["amountFen"] == 0

    # Reviewed a year later and closed, with its reason.
    clock.today = date(2027, 2, 20)
    bad = step(gql, cid, 6, "review", "2027-02-10", user="township", outcome="closed")
    assert (bad["code"], bad["field"]) == ("R-AID-06", "reason")
    assert step(gql, cid, 6, "review", "2027-01-20", user="township", outcome="continued")["assistanceCase"]["status"] == "helping"
    closed = step(gql, cid, 7, "review", "2027-02-10", user="township", outcome="closed", reason="妻子病愈，家庭收入稳定，已脱困")
    assert closed["assistanceCase"]["status"] == "closed"
    assert closed["assistanceCase"]["member"]["inDifficulty"] is False
    assert step(gql, cid, 8, "review", "2027-02-11", user="township", outcome="continued")["code"] == "R-AID-01"

    data = gql("""query($id: ID!) { node(id: $id) { ... on AssistanceCase {
      status statusLabel causeLabel householdSize incomePerPersonYuan closedReason reviewDueOn
      timeline { kind to: toStatus record actorName data } help { kind helper } history { action } } } }""", {"id": cid})["node"]  # fmt: skip
    assert [s["kind"] for s in data["timeline"]] == ["apply", "appraise", "notice", "report", "approve", "file", "review", "review"]
    assert data["timeline"][2]["data"]["objections"] == "有群众反映其子在外务工"
    assert data["householdSize"] == 3 and data["incomePerPersonYuan"] == "800.00"
    assert data["closedReason"].startswith("妻子病愈") and data["reviewDueOn"] is None
    assert data["help"] == [{"kind": "visit", "helper": "镇党委书记"}]
    assert len(data["history"]) >= 8


def test_income_standard_blocks_approval(gql, world):
    cid = gql(OPEN, {"i": {"memberId": world.gid("Member", "li"), "cause": "laid_off", "appliedOn": "2026-03-01", "yearlyIncomeFen": 5000_00, "standard": "rural_low_income"}}, user="village")["openAssistanceCase"]["assistanceCase"]["id"]
    step(gql, cid, 1, "appraise", "2026-03-02", record="评议")
    step(gql, cid, 2, "notice", "2026-03-03", noticeStartsOn="2026-03-03", noticeEndsOn="2026-03-10")
    step(gql, cid, 3, "report", "2026-03-11")
    r = step(gql, cid, 4, "approve", "2026-03-20", user="township", record="批准")
    assert (r["code"], r["field"]) == ("R-AID-08", "yearlyIncome")
    fixed = gql("""mutation($i: UpdateAssistanceCaseInput!) { updateAssistanceCase(input: $i) { __typename ... on AssistanceCasePayload { assistanceCase { version } } } }""",
                {"i": {"id": cid, "version": 4, "yearlyIncomeFen": 800_00}}, user="village")["updateAssistanceCase"]  # fmt: skip
    assert step(gql, cid, fixed["assistanceCase"]["version"], "approve", "2026-03-20", user="township", record="批准")["assistanceCase"]["status"] == "approved"
    r = step(gql, cid, 6, "file", "2026-03-25", user="county", record="县备")
    assert r["assistanceCase"]["status"] == "helping"


def test_refused_case_takes_no_help(gql, world, session_factory, settings, clock):
    cid = gql(OPEN, {"i": {"memberId": world.gid("Member", "li"), "cause": "other", "appliedOn": "2026-03-01", "standard": "other", "standardNote": "突发变故"}}, user="village")["openAssistanceCase"]["assistanceCase"]["id"]
    step(gql, cid, 1, "appraise", "2026-03-02", record="评议")
    step(gql, cid, 2, "notice", "2026-03-03", noticeStartsOn="2026-03-03", noticeEndsOn="2026-03-10")
    step(gql, cid, 3, "report", "2026-03-11")
    assert step(gql, cid, 4, "refuse", "2026-03-20", user="township")["field"] == "reason"
    assert step(gql, cid, 4, "refuse", "2026-03-20", user="township", reason="不符合条件")["assistanceCase"]["status"] == "refused"
    r = gql("""mutation($i: RecordHelpInput!) { recordAssistanceHelp(input: $i) { __typename ... on Error { code } } }""",
            {"i": {"caseId": cid, "kind": "training", "on": "2026-04-01", "helper": "县农业局", "note": "养殖技术培训"}}, user="township")["recordAssistanceHelp"]  # fmt: skip
    assert r["code"] == "R-AID-09"


# --- the fund ------------------------------------------------------------------------------------


def test_grant_refused_for_lack_of_funds_balance_unchanged(gql, world, session_factory, settings, clock):
    fid = make_fund(gql, world, "C", 1000_00)
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    with session_factory() as s:
        before_entries = s.execute(select(func.count()).select_from(FundEntry)).scalar_one()
        before_help = s.execute(select(func.count()).select_from(HelpEntry)).scalar_one()
    r = gql(GRANT, {"i": {"caseId": cid, "fundId": fid, "amountFen": 1000_01, "on": "2026-03-01", "approver": "县委组织部部务会"}})["grantAssistance"]
    assert (r["__typename"], r["code"], r["field"]) == ("RuleViolation", "R-AID-04", "amount")
    assert "1000.00" in r["message"]
    with session_factory() as s:
        assert s.execute(select(Fund.balance_fen)).scalar_one() == 1000_00
        assert s.execute(select(func.count()).select_from(FundEntry)).scalar_one() == before_entries
        assert s.execute(select(func.count()).select_from(HelpEntry)).scalar_one() == before_help
    # The whole balance may go; the book and the cache agree.
    r = gql(GRANT, {"i": {"caseId": cid, "fundId": fid, "amountFen": 1000_00, "on": "2026-03-01", "approver": "县委组织部部务会"}})["grantAssistance"]
    assert r["fund"]["balanceFen"] == 0 and r["entry"]["kind"] == "grant"
    book = gql("""query($id: ID!) { node(id: $id) { ... on Fund { balanceFen bookBalanceFen balanced balanceYuan
      totals { kind direction totalFen } } }
      fundEntries(filter: {fund: $id}) { totalCount nodes { direction kind amountFen balanceAfterFen approver counterparty case { id } } } }""", {"id": fid})  # fmt: skip
    assert book["node"]["balanced"] is True and book["node"]["bookBalanceFen"] == 0 and book["node"]["balanceYuan"] == "0.00"
    assert book["fundEntries"]["totalCount"] == 2
    newest = book["fundEntries"]["nodes"][0]
    assert (newest["direction"], newest["kind"], newest["amountFen"], newest["balanceAfterFen"]) == ("outflow", "grant", 1000_00, 0)
    assert newest["approver"] == "县委组织部部务会" and newest["counterparty"] == "王五" and newest["case"]["id"] == cid
    # Filters: outflows only.
    out = gql("""query($id: ID!) { fundEntries(filter: {fund: $id, direction: outflow}) { totalCount } }""", {"id": fid})
    assert out["fundEntries"]["totalCount"] == 1


def test_fund_rules(gql, world, session_factory, settings, clock):
    # Only committees hold a fund; one per organisation; inflow kinds are the four sources.
    r = gql(CREATE_FUND, {"i": {"orgId": world.gid("Organization", "V1"), "name": "x", "establishedOn": "2025-01-01"}})["createFund"]
    assert r["code"] == "INVALID_INPUT"
    fid = make_fund(gql, world, "T1", 500_00, user="township")
    r = gql(CREATE_FUND, {"i": {"orgId": world.gid("Organization", "T1"), "name": "x", "establishedOn": "2025-01-01"}})["createFund"]
    assert r["code"] == "DUPLICATE"
    r = gql(INFLOW, {"i": {"fundId": fid, "kind": "grant", "amountFen": 1, "on": "2025-02-01", "approver": "x"}}, user="township")["recordFundInflow"]
    assert r["code"] == "INVALID_INPUT"
    r = gql(INFLOW, {"i": {"fundId": fid, "kind": "donation", "amountFen": 0, "on": "2025-02-01", "approver": "x"}}, user="township")["recordFundInflow"]
    assert r["code"] == "R-AID-04"
    r = gql(INFLOW, {"i": {"fundId": fid, "kind": "donation", "amountFen": 10, "on": "2025-02-01", "approver": " "}}, user="township")["recordFundInflow"]
    assert r["field"] == "approver"
    # A township fund pays only its own villages (R-AID-12).
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["zhao"]))
    r = gql(GRANT, {"i": {"caseId": cid, "fundId": fid, "amountFen": 100, "on": "2026-03-01", "approver": "x"}})["grantAssistance"]
    assert r["code"] == "R-AID-12"


def test_principal_protection_setting(gql, world, session_factory, settings, clock):
    from dataclasses import replace

    from partygraph.rules.assistance import AssistanceSettings

    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        fund = funds.create(ctx, org_id=world.ids["C"], name="县基金", established_on=date(2025, 1, 1), principal_fen=1000_00)
        funds.record_inflow(ctx, fund.id, kind="budget", amount_fen=1200_00, on=date(2025, 1, 2), approver="县委")
        s.commit()
        fid = fund.id
    cid = helping_case(session_factory, settings, clock, world.members["wang"])
    protected = replace(settings)
    object.__setattr__(protected, "assistance", AssistanceSettings(principal_protection=True))
    with session_factory() as s:
        ctx = system_context(s, protected, clock)
        with pytest.raises(DomainError) as err:
            aid.grant(ctx, cid, fund_id=fid, amount_fen=300_00, on=date(2026, 3, 1), approver="县委")
        assert err.value.code == "R-AID-11"
        s.rollback()
        aid.grant(ctx, cid, fund_id=fid, amount_fen=200_00, on=date(2026, 3, 1), approver="县委")
        # A loan may use the principal: it comes back.
        aid.lend(ctx, cid, fund_id=fid, amount_fen=900_00, on=date(2026, 3, 2), approver="县委")
        s.commit()
        assert s.get(Fund, fid).balance_fen == 100_00


def test_concurrent_grants_never_overdraw(db, world, session_factory, settings, clock):
    """Two sessions grant 60% of the balance at the same moment: exactly one succeeds."""
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        fund = funds.create(ctx, org_id=world.ids["C"], name="县帮扶基金", established_on=date(2025, 1, 1))
        funds.record_inflow(ctx, fund.id, kind="budget", amount_fen=10_000_00, on=date(2025, 1, 2), approver="县委")
        s.commit()
        fid = fund.id
    cases = [helping_case(session_factory, settings, clock, world.members[k]) for k in ("wang", "zhao")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def grant(case_id: int) -> None:
        with session_factory() as s:
            ctx = system_context(s, settings, clock)
            barrier.wait()
            try:
                aid.grant(ctx, case_id, fund_id=fid, amount_fen=6_000_00, on=date(2026, 3, 1), approver="县委")
                s.commit()
                result = "ok"
            except DomainError as exc:
                s.rollback()
                result = exc.code
            with lock:
                outcomes.append(result)

    if db.dialect.name == "sqlite":
        # SQLite serialises writers; run the two one after the other (same code path).
        barrier = threading.Barrier(1)
        for c in cases:
            grant(c)
    else:
        threads = [threading.Thread(target=grant, args=(c,)) for c in cases]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(outcomes) == ["R-AID-04", "ok"]
    with session_factory() as s:
        assert s.get(Fund, fid).balance_fen == 4_000_00
        assert funds.book_balance(system_context(s, settings, clock), fid) == 4_000_00
        assert s.execute(select(func.count()).select_from(HelpEntry).where(HelpEntry.kind == "grant")).scalar_one() == 1


# --- loans ---------------------------------------------------------------------------------------


def test_loans_repaid_on_time_and_overdue(gql, world, session_factory, settings, clock):
    fid = make_fund(gql, world, "C", 10_000_00)
    case_a = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    case_b = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["zhao"]))
    too_long = gql(LEND, {"i": {"caseId": case_a, "fundId": fid, "amountFen": 2000_00, "on": "2026-03-01", "approver": "县委", "termMonths": 36}})["lendAssistance"]
    assert (too_long["code"], too_long["field"]) == ("R-AID-03", "termMonths")
    a = gql(LEND, {"i": {"caseId": case_a, "fundId": fid, "amountFen": 2000_00, "on": "2026-03-01", "approver": "县委", "installments": 2, "purpose": "养猪"}})["lendAssistance"]
    assert [i["dueOn"] for i in a["loan"]["schedule"]] == ["2027-03-01", "2028-03-01"]
    assert a["fund"]["balanceFen"] == 8_000_00 and a["loan"]["status"] == "active"
    b = gql(LEND, {"i": {"caseId": case_b, "fundId": fid, "amountFen": 1000_00, "on": "2026-03-01", "approver": "县委", "installments": 2}})["lendAssistance"]
    assert b["fund"]["balanceFen"] == 7_000_00
    loan_a, loan_b = a["loan"]["id"], b["loan"]["id"]

    # On time: the first half before its due date.
    clock.today = date(2027, 2, 20)
    r = gql(REPAY, {"i": {"loanId": loan_a, "version": 1, "amountFen": 1000_00, "on": "2027-02-20", "receivedBy": "出纳"}})["repayLoan"]
    assert r["loan"]["status"] == "active" and r["loan"]["outstandingFen"] == 1000_00 and r["fund"]["balanceFen"] == 8_000_00
    too_much = gql(REPAY, {"i": {"loanId": loan_a, "version": 2, "amountFen": 1000_01, "on": "2027-02-20"}})["repayLoan"]
    assert too_much["code"] == "R-AID-10"

    # Time passes: loan B missed its first installment and is overdue; A is not.
    clock.today = date(2027, 3, 5)
    q = """query($a: ID!, $b: ID!, $c: ID!) {
      a: node(id: $a) { ... on Loan { status overdueFen nextDueOn schedule { paidFen overdue } } }
      b: node(id: $b) { ... on Loan { status overdueFen overdueSince statusLabel } }
      overdue: loans(filter: {status: [overdue]}) { totalCount nodes { id } }
      alerts: assistanceAlerts(under: $c) { code objectType objectId title } }"""
    data = gql(q, {"a": loan_a, "b": loan_b, "c": world.gid("Organization", "C")})
    assert data["a"]["status"] == "active" and data["a"]["nextDueOn"] == "2028-03-01"
    assert data["a"]["schedule"] == [{"paidFen": 1000_00, "overdue": False}, {"paidFen": 0, "overdue": False}]
    assert data["b"] == {"status": "overdue", "overdueFen": 500_00, "overdueSince": "2027-03-01", "statusLabel": "已逾期"}
    assert [n["id"] for n in data["overdue"]["nodes"]] == [loan_b]
    loan_alerts = [a for a in data["alerts"] if a["code"] == "R-AID-03"]
    assert [(a["objectType"], a["objectId"], a["title"]) for a in loan_alerts] == [("Loan", loan_b, "赵六")]

    # A repays the rest: repaid, the money is back in the fund.
    r = gql(REPAY, {"i": {"loanId": loan_a, "version": 2, "amountFen": 1000_00, "on": "2027-03-05"}})["repayLoan"]
    assert r["loan"]["status"] == "repaid" and r["fund"]["balanceFen"] == 9_000_00
    assert gql(REPAY, {"i": {"loanId": loan_a, "version": 3, "amountFen": 1, "on": "2027-03-05"}})["repayLoan"]["code"] == "R-AID-10"
    repaid = gql("{ loans(filter: {status: [repaid]}) { nodes { id repaidOn repayments { amountFen } } } }")["loans"]["nodes"]
    assert repaid == [{"id": loan_a, "repaidOn": "2027-03-05", "repayments": [{"amountFen": 1000_00}, {"amountFen": 1000_00}]}]


# --- yearly review alerts ----------------------------------------------------------------------


def test_overdue_review_filter_and_alert(gql, world, session_factory, settings, clock):
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["wang"]))
    q = """query($c: ID!) { assistanceCases(filter: {overdueReview: true}) { totalCount nodes { id reviewOverdue reviewDueOn } }
      assistanceAlerts(under: $c) { code dueOn objectId } }"""
    data = gql(q, {"c": world.gid("Organization", "T1")})
    assert data["assistanceCases"]["totalCount"] == 0 and data["assistanceAlerts"] == []
    clock.today = date(2027, 3, 1)
    data = gql(q, {"c": world.gid("Organization", "T1")})
    assert [n["id"] for n in data["assistanceCases"]["nodes"]] == [cid]
    assert data["assistanceCases"]["nodes"][0]["reviewOverdue"] is True
    assert [(a["code"], a["objectId"]) for a in data["assistanceAlerts"]] == [("R-AID-02", cid)]
    # The other township sees neither.
    data = gql(q.replace("$c: ID!", "$c: ID!").replace("assistanceAlerts(under: $c)", "assistanceAlerts(under: $c)"), {"c": world.gid("Organization", "T2")}, user="township2")
    assert data["assistanceCases"]["totalCount"] == 0 and data["assistanceAlerts"] == []


def test_case_list_filters(gql, world, session_factory, settings, clock):
    helping_case(session_factory, settings, clock, world.members["wang"])
    helping_case(session_factory, settings, clock, world.members["zhao"])
    gql(OPEN, {"i": {"memberId": world.gid("Member", "li"), "cause": "laid_off", "appliedOn": "2026-05-01"}}, user="village")
    q = """query($f: AssistanceCaseFilter) { assistanceCases(filter: $f) { totalCount nodes { member { name } cause status } } }"""
    assert gql(q, {"f": None})["assistanceCases"]["totalCount"] == 3
    assert gql(q, {"f": {"cause": ["laid_off"]}})["assistanceCases"]["nodes"] == [{"member": {"name": "李四"}, "cause": "laid_off", "status": "applied"}]
    assert gql(q, {"f": {"status": ["helping"]}})["assistanceCases"]["totalCount"] == 2
    assert gql(q, {"f": {"under": world.gid("Organization", "T2")}})["assistanceCases"]["nodes"][0]["member"]["name"] == "赵六"
    assert gql(q, {"f": {"search": "王"}})["assistanceCases"]["totalCount"] == 1
    assert gql(q, {"f": None}, user="township")["assistanceCases"]["totalCount"] == 2


# --- pairings and promises ----------------------------------------------------------------------


def test_pairings_and_promises(gql, world, session_factory, settings, clock):
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        agency = orgs.create(ctx, parent_id=world.ids["T1"], code="A1", name="威州镇机关党支部", kind="branch", branch_type="agency")
        helper = members.register(ctx, org_id=agency.id, name="周八", gender="male", birth_date=date(1985, 1, 1), education="bachelor", joined_on=date(2010, 7, 1), converted_on=date(2011, 7, 1))
        s.commit()
        agency_id, helper_id = agency.id, helper.id
    cid = gid("AssistanceCase", helping_case(session_factory, settings, clock, world.members["zhang"]))
    create = """mutation($i: CreatePairingInput!) { createPairing(input: $i) { __typename
      ... on PairingPayload { pairing { id kind version coversLabels agencyName helper { name } village { name } case { id } } }
      ... on Error { code field } } }"""
    wrong = gql(create, {"i": {"kind": "branches", "startedOn": "2026-02-01", "agencyOrgId": world.gid("Organization", "V2"), "villageOrgId": world.gid("Organization", "V1")}}, user="township")["createPairing"]
    assert wrong["code"] == "R-AID-14"
    br = gql(create, {"i": {"kind": "branches", "startedOn": "2026-02-01", "agencyOrgId": gid("Organization", agency_id), "villageOrgId": world.gid("Organization", "V1"), "covers": ["technology", "project"]}}, user="township")["createPairing"]
    assert br["pairing"]["coversLabels"] == ["包项目", "包技术"] and br["pairing"]["village"]["name"] == "布瓦村党支部"
    pm = gql(create, {"i": {"kind": "members", "startedOn": "2026-02-15", "caseId": cid, "helperMemberId": gid("Member", helper_id), "covers": ["until_out"]}}, user="township")["createPairing"]
    assert pm["pairing"]["helper"]["name"] == "周八" and pm["pairing"]["case"]["id"] == cid
    add = """mutation($i: AddPromiseInput!) { addPromise(input: $i) { __typename ... on PromisePayload { promise { id version overdue kept } } ... on Error { code field } } }"""
    assert gql(add, {"i": {"pairingId": pm["pairing"]["id"], "text": "帮助联系销路", "madeOn": "2026-03-01", "dueOn": "2026-02-01"}}, user="township")["addPromise"]["code"] == "R-AID-14"
    p1 = gql(add, {"i": {"pairingId": pm["pairing"]["id"], "text": "帮助联系销路", "madeOn": "2026-03-01", "dueOn": "2026-06-30"}}, user="township")["addPromise"]["promise"]
    assert p1["overdue"] is True and p1["kept"] is False
    alerts = gql("query($c: ID!) { assistanceAlerts(under: $c) { code title } }", {"c": world.gid("Organization", "T1")}, user="township")["assistanceAlerts"]
    assert {"code": "R-AID-16", "title": "帮助联系销路"} in alerts
    kept = gql("""mutation($i: KeepPromiseInput!) { keepPromise(input: $i) { __typename ... on PromisePayload { promise { kept keptOn overdue } } } }""",
               {"i": {"id": p1["id"], "version": p1["version"], "keptOn": "2026-07-10", "note": "已联系县农贸市场"}}, user="township")["keepPromise"]  # fmt: skip
    assert kept["promise"] == {"kept": True, "keptOn": "2026-07-10", "overdue": False}
    listed = gql("{ pairings { totalCount nodes { kind promises { text kept } } } }", user="township")["pairings"]
    assert listed["totalCount"] == 2
    case = gql("query($id: ID!) { node(id: $id) { ... on AssistanceCase { help { kind helper } } } }", {"id": cid})["node"]
    assert case["help"] == [{"kind": "pairing", "helper": "周八（威州镇机关党支部）"}]
    # The other township sees no pairing of T1.
    assert gql("{ pairings { totalCount } }", user="township2")["pairings"]["totalCount"] == 0


# --- allowances ----------------------------------------------------------------------------------


def _elders(world, session_factory, settings, clock):  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.register(ctx, org_id=world.ids["V1"], name="孙老", gender="male", birth_date=date(1940, 3, 3), education="primary", joined_on=date(1965, 7, 1), converted_on=date(1966, 7, 1))
        cadre = members.register(ctx, org_id=world.ids["V2"], name="吴老", gender="male", birth_date=date(1950, 6, 6), education="primary", joined_on=date(1972, 7, 1), converted_on=date(1973, 7, 1))
        pos = members.add_position(ctx, member_id=cadre.id, org_id=world.ids["V2"], kind="village_cadre", start_on=date(1980, 1, 1), title="原村主任")
        members.end_position(ctx, pos.id, end_on=date(2012, 1, 1), version=None)
        senior = members.register(ctx, org_id=world.ids["V3"], name="郑老", gender="male", birth_date=date(1955, 6, 6), education="primary", joined_on=date(1980, 7, 1), converted_on=date(1981, 7, 1))
        pos = members.add_position(ctx, member_id=senior.id, org_id=world.ids["V3"], kind="village_cadre", start_on=date(1995, 1, 1), title="原村文书")
        members.end_position(ctx, pos.id, end_on=date(2016, 6, 1), version=None)
        s.commit()


def test_allowance_run_repeated_pays_nobody_twice(gql, world, session_factory, settings, clock):
    _elders(world, session_factory, settings, clock)
    preview = """query($u: ID!, $k: AllowanceKind!, $m: String!) { allowanceEligibility(under: $u, kind: $k, month: $m) {
      kindLabel payableCount payableTotalFen alreadyPaidCount eligible { member { name } amountFen tier reason alreadyPaid } } }"""
    county = world.gid("Organization", "C")
    p = gql(preview, {"u": county, "k": "age80", "m": "2026-10"})["allowanceEligibility"]
    assert [(e["member"]["name"], e["amountFen"]) for e in p["eligible"]] == [("孙老", 20_00)]
    assert p["payableTotalFen"] == 20_00
    p = gql(preview, {"u": county, "k": "retired_cadre", "m": "2026-10"})["allowanceEligibility"]
    assert [(e["member"]["name"], e["amountFen"]) for e in p["eligible"]] == [("吴老", 50_00)]
    p = gql(preview, {"u": county, "k": "seniority", "m": "2026-10"})["allowanceEligibility"]
    assert [(e["member"]["name"], e["tier"], e["amountFen"]) for e in p["eligible"]] == [("郑老", 2, 40_00)]

    first = gql(PAY, {"i": {"orgId": county, "kind": "age80", "month": "2026-10"}})["payAllowances"]
    assert (first["run"]["paymentCount"], first["run"]["skippedCount"], first["run"]["totalFen"]) == (1, 0, 20_00)
    second = gql(PAY, {"i": {"orgId": county, "kind": "age80", "month": "2026-10"}})["payAllowances"]
    assert (second["run"]["paymentCount"], second["run"]["skippedCount"], second["run"]["totalFen"]) == (0, 1, 0)
    # A township run of the same month after the county's pays nobody either.
    third = gql(PAY, {"i": {"orgId": world.gid("Organization", "T1"), "kind": "age80", "month": "2026-10"}}, user="township")["payAllowances"]
    assert third["run"]["paymentCount"] == 0
    p = gql(preview, {"u": county, "k": "age80", "m": "2026-10"})["allowanceEligibility"]
    assert p["payableCount"] == 0 and p["alreadyPaidCount"] == 1 and p["eligible"][0]["alreadyPaid"] is True
    # The next month is a new month.
    nxt = gql(PAY, {"i": {"orgId": county, "kind": "age80", "month": "2026-11"}})["payAllowances"]
    assert nxt["run"]["paymentCount"] == 1
    # Not a month that has not begun.
    assert gql(PAY, {"i": {"orgId": county, "kind": "age80", "month": "2026-12"}})["payAllowances"]["code"] == "R-AID-13"
    with session_factory() as s:
        assert s.execute(select(func.count()).select_from(AllowancePayment)).scalar_one() == 2
    runs = gql("{ allowanceRuns(kind: age80) { totalCount nodes { month paymentCount } } }")["allowanceRuns"]
    assert runs["totalCount"] == 4


def test_survivor_benefit_once(gql, world, session_factory, settings, clock):
    _elders(world, session_factory, settings, clock)
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        wu = s.execute(select(members.Member).where(members.Member.name == "吴老")).scalar_one()
        members.change_status(ctx, wu.id, to_status="deceased", on=date(2026, 9, 12), reason="病故", version=None)
        s.commit()
    county = world.gid("Organization", "C")
    r = gql(PAY, {"i": {"orgId": county, "kind": "survivor", "month": "2026-09"}})["payAllowances"]
    assert r["run"]["payments"] == [{"amountFen": 3000_00, "member": {"name": "吴老"}}]
    r = gql(PAY, {"i": {"orgId": county, "kind": "survivor", "month": "2026-10"}})["payAllowances"]
    assert r["run"]["paymentCount"] == 0 and r["run"]["skippedCount"] == 1
    # The dead are not paid the monthly allowance for later months.
    r = gql(PAY, {"i": {"orgId": county, "kind": "retired_cadre", "month": "2026-10"}})["payAllowances"]
    assert r["run"]["paymentCount"] == 0


# --- scope ----------------------------------------------------------------------------------------


def test_another_township_cannot_see_or_touch(gql, world, session_factory, settings, clock):
    fid = make_fund(gql, world, "T1", 1000_00, user="township")
    raw = helping_case(session_factory, settings, clock, world.members["zhang"])
    cid = gid("AssistanceCase", raw)
    q = "query($c: ID!, $f: ID!) { c: node(id: $c) { id } f: node(id: $f) { id } funds { id } assistanceCases { totalCount } fundEntries { totalCount } }"
    mine = gql(q, {"c": cid, "f": fid}, user="township")
    assert mine["c"] and mine["f"] and len(mine["funds"]) == 1 and mine["fundEntries"]["totalCount"] == 1
    other = gql(q, {"c": cid, "f": fid}, user="township2")
    assert other == {"c": None, "f": None, "funds": [], "assistanceCases": {"totalCount": 0}, "fundEntries": {"totalCount": 0}}
    g = gql(GRANT, {"i": {"caseId": cid, "fundId": fid, "amountFen": 100, "on": "2026-03-01", "approver": "x"}}, user="township2")["grantAssistance"]
    assert g["__typename"] == "NotFound"
    a = step(gql, cid, 6, "review", "2026-03-01", user="township2", outcome="continued")
    assert a["__typename"] == "NotFound"
    i = gql(INFLOW, {"i": {"fundId": fid, "kind": "donation", "amountFen": 100, "on": "2026-03-01", "approver": "x"}}, user="township2")["recordFundInflow"]
    assert i["__typename"] == "NotFound"
    # The village sees its case but not the township's fund; the viewer reads but cannot write.
    v = gql(q, {"c": cid, "f": fid}, user="village")
    assert v["c"] and v["f"] is None and v["funds"] == []
    ro = gql(GRANT, {"i": {"caseId": cid, "fundId": fid, "amountFen": 100, "on": "2026-03-01", "approver": "x"}}, user="viewer")["grantAssistance"]
    assert ro["__typename"] == "NotAllowed"
    supervision = gql("query($f: ID!) { node(id: $f) { ... on Fund { balanceFen balanced } } }", {"f": fid}, user="viewer")
    assert supervision["node"] == {"balanceFen": 1000_00, "balanced": True}


def test_moving_a_village_moves_its_cases(gql, world, session_factory, settings, clock):
    raw = helping_case(session_factory, settings, clock, world.members["zhang"])
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        orgs.move(ctx, world.ids["V1"], new_parent_id=world.ids["T2"], version=None)
        s.commit()
    assert gql("query($c: ID!) { node(id: $c) { id } }", {"c": gid("AssistanceCase", raw)}, user="township2")["node"] is not None
    assert gql("{ assistanceCases { totalCount } }", user="township")["assistanceCases"]["totalCount"] == 0


# --- the demo ---------------------------------------------------------------------------------------


def test_demo_has_every_state_a_fund_with_history_loans_pairings_and_runs(db, session_factory, settings):
    from partygraph.demo import load_demo
    from partygraph.demo.assistance import load_assistance_demo
    from partygraph.models.assistance import AllowanceRun, AssistanceCase, Loan, Pairing, Promise
    from partygraph.services.assistance import state_of

    today = date(2026, 11, 1)
    with session_factory() as s:
        load_demo(s, settings, today=today, members_target=400)
        summary = load_assistance_demo(s, settings, today)
        s.commit()
    assert set(summary.cases) == {"applied", "appraised", "noticed", "reported", "approved", "refused", "helping", "closed"}
    with session_factory() as s:
        statuses = set(s.execute(select(AssistanceCase.status)).scalars())
        assert statuses == set(summary.cases)
        ctx = system_context(s, settings, lambda: today)
        for f in s.execute(select(Fund)).scalars():
            assert funds.book_balance(ctx, f.id) == f.balance_fen > 0
        assert s.execute(select(func.count()).select_from(FundEntry)).scalar_one() >= 10
        loans = list(s.execute(select(Loan)).scalars())
        assert sorted(state_of(lo, aid.repayments_of(ctx, lo.id), today).status.value for lo in loans) == ["active", "overdue", "repaid"]
        assert s.execute(select(func.count()).select_from(Pairing)).scalar_one() >= 2
        assert s.execute(select(func.count()).select_from(Promise).where(Promise.kept_on.is_not(None))).scalar_one() >= 1
        assert s.execute(select(func.count()).select_from(AllowanceRun)).scalar_one() == 3
        assert summary.rolls == 2
        codes = {a.alert.code for a in aid.alerts(ctx, org_id=s.execute(select(Fund.org_id).order_by(Fund.org_path)).scalars().first())}
        assert {"R-AID-02", "R-AID-03", "R-AID-16"} <= codes


def test_ledger_query_costs_a_fixed_number_of_statements(gql, world, session_factory, settings, clock, sql_counter):
    """Nested member, organisation, timeline, help and loans load per level, not per row."""
    q = """{ assistanceCases(first: 50) { totalCount nodes { id member { name } organization { name }
      timeline { kind } help { kind fund { name } } loans { status schedule { dueOn } } totalGivenFen } } }"""
    fid = make_fund(gql, world, "C", 10_000_00)
    counts = []
    for key in ("wang", "zhao", "zhang"):
        raw = helping_case(session_factory, settings, clock, world.members[key])
        gql(GRANT, {"i": {"caseId": gid("AssistanceCase", raw), "fundId": fid, "amountFen": 100_00, "on": "2026-03-01", "approver": "县委"}})
        gql(LEND, {"i": {"caseId": gid("AssistanceCase", raw), "fundId": fid, "amountFen": 100_00, "on": "2026-03-01", "approver": "县委"}})
        sql_counter.count = 0
        data = gql(q)
        counts.append(sql_counter.count)
    assert data["assistanceCases"]["totalCount"] == 3
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 14, counts


# --- the yearly list (R-AID-17) ---------------------------------------------------------------------

DECLARE = """mutation($i: DeclareAllowanceRollInput!) { declareAllowanceRoll(input: $i) { __typename
  ... on AllowanceRollPayload { roll { id version stage listedCount entries { name amountFen struck member { name } } } }
  ... on Error { code message field } } }"""
ROLL_STEP = """mutation($i: AdvanceAllowanceRollInput!) { advanceAllowanceRoll(input: $i) { __typename
  ... on AllowanceRollPayload { roll { id version stage stageLabel nextStep listedCount monthlyTotalYuan entries { name struck note } } }
  ... on Error { code message field } } }"""


def test_yearly_list_declared_verified_confirmed_posted(gql, world, session_factory, settings, clock):
    _elders(world, session_factory, settings, clock)
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        m = members.register(ctx, org_id=world.ids["G1"], name="周老", gender="female", birth_date=date(1938, 2, 2), education="primary", joined_on=date(1960, 7, 1), converted_on=date(1961, 7, 1))
        s.commit()
        zhou = gid("Member", m.id)
    v1 = world.gid("Organization", "V1")
    early = gql(DECLARE, {"i": {"orgId": v1, "year": 2026, "kind": "age80", "on": "2026-04-20"}}, user="village")["declareAllowanceRoll"]
    assert (early["code"], early["field"]) == ("R-AID-17", "year")
    assert gql(DECLARE, {"i": {"orgId": world.gid("Organization", "T1"), "year": 2026, "kind": "age80", "on": "2026-05-06"}}, user="township")["declareAllowanceRoll"]["code"] == "R-AID-17"
    r = gql(DECLARE, {"i": {"orgId": v1, "year": 2026, "kind": "age80", "on": "2026-05-06"}}, user="village")["declareAllowanceRoll"]
    roll = r["roll"]
    assert roll["stage"] == "declared" and sorted(e["name"] for e in roll["entries"]) == ["周老", "孙老"]
    assert gql(DECLARE, {"i": {"orgId": v1, "year": 2026, "kind": "age80", "on": "2026-05-07"}}, user="village")["declareAllowanceRoll"]["code"] == "DUPLICATE"
    # Out of order, wrong level, strike without a note: refused.
    assert gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 1, "step": "CONFIRM", "on": "2026-05-10"}})["advanceAllowanceRoll"]["code"] == "R-AID-17"
    assert gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 1, "step": "VERIFY", "on": "2026-05-10"}}, user="village")["advanceAllowanceRoll"]["__typename"] == "NotAllowed"
    assert gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 1, "step": "VERIFY", "on": "2026-05-10", "strikeMemberIds": [zhou]}}, user="township")["advanceAllowanceRoll"]["code"] == "R-AID-06"
    r = gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 1, "step": "VERIFY", "on": "2026-05-10", "strikeMemberIds": [zhou], "note": "已迁居外地，由迁入地申报"}}, user="township")["advanceAllowanceRoll"]
    assert r["roll"]["stage"] == "verified" and r["roll"]["listedCount"] == 1
    assert {e["name"]: e["struck"] for e in r["roll"]["entries"]} == {"周老": True, "孙老": False}
    assert gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 2, "step": "CONFIRM", "on": "2026-05-20"}}, user="township")["advanceAllowanceRoll"]["__typename"] == "NotAllowed"
    r = gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 2, "step": "CONFIRM", "on": "2026-05-20"}})["advanceAllowanceRoll"]
    assert r["roll"]["stage"] == "confirmed" and r["roll"]["nextStep"] == "POST"
    r = gql(ROLL_STEP, {"i": {"id": roll["id"], "version": 3, "step": "POST", "on": "2026-05-25"}})["advanceAllowanceRoll"]
    assert (r["roll"]["stage"], r["roll"]["stageLabel"], r["roll"]["nextStep"], r["roll"]["monthlyTotalYuan"]) == ("posted", "已张榜公示", None, "20.00")
    listed = gql("{ allowanceRolls(year: 2026, stage: [posted]) { kind listedCount organization { name } } }", user="township")["allowanceRolls"]
    assert listed == [{"kind": "age80", "listedCount": 1, "organization": {"name": "布瓦村党支部"}}]
    assert gql("{ allowanceRolls { id } }", user="township2")["allowanceRolls"] == []

    # With the setting on, monthly runs pay only the posted list: 周老 (struck off) is not paid.
    from dataclasses import replace

    from partygraph.rules.assistance import AssistanceSettings

    strict = replace(settings)
    object.__setattr__(strict, "assistance", AssistanceSettings(runs_require_posted_roll=True))
    with session_factory() as s:
        ctx = system_context(s, strict, clock)
        rows = aid.eligibility(ctx, org_id=world.ids["C"], kind="age80", month="2026-10")
        assert [r.member.name for r in rows] == ["孙老"]
    with session_factory() as s:
        rows = aid.eligibility(system_context(s, settings, clock), org_id=world.ids["C"], kind="age80", month="2026-10")
        assert sorted(r.member.name for r in rows) == ["周老", "孙老"]
