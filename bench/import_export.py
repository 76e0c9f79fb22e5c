"""Time the spreadsheet import and export of a 20,000-member roster (issue 8).

    python bench/import_export.py                       # a fresh SQLite file in a temp dir
    python bench/import_export.py --rows 5000
    python bench/import_export.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_ie   # an EMPTY database

Builds a county (20 townships × 20 villages), writes a roster .xlsx of N synthetic members
(valid ID numbers, Chinese headers), then times: the dry run, the commit (one transaction
through services.member.register), the export to .xlsx (streaming, constant memory), and a
re-import dry run of the exported file (every row matched → skipped). Prints the figures.
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
from partygraph import importer, xlsx
from partygraph.config import Settings
from partygraph.context import SYSTEM_VIEWER, Context
from partygraph.db import make_engine, make_session_factory
from partygraph.services import organization as orgs

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
EDUCATIONS = ["小学", "初中", "高中", "中专", "大专", "本科", "研究生"]
HEADERS = ["姓名", "性别", "民族", "出生日期", "学历", "职业", "生产工作一线", "农村党员", "入党日期", "转正日期", "身份证号码", "联系电话", "组织编码"]


def build_tree(factory, settings: Settings, today: date) -> list[str]:  # type: ignore[no-untyped-def]
    with factory() as s:
        ctx = Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)
        county = orgs.create(ctx, parent_id=None, code="BX", name="基准县委", kind="county")
        codes = []
        for t in range(20):
            town = orgs.create(ctx, parent_id=county.id, code=f"BX{t:02d}", name=f"第{t + 1}镇党委", kind="committee")
            for v in range(20):
                code = f"BX{t:02d}{v:02d}"
                orgs.create(ctx, parent_id=town.id, code=code, name=f"第{t + 1}镇第{v + 1}村党支部", kind="branch", branch_type="village", population=800)
                codes.append(code)
        s.commit()
    return codes


def write_roster(path: Path, rows: int, codes: list[str], today: date, seed: int = 8) -> None:
    r = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("党员名册")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)
    used: set[str] = set()
    for i in range(1, rows + 1):
        male = r.random() < 0.7
        born = date(1940, 1, 1) + timedelta(days=r.randrange(0, 365 * 60))
        while True:
            body = f"513221{born:%Y%m%d}{r.randrange(100):02d}{r.choice('13579' if male else '02468')}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in used:
                used.add(number)
                break
        joined = born.replace(year=born.year + 18, day=min(born.day, 28)) + timedelta(days=1 + r.randrange(0, 365 * 20))
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
    wb.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--url", help="an EMPTY database (default: a new SQLite file in a temp dir)")
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
    write_roster(roster, args.rows, codes, today)
    print(f"roster file: {args.rows:,} rows, {roster.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - t:.1f} s")
    data = roster.read_bytes()

    def ctx(s):  # type: ignore[no-untyped-def]
        return Context(session=s, settings=settings, viewer=SYSTEM_VIEWER, clock=lambda: today)

    figures: list[tuple[str, float, str]] = []
    with factory() as s:
        t = time.perf_counter()
        report = importer.import_members(ctx(s), data, "roster.xlsx")
        figures.append(("import dry run", time.perf_counter() - t, f"{report.good:,} good, {len(report.problems)} bad"))
    with factory() as s:
        t = time.perf_counter()
        report = importer.import_members(ctx(s), data, "roster.xlsx", commit=True)
        figures.append(("import commit (check + write)", time.perf_counter() - t, f"{report.created:,} created"))
    out = tmp / "export.xlsx"
    with factory() as s:
        t = time.perf_counter()
        ds = xlsx.members_dataset(ctx(s))
        ds.header_lines = xlsx.header_lines("基准县委", None, datetime.now())
        n = xlsx.write_xlsx(out, ds)
        figures.append(("export .xlsx", time.perf_counter() - t, f"{n:,} rows, {out.stat().st_size / 1e6:.1f} MB"))
    with factory() as s:
        t = time.perf_counter()
        ds = xlsx.members_dataset(ctx(s))
        n = xlsx.write_csv(tmp / "export.csv", ds)
        figures.append(("export .csv", time.perf_counter() - t, f"{n:,} rows"))
    with factory() as s:
        t = time.perf_counter()
        again = importer.import_members(ctx(s), out.read_bytes(), "export.xlsx")
        figures.append(("re-import dry run of the export", time.perf_counter() - t, f"{len(again.skipped):,} skipped, {again.good} new"))
    engine.dispose()
    print(f"\n{'operation':<34} {'seconds':>8}  result   ({engine.dialect.name}, {args.rows:,} members)")
    for name, secs, note in figures:
        print(f"{name:<34} {secs:>8.1f}  {note}")


if __name__ == "__main__":
    main()
