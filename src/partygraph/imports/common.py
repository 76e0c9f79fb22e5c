"""What every spreadsheet import shares: reading .xlsx / .csv rows, recognising the Chinese
headers, parsing values (dates, flags, numbers, amounts, lists of names), the report with
every bad row and its reason, repeated rows within a file, progress, and the replay of a
ledger through the services.

The header row is the first of the first 20 rows that names 姓名 (or another name header);
lines above it (an exported file's organisation, period and generation time) are skipped.
Headers are compared without spaces, asterisks, colons and bracketed notes, so
"身份证号（必填）" and "* 姓名" are recognised.

Ledgers whose rows are histories (candidates, assistance cases) are checked by replaying
every row through the real services inside one transaction (`replay`): the rules that
refuse a clerk's input refuse a row. Each row runs in a SAVEPOINT, so a refused row's
partial writes are undone and cannot disturb the rows after it (a half-opened case would
make the member's next case "already open"). The dry run rolls the whole transaction back;
a commit commits it only when no row was refused. On SQLite the transaction is begun
explicitly first: the pysqlite driver begins one only before a data change, and a SAVEPOINT
outside a transaction is committed when released — which would break all-or-nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, overload

from sqlalchemy import select, tuple_
from sqlmodel import col

from partygraph.context import Context
from partygraph.errors import DomainError
from partygraph.models.member import EDUCATION_LABELS, Education, Gender
from partygraph.models.organization import Organization
from partygraph.scope import visible
from partygraph.services.member import REGISTERED_ELSEWHERE

Progress = Callable[[str, int, int], None]  # (phase, done, total)
Source = str | Path | bytes

# --------------------------------------------------------------------------- the report


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
    ledger: str = "members"  # members | candidates | cases
    total: int = 0  # data rows read (blank rows ignored)
    good: int = 0  # rows that would be (or were) written
    skipped: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (row, name, why) already in the database
    problems: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header → field
    unknown_columns: list[str] = field(default_factory=list)
    created: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        values = dict(data)
        values["problems"] = [RowProblem(**p) for p in values.get("problems", [])]
        values["skipped"] = [tuple(s) for s in values.get("skipped", [])]
        return cls(**values)


class ImportRefusedError(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.problems)} bad rows: nothing imported")
        self.report = report


class FileFormatError(ValueError):
    """The file cannot be read as this ledger (no 姓名 header, a required column missing, unknown format)."""


class Bad(Exception):
    """One row's problem: the column at fault, a stable code, the reason in Chinese and English."""

    def __init__(self, field: str | None, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.field, self.code, self.zh, self.en = field, code, zh, en

    @classmethod
    def of(
        cls, error: DomainError, field: str | None = None, prefix: tuple[str, str] | None = None
    ) -> Bad:
        """A service's refusal as a row problem, optionally prefixed with the step it refused."""
        zh, en = error.message_zh, error.message_en
        if prefix:
            zh, en = f"{prefix[0]}：{zh}", f"{prefix[1]}: {en}"
        return cls(field or error.field, getattr(error, "code", "INVALID_INPUT"), zh, en)


# --------------------------------------------------------------------------- columns


def norm_header(h: Any) -> str:
    text = re.sub(r"[（(][^）)]*[）)]", "", str(h or ""))  # 身份证号（必填） → 身份证号
    return re.sub(r"[\s*＊:：]+", "", text).lower()


NAME_HEADERS = frozenset(norm_header(h) for h in ("姓名", "名字", "党员姓名", "帮扶对象", "name"))


class Columns:
    """A ledger's columns: field → header aliases (the first one is the label shown in messages)."""

    def __init__(
        self,
        headers: dict[str, tuple[str, ...]],
        required: tuple[str, ...],
        one_of: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        self.headers, self.required, self.one_of = headers, required, one_of
        self.aliases: dict[str, str] = {}
        for f, names in headers.items():
            for a in names:
                key = norm_header(a)
                if self.aliases.get(key, f) != f:
                    raise ValueError(f"header {a!r} names both {self.aliases[key]} and {f}")
                self.aliases[key] = f

    def label(self, f: str) -> str:
        return self.headers[f][0]

    def map(self, headers: list[str], report: ImportReport) -> dict[int, str]:
        """Column index → field; fills the report's recognised and ignored columns; a missing
        required column refuses the whole file."""
        mapping: dict[int, str] = {}
        for c, h in enumerate(headers):
            f = self.aliases.get(norm_header(h))
            if f and f not in mapping.values():
                mapping[c] = f
                report.columns[h] = f
            elif h:
                report.unknown_columns.append(h)
        found = set(mapping.values())
        missing = [self.label(f) for f in self.required if f not in found]
        missing += [
            "或".join(self.label(f) for f in group)
            for group in self.one_of
            if not found & set(group)
        ]
        if missing:
            raise FileFormatError("缺少必需的列：" + "、".join(missing))
        return mapping


class Row:
    """One data row's values by field, with the parsers that name the column in their messages."""

    def __init__(
        self, line: int, values: list[Any], mapping: dict[int, str], columns: Columns
    ) -> None:
        self.line = line
        self.columns = columns
        self.raw = {f: values[c] if c < len(values) else None for c, f in mapping.items()}

    def has(self, f: str) -> bool:
        return f in self.raw

    def text(self, f: str) -> str:
        return text(self.raw.get(f))

    def optional(self, f: str) -> str | None:
        return self.text(f) or None

    def required(self, f: str) -> str:
        value = self.text(f)
        if not value:
            raise Bad(f, "REQUIRED", f"{self.columns.label(f)}不能为空", f"{f} is required")
        return value

    def date(self, f: str) -> date | None:
        return parse_date(self.raw.get(f), f, self.columns.label(f))

    def dates(self, f: str) -> list[dt.date]:  # `date` here is the method above
        return parse_dates(self.raw.get(f), f, self.columns.label(f))

    def flag(self, f: str) -> bool | None:
        """None when the file has no such column (the default applies)."""
        return parse_flag(self.raw[f], f, self.columns.label(f)) if f in self.raw else None

    def number(self, f: str) -> float | None:
        return parse_number(self.raw.get(f), f, self.columns.label(f))

    def names(self, f: str) -> list[str]:
        return split_list(self.text(f))


# --------------------------------------------------------------------------- reading


def read_rows(
    source: Source, filename: str | None = None
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """(headers, iterator of (sheet row number, values)) from an .xlsx or .csv file or its bytes."""
    name = (filename or (str(source) if not isinstance(source, bytes) else "")).lower()
    data = source if isinstance(source, bytes) else None
    if name.endswith(".xlsx") or (data is not None and data[:2] == b"PK"):
        return _header_split(_xlsx_rows(source))
    if name.endswith(".csv") or data is not None:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                decoded = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileFormatError("无法识别文件编码（应为 UTF-8 或 GBK）")
        return _header_split(enumerate(csv.reader(io.StringIO(decoded)), start=1))
    raise FileFormatError("只支持 .xlsx 或 .csv 文件")


def _xlsx_rows(source: Source) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            read_only=True,
            data_only=True,
        )
    except Exception as exc:  # noqa: BLE001 - a damaged or renamed file: say so, not a traceback
        raise FileFormatError(f"无法读取 .xlsx 文件（{exc.__class__.__name__}）") from None
    try:
        ws = wb.worksheets[0]
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield i, list(row)
    finally:
        wb.close()


def _header_split(
    rows: Iterator[tuple[int, list[Any]]],
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    for i, row in rows:
        if any(norm_header(c) in NAME_HEADERS for c in row):
            return [str(c or "").strip() for c in row], rows
        if i >= 20:
            break
    raise FileFormatError("找不到表头：前 20 行中没有“姓名”列")


def data_rows(rows: Iterable[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """The rows with any value (blank lines are not rows)."""
    return [(i, v) for i, v in rows if any(text(x) for x in v)]


# --------------------------------------------------------------------------- parsing values

GENDERS = {
    "男": Gender.male,
    "女": Gender.female,
    "male": Gender.male,
    "female": Gender.female,
    "m": Gender.male,
    "f": Gender.female,
}
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
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "是的", "有"}
FALSE = {"", "否", "n", "no", "false", "0", "×", "无"}

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*$")
_LIST_SPLIT = re.compile(r"[、，,；;\s]+")


def text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


@overload
def parse_date(v: date, fld: str, label: str) -> date: ...
@overload
def parse_date(v: Any, fld: str, label: str) -> date | None: ...
def parse_date(v: Any, fld: str, label: str) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = text(v)
    if not s:
        return None
    m = _DATE_RE.match(s)
    if not m and re.fullmatch(r"\d{8}", s):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        raise Bad(
            fld,
            "INVALID_DATE",
            f"{label}“{s}”不是日期（应为 YYYY-MM-DD）",
            f"{label} {s!r} is not a date (YYYY-MM-DD)",
        )
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return date(y, mo, d)
    except ValueError:
        raise Bad(
            fld,
            "INVALID_DATE",
            f"{label}“{s}”是不存在的日期",
            f"{label} {s!r} is an impossible date",
        ) from None


def parse_dates(v: Any, fld: str, label: str) -> list[date]:
    """Several dates in one cell ("2024-03-01、2024-09-01"), in the order written."""
    if isinstance(v, date | datetime):
        return [parse_date(v, fld, label)]
    out = []
    for part in _LIST_SPLIT.split(text(v)):
        d = parse_date(part, fld, label)
        if d is not None:
            out.append(d)
    return out


def parse_flag(v: Any, fld: str, label: str) -> bool:
    s = text(v).lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise Bad(
        fld,
        "INVALID_INPUT",
        f"{label}应填“是”或“否”，而不是“{s}”",
        f"{label} must be yes or no, not {s!r}",
    )


def parse_number(v: Any, fld: str, label: str) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    s = text(v).replace(",", "").replace("，", "")
    if not s:
        return None
    s = re.sub(r"(天|小时|学时|个?月|人|元)$", "", s).strip()
    try:
        return float(s)
    except ValueError:
        raise Bad(
            fld,
            "INVALID_INPUT",
            f"{label}“{text(v)}”不是数字",
            f"{label} {text(v)!r} is not a number",
        ) from None


def parse_yuan(v: Any, fld: str, label: str) -> int | None:
    """An amount in yuan (a number cell or text like "12,345.60元") as integer fen, exactly."""
    from partygraph.rules.assistance import parse_yuan as yuan_to_fen

    if v is None or v == "":
        return None
    if isinstance(v, float) and abs(v * 100 - round(v * 100)) > 1e-6:
        v = repr(v)  # more than two decimals: refused below, never rounded
    raw = f"{v:.2f}" if isinstance(v, float) else text(v)
    raw = raw.removesuffix("元").strip()
    if not raw:
        return None
    try:
        return yuan_to_fen(raw)
    except ValueError:
        raise Bad(fld, "INVALID_INPUT", f"{label}“{text(v)}”不是金额（元，最多两位小数，不能为负）",
                  f"{label} {text(v)!r} is not an amount (yuan, at most two decimals, not negative)") from None  # fmt: skip


def split_list(value: str) -> list[str]:
    return [p for p in _LIST_SPLIT.split(value.strip()) if p]


def labels(
    pairs: dict[Any, tuple[str, str]], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A `lookup` table for an enum with (zh, en) labels: the Chinese label (also without
    spaces and notes), the value and the English label, plus the ledger's own words."""
    table: dict[str, Any] = {}
    for key, (zh, en) in pairs.items():
        table.update({zh: key, norm_header(zh): key, str(key.value): key, en.lower(): key})
    return table | (extra or {})


def as_date(value: Any) -> date:
    """A date column's value as read back (SQLite returns ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def lookup(table: dict[str, Any], raw: str) -> Any:
    """A label, a value or an English word, compared without spaces, case or a bracketed note."""
    for key in (raw, raw.replace(" ", ""), raw.lower(), norm_header(raw)):
        if key in table:
            return table[key]
    return None


def gender(row: Row) -> str:
    g = GENDERS.get(row.required("gender").lower())
    if g is None:
        raise Bad(
            "gender",
            "INVALID_INPUT",
            f"性别“{row.text('gender')}”应为男或女",
            "Gender must be 男 or 女",
        )
    return g.value


def education(row: Row) -> str:
    raw = row.required("education")
    edu = EDUCATIONS.get(raw) or EDUCATIONS.get(raw.replace(" ", ""))
    if edu is None:
        raise Bad(
            "education", "INVALID_INPUT", f"无法识别的学历“{raw}”", f"Unknown education {raw!r}"
        )
    return edu.value


def id_number(row: Row) -> tuple[str | None, bool]:
    """(the ID number in upper case or None, whether it is masked: an export for a level that
    does not see ID numbers carries 513221********0026). Checksums are the services' to check."""
    raw = row.text("id_number").upper().replace(" ", "") if row.has("id_number") else ""
    if not raw:
        return None, False
    if "*" in raw:
        return None, True
    return raw, False


# --------------------------------------------------------------------------- organisations


class Orgs:
    """The organisations of the viewer's scope, by code and by name, loaded once."""

    def __init__(self, ctx: Context) -> None:
        rows = ctx.session.execute(
            select(
                col(Organization.id),
                col(Organization.code),
                col(Organization.name),
                col(Organization.kind),
                col(Organization.status),
                col(Organization.path),
            ).where(visible(Organization, ctx.viewer))
        ).all()
        self.by_code = {r.code: r for r in rows}
        self.by_name: dict[str, list[Any]] = {}
        for r in rows:
            self.by_name.setdefault(r.name, []).append(r)

    def named(self, code: str, name: str) -> list[Any]:
        """Every organisation the row may mean (several when a name is shared); unknown is a problem."""
        if code:
            org = self.by_code.get(code)
            if org is None:
                raise Bad(
                    "org_code",
                    "UNKNOWN_ORG",
                    f"未知的组织编码“{code}”（或不在您的管理范围内）",
                    f"Unknown organisation code {code!r} (or outside your scope)",
                )
            return [org]
        if not name:
            raise Bad(
                "org_name",
                "REQUIRED",
                "所在党组织（或组织编码）不能为空",
                "The organisation (name or code) is required",
            )
        found = self.by_name.get(name, [])
        if not found:
            raise Bad(
                "org_name",
                "UNKNOWN_ORG",
                f"未知的党组织“{name}”（或不在您的管理范围内）",
                f"Unknown organisation {name!r} (or outside your scope)",
            )
        return found

    def find(self, code: str, name: str) -> Any:
        found = self.named(code, name)
        if len(found) > 1:
            raise Bad(
                "org_name",
                "AMBIGUOUS_ORG",
                f"有 {len(found)} 个党组织名为“{name}”，请填写组织编码",
                f"{len(found)} organisations are named {name!r}: give the code",
            )
        return found[0]


# --------------------------------------------------------------------------- checking a file


@dataclass
class Parsed:
    """One row that parsed: what the ledger writes, and the keys that identify the same record
    (the first key another row shares makes that row a repeat)."""

    row: int
    name: str
    keys: list[tuple[str, Any]]  # (field the key is shown on, value)
    data: Any


def parse_file(
    ctx: Context,
    source: Source,
    filename: str | None,
    columns: Columns,
    parse: Callable[[Row], Parsed],
    report: ImportReport,
    progress: Progress | None = None,
) -> list[Parsed]:
    """Read, map the headers and parse every row; bad rows go to the report. Writes nothing."""
    headers, rows = read_rows(source, filename)
    mapping = columns.map(headers, report)
    name_col = next((c for c, f in mapping.items() if f == "name"), 0)
    data = data_rows(rows)
    report.total = len(data)
    parsed: list[Parsed] = []
    for n, (i, values) in enumerate(data, start=1):
        try:
            parsed.append(parse(Row(i, values, mapping, columns)))
        except Bad as b:
            name = text(values[name_col]) if name_col < len(values) else ""
            report.problems.append(RowProblem(i, name, b.field, b.code, b.zh, b.en))
        if progress and n % 500 == 0:
            progress("check", n, report.total)
    return parsed


def read_ledger(
    ctx: Context,
    ledger: str,
    source: Source,
    filename: str | None,
    columns: Columns,
    parse: Callable[[Orgs, Row], Parsed],
    progress: Progress | None = None,
) -> tuple[ImportReport, list[Parsed]]:
    """A ledger's report and its parsed rows, the organisations of the viewer's scope loaded once."""
    report = ImportReport(ledger=ledger)
    orgs = Orgs(ctx)
    parsed = parse_file(
        ctx, source, filename, columns, lambda row: parse(orgs, row), report, progress
    )
    return report, parsed


def drop_repeats(parsed: list[Parsed], report: ImportReport) -> list[Parsed]:
    """A row that identifies the same record as an earlier row of the file is a bad row."""
    seen: dict[tuple[str, Any], int] = {}
    unique: list[Parsed] = []
    for r in parsed:
        hit = next((k for k in r.keys if k in seen), None)
        if hit is not None:
            first = seen[hit]
            report.problems.append(
                RowProblem(
                    r.row,
                    r.name,
                    hit[0],
                    "DUPLICATE_IN_FILE",
                    f"与第 {first} 行重复",
                    f"Repeats row {first}",
                )
            )
            continue
        for k in r.keys:
            seen[k] = r.row
        unique.append(r)
    return unique


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for k in range(0, len(items), size):
        yield items[k : k + size]


@dataclass
class Existing:
    """What `skip_existing` says of a person already in the database, in the ledger's words."""

    taken: tuple[str, str]  # (zh, en) bad row: the ID number is another person's ({name})
    same_id: str  # skipped: the ID number is there
    same_person: str  # skipped: name + birth date + organisation are there


def skip_existing(
    ctx: Context,
    model: Any,
    unique: list[Parsed],
    report: ImportReport,
    person: Callable[[Parsed], dict[str, Any]],
    words: Existing,
) -> list[Parsed]:
    """The rows that are not yet in `model`'s table, matched in bulk — by ID number, else by
    name + birth date + organisation (`person(row)` holds id_number and birth_date; the row's
    data its org_id). A match is skipped; an ID number registered to another name is a bad row."""
    existing_id: dict[str, str] = {}
    # Numbers held outside the viewer's scope: the report says only "already registered".
    elsewhere: set[str] = set()
    ids = [person(r)["id_number"] for r in unique if person(r)["id_number"]]
    for chunk in chunks(ids, 500):
        for idn, name, path in ctx.session.execute(
            select(model.id_number, model.name, model.org_path).where(model.id_number.in_(chunk))
        ).all():
            if ctx.viewer is not None and ctx.viewer.sees(path):
                existing_id[idn] = name
            else:
                elsewhere.add(idn)
    existing_key: set[tuple] = set()
    for chunk in chunks([(r.name, person(r)["birth_date"], r.data.org_id) for r in unique], 300):
        existing_key.update(
            (n, as_date(b), o)
            for n, b, o in ctx.session.execute(
                select(model.name, model.birth_date, model.org_id).where(
                    tuple_(model.name, model.birth_date, model.org_id).in_(chunk)
                )
            ).all()
        )
    todo: list[Parsed] = []
    for r in unique:
        idn = person(r)["id_number"]
        if idn and idn in elsewhere and idn not in existing_id:
            zh, en = REGISTERED_ELSEWHERE
            report.problems.append(RowProblem(r.row, r.name, "id_number", "DUPLICATE", zh, en))
            continue
        if idn and idn in existing_id:
            if existing_id[idn] != r.name:
                other = existing_id[idn]
                zh, en = (w.format(name=other) for w in words.taken)
                report.problems.append(RowProblem(r.row, r.name, "id_number", "DUPLICATE", zh, en))
            else:
                report.skipped.append((r.row, r.name, words.same_id))
            continue
        if (r.name, person(r)["birth_date"], r.data.org_id) in existing_key:
            report.skipped.append((r.row, r.name, words.same_person))
            continue
        todo.append(r)
    return todo


def _begin(ctx: Context) -> None:
    """Begin the transaction now (see the module docstring: savepoints on pysqlite)."""
    conn = ctx.session.connection()
    if conn.dialect.name == "sqlite":
        driver = conn.connection.driver_connection
        assert driver is not None  # the pysqlite connection of a checked-out connection
        if not driver.in_transaction:
            conn.exec_driver_sql("BEGIN")


def replay(
    ctx: Context,
    todo: list[Parsed],
    write: Callable[[Context, Parsed], None],
    report: ImportReport,
    *,
    commit: bool,
    progress: Progress | None = None,
    every: int = 50,
) -> ImportReport:
    """Write every row through the services in one transaction, each row in a savepoint; a
    refused row is a bad row and its writes are undone. Dry run: always rolled back. Commit: committed only when no row is bad (else
    ImportRefusedError, nothing written); any other error rolls everything back."""
    phase = "write" if commit else "rules"
    if progress:
        progress("check", report.total, report.total)  # the file is read and checked
    ctx.session.rollback()  # reading the file wrote nothing; start the transaction clean
    try:
        _begin(ctx)
        for n, r in enumerate(todo, start=1):
            try:
                with ctx.session.begin_nested():
                    write(ctx, r)
            except Bad as b:
                report.problems.append(RowProblem(r.row, r.name, b.field, b.code, b.zh, b.en))
            except DomainError as e:
                report.problems.append(
                    RowProblem(
                        r.row,
                        r.name,
                        e.field,
                        getattr(e, "code", "INVALID_INPUT"),
                        e.message_zh,
                        e.message_en,
                    )
                )
            if progress and n % every == 0:
                progress(phase, n, len(todo))
        report.problems.sort(key=lambda p: p.row)
        report.good = len(todo) - len({p.row for p in report.problems} & {r.row for r in todo})
        if not commit or report.problems:
            ctx.session.rollback()
        else:
            ctx.session.commit()
            report.created, report.committed = len(todo), True
    except BaseException:
        ctx.session.rollback()
        raise
    if progress:
        progress(phase, len(todo), len(todo))
    if commit and report.problems:
        raise ImportRefusedError(report)
    return report
