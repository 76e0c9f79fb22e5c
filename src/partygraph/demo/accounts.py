"""The demo county's five accounts, one per role, sharing one password."""

from __future__ import annotations

from partygraph.demo.base import LoaderBase, pk
from partygraph.demo.tree import COUNTY_NAME
from partygraph.models.account import Role
from partygraph.services import account as accounts

DEMO_PASSWORD = "partygraph-demo"

# (username, role, what the account sees)
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("county", Role.county.value, "县委组织部：全县所有组织和党员"),
    ("township", Role.township.value, "乡镇党委组织委员：威州镇党委及其下属组织"),
    ("village", Role.village.value, "村党支部书记/组织委员：威州镇第一个村党支部"),
    ("group", Role.group.value, "党小组组长：该村第一党小组（只读、可推荐）"),
    ("viewer", Role.viewer.value, "只读查看：全县数据看板"),
]


class AccountSteps(LoaderBase):
    # -- accounts ---------------------------------------------------------------------------------

    def _accounts(self) -> list[tuple[str, str, str, str]]:
        township = self.townships[0][0]
        village = self.villages[0]
        group = village.groups[0]
        homes = {
            "county": (self.root, f"{COUNTY_NAME}委组织部"),
            "township": (township, f"{township.name}组织委员"),
            "village": (village.org, f"{village.org.name}书记"),
            "group": (group, f"{group.name}组长"),
            "viewer": (self.root, f"{COUNTY_NAME}委组织部（只读）"),
        }
        logins = []
        for username, role, _desc in DEMO_ACCOUNTS:
            org, display = homes[username]
            accounts.create_account(
                self.session,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                org_id=pk(org),
                display_name=display,
            )
            logins.append((username, DEMO_PASSWORD, role, org.name))
        return logins
