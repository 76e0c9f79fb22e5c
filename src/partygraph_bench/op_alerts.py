"""(4) The alerts of a township: `allAlerts(under:)`, beside its floor.

The floor reads, with hand-written SQL on the DBAPI connection, exactly the rows the four
areas' alert services read (open candidate files and their steps, villages' roster figures;
organisations, meetings, terms, member flags; open rounds, checkpoints, follow-ups, flags;
cases, loans and repayments, promises), applies the same pure rules (`partygraph.rules.*`,
which decide what is an alert: that is work any implementation does) and returns the same
list in the same order: each area's own order, merged by due date then code.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any, overload

from partygraph.models.organization import subtree_upper_bound
from partygraph.rules import assistance as aid
from partygraph.rules import branch_life as life
from partygraph.rules import candidate as rp
from partygraph.rules import evaluation as ev
from partygraph.rules.base import Alert, add_months

if TYPE_CHECKING:
    from partygraph_bench.run import Anchor, Bench, OpResult

ALERTS = """
query BenchAlerts($under: ID!) {
  allAlerts(under: $under) { code message dueOn }
}
"""

ACTIVE_STAGES = tuple(s.value for s in rp.ACTIVE_STAGES)
LIFE_KINDS = ("branch", "general_branch", "committee", "group")
BRANCH_KINDS = ("branch", "general_branch")
BLANK_VILLAGE_YEARS, OLD_AGE = 3, 60  # services.candidate


@overload
def _d(value: None) -> None: ...
@overload
def _d(value: date | str) -> date: ...
@overload
def _d(value: Any) -> date | None: ...
def _d(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _marks(values: list[Any]) -> str:
    return ", ".join("?" * len(values))


def _years_before(d: date, years: int) -> date:
    return add_months(d, -12 * years)


class AlertsFloor:
    """allAlerts(under:) by hand: (code, message, due) rows in the API's order."""

    def __init__(self, bench: Bench, org_id: int, path: str) -> None:
        self.b, self.org_id, self.path = bench, org_id, path
        self.bound = subtree_upper_bound(path)
        self.today = bench.today
        s = bench.settings
        self.pipeline: rp.PipelineSettings = s.pipeline
        self.life: life.LifeSettings = getattr(s, "branch_life", None) or life.DEFAULT_LIFE_SETTINGS
        self.eval: ev.EvaluationSettings = (
            getattr(s, "evaluation", None) or ev.DEFAULT_EVALUATION_SETTINGS
        )
        self.aid: aid.AssistanceSettings = (
            getattr(s, "assistance", None) or aid.DEFAULT_ASSISTANCE_SETTINGS
        )

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.b.pg:  # SQLite keeps dates as ISO text
            params = tuple(p.isoformat() if isinstance(p, date) else p for p in params)
        return self.b.sql(statement, params)

    def range(self, column: str) -> str:
        return f"{column} >= ? AND {column} < ?"

    # -- pipeline: open files and villages -------------------------------------------------------

    def pipeline_area(self) -> list[tuple[Alert, int, int, tuple[str, ...]]]:
        rows = self.sql(
            'SELECT c.id, c.org_id, c.org_path, s.step, s."on", s.outcome, s.data FROM candidate c '
            "JOIN candidate_step s ON s.candidate_id = c.id "
            f"WHERE {self.range('c.org_path')} AND c.stage IN ({_marks(list(ACTIVE_STAGES))}) "
            "ORDER BY c.org_path, c.id, s.id",
            (self.path, self.bound, *ACTIVE_STAGES),
        )
        out: list[tuple[Alert, int, int, tuple[str, ...]]] = []
        files: dict[int, tuple[int, str, list[rp.StepRecord]]] = {}
        for cid, org_id, path, step, on, outcome, data in rows:
            files.setdefault(cid, (org_id, path, []))[2].append(
                rp.StepRecord(rp.Step(step), _d(on), outcome, _json(data) or {})
            )
        for cid, (org_id, path, records) in files.items():
            out += [
                (a, org_id, cid, (path,))
                for a in rp.alerts(records, settings=self.pipeline, today=self.today)
            ]
        out += [(a, oid, 0, (path,)) for a, oid, path in self.villages()]
        out.sort(key=lambda t: (t[0].due_on or date.max, t[0].code, t[1], t[2]))
        return out

    def villages(self) -> list[tuple[Alert, int, str]]:
        today = self.today
        old_cutoff = _years_before(today, OLD_AGE)
        rows = self.sql(
            "SELECT a.id, a.name, a.path, max(m.joined_on), "
            "sum(CASE WHEN m.status IN ('full', 'probationary') THEN 1 ELSE 0 END), "
            "sum(CASE WHEN m.status IN ('full', 'probationary') AND m.birth_date <= ? THEN 1 ELSE 0 END) "
            "FROM organization a LEFT JOIN member m ON m.org_path >= a.path "
            "AND m.org_path < substr(a.path, 1, length(a.path) - 1) || '/' "
            f"WHERE {self.range('a.path')} AND a.kind = 'branch' AND a.branch_type = 'village' AND a.status = 'active' "
            "GROUP BY a.id, a.name, a.path ORDER BY a.id",
            (old_cutoff, self.path, self.bound),
        )
        blank_cutoff = _years_before(today, BLANK_VILLAGE_YEARS)
        out: list[tuple[Alert, int, str]] = []
        for oid, name, path, last_joined, total, old in rows:
            last = _d(last_joined)
            if last is None or last <= blank_cutoff:
                since_zh = f"最近一名新党员入党于 {last.isoformat()}" if last else "没有新党员记录"
                since_en = (
                    f"the last new member joined on {last.isoformat()}"
                    if last
                    else "no new member on record"
                )
                out.append(
                    (
                        Alert(
                            "A-BLANK-VILLAGE",
                            f"{name}：{BLANK_VILLAGE_YEARS} 年内没有发展新党员（空白村），{since_zh}",
                            f"{name}: no new member in {BLANK_VILLAGE_YEARS} years (blank village); {since_en}",
                            add_months(last, 12 * BLANK_VILLAGE_YEARS) if last else None,
                        ),
                        oid,
                        path,
                    )
                )
            total, old = int(total or 0), int(old or 0)
            if total and old * 2 > total:
                out.append(
                    (
                        Alert(
                            "A-OLD-VILLAGE",
                            f"{name}：在册党员 {total} 人中 {old} 人年满 {OLD_AGE} 岁，超过半数（重点村）",
                            f"{name}: {old} of the {total} members on the roster are {OLD_AGE} or older, more than half (key village)",
                            None,
                        ),
                        oid,
                        path,
                    )
                )
        return out

    # -- branch life ---------------------------------------------------------------------------

    def life_area(self) -> list[tuple[Alert, int, int, tuple[str, ...]]]:
        today, settings = self.today, self.life
        orgs = self.sql(
            f"SELECT id, kind, path, established_on FROM organization WHERE {self.range('path')} AND status = 'active' ORDER BY path",
            (self.path, self.bound),
        )
        full: dict[str, int] = defaultdict(int)
        for path, n in self.sql(
            f"SELECT org_path, count(*) FROM member WHERE {self.range('org_path')} AND status = 'full' GROUP BY org_path",
            (self.path, self.bound),
        ):
            segments = path.split(".")[:-1]
            for i in range(1, len(segments) + 1):
                full[".".join(segments[:i]) + "."] += n
        committees = {
            oid
            for (oid,) in self.sql(
                "SELECT t.org_id FROM term t JOIN term_member tm ON tm.term_id = t.id "
                f"WHERE {self.range('t.org_path')} AND t.status = 'current' GROUP BY t.org_id HAVING count(tm.id) >= 3",
                (self.path, self.bound),
            )
        }
        first = date(today.year - 2, 1, 1)
        held: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
        lectures: dict[int, list[tuple[date, int | None]]] = defaultdict(list)
        for oid, kind, on, chair in self.sql(
            f"SELECT org_id, kind, held_on, chair_member_id FROM meeting WHERE {self.range('org_path')} AND held_on >= ? AND held_on <= ?",
            (self.path, self.bound, first, today),
        ):
            held[oid][kind].append(_d(on))
            if kind == "party_lecture":
                lectures[oid].append((_d(on), chair))
        secretaries: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
        for oid, mid, start, end in self.sql(
            "SELECT p.org_id, p.member_id, p.start_on, p.end_on FROM position p JOIN organization o ON o.id = p.org_id "
            f"WHERE {self.range('o.path')} AND p.kind = 'secretary' AND (p.end_on IS NULL OR p.end_on >= ?)",
            (self.path, self.bound, first),
        ):
            secretaries[oid].append((mid, _d(start), _d(end)))
        out: list[tuple[Alert, int, int, tuple[str, ...]]] = []
        active: dict[int, str] = {}
        for oid, kind, path, established in orgs:
            active[oid] = path
            if kind not in LIFE_KINDS:
                continue
            has_committee = oid in committees or full.get(path, 0) >= 7
            reqs = life.requirements_for(kind, has_committee, settings)
            since = _d(established)
            found = life.missed_meetings(
                reqs, held.get(oid, {}), today=today, since=since, settings=settings
            )
            if kind in BRANCH_KINDS:
                found += life.secretary_lecture_missed(
                    lectures.get(oid, []),
                    secretaries.get(oid, []),
                    today=today,
                    since=since,
                    settings=settings,
                )
            out += [(a, oid, 0, (path,)) for a in found]
        for oid, ends in sorted(
            self.sql(
                f"SELECT org_id, ends_on FROM term WHERE {self.range('org_path')} AND status = 'current'",
                (self.path, self.bound),
            )
        ):
            a = life.term_alert(_d(ends), today, settings) if oid in active else None
            if a:
                out.append((a, oid, 0, (active[oid],)))
        out += self.member_flags()
        out.sort(key=lambda t: (t[0].due_on or date.max, t[0].code, t[1], t[2]))
        return out

    def member_flags(self) -> list[tuple[Alert, int, int, tuple[str, ...]]]:
        today, settings = self.today, self.life
        lapses: dict[int, tuple[date | None, date | None]] = {}
        for mid, dues, work in self.sql(
            "SELECT d.member_id, d.no_dues_since, d.no_work_since FROM duty_lapse d JOIN member m ON m.id = d.member_id "
            f"WHERE {self.range('m.org_path')} AND m.status IN ('full', 'probationary') ORDER BY d.member_id, d.id",
            (self.path, self.bound),
        ):
            lapses[mid] = (_d(dues), _d(work))
        lost = self.sql(
            "SELECT r.member_id, r.lost_on FROM lost_contact_record r JOIN member m ON m.id = r.member_id "
            f"WHERE {self.range('m.org_path')} AND r.found_on IS NULL AND m.status IN ('full', 'probationary', 'suspended')",
            (self.path, self.bound),
        )
        ids = sorted(set(lapses) | {mid for mid, _ in lost})
        if not ids:
            return []
        decided = {
            (mid, code, _d(raised)): (decision, _d(on))
            for mid, code, raised, decision, on in self.sql(
                f"SELECT member_id, code, raised_on, decision, decided_on FROM member_flag WHERE member_id IN ({_marks(ids)})",
                tuple(ids),
            )
        }
        attendance: dict[int, list[tuple[date, str]]] = defaultdict(list)
        if lapses:
            for mid, on, status in self.sql(
                "SELECT a.member_id, m.held_on, a.status FROM meeting_attendance a JOIN meeting m ON m.id = a.meeting_id "
                f"WHERE a.member_id IN ({_marks(list(lapses))})",
                tuple(lapses),
            ):
                attendance[mid].append((_d(on), status))
        org_of = {
            mid: (oid, path)
            for mid, oid, path in self.sql(
                f"SELECT id, org_id, org_path FROM member WHERE id IN ({_marks(ids)})", tuple(ids)
            )
        }
        out: list[tuple[Alert, int, int, tuple[str, ...]]] = []
        for mid, (dues, work) in sorted(lapses.items()):
            a = life.r_mem_01(attendance.get(mid, []), dues, work, today, settings)
            if a and (mid, a.extra["flag"], date.fromisoformat(a.extra["raisedOn"])) not in decided:
                out.append((a, org_of[mid][0], mid, (org_of[mid][1],)))
        for mid, lost_on in lost:
            suspensions = [
                on for (m, code, _), (decision, on) in decided.items()
                if m == mid and code == life.FLAG_SUSPEND and decision == "suspend" and on >= _d(lost_on)
            ]  # fmt: skip
            a = life.r_mem_02(
                _d(lost_on), min(suspensions) if suspensions else None, today, settings
            )
            if a and (mid, a.extra["flag"], date.fromisoformat(a.extra["raisedOn"])) not in decided:
                out.append((a, org_of[mid][0], mid, (org_of[mid][1],)))
        return out

    # -- evaluations ---------------------------------------------------------------------------

    def evaluation_area(self) -> list[tuple[str, str, date | None, tuple[str, ...]]]:
        today, s = self.today, self.eval
        out: list[tuple[str, str, date | None, tuple[str, ...]]] = []
        for year, name, path in self.sql(
            "SELECT r.year, o.name, o.path FROM evaluation_round r JOIN organization o ON o.id = r.org_id "
            f"WHERE {self.range('r.org_path')} AND r.status = 'open' ORDER BY r.year, r.org_path",
            (self.path, self.bound),
        ):
            a = ev.round_alert(year, False, today, s)
            if a is not None:
                out.append((a.code, f"{name}：{a.message_zh}", a.due_on, (path,)))
        for kind, due, mname, path in self.sql(
            "SELECT cp.kind, cp.due_on, m.name, o.path FROM cadre_trial_checkpoint cp "
            "JOIN cadre_appointment ap ON ap.id = cp.appointment_id JOIN member m ON m.id = ap.member_id "
            "JOIN organization o ON o.id = ap.org_id "
            f"WHERE {self.range('cp.org_path')} AND cp.done_on IS NULL AND cp.due_on < ? AND ap.status != 'ended' "
            "ORDER BY cp.due_on, cp.id",
            (self.path, self.bound, today),
        ):
            for a in ev.checkpoint_alerts(
                [ev.CheckpointState(ev.Checkpoint(kind), _d(due))], today, s
            ):
                out.append((a.code, f"{mname}：{a.message_zh}", a.due_on, (path,)))
        labels = {
            "warning_talk": ("R-EVAL-03", "警示谈话"),
            "correction": ("R-EVAL-02", "限期改正"),
            "cadre_warning": ("R-CAD-02", "干部警示整改"),
        }
        for kind, due, mname, path in self.sql(
            "SELECT f.kind, f.due_on, m.name, f.org_path FROM evaluation_follow_up f JOIN member m ON m.id = f.member_id "
            f"WHERE {self.range('f.org_path')} AND f.done_on IS NULL AND f.due_on < ? ORDER BY f.due_on, f.id",
            (self.path, self.bound, today),
        ):
            code, zh = labels[kind]
            out.append((code, f"{mname}：{zh}已逾期（应于 {_d(due)}）", _d(due), (path,)))
        for kind, code, member_id, mname, oname, path in self.sql(
            "SELECT f.kind, f.code, f.member_id, m.name, o.name, coalesce(o.path, f.org_path) FROM evaluation_flag f "
            "LEFT JOIN member m ON m.id = f.member_id LEFT JOIN organization o ON o.id = f.org_id "
            f"WHERE {self.range('f.org_path')} AND f.resolved_on IS NULL ORDER BY f.raised_on, f.id",
            (self.path, self.bound),
        ):
            zh, _ = ev.FLAG_LABELS[ev.FlagKind(kind)]
            who = (mname if member_id is not None else oname) or ""
            out.append((code, f"{who}：{zh}，待处理", None, (path,)))
        return out

    # -- assistance ----------------------------------------------------------------------------

    def assistance_area(self) -> list[tuple[str, str, date | None, tuple[str, ...]]]:
        today, settings = self.today, self.aid
        out: list[tuple[str, str, date | None, tuple[str, ...]]] = []
        for filed, last, path in self.sql(
            "SELECT c.filed_on, c.last_review_on, c.org_path FROM assistance_case c JOIN member m ON m.id = c.member_id "
            f"WHERE {self.range('c.org_path')} AND c.status = 'helping' AND c.review_due_on < ? ORDER BY c.review_due_on, c.id",
            (self.path, self.bound, today),
        ):
            a = aid.review_alert(_d(filed), _d(last), today, settings)
            if a:
                out.append((a.code, a.message_zh, a.due_on, (path,)))
        loans = self.sql(
            "SELECT l.id, l.schedule, l.org_path FROM assistance_loan l JOIN member m ON m.id = l.member_id "
            f"WHERE {self.range('l.org_path')} AND l.status = 'active' ORDER BY l.lent_on, l.id",
            (self.path, self.bound),
        )
        paid: dict[int, list[tuple[date, int]]] = defaultdict(list)
        if loans:
            ids = [lid for lid, _, _ in loans]
            for lid, on, amount in self.sql(
                f'SELECT loan_id, "on", amount_fen FROM assistance_repayment WHERE loan_id IN ({_marks(ids)})',
                tuple(ids),
            ):
                paid[lid].append((_d(on), amount))
        for lid, schedule, path in loans:
            plan = [
                aid.Installment(int(i["n"]), date.fromisoformat(i["due_on"]), int(i["amount_fen"]))
                for i in _json(schedule)
            ]
            a = aid.loan_alert(aid.loan_state(plan, paid[lid], today))
            if a:
                out.append((a.code, a.message_zh, a.due_on, (path,)))
        for due, kept, helped, agency in self.sql(
            "SELECT pr.due_on, pr.kept_on, p.org_path, p.agency_org_path FROM assistance_promise pr JOIN assistance_pairing p ON p.id = pr.pairing_id "
            f"WHERE (({self.range('p.org_path')}) OR ({self.range('p.agency_org_path')})) AND pr.kept_on IS NULL AND pr.due_on < ? "
            "ORDER BY pr.due_on, pr.id",
            (self.path, self.bound, self.path, self.bound, today),
        ):
            a = aid.promise_alert(_d(due), _d(kept), today)
            if a:
                out.append((a.code, a.message_zh, a.due_on, (helped, agency)))
        return out

    # -- all ------------------------------------------------------------------------------------

    def rows(self, *, with_paths: bool = False) -> list[tuple[Any, ...]]:
        """(code, message, due) in the API's order; with the path(s) of what each alert is
        about as a fourth element when asked (the dashboard buckets alerts by child with them)."""
        merged: list[tuple[Any, ...]] = [
            (a.code, a.message_zh, a.due_on, paths) for a, _, _, paths in self.pipeline_area()
        ]
        merged += [(a.code, a.message_zh, a.due_on, paths) for a, _, _, paths in self.life_area()]
        merged += self.evaluation_area()
        merged += self.assistance_area()
        merged.sort(key=lambda t: (t[2] or date.max, t[0]))
        return merged if with_paths else [t[:3] for t in merged]

    def json(self) -> str:
        rows = [
            {"code": c, "message": m, "dueOn": d.isoformat() if d else None}
            for c, m, d in self.rows()
        ]
        return json.dumps({"allAlerts": rows}, ensure_ascii=False)


FLOOR_STATEMENTS = 17  # 2 pipeline, 6 branch life (+3 member flags when any), 4 evaluation, 3 assistance (+1 repayments)


def measure_alerts(bench: Bench, anchor: Anchor) -> OpResult:
    viewer = anchor.viewer

    def op(i: int) -> str:
        return bench.gql(ALERTS, {"under": anchor.gid}, viewer)

    def floor(i: int) -> str:
        return AlertsFloor(bench, anchor.org_id, anchor.path).json()

    count = len(json.loads(op(0))["allAlerts"])
    return bench.measure(
        "alerts",
        f"(4) allAlerts(under:) of {anchor.username}'s organisation: the four areas merged ({count} alerts)",
        op,
        floor,
        floor_statements=FLOOR_STATEMENTS,
        note=f"{count} alerts",
    )
