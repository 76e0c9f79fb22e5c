"""Dashboard figures (issue 8): checked against counts computed here from the rows, the
children-sum property on the demo county for every figure, scope, and the cache.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import event, select
from strawberry.relay import GlobalID

from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.member import Member
from partygraph.models.organization import Organization
from partygraph.reports import stats
from partygraph.services import member as members
from tests.conftest import TODAY, run_async, system_context

STATS = """
query S($under: ID!, $from: Date, $to: Date) {
  stats(under: $under, from: $from, to: $to) {
    from to membersTotal
    byStatus { key value } byGender { key value } byAgeBand { key value } byEducation { key value }
    byEthnicity { key value } frontLine { key value } rural { key value }
    population { population members organizations share }
    candidatesByStage { key value } flows { key value } newMembers { key value }
    targets { targetSet key numerator denominator actual target met belowFloor }
    evaluationOutcomes { key value } openFlags { key value }
    casesByCause { key value } casesByStatus { key value } helpGiven { key count amountFen }
    funds { funds balanceFen } loans { outstandingCount overdueCount }
    monthly { month newMembers applied }
    byChild { name directlyUnder organization { id name } stats { membersTotal byGender { key value } byStatus { key value } } }
  }
}
"""


def kv(rows: list[dict]) -> dict[str, int]:
    return {r["key"]: r["value"] for r in rows if r["value"]}


def age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def roster_age(born: date, end: date) -> int:
    """The roster counts the age reached in the period's year (the yearly statistics' 31 December)."""
    return end.year - born.year


def band(a: int) -> str:
    return "le35" if a <= 35 else "36_45" if a <= 45 else "46_60" if a <= 60 else "61_79" if a <= 79 else "ge80"


def test_figures_match_counts_computed_here(gql, world, session_factory):
    with session_factory() as s:
        rows = list(s.execute(select(Member)).scalars())
    on_roster = [m for m in rows if m.status in ("full", "probationary")]
    data = gql(STATS, {"under": world.gid("Organization", "C")})["stats"]
    assert data["from"] == "2026-01-01" and data["to"] == TODAY.isoformat()
    assert data["membersTotal"] == len(on_roster) == 5
    assert kv(data["byGender"]) == dict(Counter(m.gender for m in on_roster))
    assert kv(data["byStatus"]) == dict(Counter(m.status for m in rows))
    assert kv(data["byAgeBand"]) == dict(Counter(band(roster_age(m.birth_date, TODAY)) for m in on_roster))
    assert kv(data["byEducation"]) == {"junior_high": 5}
    assert kv(data["byEthnicity"]) == {"汉族": 5}
    assert kv(data["frontLine"]) == {"no": 5}
    # only 布瓦村 has a population (1,200); its subtree holds 张三 (its group) and 李四
    assert data["population"] == {"population": 1200, "members": 2, "organizations": 1, "share": 2 / 1200}
    # 2026's only new member: 钱七, a woman of 26 with junior-high education
    cohort = kv(data["newMembers"])
    assert cohort == {"total": 1, "women": 1, "age_le35": 1, "junior_high_plus": 1}
    wenchuan = {t["key"]: t for t in data["targets"] if t["targetSet"] == "wenchuan"}
    assert wenchuan["age_le35"]["actual"] == 1.0 and wenchuan["age_le35"]["met"] is True
    guangzhou = {t["key"]: t for t in data["targets"] if t["targetSet"] == "guangzhou"}
    assert guangzhou["senior_high_plus"]["met"] is False and guangzhou["women"]["actual"] == 1.0
    assert [m["newMembers"] for m in data["monthly"]][:2] == [1, 0] and len(data["monthly"]) == 11
    # by child: the two townships, adding up
    children = {c["name"]: c for c in data["byChild"]}
    assert set(children) == {"威州镇党委", "映秀镇党委"}
    assert children["威州镇党委"]["stats"]["membersTotal"] == 3
    assert children["映秀镇党委"]["stats"]["membersTotal"] == 2


def test_a_period_picks_the_cohort(gql, world):
    data = gql(STATS, {"under": world.gid("Organization", "C"), "from": "2015-01-01", "to": "2015-12-31"})["stats"]
    assert kv(data["newMembers"])["total"] == 1  # 赵六 joined 2015-07-01
    assert len(data["monthly"]) == 12
    bad = gql.run(STATS, {"under": world.gid("Organization", "C"), "from": "2026-02-01", "to": "2026-01-01"})
    assert bad.errors


def test_direct_row_makes_the_sum_exact(gql, world, session_factory, settings, clock):
    with session_factory() as s:
        members.register(system_context(s, settings, clock), org_id=world.ids["T1"], name="周八", gender="male",
                         birth_date=date(1985, 1, 1), education="bachelor", joined_on=date(2010, 7, 1), converted_on=date(2011, 7, 1))  # fmt: skip
        s.commit()
    data = gql(STATS, {"under": world.gid("Organization", "T1")})["stats"]
    rows = {c["name"]: c for c in data["byChild"]}
    assert set(rows) == {"布瓦村党支部", "龙溪村党支部", "直属"}
    assert rows["直属"]["directlyUnder"] and rows["直属"]["organization"] is None
    assert rows["直属"]["stats"]["membersTotal"] == 1
    assert sum(r["stats"]["membersTotal"] for r in rows.values()) == data["membersTotal"] == 4


def test_scope_and_read_only(gql, world):
    assert gql(STATS, {"under": world.gid("Organization", "T1")}, user="township2")["stats"] is None
    assert gql(STATS, {"under": world.gid("Organization", "T2")}, user="township2")["stats"]["membersTotal"] == 2
    # the read-only "viewer" role sees the county's figures
    assert gql(STATS, {"under": world.gid("Organization", "C")}, user="viewer")["stats"]["membersTotal"] == 5


def test_a_write_is_visible_in_the_next_read(gql, world, session_factory, settings, clock, db):
    q = "query($u: ID!) { stats(under: $u) { membersTotal byGender { key value } } }"
    u = world.gid("Organization", "V3")
    assert gql(q, {"u": u})["stats"]["membersTotal"] == 2
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(db, "before_cursor_execute", listener)
    try:
        assert gql(q, {"u": u})["stats"]["membersTotal"] == 2  # served from the cache
    finally:
        event.remove(db, "before_cursor_execute", listener)
    assert not any("GROUP BY" in s.upper() for s in statements), statements
    with session_factory() as s:
        members.register(system_context(s, settings, clock), org_id=world.ids["V3"], name="孙九", gender="female",
                         birth_date=date(1992, 2, 2), education="bachelor", joined_on=date(2018, 7, 1), converted_on=date(2019, 7, 1))  # fmt: skip
        s.commit()
    data = gql(q, {"u": u})["stats"]
    assert data["membersTotal"] == 3
    assert kv(data["byGender"])["female"] == 2
    # a rolled-back write changes nothing
    with session_factory() as s:
        members.register(system_context(s, settings, clock), org_id=world.ids["V3"], name="吴十", gender="male",
                         birth_date=date(1992, 2, 2), education="bachelor", joined_on=date(2018, 7, 1), converted_on=date(2019, 7, 1))  # fmt: skip
        s.rollback()
    assert gql(q, {"u": u})["stats"]["membersTotal"] == 3


def test_a_write_by_another_process_is_seen(gql, world, session_factory, settings, clock):
    """Another worker's commit does not run this process's hooks; the audit fingerprint catches it."""
    q = "query($u: ID!) { stats(under: $u) { membersTotal } }"
    u = world.gid("Organization", "V1")
    assert gql(q, {"u": u})["stats"]["membersTotal"] == 2
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        members.register(ctx, org_id=world.ids["V1"], name="郑一", gender="male", birth_date=date(1980, 1, 1),
                         education="bachelor", joined_on=date(2005, 7, 1), converted_on=date(2006, 7, 1))  # fmt: skip
        s.info.pop("stats_dirty", None)  # as if the commit happened in another process
        s.flush()
        s.info.pop("stats_dirty", None)
        s.commit()
    assert gql(q, {"u": u})["stats"]["membersTotal"] == 3


# --------------------------------------------------------------------------- the demo county


def _load_full_demo(session_factory, settings) -> None:
    from partygraph.demo import load_demo
    from partygraph.demo.assistance import load_assistance_demo
    from partygraph.demo.candidate import load_pipeline_demo
    from partygraph.demo.evaluation import load_evaluation_demo

    with session_factory() as s:
        load_demo(s, settings, today=TODAY)
    for loader in (load_pipeline_demo, load_evaluation_demo, load_assistance_demo):
        with session_factory() as s:
            loader(s, settings, TODAY)
            s.commit()


def test_demo_county_children_add_up_for_every_figure(db, session_factory, settings, clock):
    """One demo load per database: every figure of a parent is the sum over its children (and the
    直属 row), each child's row equals that child's own figures computed by a separate run, and the
    roster figures equal counts made here from the member rows. A fixed number of statements."""
    _load_full_demo(session_factory, settings)
    start, end = date(2026, 1, 1), TODAY
    with session_factory() as s:
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=clock)
        county = s.execute(select(Organization).where(Organization.parent_id.is_(None))).scalars().one()
        statements: list[str] = []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(db, "before_cursor_execute", listener)
        try:
            b = stats.compute(ctx, county, start, end)
        finally:
            event.remove(db, "before_cursor_execute", listener)
        assert len(statements) <= 13, statements  # one per figure group (4 for assistance), + children
        figures = b.total.as_dict()
        for name in ("status", "gender", "age_band", "education", "ethnicity", "front_line", "rural", "population",
                     "stage", "flow", "cohort", "grade", "open_flag", "case_cause", "case_status", "help_fen", "fund", "loan"):  # fmt: skip
            assert figures.get(name), f"the demo has no {name} figures"
        townships = [c for c in b.children if b.buckets.get(c.path)]
        assert len(townships) >= 10

        def check_sum(parent: stats.Breakdown) -> None:
            summed = stats.Figures()
            for _org, figs in stats.rows_by_child(parent):
                summed.add(figs)
            assert summed.as_dict() == parent.total.as_dict()
            for child, figs in stats.rows_by_child(parent):
                if child is None:
                    continue
                own = stats.compute(ctx, child, start, end)
                assert own.total.as_dict() == figs.as_dict(), child.name

        check_sum(b)
        busiest = max(townships, key=lambda c: b.buckets[c.path]["roster"]["total"])
        check_sum(stats.compute(ctx, busiest, start, end))

        # roster figures recounted from the rows
        rows = list(s.execute(select(Member)).scalars())
        roster = [m for m in rows if m.status in ("full", "probationary")]
        assert figures["status"] == dict(Counter(m.status for m in rows))
        assert figures["gender"] == dict(Counter(m.gender for m in roster))
        assert figures["age_band"] == dict(Counter(band(roster_age(m.birth_date, end)) for m in roster))
        assert figures["ethnicity"] == dict(Counter(m.ethnicity for m in roster))
        assert figures["rural"] == dict(Counter("yes" if m.rural else "no" for m in roster))
        cohort = [m for m in rows if start <= m.joined_on <= end]
        assert figures["cohort"]["total"] == len(cohort)
        assert figures["cohort"].get("women", 0) == sum(m.gender == "female" for m in cohort)
        assert figures["cohort"].get("age_le35", 0) == sum(age(m.birth_date, m.joined_on) <= 35 for m in cohort)

        # the GraphQL field gives the same numbers, and byChild adds up there too

        from partygraph.graphql.schema import build_schema

        result = run_async(build_schema(settings).execute(STATS, variable_values={"under": str(GlobalID("Organization", str(county.id)))}, context_value=ctx))
        assert not result.errors, result.errors
        data = result.data["stats"]
        assert data["membersTotal"] == len(roster)
        assert sum(c["stats"]["membersTotal"] for c in data["byChild"]) == len(roster)
        by_gender: Counter = Counter()
        for c in data["byChild"]:
            by_gender.update(kv(c["stats"]["byGender"]))
        assert dict(by_gender) == kv(data["byGender"])


def test_flowing_members_are_counted_shown_and_reported(gql, world, session_factory, settings, clock, client):  # type: ignore[no-untyped-def]
    """流动党员: a roster figure declared once (reports/figures.py), kept by the rollup, served
    by the API, and shown in the dashboard's breakdown and the report."""
    from tests.conftest import login

    with session_factory() as s:
        members.update(system_context(s, settings, clock), world.members["zhang"], version=None, changes={"flowing": True})
        s.commit()
    query = "query S($under: ID!) { stats(under: $under) { flowing { key value } byChild { name stats { flowing { key value } } } } }"
    data = gql(query, {"under": world.gid("Organization", "C")})["stats"]
    assert kv(data["flowing"]) == {"yes": 1, "no": 4}
    children = {c["name"]: kv(c["stats"]["flowing"]) for c in data["byChild"]}
    assert children == {"威州镇党委": {"yes": 1, "no": 2}, "映秀镇党委": {"no": 2}}  # the children add up
    login(client, "county")
    html = client.get("/admin/dashboard").text
    assert "<th class=\"num\">流动党员</th>" in html
    report = client.get("/admin/reports/monthly?month=2026-01").text
    assert "<h2>流动党员</h2>" in report and "<td>是</td><td class=\"num\">1</td>" in report
