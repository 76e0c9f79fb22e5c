"""Read queries: lookups, filters, search, ordering, keyset pagination, counts, compliance, labels.

Expectations are computed in the test from the rows the test itself created,
never by asking the code under test how it would decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from strawberry.relay import GlobalID

from partygraph.config import Settings
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests.conftest import GQL, LI_ID, TODAY, system_context

ALL_STATUSES = ["probationary", "full", "suspended", "transferred_out", "deceased", "left", "removed", "expelled", "probation_cancelled"]


def age(born: date, on: date = TODAY) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def db_id(gid: str) -> int:
    return int(GlobalID.from_id(gid).node_id)


@dataclass
class Person:
    name: str
    at: str
    gender: str
    born: date
    education: str
    joined: date
    status: str = "full"
    ethnicity: str = "汉族"
    flowing: bool = False


# The world's people (tests/conftest.py), restated so expectations do not depend on the API.
WORLD_PEOPLE = [
    Person("张三", "G1", "male", date(1970, 5, 1), "junior_high", date(1995, 7, 1)),
    Person("李四", "V1", "female", date(1980, 3, 2), "junior_high", date(2005, 7, 1)),
    Person("王五", "V2", "male", date(1950, 1, 1), "junior_high", date(1975, 7, 1)),
    Person("赵六", "G3", "male", date(1990, 8, 8), "junior_high", date(2015, 7, 1)),
    Person("钱七", "V3", "female", date(2000, 1, 1), "junior_high", date(2026, 1, 10), status="probationary"),
]

# More people: equal names, equal dates, age boundaries around TODAY (2026-11-01), every status.
CROWD = [
    Person("阿依", "V2", "female", date(1996, 11, 1), "bachelor", date(2020, 7, 1), ethnicity="羌族"),  # 30 today
    Person("阿依", "V2", "female", date(1996, 11, 2), "bachelor", date(2020, 7, 1), ethnicity="羌族"),  # 29, 30 tomorrow
    Person("白云", "V2", "male", date(1986, 11, 1), "senior_high", date(2010, 7, 1)),  # 40
    Person("陈晨", "V2", "female", date(1985, 11, 2), "junior_college", date(2010, 7, 1)),  # 40, 41 tomorrow
    Person("丁一", "V2", "male", date(1985, 11, 1), "postgraduate", date(2010, 7, 1)),  # 41 today
    Person("冯二", "V1", "male", date(1960, 2, 29), "primary", date(1985, 7, 1), flowing=True),
    Person("郭三", "V1", "female", date(1975, 6, 15), "bachelor", date(2000, 7, 1)),
    Person("黄四", "G1", "male", date(1988, 8, 8), "junior_high", date(2012, 7, 1)),
    Person("蒋五", "G1", "female", date(1999, 9, 9), "bachelor", date(2025, 12, 1), status="probationary"),
    Person("孔六", "V2", "male", date(1925, 3, 3), "primary", date(1948, 7, 1)),  # joined before 1949, 101 years old
    Person("刘七", "V2", "male", date(1955, 5, 5), "junior_high", date(1980, 7, 1), status="suspended"),
    Person("马八", "V1", "male", date(1940, 4, 4), "primary", date(1965, 7, 1), status="deceased"),
    Person("牛九", "G1", "female", date(1970, 1, 1), "senior_high", date(1995, 7, 1), status="transferred_out"),
    Person("张三", "V2", "male", date(1982, 2, 2), "senior_high", date(2010, 7, 1)),  # a second 张三
]
ON_ROSTER = ("probationary", "full")
UNDER = {"C": {"C", "T1", "T2", "V1", "V2", "V3", "G1", "G3"}, "T1": {"T1", "V1", "V2", "G1"}, "V1": {"V1", "G1"}, "V2": {"V2"}}


@pytest.fixture
def crowd(world, session_factory, settings, clock) -> list[Person]:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        for p in CROWD:
            registered = p.status if p.status in ON_ROSTER else "full"
            m = members.register(
                ctx, org_id=world.ids[p.at], name=p.name, gender=p.gender, birth_date=p.born, education=p.education,
                joined_on=p.joined, converted_on=None if registered == "probationary" else date(p.joined.year + 1, p.joined.month, 1),
                status=registered, ethnicity=p.ethnicity, flowing=p.flowing,
            )
            if p.status == "transferred_out":
                members.transfer_out(ctx, m.id, external_org_name="外省", letter_number="1", on=date(2026, 6, 1), reason="x", version=None)  # type: ignore[arg-type]
            elif p.status not in ON_ROSTER:
                members.change_status(ctx, m.id, to_status=p.status, on=date(2026, 6, 1), reason="x", version=None)  # type: ignore[arg-type]
        s.commit()
    return WORLD_PEOPLE + CROWD


def names(data: dict[str, Any]) -> list[str]:
    return [n["name"] for n in data["nodes"]]


def member_list(gql: Any, filter: dict[str, Any] | None = None, *, user: str = "county", **args: Any) -> dict[str, Any]:
    q = """query($f: MemberFilter, $first: Int, $after: String, $order: MemberOrder) {
             members(filter: $f, first: $first, after: $after, orderBy: $order) {
               totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id name joinedOn birthDate } } }"""
    return gql(q, {"f": filter, "first": args.get("first", 100), "after": args.get("after"), "order": args.get("order")}, user=user)["members"]


# --- organisations -------------------------------------------------------------------------------


def test_organization_by_code_with_labels(gql, world):
    q = '{ organization(code: "V1") { code name kind kindLabel branchType branchTypeLabel population depth status parent { code } } }'
    zh = gql(q)["organization"]
    assert zh == {"code": "V1", "name": "布瓦村党支部", "kind": "branch", "kindLabel": "党支部", "branchType": "village",
                  "branchTypeLabel": "村党支部", "population": 1200, "depth": 2, "status": "active", "parent": {"code": "T1"}}
    en = gql(q, lang="en")["organization"]
    assert (en["kindLabel"], en["branchTypeLabel"]) == ("Branch", "Village")
    assert gql('{ organization(code: " V1 ") { code } }')["organization"] == {"code": "V1"}
    assert gql('{ organization(code: "NOPE") { code } }')["organization"] is None
    assert gql("{ organization { code } }")["organization"] is None
    labels = gql('{ organization(code: "T1") { kindLabel } c: organization(code: "C") { kindLabel } }', lang="en")
    assert (labels["organization"]["kindLabel"], labels["c"]["kindLabel"]) == ("Base committee", "County committee")


def test_organization_filters(gql, world):
    q = "query($f: OrgFilter, $o: OrgOrder) { organizations(filter: $f, orderBy: $o, first: 100) { totalCount nodes { code } } }"

    def codes(f: dict[str, Any] | None = None, order: str | None = None, user: str = "county") -> list[str]:
        data = gql(q, {"f": f, "o": order}, user=user)["organizations"]
        assert data["totalCount"] == len(data["nodes"])
        return [n["code"] for n in data["nodes"]]

    assert codes() == ["C", "T1", "V1", "G1", "V2", "T2", "V3", "G3"]  # tree order
    assert codes(order="CODE") == ["C", "G1", "G3", "T1", "T2", "V1", "V2", "V3"]
    assert codes({"kind": ["branch"]}) == ["V1", "V2", "V3"]
    assert codes({"kind": ["group", "committee"]}) == ["T1", "G1", "T2", "G3"]
    assert codes({"branchType": ["village"]}) == ["V1", "V2", "V3"]
    assert codes({"branchType": ["school"]}) == []
    assert codes({"search": "村"}) == ["V1", "G1", "V2", "V3", "G3"]
    assert codes({"search": "第一党小组"}) == ["G1", "G3"]
    assert codes({"search": "T"}) == ["T1", "T2"]  # by code
    assert codes({"search": "%"}) == []  # LIKE wildcards are literal
    assert codes({"under": world.gid("Organization", "T1")}) == ["T1", "V1", "G1", "V2"]
    assert codes({"under": world.gid("Organization", "T1"), "kind": ["branch"], "search": "龙溪"}) == ["V2"]
    assert codes({"kind": ["branch"]}, user="township2") == ["V3"]


def test_descendants_with_a_kind_filter_and_organization_keyset_walk(gql, world):
    q = """query($f: OrgFilter) { organization(code: "C") { descendants(filter: $f, first: 100) { totalCount nodes { code } } } }"""

    def codes(f: dict[str, Any] | None) -> list[str]:
        data = gql(q, {"f": f})["organization"]["descendants"]
        assert data["totalCount"] == len(data["nodes"])
        return [n["code"] for n in data["nodes"]]

    assert codes(None) == ["T1", "V1", "G1", "V2", "T2", "V3", "G3"]  # never itself
    assert codes({"kind": ["branch"]}) == ["V1", "V2", "V3"]
    assert codes({"kind": ["group"]}) == ["G1", "G3"]
    assert codes({"kind": ["county"]}) == []
    t1 = gql('{ organization(code: "T1") { descendants(filter: {kind: [group]}) { nodes { code } } } }', user="township")
    assert t1["organization"]["descendants"]["nodes"] == [{"code": "G1"}]

    q = "query($after: String) { organizations(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { code } } }"
    seen, after, pages = [], None, 0
    while True:
        page = gql(q, {"after": after})["organizations"]
        assert page["totalCount"] == 8
        seen += [n["code"] for n in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["C", "T1", "V1", "G1", "V2", "T2", "V3", "G3"] and pages == 3


def test_member_counts(gql, world, crowd):
    q = "{ organizations(first: 100) { nodes { code memberCounts { total full probationary } } } }"
    got = {n["code"]: n["memberCounts"] for n in gql(q)["organizations"]["nodes"]}
    for code, subtree in {"C": UNDER["C"], "T1": UNDER["T1"], "T2": {"T2", "V3", "G3"}, "V1": UNDER["V1"], "V2": {"V2"},
                          "V3": {"V3", "G3"}, "G1": {"G1"}, "G3": {"G3"}}.items():
        full = sum(1 for p in crowd if p.at in subtree and p.status == "full")
        prob = sum(1 for p in crowd if p.at in subtree and p.status == "probationary")
        assert got[code] == {"total": full + prob, "full": full, "probationary": prob}, code


# --- members: search, filters, roster ------------------------------------------------------------


def test_member_search_by_name_pinyin_and_initials(gql, world, crowd):
    def found(search: str, user: str = "county") -> list[str]:
        return sorted(names(member_list(gql, {"search": search}, user=user)))

    assert found("三") == ["张三", "张三", "郭三"]
    assert found("张三") == ["张三", "张三"]
    assert found("zhangsan") == ["张三", "张三"]
    assert found("zhang") == ["张三", "张三"]
    assert found("ZhangSan") == ["张三", "张三"]
    assert found("zhang san") == ["张三", "张三"]
    assert found("zs") == ["张三", "张三"]
    assert found("ZS") == ["张三", "张三"]
    assert found("ay") == ["阿依", "阿依"]  # initials
    assert found("ayi") == ["阿依", "阿依"]  # pinyin
    assert found("zhangsan", user="village") == ["张三"]
    assert found("%") == [] and found("_") == []  # LIKE wildcards are literal
    assert found(LI_ID) == ["李四"]
    assert found("liuqi") == []  # 刘七 is suspended: off the roster
    assert names(member_list(gql, {"search": "liuqi", "status": ["suspended"]})) == ["刘七"]


def test_the_default_list_is_the_roster(gql, world, crowd):
    roster = sorted(p.name for p in crowd if p.status in ON_ROSTER)
    data = member_list(gql)
    assert sorted(names(data)) == roster and data["totalCount"] == len(roster)
    for status in ALL_STATUSES:
        want = sorted(p.name for p in crowd if p.status == status)
        assert sorted(names(member_list(gql, {"status": [status]}))) == want, status
    want = sorted(p.name for p in crowd if p.status in ("suspended", "deceased", "full"))
    assert sorted(names(member_list(gql, {"status": ["suspended", "deceased", "full"]}))) == want
    assert len(names(member_list(gql, {"status": ALL_STATUSES}))) == len(crowd)


def test_member_filters(gql, world, crowd):
    def expect(pred: Any, **extra: Any) -> list[str]:
        return sorted(p.name for p in crowd if p.status in ON_ROSTER and pred(p))

    def got(f: dict[str, Any], user: str = "county") -> list[str]:
        data = member_list(gql, f, user=user)
        assert data["totalCount"] == len(data["nodes"])
        return sorted(names(data))

    assert got({"gender": "female"}) == expect(lambda p: p.gender == "female")
    assert got({"gender": "male"}) == expect(lambda p: p.gender == "male")
    assert got({"education": ["bachelor", "postgraduate"]}) == expect(lambda p: p.education in ("bachelor", "postgraduate"))
    assert got({"education": ["primary"]}) == expect(lambda p: p.education == "primary")
    assert got({"ethnicity": "羌族"}) == expect(lambda p: p.ethnicity == "羌族")
    assert got({"flowing": True}) == expect(lambda p: p.flowing)
    for lo, hi in ((30, 40), (30, None), (None, 29), (41, 41), (0, 200), (76, 81), (101, 101)):
        f = {k: v for k, v in (("ageMin", lo), ("ageMax", hi)) if v is not None}
        want = expect(lambda p, lo=lo, hi=hi: (lo is None or age(p.born) >= lo) and (hi is None or age(p.born) <= hi))
        assert got(f) == want, (lo, hi, want)
    # the boundary people, by name: 阿依 born 1996-11-01 is 30 today, the other 阿依 is 29
    assert got({"ageMin": 30, "ageMax": 40}).count("阿依") == 1
    assert "丁一" not in got({"ageMin": 30, "ageMax": 40}) and "陈晨" in got({"ageMin": 30, "ageMax": 40})
    for key, subtree in UNDER.items():
        assert got({"under": world.gid("Organization", key)}) == expect(lambda p, s=subtree: p.at in s), key
    assert got({"under": world.gid("Organization", "V2"), "gender": "female", "ageMax": 35}) == ["阿依", "阿依"]
    assert got({"gender": "male"}, user="village") == expect(lambda p: p.gender == "male" and p.at in UNDER["V1"])


# --- ordering and keyset pagination --------------------------------------------------------------

ORDERS = {
    "NAME_ASC": ("name", False), "NAME_DESC": ("name", True), "JOINED_ASC": ("joinedOn", False),
    "JOINED_DESC": ("joinedOn", True), "BIRTH_ASC": ("birthDate", False), "BIRTH_DESC": ("birthDate", True),
}  # fmt: skip


def test_member_ordering_and_keyset_walk(gql, world, crowd):
    everyone = member_list(gql, {"status": ALL_STATUSES})["nodes"]
    assert len(everyone) == len(crowd)
    for order, (field, descending) in ORDERS.items():
        # expected: by the field, ties by id, both in the same direction (names are compared by code point: C collation)
        expected = [n["id"] for n in sorted(everyone, key=lambda n, f=field: (n[f], db_id(n["id"])), reverse=descending)]
        full = member_list(gql, {"status": ALL_STATUSES}, order=order)
        assert [n["id"] for n in full["nodes"]] == expected, order
        # walking the cursors three at a time returns every row exactly once, in the same order
        walked, after, pages = [], None, 0
        while True:
            page = member_list(gql, {"status": ALL_STATUSES}, order=order, first=3, after=after)
            assert page["totalCount"] == len(crowd), order
            assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
            walked += [n["id"] for n in page["nodes"]]
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert walked == expected, order
        assert pages == -(-len(crowd) // 3)


def test_keyset_walk_survives_rows_added_between_pages(gql, world, crowd, session_factory, settings, clock):
    f = {"gender": "male"}
    males = sorted(p.name for p in crowd if p.status in ON_ROSTER and p.gender == "male")
    first = member_list(gql, f, first=4, order="NAME_ASC")
    assert first["totalCount"] == len(males) and names(first) == males[:4]
    # two men are registered: 丁二 sorts behind the cursor (after 丁一, before 张三), 黄五 ahead of it
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        for name in ("丁二", "黄五"):
            members.register(ctx, org_id=world.ids["V2"], name=name, gender="male", birth_date=date(1980, 1, 1), education="bachelor",
                             joined_on=date(2005, 7, 1), converted_on=date(2006, 7, 1))
        s.commit()
    ids, walked, after = [n["id"] for n in first["nodes"]], names(first), first["pageInfo"]["endCursor"]
    while after:
        page = member_list(gql, f, first=4, order="NAME_ASC", after=after)
        assert page["totalCount"] == len(males) + 2
        ids += [n["id"] for n in page["nodes"]]
        walked += names(page)
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(ids) == len(set(ids))  # nothing repeated, as offset paging would
    assert walked == sorted(males + ["黄五"])  # nothing skipped; the row behind the cursor is not seen by this walk


def test_nested_members_walk_matches_the_root_list(gql, world, crowd):
    q = """query($after: String, $order: MemberOrder) { organization(code: "T1") {
             members(first: 4, after: $after, orderBy: $order) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }"""
    for order in ("NAME_ASC", "BIRTH_DESC", "JOINED_ASC"):
        root = [n["id"] for n in member_list(gql, {"under": world.gid("Organization", "T1")}, order=order)["nodes"]]
        walked, after = [], None
        while True:
            page = gql(q, {"after": after, "order": order})["organization"]["members"]
            assert page["totalCount"] == len(root)
            walked += [n["id"] for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert walked == root, order
    # the same organisation asked for twice with different page sizes, in one query (one loader batch)
    both = gql('{ organization(code: "T1") { a: members(first: 1) { totalCount nodes { name } } b: members(first: 3) { nodes { name } } '
               'c: members(first: 0) { totalCount nodes { name } pageInfo { hasNextPage } } } }')["organization"]
    root = names(member_list(gql, {"under": world.gid("Organization", "T1")}))
    assert names(both["a"]) == root[:1] and names(both["b"]) == root[:3] and both["a"]["totalCount"] == len(root)
    assert both["c"] == {"totalCount": len(root), "nodes": [], "pageInfo": {"hasNextPage": True}}


# --- posts, compliance, history, events ----------------------------------------------------------


def expected_warnings(kind: str, *, full: int, members: int, committee: int, secretary: bool) -> set[str]:
    """docs/domain.md §2 in the test's own words (branch work rules, seed 002)."""
    if kind not in ("branch", "general_branch", "committee"):
        return set()
    out = set() if secretary else {"R-ORG-05"}
    if kind == "branch":
        if full >= 7 and not 3 <= committee <= 7:
            out.add("R-ORG-03")  # a committee is required
        if full < 7 and committee > 2:
            out.add("R-ORG-03")  # a committee is not allowed
        if full < 3:
            out.add("R-ORG-01")
        if members > 50:
            out.add("R-ORG-04")
    return out


def test_compliance_warnings(gql, world, session_factory, settings, clock):
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        big = orgs.create(ctx, parent_id=world.ids["T1"], code="VB", name="大村党支部", kind="branch", branch_type="village")
        group = orgs.create(ctx, parent_id=big.id, code="GB", name="大村第一党小组", kind="group")
        people = []
        for i in range(8):  # 7 full (2 of them in the group) + 1 probationary
            prob = i == 7
            people.append(members.register(
                ctx, org_id=group.id if i < 2 else big.id, name=f"大村{i}", gender="male", birth_date=date(1980, 1, 1),
                education="junior_high", joined_on=date(2005 + i, 7, 1) if not prob else date(2026, 5, 1),
                converted_on=None if prob else date(2006 + i, 7, 1), status="probationary" if prob else "full"))
        members.add_position(ctx, member_id=people[0].id, org_id=big.id, kind="secretary", start_on=date(2020, 1, 1))
        s.commit()
        ids = [p.id for p in people]

    q = """{ organizations(first: 100) { nodes { code kind memberCounts { full total } officers { kind member { id } }
             compliance { code message messageZh messageEn } } } }"""

    def check(lang: str = "zh") -> dict[str, set[str]]:
        out = {}
        for n in gql(q, lang=lang)["organizations"]["nodes"]:
            committee_kinds = {"secretary", "deputy_secretary", "committee_member", "organisation_officer",
                               "discipline_officer", "publicity_officer"}
            committee = len({o["member"]["id"] for o in n["officers"] if o["kind"] in committee_kinds})
            want = expected_warnings(n["kind"], full=n["memberCounts"]["full"], members=n["memberCounts"]["total"], committee=committee,
                                     secretary=any(o["kind"] == "secretary" for o in n["officers"]))
            got = {w["code"] for w in n["compliance"]}
            assert got == want, (n["code"], got, want)
            for w in n["compliance"]:
                assert w["message"] == (w["messageZh"] if lang == "zh" else w["messageEn"]) and w["messageZh"] != w["messageEn"]
            out[n["code"]] = got
        return out

    got = check()
    # the cases the brief names, spelled out
    assert got["VB"] == {"R-ORG-03"}  # 7 full members, a secretary but no committee
    assert got["V1"] == {"R-ORG-05", "R-ORG-01"}  # 2 full members, no secretary
    assert got["V3"] == {"R-ORG-05", "R-ORG-01"}  # 1 full + 1 probationary
    assert got["G1"] == set() and got["C"] == set()
    assert got["T1"] == {"R-ORG-05"}
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.add_position(ctx, member_id=ids[1], org_id=_org(s, "VB"), kind="deputy_secretary", start_on=date(2020, 1, 1))
        members.add_position(ctx, member_id=ids[2], org_id=_org(s, "VB"), kind="organisation_officer", start_on=date(2020, 1, 1))
        s.commit()
    assert check("en")["VB"] == set()  # committee of 3: compliant


def _org(session: Any, code: str) -> int:
    from sqlalchemy import select

    from partygraph.models import Organization

    return session.execute(select(Organization.id).where(Organization.code == code)).scalar_one()


def test_officers_and_secretary(gql, world, session_factory, settings, clock):
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.add_position(ctx, member_id=world.members["li"], org_id=world.ids["V1"], kind="secretary", start_on=date(2021, 1, 1))
        members.add_position(ctx, member_id=world.members["zhang"], org_id=world.ids["G1"], kind="group_leader", start_on=date(2022, 1, 1))
        members.add_position(ctx, member_id=world.members["zhang"], org_id=world.ids["V1"], kind="discipline_officer",
                             start_on=date(2022, 1, 1))
        s.commit()
    q = """{ v1: organization(code: "V1") { secretary { name } officers { kind kindLabel member { name } } }
             g1: organization(code: "G1") { secretary { name } officers { kindLabel member { name } } } }"""
    data = gql(q, user="village")
    assert data["v1"]["secretary"] == {"name": "李四"}
    assert data["v1"]["officers"] == [{"kind": "secretary", "kindLabel": "书记", "member": {"name": "李四"}},
                                      {"kind": "discipline_officer", "kindLabel": "纪检委员", "member": {"name": "张三"}}]
    assert data["g1"] == {"secretary": None, "officers": [{"kindLabel": "党小组组长", "member": {"name": "张三"}}]}
    en = gql(q, user="village", lang="en")
    assert [o["kindLabel"] for o in en["v1"]["officers"]] == ["Secretary", "Discipline officer"]


def test_history_lists_audit_events_newest_first(gql, world):
    mutation = """mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { __typename } }"""
    v2 = world.gid("Organization", "V2")
    gql(mutation, {"input": {"id": v2, "version": 1, "name": "龙溪村党总支", "kind": "general_branch", "branchType": None}}, user="township")
    gql(mutation, {"input": {"id": v2, "version": 2, "address": "龙溪村委会"}}, user="county")
    history = gql('{ organization(code: "V2") { history { action actorName objectType at before after } one: history(first: 1) { action } } }')
    events = history["organization"]["history"]
    assert [(e["action"], e["actorName"]) for e in events] == [
        ("organization.update", "county"), ("organization.update", "township"), ("organization.create", "system")]
    assert events[0]["before"] == {"address": None} and events[0]["after"] == {"address": "龙溪村委会"}
    assert events[1]["before"] == {"name": "龙溪村党支部", "kind": "branch", "branch_type": "village"}
    assert events[1]["after"] == {"name": "龙溪村党总支", "kind": "general_branch", "branch_type": None}
    assert all(e["objectType"] == "Organization" and e["at"].startswith("20") for e in events)
    assert history["organization"]["one"] == [{"action": "organization.update"}]


def test_status_events_after_a_status_change(gql, world):
    mutation = """mutation($input: ChangeMemberStatusInput!) { changeMemberStatus(input: $input) { __typename } }"""
    qian = world.gid("Member", "qian")
    gql(mutation, {"input": {"id": qian, "version": 1, "toStatus": "full", "on": "2026-10-10", "reason": "按期转正"}}, user="village3")
    q = "query($id: ID!) { node(id: $id) { ... on Member { status convertedOn statusEvents { on kind fromStatus toStatus reason actorName } } } }"
    data = gql(q, {"id": qian}, user="township2")["node"]
    assert data["status"] == "full" and data["convertedOn"] == "2026-10-10"
    assert data["statusEvents"] == [
        {"on": "2026-01-10", "kind": "registered", "fromStatus": None, "toStatus": "probationary", "reason": None, "actorName": "system"},
        {"on": "2026-10-10", "kind": "status", "fromStatus": "probationary", "toStatus": "full", "reason": "按期转正", "actorName": "village3"},
    ]


# --- sensitive data and labels -------------------------------------------------------------------

ID_QUERY = "query($id: ID!) { node(id: $id) { ... on Member { idNumber } } }"


def test_id_number_is_masked_below_the_county(gql, world):
    li = world.gid("Member", "li")
    masked = LI_ID[:2] + "*" * 16  # the province only (graphql.types.common)
    assert gql(ID_QUERY, {"id": li}, user="county")["node"]["idNumber"] == LI_ID
    for user in ("township", "village"):
        assert gql(ID_QUERY, {"id": li}, user=user)["node"]["idNumber"] == masked, user
    assert gql(ID_QUERY, {"id": world.gid("Member", "zhang")}, user="county")["node"]["idNumber"] is None
    listed = gql('{ members(filter: {search: "李四"}) { nodes { idNumber } } }', user="township")["members"]["nodes"]
    assert listed == [{"idNumber": masked}]


def test_the_unmasked_roles_setting_is_honoured(world, session_factory, clock):
    custom = GQL(session_factory, Settings(database_url="sqlite://", secret_key="t", unmasked_roles=("county", "township")), clock)
    assert custom(ID_QUERY, {"id": world.gid("Member", "li")}, user="township")["node"]["idNumber"] == LI_ID


def test_labels_follow_the_language(gql, world):
    q = """query($id: ID!) { me { roleLabel } node(id: $id) { ... on Member { statusLabel genderLabel educationLabel
             organization { kindLabel branchTypeLabel } } } }"""
    zh = gql(q, {"id": world.gid("Member", "qian")}, user="village3")
    en = gql(q, {"id": world.gid("Member", "qian")}, user="village3", lang="en")
    assert zh["me"]["roleLabel"] == "村党支部书记/组织委员" and en["me"]["roleLabel"] == "Village clerk"
    assert zh["node"] == {"statusLabel": "预备党员", "genderLabel": "女", "educationLabel": "初中",
                          "organization": {"kindLabel": "党支部", "branchTypeLabel": "村党支部"}}
    assert en["node"] == {"statusLabel": "Probationary", "genderLabel": "Female", "educationLabel": "Junior high",
                          "organization": {"kindLabel": "Branch", "branchTypeLabel": "Village"}}
    # an error's `message` follows the language; messageZh and messageEn are always both there
    m = """mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
             ... on Error { code message messageZh messageEn field } } }"""
    input = {"input": {"id": world.gid("Organization", "V1"), "version": 1, "name": " "}}
    zh = gql(m, input)["updateOrganization"]
    en = gql(m, input, lang="en")["updateOrganization"]
    assert zh["message"] == zh["messageZh"] == en["messageZh"] and "不能为空" in zh["messageZh"]
    assert en["message"] == en["messageEn"] == zh["messageEn"] and "must not be empty" in en["messageEn"]
    assert zh["field"] == en["field"] == "name" and zh["code"] == "INVALID_INPUT"


# --- limits and bad input to queries -------------------------------------------------------------

LIST_QUERIES = {
    "members": "query($first: Int, $after: String) { members(first: $first, after: $after) { nodes { name } } }",
    "organizations": "query($first: Int, $after: String) { organizations(first: $first, after: $after) { nodes { code } } }",
    "transfers": "query($first: Int, $after: String) { transfers(first: $first, after: $after) { nodes { id } } }",
    "descendants": 'query($first: Int, $after: String) { organization(code: "C") { descendants(first: $first, after: $after) { nodes { code } } } }',
    "org members": 'query($first: Int, $after: String) { organization(code: "C") { members(first: $first, after: $after) { nodes { name } } } }',
}


def test_page_size_and_cursor_errors(gql, world):
    for label, q in LIST_QUERIES.items():
        assert gql.run(q, {"first": 100}).errors is None, label
        for first in (101, 1000, -1):
            result = gql.run(q, {"first": first})
            assert result.errors and "100" in result.errors[0].message, (label, first, result.errors)
            assert "张三" not in str(result.data)
        for cursor in ("!!!", "not-base64", "W10=", "eyJhIjogMX0="):  # garbage, garbage, [], {"a": 1}
            result = gql.run(q, {"first": 5, "after": cursor})
            assert result.errors and "cursor" in result.errors[0].message.lower(), (label, cursor, result.errors)
    result = gql.run("{ members(offset: -1) { nodes { name } } }")
    assert result.errors and "offset" in result.errors[0].message


def test_query_errors_carry_code_and_both_messages(gql, world):
    for q, variables, code, field in (
        (LIST_QUERIES["members"], {"first": 101}, "PAGE_SIZE", "first"),
        (LIST_QUERIES["organizations"], {"first": 5, "after": "!!!"}, "INVALID_CURSOR", "after"),
        ("query($u: ID) { members(filter: {under: $u}) { nodes { name } } }", {"u": world.gid("Member", "zhang")}, "INVALID_ID", "filter.under"),
    ):
        result = gql.run(q, variables, user="township")
        ext = result.errors[0].extensions or {}
        assert ext.get("code") == code, (q, ext)
        assert ext.get("messageZh") and ext.get("messageEn")
        assert ext.get("field") == field


def test_a_cursor_with_values_of_the_wrong_type_is_an_invalid_cursor(gql, world):
    from partygraph.graphql.pagination import encode_cursor

    for order, values in (("NAME_ASC", ["a", "b"]), ("BIRTH_ASC", ["not a date", 1]), ("JOINED_DESC", [{"x": 1}, 2])):
        result = gql.run("query($a: String, $o: MemberOrder) { members(after: $a, orderBy: $o) { nodes { name } } }",
                         {"a": encode_cursor(values), "o": order})
        assert result.errors and "cursor" in result.errors[0].message.lower(), (order, result.errors)



def test_organization_search_ignores_case_on_every_database(gql, world, db):
    q = "query($s: String) { organizations(filter: {search: $s}) { nodes { code } } }"
    assert [n["code"] for n in gql(q, {"s": "v1"})["organizations"]["nodes"]] == ["V1"]
    assert [n["code"] for n in gql(q, {"s": "t"})["organizations"]["nodes"]] == ["T1", "T2"]
