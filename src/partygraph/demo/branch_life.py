"""Branch life for the demo county, recorded through the real services (SYSTEM_VIEWER).

`load_branch_life_demo(session, settings, today)` runs after `demo.load_demo` and adds:

- a year of meetings (三会一课, theme days, the yearly life meeting and democratic
  evaluation, monthly committee meetings where a committee is due, group meetings) for
  every branch, general branch, base committee and party group of the county, with the
  roster's attendance at branch general meetings of the first township;
- a few branches whose life lapsed (seeds 002/004: "meetings not held"): they stop
  holding meetings part-way through the year, so their missed periods are alerts;
- committee terms: most in term, one ending within 90 days, one past its end, and one
  election with its tally (a new term);
- the seed's four-step item (seed 002): passed by the branch committee, the joint
  meeting of the two committees and the members' meeting, then rejected by the village
  representative assembly 19 votes to 14 — plus one item carried through to the end;
- flowing members (one taking part in life at a branch of another township, with
  attendance there) and lost-contact members: one whose suspension is to be decided
  (R-MEM-02), one suspended two years ago whose removal is to be decided; one member
  flagged under R-MEM-01.

It queries the demo's organisations and members (no ids assumed) and does not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.meeting import Meeting
from partygraph.models.member import Member, MemberStatus, Position, PositionKind
from partygraph.models.organization import Organization, OrgKind, OrgStatus
from partygraph.rules import branch_life as rules
from partygraph.rules.base import add_months
from partygraph.scope import path_range
from partygraph.services import branch_life as service
from partygraph.services import meeting as meetings


@dataclass
class BranchLifeDemoSummary:
    meetings: int
    lapsed: list[str]
    terms: int
    four_step_items: int
    flowing: int
    lost_contact: int


class _Clock:
    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


def _dates(start: date, end: date, period: str, day: int) -> list[date]:
    """One date per period between start and end (inclusive), on `day` of its first month."""
    out = []
    for p_start, _ in rules.periods_between(start, end, period):
        d = p_start.replace(day=min(day, 28))
        if start <= d <= end:
            out.append(d)
    return out


class _Loader:
    def __init__(self, session: Session, settings: Settings, today: date) -> None:
        self.session = session
        self.today = today
        self.clock = _Clock(today)
        self.ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=self.clock)
        self.meetings = 0
        self.committees: set[int] = set()

    # --- helpers ---------------------------------------------------------------------------

    def orgs(self, root: Organization | None = None) -> list[Organization]:
        stmt = select(Organization).where(col(Organization.status) == OrgStatus.active.value).order_by(col(Organization.path))
        if root is not None:
            stmt = stmt.where(path_range(col(Organization.path), root.path))
        return list(self.session.execute(stmt).scalars())

    def roster(self, org: Organization) -> list[Member]:
        return list(
            self.session.execute(
                select(Member)
                .where(path_range(col(Member.org_path), org.path), col(Member.status).in_([MemberStatus.full.value, MemberStatus.probationary.value]))
                .order_by(col(Member.id))
            ).scalars()
        )

    def full_count(self, org: Organization) -> int:
        return int(
            self.session.execute(
                select(func.count()).select_from(Member).where(path_range(col(Member.org_path), org.path), col(Member.status) == MemberStatus.full.value)
            ).scalar_one()
        )

    def secretary(self, org: Organization, on: date) -> int | None:
        """The secretary in post on the day, if on the branch's roster (they lecture, R-LIFE-10)."""
        return self.session.execute(
            select(col(Position.member_id))
            .join(Member, col(Member.id) == Position.member_id)
            .where(
                col(Position.org_id) == org.id, col(Position.kind) == PositionKind.secretary.value, col(Position.start_on) <= on,
                or_(col(Position.end_on).is_(None), col(Position.end_on) >= on),
                path_range(col(Member.org_path), org.path), col(Member.status).in_([MemberStatus.full.value, MemberStatus.probationary.value]),
            )
            .order_by(col(Position.id))
            .limit(1)
        ).scalar_one_or_none()

    def meeting(self, org: Organization, kind: str, on: date, **kw: Any) -> Meeting:
        self.meetings += 1
        return meetings.record_meeting(self.ctx, org_id=org.id, kind=kind, held_on=on, **kw)

    # --- the year of meetings --------------------------------------------------------------

    def year_of_meetings(self, org: Organization, *, stop: date | None, attendance: bool, absentee: Member | None = None) -> None:
        end = stop or self.today - timedelta(days=1)
        window = add_months(self.today, -12)
        has_committee = self.full_count(org) >= 7 or org.id in self.committees
        roster = self.roster(org) if attendance else []
        for req in rules.requirements_for(org.kind, has_committee):
            day = {"general_meeting": 12, "committee_meeting": 3, "group_meeting": 18, "party_lecture": 20,
                   "theme_day": 5, "life_meeting": 15, "democratic_evaluation": 16}.get(req.kind, 10)  # fmt: skip
            # every period the alerts look back on, from the first one overlapping the window
            start = rules.period_start(window, req.period)
            if org.established_on and org.established_on > start:
                start = org.established_on
            period_dates = _dates(start, end, req.period, day)
            if req.kind == "party_lecture":  # lectures close the quarter
                period_dates = [d for d in (add_months(x, 2) for x in period_dates) if d <= end]
            for on in period_dates:
                att = None
                if req.kind == "general_meeting" and roster:
                    att = [
                        meetings.AttendanceInput(m.id, "absent") if absentee is not None and m.id == absentee.id
                        else meetings.AttendanceInput(m.id, "excused", "外出务工") if m.flowing
                        else meetings.AttendanceInput(m.id, "present")
                        for m in roster
                    ]  # fmt: skip
                lecturer = self.secretary(org, on) if req.kind == "party_lecture" else None  # R-LIFE-10
                self.meeting(org, req.kind, on, place="党员活动室", agenda=rules.KIND_NAMES[req.kind][0], attendance=att,
                             chair_member_id=lecturer)  # fmt: skip

    # --- the rest --------------------------------------------------------------------------

    def run(self) -> BranchLifeDemoSummary:
        county_orgs = self.orgs()
        townships = [o for o in county_orgs if o.kind == OrgKind.committee.value]
        first = townships[0]
        villages = [o for o in county_orgs if o.kind == OrgKind.branch.value and o.branch_type == "village"]
        first_villages = [o for o in villages if o.path.startswith(first.path)]
        # Two villages of the first township and one of the second lapse in the spring.
        lapsed = first_villages[-2:] + [o for o in villages if len(townships) > 1 and o.path.startswith(townships[1].path)][:1]
        lapsed_ids = {o.id for o in lapsed}
        home = first_villages[0]
        home_roster = self.roster(home)
        absentee = next((m for m in reversed(home_roster) if m.status == MemberStatus.full.value), None)
        terms = self.terms(first, home)  # before the meetings: an elected committee meets monthly
        self.committees = service.committee_orgs(self.ctx, first)
        for org in county_orgs:
            if org.kind not in (OrgKind.branch, OrgKind.general_branch, OrgKind.committee, OrgKind.group):
                continue
            parent_lapsed = any(org.path.startswith(o.path) for o in lapsed)
            stop = add_months(self.today, -7) if org.id in lapsed_ids or parent_lapsed else None
            self.year_of_meetings(
                org, stop=stop, attendance=org.path.startswith(first.path), absentee=absentee if org.id == home.id else None
            )
        items = self.four_step(home)
        flowing = self.flowing(first, townships, home)
        lost = self.lost_contact(first, home, absentee)
        return BranchLifeDemoSummary(
            meetings=self.meetings,
            lapsed=[o.name for o in lapsed],
            terms=terms,
            four_step_items=items,
            flowing=flowing,
            lost_contact=lost,
        )

    def terms(self, township: Organization, home: Organization) -> int:
        """Committee terms: the township's branches are in term, except one ending within 90
        days and one past its end; the home village held its election this spring."""
        count = 0
        branches = [o for o in self.orgs(township) if o.kind in rules.TERM_KINDS and o.id != home.id]
        for i, org in enumerate(branches):
            years = rules.term_years(org.branch_type)
            if i == 1:  # ends within 90 days
                starts = add_months(self.today, 2 - 12 * years)
            elif i == 2:  # past its end, no election held
                starts = add_months(self.today, -3 - 12 * years)
            else:
                starts = add_months(self.today, -14 - i)
            full = [m for m in self.roster(org) if m.status == MemberStatus.full.value]
            posts = full[:3] if len(full) >= 7 else full[:1]  # < 7 full members: a secretary only (R-ORG-03)
            members_in = [
                service.TermMemberInput(post=p, member_id=m.id)
                for p, m in zip(("secretary", "organisation_officer", "publicity_officer"), posts, strict=False)
            ]
            service.start_term(self.ctx, org_id=org.id, starts_on=starts, members_in=members_in)
            count += 1
        # the home village: an election at its general meeting (one more candidate than seats)
        full = [m for m in self.roster(home) if m.status == MemberStatus.full.value]
        on = add_months(self.today, -5).replace(day=12)
        held = self.session.execute(
            select(Meeting).where(col(Meeting.org_id) == home.id, col(Meeting.kind) == "general_meeting", col(Meeting.held_on) == on)
        ).scalar_one_or_none()
        should = meetings.voting_members(self.ctx, home, on)
        present = should  # everyone came
        seats = 3 if len(full) >= 7 else 1  # < 7 full members: a secretary only (R-ORG-03)
        if len(full) > seats and should > seats:
            votes = [present, present - 1, max(present // 2 + 1, 1), max(present // 3, 0)][: seats + 1]
            if seats == 1:
                votes = [present - 1, 1]
            post_names = ["secretary", "organisation_officer", "publicity_officer", "committee_member"]
            service.record_election(
                self.ctx,
                org_id=home.id,
                held_on=on,
                seats=seats,
                present=present,
                should_attend=should,
                meeting_id=held.id if held else None,
                candidates=[service.ElectionCandidateInput(votes=v, member_id=m.id, post=p) for v, m, p in zip(votes, full, post_names, strict=False)],
            )
            count += 1
        return count

    def four_step(self, home: Organization) -> int:
        """The seed's case, and one item carried through both public notices."""
        base = add_months(self.today, -8).replace(day=1)
        seed = service.create_item(self.ctx, org_id=home.id, title="村组道路硬化项目（每户集资 800 元）",
                                   description="两委提议修建村组道路，资金由村集体和农户共同承担。")  # fmt: skip
        for i, step in enumerate(("proposal", "joint_discussion", "members_review")):
            service.record_four_step(self.ctx, seed.id, step=step, on=base + timedelta(days=3 * i), passed=True,
                                     record_text="会议同意提交下一程序")  # fmt: skip
        service.record_four_step(
            self.ctx, seed.id, step="assembly_resolution", on=base + timedelta(days=12),
            tally=rules.AssemblyTally(should_attend=35, present=33, yes=14, no=19),
            record_text="村民代表会议以 19 票反对、14 票赞成否决该项目",
        )  # fmt: skip
        done = service.create_item(self.ctx, org_id=home.id, title="集体林地流转收益分配方案")
        start = base + timedelta(days=30)
        for i, step in enumerate(("proposal", "joint_discussion", "members_review")):
            service.record_four_step(self.ctx, done.id, step=step, on=start + timedelta(days=2 * i), passed=True)
        service.record_four_step(self.ctx, done.id, step="assembly_resolution", on=start + timedelta(days=8),
                                 tally=rules.AssemblyTally(should_attend=35, present=31, yes=27, no=3, abstain=1))  # fmt: skip
        service.record_four_step(self.ctx, done.id, step="notice_resolution", on=start + timedelta(days=9), record_text="村务公开栏公示 7 天")
        service.record_four_step(self.ctx, done.id, step="notice_result", on=start + timedelta(days=60), record_text="分配结果张榜公布")
        return 2

    def flowing(self, township: Organization, townships: list[Organization], home: Organization) -> int:
        """Three flowing members of the first township; one takes part in life at a branch of
        the second township and attended its theme days there."""
        candidates = [
            m for m in self.roster(township)
            if m.status == MemberStatus.full.value and not m.lost_contact and m.org_path.startswith(township.path) and not m.org_path.startswith(home.path)
        ][:3]  # fmt: skip
        away_branch = None
        if len(townships) > 1:
            away_branch = next((o for o in self.orgs(townships[1]) if o.kind == OrgKind.branch.value), None)
        places = ["成都市双流区某电子厂", "广东省东莞市某鞋厂", "阿坝州马尔康市建筑工地"]
        for i, m in enumerate(candidates):
            life = away_branch if i == 0 else None
            contact = next((c for c in self.roster(township) if c.org_id == m.org_id and c.id != m.id), None)
            service.set_flowing(
                self.ctx, m.id, workplace=places[i], certificate=f"LD-{self.today.year}-{101 + i:03d}",
                contact_member_id=contact.id if contact else None, life_org_id=life.id if life else None,
            )  # fmt: skip
            if life is not None:
                # their participation away: the theme days of the last three months
                for d in _dates(add_months(self.today, -3), self.today - timedelta(days=1), rules.MONTH, 6):
                    self.meeting(life, "theme_day", d, place="流动党员活动站", attendance=[meetings.AttendanceInput(m.id, "present")])
        return len(candidates)

    def lost_contact(self, township: Organization, home: Organization, absentee: Member | None) -> int:
        """One member out of contact for 8 months (suspension to decide), one suspended two
        years ago (removal to decide); the home village's absentee flagged under R-MEM-01."""
        pool = [
            m for m in self.roster(township)
            if m.status == MemberStatus.full.value and not m.flowing and not m.org_path.startswith(home.path)
            and m.joined_on < add_months(self.today, -36)  # members before they were lost
        ]  # fmt: skip
        count = 0
        if pool:
            recent = pool[-1]
            rec = service.mark_lost_contact(self.ctx, recent.id, lost_on=add_months(self.today, -8), note="外出务工后手机停机")
            service.add_contact_attempt(self.ctx, rec.id, on=add_months(self.today, -6), method="电话", outcome="空号")
            service.add_contact_attempt(self.ctx, rec.id, on=add_months(self.today, -4), method="走访家属", outcome="家属也联系不上")
            count += 1
        if len(pool) > 1:
            old = pool[-2]
            lost_on = add_months(self.today, -33)
            rec = service.mark_lost_contact(self.ctx, old.id, lost_on=lost_on, note="2023 年外出后失去联系")
            service.add_contact_attempt(self.ctx, rec.id, on=add_months(lost_on, 2), method="登报寻找", outcome="无回音")
            decided = add_months(lost_on, 7)
            self.clock.today = decided
            try:
                service.decide_flag(
                    self.ctx, old.id, flag=rules.FLAG_SUSPEND, raised_on=add_months(lost_on, 6),
                    decision="suspend", on=decided, note="经多方查找仍无音讯，支部大会决定停止党籍",
                )  # fmt: skip
            finally:
                self.clock.today = self.today
            count += 1
        if absentee is not None:
            since = add_months(self.today, -10)
            service.record_duty_lapse(self.ctx, absentee.id, no_dues_since=since, no_work_since=since)
        return count


def load_branch_life_demo(session: Session, settings: Settings, today: date) -> BranchLifeDemoSummary:
    """Add branch life to the demo county (see the module). Does not commit."""
    return _Loader(session, settings, today).run()
