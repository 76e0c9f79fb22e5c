"""The imports' reading and parsing: header recognition, dates, flags, file formats (no database)."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from partygraph.imports import common
from partygraph.imports import member as members


def test_chinese_and_english_headers_are_recognised():
    for header, field in (("姓名", "name"), ("出生年月", "birth_date"), ("文化程度", "education"), ("公民身份号码", "id_number"),
                          ("所在党组织", "org_name"), ("组织编码", "org_code"), ("入党时间", "joined_on"), ("联系电话", "phone"),
                          ("* 姓名 ", "name"), ("身份证号（必填）", "id_number"), ("Name", "name")):  # fmt: skip
        norm = common.norm_header(header)
        assert members.ALIASES.get(norm) == field, header


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2001-07-01", date(2001, 7, 1)),
        ("2001/7/1", date(2001, 7, 1)),
        ("2001.07.01", date(2001, 7, 1)),
        ("2001年7月1日", date(2001, 7, 1)),
        ("20010701", date(2001, 7, 1)),
        ("2001-07", date(2001, 7, 1)),
        (datetime(2001, 7, 1, 0, 0), date(2001, 7, 1)),
        (date(2001, 7, 1), date(2001, 7, 1)),
        ("", None),
        (None, None),
    ],
)
def test_dates(raw, expected):
    assert common.parse_date(raw, "joined_on", "入党日期") == expected


@pytest.mark.parametrize("raw", ["2023-02-30", "2001-13-01", "2001-00-10"])
def test_impossible_dates_are_refused_with_their_reason(raw):
    with pytest.raises(common.Bad) as e:
        common.parse_date(raw, "birth_date", "出生日期")
    assert e.value.code == "INVALID_DATE" and "不存在" in e.value.zh


def test_a_date_that_is_not_a_date():
    with pytest.raises(common.Bad) as e:
        common.parse_date("去年", "birth_date", "出生日期")
    assert "不是日期" in e.value.zh


def test_flags():
    assert common.parse_flag("是", "rural", "农村党员") is True
    assert common.parse_flag("", "rural", "农村党员") is False
    assert common.parse_flag("否", "rural", "农村党员") is False
    with pytest.raises(common.Bad):
        common.parse_flag("也许", "rural", "农村党员")


def test_education_synonyms():
    assert common.EDUCATIONS["中专"] == "senior_high"
    assert common.EDUCATIONS["大学本科"] == "bachelor"
    assert common.EDUCATIONS["高中/中专"] == "senior_high"
    assert common.EDUCATIONS["硕士研究生"] == "postgraduate"


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_header_row_found_below_title_lines_in_xlsx():
    data = _xlsx([["组织：岷江县委"], ["生成时间：2026-11-01 09:00"], [], ["姓名", "性别"], ["张三", "男"], ["李四", "女"]])
    headers, rows = common.read_rows(data, "roster.xlsx")
    assert headers == ["姓名", "性别"]
    assert [(i, v[:2]) for i, v in rows] == [(5, ["张三", "男"]), (6, ["李四", "女"])]


def test_csv_in_utf8_with_bom_and_in_gbk():
    text = "姓名,性别\n张三,男\n"
    for raw in (("\ufeff" + text).encode("utf-8"), text.encode("gbk")):
        headers, rows = common.read_rows(raw, "roster.csv")
        assert headers == ["姓名", "性别"]
        assert list(rows) == [(2, ["张三", "男"])]


def test_a_file_without_a_name_column_is_refused():
    with pytest.raises(common.FileFormatError):
        common.read_rows(b"a,b\n1,2\n", "x.csv")
    with pytest.raises(common.FileFormatError):
        common.read_rows(b"whatever", "x.txt")
