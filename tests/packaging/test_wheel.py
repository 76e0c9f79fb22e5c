"""What a deployment gets: the wheel built from this checkout, installed into a fresh
virtual environment outside it, run from an empty directory — no source tree, no
templates or migrations beside it. It must upgrade a database, load the demo county and
serve a rendered admin page."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]  # kwargs pass through to subprocess.run
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel in a fresh virtual environment; returns the environment's bin/."""
    base = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", base / "dist", ROOT])
    (wheel,) = (base / "dist").glob("partygraph-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    _run([*pip, "--require-hashes", "-r", ROOT / "requirements" / "runtime.lock"])
    _run([*pip, "--no-deps", wheel])
    return venv / "bin"


def _env() -> dict[str, str]:
    # Nothing of the checkout or of the test run may leak in.
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
    return {k: v for k, v in os.environ.items() if k in keep}


def test_wheel_carries_templates_and_migrations(installed: Path, tmp_path: Path) -> None:
    out = _run(
        [
            installed / "python",
            "-c",
            "from partygraph.config import Settings; s = Settings(); "
            "print(s.templates_dir); print(s.migrations_dir)",
        ],
        cwd=tmp_path,
        env=_env(),
    ).stdout.split()
    for folder in out:
        assert "site-packages" in folder, folder
        assert not folder.startswith(str(ROOT)), folder
    templates, migrations = (Path(p) for p in out)
    assert (templates / "base.html").is_file()
    assert sorted(p.name for p in (migrations / "versions").glob("*.py")) == sorted(
        p.name for p in (ROOT / "migrations" / "versions").glob("*.py")
    )


def test_wheel_upgrades_loads_demo_and_serves_admin(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    env = _env()
    partygraph = installed / "partygraph"
    _run([partygraph, "db", "upgrade"], cwd=work, env=env)
    assert (work / "partygraph.db").is_file()
    loaded = _run([partygraph, "demo", "load"], cwd=work, env=env, timeout=900)
    said = loaded.stdout + loaded.stderr
    assert re.search(r"\d+ organisations", said), said

    port = _free_port()
    server = subprocess.Popen(
        [str(partygraph), "serve", "--port", str(port), "--workers", "1"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.1)
            page = client.get("/admin/login")
            assert page.status_code == 200
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf, page.text
            signed_in = client.post(
                "/admin/login",
                data={"csrf": csrf.group(1), "next": "/admin/members", "username": "county",
                      "password": "partygraph-demo"},
            )
            assert signed_in.status_code == 303, signed_in.text
            members = client.get("/admin/members")
            assert members.status_code == 200
            assert "党员" in members.text
            # The stylesheet and htmx come from the installed package too.
            assert client.get("/static/admin.css").status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)  # also closes the output pipe
