"""The command line's exit codes and messages: every failure is one plain line and a non-zero
status; `serve` and `demo` check the database and the port before saying they run.

Commands run in-process through `partygraph.cli.main` (the console script's entry point), so
the error handling under test is the real one; one test runs the installed script."""

from __future__ import annotations

import io
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import make_url
from sqlmodel import SQLModel

import partygraph.models  # noqa: F401 - registers every table
from partygraph import cli
from partygraph.db import make_engine, normalise_url
from partygraph.db.migrate import head

POSTGRES_URL = os.environ.get("PARTYGRAPH_TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="PARTYGRAPH_TEST_POSTGRES_URL is not set"
)


def _stamped(path: Path, revision: str | None) -> str:
    """A SQLite database with every table (no rows) at `revision`; the migrations themselves
    take seconds and are tested in tests/migrations."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    if revision is not None:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    return url


@pytest.fixture(scope="module")
def head_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "head.db"
    _stamped(path, head())
    return path


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """run(args, url=...) -> (exit status, stdout, stderr); serving is replaced by a no-op."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PARTYGRAPH_SECRET_KEY", "test")
    monkeypatch.delenv("PARTYGRAPH_DEBUG", raising=False)
    served: list[tuple[str, int, int]] = []
    monkeypatch.setattr(
        cli, "_serve", lambda host, port, workers: served.append((host, port, workers))
    )

    def invoke(args: list[str], url: str | None = None) -> tuple[int, str, str]:
        if url is not None:
            monkeypatch.setenv("PARTYGRAPH_DATABASE_URL", url)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            cli.main(args)
        out, err = capsys.readouterr()
        code = exit_.value.code
        return (code if isinstance(code, int) else 1), out, err

    invoke.served = served  # type: ignore[attr-defined]
    return invoke


def one_plain_line(err: str) -> str:
    """The error output is exactly one line, starts with 'error:' and names no exception class."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: "), line
    for word in ("Traceback", "Error:", "Exception", "sqlalchemy", "psycopg", "sqlite3."):
        assert word not in line, line
    return line


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


# --- help and usage ----------------------------------------------------------------------------


def test_no_arguments_prints_the_help_and_exits_0(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run([])
    assert code == 0
    assert "Usage: partygraph" in out and "serve" in out and "backup" in out
    code, out, _ = run(["db"])
    assert code == 0 and "upgrade" in out


def test_a_mistyped_command_exits_2(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(["serv"])
    assert code == 2
    assert "No such command" in out + err


# --- serve: the database and the port are checked first ------------------------------------------


def test_serve_on_a_missing_sqlite_file_names_db_upgrade(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(["serve", "--port", "0"], url=f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 1 and out == ""
    assert "partygraph db upgrade" in one_plain_line(err)
    assert not (tmp_path / "none.db").exists()  # the check does not create an empty database


def test_serve_in_a_missing_folder_names_the_url(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["serve", "--port", "0"], url=f"sqlite:///{tmp_path / 'no' / 'x.db'}")
    assert code == 1
    line = one_plain_line(err)
    assert "does not exist" in line and "PARTYGRAPH_DATABASE_URL" in line


def test_serve_on_an_empty_schema_names_db_upgrade(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sqlite3.connect(tmp_path / "empty.db").close()
    code, out, err = run(["serve", "--port", "0"], url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 1 and "running" not in out
    assert (
        one_plain_line(err)
        == "error: the database has no partygraph schema yet: run `partygraph db upgrade`"
    )


def test_serve_on_an_old_schema_names_db_upgrade(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = _stamped(tmp_path / "old.db", "0004")
    code, out, err = run(["serve", "--port", "0"], url=url)
    assert code == 1 and "running" not in out
    assert one_plain_line(err) == (
        f"error: the database schema is at revision 0004, this partygraph needs {head()}: run `partygraph db upgrade`"
    )


def test_serve_on_a_newer_schema_says_so(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = _stamped(tmp_path / "new.db", "9999")
    code, _, err = run(["serve", "--port", "0"], url=url)
    assert code == 1
    assert "newer than this partygraph" in one_plain_line(err)


def test_serve_on_an_unreachable_server_names_the_url(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        ["serve", "--port", "0"], url="postgresql://postgres@127.0.0.1:1/partygraph"
    )
    assert code == 1 and out == ""
    assert one_plain_line(err) == (
        "error: cannot reach the database server at 127.0.0.1:1 (is PostgreSQL running there?); "
        "check PARTYGRAPH_DATABASE_URL"
    )


@needs_postgres
def test_serve_with_wrong_credentials_names_the_url(run) -> None:  # type: ignore[no-untyped-def]
    url = make_url(normalise_url(POSTGRES_URL)).set(
        username="partygraph_no_such_user", password="x"
    )
    code, _, err = run(["serve", "--port", "0"], url=url.render_as_string(hide_password=False))
    assert code == 1
    line = one_plain_line(err)
    assert "'partygraph_no_such_user'" in line and "PARTYGRAPH_DATABASE_URL" in line
    assert "password=" not in line and ":x@" not in line


@needs_postgres
def test_serve_on_a_missing_postgres_database_says_createdb(run) -> None:  # type: ignore[no-untyped-def]
    url = make_url(normalise_url(POSTGRES_URL)).set(database="partygraph_no_such_db")
    code, _, err = run(["serve", "--port", "0"], url=url.render_as_string(hide_password=False))
    assert code == 1
    assert "createdb partygraph_no_such_db" in one_plain_line(err)


def test_serve_on_a_busy_port_fails_at_once(run, head_db: Path, busy_port: int) -> None:  # type: ignore[no-untyped-def]
    for workers in ("1", "2"):
        code, out, err = run(
            ["serve", "--port", str(busy_port), "--workers", workers], url=f"sqlite:///{head_db}"
        )
        assert code == 1 and out == ""
        assert one_plain_line(err) == (
            f"error: port {busy_port} on 127.0.0.1 is already in use by another program: "
            "stop it, or choose another port with --port"
        )
    assert run.served == []


def test_serve_on_an_unknown_host_fails(run, head_db: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        ["serve", "--host", "no-such-host.invalid", "--port", "0"], url=f"sqlite:///{head_db}"
    )
    assert code == 1
    assert "--host" in one_plain_line(err)


def test_serve_says_it_runs_once_the_checks_pass(run, head_db: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(["serve", "--port", "0", "--workers", "3"], url=f"sqlite:///{head_db}")
    assert code == 0, err
    assert out.startswith("partygraph is running at http://127.0.0.1:0/admin/")
    assert run.served == [("127.0.0.1", 0, 3)]


# --- demo --------------------------------------------------------------------------------------------


def test_demo_on_an_unreachable_server_fails_before_loading(
    run, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "_load_demo", lambda *a, **k: pytest.fail("loaded"))
    code, out, err = run(
        ["demo", "--port", "0"], url="postgresql://postgres@127.0.0.1:1/partygraph"
    )
    assert code == 1 and out == ""
    assert "PARTYGRAPH_DATABASE_URL" in one_plain_line(err)


def test_demo_on_a_busy_port_fails_before_loading(
    run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, busy_port: int
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "_load_demo", lambda *a, **k: pytest.fail("loaded"))
    monkeypatch.setattr("partygraph.db.migrate.upgrade", lambda *a, **k: pytest.fail("upgraded"))
    code, _, err = run(["demo", "--port", str(busy_port)], url=f"sqlite:///{tmp_path / 'demo.db'}")
    assert code == 1
    assert "already in use" in one_plain_line(err)


def test_demo_upgrades_an_old_schema_itself(
    run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Only reaching the database is checked: demo upgrades its own schema."""
    upgraded: list[str] = []
    monkeypatch.setattr("partygraph.db.migrate.upgrade", lambda url, rev: upgraded.append(rev))
    monkeypatch.setattr(cli, "_load_demo", lambda *a, **k: True)
    code, out, err = run(["demo", "--port", "0"], url=_stamped(tmp_path / "old.db", "0004"))
    assert code == 0, err
    assert upgraded == ["head"] and "partygraph is running" in out and "county / " in out
    assert run.served == [("127.0.0.1", 0, 1)]


def test_demo_load_shows_each_phase_as_plain_lines(
    run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, head_db: Path
) -> None:  # type: ignore[no-untyped-def]
    """Off a terminal: one line per phase with its counts (the real load takes a minute and is
    tested in test_demo.py; here the phases are played)."""
    from partygraph import demo

    def load_demo(session, settings, *, progress, phases):  # type: ignore[no-untyped-def]
        phases("organisation tree", None)
        phases("organisation tree", "443 organisations, 110 villages")
        phases("members", None)
        for done in range(100, 2201, 100):
            progress(done, 2200)
        phases("members", "2,200 registered")
        return demo.DemoSummary(
            organisations=443,
            members=2200,
            active_members=2100,
            accounts=5,
            villages=110,
            branches=300,
        )

    def load_demo_activity(session, settings, *, phases):  # type: ignore[no-untyped-def]
        phases("candidates", None)
        phases("candidates", "120 candidates, 40 meetings, 3 plans")

    monkeypatch.setattr(demo, "load_demo", load_demo)
    monkeypatch.setattr(demo, "load_demo_activity", load_demo_activity)
    monkeypatch.setattr("partygraph.db.migrate.upgrade", lambda url, rev: None)
    db = tmp_path / "demo.db"
    shutil.copy(head_db, db)
    code, out, err = run(["demo", "load"], url=f"sqlite:///{db}")
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if ln.startswith("demo: ")]
    assert lines == [
        "demo: loading the demo county (a minute or two)",
        "demo: organisation tree: 443 organisations, 110 villages (0 s)",
        "demo: members: 600 of 2,200",
        "demo: members: 1,200 of 2,200",
        "demo: members: 1,800 of 2,200",
        "demo: members: 2,200 registered (0 s)",
        "demo: candidates: 120 candidates, 40 meetings, 3 plans (0 s)",
    ]
    assert "demo county loaded" in err and "2,200 members" in err
    assert "\x1b" not in err  # no terminal control characters in a log


def test_demo_progress_draws_a_bar_on_a_terminal() -> None:
    buf = io.StringIO()
    report = cli.DemoProgress(Console(file=buf, force_terminal=True, width=100))
    with report.running():
        report.phase("members", None)
        report.members(100, 200)
        report.phase("members", "200 registered")
    text = buf.getvalue()
    assert "\x1b" in text  # drawn, not logged
    assert "demo: members: 200 registered" in text
    assert "members: 100 of" not in text  # the bar shows the count, not lines


def test_demo_load_into_a_county_that_exists_fails(
    run, tmp_path: Path, head_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("partygraph.db.migrate.upgrade", lambda url, rev: None)
    db = tmp_path / "full.db"
    shutil.copy(head_db, db)
    from partygraph.config import Settings
    from partygraph.context import SYSTEM_VIEWER, Context
    from partygraph.db import make_session_factory
    from partygraph.services import organization as orgs

    engine = make_engine(f"sqlite:///{db}")
    with make_session_factory(engine)() as s:
        ctx = Context(
            session=s,
            settings=Settings(database_url="sqlite://", secret_key="t"),
            viewer=SYSTEM_VIEWER,
        )
        orgs.create(ctx, parent_id=None, code="C", name="岷江县委", kind="county")
        s.commit()
    engine.dispose()
    code, _, err = run(["demo", "load"], url=f"sqlite:///{db}")
    assert code == 1
    upgraded, failed = err.splitlines()
    assert upgraded.startswith("database at head: sqlite:///")
    assert "already holds organisations" in one_plain_line(failed)


# --- export and import ---------------------------------------------------------------------------


def test_export_refuses_an_extension_it_cannot_write(run, head_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["export", "members", "members.pdf"], url=f"sqlite:///{head_db}")
    assert code == 1
    assert one_plain_line(err) == (
        "error: cannot write members.pdf: export writes .xlsx or .csv files; name the file FILE.xlsx or FILE.csv"
    )
    assert not (tmp_path / "members.pdf").exists()


def test_export_under_an_unknown_code_fails(run, head_db: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        ["export", "members", "members.csv", "--under", "NOPE"], url=f"sqlite:///{head_db}"
    )
    assert code == 1
    assert "no organisation has the code 'NOPE'" in one_plain_line(err)


def test_export_into_a_missing_folder_fails(run, head_db: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["export", "members", "no/such/members.csv"], url=f"sqlite:///{head_db}")
    assert code == 1
    assert "does not exist" in one_plain_line(err)


def test_export_succeeds_with_0(run, head_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["export", "members", "members.csv"], url=f"sqlite:///{head_db}")
    assert code == 0, err
    assert (tmp_path / "members.csv").exists()


def test_a_refused_import_dry_run_fails(run, head_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sheet = tmp_path / "roster.csv"
    sheet.write_text(
        "姓名,性别,出生日期,学历,入党日期,组织编码\n张三,男,1970-05-01,初中,1995-07-01,NO-SUCH-ORG\n",
        encoding="utf-8",
    )
    code, _, err = run(["import", "members", str(sheet)], url=f"sqlite:///{head_db}")
    assert code == 1
    assert "nothing imported" in err


def test_importing_a_missing_file_fails(run, head_db: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["import", "members", "no-such.csv"], url=f"sqlite:///{head_db}")
    assert code == 1
    assert one_plain_line(err) == "error: cannot read no-such.csv: No such file or directory"


# --- unexpected failures: one line, or the traceback with PARTYGRAPH_DEBUG ------------------------


def test_a_database_without_schema_is_one_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sqlite3.connect(tmp_path / "bare.db").close()
    code, _, err = run(["token", "create", "county"], url=f"sqlite:///{tmp_path / 'bare.db'}")
    assert code == 1
    assert "run `partygraph db upgrade`" in one_plain_line(err)


def test_debug_shows_the_traceback(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    sqlite3.connect(tmp_path / "bare.db").close()
    monkeypatch.setenv("PARTYGRAPH_DATABASE_URL", f"sqlite:///{tmp_path / 'bare.db'}")
    monkeypatch.setenv("PARTYGRAPH_DEBUG", "1")
    with pytest.raises(OperationalError):
        cli.main(["token", "create", "county"])


def test_plain_message_of_an_unexpected_error() -> None:
    assert (
        cli.plain_message(KeyError())
        == "an unexpected failure; set PARTYGRAPH_DEBUG=1 and run again for the details"
    )
    assert cli.plain_message(RuntimeError("the tree has a cycle\nmore")) == (
        "the tree has a cycle (set PARTYGRAPH_DEBUG=1 and run again for the details)"
    )
    assert (
        cli.plain_message(FileNotFoundError(2, "No such file or directory", "x.csv"))
        == "x.csv: No such file or directory"
    )


def test_the_installed_script_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    """The console script end to end (exit status through the interpreter, stderr only)."""
    script = Path(sys.executable).parent / "partygraph"
    if not script.exists():
        pytest.skip("the partygraph script is not installed beside this interpreter")
    env = {
        **os.environ,
        "PARTYGRAPH_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x",
        "PARTYGRAPH_SECRET_KEY": "t",
    }
    env.pop("PARTYGRAPH_DEBUG", None)
    done = subprocess.run(
        [str(script), "serve", "--port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "cannot reach the database server" in one_plain_line(done.stderr)
