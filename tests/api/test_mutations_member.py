"""Mutations of members: register, update, status, posts and relation transfers (docs/domain.md §3).

Each refusal answers a typed error (code, messageZh, messageEn, field) and
leaves the data exactly as it was, read back as the county account.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from partygraph.models import AuditEvent, MemberEvent, Position, Transfer
from tests.conftest import LI_ID

RESULT = "__typename ... on Error { code message messageZh messageEn field } ... on Conflict { currentVersion }"
MEMBER = "member { id name version status statusLabel idNumber joinedOn convertedOn statusSince organization { code } }"
PAYLOADS = {
    "MemberPayload": f"... on MemberPayload {{ {MEMBER} }}",
    "PositionPayload": "... on PositionPayload { position { id kind kindLabel title startOn endOn version } }",
    "TransferPayload": "... on TransferPayload { transfer { id status statusLabel version memberName sentOn decidedOn decisionNote "
    "letterNumber toOrgName } }",
}
PAYLOAD_OF = {
    "registerMember": "MemberPayload", "updateMember": "MemberPayload", "changeMemberStatus": "MemberPayload",
    "addPosition": "PositionPayload", "endPosition": "PositionPayload", "sendTransfer": "TransferPayload",
    "decideTransfer": "TransferPayload", "cancelTransfer": "TransferPayload", "transferOut": "TransferPayload",
}  # fmt: skip
ALL_STATUSES = "[probationary, full, suspended, transferred_out, deceased, left, removed, expelled, probation_cancelled]"


def mutate(gql: Any, name: str, input: dict[str, Any], *, user: str = "county", lang: str = "zh") -> dict[str, Any]:
    doc = f"mutation($input: {name[0].upper() + name[1:]}Input!) {{ r: {name}(input: $input) {{ {RESULT} {PAYLOADS[PAYLOAD_OF[name]]} }} }}"
    return gql(doc, {"input": input}, user=user, lang=lang)["r"]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert result["__typename"].endswith("Payload"), result
    return result


DUMP = f"""{{
  organizations(first: 100, filter: {{includeDissolved: true}}) {{ totalCount nodes {{ id code version }} }}
  members(first: 100, filter: {{status: {ALL_STATUSES}}}) {{
    totalCount nodes {{ id name gender birthDate joinedOn convertedOn status statusSince version idNumber phone frontLine
                        organization {{ id }} positions {{ id kind endOn version }} }}
  }}
  transfers(first: 100) {{ totalCount nodes {{ id status version decisionNote decidedOn }} }}
}}"""


def dump(gql: Any) -> dict[str, Any]:
    data = gql(DUMP, user="county")
    with gql.factory() as s:
        counts = [select(func.count()).select_from(model).scalar_subquery() for model in (AuditEvent, MemberEvent, Position, Transfer)]
        data["rows"] = tuple(s.execute(select(*counts)).one())
    return data


def check_refusals(gql: Any, cases: list[tuple[str, str, dict[str, Any], str, str | None]], *, user: str = "county") -> None:
    """cases: (label, mutation, input, expected code, expected field). All run; all failures reported."""
    before = dump(gql)
    failures = []
    for i, (label, mutation, input, code, field) in enumerate(cases):
        for lang in ("en",) if i % 2 else ("zh",):  # every case once, both languages over the list
            r = mutate(gql, mutation, input, user=user, lang=lang)
            got = (r["__typename"], r.get("code"), r.get("field"))
            want_type = {"CONFLICT": "Conflict", "NOT_FOUND": "NotFound", "NOT_ALLOWED": "NotAllowed"}.get(code, "RuleViolation")
            if got != (want_type, code, field):
                failures.append(f"{label}: expected {(want_type, code, field)}, got {r}")
                break
            if not (r["messageZh"] and r["messageEn"] and r["messageZh"] != r["messageEn"]):
                failures.append(f"{label}: messages {r}")
            if r["message"] != (r["messageZh"] if lang == "zh" else r["messageEn"]):
                failures.append(f"{label}: message not in {lang}: {r}")
        after = dump(gql)
        if after != before:
            failures.append(f"{label}: changed the data")
            before = after
    assert not failures, "\n".join(failures)


def id_number(birth: str, *, male: bool, seq: int = 0, region: str = "513221") -> str:
    """A valid national ID (GB 11643) for a birth date (YYYYMMDD) and gender."""
    order = seq * 2 + (1 if male else 2)  # odd digit: male, even: female
    body = f"{region}{birth}{order:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


def node(gql: Any, gid: str, fields: str, *, user: str = "county") -> dict[str, Any] | None:
    return gql(f"query($id: ID!) {{ node(id: $id) {{ ... on Member {{ {fields} }} }} }}", {"id": gid}, user=user)["node"]


def roster(gql: Any, user: str) -> set[str]:
    return {n["name"] for n in gql("{ members(first: 100) { nodes { name } } }", user=user)["members"]["nodes"]}


def new_member(world: Any, at: str, **kw: Any) -> dict[str, Any]:
    base = {"orgId": world.gid("Organization", at), "name": "孙八", "gender": "male", "birthDate": "1990-01-01",
            "education": "bachelor", "joinedOn": "2015-07-01", "convertedOn": "2016-07-01"}
    return base | kw


# --- register ------------------------------------------------------------------------------------


def test_register_a_probationary_member(gql, world):
    number = id_number("19961101", male=False)
    r = ok(mutate(gql, "registerMember", new_member(world, "V2", name=" 孙八 ", gender="female", birthDate="1996-11-01",
                                                     joinedOn="2026-03-01", convertedOn=None, status="probationary",
                                                     idNumber=number), user="township"))
    m = r["member"]
    assert (m["name"], m["status"], m["statusLabel"], m["version"], m["organization"]) == ("孙八", "probationary", "预备党员", 1, {"code": "V2"})
    assert m["idNumber"] == number[:2] + "*" * 16
    assert m["statusSince"] == "2026-03-01" and m["convertedOn"] is None
    full = node(gql, m["id"], "idNumber age statusEvents { kind toStatus on } history { action actorName after }")
    assert full["idNumber"] == number
    assert full["age"] == 30  # born 1996-11-01, today is 2026-11-01
    assert full["statusEvents"] == [{"kind": "registered", "toStatus": "probationary", "on": "2026-03-01"}]
    assert [(h["action"], h["actorName"]) for h in full["history"]] == [("member.register", "township")]
    assert full["history"][0]["after"]["name"] == "孙八"
    assert "孙八" in roster(gql, "township") and "孙八" not in roster(gql, "village")
    for search in ("孙", "sunba", "sb", "SunBa"):
        assert gql("query($s: String) { members(filter: {search: $s}) { nodes { name } } }", {"s": search},
                   user="township")["members"]["nodes"] == [{"name": "孙八"}], search


def test_register_accepts_a_lowercase_x_check_digit_and_the_18th_birthday(gql, world):
    number = next(n for n in (id_number("20000101", male=True, seq=i) for i in range(60)) if n.endswith("X"))
    r = ok(mutate(gql, "registerMember", new_member(world, "G1", birthDate="2000-01-01", joinedOn="2018-01-01",
                                                     convertedOn="2019-01-01", idNumber=number.lower())))
    assert r["member"]["idNumber"] == number  # county: unmasked, normalised


def test_register_refusals(gql, world):
    def reg(**kw: Any) -> dict[str, Any]:
        return new_member(world, "V1", **kw)

    check_refusals(
        gql,
        [
            ("empty name", "registerMember", reg(name=""), "INVALID_INPUT", "name"),
            ("whitespace name", "registerMember", reg(name="   "), "INVALID_INPUT", "name"),
            ("full-width space name", "registerMember", reg(name="\u3000\u3000 \t"), "INVALID_INPUT", "name"),
            ("blank ethnicity", "registerMember", reg(ethnicity=" "), "INVALID_INPUT", "ethnicity"),
            ("born in the future", "registerMember", reg(birthDate="2026-11-02"), "INVALID_DATE", "birthDate"),
            ("born before 1900", "registerMember", reg(birthDate="1899-12-31"), "INVALID_DATE", "birthDate"),
            ("joined a day before 18", "registerMember", reg(birthDate="2000-01-01", joinedOn="2017-12-31", convertedOn=None,
                                                              status="probationary"), "R-DEV-01", "joinedOn"),
            ("joined at 5", "registerMember", reg(birthDate="1990-01-01", joinedOn="1995-07-01"), "R-DEV-01", "joinedOn"),
            ("joined in the future", "registerMember", reg(joinedOn="2026-12-01", convertedOn=None, status="probationary"),
             "INVALID_DATE", "joinedOn"),
            ("joined before the Party existed", "registerMember", reg(birthDate="1900-01-01", joinedOn="1921-06-30"),
             "INVALID_DATE", "joinedOn"),
            ("converted before joined", "registerMember", reg(convertedOn="2015-06-30"), "INVALID_DATE", "convertedOn"),
            ("converted in the future", "registerMember", reg(convertedOn="2026-11-02"), "INVALID_DATE", "convertedOn"),
            ("probationary with a conversion date", "registerMember", reg(status="probationary"), "INVALID_INPUT", "convertedOn"),
            ("registered as deceased", "registerMember", reg(status="deceased"), "INVALID_INPUT", "status"),
            ("duplicate national ID", "registerMember", reg(gender="female", birthDate="1980-03-02", joinedOn="2005-07-01",
                                                           convertedOn="2006-07-01", idNumber=LI_ID), "DUPLICATE", "idNumber"),
            ("bad check digit", "registerMember", reg(idNumber=LI_ID[:-1] + "7"), "INVALID_ID_NUMBER", "idNumber"),
            ("too short", "registerMember", reg(idNumber="51322119900101"), "INVALID_ID_NUMBER", "idNumber"),
            ("impossible birth date in the ID", "registerMember", reg(idNumber="513221199002300013"), "INVALID_ID_NUMBER", "idNumber"),
            ("ID birth date disagrees", "registerMember", reg(idNumber=id_number("19900102", male=True)), "INVALID_ID_NUMBER", "idNumber"),
            ("ID gender disagrees", "registerMember", reg(idNumber=id_number("19900101", male=False)), "INVALID_ID_NUMBER", "idNumber"),
            ("into the county committee", "registerMember", new_member(world, "C"), "INVALID_INPUT", "orgId"),
            ("into a member", "registerMember", reg(orgId=world.gid("Member", "li")), "INVALID_ID", "orgId"),
        ],
    )


# --- update --------------------------------------------------------------------------------------


def test_update_bumps_the_version_and_records_before_and_after(gql, world):
    zhang = world.gid("Member", "zhang")
    r = ok(mutate(gql, "updateMember", {"id": zhang, "version": 1, "name": "张三丰", "phone": " 13800000000 "}, user="village"))
    assert (r["member"]["name"], r["member"]["version"]) == ("张三丰", 2)
    data = node(gql, zhang, "phone history { action actorName before after }")
    assert data["phone"] == "13800000000"
    latest = data["history"][0]
    assert (latest["action"], latest["actorName"]) == ("member.update", "village")
    assert latest["before"] == {"name": "张三", "phone": None}
    assert latest["after"] == {"name": "张三丰", "phone": "13800000000"}
    found = gql('{ a: members(filter: {search: "zhangsanfeng"}) { totalCount } b: members(filter: {search: "zsf"}) { totalCount } }',
                user="village")
    assert (found["a"]["totalCount"], found["b"]["totalCount"]) == (1, 1)


def test_moving_a_member_inside_the_scope_is_an_event(gql, world):
    zhang = world.gid("Member", "zhang")
    r = ok(mutate(gql, "updateMember", {"id": zhang, "version": 1, "orgId": world.gid("Organization", "V1")}, user="village"))
    assert r["member"]["organization"] == {"code": "V1"}
    events = node(gql, zhang, "statusEvents { kind actorName }")["statusEvents"]
    assert events[-1] == {"kind": "moved", "actorName": "village"}
    assert gql('{ organization(code: "G1") { memberCounts { total } } }', user="village")["organization"]["memberCounts"]["total"] == 0


def test_two_writes_with_the_same_version_the_second_is_a_conflict(gql, world):
    zhang = world.gid("Member", "zhang")
    ok(mutate(gql, "updateMember", {"id": zhang, "version": 1, "phone": "111"}, user="township"))
    before = dump(gql)
    r = mutate(gql, "updateMember", {"id": zhang, "version": 1, "phone": "222", "name": "别人"}, user="village")
    assert (r["__typename"], r["code"], r["currentVersion"], r["field"]) == ("Conflict", "CONFLICT", 2, "version")
    assert dump(gql) == before
    assert node(gql, zhang, "name phone version") == {"name": "张三", "phone": "111", "version": 2}


def test_update_refusals(gql, world):
    zhang, li = world.gid("Member", "zhang"), world.gid("Member", "li")

    def upd(**kw: Any) -> dict[str, Any]:
        return {"id": zhang, "version": 1} | kw

    check_refusals(
        gql,
        [
            ("empty name", "updateMember", upd(name=""), "INVALID_INPUT", "name"),
            ("whitespace name", "updateMember", upd(name="    "), "INVALID_INPUT", "name"),
            ("null name", "updateMember", upd(name=None), "INVALID_INPUT", "name"),
            ("born in the future", "updateMember", upd(birthDate="2027-01-01"), "INVALID_DATE", "birthDate"),
            ("now too young when joining", "updateMember", upd(birthDate="1980-01-01"), "R-DEV-01", "joinedOn"),
            ("joined as a child", "updateMember", upd(joinedOn="1985-07-01", convertedOn="1986-07-01"), "R-DEV-01", "joinedOn"),
            ("converted before joined", "updateMember", upd(convertedOn="1995-06-30"), "INVALID_DATE", "convertedOn"),
            ("bad ID", "updateMember", upd(idNumber="513221197005010010"), "INVALID_ID_NUMBER", "idNumber"),
            ("ID of someone else's birth date", "updateMember", upd(idNumber=id_number("19700502", male=True)), "INVALID_ID_NUMBER", "idNumber"),
            ("ID of the other gender", "updateMember", upd(idNumber=id_number("19700501", male=False)), "INVALID_ID_NUMBER", "idNumber"),
            ("gender the ID contradicts", "updateMember", {"id": li, "version": 1, "gender": "male"}, "INVALID_ID_NUMBER", "idNumber"),
            ("blank ethnicity", "updateMember", upd(ethnicity=""), "INVALID_INPUT", "ethnicity"),
            ("into the county committee", "updateMember", upd(orgId=world.gid("Organization", "C")), "INVALID_INPUT", "orgId"),
            ("into a member", "updateMember", upd(orgId=world.gid("Member", "li")), "INVALID_ID", "orgId"),
            ("stale version", "updateMember", upd(version=0, name="张三丰"), "CONFLICT", "version"),
        ],
    )


def test_update_to_a_national_id_already_registered_is_a_duplicate(gql, world):
    before = dump(gql)
    r = mutate(gql, "updateMember", {"id": world.gid("Member", "zhang"), "version": 1, "gender": "female", "birthDate": "1980-03-02",
                                     "joinedOn": "2005-07-01", "convertedOn": "2006-07-01", "idNumber": LI_ID})
    assert dump(gql) == before
    assert (r["__typename"], r["code"], r["field"]) == ("RuleViolation", "DUPLICATE", "idNumber"), r


@pytest.mark.parametrize("field", ["birthDate", "joinedOn"])
def test_null_for_a_required_date_is_a_rule_violation(gql, world, field):
    result = gql.run(
        f"mutation($id: ID!) {{ updateMember(input: {{id: $id, version: 1, {field}: null}}) {{ {RESULT} }} }}",
        {"id": world.gid("Member", "zhang")},
    )
    assert not result.errors, result.errors
    r = result.data["updateMember"]
    assert (r["__typename"], r["code"], r["field"]) == ("RuleViolation", "INVALID_INPUT", field)


def test_null_for_a_required_flag_is_a_rule_violation(gql, world):
    r = mutate(gql, "updateMember", {"id": world.gid("Member", "zhang"), "version": 1, "frontLine": None})
    assert (r["__typename"], r["code"], r["field"]) == ("RuleViolation", "INVALID_INPUT", "frontLine")


# --- status --------------------------------------------------------------------------------------


def test_suspend_a_member_is_an_event_and_takes_him_off_the_roster(gql, world):
    zhang = world.gid("Member", "zhang")
    r = ok(mutate(gql, "changeMemberStatus", {"id": zhang, "version": 1, "toStatus": "suspended", "on": "2026-09-01",
                                              "reason": "停止党籍一年"}, user="township", lang="en"))
    assert (r["member"]["status"], r["member"]["statusLabel"], r["member"]["statusSince"], r["member"]["version"]) == (
        "suspended", "Membership suspended", "2026-09-01", 2)
    data = node(gql, zhang, "statusEvents { kind fromStatus toStatus on reason actorName } history { action before after }")
    assert data["statusEvents"][-1] == {"kind": "status", "fromStatus": "full", "toStatus": "suspended", "on": "2026-09-01",
                                        "reason": "停止党籍一年", "actorName": "township"}
    assert data["history"][0]["action"] == "member.status"
    assert data["history"][0]["before"]["status"] == "full" and data["history"][0]["after"]["status"] == "suspended"
    assert "张三" not in roster(gql, "township")
    listed = gql("{ members(filter: {status: [suspended]}) { nodes { name } } }", user="township")["members"]["nodes"]
    assert listed == [{"name": "张三"}]
    counts = gql('{ organization(code: "V1") { memberCounts { total full } } }', user="village")["organization"]["memberCounts"]
    assert counts == {"total": 1, "full": 1}


def test_conversion_sets_the_conversion_date(gql, world):
    qian = world.gid("Member", "qian")
    r = ok(mutate(gql, "changeMemberStatus", {"id": qian, "version": 1, "toStatus": "full", "on": "2026-10-15", "reason": "按期转正"},
                  user="village3"))
    assert (r["member"]["status"], r["member"]["statusLabel"], r["member"]["convertedOn"]) == ("full", "正式党员", "2026-10-15")


def test_status_refusals(gql, world):
    zhang = world.gid("Member", "zhang")

    def status(to: str, **kw: Any) -> dict[str, Any]:
        return {"id": zhang, "version": 1, "toStatus": to, "on": "2026-10-01", "reason": "原因"} | kw

    check_refusals(
        gql,
        [
            ("transfer out by hand", "changeMemberStatus", status("transferred_out"), "R-MEM-STATUS", "toStatus"),
            ("full back to probationary", "changeMemberStatus", status("probationary"), "R-MEM-STATUS", "toStatus"),
            ("full to full", "changeMemberStatus", status("full"), "R-MEM-STATUS", "toStatus"),
            ("no reason", "changeMemberStatus", status("suspended", reason=" "), "INVALID_INPUT", "reason"),
            ("in the future", "changeMemberStatus", status("suspended", on="2026-11-02"), "INVALID_DATE", "on"),
            ("before joining", "changeMemberStatus", status("deceased", on="1995-06-30"), "INVALID_DATE", "on"),
            ("stale version", "changeMemberStatus", status("suspended", version=5), "CONFLICT", "version"),
        ],
    )


def test_a_closed_record_cannot_be_changed(gql, world):
    wang = world.gid("Member", "wang")
    ok(mutate(gql, "changeMemberStatus", {"id": wang, "version": 1, "toStatus": "deceased", "on": "2026-08-01", "reason": "病故"}))
    check_refusals(
        gql,
        [
            ("update", "updateMember", {"id": wang, "version": 2, "phone": "1"}, "R-MEM-CLOSED", None),
            ("revive", "changeMemberStatus", {"id": wang, "version": 2, "toStatus": "full", "on": "2026-09-01", "reason": "x"},
             "R-MEM-STATUS", "toStatus"),
            ("post", "addPosition", {"memberId": wang, "orgId": world.gid("Organization", "V2"), "kind": "secretary",
                                     "startOn": "2026-01-01"}, "R-MEM-CLOSED", "memberId"),
            ("transfer", "sendTransfer", {"memberId": wang, "toOrgCode": "V1", "on": "2026-10-01", "reason": "x"}, "R-MEM-CLOSED", "memberId"),
            ("transfer out", "transferOut", {"memberId": wang, "version": 2, "externalOrgName": "外省", "letterNumber": "1",
                                             "on": "2026-10-01", "reason": "x"}, "R-MEM-CLOSED", "memberId"),
        ],
    )
    assert node(gql, wang, "status statusLabel version", user="township") == {"status": "deceased", "statusLabel": "已去世", "version": 2}


# --- positions -----------------------------------------------------------------------------------


def test_posts_secretary_and_officers(gql, world):
    li, zhang, v1 = world.gid("Member", "li"), world.gid("Member", "zhang"), world.gid("Organization", "V1")
    p = ok(mutate(gql, "addPosition", {"memberId": li, "orgId": v1, "kind": "secretary", "startOn": "2024-01-01"}, user="village"))
    pos = p["position"]
    assert (pos["kind"], pos["kindLabel"], pos["title"], pos["endOn"], pos["version"]) == ("secretary", "书记", "书记", None, 1)
    ok(mutate(gql, "addPosition", {"memberId": zhang, "orgId": v1, "kind": "organisation_officer", "startOn": "2024-01-01",
                                   "title": "组织委员兼宣传委员"}, user="village"))
    q = '{ organization(code: "V1") { secretary { name } officers { kind title member { name } } } }'
    data = gql(q, user="village")["organization"]
    assert data["secretary"] == {"name": "李四"}
    assert data["officers"] == [{"kind": "secretary", "title": "书记", "member": {"name": "李四"}},
                                {"kind": "organisation_officer", "title": "组织委员兼宣传委员", "member": {"name": "张三"}}]
    check_refusals(
        gql,
        [
            ("a second secretary", "addPosition", {"memberId": zhang, "orgId": v1, "kind": "secretary", "startOn": "2025-01-01"},
             "R-ORG-SECRETARY", "kind"),
            ("starts in the future", "addPosition", {"memberId": zhang, "orgId": v1, "kind": "committee_member",
                                                     "startOn": "2026-12-01"}, "INVALID_DATE", "startOn"),
            ("ends before it starts", "endPosition", {"id": pos["id"], "version": 1, "endOn": "2023-12-31"}, "INVALID_DATE", "endOn"),
            ("ends in the future", "endPosition", {"id": pos["id"], "version": 1, "endOn": "2026-11-02"}, "INVALID_DATE", "endOn"),
            ("stale version", "endPosition", {"id": pos["id"], "version": 3, "endOn": "2026-10-01"}, "CONFLICT", "version"),
        ],
        user="village",
    )
    ended = ok(mutate(gql, "endPosition", {"id": pos["id"], "version": 1, "endOn": "2026-10-01"}, user="village"))
    assert (ended["position"]["endOn"], ended["position"]["version"]) == ("2026-10-01", 2)
    assert gql(q, user="village")["organization"]["secretary"] is None
    current = node(gql, li, "positions(current: true) { kind } all: positions { kind endOn }")
    assert current == {"positions": [], "all": [{"kind": "secretary", "endOn": "2026-10-01"}]}
    check_refusals(gql, [("end twice", "endPosition", {"id": pos["id"], "version": 2, "endOn": "2026-10-01"}, "INVALID_INPUT", "endOn")])
    ok(mutate(gql, "addPosition", {"memberId": zhang, "orgId": v1, "kind": "secretary", "startOn": "2026-10-02"}, user="village"))
    assert gql(q, user="village")["organization"]["secretary"] == {"name": "张三"}


# --- relation transfers (组织关系转接) -------------------------------------------------------------

INCOMING = """{ transfers(direction: INCOMING) { totalCount nodes { id status statusLabel memberName member { name } fromOrgName } } }"""


def test_transfer_handshake_send_then_accept(gql, world):
    li = world.gid("Member", "li")
    post = ok(mutate(gql, "addPosition", {"memberId": li, "orgId": world.gid("Organization", "V1"), "kind": "secretary",
                                          "startOn": "2020-01-01"}, user="village"))["position"]
    sent = ok(mutate(gql, "sendTransfer", {"memberId": li, "toOrgCode": " V3 ", "on": "2026-10-01", "reason": "外出务工",
                                           "letterNumber": "威组转 2026-17"}, user="village"))["transfer"]
    assert (sent["status"], sent["statusLabel"], sent["memberName"], sent["toOrgName"]) == ("pending", "待接收", "李四", "渔子溪村党支部")
    # sent: the member stays with the sender, post and all
    assert "李四" in roster(gql, "village") and "李四" not in roster(gql, "village3")
    assert node(gql, li, "status positions(current: true) { kind }", user="village") == {"status": "full", "positions": [{"kind": "secretary"}]}
    assert node(gql, li, "name", user="village3") is None
    incoming = gql(INCOMING, user="village3")["transfers"]
    assert incoming["totalCount"] == 1
    assert incoming["nodes"][0] | {"id": None} == {"id": None, "status": "pending", "statusLabel": "待接收", "memberName": "李四",
                                                    "member": None, "fromOrgName": "布瓦村党支部"}
    # accepted by the receiving side
    accepted = ok(mutate(gql, "decideTransfer", {"id": sent["id"], "version": sent["version"], "accept": True, "on": "2026-10-08",
                                                 "note": "已接收"}, user="village3"))["transfer"]
    assert (accepted["status"], accepted["decidedOn"], accepted["version"]) == ("accepted", "2026-10-08", 2)
    assert "李四" in roster(gql, "village3") and "李四" not in roster(gql, "village")
    assert node(gql, li, "name", user="village") is None
    moved = node(gql, li, "status organization { code } positions { kind endOn } statusEvents { kind }", user="village3")
    assert moved["status"] == "full" and moved["organization"] == {"code": "V3"}
    assert moved["positions"] == [{"kind": "secretary", "endOn": "2026-10-08"}]  # posts end with the move
    assert [e["kind"] for e in moved["statusEvents"]] == ["registered", "transfer_sent", "transfer_accepted"]
    assert gql('{ organization(code: "V1") { secretary { name } } }', user="village")["organization"]["secretary"] is None
    # both sides keep the record; only the receiver now sees the member
    out = gql("{ transfers(direction: OUTGOING) { nodes { status memberName member { name } } } }", user="village")["transfers"]["nodes"]
    assert out == [{"status": "accepted", "memberName": "李四", "member": None}]
    inc = gql(INCOMING, user="village3")["transfers"]["nodes"]
    assert inc[0]["member"] == {"name": "李四"} and inc[0]["status"] == "accepted"
    counts = gql('{ a: organization(code: "T1") { memberCounts { total } } b: organization(code: "T2") { memberCounts { total } } }')
    assert (counts["a"]["memberCounts"]["total"], counts["b"]["memberCounts"]["total"]) == (2, 3)
    assert post["id"]


def test_transfer_accepted_into_a_group_of_the_receiver(gql, world):
    zhang = world.gid("Member", "zhang")
    sent = ok(mutate(gql, "sendTransfer", {"memberId": zhang, "toOrgCode": "V3", "on": "2026-10-01", "reason": "搬迁"},
                     user="township"))["transfer"]
    check_refusals(
        gql,
        [
            ("into the township itself", "decideTransfer", {"id": sent["id"], "version": 1, "accept": True, "on": "2026-10-02",
                                                            "toOrgId": world.gid("Organization", "T2")}, "R-MEM-TRANSFER", "toOrgId"),
            ("decided before it was sent", "decideTransfer", {"id": sent["id"], "version": 1, "accept": True, "on": "2026-09-30"},
             "INVALID_DATE", "on"),
            ("stale version", "decideTransfer", {"id": sent["id"], "version": 2, "accept": True, "on": "2026-10-02"}, "CONFLICT", "version"),
        ],
        user="township2",
    )
    ok(mutate(gql, "decideTransfer", {"id": sent["id"], "version": 1, "accept": True, "on": "2026-10-02",
                                      "toOrgId": world.gid("Organization", "G3")}, user="township2"))
    assert node(gql, zhang, "organization { code }", user="village3") == {"organization": {"code": "G3"}}
    check_refusals(gql, [("decide twice", "decideTransfer", {"id": sent["id"], "version": 2, "accept": False, "on": "2026-10-03",
                                                             "note": "x"}, "R-MEM-TRANSFER", None)], user="township2")


def test_transfer_refused_needs_a_note_and_leaves_the_member(gql, world):
    zhang = world.gid("Member", "zhang")
    sent = ok(mutate(gql, "sendTransfer", {"memberId": zhang, "toOrgCode": "V3", "on": "2026-10-01", "reason": "搬迁"},
                     user="village"))["transfer"]
    check_refusals(
        gql,
        [
            ("refused without a note", "decideTransfer", {"id": sent["id"], "version": 1, "accept": False, "on": "2026-10-02"},
             "INVALID_INPUT", "note"),
            ("refused with a blank note", "decideTransfer", {"id": sent["id"], "version": 1, "accept": False, "on": "2026-10-02",
                                                             "note": "  "}, "INVALID_INPUT", "note"),
        ],
        user="village3",
    )
    refused = ok(mutate(gql, "decideTransfer", {"id": sent["id"], "version": 1, "accept": False, "on": "2026-10-02",
                                                "note": "介绍信信息不全"}, user="village3", lang="en"))["transfer"]
    assert (refused["status"], refused["statusLabel"], refused["decisionNote"]) == ("refused", "Refused", "介绍信信息不全")
    assert "张三" in roster(gql, "village") and "张三" not in roster(gql, "village3")
    assert node(gql, zhang, "organization { code } statusEvents { kind reason }", user="village") == {
        "organization": {"code": "G1"},
        "statusEvents": [{"kind": "registered", "reason": None}, {"kind": "transfer_sent", "reason": "搬迁"},
                         {"kind": "transfer_refused", "reason": "介绍信信息不全"}],
    }
    # refused: the sender may try again
    ok(mutate(gql, "sendTransfer", {"memberId": zhang, "toOrgCode": "V3", "on": "2026-10-03", "reason": "补全材料"}, user="village"))


def test_transfer_cancelled_by_the_sender(gql, world):
    zhang = world.gid("Member", "zhang")
    sent = ok(mutate(gql, "sendTransfer", {"memberId": zhang, "toOrgCode": "V2", "on": "2026-10-01", "reason": "搬迁"},
                     user="township"))["transfer"]
    check_refusals(
        gql,
        [
            ("a second pending transfer", "sendTransfer", {"memberId": zhang, "toOrgCode": "V3", "on": "2026-10-01", "reason": "x"},
             "R-MEM-TRANSFER", "memberId"),
            ("transfer out while pending", "transferOut", {"memberId": zhang, "version": 1, "externalOrgName": "外省", "letterNumber": "1",
                                                           "on": "2026-10-01", "reason": "x"}, "R-MEM-TRANSFER", "memberId"),
            ("cancel without a reason", "cancelTransfer", {"id": sent["id"], "version": 1, "reason": ""}, "INVALID_INPUT", "reason"),
            ("cancel with a stale version", "cancelTransfer", {"id": sent["id"], "version": 2, "reason": "x"}, "CONFLICT", "version"),
        ],
        user="village",
    )
    cancelled = ok(mutate(gql, "cancelTransfer", {"id": sent["id"], "version": 1, "reason": "填错了"}, user="village"))["transfer"]
    assert (cancelled["status"], cancelled["statusLabel"], cancelled["decisionNote"]) == ("cancelled", "已撤回", "填错了")
    assert node(gql, zhang, "organization { code } statusEvents { kind }", user="village") == {
        "organization": {"code": "G1"}, "statusEvents": [{"kind": "registered"}, {"kind": "transfer_sent"}, {"kind": "transfer_cancelled"}],
    }
    check_refusals(
        gql,
        [
            ("accept a cancelled transfer", "decideTransfer", {"id": sent["id"], "version": 2, "accept": True, "on": "2026-10-02"},
             "R-MEM-TRANSFER", None),
            ("cancel twice", "cancelTransfer", {"id": sent["id"], "version": 2, "reason": "x"}, "R-MEM-TRANSFER", None),
        ],
        user="township",
    )


def test_send_transfer_refusals(gql, world):
    zhang = world.gid("Member", "zhang")

    def send(**kw: Any) -> dict[str, Any]:
        return {"memberId": zhang, "toOrgCode": "V3", "on": "2026-10-01", "reason": "搬迁"} | kw

    check_refusals(
        gql,
        [
            ("unknown code", "sendTransfer", send(toOrgCode="NOPE"), "R-MEM-TRANSFER", "toOrgCode"),
            ("own branch", "sendTransfer", send(toOrgCode="G1"), "R-MEM-TRANSFER", "toOrgCode"),
            ("the county committee holds no members", "sendTransfer", send(toOrgCode="C"), "R-MEM-TRANSFER", "toOrgCode"),
            ("no reason", "sendTransfer", send(reason=" "), "INVALID_INPUT", "reason"),
            ("in the future", "sendTransfer", send(on="2026-11-02"), "INVALID_DATE", "on"),
        ],
        user="village",
    )


def test_transfer_out_of_the_system(gql, world):
    li = world.gid("Member", "li")
    ok(mutate(gql, "addPosition", {"memberId": li, "orgId": world.gid("Organization", "V1"), "kind": "committee_member",
                                   "startOn": "2020-01-01"}, user="village"))

    def out(**kw: Any) -> dict[str, Any]:
        return {"memberId": li, "version": 1, "externalOrgName": "广东省东莞市某企业党支部", "letterNumber": "威组转外 2026-3",
                "on": "2026-10-20", "reason": "随迁"} | kw

    check_refusals(
        gql,
        [
            ("no letter number", "transferOut", out(letterNumber="  "), "INVALID_INPUT", "letterNumber"),
            ("no receiving organisation", "transferOut", out(externalOrgName=""), "INVALID_INPUT", "externalOrgName"),
            ("no reason", "transferOut", out(reason=""), "INVALID_INPUT", "reason"),
            ("in the future", "transferOut", out(on="2026-11-02"), "INVALID_DATE", "on"),
            ("stale version", "transferOut", out(version=2), "CONFLICT", "version"),
        ],
        user="village",
    )
    t = ok(mutate(gql, "transferOut", out(), user="village"))["transfer"]
    assert (t["status"], t["statusLabel"], t["toOrgName"], t["letterNumber"], t["decidedOn"]) == (
        "external", "已转出系统外", "广东省东莞市某企业党支部", "威组转外 2026-3", "2026-10-20")
    assert "李四" not in roster(gql, "village")
    data = node(gql, li, "status statusLabel statusSince positions { endOn } statusEvents { kind fromStatus toStatus } transfers { status }",
                user="village")
    assert (data["status"], data["statusLabel"], data["statusSince"]) == ("transferred_out", "已转出", "2026-10-20")
    assert data["positions"] == [{"endOn": "2026-10-20"}]
    assert data["statusEvents"][-1] == {"kind": "transfer_out", "fromStatus": "full", "toStatus": "transferred_out"}
    assert data["transfers"] == [{"status": "external"}]
    listed = gql("{ members(filter: {status: [transferred_out]}) { nodes { name } } }", user="village")["members"]["nodes"]
    assert listed == [{"name": "李四"}]
    counts = gql('{ organization(code: "V1") { memberCounts { total } } }', user="village")["organization"]["memberCounts"]
    assert counts == {"total": 1}


def test_a_member_who_left_the_roster_while_pending_cannot_be_received(gql, world):
    zhang = world.gid("Member", "zhang")
    sent = ok(mutate(gql, "sendTransfer", {"memberId": zhang, "toOrgCode": "V3", "on": "2026-10-01", "reason": "搬迁"},
                     user="township"))["transfer"]
    ok(mutate(gql, "changeMemberStatus", {"id": zhang, "version": 1, "toStatus": "deceased", "on": "2026-10-02", "reason": "病故"},
              user="township"))
    r = mutate(gql, "decideTransfer", {"id": sent["id"], "version": 1, "accept": True, "on": "2026-10-03"}, user="township2")
    assert r["__typename"] == "RuleViolation", r
    assert node(gql, zhang, "organization { code }") == {"organization": {"code": "G1"}}
