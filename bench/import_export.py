"""Time the spreadsheet import and export of a 20,000-member roster (issue 8).

    python bench/import_export.py                       # a fresh SQLite file in a temp dir
    python bench/import_export.py --rows 5000
    python bench/import_export.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_ie   # an EMPTY database

Builds a county (20 townships × 20 villages), writes a roster .xlsx of N synthetic members
(valid ID numbers, Chinese headers), then times: the dry run, the commit (one transaction
through services.member.register), the export to .xlsx (streaming, constant memory) and to
.csv, and a re-import dry run of the exported file (every row matched → skipped).

Then the two ledgers (`--ledger-rows`, default 1,000 each; 0 skips them): a candidate ledger
(发展党员台账) whose rows are at every stage — a quarter of them through the whole procedure,
with both branch votes — and an assistance ledger (困难党员台账) of roster members filed and
reviewed. Each is timed as a dry run (every row replayed through the services, then rolled
back), a commit, and a re-import dry run (every row skipped). Prints the figures.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter
from sqlmodel import SQLModel
from stdnum.cn import ric

import partygraph.models  # noqa: F401 - registers every table
from partygraph import exports, imports
from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.db import make_engine, make_session_factory
from partygraph.rules.base import add_months
from partygraph.services import organization as orgs

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
EDUCATIONS = ["小学", "初中", "高中", "中专", "大专", "本科", "研究生"]
HEADERS = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "学历",
    "职业",
    "生产工作一线",
    "农村党员",
    "入党日期",
    "转正日期",
    "身份证号码",
    "联系电话",
    "组织编码",
]


def build_tree(factory, settings: Settings, today: date) -> list[str]:  # type: ignore[no-untyped-def]
    with factory() as s:
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)
        county = orgs.create(ctx, parent_id=None, code="BX", name="基准县委", kind="county")
        codes = []
        for t in range(20):
            town = orgs.create(
                ctx,
                parent_id=county.id,
                code=f"BX{t:02d}",
                name=f"第{t + 1}镇党委",
                kind="committee",
            )
            for v in range(20):
                code = f"BX{t:02d}{v:02d}"
                orgs.create(
                    ctx,
                    parent_id=town.id,
                    code=code,
                    name=f"第{t + 1}镇第{v + 1}村党支部",
                    kind="branch",
                    branch_type="village",
                    population=800,
                )
                codes.append(code)
        s.commit()
    return codes


def write_roster(
    path: Path, rows: int, codes: list[str], today: date, seed: int = 8
) -> list[list[str]]:
    r = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("党员名册")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)
    used: set[str] = set()
    out: list[list[str]] = []
    for i in range(1, rows + 1):
        male = r.random() < 0.7
        born = date(1940, 1, 1) + timedelta(days=r.randrange(0, 365 * 60))
        while True:
            body = (
                f"513221{born:%Y%m%d}{r.randrange(100):02d}{r.choice('13579' if male else '02468')}"
            )
            number = body + ric.calc_check_digit(body + "0")
            if number not in used:
                used.add(number)
                break
        joined = born.replace(year=born.year + 18, day=min(born.day, 28)) + timedelta(
            days=1 + r.randrange(0, 365 * 20)
        )
        joined = min(joined, today - timedelta(days=400))
        values = [
            r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2)))),
            "男" if male else "女",
            r.choice(["汉族"] * 6 + ["羌族", "藏族", "回族"]),
            born.isoformat(),
            r.choice(EDUCATIONS),
            r.choice(["农民", "教师", "村干部", "个体", "退休"]),
            "是" if r.random() < 0.6 else "",
            "是" if r.random() < 0.7 else "",
            joined.isoformat(),
            (joined + timedelta(days=366)).isoformat(),
            number,
            f"138{r.randrange(10**8):08d}",
            r.choice(codes),
        ]
        for c, v in enumerate(values):
            ws.write_string(i, c, v)
        out.append(values)
    wb.close()
    return out


# --------------------------------------------------------------------------- the two ledgers

CANDIDATE_STEPS = [  # (column, days after the application) of a smooth journey up to admission
    ("谈话日期", 14), ("积极分子公示日期", 19), ("确定积极分子日期", 30), ("积极分子备案日期", 37),
    ("指定培养联系人日期", 37), ("考察日期", 200), ("发展对象公示日期", 390), ("确定发展对象日期", 400),
    ("发展对象备案日期", 405), ("确定入党介绍人日期", 405), ("政审日期", 420), ("培训日期", 430),
    ("支部委员会审查日期", 440), ("上级党委预审日期", 450), ("拟接收公示日期", 455), ("填写入党志愿书日期", 465),
    ("支部大会接收日期", 470), ("上级党委谈话日期", 480), ("上级党委审批日期", 490), ("入党备案日期", 495),
    ("编入党支部日期", 495), ("入党宣誓日期", 495),
]  # fmt: skip
CONVERSION_STEPS = [
    ("转正申请日期", -15),
    ("转正公示日期", -10),
    ("支部大会讨论转正日期", 0),
    ("转正审批日期", 14),
    ("材料归档日期", 20),
]
# stage → (the last column of CANDIDATE_STEPS it reaches, days ago the application was made: range)
STAGES = {
    "入党申请人": ("谈话日期", (20, 60)),
    "入党积极分子": ("指定培养联系人日期", (100, 300)),
    "发展对象": ("确定入党介绍人日期", (420, 450)),
    "正式党员": (None, (900, 1500)),
}


def _sheet(path: Path, rows: list[dict[str, str]]) -> None:
    headers: list[str] = []
    for r in rows:
        headers += [h for h in r if h not in headers]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    for i, r in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            if r.get(h):
                ws.write_string(i, c, r[h])
    wb.close()


def write_candidates(
    path: Path, n: int, roster: list[list[str]], today: date, seed: int = 9
) -> None:
    """n candidates over the villages, a quarter at each stage; contacts and introducers are
    roster members whose name is unique in their village, full members before the
    application; the votes' tallies count the village's full members on the day (every one
    present and in favour)."""
    r = random.Random(seed)
    by_village: dict[str, list[list[str]]] = {}
    for m in roster:
        by_village.setdefault(m[12], []).append(m)
    unique = {
        code: [m for m in ms if sum(x[0] == m[0] for x in ms) == 1]
        for code, ms in by_village.items()
    }
    codes = sorted(code for code, ms in unique.items() if len(ms) >= 2)

    def voters(code: str, on: date) -> int:
        return sum(1 for m in by_village[code] if date.fromisoformat(m[9]) <= on)

    rows = []
    used: set[str] = set()
    for i in range(n):
        stage = list(STAGES)[i % 4]
        last, (lo, hi) = STAGES[stage]
        applied = today - timedelta(days=r.randrange(lo, hi))
        # contacts and introducers must have been full members already (R-DEV-05, R-DEV-09)
        code, eligible = "", []
        while len(eligible) < 2:
            code = r.choice(codes)
            eligible = [m for m in unique[code] if date.fromisoformat(m[9]) < applied]
        male = r.random() < 0.5
        born = applied - timedelta(days=365 * r.randrange(19, 40) + r.randrange(365))
        while True:
            body = (
                f"513222{born:%Y%m%d}{r.randrange(100):02d}{r.choice('13579' if male else '02468')}"
            )
            if body not in used:
                used.add(body)
                break
        row = {
            "姓名": r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(2)), "性别": "男" if male else "女",
            "出生日期": born.isoformat(), "学历": r.choice(EDUCATIONS), "身份证号码": body + ric.calc_check_digit(body + "0"),
            "组织编码": code, "阶段": stage, "申请日期": applied.isoformat(), "推荐方式": "群众推荐", "公示地点": "村务公开栏",
        }  # fmt: skip
        people = r.sample(eligible, 2)
        for column, days in CANDIDATE_STEPS:
            row[column] = (applied + timedelta(days=days)).isoformat()
            if column == last:
                break
        if "指定培养联系人日期" in row:
            row["培养联系人"] = people[0][0]
        if "确定入党介绍人日期" in row:
            row["入党介绍人"] = "、".join(p[0] for p in people)
        if stage == "正式党员":
            vote = applied + timedelta(days=470)
            end = add_months(vote, 12)
            for column, days in CONVERSION_STEPS:
                row[column] = (end + timedelta(days=days)).isoformat()
            row.update(政审结论="合格", 培训天数="3", 转正结论="按期转正")
            for column, on in (("接收表决情况", vote), ("转正表决情况", end)):
                k = voters(code, on)
                row[column] = f"实到 {k}，赞成 {k}"
        rows.append(row)
    _sheet(path, rows)


def write_cases(path: Path, n: int, roster: list[list[str]], today: date, seed: int = 10) -> None:
    """n roster members (by ID number) whose case was opened, appraised, noticed, reported,
    approved, filed and — a year on — reviewed."""
    r = random.Random(seed)
    rows = []
    for m in r.sample(roster, n):
        applied = today - timedelta(days=r.randrange(60, 700))
        filed = applied + timedelta(days=35)
        row = {
            "姓名": m[0], "身份证号码": m[10], "困难类别": r.choice(["年老体弱", "因病", "缺技术缺资金", "因灾"]),
            "认定标准": "农村家庭人均年收入低于标准", "家庭年收入（元）": f"{r.randrange(600, 860)}.00", "申请日期": applied.isoformat(),
            "评议日期": (applied + timedelta(days=7)).isoformat(), "评议记录": "支部党员大会民主评议通过",
            "公示开始日期": (applied + timedelta(days=8)).isoformat(), "公示结束日期": (applied + timedelta(days=14)).isoformat(),
            "上报日期": (applied + timedelta(days=16)).isoformat(), "批准日期": (applied + timedelta(days=25)).isoformat(),
            "审批意见": "镇党委会议研究同意", "备案日期": filed.isoformat(), "备案编号": f"县组备〔{filed.year}〕{r.randrange(10, 99)}号",
            "状态": "已备案·帮扶中",
        }  # fmt: skip
        review = add_months(filed, 11)
        if review <= today:
            row.update(复核日期=review.isoformat(), 复核结论="继续帮扶")
        rows.append(row)
    _sheet(path, rows)


def time_ledgers(
    factory, settings: Settings, tmp: Path, roster: list[list[str]], n: int, today: date
) -> list[tuple[str, float, str]]:  # type: ignore[no-untyped-def]
    figures = []
    files = {"candidates": tmp / "candidates.xlsx", "cases": tmp / "cases.xlsx"}
    write_candidates(files["candidates"], n, roster, today)
    write_cases(files["cases"], n, roster, today)
    for ledger, path in files.items():
        data = path.read_bytes()
        for label, commit in (("dry run", False), ("commit", True), ("re-import dry run", False)):
            with factory() as s:
                ctx = Context(
                    session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today
                )
                t = time.perf_counter()
                try:
                    report = imports.run(ledger, ctx, data, path.name, commit=commit)
                except imports.ImportRefusedError as refused:
                    report = refused.report
                secs = time.perf_counter() - t
            bad = (
                f", {len(report.problems)} bad (first: {report.problems[0].code} {report.problems[0].message_en})"
                if report.problems
                else ""
            )
            note = f"{report.created if commit else report.good:,} {'created' if commit else 'good'}, {len(report.skipped):,} skipped{bad}"
            figures.append((f"{ledger} {label}", secs, note))
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--url", help="an EMPTY database (default: a new SQLite file in a temp dir)")
    ap.add_argument(
        "--ledger-rows", type=int, default=1_000, help="rows of each ledger (0: members only)"
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pg-ie-"))
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    factory = make_session_factory(engine)
    settings = Settings(database_url=url, secret_key="bench")
    today = date(2026, 11, 1)
    t = time.perf_counter()
    codes = build_tree(factory, settings, today)
    print(f"tree: {len(codes) + 21} organisations in {time.perf_counter() - t:.1f} s")
    roster = tmp / "roster.xlsx"
    t = time.perf_counter()
    members = write_roster(roster, args.rows, codes, today)
    print(
        f"roster file: {args.rows:,} rows, {roster.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - t:.1f} s"
    )
    data = roster.read_bytes()

    def ctx(s):  # type: ignore[no-untyped-def]
        return Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)

    figures: list[tuple[str, float, str]] = []
    with factory() as s:
        t = time.perf_counter()
        report = imports.import_members(ctx(s), data, "roster.xlsx")
        figures.append(
            (
                "import dry run",
                time.perf_counter() - t,
                f"{report.good:,} good, {len(report.problems)} bad",
            )
        )
    with factory() as s:
        t = time.perf_counter()
        report = imports.import_members(ctx(s), data, "roster.xlsx", commit=True)
        figures.append(
            (
                "import commit (check + write)",
                time.perf_counter() - t,
                f"{report.created:,} created",
            )
        )
    out = tmp / "export.xlsx"
    with factory() as s:
        t = time.perf_counter()
        ds = exports.members_dataset(ctx(s))
        ds.header_lines = exports.header_lines("基准县委", None, datetime.now())
        n = exports.write_xlsx(out, ds)
        figures.append(
            (
                "export .xlsx",
                time.perf_counter() - t,
                f"{n:,} rows, {out.stat().st_size / 1e6:.1f} MB",
            )
        )
    with factory() as s:
        t = time.perf_counter()
        ds = exports.members_dataset(ctx(s))
        n = exports.write_csv(tmp / "export.csv", ds)
        figures.append(("export .csv", time.perf_counter() - t, f"{n:,} rows"))
    with factory() as s:
        t = time.perf_counter()
        again = imports.import_members(ctx(s), out.read_bytes(), "export.xlsx")
        figures.append(
            (
                "re-import dry run of the export",
                time.perf_counter() - t,
                f"{len(again.skipped):,} skipped, {again.good} new",
            )
        )
    if args.ledger_rows:
        figures += time_ledgers(factory, settings, tmp, members, args.ledger_rows, today)
    engine.dispose()
    print(
        f"\n{'operation':<34} {'seconds':>8}  result   ({engine.dialect.name}, {args.rows:,} members)"
    )
    for name, secs, note in figures:
        print(f"{name:<34} {secs:>8.1f}  {note}")


if __name__ == "__main__":
    main()
