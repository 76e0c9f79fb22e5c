"""The demonstration county: one module per area, loaded in order by `members.load_demo`
(the tree, accounts and members) and `members.load_demo_activity` (the areas' records)."""

from partygraph.demo.members import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    TIBETAN_FEMALE,
    TIBETAN_FIRST,
    TIBETAN_MALE,
    DemoSummary,
    is_empty,
    load_demo,
    load_demo_activity,
)

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DemoSummary",
    "TIBETAN_FEMALE",
    "TIBETAN_FIRST",
    "TIBETAN_MALE",
    "is_empty",
    "load_demo",
    "load_demo_activity",
]
