"""Every read and every write is limited to the viewer's subtree (docs/domain.md §1).

An id outside the subtree answers NotFound (reads: null or absent), never
"forbidden", so nothing leaks. The tests below try to reach another village's
or township's data by id, by listing, by search, through nested fields and
through every mutation; each refused mutation must leave the database exactly
as it was (read back as the county account, versions included).

The world (tests/conftest.py):

    C 岷江县委 ─┬─ T1 威州镇党委 ─┬─ V1 布瓦村 ── G1 第一党小组 (张三)      李四 in V1
               │                 └─ V2 龙溪村 (王五)
               └─ T2 映秀镇党委 ─── V3 渔子溪村 ── G3 (赵六)               钱七 in V3

Accounts: county@C, township@T1, village@V1, group@G1 (read-only role),
viewer@C (read-only), township2@T2, village3@V3. The `scene` fixture adds posts,
pending transfers and a second county (C9) that even the county account must not reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from partygraph.models import AuditEvent, MemberEvent, Position, Transfer
from partygraph.services import member as members
from partygraph.services import organization as org_service
from tests.conftest import LI_ID, system_context

RESULT = "__typename ... on Error { code message messageZh messageEn field } ... on Conflict { currentVersion }"
ALL_STATUSES = "[probationary, full, suspended, transferred_out, deceased, left, removed, expelled, probation_cancelled]"


def mutate(gql: Any, name: str, input: dict[str, Any], *, user: str, lang: str = "zh") -> dict[str, Any]:
    doc = f"mutation($input: {name[0].upper() + name[1:]}Input!) {{ r: {name}(input: $input) {{ {RESULT} }} }}"
    return gql(doc, {"input": input}, user=user, lang=lang)["r"]


DUMP = f"""{{
  organizations(first: 100, filter: {{includeDissolved: true}}) {{
    totalCount nodes {{ id code name kind status version depth population parent {{ id }} }}
  }}
  members(first: 100, filter: {{status: {ALL_STATUSES}}}) {{
    totalCount nodes {{ id name status version idNumber birthDate organization {{ id }} positions {{ id kind endOn version }} }}
  }}
  transfers(first: 100) {{ totalCount nodes {{ id status version decisionNote }} }}
}}"""


def dump(gql: Any) -> dict[str, Any]:
    """Everything, as the county sees it, plus the row counts of the append-only tables."""
    data = gql(DUMP, user="county")
    with gql.factory() as s:
        counts = [select(func.count()).select_from(model).scalar_subquery() for model in (AuditEvent, MemberEvent, Position, Transfer)]
        data["rows"] = tuple(s.execute(select(*counts)).one())
    return data


def gid(type_name: str, ident: int) -> str:
    return str(GlobalID(type_name, str(ident)))


@dataclass
class Scene:
    """Posts and pending transfers on top of the world, so every mutation has a target."""

    pos_zhao_v3: str  # 赵六 (T2) is secretary of V3
    pos_zhang_g1: str  # 张三 leads group G1
    pos_li_t1: str  # 李四 (a V1 member) holds a township-level post at T1
    li_v1_to_v3: str  # pending: 李四 V1 → V3 (T1 sends, T2 receives)
    qian_v3_to_g1: str  # pending: 钱七 V3 → G1 (T2 sends, G1 receives)
    sun_g1_to_v2: str  # pending: 孙八 G1 → V2 (inside T1)
    sun: str  # 孙八, a second member of G1
    zhou: str  # 周九, a third member of G1 with no transfer
    other: dict[str, str]  # another county: C9 → X1 (committee) → XB (branch) → XG (group), member "外县"


@pytest.fixture
def scene(world, session_factory, settings, clock) -> Scene:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        ids, mem = world.ids, world.members
        common = {"gender": "male", "birth_date": date(1985, 1, 1), "education": "senior_high",
                  "joined_on": date(2010, 7, 1), "converted_on": date(2011, 7, 1)}
        sun = members.register(ctx, org_id=ids["G1"], name="孙八", **common)
        zhou = members.register(ctx, org_id=ids["G1"], name="周九", **common)
        p1 = members.add_position(ctx, member_id=mem["zhao"], org_id=ids["V3"], kind="secretary", start_on=date(2020, 1, 1))
        p2 = members.add_position(ctx, member_id=mem["zhang"], org_id=ids["G1"], kind="group_leader", start_on=date(2020, 1, 1))
        p3 = members.add_position(ctx, member_id=mem["li"], org_id=ids["T1"], kind="township_leader", start_on=date(2021, 1, 1))
        t1 = members.send_transfer(ctx, mem["li"], to_org_code="V3", on=date(2026, 10, 1), reason="务工")
        t2 = members.send_transfer(ctx, mem["qian"], to_org_code="G1", on=date(2026, 10, 1), reason="婚嫁")
        t3 = members.send_transfer(ctx, sun.id, to_org_code="V2", on=date(2026, 10, 1), reason="搬迁")  # type: ignore[arg-type]
        other: dict[str, str] = {}
        parent = None
        for code, name, kind in (("C9", "汶川县委", "county"), ("X1", "威州镇党委（汶川）", "committee"),
                                 ("XB", "外县村党支部", "branch"), ("XG", "外县村第一党小组", "group")):
            parent = org_service.create(ctx, parent_id=parent.id if parent else None, code=code, name=name, kind=kind)
            other[code] = gid("Organization", parent.id)  # type: ignore[arg-type]
        outsider = members.register(ctx, org_id=parent.id, name="外县党员", **common)  # type: ignore[union-attr]
        other["member"] = gid("Member", outsider.id)  # type: ignore[arg-type]
        s.commit()
        return Scene(
            pos_zhao_v3=gid("Position", p1.id),  # type: ignore[arg-type]
            pos_zhang_g1=gid("Position", p2.id),  # type: ignore[arg-type]
            pos_li_t1=gid("Position", p3.id),  # type: ignore[arg-type]
            li_v1_to_v3=gid("Transfer", t1.id),  # type: ignore[arg-type]
            qian_v3_to_g1=gid("Transfer", t2.id),  # type: ignore[arg-type]
            sun_g1_to_v2=gid("Transfer", t3.id),  # type: ignore[arg-type]
            sun=gid("Member", sun.id),  # type: ignore[arg-type]
            zhou=gid("Member", zhou.id),  # type: ignore[arg-type]
            other=other,
        )


# --- reads: by id --------------------------------------------------------------------------------

NODE = "query($id: ID!) { node(id: $id) { __typename id ... on Organization { name } ... on Member { name } } }"

# (account, organisations it must not reach, members it must not reach)
OUTSIDE = [
    ("township", ["C", "T2", "V3", "G3"], ["zhao", "qian"]),
    ("township2", ["C", "T1", "V1", "V2", "G1"], ["zhang", "li", "wang"]),
    ("village", ["C", "T1", "T2", "V2", "V3", "G3"], ["wang", "zhao", "qian"]),
    ("village3", ["C", "T1", "V1", "V2", "G1"], ["zhang", "li", "wang"]),
    ("group", ["C", "T1", "V1", "V2", "V3"], ["li", "wang", "zhao", "qian"]),
]


def test_node_outside_the_subtree_is_null(gql, world):
    for user, orgs, people in OUTSIDE:
        for key in orgs:
            assert gql(NODE, {"id": world.gid("Organization", key)}, user=user)["node"] is None, (user, key)
        for key in people:
            assert gql(NODE, {"id": world.gid("Member", key)}, user=user)["node"] is None, (user, key)


def test_node_inside_the_subtree_resolves(gql, world):
    data = gql(NODE, {"id": world.gid("Member", "zhang")}, user="village")
    assert data["node"] == {"__typename": "Member", "id": world.gid("Member", "zhang"), "name": "张三"}
    data = gql(NODE, {"id": world.gid("Organization", "G1")}, user="group")
    assert data["node"]["name"] == "布瓦村第一党小组"


def test_nodes_mixes_visible_and_invisible_ids(gql, world):
    ids = [world.gid("Organization", "V1"), world.gid("Organization", "V3"), world.gid("Member", "zhang"),
           world.gid("Member", "zhao"), world.gid("Organization", "C")]
    data = gql("query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Organization { code } ... on Member { name } } }",
               {"ids": ids}, user="township")
    assert data["nodes"] == [{"__typename": "Organization", "code": "V1"}, None, {"__typename": "Member", "name": "张三"}, None, None]


def test_another_county_is_invisible_even_to_the_county(gql, world, scene):
    for key in ("C9", "X1", "XB", "XG", "member"):
        assert gql(NODE, {"id": scene.other[key]}, user="county")["node"] is None, key
    data = gql("""{ organization(code: "C9") { code } organizations(first: 100) { nodes { code } }
                    members(first: 100) { nodes { name } } found: members(filter: {search: "外县"}) { totalCount }
                    orgs: organizations(filter: {search: "汶川"}) { totalCount } }""", user="county")
    assert data["organization"] is None
    assert not {"C9", "X1", "XB", "XG"} & {n["code"] for n in data["organizations"]["nodes"]}
    assert "外县党员" not in {n["name"] for n in data["members"]["nodes"]}
    assert data["found"]["totalCount"] == 0 and data["orgs"]["totalCount"] == 0


def test_position_and_transfer_nodes_are_scoped(gql, world, scene):
    q = "query($id: ID!) { node(id: $id) { __typename } }"
    assert gql(q, {"id": scene.pos_zhao_v3}, user="township")["node"] is None
    assert gql(q, {"id": scene.pos_zhao_v3}, user="township2")["node"] == {"__typename": "Position"}
    # a transfer inside T1 is nobody else's business
    assert gql(q, {"id": scene.sun_g1_to_v2}, user="township2")["node"] is None
    assert gql(q, {"id": scene.sun_g1_to_v2}, user="village3")["node"] is None
    # a transfer between townships is seen by both sides
    assert gql(q, {"id": scene.li_v1_to_v3}, user="township")["node"] == {"__typename": "Transfer"}
    assert gql(q, {"id": scene.li_v1_to_v3}, user="village3")["node"] == {"__typename": "Transfer"}
    assert gql(q, {"id": scene.li_v1_to_v3}, user="group")["node"] is None


def test_organization_by_code_or_id_outside_is_null(gql, world):
    q = "query($code: String, $id: ID) { organization(code: $code, id: $id) { code } }"
    assert gql(q, {"code": "V3"}, user="township")["organization"] is None
    assert gql(q, {"code": "C"}, user="township")["organization"] is None
    assert gql(q, {"id": world.gid("Organization", "T2")}, user="township")["organization"] is None
    assert gql(q, {"code": "V2"}, user="village")["organization"] is None
    assert gql(q, {"code": "V1"}, user="township")["organization"] == {"code": "V1"}


# --- reads: by listing and search ----------------------------------------------------------------

VISIBLE = {
    "county": ({"C", "T1", "T2", "V1", "V2", "V3", "G1", "G3"}, {"张三", "李四", "王五", "赵六", "钱七"}),
    "viewer": ({"C", "T1", "T2", "V1", "V2", "V3", "G1", "G3"}, {"张三", "李四", "王五", "赵六", "钱七"}),
    "township": ({"T1", "V1", "V2", "G1"}, {"张三", "李四", "王五"}),
    "township2": ({"T2", "V3", "G3"}, {"赵六", "钱七"}),
    "village": ({"V1", "G1"}, {"张三", "李四"}),
    "village3": ({"V3", "G3"}, {"赵六", "钱七"}),
    "group": ({"G1"}, {"张三"}),
}


def test_lists_hold_only_the_subtree(gql, world):
    q = f"""{{ organizations(first: 100) {{ totalCount nodes {{ code }} }}
              members(first: 100, filter: {{status: {ALL_STATUSES}}}) {{ totalCount nodes {{ name }} }}
              all: members(first: 100) {{ totalCount }} }}"""
    for user, (orgs, people) in VISIBLE.items():
        data = gql(q, user=user)
        assert {n["code"] for n in data["organizations"]["nodes"]} == orgs, user
        assert data["organizations"]["totalCount"] == len(orgs), user
        assert {n["name"] for n in data["members"]["nodes"]} == people, user
        assert data["members"]["totalCount"] == len(people) == data["all"]["totalCount"], user


MEMBER_SEARCHES = [
    ("township", "赵"), ("township", "zhaoliu"), ("township", "zl"), ("township", "钱七"),
    ("township2", "张三"), ("township2", "zhangsan"), ("township2", "zs"), ("township2", LI_ID),
    ("village", "王五"), ("village", "wangwu"), ("group", "李"), ("group", "lisi"),
]


def test_member_search_does_not_cross_the_boundary(gql, world):
    q = "query($s: String) { members(filter: {search: $s}) { totalCount nodes { name } } }"
    for user, search in MEMBER_SEARCHES:
        assert gql(q, {"s": search}, user=user)["members"] == {"totalCount": 0, "nodes": []}, (user, search)
        # and the same search finds the member for the county: the search itself works
        assert gql(q, {"s": search})["members"]["totalCount"] == 1, search


def test_organization_search_does_not_cross_the_boundary(gql, world):
    q = "query($s: String) { organizations(filter: {search: $s}) { totalCount nodes { code } } }"
    for user, search in [("township", "渔子溪"), ("township", "V3"), ("township", "映秀"), ("village", "龙溪"), ("township2", "布瓦")]:
        assert gql(q, {"s": search}, user=user)["organizations"] == {"totalCount": 0, "nodes": []}, (user, search)
        assert gql(q, {"s": search})["organizations"]["totalCount"] >= 1, search


UNDER_QUERIES = [
    "query($u: ID) { members(filter: {under: $u}) { totalCount nodes { name } } }",
    "query($u: ID) { organizations(filter: {under: $u}) { totalCount nodes { code } } }",
    "query($u: ID) { me { organization { descendants(filter: {under: $u}) { totalCount nodes { code } } } } }",
    "query($u: ID) { me { organization { members(filter: {under: $u}) { totalCount nodes { name } } } } }",
]


def test_filter_under_an_outside_organisation_leaks_nothing(gql, world):
    # An outside `under` is an empty list, as an unknown one is (graphql.lists): no error that
    # would tell the organisation exists.
    for query in UNDER_QUERIES:
        for under in ("V3", "G3", "C"):
            result = gql.run(query, {"u": world.gid("Organization", under)}, user="township")
            assert not result.errors, (query, under, result.errors)
            assert "赵六" not in str(result.data) and "G3" not in str(result.data)
            page = result.data["me"]["organization"] if "me" in result.data else result.data
            (page,) = page.values()
            assert page == {"totalCount": 0, "nodes": []}, (query, under, page)
        # the same field narrows to an inside organisation: the test can tell empty from all
        inside = gql(query, {"u": world.gid("Organization", "V1")}, user="township")
        assert "V1" in str(inside) or "张三" in str(inside), (query, inside)


# --- reads: through nested fields ----------------------------------------------------------------


def test_parent_and_ancestors_stop_at_the_top_of_the_scope(gql, world):
    q = """query($c: String) { organization(code: $c) {
             parent { code parent { code } children { code } }
             ancestors { code } } }"""
    village = gql(q, {"c": "G1"}, user="village")["organization"]
    assert village["parent"] == {"code": "V1", "parent": None, "children": [{"code": "G1"}]}
    assert village["ancestors"] == [{"code": "V1"}]
    assert gql(q, {"c": "V1"}, user="village")["organization"] == {"parent": None, "ancestors": []}
    township = gql(q, {"c": "V1"}, user="township")["organization"]
    # T1's children are its own villages, never T2's
    assert township["parent"] == {"code": "T1", "parent": None, "children": [{"code": "V1"}, {"code": "V2"}]}
    assert township["ancestors"] == [{"code": "T1"}]
    county = gql(q, {"c": "G1"}, user="county")["organization"]
    assert county["ancestors"] == [{"code": "C"}, {"code": "T1"}, {"code": "V1"}]


def test_member_organization_chain_stops_at_the_top_of_the_scope(gql, world):
    q = "query($id: ID!) { node(id: $id) { ... on Member { organization { code parent { code parent { code parent { code } } } } } } }"
    chain = gql(q, {"id": world.gid("Member", "zhang")}, user="village")["node"]["organization"]
    assert chain == {"code": "G1", "parent": {"code": "V1", "parent": None}}
    chain = gql(q, {"id": world.gid("Member", "zhang")}, user="group")["node"]["organization"]
    assert chain == {"code": "G1", "parent": None}


def test_descendants_children_and_counts_stay_inside(gql, world):
    q = """{ me { organization { code childCount children { code } descendants(first: 100) { totalCount nodes { code } }
             memberCounts { total full probationary } members(first: 100) { totalCount nodes { name } } } } }"""
    org = gql(q, user="township")["me"]["organization"]
    assert org["code"] == "T1" and org["childCount"] == 2
    assert [c["code"] for c in org["children"]] == ["V1", "V2"]
    assert {n["code"] for n in org["descendants"]["nodes"]} == {"V1", "V2", "G1"}
    assert org["descendants"]["totalCount"] == 3
    assert org["memberCounts"] == {"total": 3, "full": 3, "probationary": 0}
    assert {n["name"] for n in org["members"]["nodes"]} == {"张三", "李四", "王五"}


def test_positions_at_outside_organisations_show_no_organisation(gql, world, scene):
    q = "query($id: ID!) { node(id: $id) { ... on Member { positions { kind organization { code } } } } }"
    li = gql(q, {"id": world.gid("Member", "li")}, user="village")["node"]["positions"]
    assert li == [{"kind": "township_leader", "organization": None}]
    assert gql(q, {"id": world.gid("Member", "li")}, user="township")["node"]["positions"][0]["organization"] == {"code": "T1"}


def test_officers_held_by_outside_members_are_not_shown(gql, world, session_factory, settings, clock):
    # The county makes 赵六 (a member in T2) secretary of V1: V1's clerk may not see who he is.
    with session_factory() as s:
        members.add_position(system_context(s, settings, clock), member_id=world.members["zhao"],
                             org_id=world.ids["V1"], kind="secretary", start_on=date(2024, 1, 1))
        s.commit()
    q = '{ organization(code: "V1") { secretary { name } officers { kind member { name } } } }'
    assert gql(q, user="village")["organization"] == {"secretary": None, "officers": []}
    assert gql(q, user="county")["organization"] == {"secretary": {"name": "赵六"}, "officers": [{"kind": "secretary", "member": {"name": "赵六"}}]}


TRANSFERS = """query($dir: TransferDirection!) { transfers(direction: $dir, first: 100) {
    totalCount nodes { id status memberName member { name } fromOrgName toOrgName
    fromOrganization { code } toOrganization { code } } } }"""


def test_transfers_list_only_the_sides_you_are_on(gql, world, scene):
    def ids(user: str, direction: str = "ALL") -> set[str]:
        return {n["id"] for n in gql(TRANSFERS, {"dir": direction}, user=user)["transfers"]["nodes"]}

    assert ids("township") == {scene.li_v1_to_v3, scene.qian_v3_to_g1, scene.sun_g1_to_v2}
    assert ids("township", "OUTGOING") == {scene.li_v1_to_v3, scene.sun_g1_to_v2}
    assert ids("township", "INCOMING") == {scene.qian_v3_to_g1, scene.sun_g1_to_v2}
    assert ids("township2") == {scene.li_v1_to_v3, scene.qian_v3_to_g1}
    assert ids("township2", "INCOMING") == {scene.li_v1_to_v3}
    assert ids("village3") == {scene.li_v1_to_v3, scene.qian_v3_to_g1}
    assert ids("group") == {scene.qian_v3_to_g1, scene.sun_g1_to_v2}
    assert ids("village", "INCOMING") == {scene.qian_v3_to_g1}


def test_the_receiver_sees_the_name_but_not_the_member(gql, world, scene):
    nodes = gql(TRANSFERS, {"dir": "INCOMING"}, user="village3")["transfers"]["nodes"]
    [li] = [n for n in nodes if n["id"] == scene.li_v1_to_v3]
    assert li["memberName"] == "李四"
    assert li["member"] is None
    assert li["fromOrganization"] is None  # the sending branch is outside V3's scope
    assert li["fromOrgName"] == "布瓦村党支部"
    assert li["toOrganization"] == {"code": "V3"}
    sent = [n for n in gql(TRANSFERS, {"dir": "OUTGOING"}, user="village")["transfers"]["nodes"] if n["id"] == scene.li_v1_to_v3]
    assert sent[0]["member"] == {"name": "李四"} and sent[0]["toOrganization"] is None and sent[0]["toOrgName"] == "渔子溪村党支部"


# --- writes: every mutation, aimed outside ---------------------------------------------------------


def _cases() -> list[tuple[str, str, str, Any, tuple[str, ...]]]:
    """(case id, account, mutation, input builder(world, scene), accepted typenames)."""
    NF: tuple[str, ...] = ("NotFound",)
    NA: tuple[str, ...] = ("NotAllowed",)

    def org(w: Any, key: str) -> str:
        return w.gid("Organization", key)

    def mem(w: Any, key: str) -> str:
        return w.gid("Member", key)

    def new_org(parent: str, kind: str) -> Any:
        return lambda w, s: {"parentId": org(w, parent), "code": "NEW1", "name": "新组织", "kind": kind}

    def register(at: str) -> Any:
        return lambda w, s: {"orgId": org(w, at), "name": "新党员", "gender": "male", "birthDate": "1990-01-01",
                             "education": "bachelor", "joinedOn": "2015-07-01", "convertedOn": "2016-07-01"}

    return [
        # createOrganization under an outside parent
        ("create-under-V3-by-township", "township", "createOrganization", new_org("V3", "group"), NF),
        ("create-under-C-by-township", "township", "createOrganization", new_org("C", "committee"), NF),
        ("create-under-T1-by-village", "village", "createOrganization", new_org("T1", "branch"), NF),
        ("create-under-V1-by-village3", "village3", "createOrganization", new_org("V1", "group"), NF),
        ("create-under-another-county-by-county", "county", "createOrganization",
         lambda w, s: {"parentId": s.other["XB"], "code": "NEW1", "name": "新组织", "kind": "group"}, NF),
        # updateOrganization
        ("update-another-county-by-county", "county", "updateOrganization", lambda w, s: {"id": s.other["X1"], "version": 1, "name": "改"}, NF),
        ("update-V3-by-township", "township", "updateOrganization", lambda w, s: {"id": org(w, "V3"), "version": 1, "name": "改"}, NF),
        ("update-C-by-township", "township", "updateOrganization", lambda w, s: {"id": org(w, "C"), "version": 1, "name": "改"}, NF),
        ("update-T1-by-village", "village", "updateOrganization", lambda w, s: {"id": org(w, "T1"), "version": 1, "population": 5}, NF),
        ("update-V2-by-village", "village", "updateOrganization", lambda w, s: {"id": org(w, "V2"), "version": 1, "code": "X"}, NF),
        # moveOrganization: outside org, or an inside org under an outside parent
        ("move-V3-under-T1-by-township", "township", "moveOrganization", lambda w, s: {"id": org(w, "V3"), "newParentId": org(w, "T1"), "version": 1}, NF),
        ("move-V1-under-T2-by-township", "township", "moveOrganization", lambda w, s: {"id": org(w, "V1"), "newParentId": org(w, "T2"), "version": 1}, NF),
        ("move-G1-under-V3-by-township", "township", "moveOrganization", lambda w, s: {"id": org(w, "G1"), "newParentId": org(w, "V3"), "version": 1}, NF),
        ("move-G1-under-V2-by-village", "village", "moveOrganization", lambda w, s: {"id": org(w, "G1"), "newParentId": org(w, "V2"), "version": 1}, NF),
        ("move-V1-under-T2-by-township2", "township2", "moveOrganization", lambda w, s: {"id": org(w, "V1"), "newParentId": org(w, "T2"), "version": 1}, NF),
        ("move-V1-under-another-county-by-county", "county", "moveOrganization",
         lambda w, s: {"id": org(w, "V1"), "newParentId": s.other["X1"], "version": 1}, NF),
        ("move-XB-under-T1-by-county", "county", "moveOrganization", lambda w, s: {"id": s.other["XB"], "newParentId": org(w, "T1"), "version": 1}, NF),
        # dissolveOrganization
        ("dissolve-another-county-group-by-county", "county", "dissolveOrganization",
         lambda w, s: {"id": s.other["XG"], "on": "2026-10-01", "reason": "合并", "version": 1}, NF),
        ("dissolve-G3-by-township", "township", "dissolveOrganization", lambda w, s: {"id": org(w, "G3"), "on": "2026-10-01", "reason": "合并", "version": 1}, NF),
        ("dissolve-V2-by-village", "village", "dissolveOrganization", lambda w, s: {"id": org(w, "V2"), "on": "2026-10-01", "reason": "合并", "version": 1}, NF),
        ("dissolve-T2-by-township", "township", "dissolveOrganization", lambda w, s: {"id": org(w, "T2"), "on": "2026-10-01", "reason": "合并", "version": 1}, NF),
        # registerMember into another township's / village's branch
        ("register-into-V3-by-township", "township", "registerMember", register("V3"), NF),
        ("register-into-G3-by-township", "township", "registerMember", register("G3"), NF),
        ("register-into-V2-by-village", "village", "registerMember", register("V2"), NF),
        ("register-into-V1-by-township2", "township2", "registerMember", register("V1"), NF),
        ("register-into-another-county-by-county", "county", "registerMember", lambda w, s: register("V1")(w, s) | {"orgId": s.other["XG"]}, NF),
        # updateMember: outside member, or moving an inside member outside
        ("move-zhang-to-another-county-by-county", "county", "updateMember", lambda w, s: {"id": mem(w, "zhang"), "version": 1, "orgId": s.other["XG"]}, NF),
        ("update-outsider-by-county", "county", "updateMember", lambda w, s: {"id": s.other["member"], "version": 1, "name": "改名"}, NF),
        ("update-zhao-by-township", "township", "updateMember", lambda w, s: {"id": mem(w, "zhao"), "version": 1, "name": "改名"}, NF),
        ("update-wang-by-village", "village", "updateMember", lambda w, s: {"id": mem(w, "wang"), "version": 1, "phone": "1"}, NF),
        ("move-zhang-to-G3-by-township", "township", "updateMember", lambda w, s: {"id": mem(w, "zhang"), "version": 1, "orgId": org(w, "G3")}, NF),
        ("move-zhang-to-V2-by-village", "village", "updateMember", lambda w, s: {"id": mem(w, "zhang"), "version": 1, "orgId": org(w, "V2")}, NF),
        ("move-zhao-to-V1-by-township", "township", "updateMember", lambda w, s: {"id": mem(w, "zhao"), "version": 1, "orgId": org(w, "V1")}, NF),
        # changeMemberStatus
        ("status-zhao-by-township", "township", "changeMemberStatus", lambda w, s: {"id": mem(w, "zhao"), "version": 1, "toStatus": "suspended", "on": "2026-10-01", "reason": "x"}, NF),
        ("status-wang-by-village", "village", "changeMemberStatus", lambda w, s: {"id": mem(w, "wang"), "version": 1, "toStatus": "deceased", "on": "2026-10-01", "reason": "x"}, NF),
        ("status-outsider-by-county", "county", "changeMemberStatus",
         lambda w, s: {"id": s.other["member"], "version": 1, "toStatus": "deceased", "on": "2026-10-01", "reason": "x"}, NF),
        # addPosition: outside member, or an inside member at an outside organisation
        ("post-zhang-at-another-county-by-county", "county", "addPosition",
         lambda w, s: {"memberId": mem(w, "zhang"), "orgId": s.other["XB"], "kind": "committee_member", "startOn": "2026-01-01"}, NF),
        ("post-zhao-at-V1-by-township", "township", "addPosition", lambda w, s: {"memberId": mem(w, "zhao"), "orgId": org(w, "V1"), "kind": "committee_member", "startOn": "2026-01-01"}, NF),
        ("post-zhang-at-T2-by-township", "township", "addPosition", lambda w, s: {"memberId": mem(w, "zhang"), "orgId": org(w, "T2"), "kind": "committee_member", "startOn": "2026-01-01"}, NF),
        ("post-zhang-at-T1-by-village", "village", "addPosition", lambda w, s: {"memberId": mem(w, "zhang"), "orgId": org(w, "T1"), "kind": "township_leader", "startOn": "2026-01-01"}, NF),
        ("post-wang-at-V1-by-village", "village", "addPosition", lambda w, s: {"memberId": mem(w, "wang"), "orgId": org(w, "V1"), "kind": "secretary", "startOn": "2026-01-01"}, NF),
        # endPosition of an outside member's post
        ("end-zhao-post-by-township", "township", "endPosition", lambda w, s: {"id": s.pos_zhao_v3, "version": 1, "endOn": "2026-10-01"}, NF),
        ("end-zhao-post-by-village", "village", "endPosition", lambda w, s: {"id": s.pos_zhao_v3, "version": 1, "endOn": "2026-10-01"}, NF),
        # sendTransfer of an outside member
        ("send-zhao-by-township", "township", "sendTransfer", lambda w, s: {"memberId": mem(w, "zhao"), "toOrgCode": "V1", "on": "2026-10-01", "reason": "x"}, NF),
        ("send-wang-by-village", "village", "sendTransfer", lambda w, s: {"memberId": mem(w, "wang"), "toOrgCode": "V1", "on": "2026-10-01", "reason": "x"}, NF),
        ("send-outsider-by-county", "county", "sendTransfer", lambda w, s: {"memberId": s.other["member"], "toOrgCode": "V1", "on": "2026-10-01", "reason": "x"}, NF),
        # decideTransfer by the sender instead of the receiver, or by a third party
        ("accept-li-by-sender-township", "township", "decideTransfer", lambda w, s: {"id": s.li_v1_to_v3, "version": 1, "accept": True, "on": "2026-10-02"}, NA),
        ("accept-li-by-sender-village", "village", "decideTransfer", lambda w, s: {"id": s.li_v1_to_v3, "version": 1, "accept": True, "on": "2026-10-02"}, NA),
        ("refuse-qian-by-sender-village3", "village3", "decideTransfer", lambda w, s: {"id": s.qian_v3_to_g1, "version": 1, "accept": False, "on": "2026-10-02", "note": "不收"}, NA),
        ("accept-sun-by-third-party", "township2", "decideTransfer", lambda w, s: {"id": s.sun_g1_to_v2, "version": 1, "accept": True, "on": "2026-10-02"}, NF),
        ("accept-sun-by-sender-village", "village", "decideTransfer", lambda w, s: {"id": s.sun_g1_to_v2, "version": 1, "accept": True, "on": "2026-10-02"}, NA),
        # cancelTransfer by the receiver, or by a third party
        ("cancel-li-by-receiver-township2", "township2", "cancelTransfer", lambda w, s: {"id": s.li_v1_to_v3, "version": 1, "reason": "撤回"}, NA),
        ("cancel-li-by-receiver-village3", "village3", "cancelTransfer", lambda w, s: {"id": s.li_v1_to_v3, "version": 1, "reason": "撤回"}, NA),
        ("cancel-qian-by-receiver-village", "village", "cancelTransfer", lambda w, s: {"id": s.qian_v3_to_g1, "version": 1, "reason": "撤回"}, NA),
        ("cancel-sun-by-third-party", "village3", "cancelTransfer", lambda w, s: {"id": s.sun_g1_to_v2, "version": 1, "reason": "撤回"}, NF),
        # transferOut of an outside member
        ("out-zhao-by-township", "township", "transferOut", lambda w, s: {"memberId": mem(w, "zhao"), "version": 1, "externalOrgName": "外省", "letterNumber": "1", "on": "2026-10-01", "reason": "x"}, NF),
        ("out-outsider-by-county", "county", "transferOut", lambda w, s: {"memberId": s.other["member"], "version": 1, "externalOrgName": "外省",
                                                                             "letterNumber": "1", "on": "2026-10-01", "reason": "x"}, NF),
        ("out-zhang-by-village3", "village3", "transferOut", lambda w, s: {"memberId": mem(w, "zhang"), "version": 1, "externalOrgName": "外省", "letterNumber": "1", "on": "2026-10-01", "reason": "x"}, NF),
    ]


CASES = _cases()


def _refused(gql: Any, world: Any, scene: Scene, cases: list, before: dict[str, Any]) -> list[str]:
    """Run each case; return what went wrong (all of it, not just the first)."""
    failures = []
    for case_id, user, mutation, build, expected in cases:
        result = mutate(gql, mutation, build(world, scene), user=user)
        problems = []
        if result["__typename"] not in expected:
            problems.append(f"answered {result}")
        elif result["code"] != {"NotFound": "NOT_FOUND", "NotAllowed": "NOT_ALLOWED"}[result["__typename"]]:
            problems.append(f"code {result['code']}")
        elif not (result["messageZh"] and result["messageEn"] and result["message"] == result["messageZh"]):
            problems.append(f"messages {result}")
        after = dump(gql)
        if after != before:
            problems.append("changed the data")
            before = after
        if problems:
            failures.append(f"{case_id} ({user} {mutation}): " + "; ".join(problems))
    return failures


@pytest.mark.parametrize("group", ["organization", "member", "transfer"])
def test_mutations_aimed_outside_are_refused_and_change_nothing(gql, world, scene, group):
    names = {
        "organization": {"createOrganization", "updateOrganization", "moveOrganization", "dissolveOrganization"},
        "member": {"registerMember", "updateMember", "changeMemberStatus", "addPosition", "endPosition"},
        "transfer": {"sendTransfer", "decideTransfer", "cancelTransfer", "transferOut"},
    }[group]
    cases = [c for c in CASES if c[2] in names]
    assert {c[2] for c in cases} == names
    failures = _refused(gql, world, scene, cases, dump(gql))
    assert not failures, "\n".join(failures)


def test_every_mutation_is_probed_from_outside():
    """The foundation's mutations (organisations, members); later aggregates bring their own scope tests."""
    from partygraph.graphql.mutations.member import MemberMutation
    from partygraph.graphql.mutations.organization import OrganizationMutation

    probed = {c[2] for c in CASES}
    every = {f.name for m in (OrganizationMutation, MemberMutation) for f in m.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    assert {_camel(n) for n in every} == probed


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def test_ending_a_post_at_an_outside_organisation_is_refused(gql, world, scene):
    before = dump(gql)
    result = mutate(gql, "endPosition", {"id": scene.pos_li_t1, "version": 1, "endOn": "2026-10-01"}, user="village")
    assert result["__typename"] in ("NotFound", "NotAllowed"), result
    assert dump(gql) == before


# --- read-only accounts --------------------------------------------------------------------------


def _readonly_cases() -> list[tuple[str, Any]]:
    def org(w: Any, key: str) -> str:
        return w.gid("Organization", key)

    zhang = lambda w: w.gid("Member", "zhang")  # noqa: E731
    return [
        ("createOrganization", lambda w, s: {"parentId": org(w, "G1"), "code": "NEW1", "name": "新组织", "kind": "group"}),
        ("updateOrganization", lambda w, s: {"id": org(w, "G1"), "version": 1, "name": "改名"}),
        ("moveOrganization", lambda w, s: {"id": org(w, "G1"), "newParentId": org(w, "V2"), "version": 1}),
        ("dissolveOrganization", lambda w, s: {"id": org(w, "G1"), "on": "2026-10-01", "reason": "合并", "version": 1}),
        ("registerMember", lambda w, s: {"orgId": org(w, "G1"), "name": "新党员", "gender": "female", "birthDate": "1990-01-01",
                                         "education": "bachelor", "joinedOn": "2015-07-01", "convertedOn": "2016-07-01"}),
        ("updateMember", lambda w, s: {"id": zhang(w), "version": 1, "name": "张三丰"}),
        ("changeMemberStatus", lambda w, s: {"id": zhang(w), "version": 1, "toStatus": "suspended", "on": "2026-10-01", "reason": "x"}),
        ("addPosition", lambda w, s: {"memberId": s.zhou, "orgId": org(w, "G1"), "kind": "committee_member", "startOn": "2026-01-01"}),
        ("endPosition", lambda w, s: {"id": s.pos_zhang_g1, "version": 1, "endOn": "2026-10-01"}),
        ("sendTransfer", lambda w, s: {"memberId": s.zhou, "toOrgCode": "V2", "on": "2026-10-01", "reason": "x"}),
        ("decideTransfer", lambda w, s: {"id": s.qian_v3_to_g1, "version": 1, "accept": True, "on": "2026-10-02"}),
        ("cancelTransfer", lambda w, s: {"id": s.sun_g1_to_v2, "version": 1, "reason": "撤回"}),
        ("transferOut", lambda w, s: {"memberId": s.zhou, "version": 1, "externalOrgName": "外省", "letterNumber": "1", "on": "2026-10-01", "reason": "x"}),
    ]


READONLY = _readonly_cases()


def test_read_only_accounts_may_not_change_anything_and_can_read(gql, world, scene):
    assert {m for m, _ in READONLY} == {c[2] for c in CASES}, "every mutation is tried"
    before = dump(gql)
    failures = []
    for user in ("viewer", "group"):
        for mutation, build in READONLY:
            result = mutate(gql, mutation, build(world, scene), user=user, lang="en")
            if result["__typename"] != "NotAllowed" or result["code"] != "NOT_ALLOWED" or not (
                result["message"] == result["messageEn"] and result["messageZh"]
            ):
                failures.append(f"{user} {mutation}: {result}")
        assert dump(gql) == before, user
        data = gql('{ me { canWrite } organization(code: "G1") { name members { nodes { name } } } }', user=user)
        assert data["me"]["canWrite"] is False
        assert {n["name"] for n in data["organization"]["members"]["nodes"]} == {"张三", "孙八", "周九"}
        q = "query($id: ID!) { node(id: $id) { ... on Member { name positions { kind } } } }"
        assert gql(q, {"id": world.gid("Member", "zhang")}, user=user)["node"] == {"name": "张三", "positions": [{"kind": "group_leader"}]}
    assert not failures, "\n".join(failures)


VERSION = """query($id: ID!) { node(id: $id) { ... on Organization { version } ... on Member { version }
                                         ... on Position { version } ... on Transfer { version } } }"""


def test_the_same_writes_pass_the_permission_check_for_the_county(gql, world, scene):
    """Control for the read-only test: the refusals above are about the role, not the input
    (and the dump used to prove "nothing changed" does notice a change when there is one)."""
    for mutation, build in READONLY:
        input = build(world, scene)
        if "version" in input:  # earlier writes in this loop moved versions on
            input["version"] = gql(VERSION, {"id": input.get("id") or input["memberId"]})["node"]["version"]
        before = dump(gql)
        result = mutate(gql, mutation, input, user="county")
        assert result["__typename"] not in ("NotAllowed", "NotFound", "Conflict"), (mutation, result)
        assert (dump(gql) != before) == result["__typename"].endswith("Payload"), mutation
