"""The pipeline admin over HTTP: board, application form, candidate page and step forms
(inline refusals with the rule's code), the vote arithmetic as the clerk types, alerts.

Every test that takes `client` runs on SQLite and on PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from graphql import parse, validate

from partygraph.admin.core import OPERATIONS_DIR
from partygraph.graphql.schema import build_schema
from tests.conftest import login


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def apply(client: Any, csrf: str, world: Any, **values: str) -> str:
    form = {
        "csrf": csrf,
        "org_id": world.gid("Organization", "V1"),
        "name": "杨晓明",
        "gender": "male",
        "birth_date": "1998-05-05",
        "education": "senior_high",
        "applied_on": "2026-09-01",
        "ethnicity": "羌族",
        "documents": "入党申请书 A-3",
        **values,
    }
    r = client.post("/admin/pipeline/apply", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_pipeline_operations_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    for path in sorted(Path(OPERATIONS_DIR).glob("Pipeline*.graphql")):
        assert validate(schema, parse(path.read_text(encoding="utf-8"))) == [], path.name


def test_board_alerts_and_candidate_page(client, world, clock) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    clock.today = date(2026, 9, 1)
    url = apply(client, csrf, world)
    assert url.startswith("/admin/candidates/")
    clock.today = date(2026, 10, 5)
    r = client.get("/admin/pipeline")
    assert r.status_code == 200
    applicants = r.text.split('data-stage="applicant"', 1)[1].split("</section>", 1)[0]
    assert "杨晓明" in applicants and "逾期" in applicants and "R-DEV-02" in applicants
    # the township sees the same card on its board (dual submission), another township does not
    client.cookies.clear()
    login(client, "township")
    assert "杨晓明" in client.get("/admin/pipeline").text
    client.cookies.clear()
    login(client, "township2")
    assert "杨晓明" not in client.get("/admin/pipeline").text
    assert client.get(url).status_code == 404
    assert client.get(f"/admin/pipeline?under={world.gid('Organization', 'T1')}").status_code == 404
    assert client.get(f"/admin/alerts?under={world.gid('Organization', 'T1')}").status_code == 404
    assert client.get("/admin/candidates/not-an-id").status_code == 404
    client.cookies.clear()
    login(client, "village")
    page = client.get(url)
    assert page.status_code == 200
    assert "党组织派人谈话" in page.text and 'id="step-form"' in page.text and "入党申请书 A-3" in page.text
    alerts = client.get("/admin/alerts")
    assert alerts.status_code == 200
    assert 'data-code="R-DEV-02"' in alerts.text and 'data-code="A-BLANK-VILLAGE"' in alerts.text
    county = client.get(f"/admin/alerts?under={world.gid('Organization', 'V1')}")
    assert county.status_code == 200


def test_step_form_refusal_inline_then_success(client, world, clock) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    clock.today = date(2026, 9, 1)
    url = apply(client, csrf, world)
    cid = url.rsplit("/", 1)[1]
    clock.today = date(2026, 9, 10)
    # a step out of order: the form comes back with the rule's code, nothing recorded
    r = client.post(f"{url}/steps", data={"step": "activist_decided", "on": "2026-09-10", "recommendation": "mass"}, headers=hx(csrf))
    assert r.status_code == 422
    assert 'id="step-error"' in r.text and "R-DEV-00" in r.text
    assert 'value="activist_decided" selected' in r.text
    r = client.post(f"{url}/steps", data={"step": "talk", "on": "2026-09-10", "note": "谈话"}, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/admin/candidates/{cid}"
    page = client.get(url).text
    assert "谈话" in page and "公示" in page
    # a date that is not a date stays in the form
    r = client.post(f"{url}/steps", data={"step": "notice", "on": "10/09/2026", "notice_place": "栏"}, headers=hx(csrf))
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    # the step form for another step, fetched by htmx when the clerk changes the select
    r = client.get(f"{url}/form?step=notice", headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'name="notice_place"' in r.text


def test_vote_form_explains_quorum_and_invalid_meeting_is_refused(client, world, clock) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    r = client.get("/admin/votes/explain?should_attend=40&present=20&yes=20", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "R-VOTE-01" in r.text and "须超过 20 人" in r.text
    r = client.get("/admin/votes/explain?should_attend=40&present=21&yes=21", headers={"HX-Request": "true"})
    assert "有效，通过" in r.text and 'data-code=""' in r.text
    r = client.get("/admin/votes/explain?should_attend=4&present=3&yes=2", headers={"HX-Request": "true"})
    assert "R-VOTE-02" in r.text
    # the vote step form: should-attend defaults to the branch's full members
    clock.today = date(2026, 9, 1)
    url = apply(client, csrf, world)
    r = client.get(f"{url}/form?step=admission_vote", headers={"HX-Request": "true"})
    assert 'id="vote-fields"' in r.text and 'hx-get="/admin/votes/explain"' in r.text
    assert re.search(r'name="should_attend" value="2"', r.text)
    # a vote at the wrong stage: refused, and its meeting is not kept either (one transaction)
    r = client.post(f"{url}/steps", data={"step": "admission_vote", "on": "2026-09-01", "should_attend": "2", "present": "1", "yes": "1"}, headers=hx(csrf))
    assert r.status_code == 422 and "R-DEV-00" in r.text


def test_exit_form_needs_reason_and_ends_the_file(client, world, clock) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    clock.today = date(2026, 9, 1)
    url = apply(client, csrf, world)
    r = client.post(f"{url}/exit", data={"exit": "WITHDRAW", "on": "2026-09-01", "reason": ""}, headers=hx(csrf))
    assert r.status_code == 422 and "INVALID_INPUT" in r.text
    r = client.post(f"{url}/exit", data={"exit": "WITHDRAW", "on": "2026-09-01", "reason": "本人撤回"}, headers=hx(csrf))
    assert r.status_code == 200 and "HX-Redirect" in r.headers
    assert "已撤回申请" in client.get(url).text


def test_apply_form_refuses_under_18_and_read_only(client, world, clock) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "village")
    clock.today = date(2026, 9, 1)
    assert client.get("/admin/pipeline/apply").status_code == 200
    r = client.post(
        "/admin/pipeline/apply",
        data={"csrf": csrf, "org_id": world.gid("Organization", "V1"), "name": "小明", "gender": "male", "birth_date": "2010-01-01", "education": "junior_high", "applied_on": "2026-09-01"},
    )
    assert r.status_code == 422 and "R-DEV-01" in r.text
    # without the CSRF token nothing is written
    r = client.post("/admin/pipeline/apply", data={"org_id": world.gid("Organization", "V1"), "name": "x"})
    assert r.status_code == 403
    client.cookies.clear()
    csrf = login(client, "viewer")
    r = client.post(
        "/admin/pipeline/apply",
        data={"csrf": csrf, "org_id": world.gid("Organization", "V1"), "name": "小明", "gender": "male", "birth_date": "1990-01-01", "education": "junior_high", "applied_on": "2026-09-01"},
    )
    assert r.status_code == 403 and "NOT_ALLOWED" in r.text


def test_english_board(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "county")
    client.get("/admin/lang?lang=en")
    r = client.get("/admin/pipeline")
    assert r.status_code == 200 and "Applicant" in r.text


def test_candidate_page_of_a_full_journey(client, gql, world, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.api.test_candidate import Pipeline, run_until

    p = Pipeline(gql, world, clock)
    run_until(p, None)
    login(client, "township")
    page = client.get(f"/admin/candidates/{p.id}")
    assert page.status_code == 200
    timeline = page.text.split('class="timeline"', 1)[1].split("</table>", 1)[0]
    assert "张三、李四" in timeline  # the introducers by name
    assert "材料归档" in timeline and "支部党员大会讨论转正" in timeline
    assert "2025-07-01" in page.text and "正式党员" in page.text
    assert 'id="step-form"' not in page.text  # nothing left to record
    board = client.get("/admin/pipeline").text
    assert "杨晓明" not in board  # a full member leaves the board
