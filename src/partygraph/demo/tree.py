"""The demo county's organisation tree (岷江县): the county committee, eleven townships with
their villages and party groups, communities under general branches, county agencies and
branches; then how many members each branch holds."""

from __future__ import annotations

from datetime import date

from partygraph.demo.base import LoaderBase, Unit, pk
from partygraph.models.organization import BranchType, Organization, OrgKind
from partygraph.services import organization as orgs

COUNTY_NAME = "岷江县"
COUNTY_CODE = "C001"

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


class TreeSteps(LoaderBase):
    # -- the organisation tree --------------------------------------------------------------------

    def _tree(self) -> None:
        """The county committee, its townships with their villages and communities, the
        county agencies under the agency work committee and the county's own branches."""
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
        for ti, township in enumerate(TOWNSHIPS):
            township_population += self._township(ti, township, counts[ti], used_names)
        self._county_agencies()
        self._county_branches()
        orgs.update_fields(
            self.ctx,
            pk(self.root),
            version=None,
            changes={"population": township_population + r.randint(15000, 25000)},
        )

    def _township(
        self,
        ti: int,
        township: tuple[str, float, float, float],
        n_villages: int,
        used_names: set[str],
    ) -> int:
        """A township committee with its agency branch, villages and communities; answers
        the township's population (its seat, villages and communities)."""
        tname, qiang, tibetan, hui = township
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
        agency = Unit(
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
        self.townships.append((committee, agency, tname[-1]))
        population = self.rng.randint(800, 3000)  # the township seat
        for vi in range(n_villages):
            population += self._village(committee, ti, vi, ethnic, used_names)
        if ti in COMMUNITY_GENERAL_BRANCHES:
            population += self._communities(committee, ti, ethnic)
        orgs.update_fields(
            self.ctx, pk(committee), version=None, changes={"population": population}
        )
        return population

    def _village(
        self,
        committee: Organization,
        ti: int,
        vi: int,
        ethnic: tuple[float, float, float],
        used_names: set[str],
    ) -> int:
        """A village branch with its two or three party groups; answers its population."""
        tname = TOWNSHIPS[ti][0]
        vname = self._village_name(used_names)
        vpop = self.rng.randint(600, 2500)
        vcode = f"{committee.code}-V{vi + 1:02d}"
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
        unit = Unit(branch, BranchType.village, ethnic=ethnic, township=ti)
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
        return vpop

    def _communities(
        self, committee: Organization, ti: int, ethnic: tuple[float, float, float]
    ) -> int:
        """The township's community general branch and its community branches; answers
        the communities' population."""
        tcode = committee.code
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
        population = 0
        for ci, cname in enumerate(communities):
            cpop = self.rng.randint(3000, 8000)
            population += cpop
            unit = Unit(
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
        return population

    def _county_agencies(self) -> None:
        """The agency work committee (直属机关工委) and the county agencies' branches."""
        self.agency_committee = self._org(
            self.root,
            f"{COUNTY_CODE}-J",
            f"中共{COUNTY_NAME}直属机关工作委员会",
            OrgKind.committee,
            established_on=date(1984, 6, 1),
        )
        for ai, aname in enumerate(COUNTY_AGENCIES):
            unit = Unit(
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

    def _county_branches(self) -> None:
        """The branches directly under the county committee (school, hospital, ...)."""
        for suffix, name, btype, _sizes in COUNTY_BRANCHES:
            unit = Unit(
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

        def village(ti: int, vi: int) -> Unit:
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
