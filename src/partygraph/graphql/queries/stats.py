"""Root field of the dashboards: `stats(under, from, to)`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from partygraph.errors import violation
from partygraph.graphql.lists import under_org
from partygraph.graphql.types.common import ctx_of
from partygraph.graphql.types.stats import StatsType, of_breakdown
from partygraph.reports import stats


def resolve_period(today: date, start: date | None, end: date | None) -> tuple[date, date]:
    d_start, d_end = stats.default_period(today)
    start, end = start or (date(end.year, 1, 1) if end else d_start), end or d_end
    if start > end:
        raise violation("INVALID_DATE", "开始日期不能晚于结束日期", "The period's start cannot follow its end", "from")
    return start, end


@strawberry.type
class StatsQuery:
    @strawberry.field(
        description="Figures for an organisation's subtree (in your scope) and a period "
        "(default: 1 January of this year to today). Null when the organisation is not found or out of scope."
    )
    def stats(
        self,
        info: Info,
        under: relay.GlobalID,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> StatsType | None:
        ctx = ctx_of(info)
        org = under_org(ctx, under)
        if org is None:
            return None
        start, end = resolve_period(ctx.today(), from_, to)
        return of_breakdown(stats.breakdown(ctx, org, start, end))
