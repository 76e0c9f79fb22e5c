"""A deterministic demo county (岷江县), loaded through the real services.

Modelled on the seeds' Wenchuan / Lichuan counties: a county committee, eleven
townships with ~110 village branches and their party groups, communities under
general branches, county agencies, a school, a hospital, enterprises, a retired,
a flowing-members and a "two new" branch; ~2,200 members with realistic spreads
(gender, age, education, ethnicity), positions, status changes and transfers,
and five accounts that share one password.

Everything goes through `partygraph.services` with a system context whose
clock answers `today`, so the data obeys the same rules as a clerk's input.
The same seed gives the same county, name for name.

Three branches are deliberately left non-compliant so the structure warnings
show: one whose secretary has left (no secretary), one with ≥ 7 full members
but a secretary only, and one with < 7 full members but a committee of four.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col
from stdnum.cn import ric

from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.account import Account, Role
from partygraph.models.member import (
    EDUCATION_RANK,
    Education,
    Gender,
    Member,
    MemberStatus,
    Position,
    PositionKind,
)
from partygraph.models.organization import BranchType, Organization, OrgKind
from partygraph.rules.base import add_months
from partygraph.services import account as accounts
from partygraph.services import member as members
from partygraph.services import organization as orgs

DEMO_PASSWORD = "partygraph-demo"

# (username, role, what the account sees)
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("county", Role.county.value, "县委组织部：全县所有组织和党员"),
    ("township", Role.township.value, "乡镇党委组织委员：威州镇党委及其下属组织"),
    ("village", Role.village.value, "村党支部书记/组织委员：威州镇第一个村党支部"),
    ("group", Role.group.value, "党小组组长：该村第一党小组（只读、可推荐）"),
    ("viewer", Role.viewer.value, "只读查看：全县数据看板"),
]

# Told when a phase of the load starts, (name, None), and when it ends, (name, "what it made"):
# the load takes a minute or more and the command line shows where it is.
PhaseReport = Callable[[str, str | None], None]

COUNTY_NAME = "岷江县"
COUNTY_CODE = "C001"


@dataclass
class DemoSummary:
    organisations: int
    members: int  # every member registered, whatever their status now
    active_members: int  # full + probationary
    accounts: int
    villages: int
    branches: int
    # (username, password, role, home organisation's name)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def organizations(self) -> int:
        """The same count, spelt as the CLI spells it."""
        return self.organisations


def is_empty(session: Session) -> bool:
    """True when the database holds no organisation yet (a demo may be loaded)."""
    return session.execute(select(col(Organization.id)).limit(1)).first() is None


def load_demo(
    session: Session,
    settings: Settings,
    *,
    today: date | None = None,
    seed: int = 2024,
    members_target: int = 2200,
    progress: Callable[[int, int], None] | None = None,
    phases: PhaseReport | None = None,
) -> DemoSummary:
    """Plant the demo county in an empty database and commit it.

    Raises ValueError if the database already holds organisations or one of the
    demo usernames. `progress(done, total)` is called every hundred members and
    once at the end (total = members planned); `phases(name, None)` as each phase starts
    and `phases(name, counts)` as it ends. The tree's shape does not depend on
    `members_target`: it only sets how many members are spread over it (each branch
    gets at least six, at most 45, so the county holds ~1,150 to ~5,500).
    """
    if not is_empty(session):
        raise ValueError(
            "The database already holds organisations: the demo loads into an empty database only"
        )
    taken = (
        session.execute(
            select(col(Account.username)).where(
                col(Account.username).in_([u for u, _, _ in DEMO_ACCOUNTS])
            )
        )
        .scalars()
        .first()
    )
    if taken is not None:
        raise ValueError(f"An account named {taken!r} already exists")
    loader = _Loader(
        session, settings, today or date.today(), seed, members_target, progress, phases
    )
    try:
        summary = loader.run()
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return summary


# --- the county's shape -------------------------------------------------------------------------

# (name, 羌族 share, 藏族 share, 回族 share) per township; Wenchuan's Qiang townships are in the north-west.
TOWNSHIPS: list[tuple[str, float, float, float]] = [
    ("威州镇", 0.30, 0.03, 0.01),
    ("绵虒镇", 0.55, 0.02, 0.0),
    ("映秀镇", 0.15, 0.03, 0.0),
    ("漩口镇", 0.08, 0.01, 0.0),
    ("水磨镇", 0.05, 0.01, 0.0),
    ("三江镇", 0.25, 0.20, 0.0),
    ("耿达镇", 0.20, 0.35, 0.0),
    ("雁门乡", 0.85, 0.02, 0.0),
    ("龙溪乡", 0.92, 0.01, 0.0),
    ("克枯乡", 0.80, 0.03, 0.0),
    ("草坡乡", 0.35, 0.30, 0.0),
]
VILLAGES_PER_TOWNSHIP = [8, 9, 9, 10, 10, 10, 11, 11, 12, 12, 8]  # 110 villages, shuffled per seed

# Communities under a general branch: township index -> (general branch name, communities)
COMMUNITY_GENERAL_BRANCHES: dict[int, tuple[str, list[str]]] = {
    0: ("威州镇社区党总支", ["桑坪社区", "育才社区", "秀坪社区"]),
    2: ("映秀镇社区党总支", ["映秀社区", "渔子溪社区"]),
}

COUNTY_AGENCIES = [
    "县委办公室党支部",
    "县人大常委会机关党支部",
    "县政府办公室党支部",
    "县委组织部机关党支部",
    "县人社局党支部",
    "县财政局党支部",
    "县教育局党支部",
    "县卫生健康局党支部",
    "县农业农村局党支部",
    "县民族宗教事务局党支部",
]

# code suffix, name, branch type, members (low, high)
COUNTY_BRANCHES: list[tuple[str, str, BranchType, tuple[int, int]]] = [
    ("S01", "岷江县中学党支部", BranchType.school, (22, 30)),
    ("H01", "岷江县人民医院党支部", BranchType.hospital, (26, 36)),
    ("E01", "岷江水电开发有限公司党支部", BranchType.enterprise, (14, 20)),
    ("E02", "岷江羌绣文化产业有限公司党支部", BranchType.enterprise, (8, 12)),
    ("R01", "县委老干部局离退休干部党支部", BranchType.retired, (30, 40)),
    ("F01", "岷江县驻成都流动党员党支部", BranchType.flowing, (14, 20)),
    ("N01", "岷江县个体私营企业协会联合党支部", BranchType.two_new, (7, 10)),
]

VILLAGE_FIRST = list(
    "桃杏龙凤羌高新白黄石青红金银马牛羊茶竹松云月花和兴联油板草雁麻簇布萝阿索玉老河山"
)
VILLAGE_SECOND = list("坪溪沟岩坝湾岭寨坡口关桥台林田顶门峰堡园川营场")

TIBETAN_MALE = [
    "扎西",
    "泽仁",
    "尼玛",
    "多吉",
    "次仁",
    "格桑",
    "罗布",
    "旦增",
    "索朗",
    "益西",
    "贡布",
    "达瓦",
    "登巴",
    "洛桑",
]
TIBETAN_FEMALE = ["卓玛", "拉姆", "央金", "措姆", "德吉", "曲珍", "白珍", "永珍", "卓嘎", "格玛"]
TIBETAN_FIRST = ["泽仁", "格桑", "次仁", "尼玛", "达瓦", "白玛", "益西", "央宗"]

FEMININE_GIVEN_NAMES = ("红霞",)

PHONE_PREFIXES = [
    "38",
    "39",
    "58",
    "59",
    "82",
    "87",
    "88",
    "35",
    "36",
    "37",
    "50",
    "51",
    "52",
    "57",
    "33",
    "53",
    "80",
    "89",
    "99",
    "91",
    "77",
    "73",
]

EXTERNAL_ORGS = [
    ("中共成都市武侯区委组织部", "工作调动"),
    ("中共都江堰市委组织部", "考录公务员，到新单位工作"),
    ("中共茂县县委组织部", "婚嫁迁出"),
    ("中共深圳市宝安区委组织部", "外出务工并定居，组织关系随迁"),
    ("中共绵阳市涪城区委组织部", "随子女迁居"),
    ("中共理县县委组织部", "工作调动"),
    ("中共成都市郫都区委组织部", "升学后留校工作"),
]
FLOW_DESTINATIONS = [
    "四川省成都市武侯区",
    "广东省东莞市长安镇",
    "浙江省宁波市北仑区",
    "新疆维吾尔自治区乌鲁木齐市",
    "四川省成都市郫都区",
    "福建省晋江市",
]

MALE_SHARE = {
    BranchType.village: 0.75,
    BranchType.community: 0.50,
    BranchType.agency: 0.55,
    BranchType.school: 0.42,
    BranchType.hospital: 0.38,
    BranchType.enterprise: 0.70,
    BranchType.two_new: 0.60,
    BranchType.flowing: 0.80,
    BranchType.retired: 0.72,
}

# Age bands (low, high, weight) per branch type.
AGE_BANDS: dict[str, list[tuple[int, int, int]]] = {
    "village": [(20, 35, 17), (36, 50, 26), (51, 60, 22), (61, 75, 24), (76, 92, 11)],
    "village_old": [(61, 75, 60), (76, 92, 40)],
    "village_young": [(20, 35, 30), (36, 50, 40), (51, 60, 30)],
    BranchType.community: [(23, 35, 20), (36, 50, 25), (51, 60, 20), (61, 80, 35)],
    BranchType.agency: [(23, 30, 20), (31, 40, 32), (41, 50, 28), (51, 59, 20)],
    BranchType.school: [(23, 30, 22), (31, 40, 32), (41, 50, 28), (51, 59, 18)],
    BranchType.hospital: [(23, 30, 22), (31, 40, 32), (41, 50, 28), (51, 59, 18)],
    BranchType.enterprise: [(22, 30, 25), (31, 45, 45), (46, 58, 30)],
    BranchType.two_new: [(22, 30, 40), (31, 45, 50), (46, 55, 10)],
    BranchType.flowing: [(20, 30, 35), (31, 45, 50), (46, 55, 15)],
    BranchType.retired: [(60, 70, 35), (71, 80, 40), (81, 92, 25)],
}

E = Education
EDUCATION_WEIGHTS: dict[str, list[tuple[Education, int]]] = {
    "village_old": [(E.primary, 62), (E.junior_high, 30), (E.senior_high, 8)],
    "village_young": [
        (E.junior_high, 30),
        (E.senior_high, 30),
        (E.junior_college, 25),
        (E.bachelor, 15),
    ],
    "village": [
        (E.primary, 28),
        (E.junior_high, 47),
        (E.senior_high, 18),
        (E.junior_college, 6),
        (E.bachelor, 1),
    ],
    "community_old": [
        (E.primary, 25),
        (E.junior_high, 40),
        (E.senior_high, 30),
        (E.junior_college, 5),
    ],
    BranchType.community: [
        (E.junior_high, 20),
        (E.senior_high, 35),
        (E.junior_college, 25),
        (E.bachelor, 20),
    ],
    BranchType.agency: [
        (E.senior_high, 4),
        (E.junior_college, 28),
        (E.bachelor, 58),
        (E.postgraduate, 10),
    ],
    BranchType.school: [(E.junior_college, 20), (E.bachelor, 70), (E.postgraduate, 10)],
    BranchType.hospital: [
        (E.senior_high, 5),
        (E.junior_college, 30),
        (E.bachelor, 55),
        (E.postgraduate, 10),
    ],
    BranchType.enterprise: [
        (E.junior_high, 8),
        (E.senior_high, 25),
        (E.junior_college, 35),
        (E.bachelor, 30),
        (E.postgraduate, 2),
    ],
    BranchType.two_new: [(E.senior_high, 30), (E.junior_college, 40), (E.bachelor, 30)],
    BranchType.flowing: [
        (E.primary, 5),
        (E.junior_high, 45),
        (E.senior_high, 35),
        (E.junior_college, 15),
    ],
    BranchType.retired: [
        (E.primary, 10),
        (E.junior_high, 20),
        (E.senior_high, 30),
        (E.junior_college, 25),
        (E.bachelor, 15),
    ],
}

# Committee posts besides the secretary, in the order a committee of 3, 4, 5 fills them.
COMMITTEE_POSTS = [
    PositionKind.organisation_officer,
    PositionKind.publicity_officer,
    PositionKind.discipline_officer,
    PositionKind.deputy_secretary,
]

ACTIVE = (MemberStatus.full.value, MemberStatus.probationary.value)


# --- working records ----------------------------------------------------------------------------


@dataclass
class _Unit:
    """A branch that holds members (directly or in its party groups)."""

    org: Organization
    profile: BranchType
    ethnic: tuple[float, float, float] = (0.10, 0.02, 0.0)
    groups: list[Organization] = field(default_factory=list)
    township: int | None = None
    size: int = 0
    fixed: bool = False  # size set by design, not by the allocation
    old: bool = False  # 重点村: over half the members over 60
    design: str = ""  # "vacant" | "lone" | "crowded": the three non-compliant branches
    touched: bool = False  # already had a member leave
    people: list[_Person] = field(default_factory=list)


@dataclass
class _Person:
    unit: _Unit
    holder: Organization
    age: int
    fields: dict[str, Any]
    status: str = MemberStatus.full.value
    member: Member | None = None  # held so the session's identity map keeps it (no reloads)
    busy: bool = False  # not to be picked for posts or further changes
    posts: int = 0

    @property
    def mid(self) -> int:
        assert self.member is not None and self.member.id is not None
        return self.member.id


def _pk(obj: Organization | Position) -> int:
    assert obj.id is not None
    return obj.id


class _Loader:
    def __init__(
        self,
        session: Session,
        settings: Settings,
        today: date,
        seed: int,
        target: int,
        progress: Callable[[int, int], None] | None,
        phases: PhaseReport | None = None,
    ) -> None:
        self.session = session
        self.today = today
        self.ctx = Context(
            session=session, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today
        )
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.target = target
        self.progress = progress
        self.phases = phases
        self.units: list[_Unit] = []
        self.people: list[_Person] = []
        self.org_count = 0
        self.id_numbers: set[str] = set()
        self.letter_no = 0
        # Set while building the tree.
        self.root: Organization
        self.townships: list[
            tuple[Organization, _Unit, str]
        ] = []  # committee, its agency branch, 镇/乡
        self.general_branches: list[tuple[Organization, list[_Unit]]] = []
        self.villages: list[_Unit] = []
        self.agency_committee: Organization
        self.county_units: dict[str, _Unit] = {}
        self.lost: list[_Person] = []
        self.vacating: _Person | None = None

    # -- helpers ----------------------------------------------------------------------------------

    def _org(
        self, parent: Organization | None, code: str, name: str, kind: OrgKind, **kw: Any
    ) -> Organization:
        est = kw.pop("established_on", None)
        if est is not None and est > self.today:
            est = None
        org = orgs.create(
            self.ctx,
            parent_id=_pk(parent) if parent is not None else None,
            code=code,
            name=name,
            kind=kind.value,
            established_on=est,
            **kw,
        )
        self.org_count += 1
        return org

    def _est(self, lo: int, hi: int) -> date:
        return date(self.rng.randint(lo, hi), self.rng.randint(1, 12), 1)

    def _days_ago(self, lo: int, hi: int, *, not_before: date | None = None) -> date:
        d = self.today - timedelta(days=self.rng.randint(lo, hi))
        if not_before is not None and d < not_before:
            d = min(not_before + timedelta(days=self.rng.randint(1, 30)), self.today)
        return d

    def _letter(self, on: date) -> str:
        self.letter_no += 1
        return f"岷组转〔{on.year}〕{self.letter_no * 7 + 11:03d}号"

    # -- the run ----------------------------------------------------------------------------------

    def run(self) -> DemoSummary:
        # Every service flushes what its own checks need to read; without autoflush the audit
        # and event rows ride along with the next flush instead of costing one of their own
        # (the load takes about half the time).
        with self.session.no_autoflush:
            return self._run()

    def _phase(self, name: str, done: str | None = None) -> None:
        if self.phases is not None:
            self.phases(name, done)

    def _run(self) -> DemoSummary:
        self._phase("organisation tree")
        self._tree()
        self._allocate()
        for unit in self.units:
            self._people(unit)
        self._flags()
        self._id_numbers()
        self._phase(
            "organisation tree",
            f"{self.org_count:,} organisations, {len(self.villages):,} villages",
        )
        self._phase("members")
        self._register()
        self._phase("members", f"{len(self.people):,} registered")
        self._phase("status changes, transfers, positions, accounts")
        self._statuses()
        self._pending_transfer()
        self._positions()
        self._vacate()
        logins = self._accounts()
        self.session.flush()
        active = sum(1 for p in self.people if p.status in ACTIVE)
        self._phase(
            "status changes, transfers, positions, accounts",
            f"{active:,} members on the roster, {len(logins)} accounts",
        )
        if self.progress is not None:
            self.progress(len(self.people), len(self.people))
        return DemoSummary(
            organisations=self.org_count,
            members=len(self.people),
            active_members=active,
            accounts=len(logins),
            villages=len(self.villages),
            branches=len(self.units),
            logins=logins,
        )

    # -- the organisation tree --------------------------------------------------------------------

    def _tree(self) -> None:
        r = self.rng
        self.root = self._org(
            None,
            COUNTY_CODE,
            f"{COUNTY_NAME}委",
            OrgKind.county,
            established_on=date(1950, 3, 1),
            address=f"四川省阿坝藏族羌族自治州{COUNTY_NAME}",
        )
        counts = list(VILLAGES_PER_TOWNSHIP)
        r.shuffle(counts)
        used_names: set[str] = set()
        township_population = 0
        for ti, (tname, qiang, tibetan, hui) in enumerate(TOWNSHIPS):
            suffix = tname[-1]
            tcode = f"{COUNTY_CODE}-T{ti + 1:02d}"
            committee = self._org(
                self.root,
                tcode,
                f"{tname}党委",
                OrgKind.committee,
                established_on=self._est(1950, 1956),
                address=f"{COUNTY_NAME}{tname}",
            )
            ethnic = (qiang, tibetan, hui)
            agency = _Unit(
                self._org(
                    committee,
                    f"{tcode}-J1",
                    f"{tname}机关党支部",
                    OrgKind.branch,
                    branch_type=BranchType.agency.value,
                    established_on=self._est(1956, 1980),
                ),
                BranchType.agency,
                ethnic=(0.10 + qiang / 3, 0.02 + tibetan / 3, hui),
                township=ti,
            )
            self.units.append(agency)
            self.townships.append((committee, agency, suffix))
            population = r.randint(800, 3000)  # the township seat
            for vi in range(counts[ti]):
                vname = self._village_name(used_names)
                vpop = r.randint(600, 2500)
                population += vpop
                vcode = f"{tcode}-V{vi + 1:02d}"
                branch = self._org(
                    committee,
                    vcode,
                    f"{vname}党支部",
                    OrgKind.branch,
                    branch_type=BranchType.village.value,
                    population=vpop,
                    established_on=self._est(1952, 1985),
                    address=f"{COUNTY_NAME}{tname}{vname}",
                )
                unit = _Unit(branch, BranchType.village, ethnic=ethnic, township=ti)
                n_groups = 3 if vpop >= 1500 else 2
                for gi in range(n_groups):
                    unit.groups.append(
                        self._org(
                            branch,
                            f"{vcode}-G{gi + 1}",
                            f"{vname}第{'一二三'[gi]}党小组",
                            OrgKind.group,
                        )
                    )
                self.units.append(unit)
                self.villages.append(unit)
            if ti in COMMUNITY_GENERAL_BRANCHES:
                gname, communities = COMMUNITY_GENERAL_BRANCHES[ti]
                general = self._org(
                    committee,
                    f"{tcode}-Z1",
                    gname,
                    OrgKind.general_branch,
                    branch_type=BranchType.community.value,
                    established_on=self._est(1995, 2012),
                )
                children = []
                for ci, cname in enumerate(communities):
                    cpop = r.randint(3000, 8000)
                    population += cpop
                    unit = _Unit(
                        self._org(
                            general,
                            f"{tcode}-Z1-S{ci + 1}",
                            f"{cname}党支部",
                            OrgKind.branch,
                            branch_type=BranchType.community.value,
                            population=cpop,
                            established_on=self._est(1995, 2012),
                        ),
                        BranchType.community,
                        ethnic=ethnic,
                        township=ti,
                    )
                    self.units.append(unit)
                    children.append(unit)
                self.general_branches.append((general, children))
            committee = orgs.update_fields(
                self.ctx, _pk(committee), version=None, changes={"population": population}
            )
            township_population += population

        self.agency_committee = self._org(
            self.root,
            f"{COUNTY_CODE}-J",
            f"中共{COUNTY_NAME}直属机关工作委员会",
            OrgKind.committee,
            established_on=date(1984, 6, 1),
        )
        for ai, aname in enumerate(COUNTY_AGENCIES):
            unit = _Unit(
                self._org(
                    self.agency_committee,
                    f"{COUNTY_CODE}-J-B{ai + 1:02d}",
                    aname,
                    OrgKind.branch,
                    branch_type=BranchType.agency.value,
                    established_on=self._est(1984, 2005),
                ),
                BranchType.agency,
                ethnic=(0.18, 0.06, 0.01),
            )
            self.units.append(unit)
            self.county_units[aname] = unit
        for suffix, name, btype, _sizes in COUNTY_BRANCHES:
            unit = _Unit(
                self._org(
                    self.root,
                    f"{COUNTY_CODE}-{suffix}",
                    name,
                    OrgKind.branch,
                    branch_type=btype.value,
                    established_on=self._est(1985, 2015),
                ),
                btype,
                ethnic=(0.22, 0.05, 0.01),
            )
            self.units.append(unit)
            self.county_units[suffix] = unit
        orgs.update_fields(
            self.ctx,
            _pk(self.root),
            version=None,
            changes={"population": township_population + r.randint(15000, 25000)},
        )

    def _village_name(self, used: set[str]) -> str:
        while True:
            a, b = self.rng.choice(VILLAGE_FIRST), self.rng.choice(VILLAGE_SECOND)
            name = f"{a}{b}村"
            if name not in used:
                used.add(name)
                return name

    # -- how many members where -------------------------------------------------------------------

    def _allocate(self) -> None:
        r = self.rng
        # The deliberate designs: old villages (重点村) and the three non-compliant branches.
        by_code = {u.org.code: u for u in self.villages}

        def village(ti: int, vi: int) -> _Unit:
            code = f"{COUNTY_CODE}-T{ti:02d}-V{vi:02d}"
            return by_code.get(code) or self.villages[(ti * 10 + vi) % len(self.villages)]

        for ti, vi in ((4, 2), (6, 5), (9, 1), (11, 3)):
            u = village(ti, vi)
            u.old = True
        vacant, lone, crowded = village(3, 2), village(5, 3), village(8, 4)
        vacant.design, vacant.size, vacant.fixed = "vacant", 20, True
        lone.design, lone.size, lone.fixed = "lone", 14, True
        crowded.design, crowded.size, crowded.fixed = "crowded", 6, True
        crowded.old = False

        fixed_total = 0
        for u in self.units:
            if u.fixed:
                fixed_total += u.size
            elif u.profile == BranchType.agency:
                u.size, u.fixed = (
                    (r.randint(8, 14) if u.township is not None else r.randint(9, 16)),
                    True,
                )
                fixed_total += u.size
            elif u.profile == BranchType.community:
                u.size, u.fixed = r.randint(16, 28), True
                fixed_total += u.size
        for suffix, _name, _btype, (lo, hi) in COUNTY_BRANCHES:
            u = self.county_units[suffix]
            u.size, u.fixed = r.randint(lo, hi), True
            fixed_total += u.size

        free = [u for u in self.villages if not u.fixed]
        lo, hi = 6, 45
        remaining = min(max(self.target - fixed_total, lo * len(free)), hi * len(free))
        weights = [(u.org.population or 1000) * r.uniform(0.6, 1.4) for u in free]
        total_w = sum(weights)
        for u, w in zip(free, weights, strict=True):
            u.size = max(lo, min(hi, round(remaining * w / total_w)))
        diff = remaining - sum(u.size for u in free)
        while diff:
            u = r.choice(free)
            step = 1 if diff > 0 else -1
            if lo <= u.size + step <= hi:
                u.size += step
                diff -= step

    # -- the people -------------------------------------------------------------------------------

    def _people(self, unit: _Unit) -> None:
        r = self.rng
        holders: list[Organization] = []
        if unit.groups:
            order = list(range(unit.size))
            r.shuffle(order)
            slots: list[Organization | None] = [None] * unit.size
            for k, i in enumerate(order):
                if k < 2 * len(unit.groups):
                    slots[i] = unit.groups[k % len(unit.groups)]
                elif r.random() < 0.15:
                    slots[i] = unit.org
                else:
                    slots[i] = r.choice(unit.groups)
            holders = [s or unit.org for s in slots]
        else:
            holders = [unit.org] * unit.size
        n_old = -(-unit.size * 62 // 100) if unit.old else 0
        for i, holder in enumerate(holders):
            band = unit.profile.value
            if unit.profile == BranchType.village:
                band = "village_old" if i < n_old else ("village_young" if unit.old else "village")
            person = self._person(unit, holder, band)
            unit.people.append(person)
            self.people.append(person)

    def _person(self, unit: _Unit, holder: Organization, band: str) -> _Person:
        r = self.rng
        p = unit.profile
        male = r.random() < MALE_SHARE[p]
        bands = AGE_BANDS[band]
        lo, hi, _w = r.choices(bands, weights=[b[2] for b in bands])[0]
        age = r.randint(lo, hi)
        birth = add_months(self.today, -12 * age) - timedelta(days=r.randint(1, 364))
        join_max = max(18, min(age - 2, 55))
        join_age = (
            int(round(r.triangular(18, join_max, min(join_max, 25)))) if join_max > 18 else 18
        )
        joined = add_months(birth, 12 * join_age) + timedelta(days=r.randint(1, 300))
        q, t, h = unit.ethnic
        x = r.random()
        ethnicity = (
            "羌族" if x < q else "藏族" if x < q + t else "回族" if x < q + t + h else "汉族"
        )
        if ethnicity == "藏族" and r.random() < 0.6:
            name = (
                "".join(r.sample(TIBETAN_MALE, 2))
                if male
                else (r.choice(TIBETAN_FIRST) + r.choice(TIBETAN_FEMALE))
            )
        else:
            name = self.fake.last_name() + self._given_name(male)
        occupation, front_line, rural = self._work(p, age)
        phone = None
        if r.random() < (0.5 if age > 80 else 0.93):
            phone = "1" + r.choice(PHONE_PREFIXES) + f"{r.randint(0, 99_999_999):08d}"
        fields: dict[str, Any] = {
            "name": name,
            "gender": (Gender.male if male else Gender.female).value,
            "ethnicity": ethnicity,
            "birth_date": birth,
            "education": self._education(p, band, age).value,
            "occupation": occupation,
            "front_line": front_line,
            "rural": rural,
            "joined_on": joined,
            "converted_on": add_months(joined, 12),
            "phone": phone,
        }
        return _Person(unit=unit, holder=holder, age=age, fields=fields)

    def _given_name(self, male: bool) -> str:
        if not male:
            return self.fake.first_name_female()
        given = self.fake.first_name_male()
        while given in FEMININE_GIVEN_NAMES:  # faker's zh_CN male list holds a few
            given = self.fake.first_name_male()
        return given

    def _education(self, p: BranchType, band: str, age: int) -> Education:
        if p == BranchType.village:
            key = "village_old" if age > 60 else "village_young" if age <= 35 else "village"
        elif p == BranchType.community and age > 60:
            key = "community_old"
        else:
            key = p.value
        table = EDUCATION_WEIGHTS[key]
        return self.rng.choices([e for e, _ in table], weights=[w for _, w in table])[0]

    def _work(self, p: BranchType, age: int) -> tuple[str, bool, bool]:
        r = self.rng
        if p == BranchType.village:
            if age <= 40 and r.random() < 0.2:
                return "外出务工人员", True, True
            return "农牧渔民", age < 70, True
        if p == BranchType.community:
            if age > 60:
                return "离退休人员", False, False
            return r.choice(
                [("社区工作者", False, False), ("个体工商户", True, False), ("工人", True, False)]
            )
        if p == BranchType.agency:
            return "党政机关工作人员", False, False
        if p == BranchType.school:
            return "专业技术人员（教师）", True, False
        if p == BranchType.hospital:
            return "专业技术人员（医务人员）", True, False
        if p == BranchType.enterprise:
            return r.choices(
                [
                    ("工人", True, False),
                    ("企业管理人员", False, False),
                    ("专业技术人员", True, False),
                ],
                weights=[60, 25, 15],
            )[0]
        if p == BranchType.two_new:
            return r.choice([("非公有制企业员工", True, False), ("社会组织工作人员", False, False)])
        if p == BranchType.flowing:
            return "外出务工人员", True, True
        return "离退休人员", False, False

    def _flags(self) -> None:
        """Probationary members, pre-1949 veterans, flowing, lost contact, in difficulty."""
        r = self.rng
        today = self.today
        per_unit: dict[str, int] = {}
        candidates = [
            p
            for p in self.people
            if p.age <= 40 and not p.unit.design and not p.unit.old and p.unit.size >= 8
        ]
        n_prob = max(1, round(0.025 * len(self.people)))
        for p in r.sample(candidates, min(n_prob * 2, len(candidates))):
            if n_prob <= 0:
                break
            key = p.unit.org.code
            if per_unit.get(key, 0) >= 2:
                continue
            per_unit[key] = per_unit.get(key, 0) + 1
            n_prob -= 1
            p.status = MemberStatus.probationary.value
            p.fields["joined_on"] = today - timedelta(days=r.randint(15, 350))
            p.fields["converted_on"] = None

        # Veterans who joined before the People's Republic (建国前老党员).
        veterans = [
            p
            for p in self.people
            if p.status == MemberStatus.full.value
            and p.age >= 80
            and p.unit.profile in (BranchType.village, BranchType.retired)
            and not p.unit.design
        ]
        for p in r.sample(veterans, min(5, len(veterans))):
            birth = date(r.randint(1925, 1929), r.randint(1, 12), r.randint(1, 28))
            earliest = max(add_months(birth, 12 * 18) + timedelta(days=1), date(1945, 1, 1))
            span = (date(1949, 9, 30) - earliest).days
            if span <= 0:
                continue
            joined = earliest + timedelta(days=r.randint(0, span))
            p.fields.update(
                birth_date=birth,
                joined_on=joined,
                converted_on=add_months(joined, 12),
                education=Education.primary.value,
                front_line=False,
            )
            p.age = today.year - birth.year
            p.fields["notes"] = "建国前入党的老党员"
            p.busy = True

        def pick(pool: list[_Person], n: int) -> list[_Person]:
            chosen = r.sample(pool, min(n, len(pool)))
            for p in chosen:
                p.busy = True
            return chosen

        def full_since(p: _Person, years: int) -> bool:
            conv = p.fields["converted_on"]
            return (
                p.status == MemberStatus.full.value
                and conv is not None
                and conv <= add_months(today, -12 * years)
            )

        workers = [
            p
            for p in self.people
            if not p.busy
            and full_since(p, 1)
            and 22 <= p.age <= 50
            and p.unit.profile in (BranchType.village, BranchType.flowing)
            and not p.unit.design
        ]
        for i, p in enumerate(pick(workers, 6)):
            p.fields.update(
                flowing=True,
                flow_destination=FLOW_DESTINATIONS[i % len(FLOW_DESTINATIONS)],
                flow_certificate=f"川阿流{today.year - r.randint(0, 2)}{r.randint(1, 999):04d}",
                occupation="外出务工人员",
            )
        # Lost contact: the first will be suspended; the others are only flagged.
        lost = [
            p
            for p in self.people
            if not p.busy
            and full_since(p, 4)
            and 25 <= p.age <= 55
            and p.unit.profile == BranchType.village
            and not p.unit.design
            and not p.unit.old
            and p.unit.size >= 12
        ]
        self.lost = pick(lost, 3)
        for i, p in enumerate(self.lost):
            p.fields["lost_contact_since"] = today - timedelta(
                days=r.randint(800, 1100) if i == 0 else r.randint(200, 500)
            )
            p.fields["notes"] = "外出后与党组织失去联系，多次联系未果"
            p.unit.touched = True
        needy = [
            p
            for p in self.people
            if p.age >= 55 and p.unit.profile in (BranchType.village, BranchType.retired)
        ]
        for p in r.sample(needy, min(20, len(needy))):
            p.fields["in_difficulty"] = True

    def _id_numbers(self) -> None:
        r = self.rng
        for p in self.people:
            if r.random() < (0.10 if p.age > 85 else 0.025):
                continue  # no ID number on file (old paper records)
            if p.unit.profile in (BranchType.village, BranchType.community, BranchType.flowing):
                area = r.choices(["513221", "513223", "513222"], weights=[92, 4, 4])[0]
            else:
                area = r.choices(
                    ["513221", "513223", "513222", "513224", "513228", "513226"],
                    weights=[70, 8, 7, 5, 5, 5],
                )[0]
            male = p.fields["gender"] == Gender.male.value
            for _ in range(20):
                seq = r.randint(0, 499) * 2 + (1 if male else 0)  # odd: male, even: female
                body = f"{area}{p.fields['birth_date']:%Y%m%d}{seq:03d}"
                # GB 11643 check digit; the area codes above are valid for every birth year.
                number = body + ric.calc_check_digit(body + "0")
                if number not in self.id_numbers:
                    self.id_numbers.add(number)
                    p.fields["id_number"] = number
                    break

    def _register(self) -> None:
        total = len(self.people)
        for i, p in enumerate(self.people):
            m = members.register(self.ctx, org_id=_pk(p.holder), status=p.status, **p.fields)
            p.member = m
            if self.progress is not None and (i + 1) % 100 == 0:
                self.progress(i + 1, total)

    # -- what happened to some of them ------------------------------------------------------------

    def _leavers(self, pred: Callable[[_Person], bool], n: int) -> list[_Person]:
        pool = [
            p
            for p in self.people
            if not p.busy
            and p.status == MemberStatus.full.value
            and not p.unit.touched
            and not p.unit.design
            and not p.unit.old
            and p.unit.size >= 10
            and pred(p)
        ]
        self.rng.shuffle(pool)
        out: list[_Person] = []
        for p in pool:
            if len(out) >= n:
                break
            if p.unit.touched:
                continue
            p.unit.touched = True
            p.busy = True
            out.append(p)
        return out

    def _statuses(self) -> None:
        r = self.rng
        for p in self._leavers(
            lambda p: p.age >= 75 and p.unit.profile in (BranchType.village, BranchType.retired), 8
        ):
            on = self._days_ago(20, 700, not_before=p.fields["converted_on"])
            members.change_status(
                self.ctx,
                p.mid,
                to_status=MemberStatus.deceased.value,
                on=on,
                reason=r.choice(["病故", "因病医治无效去世", "年老病逝"]),
                version=None,
            )
            p.status = MemberStatus.deceased.value
        out = self._leavers(
            lambda p: (
                22 <= p.age <= 45
                and p.unit.profile
                in (BranchType.village, BranchType.agency, BranchType.hospital, BranchType.school)
            ),
            6,
        )
        for i, p in enumerate(out):
            org_name, reason = EXTERNAL_ORGS[i % len(EXTERNAL_ORGS)]
            on = self._days_ago(20, 600, not_before=p.fields["converted_on"])
            members.transfer_out(
                self.ctx,
                p.mid,
                external_org_name=org_name,
                letter_number=self._letter(on),
                on=on,
                reason=reason,
                version=None,
            )
            p.status = MemberStatus.transferred_out.value
        if self.lost:
            p = self.lost[0]
            on = self._days_ago(100, 300, not_before=p.fields["lost_contact_since"])
            members.change_status(
                self.ctx,
                p.mid,
                to_status=MemberStatus.suspended.value,
                on=on,
                reason="与党组织失去联系超过六个月，经支部党员大会讨论，停止其党籍",
                version=None,
            )
            p.status = MemberStatus.suspended.value

    def _pending_transfer(self) -> None:
        """One member on the way from the township's second village to its first: the handshake."""
        first, second = self.villages[0], self.villages[1]
        pool = [
            p
            for p in second.people
            if not p.busy and p.status == MemberStatus.full.value and 24 <= p.age <= 45
        ]
        if not pool:
            pool = [p for p in second.people if not p.busy and p.status == MemberStatus.full.value]
        if not pool:
            return
        p = self.rng.choice(pool)
        p.busy = True
        on = self.today - timedelta(days=6)
        members.send_transfer(
            self.ctx,
            p.mid,
            to_org_code=first.org.code,
            on=on,
            reason="婚嫁迁入本村，组织关系随户籍转入",
            letter_number=self._letter(on),
        )

    # -- posts ------------------------------------------------------------------------------------

    def _start(self, p: _Person, max_years: int, *, min_days: int = 60) -> date:
        base = p.fields["converted_on"] or p.fields["joined_on"]
        start = self.today - timedelta(
            days=self.rng.randint(min_days, max(min_days, 365 * max_years))
        )
        if start < base:
            start = min(base + timedelta(days=self.rng.randint(1, 30)), self.today)
        return start

    def _post(
        self,
        p: _Person,
        org: Organization,
        kind: PositionKind,
        *,
        title: str | None = None,
        max_years: int = 10,
    ) -> None:
        members.add_position(
            self.ctx,
            member_id=p.mid,
            org_id=_pk(org),
            kind=kind.value,
            start_on=self._start(p, max_years),
            title=title,
        )
        p.posts += 1

    def _available(self, people: list[_Person], *, full: bool = True) -> list[_Person]:
        return [
            p
            for p in people
            if not p.busy
            and (p.status == MemberStatus.full.value or (not full and p.status in ACTIVE))
        ]

    def _best(self, pool: list[_Person]) -> _Person | None:
        """The likeliest secretary: educated, of working age, not yet holding a post."""
        if not pool:
            return None
        r = self.rng

        def score(p: _Person) -> float:
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

    def _village_cadres(self, unit: _Unit, secretary: _Person) -> None:
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
                    org_id=_pk(p.unit.org),
                    kind=PositionKind.village_cadre.value,
                    start_on=start,
                    title=title,
                )
                members.end_position(self.ctx, _pk(pos), end_on=end, version=None)
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

    # -- accounts ---------------------------------------------------------------------------------

    def _accounts(self) -> list[tuple[str, str, str, str]]:
        township = self.townships[0][0]
        village = self.villages[0]
        group = village.groups[0]
        homes = {
            "county": (self.root, f"{COUNTY_NAME}委组织部"),
            "township": (township, f"{township.name}组织委员"),
            "village": (village.org, f"{village.org.name}书记"),
            "group": (group, f"{group.name}组长"),
            "viewer": (self.root, f"{COUNTY_NAME}委组织部（只读）"),
        }
        logins = []
        for username, role, _desc in DEMO_ACCOUNTS:
            org, display = homes[username]
            accounts.create_account(
                self.session,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                org_id=_pk(org),
                display_name=display,
            )
            logins.append((username, DEMO_PASSWORD, role, org.name))
        return logins


def load_demo_activity(
    session: Session,
    settings: Settings,
    *,
    today: date | None = None,
    phases: PhaseReport | None = None,
) -> None:
    """The work on top of the roster: candidates at every stage, evaluation rounds,
    assistance cases and funds, a year of meetings. Runs after `load_demo`, through the
    same services; `phases` as in `load_demo`."""
    from partygraph.demo.assistance import load_assistance_demo
    from partygraph.demo.branch_life import load_branch_life_demo
    from partygraph.demo.candidate import load_pipeline_demo
    from partygraph.demo.evaluation import load_evaluation_demo

    def phase(name: str, done: str | None = None) -> None:
        if phases is not None:
            phases(name, done)

    today = today or date.today()
    try:
        phase("candidates")
        pipeline = load_pipeline_demo(session, settings, today)
        session.commit()
        phase(
            "candidates",
            f"{pipeline.candidates:,} candidates, {pipeline.meetings:,} meetings, "
            f"{pipeline.plans:,} plans",
        )
        phase("evaluations")
        evaluation = load_evaluation_demo(session, settings, today)
        session.commit()
        phase(
            "evaluations",
            f"{evaluation.rounds_closed + evaluation.rounds_open:,} rounds, "
            f"{evaluation.outcomes:,} outcomes, {evaluation.flags:,} flags",
        )
        phase("assistance")
        assistance = load_assistance_demo(session, settings, today)
        session.commit()
        phase(
            "assistance",
            f"{sum(assistance.cases.values()):,} cases, {assistance.funds:,} funds, "
            f"{assistance.loans:,} loans, {assistance.pairings:,} pairings",
        )
        phase("branch life")
        life = load_branch_life_demo(session, settings, today)
        session.commit()
        phase(
            "branch life",
            f"{life.meetings:,} meetings, {life.terms:,} terms, "
            f"{life.four_step_items:,} four-step items",
        )
    except BaseException:
        session.rollback()
        raise

