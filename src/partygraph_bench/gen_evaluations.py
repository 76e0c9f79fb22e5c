"""Last year's democratic evaluation of members (民主评议党员, docs/domain.md §5): one round per branch.

Every member on the roster when the round opened (in December) is a subject, rated by the
three sources of 三评一审 (members' peer rating, the masses' representatives, the branch
committee: vote counts leaning to the grade) and given an outcome: 优秀 ≈ 15 %, 合格, 基本合格
≈ 4 % (a warning talk within a month, most held, R-EVAL-03), 不合格 ≈ 1 % (a limited-time
correction with its deadline, R-EVAL-02). About 4 % of the rounds are still open, part of
their grid filled in (R-EVAL-01 alerts). Flags (three years running) need three years of
rounds and are not generated.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from partygraph_bench.gen_common import County, Days, Person, Rows, as_json

if TYPE_CHECKING:
    from partygraph_bench.generate import Population, Unit

ROUND_COLUMNS = (
    "id",
    "org_id",
    "org_path",
    "year",
    "status",
    "opened_on",
    "closed_on",
    "closed_by",
    "notes",
    "version",
    "created_at",
    "updated_at",
)
SUBJECT_COLUMNS = (
    "id", "round_id", "member_id", "org_path", "year", "member_name", "member_status", "withdrawn_on",
    "withdrawn_reason", "added_on", "version", "created_at", "updated_at",
)  # fmt: skip
SOURCE_COLUMNS = (
    "id", "subject_id", "round_id", "org_path", "source", "tallies", "raters", "entered_on", "entered_by",
    "version", "created_at", "updated_at",
)  # fmt: skip
OUTCOME_COLUMNS = (
    "id", "subject_id", "round_id", "member_id", "org_path", "year", "grade", "decided_on", "decided_by",
    "decided_by_name", "signed_off_by", "decision", "decision_note", "correction_deadline", "version",
    "created_at", "updated_at",
)  # fmt: skip
FOLLOW_UP_COLUMNS = (
    "id", "kind", "member_id", "subject_id", "appointment_id", "org_path", "created_on", "due_on", "done_on",
    "corrected", "note", "version", "created_at", "updated_at",
)  # fmt: skip
GRADES = ("excellent", "qualified", "basically_qualified", "unqualified")
# Shares of each grade in a source's votes for a member of that grade (the demo's leanings).
LEAN = {
    "excellent": (0.8, 0.2, 0.0, 0.0),
    "qualified": (0.15, 0.8, 0.05, 0.0),
    "basically_qualified": (0.0, 0.3, 0.6, 0.1),
    "unqualified": (0.0, 0.1, 0.4, 0.5),
}
WARNING_TALK_DAYS = 30  # rules.evaluation.DEFAULT_EVALUATION_SETTINGS.warning_talk_days
CORRECTION_MONTHS = 6


@cache
def _tallies(grade: str, voters: int) -> str:
    """Votes by grade leaning to `grade`, adding up to `voters`."""
    counts = [round(share * voters) for share in LEAN[grade]]
    top = max(range(4), key=lambda i: LEAN[grade][i])
    counts[top] += voters - sum(counts)
    return as_json({g: n for g, n in zip(GRADES, counts, strict=True) if n > 0})


class _Rounds:
    def __init__(self, pop: Population, rows: Rows) -> None:
        from partygraph_bench.generate import PROPORTIONS

        self.pop, self.rows, self.r = pop, rows, pop.rng
        self.today = pop.today.toordinal()
        self.year = pop.today.year - 1
        self.days = Days()
        p = PROPORTIONS
        self.open_share = p["evaluation_open_rounds"]
        self.cw = [p["evaluation_excellent"]]
        self.cw.append(1.0 - p["evaluation_basically_qualified"] - p["evaluation_not_qualified"])
        self.cw.append(1.0 - p["evaluation_not_qualified"])
        self.cw.append(1.0)

    def grade(self) -> str:
        x = self.r.random()
        for g, edge in zip(GRADES, self.cw, strict=True):
            if x < edge:
                return g
        return "qualified"

    def unit(self, u: Unit, people: list[Person], signer: str) -> None:
        r, iso, now, pop = self.r, self.days.iso, self.pop.now, self.pop
        opened = date(self.year, 12, r.randint(1, 20)).toordinal()
        subjects = sorted(
            (p for p in people if p.active and p.joined <= opened), key=lambda p: (p.name, p.id)
        )
        if not subjects:
            return
        is_open = r.random() < self.open_share
        fill = round(len(subjects) * r.uniform(0.3, 0.9)) if is_open else len(subjects)
        rid = pop.take_ids("evaluation_round", 1)
        decided_last = opened
        first_subject = pop.take_ids("evaluation_subject", len(subjects))
        outcomes: list[tuple[Any, ...]] = []
        for i, p in enumerate(subjects):
            sid = first_subject + i
            status = "full" if p.converted is not None and p.converted <= opened else "probationary"
            graded = i < fill
            self.rows.add(
                "evaluation_subject",
                (sid, rid, p.id, u.path, self.year, p.name, status, None, None, None, 2 if graded else 1, now, now),
            )  # fmt: skip
            if graded:
                # An open round's outcomes are not signed yet.
                decided, outcome = self.graded(
                    u, p, sid, rid, opened, len(subjects), None if is_open else signer
                )
                decided_last = max(decided_last, decided)
                outcomes.append(outcome)
        closed = None if is_open else min(self.today, decided_last + r.randint(0, 10))
        self.rows.add(
            "evaluation_round",
            (rid, u.org_id, u.path, self.year, "open" if is_open else "closed", iso(opened), iso(closed), None, None,
             1 if is_open else 2, now, now),
        )  # fmt: skip
        for row in outcomes:
            self.rows.add("evaluation_outcome", row)

    def graded(
        self, u: Unit, p: Person, sid: int, rid: int, opened: int, subjects: int, signer: str | None
    ) -> tuple[int, tuple[Any, ...]]:
        """One subject graded: the three sources' results written, the follow-up a grade needs
        (R-EVAL-02/03); the day decided and the outcome row (written after the round's)."""
        r, iso, now, pop = self.r, self.days.iso, self.pop.now, self.pop
        grade = self.grade()
        decided = min(self.today, opened + r.randint(3, 15))
        on = iso(decided)
        sources = (
            ("peer", _tallies(grade, max(1, subjects - 1))),
            ("masses", _tallies(grade, 9)),
            ("committee", _tallies(grade, 1)),
        )
        first_source = pop.take_ids("evaluation_source_result", 3)
        for k, (source, tallies) in enumerate(sources):
            self.rows.add(
                "evaluation_source_result",
                (first_source + k, sid, rid, u.path, source, tallies, None, on, None, 1, now, now),
            )
        decision = note = deadline = None
        if grade == "unqualified":
            decision, note = "correction", "支部大会决定限期半年改正，由支部书记帮扶"
            deadline = self.days.months(decided, CORRECTION_MONTHS)
        outcome = (pop.take_ids("evaluation_outcome", 1), sid, rid, p.id, u.path, self.year, grade, on, None,
                   "bench", signer, decision, note, iso(deadline), 1, now, now)  # fmt: skip
        if grade == "basically_qualified":
            self.follow_up(
                "warning_talk", p, sid, u, decided, decided + WARNING_TALK_DAYS, 0.85, None
            )
        elif deadline is not None:
            self.follow_up("correction", p, sid, u, decided, deadline, 0.9, r.random() < 0.85)
        return decided, outcome

    def follow_up(
        self,
        kind: str,
        p: Person,
        sid: int,
        u: Unit,
        created: int,
        due: int,
        done_share: float,
        corrected: bool | None,
    ) -> None:
        r, iso, now = self.r, self.days.iso, self.pop.now
        done = None
        if due - 20 <= self.today and r.random() < done_share:
            done = min(self.today, max(created, due - r.randint(1, 20)))
        self.rows.add(
            "evaluation_follow_up",
            (self.pop.take_ids("evaluation_follow_up", 1), kind, p.id, sid, None, u.path, iso(created), iso(due), iso(done),
             corrected if done is not None else None, "支部书记谈心谈话，明确改进措施" if done is not None else None,
             2 if done is not None else 1, now, now),
        )  # fmt: skip


BULK_TABLES = ("evaluation_subject", "evaluation_source_result", "evaluation_outcome")


def tables() -> dict[str, tuple[str, ...]]:
    return {
        "evaluation_round": ROUND_COLUMNS,
        "evaluation_subject": SUBJECT_COLUMNS,
        "evaluation_source_result": SOURCE_COLUMNS,
        "evaluation_outcome": OUTCOME_COLUMNS,
        "evaluation_follow_up": FOLLOW_UP_COLUMNS,
    }


class Evaluations:
    """The builder `gen_records` runs on every county."""

    def __init__(self, pop: Population, rows: Rows) -> None:
        self.rounds = _Rounds(pop, rows)
        self.names = {o[0]: o[5] for o in pop.organizations}
        self.parents = {o[0]: o[1] for o in pop.organizations}

    def county(self, county: County) -> None:
        for u in county.units:
            # the committee above signs the round off (三评一审's review)
            self.rounds.unit(
                u, county.members_of(u), self.names.get(self.parents.get(u.org_id) or 0, "上级党委")
            )

    def done(self) -> None:
        return None
