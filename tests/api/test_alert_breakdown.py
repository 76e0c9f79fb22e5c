"""Alert counts by child organisation (issue 8) and the filtered, paged `allAlerts`.

The children-sum property for alert counts on the demo county, each row checked against
`allAlerts` of that child computed separately, and the filters on a small world, both databases.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from strawberry.relay import GlobalID

from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.graphql.schema import build_schema
from partygraph.models.organization import Organization
from partygraph.reports import alerts as report_alerts
from partygraph.rules import catalogue
from tests.conftest import TODAY, run_async

BY_CHILD = """query($u: ID!) {
  stats(under: $u) {
    alerts { key value }
    byChild { name directlyUnder organization { id } stats { alerts { key value } } }
  }
}"""
ALL = """query($u: ID!, $direct: Boolean! = false) {
  allAlerts(under: $u, directlyUnder: $direct) { code }
}"""


def gid(org: Organization) -> str:
    return str(GlobalID("Organization", str(org.id)))


def kv(rows: list[dict]) -> Counter:
    return Counter({r["key"]: r["value"] for r in rows})


def test_demo_county_alert_counts_add_up_by_child(db, session_factory, settings, clock):
    """On the demo county (every area's demo loaded): the children's alert counts (and the 直属
    row's) sum to the parent's, and each row equals `allAlerts` of that child, run on its own."""
    from partygraph.demo import load_demo, load_demo_activity

    clock.today = TODAY
    with session_factory() as s:
        load_demo(s, settings, today=TODAY)
        load_demo_activity(s, settings, today=TODAY)
    schema = build_schema(settings)
    with session_factory() as s:
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=clock)

        def gql(query: str, **variables: object) -> dict:
            result = run_async(schema.execute(query, variable_values=variables, context_value=ctx))
            assert not result.errors, result.errors
            return result.data  # type: ignore[return-value]

        def all_alerts(org: Organization, direct: bool = False) -> Counter:
            return Counter(a["code"] for a in gql(ALL, u=gid(org), direct=direct)["allAlerts"])

        county = (
            s.execute(select(Organization).where(Organization.parent_id.is_(None))).scalars().one()
        )
        b = report_alerts.alert_breakdown_of(ctx, county)
        assert set(b.areas.values()) == set(report_alerts.ALERT_AREAS), (
            b.areas
        )  # every area has alerts in the demo
        summed: Counter = Counter()
        for counts in b.buckets.values():
            summed.update(counts)
        assert summed == b.total == all_alerts(county)
        townships = [
            c
            for c in s.execute(
                select(Organization).where(Organization.parent_id == county.id)
            ).scalars()
            if b.buckets.get(c.path)
        ]
        assert len(townships) >= 5

        def check(parent: Organization) -> None:
            data = gql(BY_CHILD, u=gid(parent))["stats"]
            rows = data["byChild"]
            whole = kv(data["alerts"])
            assert whole == all_alerts(parent)
            by_rows: Counter = Counter()
            for row in rows:
                by_rows.update(kv(row["stats"]["alerts"]))
            assert by_rows == whole, parent.name
            for row in rows:
                if row["directlyUnder"]:
                    assert kv(row["stats"]["alerts"]) == all_alerts(parent, direct=True)
                else:
                    child = s.get(
                        Organization, int(GlobalID.from_id(row["organization"]["id"]).node_id)
                    )
                    assert kv(row["stats"]["alerts"]) == all_alerts(child), row["name"]  # type: ignore[arg-type]

        check(county)
        busiest = max(townships, key=lambda c: b.total and sum(b.buckets[c.path].values()))
        check(busiest)


APPLY = (
    """mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) { __typename } }"""
)
FILTERED = """query($u: ID!, $area: [AlertArea!], $code: [String!], $direct: Boolean! = false, $order: AlertOrder! = DUE_ASC,
                    $first: Int, $offset: Int! = 0) {
  allAlerts(under: $u, area: $area, code: $code, directlyUnder: $direct, orderBy: $order, first: $first, offset: $offset) {
    __typename code dueOn
  }
  alertKinds(under: $u, directlyUnder: $direct) { area areaLabel code count }
}"""


def _apply(gql, world) -> None:
    gql(APPLY, {"i": {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-09-01", "name": "杨晓明",
                      "gender": "male", "birthDate": "1998-05-05", "education": "senior_high"}}, user="village")  # fmt: skip


def test_filters_order_and_pages(gql, world):
    _apply(gql, world)
    t1 = world.gid("Organization", "T1")
    everything = gql(FILTERED, {"u": t1}, user="township")
    merged, kinds = everything["allAlerts"], everything["alertKinds"]
    assert sum(k["count"] for k in kinds) == len(merged) > 3
    assert Counter(a["code"] for a in merged) == Counter({k["code"]: k["count"] for k in kinds})
    assert [k["area"] for k in kinds] == sorted(
        (k["area"] for k in kinds), key=list(report_alerts.ALERT_AREAS).index
    )
    assert {"pipeline", "branch_life"} <= {k["area"] for k in kinds}
    assert next(k for k in kinds if k["code"] == "R-DEV-02") == {
        "area": "pipeline",
        "areaLabel": "发展党员",
        "code": "R-DEV-02",
        "count": 1,
    }
    # by area, by code
    life = gql(FILTERED, {"u": t1, "area": ["branch_life"]}, user="township")["allAlerts"]
    assert life and {a["__typename"] for a in life} == {"BranchLifeAlert"}
    assert len(life) == sum(k["count"] for k in kinds if k["area"] == "branch_life")
    talk = gql(FILTERED, {"u": t1, "code": ["R-DEV-02"]}, user="township")["allAlerts"]
    assert [a["code"] for a in talk] == ["R-DEV-02"]
    assert (
        gql(FILTERED, {"u": t1, "area": ["evaluation"], "code": ["R-DEV-02"]}, user="township")[
            "allAlerts"
        ]
        == []
    )
    # by due date, either way; undated alerts last both times
    down = gql(FILTERED, {"u": t1, "order": "DUE_DESC"}, user="township")["allAlerts"]
    dated = [a["dueOn"] for a in down if a["dueOn"]]
    assert dated == sorted(dated, reverse=True) and [a["dueOn"] for a in down[len(dated) :]] == [
        None
    ] * (len(down) - len(dated))
    assert Counter(a["code"] for a in down) == Counter(a["code"] for a in merged)
    # pages: first/offset cut the sorted list
    page2 = gql(FILTERED, {"u": t1, "first": 2, "offset": 2}, user="township")["allAlerts"]
    assert page2 == merged[2:4]
    assert gql(FILTERED, {"u": t1, "first": 0}, user="township")["allAlerts"] == []
    assert gql(FILTERED, {"u": t1, "offset": 10_000}, user="township")["allAlerts"] == []


def test_directly_under_is_the_direct_row(gql, world):
    _apply(gql, world)
    t1 = world.gid("Organization", "T1")
    direct = gql(FILTERED, {"u": t1, "direct": True}, user="township")
    rows = gql(BY_CHILD, {"u": t1}, user="township")["stats"]["byChild"]
    by_name = {r["name"]: kv(r["stats"]["alerts"]) for r in rows}
    assert (
        by_name["直属"] == Counter(a["code"] for a in direct["allAlerts"]) != Counter()
    )  # the committee's own meetings
    assert sum(k["count"] for k in direct["alertKinds"]) == len(direct["allAlerts"])
    assert by_name["布瓦村党支部"]["R-DEV-02"] == 1 and by_name["龙溪村党支部"]["R-DEV-02"] == 0
    whole = kv(gql(BY_CHILD, {"u": t1}, user="township")["stats"]["alerts"])
    assert sum(by_name.values(), Counter()) == whole
    # a village has no children: its own alerts are all on its 直属 row
    v1 = gql(BY_CHILD, {"u": world.gid("Organization", "V1")}, user="village")["stats"]
    v1_rows = {r["name"]: kv(r["stats"]["alerts"]) for r in v1["byChild"]}
    assert sum(v1_rows.values(), Counter()) == kv(v1["alerts"])


def test_out_of_scope_is_empty(gql, world):
    _apply(gql, world)
    t1 = world.gid("Organization", "T1")
    for user in ("township2", "village3"):
        data = gql(FILTERED, {"u": t1}, user=user)
        assert data == {"allAlerts": [], "alertKinds": []}
    assert gql(BY_CHILD, {"u": t1}, user="township2")["stats"] is None
    # the village clerk's own subtree only
    mine = gql(FILTERED, {"u": world.gid("Organization", "V1")}, user="village")
    assert "R-DEV-02" in {k["code"] for k in mine["alertKinds"]}


def test_english_area_labels(gql, world):
    kinds = gql(FILTERED, {"u": world.gid("Organization", "C")}, lang="en")["alertKinds"]
    assert kinds and all(
        k["areaLabel"] in ("Developing members", "Branch life", "Evaluations", "Assistance")
        for k in kinds
    )


TITLED = """query($u: ID!) {
  alertKinds(under: $u) { code label count }
  stats(under: $u) { alerts { key label value } byChild { stats { alerts { key label } } } }
}"""


def test_kinds_and_counts_carry_the_rule_title(gql, world):
    _apply(gql, world)
    t1 = world.gid("Organization", "T1")
    for lang in ("zh", "en"):
        data = gql(TITLED, {"u": t1}, user="township", lang=lang)
        kinds = {k["code"]: k for k in data["alertKinds"]}
        counts = {c["key"]: c for c in data["stats"]["alerts"]}
        talk = (
            "申请后一个月内未谈话" if lang == "zh" else "No talk within a month of the application"
        )
        assert kinds["R-DEV-02"] == {"code": "R-DEV-02", "label": talk, "count": 1}
        assert counts["R-DEV-02"] == {"key": "R-DEV-02", "label": talk, "value": 1}
        # every kind of the world is in the catalogue: the label is a title, never the code
        for code, k in kinds.items():
            assert k["label"] == catalogue.title(code, lang) != code
            assert counts[code]["label"] == k["label"]
        for row in data["stats"]["byChild"]:
            for c in row["stats"]["alerts"]:
                assert c["label"] == catalogue.title(c["key"], lang)
