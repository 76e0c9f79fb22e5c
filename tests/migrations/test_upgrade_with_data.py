"""A database made at every earlier revision, holding data, upgrades to head with its data intact.

For each revision r from the first to the one before head (read from the script directory,
so a new revision is covered without touching this file), on SQLite and on PostgreSQL:

1. upgrade an empty database to r;
2. reflect the schema at r and put two synthetic rows into every table (``synthesise_row``):
   parents before children, foreign keys pointing at the rows just inserted, a self-referencing
   table (the organisation tree) holding a parent and its child;
3. upgrade to head;
4. check that every row is still there with the same primary key, that every column still
   present at head kept its value, and that the columns head added as NOT NULL were filled;
   and the two values later revisions derive from rows already on file: the member counts
   0004 puts into its new member_tally, and the distribution key 0005 copies from the parents.

The realistic path, rows written by the services, is
``test_migrations.py::test_0005_fills_the_distribution_key_from_the_parents``: data made at head,
taken back to 0004 and upgraded again; it is not repeated here.

Not checked here: values a revision is meant to *change* (none so far: a revision that rewrites
values must say so in ``REWRITTEN``), downgrades with data, and domain invariants the database does
not enforce (a member's ``org_path`` matching its organisation, statuses that fit each other):
the rows are valid for the schema, not for the rules.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
import sqlalchemy as sa
import test_migrations as chain_tests
from alembic.script import ScriptDirectory

from partygraph.db import migrate
from partygraph.models.account import Role
from partygraph.models.evaluation import AppointmentStatus, ModelSiteStatus, RoundStatus
from partygraph.models.meeting import AttendanceStatus, DecisionSubject, MeetingKind
from partygraph.models.member import Education, Gender, MemberStatus, PositionKind, TransferStatus
from partygraph.models.organization import BranchType, OrgKind, OrgStatus
from partygraph.reports.rollup import figures

# The chain tests' fixtures: a fresh database on each backend, SQLite and PostgreSQL.
mig_db_kind = chain_tests.mig_db_kind
mig_db_url = chain_tests.mig_db_url
engine_for = chain_tests.engine_for

SCRIPT = ScriptDirectory.from_config(migrate.alembic_config())
CHAIN = chain_tests.revisions_base_to_head(migrate.alembic_config())
EARLIER = CHAIN[:-1]  # every revision a database can be upgraded *from*

ROWS_PER_TABLE = 2  # two rows: unique constraints are exercised, and row 1 leaves NULLs in place

# Tables a revision drops or replaces, and columns it drops or renames: table (or
# "table.column") -> "revision: why". Everything else must come through unchanged.
# Empty: no revision up to head drops, renames or rebuilds-from-scratch a table or column.
# (0004 empties member_tally, but only the table it creates in the same revision.)
LEFT_BEHIND: dict[str, str] = {}
# Columns whose values a revision rewrites on purpose: "table.column" -> "revision: why".
REWRITTEN: dict[str, str] = {}

# String columns the application fills from an enum: the database does not constrain them,
# but migrations may read them (0004 counts members whose status is 'full' or 'probationary'),
# so the rows carry values the application could have written. "*" matches any table.
MODEL_ENUMS: dict[tuple[str, str], type[StrEnum]] = {
    ("*", "gender"): Gender,
    ("*", "education"): Education,
    ("member", "status"): MemberStatus,
    ("organization", "kind"): OrgKind,
    ("organization", "branch_type"): BranchType,
    ("organization", "status"): OrgStatus,
    ("account", "role"): Role,
    ("position", "kind"): PositionKind,
    ("transfer", "status"): TransferStatus,
    ("meeting", "kind"): MeetingKind,
    ("meeting_decision", "subject"): DecisionSubject,
    ("meeting_attendance", "status"): AttendanceStatus,
    ("evaluation_round", "status"): RoundStatus,
    ("cadre_appointment", "status"): AppointmentStatus,
    ("model_site", "status"): ModelSiteStatus,
}

BASE_DAY = date(2024, 3, 1)
BASE_TIME = datetime(2024, 3, 1, 8, 30, 15, 250000, tzinfo=UTC)

Row = dict[str, Any]


# --------------------------------------------------------------------------- synthetic rows


def allowed_values(table: sa.Table, column: sa.Column[Any]) -> list[str]:
    """The values a CHECK constraint lists for ``column`` ("direction in ('in', 'out')",
    reflected on PostgreSQL as "direction = ANY (ARRAY['in'::varchar, ...])"), else the
    model's enum, else [] (any value of the column's type will do)."""
    for constraint in table.constraints:
        if isinstance(constraint, sa.CheckConstraint):
            sql = str(constraint.sqltext)
            if re.search(rf"\b{re.escape(column.name)}\b", sql):
                literals = re.findall(r"'([^']*)'", sql)
                if literals:
                    return literals
    enum = MODEL_ENUMS.get((table.name, column.name)) or MODEL_ENUMS.get(("*", column.name))
    return [e.value for e in enum] if enum else []


def synthetic_value(table: sa.Table, column: sa.Column[Any], i: int) -> Any:
    """A value of the column's type for row ``i``, different in each row.

    Numbers are small and positive, which satisfies every numeric CHECK so far
    (amount_fen > 0, balance_fen >= 0, repaid_fen <= amount_fen with both equal).
    Strings start with the row number, so they stay distinct when cut to the column's length,
    and carry non-ASCII text, as the real data does.
    """
    choices = allowed_values(table, column)
    if choices:
        return choices[i % len(choices)]
    type_ = column.type
    if isinstance(type_, sa.Boolean):
        return i % 2 == 1
    if isinstance(type_, sa.Integer):  # BigInteger and SmallInteger too
        return i + 1
    if isinstance(type_, sa.Float):
        return i + 1.5
    if isinstance(type_, sa.Numeric):
        return Decimal(i + 1)
    if isinstance(type_, sa.DateTime):
        return BASE_TIME + timedelta(days=i, hours=i)
    if isinstance(type_, sa.Date):
        return BASE_DAY + timedelta(days=i)
    if isinstance(type_, sa.JSON):
        return {"row": i, "table": table.name, "items": [1, "二"], "nested": {"ok": True}}
    if isinstance(type_, sa.String):  # VARCHAR, TEXT
        text = f"{i}-{table.name}.{column.name}-党支部"
        return text[: type_.length] if type_.length else text
    raise TypeError(
        f"no synthetic value for {table.name}.{column.name} of type {type_!r}: "
        "teach synthetic_value this type"
    )


def synthesise_row(table: sa.Table, i: int, inserted: Mapping[str, list[Row]]) -> Row:
    """Row ``i`` of ``table``, given the rows already inserted into its parents.

    * A primary key the database numbers itself is left out (its sequence is then right).
    * A foreign key points at the parent's row ``i`` (or its last row): distinct parents
      keep unique constraints such as assistance_fund.org_id satisfied.
      A self-reference (organization.parent_id, cadre_appointment.previous_id) makes
      row 0 the root and every later row its child.
    * Other columns get ``synthetic_value``; row 0 fills every column, later rows only the
      NOT NULL ones, so NULLs are carried through the upgrade as well.
    """
    row: Row = {}
    for column in table.columns:
        if column is table.autoincrement_column:
            continue
        fk = next(iter(column.foreign_keys), None)
        if fk is not None:
            parent = fk.column.table
            if parent is table:
                parent_rows = inserted.get(table.name, [])[:1]  # the root
            elif column.nullable and i > 0:
                parent_rows = []
            else:
                parent_rows = inserted.get(parent.name, [])
            if parent_rows:
                row[column.name] = parent_rows[min(i, len(parent_rows) - 1)][fk.column.name]
            elif not column.nullable:
                raise AssertionError(
                    f"{table.name}.{column.name}: no {parent.name} row to point at"
                )
            continue
        if column.nullable and i > 0:
            continue
        row[column.name] = synthetic_value(table, column, i)
    return row


def fill_every_table(engine: sa.Engine) -> tuple[sa.MetaData, dict[str, list[Row]]]:
    """Reflect the schema and insert ``ROWS_PER_TABLE`` rows into every table, parents first.

    Returns the reflected schema and, per table, the rows as the database stored them.
    """
    schema = sa.MetaData()
    schema.reflect(engine)
    inserted: dict[str, list[Row]] = {}
    with engine.begin() as conn:
        for table in schema.sorted_tables:
            if table.name == "alembic_version":
                continue
            inserted[table.name] = []
            for i in range(ROWS_PER_TABLE):
                row = synthesise_row(table, i, inserted)
                stored = conn.execute(table.insert().returning(*table.columns), row).one()
                inserted[table.name].append(dict(stored._mapping))
    return schema, inserted


# --------------------------------------------------------------------------- comparing


def comparable(value: Any) -> Any:
    """One spelling per value, whatever the backend or the reflected type returns.

    SQLite hands back naive datetimes (and strings when a column is reflected without a
    date type); PostgreSQL aware ones; JSON may come back as text.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        for parse in (datetime.fromisoformat, json.loads):
            try:
                parsed = parse(value)
            except ValueError:
                continue
            if isinstance(parsed, datetime | dict | list):
                return comparable(parsed)
        return value
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def primary_key(table: sa.Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(comparable(row[c.name]) for c in table.primary_key.columns)


def rows_by_key(conn: sa.Connection, table: sa.Table) -> dict[tuple[Any, ...], Row]:
    return {
        primary_key(table, r._mapping): dict(r._mapping) for r in conn.execute(sa.select(table))
    }


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_to_head_keeps_every_row(revision: str, mig_db_url: str) -> None:
    migrate.upgrade(mig_db_url, revision)
    with engine_for(mig_db_url) as engine:
        at_revision, inserted = fill_every_table(engine)
    assert inserted, f"no tables at {revision}"

    migrate.upgrade(mig_db_url)
    assert migrate.current(mig_db_url) == CHAIN[-1]

    with engine_for(mig_db_url) as engine, engine.connect() as conn:
        at_head = sa.MetaData()
        at_head.reflect(engine)
        for name, rows in inserted.items():
            if name not in at_head.tables:
                assert name in LEFT_BEHIND, f"{revision}→head: table {name} disappeared"
                continue
            old, new = at_revision.tables[name], at_head.tables[name]
            found = rows_by_key(conn, new)
            keys = {primary_key(old, r) for r in rows}
            if name == "member_tally":
                check_new_figures_counted(conn, inserted, set(found) - keys, revision)
                found = {k: v for k, v in found.items() if k in keys}
            assert set(found) == keys, (
                f"{revision}→head: {name} lost rows {sorted(keys - set(found))}"
                f" and gained rows {sorted(set(found) - keys)}"
            )
            kept = [c.name for c in old.columns if c.name in new.columns]
            for column in old.columns:
                if column.name not in new.columns:
                    assert f"{name}.{column.name}" in LEFT_BEHIND, (
                        f"{revision}→head: column {name}.{column.name} disappeared"
                    )
            added = [c.name for c in new.columns if c.name not in old.columns and not c.nullable]
            for row in rows:
                now = found[primary_key(old, row)]
                for col in kept:
                    if f"{name}.{col}" in REWRITTEN:
                        continue
                    assert comparable(now[col]) == comparable(row[col]), (
                        f"{revision}→head: {name}.{col} changed: {row[col]!r} → {now[col]!r}"
                    )
                for col in added:
                    assert now[col] is not None, f"{revision}→head: new {name}.{col} left NULL"

        # Values later revisions derive from the rows already on file.
        if "member_tally" not in inserted:
            check_member_tally_counted(conn, inserted, revision)
        if CHAIN.index(revision) < CHAIN.index("0005"):
            check_distribution_key_backfill(conn, at_head, inserted, revision)


def check_member_tally_counted(
    conn: sa.Connection, inserted: Mapping[str, list[Row]], revision: str
) -> None:
    """0004 counts the members already on file into its new member_tally: each member, by
    the figures the live code keeps (``reports.rollup.figures``), at its organisation and at every
    ancestor (followed here through parent_id; 0004 itself goes level by level on depth,
    which the synthetic tree keeps consistent: the root at depth 1, its child at depth 2)."""
    parent_of = {org["id"]: org["parent_id"] for org in inserted["organization"]}
    expected: Counter[tuple[int, str, str]] = Counter()
    for member in inserted.get("member", []):
        org_id = member["org_id"]
        while org_id is not None:
            for dim, value in figures(member):
                expected[(org_id, dim, value)] += 1
            org_id = parent_of[org_id]
    tally = conn.execute(sa.text("SELECT org_id, dim, value, n FROM member_tally")).all()
    assert {(o, d, v): n for o, d, v, n in tally} == dict(expected), (
        f"{revision}→head: member_tally does not count the members on file"
    )


def check_new_figures_counted(
    conn: sa.Connection, inserted: Mapping[str, list[Row]], gained: set[Any], revision: str
) -> None:
    """A revision that adds a roster figure counts the members on file into member_tally: the
    only rows a revision may add there, and each added figure's rows are its whole count."""
    if not gained:
        return
    parent_of = {org["id"]: org["parent_id"] for org in inserted["organization"]}
    expected: Counter[tuple[int, str, str]] = Counter()
    for member in inserted.get("member", []):
        org_id = member["org_id"]
        while org_id is not None:
            for dim, value in figures(member):
                expected[(org_id, dim, value)] += 1
            org_id = parent_of[org_id]
    added = {dim for _org, dim, _value in gained}
    rows = conn.execute(sa.text("SELECT org_id, dim, value, n FROM member_tally")).all()
    assert {(o, d, v): n for o, d, v, n in rows if d in added} == {k: n for k, n in expected.items() if k[1] in added}, (
        f"{revision}→head: member_tally gained rows that do not count the members on file: {sorted(gained)}"
    )


def check_distribution_key_backfill(
    conn: sa.Connection, at_head: sa.MetaData, inserted: Mapping[str, list[Row]], revision: str
) -> None:
    """0005 copies each child's parent's path into its new org_path (its PARENTS table)."""
    parents: dict[str, tuple[str, str, str]] = SCRIPT.get_revision("0005").module.PARENTS
    for table, (ref, parent, path_column) in parents.items():
        if table not in inserted:  # made after `revision`: nothing to fill
            continue
        child, owner = at_head.tables[table], at_head.tables[parent]
        query = sa.select(child.c.org_path, owner.c[path_column]).join(
            owner, owner.c.id == child.c[ref]
        )
        if table == "member_tally":  # not the rows a new figure's revision counts in
            query = query.where(child.c.dim.in_({row["dim"] for row in inserted[table]}))
        pairs = conn.execute(query).all()
        assert len(pairs) == len(inserted[table]), table
        for got, expected in pairs:
            assert got == expected, (
                f"{revision}→head: {table}.org_path {got!r}, parent has {expected!r}"
            )
