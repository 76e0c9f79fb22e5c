"""SQL statement counts of every admin operation and of the main API queries, against the
baselines in tests/query_counts.json (tests/query_counts.py: a count above its baseline
fails and lists the statements; one below it passes and the summary says to regenerate;
an operation without a baseline, or a baseline of nothing, fails).

Regenerate the baselines (after a change that adds or saves statements on purpose: say
why in the change), on both databases, with xdist or without:

    PARTYGRAPH_UPDATE_QUERY_COUNTS=1 python -m pytest -p no:cacheprovider \\
        tests/api/test_query_counts.py tests/api/test_n_plus_one.py

(docs/testing.md says the same for developers.)

What is counted, so that a count depends on nothing but the code:

* the fixture county of the contract tests (test_contract_scope.py: one record of every
  node type in T1 and T2), one per module and database, as the county account;
* every operation document of src/partygraph/admin/operations/, executed as the admin
  executes it (by name, on the API's schema), with variables built from the schema by the
  contract tests' InputBuilder aimed at the records in T1; OVERRIDES changes a few values
  where a generated one would only measure a refusal, SETUP runs an operation first;
* the result cache off (contract.SETTINGS) and the dashboard figures' cache emptied
  (reports.cache.bump) before the counted run: the statements of the resolvers, not of a hit;
* each operation twice, each time in a transaction rolled back afterwards (contract.
  rolled_back), and the second run counted: what a process loads once (on its first
  request) is not counted, and a mutation changes nothing for the next one. The harness's
  SAVEPOINT/RELEASE/BEGIN statements are left out of the counts.

Mutations that still answer with a refusal (the fixture county has no record in the state
the mutation needs) are listed in REFUSED with the refusal they answer: their count is
the count of that refusal, and the test fails if the answer changes (then the count
measures something else: fix the input or the list, and regenerate).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    parse,
    type_from_ast,
    visit,
)
from sqlalchemy import event
from sqlalchemy.orm import Session

from partygraph.admin.core import OPERATIONS_DIR, operation
from partygraph.context import Context
from partygraph.graphql.schema import build_schema
from partygraph.reports import cache as stats_cache
from tests import query_counts
from tests.api import test_contract_scope as contract_scope
from tests.api.contract import (
    ID_OF_MUTATION,
    SETTINGS,
    InputBuilder,
    Targets,
    graphql_schema,
    payload_node_type,
    rolled_back,
)
from tests.api.contract import walk as contract_walk
from tests.api.test_n_plus_one import BASELINES as N_PLUS_ONE_BASELINES
from tests.conftest import PASSWORD, run_async

SCHEMA = graphql_schema()
OPERATIONS = sorted(p.stem for p in OPERATIONS_DIR.glob("*.graphql"))

# The contract tests' county (module-scoped, on each database): reused, not rebuilt by hand.
county = contract_scope.county


def document(name: str) -> str:
    return operation(name)  # as the admin sends it: with the shared fragments it spreads


def is_mutation(text: str) -> bool:
    return any(isinstance(d, OperationDefinitionNode) and d.operation == OperationType.MUTATION for d in parse(text).definitions)


# --- the records an override names -------------------------------------------------------------


@dataclass
class Records:
    """The records the generated ids point at (one of each node type, in T1), and every
    organisation of the county by code."""

    targets: Targets
    orgs: dict[str, str]  # code → global id

    def id(self, type_name: str) -> str:
        return self.targets.ids[type_name]


@pytest.fixture(scope="module")
def records(county: contract_scope.County) -> Records:
    data = county.api.data("{ organizations(first: 100) { nodes { id code } } }", None, county.viewers["county"])
    return Records(county.outside, {o["code"]: o["id"] for o in data["organizations"]["nodes"]})


DROP = object()  # an override value: leave the variable (or input field) out

# Values instead of generated ones, where a generated value would only measure a refusal
# (or a miss): {operation: records → values merged into the generated variables}.
OVERRIDES: dict[str, Callable[[Records], dict[str, Any]]] = {
    "AccountChangePassword": lambda r: {"input": {"oldPassword": PASSWORD, "newPassword": "query-counts-2"}},
    "AllowanceRollAdvance": lambda r: {"input": {"strikeMemberIds": DROP}},  # li is on no roll
    "AssistanceAdvance": lambda r: {"input": {"step": "review", "outcome": "continued"}},  # filed: the yearly review
    "AssistanceVisit": lambda r: {"input": {"amountFen": 100, "approver": "镇党委"}},  # paid from the fund
    "ChangeMemberStatus": lambda r: {"input": {"toStatus": "deceased"}},  # full → probationary is refused
    "CreateOrganization": lambda r: {"input": {"kind": "group"}},  # a group under the village branch
    # at V1's general meeting of 10 October, with more candidates than seats and a quorum
    "ElectionRecord": lambda r: {"input": {"heldOn": "2026-10-10", "seats": 1, "shouldAttend": 2, "present": 2,
                                           "candidates": [{"memberId": r.id("Member"), "votes": 1}, {"name": "陪选人", "votes": 0}]}},
    "EvaluationDesignateModelSite": lambda r: {"input": {"year": 2027}},  # V1 is 2026's already
    "EvaluationOpenRound": lambda r: {"input": {"orgId": r.orgs["V2"]}},  # V1 has 2026's round
    "EvaluationRecordRow": lambda r: {"input": {"outcome": {"grade": "excellent", "decidedOn": "2026-10-20"}}},  # a grade
    "FlowingSet": lambda r: {"input": {"lifeOrgId": DROP}},  # a life branch must be elsewhere
    "FourStepRecord": lambda r: {"input": {"passed": True, "meetingId": DROP}},
    "FundCreate": lambda r: {"input": {"orgId": r.orgs["C"]}},  # at a committee; T1 and T2 have theirs
    "MoveOrganization": lambda r: {"input": {"newParentId": r.orgs["T2"]}},  # not under itself
    "OrgByCode": lambda r: {"code": r.targets.org_code},  # "CT-NEW" is createOrganization's
    "PairingCreate": lambda r: {"input": {"agencyOrgId": r.orgs["A1"], "caseId": DROP}},  # branches: agency + village
    "PipelineApply": lambda r: {"input": {"birthDate": "1998-01-01"}},
    "PipelineRecordStep": lambda r: {"input": {"step": "talk"}},  # applied already: the talk follows
    "PlanCreate": lambda r: {"input": {"firstYear": 2027}},  # V1 has 2026's plan
    "RegisterMember": lambda r: {"input": {"birthDate": "1990-01-01", "joinedOn": "2020-07-01"}},
    "SendTransfer": lambda r: {"input": {"toOrgCode": "V2"}},  # li is in V1
}

# Operations run first, in the same transaction and not counted, with their own variables:
# {operation: [operations]}.
SETUP: dict[str, list[str]] = {
    "AccountReactivate": ["AccountDeactivate"],
}

# Mutations that answer a refusal with the generated (and overridden) input, and why:
# {operation: (the answer's code, why)}. Their count is the refusal's.
REFUSED: dict[str, tuple[str, str]] = {
    "CalendarDecideFlag": ("R-MEM-FLAG", "no member of the county has an open R-MEM flag (absent or out of contact 6 months)"),
    "DissolveOrganization": ("R-ORG-DISSOLVE", "every organisation of the county has members or suborganisations"),
    "EvaluationAddSubject": ("DUPLICATE", "both members of V1 are subjects of its round already"),
    "EvaluationCloseRound": ("R-EVAL-01", "the fixture grades one of the round's two subjects, not 李四"),
    "EvaluationWithdrawSubject": ("R-EVAL-01", "the subject the ids name is the graded one"),
    "PipelineRecordVote": ("INVALID_INPUT", "the one candidate is an applicant: no vote is due"),
    "SanctionLift": ("R-DISC-03", "the one sanction is a warning; only probation is lifted"),
    "StartImport": ("BAD_FILE", "no upload is generated (an Upload is a multipart part): tests/api/test_jobs_api.py runs the real one"),
}


def _merged(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(values)
    for k, v in changes.items():
        if v is DROP:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merged(out[k], v)
        else:
            out[k] = v
    return out


# --- variables from the schema -----------------------------------------------------------------


class _Usages(Visitor):
    """Where each variable is first passed: (the field, its definition, the type it is a field
    of, the argument or input field name)."""

    def __init__(self, info: TypeInfo) -> None:
        super().__init__()
        self.info = info
        self.found: dict[str, tuple[FieldNode | None, Any, Any, str | None]] = {}

    def enter_variable(self, node: Any, _key: Any, parent: Any, _path: Any, ancestors: Any) -> None:
        name = node.name.value
        if name in self.found or isinstance(parent, VariableDefinitionNode):
            return
        field = next((a for a in reversed(ancestors) if isinstance(a, FieldNode)), None)
        argument = parent.name.value if isinstance(parent, ArgumentNode | ObjectFieldNode) else None
        self.found[name] = (field, self.info.get_field_def(), self.info.get_parent_type(), argument)


def _subject(builder: InputBuilder, field: FieldNode | None, definition: Any, parent: Any) -> str | None:
    """The node type a bare `id` passed to `field` names: what the mutation is about, the node
    type the field returns, or the type its selection expects (`node(id:) { ... on X }`)."""
    if field is None or definition is None:
        return None
    if parent is SCHEMA.mutation_type:
        return ID_OF_MUTATION.get(field.name.value) or payload_node_type(SCHEMA, definition)
    returned = get_named_type(definition.type)
    if returned.name in builder.nodes:
        return str(returned.name)
    for selection in field.selection_set.selections if field.selection_set else ():
        if isinstance(selection, InlineFragmentNode) and selection.type_condition and selection.type_condition.name.value in builder.nodes:
            return str(selection.type_condition.name.value)
    # a record that is not a node itself (meetingRecord → MeetingRecord.meeting: Meeting)
    return payload_node_type(SCHEMA, definition) if isinstance(returned, GraphQLObjectType) else None


def variables_for(text: str, builder: InputBuilder) -> dict[str, Any]:
    """The variables of an operation document, each made by the contract tests' InputBuilder
    as the argument or input field it is passed to: the required ones, and every id (or input
    holding ids) even when optional. Versions are the current ones of the record they go with."""
    doc = parse(text)
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    info = TypeInfo(SCHEMA)
    usages = _Usages(info)
    visit(doc, TypeInfoVisitor(info, usages))
    out: dict[str, Any] = {}
    for definition in op.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(SCHEMA, definition.type)
        assert type_ is not None, f"${name}: no such type"
        named = get_named_type(type_)
        required = isinstance(type_, GraphQLNonNull) and definition.default_value is None
        if not (required or named.name == "ID" or builder._holds_ids(named)):
            continue
        field, field_def, parent, argument = usages.found.get(name, (None, None, None, None))
        field_name = field.name.value if field else ""
        if name == "first":
            out[name] = 20  # a page, not one row
            continue
        out[name] = builder.value(argument or name, type_, _subject(builder, field, field_def, parent),
                                  all_ids=True, path=f"{field_name}.{argument or name}", owner=field_name)
    for holder in (out, *(v for v in out.values() if isinstance(v, dict))):
        if "version" in holder:
            holder["version"] = builder.targets.versions.get(builder._about(holder), 1)
    return out


def operation_variables(name: str, records: Records) -> dict[str, Any]:
    variables = variables_for(document(name), InputBuilder(SCHEMA, records.targets))
    override = OVERRIDES.get(name)
    return _merged(variables, override(records)) if override else variables


# --- counting ----------------------------------------------------------------------------------


def _execute(session: Session, county: contract_scope.County, text: str, variables: dict[str, Any], name: str | None) -> Any:
    ctx = Context(session=session, settings=SETTINGS, viewer=county.viewers["county"], clock=county.api.clock, lang="zh")
    return run_async(build_schema(SETTINGS).execute(text, variable_values=variables, context_value=ctx, operation_name=name))


@dataclass
class Counted:
    result: Any
    statements: list[str]

    def answer(self) -> dict[str, Any]:
        """A mutation's answer (its payload or error)."""
        assert not self.result.errors, self.result.errors
        (answer,) = self.result.data.values()
        assert isinstance(answer, dict), answer
        return answer


def count(county: contract_scope.County, text: str, variables: dict[str, Any], name: str | None,
          setup: list[tuple[str, dict[str, Any], str]] | None = None) -> Counted:
    """Run an operation twice, each time in a transaction rolled back afterwards (after the
    `setup` operations, in a session of their own), and count the statements of the second."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    result = None
    for _run in ("warm", "counted"):
        with rolled_back(county.savepoints) as (first, conn):
            for setup_text, setup_variables, setup_name in setup or ():
                done = _execute(first, county, setup_text, setup_variables, setup_name)
                assert not done.errors and all(v["__typename"].endswith("Payload") for v in done.data.values()), (setup_name, done)
            session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
            stats_cache.bump()  # the dashboard figures are computed, not served from stats' cache
            seen.clear()
            event.listen(county.savepoints, "before_cursor_execute", listen)
            try:
                result = _execute(session, county, text, variables, name)
            finally:
                event.remove(county.savepoints, "before_cursor_execute", listen)
                session.close()
    return Counted(result, query_counts.operation_statements(seen))


def dialect(county: contract_scope.County) -> str:
    return county.engine.dialect.name


# --- admin operations --------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPERATIONS)
def test_admin_operation(county: contract_scope.County, records: Records, name: str, record_property: Any) -> None:
    text = document(name)
    setup = [(document(s), operation_variables(s, records), s) for s in SETUP.get(name, ())]
    counted = count(county, text, operation_variables(name, records), name, setup)
    if is_mutation(text):
        answer = counted.answer()
        if name in REFUSED:
            assert answer.get("code") == REFUSED[name][0], f"{name} no longer answers {REFUSED[name]}: {answer} (update REFUSED, regenerate)"
        else:
            assert answer["__typename"].endswith("Payload"), f"{name} answers {answer}: the count would be a refusal's (OVERRIDES, REFUSED)"
    else:
        assert not counted.result.errors, (name, counted.result.errors)
    query_counts.check(f"admin/{name}", dialect(county), counted.statements, record_property)


# --- the main API queries ----------------------------------------------------------------------

# What an API client reads: the organisation tree, the member list, candidates, alerts, the
# figures, evaluations and assistance. The documents of partygraph/bench (the benchmark's
# client) where it has one, the others in the same manner; variables as for the admin's,
# with {query: {variable: value}} where a generated value would find nothing.
API_QUERIES: dict[str, str] = {
    # bench/run.py NESTED: a township's villages, their members and posts
    "organisation_tree": """query OrganisationTree($id: ID!) { organization(id: $id) { id name children { id name kind
        members(first: 20) { totalCount nodes { id name positions { kind title startOn } } } } } }""",
    # bench/run.py COUNTS
    "organisation_counts": """query OrganisationCounts($id: ID!) { organization(id: $id) { name
        memberCounts { total full probationary } children { name memberCounts { total full probationary } } } }""",
    # test_queries.py: the organisations with their officers and compliance
    "organisations": """query Organisations { organizations(first: 100) { totalCount nodes { code name kindLabel
        parent { code } memberCounts { full total } officers { kind member { id name } } compliance { code message } } } }""",
    # bench/run.py MEMBER_LIST: a search under an organisation
    "members": """query Members($under: ID!, $search: String!) { members(filter: {under: $under, search: $search}, first: 50) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id name gender birthDate education status joinedOn organization { name } } } }""",
    "candidates": """query Candidates($under: ID!) { candidates(filter: {under: $under}, first: 50) { totalCount
        nodes { id name stage stageLabel appliedOn lastStepOn organization { name }
                nextSteps { step label due overdue } alerts { code message dueOn } } } }""",
    # bench/op_alerts.py ALERTS, with the kinds the alert page counts
    "alerts": """query Alerts($under: ID!) { alertKinds(under: $under) { area code count }
        allAlerts(under: $under) { code message dueOn } }""",
    "stats": """query Stats($under: ID!) { stats(under: $under) { from to membersTotal
        byStatus { key value } byGender { key value } byAgeBand { key value } candidatesByStage { key value }
        casesByStatus { key value } funds { balanceFen } loans { overdueCount } alerts { key value }
        byChild { name stats { membersTotal byStatus { key value } } } } }""",
    "evaluation_rounds": """query EvaluationRounds($under: ID!) { evaluationRounds(filter: {under: $under}, first: 20) {
        totalCount nodes { id year statusLabel organization { name } progress { concluded total }
                           subjects { memberName outcome { grade } } } } }""",
    "evaluation_flags": """query EvaluationFlags($under: ID!) { evaluationFlags(filter: {under: $under}, first: 20) {
        totalCount nodes { id code kindLabel raisedOn member { name } organization { name } appointment { id postLabel } } } }""",
    "cadre_appointments": """query CadreAppointments($under: ID!) { cadreAppointments(filter: {under: $under}, first: 20) {
        totalCount nodes { id postLabel statusLabel appointedOn member { name } organization { name }
                           checkpoints { id } warnings { id } } } }""",
    "assistance_cases": """query AssistanceCases($under: ID!) { assistanceCases(filter: {under: $under}, first: 50) {
        totalCount nodes { id causeLabel statusLabel appliedOn member { name } organization { name }
                           loans { id outstandingFen } pairings { id } totalGivenFen } } }""",
    "loans": """query Loans($under: ID!) { loans(filter: {under: $under}, first: 50) { totalCount
        nodes { id amountFen outstandingFen statusLabel nextDueOn member { name } fund { name } case { id } } } }""",
    "funds": """query Funds($under: ID!) { funds(under: $under) { id name balanceFen principalFen organization { name }
        totals { kind direction count totalFen } } }""",
    "pairings": """query Pairings($under: ID!) { pairings(under: $under, first: 50) { totalCount
        nodes { id kindLabel agencyName helper { name } case { id } promises { id } } } }""",
    "transfers": """query Transfers { transfers(first: 50) { totalCount
        nodes { id statusLabel sentOn memberName fromOrgName toOrgName member { name } fromOrganization { name } toOrganization { name } } } }""",
    "meetings": """query Meetings($under: ID!) { meetings(filter: {under: $under}, first: 50) { totalCount
        nodes { id kindLabel heldOn organization { name } decisions { id } } } }""",
}

API_VARIABLES: dict[str, Callable[[Records], dict[str, Any]]] = {
    "organisation_tree": lambda r: {"id": r.orgs["T1"]},  # the township, not a village
    "organisation_counts": lambda r: {"id": r.orgs["T1"]},
    "members": lambda r: {"search": "李"},
}


@pytest.mark.parametrize("name", sorted(API_QUERIES))
def test_api_query(county: contract_scope.County, records: Records, name: str, record_property: Any) -> None:
    text = API_QUERIES[name]
    variables = variables_for(text, InputBuilder(SCHEMA, records.targets))
    if name in API_VARIABLES:
        variables = _merged(variables, API_VARIABLES[name](records))
    counted = count(county, text, variables, None)
    assert not counted.result.errors, (name, counted.result.errors)
    assert any(leaf for _, leaf in contract_walk(counted.result.data) if isinstance(leaf, int) and leaf), f"{name} finds nothing: {counted.result.data}"
    query_counts.check(f"api/{name}", dialect(county), counted.statements, record_property)


# --- the file ----------------------------------------------------------------------------------


def known_keys() -> set[str]:
    return ({f"admin/{name}" for name in OPERATIONS} | {f"api/{name}" for name in API_QUERIES}
            | set(N_PLUS_ONE_BASELINES.values()))


def test_every_operation_has_a_baseline_and_every_baseline_an_operation() -> None:
    """A new admin operation cannot ship without a baseline; a removed one takes its baseline
    with it (regenerating drops it)."""
    missing, stale = query_counts.reconcile(known_keys())
    problems = [f"no baseline: {k}" for k in missing if not query_counts.updating()] + [f"a baseline of nothing: {k}" for k in stale]
    assert not problems, "\n".join(problems) + f"\nRegenerate: {query_counts.REGENERATE}"


def test_refusals_and_overrides_name_operations() -> None:
    unknown = sorted((set(REFUSED) | set(OVERRIDES) | set(SETUP) | {s for ss in SETUP.values() for s in ss}) - set(OPERATIONS))
    assert not unknown, f"no such operation: {unknown}"
    assert not [n for n in REFUSED if not is_mutation(document(n))], "REFUSED lists mutations"
