"""Dashboard queries are answered from the result cache until a write changes the data."""

from __future__ import annotations

import dataclasses

from partygraph.graphql.result_cache import reuse
from partygraph.reports import cache

STATS = """
query Dash($under: ID!) {
  stats(under: $under) { membersTotal byGender { key value } byChild { name stats { membersTotal } } }
}
"""

REGISTER = """
mutation Reg($input: RegisterMemberInput!) {
  registerMember(input: $input) { __typename ... on MemberPayload { member { id } } }
}
"""


def test_only_dashboard_reads_are_shared_between_accounts() -> None:
    assert reuse(STATS, None) == "shared"
    assert reuse("{ __typename stats(under: \"x\") { membersTotal } }", None) == "shared"
    assert reuse("{ stats(under: \"x\") { membersTotal } members { totalCount } }", None) != "shared"
    assert reuse(REGISTER, None) != "shared"
    assert reuse("{ ...F } fragment F on Query { __typename }", None) != "shared"
    assert reuse("query A { __typename } query B { __typename }", None) != "shared"
    assert reuse("query A { __typename } query B { __typename }", "B") == "shared"
    assert reuse("{ broken", None) != "shared"


MEMBERS = """
query M($under: ID!) {
  members(filter: {under: $under}, first: 50) { totalCount nodes { id name version } }
}
"""

UPDATE = """
mutation U($input: UpdateMemberInput!) {
  updateMember(input: $input) { __typename ... on MemberPayload { member { name } } }
}
"""


def test_who_may_reuse_an_entry() -> None:
    assert reuse(STATS, None) == "shared"
    assert reuse(MEMBERS, None) == "account"
    assert reuse("{ stats(under: \"x\") { membersTotal } members { totalCount } }", None) == "account"
    assert reuse("{ me { username } }", None) is None
    assert reuse("{ __typename me { username } }", None) is None
    assert reuse(UPDATE, None) is None
    assert reuse("{ ...F } fragment F on Query { __typename }", None) is None


def test_member_list_reads_see_every_write(gql, world, sql_counter) -> None:  # type: ignore[no-untyped-def]
    under = {"under": world.gid("Organization", "C")}
    first = gql(MEMBERS, under)["members"]
    sql_counter.count = 0
    assert gql(MEMBERS, under)["members"] == first
    assert sql_counter.count <= 3, sql_counter.statements  # the viewer and the data version

    zhang = next(n for n in first["nodes"] if n["name"] == "张三")
    done = gql(UPDATE, {"input": {"id": zhang["id"], "version": zhang["version"], "name": "张三丰"}})
    assert done["updateMember"]["__typename"] == "MemberPayload", done
    names = {n["name"] for n in gql(MEMBERS, under)["members"]["nodes"]}
    assert "张三丰" in names and "张三" not in names


def test_a_write_by_another_worker_is_seen(gql, world) -> None:  # type: ignore[no-untyped-def]
    """Another process's write does not move this process's counter: the audit trail's
    version, read on every request, still changes the key."""
    under = {"under": world.gid("Organization", "C")}
    first = gql(MEMBERS, under)["members"]
    zhang = next(n for n in first["nodes"] if n["name"] == "张三")
    before = cache._local_version
    gql(UPDATE, {"input": {"id": zhang["id"], "version": zhang["version"], "name": "张三丰"}})
    cache._local_version = before  # as if the write had been committed elsewhere
    assert "张三丰" in {n["name"] for n in gql(MEMBERS, under)["members"]["nodes"]}


def test_entries_are_per_account(gql, world, sql_counter) -> None:  # type: ignore[no-untyped-def]
    under = {"under": world.gid("Organization", "C")}
    gql(MEMBERS, under, user="county")
    sql_counter.count = 0
    gql(MEMBERS, under, user="viewer")  # same subtree, another account: computed for it
    assert sql_counter.count > 3


def test_the_cache_can_be_turned_off(gql, world, sql_counter) -> None:  # type: ignore[no-untyped-def]
    gql.settings = dataclasses.replace(gql.settings, result_cache=False)
    under = {"under": world.gid("Organization", "C")}
    gql(MEMBERS, under)
    sql_counter.count = 0
    gql(MEMBERS, under)
    assert sql_counter.count > 3


def test_a_write_is_visible_in_the_next_read(gql, world, sql_counter) -> None:  # type: ignore[no-untyped-def]
    under = {"under": world.gid("Organization", "C")}
    first = gql(STATS, under)["stats"]
    sql_counter.count = 0
    again = gql(STATS, under)["stats"]
    assert again == first
    # a hit costs the viewer and the data version: no figure is computed again
    assert sql_counter.count <= 3, sql_counter.statements

    result = gql(
        REGISTER,
        {
            "input": {
                "orgId": world.gid("Organization", "V2"),
                "name": "周九",
                "gender": "male",
                "birthDate": "1991-04-02",
                "education": "bachelor",
                "joinedOn": "2020-07-01",
            }
        },
    )
    assert result["registerMember"]["__typename"] == "MemberPayload", result
    after = gql(STATS, under)["stats"]
    assert after["membersTotal"] == first["membersTotal"] + 1
    assert sum(row["stats"]["membersTotal"] for row in after["byChild"]) == after["membersTotal"]


def test_entries_are_per_viewer_scope(gql, world) -> None:  # type: ignore[no-untyped-def]
    county = gql(STATS, {"under": world.gid("Organization", "T1")}, user="county")["stats"]
    township = gql(STATS, {"under": world.gid("Organization", "T1")}, user="township")["stats"]
    assert county == township  # the same subtree, seen by two accounts
    outside = gql.run(STATS, {"under": world.gid("Organization", "T1")}, user="township2")
    assert outside.errors or outside.data["stats"] is None  # out of scope is not served from the cache


def test_the_cache_is_bounded_in_bytes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from partygraph.graphql import result_cache as rc

    monkeypatch.setattr(rc, "MAX_BYTES", 1000)
    monkeypatch.setattr(rc, "_results", {})
    monkeypatch.setattr(rc, "_bytes", 0)
    for i in range(10):
        rc._keep(("q", i), b"x" * 300)
        assert rc._bytes == sum(len(v[1]) for v in rc._results.values()) <= 1000
    assert list(rc._results) == [("q", 7), ("q", 8), ("q", 9)]  # the oldest went first
    rc._keep(("q", 8), b"y" * 10)  # kept again: replaced, counted once
    assert rc._bytes == 610
