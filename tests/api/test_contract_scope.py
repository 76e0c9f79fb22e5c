"""Scope and read-only contracts of the whole API, generated from the schema.

test_scope.py probes the foundation's mutations with hand-written cases; this file walks the
built schema instead (tests/api/contract.py explains how an input is made), so a new
mutation, node type or root field is covered without anyone writing a case for it:

1. every mutation, called by an account of another township or village with ids of records
   outside its subtree, answers NotFound or NotAllowed and changes no row of any table;
   and, aimed at a record of its own with ONE other id from outside (an organisation, a
   member, a meeting...), the same;
2. every mutation, called by a read-only account or token with ids inside its scope, answers
   NotAllowed and changes no row;
3. `node(id)` / `nodes(ids)` of every node type answers null outside the scope, and every
   root field answers empty (or null, or "not found") when given an out-of-scope id, and
   never shows an out-of-scope record;
4. the generator could build an input for everything the schema has (or the skip-list says why).

Controls keep the refusals honest: the county, sending the very same generated input (in a
transaction rolled back afterwards), gets past the scope check of every mutation, and sees
records through every root field the read test aims outside.

The county (one per module and database), all of it built by the county account:

    C 岷江县委 ─┬─ T1 威州镇党委 ─┬─ V1 布瓦村 ── G1 (张三)     李四 in V1      ← every record
               │                 └─ V2 龙溪村 (王五)                           of every node
               └─ T2 映秀镇党委 ─── V3 渔子溪村 ── G3 (赵六)   钱七 in V3      type is in T1

The accounts under test, township2@T2 and village3@V3, must not reach anything in T1.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type
from sqlalchemy import Engine, select
from strawberry.relay import GlobalID

from partygraph.context import SYSTEM_VIEWER, Context, Viewer
from partygraph.db import make_session_factory
from partygraph.models.account import Account
from partygraph.models.session import SignInLockout
from partygraph.rules.catalogue import CATALOGUE
from partygraph.services import account as accounts
from partygraph.services import member as members
from partygraph.services import organization as orgs
from partygraph.services import signin
from tests.api.contract import (
    MUTATION_RESULT,
    SETTINGS,
    Api,
    CannotBuild,
    InputBuilder,
    Targets,
    changed_tables,
    fingerprint,
    graphql_schema,
    mutation_fields,
    node_type_names,
    operation,
    query_fields,
    rolled_back,
    savepoint_engine,
    selection,
    walk,
)
from tests.conftest import PASSWORD, Clock, _engine_for, _wipe

SCHEMA = graphql_schema()
MUTATIONS = mutation_fields(SCHEMA)
NODE_TYPES = node_type_names(SCHEMA)
ROOT_FIELDS = query_fields(SCHEMA)

OUTSIDE_ACCOUNTS = ["township2", "village3"]
READ_ONLY = ["viewer", "county-read-only-token"]

# Root fields the generic root-field test leaves to others, with the reason.
ROOT_SKIP = {
    "node": "tested per node type (test_node_outside_the_scope_is_null)",
    "nodes": "tested per node type (test_node_outside_the_scope_is_null)",
}

# Root fields only county accounts may read: anyone else is refused with a NotAllowed error
# (services/signin.py _require_county, services/access_log.py), which shows nothing either.
COUNTY_ONLY_ROOT_FIELDS = {
    "signInLockouts": "sign-in lockouts are the county's to see and lift",
    "accessLog": "who read what is the county's to see",
}

# Mutations that act on the caller only and take no id (nothing to aim outside the scope):
# left out of the out-of-scope tests, with the reason.
SELF_SERVICE = {
    "createMyApiToken": "a token for the caller itself, who is always in its own scope",
    "changeMyPassword": "the caller's own password, given the current one",
}

# Read-only callers that may make a self-service change: {(user, mutation): reason}. A
# read-only TOKEN may not (it must be refused like any other write); a signed-in read-only
# ACCOUNT changes its own password and makes its own (read-only: its role) tokens.
READ_ONLY_SELF_SERVICE = {
    ("viewer", "createMyApiToken"): "a viewer account makes its own tokens, read-only by its role",
    ("viewer", "changeMyPassword"): "a viewer account changes its own password",
    **{(user, "startExport"): "an export reads: a read-only account exports what it may read" for user in ("viewer", "county-read-only-token")},
}

# Mutations that only read (a job that writes a file, no row): their payload changes no table.
READING_MUTATIONS = {"startExport": "an export job: the file is the job store's (partygraph.jobs)"}

# Known defects: {test id: reason}; each is an xfail(strict=True) until the source is fixed.
KNOWN_DEFECTS: dict[str, str] = {}

# Ids that may name a record outside the scope by design: {mixed-test id: reason}.
OUTSIDE_BY_DESIGN = {
    "setFlowing:input.lifeOrgId": "the branch where a flowing member takes part in life may be anywhere, even in another "
                                  "county (services/branch_life.py, 'Flowing members (decision)')",
}


def gid(type_name: str, ident: int | None) -> str:
    return str(GlobalID(type_name, str(ident)))


# --- the fixture county --------------------------------------------------------------------------


@dataclass
class County:
    engine: Engine
    savepoints: Engine  # the same database, for writes rolled back (contract.rolled_back)
    api: Api
    viewers: dict[str, Viewer]
    outside: Targets  # one record of every node type, all in T1
    inside: Targets  # the same in T2, the scope of township2
    out_of_scope_ids: set[str] = field(default_factory=set)  # every record in T1's subtree

    def run(self, query: str, variables: dict[str, Any] | None, user: str) -> Any:
        return self.api.run(query, variables, self.viewers[user])


def _build_world(factory: Any, clock: Clock) -> tuple[dict[str, int], dict[str, int]]:
    """tests/conftest.py's `world`, with a second village and an agency branch per township."""
    ids: dict[str, int] = {}
    people: dict[str, int] = {}
    with factory() as s:
        ctx = Context(session=s, settings=SETTINGS, viewer=SYSTEM_VIEWER, clock=clock)
        for key, parent, name, kind, extra in (
            ("C", None, "岷江县委", "county", {}),
            ("T1", "C", "威州镇党委", "committee", {}),
            ("T2", "C", "映秀镇党委", "committee", {}),
            ("V1", "T1", "布瓦村党支部", "branch", {"branch_type": "village", "population": 1200}),
            ("V2", "T1", "龙溪村党支部", "branch", {"branch_type": "village"}),
            ("A1", "T1", "威州镇机关党支部", "branch", {"branch_type": "agency"}),
            ("G1", "V1", "布瓦村第一党小组", "group", {}),
            ("V3", "T2", "渔子溪村党支部", "branch", {"branch_type": "village"}),
            ("V4", "T2", "中滩堡村党支部", "branch", {"branch_type": "village"}),
            ("A2", "T2", "映秀镇机关党支部", "branch", {"branch_type": "agency"}),
            ("G3", "V3", "渔子溪村第一党小组", "group", {}),
        ):
            ids[key] = orgs.create(ctx, parent_id=ids[parent] if parent else None, code=key, name=name, kind=kind, **extra).id  # type: ignore[assignment]
        for key, at, name, gender, born, joined in (
            ("zhang", "G1", "张三", "male", date(1970, 5, 1), date(1995, 7, 1)),
            ("li", "V1", "李四", "female", date(1980, 3, 2), date(2005, 7, 1)),
            ("wang", "V2", "王五", "male", date(1940, 1, 1), date(1965, 7, 1)),
            ("zhou", "A1", "周八", "male", date(1985, 1, 1), date(2010, 7, 1)),
            ("zhao", "G3", "赵六", "male", date(1990, 8, 8), date(2015, 7, 1)),
            ("qian", "V3", "钱七", "female", date(1985, 1, 1), date(2010, 7, 1)),
            ("sun", "V4", "孙老", "male", date(1941, 1, 1), date(1966, 7, 1)),
            ("zheng", "A2", "郑九", "male", date(1986, 1, 1), date(2011, 7, 1)),
        ):
            people[key] = members.register(
                ctx, org_id=ids[at], name=name, gender=gender, birth_date=born, education="junior_high",
                joined_on=joined, converted_on=date(joined.year + 1, joined.month, joined.day),
            ).id  # type: ignore[assignment]
        for username, role, home in (("county", "county", "C"), ("viewer", "viewer", "C"), ("township2", "township", "T2"), ("village3", "village", "V3")):
            accounts.create_account(s, username=username, password=PASSWORD, role=role, org_id=ids[home])
        s.commit()
    return ids, people


@dataclass(frozen=True)
class Township:
    """Where a township's records go: keys of `_build_world`."""

    committee: str
    village: str  # most records
    village2: str  # an old member's village: a transfer, an election, allowances
    member: str  # in `village`: posts, cadre, sanction, term
    needy: str  # in `village`'s group: an assistance case, lost contact
    elder: str  # in `village2`
    helper: str  # in the agency branch: pairs with the needy member


T1 = Township(committee="T1", village="V1", village2="V2", member="li", needy="zhang", elder="wang", helper="zhou")
T2 = Township(committee="T2", village="V3", village2="V4", member="qian", needy="zhao", elder="sun", helper="zheng")


class Scenario:
    """Makes records through the API as the county account."""

    def __init__(self, api: Api, county: Viewer) -> None:
        self.api, self.county = api, county

    def __call__(self, name: str, **args: Any) -> dict[str, Any]:
        f = MUTATIONS[name]
        payload = next(t for t in get_named_type(f.type).types if t.name.endswith("Payload"))  # type: ignore[attr-defined]
        doc, variables = operation("mutation", name, f, args, f"{{ {MUTATION_RESULT} ... on {payload.name} {selection(payload, 3)} }}")
        result = self.api.data(doc, variables, self.county)["r"]
        assert result["__typename"] == payload.name, (name, args, result)
        return result  # type: ignore[no-any-return]


def _build_records(make: Scenario, t: Township, ids: dict[str, int], people: dict[str, int]) -> dict[str, str]:
    """One record of every node type in township `t`: node type → global id."""
    org = {k: gid("Organization", v) for k, v in ids.items()}
    mem = {k: gid("Member", v) for k, v in people.items()}
    village, member, needy = org[t.village], mem[t.member], mem[t.needy]
    r: dict[str, str] = {"Organization": village, "Member": member}

    r["Position"] = make("addPosition", input={"memberId": member, "orgId": village, "kind": "committee_member", "startOn": "2020-01-01"})["position"]["id"]
    r["Transfer"] = make("sendTransfer", input={"memberId": mem[t.elder], "toOrgCode": t.village, "on": "2026-10-01", "reason": "搬迁"})["transfer"]["id"]
    r["Candidate"] = make("applyForMembership", input={"orgId": village, "appliedOn": "2026-09-01", "name": "申请人", "gender": "male",
                                                       "birthDate": "1998-01-01", "education": "senior_high"})["candidate"]["id"]
    meeting = make("recordBranchMeeting", input={"orgId": village, "kind": "general_meeting", "heldOn": "2026-10-10",
                                                 "attendance": [{"memberId": member, "status": "PRESENT"}],
                                                 "decisions": [{"subject": "other", "present": 2, "yes": 2, "shouldAttend": 2, "title": "议题"}]})["record"]["meeting"]
    r["Meeting"], r["MeetingDecision"] = meeting["id"], meeting["decisions"][0]["id"]

    # evaluations
    rnd = make("openEvaluationRound", input={"orgId": village, "year": 2026, "openedOn": "2026-10-01"})["round"]
    r["EvaluationRound"], r["EvaluationSubject"] = rnd["id"], rnd["subjects"][0]["id"]
    subject = make("recordEvaluation", input={"subjectId": r["EvaluationSubject"], "version": 1,
                                              "outcome": {"grade": "qualified", "decidedOn": "2026-10-20"}})["subject"]
    r["EvaluationOutcome"] = subject["outcome"]["id"]
    appointment = make("appointCadre", input={"memberId": member, "orgId": village, "post": "secretary", "appointedOn": "2026-01-01", "trial": True})["appointment"]
    r["CadreAppointment"], r["TrialCheckpoint"] = appointment["id"], appointment["checkpoints"][0]["id"]
    # "incompetent" raises an R-CAD-02 flag (EvaluationFlag, found in _flag_ids)
    r["CadreAssessment"] = make("recordCadreAssessment", input={"memberId": member, "year": 2025, "rating": "incompetent", "assessedOn": "2026-01-10"})["assessment"]["id"]
    r["EvaluationFollowUp"] = make("warnCadre", input={"appointmentId": r["CadreAppointment"], "on": "2026-10-01", "dueOn": "2026-12-01", "reason": "整改"})["followUp"]["id"]
    r["OrgAssessment"] = make("recordOrgAssessment", input={"orgId": village, "year": 2025, "rating": "good", "assessedOn": "2026-01-15"})["assessment"]["id"]
    r["ModelSite"] = make("designateModelSite", input={"orgId": village, "year": 2026, "designatedOn": "2026-02-01"})["site"]["id"]

    # assistance: a fund at the township, a case taken to "filed", a loan, a pairing with a promise
    r["Fund"] = make("createFund", input={"orgId": org[t.committee], "name": "帮扶基金", "establishedOn": "2025-01-01"})["fund"]["id"]
    make("recordFundInflow", input={"fundId": r["Fund"], "kind": "budget", "amountFen": 100_000_00, "on": "2025-01-02", "approver": "县委"})
    r["AssistanceCase"] = make("openAssistanceCase", input={"memberId": needy, "cause": "illness", "appliedOn": "2026-01-05", "yearlyIncomeFen": 1200_00,
                                                            "standard": "rural_low_income", "familyMembers": [{"name": "家属", "relation": "配偶"}]})["assistanceCase"]["id"]
    for version, (step, on, extra) in enumerate((
        ("appraise", "2026-01-10", {"record": "支部大会评议"}),
        ("notice", "2026-01-11", {"noticeStartsOn": "2026-01-11", "noticeEndsOn": "2026-01-17"}),
        ("report", "2026-01-18", {}),
        ("approve", "2026-01-25", {"record": "镇党委批准"}),
        ("file", "2026-01-30", {"record": "县备 1 号"}),
    ), start=1):
        make("advanceAssistanceCase", input={"id": r["AssistanceCase"], "version": version, "step": step, "on": on, **extra})
    r["Loan"] = make("lendAssistance", input={"caseId": r["AssistanceCase"], "fundId": r["Fund"], "amountFen": 1000_00, "on": "2026-03-01",
                                              "approver": "县委", "installments": 2})["loan"]["id"]
    r["Pairing"] = make("createPairing", input={"kind": "members", "startedOn": "2026-02-15", "caseId": r["AssistanceCase"], "helperMemberId": mem[t.helper]})["pairing"]["id"]
    r["Promise"] = make("addPromise", input={"pairingId": r["Pairing"], "text": "联系销路", "madeOn": "2026-03-01", "dueOn": "2026-06-30"})["promise"]["id"]
    r["AllowanceRun"] = make("payAllowances", input={"orgId": org[t.village2], "kind": "age80", "month": "2026-10"})["run"]["id"]
    r["AllowanceRoll"] = make("declareAllowanceRoll", input={"orgId": org[t.village2], "year": 2026, "kind": "age80", "on": "2026-05-10"})["roll"]["id"]

    # branch life
    r["Term"] = make("startTerm", input={"orgId": village, "startsOn": "2024-01-01", "members": [{"post": "secretary", "memberId": member}]})["term"]["id"]
    r["Election"] = make("recordElection", input={"orgId": org[t.village2], "heldOn": "2026-05-01", "seats": 1, "present": 1, "shouldAttend": 1, "startNewTerm": False,
                                                  "candidates": [{"votes": 1, "memberId": mem[t.elder]}, {"votes": 0, "name": "陪选人"}]})["election"]["id"]
    r["FourStepItem"] = make("createFourStepItem", input={"orgId": village, "title": "修路"})["item"]["id"]
    r["LostContact"] = make("markLostContact", memberId=needy, lostOn="2026-06-01")["record"]["id"]
    make("recordDutyLapse", memberId=member, noDuesSince="2026-06-01")
    make("setFlowing", input={"memberId": mem[t.helper], "workplace": "成都"})

    # discipline, plans
    r["MemberSanction"] = make("recordMemberSanction", input={"memberId": member, "kind": "warning", "decidedOn": "2026-03-01", "decidedBy": "镇纪委"})["sanction"]["id"]
    r["DevelopmentPlan"] = make("createDevelopmentPlan", input={"orgId": village, "kind": "yearly", "firstYear": 2026})["plan"]["id"]

    # accounts: a village clerk homed at the township committee (so that updateAccount's
    # generated orgId, the village, is a change), a token of the clerk's own (a token belongs
    # to its account's home: the county's own would be at C, in nobody's township), and a live
    # sign-in lockout of the clerk's name (county-only; its id is "SignInLockout:<n>")
    username = f"clerk-{t.committee.lower()}"
    r["Account"] = make("createAccount", input={"username": username, "displayName": "文书", "role": "village", "orgId": org[t.committee]})["account"]["id"]
    with make.api.factory() as s:
        clerk = accounts.viewer_for(s, s.execute(select(Account).where(Account.username == username)).scalar_one())
    r["ApiToken"] = Scenario(make.api, clerk)("createMyApiToken", input={"label": "契约测试"})["apiToken"]["id"]
    with make.api.factory() as s:
        for n in range(SETTINGS.signin_account_failures):  # from as many addresses: no address lockout
            signin.sign_in(s, SETTINGS, username, "wrong-password", address=f"10.0.{t.committee[-1]}.{n}")
        lockout = s.execute(select(SignInLockout).where(SignInLockout.key == username)).scalar_one()
        s.commit()
        r["SignInLockout"] = gid("SignInLockout", lockout.id)
    return r


def _flag_ids(api: Api, county: Viewer, cadres: dict[str, str]) -> dict[str, str]:
    """The R-CAD-02 flags the incompetent ratings raised: township → flag id."""
    data = api.data("{ evaluationFlags(first: 10) { edges { node { id appointment { id } } } } }", None, county)
    by_appointment = {e["node"]["appointment"]["id"]: e["node"]["id"] for e in data["evaluationFlags"]["edges"] if e["node"]["appointment"]}
    return {k: by_appointment[v] for k, v in cadres.items() if v in by_appointment}


def _versions(api: Api, county: Viewer, ids: dict[str, str]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for type_name, ident in ids.items():
        t = SCHEMA.type_map[type_name]
        if type_name in NODE_TYPES and isinstance(t, GraphQLObjectType) and "version" in t.fields:
            node = api.data(f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ version }} }} }}", {"id": ident}, county)["node"]
            assert node, f"the county cannot read its own {type_name} {ident}"
            versions[ident] = node["version"]
    return versions


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def county(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> County:
    engine = _engine_for(request.param, tmp_path_factory)
    _wipe(engine)
    factory = make_session_factory(engine)
    clock = Clock()
    ids, people = _build_world(factory, clock)
    api = Api(factory, clock)
    viewers: dict[str, Viewer] = {}
    with factory() as s:
        for username in ("county", "viewer", *OUTSIDE_ACCOUNTS):
            viewers[username] = accounts.viewer_for(s, s.execute(select(Account).where(Account.username == username)).scalar_one())
        token = accounts.create_token(s, "county", read_only=True)
        s.commit()
        ro = accounts.viewer_for_token(s, token)
        assert ro is not None and ro.read_only
        viewers["county-read-only-token"] = ro
    make = Scenario(api, viewers["county"])
    org = {k: gid("Organization", v) for k, v in ids.items()}
    records = {"T1": _build_records(make, T1, ids, people), "T2": _build_records(make, T2, ids, people)}
    for township, flag in _flag_ids(api, viewers["county"], {k: v["CadreAppointment"] for k, v in records.items()}).items():
        records[township]["EvaluationFlag"] = flag
    outside = Targets(ids=records["T1"], versions=_versions(api, viewers["county"], records["T1"]), org_code=T1.village, subtree=org["T1"])
    inside = Targets(ids=records["T2"], versions=_versions(api, viewers["county"], records["T2"]), org_code=T2.village, subtree=org["T2"])
    _ALL_TARGET_IDS.update(records["T1"].values(), records["T2"].values(), (org["T1"], org["T2"]))
    t1 = {gid("Organization", ids[k]) for k in ("T1", "V1", "V2", "A1", "G1")} | {gid("Member", people[k]) for k in ("zhang", "li", "wang", "zhou")}
    savepoints = savepoint_engine(engine)
    request.addfinalizer(savepoints.dispose)
    return County(engine=engine, savepoints=savepoints, api=api, viewers=viewers, outside=outside,
                  inside=inside, out_of_scope_ids=t1 | set(records["T1"].values()))


def _param(name: str, skip: dict[str, str] | None = None) -> Any:
    reason = KNOWN_DEFECTS.get(name)
    if skip and name in skip:
        return pytest.param(name, id=name, marks=pytest.mark.skip(reason=f"by design: {skip[name]}"))
    return pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else pytest.param(name, id=name)


def _refused(answer: dict[str, Any], types: tuple[str, ...]) -> bool:
    """A refusal of one of these types, with its generic code (NOT_FOUND, NOT_ALLOWED) or, for
    NotAllowed, a catalogued rule code saying which rule refused (R-ACC-01 ...)."""
    generic = {"NotFound": "NOT_FOUND", "NotAllowed": "NOT_ALLOWED"}
    kind, code = answer["__typename"], answer.get("code")
    return kind in types and (code == generic[kind] or kind == "NotAllowed" and code in CATALOGUE)


# --- 1. mutations aimed outside the scope --------------------------------------------------------


def _call_mutation(county: County, name: str, targets: Targets, user: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(the answer, the input sent, the tables it changed)."""
    f = MUTATIONS[name]
    args = InputBuilder(SCHEMA, targets).arguments(name, f)
    doc, variables = operation("mutation", name, f, args, f"{{ {MUTATION_RESULT} }}")
    before = fingerprint(county.engine)
    result = county.run(doc, variables, user)
    changed = changed_tables(before, fingerprint(county.engine))
    assert not result.errors, (name, args, result.errors)
    return result.data["r"], args, changed


@pytest.mark.parametrize("user", OUTSIDE_ACCOUNTS)
@pytest.mark.parametrize("name", [_param(n, SELF_SERVICE) for n in MUTATIONS])
def test_mutation_aimed_outside_the_scope_is_refused_and_changes_nothing(county: County, name: str, user: str) -> None:
    answer, args, changed = _call_mutation(county, name, county.outside, user)
    assert _refused(answer, ("NotFound", "NotAllowed")), f"{user} {name}({args}) answered {answer}"
    assert answer["messageZh"] and answer["messageEn"], answer
    assert not changed, f"{user} {name}({args}) was refused but changed {changed}"


def _id_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, id) of every id in generated arguments, in the order they were made."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _id_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _id_paths(v, (*path, i))
    elif isinstance(value, str) and value in _PLACEHOLDERS.ids.values():
        yield path, value


# Stand-in ids, one per node type, to find at collection time where a mutation's ids go.
_PLACEHOLDERS = Targets(ids={t: f"<{t}>" for t in NODE_TYPES}, versions={}, org_code="X", subtree="<Organization>")


def _secondary_ids(name: str) -> list[tuple[str | int, ...]]:
    """Where a mutation's ids go, less the first: the record the mutation is about."""
    try:
        paths = [p for p, _ in _id_paths(InputBuilder(SCHEMA, _PLACEHOLDERS).arguments(name, MUTATIONS[name]))]
    except CannotBuild:
        return []  # reported by the coverage test
    return paths[1:]


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replaced(args: dict[str, Any], path: tuple[str | int, ...], new: str) -> dict[str, Any]:
    out = copy.deepcopy(args)
    _at(out, path[:-1])[path[-1]] = new
    return out


MIXED = [(name, path) for name in MUTATIONS for path in _secondary_ids(name)]


def _mixed_param(name: str, path: tuple[str | int, ...]) -> Any:
    case = f"{name}:{'.'.join(map(str, path))}"
    marks: list[Any] = []
    if case in KNOWN_DEFECTS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[case]))
    if case in OUTSIDE_BY_DESIGN:
        marks.append(pytest.mark.skip(reason=f"by design: {OUTSIDE_BY_DESIGN[case]}"))
    return pytest.param(name, path, id=case, marks=marks)


def _answer_in_rolled_back(county: County, name: str, args: dict[str, Any], user: str) -> tuple[dict[str, Any], list[str]]:
    f = MUTATIONS[name]
    doc, variables = operation("mutation", name, f, args, f"{{ {MUTATION_RESULT} }}")
    with rolled_back(county.savepoints) as (session, conn):
        before = fingerprint(conn)
        result = county.api.run(doc, variables, county.viewers[user], session=session)
        changed = changed_tables(before, fingerprint(conn))
    assert not result.errors, (name, args, result.errors)
    return result.data["r"], changed


def _gist(answer: dict[str, Any]) -> tuple[Any, ...]:
    return answer["__typename"], answer.get("code"), answer.get("field"), answer.get("messageEn")


@pytest.mark.parametrize("name,path", [_mixed_param(n, p) for n, p in MIXED])
def test_one_id_outside_the_scope_among_ids_inside_is_refused(county: County, name: str, path: tuple[str | int, ...]) -> None:
    """township2 aims a mutation at a record of its own with ONE other id (an organisation, a
    member, a meeting...) from T1: refused as not found / not allowed, nothing written.
    Run in a transaction that is rolled back, so a wrongful success leaves no trace. Skipped
    (with the rule that stopped it) when the input with every id inside is itself refused
    first, for a reason that has nothing to do with the swapped id."""
    args = InputBuilder(SCHEMA, county.inside).arguments(name, MUTATIONS[name])
    inside_id = _at(args, path)
    node_type = next(t for t, i in county.inside.ids.items() if i == inside_id)
    probe = _replaced(args, path, county.outside.ids[node_type])
    answer, changed = _answer_in_rolled_back(county, name, probe, "township2")
    if answer["__typename"] in ("NotFound", "NotAllowed") and not changed:
        return
    control, _ = _answer_in_rolled_back(county, name, args, "township2")
    # a Payload has no code or field: compare with .get (an answer may be one when the control is not)
    if not control["__typename"].endswith("Payload") and _gist(control)[:3] == _gist(answer)[:3]:
        pytest.skip(f"not probed: the input with every id inside is refused first ({control['code']} on {control['field']})")
    missing, _ = _answer_in_rolled_back(county, name, _replaced(args, path, gid(node_type, 999_999)), "township2")
    oracle = "a different answer from" if _gist(missing) != _gist(answer) else "the same answer as"
    assert answer["__typename"] in ("NotFound", "NotAllowed"), (
        f"township2 {name} with {node_type} {path} from T1 answered {answer}: {oracle} an id that does not exist ({missing}); "
        f"with every id inside: {control}"
    )
    assert not changed, f"township2 {name} with {node_type} {path} from T1 was refused but changed {changed}"


# --- 2. read-only accounts and tokens ------------------------------------------------------------


def _read_only_param(user: str, name: str) -> Any:
    reason = READ_ONLY_SELF_SERVICE.get((user, name))
    if reason:
        return pytest.param(user, name, id=f"{name}-{user}", marks=pytest.mark.skip(reason=f"by design: {reason}"))
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[name])] if name in KNOWN_DEFECTS else []
    return pytest.param(user, name, id=f"{name}-{user}", marks=marks)


@pytest.mark.parametrize("user,name", [_read_only_param(u, n) for n in MUTATIONS for u in READ_ONLY])
def test_mutation_by_a_read_only_account_is_refused_and_changes_nothing(county: County, name: str, user: str) -> None:
    # The same records, which are inside the scope of these whole-county accounts. NotAllowed,
    # generic or with the rule that refuses it (account administration: R-ACC-01).
    answer, args, changed = _call_mutation(county, name, county.outside, user)
    assert _refused(answer, ("NotAllowed",)), f"{user} {name}({args}) answered {answer}"
    assert not changed, f"{user} {name}({args}) was refused but changed {changed}"


# --- 3. reads: node(id) and every root field -----------------------------------------------------


@pytest.mark.parametrize("type_name", [_param(t) for t in NODE_TYPES])
def test_node_outside_the_scope_is_null(county: County, type_name: str) -> None:
    ident = county.outside.ids.get(type_name)
    assert ident, f"the fixture county has no {type_name} (add one to _build_records)"
    query = "query($id: ID!) { node(id: $id) { __typename id } nodes(ids: [$id]) { __typename } }"
    control = county.run(query, {"id": ident}, "county")
    assert not control.errors and control.data["node"] == {"__typename": type_name, "id": ident}, control
    for user in OUTSIDE_ACCOUNTS:
        result = county.run(query, {"id": ident}, user)
        assert not result.errors, (user, result.errors)
        assert result.data == {"node": None, "nodes": [None]}, f"{user} reads {type_name} {ident}: {result.data}"


def _ids_in(args: Any) -> bool:
    return any(isinstance(v, str) and v in _ALL_TARGET_IDS for _, v in walk(args))


_ALL_TARGET_IDS: set[str] = set()  # filled by the fixture: every id the generator may send


def _root_query(name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    f = ROOT_FIELDS[name]
    return operation("query", name, f, args, selection(f.type))


def _shown(result: Any) -> list[str]:
    """What in a result shows a record: an id, a non-empty list, a non-zero number."""
    shown = []
    for path, leaf in walk(result):
        if path.endswith("[]"):
            if leaf:
                shown.append(f"{path} has {leaf}")
        elif path.rsplit(".", 1)[-1] == "id" and leaf is not None or isinstance(leaf, int | float) and not isinstance(leaf, bool) and leaf and path.rsplit(".", 1)[-1] not in ECHOED:
            shown.append(f"{path} = {leaf}")
    return shown


# Numbers an answer repeats from the question or the settings, not from records.
ECHOED = {"year"}


def _not_found(result: Any) -> bool:
    # allowanceEligibility re-raises the domain error as "NOT_FOUND: message" without extensions
    return bool(result.errors) and all((e.extensions or {}).get("code") == "NOT_FOUND" or e.message.startswith("NOT_FOUND:") for e in result.errors)


def _county_only_refusal(name: str, result: Any) -> bool:
    """A county-only root field (COUNTY_ONLY_ROOT_FIELDS) refusing a non-county caller."""
    return name in COUNTY_ONLY_ROOT_FIELDS and bool(result.errors) and all((e.extensions or {}).get("code") == "NOT_ALLOWED" for e in result.errors)


@pytest.mark.parametrize("user", OUTSIDE_ACCOUNTS)
@pytest.mark.parametrize("name", [_param(n) for n in ROOT_FIELDS if n not in ROOT_SKIP])
def test_root_field_shows_nothing_outside_the_scope(county: County, name: str, user: str) -> None:
    """With every id argument (filters included) aimed outside: empty, null or "not found".
    With no id: nothing from outside among what it lists."""
    builder = InputBuilder(SCHEMA, county.outside)
    aimed = builder.arguments(name, ROOT_FIELDS[name], all_ids=True)
    plain = builder.arguments(name, ROOT_FIELDS[name], all_ids=False)
    problems = []
    if _ids_in(aimed):
        result = county.run(*_root_query(name, aimed), user)
        if not _not_found(result) and not _county_only_refusal(name, result):
            assert not result.errors, (name, aimed, result.errors)
            shown = _shown(result.data["r"])
            if shown:
                problems.append(f"{name}({aimed}) shows {shown[:5]}")
    if not _ids_in(plain):
        result = county.run(*_root_query(name, plain), user)
        refused = _county_only_refusal(name, result)
        assert refused or not result.errors, (name, plain, result.errors)
        leaked = [] if refused else sorted({v for _, v in walk(result.data["r"]) if v in county.out_of_scope_ids})
        if leaked:
            problems.append(f"{name}({plain}) lists records outside: {leaked[:5]}")
    assert not problems, "\n".join(problems)


# --- controls: the generated inputs reach the records --------------------------------------------


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in MUTATIONS])
def test_control_the_county_gets_past_the_scope_check(county: County, name: str) -> None:
    """The same generated input, sent by the county, is not refused as not found / not allowed:
    the refusals above are about the scope, not about a wrong id. (Rolled back afterwards.)"""
    f = MUTATIONS[name]
    args = InputBuilder(SCHEMA, county.outside).arguments(name, f)
    doc, variables = operation("mutation", name, f, args, f"{{ {MUTATION_RESULT} }}")
    untouched = fingerprint(county.engine)
    with rolled_back(county.savepoints) as (session, conn):
        before = fingerprint(conn)
        result = county.api.run(doc, variables, county.viewers["county"], session=session)
        changed = changed_tables(before, fingerprint(conn))
    assert fingerprint(county.engine) == untouched, "the rollback left a trace"
    print(name, result.data and result.data["r"])
    assert not result.errors, (name, args, result.errors)
    answer = result.data["r"]
    assert answer["__typename"] not in ("NotFound", "NotAllowed"), f"county {name}({args}) answered {answer}"
    writes = answer["__typename"].endswith("Payload") and name not in READING_MUTATIONS
    assert bool(changed) == writes, (name, answer, changed)


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in ROOT_FIELDS if n not in ROOT_SKIP])
def test_control_root_fields_aimed_outside_show_records_to_the_county(county: County, name: str) -> None:
    """The ids the root-field test aims outside do reach records: the county sees something."""
    aimed = InputBuilder(SCHEMA, county.outside).arguments(name, ROOT_FIELDS[name], all_ids=True)
    if not _ids_in(aimed):
        pytest.skip("takes no id")
    result = county.run(*_root_query(name, aimed), "county")
    assert not result.errors, (name, aimed, result.errors)
    assert _shown(result.data["r"]), f"county {name}({aimed}) shows nothing: the scope test of {name} proves nothing"


# --- 4. coverage ---------------------------------------------------------------------------------


def test_the_generator_covers_the_whole_schema(county: County) -> None:
    """Every mutation and root field gets an input, every node type a record outside the scope."""
    builder = InputBuilder(SCHEMA, county.outside)
    missing = [f"node type {t}: no record in the fixture county" for t in NODE_TYPES if t not in county.outside.ids]
    for name, f in [*MUTATIONS.items(), *((n, f) for n, f in ROOT_FIELDS.items() if n not in ROOT_SKIP)]:
        try:
            builder.arguments(name, f)
        except CannotBuild as exc:
            missing.append(str(exc))
    for name in MUTATIONS:
        if name in SELF_SERVICE:
            continue  # acts on the caller only
        args = builder.arguments(name, MUTATIONS[name])
        if not _ids_in(args):
            missing.append(f"mutation {name}: no id to aim outside the scope")
    assert not missing, "\n".join(missing)
