"""The numbers of the rules, per deployment: defaults in code, overrides in a TOML file.

`PARTYGRAPH_RULES_FILE=county.toml` with sections named after the groups below:

    [pipeline]
    stalled_after_months = 3          # stricter than the default 6
    notice_working_days = 7

    [pipeline.vote]
    election_quorum = "4/5"

Only scalar numbers, flags and texts are read from the file (nested tables for
nested settings); structured defaults (tier tables, meeting requirements) stay
as coded. Every value that differs from the default is listed on the admin's
settings page, so a looser local rule is never silent
(docs/rules.md#defaults-and-local-settings).
"""

from __future__ import annotations

import tomllib
from dataclasses import fields, is_dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from partygraph.rules.assistance import AssistanceSettings
from partygraph.rules.branch_life import LifeSettings
from partygraph.rules.candidate import PipelineSettings
from partygraph.rules.evaluation import EvaluationSettings
from partygraph.rules.organization import StructureSettings

GROUPS: dict[str, tuple[type, str, str]] = {
    "pipeline": (PipelineSettings, "发展党员", "Developing members"),
    "structure": (StructureSettings, "组织设置", "Organisation structure"),
    "branch_life": (LifeSettings, "组织生活", "Branch life"),
    "evaluation": (EvaluationSettings, "评议考核", "Evaluations"),
    "assistance": (AssistanceSettings, "关怀帮扶", "Assistance"),
}


class RuleSettingsError(ValueError):
    pass


def _coerce(name: str, default: Any, value: Any) -> Any:
    if is_dataclass(default):
        if not isinstance(value, dict):
            raise RuleSettingsError(f"{name} is a table of settings")
        return _apply(name, default, value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise RuleSettingsError(f"{name} must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleSettingsError(f"{name} must be a whole number")
        return value
    if isinstance(default, Fraction):
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise RuleSettingsError(f"{name} must be a fraction like \"4/5\"") from None
    if isinstance(default, str):
        if not isinstance(value, str):
            raise RuleSettingsError(f"{name} must be text")
        return value
    raise RuleSettingsError(f"{name} cannot be set from the file")


def _apply(prefix: str, default: Any, table: dict[str, Any]) -> Any:
    known = {f.name for f in fields(default)}
    unknown = set(table) - known
    if unknown:
        raise RuleSettingsError(f"unknown settings in [{prefix}]: {', '.join(sorted(unknown))}")
    changes = {k: _coerce(f"{prefix}.{k}", getattr(default, k), v) for k, v in table.items()}
    return replace(default, **changes)


def load(path: Path) -> dict[str, Any]:
    """The group objects with the file's overrides applied."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleSettingsError(f"cannot read rules file {path}: {exc}") from None
    unknown = set(data) - set(GROUPS)
    if unknown:
        raise RuleSettingsError(f"unknown sections in {path}: {', '.join(sorted(unknown))}")
    return {name: _apply(name, GROUPS[name][0](), data.get(name, {})) for name in GROUPS}


def describe(current: Any, default: Any, prefix: str = "") -> list[tuple[str, str, str, bool]]:
    """(key, value, default, changed) for every scalar setting, nested ones flattened."""
    out: list[tuple[str, str, str, bool]] = []
    for f in fields(current):
        value, base = getattr(current, f.name), getattr(default, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.extend(describe(value, base, f"{key}."))
        elif isinstance(value, bool | int | str | Fraction):
            out.append((key, str(value), str(base), value != base))
    return out
