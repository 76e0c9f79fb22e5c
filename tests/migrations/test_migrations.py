"""The migration chain against SQLite and PostgreSQL.

Every database test runs twice: on a fresh SQLite file and on a fresh PostgreSQL
database created on the server named by ``PARTYGRAPH_TEST_POSTGRES_URL`` (any
database on that server; the test creates ``pg_mig_<random>`` beside it and drops it
afterwards). Without that variable the PostgreSQL cases are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from pytest_alembic import tests as alembic_suite
from pytest_alembic.config import Config as PytestAlembicConfig
from pytest_alembic.runner import runner as alembic_runner_for
from sqlmodel import SQLModel

import partygraph.models  # noqa: F401
from partygraph.config import Settings
from partygraph.db import migrate, normalise_url
from partygraph.services.organization import path_columns

PG_ENV = "PARTYGRAPH_TEST_POSTGRES_URL"
PG_SKIP_REASON = (
    f"!!! PostgreSQL migration tests SKIPPED: set {PG_ENV} "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them !!!"
)
# Every column that stores an organisation path (the naming convention organisation moves rely on).
PATH_COLUMNS = {(table.name, col.name) for table, col in path_columns()}
# Search keys scanned by prefix range (pinyin, initials) are byte-wise too.
KEY_COLUMNS = {("member", "name_pinyin"), ("member", "name_initials"), ("candidate", "name_pinyin"), ("candidate", "name_initials")}
MODEL_TABLES = set(SQLModel.metadata.tables)


# --------------------------------------------------------------------------- databases


@contextmanager
def fresh_postgres_database(prefix: str = "pg_mig") -> Iterator[str]:
    """Create an empty database on the test server; yield its URL; drop it."""
    raw = os.environ.get(PG_ENV)
    if not raw:
        pytest.skip(PG_SKIP_REASON)
    server = sa.make_url(normalise_url(raw))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )
    try:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.OperationalError as exc:  # same policy as tests/conftest.py
            pytest.skip(f"!!! PostgreSQL at {raw} is not reachable ({exc.__class__.__name__}) !!!")
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def fresh_database(kind: str, directory: Path, prefix: str = "pg_mig") -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'{prefix}_{uuid.uuid4().hex[:8]}.db'}"
    else:
        with fresh_postgres_database(prefix) as url:
            yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def mig_db_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def mig_db_url(mig_db_kind: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(mig_db_kind, tmp_path) as url:
        yield url


@contextmanager
def engine_for(url: str) -> Iterator[sa.Engine]:
    engine = migrate.migration_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    with engine_for(url) as engine:
        return set(sa.inspect(engine).get_table_names())


def schema_snapshot(url: str) -> dict[str, dict[str, object]]:
    """Everything that makes up the schema, constraint names aside.

    Constraint names are left out because the migration names them (pk_/fk_/uq_)
    where ``create_all`` on the unconvention-ed models leaves them to the database;
    column order too, because a column added by a later revision comes last.
    """
    snapshot: dict[str, dict[str, object]] = {}
    with engine_for(url) as engine:
        insp = sa.inspect(engine)
        dialect = engine.dialect
        for table in sorted(insp.get_table_names()):
            if table == "alembic_version":
                continue
            snapshot[table] = {
                "columns": sorted(
                    (
                        c["name"],
                        c["type"].compile(dialect=dialect),
                        c["nullable"],
                        str(c.get("default")),
                    )
                    for c in insp.get_columns(table)
                ),
                "pk": insp.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted(
                    (
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        str(sorted(fk.get("options", {}).items())),
                    )
                    for fk in insp.get_foreign_keys(table)
                ),
                "uniques": sorted(
                    tuple(u["column_names"]) for u in insp.get_unique_constraints(table)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                    if not i.get("duplicates_constraint")
                ),
            }
    return snapshot


def revisions_base_to_head(cfg: object) -> list[str]:
    script = ScriptDirectory.from_config(cfg)  # type: ignore[arg-type]
    return [s.revision for s in reversed(list(script.walk_revisions("base", "heads")))]


# --------------------------------------------------------------------------- no database


def test_single_linear_chain_starting_at_0001() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1, "the revision chain must stay linear"
    revisions = revisions_base_to_head(migrate.alembic_config())
    assert revisions[0] == "0001"
    assert revisions == [f"{i:04d}" for i in range(1, len(revisions) + 1)]
    for rev in script.walk_revisions():
        assert not rev.is_merge_point and not rev.is_branch_point


def test_config_escapes_percent_and_normalises_url() -> None:
    cfg = migrate.alembic_config("postgres://user:p%40ss@db.example:5432/party")
    assert cfg.get_main_option("sqlalchemy.url") == (
        "postgresql+psycopg://user:p%40ss@db.example:5432/party"
    )
    assert Path(cfg.get_main_option("script_location")) == Settings().migrations_dir


def test_offline_sql_for_postgresql_keeps_c_collation(capsys: pytest.CaptureFixture[str]) -> None:
    command.upgrade(
        migrate.alembic_config("postgresql+psycopg://nobody@localhost/none"), "head", sql=True
    )
    sql = capsys.readouterr().out
    assert sql.count('VARCHAR(255) COLLATE "C"') == len(PATH_COLUMNS)
    assert "CREATE TABLE organization" in sql


# --------------------------------------------------------------------------- both databases


def test_upgrade_from_empty_to_head(mig_db_url: str) -> None:
    assert migrate.current(mig_db_url) is None
    migrate.upgrade(mig_db_url)
    assert migrate.current(mig_db_url) == migrate.head()
    assert table_names(mig_db_url) == MODEL_TABLES | {"alembic_version"}


def test_head_matches_models_no_drift(mig_db_url: str) -> None:
    migrate.upgrade(mig_db_url)
    assert migrate.check_drift(mig_db_url) == []


def test_head_schema_equals_create_all(mig_db_kind: str, mig_db_url: str, tmp_path: Path) -> None:
    """Stronger than autogenerate: reflect both schemas and compare them whole."""
    migrate.upgrade(mig_db_url)
    with fresh_database(mig_db_kind, tmp_path, prefix="pg_mig_ref") as reference:
        with engine_for(reference) as engine:
            SQLModel.metadata.create_all(engine)
        expected = schema_snapshot(reference)
    got = schema_snapshot(mig_db_url)
    assert got.keys() == expected.keys()
    for table in expected:
        assert got[table] == expected[table], table


def test_check_drift_reports_differences(mig_db_url: str) -> None:
    migrate.upgrade(mig_db_url)
    with engine_for(mig_db_url) as engine, engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_member_pinyin"))
    diffs = migrate.check_drift(mig_db_url)
    assert [d[0] for d in diffs] == ["add_index"]
    assert diffs[0][1].name == "ix_member_pinyin"


def test_downgrade_to_base_then_upgrade_again(mig_db_url: str) -> None:
    migrate.upgrade(mig_db_url)
    migrate.downgrade(mig_db_url)
    assert migrate.current(mig_db_url) is None
    assert table_names(mig_db_url) <= {"alembic_version"}
    migrate.upgrade(mig_db_url)
    assert migrate.current(mig_db_url) == migrate.head()
    assert migrate.check_drift(mig_db_url) == []


def test_every_revision_up_and_down_one_step(mig_db_url: str) -> None:
    cfg = migrate.alembic_config(mig_db_url)
    script = ScriptDirectory.from_config(cfg)
    previous_tables = table_names(mig_db_url)
    for rev in revisions_base_to_head(cfg):
        down = script.get_revision(rev).down_revision or "base"
        command.upgrade(cfg, rev)
        assert migrate.current(mig_db_url) == rev
        after_up = table_names(mig_db_url)
        command.downgrade(cfg, down)
        assert migrate.current(mig_db_url) == (None if down == "base" else down)
        assert table_names(mig_db_url) - {"alembic_version"} == previous_tables - {
            "alembic_version"
        }, f"downgrade of {rev} does not undo its tables"
        command.upgrade(cfg, rev)
        assert table_names(mig_db_url) == after_up
        previous_tables = after_up
    assert migrate.check_drift(mig_db_url) == []


def test_pytest_alembic_builtin_suite(mig_db_url: str) -> None:
    """pytest-alembic's standard tests, driven through our config and env.py."""
    suite = (
        alembic_suite.test_single_head_revision,
        alembic_suite.test_upgrade,
        alembic_suite.test_model_definitions_match_ddl,
        alembic_suite.test_up_down_consistency,
    )
    for check in suite:
        with (
            engine_for(mig_db_url) as engine,
            alembic_runner_for(
                config=PytestAlembicConfig.from_raw_config(migrate.alembic_config(mig_db_url)),
                engine=engine,
            ) as runner,
        ):
            check(runner)
        migrate.downgrade(mig_db_url)


def test_upgrade_on_a_callers_connection(mig_db_url: str) -> None:
    with engine_for(mig_db_url) as engine, engine.connect() as conn:
        command.upgrade(migrate.alembic_config(connection=conn), "head")
        conn.commit()
    assert migrate.current(mig_db_url) == migrate.head()


# --------------------------------------------------------------------------- PostgreSQL


def test_postgres_path_columns_collate_c() -> None:
    with fresh_postgres_database() as url:
        migrate.upgrade(url)
        with engine_for(url) as engine, engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT table_name, column_name, collation_name"
                    " FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND collation_name IS NOT NULL"
                )
            ).all()
        assert {(t, c) for t, c, _ in rows} == PATH_COLUMNS | KEY_COLUMNS
        assert {coll for _, _, coll in rows} == {"C"}


def test_postgres_drift_detects_lost_collation() -> None:
    """Alembic's own type comparison ignores collations; migrate.compare_type does not."""
    with fresh_postgres_database() as url:
        migrate.upgrade(url)
        with engine_for(url) as engine, engine.begin() as conn:
            conn.execute(
                sa.text(
                    'ALTER TABLE organization ALTER COLUMN path TYPE VARCHAR(255) COLLATE "default"'
                )
            )
        diffs = migrate.check_drift(url)
        assert len(diffs) == 1
        (op,) = diffs[0]
        assert op[0] == "modify_type" and op[2:4] == ("organization", "path")


# --------------------------------------------------------------------------- new revisions


def test_revision_autogenerates_next_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m partygraph.db.migrate revision`` writes NNNN_slug.py after the head.

    Runs on a copy of migrations/ (PARTYGRAPH_MIGRATIONS_DIR), so the checkout is not
    touched. The models match head, so the new revision must be empty.
    """
    copy = tmp_path / "migrations"
    shutil.copytree(Settings().migrations_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("PARTYGRAPH_MIGRATIONS_DIR", str(copy))
    head = migrate.head()
    assert head is not None
    expected_id = f"{int(head) + 1:04d}"

    path = migrate.revision(None, "nothing to do")

    assert path == copy / "versions" / f"{expected_id}_nothing_to_do.py"
    text = path.read_text()
    assert f"revision: str = {expected_id!r}".replace("'", '"') in text
    assert f"down_revision: str | None = {head!r}".replace("'", '"') in text
    assert "op." not in text, "models and head differ: a revision is missing"
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(path)],
        capture_output=True,
        text=True,
    )
    if "No module named ruff" not in ruff.stderr:
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr

    url = f"sqlite:///{tmp_path / 'chain.db'}"
    migrate.upgrade(url)
    assert migrate.current(url) == expected_id
    migrate.downgrade(url, head)
    assert migrate.current(url) == head


def test_0005_fills_the_distribution_key_from_the_parents(mig_db_url: str) -> None:
    """Rows written before 0005 get their parent's path: data made through the services at
    head, taken back to 0004 (the columns dropped), then upgraded again."""
    from datetime import date

    from sqlalchemy.orm import sessionmaker

    from partygraph.context import SYSTEM_VIEWER, Context
    from partygraph.services import candidate as candidates
    from partygraph.services import member as members
    from partygraph.services import organization as orgs

    migrate.upgrade(mig_db_url)
    with engine_for(mig_db_url) as engine, sessionmaker(engine)() as s:
        ctx = Context(session=s, settings=Settings(), viewer=SYSTEM_VIEWER, clock=lambda: date(2026, 11, 1))
        county = orgs.create(ctx, parent_id=None, code="C", name="岷江县委", kind="county")
        village = orgs.create(ctx, parent_id=county.id, code="V", name="布瓦村党支部", kind="branch", branch_type="village")
        m = members.register(ctx, org_id=village.id, name="张三", gender="male", birth_date=date(1970, 5, 1),
                             education="junior_high", joined_on=date(1995, 7, 1), converted_on=date(1996, 7, 1))  # fmt: skip
        members.add_position(ctx, member_id=m.id, org_id=village.id, kind="secretary", start_on=date(2024, 1, 1))  # type: ignore[arg-type]
        candidates.apply(ctx, org_id=village.id, applied_on=date(2026, 10, 1), name="李四", gender="female",
                         birth_date=date(2000, 1, 1), education="bachelor")  # fmt: skip
        s.commit()
        village_path = village.path
    migrate.downgrade(mig_db_url, "0004")
    migrate.upgrade(mig_db_url)
    with engine_for(mig_db_url) as engine, engine.connect() as conn:
        for table in ("member_event", "position", "candidate_step"):
            paths = conn.execute(sa.text(f"SELECT DISTINCT org_path FROM {table}")).scalars().all()
            assert paths == [village_path], (table, paths)
        tally = conn.execute(
            sa.text("SELECT count(*) FROM member_tally t JOIN organization o ON o.id = t.org_id WHERE t.org_path <> o.path")
        ).scalar()
        assert tally == 0
        assert conn.execute(sa.text("SELECT count(*) FROM member_tally")).scalar()
