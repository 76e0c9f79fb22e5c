"""The benchmark harness at tiny scale: the generator's counts and invariants (the people,
and the candidates, evaluations and assistance built in bulk obeying the same rules the
services apply), the API reading them on both databases, every floor answering what its
GraphQL operation answers, and `bench run` producing its table and JSON with every operation
(no timing checks)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel
from stdnum.cn import ric
from strawberry.relay import GlobalID

import partygraph.models  # noqa: F401 - registers every table
from partygraph.config import Settings
from partygraph.db import make_engine
from partygraph.db.migrate import upgrade
from partygraph.services.member import name_keys
from partygraph_bench.generate import SCALES, generate
from partygraph_bench.run import Bench, Report, guess_scale

TODAY = date(2026, 11, 1)
OPERATIONS = {
    "stats",
    "stats_cached",
    "member_counts",
    "member_list",
    "nested",
    "alerts",
    "register_member",
    "pipeline_step",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'tiny.db'}"
    # Migrated, not create_all: `partygraph serve` (the HTTP load test) refuses a database
    # whose schema revision is not the newest.
    upgrade(url)
    engine = make_engine(url)
    generate(engine, "tiny", seed=7, today=TODAY)
    return url, engine


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql)).all()]


def test_tree_shape_and_paths(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    spec = SCALES["tiny"]
    kinds = Counter(dict(rows(engine, "SELECT kind, count(*) FROM organization GROUP BY kind")))
    assert kinds["county"] == 1
    assert kinds["committee"] == spec.townships[0] + 1  # townships + the organs' working committee
    villages = rows(engine, "SELECT count(*) FROM organization WHERE branch_type = 'village'")[0][0]
    assert villages == spec.townships[0] * spec.villages[0]
    assert 2 * villages <= kinds["group"] <= 4 * villages
    # Every path is the parent's path plus the organisation's own segment.
    bad = rows(
        engine,
        "SELECT c.id FROM organization c JOIN organization p ON p.id = c.parent_id "
        "WHERE c.path != p.path || substr('00000000' || c.id, -8) || '.' OR c.depth != p.depth + 1",
    )
    assert bad == []
    codes = rows(engine, "SELECT count(DISTINCT code), count(*) FROM organization")[0]
    assert codes[0] == codes[1]


def test_members_counts_and_spreads(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    total = rows(engine, "SELECT count(*) FROM member")[0][0]
    assert (
        abs(total - SCALES["tiny"].members_per_county) <= 0.05 * SCALES["tiny"].members_per_county
    )
    assert rows(engine, "SELECT max(id) FROM member")[0][0] == total  # ids dense from 1
    # Members sit where their path says, in member-holding organisations only.
    assert (
        rows(
            engine,
            "SELECT count(*) FROM member m JOIN organization o ON o.id = m.org_id WHERE o.path != m.org_path",
        )[0][0]
        == 0
    )
    holding = {
        k
        for (k,) in rows(
            engine, "SELECT DISTINCT o.kind FROM member m JOIN organization o ON o.id = m.org_id"
        )
    }
    assert holding <= {"branch", "group"}
    status = Counter(dict(rows(engine, "SELECT status, count(*) FROM member GROUP BY status")))
    assert status["full"] > 0.8 * total and status["probationary"] > 0
    gender = Counter(dict(rows(engine, "SELECT gender, count(*) FROM member GROUP BY gender")))
    assert 0.4 * total < gender["male"] < 0.9 * total
    assert len(rows(engine, "SELECT DISTINCT education FROM member")) >= 4
    # Pinyin keys are exactly what the write path computes.
    for name, pinyin, initials in rows(
        engine, "SELECT name, name_pinyin, name_initials FROM member LIMIT 50"
    ):
        assert (pinyin, initials) == name_keys(name)
    # ID numbers: valid, unique, agreeing with birth date and gender.
    ids = rows(
        engine, "SELECT id_number, birth_date, gender FROM member WHERE id_number IS NOT NULL"
    )
    assert len(ids) > 0.8 * total
    assert len({i for i, _, _ in ids}) == len(ids)
    for number, birth, gender in ids[:100]:
        assert ric.validate(number) == number
        assert str(ric.get_birth_date(number)) == birth
        assert (int(number[16]) % 2 == 1) == (gender == "male")
    # Dates obey R-DEV-01 (18 at joining) and are not in the future.
    assert (
        rows(
            engine,
            "SELECT count(*) FROM member WHERE joined_on < date(birth_date, '+18 years') OR joined_on > '2026-11-01'",
        )[0][0]
        == 0
    )


def test_positions_and_accounts(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    # One secretary per branch (its members may sit in its party groups), none twice.
    assert (
        rows(
            engine,
            "SELECT org_id FROM position WHERE kind = 'secretary' GROUP BY org_id HAVING count(*) > 1",
        )
        == []
    )
    branches = rows(engine, "SELECT count(*) FROM organization WHERE kind = 'branch'")[0][0]
    secretaries = rows(
        engine,
        "SELECT count(*) FROM position p JOIN organization o ON o.id = p.org_id WHERE p.kind = 'secretary' AND o.kind = 'branch'",
    )[0][0]
    assert secretaries == branches
    assert rows(engine, "SELECT count(*) FROM position WHERE kind = 'group_leader'")[0][0] > 0
    # Post holders are full members.
    assert (
        rows(
            engine,
            "SELECT count(*) FROM position p JOIN member m ON m.id = p.member_id WHERE m.status != 'full'",
        )[0][0]
        == 0
    )
    users = {u for (u,) in rows(engine, "SELECT username FROM account")}
    assert {
        "bench-county",
        "bench-township",
        "bench-village",
        "bench-group",
        "bench-viewer",
    } <= users


def test_generate_refuses_a_non_empty_database(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    with pytest.raises(ValueError, match="empty"):
        generate(engine, "tiny")


def test_run_measures_every_operation_and_the_floor_returns_the_same_data(
    tiny: tuple[str, Engine],
) -> None:
    url, engine = tiny
    settings = Settings(database_url=url, secret_key="test")
    bench = Bench(engine, settings, iterations=3, warmup=1, today=TODAY)
    try:
        county, township = bench.anchors["county"], bench.anchors["township"]
        # The floors answer what the GraphQL operations answer.
        from partygraph_bench.run import COUNTS, MEMBER_LIST, NESTED

        phone, id_number, name = rows(
            engine,
            "SELECT phone, id_number, name FROM member WHERE phone IS NOT NULL AND id_number IS NOT NULL AND status = 'full' LIMIT 1",
        )[0]
        for search in ("zhang", "li", "w", "ZH", "zs", phone, id_number.lower(), name[-1]):
            api = json.loads(
                bench.gql(MEMBER_LIST, {"under": county.gid, "search": search}, county.viewer)
            )["members"]
            floor = json.loads(bench._member_list_floor(county.path, search))["members"]
            assert api["totalCount"] == floor["totalCount"], search
            assert [int(GlobalID.from_id(n["id"]).node_id) for n in api["nodes"]] == [
                n["id"] for n in floor["nodes"]
            ]
            assert [n["organization"]["name"] for n in api["nodes"]] == [
                n["organization"]["name"] for n in floor["nodes"]
            ]
        assert_floors_answer_like_the_api(bench)
        results = {r.name: r for r in bench.run_all()}
        assert set(results) == OPERATIONS
        for r in results.values():
            assert r.p50_ms > 0 and r.p95_ms >= r.p50_ms and r.statements > 0
            assert r.floor_p50_ms is not None and r.ratio is not None
        # Register cleaned up after itself.
        assert rows(engine, "SELECT count(*) FROM member WHERE name = '测试党员'")[0][0] == 0
        nested = json.loads(bench.gql(NESTED, {"id": township.gid}, township.viewer))[
            "organization"
        ]
        counts = json.loads(bench.gql(COUNTS, {"id": county.gid}, county.viewer))["organization"]
    finally:
        bench.close()
    assert nested["children"] and all(
        c["members"]["totalCount"] >= len(c["members"]["nodes"]) for c in nested["children"]
    )
    assert counts["memberCounts"]["total"] == sum(
        c["memberCounts"]["total"] for c in counts["children"]
    )


def test_bench_run_cli_writes_table_and_json(tiny: tuple[str, Engine], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from partygraph.cli import app

    url, _ = tiny
    out = tmp_path / "tiny.json"
    result = CliRunner().invoke(
        app,
        ["bench", "run", "--iterations", "2", "--no-http", "--json", str(out)],
        env={"PARTYGRAPH_DATABASE_URL": url, "PARTYGRAPH_SECRET_KEY": "test"},
    )
    assert result.exit_code == 0, result.output
    for name in OPERATIONS:
        assert name in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scale"] == "tiny" and data["database"] == "sqlite"
    assert {op["name"] for op in data["operations"]} == OPERATIONS
    for op in data["operations"]:
        assert {"p50_ms", "p95_ms", "statements", "floor_p50_ms", "ratio"} <= set(op)
    assert guess_scale(data["counts"]) == "tiny"
    assert Report  # the JSON is Report.as_json()


def test_http_load_loop_counts_requests(tiny: tuple[str, Engine]) -> None:
    """The bounded load loop and its keep-alive client against a real `partygraph serve`."""
    from partygraph.db import make_session_factory
    from partygraph.services.account import create_token
    from partygraph_bench.http_load import TYPENAME, Connection, load, server

    url, engine = tiny
    with make_session_factory(engine)() as s:
        token = create_token(s, "bench-county")
        s.commit()
    body = orjson.dumps({"query": TYPENAME})

    async def typename(c: Connection, i: int) -> tuple[int, bytes]:
        return await c.request("POST", "/graphql", body)

    async def missing(c: Connection, i: int) -> tuple[int, bytes]:
        return await c.request("GET", "/no-such-page")

    with server(url, 1) as base:
        stats = asyncio.run(load(base, {"Authorization": f"Bearer {token}"}, typename, clients=4, max_requests=30, max_seconds=30, warmup=2))
        assert stats["requests"] == 30 and stats["errors"] == 0 and stats["rps"] > 0
        bad = asyncio.run(load(base, {}, typename, clients=2, max_requests=10, max_seconds=30, warmup=0))
        assert bad["errors"] == 10  # no token: 401, counted
        gone = asyncio.run(load(base, {}, missing, clients=2, max_requests=6, max_seconds=30, warmup=0))
        assert gone["errors"] == 6


def test_generate_and_run_on_each_database(db: Engine) -> None:
    """The bulk paths of both databases (COPY and index rebuild on PostgreSQL), the sequences
    moved past the generated ids (a registration after the load gets a fresh id), and the
    floors' SQL on each dialect."""
    generate(db, "tiny", seed=3, today=TODAY)
    with db.connect() as c:
        members = c.execute(text("SELECT count(*) FROM member")).scalar_one()
        orgs = c.execute(text("SELECT count(*) FROM organization")).scalar_one()
    assert members > 350 and orgs > 30
    url = db.url.render_as_string(hide_password=False)
    with db.connect() as c:
        steps = c.execute(text("SELECT count(*) FROM candidate_step")).scalar_one()
        candidate = c.execute(
            text(
                "SELECT id, version, last_step_on FROM candidate WHERE stage = 'activist' ORDER BY id LIMIT 1"
            )
        ).one()
    bench = Bench(
        db, Settings(database_url=url, secret_key="test"), iterations=2, warmup=1, today=TODAY
    )
    try:
        read_everything_through_the_api(bench)
        assert_floors_answer_like_the_api(bench)
        results = {r.name: r for r in bench.run_all()}
    finally:
        bench.close()
    assert set(results) == OPERATIONS
    with db.connect() as c:
        assert c.execute(text("SELECT count(*) FROM member")).scalar_one() == members
        assert c.execute(text("SELECT count(*) FROM member_event")).scalar_one() == 0
        # the pipeline step was undone after every run
        assert c.execute(text("SELECT count(*) FROM candidate_step")).scalar_one() == steps
        assert tuple(
            c.execute(
                text(f"SELECT id, version, last_step_on FROM candidate WHERE id = {candidate[0]}")
            ).one()
        ) == tuple(candidate)
        assert (
            c.execute(
                text("SELECT count(*) FROM audit_event WHERE object_type = 'Candidate'")
            ).scalar_one()
            == 0
        )


def test_generate_cli_prints_the_logins(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from partygraph.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    SQLModel.metadata.create_all(make_engine(url))
    result = CliRunner().invoke(
        app,
        ["bench", "generate", "--scale", "tiny", "--no-upgrade", "--seed", "5"],
        env={"PARTYGRAPH_DATABASE_URL": url, "PARTYGRAPH_SECRET_KEY": "test"},
    )
    assert result.exit_code == 0, result.output
    assert "bench-county / partygraph-bench" in result.output
    again = CliRunner().invoke(
        app,
        ["bench", "generate", "--scale", "tiny", "--no-upgrade"],
        env={"PARTYGRAPH_DATABASE_URL": url, "PARTYGRAPH_SECRET_KEY": "test"},
    )
    assert again.exit_code != 0


# --- candidates, evaluations, assistance -----------------------------------------------------------


def _d(value: object) -> date | None:
    return (
        value if value is None or isinstance(value, date) else date.fromisoformat(str(value)[:10])
    )


def _j(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def test_generated_tables_have_every_column() -> None:
    """The generators' column lists are the models' columns (a new NOT NULL column would
    otherwise break the load, a new nullable one silently stay empty)."""
    from partygraph_bench import gen_assistance as ga
    from partygraph_bench import gen_candidates as gc
    from partygraph_bench import gen_evaluations as ge

    tables = {
        "candidate": gc.CANDIDATE_COLUMNS, "candidate_step": gc.STEP_COLUMNS,
        "evaluation_round": ge.ROUND_COLUMNS, "evaluation_subject": ge.SUBJECT_COLUMNS,
        "evaluation_source_result": ge.SOURCE_COLUMNS, "evaluation_outcome": ge.OUTCOME_COLUMNS,
        "evaluation_follow_up": ge.FOLLOW_UP_COLUMNS, "assistance_fund": ga.FUND_COLUMNS, "assistance_case": ga.CASE_COLUMNS,
        "assistance_case_step": ga.CASE_STEP_COLUMNS, "assistance_loan": ga.LOAN_COLUMNS, "assistance_help": ga.HELP_COLUMNS,
        "assistance_repayment": ga.REPAYMENT_COLUMNS, "assistance_fund_entry": ga.FUND_ENTRY_COLUMNS,
    }  # fmt: skip
    for name, columns in tables.items():
        assert set(columns) == {c.name for c in SQLModel.metadata.tables[name].columns}, name


def test_candidates_follow_the_pipeline_rules(tiny: tuple[str, Engine]) -> None:
    from partygraph.rules.candidate import Step, StepRecord, check_step, membership_dates, stage_of

    _, engine = tiny
    files: dict[int, list[StepRecord]] = {}
    for cid, step, on, outcome, data in rows(
        engine,
        'SELECT candidate_id, step, "on", outcome, data FROM candidate_step ORDER BY candidate_id, id',
    ):
        files.setdefault(cid, []).append(StepRecord(Step(step), _d(on), outcome, _j(data)))  # type: ignore[arg-type]
    candidates = rows(
        engine,
        "SELECT id, birth_date, stage, member_id, applied_on, last_step_on, version, org_id FROM candidate",
    )
    stages = Counter(c[2] for c in candidates)
    assert {"applicant", "activist", "target", "probationary", "full"} <= set(stages)
    assert 2 * stages["activist"] <= stages["applicant"] <= 3.5 * stages["activist"]
    for cid, birth, stage, member_id, applied, last, version, _org in candidates:
        history: list[StepRecord] = []
        for record in files[cid]:  # every step is one the rules accept after the ones before it
            problem = check_step(history, record, birth_date=_d(birth), today=TODAY)  # type: ignore[arg-type]
            assert problem is None, (cid, record, problem)
            history.append(record)
        assert stage_of(history).value == stage
        assert (version, _d(applied), _d(last)) == (len(history), history[0].on, history[-1].on)
        assert (member_id is not None) == (stage in ("probationary", "full", "cancelled"))
        if stage in ("probationary", "full"):
            joined, converted = membership_dates(history)
            member = rows(
                engine, f"SELECT status, joined_on, converted_on FROM member WHERE id = {member_id}"
            )[0]
            assert (member[0], _d(member[1])) == (stage, joined)
            assert stage == "probationary" or _d(member[2]) == converted
    # every probationary member on the roster came through a file
    assert (
        rows(
            engine,
            "SELECT count(*) FROM member WHERE status = 'probationary' AND id NOT IN (SELECT member_id FROM candidate WHERE member_id IS NOT NULL)",
        )[0][0]
        <= 1
    )
    # only branches keep files
    assert {
        k
        for (k,) in rows(
            engine, "SELECT DISTINCT o.kind FROM candidate c JOIN organization o ON o.id = c.org_id"
        )
    } == {"branch"}


def test_evaluation_rounds_of_last_year(tiny: tuple[str, Engine]) -> None:
    from partygraph.rules.evaluation import Decision, Grade, SubjectState, close_blockers

    _, engine = tiny
    rounds = rows(engine, "SELECT id, org_id, year, status, opened_on FROM evaluation_round")
    branches = rows(engine, "SELECT count(DISTINCT org_id) FROM evaluation_round")[0][0]
    assert len(rounds) == branches and {r[2] for r in rounds} == {TODAY.year - 1}
    for rid, org_id, _year, status, opened in rounds:
        subjects = rows(
            engine,
            "SELECT s.member_id, s.member_name, o.grade, o.decision FROM evaluation_subject s "
            f"LEFT JOIN evaluation_outcome o ON o.subject_id = s.id WHERE s.round_id = {rid}",
        )
        roster = rows(
            engine,
            "SELECT m.id FROM member m JOIN organization b ON m.org_path >= b.path AND m.org_path < substr(b.path, 1, length(b.path) - 1) || '/' "
            f"WHERE b.id = {org_id} AND m.status IN ('full', 'probationary') AND m.joined_on <= '{_d(opened)}'",
        )
        assert sorted(s[0] for s in subjects) == sorted(m for (m,) in roster)
        blockers = close_blockers(
            [
                SubjectState(m, n, Grade(g) if g else None, Decision(d) if d else None)
                for m, n, g, d in subjects
            ]
        )
        assert (status == "closed") == (not blockers)
        sources = rows(
            engine, f"SELECT count(*) FROM evaluation_source_result WHERE round_id = {rid}"
        )[0][0]
        assert sources == 3 * sum(1 for s in subjects if s[2])
    grades = Counter(g for (g,) in rows(engine, "SELECT grade FROM evaluation_outcome"))
    assert grades["qualified"] > 0.6 * sum(grades.values()) and grades["excellent"] > 0
    talks = rows(engine, "SELECT count(*) FROM evaluation_follow_up WHERE kind = 'warning_talk'")[
        0
    ][0]
    assert talks == grades["basically_qualified"]


def test_assistance_cases_funds_and_loans(tiny: tuple[str, Engine]) -> None:
    from partygraph.rules import assistance as aid

    _, engine = tiny
    # one open case per member in difficulty on the roster, none for the others
    flagged = {
        m
        for (m,) in rows(
            engine,
            "SELECT id FROM member WHERE in_difficulty = 1 AND status IN ('full', 'probationary')",
        )
    }
    open_cases = {
        m
        for (m,) in rows(
            engine,
            "SELECT member_id FROM assistance_case WHERE status NOT IN ('closed', 'refused')",
        )
    }
    assert flagged == open_cases and flagged
    # every workflow step is one the rules accept, in order
    for cid, status, standard, income, family in rows(
        engine,
        "SELECT id, status, standard, yearly_income_fen, family_members FROM assistance_case",
    ):
        state, last, notice_end = aid.CaseStatus.applied, None, None
        for kind, on, record, reason, outcome, data in rows(
            engine,
            f'SELECT kind, "on", record, reason, outcome, data FROM assistance_case_step WHERE case_id = {cid} ORDER BY id',
        ):
            data = _j(data)
            if kind == "apply":
                last = _d(on)
                continue
            facts = aid.CaseFacts(
                state, last, notice_end, aid.Standard(standard), None, income, 1 + len(_j(family))
            )  # type: ignore[arg-type]
            evidence = aid.StepEvidence(_d(on), record, _d(data.get("notice_starts_on")), _d(data.get("notice_ends_on")),  # type: ignore[arg-type,union-attr]
                                        data.get("objections"), data.get("objection_resolution"), reason,  # type: ignore[union-attr]
                                        aid.ReviewOutcome(outcome) if outcome else None)  # fmt: skip
            assert aid.check_step(facts, aid.CaseStepKind(kind), evidence, TODAY) is None, (
                cid,
                kind,
            )
            state, last = aid.status_after(aid.CaseStepKind(kind), evidence), _d(on)
            notice_end = evidence.notice_ends_on if kind == "notice" else notice_end
        assert state.value == status
    # each fund's book adds up, in date order, never below zero
    funds = rows(engine, "SELECT id, balance_fen FROM assistance_fund")
    assert len(funds) == 1 + SCALES["tiny"].townships[0]
    for fid, balance in funds:
        running, last = 0, date.min
        for direction, amount, after, on in rows(
            engine,
            f'SELECT direction, amount_fen, balance_after_fen, "on" FROM assistance_fund_entry WHERE fund_id = {fid} ORDER BY id',
        ):
            running += amount if direction == "in" else -amount
            assert running == after >= 0 and _d(on) >= last  # type: ignore[operator]
            last = _d(on)  # type: ignore[assignment]
        assert running == balance
    # loans agree with their repayments
    for lid, sched, repaid, status in rows(
        engine, "SELECT id, schedule, repaid_fen, status FROM assistance_loan"
    ):
        plan = [
            aid.Installment(i["n"], date.fromisoformat(i["due_on"]), i["amount_fen"])
            for i in _j(sched)
        ]  # type: ignore[union-attr]
        paid = [
            (_d(on), a)
            for on, a in rows(
                engine, f'SELECT "on", amount_fen FROM assistance_repayment WHERE loan_id = {lid}'
            )
        ]
        state = aid.loan_state(plan, paid, TODAY)  # type: ignore[arg-type]
        assert state.repaid_fen == repaid and (state.status.value == "repaid") == (
            status == "repaid"
        )


def test_the_roster_rollup_is_rebuilt_after_the_load(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    root = rows(engine, "SELECT id FROM organization WHERE parent_id IS NULL")[0][0]
    on_roster = rows(
        engine, "SELECT count(*) FROM member WHERE status IN ('full', 'probationary')"
    )[0][0]
    assert rows(
        engine,
        f"SELECT n FROM member_tally WHERE org_id = {root} AND dim = 'roster' AND value = 'total'",
    ) == [(on_roster,)]


READ_ALL = """
query BenchReadAll($under: ID!) {
  candidates(filter: {under: $under}, first: 100) {
    totalCount
    nodes {
      id stage stageLabel recommendation appliedOn lastStepOn probationEndsOn age
      member { id status joinedOn }
      organization { name }
      timeline { step on outcome data label }
      nextSteps { step earliest due overdue label }
      alerts { code message dueOn }
    }
  }
  evaluationRounds(first: 100) {
    totalCount
    nodes { year status progress { concluded total } closeBlockers { code } distribution
            subjects { memberName outcome { grade } sources { source } followUps { kind dueOn doneOn } } }
  }
  assistanceCases(filter: {under: $under}, first: 100) {
    totalCount
    nodes { status statusLabel reviewOverdue reviewDueOn timeline { kind on toStatus } help { kind amountFen fund { name } } loans { status } }
  }
  funds { name balanceFen bookBalanceFen balanced totals { kind count totalFen } }
  loans(first: 100) { nodes { status overdueFen nextDueOn schedule { dueOn paidFen overdue } repayments { on } } }
  allAlerts(under: $under) { code message dueOn }
}
"""


def read_everything_through_the_api(bench: Bench) -> None:
    """The county account reads every generated file, round, case, fund and loan without an error."""
    county = bench.anchors["county"]
    data = json.loads(bench.gql(READ_ALL, {"under": county.gid}, county.viewer))
    candidates = data["candidates"]
    assert candidates["totalCount"] >= len(candidates["nodes"]) > 50
    by_stage = Counter(c["stage"] for c in candidates["nodes"])
    assert by_stage["applicant"] and by_stage["activist"] and by_stage["probationary"]
    for c in candidates["nodes"]:
        assert c["timeline"] and c["timeline"][0]["step"] == "application"
        if c["stage"] in ("applicant", "activist", "target", "probationary"):
            assert c["nextSteps"], c
        assert (c["member"] is not None) == (c["stage"] in ("probationary", "full", "cancelled"))
    assert data["evaluationRounds"]["totalCount"] > 5
    assert all(
        r["closeBlockers"] == []
        for r in data["evaluationRounds"]["nodes"]
        if r["status"] == "closed"
    )
    assert data["assistanceCases"]["totalCount"] > 5
    assert data["funds"] and all(
        f["balanced"] and f["balanceFen"] == f["bookBalanceFen"] for f in data["funds"]
    )
    assert Counter(a["code"] for a in data["allAlerts"])["A-STALLED"] > 0


def assert_floors_answer_like_the_api(bench: Bench) -> None:
    from partygraph.reports import cache
    from partygraph_bench.op_alerts import ALERTS, AlertsFloor
    from partygraph_bench.op_stats import DASHBOARD, StatsFloor, dashboard_variables

    county, township = bench.anchors["county"], bench.anchors["township"]
    for anchor in (township, county):
        api = json.loads(bench.gql(ALERTS, {"under": anchor.gid}, anchor.viewer))["allAlerts"]
        assert (
            api
            and api
            == json.loads(AlertsFloor(bench, anchor.org_id, anchor.path).json())["allAlerts"]
        )
    cache.bump()
    api = json.loads(bench.gql(DASHBOARD, dashboard_variables(county.gid), county.viewer))["stats"]
    floor = json.loads(StatsFloor(bench, county.org_id, county.path).json())["stats"]
    for name in ("from", "to", "membersTotal", "figures", "byGender", "byAgeBand", "byEducation", "population", "candidatesByStage",
                 "flows", "newMembers", "evaluationOutcomes", "casesByCause", "alerts"):  # fmt: skip
        assert api[name] == floor[name], name
    bare = json.loads(
        bench.gql(DASHBOARD, dashboard_variables(county.gid, alerts=False), county.viewer)
    )["stats"]
    bare_floor = json.loads(StatsFloor(bench, county.org_id, county.path, alerts=False).json())[
        "stats"
    ]
    assert "alerts" not in bare and "alerts" not in bare_floor
    assert [c["stats"]["membersTotal"] for c in bare["byChild"]] == [
        c["stats"]["membersTotal"] for c in bare_floor["byChild"]
    ]
    assert (api["funds"]["balanceFen"], api["loans"]["outstandingCount"]) == (
        floor["funds"]["balance_fen"],
        floor["loans"]["outstanding_count"],
    )
    assert [m["applied"] for m in api["monthly"]] == [m["applied"] for m in floor["monthly"]]
    assert len(api["byChild"]) == len(floor["byChild"])
    for a, f in zip(api["byChild"], floor["byChild"], strict=True):
        assert (a["name"], a["stats"]["membersTotal"], a["stats"]["alerts"]) == (
            f["name"],
            f["stats"]["membersTotal"],
            f["stats"]["alerts"],
        )
        for name in ("figures", "candidatesByStage", "flows", "newMembers", "openFlags", "casesByStatus"):
            assert a["stats"][name] == f["stats"][name], (a["name"], name)
