"""Every rule and alert code the rules and services emit, with a short title a clerk can read.

Refusals and alerts carry a stable code (`R-DEV-02`, `A-STALLED`) that tests, messages and
filters cite; screens and counts show the title next to it: "申请后一个月内未谈话（R-DEV-02）".
The codes `in_domain_rules` are the official procedure's; docs/rules.md gives the meaning of
every code, official or this code base's own (the docstring of the rules module that emits a
code says how it is checked).
A unit test scans rules/ and services/ for emitted codes and fails on one missing here.

A title names the rule or, for a code that is mostly an alert, the situation to look at.
Numbers in titles are the national defaults; a county's settings may differ, the messages
always give the number in force.
"""

from __future__ import annotations

from dataclasses import dataclass

AREAS: dict[str, tuple[str, str]] = {
    "pipeline": ("发展党员", "Developing members"),
    "votes": ("表决与选举", "Votes and elections"),
    "structure": ("组织设置", "Organisation structure"),
    "branch_life": ("组织生活", "Branch life"),
    "members": ("党员管理", "Members"),
    "evaluation": ("评议考核", "Evaluations"),
    "assistance": ("关怀帮扶", "Assistance"),
    "plans": ("发展计划", "Development plans"),
    "accounts": ("账号管理", "Accounts"),
}


@dataclass(frozen=True)
class RuleTitle:
    code: str
    area: str  # a key of AREAS
    zh: str
    en: str
    in_domain_rules: bool  # an official code ("Official code" in docs/rules.md)

    def title(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _area(area: str, official: set[str], rows: list[tuple[str, str, str]]) -> list[RuleTitle]:
    return [RuleTitle(code, area, zh, en, code in official) for code, zh, en in rows]


_ENTRIES = [
    *_area(
        "pipeline",
        {f"R-DEV-{n:02d}" for n in (1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 15, 16, 17, 22, 23, 24, 25)},
        [
            ("R-DEV-00", "步骤顺序或日期不符", "Step out of order or misdated"),
            ("R-DEV-01", "申请人须年满18周岁", "Applicant must be 18 or older"),
            ("R-DEV-02", "申请后一个月内未谈话", "No talk within a month of the application"),
            (
                "R-DEV-03",
                "确定积极分子须经推荐和公示",
                "Activist needs a recommendation and notice",
            ),
            ("R-DEV-04", "积极分子报上级党委备案", "Activist filed with the committee above"),
            ("R-DEV-05", "培养联系人须为正式党员", "Contacts must be full members"),
            ("R-DEV-06", "积极分子半年考察逾期", "Six-monthly activist review overdue"),
            (
                "R-DEV-07",
                "积极分子满一年方可列为发展对象",
                "A year as activist before becoming a target",
            ),
            ("R-DEV-08", "发展对象报上级党委备案", "Target filed with the committee above"),
            ("R-DEV-09", "入党介绍人须为正式党员", "Introducers must be full members"),
            ("R-DEV-10", "须经政治审查合格", "Political review must pass"),
            ("R-DEV-11", "集中培训时间不足", "Not enough concentrated training"),
            ("R-DEV-12", "支部委员会审查", "Branch committee examination"),
            ("R-DEV-13", "接收预备党员前公示", "Public notice before admission"),
            ("R-DEV-14", "填写入党志愿书", "Application form filled in"),
            ("R-DEV-15", "发展对象即将离开单位", "Target about to leave their unit"),
            ("R-DEV-16", "审批前须派人谈话", "Talk required before approval"),
            ("R-DEV-17", "接收预备党员审批期限", "Deadline for approving an admission"),
            ("R-DEV-18", "报再上一级组织部门备案", "Filed with the department above"),
            ("R-DEV-19", "编入党支部和党小组", "Placed in a branch and party group"),
            ("R-DEV-20", "入党宣誓", "Oath"),
            ("R-DEV-22", "预备期满应讨论转正", "Probation ending: conversion due"),
            ("R-DEV-23", "转正结论与延长预备期", "Conversion outcome and extension"),
            ("R-DEV-24", "转正审批期限", "Deadline for approving a conversion"),
            ("R-DEV-25", "入党材料归档不全", "Incomplete archive"),
            ("A-ELIGIBLE", "已满足确定发展对象的条件", "Eligible to become a development target"),
            ("A-STALLED", "发展工作长期没有进展", "No progress for months"),
            ("A-NOTICE-ENDING", "公示即将结束", "Public notice ending"),
            ("A-NOTICE-OBJECTION", "公示中有反映尚未处理", "Unresolved objection to a notice"),
            ("A-BLANK-VILLAGE", "空白村：多年未发展党员", "Blank village: no new member for years"),
            ("A-OLD-VILLAGE", "重点村：党员老龄化", "Key village: most members are old"),
        ],
    ),
    *_area(
        "votes",
        {"R-VOTE-01", "R-VOTE-02", "R-VOTE-03", "R-ELEC-01", "R-ELEC-02", "R-ELEC-03"},
        [
            ("R-VOTE-00", "表决票数缺失或不合逻辑", "Vote count missing or impossible"),
            ("R-VOTE-01", "到会人数未过半，会议无效", "Fewer than half present: meeting not valid"),
            ("R-VOTE-02", "赞成票未超过应到会人数的半数", "Yes votes not over half of those due"),
            ("R-VOTE-03", "书面意见计入票数", "Written opinions counted in the vote"),
            ("R-ELEC-01", "候选人差额不足20%", "Too few candidates beyond the seats"),
            ("R-ELEC-02", "选举到会人数未超过五分之四", "Election without four fifths present"),
            ("R-ELEC-03", "当选须超过实到会人数的半数", "Elected only with over half present"),
        ],
    ),
    *_area(
        "structure",
        {"R-ORG-01", "R-ORG-02", "R-ORG-03", "R-ORG-04"},
        [
            (
                "R-ORG-01",
                "正式党员不足3人，应建联合支部",
                "Fewer than 3 full members: joint branch",
            ),
            ("R-ORG-02", "党总支和基层党委的设立", "When to set up a general branch or committee"),
            ("R-ORG-03", "支部委员会设置不符", "Branch committee size"),
            ("R-ORG-04", "支部党员人数过多", "Branch too large"),
            ("R-ORG-05", "未配备书记", "No secretary in office"),
            ("R-ORG-CYCLE", "不能移到自己的下级之下", "Cannot move under its own descendant"),
            ("R-ORG-DISSOLVE", "撤销前须清空下级组织和党员", "Empty it before dissolving"),
            ("R-ORG-DISSOLVED", "组织已撤销", "Organisation dissolved"),
            ("R-ORG-SECRETARY", "已有在任书记", "A secretary is already in office"),
            ("R-ORG-TREE", "上下级组织类别不符", "Not allowed at this place in the tree"),
            ("R-ORG-HOME", "本组织关键信息由上级维护", "Own organisation's key fields kept above"),
        ],
    ),
    *_area(
        "branch_life",
        {f"R-LIFE-{n:02d}" for n in range(1, 8)},
        [
            ("R-LIFE-01", "未按季度召开支部党员大会", "No branch general meeting this quarter"),
            ("R-LIFE-02", "未按月召开支委会", "No committee meeting this month"),
            ("R-LIFE-03", "未按月召开党小组会", "No party group meeting this month"),
            ("R-LIFE-04", "未按季度上党课", "No party lecture this quarter"),
            ("R-LIFE-05", "未召开年度组织生活会", "No organisational life meeting this year"),
            ("R-LIFE-06", "未开展年度民主评议党员", "No democratic evaluation this year"),
            ("R-LIFE-07", "未按月开展主题党日", "No theme party day this month"),
            ("R-LIFE-08", "出席人员不在本组织名册", "Attendee not on the roster"),
            ("R-LIFE-09", "请假须注明原因", "Excused absence needs a reason"),
            ("R-LIFE-10", "书记本年未讲党课", "Secretary gave no party lecture this year"),
            ("R-ORG-TERM", "任期届满应换届", "Term ending: election due"),
            ("R-VIL-01", "四议两公开步骤顺序不符", "Four-step procedure out of order"),
            ("R-VIL-02", "步骤日期早于上一步", "Step dated before the previous one"),
            ("R-VIL-03", "事项已结束", "Item already ended"),
            ("R-VIL-04", "村民代表会议到会不足三分之二", "Assembly without two thirds present"),
            ("R-VIL-05", "须记录表决结果和公开情况", "Result or notice details missing"),
            (
                "R-MEETING-DECIDED",
                "会议已有决定，日期和类别不能改",
                "Meeting has decisions: date and kind fixed",
            ),
        ],
    ),
    *_area(
        "members",
        {"R-MEM-01", "R-MEM-02", "R-MEM-03", "R-MEM-04"},
        [
            ("R-MEM-01", "六个月不参加组织生活", "Six months absent from party life"),
            ("R-MEM-02", "党员失去联系", "Member out of contact"),
            (
                "R-MEM-02-SUSPEND",
                "失联满六个月，待决定停止党籍",
                "Out of contact 6 months: suspension to decide",
            ),
            (
                "R-MEM-02-REMOVE",
                "停止党籍后仍失联，待决定除名",
                "Still out of contact: removal to decide",
            ),
            ("R-MEM-03", "组织关系介绍信有效期", "Validity of the transfer letter"),
            ("R-MEM-04", "外出满六个月应转移组织关系", "Away six months: transfer the relation"),
            ("R-MEM-FLAG", "没有待决定的提示", "No open flag to decide"),
            ("R-MEM-CLOSED", "党员已不在册", "Member no longer on the roster"),
            ("R-MEM-STATUS", "党员状态不能如此变更", "Status change not allowed"),
            ("R-MEM-TRANSFER", "组织关系转接不符", "Transfer not possible"),
            ("R-DISC-01", "处分日期不符", "Sanction dates invalid"),
            ("R-DISC-02", "留党察看期限为一至两年", "Probation in the party: one or two years"),
            ("R-DISC-03", "留党察看期满方可恢复权利", "Rights back only after probation ends"),
            ("R-DISC-04", "处分撤销须说明理由且不能重复", "Withdrawal needs a reason, once only"),
        ],
    ),
    *_area(
        "evaluation",
        {"R-EVAL-01", "R-EVAL-02", "R-CAD-01", "R-CAD-02"},
        [
            ("R-EVAL-01", "民主评议尚未全部完成", "Evaluation round not complete"),
            ("R-EVAL-02", "不合格党员须作出处置", "Decision due on an unqualified member"),
            ("R-EVAL-03", "基本合格党员须警示谈话", "Warning talk: basically qualified"),
            ("R-EVAL-04", "连续三年评议不合格或基本合格", "Not up to standard three years running"),
            ("R-EVAL-CLOSED", "该轮评议已结束", "Evaluation round closed"),
            ("R-EVAL-WITHDRAWN", "党员已移出本轮评议", "Member taken out of the round"),
            ("R-CAD-01", "干部试用期考核", "Cadre trial checkpoint"),
            ("R-CAD-02", "干部“四下”情形", "Cadre step-down case"),
            ("R-ASSESS-01", "连续两年考核排名末位", "Last-ranked two years running"),
        ],
    ),
    *_area(
        "assistance",
        {f"R-AID-{n:02d}" for n in range(1, 6)},
        [
            ("R-AID-01", "帮扶审批程序不符", "Assistance procedure out of order"),
            ("R-AID-02", "帮扶对象年度复核", "Yearly review of a case"),
            ("R-AID-03", "帮扶借款期限与逾期", "Loan term and overdue repayment"),
            ("R-AID-04", "帮扶基金余额不能为负", "Fund cannot go below zero"),
            ("R-AID-05", "生活补贴资格与标准", "Allowance eligibility and amount"),
            ("R-AID-06", "帮扶步骤缺少依据", "Step without its evidence"),
            ("R-AID-07", "帮扶公示不符", "Public notice of a case"),
            ("R-AID-08", "不符合帮扶标准", "Eligibility standard not met"),
            ("R-AID-09", "只能对在帮对象发放", "Help only on a case under help"),
            ("R-AID-10", "还款超过欠款", "Repayment exceeds what is owed"),
            ("R-AID-11", "基金本金不能动用", "Fund principal protected"),
            ("R-AID-12", "基金只帮扶本辖区", "Fund pays only within its area"),
            ("R-AID-13", "补贴月份有误", "Invalid allowance month"),
            ("R-AID-14", "结对帮扶双方或承诺不符", "Pairing sides or promise invalid"),
            ("R-AID-15", "每名党员只能有一个在办帮扶", "One open case per member"),
            ("R-AID-16", "结对承诺逾期未兑现", "Pairing promise overdue"),
            ("R-AID-17", "年度补贴名单审核程序", "Yearly allowance list procedure"),
        ],
    ),
    *_area(
        "plans",
        set(),
        [
            ("R-PLAN-01", "计划年份有误", "Invalid plan years"),
            ("R-PLAN-02", "计划期限不符", "Wrong plan span"),
            ("R-PLAN-03", "数量目标须为整数", "Number targets must be whole numbers"),
            ("R-PLAN-04", "结构目标须为百分比", "Structure targets must be percentages"),
            ("R-PLAN-05", "年度计划超出三年规划", "Yearly plans exceed the three-year plan"),
            ("R-PLAN-06", "同期已有计划", "A plan for that period exists"),
            ("R-PLAN-07", "该组织不制定发展计划", "This organisation has no plan of its own"),
            ("R-PLAN-08", "计划状态不允许此操作", "Not allowed in the plan's status"),
            ("R-PLAN-09", "计划通过日期有误", "Invalid adoption date"),
            ("A-PLAN-BEHIND", "发展计划进度落后", "Plan behind schedule"),
            ("A-PLAN-MISSED", "发展计划未完成", "Plan not met"),
            ("A-PLAN-CASCADE", "下级计划合计不足", "Children's plans fall short"),
            ("A-PLAN-STRUCTURE", "新党员结构未达标", "Structure target missed"),
        ],
    ),
    *_area(
        "accounts",
        set(),
        [
            ("R-ACC-01", "当前账号不能管理账号", "This account cannot administer accounts"),
            ("R-ACC-02", "授予的角色超出管理范围", "Role above those you administer"),
            ("R-ACC-03", "账号角色超出管理范围", "Account above the roles you administer"),
            ("R-ACC-04", "用户名格式不符", "Username format"),
            ("R-ACC-05", "用户名已被使用", "Username taken"),
            ("R-ACC-06", "密码长度不符", "Password length"),
            ("R-ACC-07", "密码不能与用户名或原密码相同", "Password equals the username or the old one"),
            ("R-ACC-08", "不能更改自己的角色、组织或状态", "Cannot change one's own role, home or state"),
            ("R-ACC-09", "账号已是该状态", "Account already in that state"),
            ("R-ACC-10", "所属组织已撤销", "Home organisation dissolved"),
            ("R-ACC-11", "当前密码不正确", "Current password wrong"),
            ("R-ACC-12", "令牌已撤销", "Token already revoked"),
            ("R-ACC-13", "只有县级可撤销他人令牌", "Only the county revokes others' tokens"),
        ],
    ),
]

CATALOGUE: dict[str, RuleTitle] = {e.code: e for e in _ENTRIES}


def entry(code: str) -> RuleTitle | None:
    return CATALOGUE.get(code)


def title(code: str, lang: str = "zh") -> str:
    """The code's short title; an unknown code (a county's own, a newer one) is its own title."""
    e = CATALOGUE.get(code)
    return e.title(lang) if e else code


def labelled(code: str, lang: str = "zh") -> str:
    """The label screens show, "title（code）"; just the code when it has no title."""
    e = CATALOGUE.get(code)
    if e is None:
        return code
    return f"{e.zh}（{code}）" if lang == "zh" else f"{e.en} ({code})"
