"""The benchmark harness at tiny scale on SQLite: the generator's counts and invariants,
and `bench run` producing its table and JSON with every operation (no timing checks)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel
from stdnum.cn import ric
from strawberry.relay import GlobalID

import partygraph.models  # noqa: F401 - registers every table
from partygraph.bench.generate import SCALES, generate
from partygraph.bench.run import Bench, Report, guess_scale
from partygraph.config import Settings
from partygraph.db import make_engine
from partygraph.services.member import name_keys

TODAY = date(2026, 11, 1)
OPERATIONS = {"member_counts", "member_list", "nested", "register_member"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'tiny.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
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
    assert abs(total - SCALES["tiny"].members_per_county) <= 0.05 * SCALES["tiny"].members_per_county
    assert rows(engine, "SELECT max(id) FROM member")[0][0] == total  # ids dense from 1
    # Members sit where their path says, in member-holding organisations only.
    assert rows(engine, "SELECT count(*) FROM member m JOIN organization o ON o.id = m.org_id WHERE o.path != m.org_path")[0][0] == 0
    holding = {k for (k,) in rows(engine, "SELECT DISTINCT o.kind FROM member m JOIN organization o ON o.id = m.org_id")}
    assert holding <= {"branch", "group"}
    status = Counter(dict(rows(engine, "SELECT status, count(*) FROM member GROUP BY status")))
    assert status["full"] > 0.8 * total and status["probationary"] > 0
    gender = Counter(dict(rows(engine, "SELECT gender, count(*) FROM member GROUP BY gender")))
    assert 0.4 * total < gender["male"] < 0.9 * total
    assert len(rows(engine, "SELECT DISTINCT education FROM member")) >= 4
    # Pinyin keys are exactly what the write path computes.
    for name, pinyin, initials in rows(engine, "SELECT name, name_pinyin, name_initials FROM member LIMIT 50"):
        assert (pinyin, initials) == name_keys(name)
    # ID numbers: valid, unique, agreeing with birth date and gender.
    ids = rows(engine, "SELECT id_number, birth_date, gender FROM member WHERE id_number IS NOT NULL")
    assert len(ids) > 0.8 * total
    assert len({i for i, _, _ in ids}) == len(ids)
    for number, birth, gender in ids[:100]:
        assert ric.validate(number) == number
        assert str(ric.get_birth_date(number)) == birth
        assert (int(number[16]) % 2 == 1) == (gender == "male")
    # Dates obey R-DEV-01 (18 at joining) and are not in the future.
    assert rows(engine, "SELECT count(*) FROM member WHERE joined_on < date(birth_date, '+18 years') OR joined_on > '2026-11-01'")[0][0] == 0


def test_positions_and_accounts(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    # One secretary per branch (its members may sit in its party groups), none twice.
    assert rows(engine, "SELECT org_id FROM position WHERE kind = 'secretary' GROUP BY org_id HAVING count(*) > 1") == []
    branches = rows(engine, "SELECT count(*) FROM organization WHERE kind = 'branch'")[0][0]
    secretaries = rows(engine, "SELECT count(*) FROM position p JOIN organization o ON o.id = p.org_id WHERE p.kind = 'secretary' AND o.kind = 'branch'")[0][0]
    assert secretaries == branches
    assert rows(engine, "SELECT count(*) FROM position WHERE kind = 'group_leader'")[0][0] > 0
    # Post holders are full members.
    assert rows(engine, "SELECT count(*) FROM position p JOIN member m ON m.id = p.member_id WHERE m.status != 'full'")[0][0] == 0
    users = {u for (u,) in rows(engine, "SELECT username FROM account")}
    assert {"bench-county", "bench-township", "bench-village", "bench-group", "bench-viewer"} <= users


def test_generate_refuses_a_non_empty_database(tiny: tuple[str, Engine]) -> None:
    _, engine = tiny
    with pytest.raises(ValueError, match="empty"):
        generate(engine, "tiny")


def test_run_measures_every_operation_and_the_floor_returns_the_same_data(tiny: tuple[str, Engine]) -> None:
    url, engine = tiny
    settings = Settings(database_url=url, secret_key="test")
    bench = Bench(engine, settings, iterations=3, warmup=1, today=TODAY)
    try:
        county, township = bench.anchors["county"], bench.anchors["township"]
        # The floors answer what the GraphQL operations answer.
        from partygraph.bench.run import COUNTS, MEMBER_LIST, NESTED

        for search in ("zhang", "li", "w"):
            api = json.loads(bench.gql(MEMBER_LIST, {"under": county.gid, "search": search}, county.viewer))["members"]
            floor = json.loads(bench._member_list_floor(county.path, search))["members"]
            assert api["totalCount"] == floor["totalCount"]
            assert [int(GlobalID.from_id(n["id"]).node_id) for n in api["nodes"]] == [n["id"] for n in floor["nodes"]]
            assert [n["organization"]["name"] for n in api["nodes"]] == [n["organization"]["name"] for n in floor["nodes"]]
        results = {r.name: r for r in bench.run_all()}
        assert set(results) == OPERATIONS
        for r in results.values():
            assert r.p50_ms > 0 and r.p95_ms >= r.p50_ms and r.statements > 0
            assert r.floor_p50_ms is not None and r.ratio is not None
        # Register cleaned up after itself.
        assert rows(engine, "SELECT count(*) FROM member WHERE name = '测试党员'")[0][0] == 0
        nested = json.loads(bench.gql(NESTED, {"id": township.gid}, township.viewer))["organization"]
        counts = json.loads(bench.gql(COUNTS, {"id": county.gid}, county.viewer))["organization"]
    finally:
        bench.close()
    assert nested["children"] and all(c["members"]["totalCount"] >= len(c["members"]["nodes"]) for c in nested["children"])
    assert counts["memberCounts"]["total"] == sum(c["memberCounts"]["total"] for c in counts["children"])


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
    """The bounded load loop, against the app in-process (the real run starts `partygraph serve`)."""
    from partygraph.app import create_app
    from partygraph.bench.http_load import TYPENAME, load
    from partygraph.db import make_session_factory
    from partygraph.services.account import create_token

    url, engine = tiny
    with make_session_factory(engine)() as s:
        token = create_token(s, "bench-county")
        s.commit()
    app = create_app(Settings(database_url=url, secret_key="test"), engine=engine)

    async def go() -> dict:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {token}"}) as c:

            async def typename(client: httpx.AsyncClient, i: int) -> httpx.Response:
                return await client.post("/graphql", json={"query": TYPENAME})

            return await load(c, typename, clients=4, max_requests=30, max_seconds=30, warmup=2)

    stats = asyncio.run(go())
    assert stats["requests"] == 30 and stats["errors"] == 0 and stats["rps"] > 0


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
    bench = Bench(db, Settings(database_url=url, secret_key="test"), iterations=2, warmup=1, today=TODAY)
    try:
        results = {r.name: r for r in bench.run_all({"member_list", "nested", "register_member"})}
    finally:
        bench.close()
    assert set(results) == {"member_list", "nested", "register_member"}
    with db.connect() as c:
        assert c.execute(text("SELECT count(*) FROM member")).scalar_one() == members
        assert c.execute(text("SELECT count(*) FROM member_event")).scalar_one() == 0


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
