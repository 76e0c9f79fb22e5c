"""The demo county's assistance (docs/domain.md §6): cases in every state of the workflow, a
county fund and a township fund with a few years of history, loans (one repaid, one
overdue, one running), pairings with promises, and last month's allowance runs.

Everything goes through the services as the system operator, so the demo obeys the
same rules as a clerk. Members are found by query (in difficulty first), never by id.
Call after `demo.load_demo` on the same session; the caller commits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.errors import DomainError
from partygraph.models.assistance import AssistanceCase
from partygraph.models.member import ACTIVE_STATUSES, Member
from partygraph.models.organization import BranchType, Organization, OrgKind
from partygraph.rules.base import add_months
from partygraph.scope import path_range
from partygraph.services import assistance as aid
from partygraph.services import fund as funds

FAMILY = [("配偶", "妻"), ("儿子", "子"), ("女儿", "女"), ("母亲", "母"), ("孙子", "孙")]
SITUATIONS = {
    "illness": "本人患慢性病，常年服药，家中劳动力不足",
    "old_age": "年老体弱，独居，生活来源主要靠低保",
    "lacking_skills_funds": "缺乏种养技术和启动资金，家庭收入低",
    "disaster": "房屋在山洪中受损，庄稼绝收",
    "laid_off": "原企业改制下岗，未再就业",
}


@dataclass
class AssistanceDemoSummary:
    cases: dict[str, int] = field(default_factory=dict)
    funds: int = 0
    fund_entries: int = 0
    loans: int = 0
    pairings: int = 0
    promises: int = 0
    allowance_payments: int = 0
    rolls: int = 0


class _Loader:
    def __init__(self, session: Session, settings: Settings, today: date, seed: int) -> None:
        self.session = session
        self.today = today
        self.rng = random.Random(seed)
        self.ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)
        self.summary = AssistanceDemoSummary()

    def days_ago(self, n: int) -> date:
        return self.today - timedelta(days=n)

    # -- who ------------------------------------------------------------------------------------------

    def _county(self) -> Organization:
        county = self.session.execute(
            select(Organization).where(col(Organization.kind) == OrgKind.county.value).order_by(col(Organization.path))
        ).scalars().first()
        if county is None:
            raise ValueError("No county in the database: load the demo county first")
        return county

    def _townships(self, county: Organization) -> list[Organization]:
        """Base committees under the county that hold village branches, in tree order."""
        villages = select(col(Organization.parent_id)).where(col(Organization.branch_type) == BranchType.village.value)
        return list(
            self.session.execute(
                select(Organization)
                .where(
                    path_range(col(Organization.path), county.path),
                    col(Organization.kind) == OrgKind.committee.value,
                    col(Organization.id).in_(villages),
                )
                .order_by(col(Organization.path))
            ).scalars()
        )

    def _villagers(self, under: Organization) -> list[Member]:
        """Members on the roster in village branches (and their groups), in difficulty first."""
        village_paths = list(
            self.session.execute(
                select(col(Organization.path)).where(
                    path_range(col(Organization.path), under.path), col(Organization.branch_type) == BranchType.village.value
                )
            ).scalars()
        )
        people: list[Member] = []
        for path in village_paths:
            people.extend(
                self.session.execute(
                    select(Member).where(path_range(col(Member.org_path), path), col(Member.status).in_([s.value for s in ACTIVE_STATUSES]))
                ).scalars()
            )
        taken = set(self.session.execute(select(col(AssistanceCase.member_id))).scalars())
        people = [m for m in people if m.id not in taken and m.joined_on < self.days_ago(1000)]
        people.sort(key=lambda m: (not m.in_difficulty, m.org_path, m.id))
        return people

    # -- cases ----------------------------------------------------------------------------------------

    def _open(self, m: Member, applied: date) -> AssistanceCase:
        r = self.rng
        cause = r.choice(list(SITUATIONS))
        size = r.randint(1, 3)
        family = [{"name": m.name[0] + short, "relation": rel} for rel, short in r.sample(FAMILY, size)]
        income = r.randint(700, 820) * (size + 1) * 100 + r.randint(0, 99)
        return aid.open_case(
            self.ctx,
            member_id=m.id,
            cause=cause,
            applied_on=applied,
            family_members=family,
            yearly_income_fen=income,
            situation=SITUATIONS[cause],
            standard="rural_low_income",
            application="本人因家庭困难，申请党内关怀帮扶",
        )

    def _advance(self, c: AssistanceCase, upto: str, applied: date) -> None:
        """Walk the workflow up to a state, each step a few days after the previous one."""
        order = ["appraise", "notice", "report", "approve", "file"]
        if upto in ("applied",):
            return
        target = {"appraised": 1, "noticed": 2, "reported": 3, "approved": 4, "refused": 3, "helping": 5}[upto]
        for i, step in enumerate(order[:target]):
            on = applied + timedelta(days=[7, 8, 16, 25, 35][i])
            extra: dict = {}
            if step == "appraise":
                n = self.rng.randint(9, 30)
                extra["record_text"] = f"支部党员大会民主评议：应到 {n} 人，实到 {n - 1} 人，同意 {n - 1} 人"
            elif step == "notice":
                extra.update(notice_starts_on=on, notice_ends_on=on + timedelta(days=6))
                if self.rng.random() < 0.3:
                    extra.update(objections="有群众反映其子女在外务工", objection_resolution="经支部核实，其子女收入微薄，异议不成立")
            elif step == "approve":
                extra["record_text"] = f"乡镇党委会议研究同意（{on.year}年第{self.rng.randint(3, 20)}次）"
            elif step == "file":
                extra["record_text"] = f"县组备〔{on.year}〕{self.rng.randint(10, 99)}号"
            aid.advance(self.ctx, c.id, step=step, on=on, version=None, **extra)
        if upto == "refused":
            aid.advance(self.ctx, c.id, step="refuse", on=applied + timedelta(days=25), version=None, reason="经核实家庭人均收入超过标准，不予认定")

    def cases(self, county: Organization) -> list[AssistanceCase]:
        people = self._villagers(county)
        plan = [
            ("applied", 10), ("appraised", 20), ("noticed", 12), ("reported", 40), ("approved", 60),
            ("refused", 90), ("helping", 800), ("helping", 620), ("helping", 430), ("helping", 180),
            ("helping", 520), ("closed", 900),
        ]  # fmt: skip
        helping: list[AssistanceCase] = []
        for (state, ago), m in zip(plan, people, strict=False):
            applied = self.days_ago(ago)
            c = self._open(m, applied)
            self._advance(c, "helping" if state == "closed" else state, applied)
            filed = applied + timedelta(days=35)
            if state == "helping" and ago != 520:
                # Reviewed on time every year: continued, the next review not yet due.
                on = add_months(filed, 11)
                while on <= self.today:
                    aid.advance(self.ctx, c.id, step="review", on=on, version=None, outcome="continued", record_text="入户复核，仍符合条件")
                    on = add_months(on, 11)
            if state == "closed":
                aid.advance(self.ctx, c.id, step="review", on=add_months(filed, 12), version=None, outcome="closed", reason="子女就业，家庭收入稳定，已脱困")
            self.summary.cases[state] = self.summary.cases.get(state, 0) + 1
            if state == "helping":
                helping.append(c)
        # The case applied 520 days ago was filed 485 days ago and never reviewed: R-AID-02 alert.
        return helping

    # -- funds ----------------------------------------------------------------------------------------

    def _fund(self, org: Organization, name: str, since: date, principal: int) -> int:
        f = funds.create(self.ctx, org_id=org.id, name=name, established_on=since, principal_fen=principal)
        return f.id

    def funds(self, county: Organization, township: Organization) -> tuple[int, int]:
        since = date(self.today.year - 4, 3, 1)
        county_fund = self._fund(county, f"{county.name}党内关怀帮扶基金", since, 200_000_00)
        funds.record_inflow(self.ctx, county_fund, kind="budget", amount_fen=200_000_00, on=since, approver="县委常委会", counterparty="县财政", note="设立帮扶基金")
        for year in range(self.today.year - 3, self.today.year + 1):
            on = date(year, 3, 15)
            if on <= self.today:
                funds.record_inflow(self.ctx, county_fund, kind="budget", amount_fen=100_000_00, on=on, approver="县委常委会", counterparty="县财政", note=f"{year}年度预算安排")
            on = date(year, 7, 1)
            if on <= self.today:
                funds.record_inflow(self.ctx, county_fund, kind="party_fees", amount_fen=35_000_00, on=on, approver="县委组织部部务会", counterparty="县委组织部", note=f"{year}年留存党费")
        funds.record_inflow(self.ctx, county_fund, kind="contribution", amount_fen=20_000_00, on=date(self.today.year - 2, 6, 20), approver="县委组织部部务会", counterparty="县直机关工委", note="七一捐助")
        funds.record_inflow(self.ctx, county_fund, kind="donation", amount_fen=8_800_00, on=date(self.today.year - 1, 9, 10), approver="县委组织部部务会", counterparty="县内民营企业", note="爱心捐赠")
        since_t = date(self.today.year - 3, 4, 1)
        township_fund = self._fund(township, f"{township.name}帮扶基金", since_t, 0)
        funds.record_inflow(self.ctx, township_fund, kind="budget", amount_fen=30_000_00, on=since_t, approver="乡镇党委会议", counterparty="乡镇财政")
        funds.record_inflow(self.ctx, township_fund, kind="party_fees", amount_fen=6_500_00, on=date(self.today.year - 1, 7, 1), approver="乡镇党委会议", counterparty="乡镇党委")
        self.summary.funds = 2
        return county_fund, township_fund

    # -- help ---------------------------------------------------------------------------------------

    def help(self, helping: list[AssistanceCase], county_fund: int, township_fund: int, township: Organization) -> None:
        r = self.rng
        for i, c in enumerate(helping):
            filed = c.filed_on or c.applied_on
            # Festival visits with money from the county fund, and the must-visit occasions.
            for year_back in (1, 0):
                on = date(self.today.year - year_back, 1, 20)
                if filed <= on <= self.today:
                    aid.record_visit(self.ctx, c.id, on=on, occasion="festival", helper="县委组织部慰问组", amount_fen=500_00, goods="米、油", approver="县委组织部部务会", fund_id=county_fund)
            occasion = ["illness", "difficulty", "family_dispute", "wedding_funeral", "illness"][i % 5]
            on = min(self.today, filed + timedelta(days=40 + 20 * i))
            in_township = c.org_path.startswith(township.path)
            aid.record_visit(
                self.ctx, c.id, on=on, occasion=occasion, helper="村党支部书记",
                amount_fen=300_00 if in_township else 0, approver="乡镇党委" if in_township else None,
                fund_id=township_fund if in_township else None, goods=None if in_township else "慰问品一份",
            )  # fmt: skip
            if i % 2 == 0:
                aid.grant(self.ctx, c.id, fund_id=county_fund, amount_fen=r.choice([1500_00, 2000_00, 3000_00]), on=min(self.today, filed + timedelta(days=60)), approver="县委组织部部务会", note="生活救助")
            if i == 1:
                aid.record_help(self.ctx, c.id, kind="training", on=min(self.today, filed + timedelta(days=90)), helper="县农业农村局", note="参加花椒种植技术培训三天")
            if i == 3:
                aid.record_help(self.ctx, c.id, kind="job", on=min(self.today, filed + timedelta(days=30)), helper="县人社局", note="推荐到县城物业公司做保洁")

    def loans(self, helping: list[AssistanceCase], county_fund: int) -> None:
        """One repaid, one overdue, one running: the money revolves."""
        by_age = sorted(helping, key=lambda c: c.applied_on)
        oldest, older = by_age[0], by_age[1]
        # Repaid: lent two years ago, two yearly installments, both paid on time.
        lent = max(oldest.filed_on or oldest.applied_on, self.days_ago(740))
        loan = aid.lend(self.ctx, oldest.id, fund_id=county_fund, amount_fen=5000_00, on=lent, approver="县委组织部部务会", installments=2, purpose="购买种羊 10 只")
        for inst in loan.schedule:
            due = date.fromisoformat(inst["due_on"])
            aid.repay(self.ctx, loan.id, amount_fen=int(inst["amount_fen"]), on=min(self.today, due - timedelta(days=5)), received_by="县委组织部出纳")
        # Overdue: lent 16 months ago, the first installment (12 months) never paid.
        lent = max(older.filed_on or older.applied_on, self.days_ago(490))
        aid.lend(self.ctx, older.id, fund_id=county_fund, amount_fen=3000_00, on=lent, approver="县委组织部部务会", installments=2, purpose="发展林下养鸡")
        # Running: lent three months ago, the first of four installments not yet due.
        newest = by_age[-1]
        aid.lend(self.ctx, newest.id, fund_id=county_fund, amount_fen=4000_00, on=max(newest.filed_on or newest.applied_on, self.days_ago(90)), approver="县委组织部部务会", purpose="购买花椒苗")
        self.summary.loans = 3

    # -- pairings -------------------------------------------------------------------------------------

    def pairings(self, township: Organization, helping: list[AssistanceCase]) -> None:
        agency = self.session.execute(
            select(Organization)
            .where(path_range(col(Organization.path), township.path), col(Organization.branch_type) == BranchType.agency.value)
            .order_by(col(Organization.path))
        ).scalars().first()
        village = self.session.execute(
            select(Organization)
            .where(path_range(col(Organization.path), township.path), col(Organization.branch_type) == BranchType.village.value)
            .order_by(col(Organization.path))
        ).scalars().first()
        if agency is None or village is None:
            return
        started = self.days_ago(300)
        p = aid.create_pairing(self.ctx, kind="branches", started_on=started, agency_org_id=agency.id, village_org_id=village.id, covers=["technology", "project"], note="机关支部联村")
        self.summary.pairings += 1
        aid.add_promise(self.ctx, p.id, text="协调修建村组便道 1.2 公里", made_on=started, due_on=started + timedelta(days=180))
        pr = aid.add_promise(self.ctx, p.id, text="引进花椒深加工项目", made_on=started, due_on=started + timedelta(days=240))
        aid.keep_promise(self.ctx, pr.id, kept_on=started + timedelta(days=200), note="合作社已签约投产", version=None)
        self.summary.promises += 2
        helpers = list(
            self.session.execute(
                select(Member)
                .where(path_range(col(Member.org_path), agency.path), col(Member.status).in_([s.value for s in ACTIVE_STATUSES]))
                .order_by(col(Member.id))
            ).scalars()
        )
        cases = [c for c in helping if c.org_path.startswith(township.path)] or []
        for helper, c in zip(helpers, cases, strict=False):
            made = max(c.filed_on or c.applied_on, self.days_ago(200))
            pm = aid.create_pairing(self.ctx, kind="members", started_on=made, case_id=c.id, helper_member_id=helper.id, covers=["until_out"])
            aid.add_promise(self.ctx, pm.id, text="帮助联系农产品销路", made_on=made, due_on=min(self.today + timedelta(days=60), made + timedelta(days=120)))
            aid.add_promise(self.ctx, pm.id, text="每季度至少入户走访一次", made_on=made, due_on=self.today + timedelta(days=90))
            self.summary.pairings += 1
            self.summary.promises += 2

    # -- allowances -----------------------------------------------------------------------------------

    def rolls(self, township: Organization) -> None:
        """This year's lists of the township's villages: one posted, one waiting for verification."""
        year = self.today.year if self.today >= date(self.today.year, 5, 28) else self.today.year - 1
        villages = list(
            self.session.execute(
                select(Organization)
                .where(path_range(col(Organization.path), township.path), col(Organization.branch_type) == BranchType.village.value)
                .order_by(col(Organization.path))
            ).scalars()
        )
        month = f"{year}-05"
        villages = [v for v in villages if aid.eligibility(self.ctx, org_id=v.id, kind="age80", month=month)]
        for i, village in enumerate(villages[:2]):
            roll = aid.declare_roll(self.ctx, org_id=village.id, year=year, kind="age80", on=date(year, 5, 8))
            self.summary.rolls += 1
            if i == 0:
                aid.advance_roll(self.ctx, roll.id, step="verify", on=date(year, 5, 15), version=None, note="入户核实无误")
                aid.advance_roll(self.ctx, roll.id, step="confirm", on=date(year, 5, 22), version=None)
                aid.advance_roll(self.ctx, roll.id, step="post", on=date(year, 5, 28), version=None, note="在村务公开栏张榜公示")

    def allowances(self, county: Organization) -> None:
        last_month = add_months(self.today.replace(day=1), -1).strftime("%Y-%m")
        for kind in ("age80", "retired_cadre", "seniority"):
            run = aid.pay_allowances(self.ctx, org_id=county.id, kind=kind, month=last_month)
            self.summary.allowance_payments += run.payment_count


def load_assistance_demo(session: Session, settings: Settings, today: date, *, seed: int = 2024) -> AssistanceDemoSummary:
    """Plant the assistance story in the demo county. The caller commits."""
    loader = _Loader(session, settings, today, seed)
    county = loader._county()
    townships = loader._townships(county)
    if not townships:
        raise ValueError("The county has no township with village branches")
    try:
        helping = loader.cases(county)
        # The township with the most cases under help holds the township fund and the pairings.
        township = max(townships, key=lambda t: (sum(c.org_path.startswith(t.path) for c in helping), -townships.index(t)))
        county_fund, township_fund = loader.funds(county, township)
        loader.help(helping, county_fund, township_fund, township)
        if len(helping) >= 3:
            loader.loans(helping, county_fund)
        loader.pairings(township, helping)
        loader.rolls(township)
        loader.allowances(county)
    except DomainError as exc:  # a demo that breaks a rule is a bug in the demo: say which
        raise RuntimeError(f"assistance demo refused by {exc.code}: {exc.message_en}") from exc
    session.flush()
    from sqlalchemy import func

    from partygraph.models.assistance import FundEntry

    loader.summary.fund_entries = session.execute(select(func.count()).select_from(FundEntry)).scalar_one()
    return loader.summary
