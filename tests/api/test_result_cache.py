"""Dashboard queries are answered from the result cache until a write changes the data."""

from __future__ import annotations

from partygraph.graphql.result_cache import cacheable

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


def test_only_dashboard_reads_are_cacheable() -> None:
    assert cacheable(STATS, None)
    assert cacheable("{ __typename stats(under: \"x\") { membersTotal } }", None)
    assert not cacheable("{ stats(under: \"x\") { membersTotal } members { totalCount } }", None)
    assert not cacheable(REGISTER, None)
    assert not cacheable("{ ...F } fragment F on Query { __typename }", None)
    assert not cacheable("query A { __typename } query B { __typename }", None)
    assert cacheable("query A { __typename } query B { __typename }", "B")
    assert not cacheable("{ broken", None)


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
