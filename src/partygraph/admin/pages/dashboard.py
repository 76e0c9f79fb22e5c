"""Admin: the dashboard (charts as inline SVG, a breakdown by child with htmx drill-down, alerts,
a period picker) and the monthly and quarterly reports (screen, print, .xlsx).

Both run the DashboardStats / ReportStats operations on the API's own schema. Spreadsheet
imports and list exports are in `admin/pages/imports.py`.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from partygraph.admin.core import OperationError, Page, page
from partygraph.admin.forms import N_, camel, global_id, home_org
from partygraph.reports.figures import FIGURE_LIST, Column

# --------------------------------------------------------------------------- charts (inline SVG)

PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#546e7a"]


def svg_bars(
    items: list[tuple[str, float]],
    *,
    width: int = 420,
    bar: int = 18,
    unit: str = "",
    title: str = "",
) -> Markup:
    """Horizontal bars with their labels and values: [(label, value)]."""
    if not items:
        return Markup("")
    top = max(v for _l, v in items) or 1
    label_w, gap = 110, 6
    height = len(items) * (bar + gap) + gap
    chart_w = width - label_w - 60
    parts = [
        f'<svg class="chart bars" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (text, value) in enumerate(items):
        y = gap + i * (bar + gap)
        w = max(1 if value else 0, round(chart_w * value / top))
        shown = f"{value:,.0f}{unit}" if float(value).is_integer() else f"{value:,.2f}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.72:.0f}" text-anchor="end" font-size="12">{escape(text)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(text)}: {escape(shown)}</title></rect>'
            f'<text x="{label_w + w + 4}" y="{y + bar * 0.72:.0f}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def svg_lines(
    months: list[str],
    series: list[tuple[str, list[int]]],
    *,
    width: int = 640,
    height: int = 220,
    title: str = "",
) -> Markup:
    """Lines over months, with a legend: series = [(label, values per month)]."""
    if not months or not series:
        return Markup("")
    left, right, top_pad, bottom = 36, 12, 12, 48
    top = max([max(v) for _l, v in series if v] + [1])
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(months) - 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + i * step, top_pad + plot_h - plot_h * v / top

    parts = [
        f'<svg class="chart lines" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    every = max(1, len(months) // 12)
    for i, m in enumerate(months):
        if i % every == 0:
            x, _ = xy(i, 0)
            parts.append(
                f'<text x="{x:.0f}" y="{top_pad + plot_h + 14}" text-anchor="middle" font-size="10">{escape(m[2:])}</text>'
            )
    for k, (text, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"><title>{escape(text)}</title></polyline>'
        )
        for i, v in enumerate(values):
            x, y = xy(i, v)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"><title>{escape(text)} {escape(months[i])}: {v}</title></circle>'
            )
        lx = left + (k % 4) * 150
        ly = height - 22 + (k // 4) * 14
        parts.append(
            f'<rect x="{lx}" y="{ly - 8}" width="10" height="10" fill="{color}"/><text x="{lx + 14}" y="{ly + 1}" font-size="11">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- the dashboard


def date_param(p: Page, name: str) -> date | None:
    raw = p.request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, p.t("日期格式应为 YYYY-MM-DD")) from None


def _under(p: Page) -> str:
    raw = p.request.query_params.get("under", "").strip()
    return global_id(raw, "Organization") if raw else home_org(p)


async def _stats(
    p: Page,
    operation: str,
    under: str,
    start: date | None,
    end: date | None,
    *,
    alerts: bool = True,
) -> dict[str, Any]:
    if start and end and start > end:
        raise HTTPException(400, p.t("开始日期不能晚于结束日期"))
    try:
        data = await p.run(
            operation, {"under": under, "from": start, "to": end, "withAlerts": alerts}
        )
    except OperationError:
        raise HTTPException(400, p.t("无法计算统计数据")) from None
    if data.get("stats") is None:
        raise HTTPException(404, p.t("未找到该组织，或不在您的管理范围内"))
    return data["stats"]


def _kv(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["key"]: r["value"] for r in rows}


FLOW_SERIES = [
    ("applied", N_("递交申请")),
    ("activist", N_("确定积极分子")),
    ("target", N_("确定发展对象")),
    ("admitted", N_("接收预备党员")),
    ("converted", N_("预备党员转正")),
    ("new_members", N_("新党员")),
]


def charts(s: dict[str, Any], t: Any) -> dict[str, Markup]:
    months = [m["month"] for m in s["monthly"]]
    series = [(t(text), [m[camel(key)] for m in s["monthly"]]) for key, text in FLOW_SERIES]
    return {
        "age": svg_bars([(r["label"], r["value"]) for r in s["byAgeBand"]], title=t("年龄结构")),
        "education": svg_bars(
            [(r["label"], r["value"]) for r in s["byEducation"]], title=t("学历结构")
        ),
        "gender": svg_bars([(r["label"], r["value"]) for r in s["byGender"]], title=t("性别")),
        "stage": svg_bars(
            [(r["label"], r["value"]) for r in s["candidatesByStage"]],
            title=t("发展党员各阶段人数"),
        ),
        "targets": svg_bars(
            [
                (f"{r['targetSetLabel']}·{r['label']}", round(100 * (r["actual"] or 0), 1))
                for r in s["targets"]
            ],
            unit="%",
            width=520,
            title=t("新党员结构比例"),
        ),
        "flows": svg_lines(months, series, title=t("逐月发展情况")),
    }


def figure_counts(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The operation's `figures` list as {figure: {key: value}}."""
    return {f["name"]: _kv(f["counts"]) for f in stats["figures"]}


# The breakdown's columns that the declared figures give (reports/figures.py), in their order.
FIGURE_COLUMNS: list[tuple[str, Column]] = [(f.name, c) for f in FIGURE_LIST for c in f.columns]


def breakdown_rows(s: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for c in s["byChild"]:
        cs = c["stats"]
        counts = figure_counts(cs)
        out.append(
            {
                "name": c["name"],
                "direct": c["directlyUnder"],
                "org": c["organization"],
                **{
                    col.key: sum(counts.get(name, {}).get(k, 0) for k in col.keys)
                    for name, col in FIGURE_COLUMNS
                },
                "candidates": sum(
                    r["value"]
                    for r in cs["candidatesByStage"]
                    if r["key"] in ("applicant", "activist", "target")
                ),
                "applied": _kv(cs["flows"]).get("applied", 0),
                "admitted": _kv(cs["flows"]).get("admitted", 0),
                "new_members": _kv(cs["newMembers"]).get("total", 0),
                "open_flags": sum(r["value"] for r in cs["openFlags"]),
                "open_cases": sum(
                    r["value"] for r in cs["casesByStatus"] if r["key"] not in ("closed", "refused")
                ),
                "overdue_loans": cs["loans"]["overdueCount"],
                "population": cs["population"]["population"],
                "share": cs["population"]["share"],
            }
        )
    return out


# The breakdown's other columns, after the figures' own.
OTHER_COLUMNS = [
    ("candidates", N_("申请人、积极分子、发展对象")),
    ("applied", N_("期内申请")),
    ("admitted", N_("期内接收预备党员")),
    ("new_members", N_("期内新党员")),
    ("open_flags", N_("未处理的评议标记")),
    ("open_cases", N_("在办帮扶案件")),
    ("overdue_loans", N_("逾期借款")),
]


def breakdown_columns(p: Page) -> list[tuple[str, str]]:
    """(row key, heading in the page's language) for the breakdown by child."""
    return [
        (c.key, c.label_zh if p.lang == "zh" else c.label_en) for _name, c in FIGURE_COLUMNS
    ] + [(key, p.t(text)) for key, text in OTHER_COLUMNS]


def alerts_by_kind(s: dict[str, Any], under: str) -> dict[str, list[tuple[str, int, str]]]:
    """For each alert kind, the children (and 直属) that hold some: name, count and the
    alerts page's query string. One pass, not a template loop per kind over every child's
    list; a county has hundreds of these links, so each value is quoted once."""
    quoted: dict[str, str] = {}

    def q(value: str) -> str:
        hit = quoted.get(value)
        if hit is None:
            hit = quoted[value] = quote_plus(value)
        return hit

    out: dict[str, list[tuple[str, int, str]]] = {}
    for c in s["byChild"]:
        org = c["organization"]
        where = f"under={q(org['id'])}" if org else f"under={q(under)}"
        for x in c["stats"]["alerts"] or []:
            link = f"{where}&kind={q(x['key'])}" + ("" if org else "&direct=1")
            out.setdefault(x["key"], []).append((c["name"], x["value"], link))
    return out


def totals_row(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> dict[str, int]:
    return {key: sum(r[key] for r in rows) for key, _label in columns}


@page()
async def dashboard(p: Page) -> Response:
    under = _under(p)
    start, end = date_param(p, "from"), date_param(p, "to")
    s = await _stats(p, "DashboardStats", under, start, end)
    rows = breakdown_rows(s)
    columns = breakdown_columns(p)
    values: dict[str, Any] = {
        "s": s,
        "under": under,
        "period": {"from": s["from"], "to": s["to"]},
        "charts": charts(s, p.t),
        "rows": rows,
        "totals": totals_row(rows, columns),
        "alerts_by_kind": alerts_by_kind(s, under),
        "columns": columns,
        "qs": lambda **kw: urlencode(
            {k: v for k, v in {"from": s["from"], "to": s["to"], **kw}.items() if v}
        ),
        "money": lambda fen: f"{(fen or 0) / 100:,.2f}",
        "pct": lambda x: "—" if x is None else f"{100 * x:.1f}%",
    }
    if (
        p.request.headers.get("hx-request") == "true"
        and p.request.headers.get("hx-target") == "dashboard-body"
    ):
        response = p.render("dashboard/_body.html", **values)
        response.headers["HX-Push-Url"] = "/admin/dashboard?" + values["qs"](under=under)
        return response
    return p.render("dashboard/index.html", **values)


# --------------------------------------------------------------------------- reports


def _month_period(raw: str | None, today: date) -> tuple[date, date, str]:
    try:
        y, m = (int(x) for x in (raw or "").split("-"))
        start = date(y, m, 1)
    except ValueError:
        start = date(today.year, today.month, 1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    from datetime import timedelta

    return start, end - timedelta(days=1), start.strftime("%Y-%m")


def _quarter_period(
    year: str | None, quarter: str | None, today: date
) -> tuple[date, date, int, int]:
    try:
        y, q = int(year or ""), int(quarter or "")
        if not 1 <= q <= 4:
            raise ValueError(q)
    except ValueError:
        y, q = today.year, (today.month - 1) // 3 + 1
    from datetime import timedelta

    start = date(y, 3 * q - 2, 1)
    end = (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)) - timedelta(days=1)
    return start, end, y, q


def figure_sections(s: dict[str, Any], lang: str) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The declared figures' report sections (`Figure.report`), in their order: figures that
    name the same section share it."""
    listed = {f["name"]: f["counts"] for f in s["figures"]}
    sections: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for f in FIGURE_LIST:
        if f.report is not None and f.name in listed:
            sections.setdefault(f.report, []).extend((r["label"], r["value"]) for r in listed[f.name])
    return [(zh if lang == "zh" else en, items) for (zh, en), items in sections.items()]


def report_sections(
    s: dict[str, Any], t: Any, lang: str
) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The report's figures as titled (label, value) lists: one source for screen and .xlsx."""

    def counts(rows: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        return [(r["label"], r["value"]) for r in rows]

    pop = s["population"]
    targets = [
        (
            f"{r['targetSetLabel']} · {r['label']}",
            ("—" if r["actual"] is None else f"{100 * r['actual']:.1f}%")
            + f" ({r['numerator']}/{r['denominator']}; {t('目标')} {'≥' if r['comparison'] == 'at_least' else '≈'}{100 * r['target']:.0f}%"
            + (f", {t('底线')} {100 * r['floor']:.0f}%" if r["floor"] else "")
            + ") "
            + ("" if r["met"] is None else t("达标") if r["met"] else t("未达标"))
            + (" " + t("低于底线") if r["belowFloor"] else ""),
        )
        for r in s["targets"]
    ]
    return [
        (t("发展党员流程（本期）"), counts(s["flows"])),
        (t("新党员结构（本期）"), counts(s["newMembers"])),
        (t("对照目标"), targets),
        (t("发展党员各阶段人数"), counts(s["candidatesByStage"])),
        *figure_sections(s, lang),
        (
            t("党员占人口比例"),
            [
                (t("人口"), pop["population"]),
                (t("党员"), pop["members"]),
                (t("比例"), "—" if pop["share"] is None else f"{100 * pop['share']:.2f}%"),
            ],
        ),
        (t("民主评议结果"), counts(s["evaluationOutcomes"])),
        (t("未处理的评议标记"), counts(s["openFlags"])),
        (t("困难党员（按原因）"), counts(s["casesByCause"])),
        (
            t("帮扶（本期，元）"),
            [(r["label"], f"{r['count']} / {r['amountYuan']:,.2f}") for r in s["helpGiven"]],
        ),
        (
            t("帮扶基金与借款（元）"),
            [
                (t("基金余额"), f"{s['funds']['balanceFen'] / 100:,.2f}"),
                (
                    t("借款未还"),
                    f"{s['loans']['outstandingCount']} / {s['loans']['outstandingFen'] / 100:,.2f}",
                ),
                (
                    t("逾期借款"),
                    f"{s['loans']['overdueCount']} / {s['loans']['overdueFen'] / 100:,.2f}",
                ),
            ],
        ),
        (t("预警"), [(r["label"], r["value"]) for r in s.get("alerts") or []]),
    ]


async def _report(p: Page, kind: str) -> Response:
    under = _under(p)
    today = p.state.clock()
    q = p.request.query_params
    if kind == "monthly":
        start, end, month = _month_period(q.get("month"), today)
        title = p.t("发展党员工作月报")
        period_text = month
        picker: dict[str, str | int] = {"month": month}
    else:
        start, end, y, qn = _quarter_period(q.get("year"), q.get("quarter"), today)
        title = p.t("党建工作季度分析")
        period_text = f"{y} Q{qn}"
        picker = {"year": y, "quarter": qn}
    s = await _stats(p, "ReportStats", under, start, end)
    sections = report_sections(s, p.t, p.lang)
    generated = datetime.now()
    if q.get("format") == "xlsx":
        return _report_xlsx(p, title, s, period_text, generated, sections, kind)
    return p.render(
        "reports/report.html",
        kind=kind,
        title=title,
        s=s,
        under=under,
        period_text=period_text,
        picker=picker,
        sections=sections,
        rows=breakdown_rows(s),
        columns=breakdown_columns(p),
        generated=generated,
        xlsx_url=f"/admin/reports/{kind}?"
        + urlencode({"under": under, **picker, "format": "xlsx"}),
    )


def _report_xlsx(
    p: Page,
    title: str,
    s: dict[str, Any],
    period_text: str,
    generated: datetime,
    sections: list,
    kind: str,
) -> Response:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(title[:31])
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "font_size": 14})
    ws.set_column(0, 0, 36)
    ws.set_column(1, 14, 14)
    org = s["organization"]
    ws.write_string(0, 0, title, head)
    ws.write_string(1, 0, f"{p.t('组织')}：{org['name']}（{org['code']}）")
    ws.write_string(2, 0, f"{p.t('期间')}：{period_text}（{s['from']} – {s['to']}）")
    ws.write_string(3, 0, f"{p.t('生成时间')}：{generated:%Y-%m-%d %H:%M}")
    r = 5
    for heading, items in sections:
        ws.write_string(r, 0, heading, bold)
        r += 1
        for text, value in items:
            # text as text: `write` would take an organisation named "=..." for a formula
            ws.write_string(r, 0, text)
            if isinstance(value, int | float):
                ws.write_number(r, 1, value)
            elif value is not None:
                ws.write_string(r, 1, str(value))
            r += 1
        r += 1
    ws2 = wb.add_worksheet(p.t("分组织")[:31])
    ws2.write_string(0, 0, p.t("组织"), bold)
    columns = breakdown_columns(p)
    for c, (_key, text) in enumerate(columns, start=1):
        ws2.write_string(0, c, text, bold)
    rows = breakdown_rows(s)
    for i, row in enumerate(rows, start=1):
        ws2.write_string(i, 0, row["name"])
        for c, (key, _text) in enumerate(columns, start=1):
            ws2.write_number(i, c, row[key])
    total = totals_row(rows, columns)
    ws2.write_string(len(rows) + 1, 0, p.t("合计"), bold)
    for c, (key, _text) in enumerate(columns, start=1):
        ws2.write_number(len(rows) + 1, c, total[key], bold)
    wb.close()
    name = f"{title}-{org['name']}-{period_text}.xlsx"
    return Response(
        buf.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=\"report-{kind}.xlsx\"; filename*=UTF-8''{quote(name)}"
        },
    )


@page()
async def monthly_report(p: Page) -> Response:
    return await _report(p, "monthly")


@page()
async def quarterly_report(p: Page) -> Response:
    return await _report(p, "quarterly")


routes = [
    Route("/dashboard", dashboard),
    Route("/reports/monthly", monthly_report),
    Route("/reports/quarterly", quarterly_report),
]
