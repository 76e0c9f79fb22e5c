"""Contract-test machinery generated from the GraphQL schema (used by test_contract_scope.py).

Nothing here names a mutation or a query field: the schema is walked, so a new mutation,
node type or root field is covered the day it is added. Three pieces:

* `fingerprint`: row count + hash of every table (one SELECT per table), to prove that a
  refused mutation changed nothing anywhere, audit trail included.
* `Api`: runs an operation in-process as any `Viewer` (account, read-only token...).
* `InputBuilder`: the arguments of a field, built from their types. How a value is chosen:

    ID / [ID]        the global id of a record of the node type the name says (`memberId` →
                     Member, `orgId` → Organization, `caseId` → AssistanceCase ...; see
                     `node_type_for_id`). A bare `id` is the record the mutation is about: the
                     node type its payload returns (`ID_OF_MUTATION` where that does not say).
    version          the current version of the record the mutation is about (so a refusal
                     is never a stale-version Conflict).
    String           `STRING_VALUES` by name when a service checks the content (a month, a
                     rule code, an organisation code), else a plain text.
    Date             `DATE_VALUES` by name (ends after starts...), else `DEFAULT_DATE`.
    Int / Float / Fen  `INT_VALUES` by name (a year), else 1.
    Boolean          true.   Enum: its first value.   JSON: {}.
    input object     required fields recursively, plus every ID field (optional ones too:
                     each id given is one more chance to reach outside the scope).
    list             one element.

Which records the ids point at is the caller's choice (`Targets`): the scope test gives
records outside the account's subtree, the read-only test records inside it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from partygraph.config import Settings
from partygraph.context import Context, Viewer
from partygraph.db import make_engine
from partygraph.graphql.schema import build_schema

# --- the schema --------------------------------------------------------------------------------

ERROR_TYPES = frozenset({"RuleViolation", "NotFound", "NotAllowed", "Conflict"})

# Generous limits: the generated selections read whole objects three levels deep.
SETTINGS = Settings(database_url="sqlite://", secret_key="test-secret", result_cache=False, max_tokens=100_000, max_query_depth=20, max_aliases=100)


def graphql_schema() -> GraphQLSchema:
    return build_schema(SETTINGS)._schema  # type: ignore[attr-defined]


def node_type_names(schema: GraphQLSchema) -> list[str]:
    return sorted(t.name for t in schema.get_possible_types(schema.type_map["Node"]))  # type: ignore[arg-type]


def mutation_fields(schema: GraphQLSchema) -> dict[str, GraphQLField]:
    assert schema.mutation_type is not None
    return dict(schema.mutation_type.fields)


def query_fields(schema: GraphQLSchema) -> dict[str, GraphQLField]:
    assert schema.query_type is not None
    return dict(schema.query_type.fields)


def unwrap(type_: Any) -> tuple[Any, bool, bool]:
    """(named type, non-null, is a list)."""
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if non_null else type_
    is_list = isinstance(inner, GraphQLList)
    return get_named_type(type_), non_null, is_list


def payload_node_type(schema: GraphQLSchema, mutation: GraphQLField) -> str | None:
    """The first node type a mutation's payload returns (`OrganizationPayload.organization` →
    Organization): the kind of record the mutation is about."""
    nodes = set(node_type_names(schema))
    result = get_named_type(mutation.type)
    members = result.types if isinstance(result, GraphQLUnionType) else [result]
    for payload in members:
        if payload.name in ERROR_TYPES or not isinstance(payload, GraphQLObjectType):
            continue
        for f in payload.fields.values():
            if get_named_type(f.type).name in nodes:
                return get_named_type(f.type).name
    return None


# A bare `id` whose mutation's payload is not a node type.
ID_OF_MUTATION = {
    "updateMeeting": "Meeting",  # the payload is a MeetingRecord: a Meeting with its attendance
    # A lockout is no Node (no node(id) for it, graphql/signin.py) but its id is the global id
    # "SignInLockout:<n>" (services/signin.py); the fixture county keeps one under that name.
    "liftSignInLockout": "SignInLockout",
}

# Id names that do not say their node type (the name minus "Id"/"Ids" → node type).
# Names ending in ...Org or ...Member (agencyOrgId, helperMemberId) need no entry.
ID_NAME_TYPES = {
    "org": "Organization",
    "parent": "Organization",  # createOrganization.parentId
    "newParent": "Organization",  # moveOrganization.newParentId
    "case": "AssistanceCase",
    "round": "EvaluationRound",
    "subject": "EvaluationSubject",
    "appointment": "CadreAppointment",
    "item": "FourStepItem",  # recordFourStep.itemId
    "record": "LostContact",  # addContactAttempt / markContactRestored.recordId
    "decision": "MeetingDecision",  # recordCandidateStep.decisionId
    "secretary": "Member",  # recordOrgAssessment.secretaryId
    "contact": "Member",  # recordCandidateStep.contactIds
    "introducer": "Member",  # recordCandidateStep.introducerIds
    "fund": "Fund",  # FundEntryFilter.fund (a filter names the record without "Id")
}


def node_type_for_id(name: str, nodes: set[str]) -> str | None:
    """`memberId` → Member, `strikeMemberIds` → Member, `agencyOrgId` → Organization ..."""
    stem = re.sub(r"Ids?$", "", name)
    if stem in ID_NAME_TYPES:
        return ID_NAME_TYPES[stem]
    if stem[:1].upper() + stem[1:] in nodes:
        return stem[:1].upper() + stem[1:]
    if stem.endswith("Org"):
        return "Organization"
    if stem.endswith("Member"):
        return "Member"
    return None


# --- values ------------------------------------------------------------------------------------

DEFAULT_DATE = "2026-10-01"  # a month before the tests' today (conftest.TODAY, 2026-11-01)
# Dates that must come after another one of the same input.
DATE_VALUES = {"dueOn": "2026-10-31", "noticeEndsOn": "2026-10-31", "correctionDeadline": "2026-10-31", "heldTo": "2026-10-31", "toDate": "2026-10-31", "sentTo": "2026-10-31"}
INT_VALUES = {"year": 2026, "firstYear": 2026, "lastYear": 2026}
TEXT = "契约测试"
# Enum fields whose first value the input's own checks refuse, whatever the record.
ENUM_VALUES = {
    ("RecordHelpInput", "kind"): "training",  # visits, grants and loans have mutations of their own
    # a role every writing account may give (a village clerk gives only "group"), so that the
    # home organisation, not the role, is what a refusal is about (services/account.py)
    ("CreateAccountInput", "role"): "group",
}

# Arguments the generator leaves out, with the reason (`field.argument[.input field]`).
SKIP_ARGUMENTS = {
    # a raw record id of any type (not a global id): no node type to aim it at; the field
    # itself is county-only and its scope is tested with `filter.account` and without filter
    "accessLog.filter.objectId": "a raw id of any record, of no one node type",
}


@dataclass
class Targets:
    """The records the generated ids point at."""

    ids: dict[str, str]  # node type → global id
    versions: dict[str, int]  # global id → current version
    org_code: str  # the code of ids["Organization"]
    subtree: str  # an organisation above every record of `ids`: what `under: ID` names

    def string(self, name: str) -> str:
        # Strings a service parses or looks up before anything else.
        values = {"toOrgCode": self.org_code, "code": "CT-NEW", "username": "ct-new-clerk", "month": "2026-10", "flag": "R-MEM-01", "decision": "keep", "post": "secretary"}
        return values.get(name, TEXT)


class CannotBuild(Exception):
    """The generator does not know how to make a value for this argument."""


@dataclass
class InputBuilder:
    schema: GraphQLSchema
    targets: Targets
    nodes: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.nodes = set(node_type_names(self.schema))

    def arguments(self, name: str, f: GraphQLField, *, all_ids: bool = True) -> dict[str, Any]:
        """The arguments of field `name`: required ones, and every ID (when `all_ids`)."""
        subject = ID_OF_MUTATION.get(name) or payload_node_type(self.schema, f)
        values = self._fields(f.args, subject, all_ids=all_ids, path=name, owner=name)
        for holder in (values, values.get("input")):
            if isinstance(holder, dict) and "version" in holder:
                holder["version"] = self.targets.versions.get(self._about(holder), 1)
        return values

    def _about(self, values: dict[str, Any]) -> str:
        """The record an input is about: its `id`, else its first id."""
        if isinstance(values.get("id"), str):
            return values["id"]
        for v in values.values():
            if isinstance(v, str) and v in self.targets.versions:
                return v
        return ""

    def _fields(self, fields: dict[str, GraphQLArgument] | dict[str, GraphQLInputField], subject: str | None, *, all_ids: bool, path: str, owner: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fname, arg in fields.items():
            named, _, _ = unwrap(arg.type)
            is_id = named.name == "ID"
            if f"{path}.{fname}" in SKIP_ARGUMENTS and not _required(arg):
                continue
            if _required(arg) or (all_ids and (is_id or self._holds_ids(named))):
                value = self.value(fname, arg.type, subject, all_ids=all_ids, path=f"{path}.{fname}", owner=owner)
                if value is not None:
                    out[fname] = value
        return out

    def _holds_ids(self, named: Any) -> bool:
        """An optional input object worth filling: it carries an id (a filter's `under`)."""
        return isinstance(named, GraphQLInputObjectType) and any(get_named_type(f.type).name == "ID" for f in named.fields.values())

    def value(self, name: str, type_: Any, subject: str | None, *, all_ids: bool, path: str, owner: str) -> Any:
        """A value for field `name` (of input type or field `owner`)."""
        named, _, is_list = unwrap(type_)
        if is_list:
            one = self.value(name, _item_type(type_), subject, all_ids=all_ids, path=path, owner=owner)
            return None if one is None else [one]
        if isinstance(named, GraphQLInputObjectType):
            return self._fields(named.fields, subject, all_ids=all_ids, path=path, owner=named.name)
        if isinstance(named, GraphQLEnumType):
            return ENUM_VALUES.get((owner, name), next(iter(named.values)))
        if named.name == "ID" and name == "under":  # a subtree-scoped query: all the records are under it
            return self.targets.subtree
        if named.name == "ID":
            node_type = subject if name == "id" else node_type_for_id(name, self.nodes)
            if node_type is None:
                raise CannotBuild(f"{path}: which node type does the id `{name}` name? (add it to ID_NAME_TYPES)")
            if node_type not in self.targets.ids:
                raise CannotBuild(f"{path}: no {node_type} record in the fixture county")
            return self.targets.ids[node_type]
        if named.name == "String":
            return self.targets.string(name)
        if named.name == "Date":
            return DATE_VALUES.get(name, DEFAULT_DATE)
        if named.name in ("Int", "Fen"):
            return INT_VALUES.get(name, 1)
        if named.name == "Float":
            return 1.0
        if named.name == "Boolean":
            return True
        if named.name == "JSON":
            return {}
        raise CannotBuild(f"{path}: no value for scalar {named.name}")


def _required(arg: GraphQLArgument | GraphQLInputField) -> bool:
    from graphql.pyutils import Undefined

    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


def _item_type(type_: Any) -> Any:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return inner.of_type


# --- documents ---------------------------------------------------------------------------------

MUTATION_RESULT = "__typename ... on Error { code field message messageZh messageEn }"


def operation(kind: str, name: str, f: GraphQLField, args: dict[str, Any], selection: str) -> tuple[str, dict[str, Any]]:
    """`mutation($input: XInput!) { r: x(input: $input) { ... } }` and its variables."""
    decl = ", ".join(f"${a}: {f.args[a].type}" for a in args)
    call = ", ".join(f"{a}: ${a}" for a in args)
    head = f"{kind}({decl})" if decl else kind
    body = f"r: {name}({call})" if call else f"r: {name}"
    return f"{head} {{ {body} {selection} }}", args


def selection(type_: Any, depth: int = 3) -> str:
    """A selection of everything readable without required arguments, `depth` object levels
    deep; nodes and connections always show their ids. Empty for a leaf."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        possible = named.types if isinstance(named, GraphQLUnionType) else graphql_schema().get_possible_types(named)
        return "{ __typename ... on Node { id } }" if any(_is_node(t) for t in possible) else "{ __typename }"
    if depth == 0:
        return "{ __typename id }" if _is_node(named) else "{ __typename }"
    parts = ["__typename"]
    for fname, f in named.fields.items():
        if any(_required(a) for a in f.args.values()):
            continue
        inner = get_named_type(f.type)
        if is_leaf_type(inner):
            parts.append(fname)
        else:
            parts.append(f"{fname} {selection(f.type, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def _is_node(t: Any) -> bool:
    return isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, leaf) for every leaf of a result; lists show as `path[]`."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        yield (f"{path}[]", len(value))
        for v in value:
            yield from walk(v, f"{path}[]")
    else:
        yield (path, value)


# --- running -----------------------------------------------------------------------------------


@dataclass
class Api:
    """Runs operations in-process against the real schema as a given viewer."""

    factory: Callable[[], Any]
    clock: Callable[[], Any]

    def run(self, query: str, variables: dict[str, Any] | None, viewer: Viewer, *, lang: str = "en", session: Session | None = None) -> Any:
        """In a session of its own, or in `session` (see `rolled_back`)."""
        from tests.conftest import run_async

        schema = build_schema(SETTINGS)
        with nullcontext(session) if session is not None else self.factory() as s:
            ctx = Context(session=s, settings=SETTINGS, viewer=viewer, clock=self.clock, lang=lang)
            return run_async(schema.execute(query, variable_values=variables, context_value=ctx))

    def data(self, query: str, variables: dict[str, Any] | None, viewer: Viewer) -> dict[str, Any]:
        result = self.run(query, variables, viewer)
        assert not result.errors, result.errors
        return result.data  # type: ignore[no-any-return]


def savepoint_engine(engine: Engine) -> Engine:
    """An engine on the same database whose transactions can hold savepoints: SQLite needs
    pysqlite's own transaction handling switched off for that (SQLAlchemy's documented recipe)."""
    own = make_engine(engine.url.render_as_string(hide_password=False))
    if own.dialect.name == "sqlite":
        event.listen(own, "connect", lambda dbapi_conn, _record: setattr(dbapi_conn, "isolation_level", None))
        event.listen(own, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return own


@contextmanager
def rolled_back(own: Engine) -> Iterator[tuple[Session, Connection]]:
    """A session whose commits are savepoints inside one transaction that is rolled back at
    the end: a write that leaves no trace. `own` comes from `savepoint_engine`."""
    with own.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session, conn
        finally:
            session.close()
            outer.rollback()


# --- fingerprints ------------------------------------------------------------------------------

Fingerprint = dict[str, tuple[int, str]]


def fingerprint(bind: Engine | Connection) -> Fingerprint:
    """Every table's row count and a hash of all its rows: one SELECT per table."""
    out: Fingerprint = {}
    with bind.connect() if isinstance(bind, Engine) else nullcontext(bind) as conn:
        for table in SQLModel.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            out[table.name] = (len(rows), digest)
    return out


def changed_tables(before: Fingerprint, after: Fingerprint) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
