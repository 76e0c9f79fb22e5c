"""Candidates for the demo county: every stage of the pipeline, some overdue.

`load_pipeline_demo(session, settings, today)` runs after `demo.load_demo` has
planted the county, and drives each candidate through the real services
(`services.candidate`, `services.meeting`) with a system context whose clock
moves from step to step, so every file obeys the rules a clerk's input obeys.
It adds, mostly in the first village branch (the demo "village" account's):

- applicants: one fresh, one whose talk is overdue (R-DEV-02), and the seed's
  stalled applicant of 2001 (A-STALLED, shown in 2009 and still today);
- activists: one on course, one eligible for a year but not advanced (A-ELIGIBLE,
  R-DEV-06 review overdue);
- development targets: one collecting introducers, one with a public notice
  running, one admitted by the branch meeting and waiting for approval;
- probationary members: one on course, one whose probation ends within 30 days,
  one whose conversion is overdue (R-DEV-22);
- full members converted through the pipeline (on the roster with their dates);
- exits: an application withdrawn, an activist removed from the pool.

The branch general meetings of each vote are recorded as `Meeting` rows with
their decisions. Then the development plans of the current year (县有宏观指导、乡有目标
计划、村有具体实施): the county's three-year plan (last year to next) and yearly plan,
every township's yearly plan (the sum of its villages', so the county's is carried) and a
yearly plan per village — except two villages of the last township, whose township
therefore shows its villages' plans short of its own (A-PLAN-CASCADE); most villages are
behind by autumn (A-PLAN-BEHIND), the home village is on course. It does not commit:
the caller does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.meeting import MeetingDecision
from partygraph.models.member import Member, MemberStatus
from partygraph.models.organization import BranchType, Organization, OrgKind
from partygraph.rules.base import add_months
from partygraph.scope import path_range
from partygraph.services import candidate as candidates
from partygraph.services import meeting as meetings
from partygraph.services import plan as plans


@dataclass
class PipelineDemoSummary:
    candidates: int
    meetings: int
    by_stage: dict[str, int]
    plans: int = 0


class _Clock:
    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


# Offsets (days after the application) of each step of a smooth journey; the conversion
# steps are placed from the probation end instead (see _plan).
_PLAN: list[tuple[str, int]] = [
    ("talk", 14),
    ("notice", 19),
    ("activist_decided", 30),
    ("activist_filed", 37),
    ("contacts_assigned", 37),
    ("activist_review", 200),
    ("notice", 390),
    ("target_decided", 400),
    ("target_filed", 405),
    ("introducers_assigned", 405),
    ("political_review", 420),
    ("training", 430),
    ("branch_examination", 440),
    ("pre_examination", 450),
    ("notice", 455),
    ("form_filled", 465),
    ("admission_vote", 470),
    ("approval_talk", 480),
    ("admission_approved", 490),
    ("admission_filed", 495),
    ("placed", 495),
    ("oath", 495),
]
_CONVERSION: list[tuple[str, int]] = [
    ("conversion_applied", -15),
    ("notice", -10),
    ("conversion_vote", 0),
    ("conversion_approved", 14),
    ("archived", 20),
]
ARCHIVE = ["application", "form", "political_review", "conversion_application", "observation_records"]


def _plan(applied: date) -> list[tuple[str, date]]:
    out = [(step, applied + timedelta(days=d)) for step, d in _PLAN]
    vote = applied + timedelta(days=470)
    end = add_months(vote, 12)
    out += [(step, end + timedelta(days=d)) for step, d in _CONVERSION]
    return out


class _Loader:
    def __init__(self, session: Session, settings: Settings, today: date) -> None:
        self.session = session
        self.today = today
        self.clock = _Clock(today)
        self.ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=self.clock)
        self.meetings = 0
        self.count = 0

    def villages(self) -> list[Organization]:
        """Village branches with at least three full members converted long ago, tree order."""
        long_ago = add_months(self.today, -12 * 4)
        rows = self.session.execute(
            select(Organization)
            .where(col(Organization.kind) == OrgKind.branch.value, col(Organization.branch_type) == BranchType.village.value)
            .order_by(col(Organization.path))
        ).scalars()
        out = []
        for org in rows:
            n = self.session.execute(
                select(func.count())
                .select_from(Member)
                .where(
                    path_range(col(Member.org_path), org.path),
                    col(Member.status) == MemberStatus.full.value,
                    or_(col(Member.converted_on).is_(None), col(Member.converted_on) <= long_ago),
                )
            ).scalar_one()
            if n >= 3:
                out.append(org)
        return out

    def full_members(self, org: Organization, on: date, n: int) -> list[int]:
        return list(
            self.session.execute(
                select(col(Member.id))
                .where(
                    path_range(col(Member.org_path), org.path),
                    col(Member.status) == MemberStatus.full.value,
                    or_(col(Member.converted_on).is_(None), col(Member.converted_on) <= on),
                )
                .order_by(col(Member.joined_on), col(Member.id))
                .limit(n)
            ).scalars()
        )

    def vote(self, org: Organization, cand_id: int, on: date, subject: str) -> int:
        should = meetings.voting_members(self.ctx, org, on)
        meeting = meetings.record_meeting(
            self.ctx,
            org_id=org.id,
            kind="general_meeting",
            held_on=on,
            place="村党员活动室",
            chair="支部书记",
            recorder="组织委员",
            agenda="讨论接收预备党员" if subject == "admission" else "讨论预备党员转正",
            decisions=[
                meetings.DecisionInput(
                    subject=subject,
                    candidate_id=cand_id,
                    present=should,
                    yes=max(should - 1, 0) if should > 2 else should,
                    no=1 if should > 2 else 0,
                )
            ],
        )
        self.meetings += 1
        self.session.flush()
        # the step cites the decision, not the meeting (their ids only match by chance)
        return self.session.execute(
            select(col(MeetingDecision.id)).where(col(MeetingDecision.meeting_id) == meeting.id, col(MeetingDecision.candidate_id) == cand_id)
        ).scalar_one()

    def step(self, org: Organization, cand_id: int, step: str, on: date, **extra: Any) -> None:
        self.clock.today = max(self.clock.today, on)
        s = candidates.StepInput(step=step, on=on, **extra)
        if step == "notice":
            s.notice_place = "村务公开栏"
            s.notice_ends_on = on + timedelta(days=7)
        elif step == "activist_decided":
            s.recommendation = extra.get("recommendation", "mass")
        elif step == "contacts_assigned":
            s.contact_ids = self.full_members(org, on, 1)
        elif step == "introducers_assigned":
            s.introducer_ids = self.full_members(org, on, 2)
        elif step == "political_review":
            s.outcome = "pass"
            s.documents = ["政审材料（乡镇党委组织办存档）"]
        elif step == "training":
            s.training_days = 3
        elif step == "activist_review":
            s.passed = True
        elif step in ("admission_vote", "conversion_vote"):
            subject = "admission" if step == "admission_vote" else "conversion"
            s.decision_id = self.vote(org, cand_id, on, subject)
            if step == "conversion_vote":
                s.outcome = "convert"
        elif step == "archived":
            s.archive_documents = ARCHIVE
        candidates.record_step(self.ctx, cand_id, s)

    def candidate(
        self,
        org: Organization,
        name: str,
        gender: str,
        born: date,
        education: str,
        applied: date,
        *,
        until: str | None = None,
        occurrence: int = 1,
        then: Callable[[int], None] | None = None,
    ) -> int:
        """Apply, then record the smooth journey up to (not including) the `occurrence`-th `until`."""
        self.clock.today = applied
        cand = candidates.apply(
            self.ctx,
            org_id=org.id,
            applied_on=applied,
            name=name,
            gender=gender,
            birth_date=born,
            education=education,
            rural=True,
            front_line=True,
            occupation="农民",
            documents=["入党申请书（村档案柜）"],
        )
        self.count += 1
        seen = 0
        for step, on in _plan(applied):
            if step == until:
                seen += 1
                if seen == occurrence:
                    break
            if on > self.today:
                break
            self.step(org, cand.id, step, on)
        if then is not None:
            then(cand.id)
        self.clock.today = self.today
        return cand.id

    def run(self) -> PipelineDemoSummary:
        villages = self.villages()
        if not villages:
            return PipelineDemoSummary(0, 0, {})
        home, others = villages[0], villages[1:] or villages
        T = self.today
        d = timedelta

        def later(cid: int, step: str, on: date, **extra: Any) -> None:
            self.step(home, cid, step, on, **extra)

        # applicants
        self.candidate(home, "杨晓明", "male", date(2001, 4, 12), "senior_high", T - d(10), until="talk")
        self.candidate(home, "马丽娟", "female", date(1999, 8, 3), "junior_college", T - d(50), until="talk")
        # the seed's applicant who waited from 2001 to 2009: a talk, then nothing
        self.candidate(home, "苟德才", "male", date(1976, 2, 9), "junior_high", date(2001, 3, 1), until="notice")
        # activists
        self.candidate(home, "王春燕", "female", date(1998, 1, 20), "senior_high", T - d(200), until="activist_review")
        self.candidate(home, "余志强", "male", date(1996, 6, 6), "junior_high", T - d(450), until="notice", occurrence=2)
        # development targets
        self.candidate(home, "蒋小芳", "female", date(1997, 3, 15), "bachelor", T - d(430), until="introducers_assigned")
        self.candidate(home, "何建军", "male", date(1995, 11, 2), "senior_high", T - d(458), until="form_filled")
        self.candidate(home, "罗雪梅", "female", date(1999, 12, 24), "junior_college", T - d(475), until="approval_talk")
        # probationary members
        self.candidate(home, "陈志勇", "male", date(1994, 9, 9), "senior_high", T - d(600), until="conversion_applied")
        self.candidate(home, "唐晓丽", "female", date(1996, 4, 30), "bachelor", T - d(815), until="conversion_applied")
        self.candidate(home, "周明亮", "male", date(1993, 7, 18), "junior_high", T - d(900), until="conversion_applied")
        # full members through the pipeline, in the home village and two others
        self.candidate(home, "李文静", "female", date(1995, 5, 5), "junior_college", T - d(1000))
        for i, org in enumerate(others[:2]):
            self.candidate(org, ["赵永刚", "孙海燕"][i], ["male", "female"][i], date(1992 + i, 10, 1), "senior_high", T - d(1100 + 30 * i))
        # candidates at other stages elsewhere, one overdue talk each
        for i, org in enumerate(others[2:6]):
            self.candidate(org, ["冯大伟", "吴桂兰", "郑浩", "谢秀英"][i], ["male", "female"][i % 2], date(1997 + i, 2, 2), "junior_high", T - d(40 + 100 * i), until="talk" if i == 0 else "activist_review")
        # exits
        self.candidate(
            home, "邓小平安", "male", date(2000, 1, 1), "junior_high", T - d(300), until="notice",
            then=lambda cid: later(cid, "withdraw", T - d(250), reason="本人外出务工，撤回申请"),
        )  # fmt: skip
        self.candidate(
            home, "黄丽", "female", date(1998, 2, 2), "senior_high", T - d(420), until="activist_review",
            then=lambda cid: later(cid, "remove_from_pool", T - d(100), reason="半年考察不合格，调整出积极分子队伍"),
        )  # fmt: skip
        from partygraph.models.candidate import Candidate

        stages = dict(
            self.session.execute(select(col(Candidate.stage), func.count()).group_by(col(Candidate.stage))).all()
        )
        n_plans = self.plans(home)
        return PipelineDemoSummary(self.count, self.meetings, {str(k): int(v) for k, v in stages.items()}, n_plans)

    def plans(self, home: Organization) -> int:
        """The year's plans, county → townships → villages (see the module's docstring)."""
        year, today = self.today.year, self.today
        root = self.session.execute(select(Organization).where(col(Organization.parent_id).is_(None)).order_by(col(Organization.id))).scalars().first()
        if root is None:
            return 0
        townships = list(
            self.session.execute(
                select(Organization)
                .where(col(Organization.parent_id) == root.id, col(Organization.kind) == OrgKind.committee.value)
                .order_by(col(Organization.code))
            ).scalars()
        )
        n = 0

        def make(org: Organization, numbers: dict[str, int], *, kind: str = "yearly", first: int = year, adopt_on: date | None = None, notes: str | None = None) -> None:
            nonlocal n
            plan = plans.create(self.ctx, org_id=org.id, kind=kind, first_year=first, notes=notes, **numbers)
            if adopt_on is not None:
                plans.adopt(self.ctx, plan.id, version=plan.version, on=min(adopt_on, today))
            n += 1

        county_total = dict.fromkeys(("new_activists", "new_targets", "admissions", "conversions"), 0)
        for ti, township in enumerate(townships):
            villages = list(
                self.session.execute(
                    select(Organization)
                    .where(
                        col(Organization.parent_id) == township.id,
                        col(Organization.kind) == OrgKind.branch.value,
                        col(Organization.branch_type) == BranchType.village.value,
                    )
                    .order_by(col(Organization.code))
                ).scalars()
            )
            total = dict.fromkeys(county_total, 0)
            for vi, village in enumerate(villages):
                admissions = 2 if vi % 3 == 0 else 1
                numbers = {"new_activists": 2 * admissions + 1, "new_targets": admissions + 1, "admissions": admissions, "conversions": vi % 2}
                if village.id == home.id:  # the home village: what its files can reach this year
                    numbers = {"new_activists": 1, "new_targets": 1, "admissions": 1, "conversions": 1}
                for k, v in numbers.items():
                    total[k] += v
                if ti == len(townships) - 1 and vi < 2:
                    continue  # two villages without a plan yet: the township is not carried
                make(village, numbers, adopt_on=date(year, 2, 10) if vi % 4 else None, notes="村有具体实施")
            make(township, total, adopt_on=date(year, 1, 25), notes="乡有目标计划")
            for k, v in total.items():
                county_total[k] += v
        make(
            root,
            {k: 3 * v for k, v in county_total.items()},
            kind="three_year",
            first=year - 1,
            adopt_on=date(year - 1, 1, 10),
            notes="每三年制定一个发展党员工作规划",
        )
        make(root, county_total, adopt_on=date(year, 1, 15), notes="县有宏观指导：初中以上文化程度、35岁以下均达到80%")
        return n


def load_pipeline_demo(session: Session, settings: Settings, today: date) -> PipelineDemoSummary:
    """Add candidates at every stage to the demo county (see the module). Does not commit."""
    return _Loader(session, settings, today).run()
