"""Statement-count baselines, NetBox's query_counts.json habit: one file, tests/query_counts.json.

    {"admin/MemberList": 5, "admin/DashboardStats": {"postgresql": 40, "sqlite": 42}, ...}

A key names what was counted (`admin/<operation>`, `api/<query>`, `n_plus_one/<query>`); its
value is the number of SQL statements, one number when SQLite and PostgreSQL agree, else one
per dialect. `check` compares a count with its baseline:

* above the baseline: the test fails and lists the statements;
* below it: the test passes, and the run's summary says to regenerate (so the baseline
  follows an improvement down and a later regression cannot hide under the old number);
* no baseline: the test fails (every operation has one).

PARTYGRAPH_UPDATE_QUERY_COUNTS=1 rewrites the file instead of comparing (sorted keys, two
spaces, one entry per test, written under a lock on the file: xdist workers may update it
together). Without a reachable PostgreSQL only the SQLite numbers are rewritten.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PATH = Path(__file__).with_name("query_counts.json")
SWITCH = "PARTYGRAPH_UPDATE_QUERY_COUNTS"
MODULES = "tests/api/test_query_counts.py tests/api/test_n_plus_one.py"
REGENERATE = f"{SWITCH}=1 python -m pytest -p no:cacheprovider {MODULES}"
DIALECTS = ("postgresql", "sqlite")
# The name under which a count below its baseline is reported (a test report's user_properties,
# which reach the xdist controller; tests/conftest.py's terminal summary lists them).
BELOW = "query_count_below_baseline"

Entry = int | dict[str, int]

# Transaction control the tests' own harness adds (contract.rolled_back turns every commit
# into a savepoint; SQLite's BEGIN is sent by hand there): not the operation's statements.
_HARNESS = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN)\b", re.IGNORECASE)


def updating() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() not in ("", "0", "false", "no", "off")


def operation_statements(statements: Iterable[str]) -> list[str]:
    """`statements` less the savepoints and BEGINs of contract.rolled_back."""
    return [s for s in statements if not _HARNESS.match(s)]


def load() -> dict[str, Entry]:
    if not PATH.exists():
        return {}
    counts: dict[str, Entry] = json.loads(PATH.read_text(encoding="utf-8"))
    return counts


def baseline(counts: dict[str, Entry], key: str, dialect: str) -> int | None:
    entry = counts.get(key)
    if isinstance(entry, dict):
        return entry.get(dialect)
    return entry


def dump(counts: dict[str, Entry]) -> str:
    return json.dumps(counts, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _with(entry: Entry | None, dialect: str, n: int) -> Entry:
    """`entry` with `dialect`'s count set to `n`: one number when every dialect agrees."""
    per = dict.fromkeys(DIALECTS, entry) if isinstance(entry, int) else dict(entry or {})
    per[dialect] = n
    if set(per) == set(DIALECTS) and len(set(per.values())) == 1:
        return n
    return dict(sorted(per.items()))


@contextmanager
def _locked() -> Iterator[dict[str, Entry]]:
    """The baselines to change, written back when the block ends without an error; under an
    exclusive lock on the file, as xdist workers update it at the same time."""
    import fcntl  # POSIX only, and only needed to update

    PATH.touch(exist_ok=True)
    with PATH.open("r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        text = f.read()
        counts: dict[str, Entry] = json.loads(text) if text.strip() else {}
        yield counts
        new = dump(counts)
        if new != text:
            f.seek(0)
            f.truncate()
            f.write(new)


# A select list, shortened in the listing: which tables and conditions a statement has tells more.
_SELECT_LIST = re.compile(r"SELECT (?:(?!\bFROM\b).){60,}? FROM")


def _listing(statements: list[str]) -> str:
    def short(s: str) -> str:
        s = _SELECT_LIST.sub("SELECT … FROM", " ".join(s.split()))
        return s if len(s) <= 600 else s[:600] + " …"

    return "\n".join(f"{i:3d}. {short(s)}" for i, s in enumerate(statements, 1))


def check(key: str, dialect: str, statements: list[str], note: Callable[[str, Any], None] | None = None) -> None:
    """Compare the statements an operation ran with its baseline (or record them, when
    updating). `note` is pytest's `record_property`: how a lower count reaches the summary."""
    n = len(statements)
    if updating():
        with _locked() as counts:
            counts[key] = _with(counts.get(key), dialect, n)
        return
    expected = baseline(load(), key, dialect)
    if expected is None:
        pytest.fail(f"{key} has no {dialect} baseline in tests/{PATH.name} (it ran {n} statements): every operation has one.\n"
                    f"Add it with: {REGENERATE}", pytrace=False)
    if n > expected:
        pytest.fail(f"{key} on {dialect}: {n} SQL statements, {n - expected} more than its baseline of {expected} "
                    f"(tests/{PATH.name}).\nIf the new statements are meant (say why in the change), regenerate: {REGENERATE}\n"
                    f"The statements:\n{_listing(statements)}", pytrace=False)
    if n < expected:
        message = f"{key} on {dialect}: {n} statements, {expected - n} fewer than its baseline of {expected}"
        print(f"{message}: lower the baseline with {REGENERATE}")
        if note is not None:
            note(BELOW, message)


def reconcile(known: set[str]) -> tuple[list[str], list[str]]:
    """(keys of `known` without a baseline, baselines of no key of `known`). When updating,
    the baselines of nothing are dropped from the file (and not reported)."""
    if updating():
        with _locked() as counts:
            for key in set(counts) - known:
                del counts[key]
    counts = load()
    return sorted(known - set(counts)), sorted(set(counts) - known)


def summary(terminalreporter: Any) -> None:
    """For tests/conftest.py's pytest_terminal_summary: the counts that went down."""
    notes = sorted({value for reports in terminalreporter.stats.values() for r in reports
                    for name, value in getattr(r, "user_properties", ()) if name == BELOW})
    if notes:
        terminalreporter.write_sep("-", f"{len(notes)} statement counts below their baseline: lower them with {REGENERATE}")
        for line in notes:
            terminalreporter.write_line(line)
