"""The ledgers' parsers (no database): header tables, vote tallies, conversion outcomes, family
members, amounts, lists of dates, the order a row's steps are replayed in, masked ID numbers."""

from __future__ import annotations

from datetime import date

import pytest

from partygraph.imports import assistance as cases
from partygraph.imports import candidate as candidates
from partygraph.imports import common
from partygraph.imports import member as members
from partygraph.rules.assistance import CaseStatus, CaseStepKind
from partygraph.rules.candidate import Step


def row(columns: common.Columns, values: dict[str, object]) -> common.Row:
    mapping = {i: columns.aliases[common.norm_header(h)] for i, h in enumerate(values)}
    return common.Row(2, list(values.values()), mapping, columns)


def test_every_ledger_header_names_one_field():
    # Columns refuses a header that two fields claim; the three tables build.
    for module in (members, candidates, cases):
        assert module.COLUMNS.aliases
    with pytest.raises(ValueError):
        common.Columns({"a": ("日期",), "b": ("日期 ",)}, ())


def test_the_exports_headers_are_recognised():
    from partygraph.exports import MEMBER_HEADERS

    assert all(common.norm_header(h) in members.ALIASES for h in MEMBER_HEADERS)
    candidate_export = ["姓名", "性别", "民族", "出生日期", "学历", "职业", "生产工作一线", "农村", "阶段", "推荐方式", "申请日期", "最近一步日期", "身份证号码", "联系电话", "所在党组织", "组织编码"]  # fmt: skip
    case_export = ["姓名", "所在党组织", "困难类别", "认定标准", "家庭年收入（元）", "家庭人口", "状态", "申请日期", "备案日期", "复核到期", "结案日期", "结案原因", "生产生活情况"]  # fmt: skip
    for columns, headers in ((candidates.COLUMNS, candidate_export), (cases.COLUMNS, case_export)):
        report = common.ImportReport()
        columns.map(headers, report)
        assert not report.unknown_columns, report.unknown_columns


def test_a_missing_required_column_refuses_the_file():
    with pytest.raises(common.FileFormatError) as e:
        candidates.COLUMNS.map(
            ["姓名", "性别", "出生日期", "学历", "所在党组织"], common.ImportReport()
        )
    assert "申请日期" in str(e.value)
    with pytest.raises(common.FileFormatError) as e:
        cases.COLUMNS.map(["姓名", "困难类别", "申请日期"], common.ImportReport())
    assert "所在党组织或组织编码或身份证号码" in str(e.value)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            "应到 23 人，实到 20 人，赞成 18 票，反对 1 票，弃权 1 票",
            {"should_attend": 23, "present": 20, "yes": 18, "no": 1, "abstain": 1},
        ),
        (
            "应到23 实到21 书面意见2 同意20",
            {"should_attend": 23, "present": 21, "written_opinions": 2, "yes": 20},
        ),
        ("present 9, yes 9", {"present": 9, "yes": 9}),
    ],
)
def test_vote_tallies(raw, expected):
    assert candidates.parse_tally(raw, "admission_tally", "接收表决情况") == expected


def test_a_tally_without_the_votes_is_refused_with_the_vote_rule():
    with pytest.raises(common.Bad) as e:
        candidates.parse_tally("全票通过", "admission_tally", "接收表决情况")
    assert e.value.code == "R-VOTE-00" and e.value.field == "admission_tally"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", {"outcome": "convert"}),
        ("按期转正", {"outcome": "convert"}),
        ("延长预备期 6 个月", {"outcome": "extend", "extension_months": 6}),
        ("延长预备期十二个月", {"outcome": "extend", "extension_months": 12}),
        ("取消预备党员资格", {"outcome": "cancel"}),
        ("再议", {"outcome": "再议"}),  # the rule (R-DEV-23) names the valid outcomes
    ],
)
def test_conversion_outcomes(raw, expected):
    assert candidates.parse_conversion(raw) == expected


def test_family_members():
    assert cases.parse_family("李秀英（配偶）、李强(儿子)；母亲：张桂兰") == [
        {"name": "李秀英", "relation": "配偶"},
        {"name": "李强", "relation": "儿子"},
        {"name": "张桂兰", "relation": "母亲"},
    ]
    assert cases.parse_family("") == []
    with pytest.raises(common.Bad) as e:
        cases.parse_family("李秀英")
    assert e.value.field == "family_members"


@pytest.mark.parametrize(
    "raw, fen",
    [
        ("1,500.00", 150000),
        (1500, 150000),
        (1234.5, 123450),
        ("86.7元", 8670),
        ("", None),
        (None, None),
    ],
)
def test_amounts_are_exact_fen(raw, fen):
    assert common.parse_yuan(raw, "yearly_income", "家庭年收入") == fen


@pytest.mark.parametrize("raw", ["-5", "12.345", "很多"])
def test_bad_amounts(raw):
    with pytest.raises(common.Bad):
        common.parse_yuan(raw, "yearly_income", "家庭年收入")


def test_several_dates_in_one_cell():
    assert common.parse_dates(
        "2024-03-01、2024/9/1 2025年3月1日", "activist_review", "考察日期"
    ) == [date(2024, 3, 1), date(2024, 9, 1), date(2025, 3, 1)]
    with pytest.raises(common.Bad):
        common.parse_dates("2024-03-01、2024-02-30", "activist_review", "考察日期")


def test_a_rows_steps_are_replayed_by_date_then_in_the_procedures_order():
    r = row(
        candidates.COLUMNS,
        {"姓名": "陈一", "申请日期": "2024-01-01", "确定积极分子日期": "2024-02-01", "谈话日期": "2024-01-10",
         "积极分子公示日期": "2024-01-20", "积极分子备案日期": "2024-02-01", "指定培养联系人日期": "2024-02-01", "培养联系人": "李四",
         "推荐方式": "党员推荐", "公示地点": "公开栏", "退出方式": "撤回申请", "退出日期": "2024-06-01", "退出原因": "外出务工"},
    )  # fmt: skip
    plan = candidates._plan(r)
    assert [(p.step, p.on) for p in plan] == [
        (Step.talk, date(2024, 1, 10)),
        (Step.notice, date(2024, 1, 20)),
        (Step.activist_decided, date(2024, 2, 1)),
        (Step.activist_filed, date(2024, 2, 1)),
        (Step.contacts_assigned, date(2024, 2, 1)),
        (Step.withdraw, date(2024, 6, 1)),
    ]
    assert plan[1].extra == {"notice_place": "公开栏"} and plan[2].extra == {
        "recommendation": "member"
    }
    assert plan[4].people == ("contact_ids", ["李四"]) and plan[5].extra == {"reason": "外出务工"}


def test_contacts_without_their_date_and_an_unknown_exit_are_bad_rows():
    with pytest.raises(common.Bad) as e:
        candidates._plan(
            row(
                candidates.COLUMNS, {"姓名": "陈一", "申请日期": "2024-01-01", "培养联系人": "李四"}
            )
        )
    assert e.value.field == "contacts_assigned"
    with pytest.raises(common.Bad) as e:
        candidates._plan(
            row(
                candidates.COLUMNS,
                {
                    "姓名": "陈一",
                    "申请日期": "2024-01-01",
                    "退出方式": "开除",
                    "退出日期": "2024-06-01",
                },
            )
        )
    assert e.value.field == "exit"


def test_a_refused_case_in_the_export_is_read_as_a_refusal():
    r = row(
        cases.COLUMNS,
        {"姓名": "王五", "状态": "未批准", "结案日期": "2025-02-01", "结案原因": "收入超标"},
    )
    assert [(p.kind, p.on, p.kwargs) for p in cases._plan(r, CaseStatus.refused)] == [
        (CaseStepKind.refuse, date(2025, 2, 1), {"reason": "收入超标"})
    ]
    closing = cases._plan(
        row(
            cases.COLUMNS,
            {
                "姓名": "王五",
                "复核日期": "2025-02-01",
                "结案日期": "2025-02-01",
                "结案原因": "脱困",
            },
        ),
        None,
    )
    assert [(p.kind, p.kwargs["outcome"], p.closing) for p in closing] == [
        (CaseStepKind.review, "continued", False),
        (CaseStepKind.review, "closed", True),
    ]


def test_masked_id_numbers_are_recognised():
    assert common.id_number(
        row(candidates.COLUMNS, {"姓名": "李四", "身份证号码": "513221********0026"})
    ) == (None, True)
    assert common.id_number(
        row(candidates.COLUMNS, {"姓名": "李四", "身份证号码": " 51322119800302002x "})
    ) == ("51322119800302002X", False)


def test_reports_survive_json():
    report = common.ImportReport(ledger="cases", total=2, skipped=[(3, "王五", "已在台账中")])
    report.problems.append(
        common.RowProblem(2, "李四", "cause", "INVALID_INPUT", "无法识别", "unknown")
    )
    again = common.ImportReport.from_dict(
        __import__("json").loads(__import__("json").dumps(report.to_dict()))
    )
    assert again == report and again.problems[0].message("en") == "unknown"
