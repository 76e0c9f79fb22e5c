"""The evaluation admin's forms for organisation assessments (组织考评) and model sites (示范点),
and the grid's per-rater entry of one member's row: every form saves, and a refused input
shows the error where the clerk is looking and changes nothing. Both databases."""

from __future__ import annotations

import re
from typing import Any

from graphql import parse, validate
from sqlalchemy import func, select

from partygraph.admin.core import operation
from partygraph.graphql.schema import build_schema
from partygraph.models.evaluation import ModelSite, OrgAssessment, SourceResult
from tests.admin.test_evaluation_pages import hx, open_round, row_id, rows, version_of
from tests.conftest import login

OPERATIONS = [
    "EvaluationOrgOptions",
    "EvaluationOrgSecretary",
    "EvaluationRecordOrgAssessment",
    "EvaluationDesignateModelSite",
    "EvaluationReviewModelSite",
    "EvaluationDelistModelSite",
    "EvaluationOrgAssessments",
    "EvaluationRow",
]


def count(session_factory: Any, model: Any) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_operations_validate() -> None:
    schema = build_schema()._schema
    for name in OPERATIONS:
        assert not validate(
            schema, parse(operation(name))
        ), name


def test_org_assessment_recorded_and_corrected(client, world, session_factory) -> None:
    csrf = login(client, "township")
    page = client.get("/admin/evaluation/orgs").text
    form = page.split('id="assessment-form"', 1)[1].split("</form>", 1)[0]
    assert (
        "龙溪村党支部" in form and "渔子溪村党支部" not in form
    )  # the other township's branch is out of scope
    # Choosing the organisation brings its members for the secretary (htmx).
    fragment = client.get(
        "/admin/evaluation/orgs/secretary", params={"orgId": world.gid("Organization", "V1")}
    ).text
    assert (
        fragment.lstrip().startswith('<label id="secretary-field"')
        and "张三" in fragment
        and "李四" in fragment
    )
    v2 = world.gid("Organization", "V2")
    data = {
        "orgId": v2,
        "year": "2025",
        "rating": "poor",
        "assessedOn": "2026-01-20",
        "fiveGoods": ["leadership"],
        "rank": "2",
        "ranked": "2",
        "secretaryId": world.gid("Member", "wang"),
        "note": "述职测评",
    }
    r = client.post(
        "/admin/evaluation/orgs/assessments", data={**data, "rating": ""}, headers=hx(csrf)
    )
    assert (
        r.status_code == 422
        and r.text.lstrip().startswith('<form id="assessment-form"')
        and 'id="rating-error"' in r.text
    )
    assert (
        'value="leadership" checked' in r.text and 'value="述职测评"' in r.text
    )  # what was typed is kept
    r = client.post(
        "/admin/evaluation/orgs/assessments", data={**data, "rank": "3"}, headers=hx(csrf)
    )
    assert (
        r.status_code == 422
        and 'id="rank-error"' in r.text
        and "排名须同时给出名次和参评总数" in r.text
    )
    assert count(session_factory, OrgAssessment) == 0
    r = client.post("/admin/evaluation/orgs/assessments", data=data, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/admin/evaluation/orgs?year=2025"
    page = client.get("/admin/evaluation/orgs", params={"year": "2025"}).text
    table = page.split('id="org-assessment-table"', 1)[1].split("</table>", 1)[0]
    assert (
        "龙溪村党支部" in table
        and "1 / 5" in table
        and "2/2" in table
        and "王五" in table
        and "差" in table
    )
    # Correcting it: the form comes prefilled with the version; a stale version is a conflict.
    edit = (
        re.search(r'href="\?([^"]*edit=[^"#]+)#assessment-form"', page)
        .group(1)
        .replace("&amp;", "&")
    )  # type: ignore[union-attr]
    page = client.get("/admin/evaluation/orgs?" + edit).text
    form = page.split('id="assessment-form"', 1)[1].split("</form>", 1)[0]
    assert (
        'name="version" value="1"' in form
        and "修改组织考评" in form
        and 'value="poor" selected' in form
    )
    r = client.post(
        "/admin/evaluation/orgs/assessments",
        data={**data, "rating": "good", "version": "7"},
        headers=hx(csrf),
    )
    assert r.status_code == 409 and "已被他人修改" in r.text
    r = client.post(
        "/admin/evaluation/orgs/assessments",
        data={**data, "rating": "good", "version": "1"},
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    table = client.get("/admin/evaluation/orgs", params={"year": "2025"}).text.split(
        'id="org-assessment-table"', 1
    )[1]
    assert "<td>好</td>" in table and count(session_factory, OrgAssessment) == 1
    # Without htmx a refusal answers the whole page; a read-only account gets no form.
    r = client.post(
        "/admin/evaluation/orgs/assessments",
        data={**data, "csrf": csrf, "rank": "3", "version": "2"},
    )
    assert (
        r.status_code == 422
        and 'id="org-assessment-table"' in r.text
        and 'id="rank-error"' in r.text
    )
    client.cookies.clear()
    login(client, "viewer")
    page = client.get("/admin/evaluation/orgs", params={"year": "2025"}).text
    assert "龙溪村党支部" in page and "assessment-form" not in page and "site-form" not in page


def test_model_site_designated_reviewed_and_delisted(client, world, session_factory) -> None:
    csrf = login(client, "township")
    v1 = world.gid("Organization", "V1")
    data = {
        "orgId": v1,
        "year": "2025",
        "designatedOn": "2025-03-01",
        "eight": "1",
        "venue": "150",
        "satisfaction": "93",
        "other": "制度上墙：是",
    }
    r = client.post("/admin/evaluation/sites", data={**data, "venue": "很大"}, headers=hx(csrf))
    assert (
        r.status_code == 422
        and r.text.lstrip().startswith('<form id="site-form"')
        and 'id="venue-error"' in r.text
    )
    r = client.post("/admin/evaluation/sites", data={**data, "other": "没有冒号"}, headers=hx(csrf))
    assert r.status_code == 422 and 'id="other-error"' in r.text
    assert count(session_factory, ModelSite) == 0
    r = client.post("/admin/evaluation/sites", data=data, headers=hx(csrf))
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/admin/evaluation/orgs?year=2025"
    page = client.get("/admin/evaluation/orgs").text
    table = page.split('id="model-site-table"', 1)[1].split("</table>", 1)[0]
    assert (
        "布瓦村党支部" in table
        and "八有: ✓" in table
        and "活动场所面积（㎡）: 150" in table
        and "群众满意度: 0.93" in table
        and "制度上墙: 是" in table
    )
    # The same organisation and year twice: the API refuses (DUPLICATE) beside the year.
    r = client.post("/admin/evaluation/sites", data=data, headers=hx(csrf))
    assert (
        r.status_code == 422
        and 'id="year-error"' in r.text
        and count(session_factory, ModelSite) == 1
    )

    review = re.search(r'action="(/admin/evaluation/sites/[^"]+/review)"', page).group(1)  # type: ignore[union-attr]
    delist = re.search(r'action="(/admin/evaluation/sites/[^"]+/delist)"', page).group(1)  # type: ignore[union-attr]
    assert "hx-confirm=" in page.split(f'action="{delist}"', 1)[1].split(">", 1)[0]
    r = client.post(
        review,
        data={"version": "1", "reviewedOn": "2026-01-15", "note": "八有齐全"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and 'id="passed-error"' in r.text and "<html" not in r.text
    r = client.post(
        review, data={"version": "1", "reviewedOn": "2025-01-15", "passed": "yes"}, headers=hx(csrf)
    )
    assert r.status_code == 422 and 'id="reviewedOn-error"' in r.text
    r = client.post(
        review,
        data={"version": "1", "reviewedOn": "2026-01-15", "passed": "yes", "note": "八有齐全"},
        headers=hx(csrf),
    )
    assert r.headers["HX-Redirect"] == "/admin/evaluation/orgs"
    assert "复查通过 八有齐全" in client.get("/admin/evaluation/orgs").text
    r = client.post(
        delist, data={"version": "2", "on": "2026-03-01", "reason": ""}, headers=hx(csrf)
    )
    assert r.status_code == 422 and 'id="reason-error"' in r.text
    r = client.post(
        delist, data={"version": "1", "on": "2026-03-01", "reason": "复查不合格"}, headers=hx(csrf)
    )
    assert r.status_code == 409
    with session_factory() as s:
        assert s.execute(select(ModelSite.status)).scalar_one() == "designated"
    r = client.post(
        delist,
        data={"version": "2", "on": "2026-03-01", "reason": "年度复查不合格，撤销称号"},
        headers=hx(csrf),
    )
    assert r.headers["HX-Redirect"] == "/admin/evaluation/orgs"
    page = client.get("/admin/evaluation/orgs").text
    assert "年度复查不合格，撤销称号" in page and review not in page and delist not in page
    client.cookies.clear()
    login(client, "township2")
    assert "布瓦村党支部" not in client.get("/admin/evaluation/orgs").text


def test_per_rater_entry_of_one_row(client, world, session_factory) -> None:
    csrf = login(client, "township")
    url = open_round(client, csrf, world)
    zhang = rows(client.get(url).text)["张三"]
    sid = row_id(zhang)
    assert f'hx-get="/admin/evaluation/subjects/{sid}/raters?source=peer"' in zhang
    editor = client.get(
        f"/admin/evaluation/subjects/{sid}/raters", params={"source": "peer"}, headers=hx(csrf)
    ).text
    assert editor.lstrip().startswith(f'<tr id="row-{sid}"') and editor.count('name="rater"') == 3
    # A named rater without a grade: refused beside the row, what was typed kept, nothing saved.
    bad = {
        "version": version_of(zhang),
        "source": "peer",
        "rater": ["王五", "赵六", ""],
        "rater_grade": ["excellent", "", ""],
    }
    r = client.post(f"/admin/evaluation/subjects/{sid}/raters", data=bad, headers=hx(csrf))
    assert (
        r.status_code == 422
        and "row-error" in r.text
        and "请选择等次" in r.text
        and 'value="赵六"' in r.text
    )
    r = client.post(
        f"/admin/evaluation/subjects/{sid}/raters",
        data={"version": version_of(zhang), "source": "peer"},
        headers=hx(csrf),
    )
    assert r.status_code == 422 and "请至少填写一名评议人的等次" in r.text
    assert count(session_factory, SourceResult) == 0
    # More rows keep what was typed, and save nothing.
    r = client.post(
        f"/admin/evaluation/subjects/{sid}/raters", data={**bad, "more": "5"}, headers=hx(csrf)
    )
    assert r.status_code == 200 and r.text.count('name="rater"') == 7 and 'value="赵六"' in r.text
    good = {
        "version": version_of(zhang),
        "source": "peer",
        "rater": ["王五", "赵六", ""],
        "rater_grade": ["excellent", "qualified", "qualified"],
    }
    r = client.post(f"/admin/evaluation/subjects/{sid}/raters", data=good, headers=hx(csrf))
    assert r.status_code == 200, r.text
    assert (
        r.headers.get("hx-trigger") == "evaluationSaved"
        and "已保存" in r.text
        and "互评 3 人" in r.text
    )
    assert (
        'name="peer_excellent" aria-label="peer excellent"\n      value="1"' in r.text
        and 'name="peer_qualified" aria-label="peer qualified"\n      value="2"' in r.text
    )
    assert 'name="peer_raters" value="1,2,0,0"' in r.text
    # A stale version is a conflict: the editor comes back with what is saved.
    r = client.post(
        f"/admin/evaluation/subjects/{sid}/raters",
        data={**good, "rater": ["甲"], "rater_grade": ["unqualified"]},
        headers=hx(csrf),
    )
    assert r.status_code == 409 and 'value="王五"' in r.text and 'value="甲"' not in r.text
    # Saving the grid row with the tallies untouched keeps the raters.
    row = rows(client.get(url).text)["张三"]
    r = client.post(
        f"/admin/evaluation/subjects/{sid}",
        data={
            "version": version_of(row),
            "grade_was": "",
            "decision_was": "",
            "peer_had": "1",
            "peer_raters": "1,2,0,0",
            "peer_excellent": "1",
            "peer_qualified": "2",
            "grade": "qualified",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    with session_factory() as s:
        raters = s.execute(select(SourceResult.raters)).scalar_one()
    assert [x["rater"] for x in raters] == ["王五", "赵六", ""]
    editor = client.get(f"/admin/evaluation/subjects/{sid}/raters", params={"source": "peer"}).text
    assert (
        'value="王五"' in editor and 'value="赵六"' in editor and editor.count('name="rater"') == 6
    )
    # Changed tallies in the grid replace the per-rater entry, as before.
    row = rows(client.get(url).text)["张三"]
    r = client.post(
        f"/admin/evaluation/subjects/{sid}",
        data={
            "version": version_of(row),
            "grade_was": "qualified",
            "decision_was": "",
            "peer_had": "1",
            "peer_raters": "1,2,0,0",
            "peer_excellent": "5",
            "peer_qualified": "2",
            "grade": "qualified",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 200 and "互评 3 人" not in r.text
    with session_factory() as s:
        assert s.execute(select(SourceResult.raters)).scalar_one() is None
    # Back to the grid without saving.
    back = client.get(f"/admin/evaluation/subjects/{sid}", headers=hx(csrf)).text
    assert back.lstrip().startswith(f'<tr id="row-{sid}"') and "save-row" in back
    # Another township: not found.
    client.cookies.clear()
    csrf2 = login(client, "township2")
    assert client.get(f"/admin/evaluation/subjects/{sid}/raters").status_code == 404
    assert (
        client.post(
            f"/admin/evaluation/subjects/{sid}/raters",
            data={**good, "version": "3"},
            headers=hx(csrf2),
        ).status_code
        == 404
    )


def test_each_assessment_and_site_shows_its_changes(client, world) -> None:
    csrf = login(client, "township")
    data = {
        "orgId": world.gid("Organization", "V2"),
        "year": "2025",
        "rating": "poor",
        "assessedOn": "2026-01-20",
        "note": "述职测评",
    }
    client.post("/admin/evaluation/orgs/assessments", data=data, headers=hx(csrf))
    r = client.post(
        "/admin/evaluation/orgs/assessments",
        data={**data, "rating": "good", "version": "1"},
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/admin/evaluation/sites",
        data={
            "orgId": world.gid("Organization", "V1"),
            "year": "2025",
            "designatedOn": "2025-03-01",
        },
        headers=hx(csrf),
    )
    assert r.status_code == 200, r.text
    client.cookies.clear()
    login(client, "viewer")  # a reader sees the changes too
    page = client.get("/admin/evaluation/orgs").text
    table = page.split('id="org-assessment-table"', 1)[1].split("</table></td>", 1)[0]
    folded = table.split('<details class="row-history">', 1)[1].split("</details>", 1)[0]
    assert "修改记录（2）" in folded and folded.count("org_assessment.record") == 2
    assert "township" in folded and "poor" in folded and "good" in folded
    sites = page.split('id="model-site-table"', 1)[1]
    folded = sites.split('<details class="row-history">', 1)[1].split("</details>", 1)[0]
    assert "修改记录（1）" in folded and "model_site.designate" in folded


def test_the_evaluation_styles_live_in_the_stylesheet(client, world) -> None:
    login(client, "township")
    page = client.get("/admin/evaluation/orgs").text
    assert "<style" not in page
    css = client.get("/static/admin.css").text
    assert "table.grid-eval tr.saved td" in css and ".progress-bar > span" in css
    assert ".state-overdue" in css and "details.row-history" in css
