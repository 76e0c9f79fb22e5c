"""The demo county's posts: secretaries, committees, group leaders, village cadres and the
upper committees' posts, with one secretary deliberately left vacant."""

from __future__ import annotations

from datetime import date, timedelta

from partygraph.demo.base import ACTIVE, LoaderBase, Person, Unit, pk
from partygraph.demo.tree import COUNTY_AGENCIES
from partygraph.models.member import (
    EDUCATION_RANK,
    Education,
    Gender,
    MemberStatus,
    PositionKind,
)
from partygraph.models.organization import BranchType, Organization
from partygraph.rules.base import add_months
from partygraph.services import member as members

# Committee posts besides the secretary, in the order a committee of 3, 4, 5 fills them.
COMMITTEE_POSTS = [
    PositionKind.organisation_officer,
    PositionKind.publicity_officer,
    PositionKind.discipline_officer,
    PositionKind.deputy_secretary,
]


class PositionSteps(LoaderBase):
    # -- posts ------------------------------------------------------------------------------------

    def _start(self, p: Person, max_years: int, *, min_days: int = 60) -> date:
        base = p.fields["converted_on"] or p.fields["joined_on"]
        start = self.today - timedelta(
            days=self.rng.randint(min_days, max(min_days, 365 * max_years))
        )
        if start < base:
            start = min(base + timedelta(days=self.rng.randint(1, 30)), self.today)
        return start

    def _post(
        self,
        p: Person,
        org: Organization,
        kind: PositionKind,
        *,
        title: str | None = None,
        max_years: int = 10,
    ) -> None:
        members.add_position(
            self.ctx,
            member_id=p.mid,
            org_id=pk(org),
            kind=kind.value,
            start_on=self._start(p, max_years),
            title=title,
        )
        p.posts += 1

    def _available(self, people: list[Person], *, full: bool = True) -> list[Person]:
        return [
            p
            for p in people
            if not p.busy
            and (p.status == MemberStatus.full.value or (not full and p.status in ACTIVE))
        ]

    def _best(self, pool: list[Person]) -> Person | None:
        """The likeliest secretary: educated, of working age, not yet holding a post."""
        if not pool:
            return None
        r = self.rng

        def score(p: Person) -> float:
            edu = EDUCATION_RANK[Education(p.fields["education"])]
            return edu + (2 if 30 <= p.age <= 60 else 0) - p.posts * 3 + r.random() * 2

        return max(pool, key=score)

    def _positions(self) -> None:
        r = self.rng
        for unit in self.units:
            full = [p for p in unit.people if p.status == MemberStatus.full.value]
            pool = self._available(unit.people)
            secretary = self._best(pool)
            if secretary is None:
                continue
            title = "党支部书记"
            self._post(secretary, unit.org, PositionKind.secretary, title=title, max_years=12)
            if unit.design == "vacant":
                self.vacating = secretary
            if unit.design == "lone":
                size = 1
            elif unit.design in ("crowded", "vacant"):
                size = 4
            elif len(full) >= 7:
                size = r.choice([3, 3, 4, 5]) if len(full) >= 12 else 3
            else:
                size = 1
            others = [p for p in pool if p is not secretary]
            for kind, p in zip(
                COMMITTEE_POSTS[: size - 1],
                r.sample(others, min(size - 1, len(others))),
                strict=False,
            ):
                self._post(p, unit.org, kind, max_years=8)
            for g in unit.groups:
                gpool = [
                    p
                    for p in self._available(unit.people, full=False)
                    if p.holder is g and p is not secretary
                ]
                gpool = gpool or [
                    p for p in self._available(unit.people, full=False) if p.holder is g
                ]
                if gpool:
                    self._post(r.choice(gpool), g, PositionKind.group_leader, max_years=8)
            if unit.profile == BranchType.village:
                self._village_cadres(unit, secretary)
        self._retired_cadres()
        self._upper_posts()

    def _village_cadres(self, unit: Unit, secretary: Person) -> None:
        r = self.rng
        pool = [p for p in self._available(unit.people) if p is not secretary and 28 <= p.age <= 62]
        if r.random() < 0.7 or not pool:
            director = secretary  # 一肩挑: the secretary also chairs the village committee
        else:
            director = r.choice(pool)
            pool.remove(director)
        self._post(
            director, unit.org, PositionKind.village_director, title="村委会主任", max_years=8
        )
        if pool:
            cadre = r.choice(pool)
            title = (
                "妇女主任"
                if cadre.fields["gender"] == Gender.female.value
                else r.choice(["村文书", "村监委会主任", "村综治专干"])
            )
            self._post(cadre, unit.org, PositionKind.village_cadre, title=title, max_years=10)

    def _retired_cadres(self) -> None:
        """Former village cadres with long service, posts ended (allowances of §6)."""
        r = self.rng
        pool = [
            p
            for p in self.people
            if not p.busy
            and p.posts == 0
            and p.status == MemberStatus.full.value
            and p.unit.profile == BranchType.village
            and p.age >= 62
        ]
        r.shuffle(pool)
        # Years of service: five with 31-36 consecutive, one with two stints adding up to 31,
        # two with 16-22 (the seniority award's lower tiers).
        plans: list[tuple[int, int] | None] = [(31, 36)] * 5 + [None] + [(16, 22)] * 2
        for plan, p in zip(plans, pool, strict=False):
            birth, conv = p.fields["birth_date"], p.fields["converted_on"]
            first = max(conv, add_months(birth, 12 * 25)) + timedelta(days=r.randint(1, 400))
            title = r.choice(["原村党支部书记", "原村委会主任", "原村文书"])
            if plan is None:
                stints = [
                    (first, add_months(first, 12 * 15 + 2)),
                    (add_months(first, 12 * 19), add_months(first, 12 * 35 + 1)),
                ]
            else:
                years = r.randint(*plan)
                stints = [(first, add_months(first, 12 * years + r.randint(0, 6)))]
            if stints[-1][1] > self.today - timedelta(days=60):
                continue
            for start, end in stints:
                pos = members.add_position(
                    self.ctx,
                    member_id=p.mid,
                    org_id=pk(p.unit.org),
                    kind=PositionKind.village_cadre.value,
                    start_on=start,
                    title=title,
                )
                members.end_position(self.ctx, pk(pos), end_on=end, version=None)
            p.busy = True

    def _upper_posts(self) -> None:
        r = self.rng
        for committee, agency, suffix in self.townships:
            pool = self._available(agency.people)
            secretary = self._best([p for p in pool if p.posts == 0] or pool)
            if secretary is None:
                continue
            self._post(
                secretary, committee, PositionKind.secretary, title=f"{suffix}党委书记", max_years=6
            )
            rest = [p for p in pool if p is not secretary and p.posts == 0]
            for kind, title, p in zip(
                (PositionKind.township_leader, PositionKind.organisation_officer),
                (f"{suffix}长", "组织委员"),
                r.sample(rest, min(2, len(rest))),
                strict=False,
            ):
                self._post(p, committee, kind, title=title, max_years=6)
        for general, children in self.general_branches:
            pool = [p for u in children for p in self._available(u.people)]
            secretary = self._best([p for p in pool if p.posts == 0] or pool)
            if secretary is not None:
                self._post(
                    secretary, general, PositionKind.secretary, title="党总支书记", max_years=8
                )
        office = self.county_units[COUNTY_AGENCIES[0]]
        dept = self.county_units[COUNTY_AGENCIES[3]]
        for org, unit, title in (
            (self.root, office, "县委书记"),
            (self.agency_committee, dept, "机关工委书记"),
        ):
            pool = self._available(unit.people)
            chief = self._best([x for x in pool if x.posts == 0] or pool)
            if chief is not None:
                self._post(chief, org, PositionKind.secretary, title=title, max_years=5)

    def _vacate(self) -> None:
        """The 'vacant' branch's secretary moves away: the post ends with the transfer."""
        p = self.vacating
        if p is None:
            return
        on = self.today - timedelta(days=20)
        members.transfer_out(
            self.ctx,
            p.mid,
            external_org_name="中共成都市郫都区委组织部",
            letter_number=self._letter(on),
            on=on,
            reason="工作调动，原任党支部书记，书记职务空缺待补选",
            version=None,
        )
        p.status = MemberStatus.transferred_out.value
        p.busy = True
