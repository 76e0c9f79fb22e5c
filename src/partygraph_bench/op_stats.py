"""(1) Subtree statistics: the dashboard's own `stats(under:, from:, to:)` operation.

`stats` and `stats_root` run `admin/operations/DashboardStats.graphql` (every figure of the
subtree, the breakdown by child, the alert counts) with the process-wide figure cache
emptied before each timed run (untimed), so every run computes; `stats_cached` runs it
again and again on a warm cache: the path repeated dashboard requests take.

The floor computes the same figures with hand-written SQL on the DBAPI connection — one
grouped statement per figure group over the subtree's path range, bucketed by child like
`partygraph.reports.stats` — plus the children, the alert counts (the `allAlerts` floor, counted by
code) and the targets, and serialises them with their labels. The cached floor is what a
response cache keyed by the data version costs: the version statement and `json.dumps` of
the stored answer.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from partygraph.admin.core import operation
from partygraph.admin.pages.dashboard import camel
from partygraph.models.organization import subtree_upper_bound
from partygraph.reports import alerts as report_alerts
from partygraph.reports import cache, figures, stats
from partygraph_bench.op_alerts import FLOOR_STATEMENTS as ALERT_STATEMENTS
from partygraph_bench.op_alerts import AlertsFloor, _d

if TYPE_CHECKING:
    from partygraph_bench.run import Anchor, Bench, OpResult

# as the admin sends it: with the shared StatsFigures fragment appended
DASHBOARD = operation("DashboardStats")

# The declared figures the generic `figures` list holds, and the [StatCount] field each has.
LISTED = tuple(f for f in figures.FIGURE_LIST if f.listed)
BY_FIELD = {camel(f.field): f for f in figures.FIGURE_LIST if f.field is not None}
# The named [StatCount] fields DashboardStats still selects besides `figures` (the ones the
# admin pages read), at the top and in each breakdown row.
TOP_FIELDS = (
    "byGender",
    "byAgeBand",
    "byEducation",
    "candidatesByStage",
    "flows",
    "newMembers",
    "evaluationOutcomes",
    "openFlags",
    "casesByCause",
)
CHILD_FIELDS = ("candidatesByStage", "flows", "newMembers", "openFlags", "casesByStatus")
FLOW_STEPS = tuple(stats.FLOW_STEPS) + ("conversion_approved",)
VERSION_SQL = "SELECT max(id), count(id) FROM audit_event WHERE id > coalesce((SELECT max(id) FROM audit_event), 0) - 1000"


def dashboard_variables(gid: str, *, alerts: bool = True) -> dict[str, Any]:
    """What the dashboard page sends for a subtree with the default period."""
    return {"under": gid, "from": None, "to": None, "withAlerts": alerts}


class StatsFloor:
    def __init__(self, bench: Bench, org_id: int, path: str, *, alerts: bool = True) -> None:
        self.b, self.org_id, self.path, self.with_alerts = bench, org_id, path, alerts
        self.bound = subtree_upper_bound(path)
        self.width = len(path) + stats.SEGMENT
        today = bench.today
        self.start, self.end = stats.default_period(today)
        self.buckets: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        self.monthly: dict[str, Counter] = defaultdict(Counter)

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.b.pg:  # SQLite keeps dates as ISO text
            params = tuple(p.isoformat() if isinstance(p, date) else p for p in params)
        return self.b.sql(statement, params)

    def add(self, raw: str, figure: str, key: Any, n: Any) -> None:
        if n:
            self.buckets[raw if len(raw) == self.width else stats.DIRECT][figure][key] += int(n)

    def scoped(self, column: str) -> tuple[str, tuple[str, str]]:
        return f"{column} >= ? AND {column} < ?", (self.path, self.bound)

    def q(self, statement: str, column: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """`statement` with {b}, the bucket: the path of the child whose subtree holds the row."""
        return self.sql(statement.replace("{b}", f"substr({column}, 1, {self.width})"), params)

    # -- the figure groups (one statement each; two or four for the multi-table groups) ----------

    def members(self) -> None:
        """The roster from the rollup (`member_tally`, kept by the write path): the
        organisation's and each child's whole-subtree counts; the 直属 row is the difference."""
        kids = self.sql("SELECT id, path FROM organization WHERE parent_id = ?", (self.org_id,))
        ids = [k for k, _ in kids] + [self.org_id]
        tallies: dict[int, Counter] = defaultdict(Counter)
        for org_id, dim, value, n in self.sql(
            f"SELECT org_id, dim, value, n FROM member_tally WHERE org_id IN ({', '.join('?' * len(ids))}) AND n != 0",
            tuple(ids),
        ):
            tallies[org_id][(dim, value)] = n
        direct = Counter(tallies[self.org_id])
        for kid, path in kids:
            self.tally(path, tallies[kid])
            direct.subtract(tallies[kid])
        self.tally(self.path, direct)

    def tally(self, raw: str, counts: Counter) -> None:
        for (dim, value), n in counts.items():
            if dim == "birth_year":
                self.add(raw, "age_band", figures.age_band(self.end.year - int(value)), n)
            else:
                self.add(raw, dim, value, n)

    def population(self) -> None:
        where, scope = self.scoped("a.path")
        rows = self.q(
            "SELECT {b}, a.id, a.population, coalesce(t.n, 0) FROM organization a LEFT JOIN member_tally t "
            "ON t.org_id = a.id AND t.dim = 'roster' AND t.value = 'total' "
            f"WHERE {where} AND a.population IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organization i WHERE i.path > a.path "
            "AND i.path < substr(a.path, 1, length(a.path) - 1) || '/' AND i.population IS NOT NULL)",
            "a.path",
            scope,
        )
        for raw, _oid, population, n in rows:
            self.add(raw, "population", "population", population)
            self.add(raw, "population", "members", n)
            self.add(raw, "population", "organizations", 1)

    def candidates(self) -> None:
        where, scope = self.scoped("org_path")
        for raw, stage, n in self.q(
            f"SELECT {{b}}, stage, count(*) FROM candidate WHERE {where} GROUP BY 1, 2",
            "org_path",
            scope,
        ):
            self.add(raw, "stage", stage, n)

    def flows(self) -> None:
        where, scope = self.scoped("c.org_path")
        marks = ", ".join("?" * len(FLOW_STEPS))
        rows = self.q(
            'SELECT {b}, s.step, s.outcome, s."on", count(*) FROM candidate_step s JOIN candidate c ON c.id = s.candidate_id '
            f'WHERE {where} AND s.step IN ({marks}) AND s."on" >= ? AND s."on" <= ? GROUP BY 1, 2, 3, 4',
            "c.org_path",
            (*scope, *FLOW_STEPS, self.start, self.end),
        )
        for raw, step, outcome, on, n in rows:
            if step == "conversion_approved":
                kind = {"extend": None, "cancel": "exited"}.get(outcome or "convert", "converted")
            else:
                kind = stats.FLOW_STEPS[step]
            if kind is None:
                continue
            self.add(raw, "flow", kind, n)
            self.monthly[_d(on).strftime("%Y-%m")][kind] += int(n)

    def cohort(self) -> None:
        where, scope = self.scoped("org_path")
        rows = self.q(
            f"SELECT {{b}}, gender, education, front_line, birth_date, joined_on, count(*) FROM member WHERE {where} "
            "AND joined_on >= ? AND joined_on <= ? GROUP BY 1, 2, 3, 4, 5, 6",
            "org_path",
            (*scope, self.start, self.end),
        )
        rank = {
            "primary": 0,
            "junior_high": 1,
            "senior_high": 2,
            "junior_college": 3,
            "bachelor": 4,
            "postgraduate": 5,
        }
        for raw, gender, edu, front, born, joined, n in rows:
            r = rank.get(edu, -1)
            joined, born = _d(joined), _d(born)
            age = joined.year - born.year - ((joined.month, joined.day) < (born.month, born.day))
            for key, hit in (("total", True), ("women", gender == "female"), ("age_le35", age <= 35), ("junior_high_plus", r >= 1),
                             ("senior_high_plus", r >= 2), ("junior_college_plus", r >= 3), ("front_line", front)):  # fmt: skip
                if hit:
                    self.add(raw, "cohort", key, n)
            self.monthly[joined.strftime("%Y-%m")]["new_members"] += int(n)

    def evaluation(self) -> None:
        where, scope = self.scoped("org_path")
        for raw, grade, n in self.q(
            f"SELECT {{b}}, grade, count(*) FROM evaluation_outcome WHERE {where} AND year >= ? AND year <= ? GROUP BY 1, 2",
            "org_path",
            (*scope, self.start.year, self.end.year),
        ):
            self.add(raw, "grade", grade, n)
        for raw, kind, n in self.q(
            f"SELECT {{b}}, kind, count(*) FROM evaluation_flag WHERE {where} AND resolved_on IS NULL GROUP BY 1, 2",
            "org_path",
            scope,
        ):
            self.add(raw, "open_flag", kind, n)

    def assistance(self) -> None:
        where, scope = self.scoped("org_path")
        for raw, cause, status, n in self.q(
            f"SELECT {{b}}, cause, status, count(*) FROM assistance_case WHERE {where} GROUP BY 1, 2, 3",
            "org_path",
            scope,
        ):
            self.add(raw, "case_cause", cause, n)
            self.add(raw, "case_status", status, n)
        for raw, kind, n, fen in self.q(
            f'SELECT {{b}}, kind, count(*), coalesce(sum(amount_fen), 0) FROM assistance_help WHERE {where} AND "on" >= ? AND "on" <= ? GROUP BY 1, 2',
            "org_path",
            (*scope, self.start, self.end),
        ):
            self.add(raw, "help_count", kind, n)
            self.add(raw, "help_fen", kind, fen)
        for raw, n, balance, principal in self.q(
            f"SELECT {{b}}, count(*), coalesce(sum(balance_fen), 0), coalesce(sum(principal_fen), 0) FROM assistance_fund WHERE {where} GROUP BY 1",
            "org_path",
            scope,
        ):
            self.add(raw, "fund", "funds", n)
            self.add(raw, "fund", "balance_fen", balance)
            self.add(raw, "fund", "principal_fen", principal)
        overdue = "status = 'active' AND next_due_on < ?"
        for raw, n_out, fen_out, n_over, fen_over in self.q(
            "SELECT {b}, sum(CASE WHEN status = 'active' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN status = 'active' THEN amount_fen - repaid_fen ELSE 0 END), "
            f"sum(CASE WHEN {overdue} THEN 1 ELSE 0 END), sum(CASE WHEN {overdue} THEN amount_fen - repaid_fen ELSE 0 END) "
            f"FROM assistance_loan WHERE {where} GROUP BY 1",
            "org_path",
            (self.b.today, self.b.today, *scope),
        ):
            for key, v in (
                ("outstanding_count", n_out),
                ("outstanding_fen", fen_out),
                ("overdue_count", n_over),
                ("overdue_fen", fen_over),
            ):
                self.add(raw, "loan", key, v or 0)

    # -- assembling ------------------------------------------------------------------------------

    @staticmethod
    def counts(figure: figures.Figure, c: Counter, *, labelled: bool) -> list[dict[str, Any]]:
        """A figure's [StatCount] list; the breakdown rows select no labels."""
        keys = figures.keys_of(figure.name, c, all_known=figure.all_known)
        if labelled:
            return [{"key": k, "label": figure.label(k), "value": int(c.get(k, 0))} for k in keys]
        return [{"key": k, "value": int(c.get(k, 0))} for k in keys]

    def figures(self, figs: dict[str, Counter], *, child: bool) -> dict[str, Any]:
        labelled = not child
        out: dict[str, Any] = {
            "membersTotal": int(figs["roster"]["total"]),
            "figures": [
                {
                    "name": f.name,
                    **({"label": f.title()} if labelled else {}),
                    "counts": self.counts(f, figs[f.name], labelled=labelled),
                }
                for f in LISTED
            ],
        }
        for name in CHILD_FIELDS if child else TOP_FIELDS:
            figure = BY_FIELD[name]
            out[name] = self.counts(figure, figs[figure.name], labelled=labelled)
        p = figs["population"]
        pop, mem = int(p["population"]), int(p["members"])
        out["population"] = {
            "population": pop,
            "members": mem,
            "organizations": int(p["organizations"]),
            "share": mem / pop if pop else None,
        }
        out["loans"] = {
            k: int(figs["loan"][k])
            for k in ("outstanding_count", "outstanding_fen", "overdue_count", "overdue_fen")
        }
        if not child:
            out.update(self.subtree_only(figs))
        return out

    @staticmethod
    def subtree_only(figs: dict[str, Counter]) -> dict[str, Any]:
        """The figures the operation selects for the subtree but not for its breakdown rows."""
        n, fen, cohort = figs["help_count"], figs["help_fen"], figs["cohort"]
        return {
            "funds": {k: int(figs["fund"][k]) for k in ("funds", "balance_fen", "principal_fen")},
            "helpGiven": [
                {
                    "key": k,
                    "label": figures.label("help_count", k),
                    "count": int(n[k]),
                    "amountFen": int(fen[k]),
                }
                for k in figures.keys_of("help_count", n)
            ],
            "targets": [
                {
                    "targetSet": ts.key,
                    "key": t.key,
                    "numerator": int(cohort[t.key]),
                    "denominator": int(cohort["total"]),
                }
                for ts in stats.DEFAULT_TARGETS
                for t in ts.targets
            ],
        }

    def count_groups(self) -> dict[str, Counter]:
        """Runs every figure group; the subtree's totals (the sum over the buckets)."""
        for group in (
            "members",
            "population",
            "candidates",
            "flows",
            "cohort",
            "evaluation",
            "assistance",
        ):
            getattr(self, group)()
        total: dict[str, Counter] = defaultdict(Counter)
        for figs in self.buckets.values():
            for name, c in figs.items():
                total[name].update(c)
        return total

    def alerts_by_bucket(self) -> dict[str, Counter]:
        alerts: dict[str, Counter] = defaultdict(Counter)
        found = (
            AlertsFloor(self.b, self.org_id, self.path).rows(with_paths=True)
            if self.with_alerts
            else []
        )
        for code, _, _, paths in found:
            alerts[report_alerts.alert_bucket(paths, self.path)][code] += 1
        return alerts

    def child_row(self, bucket: str, alerts: dict[str, Counter]) -> dict[str, Any]:
        row = self.figures(self.buckets.get(bucket) or defaultdict(Counter), child=True)
        if self.with_alerts:
            c = alerts.get(bucket, Counter())
            row["alerts"] = [{"key": k, "value": v} for k, v in sorted(c.items()) if v]
        return row

    def breakdown(self, alerts: dict[str, Counter]) -> list[dict[str, Any]]:
        """The rows by child (those with figures, active or alerted) and the 直属 row."""
        children = self.sql(
            "SELECT id, name, code, kind, path, status FROM organization WHERE parent_id = ? ORDER BY code, id",
            (self.org_id,),
        )
        rows = [
            {
                "name": name,
                "directlyUnder": False,
                "organization": {"id": cid, "name": name, "code": code, "kind": kind},
                "stats": self.child_row(path, alerts),
            }
            for cid, name, code, kind, path, status in children
            if path in self.buckets or status == "active" or path in alerts
        ]
        if stats.DIRECT in self.buckets or stats.DIRECT in alerts:
            rows.append(
                {
                    "name": "直属",
                    "directlyUnder": True,
                    "organization": None,
                    "stats": self.child_row(stats.DIRECT, alerts),
                }
            )
        return rows

    def monthly_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "month": m,
                **{
                    k: int(self.monthly.get(m, Counter())[k])
                    for k in (*figures.FLOW_KINDS, "new_members")
                },
            }
            for m in stats.month_range(self.start, self.end)
        ]

    def json(self) -> str:
        total = self.count_groups()
        alerts = self.alerts_by_bucket()
        rows = self.breakdown(alerts)
        top = self.sql(
            "SELECT id, name, code, kind FROM organization WHERE id = ?", (self.org_id,)
        )[0]
        out = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "organization": {"id": top[0], "name": top[1], "code": top[2], "kind": top[3]},
            **self.figures(total, child=False),
            "monthly": self.monthly_rows(),
        }
        if self.with_alerts:
            total_alerts: Counter = Counter()
            for c in alerts.values():
                total_alerts.update(c)
            out["alerts"] = [
                {"key": k, "label": figures.label("alert", k), "value": v}
                for k, v in sorted(total_alerts.items())
                if v
            ]
        out["byChild"] = rows
        return json.dumps({"stats": out}, ensure_ascii=False)


# 12 figure statements (two for the roster rollup), the children, the organisation; the alerts'
FLOOR_STATEMENTS = 14 + ALERT_STATEMENTS


def measure_stats(
    bench: Bench,
    anchor: Anchor,
    *,
    name: str = "stats",
    iterations: int | None = None,
    warmup: int | None = None,
    alerts: bool = True,
) -> OpResult:
    """`alerts=False` leaves the alert counts out (the dashboard's withAlerts: false)."""
    viewer, variables = anchor.viewer, dashboard_variables(anchor.gid, alerts=alerts)

    def op(i: int) -> str:
        return bench.gql(DASHBOARD, variables, viewer)

    def floor(i: int) -> str:
        return StatsFloor(bench, anchor.org_id, anchor.path, alerts=alerts).json()

    return bench.measure(
        name,
        f"(1) DashboardStats (every figure, byChild, alert counts) of {anchor.username}'s organisation, computed (cache emptied before each run)",
        op,
        floor,
        before=lambda i: cache.bump(),
        iterations=iterations,
        warmup=warmup,
        floor_statements=FLOOR_STATEMENTS if alerts else FLOOR_STATEMENTS - ALERT_STATEMENTS,
        note="" if alerts else "without the alert counts (withAlerts: false)",
    )


def measure_stats_cached(bench: Bench, anchor: Anchor) -> OpResult:
    viewer, variables = anchor.viewer, dashboard_variables(anchor.gid)
    stored = json.loads(bench.gql(DASHBOARD, variables, viewer, cached=True))

    def op(i: int) -> str:
        return bench.gql(DASHBOARD, variables, viewer, cached=True)

    def floor(i: int) -> str:
        bench.sql(VERSION_SQL)
        return json.dumps(stored, ensure_ascii=False)

    return bench.measure(
        "stats_cached",
        f"(1) the same DashboardStats repeated on a warm figure cache ({anchor.username}): what repeated dashboard requests cost",
        op,
        floor,
        floor_statements=1,
        note="floor: the data-version statement and json.dumps of the stored answer",
    )
