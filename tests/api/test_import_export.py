"""Import and export of spreadsheets (issue 8): a mixed file (dry run writes nothing, a refused
commit writes nothing), all-or-nothing commits, re-import without duplicates, scope, and a
round trip export → import of the demo county into an empty database with the same tree."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, insert, select
from stdnum.cn import ric

from partygraph import exports, imports
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.models.account import Account
from partygraph.models.member import Member
from partygraph.models.organization import Organization
from partygraph.services import account as accounts
from tests.conftest import LI_ID, TODAY, _wipe, system_context


def id_number(born: date, serial: int, male: bool) -> str:
    body = f"513221{born:%Y%m%d}{serial:02d}{1 if male else 2}"  # the 17th digit: odd for men
    return body + ric.calc_check_digit(body + "0")  # (the argument carries a placeholder check digit)


HEADER = "姓名,性别,民族,出生日期,学历,入党日期,转正日期,身份证号,联系电话,所在党组织,组织编码\n"


def roster_csv(rows: list[str]) -> bytes:
    return ("\ufeff" + HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def member_count(session_factory) -> int:
    with session_factory() as s:
        return s.execute(select(func.count()).select_from(Member)).scalar_one()


def ctx_for(session, settings, clock, username: str | None = None) -> Context:
    if username is None:
        return system_context(session, settings, clock)
    account = session.execute(select(Account).where(Account.username == username)).scalar_one()
    return Context(session=session, settings=settings, viewer=accounts.viewer_for(session, account), clock=clock)


GOOD_A = f"周一,男,汉族,1990-01-01,高中,2015-07-01,2016-07-01,{id_number(date(1990, 1, 1), 11, True)},13800000001,,V1"
GOOD_B = "吴二,女,羌族,1992年3月4日,大学本科,2018/7/1,,,,龙溪村党支部,"


def test_mixed_file_dry_run_lists_every_bad_row_and_writes_nothing(world, session_factory, settings, clock):
    bad_checksum = id_number(date(1991, 5, 5), 21, True)[:-1] + ("0" if id_number(date(1991, 5, 5), 21, True)[-1] != "0" else "1")
    data = roster_csv(
        [
            GOOD_A,  # row 2
            GOOD_B,  # row 3
            f"郑三,男,汉族,1991-05-05,初中,2015-07-01,2016-07-01,{bad_checksum},,,V1",  # row 4: checksum
            "王四,男,汉族,1990-02-30,初中,2015-07-01,2016-07-01,,,,V1",  # row 5: impossible date
            "冯五,男,汉族,1990-01-01,初中,2015-07-01,2016-07-01,,,火星村党支部,",  # row 6: unknown organisation
            GOOD_A.replace("13800000001", "13800000002"),  # row 7: repeats row 2 (same ID number)
            "李四,女,汉族,1980-03-02,初中,2005-07-01,2006-07-01,,,,V1",  # row 8: registered (name + birth + org) → skipped
            f"陈六,女,汉族,1980-03-02,初中,2005-07-01,2006-07-01,{LI_ID},,,V1",  # row 9: that ID belongs to 李四
            "褚七,男,汉族,2000-01-01,初中,2010-07-01,2011-07-01,,,,V1",  # row 10: joined at 10 (R-DEV-01)
            "卫八,男,汉族,1980-01-01,幼儿园,2010-07-01,2011-07-01,,,,V1",  # row 11: unknown education
            "蒋九,男,汉族,1980-01-01,初中,2010-07-01,2011-07-01,,,,C",  # row 12: a county committee holds no members
            ",男,汉族,1980-01-01,初中,2010-07-01,2011-07-01,,,,V1",  # row 13: no name
        ]
    )
    before = member_count(session_factory)
    with session_factory() as s:
        report = imports.import_members(ctx_for(s, settings, clock), data, "roster.csv")
    assert not report.committed and report.created == 0
    assert member_count(session_factory) == before
    reasons = {p.row: (p.code, p.message_zh) for p in report.problems}
    assert reasons[4][0] == "INVALID_ID_NUMBER"
    assert reasons[5][0] == "INVALID_DATE" and "不存在" in reasons[5][1]
    assert reasons[6][0] == "UNKNOWN_ORG"
    assert reasons[7][0] == "DUPLICATE_IN_FILE" and "第 2 行" in reasons[7][1]
    assert reasons[9][0] == "DUPLICATE" and "李四" in reasons[9][1]
    assert reasons[10][0] == "R-DEV-01"
    assert reasons[11][0] == "INVALID_INPUT" and "幼儿园" in reasons[11][1]
    assert reasons[12][0] == "INVALID_INPUT"
    assert reasons[13][0] == "REQUIRED"
    assert set(reasons) == {4, 5, 6, 7, 9, 10, 11, 12, 13}
    assert [r for r, _n, _why in report.skipped] == [8]
    assert report.total == 12 and report.good == 2

    # the commit is refused: nothing written
    with session_factory() as s, pytest.raises(imports.ImportRefusedError) as refused:
        imports.import_members(ctx_for(s, settings, clock), data, "roster.csv", commit=True)
    assert len(refused.value.report.problems) == 9
    assert member_count(session_factory) == before


def test_good_file_commits_once_and_a_reimport_creates_no_duplicates(world, session_factory, settings, clock):
    data = roster_csv([GOOD_A, GOOD_B, f"李四,女,汉族,1980-03-02,初中,2005-07-01,2006-07-01,{LI_ID},,,V1"])
    before = member_count(session_factory)
    seen: list[tuple[str, int, int]] = []
    with session_factory() as s:
        report = imports.import_members(ctx_for(s, settings, clock), data, "roster.csv", commit=True, progress=lambda *a: seen.append(a))
    assert report.committed and report.created == 2 and len(report.skipped) == 1
    assert ("write", 2, 2) in seen and ("check", 3, 3) in seen
    assert member_count(session_factory) == before + 2
    with session_factory() as s:
        zhou = s.execute(select(Member).where(Member.name == "周一")).scalar_one()
        assert (zhou.education, zhou.phone, zhou.org_id, zhou.status) == ("senior_high", "13800000001", world.ids["V1"], "full")
        wu = s.execute(select(Member).where(Member.name == "吴二")).scalar_one()
        assert (wu.birth_date, wu.joined_on, wu.status, wu.org_id, wu.ethnicity) == (date(1992, 3, 4), date(2018, 7, 1), "full", world.ids["V2"], "羌族")
    # the same file again: everything matches (by ID number, else name + birth date + organisation)
    with session_factory() as s:
        again = imports.import_members(ctx_for(s, settings, clock), data, "roster.csv", commit=True)
    assert again.created == 0 and len(again.skipped) == 3
    assert member_count(session_factory) == before + 2


def test_an_error_during_the_commit_writes_nothing(world, session_factory, settings, clock, monkeypatch):
    from partygraph.services import member as members

    real = members.register
    calls = []

    def failing(ctx, **kw):  # type: ignore[no-untyped-def]
        calls.append(kw["name"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(ctx, **kw)

    monkeypatch.setattr(members, "register", failing)
    before = member_count(session_factory)
    with session_factory() as s, pytest.raises(RuntimeError):
        imports.import_members(ctx_for(s, settings, clock), roster_csv([GOOD_A, GOOD_B]), "roster.csv", commit=True)
    assert member_count(session_factory) == before


def test_import_is_limited_to_the_viewers_scope(world, session_factory, settings, clock):
    with session_factory() as s:
        report = imports.import_members(ctx_for(s, settings, clock, "township2"), roster_csv([GOOD_A]), "roster.csv")
    assert [p.code for p in report.problems] == ["UNKNOWN_ORG"]


def test_export_members_with_filters_and_masking(world, session_factory, settings, clock):
    from strawberry.relay import GlobalID

    from partygraph.graphql.filters import MemberFilter
    from partygraph.models.member import Gender

    with session_factory() as s:
        ctx = ctx_for(s, settings, clock, "township")
        ds = exports.members_dataset(ctx, MemberFilter(gender=Gender.female))
        ds.header_lines = exports.header_lines("威州镇党委", "2026-01-01 至 2026-11-01", datetime(2026, 11, 1, 9, 30))
        buf = io.BytesIO()
        assert exports.write_xlsx(buf, ds) == 1
        county = ctx_for(s, settings, clock, "county")
        rows = list(exports.members_dataset(county, MemberFilter(under=GlobalID("Organization", str(world.ids["V1"])))).rows)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue()), read_only=True).worksheets[0]
    sheet = [list(r) for r in ws.iter_rows(values_only=True)]
    assert sheet[0][0] == "组织：威州镇党委" and sheet[1][0].startswith("期间：") and sheet[2][0].startswith("生成时间：2026-11-01 09:30")
    assert sheet[4][:3] == ["姓名", "性别", "民族"]
    li = dict(zip(sheet[4], sheet[5], strict=False))
    assert li["姓名"] == "李四" and li["性别"] == "女" and li["组织编码"] == "V1"
    assert li["身份证号码"] == LI_ID[:2] + "*" * 16  # a township sees it masked
    assert sorted(r[0] for r in rows) == ["张三", "李四"]
    assert LI_ID in [r[11] for r in rows]  # the county sees it


def test_csv_export_has_a_bom_and_chinese_headers(world, session_factory, settings, clock):
    with session_factory() as s:
        ds = exports.members_dataset(ctx_for(s, settings, clock, "county"))
        buf = io.StringIO()
        assert exports.write_csv(buf, ds) == 5
    text = buf.getvalue()
    assert text.startswith("\ufeff姓名,性别,民族,出生日期")


# --------------------------------------------------------------------------- the demo round trip

ROSTER_COLUMNS = (
    Member.name, Member.gender, Member.ethnicity, Member.birth_date, Member.education, Member.occupation, Member.front_line,
    Member.rural, Member.joined_on, Member.converted_on, Member.status, Member.id_number, Member.phone, Organization.code,
    Member.flowing, Member.flow_destination, Member.flow_certificate, Member.lost_contact, Member.lost_contact_since,
    Member.in_difficulty, Member.notes,
)  # fmt: skip


def roster(session) -> Counter:
    rows = session.execute(
        select(*ROSTER_COLUMNS).join(Organization, Organization.id == Member.org_id).where(Member.status.in_(["full", "probationary"]))
    ).all()
    return Counter(tuple(r) for r in rows)


def test_demo_round_trip_gives_the_same_roster(db, session_factory, settings, clock):
    from partygraph.demo import load_demo
    from partygraph.demo.assistance import load_assistance_demo
    from partygraph.demo.candidate import load_pipeline_demo
    from partygraph.demo.evaluation import load_evaluation_demo

    with session_factory() as s:
        load_demo(s, settings, today=TODAY)
    for loader in (load_pipeline_demo, load_evaluation_demo, load_assistance_demo):
        with session_factory() as s:
            loader(s, settings, TODAY)
            s.commit()
    with session_factory() as s:
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=clock)
        original = roster(s)
        buf = io.BytesIO()
        ds = exports.members_dataset(ctx)
        ds.header_lines = exports.header_lines("演示县", None, datetime(2026, 11, 1))
        assert exports.write_xlsx(buf, ds) == sum(original.values()) > 2000
        # every other list exports too, with its Chinese headers
        for other in (exports.candidates_dataset(ctx), exports.cases_dataset(ctx), exports.outcomes_dataset(ctx), exports.fund_ledger_dataset(ctx)):
            out = io.BytesIO()
            assert exports.write_xlsx(out, other) > 0, other.title
            first = next(openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True).worksheets[0].iter_rows(values_only=True))
            assert list(first)[: len(other.headers)] == other.headers
        tree = [dict(r._mapping) for r in s.execute(select(Organization.__table__).order_by(Organization.path))]
    # an empty database with the same tree
    _wipe(db)
    with db.begin() as conn:
        conn.execute(insert(Organization.__table__), tree)
    with session_factory() as s:
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=clock)
        report = imports.import_members(ctx, buf.getvalue(), "roster.xlsx", commit=True)
    assert not report.problems, report.problems[:5]
    assert report.created == sum(original.values())
    with session_factory() as s:
        assert roster(s) == original
    # and once more: nothing new
    with session_factory() as s:
        again = imports.import_members(Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=clock), buf.getvalue(), "roster.xlsx", commit=True)
    assert again.created == 0 and len(again.skipped) == report.created
