"""Synthetic organisation trees and members at scale, bulk-loaded.

`generate(engine, "county")` plants a realistic tree and population in an empty,
migrated database:

    province → prefectures → counties → townships (base committees) →
    villages / communities (under a general branch) / agency / enterprise / school
    branches → party groups

A county is ≈ 760 organisations and 20,000 members (docs/domain.md §2: 825 / 20,135 in
seed 004); a prefecture is 10 counties; a province is 20 prefectures of 10 counties
(≈ 152,000 organisations, 4,000,000 members). Members have realistic spreads of
gender, age, education, ethnicity, status and flags per kind of branch; branches
get their secretary and committee (≥ 7 full members: 3–5 posts, docs/domain.md §2), groups
their leader, villages their director and cadres.

Bulk loading, never one ORM object at a time: the generator assigns every id itself
(so a path is `parent.path + path_segment(id)` with no round trip), writes rows with
`executemany` on SQLite and `COPY ... FROM STDIN` on PostgreSQL, with the big tables'
secondary indexes and constraints dropped during the load and rebuilt after it (in
the same transaction), then moves the sequences past the generated ids and runs
ANALYZE. Only the few accounts go through `services.account` (argon2 hashes).

Pinyin search keys come from `services.member.name_keys`, computed once per distinct
name: names are drawn from a small surname × given-name table, so the pinyin cost is
per distinct name (≈ 10,000), not per row.

More tables plug in as `TableGenerator`s (see `EXTRA_GENERATORS` and `PROPORTIONS`):
each gets the `Population` (the tree, every member-holding unit with its member id
range and status counts) after members and positions are loaded. The candidates, last
year's evaluations and the assistance cases, funds and loans come that way
(`gen_records.py`); then the roster rollup (`rollup.rebuild`) is recounted.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text
from stdnum.cn import ric

from partygraph.demo import TIBETAN_FEMALE, TIBETAN_FIRST, TIBETAN_MALE  # one list for both
from partygraph.demo.members import AGE_BANDS as DEMO_AGE_BANDS
from partygraph.demo.members import EDUCATION_WEIGHTS as DEMO_EDUCATION_WEIGHTS
from partygraph.demo.members import PHONE_PREFIXES as DEMO_PHONE_PREFIXES
from partygraph.models.member import (
    COMMITTEE_KINDS,
    POSITION_LABELS,
    Education,
    PositionKind,
)
from partygraph.models.organization import PATH_SEGMENT_WIDTH, BranchType, OrgKind, path_segment
from partygraph.reports import rollup
from partygraph.rules.base import add_months
from partygraph.services.member import name_keys
from partygraph_bench.gen_records import generate_records

BENCH_PASSWORD = "partygraph-bench"

# --- scales -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    name: str
    root: OrgKind  # province, prefecture or county
    prefectures: int  # under a province root
    counties: int  # per prefecture (1 when the root is a county)
    townships: tuple[int, int]  # per county, inclusive range
    villages: tuple[int, int]  # per township
    county_agencies: int  # agency branches under the county's 直属机关工委
    county_branches: dict[BranchType, int]  # branches directly under the county
    members_per_county: int

    @property
    def county_count(self) -> int:
        if self.root == OrgKind.county:
            return 1
        return self.counties * (self.prefectures if self.root == OrgKind.province else 1)


_COUNTY_BRANCHES = {
    BranchType.school: 4,
    BranchType.hospital: 2,
    BranchType.enterprise: 6,
    BranchType.retired: 2,
    BranchType.flowing: 1,
    BranchType.two_new: 4,
}
# What a county-level branch of each kind is called (第N…党支部).
COUNTY_BRANCH_LABELS = {
    BranchType.school: "中学",
    BranchType.hospital: "医院",
    BranchType.enterprise: "公司",
    BranchType.retired: "离退休干部",
    BranchType.flowing: "驻外流动党员",
    BranchType.two_new: "联合",
}
_COUNTY: dict[str, Any] = dict(
    townships=(13, 15),
    villages=(9, 14),
    county_agencies=36,
    county_branches=_COUNTY_BRANCHES,
    members_per_county=20_000,
)

SCALES: dict[str, Scale] = {
    "tiny": Scale(
        "tiny", OrgKind.county, 0, 1, townships=(2, 2), villages=(3, 3), county_agencies=2,
        county_branches={BranchType.school: 1, BranchType.retired: 1, BranchType.flowing: 1},
        members_per_county=400,
    ),
    "county": Scale("county", OrgKind.county, 0, 1, **_COUNTY),
    "prefecture": Scale("prefecture", OrgKind.prefecture, 0, 10, **_COUNTY),
    "province": Scale("province", OrgKind.province, 20, 10, **_COUNTY),
}  # fmt: skip

# --- proportions and plug-in points for the tables generated after the members ---------------

# docs/domain.md §2/§4/§5/§6 figures the table generators follow: fractions of a branch's members
# unless said otherwise. A county of ~20,000 members has ~1,100 activists and 2–3 times as many
# applicants; development targets are about a year's intake; every probationary member on the
# roster and every full member who joined in the last three years has a file (linked by
# member_id); in-difficulty members are ≈ 4 % (set on the member rows), each with an open case.
PROPORTIONS: dict[str, float] = {
    "in_difficulty": 0.04,  # members flagged in difficulty (set here on the member rows)
    "applicants": 0.14,  # open applications (≈ 2.5 × the activists)
    "activists": 0.055,  # ≈ 1,100 per county of 20,000
    "targets": 0.02,  # development targets (≈ a year's intake)
    "withdrawn": 0.004,  # files ended by the applicant
    "removed_from_pool": 0.003,  # activists taken out of the pool
    "not_admitted": 0.001,  # targets not admitted (failed political review)
    "probation_cancelled": 0.0005,  # probationary membership cancelled (a member record too)
    "pipeline_full_years": 2,  # full members who joined within this many years have a file
    "evaluation_rounds_per_branch_year": 1.0,  # democratic evaluation, yearly per branch (§5): last year
    "evaluation_open_rounds": 0.04,  # last year's rounds still open (R-EVAL-01 alerts)
    "evaluation_excellent": 0.15,
    "evaluation_basically_qualified": 0.04,  # warning talk within a month (R-EVAL-03)
    "evaluation_not_qualified": 0.01,  # 不合格, limited-time correction (R-EVAL-02)
    "assistance_cases": 1.0,  # one open case per member in difficulty (docs/domain.md §6)
    "assistance_closed": 0.15,  # closed cases (former difficulty), per open case
    "assistance_refused": 0.04,  # refused applications, per open case
    "assistance_grants": 0.3,  # cases under help that got a grant from a fund
    "assistance_loans": 0.08,  # cases under help with a repayable loan (R-AID-03)
    "loan_missed": 0.15,  # loans whose borrower stopped repaying (overdue)
}


@dataclass
class Unit:
    """A branch that holds members (itself, or its party groups)."""

    org_id: int
    path: str
    profile: BranchType
    county: int  # index of its county
    holders: list[tuple[int, str]]  # (org id, path) the members sit in: the groups, or the branch
    weight: float = 1.0
    size: int = 0
    first_member_id: int = 0  # members first_member_id .. first_member_id + size - 1
    full_members: int = 0


@dataclass
class Population:
    """What a later table generator sees: the tree and where every member is."""

    dialect: str
    rng: random.Random
    today: date
    units: list[Unit]
    orgs: int
    members: int
    next_ids: dict[str, int]  # table name → the next free id, for generators that assign ids
    organizations: list[tuple[Any, ...]] = field(default_factory=list)  # rows in ORG_COLUMNS order
    now: Any = None  # created_at / updated_at as the sink writes it (text on SQLite)
    name_keys: Callable[[str], tuple[str, str]] = (
        name_keys  # pinyin keys, memoised by the generator
    )
    phases: dict[str, float] = field(
        default_factory=dict
    )  # a generator's own timings, reported with the load's

    def take_ids(self, table: str, n: int) -> int:
        """Reserve n ids of `table`; returns the first."""
        first = self.next_ids.get(table, 1)
        self.next_ids[table] = first + n
        return first


# (phase name, function(population, sink) -> rows written per table). Each runs in its own
# transaction after members and positions are loaded; the tables it names get their
# sequences moved past the generated ids. See bench/gen_*.py.
TableGenerator = Callable[[Population, "Sink"], dict[str, int]]
EXTRA_GENERATORS: list[tuple[str, TableGenerator]] = [
    ("records", generate_records),  # candidates, evaluations, assistance (docs/domain.md §4–§6)
]


# --- the vocabulary ------------------------------------------------------------------------------

# Surnames weighted roughly by their national frequency (%).
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.1), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("赵", 2.3), ("黄", 2.2),
    ("周", 2.1), ("吴", 2.0), ("徐", 1.7), ("孙", 1.5), ("胡", 1.3), ("朱", 1.3), ("高", 1.2), ("林", 1.2),
    ("何", 1.2), ("郭", 1.1), ("马", 1.1), ("罗", 0.9), ("梁", 0.9), ("宋", 0.8), ("郑", 0.8), ("谢", 0.7),
    ("韩", 0.7), ("唐", 0.7), ("冯", 0.6), ("于", 0.6), ("董", 0.6), ("萧", 0.6), ("程", 0.6), ("曹", 0.6),
    ("袁", 0.5), ("邓", 0.5), ("许", 0.5), ("傅", 0.5), ("沈", 0.5), ("曾", 0.5), ("彭", 0.5), ("吕", 0.5),
    ("苏", 0.5), ("卢", 0.5), ("蒋", 0.5), ("蔡", 0.5), ("贾", 0.4), ("丁", 0.4), ("魏", 0.4), ("薛", 0.4),
    ("叶", 0.4), ("阎", 0.4), ("余", 0.4), ("潘", 0.4), ("杜", 0.4), ("戴", 0.3), ("夏", 0.3), ("钟", 0.3),
    ("汪", 0.3), ("田", 0.3), ("任", 0.3), ("姜", 0.3), ("范", 0.3), ("方", 0.3), ("石", 0.3), ("姚", 0.3),
    ("谭", 0.3), ("廖", 0.3), ("邹", 0.3), ("熊", 0.3), ("金", 0.3), ("陆", 0.3), ("郝", 0.3), ("孔", 0.3),
    ("白", 0.3), ("崔", 0.3), ("康", 0.3), ("毛", 0.3), ("邱", 0.3), ("秦", 0.3), ("江", 0.3), ("史", 0.2),
    ("欧阳", 0.1), ("司马", 0.05),
]  # fmt: skip
MALE_GIVEN = [
    "建国",
    "建军",
    "建华",
    "国强",
    "国庆",
    "志强",
    "志明",
    "永红",
    "永强",
    "春生",
    "德明",
    "德华",
    "文斌",
    "文杰",
    "海涛",
    "海峰",
    "洪波",
    "红兵",
    "卫东",
    "卫国",
    "伟",
    "强",
    "军",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "鹏",
    "华",
    "飞",
    "鑫",
    "波",
    "斌",
    "宇",
    "浩",
    "凯",
    "健",
    "俊",
    "帆",
    "帅",
    "旭",
    "宁",
    "龙",
    "林",
    "子豪",
    "浩然",
    "宇航",
    "俊杰",
    "家豪",
    "明轩",
    "志远",
    "晓东",
    "晓峰",
    "振华",
    "振兴",
    "学文",
    "学军",
    "光明",
    "光辉",
    "成龙",
    "金山",
    "玉林",
    "云飞",
    "大勇",
]
FEMALE_GIVEN = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "秀珍",
    "凤英",
    "玉梅",
    "玉珍",
    "淑珍",
    "丽华",
    "丽娟",
    "红梅",
    "红霞",
    "春梅",
    "春燕",
    "海燕",
    "晓燕",
    "晓红",
    "小红",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "燕",
    "玲",
    "婷",
    "雪",
    "琳",
    "洁",
    "颖",
    "倩",
    "思琪",
    "欣怡",
    "梓涵",
    "雨欣",
    "佳怡",
    "子涵",
    "诗涵",
    "梦琪",
    "慧敏",
    "文静",
    "雅琴",
    "淑芬",
    "美玲",
    "金凤",
    "彩霞",
    "翠兰",
    "琼",
    "萍",
    "莉",
    "英",
]

# Minority mixes a county may have (most counties are nearly all Han).
ETHNIC_MIXES: list[list[tuple[str, float]]] = [
    [("汉族", 98.5), ("回族", 0.8), ("满族", 0.4), ("土家族", 0.3)],
    [("汉族", 97.0), ("苗族", 1.5), ("土家族", 1.5)],
    [("汉族", 60.0), ("羌族", 30.0), ("藏族", 9.0), ("回族", 1.0)],
    [("汉族", 55.0), ("藏族", 40.0), ("羌族", 4.0), ("回族", 1.0)],
    [("汉族", 70.0), ("彝族", 28.0), ("回族", 2.0)],
]
ETHNIC_MIX_WEIGHTS = [60, 15, 10, 8, 7]

# Per kind of branch: male share, (age low, high, weight) bands, education weights.
MALE_SHARE: dict[BranchType, float] = {
    BranchType.village: 0.75, BranchType.community: 0.50, BranchType.agency: 0.55,
    BranchType.school: 0.42, BranchType.hospital: 0.38, BranchType.enterprise: 0.70,
    BranchType.two_new: 0.60, BranchType.flowing: 0.80, BranchType.retired: 0.72,
}  # fmt: skip
# One set of spreads for both: the bench draws from the demo county's tables.
AGE_BANDS: dict[BranchType, list[tuple[int, int, int]]] = {t: DEMO_AGE_BANDS[t] for t in BranchType if t in DEMO_AGE_BANDS}
EDUCATION: dict[str, list[tuple[Education, int]]] = dict(DEMO_EDUCATION_WEIGHTS)
OCCUPATIONS: dict[BranchType, list[str]] = {
    BranchType.village: ["农民", "农民", "农民", "农民", "外出务工", "个体工商户", "村干部"],
    BranchType.community: ["社区工作者", "个体工商户", "离退休人员", "企业职工", "自由职业者"],
    BranchType.agency: ["公务员", "公务员", "事业单位人员"],
    BranchType.school: ["教师", "教师", "教师", "学校管理人员"],
    BranchType.hospital: ["医生", "护士", "医技人员"],
    BranchType.enterprise: ["企业职工", "专业技术人员", "企业管理人员"],
    BranchType.two_new: ["企业职工", "个体工商户", "社会组织工作者"],
    BranchType.flowing: ["外出务工", "外出务工", "个体工商户"],
    BranchType.retired: ["离退休人员"],
}
FRONT_LINE = {"农民", "外出务工", "企业职工", "专业技术人员", "医生", "护士", "教师"}
FLOW_DESTINATIONS = [
    "四川省成都市武侯区", "广东省东莞市长安镇", "浙江省宁波市北仑区", "广东省深圳市宝安区",
    "新疆维吾尔自治区乌鲁木齐市", "福建省晋江市", "江苏省苏州市昆山市", "重庆市渝北区",
]  # fmt: skip
# One list for both: the bench draws from the demo county's prefixes but for 99 and 73.
PHONE_PREFIXES = [p for p in DEMO_PHONE_PREFIXES if p not in ("99", "73")]
# Weights (per mille) of the closed statuses among all member records; the rest are on the roster.
CLOSED_STATUSES = [
    ("transferred_out", 6),
    ("deceased", 5),
    ("left", 1),
    ("removed", 1),
    ("expelled", 1),
    ("suspended", 1),
]
# Member-holding weight per kind of branch (a village of average population = 1.0).
UNIT_WEIGHT: dict[BranchType, float] = {
    BranchType.village: 1.0, BranchType.community: 0.9, BranchType.agency: 0.45,
    BranchType.school: 0.8, BranchType.hospital: 1.3, BranchType.enterprise: 0.55,
    BranchType.two_new: 0.25, BranchType.flowing: 0.6, BranchType.retired: 1.2,
}  # fmt: skip
RURAL = {BranchType.village, BranchType.flowing}

PLACE_A = (
    "桃杏龙凤高新白黄石青红金银马牛羊茶竹松云月花和兴联油板草雁麻玉老河山安平永宁长顺丰乐太明清福寿"
)
PLACE_B = "坪溪沟岩坝湾岭寨坡口关桥台林田顶门峰堡园川营场江河湖山"
CITY_A = "安宁广平庆永兴宜富嘉德泰昌隆华阳川南北东西清远定临"
CITY_B = "州阳城江源宁安昌山川平都陵水"

ORG_COLUMNS = (
    "id", "parent_id", "path", "depth", "code", "name", "kind", "branch_type", "established_on",
    "population", "address", "status", "version", "created_at", "updated_at",
)  # fmt: skip
MEMBER_COLUMNS = (
    "id", "org_id", "org_path", "name", "name_pinyin", "name_initials", "gender", "ethnicity",
    "birth_date", "education", "occupation", "front_line", "rural", "joined_on", "converted_on",
    "status", "status_since", "phone", "id_number", "pre_1949", "flowing", "flow_destination",
    "flow_certificate", "lost_contact", "lost_contact_since", "in_difficulty", "version",
    "created_at", "updated_at",
)  # fmt: skip
POSITION_COLUMNS = (
    "id",
    "member_id",
    "org_path",  # the member's (distribution key)
    "org_id",
    "kind",
    "title",
    "start_on",
    "end_on",
    "version",
    "created_at",
    "updated_at",
)

# Accounts: (username, role, where) — where: root | county | township | village | group.
ACCOUNTS = [
    ("bench-top", "county", "root"),
    ("bench-county", "county", "county"),
    ("bench-township", "township", "township"),
    ("bench-village", "village", "village"),
    ("bench-group", "group", "group"),
    ("bench-viewer", "viewer", "county"),
]


# --- sinks: where rows go -------------------------------------------------------------------------


class Sink:
    """Bulk writes on one connection: executemany (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def write(
        self,
        table: str,
        columns: tuple[str, ...],
        rows: Iterable[tuple[Any, ...]],
        batch: int = 20_000,
    ) -> int:
        n = 0
        names = ", ".join(f'"{c}"' for c in columns)  # some columns are keywords ("on")
        if self.dialect == "postgresql":
            dbapi = self.conn.connection.driver_connection  # psycopg's connection
            assert dbapi is not None
            with dbapi.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                self.conn.exec_driver_sql(sql, chunk)
                n += len(chunk)
                chunk = []
        if chunk:
            self.conn.exec_driver_sql(sql, chunk)
            n += len(chunk)
        return n

    @contextmanager
    def without_indexes(self, table: str) -> Iterator[None]:
        """Drop the table's secondary indexes (and, on PostgreSQL, its unique and foreign-key
        constraints) for the load and rebuild them from their own definitions afterwards."""
        c = self.conn
        if self.dialect == "postgresql":
            cons = c.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f') ORDER BY contype DESC"
                ),
                {"t": table},
            ).all()
            idx = c.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = :t AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"
                ),
                {"t": table},
            ).all()
            for name, _ in cons:
                c.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in idx:
                c.exec_driver_sql(f'DROP INDEX "{name}"')
            yield
            c.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            for _, ddl in idx:
                c.exec_driver_sql(ddl)
            for name, ddl in cons:
                c.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {ddl}')
            return
        idx = c.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
            ),
            {"t": table},
        ).all()
        for name, _ in idx:
            c.exec_driver_sql(f'DROP INDEX "{name}"')
        yield
        for _, ddl in idx:
            c.exec_driver_sql(ddl)


# --- the generator ------------------------------------------------------------------------------


@dataclass
class GenerateResult:
    scale: str
    database: str
    seed: int
    organizations: int
    members: int
    positions: int
    accounts: list[tuple[str, str, str, str]]  # username, password, role, home organisation
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def _cum(weights: Iterable[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


# Share of flowing members and of members in difficulty per kind of branch (else 0.5%).
FLOWING_SHARE = {BranchType.flowing: 1.0, BranchType.village: 0.06}
IN_DIFFICULTY_SHARE = {
    BranchType.village: 0.06,
    BranchType.retired: 0.05,
    BranchType.community: 0.04,
}


def _education_key(profile: BranchType, age: int) -> str:
    """Which EDUCATION spread a member is drawn from: villages and communities by age."""
    if profile == BranchType.village:
        return "village_old" if age > 60 else "village_young" if age < 45 else "village"
    if profile == BranchType.community and age > 60:
        return "community_old"
    return profile.value


@dataclass(frozen=True)
class _MemberTables:
    """What every member row looks up: ISO dates by ordinal from 1900, the education
    and closed-status spreads as cumulative weights."""

    base_ord: int
    iso: list[str]
    edu_cw: dict[str, tuple[list[str], list[float]]]
    closed_names: list[str]
    closed_cw: list[float]
    pre_1949: int

    @classmethod
    def of(cls, today_ord: int) -> _MemberTables:
        base_ord = date(1900, 1, 1).toordinal()
        return cls(
            base_ord=base_ord,
            iso=[date.fromordinal(o).isoformat() for o in range(base_ord, today_ord + 1)],
            edu_cw={k: ([e.value for e, _ in v], _cum(w for _, w in v)) for k, v in EDUCATION.items()},
            closed_names=[s for s, _ in CLOSED_STATUSES],
            closed_cw=_cum(w for _, w in CLOSED_STATUSES),
            pre_1949=date(1949, 10, 1).toordinal(),
        )


class _Generator:
    def __init__(self, scale: Scale, seed: int, today: date, dialect: str) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.today = today
        self.today_ord = today.toordinal()
        self.dialect = dialect
        now = datetime.now(UTC).replace(microsecond=0)
        # SQLite stores SQLAlchemy DateTime as text; PostgreSQL's COPY takes the object.
        self.now: Any = now.strftime("%Y-%m-%d %H:%M:%S.000000") if dialect == "sqlite" else now
        self.orgs: list[tuple[Any, ...]] = []
        self.units: list[Unit] = []
        # Per county: committees whose posts come from a unit's members: (org id, unit index, kind)
        self.committee_posts: list[tuple[int, int, str]] = []
        self.ethnic_mix: list[tuple[list[str], list[float]]] = []
        self.anchors: dict[str, tuple[int, str]] = {}
        self.name_cache: dict[str, tuple[str, str]] = {}
        self.id_seq: dict[tuple[int, int, int], int] = {}
        self.positions: list[tuple[Any, ...]] = []
        self.group_leaders: list[tuple[int, int]] = []  # (group org id, member id)
        # Where the members of the units that staff a committee sit (a position row carries its
        # member's path): unit index → each member's holder path, by id order (None: one holder)
        self.unit_paths: dict[int, list[str] | None] = {}
        self.next_member_id = 1
        # R-DEV-24: standing counts from the day probation ended, a calendar year after joining.
        base = date(1900, 1, 1).toordinal()
        self.year_later = [
            add_months(date.fromordinal(o), 12).toordinal() for o in range(base, self.today_ord + 1)
        ]
        surnames = [s for s, _ in SURNAMES]
        self.surnames, self.surname_cw = surnames, _cum(w for _, w in SURNAMES)

    # -- the tree ---------------------------------------------------------------------------------

    def _org(
        self,
        parent: tuple[int, str, int] | None,
        code: str,
        name: str,
        kind: OrgKind,
        branch_type: BranchType | None = None,
        population: int | None = None,
    ) -> tuple[int, str, int]:
        oid = len(self.orgs) + 1
        path = (parent[1] if parent else "") + path_segment(oid)
        depth = parent[2] + 1 if parent else 0
        est = date(self.rng.randint(1950, 2015), self.rng.randint(1, 12), 1).isoformat()
        self.orgs.append(
            (oid, parent[0] if parent else None, path, depth, code, name, kind.value,
             branch_type.value if branch_type else None, est, population, None, "active", 1, self.now, self.now)
        )  # fmt: skip
        return oid, path, depth

    def _unit(
        self,
        org: tuple[int, str, int],
        profile: BranchType,
        county: int,
        holders: list[tuple[int, str, int]] | None = None,
        weight: float = 1.0,
    ) -> int:
        hs = [(h[0], h[1]) for h in (holders or [org])]
        self.units.append(
            Unit(
                org[0],
                org[1],
                profile,
                county,
                hs,
                weight * UNIT_WEIGHT[profile] * self.rng.uniform(0.6, 1.4),
            )
        )
        return len(self.units) - 1

    def _place(self, a: str = PLACE_A, b: str = PLACE_B) -> str:
        return self.rng.choice(a) + self.rng.choice(b)

    def tree(self) -> None:
        s = self.scale
        if s.root == OrgKind.province:
            root = self._org(None, "BP", "川西省委", OrgKind.province)
            prefs: list[tuple[int, str, int] | None] = [
                self._org(
                    root,
                    f"BP-F{i + 1:02d}",
                    f"{CITY_A[i % len(CITY_A)]}{CITY_B[i % len(CITY_B)]}市委",
                    OrgKind.prefecture,
                )
                for i in range(s.prefectures)
            ]
        elif s.root == OrgKind.prefecture:
            root = self._org(None, "BF", "安州市委", OrgKind.prefecture)
            prefs = [root]
        else:
            root = None
            prefs = [None]
        county_index = 0
        for pref in prefs:
            for ci in range(s.counties):
                code = (
                    f"{self.orgs[pref[0] - 1][4] or 'B'}-C{ci + 1:02d}" if pref else "BC"
                )
                self._county(pref, code, county_index)
                county_index += 1
        self.anchors["root"] = root[:2] if root else self.anchors["county"]

    def _county(self, parent: tuple[int, str, int] | None, code: str, ci: int) -> None:
        s, r = self.scale, self.rng
        mix = r.choices(ETHNIC_MIXES, weights=ETHNIC_MIX_WEIGHTS)[0]
        self.ethnic_mix.append(([e for e, _ in mix], _cum(w for _, w in mix)))
        cname = self._place(CITY_A, CITY_B) + "县"
        county = self._org(
            parent, code, f"{cname}委", OrgKind.county, population=r.randint(150_000, 400_000)
        )
        self.anchors.setdefault("county", county[:2])
        for ti in range(r.randint(*s.townships)):
            self._township(county, f"{code}-T{ti + 1:02d}", ci)
        self._county_organs(county, code, cname, ci)
        for btype, n in s.county_branches.items():
            for bi in range(n):
                b = self._org(
                    county,
                    f"{code}-{btype.value[:2].upper()}{bi + 1:02d}",
                    f"{cname}第{bi + 1}{COUNTY_BRANCH_LABELS[btype]}党支部",
                    OrgKind.branch,
                    btype,
                )
                self._unit(b, btype, ci)

    def _township(self, county: tuple[int, str, int], tcode: str, ci: int) -> None:
        """A township committee: its organs' branch, villages, maybe a community general
        branch, an enterprise or two-new branch and a school."""
        r = self.rng
        tname = self._place() + ("镇" if r.random() < 0.6 else "乡")
        committee = self._org(county, tcode, f"{tname}党委", OrgKind.committee)
        self.anchors.setdefault("township", committee[:2])
        agency = self._org(
            committee, f"{tcode}-J1", f"{tname}机关党支部", OrgKind.branch, BranchType.agency
        )
        agency_unit = self._unit(agency, BranchType.agency, ci)
        self.committee_posts.append((committee[0], agency_unit, "township"))
        for vi in range(r.randint(*self.scale.villages)):
            self._village(committee, f"{tcode}-V{vi + 1:02d}", ci)
        if r.random() < 0.4:
            self._communities(committee, tcode, tname, ci)
        if r.random() < 0.6:
            kind = r.choice([BranchType.enterprise, BranchType.two_new])
            b = self._org(
                committee,
                f"{tcode}-E1",
                f"{tname}{self._place()}{'有限公司' if kind == BranchType.enterprise else '协会'}党支部",
                OrgKind.branch,
                kind,
            )
            self._unit(b, kind, ci)
        if r.random() < 0.5:
            b = self._org(
                committee,
                f"{tcode}-S1",
                f"{tname}中心学校党支部",
                OrgKind.branch,
                BranchType.school,
            )
            self._unit(b, BranchType.school, ci)

    def _village(self, committee: tuple[int, str, int], vcode: str, ci: int) -> None:
        """A village branch with two to four party groups, by its population."""
        vname = self._place() + "村"
        pop = self.rng.randint(600, 2600)
        village = self._org(
            committee, vcode, f"{vname}党支部", OrgKind.branch, BranchType.village, pop
        )
        groups = [
            self._org(
                village,
                f"{vcode}-G{gi + 1}",
                f"{vname}第{'一二三四'[gi]}党小组",
                OrgKind.group,
            )
            for gi in range(2 if pop < 1200 else 3 if pop < 2000 else 4)
        ]
        self.anchors.setdefault("village", village[:2])
        self.anchors.setdefault("group", groups[0][:2])
        self._unit(village, BranchType.village, ci, groups, weight=pop / 1600)

    def _communities(
        self, committee: tuple[int, str, int], tcode: str, tname: str, ci: int
    ) -> None:
        """A community general branch over two or three community branches; its posts come
        from the first."""
        r = self.rng
        general = self._org(
            committee,
            f"{tcode}-Z1",
            f"{tname}社区党总支",
            OrgKind.general_branch,
            BranchType.community,
        )
        first = None
        for si in range(r.randint(2, 3)):
            comm = self._org(
                general,
                f"{tcode}-Z1-S{si + 1}",
                f"{self._place()}社区党支部",
                OrgKind.branch,
                BranchType.community,
                r.randint(3000, 9000),
            )
            u = self._unit(comm, BranchType.community, ci)
            first = u if first is None else first
        assert first is not None  # two or three branches were made
        self.committee_posts.append((general[0], first, "general"))

    def _county_organs(self, county: tuple[int, str, int], code: str, cname: str, ci: int) -> None:
        """The organs' working committee and its agency branches, whose members staff it and
        the county committee."""
        s = self.scale
        works = self._org(county, f"{code}-J", f"中共{cname}直属机关工作委员会", OrgKind.committee)
        first_agency = len(self.units)
        for ai in range(s.county_agencies):
            b = self._org(
                works,
                f"{code}-J-B{ai + 1:02d}",
                f"{cname}第{ai + 1}机关党支部",
                OrgKind.branch,
                BranchType.agency,
            )
            self._unit(b, BranchType.agency, ci)
        self.committee_posts.append((works[0], first_agency, "works"))
        self.committee_posts.append(
            (county[0], first_agency + 1 if s.county_agencies > 1 else first_agency, "county")
        )

    def allocate(self) -> None:
        """Spread each county's members over its units by weight (at least 3 each)."""
        per_county: dict[int, list[Unit]] = {}
        for u in self.units:
            per_county.setdefault(u.county, []).append(u)
        target = self.scale.members_per_county
        for units in per_county.values():
            total_w = sum(u.weight for u in units)
            for u in units:
                u.size = max(3, round(target * u.weight / total_w))
        for u in self.units:
            u.first_member_id = self.next_member_id
            self.next_member_id += u.size

    # -- members ----------------------------------------------------------------------------------

    def _keys(self, name: str) -> tuple[str, str]:
        keys = self.name_cache.get(name)
        if keys is None:
            keys = self.name_cache[name] = name_keys(name)
        return keys

    def _id_number(self, region: int, birth_ord: int, birth_iso: str, male: bool) -> str:
        """A valid national ID: region, birth date, sequence (odd for men), check digit."""
        key = (region, birth_ord, male)
        k = self.id_seq.get(key, 0)
        self.id_seq[key] = k + 1
        seq = (k * 2 + (1 if male else 0)) % 1000
        body = f"{region:06d}{birth_iso[:4]}{birth_iso[5:7]}{birth_iso[8:10]}{seq:03d}"
        return body + ric.calc_check_digit(body + "0")

    def members(self, progress: Callable[[int], None] | None = None) -> Iterator[tuple[Any, ...]]:
        """Member rows, unit by unit (ids dense from 1), as tuples in MEMBER_COLUMNS order.

        The hot loop of a province (4 million rows): per-unit vectors from `choices(k=n)`,
        `int(rand() * n)` instead of `randint`, ISO dates from a table, pinyin per name.
        """
        t = _MemberTables.of(self.today_ord)
        staffing = {ui for _, ui, _ in self.committee_posts}
        last_county = -1
        for ui, u in enumerate(self.units):
            if u.county != last_county:
                if progress is not None and last_county >= 0:
                    progress(u.first_member_id - 1)
                last_county = u.county
                self.id_seq.clear()  # ID numbers carry the county's region code: counters per county
            officers, first_in_holder, paths = yield from self._unit_members(u, t)
            if ui in staffing:
                self.unit_paths[ui] = paths
            self._branch_posts(ui, u, officers, first_in_holder, paths)
        if progress is not None:
            progress(self.next_member_id - 1)
        self._committee_posts()

    def _unit_members(
        self, u: Unit, t: _MemberTables
    ) -> Generator[tuple[Any, ...], None, tuple[list[int], dict[int, int], list[str] | None]]:
        """One unit's member rows, drawn from its kind of branch's spreads; returns the
        first full members (the officers to pick from), the first full member of each
        holder, and each member's holder path when the unit has party groups."""
        rand, choices = self.rng.random, self.rng.choices
        today_ord, base_ord, iso, now = self.today_ord, t.base_ord, t.iso, self.now
        keys_of, id_number = self._keys, self._id_number
        n_phone = len(PHONE_PREFIXES)
        n_dest = len(FLOW_DESTINATIONS)
        profile = u.profile
        male_share = MALE_SHARE[profile]
        bands = AGE_BANDS[profile]
        ethnicities, eth_cw = self.ethnic_mix[u.county]
        region = 510000 + u.county
        rural = 1 if profile in RURAL else 0
        flowing_share = FLOWING_SHARE.get(profile, 0.005)
        difficulty = IN_DIFFICULTY_SHARE.get(profile, 0.005)
        holders = u.holders
        n_holders = len(holders)
        n = u.size
        band_picks = choices(bands, cum_weights=_cum(w for _, _, w in bands), k=n)
        eths = choices(ethnicities, cum_weights=eth_cw, k=n)
        family = choices(self.surnames, cum_weights=self.surname_cw, k=n)
        male_names = choices(MALE_GIVEN, k=n)
        female_names = choices(FEMALE_GIVEN, k=n)
        jobs = choices(OCCUPATIONS[profile], k=n)
        officers: list[int] = []
        first_in_holder: dict[int, int] = {}
        paths: list[str] | None = [] if n_holders > 1 else None  # each member's holder path
        full = 0
        for i in range(n):
            mid = u.first_member_id + i
            male = rand() < male_share
            eth = eths[i]
            name = self._name(male, eth, family[i], male_names[i], female_names[i])
            pinyin, initials = keys_of(name)
            lo, hi, _w = band_picks[i]
            age = lo + int(rand() * (hi - lo + 1))
            birth_ord = today_ord - age * 365 - age // 4 - int(rand() * 360)
            values, cw = t.edu_cw[_education_key(profile, age)]
            education = choices(values, cum_weights=cw)[0]
            occupation = jobs[i]
            status, joined_ord, converted, status_since = self._membership(age, birth_ord, t)
            if status == "full":
                full += 1
                if len(officers) < 10:
                    officers.append(mid)
            flowing = 1 if rand() < flowing_share else 0
            lost = 1 if rand() < 0.004 else 0
            holder = holders[0] if n_holders == 1 else holders[int(rand() * n_holders)]
            if paths is not None:
                paths.append(holder[1])
            if status == "full" and holder[0] not in first_in_holder:
                first_in_holder[holder[0]] = mid
            yield (
                mid, holder[0], holder[1], name, pinyin, initials, "male" if male else "female", eth,
                iso[birth_ord - base_ord], education, occupation, 1 if occupation in FRONT_LINE else 0, rural,
                iso[joined_ord - base_ord], iso[converted - base_ord] if converted else None,
                status, iso[status_since - base_ord],
                f"1{PHONE_PREFIXES[int(rand() * n_phone)]}{int(rand() * 100_000_000):08d}" if rand() < 0.85 else None,
                id_number(region, birth_ord, iso[birth_ord - base_ord], male) if rand() < 0.9 else None,
                1 if joined_ord < t.pre_1949 else 0, flowing,
                FLOW_DESTINATIONS[int(rand() * n_dest)] if flowing else None,
                f"LD{u.county:03d}{mid:08d}" if flowing else None,
                lost, iso[today_ord - 400 - int(rand() * 1600) - base_ord] if lost else None,
                1 if rand() < difficulty else 0, 1, now, now,
            )  # fmt: skip
        u.full_members = full
        return officers, first_in_holder, paths

    def _name(self, male: bool, ethnicity: str, family: str, male_given: str, female_given: str) -> str:
        """A member's name: a surname and a given name drawn beforehand, or a Tibetan name."""
        if ethnicity == "藏族":
            return self._tibetan_name(male)
        return family + (male_given if male else female_given)

    def _tibetan_name(self, male: bool) -> str:
        """A given name, half the time after a first name (Tibetan names have no surname)."""
        choices = self.rng.choices
        given = choices(TIBETAN_MALE if male else TIBETAN_FEMALE)[0]
        return choices(TIBETAN_FIRST)[0] + given if self.rng.random() < 0.5 else given

    def _membership(self, age: int, birth_ord: int, t: _MemberTables) -> tuple[str, int, int, int]:
        """(status, joined, converted or 0, status since) as ordinals. Joined between 18
        and min(age - 2, 45); probationary: within the last year; 1.6% closed records."""
        rand = self.rng.random
        today_ord = self.today_ord
        roll = rand()
        if age < 40 and roll < 0.11:
            joined_ord = today_ord - 15 - int(rand() * 345)
            return "probationary", joined_ord, 0, joined_ord
        top = max(18, min(age - 2, 45))
        join_age = 18 + int(rand() * (top - 17))
        joined_ord = min(birth_ord + join_age * 366 + int(rand() * 300), today_ord - 400)
        converted = self.year_later[joined_ord - t.base_ord]
        if roll <= 0.984:
            return "full", joined_ord, converted, converted
        status = self.rng.choices(t.closed_names, cum_weights=t.closed_cw)[0]
        if status == "deceased" and age < 55:
            status = "transferred_out"
        return status, joined_ord, converted, converted + int(rand() * (today_ord - converted))

    # -- positions --------------------------------------------------------------------------------

    @staticmethod
    def _member_path(u: Unit, paths: list[str] | None, member_id: int) -> str:
        return u.holders[0][1] if paths is None else paths[member_id - u.first_member_id]

    def _post(
        self, member_id: int, path: str, org_id: int, kind: PositionKind, *, since_years: int = 6
    ) -> None:
        start = date.fromordinal(
            self.today_ord - self.rng.randint(30, 365 * since_years)
        ).isoformat()
        self.positions.append(
            (
                len(self.positions) + 1,
                member_id,
                path,
                org_id,
                kind.value,
                POSITION_LABELS[kind][0],
                start,
                None,
                1,
                self.now,
                self.now,
            )
        )

    def _branch_posts(
        self,
        ui: int,
        u: Unit,
        officers: list[int],
        first_in_holder: dict[int, int],
        paths: list[str] | None,
    ) -> None:
        if not officers:
            return
        path = self._member_path
        self._post(officers[0], path(u, paths, officers[0]), u.org_id, PositionKind.secretary)
        if u.full_members >= 7:
            size = self.rng.randint(3, 5)
            extra = [
                PositionKind.organisation_officer,
                PositionKind.publicity_officer,
                PositionKind.discipline_officer,
                PositionKind.deputy_secretary,
            ]
            for mid, kind in zip(officers[1:size], extra, strict=False):
                self._post(mid, path(u, paths, mid), u.org_id, kind)
        if u.profile == BranchType.village:
            if self.rng.random() < 0.6:  # 一肩挑: the secretary is also the village director
                self._post(officers[0], path(u, paths, officers[0]), u.org_id, PositionKind.village_director)
            elif len(officers) > 5:
                self._post(officers[5], path(u, paths, officers[5]), u.org_id, PositionKind.village_director)
            for mid in officers[6:8]:
                self._post(mid, path(u, paths, mid), u.org_id, PositionKind.village_cadre, since_years=12)
        if len(u.holders) > 1:
            for org_id, holder_path in u.holders:
                if org_id in first_in_holder:
                    self._post(first_in_holder[org_id], holder_path, org_id, PositionKind.group_leader)

    def _committee_posts(self) -> None:
        """Township committees, general branches, the organs committee and the county itself
        take their posts from the members of a unit under them (officers picked again)."""
        for org_id, ui, kind in self.committee_posts:
            u = self.units[ui]
            if u.full_members == 0:
                continue
            pool = list(range(u.first_member_id, u.first_member_id + u.size))
            picks = self.rng.sample(
                pool, min(len(pool), 5 if kind in ("township", "county") else 3)
            )
            posts = [PositionKind.secretary, PositionKind.deputy_secretary, PositionKind.organisation_officer,
                     PositionKind.discipline_officer, PositionKind.publicity_officer]  # fmt: skip
            for mid, post in zip(picks, posts, strict=False):
                assert post in COMMITTEE_KINDS
                self._post(mid, self._member_path(u, self.unit_paths[ui], mid), org_id, post)


def generate(
    engine: Engine,
    scale: str = "county",
    *,
    seed: int = 1,
    today: date | None = None,
    progress: Progress | None = None,
    password: str = BENCH_PASSWORD,
) -> GenerateResult:
    """Plant the `scale` tree in the (migrated, empty) database behind `engine`."""
    started = time.perf_counter()
    with engine.connect() as c:
        if c.execute(text("SELECT 1 FROM organization LIMIT 1")).first() is not None:
            raise ValueError(
                "the database already holds organisations: bench generate needs an empty, migrated database"
            )
    run = _Run(progress)
    gen = _Generator(SCALES[scale], seed, today or date.today(), engine.dialect.name)
    with run.timed("plan"):
        gen.tree()
        gen.allocate()
    with engine.connect() as c:
        extra = _load(c, gen, run)
    with run.timed("accounts"):
        logins = _accounts(engine, gen, password)
    with run.timed("analyze"):
        run.report("analyze", 0, 1)
        with engine.connect() as c:
            if gen.dialect == "postgresql":
                c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            else:
                c.exec_driver_sql("ANALYZE")
                c.commit()
        run.report("analyze", 1, 1)
    return GenerateResult(
        scale=scale,
        database=gen.dialect,
        seed=seed,
        organizations=len(gen.orgs),
        members=gen.next_member_id - 1,
        positions=len(gen.positions),
        accounts=logins,
        seconds=time.perf_counter() - started,
        phases=run.phases,
        extra=extra,
    )


@dataclass
class _Run:
    """One generate run: where its progress is reported and how long each phase took."""

    progress: Progress | None
    phases: dict[str, float] = field(default_factory=dict)

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    @contextmanager
    def timed(self, phase: str) -> Iterator[float]:
        """Time the block as `phase`; yields when it started, for a phase timed within it."""
        t = time.perf_counter()
        yield t
        self.phases[phase] = time.perf_counter() - t


def _load(c: Connection, gen: _Generator, run: _Run) -> dict[str, int]:
    """Write everything but the accounts, a transaction per table or generator; returns the
    rows each extra table got."""
    dialect = gen.dialect
    if dialect == "sqlite":
        c.exec_driver_sql("PRAGMA foreign_keys=OFF")
        c.exec_driver_sql("PRAGMA synchronous=OFF")
        c.exec_driver_sql("PRAGMA cache_size=-262144")
    else:
        c.exec_driver_sql("SET synchronous_commit = off")
    c.commit()
    sink = Sink(c)
    _load_people(c, sink, gen, run)
    extra = _load_records(c, sink, gen, run)
    with c.begin(), run.timed("rollups"):
        # The roster rollup is kept by the write path, which a bulk load bypasses.
        run.report("rollups", 0, 1)
        rollup.rebuild(c)
        run.report("rollups", 1, 1)
    with c.begin():
        if dialect == "postgresql":
            for table in ("organization", "member", "position", *extra):
                c.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'COALESCE((SELECT max(id) FROM "{table}"), 1), (SELECT count(*) > 0 FROM "{table}"))'
                )
    if dialect == "sqlite":
        c.exec_driver_sql("PRAGMA synchronous=NORMAL")
        c.exec_driver_sql("PRAGMA foreign_keys=ON")
    c.commit()
    return extra


def _load_people(c: Connection, sink: Sink, gen: _Generator, run: _Run) -> None:
    """The organisations, members and positions, each table with its indexes dropped during
    the load when it is big."""
    orgs, positions, members = len(gen.orgs), len(gen.positions), gen.next_member_id - 1
    with c.begin(), run.timed("organizations"):
        run.report("organisations", 0, orgs)
        with sink.without_indexes("organization") if orgs > 5000 else _nothing():
            sink.write("organization", ORG_COLUMNS, gen.orgs)
        run.report("organisations", orgs, orgs)
    with c.begin(), run.timed("members") as started:
        run.report("members", 0, members)
        with sink.without_indexes("member"):
            sink.write(
                "member",
                MEMBER_COLUMNS,
                gen.members(lambda done: run.report("members", done, members)),
            )
            run.phases["members_rows"] = time.perf_counter() - started
            run.report("indexes", 0, 1)
        run.report("members", members, members)
    with c.begin(), run.timed("positions"):
        run.report("positions", 0, positions)
        with sink.without_indexes("position"):
            sink.write("position", POSITION_COLUMNS, gen.positions)
        run.report("positions", positions, positions)


def _load_records(c: Connection, sink: Sink, gen: _Generator, run: _Run) -> dict[str, int]:
    """The tables generated from the population (EXTRA_GENERATORS), each in its transaction."""
    members = gen.next_member_id - 1
    population = Population(
        dialect=gen.dialect,
        rng=gen.rng,
        today=gen.today,
        units=gen.units,
        orgs=len(gen.orgs),
        members=members,
        next_ids={
            "organization": len(gen.orgs) + 1,
            "member": members + 1,
            "position": len(gen.positions) + 1,
        },
        organizations=gen.orgs,
        now=gen.now,
        name_keys=gen._keys,
    )
    extra: dict[str, int] = {}
    for phase, fn in EXTRA_GENERATORS:
        with c.begin(), run.timed(phase):
            run.report(phase, 0, 1)
            for table, n in fn(population, sink).items():
                extra[table] = extra.get(table, 0) + n
            run.report(phase, 1, 1)
    run.phases.update(population.phases)
    return extra


def _accounts(engine: Engine, gen: _Generator, password: str) -> list[tuple[str, str, str, str]]:
    """The bench accounts, through the service (argon2 hashes): username, password, role and
    home organisation of each."""
    from sqlalchemy.orm import Session

    from partygraph.services import account as accounts

    logins: list[tuple[str, str, str, str]] = []
    with Session(engine) as s:
        names = {o[0]: o[5] for o in gen.orgs if o[0] in {a[0] for a in gen.anchors.values()}}
        for username, role, where in ACCOUNTS:
            if where == "root" and gen.scale.root == OrgKind.county:
                continue
            org_id = gen.anchors[where][0]
            accounts.create_account(
                s,
                username=username,
                password=password,
                role=role,
                org_id=org_id,
                display_name=username,
            )
            logins.append((username, password, role, names[org_id]))
        s.commit()
    return logins


@contextmanager
def _nothing() -> Iterator[None]:
    yield


assert PATH_SEGMENT_WIDTH * 12 < 255  # a province tree is 7 levels deep; paths fit easily
