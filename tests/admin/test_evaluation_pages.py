"""The evaluation admin over HTTP: rounds, the grid's htmx row saving, the close button
that explains what blocks closing, flags, and the cadre page. Both databases."""

from __future__ import annotations

import re
from typing import Any

from graphql import parse, validate

from partygraph.admin.core import OPERATIONS_DIR, operation
from partygraph.graphql.schema import build_schema
from tests.conftest import login


def hx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def open_round(client: Any, csrf: str, world: Any, org: str = "V1") -> str:
    r = client.post(
        "/admin/evaluation/rounds",
        data={"csrf": csrf, "orgId": world.gid("Organization", org), "year": "2026", "openedOn": "2026-10-20"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


def rows(html: str) -> dict[str, str]:
    """Row id → the row's HTML, keyed by member name."""
    out = {}
    for match in re.finditer(r'<tr id="row-([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        name = re.search(r'<a href="/admin/members/[^"]+">([^<]+)</a>', match.group(2))
        out[name.group(1) if name else match.group(1)] = match.group(0)
    return out


def row_id(row_html: str) -> str:
    return re.search(r'<tr id="row-([^"]+)"', row_html).group(1)  # type: ignore[union-attr]


def version_of(row_html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', row_html).group(1)  # type: ignore[union-attr]


def test_operations_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        if path.name.startswith(("Evaluation", "Cadre")):
            assert validate(schema, parse(operation(path.stem))) == [], path.name


def test_round_grid_saves_rows_and_explains_closing(client, world) -> None:
    csrf = login(client, "township")
    page = client.get("/admin/evaluation")
    assert page.status_code == 200 and "布瓦村党支部" in page.text
    url = open_round(client, csrf, world)
    page = client.get(url)
    assert page.status_code == 200
    assert "0 / 2 人已评定" in page.text
    grid = rows(page.text)
    assert set(grid) == {"张三", "李四"}

    zhang = grid["张三"]
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(zhang)}",
        data={"version": version_of(zhang), "grade_was": "", "decision_was": "", "peer_excellent": "23", "peer_qualified": "40",
              "peer_unqualified": "2", "committee": "qualified", "grade": "qualified", "decision": ""},
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    assert r.text.lstrip().startswith("<tr") and "已保存" in r.text
    assert 'value="23"' in r.text and r.headers.get("hx-trigger") == "evaluationSaved"

    # Closing now is refused, and the answer names who lacks an outcome.
    page = client.get(url)
    assert "1 / 2 人已评定" in page.text
    assert "李四" in page.text.split('id="blockers"', 1)[1].split("</div>", 1)[0]
    version = re.search(r'name="version" value="(\d+)">\s*<label>', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(url + "/close", data={"version": version, "closedOn": "2026-10-30"}, headers=hx(csrf))
    assert r.status_code == 422
    assert "R-EVAL-01" in r.text and "李四" in r.text

    # 不合格 without a decision: saved, but closing still explains R-EVAL-02.
    li = rows(page.text)["李四"]
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(li)}",
        data={"version": version_of(li), "grade_was": "", "decision_was": "", "grade": "unqualified", "decision": ""},
        headers=hx(csrf),
    )
    assert r.status_code == 200
    r = client.post(url + "/close", data={"version": version, "closedOn": "2026-10-30"}, headers=hx(csrf))
    assert r.status_code == 422 and "R-EVAL-02" in r.text

    # A stale row answers 409 with the fresh row.
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(li)}",
        data={"version": version_of(li), "grade_was": "unqualified", "decision_was": "", "grade": "unqualified", "decision": "removal"},
        headers=hx(csrf),
    )
    assert r.status_code == 409 and "row-error" in r.text
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(li)}",
        data={"version": version_of(r.text), "grade_was": "unqualified", "decision_was": "", "grade": "unqualified", "decision": "removal"},
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text

    # A bad number keeps what the clerk typed and says why.
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(zhang)}",
        data={"version": "99", "peer_excellent": "x", "grade": "qualified", "grade_was": "qualified"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'value="x"' in r.text

    r = client.post(url + "/close", data={"version": version, "closedOn": "2026-10-30"}, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["hx-redirect"] == url
    page = client.get(url)
    assert "已结束" in page.text and "save-row" not in page.text


def test_other_township_gets_404_and_cannot_save(client, world) -> None:
    csrf = login(client, "township")
    url = open_round(client, csrf, world)
    subject = row_id(next(iter(rows(client.get(url).text).values())))
    client.cookies.clear()
    csrf2 = login(client, "township2")
    assert client.get(url).status_code == 404
    r = client.post(f"/admin/evaluation/subjects/{subject}", data={"version": "1", "grade": "excellent"}, headers=hx(csrf2))
    assert r.status_code == 404
    assert "布瓦村党支部" not in client.get("/admin/evaluation").text


def test_csrf_is_required(client, world) -> None:
    login(client, "township")
    r = client.post("/admin/evaluation/rounds", data={"orgId": world.gid("Organization", "V1"), "year": "2026"})
    assert r.status_code == 403


def test_flags_and_cadre_pages(client, world, gql, clock) -> None:
    from datetime import date

    gql(
        """mutation($i: AppointCadreInput!) { appointCadre(input: $i) { __typename } }""",
        {"i": {"memberId": world.gid("Member", "li"), "orgId": world.gid("Organization", "V1"), "post": "secretary", "appointedOn": "2026-06-01"}},
        user="township",
    )
    gql(
        """mutation($i: RecordCadreAssessmentInput!) { recordCadreAssessment(input: $i) { __typename } }""",
        {"i": {"memberId": world.gid("Member", "li"), "year": 2026, "rating": "incompetent", "assessedOn": "2026-10-30"}},
        user="township",
    )
    clock.today = date(2026, 11, 1)
    csrf = login(client, "township")
    page = client.get("/admin/evaluation/flags")
    assert page.status_code == 200
    assert "R-CAD-02" in page.text and "李四" in page.text
    # The 3-month checkpoint (due 2026-09-01) is overdue.
    assert "R-CAD-01" in page.text.split('id="alert-table"', 1)[1]

    cadres = client.get("/admin/evaluation/cadres")
    assert cadres.status_code == 200 and "李四" in cadres.text and "state-overdue" in cadres.text
    li = world.gid("Member", "li")
    page = client.get(f"/admin/evaluation/cadres/{li}")
    assert page.status_code == 200
    assert "已逾期" in page.text and "年度考核不称职" in page.text
    cp = re.search(r'action="/admin/evaluation/checkpoints/([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        f"/admin/evaluation/checkpoints/{cp}",
        data={"csrf": csrf, "version": "1", "memberId": li, "doneOn": "2026-10-31", "result": "passed", "evidence": "工作汇报"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"/admin/evaluation/cadres/{li}")
    assert "工作汇报" in page.text

    flag = re.search(r'action="/admin/evaluation/flags/([^"]+)/resolve"', client.get("/admin/evaluation/flags").text).group(1)  # type: ignore[union-attr]
    r = client.post(
        f"/admin/evaluation/flags/{flag}/resolve",
        data={"csrf": csrf, "version": "1", "resolution": "党委研究：调整岗位", "resolvedOn": "2026-11-01"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'id="flag-table"' not in client.get("/admin/evaluation/flags").text
    assert "党委研究：调整岗位" in client.get("/admin/evaluation/flags?all=1").text

    client.get("/admin/lang", params={"lang": "en"})
    english = client.get(f"/admin/evaluation/cadres/{li}").text
    assert "Trial checkpoints" in english or "Cadre assessment" in english


def test_follow_up_tasks_are_listed_and_done(client, world, gql) -> None:
    rnd = gql(
        """mutation($i: OpenEvaluationRoundInput!) { openEvaluationRound(input: $i) { ... on EvaluationRoundPayload { round { subjects { id version memberName } } } } }""",
        {"i": {"orgId": world.gid("Organization", "V1"), "year": 2026, "openedOn": "2026-10-20"}},
        user="township",
    )["openEvaluationRound"]["round"]
    zhang = next(s for s in rnd["subjects"] if s["memberName"] == "张三")
    gql(
        """mutation($i: RecordEvaluationInput!) { recordEvaluation(input: $i) { __typename } }""",
        {"i": {"subjectId": zhang["id"], "version": zhang["version"], "outcome": {"grade": "basically_qualified", "decidedOn": "2026-10-25"}}},
        user="township",
    )
    csrf = login(client, "village")
    page = client.get("/admin/evaluation/flags")
    task = re.search(r'action="/admin/evaluation/follow-ups/([^"]+)/done"', page.text).group(1)  # type: ignore[union-attr]
    assert "警示谈话" in page.text and "张三" in page.text
    r = client.post(
        f"/admin/evaluation/follow-ups/{task}/done",
        data={"csrf": csrf, "version": "1", "doneOn": "2026-10-20", "note": "谈话"},
        follow_redirects=False,
    )
    assert r.status_code == 422  # before the task was created
    r = client.post(
        f"/admin/evaluation/follow-ups/{task}/done",
        data={"csrf": csrf, "version": "1", "doneOn": "2026-10-30", "note": "支部书记谈话，明确改进措施"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'id="task-table"' not in client.get("/admin/evaluation/flags").text


def test_a_member_is_taken_out_of_the_round_in_place(client, world) -> None:
    csrf = login(client, "township")
    url = open_round(client, csrf, world)
    li = rows(client.get(url).text)["李四"]
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(li)}/withdraw",
        data={"version": version_of(li), "withdraw_reason": ""},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "row-error" in r.text
    r = client.post(
        f"/admin/evaluation/subjects/{row_id(li)}/withdraw",
        data={"version": version_of(li), "withdraw_reason": "组织关系转出"},
        headers=hx(csrf),
    )
    assert r.status_code == 200 and "已移出本轮评议" in r.text and "组织关系转出" in r.text
    assert "0 / 1 人已评定" in client.get(url).text


def test_a_member_who_joined_later_is_added(client, world, gql) -> None:
    csrf = login(client, "township")
    url = open_round(client, csrf, world)
    gql(
        """mutation($i: RegisterMemberInput!) { registerMember(input: $i) { __typename } }""",
        {"i": {"orgId": world.gid("Organization", "G1"), "name": "孙八", "gender": "male", "birthDate": "1985-01-01",
               "education": "bachelor", "joinedOn": "2010-07-01", "convertedOn": "2011-07-01"}},
        user="township",
    )  # fmt: skip
    page = client.get(url).text
    form = page.split('id="add-subject"', 1)[1].split("</form>", 1)[0]
    assert "孙八" in form and "张三" not in form
    member = re.search(r'<option value="([^"]+)">孙八</option>', form).group(1)  # type: ignore[union-attr]
    r = client.post(url + "/subjects", data={"csrf": csrf, "memberId": member}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(url).text
    assert "0 / 3 人已评定" in page and "孙八" in rows(page)


def test_org_assessments_and_model_sites_page(client, world, gql) -> None:
    gql(
        """mutation($i: RecordOrgAssessmentInput!) { recordOrgAssessment(input: $i) { __typename } }""",
        {"i": {"orgId": world.gid("Organization", "V2"), "year": 2025, "rating": "poor", "assessedOn": "2026-01-20", "rank": 2, "ranked": 2, "fiveGoods": {"leadership": True}}},
        user="township",
    )
    gql(
        """mutation($i: DesignateModelSiteInput!) { designateModelSite(input: $i) { __typename } }""",
        {"i": {"orgId": world.gid("Organization", "V1"), "year": 2025, "designatedOn": "2025-03-01", "criteria": {"venueM2": 150}}},
        user="township",
    )
    login(client, "township")
    page = client.get("/admin/evaluation/orgs?year=2025")
    assert page.status_code == 200
    assert "龙溪村党支部" in page.text and "1 / 5" in page.text and "2/2" in page.text
    assert "布瓦村党支部" in page.text.split('id="model-site-table"', 1)[1] and "venueM2: 150" in page.text
    client.cookies.clear()
    login(client, "township2")
    assert "龙溪村党支部" not in client.get("/admin/evaluation/orgs").text


def test_cadre_page_records_assessment_warning_and_step_down(client, world, gql) -> None:
    gql(
        """mutation($i: AppointCadreInput!) { appointCadre(input: $i) { __typename } }""",
        {"i": {"memberId": world.gid("Member", "wang"), "orgId": world.gid("Organization", "V2"), "post": "village_director", "appointedOn": "2020-03-01", "trial": False}},
        user="township",
    )
    csrf = login(client, "township")
    wang = world.gid("Member", "wang")
    url = f"/admin/evaluation/cadres/{wang}"
    r = client.post(url + "/assessments", data={"csrf": csrf, "year": "2025", "rating": "competent", "rank": "3"}, follow_redirects=False)
    assert r.status_code == 422 and "排名须同时给出名次和参评总数" in r.text
    r = client.post(
        url + "/assessments",
        data={"csrf": csrf, "year": "2025", "rating": "incompetent", "assessedOn": "2026-01-15", "rank": "9", "ranked": "9", "massScore": "55.5"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(url).text
    assert "不称职" in page and "9/9" in page and "R-CAD-02" in page
    appt = re.search(r'action="/admin/evaluation/appointments/([^"]+)/warn"', page).group(1)  # type: ignore[union-attr]
    r = client.post(
        f"/admin/evaluation/appointments/{appt}/warn",
        data={"csrf": csrf, "memberId": wang, "on": "2026-10-01", "dueOn": "2026-09-01", "reason": "工作不到位"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "整改期限须晚于警示日期" in r.text
    r = client.post(
        f"/admin/evaluation/appointments/{appt}/step-down",
        data={"csrf": csrf, "memberId": wang, "version": "1", "on": "2026-02-01", "reason": "党委研究决定免去职务"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(url).text
    assert "下岗（退出职务）" in page and "党委研究决定免去职务" in page and "/step-down" not in page


def test_appointing_a_cadre_from_the_cadre_page(client, world) -> None:
    csrf = login(client, "township")
    zhao = world.gid("Member", "zhao")  # another township's member: not found
    assert client.get(f"/admin/evaluation/cadres/{zhao}").status_code == 404
    zhang = world.gid("Member", "zhang")
    url = f"/admin/evaluation/cadres/{zhang}"
    page = client.get(url).text
    assert "尚无干部任职记录" in page
    options = re.findall(r'<option value="([^"]+)"(?: selected)?>([^<]+)</option>', page.split('name="orgId"', 1)[1].split("</select>", 1)[0])
    assert [name for _, name in options] == ["威州镇党委", "布瓦村党支部"]  # not the party group
    branch = next(gid for gid, name in options if name == "布瓦村党支部")
    r = client.post(url + "/appointments", data={"csrf": csrf, "orgId": branch, "post": "", "appointedOn": "2026-08-01", "trial": "1"}, follow_redirects=False)
    assert r.status_code == 422
    r = client.post(url + "/appointments", data={"csrf": csrf, "orgId": branch, "post": "secretary", "appointedOn": "2026-08-01", "trial": "1"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(url).text
    assert page.count('action="/admin/evaluation/checkpoints/') == 3
    assert "2026-11-01" in page  # the 3-month checkpoint's due date
