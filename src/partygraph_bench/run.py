"""The measured operations, in-process, each beside its floor.

For every operation: p50 / p95 latency of the GraphQL operation executed in-process
the way an admin page runs it (`schema.execute` with a `Context` over a fresh ORM
session, result serialised with `json.dumps`), the SQL statements it issues (a
`before_cursor_execute` listener), and the floor: hand-written SQL on the DBAPI
connection returning the same data, rows serialised with `json.dumps`, measured in
the same run over the same parameters. ratio = GraphQL p50 / floor p50.

The operations (numbers as in issue 9):

* (1) ``stats``: the dashboard's DashboardStats operation on the county (every figure, the
  breakdown by child, the alert counts), computed; ``stats_root`` the same on the whole tree
  when the root is a prefecture or province; ``stats_cached`` the county's repeated on a
  warm cache (see ``partygraph_bench.op_stats``).
* (1-lite) ``member_counts``: a county's active members by standing, for the county and
  each of its children (``memberCounts``); ``member_counts_root`` the same for the whole tree.
* (2) ``member_list``: the member list page — first 50 of the county's subtree whose
  pinyin / initials start with a search prefix, with totalCount, 7 fields + the
  organisation's name; ``member_list_root``: the same search over the whole tree.
* (3) ``nested``: township → its child organisations → first 20 members each (with
  totalCount) → their positions.
* (4) ``alerts``: allAlerts(under: township) (``partygraph_bench.op_alerts``).
* (5) ``register_member``: the registerMember mutation into a village (commit included);
  the created member, its event and audit row are deleted after each timing;
  ``pipeline_step``: one recordCandidateStep, undone the same way (``partygraph_bench.op_candidate``).
* (6) over HTTP: see ``partygraph_bench.http_load``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlmodel import col
from strawberry.relay import GlobalID

from partygraph.config import Settings
from partygraph.context import Context, Viewer
from partygraph.models.organization import subtree_upper_bound
from partygraph.reports import rollup

SEARCHES = [
    "zhang",
    "wang",
    "li",
    "liu",
    "chen",
    "yang",
    "zhao",
    "huang",
    "zhou",
    "wu",
    "xu",
    "sun",
    "zh",
    "ma",
]

MEMBER_LIST = """
query BenchMemberList($under: ID!, $search: String!) {
  members(filter: {under: $under, search: $search}, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name gender birthDate education status joinedOn organization { name } }
  }
}
"""

MEMBER_LIST_ALL = """
query BenchMemberListAll($search: String!) {
  members(filter: {search: $search}, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name gender birthDate education status joinedOn organization { name } }
  }
}
"""

NESTED = """
query BenchNested($id: ID!) {
  organization(id: $id) {
    id name
    children {
      id name kind
      members(first: 20) {
        totalCount
        nodes { id name positions { kind title startOn } }
      }
    }
  }
}
"""

COUNTS = """
query BenchCounts($id: ID!) {
  organization(id: $id) {
    name
    memberCounts { total full probationary }
    children { name memberCounts { total full probationary } }
  }
}
"""

REGISTER = """
mutation BenchRegister($input: RegisterMemberInput!) {
  registerMember(input: $input) {
    __typename
    ... on MemberPayload { member { id name } }
    ... on Error { code message }
  }
}
"""

ACTIVE = ("full", "probationary")
# Above this many members, stats_root leaves the alert counts out: computing them for a
# province (the rules over a million open files) would take the run hours and its memory.
ROOT_ALERTS_MAX_MEMBERS = 1_000_000
COUNTED = (
    "organization", "member", "position", "account", "candidate", "candidate_step", "evaluation_subject",
    "assistance_case", "assistance_fund_entry",
)  # fmt: skip


@dataclass
class OpResult:
    name: str
    description: str
    iterations: int
    p50_ms: float
    p95_ms: float
    statements: int
    floor_p50_ms: float | None = None
    floor_p95_ms: float | None = None
    floor_statements: int | None = None
    ratio: float | None = None
    # CPU time of this process (includes SQLite's work, not the PostgreSQL server's): far
    # less disturbed than wall time when other processes load the machine.
    cpu_p50_ms: float | None = None
    floor_cpu_p50_ms: float | None = None
    note: str = ""


@dataclass
class Anchor:
    username: str
    viewer: Viewer
    org_id: int
    path: str

    @property
    def gid(self) -> str:
        return str(GlobalID("Organization", str(self.org_id)))


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, round(q * (len(s) - 1))))
    return s[k]


def member_search(text: str) -> tuple[str, tuple[Any, ...]]:
    """The member search condition as the API builds it (graphql.filters.name_search): letters
    are a pinyin or initials prefix, as two index ranges ('zhang' ≤ key < 'zhanh'); digits are
    an exact phone or ID number; anything else a substring of the name."""
    q = text.strip()
    low = q.lower().replace(" ", "")
    if low.isascii() and low.isalpha():
        upper = low[:-1] + chr(ord(low[-1]) + 1)
        return (
            "((m.name_pinyin >= ? AND m.name_pinyin < ?) OR (m.name_initials >= ? AND m.name_initials < ?))",
            (low, upper, low, upper),
        )
    if q.isascii() and q[:-1].isdigit() and (q[-1].isdigit() or q[-1] in "xX"):
        return "(m.phone = ? OR m.id_number = ?)", (q, q.upper())
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "m.name LIKE ? ESCAPE '\\'", (f"%{escaped}%",)


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, *args: Any) -> None:
        self.count += 1


# The member (5) registers, as the API's input and as the roster rollup counts it.
REGISTERED = {
    "name": "测试党员",
    "gender": "male",
    "birthDate": "1990-05-01",
    "education": "bachelor",
    "joinedOn": "2015-07-01",
    "convertedOn": "2016-07-01",
    "phone": "13800000000",
}
REGISTERED_FIGURES = {"status": "full", "gender": "male", "education": "bachelor", "ethnicity": "汉族", "front_line": False, "rural": False, "flowing": False, "birth_date": "1990-05-01"}  # fmt: skip


class Bench:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        iterations: int = 100,
        warmup: int = 5,
        today: date | None = None,
    ) -> None:
        from partygraph.db import make_session_factory
        from partygraph.graphql.schema import build_schema

        self.engine = engine
        # Operations are measured executing: the result cache (graphql.result_cache) would
        # answer every repeated run. `stats_cached` measures the cache path on purpose.
        self.settings = replace(settings, result_cache=False)
        self.cached_settings = replace(settings, result_cache=True)
        self.iterations = iterations
        self.warmup = warmup
        self.factory = make_session_factory(engine)
        self.schema = build_schema(settings)
        self.loop = asyncio.new_event_loop()
        self.today = today or date.today()
        self.pg = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        if self.pg:
            # The floor is hand-written SQL as it should be run: psycopg prepares a statement
            # after 5 executions and PostgreSQL may then switch it to a generic plan, which for
            # a path-range join is catastrophic (3.7 s instead of 3 ms, measured); a floor
            # sends its parameters without server-side preparation.
            self._psycopg().prepare_threshold = None
        self.anchors = self._anchors()

    def _psycopg(self) -> Any:
        driver = self.raw.driver_connection
        assert driver is not None  # a connection checked out of the pool
        return driver

    def close(self) -> None:
        if self.pg:
            self._psycopg().prepare_threshold = 5
        self.raw.close()
        self.loop.close()

    # -- set-up ----------------------------------------------------------------------------------

    def _anchors(self) -> dict[str, Anchor]:
        from partygraph.models.account import Account
        from partygraph.models.organization import Organization
        from partygraph.services.account import viewer_for

        out: dict[str, Anchor] = {}
        with self.factory() as s:
            for account in s.execute(
                select(Account).where(col(Account.username).like("bench-%"))
            ).scalars():
                org = s.get(Organization, account.org_id)
                assert org is not None
                out[account.username.removeprefix("bench-")] = Anchor(
                    account.username, viewer_for(s, account), org.id, org.path
                )
        if "county" not in out:
            raise RuntimeError(
                "no bench accounts: run `partygraph bench generate` on this database first"
            )
        return out

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            return {t: c.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in COUNTED}

    # -- executing -------------------------------------------------------------------------------

    def gql(self, query: str, variables: dict[str, Any], viewer: Viewer, *, cached: bool = False) -> str:
        session = self.factory()
        try:
            ctx = Context(
                session=session,
                settings=self.cached_settings if cached else self.settings,
                viewer=viewer,
                clock=lambda: self.today,
                lang="zh",
            )
            result = self.loop.run_until_complete(
                self.schema.execute(query, variable_values=variables, context_value=ctx)
            )
        finally:
            session.close()
        if result.errors:
            raise RuntimeError("; ".join(str(e) for e in result.errors))
        return json.dumps(result.data, ensure_ascii=False)

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.raw.cursor()
        try:
            cur.execute(statement.replace("?", "%s") if self.pg else statement, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    def measure(
        self,
        name: str,
        description: str,
        op: Callable[[int], Any],
        floor: Callable[[int], Any] | None,
        *,
        iterations: int | None = None,
        after: Callable[[Any], None] | None = None,
        before: Callable[[int], None] | None = None,
        floor_statements: int | None = None,
        note: str = "",
        warmup: int | None = None,
    ) -> OpResult:
        """`before(i)` and `after(output)` run untimed around every op (and floor) run."""
        n = iterations or self.iterations
        for i in range(self.warmup if warmup is None else warmup):
            if before:
                before(i)
            out = op(i)
            if after:
                after(out)
        if before:
            before(0)
        with StatementCounter(self.engine) as counter:
            out = op(0)
        if after:
            after(out)
        statements = counter.count
        samples: list[float] = []
        cpu: list[float] = []
        floor_samples: list[float] = []
        floor_cpu: list[float] = []
        clock, cpu_clock = time.perf_counter, time.process_time
        for i in range(n):
            if before:
                before(i)
            t, c = clock(), cpu_clock()
            out = op(i)
            samples.append(clock() - t)
            cpu.append(cpu_clock() - c)
            if after:
                after(out)
            if floor is not None:
                t, c = clock(), cpu_clock()
                fout = floor(i)
                floor_samples.append(clock() - t)
                floor_cpu.append(cpu_clock() - c)
                if after:
                    after(fout)
        result = OpResult(
            name=name,
            description=description,
            iterations=n,
            p50_ms=statistics.median(samples) * 1000,
            p95_ms=pct(samples, 0.95) * 1000,
            statements=statements,
            cpu_p50_ms=statistics.median(cpu) * 1000,
            note=note,
        )
        if floor_samples:
            result.floor_cpu_p50_ms = statistics.median(floor_cpu) * 1000
            result.floor_p50_ms = statistics.median(floor_samples) * 1000
            result.floor_p95_ms = pct(floor_samples, 0.95) * 1000
            result.floor_statements = floor_statements
            result.ratio = result.p50_ms / result.floor_p50_ms if result.floor_p50_ms else None
        return result

    # -- (2) member list -------------------------------------------------------------------------

    def _member_list_floor(self, path: str | None, search: str) -> str:
        cond, params = member_search(search)
        cond = "m.status IN (?, ?) AND " + cond
        params = (*ACTIVE, *params)
        if path is not None:
            cond = "m.org_path >= ? AND m.org_path < ? AND " + cond
            params = (path, subtree_upper_bound(path), *params)
        total = self.sql(f"SELECT count(*) FROM member m WHERE {cond}", params)[0][0]
        rows = self.sql(
            "SELECT m.id, m.name, m.gender, m.birth_date, m.education, m.status, m.joined_on, o.name "
            f"FROM member m JOIN organization o ON o.id = m.org_id WHERE {cond} ORDER BY m.name, m.id LIMIT 51",
            params,
        )
        nodes = [
            {
                "id": r[0],
                "name": r[1],
                "gender": r[2],
                "birthDate": str(r[3]),
                "education": r[4],
                "status": r[5],
                "joinedOn": str(r[6]),
                "organization": {"name": r[7]},
            }
            for r in rows[:50]
        ]
        return json.dumps(
            {"members": {"totalCount": total, "hasNextPage": len(rows) > 50, "nodes": nodes}},
            ensure_ascii=False,
        )

    def member_list(
        self, anchor: Anchor, *, whole_tree: bool = False, iterations: int | None = None
    ) -> OpResult:
        viewer = anchor.viewer

        def op(i: int) -> str:
            search = SEARCHES[i % len(SEARCHES)]
            if whole_tree:
                return self.gql(MEMBER_LIST_ALL, {"search": search}, viewer)
            return self.gql(MEMBER_LIST, {"under": anchor.gid, "search": search}, viewer)

        def floor(i: int) -> str:
            return self._member_list_floor(
                None if whole_tree else anchor.path, SEARCHES[i % len(SEARCHES)]
            )

        where = (
            "the whole tree" if whole_tree else f"the subtree of {anchor.username}'s organisation"
        )
        return self.measure(
            "member_list_root" if whole_tree else "member_list",
            f"(2) first 50 members of {where} by pinyin prefix, totalCount, 7 fields + organization.name",
            op,
            floor,
            iterations=iterations,
            floor_statements=2,
        )

    # -- (3) nested -------------------------------------------------------------------------------

    def nested(self, anchor: Anchor) -> OpResult:
        viewer = anchor.viewer

        def op(i: int) -> str:
            return self.gql(NESTED, {"id": anchor.gid}, viewer)

        def floor(i: int) -> str:
            return self._nested_floor(anchor)

        return self.measure(
            "nested",
            f"(3) {anchor.username}'s township → children → first 20 members each (totalCount) → positions",
            op,
            floor,
            floor_statements=5,
        )

    def _nested_floor(self, anchor: Anchor) -> str:
        top = self.sql("SELECT id, name FROM organization WHERE id = ?", (anchor.org_id,))[0]
        children = self.sql(
            "SELECT id, name, kind FROM organization WHERE parent_id = ? AND status = 'active' ORDER BY code",
            (anchor.org_id,),
        )
        page, totals = self._child_member_pages(anchor.org_id)
        posts = self._positions([r[1] for r in page])
        members: dict[int, list[dict[str, Any]]] = {}
        for aid, mid, name in page:
            members.setdefault(aid, []).append(
                {"id": mid, "name": name, "positions": posts.get(mid, [])}
            )
        return json.dumps(
            {
                "organization": {
                    "id": top[0],
                    "name": top[1],
                    "children": [
                        {
                            "id": c[0],
                            "name": c[1],
                            "kind": c[2],
                            "members": {
                                "totalCount": totals.get(c[0], 0),
                                "nodes": members.get(c[0], []),
                            },
                        }
                        for c in children
                    ],
                }
            },
            ensure_ascii=False,
        )

    def _child_member_pages(
        self, org_id: int
    ) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
        """Each active child's first 20 active members (child id, member id, name) and its total."""
        if self.pg:
            # PostgreSQL misestimates a path-range join over millions of rows (a province:
            # 0.9 s); per child, LATERAL keeps each side an index range scan.
            lateral = (
                "FROM organization a CROSS JOIN LATERAL (SELECT m.id, m.name FROM member m "
                "WHERE m.org_path >= a.path AND m.org_path < substr(a.path, 1, length(a.path) - 1) || '/' "
                "AND m.status IN (?, ?) ORDER BY m.name, m.id {limit}) m WHERE a.parent_id = ? AND a.status = 'active'"
            )
            page = self.sql(
                "SELECT a.id, m.id, m.name "
                + lateral.format(limit="LIMIT 20")
                + " ORDER BY a.id, m.name, m.id",
                (*ACTIVE, org_id),
            )
            totals = self.sql(
                "SELECT a.id, count(*) " + lateral.format(limit="") + " GROUP BY a.id",
                (*ACTIVE, org_id),
            )
            return page, dict(totals)
        subtree = (
            "FROM organization a JOIN member m ON m.org_path >= a.path "
            "AND m.org_path < substr(a.path, 1, length(a.path) - 1) || '/' "
            "WHERE a.parent_id = ? AND a.status = 'active' AND m.status IN (?, ?)"
        )
        page = self.sql(
            "SELECT aid, id, name FROM (SELECT a.id AS aid, m.id, m.name, "
            f"row_number() OVER (PARTITION BY a.id ORDER BY m.name, m.id) AS rn {subtree}) t "
            "WHERE rn <= 20 ORDER BY aid, rn",
            (org_id, *ACTIVE),
        )
        totals = self.sql(f"SELECT a.id, count(*) {subtree} GROUP BY a.id", (org_id, *ACTIVE))
        return page, dict(totals)

    def _positions(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The members' positions, latest first."""
        posts: dict[int, list[dict[str, Any]]] = {}
        if ids:
            marks = ", ".join("?" * len(ids))
            for mid, kind, title, start in self.sql(
                f"SELECT member_id, kind, title, start_on FROM position WHERE member_id IN ({marks}) ORDER BY member_id, start_on DESC, id",
                tuple(ids),
            ):
                posts.setdefault(mid, []).append({"kind": kind, "title": title, "startOn": str(start)})
        return posts

    # -- (1-lite) member counts -----------------------------------------------------------------

    def member_counts(
        self, anchor: Anchor, *, name: str = "member_counts", iterations: int | None = None
    ) -> OpResult:
        viewer = anchor.viewer

        def op(i: int) -> str:
            return self.gql(COUNTS, {"id": anchor.gid}, viewer)

        def floor(i: int) -> str:
            # The counts come from the roster rollup the write path keeps (partygraph.reports.rollup),
            # as the API's do: the organisation's and each child's whole-subtree row.
            top = self.sql("SELECT name FROM organization WHERE id = ?", (anchor.org_id,))[0]
            children = self.sql(
                "SELECT id, name FROM organization WHERE parent_id = ? AND status = 'active' ORDER BY code",
                (anchor.org_id,),
            )
            ids = [anchor.org_id, *(c[0] for c in children)]
            by_org: dict[int, dict[str, int]] = {}
            for org_id, status, n in self.sql(
                f"SELECT org_id, value, n FROM member_tally WHERE dim = 'status' AND org_id IN ({', '.join('?' * len(ids))})",
                tuple(ids),
            ):
                by_org.setdefault(org_id, {})[status] = n

            def counts(org_id: int) -> dict[str, int]:
                c = by_org.get(org_id, {})
                full, probationary = c.get("full", 0), c.get("probationary", 0)
                return {"total": full + probationary, "full": full, "probationary": probationary}

            return json.dumps(
                {
                    "organization": {
                        "name": top[0],
                        "memberCounts": counts(anchor.org_id),
                        "children": [
                            {"name": c[1], "memberCounts": counts(c[0])} for c in children
                        ],
                    }
                },
                ensure_ascii=False,
            )

        return self.measure(
            name,
            f"(1-lite) active members by standing of {anchor.username}'s organisation and each child",
            op,
            floor,
            iterations=iterations,
            floor_statements=3,
        )

    # -- (5) registerMember -----------------------------------------------------------------------

    def register_member(self, anchor: Anchor) -> OpResult:
        viewer = anchor.viewer
        variables = {"input": {"orgId": anchor.gid, **REGISTERED}}
        # The roster rollup the write path keeps (partygraph.reports.rollup): the new member's counts
        # at every ancestor; the floor writes them too, and the clean-up takes them back.
        tally = [
            (org_id, path, dim, value)
            for org_id, path in rollup.ancestor_paths(anchor.path).items()
            for dim, value in rollup.figures(REGISTERED_FIGURES)
        ]

        def op(i: int) -> str:
            out = self.gql(REGISTER, variables, viewer)
            data = json.loads(out)["registerMember"]
            if data["__typename"] != "MemberPayload":
                raise RuntimeError(f"registerMember failed: {data}")
            return GlobalID.from_id(data["member"]["id"]).node_id

        def floor(i: int) -> int:
            return self._register_floor(anchor, tally)

        def cleanup(mid: Any) -> None:
            mid = int(mid)
            self.sql(
                "DELETE FROM audit_event WHERE object_type = 'Member' AND object_id = ?", (mid,)
            )
            self.sql("DELETE FROM member_event WHERE member_id = ?", (mid,))
            self.sql("DELETE FROM member WHERE id = ?", (mid,))
            self._move_tally(tally, -1)
            self.raw.commit()

        return self.measure(
            "register_member",
            f"(5) registerMember into {anchor.username}'s organisation (commit included; deleted after each timing)",
            op,
            floor,
            after=cleanup,
            floor_statements=6,
        )

    def _move_tally(self, tally: list[tuple[Any, ...]], sign: int) -> None:
        """Adds `sign` to each (org, path, figure, key) count of the roster rollup."""
        upsert = "INSERT INTO member_tally (org_id, org_path, dim, value, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_id, dim, value) DO UPDATE SET n = member_tally.n + excluded.n"
        cur = self.raw.cursor()
        try:
            cur.executemany(
                upsert.replace("?", "%s") if self.pg else upsert, [(*k, sign) for k in tally]
            )
        finally:
            cur.close()

    def _register_floor(self, anchor: Anchor, tally: list[tuple[Any, ...]]) -> int:
        """The member row, its registration event, the audit event and the rollup, committed."""
        viewer = anchor.viewer
        org = self.sql(
            "SELECT path, kind, status FROM organization WHERE id = ?", (anchor.org_id,)
        )[0]
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        mid = self.sql(
            "INSERT INTO member (org_id, org_path, name, name_pinyin, name_initials, gender, ethnicity, birth_date, "
            "education, front_line, rural, joined_on, converted_on, status, status_since, phone, pre_1949, flowing, "
            "lost_contact, in_difficulty, version, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
            (anchor.org_id, org[0], "测试党员", "ceshidangyuan", "csdy", "male", "汉族", "1990-05-01", "bachelor",
             False, False, "2015-07-01", "2016-07-01", "full", "2016-07-01", "13800000000", False, False, False, False, now, now),
        )[0][0]  # fmt: skip
        self.sql(
            'INSERT INTO member_event (member_id, org_path, "on", kind, to_status, org_id, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            (mid, org[0], "2015-07-01", "registered", "full", anchor.org_id, viewer.account_id, now),
        )
        self.sql(
            "INSERT INTO audit_event (at, actor_id, actor_name, action, object_type, object_id, org_path, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (now, viewer.account_id, viewer.username, "member.register", "Member", mid, org[0],
             json.dumps({"name": "测试党员"})),
        )  # fmt: skip
        self._move_tally(tally, 1)
        self.raw.commit()
        return mid

    # -- all --------------------------------------------------------------------------------------

    def run_all(self, only: set[str] | None = None, heavy_iterations: int = 20) -> list[OpResult]:
        """Every operation; the whole-tree ones (prefecture / province roots) `heavy_iterations` times."""
        a = self.anchors
        has_root = "top" in a
        from partygraph_bench.op_alerts import measure_alerts
        from partygraph_bench.op_candidate import measure_pipeline_step
        from partygraph_bench.op_stats import measure_stats, measure_stats_cached

        plan: list[tuple[str, Callable[[], OpResult]]] = [
            ("stats", lambda: measure_stats(self, a["county"])),
            ("stats_cached", lambda: measure_stats_cached(self, a["county"])),
            ("member_counts", lambda: self.member_counts(a["county"])),
            ("member_list", lambda: self.member_list(a["county"])),
            ("nested", lambda: self.nested(a["township"])),
            ("alerts", lambda: measure_alerts(self, a["township"])),
            ("register_member", lambda: self.register_member(a["village"])),
            (
                "pipeline_step",
                lambda: measure_pipeline_step(self, [a["village"], a["township"], a["county"]]),
            ),
        ]
        if has_root:
            plan += [
                (
                    "stats_root",
                    # The whole tree's dashboard runs the alert rules over every open file
                    # (a prefecture: 25 s and 1 GB): a quarter of the heavy runs, one warm-up,
                    # and beyond a million members without the alert counts (see README).
                    lambda: measure_stats(
                        self,
                        a["top"],
                        name="stats_root",
                        iterations=max(1, heavy_iterations // 4),
                        warmup=1,
                        alerts=self.counts()["member"] <= ROOT_ALERTS_MAX_MEMBERS,
                    ),
                ),
                (
                    "member_counts_root",
                    lambda: self.member_counts(
                        a["top"], name="member_counts_root", iterations=heavy_iterations
                    ),
                ),
                (
                    "member_list_root",
                    lambda: self.member_list(
                        a["top"], whole_tree=True, iterations=heavy_iterations
                    ),
                ),
            ]
        return [fn() for name, fn in plan if only is None or name in only]


def machine() -> dict[str, Any]:
    import sqlite3

    return {
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def to_json(results: list[OpResult]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        d = asdict(r)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 3)
        out.append(d)
    return out


@dataclass
class Report:
    scale: str
    database: str
    counts: dict[str, int]
    machine_start: dict[str, Any]
    operations: list[OpResult] = field(default_factory=list)
    http: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "database": self.database,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "counts": self.counts,
            "machine": self.machine_start,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "operations": to_json(self.operations),
            "http": self.http,
            "notes": self.notes,
        }


def guess_scale(counts: dict[str, int]) -> str:
    n = counts.get("member", 0)
    return (
        "tiny"
        if n < 2_000
        else "county"
        if n < 60_000
        else "prefecture"
        if n < 1_000_000
        else "province"
    )


def profile_op(
    bench: Bench, name: str = "member_list", iterations: int = 100, top: int = 25
) -> str:
    """CPU-time profile of one operation: the split between SQL (cursor.execute + fetch) and
    the rest, resolved fields per run, and cProfile's top functions by own CPU time."""
    import cProfile
    import io
    import pstats

    a = bench.anchors
    ops: dict[str, tuple[str, Callable[[int], dict[str, Any]], Anchor]] = {
        "member_list": (
            MEMBER_LIST,
            lambda i: {"under": a["county"].gid, "search": SEARCHES[i % len(SEARCHES)]},
            a["county"],
        ),
        "nested": (NESTED, lambda i: {"id": a["township"].gid}, a["township"]),
        "member_counts": (COUNTS, lambda i: {"id": a["county"].gid}, a["county"]),
    }
    if name not in ops:
        raise ValueError(f"profile one of: {', '.join(ops)}")
    query, variables, anchor = ops[name]

    def op(i: int) -> str:
        return bench.gql(query, variables(i), anchor.viewer)

    for i in range(5):
        op(i)
    cpu = time.process_time
    sql_cpu = [0.0]
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, *args: Any) -> None:
        started[id(cursor)] = cpu()

    def after(conn: Any, cursor: Any, *args: Any) -> None:
        sql_cpu[0] += cpu() - started.pop(id(cursor), cpu())

    event.listen(bench.engine, "before_cursor_execute", before)
    event.listen(bench.engine, "after_cursor_execute", after)
    c = cpu()
    for i in range(iterations):
        op(i)
    total = (cpu() - c) / iterations
    event.remove(bench.engine, "before_cursor_execute", before)
    event.remove(bench.engine, "after_cursor_execute", after)
    sql = sql_cpu[0] / iterations
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(iterations):
        op(i)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    table = stats.stats  # type: ignore[attr-defined]  # the raw table, which typeshed's pstats leaves out
    fields = sum(v[1] for k, v in table.items() if k[2] == "execute_field") / iterations
    stats.sort_stats("tottime").print_stats(top)
    rest = total - sql
    head = (
        f"{name}: CPU per run {total * 1000:.2f} ms = SQL execute {sql * 1000:.2f} ms + the rest {rest * 1000:.2f} ms "
        f"(GraphQL, ORM, loaders, JSON); {fields:.0f} resolved fields per run → {rest / max(fields, 1) * 1e6:.1f} µs per field\n"
    )
    return head + out.getvalue()
