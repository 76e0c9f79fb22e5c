"""Assistance (党内关怀帮扶, docs/domain.md §6): a case per member in difficulty, funds and their books,
help given, loans.

Every member on the roster flagged in difficulty has an open case, most of them filed and
under help for one to six years with their yearly reviews (a few overdue: R-AID-02), the
rest somewhere in the workflow (applied → appraised → public notice → reported → approved
→ filed, R-AID-01); a few former cases are closed by a review and a few applications were
refused (their members are no longer flagged). The county and every township hold a help
fund with yearly budget and retained party fees; the help it pays (festival visits with
money, must-visits, grants) and the loans it lends (repaid in four installments over two
years, R-AID-03; some borrowers stopped paying) are lines of its book, in date order, the
balance never below zero (a shortfall is met by a committee contribution first, R-AID-04).
Pairings, promises and allowance runs are not generated.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from partygraph.rules.assistance import loan_schedule
from partygraph_bench.gen_common import County, Days, Person, Rows, as_json

if TYPE_CHECKING:
    import random

    from partygraph_bench.generate import Population, Unit

FUND_COLUMNS = (
    "id",
    "org_id",
    "org_path",
    "name",
    "established_on",
    "balance_fen",
    "principal_fen",
    "version",
    "created_at",
    "updated_at",
)
CASE_COLUMNS = (
    "id", "member_id", "org_id", "org_path", "cause", "family_members", "yearly_income_fen", "situation", "standard",
    "standard_note", "status", "applied_on", "notice_ends_on", "filed_on", "last_review_on", "review_due_on",
    "closed_on", "closed_reason", "version", "created_at", "updated_at",
)  # fmt: skip
CASE_STEP_COLUMNS = (
    "id", "case_id", "org_path", "kind", "on", "from_status", "to_status", "record", "reason", "outcome", "data", "actor_id",
    "actor_name", "created_at",
)  # fmt: skip
LOAN_COLUMNS = (
    "id", "case_id", "fund_id", "member_id", "org_path", "amount_fen", "lent_on", "term_months", "installments",
    "schedule", "final_due_on", "next_due_on", "repaid_fen", "status", "repaid_on", "approver", "purpose",
    "version", "created_at", "updated_at",
)  # fmt: skip
HELP_COLUMNS = (
    "id", "case_id", "org_path", "kind", "on", "amount_fen", "goods", "occasion", "helper", "approver", "fund_id",
    "loan_id", "pairing_id", "note", "actor_id", "actor_name", "created_at",
)  # fmt: skip
REPAYMENT_COLUMNS = ("id", "loan_id", "org_path", "on", "amount_fen", "received_by", "actor_id", "created_at")
FUND_ENTRY_COLUMNS = (
    "id", "fund_id", "org_path", "on", "direction", "kind", "amount_fen", "balance_after_fen", "approver",
    "counterparty", "note", "case_id", "help_entry_id", "loan_id", "repayment_id", "actor_id", "actor_name",
    "created_at",
)  # fmt: skip

SITUATIONS = {
    "illness": "本人患慢性病，常年服药，家中劳动力不足",
    "old_age": "年老体弱，独居，生活来源主要靠低保",
    "lacking_skills_funds": "缺乏种养技术和启动资金，家庭收入低",
    "disaster": "房屋在山洪中受损，庄稼绝收",
    "laid_off": "原企业改制下岗，未再就业",
}
# Seed 001's causes (202 three-old, 490 lacking skills or money, 35 ill, 44 laid off) plus disasters.
CAUSE_WEIGHTS = (
    ("old_age", 202),
    ("lacking_skills_funds", 490),
    ("illness", 60),
    ("laid_off", 44),
    ("disaster", 30),
)
FAMILY = (("配偶", "妻"), ("儿子", "子"), ("女儿", "女"), ("母亲", "母"), ("孙子", "孙"))
PRE_HELP = ("applied", "appraised", "noticed", "reported", "approved")
WORKFLOW = ("appraise", "notice", "report", "approve", "file")
AFTER = {
    "apply": "applied",
    "appraise": "appraised",
    "notice": "noticed",
    "report": "reported",
    "approve": "approved",
    "file": "helping",
    "refuse": "refused",
}
OCCASIONS = ("difficulty", "illness", "family_dispute", "wedding_funeral")
LOAN_PURPOSES = ("购买种羊 10 只", "发展林下养鸡", "购买花椒苗", "扩建蔬菜大棚", "购买农机具")
# How many days before today a case in each status applied (inclusive range); a case still
# in the workflow applied in the last two months.
APPLIED_AGO = {"helping": (80, 6 * 365), "closed": (450, 6 * 365), "refused": (60, 900)}
CLOSED_REASON = "子女就业，家庭收入稳定，已脱困"
# Help without money, now and then: kind, share of cases, days after filing, helper, note.
OTHER_HELP = (
    ("training", 0.05, (60, 400), "县农业农村局", "参加种植养殖技术培训三天"),
    ("job", 0.03, (30, 300), "县人社局", "推荐到县城企业务工"),
)


class _Fund:
    def __init__(
        self, fid: int, org_id: int, path: str, name: str, established: int, approver: str
    ) -> None:
        self.id, self.org_id, self.path, self.name, self.established, self.approver = (
            fid,
            org_id,
            path,
            name,
            established,
            approver,
        )
        # (on, order, direction, kind, amount, approver, counterparty, note, case, help, loan, repayment)
        self.moves: list[tuple[Any, ...]] = []
        self.cases = 0

    def move(self, on: int, direction: str, kind: str, amount: int, approver: str, counterparty: str | None, note: str | None,
             case: int | None = None, help_id: int | None = None, loan: int | None = None, repayment: int | None = None) -> None:  # fmt: skip
        # inflows of a day before its outflows, then in the order recorded
        self.moves.append(
            (
                on,
                0 if direction == "in" else 1,
                len(self.moves),
                direction,
                kind,
                amount,
                approver,
                counterparty,
                note,
                case,
                help_id,
                loan,
                repayment,
            )
        )


class _Cases:
    def __init__(self, pop: Population, rows: Rows) -> None:
        from partygraph_bench.generate import PROPORTIONS, SURNAMES

        self.pop, self.rows, self.r, self.p = pop, rows, pop.rng, PROPORTIONS
        self.today = pop.today.toordinal()
        self.days = Days()
        self.surnames = [s for s, _ in SURNAMES[:30]]

    # -- the workflow -------------------------------------------------------------------------

    def steps(self, applied: int, status: str) -> list[tuple[str, int, dict[str, Any]]]:
        """The workflow from the application up to `status` (or as far as today allows)."""
        r = self.r
        out: list[tuple[str, int, dict[str, Any]]] = [
            ("apply", applied, {"record": "本人因家庭困难，申请党内关怀帮扶"})
        ]
        t = applied
        goal = {
            "applied": 0,
            "appraised": 1,
            "noticed": 2,
            "reported": 3,
            "approved": 4,
            "refused": 3,
        }.get(status, 5)
        for kind in WORKFLOW[:goal]:
            extra: dict[str, Any] = {}
            if kind == "appraise":
                t += r.randint(5, 15)
                n = r.randint(9, 40)
                extra["record"] = (
                    f"支部党员大会民主评议：应到 {n} 人，实到 {n - 1} 人，同意 {n - 1} 人"
                )
            elif kind == "notice":
                t += r.randint(0, 5)
                ends = t + r.randint(6, 9)
                extra["data"] = {"notice_starts_on": t, "notice_ends_on": ends}
                if r.random() < 0.2:
                    extra["data"] |= {
                        "objections": "有群众反映其子女在外务工",
                        "objection_resolution": "经支部核实，其子女收入微薄，异议不成立",
                    }
            elif kind == "report":
                t = out[-1][2]["data"]["notice_ends_on"] + r.randint(1, 10)
            elif kind == "approve":
                t += r.randint(5, 20)
                extra["record"] = (
                    f"乡镇党委会议研究同意（{date.fromordinal(t).year}年第{r.randint(3, 20)}次）"
                )
            else:
                t += r.randint(5, 20)
                extra["record"] = f"县组备〔{date.fromordinal(t).year}〕{r.randint(10, 99)}号"
            if t > self.today:
                break
            out.append((kind, t, extra))
        if status == "refused" and len(out) == 4:
            t = min(self.today, t + r.randint(5, 20))
            out.append(("refuse", t, {"reason": "经核实家庭人均收入超过标准，不予认定"}))
        return out

    def case(self, p: Person, u: Unit, status: str, fund: _Fund, county_fund: _Fund) -> None:
        r, days, pop, now = self.r, self.days, self.pop, self.pop.now
        iso, today = days.iso, self.today
        lo, hi = APPLIED_AGO.get(status, (1, 60))
        applied = today - r.randint(lo, hi)
        flow = self.steps(applied, status)
        cid = pop.take_ids("assistance_case", 1)
        notice_ends = next((x["data"]["notice_ends_on"] for k, _, x in flow if k == "notice"), None)
        filed = next((on for kind, on, _ in flow if kind == "file"), None)
        reviews = [] if filed is None else self.reviews(filed, closing=status == "closed")
        final, closed, closed_reason = _ending(flow, reviews)
        last_review = reviews[-1][0] if reviews else None
        review_due = (
            days.months(last_review or filed, 12)
            if filed is not None and final == "helping"
            else None
        )
        cause = self.cause(p)
        family = [
            {"name": p.name[0] + short, "relation": rel}
            for rel, short in r.sample(FAMILY, r.randint(0, 3))
        ]
        income = r.randint(500, 850) * 100 * (1 + len(family)) + r.randint(0, 99)
        self.rows.add(
            "assistance_case",
            (cid, p.id, p.org_id, p.org_path, cause, as_json(family), income, SITUATIONS[cause], _standard(p), None,
             final, iso(applied), iso(notice_ends), iso(filed), iso(last_review), iso(review_due), iso(closed),
             closed_reason, len(flow) + len(reviews), now, now),
        )  # fmt: skip
        self.case_steps(cid, p, flow, reviews)
        if filed is not None:
            self.help(cid, p, filed, closed or today, fund, county_fund, helping=final == "helping")

    def reviews(self, filed: int, *, closing: bool) -> list[tuple[int, str, str | None]]:
        """A filed case's yearly reviews (R-AID-02) up to today, a few of them late; a case
        that is to be closed ends with the review that closed it."""
        r, months, today = self.r, self.days.months, self.today
        reviews: list[tuple[int, str, str | None]] = []
        due = months(filed, 12)
        late = not closing and r.random() < 0.08
        while due - 30 <= today:
            if late and due < today and months(due, 12) - 30 > today:
                break  # this year's review is late (R-AID-02)
            on = min(today, due - r.randint(0, 30))
            if closing and (due + 365 > today or r.random() < 0.4):
                reviews.append((on, "closed", CLOSED_REASON))
                break
            adjusted = r.random() < 0.1
            if adjusted:
                reviews.append((on, "adjusted", "家庭情况变化，调整帮扶措施"))
            else:
                reviews.append((on, "continued", None))
            due = months(on, 12)
        if closing and (not reviews or reviews[-1][1] != "closed"):
            on = min(today, max(filed + 30, today - r.randint(0, 90)))
            reviews.append((max(on, reviews[-1][0] if reviews else filed), "closed", CLOSED_REASON))
        return reviews

    def case_steps(
        self,
        cid: int,
        p: Person,
        flow: list[tuple[str, int, dict[str, Any]]],
        reviews: list[tuple[int, str, str | None]],
    ) -> None:
        """The case's steps: the workflow, then the reviews, each from the status before it."""
        iso, now = self.days.iso, self.pop.now
        previous: str | None = None
        first = self.pop.take_ids("assistance_case_step", len(flow) + len(reviews))
        for i, (kind, on, extra) in enumerate(flow):
            to = AFTER[kind]
            data = {
                k: iso(v) if k.startswith("notice_") else v
                for k, v in extra.get("data", {}).items()
            }
            self.rows.add(
                "assistance_case_step",
                (first + i, cid, p.org_path, kind, iso(on), previous, to, extra.get("record"),
                 extra.get("reason"), None, as_json(data), None, "bench", now),
            )  # fmt: skip
            previous = to
        for k, (on, outcome, reason) in enumerate(reviews):
            to = "closed" if outcome == "closed" else "helping"
            record = "入户复核，仍符合条件" if outcome == "continued" else "入户复核"
            self.rows.add(
                "assistance_case_step",
                (first + len(flow) + k, cid, p.org_path, "review", iso(on), previous, to, record, reason,
                 outcome, "{}", None, "bench", now),
            )  # fmt: skip
            previous = to

    def cause(self, p: Person) -> str:
        r = self.r
        age = (self.today - p.birth) // 365
        if age >= 70 and r.random() < 0.6:
            return "old_age"
        return r.choices([c for c, _ in CAUSE_WEIGHTS], weights=[w for _, w in CAUSE_WEIGHTS])[0]

    # -- help, grants, loans ------------------------------------------------------------------

    def help(
        self,
        cid: int,
        p: Person,
        start: int,
        end: int,
        fund: _Fund,
        county_fund: _Fund,
        *,
        helping: bool,
    ) -> None:
        r = self.r
        fund.cases += 1
        county_fund.cases += 1
        entry = _HelpBook(self, cid, p).entry
        # Spring Festival visits with money from the county fund, every year under help.
        year = date.fromordinal(start).year
        while (on := date(year, 1, 20).toordinal()) <= end:
            if on >= start:
                entry("visit", on, r.choice((300, 400, 500)) * 100, "县委组织部慰问组", goods="米、油", occasion="festival",
                      approver=county_fund.approver, via=county_fund, note="节日慰问")  # fmt: skip
            year += 1
        # A must-visit by the village secretary (四必访), with the township fund's money half the time.
        on = min(end, start + r.randint(20, 200))
        if r.random() < 0.5:
            entry("visit", on, 200_00, "村党支部书记", occasion=r.choice(OCCASIONS), approver=fund.approver, via=fund,
                  note="走访慰问")  # fmt: skip
        else:
            entry("visit", on, 0, "村党支部书记", goods="慰问品一份", occasion=r.choice(OCCASIONS))
        if r.random() < self.p["assistance_grants"]:
            entry("grant", min(end, start + r.randint(30, 300)), r.choice((1000, 1500, 2000, 3000)) * 100, fund.name,
                  approver=fund.approver, via=fund, note="生活救助")  # fmt: skip
        for kind, share, (lo, hi), helper, note in OTHER_HELP:
            if r.random() < share:
                entry(kind, min(end, start + r.randint(lo, hi)), 0, helper, note=note)
        if helping and end - start > 30 and r.random() < self.p["assistance_loans"]:
            self.loan(cid, p, start, fund, entry)

    def loan(self, cid: int, p: Person, start: int, fund: _Fund, entry: Any) -> None:
        r, pop, iso, now, today = self.r, self.pop, self.days.iso, self.pop.now, self.today
        lent = min(today - 1, start + r.randint(10, 500))
        amount = r.randint(20, 80) * 100_00
        schedule = loan_schedule(amount, date.fromordinal(lent), 24, 4)
        lid = pop.take_ids("assistance_loan", 1)
        purpose = r.choice(LOAN_PURPOSES)
        entry(
            "loan",
            lent,
            amount,
            fund.name,
            approver=fund.approver,
            via=fund,
            loan=lid,
            note=purpose,
        )
        missed_from = r.randint(1, 4) if r.random() < self.p["loan_missed"] else 99
        repaid = payments = 0
        repaid_on = next_due = None
        for inst in schedule:
            due = inst.due_on.toordinal()
            if due - 10 > today or inst.number >= missed_from:
                next_due = next_due or due
                continue
            on = max(lent, min(today, due - r.randint(0, 10)))
            rid = pop.take_ids("assistance_repayment", 1)
            self.rows.add(
                "assistance_repayment",
                (rid, lid, p.org_path, iso(on), inst.amount_fen, "乡镇党委出纳", None, now),
            )
            fund.move(
                on,
                "in",
                "repayment",
                inst.amount_fen,
                "乡镇党委出纳",
                p.name,
                None,
                case=cid,
                loan=lid,
                repayment=rid,
            )
            repaid += inst.amount_fen
            payments += 1
            repaid_on = on
        done = repaid == amount
        self.rows.add(
            "assistance_loan",
            (lid, cid, fund.id, p.id, p.org_path, amount, iso(lent), 24, 4,
             as_json([{"n": i.number, "due_on": i.due_on.isoformat(), "amount_fen": i.amount_fen} for i in schedule]),
             schedule[-1].due_on.isoformat(), None if done else iso(next_due), repaid, "repaid" if done else "active",
             iso(repaid_on) if done else None, fund.approver, purpose, 1 + payments, now, now),
        )  # fmt: skip

    # -- the books ----------------------------------------------------------------------------

    def book(self, fund: _Fund, county: bool) -> None:
        """Budget and party fees every year, then every movement in date order; a shortfall is
        met by a committee contribution on the day (the balance never goes below zero)."""
        r, pop, iso, now = self.r, self.pop, self.days.iso, self.pop.now
        year = date.fromordinal(fund.established).year
        yearly = (100_000_00 + 150_00 * fund.cases) if county else (20_000_00 + 300_00 * fund.cases)
        source = "县财政" if county else "乡镇财政"
        fund.move(
            fund.established, "in", "budget", 2 * yearly, fund.approver, source, "设立帮扶基金"
        )
        for y in range(year + 1, date.fromordinal(self.today).year + 1):
            on = date(y, 3, 15).toordinal()
            if on <= self.today:
                fund.move(on, "in", "budget", yearly, fund.approver, source, f"{y}年度预算安排")
            on = date(y, 7, 1).toordinal()
            if on <= self.today:
                fund.move(
                    on,
                    "in",
                    "party_fees",
                    yearly // 4,
                    fund.approver,
                    "县委组织部" if county else "乡镇党委",
                    f"{y}年留存党费",
                )
        balance = 0
        for move in sorted(fund.moves):
            (
                on,
                _,
                _,
                direction,
                kind,
                amount,
                approver,
                counterparty,
                note,
                case,
                help_id,
                loan,
                repayment,
            ) = move
            if direction == "out" and amount > balance:
                top_up = amount - balance + r.randint(1, 5) * 10_000_00
                balance += top_up
                self.rows.add(
                    "assistance_fund_entry",
                    (pop.take_ids("assistance_fund_entry", 1), fund.id, fund.path, iso(on), "in", "contribution", top_up, balance,
                     fund.approver, "县委组织部", "追加帮扶资金", None, None, None, None, None, "bench", now),
                )  # fmt: skip
            balance += amount if direction == "in" else -amount
            self.rows.add(
                "assistance_fund_entry",
                (pop.take_ids("assistance_fund_entry", 1), fund.id, fund.path, iso(on), direction, kind, amount, balance,
                 approver, counterparty, note, case, help_id, loan, repayment, None, "bench", now),
            )  # fmt: skip
        self.rows.add(
            "assistance_fund",
            (
                fund.id,
                fund.org_id,
                fund.path,
                fund.name,
                iso(fund.established),
                balance,
                0,
                1 + len(fund.moves),
                now,
                now,
            ),
        )


class _HelpBook:
    """The help given to one case: each entry a help row and, when a fund paid, a line of
    that fund's book."""

    def __init__(self, cases: _Cases, cid: int, p: Person) -> None:
        self.cases, self.cid, self.p = cases, cid, p

    def entry(self, kind: str, on: int, amount: int, helper: str, *, goods: str | None = None, occasion: str | None = None,
              approver: str | None = None, via: _Fund | None = None, loan: int | None = None, note: str | None = None) -> int:  # fmt: skip
        cases, cid, p = self.cases, self.cid, self.p
        hid = cases.pop.take_ids("assistance_help", 1)
        cases.rows.add(
            "assistance_help",
            (hid, cid, p.org_path, kind, cases.days.iso(on), amount, goods, occasion, helper, approver,
             via.id if via else None, loan, None, note, None, "bench", cases.pop.now),
        )  # fmt: skip
        if via is not None and amount > 0:
            approved_by = approver or via.approver
            via.move(on, "out", kind, amount, approved_by, p.name, note, case=cid, help_id=hid, loan=loan)
        return hid


def _ending(
    flow: list[tuple[str, int, dict[str, Any]]], reviews: list[tuple[int, str, str | None]]
) -> tuple[str, int | None, str | None]:
    """Where a case stands after its workflow and reviews, and when and why it closed."""
    if reviews:
        on, outcome, reason = reviews[-1]
        return ("closed", on, reason) if outcome == "closed" else ("helping", None, None)
    kind, on, extra = flow[-1]
    if kind == "refuse":
        return AFTER[kind], on, extra["reason"]
    return AFTER[kind], None, None


def _standard(p: Person) -> str:
    """The allowance standard a member in difficulty is assessed against."""
    if p.pre_1949:
        return "pre_1949_hardship"
    return "rural_low_income" if p.rural else "urban_minimum_living"


def _count(r: random.Random, x: float) -> int:
    n = int(x)
    return n + (1 if r.random() < x - n else 0)


BULK_TABLES = ("assistance_case_step", "assistance_help", "assistance_fund_entry")


def tables() -> dict[str, tuple[str, ...]]:
    return {
        "assistance_fund": FUND_COLUMNS,
        "assistance_case": CASE_COLUMNS,
        "assistance_case_step": CASE_STEP_COLUMNS,
        "assistance_loan": LOAN_COLUMNS,
        "assistance_help": HELP_COLUMNS,
        "assistance_repayment": REPAYMENT_COLUMNS,
        "assistance_fund_entry": FUND_ENTRY_COLUMNS,
    }


class Assistance:
    """The builder `gen_records` runs on every county."""

    def __init__(self, pop: Population, rows: Rows) -> None:
        self.pop = pop
        self.cases = _Cases(pop, rows)
        self.orgs = {o[0]: o for o in pop.organizations}
        self.county_orgs = [o for o in pop.organizations if o[6] == "county"]

    def county(self, county: County) -> None:
        pop, cases, orgs = self.pop, self.cases, self.orgs
        r, today = pop.rng, pop.today
        c = self.county_orgs[county.index]
        county_fund = _Fund(
            pop.take_ids("assistance_fund", 1), c[0], c[2], f"{c[5]}党内关怀帮扶基金",
            date(today.year - 7, 3, 1).toordinal(), "县委组织部部务会",
        )  # fmt: skip
        funds: dict[int, _Fund] = {}
        for u in county.units:
            if u.profile.value != "village":
                continue
            t = orgs[orgs[u.org_id][1]]
            if t[0] not in funds:
                # older than any case under help (cases were filed up to six years ago)
                established = date(today.year - r.randint(7, 9), 4, 1).toordinal()
                funds[t[0]] = _Fund(
                    pop.take_ids("assistance_fund", 1),
                    t[0],
                    t[2],
                    f"{t[5]}帮扶基金",
                    established,
                    "乡镇党委会议",
                )
        by_path = sorted(funds.values(), key=lambda f: f.path)
        for u in county.units:
            fund = next((f for f in by_path if u.path.startswith(f.path)), county_fund)
            people = [p for p in county.members_of(u) if p.active]
            flagged = [p for p in people if p.in_difficulty]
            for p in flagged:
                status = "helping" if r.random() < 0.85 else r.choice(PRE_HELP)
                cases.case(p, u, status, fund, county_fund)
            others = [p for p in people if not p.in_difficulty]
            n_closed = _count(r, len(flagged) * cases.p["assistance_closed"])
            n_refused = _count(r, len(flagged) * cases.p["assistance_refused"])
            for k, p in enumerate(r.sample(others, min(len(others), n_closed + n_refused))):
                cases.case(p, u, "closed" if k < n_closed else "refused", fund, county_fund)
        cases.book(county_fund, True)
        for f in by_path:
            cases.book(f, False)

    def done(self) -> None:
        return None
