"""Evaluations for the demo county, planted through the real services (docs/domain.md §5).

`load_evaluation_demo(session, settings, today)` runs after `demo.load_demo` and adds,
in the township of the demo's village account (威州镇):

- the village account's branch: last year's round finished and closed (one 不合格 with a
  limited-time correction, 基本合格 members with warning talks), and this year's round
  open with part of the grid filled in;
- a second village: three finished years in which one member was 基本合格 every year,
  so the R-EVAL-04 flag is raised;
- cadres in trial: one appointed four months ago whose 3-month checkpoint is overdue,
  one seven months in with two checkpoints recorded;
- yearly assessments of the village secretaries, one 不称职 and last (R-CAD-02 flag);
- organisation assessments for two years with one village last both times (R-ASSESS-01);
- a model site designated last year and reviewed, and one de-listed with its reason.

Deterministic for a given seed; every write goes through services with SYSTEM_VIEWER.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.account import Account, Role
from partygraph.models.evaluation import EvaluationSubject, Flag, FollowUp, FollowUpKind
from partygraph.models.member import ACTIVE_STATUSES, Member, Position, PositionKind
from partygraph.models.organization import Organization, OrgKind
from partygraph.rules.base import add_months
from partygraph.rules.evaluation import Grade, Source, SourceEntry, suggest
from partygraph.scope import path_range
from partygraph.services import cadre
from partygraph.services import evaluation as evaluations
from partygraph.services.evaluation import OutcomeInput, SourceInput


@dataclass
class EvaluationDemoSummary:
    rounds_closed: int = 0
    rounds_open: int = 0
    outcomes: int = 0
    appointments: int = 0
    flags: int = 0
    alerts: int = 0
    model_sites: int = 0


def load_evaluation_demo(session: Session, settings: Settings, today: date, *, seed: int = 2024) -> EvaluationDemoSummary:
    """Plant the evaluation demo and commit. Expects the demo county (`demo.load_demo`)."""
    ctx = Context(session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)
    loader = _Loader(ctx, today, random.Random(seed))
    summary = loader.run()
    session.commit()
    return summary


class _Loader:
    def __init__(self, ctx: Context, today: date, rng: random.Random) -> None:
        self.ctx, self.today, self.rng = ctx, today, rng
        self.s = session = ctx.session
        self.summary = EvaluationDemoSummary()
        home = session.execute(
            select(Organization)
            .join(Account, col(Account.org_id) == Organization.id)
            .where(col(Account.role) == Role.village.value, col(Organization.kind) == OrgKind.branch.value)
            .order_by(col(Account.id))
        ).scalars().first()
        if home is None:
            home = session.execute(
                select(Organization).where(col(Organization.kind) == OrgKind.branch.value, col(Organization.branch_type) == "village").order_by(col(Organization.path))
            ).scalars().first()
        if home is None:
            raise ValueError("Load the demo county first: no village branch found")
        self.home = home
        township = session.get(Organization, home.parent_id)
        assert township is not None
        self.township = township
        self.villages = [
            o
            for o in session.execute(
                select(Organization)
                .where(
                    col(Organization.parent_id) == self.township.id,
                    col(Organization.kind) == OrgKind.branch.value,
                    col(Organization.branch_type) == "village",
                    col(Organization.status) == "active",
                )
                .order_by(col(Organization.path))
            ).scalars()
        ]

    def run(self) -> EvaluationDemoSummary:
        y = self.today.year
        others = [v for v in self.villages if v.id != self.home.id]
        # The village account's branch: last year closed, this year open and partly filled.
        self._round(self.home, y - 1, close=True)
        self._round(self.home, y, fill=0.7)
        # Another village: three years, one member 基本合格 each year → R-EVAL-04.
        if others:
            target = others[0]
            person = self._roster(target, date(y - 3, 12, 10))[0]
            for year in (y - 3, y - 2, y - 1):
                self._round(target, year, close=True, weak=person.id)
        self._cadres()
        self._assessments(y - 1)
        self._org_assessments((y - 2, y - 1))
        self._model_sites(y - 1)
        self._talks_held()
        self.summary.flags = len(list(self.s.execute(select(col(Flag.id)).where(path_range(col(Flag.org_path), self.township.path))).scalars()))
        self.summary.alerts = len(evaluations.alerts(self.ctx, self.township.path))
        return self.summary

    # --- member rounds --------------------------------------------------------------------------

    def _roster(self, org: Organization, on: date) -> list[Member]:
        return list(
            self.s.execute(
                select(Member)
                .where(path_range(col(Member.org_path), org.path), col(Member.status).in_([s.value for s in ACTIVE_STATUSES]), col(Member.joined_on) <= on)
                .order_by(col(Member.name), col(Member.id))
            ).scalars()
        )

    def _grade(self) -> Grade:
        roll = self.rng.random()
        if roll < 0.15:
            return Grade.excellent
        if roll < 0.95:
            return Grade.qualified
        return Grade.basically_qualified

    def _votes(self, grade: Grade, voters: int) -> dict[str, int]:
        """Tallies leaning to `grade`, so the suggestion agrees with it."""
        lean = {
            Grade.excellent: (0.8, 0.2, 0.0, 0.0),
            Grade.qualified: (0.15, 0.8, 0.05, 0.0),
            Grade.basically_qualified: (0.0, 0.3, 0.6, 0.1),
            Grade.unqualified: (0.0, 0.1, 0.4, 0.5),
        }[grade]
        counts = dict.fromkeys(Grade, 0)
        for _ in range(max(voters, 1)):
            counts[self.rng.choices(list(Grade), weights=lean)[0]] += 1
        return {g.value: n for g, n in counts.items() if n}

    def _round(self, org: Organization, year: int, *, close: bool = False, fill: float = 1.0, weak: int | None = None) -> None:
        if year == self.today.year:
            opened = max(date(year, 1, 1), self.today - timedelta(days=14))
        else:
            opened = date(year, 12, 10)
        rnd = evaluations.open_round(self.ctx, org_id=org.id, year=year, opened_on=opened)
        subjects = sorted(
            self.s.execute(select(EvaluationSubject).where(col(EvaluationSubject.round_id) == rnd.id)).scalars(),
            key=lambda x: x.id or 0,
        )
        decided = min(opened + timedelta(days=10), self.today)
        unqualified_given = not close or year != self.today.year - 1 or org.id != self.home.id
        for i, subject in enumerate(subjects):
            if i >= round(len(subjects) * fill):
                break
            grade = self._grade()
            if subject.member_id == weak:
                grade = Grade.basically_qualified
            elif not unqualified_given and i == len(subjects) // 2:
                grade, unqualified_given = Grade.unqualified, True
            sources = [
                SourceInput(Source.peer.value, tallies=self._votes(grade, len(subjects) - 1)),
                SourceInput(Source.masses.value, tallies=self._votes(grade, 9)),
                SourceInput(Source.committee.value, tallies={grade.value: 1}),
            ]
            entries = [SourceEntry(Source(x.source), {Grade(k): v for k, v in (x.tallies or {}).items()}) for x in sources]
            final = grade if subject.member_id == weak or grade == Grade.unqualified else (suggest(entries).grade or grade)
            is_last_open = fill < 1.0 and i == round(len(subjects) * fill) - 1
            outcome = None
            if not is_last_open:  # the open round keeps one row with sources but no outcome yet
                outcome = OutcomeInput(
                    grade=final.value,
                    decided_on=decided,
                    decision="correction" if final == Grade.unqualified else None,
                    decision_note="支部大会决定限期半年改正，由支部书记帮扶" if final == Grade.unqualified else None,
                    signed_off_by=f"{self.township.name}" if close else None,
                )
                self.summary.outcomes += 1
            evaluations.record_entry(self.ctx, subject.id, version=None, sources=sources, outcome=outcome)
        if close:
            evaluations.close_round(self.ctx, rnd.id, closed_on=min(date(year, 12, 28), self.today), version=None)
            self.summary.rounds_closed += 1
        else:
            self.summary.rounds_open += 1

    def _talks_held(self) -> None:
        """Warning talks that fell due were held, all but the latest one (left overdue to show the alert)."""
        tasks = list(
            self.s.execute(
                select(FollowUp)
                .where(col(FollowUp.kind) == FollowUpKind.warning_talk.value, col(FollowUp.done_on).is_(None), col(FollowUp.due_on) < self.today)
                .order_by(col(FollowUp.due_on), col(FollowUp.id))
            ).scalars()
        )
        for task in tasks[:-1]:
            evaluations.complete_follow_up(
                self.ctx, task.id, done_on=task.due_on - timedelta(days=self.rng.randint(1, 20)),
                note="支部书记谈心谈话，指出问题，明确改进措施", corrected=None, version=None,
            )  # fmt: skip

    # --- cadres -----------------------------------------------------------------------------------

    def _candidates(self, org: Organization, n: int) -> list[Member]:
        taken = set(self.s.execute(select(col(Flag.member_id))).scalars())
        people = [m for m in self._roster(org, self.today) if m.status == "full" and m.id not in taken]
        return people[-n:] if len(people) >= n else people

    def _cadres(self) -> None:
        overdue_on = add_months(self.today, -4)
        home_people = self._candidates(self.home, 2)
        if home_people:
            cadre.appoint(self.ctx, member_id=home_people[0].id, org_id=self.home.id, post=PositionKind.village_cadre.value,
                          title="村委会副主任", appointed_on=overdue_on)  # fmt: skip
            self.summary.appointments += 1
        others = [v for v in self.villages if v.id != self.home.id]
        if len(others) > 1:
            person = self._candidates(others[1], 1)
            if person:
                appt = cadre.appoint(self.ctx, member_id=person[0].id, org_id=others[1].id, post=PositionKind.committee_member.value,
                                     appointed_on=add_months(self.today, -7))  # fmt: skip
                cps = cadre.checkpoints_of(self.ctx, appt.id)
                cadre.record_checkpoint(self.ctx, cps[0].id, done_on=cps[0].due_on + timedelta(days=5), result="passed",
                                        evidence="述职报告：工作思路清晰，群众认可", version=None)  # fmt: skip
                cadre.record_checkpoint(self.ctx, cps[1].id, done_on=min(cps[1].due_on + timedelta(days=3), self.today), result="passed",
                                        evidence="专项考核：完成产业路修建和集体经济项目", version=None)  # fmt: skip
                self.summary.appointments += 1

    def _assessments(self, year: int) -> None:
        """Village secretaries serving since before the year: yearly assessment with a ranking."""
        rows = self.s.execute(
            select(Position, Organization)
            .join(Organization, col(Organization.id) == Position.org_id)
            .where(
                col(Organization.parent_id) == self.township.id,
                col(Organization.branch_type) == "village",
                col(Position.kind) == PositionKind.secretary.value,
                col(Position.end_on).is_(None),
                col(Position.start_on) <= date(year, 1, 1),
            )
            .order_by(col(Organization.path))
        ).all()
        rows = rows[:8]
        n = len(rows)
        assessed_on = min(date(year + 1, 1, 20), self.today)
        for rank, (pos, org) in enumerate(rows, start=1):
            cadre.appoint(self.ctx, member_id=pos.member_id, org_id=org.id, post=PositionKind.secretary.value, appointed_on=pos.start_on, trial=False)
            self.summary.appointments += 1
            last = rank == n and n > 1
            rating = "incompetent" if last else ("excellent" if rank <= max(1, n // 4) else "competent")
            score = round(95 - rank * 3.5 + self.rng.random(), 1)
            cadre.record_assessment(
                self.ctx, member_id=pos.member_id, year=year, rating=rating, assessed_on=assessed_on,
                rank=rank, ranked=n, mass_score=score, mutual_score=round(score - 1.5, 1), department_score=round(score + 0.5, 1),
                note="群众测评满意率低，村集体经济项目停滞" if last else None,
            )  # fmt: skip

    def _org_assessments(self, years: tuple[int, ...]) -> None:
        villages = self.villages[:8]
        n = len(villages)
        ratings = ["good", "good", "fairly_good", "fairly_good", "average", "average", "average", "poor"]
        for year in years:
            order = villages[:-1]
            self.rng.shuffle(order)
            order.append(villages[-1])  # the same village last each year → R-ASSESS-01
            for rank, org in enumerate(order, start=1):
                goods = {k: self.rng.random() < (0.9 if rank <= n // 2 else 0.5) for k in ("leadership", "mechanism", "members", "masses", "results")}
                evaluations.record_org_assessment(
                    self.ctx, org_id=org.id, year=year, rating=ratings[min(rank - 1, len(ratings) - 1)],
                    assessed_on=min(date(year + 1, 1, 25), self.today), five_goods=goods, rank=rank, ranked=n,
                    note="书记述职，党员和群众代表测评" if rank == 1 else None,
                )  # fmt: skip

    def _model_sites(self, year: int) -> None:
        designated = date(year, 3, 1)
        criteria = {"八有": True, "活动场所面积（㎡）": 160, "五好": ["leadership", "mechanism", "members", "masses", "results"], "群众满意度": 0.93}
        site = evaluations.designate_model_site(self.ctx, org_id=self.home.id, year=year, designated_on=designated, criteria=criteria)
        review_on = max(designated + timedelta(days=1), min(date(year + 1, 1, 15), self.today))
        evaluations.review_model_site(self.ctx, site.id, reviewed_on=review_on, passed=True, note="八有齐全，群众满意度 93%", version=None)
        self.summary.model_sites += 1
        if len(self.villages) > 2:
            slipped = self.villages[2]
            old = evaluations.designate_model_site(
                self.ctx, org_id=slipped.id, year=year - 1, designated_on=date(year - 1, 3, 1),
                criteria={"八有": True, "活动场所面积（㎡）": 130},
            )  # fmt: skip
            evaluations.review_model_site(self.ctx, old.id, reviewed_on=date(year, 2, 20), passed=False, note="活动场所挪作他用，制度未上墙", version=None)
            evaluations.delist_model_site(self.ctx, old.id, on=date(year, 3, 1), reason="年度复查不合格，撤销示范点称号（不搞终身制）", version=None)
            self.summary.model_sites += 1
