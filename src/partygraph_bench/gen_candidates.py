"""Candidates (发展党员) at every stage, each with its `candidate_step` file in order.

Per branch, in the proportions of `PROPORTIONS` (docs/domain.md §4): open applications, activists,
development targets; every probationary member on the roster and every full member who
joined in the last `pipeline_full_years` years has the file that admitted them (linked by
`member_id`, the admission vote on the member's joining date, conversion on the day
probation ended); and a few exits (withdrawn, removed from the pool, not admitted,
probation cancelled — the last with its member record, status probation_cancelled).

Every file is a journey of docs/rules.md §1 with realistic gaps: the talk within a month
(a few late), notices of 7 days before each decision, activists reviewed every six months,
a development target one year or more after the activist decision (R-DEV-07), two
introducers and a political review, three days of training, the admission vote by the
branch's full members (a valid, passing tally), approval within three months, conversion a
year after the vote. Applicants wait for years (the seeds' 慢发展: stalled files are
alerts); some activists missed their latest review. The branch meetings behind the votes
are not generated: vote steps carry the tally in `data` with no `decision_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric

from partygraph.models.member import MemberStatus
from partygraph.rules.candidate import ARCHIVE_DOCUMENTS
from partygraph_bench.gen_common import County, Days, Person, Rows, as_json

if TYPE_CHECKING:
    import random

    from partygraph_bench.generate import Population, Unit

CANDIDATE_COLUMNS = (
    "id", "org_id", "org_path", "name", "name_pinyin", "name_initials", "gender", "ethnicity", "birth_date",
    "education", "occupation", "front_line", "rural", "phone", "id_number", "stage", "recommendation",
    "applied_on", "last_step_on", "member_id", "notes", "version", "created_at", "updated_at",
)  # fmt: skip
STEP_COLUMNS = (
    "id", "candidate_id", "org_path", "step", "on", "outcome", "data", "documents", "decision_id", "reason",
    "recorded_by", "recorded_by_name", "created_at",
)  # fmt: skip
STAGE_STEPS = {
    "activist_decided": "activist",
    "target_decided": "target",
    "admission_approved": "probationary",
    "conversion_approved": "full",
}
RECOMMENDATIONS = (("mass", 40), ("member", 30), ("league", 20), ("joint", 10))
NOTICE_PLACES = {"village": "村务公开栏", "community": "社区公示栏"}
WITHDRAW_REASONS = [
    "本人外出务工，撤回申请",
    "本人升学离开本地，撤回申请",
    "本人因家庭原因撤回入党申请",
]
REMOVE_REASONS = [
    "半年考察不合格，经支委会研究调整出积极分子队伍",
    "长期外出无法考察，调整出积极分子队伍",
]
AGE_AT_APPLICATION = ((18, 25, 45), (26, 35, 40), (36, 45, 12), (46, 55, 3))
AGE_CW = [45, 85, 97, 100]

Step = list[Any]  # [step, on (ordinal), outcome, data, documents, reason]


class _Files:
    """Builds one county's candidates and steps."""

    def __init__(self, pop: Population, rows: Rows) -> None:
        from partygraph_bench import generate as g

        self.pop, self.rows, self.g = pop, rows, g
        self.r: random.Random = pop.rng
        self.today = pop.today.toordinal()
        self.days = Days()
        self.id_seq: dict[tuple[int, int, bool], int] = {}
        self.rec_values = [k for k, _ in RECOMMENDATIONS]
        self.rec_weights = [w for _, w in RECOMMENDATIONS]
        self.extra_members = 0
        self.county_full: list[
            Person
        ] = []  # the county's first full members, the last resort for introducers
        self.surnames = [name for name, _ in g.SURNAMES]
        self.surname_cw = g._cum(w for _, w in g.SURNAMES)
        # education of applicants per kind of branch: younger than the roster
        self.education: dict[str, tuple[list[str], list[float]]] = {}
        for b in g.BranchType:
            key = {"village": "village_young", "retired": "community"}.get(b.value, b.value)
            if key in g.EDUCATION:
                pairs = g.EDUCATION[key]
                self.education[b.value] = ([e.value for e, _ in pairs], g._cum(w for _, w in pairs))

    # -- the journey ------------------------------------------------------------------------

    def _tally(self, full: int) -> dict[str, int]:
        r = self.r
        should = max(full, 1)
        need = should // 2 + 1
        present = min(should, max(need, round(should * r.uniform(0.8, 0.97))))
        yes = max(need, present - (1 if present >= 5 and r.random() < 0.5 else 0))
        return {
            "should_attend": should,
            "present": present,
            "written_opinions": 0,
            "yes": yes,
            "no": present - yes,
            "abstain": 0,
        }

    def _people(self, pool: list[Person], n: int, on: int, exclude: int) -> list[dict[str, Any]]:
        """n full members (contacts, introducers): of the branch and full on the day if it has
        enough, else any full member of the branch, else of the county."""
        picks: list[dict[str, Any]] = []
        seen: set[int] = {exclude}
        for people, dated in ((pool, True), (pool, False), (self.county_full, False)):
            for p in people:
                if len(picks) >= n:
                    return picks
                if p.id in seen or p.status != "full" or (dated and (p.converted or p.joined) > on):
                    continue
                seen.add(p.id)
                picks.append(
                    {"key": str(p.id), "member_id": p.id, "name": p.name, "standing": "full"}
                )
        return picks

    def plan(self, a: int, u: Unit, full: int, until: str | None = None) -> list[Step]:
        """The journey from an application on ordinal `a` to the archived file, or only as far
        as a file that stays at stage `until` can need (the next stage's first steps)."""
        journey = _Journey(self, u, full, a)
        for stage, leg in _LEGS:
            leg(journey)
            if stage == until:
                break
        return journey.out

    @staticmethod
    def index(plan: list[Step], step: str, nth: int = 1) -> int:
        seen = 0
        for i, s in enumerate(plan):
            if s[0] == step:
                seen += 1
                if seen == nth:
                    return i
        raise ValueError(step)

    def reviews(self, steps: list[Step], until: int) -> None:
        """Six-monthly reviews of an activist (R-DEV-06) after the last step, before `until`."""
        review = steps[-1][1]
        while True:
            review += self.r.randint(150, 181)
            if review >= until:
                return
            steps.append(["activist_review", review, None, {"passed": True}, [], None])

    @staticmethod
    def shift(plan: list[Step], days: int) -> None:
        for s in plan:
            s[1] += days
            if s[0] == "notice":
                s[3]["ends_on"] += days

    # -- people -----------------------------------------------------------------------------

    def _name_keys(self, name: str) -> tuple[str, str]:
        return self.pop.name_keys(name)

    def person(self, u: Unit, pool: list[Person], applied: int, region: int) -> dict[str, Any]:
        """A non-member: the branch's own mix, younger and more often a woman than the roster."""
        g, r = self.g, self.r
        lo, hi, _ = r.choices(AGE_AT_APPLICATION, cum_weights=AGE_CW)[0]
        age = r.randint(lo, hi)
        birth = applied - age * 365 - age // 4 - r.randint(0, 360)
        if self.days.months(birth, 12 * 18) > applied:
            birth -= 366
        male = r.random() < (g.MALE_SHARE[u.profile] + 0.6) / 2
        ethnicity = r.choice(pool).ethnicity if pool else "汉族"
        if ethnicity == "藏族":
            name = r.choice(g.TIBETAN_MALE if male else g.TIBETAN_FEMALE)
        else:
            name = r.choices(self.surnames, cum_weights=self.surname_cw)[0] + r.choice(
                g.MALE_GIVEN if male else g.FEMALE_GIVEN
            )
        values, cw = self.education[u.profile.value]
        education = r.choices(values, cum_weights=cw)[0]
        occupation = (
            r.choice(g.OCCUPATIONS[u.profile]) if u.profile.value != "retired" else "社区工作者"
        )
        iso = self.days.iso(birth)
        assert iso is not None
        id_number = None
        if r.random() < 0.7:
            k = self.id_seq.get((region, birth, male), 0)
            self.id_seq[(region, birth, male)] = k + 1
            body = f"{region:06d}{iso[:4]}{iso[5:7]}{iso[8:10]}{(500 + 2 * k + (1 if male else 0)) % 1000:03d}"
            id_number = body + ric.calc_check_digit(body + "0")
        return {
            "name": name, "gender": "male" if male else "female", "ethnicity": ethnicity, "birth": birth,
            "education": education, "occupation": occupation, "front_line": occupation in g.FRONT_LINE,
            "rural": u.profile in g.RURAL,
            "phone": f"1{r.choice(g.PHONE_PREFIXES)}{r.randint(0, 99_999_999):08d}" if r.random() < 0.9 else None,
            "id_number": id_number,
        }  # fmt: skip

    @staticmethod
    def of_member(p: Person) -> dict[str, Any]:
        return {
            "name": p.name, "gender": p.gender, "ethnicity": p.ethnicity, "birth": p.birth, "education": p.education,
            "occupation": p.occupation, "front_line": p.front_line, "rural": p.rural, "phone": p.phone,
            "id_number": p.id_number,
        }  # fmt: skip

    # -- writing ----------------------------------------------------------------------------

    def write(
        self,
        u: Unit,
        pool: list[Person],
        who: dict[str, Any],
        steps: list[Step],
        stage: str,
        member_id: int | None = None,
    ) -> int:
        pop, iso, now = self.pop, self.days.iso, self.pop.now
        cid = pop.take_ids("candidate", 1)
        recommendation = next(
            (s[3]["recommendation"] for s in steps if s[0] == "activist_decided"), None
        )
        pinyin, initials = self._name_keys(who["name"])
        self.rows.add(
            "candidate",
            (cid, u.org_id, u.path, who["name"], pinyin, initials, who["gender"], who["ethnicity"], iso(who["birth"]),
             who["education"], who["occupation"], who["front_line"], who["rural"], who["phone"], who["id_number"],
             stage, recommendation, iso(steps[0][1]), iso(steps[-1][1]), member_id, None, len(steps), now, now),
        )  # fmt: skip
        first = pop.take_ids("candidate_step", len(steps))
        for i, (step, on, outcome, data, documents, reason) in enumerate(steps):
            if step == "notice":
                data = {**data, "ends_on": iso(data["ends_on"])}
            elif step in ("contacts_assigned", "introducers_assigned"):
                key = "contacts" if step == "contacts_assigned" else "introducers"
                data = {key: self._people(pool, data[key], on, member_id or 0)}
            self.rows.add(
                "candidate_step",
                (first + i, cid, u.path, step, iso(on), outcome, as_json(data) if data else "{}", as_json(documents) if documents else "[]",
                 None, reason, None, "bench", now),
            )  # fmt: skip
        return cid

    def cancelled_member(self, u: Unit, who: dict[str, Any], joined: int, cancelled: int) -> int:
        """The member record an admission created; cancelled probation ends it (R-DEV-23)."""
        mid = self.pop.take_ids("member", 1)
        iso, now = self.days.iso, self.pop.now
        pinyin, initials = self._name_keys(who["name"])
        self.rows.add(
            "member",
            (mid, u.org_id, u.path, who["name"], pinyin, initials, who["gender"], who["ethnicity"], iso(who["birth"]),
             who["education"], who["occupation"], who["front_line"], who["rural"], iso(joined), None,
             MemberStatus.probation_cancelled.value, iso(cancelled), who["phone"], who["id_number"], False, False, None,
             None, False, None, False, 1, now, now),
        )  # fmt: skip
        self.extra_members += 1
        return mid


class _Journey:
    """One file's steps laid out leg by leg, from the application on day `a`; `t` is the day
    reached so far."""

    def __init__(self, files: _Files, u: Unit, full: int, a: int) -> None:
        self.files, self.full = files, full
        self.r = files.r
        self.rnd = files.r.random
        self.months = files.days.months
        self.place = NOTICE_PLACES.get(u.profile.value, "党务公开栏")
        self.out: list[Step] = []
        self.t = a
        self.vote = 0  # the admission vote's day, once laid out
        self.end = 0  # the day probation ends, once laid out

    def gap(self, lo: int, hi: int) -> int:  # randint without its overhead (≈ 30 per file)
        return lo + int(self.rnd() * (hi - lo + 1))

    def add(
        self,
        step: str,
        on: int,
        data: dict[str, Any] | None = None,
        outcome: str | None = None,
        documents: list[str] | None = None,
    ) -> None:
        self.out.append([step, on, outcome, data or {}, documents or [], None])

    def notice(self, on: int) -> None:
        self.add("notice", on, {"ends_on": on + 7, "place": self.place, "open_objections": 0})

    def step_after(self, step: str, lo: int, hi: int, data: dict[str, Any] | None = None) -> None:
        self.t += self.gap(lo, hi)
        self.add(step, self.t, data)

    def applied(self) -> None:
        r, gap = self.r, self.gap
        a = self.t
        self.add("application", a, documents=["入党申请书（支部档案柜）"])
        self.t = a + (gap(35, 75) if r.random() < 0.05 else gap(3, 28))
        self.add("talk", self.t)
        self.t += gap(10, 150)
        self.notice(self.t)

    def activist(self) -> None:
        r, gap, files = self.r, self.gap, self.files
        self.t += 8 + gap(0, 20)
        activist = self.t
        rec = r.choices(files.rec_values, weights=files.rec_weights)[0]
        self.add("activist_decided", self.t, {"recommendation": rec})
        self.step_after("activist_filed", 2, 20)
        # people are picked when the file is written, once its dates are final
        self.t += gap(0, 15)
        self.add("contacts_assigned", self.t, {"contacts": 1 if r.random() < 0.6 else 2})
        # Plans are built from day 0 and shifted into place: a calendar year moves by a day
        # across a leap day, so dates tied to "one year after" keep two days' margin.
        eligible = self.months(activist, 12) + 2
        target_on = eligible + (gap(0, 240) if r.random() < 0.5 else gap(0, 40))
        files.reviews(self.out, target_on - 12)
        self.t = max(self.out[-1][1], target_on - 8 - gap(0, 10))
        self.notice(self.t)
        self.t = max(target_on, self.t + 8)
        self.add("target_decided", self.t)

    def target(self) -> None:
        gap = self.gap
        self.step_after("target_filed", 3, 15)
        self.step_after("introducers_assigned", 0, 15, {"introducers": 2})
        self.t += gap(10, 40)
        self.add(
            "political_review", self.t, outcome="pass", documents=["政审材料（乡镇党委组织办存档）"]
        )
        self.step_after("training", 5, 30, {"days": 3})
        self.step_after("branch_examination", 5, 30)
        self.step_after("pre_examination", 5, 20)
        self.t += gap(2, 10)
        self.notice(self.t)
        self.t += 8 + gap(0, 7)
        self.add("form_filled", self.t)
        self.t += gap(3, 20)
        self.vote = self.t
        self.add("admission_vote", self.t, self.files._tally(self.full))
        self.step_after("approval_talk", 5, 25)
        self.step_after("admission_approved", 5, 30)

    def probation(self) -> None:
        self.step_after("admission_filed", 3, 15)
        self.step_after("placed", 0, 7)
        self.step_after("oath", 0, 30)
        self.end = self.months(self.vote, 12)
        self.add("conversion_applied", self.end - self.gap(15, 30))

    def conversion(self) -> None:
        gap = self.gap
        self.notice(self.end - gap(8, 14))
        self.t = self.end + 2 + gap(0, 20)
        self.add("conversion_vote", self.t, self.files._tally(self.full), outcome="convert")
        self.step_after("conversion_approved", 7, 50)
        self.step_after("archived", 7, 60, {"documents": list(ARCHIVE_DOCUMENTS)})


# Each leg of the journey, after which a file that stays at that stage stops.
_LEGS: tuple[tuple[str | None, Callable[[_Journey], None]], ...] = (
    ("applicant", _Journey.applied),
    ("activist", _Journey.activist),
    ("target", _Journey.target),
    ("probationary", _Journey.probation),
    (None, _Journey.conversion),
)


def _count(r: random.Random, size: int, share: float) -> int:
    x = size * share
    n = int(x)
    return n + (1 if r.random() < x - n else 0)


def _cut(plan: list[Step], stop: int, today: int) -> list[Step]:
    """The plan's steps before index `stop` that happened by today."""
    return [s for s in plan[:stop] if s[1] <= today]


BULK_TABLES = ("candidate", "candidate_step")


def tables() -> dict[str, tuple[str, ...]]:
    from partygraph_bench.generate import MEMBER_COLUMNS

    return {
        "member": MEMBER_COLUMNS,
        "candidate": CANDIDATE_COLUMNS,
        "candidate_step": STEP_COLUMNS,
    }


class Candidates:
    """The builder `gen_records` runs on every county."""

    def __init__(self, pop: Population, rows: Rows) -> None:
        from partygraph_bench.generate import PROPORTIONS

        self.pop, self.p = pop, PROPORTIONS
        self.files = _Files(pop, rows)
        self.recent = self.files.today - int(365 * PROPORTIONS["pipeline_full_years"])

    def county(self, county: County) -> None:
        files, units = self.files, county.units
        region = 510000 + county.index
        first_village = next((u for u in units if u.profile.value == "village"), None)
        files.county_full = [
            p for u in units for p in county.members_of(u)[:3] if p.status == "full"
        ][:10]
        for u in units:
            pool = county.members_of(u)
            if pool:
                full = sum(1 for p in pool if p.status == "full")
                _unit(
                    files,
                    u,
                    pool,
                    full,
                    region,
                    self.recent,
                    first_village is u,
                    self.p,
                    self.pop.rng,
                    files.today,
                )

    def done(self) -> None:
        self.pop.members += self.files.extra_members


def _unit(
    files: _Files, u: Unit, pool: list[Person], full: int, region: int, recent: int, anchor: bool,
    P: dict[str, float], r: random.Random, today: int,
) -> None:  # fmt: skip
    """One branch's files: linked members first, then the open pipeline, then the exits."""
    branch = _Branch(files, u, pool, full, region, r, today)
    for p in pool:
        if p.status == "probationary" or (p.status == "full" and p.joined >= recent):
            branch.admitted(p)
    # The anchor village always has someone at the first two stages, for the alerts to find.
    n = _count(r, u.size, P["applicants"])
    for i in range(max(n, 2) if anchor else n):
        branch.applicant(i)
    n = _count(r, u.size, P["activists"])
    for _ in range(max(n, 1) if anchor else n):
        branch.activist()
    for share, build in _OPEN_AND_EXITS:
        for _ in range(_count(r, u.size, P[share])):
            build(branch)


@dataclass
class _Branch:
    """One branch's files being written, a kind of file at a time."""

    files: _Files
    u: Unit
    pool: list[Person]
    full: int
    region: int
    r: random.Random
    today: int

    def cut(self, plan: list[Step], step: str, nth: int = 1) -> list[Step]:
        """The plan's steps before the `nth` `step` that happened by today."""
        return _cut(plan, self.files.index(plan, step, nth), self.today)

    def write(
        self, who: dict[str, Any], steps: list[Step], stage: str, member_id: int | None = None
    ) -> None:
        self.files.write(self.u, self.pool, who, steps, stage, member_id)

    def journey_to(
        self, step: str, on: int, until: str
    ) -> tuple[dict[str, Any], list[Step]] | None:
        """A non-member's journey placed so that `step` falls on `on` (None: it would start
        after today)."""
        files = self.files
        plan = files.plan(0, self.u, self.full, until)
        files.shift(plan, on - plan[files.index(plan, step)][1])
        if plan[0][1] > files.today:
            return None
        who = files.person(self.u, self.pool, plan[0][1], self.region)
        return who, plan

    def admitted(self, p: Person) -> None:
        """A member admitted through the pipeline: the vote on their joining date."""
        files, today, ix = self.files, self.today, self.files.index
        plan = files.plan(0, self.u, self.full)
        vote = plan[ix(plan, "admission_vote")][1]
        files.shift(plan, p.joined - vote)
        if files.days.months(p.birth, 12 * 18) > plan[0][1]:
            return  # joined young enough that the file would start before 18: no file
        approved = ix(plan, "admission_approved")
        if plan[approved][1] > today:  # admitted days ago: the approval came quickly
            plan[approved - 1][1] = min(
                plan[approved - 1][1], p.joined + max(1, (today - p.joined) // 3)
            )
            plan[approved][1] = today
        if p.status == "probationary":
            self.write(files.of_member(p), self.cut(plan, "conversion_vote"), "probationary", p.id)
        else:
            conv = ix(plan, "conversion_approved")
            plan[conv][1] = min(plan[conv][1], today)
            self.write(files.of_member(p), [s for s in plan if s[1] <= today], "full", p.id)

    def applicant(self, i: int) -> None:
        """An open application: a third fresh, a third within 18 months, a third waiting for
        years."""
        r, today = self.r, self.today
        a = today - (
            r.randint(1, 180)
            if i % 3 == 0
            else r.randint(181, 540)
            if i % 3 == 1
            else r.randint(541, 1800)
        )
        who = self.files.person(self.u, self.pool, a, self.region)
        plan = self.files.plan(a, self.u, self.full, "applicant")
        steps = _cut(plan, 2, today)  # application, talk
        notice = plan[2]
        if today - 60 <= notice[1] <= today:
            steps.append(notice)
        self.write(who, steps, "applicant")

    def activist(self) -> None:
        """An activist decided in the last 30 months; a fifth missed their latest six-monthly
        review."""
        r, today = self.r, self.today
        decided = today - (r.randint(5, 540) if r.random() < 0.75 else r.randint(541, 900))
        got = self.journey_to("activist_decided", decided, "activist")
        if got is None:
            return
        who, plan = got
        keep = [s for s in self.cut(plan, "notice", 2) if s[0] != "activist_review"]
        self.files.reviews(keep, today + 1)
        if keep[-1][0] == "activist_review" and r.random() < 0.2:
            keep.pop()
        self.write(who, keep, "activist")

    def target(self) -> None:
        """A development target decided in the last eight months, waiting for the vote or the
        approval."""
        got = self.journey_to("target_decided", self.today - self.r.randint(3, 240), "target")
        if got is None:
            return
        who, plan = got
        approved = self.files.index(plan, "admission_approved")
        stop = "admission_approved" if plan[approved][1] > self.today else "admission_vote"
        self.write(who, self.cut(plan, stop), "target")

    def withdrawn(self) -> None:
        r, today = self.r, self.today
        a = today - r.randint(60, 1500)
        who = self.files.person(self.u, self.pool, a, self.region)
        plan = self.files.plan(a, self.u, self.full, "activist")
        steps = _cut(plan, 2, today) if r.random() < 0.5 else self.cut(plan, "notice", 2)
        on = min(today, steps[-1][1] + r.randint(1, 200))
        reason = r.choice(WITHDRAW_REASONS)
        steps.append(["withdraw", on, None, {"reason": reason}, [], reason])
        self.write(who, steps, "withdrawn")

    def removed_from_pool(self) -> None:
        r, today = self.r, self.today
        got = self.journey_to("activist_decided", today - r.randint(200, 700), "activist")
        if got is None:
            return
        who, plan = got
        steps = self.cut(plan, "notice", 2)
        on = min(today, steps[-1][1] + r.randint(1, 120))
        steps.append(["activist_review", on, None, {"passed": False}, [], None])
        reason = r.choice(REMOVE_REASONS)
        removed_on = min(today, on + r.randint(0, 30))
        steps.append(["remove_from_pool", removed_on, None, {"reason": reason}, [], reason])
        self.write(who, steps, "removed_from_pool")

    def not_admitted(self) -> None:
        r, today = self.r, self.today
        got = self.journey_to("target_decided", today - r.randint(60, 700), "target")
        if got is None:
            return
        who, plan = got
        review = self.files.index(plan, "political_review")
        steps = _cut(plan, review, today)
        on = min(today, max(plan[review][1], steps[-1][1]))
        steps.append(["political_review", on, "fail", {}, ["政审材料（乡镇党委组织办存档）"], None])
        reason = "政治审查不合格，不予接收"
        refused_on = min(today, on + r.randint(0, 20))
        steps.append(["not_admitted", refused_on, None, {"reason": reason}, [], reason])
        self.write(who, steps, "not_admitted")

    def probation_cancelled(self) -> None:
        r, today = self.r, self.today
        got = self.journey_to("admission_approved", today - r.randint(30, 330), "probationary")
        if got is None:
            return
        who, plan = got
        steps = self.cut(plan, "conversion_applied")
        on = min(today, steps[-1][1] + r.randint(10, 120))
        reason = "经支部大会讨论、上级党委批准取消预备党员资格"
        steps.append(["cancel_probation", on, None, {"reason": reason}, [], reason])
        vote = plan[self.files.index(plan, "admission_vote")][1]
        mid = self.files.cancelled_member(self.u, who, vote, on)
        self.write(who, steps, "cancelled", mid)


# After the applicants and activists, in this order: the files counted by each share of
# PROPORTIONS (the order fixes the random draws, so a seed gives the same county).
_OPEN_AND_EXITS: tuple[tuple[str, Callable[[_Branch], None]], ...] = (
    ("targets", _Branch.target),
    ("withdrawn", _Branch.withdrawn),
    ("removed_from_pool", _Branch.removed_from_pool),
    ("not_admitted", _Branch.not_admitted),
    ("probation_cancelled", _Branch.probation_cancelled),
)
