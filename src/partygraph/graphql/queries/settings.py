"""The rule settings in force, with the defaults beside them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from partygraph.graphql.types.common import ctx_of
from partygraph.rule_settings import GROUPS, describe


@strawberry.type(description="One number of the rules: the value in force and the national/seed default.")
class RuleSetting:
    key: str
    value: str
    default: str
    changed: bool


@strawberry.type
class RuleSettingGroup:
    name: str
    label: str
    settings: list[RuleSetting]


@strawberry.type
class SettingsQuery:
    @strawberry.field(description="Every rule setting in force; `changed` marks the deployment's own values.")
    def rule_settings(self, info: Info) -> list[RuleSettingGroup]:
        ctx = ctx_of(info)
        out = []
        for name, (cls, zh, en) in GROUPS.items():
            current = getattr(ctx.settings, name)
            rows = [RuleSetting(key=k, value=v, default=d, changed=c) for k, v, d, c in describe(current, cls())]
            out.append(RuleSettingGroup(name=name, label=zh if ctx.lang == "zh" else en, settings=rows))
        return out
