"""The import page over HTTP (issue 8): the ledger choice, the preview of a mixed file (nothing
written), a refused commit (nothing written), the confirm, the round trip of the ledgers'
exports, and jobs shared by two workers (two apps on one jobs directory) with the owner
check and expiry.

Every test runs on SQLite and on PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from partygraph.models.assistance import AssistanceCase
from partygraph.models.candidate import Candidate
from partygraph.models.meeting import Meeting
from partygraph.models.member import Member
from tests.api.test_imports_ledgers import APPLIED, FULL_JOURNEY, HELPING, sheet
from tests.conftest import login

HX = {"HX-Request": "true"}


@pytest.fixture
def jobs_settings(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    return dataclasses.replace(settings, jobs_dir=tmp_path / "jobs")


def make_app(db, settings, clock):  # type: ignore[no-untyped-def]
    from partygraph.app import create_app

    return create_app(settings, engine=db, clock=clock)


@pytest.fixture
def client(db, jobs_settings, clock, world):  # type: ignore[no-untyped-def]
    with TestClient(make_app(db, jobs_settings, clock)) as c:
        yield c


def wait(client: Any, html: str) -> str:
    for _ in range(400):
        m = re.search(r'hx-get="(/admin/jobs/[0-9a-f]+)" hx-trigger="every 500ms"', html)
        if not m:
            return html
        time.sleep(0.05)
        r = client.get(m.group(1), headers=HX)
        assert r.status_code == 200, r.status_code
        html = r.text
    raise AssertionError("the job did not finish")


def upload(client: Any, csrf: str, ledger: str, data: bytes, name: str = "ledger.csv") -> Any:
    return client.post(
        "/admin/import",
        data={"csrf": csrf, "ledger": ledger},
        files={"file": (name, data, "text/csv")},
    )


def counts(session_factory) -> dict[str, int]:
    with session_factory() as s:
        return {
            m.__name__: s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Candidate, Meeting, Member, AssistanceCase)
        }


def commit_url(html: str) -> str | None:
    m = re.search(r'hx-post="(/admin/import/[0-9a-f]+/commit)"', html)
    return m.group(1) if m else None


def job_id(html: str) -> str:
    return re.search(r'id="job-([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_page_offers_the_three_ledgers(client, world):
    login(client, "township")
    html = client.get("/admin/import?ledger=cases").text
    for label in ("党员名册", "发展党员台账", "困难党员台账"):
        assert label in html
    assert re.search(r'value="cases"\s+checked', html) and 'data-ledger-help="candidates"' in html


def test_candidate_ledger_preview_lists_bad_rows_writes_nothing_then_confirms(
    client, world, session_factory
):
    csrf = login(client, "county")
    before = counts(session_factory)
    bad = {
        **FULL_JOURNEY,
        "姓名": "郭二",
        "身份证号码": "",
        "确定发展对象日期": "2024-03-20",
        "发展对象公示日期": "2024-03-01",
    }
    html = wait(client, upload(client, csrf, "candidates", sheet([FULL_JOURNEY, bad])).text)
    assert "发展党员台账" in html and "R-DEV-07" in html and "确定发展对象（2024-03-20）" in html
    assert commit_url(html) is None and counts(session_factory) == before
    # a commit of a check that found bad rows is refused: nothing written
    r = client.post(f"/admin/import/{job_id(html)}/commit", headers={**HX, "X-CSRF-Token": csrf})
    assert r.status_code == 409 and counts(session_factory) == before

    html = wait(client, upload(client, csrf, "candidates", sheet([FULL_JOURNEY])).text)
    assert "可导入 1" in html and counts(session_factory) == before
    url = commit_url(html)
    assert url and client.post(url).status_code == 403  # no CSRF token
    html = wait(client, client.post(url, headers={**HX, "X-CSRF-Token": csrf}).text)
    assert "已导入 1" in html
    after = counts(session_factory)
    assert (
        after["Candidate"] == before["Candidate"] + 1
        and after["Member"] == before["Member"] + 1
        and after["Meeting"] == before["Meeting"] + 2
    )
    # confirming the same check again creates nothing: the row is now skipped
    html = wait(client, client.post(url, headers={**HX, "X-CSRF-Token": csrf}).text)
    assert "已导入 0" in html and counts(session_factory) == after


def test_case_ledger_preview_and_a_commit_that_finds_bad_rows_writes_nothing(
    client, world, session_factory, monkeypatch
):
    csrf = login(client, "county")
    before = counts(session_factory)
    html = wait(
        client,
        upload(client, csrf, "cases", sheet([HELPING, {**APPLIED, "困难类别": "天灾"}])).text,
    )
    assert "困难党员台账" in html and "天灾" in html and commit_url(html) is None
    html = wait(client, upload(client, csrf, "cases", sheet([HELPING, APPLIED])).text)
    url = commit_url(html)
    assert url and "可导入 2" in html
    # the data changed between the check and the confirm: the commit finds the bad row and writes nothing
    with session_factory() as s:
        s.get(Member, world.members["li"]).status = "deceased"
        s.commit()
    html = wait(client, client.post(url, headers={**HX, "X-CSRF-Token": csrf}).text)
    assert "R-MEM-CLOSED" in html and "已导入" not in html
    assert counts(session_factory) == before


def test_unknown_ledger_and_read_only_accounts(client, world):
    csrf = login(client, "county")
    assert upload(client, csrf, "fund", sheet([APPLIED])).status_code == 422
    client.cookies.clear()
    csrf = login(client, "viewer")
    assert upload(client, csrf, "cases", sheet([APPLIED])).status_code == 403


def test_the_ledgers_exports_reimport_through_the_page_without_duplicates(
    client, world, session_factory
):
    csrf = login(client, "county")
    html = wait(client, upload(client, csrf, "candidates", sheet([FULL_JOURNEY])).text)
    wait(client, client.post(commit_url(html), headers={**HX, "X-CSRF-Token": csrf}).text)  # type: ignore[arg-type]
    html = wait(client, upload(client, csrf, "cases", sheet([HELPING, APPLIED])).text)
    wait(client, client.post(commit_url(html), headers={**HX, "X-CSRF-Token": csrf}).text)  # type: ignore[arg-type]
    before = counts(session_factory)
    for ledger in ("candidates", "cases"):
        for fmt in ("xlsx", "csv"):
            exported = client.get(f"/admin/export/{ledger}.{fmt}")
            assert exported.status_code == 200
            html = wait(
                client, upload(client, csrf, ledger, exported.content, f"{ledger}.{fmt}").text
            )
            rows = 1 if ledger == "candidates" else 2
            assert "可导入 0" in html and f"已存在跳过 {rows}" in html and "错误 0" in html, (
                ledger,
                fmt,
                html,
            )
    assert counts(session_factory) == before


# --------------------------------------------------------------------------- jobs shared by workers


def test_a_job_started_in_one_worker_is_polled_committed_and_downloaded_through_another(
    db, jobs_settings, clock, world, session_factory, tmp_path
):
    with (
        TestClient(make_app(db, jobs_settings, clock)) as one,
        TestClient(make_app(db, jobs_settings, clock)) as two,
    ):
        csrf = login(one, "county")
        two.cookies = one.cookies  # the same signed session, as a load balancer would send it
        first = upload(one, csrf, "cases", sheet([APPLIED])).text
        assert (jobs_settings.jobs_dir / f"{job_id(first)}.json").exists()
        html = wait(two, first)  # every poll answered by the other worker
        url = commit_url(html)
        assert url and "可导入 1" in html
        html = wait(one, two.post(url, headers={**HX, "X-CSRF-Token": csrf}).text)
        assert "已导入 1" in html
        export = one.post("/admin/export/members/job", headers={**HX, "X-CSRF-Token": csrf}).text
        html = wait(two, export)
        link = re.search(r'href="(/admin/jobs/[0-9a-f]+/download)"', html).group(1)  # type: ignore[union-attr]
        sheet_rows = list(
            openpyxl.load_workbook(io.BytesIO(two.get(link).content), read_only=True)
            .worksheets[0]
            .iter_rows(values_only=True)
        )
        assert sum(1 for r in sheet_rows if r[0] in ("张三", "李四", "王五", "赵六", "钱七")) == 5
        # a worker on another jobs directory knows nothing of it: the state is the directory's, not a process's
        elsewhere = dataclasses.replace(jobs_settings, jobs_dir=tmp_path / "other")
        with TestClient(make_app(db, elsewhere, clock)) as three:
            three.cookies = one.cookies
            assert three.get(link).status_code == 404


def test_only_the_owner_reads_polls_commits_or_downloads_a_job(client, world):
    csrf = login(client, "township")
    html = wait(
        client,
        upload(
            client,
            csrf,
            "members",
            "姓名,性别,出生日期,学历,入党日期,所在党组织\n周一,男,1990-01-01,高中,2015-07-01,布瓦村党支部\n".encode(),
        ).text,
    )
    check = job_id(html)
    export = job_id(
        wait(
            client,
            client.post("/admin/export/members/job", headers={**HX, "X-CSRF-Token": csrf}).text,
        )
    )
    client.cookies.clear()
    csrf = login(client, "county")
    assert client.get(f"/admin/jobs/{check}").status_code == 404
    assert client.get(f"/admin/jobs/{export}/download").status_code == 404
    assert (
        client.post(
            f"/admin/import/{check}/commit", headers={**HX, "X-CSRF-Token": csrf}
        ).status_code
        == 404
    )


def test_expired_and_interrupted_jobs(client, world, jobs_settings):
    csrf = login(client, "county")
    html = wait(client, upload(client, csrf, "cases", sheet([APPLIED])).text)
    job = job_id(html)
    path = jobs_settings.jobs_dir / f"{job}.json"
    state = json.loads(path.read_text())
    # a job left "running" by a worker that is gone: reported as interrupted, polling stops
    path.write_text(json.dumps({**state, "status": "running", "updated": time.time() - 700}))
    html = client.get(f"/admin/jobs/{job}", headers=HX).text
    assert "任务已中断" in html and "every 500ms" not in html
    # an hour without news: gone
    path.write_text(json.dumps({**state, "updated": time.time() - 3700}))
    assert client.get(f"/admin/jobs/{job}").status_code == 404
    assert (
        client.post(f"/admin/import/{job}/commit", headers={**HX, "X-CSRF-Token": csrf}).status_code
        == 404
    )
    # and the next job removes it with its upload
    upload(client, csrf, "cases", sheet([APPLIED]))
    assert not path.exists() and not (jobs_settings.jobs_dir / f"{job}.data").exists()
