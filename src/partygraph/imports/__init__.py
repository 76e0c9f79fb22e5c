"""Spreadsheet imports (.xlsx / .csv, Chinese headers): the member roster, the candidate ledger
and the assistance ledger. Each is a dry run listing every bad row with its reason, then an
all-or-nothing commit; re-importing the same file creates no duplicates (see each module).
"""

from __future__ import annotations

from collections.abc import Callable

from partygraph.context import Context
from partygraph.imports.assistance import import_cases
from partygraph.imports.candidate import import_candidates
from partygraph.imports.common import (
    FileFormatError,
    ImportRefusedError,
    ImportReport,
    Progress,
    RowProblem,
    Source,
)
from partygraph.imports.member import import_members

Importer = Callable[..., ImportReport]

# ledger → (its importer, its Chinese name)
LEDGERS: dict[str, tuple[Importer, str]] = {
    "members": (import_members, "党员名册"),
    "candidates": (import_candidates, "发展党员台账"),
    "cases": (import_cases, "困难党员台账"),
}


def run(
    ledger: str,
    ctx: Context,
    source: Source,
    filename: str | None = None,
    *,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one ledger (members | candidates | cases): a dry run unless commit."""
    if ledger not in LEDGERS:
        raise ValueError(f"unknown ledger {ledger!r}: one of {', '.join(LEDGERS)}")
    return LEDGERS[ledger][0](ctx, source, filename, commit=commit, progress=progress)


__all__ = [
    "LEDGERS",
    "FileFormatError",
    "ImportRefusedError",
    "ImportReport",
    "RowProblem",
    "import_candidates",
    "import_cases",
    "import_members",
    "run",
]
