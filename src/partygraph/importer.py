"""Import a member roster (花名册) from .xlsx or .csv: a dry run that lists every bad row with its
reason, then an all-or-nothing commit through `services.member.register`.

Columns are recognised by their Chinese (or English) headers: 姓名, 性别, 民族, 出生日期, 学历,
入党日期, 转正日期, 身份证号, 联系电话, 所在党组织 / 组织编码, … (see HEADERS). The header row is
the first of the first 20 rows that names 姓名; lines above it (an exported file's
organisation, period and generation time) are skipped.

A row is bad when a required value is missing, a value is not understood, a date is
impossible (2023-02-30) or in the future, the ID number's checksum (or its birth date or
gender) is wrong, the organisation is unknown / out of scope / cannot hold members, the
member rules refuse it (e.g. joined before 18), or it repeats another row of the file.

Re-importing: a row that matches a member already in the database — by national ID
number, else by name + birth date + organisation — is SKIPPED (counted and listed, never
written, never an error), so importing the same file twice creates no duplicates. Existing
records are not updated by an import: changes to a member go through the member page,
with its version check and audit trail. A row whose ID number belongs to a member with
another name is bad (two people cannot share an ID number).

Commit: refused (nothing written) while the dry run finds any bad row; otherwise every
good row is registered in ONE transaction — any error rolls the whole import back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, tuple_

from partygraph.context import Context
from partygraph.errors import DomainError
from partygraph.models.member import EDUCATION_LABELS, Education, Gender, Member, MemberStatus
from partygraph.models.organization import Organization, OrgKind, OrgStatus
from partygraph.scope import within

Progress = Callable[[str, int, int], None]  # (phase, done, total)

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "党员姓名", "name"),
    "gender": ("性别", "gender", "sex"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日", "birth_date", "birthdate"),
    "education": ("学历", "文化程度", "最高学历", "education"),
    "occupation": ("职业", "工作岗位", "职业/岗位", "occupation"),
    "front_line": ("生产工作一线", "一线", "是否一线", "工作一线", "front_line"),
    "rural": ("农村党员", "农村", "是否农村党员", "rural"),
    "joined_on": ("入党日期", "入党时间", "joined_on"),
    "converted_on": ("转正日期", "转正时间", "converted_on"),
    "status": ("党籍状态", "党员类别", "人员类别", "党员状态", "status"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_number"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式", "phone"),
    "org_name": ("所在党组织", "党组织", "所在支部", "党支部", "所在组织", "organization"),
    "org_code": ("组织编码", "党组织编码", "组织代码", "org_code"),
    "flowing": ("流动党员", "是否流动党员", "flowing"),
    "flow_destination": ("外出地点", "流向", "流动去向", "flow_destination"),
    "flow_certificate": ("流动党员活动证号", "活动证号", "flow_certificate"),
    "lost_contact_since": ("失联日期", "失去联系日期", "lost_contact_since"),
    "lost_contact": ("失去联系", "失联党员", "失联", "lost_contact"),
    "in_difficulty": ("困难党员", "是否困难党员", "in_difficulty"),
    "notes": ("备注", "notes"),
}
REQUIRED = ("name", "gender", "birth_date", "education", "joined_on")
MEMBER_HOLDING_KINDS = frozenset({OrgKind.branch, OrgKind.group, OrgKind.general_branch, OrgKind.committee})

GENDERS = {"男": Gender.male, "女": Gender.female, "male": Gender.male, "female": Gender.female, "m": Gender.male, "f": Gender.female}
EDUCATIONS: dict[str, Education] = {
    **{zh: e for e, (zh, _en) in EDUCATION_LABELS.items()},
    **{e.value: e for e in Education},
    "小学": Education.primary, "文盲": Education.primary, "半文盲": Education.primary, "不识字或识字很少": Education.primary,
    "初中": Education.junior_high, "初级中学": Education.junior_high,
    "高中": Education.senior_high, "中专": Education.senior_high, "中技": Education.senior_high, "职高": Education.senior_high,
    "高中、中专": Education.senior_high, "高中及中专": Education.senior_high, "中等专科": Education.senior_high,
    "大专": Education.junior_college, "专科": Education.junior_college, "大学专科": Education.junior_college, "高职": Education.junior_college,
    "本科": Education.bachelor, "大学本科": Education.bachelor, "大学": Education.bachelor, "学士": Education.bachelor,
    "研究生": Education.postgraduate, "硕士": Education.postgraduate, "博士": Education.postgraduate,
    "硕士研究生": Education.postgraduate, "博士研究生": Education.postgraduate,
}  # fmt: skip
STATUSES = {
    "正式党员": MemberStatus.full, "正式": MemberStatus.full, "full": MemberStatus.full,
    "预备党员": MemberStatus.probationary, "预备": MemberStatus.probationary, "probationary": MemberStatus.probationary,
}  # fmt: skip
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "是的", "有"}
FALSE = {"", "否", "n", "no", "false", "0", "×", "无"}


@dataclass
class RowProblem:
    row: int  # the row number in the sheet (1-based, as the clerk sees it)
    name: str
    field: str | None
    code: str
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en


@dataclass
class ImportReport:
    total: int = 0  # data rows read (blank rows ignored)
    good: int = 0  # rows that would be (or were) registered
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (row, name, why) already in the database
    problems: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header → field
    unknown_columns: list[str] = field(default_factory=list)
    created: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefusedError(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.problems)} bad rows: nothing imported")
        self.report = report


class FileFormatError(ValueError):
    """The file cannot be read as a roster (no 姓名 header, unknown format)."""


# --------------------------------------------------------------------------- reading


def _norm_header(h: Any) -> str:
    text = re.sub(r"[（(][^）)]*[）)]", "", str(h or ""))  # 身份证号（必填） → 身份证号
    return re.sub(r"[\s*＊:：]+", "", text).lower()


ALIASES = {_norm_header(a): f for f, names in HEADERS.items() for a in names}


def read_rows(source: str | Path | bytes, filename: str | None = None) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """(headers, iterator of (sheet row number, values)) from an .xlsx or .csv file or its bytes."""
    name = (filename or (str(source) if not isinstance(source, bytes) else "")).lower()
    data = source if isinstance(source, bytes) else None
    if name.endswith(".xlsx") or (data is not None and data[:2] == b"PK"):
        return _header_split(_xlsx_rows(source))
    if name.endswith(".csv") or data is not None:
        raw = data if data is not None else Path(source).read_bytes()  # type: ignore[arg-type]
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileFormatError("无法识别文件编码（应为 UTF-8 或 GBK）")
        return _header_split(enumerate(csv.reader(io.StringIO(text)), start=1))
    raise FileFormatError("只支持 .xlsx 或 .csv 文件")


def _xlsx_rows(source: str | Path | bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield i, list(row)
    finally:
        wb.close()


def _header_split(rows: Iterator[tuple[int, list[Any]]]) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    for i, row in rows:
        if any(ALIASES.get(_norm_header(c)) == "name" for c in row):
            return [str(c or "").strip() for c in row], rows
        if i >= 20:
            break
    raise FileFormatError("找不到表头：前 20 行中没有“姓名”列")


# --------------------------------------------------------------------------- parsing values

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*$")


class _Bad(Exception):
    def __init__(self, field: str, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.field, self.code, self.zh, self.en = field, code, zh, en


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def parse_date(v: Any, fld: str, label: str) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _text(v)
    m = _DATE_RE.match(s)
    if not m and re.fullmatch(r"\d{8}", s):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        raise _Bad(fld, "INVALID_DATE", f"{label}“{s}”不是日期（应为 YYYY-MM-DD）", f"{label} {s!r} is not a date (YYYY-MM-DD)")
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return date(y, mo, d)
    except ValueError:
        raise _Bad(fld, "INVALID_DATE", f"{label}“{s}”是不存在的日期", f"{label} {s!r} is an impossible date") from None


def parse_flag(v: Any, fld: str, label: str) -> bool:
    s = _text(v).lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise _Bad(fld, "INVALID_INPUT", f"{label}应填“是”或“否”，而不是“{s}”", f"{label} must be yes or no, not {s!r}")


# --------------------------------------------------------------------------- the import


@dataclass
class _Row:
    row: int
    name: str
    org_id: int
    status: str
    fields: dict[str, Any]


class _Orgs:
    """The organisations of the viewer's scope, by code and by name, loaded once."""

    def __init__(self, ctx: Context) -> None:
        rows = ctx.session.execute(
            select(Organization.id, Organization.code, Organization.name, Organization.kind, Organization.status, Organization.path).where(
                within(Organization.path, ctx.viewer)
            )
        ).all()
        self.by_code = {r.code: r for r in rows}
        self.by_name: dict[str, list[Any]] = {}
        for r in rows:
            self.by_name.setdefault(r.name, []).append(r)

    def find(self, code: str, name: str) -> Any:
        if code:
            org = self.by_code.get(code)
            if org is None:
                raise _Bad("org_code", "UNKNOWN_ORG", f"未知的组织编码“{code}”（或不在您的管理范围内）", f"Unknown organisation code {code!r} (or outside your scope)")
            return org
        if not name:
            raise _Bad("org_name", "REQUIRED", "所在党组织（或组织编码）不能为空", "The organisation (name or code) is required")
        found = self.by_name.get(name, [])
        if not found:
            raise _Bad("org_name", "UNKNOWN_ORG", f"未知的党组织“{name}”（或不在您的管理范围内）", f"Unknown organisation {name!r} (or outside your scope)")
        if len(found) > 1:
            raise _Bad("org_name", "AMBIGUOUS_ORG", f"有 {len(found)} 个党组织名为“{name}”，请填写组织编码", f"{len(found)} organisations are named {name!r}: give the code")
        return found[0]


def _parse(ctx: Context, orgs: _Orgs, mapping: dict[int, str], i: int, values: list[Any]) -> _Row:
    raw = {f: values[c] if c < len(values) else None for c, f in mapping.items()}
    name = _text(raw.get("name"))
    for f in REQUIRED:
        if _text(raw.get(f)) == "":
            label = HEADERS[f][0]
            raise _Bad(f, "REQUIRED", f"{label}不能为空", f"{f} is required")
    g = GENDERS.get(_text(raw["gender"]).lower())
    if g is None:
        raise _Bad("gender", "INVALID_INPUT", f"性别“{_text(raw['gender'])}”应为男或女", "Gender must be 男 or 女")
    edu_text = _text(raw["education"])
    edu = EDUCATIONS.get(edu_text) or EDUCATIONS.get(edu_text.replace(" ", ""))
    if edu is None:
        raise _Bad("education", "INVALID_INPUT", f"无法识别的学历“{edu_text}”", f"Unknown education {edu_text!r}")
    status_text = _text(raw.get("status")) or "正式党员"
    status = STATUSES.get(status_text) or STATUSES.get(status_text.lower())
    if status is None:
        raise _Bad("status", "INVALID_INPUT", f"只能导入在册党员（正式党员或预备党员），而不是“{status_text}”",
                   f"Only members on the roster (full or probationary) can be imported, not {status_text!r}")  # fmt: skip
    birth = parse_date(raw["birth_date"], "birth_date", "出生日期")
    joined = parse_date(raw["joined_on"], "joined_on", "入党日期")
    converted = parse_date(raw.get("converted_on"), "converted_on", "转正日期")
    id_number = _text(raw.get("id_number")).upper() or None  # checked (checksum, birth date, gender) by the member rules
    org = orgs.find(_text(raw.get("org_code")), _text(raw.get("org_name")))
    if org.status != OrgStatus.active:
        raise _Bad("org_name", "R-ORG-DISSOLVED", f"党组织“{org.name}”已撤销", f"{org.name} is dissolved")
    if org.kind not in {k.value for k in MEMBER_HOLDING_KINDS}:
        raise _Bad("org_name", "INVALID_INPUT", f"“{org.name}”不能直接编入党员（须为党支部、党小组、党总支或基层党委）",
                   f"{org.name} cannot hold members (a branch, group, general branch or base committee can)")  # fmt: skip
    fields: dict[str, Any] = {
        "name": name,
        "gender": g.value,
        "ethnicity": _text(raw.get("ethnicity")) or "汉族",
        "birth_date": birth,
        "education": edu.value,
        "occupation": _text(raw.get("occupation")) or None,
        "joined_on": joined,
        "converted_on": converted,
        "id_number": id_number,
        "phone": _text(raw.get("phone")) or None,
        "flow_destination": _text(raw.get("flow_destination")) or None,
        "flow_certificate": _text(raw.get("flow_certificate")) or None,
        "lost_contact_since": parse_date(raw.get("lost_contact_since"), "lost_contact_since", "失联日期"),
        "notes": _text(raw.get("notes")) or None,
    }
    for f, label in (("front_line", "生产工作一线"), ("rural", "农村党员"), ("flowing", "流动党员"), ("lost_contact", "失去联系"), ("in_difficulty", "困难党员")):
        if f in raw:
            fields[f] = parse_flag(raw[f], f, label)
    _check_member(ctx, org, status.value, fields)
    return _Row(i, name, org.id, status.value, fields)


def _check_member(ctx: Context, org: Any, status: str, fields: dict[str, Any]) -> None:
    """The member rules of services.member, on a record that is never added to the session.
    An ID number already in the database is not an error here: the caller matches those rows
    in bulk (the same person → skipped; another person → a bad row)."""
    from partygraph.services.member import _validate

    # A plain record with the member's attributes: building ORM objects only to check them
    # costs more than the checks.
    record = {"front_line": False, "rural": False, "flowing": False, "lost_contact": False, "in_difficulty": False, "pre_1949": False}
    m = SimpleNamespace(**{**record, **fields, "id": None, "org_id": org.id, "org_path": org.path, "status": status})
    try:
        with ctx.session.no_autoflush:
            _validate(ctx, m)  # type: ignore[arg-type]
    except DomainError as e:
        if getattr(e, "code", "") == "DUPLICATE":
            fields.update(id_number=m.id_number, name=m.name)
            return
        raise _Bad(e.field or "", getattr(e, "code", "INVALID_INPUT"), e.message_zh, e.message_en) from None
    fields.update(id_number=m.id_number, name=m.name)


def dry_run(ctx: Context, source: str | Path | bytes, filename: str | None = None, *, progress: Progress | None = None) -> tuple[ImportReport, list[_Row]]:
    """Read and check every row; write nothing. Returns the report and the rows to register."""
    headers, rows = read_rows(source, filename)
    report = ImportReport()
    mapping: dict[int, str] = {}
    for c, h in enumerate(headers):
        f = ALIASES.get(_norm_header(h))
        if f and f not in mapping.values():
            mapping[c] = f
            report.columns[h] = f
        elif h:
            report.unknown_columns.append(h)
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if "org_name" not in mapping.values() and "org_code" not in mapping.values():
        missing.append("org_name")
    if missing:
        raise FileFormatError("缺少必需的列：" + "、".join(HEADERS[f][0] for f in missing))
    orgs = _Orgs(ctx)
    data = [(i, v) for i, v in rows if any(_text(x) for x in v)]
    report.total = len(data)
    parsed: list[_Row] = []
    for n, (i, values) in enumerate(data, start=1):
        try:
            parsed.append(_parse(ctx, orgs, mapping, i, values))
        except _Bad as b:
            name = _text(values[next((c for c, f in mapping.items() if f == "name"), 0)]) if values else ""
            report.problems.append(RowProblem(i, name, b.field, b.code, b.zh, b.en))
        if progress and n % 500 == 0:
            progress("check", n, report.total)
    # duplicates within the file
    seen_id: dict[str, int] = {}
    seen_key: dict[tuple, int] = {}
    unique: list[_Row] = []
    for r in parsed:
        idn = r.fields["id_number"]
        key = (r.name, r.fields["birth_date"], r.org_id)
        first = seen_id.get(idn) if idn else None
        if first is None:
            first = seen_key.get(key)
        if first is not None:
            report.problems.append(RowProblem(r.row, r.name, "id_number" if idn and idn in seen_id else "name", "DUPLICATE_IN_FILE",
                                              f"与第 {first} 行重复", f"Repeats row {first}"))  # fmt: skip
            continue
        if idn:
            seen_id[idn] = r.row
        seen_key[key] = r.row
        unique.append(r)
    # matches with the database, in bulk
    existing_id: dict[str, str] = {}
    ids = [r.fields["id_number"] for r in unique if r.fields["id_number"]]
    for chunk in _chunks(ids, 500):
        existing_id.update(ctx.session.execute(select(Member.id_number, Member.name).where(Member.id_number.in_(chunk))).all())  # type: ignore[arg-type]
    keys = [(r.name, r.fields["birth_date"], r.org_id) for r in unique]
    existing_key: set[tuple] = set()
    for chunk in _chunks(keys, 300):
        existing_key.update(
            (n, b if isinstance(b, date) else date.fromisoformat(str(b)), o)
            for n, b, o in ctx.session.execute(
                select(Member.name, Member.birth_date, Member.org_id).where(tuple_(Member.name, Member.birth_date, Member.org_id).in_(chunk))
            ).all()
        )
    todo: list[_Row] = []
    for r in unique:
        idn = r.fields["id_number"]
        if idn and idn in existing_id:
            if existing_id[idn] != r.name:
                report.problems.append(RowProblem(r.row, r.name, "id_number", "DUPLICATE",
                                                  f"该身份证号码已登记在党员“{existing_id[idn]}”名下",
                                                  f"That ID number is registered to another member ({existing_id[idn]})"))  # fmt: skip
            else:
                report.skipped.append((r.row, r.name, "身份证号码已在册"))
            continue
        if (r.name, r.fields["birth_date"], r.org_id) in existing_key:
            report.skipped.append((r.row, r.name, "同名、同出生日期、同组织的党员已在册"))
            continue
        todo.append(r)
    report.problems.sort(key=lambda p: p.row)
    report.good = len(todo)
    if progress:
        progress("check", report.total, report.total)
    return report, todo


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for k in range(0, len(items), size):
        yield items[k : k + size]


def import_members(
    ctx: Context, source: str | Path | bytes, filename: str | None = None, *, commit: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Dry run (default) or commit. A commit is refused (ImportRefusedError, nothing written)
    when any row is bad; otherwise all good rows are registered and committed together."""
    from partygraph.services import member as members

    report, todo = dry_run(ctx, source, filename, progress=progress)
    ctx.session.rollback()  # the dry run wrote nothing; start the import's transaction clean
    if not commit:
        return report
    if report.problems:
        raise ImportRefusedError(report)
    try:
        for n, r in enumerate(todo, start=1):
            members.register(ctx, org_id=r.org_id, status=r.status, **r.fields)
            if progress and n % 200 == 0:
                progress("write", n, len(todo))
        ctx.session.commit()
    except BaseException:
        ctx.session.rollback()
        raise
    report.created, report.committed = len(todo), True
    if progress:
        progress("write", len(todo), len(todo))
    return report
