"""Backup and restore on each database: a restored copy equals the original row for row, in
every table; restore refuses a database that holds data unless forced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, make_url, text
from sqlmodel import SQLModel

import partygraph.models  # noqa: F401 - registers every table
from partygraph import backup
from partygraph.db import make_engine
from partygraph_bench.generate import generate
from tests.conftest import TODAY


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def county(db: Engine) -> Engine:
    """A small synthetic county: organisations, members, positions, candidates and their
    steps, evaluations, assistance cases, funds and loans."""
    generate(db, "tiny", seed=3, today=TODAY)
    return db


@pytest.fixture
def empty_target(db: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as `db` (nothing created in it)."""
    if db.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"{db.url.database}_restore"
    server = make_engine(_url(db)).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(_url(db)).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = sorted(inspect(engine).get_table_names())
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in tables:
            table = SQLModel.metadata.tables.get(name)
            order = (
                ", ".join(f'"{c.name}"' for c in table.primary_key) if table is not None else "1"
            )
            out[name] = [
                tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY {order}'))
            ]
    return out


def _sequences(engine: Engine) -> dict[str, int]:
    if engine.dialect.name != "postgresql":
        # SQLite's ids are the largest rowid plus one (no AUTOINCREMENT tables): the rows decide.
        return {}
    with engine.connect() as conn:
        return {
            n: v for n, v in conn.execute(text("SELECT sequencename, last_value FROM pg_sequences"))
        }


def test_backup_restores_every_row_into_an_empty_database(
    county: Engine, empty_target: str, tmp_path: Path
) -> None:
    source = _url(county)
    file = tmp_path / "county.backup"
    result = backup.backup(source, file)
    assert result.path == file and result.size == file.stat().st_size > 0
    assert backup.backup_kind(file) == (
        "SQLite" if county.dialect.name == "sqlite" else "PostgreSQL"
    )
    assert not list(tmp_path.glob("*.partial"))

    restored = backup.restore(empty_target, file)
    assert (
        restored.revision.current is None
    )  # the fixture's tables come from create_all, not Alembic

    target = make_engine(empty_target)
    try:
        original, copy = _rows(county), _rows(target)
        assert set(copy) == set(original) == set(SQLModel.metadata.tables)
        filled = [name for name, rows in original.items() if rows]
        assert len(filled) >= 15, filled  # the comparison below is not of empty tables
        for name in original:
            assert copy[name] == original[name], name
        # The id counters came along: the next row gets the same id on either side.
        assert _sequences(target) == _sequences(county)
    finally:
        target.dispose()


def test_restore_refuses_a_database_that_holds_data(
    county: Engine, empty_target: str, tmp_path: Path
) -> None:
    file = tmp_path / "county.backup"
    backup.backup(_url(county), file)
    backup.restore(empty_target, file)
    with pytest.raises(backup.OperationsError) as refused:
        backup.restore(empty_target, file)
    message = str(refused.value)
    assert "already holds data" in message and "--force" in message and "\n" not in message

    # --force replaces it: a row added since is gone again.
    target = make_engine(empty_target)
    try:
        with target.begin() as conn:
            conn.execute(text("DELETE FROM candidate_step"))
        backup.restore(empty_target, file, force=True)
        assert _rows(target)["candidate_step"] == _rows(county)["candidate_step"]
    finally:
        target.dispose()


def test_restore_tells_an_old_schema_to_upgrade(
    db: Engine, empty_target: str, tmp_path: Path
) -> None:
    """A backup from an older release: restored, then `partygraph db upgrade` is named."""
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0004')"))
    try:
        file = tmp_path / "old.backup"
        backup.backup(_url(db), file)
        advice = backup.restore(empty_target, file).revision.advice()
    finally:
        with db.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    assert advice is not None
    assert "revision 0004" in advice and "partygraph db upgrade" in advice


def test_restore_refuses_another_kind_of_backup(db: Engine, tmp_path: Path) -> None:
    file = tmp_path / "wrong.backup"
    file.write_bytes(
        (b"PGDMP" if db.dialect.name == "sqlite" else b"SQLite format 3\x00") + b"\x00" * 100
    )
    with pytest.raises(backup.OperationsError, match="restore into a database of the same kind"):
        backup.restore(_url(db), file)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(backup.OperationsError, match="is not a partygraph backup"):
        backup.restore(_url(db), tmp_path / "notes.txt")


def test_missing_postgres_tools_are_named(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("the client tools are for PostgreSQL")
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.OperationsError, match=r"^pg_dump is not installed"):
        backup.backup(_url(db), tmp_path / "x.backup")
    (tmp_path / "y.backup").write_bytes(b"PGDMP" + b"\x00" * 100)
    with pytest.raises(backup.OperationsError, match=r"^pg_restore is not installed"):
        backup.restore(_url(db), tmp_path / "y.backup")


def test_backup_and_restore_commands(
    db: Engine,
    empty_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The commands' lines and exit statuses, on each database."""
    from partygraph.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PARTYGRAPH_SECRET_KEY", "test")
    monkeypatch.delenv("PARTYGRAPH_DEBUG", raising=False)
    generate(db, "tiny", seed=3, today=TODAY)

    def run(*args: str, url: str) -> tuple[int, str]:
        monkeypatch.setenv("PARTYGRAPH_DATABASE_URL", url)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
        return int(exit_.value.code or 0), capsys.readouterr().err

    file = tmp_path / "county.backup"
    code, err = run("backup", str(file), url=_url(db))
    assert code == 0 and err.startswith(f"backed up {backup.display(_url(db))} to {file} (")
    code, err = run("restore", str(file), url=empty_target)
    assert code == 0
    assert err.splitlines() == [
        f"restored {file} into {backup.display(empty_target)}",
        "next: the database has no partygraph schema yet: run `partygraph db upgrade`",
    ]
    code, err = run("restore", str(file), url=empty_target)
    assert code == 1 and len(err.splitlines()) == 1
    assert err.startswith("error: the database at ") and err.rstrip().endswith(
        "add --force to do so"
    )
    code, _ = run("restore", "--force", str(file), url=empty_target)
    assert code == 0
    code, err = run("restore", str(tmp_path / "missing.backup"), url=empty_target)
    assert code == 1 and err == f"error: there is no backup file at {tmp_path / 'missing.backup'}\n"
