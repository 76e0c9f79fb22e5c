"""What the table generators after the members share: the members of one county read back
in one id-range statement, date helpers on ordinals, and the bulk writer of a county's rows.

The generators run county by county (a province is 200 of them) so that a county's rows
are built in memory, written with one `Sink.write` per table, and dropped: memory stays
that of a county however large the tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, overload

from partygraph.rules.base import add_months

if TYPE_CHECKING:
    from partygraph_bench.generate import Population, Sink, Unit


@dataclass(slots=True)
class Person:
    """A member row as the generators need it; dates are ordinals."""

    id: int
    org_id: int
    org_path: str
    status: str
    name: str
    gender: str
    birth: int
    education: str
    ethnicity: str
    occupation: str | None
    front_line: bool
    rural: bool
    phone: str | None
    id_number: str | None
    joined: int
    converted: int | None
    in_difficulty: bool
    pre_1949: bool

    @property
    def active(self) -> bool:
        return self.status in ("full", "probationary")


@dataclass
class County:
    index: int
    units: list[Unit]
    people: dict[int, list[Person]] = field(
        default_factory=dict
    )  # unit org id → its members, by id

    def members_of(self, u: Unit) -> list[Person]:
        return self.people.get(u.org_id, [])


@overload
def _ord(value: None) -> None: ...
@overload
def _ord(value: date | str) -> int: ...
@overload
def _ord(value: Any) -> int | None: ...
def _ord(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.toordinal()
    return date.fromisoformat(str(value)[:10]).toordinal()


def counties(pop: Population) -> Iterator[list[Unit]]:
    """The units of each county, in id order (a county's members have consecutive ids)."""
    current: list[Unit] = []
    for u in pop.units:
        if current and u.county != current[0].county:
            yield current
            current = []
        current.append(u)
    if current:
        yield current


MEMBER_FIELDS = (
    "id, org_id, org_path, status, name, gender, birth_date, education, ethnicity, occupation, front_line, rural, "
    "phone, id_number, joined_on, converted_on, in_difficulty, pre_1949"
)


def read_county(sink: Sink, units: list[Unit]) -> County:
    """The county's members in one primary-key range statement, grouped by unit (plain DBAPI
    tuples: a province reads four million rows)."""
    county = County(units[0].county, units)
    first = units[0].first_member_id
    last = units[-1].first_member_id + units[-1].size - 1
    dbapi = sink.conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        mark = "%s" if sink.dialect == "postgresql" else "?"
        cur.execute(
            f"SELECT {MEMBER_FIELDS} FROM member WHERE id >= {mark} AND id <= {mark} ORDER BY id",
            (first, last),
        )
        rows = cur.fetchall()
    finally:
        cur.close()
    bounds = [(u.first_member_id + u.size, u.org_id) for u in units]
    k = 0
    group = county.people.setdefault(bounds[0][1], [])
    for r in rows:
        if r[0] >= bounds[k][0]:
            while r[0] >= bounds[k][0]:
                k += 1
            group = county.people.setdefault(bounds[k][1], [])
        group.append(
            Person(
                r[0], r[1], r[2], r[3], r[4], r[5], _ord(r[6]), r[7], r[8], r[9], bool(r[10]), bool(r[11]),
                r[12], r[13], _ord(r[14]), _ord(r[15]), bool(r[16]), bool(r[17]),
            )
        )  # fmt: skip
    return county


# --- dates ----------------------------------------------------------------------------------


class Days:
    """ISO text of ordinals and calendar-month steps, memoised (a province asks millions)."""

    def __init__(self) -> None:
        self._iso: dict[int, str] = {}
        self._months: dict[tuple[int, int], int] = {}

    def iso(self, o: int | None) -> str | None:
        if o is None:
            return None
        s = self._iso.get(o)
        if s is None:
            s = self._iso[o] = date.fromordinal(o).isoformat()
        return s

    def months(self, o: int, n: int) -> int:
        key = (o, n)
        v = self._months.get(key)
        if v is None:
            v = self._months[key] = add_months(date.fromordinal(o), n).toordinal()
        return v


_encode = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":")
).encode  # built once: dumps() with options builds one per call


def as_json(value: Any) -> str:
    return _encode(value)


# --- writing ---------------------------------------------------------------------------------


class Rows:
    """A county's rows per table, written in the declared order (parents before children:
    PostgreSQL checks the foreign keys row by row unless they were dropped for the load)."""

    def __init__(self, tables: dict[str, tuple[str, ...]]) -> None:
        self.columns = tables
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in tables}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)

    def flush(self, sink: Sink, counts: dict[str, int]) -> None:
        for table, rows in self.rows.items():
            counts.setdefault(table, 0)
            if rows:
                counts[table] += sink.write(table, self.columns[table], rows)
                rows.clear()


@contextmanager
def bulk(sink: Sink, tables: tuple[str, ...], pop: Population) -> Iterator[None]:
    """The big tables' secondary indexes and constraints dropped for the load (a county's worth
    of rows is not worth it: the rebuild would cost more than the indexed inserts)."""
    with ExitStack() as stack:
        if pop.members > 50_000:
            for table in tables:
                stack.enter_context(sink.without_indexes(table))
        yield
