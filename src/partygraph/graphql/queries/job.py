"""job(id): poll an import or export started with startImport / startExport."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql.types.job import JobType
from partygraph.jobs import store_for


@strawberry.type
class JobQuery:
    @strawberry.field(description="A job you started; null for any other (or one expired an hour after its last news).")
    def job(self, info: Info, id: str) -> JobType | None:
        ctx: Context = info.context
        if ctx.viewer is None:
            return None
        store = store_for(ctx.settings)
        job = store.get(id, ctx.viewer.account_id)
        return JobType.shown(job, ctx.lang, store) if job is not None else None
