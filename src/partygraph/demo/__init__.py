"""The demonstration county: one module per area. `load.load_demo` plants the roster
(`tree`: the organisations, `members`: the people and what happened to them,
`positions`: their posts, `accounts`: the five logins) and `load.load_demo_activity`
the areas' records (`candidate`, `evaluation`, `assistance`, `branch_life`)."""

from partygraph.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from partygraph.demo.load import DemoSummary, is_empty, load_demo, load_demo_activity
from partygraph.demo.members import TIBETAN_FEMALE, TIBETAN_FIRST, TIBETAN_MALE

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
