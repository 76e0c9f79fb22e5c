"""SQL statement counts of the list queries do not grow with the rows (NetBox's query_counts habit).

Each query is run on a small and on a bigger tree; the number of statements must
be the same, and it is pinned in tests/query_counts.json (BASELINES: the keys), so
an N+1 regression (or a new statement per level) fails loudly. The counts cover the
operation only, not the fixture's account lookup. If a change adds a statement on
purpose, regenerate the baselines (tests/api/test_query_counts.py says how) and say
why in the change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from partygraph.context import Context
from partygraph.models import Account, Organization
from partygraph.services import account as accounts
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests import query_counts
from tests.conftest import run_async, system_context

# query → its key in tests/query_counts.json, where its count (one statement per level) is pinned.
BASELINES = {
    # organization(code) · children · members page · members totals · memberCounts · officers (positions at) ·
    # secretary (member by id) · positions of the listed members
    "township": "n_plus_one/township",
    # members page · organization of each · its parent · positions of each
    "root_members": "n_plus_one/root_members",
}

TOWNSHIP = """query($code: String) { organization(code: $code) { name
  children {
    name
    members(first: 20) { totalCount nodes { name positions { kindLabel } } }
    memberCounts { total full probationary }
    secretary { name }
    officers { kindLabel }
  } } }"""

ROOT_MEMBERS = """{ members(first: 50) { nodes { name organization { name parent { name } } positions { kindLabel } } } }"""


def build_township(session_factory: Any, settings: Any, clock: Any, code: str, villages: int, per_village: int) -> None:
    """A township under the county: villages, each with members; every member holds a post."""
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        county = s.execute(select(Organization).where(Organization.code == "C")).scalar_one()
        township = orgs.create(ctx, parent_id=county.id, code=code, name=f"{code}镇党委", kind="committee")
        for i in range(villages):
            village = orgs.create(ctx, parent_id=township.id, code=f"{code}-V{i}", name=f"{code}第{i}村党支部", kind="branch",
                                  branch_type="village")
            group = orgs.create(ctx, parent_id=village.id, code=f"{code}-G{i}", name=f"{code}第{i}村党小组", kind="group")
            for j in range(per_village):
                m = members.register(ctx, org_id=group.id if j % 3 == 2 else village.id, name=f"村民{code}{i}号{j}",
                                     gender="male" if j % 2 else "female", birth_date=date(1960 + j, 1, 1), education="junior_high",
                                     joined_on=date(1990 + j, 7, 1), converted_on=None if j == 1 else date(1991 + j, 7, 1),
                                     status="probationary" if j == 1 else "full")
                kind = "secretary" if j == 0 else ("group_leader" if j % 3 == 2 else "committee_member")
                members.add_position(ctx, member_id=m.id, org_id=group.id if kind == "group_leader" else village.id,  # type: ignore[arg-type]
                                     kind=kind, start_on=date(2020, 1, 1))
                if j == 0:  # and a post that has ended: positions lists it, officers do not
                    old = members.add_position(ctx, member_id=m.id, org_id=village.id, kind="village_cadre", start_on=date(2010, 1, 1))  # type: ignore[arg-type]
                    members.end_position(ctx, old.id, end_on=date(2015, 1, 1), version=None)  # type: ignore[arg-type]
        s.commit()


def count_statements(gql: Any, sql_counter: Any, query: str, variables: dict[str, Any] | None = None, user: str = "county") -> tuple[int, Any]:
    with gql.factory() as s:
        account = s.execute(select(Account).where(Account.username == user)).scalar_one()
        # the resolvers' statements: without the result cache's data-version read (and hits)
        settings = replace(gql.settings, result_cache=False)
        ctx = Context(session=s, settings=settings, viewer=accounts.viewer_for(s, account), clock=gql.clock)
        sql_counter.count, sql_counter.statements[:] = 0, []
        result = run_async(gql.schema.execute(query, variable_values=variables, context_value=ctx))
        assert not result.errors, result.errors
        return sql_counter.count, result.data


def test_township_villages_members_counts_secretary_officers(gql, world, session_factory, settings, clock, sql_counter, db: Engine, record_property):
    build_township(session_factory, settings, clock, "TS", villages=2, per_village=3)
    small, data = count_statements(gql, sql_counter, TOWNSHIP, {"code": "TS"})
    assert len(data["organization"]["children"]) == 2
    assert sum(len(c["members"]["nodes"]) for c in data["organization"]["children"]) == 6
    build_township(session_factory, settings, clock, "TB", villages=6, per_village=9)
    big, data = count_statements(gql, sql_counter, TOWNSHIP, {"code": "TB"})
    villages = data["organization"]["children"]
    assert len(villages) == 6
    assert all(v["members"]["totalCount"] == 9 and len(v["members"]["nodes"]) == 9 for v in villages)
    assert all(v["memberCounts"] == {"total": 9, "full": 8, "probationary": 1} for v in villages)
    assert all(v["secretary"] is not None and len(v["officers"]) == 6 for v in villages)  # group leaders sit in the group
    assert all(len(m["positions"]) == 2 for v in villages for m in v["members"]["nodes"] if m["name"].endswith("号0"))
    assert small == big, f"statements grew with the rows: {small} → {big}\n" + "\n".join(sql_counter.statements)
    query_counts.check(BASELINES["township"], db.dialect.name, sql_counter.statements, record_property)


def test_root_members_with_organization_parent_and_positions(gql, world, session_factory, settings, clock, sql_counter, db: Engine, record_property):
    build_township(session_factory, settings, clock, "TS", villages=2, per_village=3)
    small, data = count_statements(gql, sql_counter, ROOT_MEMBERS)
    assert len(data["members"]["nodes"]) == 5 + 6
    build_township(session_factory, settings, clock, "TB", villages=6, per_village=9)
    big, data = count_statements(gql, sql_counter, ROOT_MEMBERS)
    rows = data["members"]["nodes"]
    assert len(rows) == 50
    assert all(r["organization"] is not None and r["organization"]["parent"] is not None for r in rows)
    assert small == big, f"statements grew with the rows: {small} → {big}\n" + "\n".join(sql_counter.statements)
    query_counts.check(BASELINES["root_members"], db.dialect.name, sql_counter.statements, record_property)


def assert_as_pinned(key: str, db: Engine, n: int, statements: list[str]) -> None:
    """Exactly the count pinned for the county account (which the tests above record when
    the baselines are regenerated)."""
    if not query_counts.updating():
        assert n == query_counts.baseline(query_counts.load(), key, db.dialect.name), "\n".join(statements)


def test_the_same_counts_for_a_scoped_account(gql, world, session_factory, settings, clock, sql_counter, db: Engine):
    """Scope is applied inside each loader's statement, not by extra statements or per-row checks."""
    build_township(session_factory, settings, clock, "TB", villages=4, per_village=6)
    with session_factory() as s:  # secretaries for T1's villages, so the secretary level runs too
        ctx = system_context(s, settings, clock)
        for who, at in (("li", "V1"), ("wang", "V2")):
            members.add_position(ctx, member_id=world.members[who], org_id=world.ids[at], kind="secretary", start_on=date(2020, 1, 1))
        s.commit()
    n, data = count_statements(gql, sql_counter, TOWNSHIP, {"code": "T1"}, user="township")
    assert [(c["name"], c["secretary"]) for c in data["organization"]["children"]] == [
        ("布瓦村党支部", {"name": "李四"}), ("龙溪村党支部", {"name": "王五"})]
    assert_as_pinned(BASELINES["township"], db, n, sql_counter.statements)
    n, data = count_statements(gql, sql_counter, ROOT_MEMBERS, user="township")
    assert {r["name"] for r in data["members"]["nodes"]} == {"张三", "李四", "王五"}
    assert data["members"]["nodes"][0]["organization"]["parent"] is not None
    assert_as_pinned(BASELINES["root_members"], db, n, sql_counter.statements)
