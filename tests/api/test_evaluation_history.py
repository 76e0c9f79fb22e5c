"""The history of organisation assessments (述职评议) and model sites (示范点) over the API:
every change newest first, cut to `first`, loaded in one statement for a whole list. Both databases."""

from __future__ import annotations

from typing import Any

RECORD = """mutation($i: RecordOrgAssessmentInput!) { recordOrgAssessment(input: $i) { __typename
  ... on OrgAssessmentPayload { assessment { id version } } ... on Error { code field } } }"""
DESIGNATE = """mutation($i: DesignateModelSiteInput!) { designateModelSite(input: $i) { __typename
  ... on ModelSitePayload { site { id version } } } }"""
REVIEW = """mutation($i: ReviewModelSiteInput!) { reviewModelSite(input: $i) { __typename
  ... on ModelSitePayload { site { version } } } }"""
DELIST = """mutation($i: DelistModelSiteInput!) { delistModelSite(input: $i) { __typename
  ... on ModelSitePayload { site { version } } } }"""
LISTS = """query($first: Int!) {
  orgAssessments(first: 100) { nodes { organization { name } history(first: $first) { action actorName before after } } }
  modelSites(first: 100) { nodes { organization { name } history(first: $first) { action before after } } } }"""


def assess(gql: Any, world: Any, org: str, **extra: Any) -> dict[str, Any]:
    values = {
        "orgId": world.gid("Organization", org),
        "year": 2025,
        "rating": "good",
        "assessedOn": "2026-01-20",
    }
    answer = gql(RECORD, {"i": {**values, **extra}}, user="township")["recordOrgAssessment"]
    assert answer["__typename"] == "OrgAssessmentPayload", answer
    return answer["assessment"]


def test_assessments_and_sites_show_their_changes(gql, world, sql_counter) -> None:
    first = assess(gql, world, "V2")
    assess(gql, world, "V2", rating="poor", note="群众满意度低", version=first["version"])
    site = gql(
        DESIGNATE,
        {
            "i": {
                "orgId": world.gid("Organization", "V1"),
                "year": 2025,
                "designatedOn": "2025-03-01",
                "criteria": {"eightHaves": True},
            }
        },
        user="township",
    )["designateModelSite"]["site"]
    reviewed = gql(
        REVIEW,
        {
            "i": {
                "id": site["id"],
                "version": site["version"],
                "reviewedOn": "2026-03-01",
                "passed": False,
                "note": "场所挪用",
            }
        },
        user="township",
    )["reviewModelSite"]["site"]
    gql(
        DELIST,
        {
            "i": {
                "id": site["id"],
                "version": reviewed["version"],
                "on": "2026-03-05",
                "reason": "复查不合格",
            }
        },
        user="township",
    )

    before = sql_counter.count
    data = gql(LISTS, {"first": 50}, user="township")
    statements = sql_counter.count - before
    (assessment,) = data["orgAssessments"]["nodes"]
    changes = assessment["history"]
    assert [e["action"] for e in changes] == ["org_assessment.record", "org_assessment.record"]
    assert changes[0]["actorName"] == "township" and changes[1]["before"] is None
    assert (
        changes[0]["before"]["rating"],
        changes[0]["after"]["rating"],
        changes[0]["after"]["note"],
    ) == ("good", "poor", "群众满意度低")
    (listed_site,) = data["modelSites"]["nodes"]
    assert [e["action"] for e in listed_site["history"]] == [
        "model_site.delist",
        "model_site.review",
        "model_site.designate",
    ]
    assert listed_site["history"][0]["after"]["delisted_reason"] == "复查不合格"
    # `first` keeps the newest.
    cut = gql(LISTS, {"first": 1}, user="township")
    assert [e["action"] for e in cut["modelSites"]["nodes"][0]["history"]] == ["model_site.delist"]

    # More rows with more changes: the same number of statements (one per list, never one per row).
    assess(gql, world, "V1")
    gql(
        DESIGNATE,
        {
            "i": {
                "orgId": world.gid("Organization", "V2"),
                "year": 2025,
                "designatedOn": "2025-03-01",
                "criteria": {},
            }
        },
        user="township",
    )
    before = sql_counter.count
    data = gql(LISTS, {"first": 50}, user="township")
    assert sql_counter.count - before == statements
    assert sorted(len(n["history"]) for n in data["orgAssessments"]["nodes"]) == [1, 2]
    assert sorted(len(n["history"]) for n in data["modelSites"]["nodes"]) == [1, 3]
    # Out of scope: no rows, so no history either.
    other = gql(LISTS, {"first": 50}, user="township2")
    assert other["orgAssessments"]["nodes"] == [] and other["modelSites"]["nodes"] == []
    node = gql(
        "query($id: ID!) { node(id: $id) { ... on ModelSite { history { action } } } }",
        {"id": site["id"]},
        user="township2",
    )
    assert node["node"] is None
