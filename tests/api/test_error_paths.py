"""Error fields, one convention (graphql/errors.py): services name the domain field, the API
answers its input path. Every field a mutation's services can report resolves to a place in
that mutation's input type, walked in the schema with graphql-core."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from graphql import GraphQLSchema

from partygraph.graphql.errors import api_field, input_path
from partygraph.graphql.schema import build_schema
from tests.api.error_fields import Reader

# Reshaped in parallel (candidate, candidate_vote): their rules report `data.*` names.
SKIPPED_MODULES = ("candidate", "candidate_vote")

# Names that do not yet place themselves: a field inside a list or nested input reported
# without its prefix (recordEvaluation's `grade` lives at `sources[i].grade`), or one the
# reader over-reads (a default not taken on this path). Their `path` is null and `field`
# still names them. Shrink this as services name their place; a new entry fails the test.
UNPLACED = {
    "adoptDevelopmentPlan": {"status"},
    "advanceAssistanceCase": {"standard", "standardNote", "yearlyIncome"},
    "closeEvaluationRound": {"decision", "outcomes"},
    "createPairing": {"approver", "goods", "on"},
    "declareAllowanceRoll": {"month"},
    "grantAssistance": {"goods", "helper"},
    "lendAssistance": {"goods", "helper", "note"},
    "recordAssistanceHelp": {"approver", "goods"},
    "recordBranchMeeting": {"present", "written_opinions", "yes"},
    "recordElection": {"startsOn", "years"},
    "recordEvaluation": {"correctionDeadline", "decidedOn", "decision", "decisionNote", "grade", "raters", "signedOffBy", "source", "tallies"},
    "recordTrialCheckpoint": {"kind"},
    "updateDevelopmentPlan": {"kind", "orgId", "status"},
    "updateOrganization": {"parentId"},
    "withdrawDevelopmentPlan": {"status"},
    "withdrawEvaluationSubject": {"subjectId"},
}  # fmt: skip


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def _path(schema: GraphQLSchema, mutation: str, field: str | None) -> str | None:
    assert schema.mutation_type is not None
    return input_path(schema.mutation_type.fields[mutation].args, field)


def test_every_reported_field_names_a_place_in_its_mutations_input(schema: GraphQLSchema) -> None:
    assert schema.mutation_type is not None
    reported = Reader().mutations(skip=SKIPPED_MODULES)
    assert set(reported) <= set(schema.mutation_type.fields)
    assert len(reported) > 60 and sum(map(len, reported.values())) > 300, "the reader stopped finding fields"
    unplaced = {m: {f for f in fields if _path(schema, m, f) is None} for m, fields in reported.items()}
    assert {m: f for m, f in unplaced.items() if f} == UNPLACED


@pytest.mark.parametrize(
    ("mutation", "field", "path"),
    [
        ("registerMember", "orgId", "input.orgId"),
        ("registerMember", "org_id", "input.orgId"),  # the domain name reads alike
        ("registerMember", "birth_date", "input.birthDate"),
        ("updateMember", "version", "input.version"),
        ("setMeetingAttendance", "attendance.3.memberId", "attendance[3].memberId"),  # no `input` object
        ("setMeetingAttendance", "meeting_id", "meetingId"),
        ("recordBranchMeeting", "decisions.0.should_attend", "input.decisions[0].shouldAttend"),
        ("recordBranchMeeting", "attachments.2", "input.attachments[2]"),
        ("createFund", "principal", "input.principalFen"),  # the unit the input adds
        ("registerMember", "nonsense", None),
        ("registerMember", "orgId.0", None),  # not a list
        ("registerMember", None, None),
    ],
)
def test_the_converter(schema: GraphQLSchema, mutation: str, field: str | None, path: str | None) -> None:
    assert _path(schema, mutation, field) == path


def test_a_shared_prefix_names_no_field(schema: GraphQLSchema) -> None:
    # createPairing's input has agencyOrgId and agencyMemberId-like pairs: `agency` alone is ambiguous
    inputs = schema.mutation_type.fields["createPairing"].args["input"].type.of_type.fields  # type: ignore[union-attr]
    assert [f for f in inputs if f.startswith("village")] == ["villageOrgId"]
    assert _path(schema, "createPairing", "village") == "input.villageOrgId"
    assert api_field("attendance.3.member_id") == "attendance.3.memberId"


def test_errors_answer_field_and_path(gql: Any, world: Any) -> None:
    record = """mutation($input: RecordBranchMeetingInput!) { r: recordBranchMeeting(input: $input) {
      __typename ... on Error { code field path } } }"""
    zhang, li = world.gid("Member", "zhang"), world.gid("Member", "li")
    inp = {"orgId": world.gid("Organization", "V1"), "kind": "theme_day", "heldOn": date(2026, 10, 11).isoformat(),
           "attendance": [{"memberId": zhang, "status": "PRESENT"}, {"memberId": li, "status": "EXCUSED"}]}  # fmt: skip
    bad = gql(record, {"input": inp}, user="village")["r"]
    assert (bad["code"], bad["field"], bad["path"]) == ("R-LIFE-09", "attendance.1.reason", "input.attendance[1].reason")
    attendance = """mutation($m: ID!, $a: [AttendanceInput!]!) { r: setMeetingAttendance(meetingId: $m, attendance: $a) {
      __typename ... on Error { code field path } } }"""
    bad = gql(attendance, {"m": world.gid("Member", "li"), "a": []})["r"]
    assert (bad["code"], bad["field"], bad["path"]) == ("INVALID_ID", "meetingId", "meetingId")
    # an error about no one field has neither
    member = "mutation($i: UpdateMemberInput!) { r: updateMember(input: $i) { ... on Error { code field path } } }"
    stale = gql(member, {"i": {"id": li, "version": 99, "notes": "x"}})["r"]
    assert (stale["code"], stale["field"], stale["path"]) == ("CONFLICT", "version", "input.version")
