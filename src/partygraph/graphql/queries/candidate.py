"""Root fields of the candidate pipeline: candidates, alerts, vote arithmetic."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import ColumnElement, select
from sqlmodel import col
from strawberry import relay
from strawberry.types import Info

from partygraph.context import Context
from partygraph.graphql.filters import name_search
from partygraph.graphql.lists import scoped_page, under_conditions, under_org
from partygraph.graphql.mutations.inputs import db_id
from partygraph.graphql.pagination import Connection, SortKey
from partygraph.graphql.types.candidate import AlertType, CandidateType, Recommendation, Stage
from partygraph.graphql.types.common import ctx_of
from partygraph.models.candidate import Candidate
from partygraph.rules.votes import VoteTally, explain_vote, general_meeting_outcome
from partygraph.services import candidate as service
from partygraph.services import meeting as meetings
from partygraph.services import organization as org_service


@strawberry.input(description="Candidate list filters; every field narrows the list.")
class CandidateFilter:
    under: relay.GlobalID | None = strawberry.field(default=None, description="Only this organisation's subtree.")
    stage: list[Stage] | None = None
    overdue: bool | None = strawberry.field(default=None, description="A next step past due, or a late alert.")
    recommendation: list[Recommendation] | None = None
    search: str | None = strawberry.field(default=None, description="Name, pinyin (zhangsan) or initials (zs).")


@strawberry.type(description="The quorum arithmetic of a branch general meeting vote (R-VOTE-01/02/03).")
class VoteExplanation:
    valid: bool
    passed: bool
    quorum_needed: int
    yes_needed: int
    code: str | None = strawberry.field(description="Why not valid or not passed (R-VOTE-00/01/02).")
    text: str
    text_zh: str
    text_en: str


def candidate_conditions(info: Info, f: CandidateFilter | None) -> list[ColumnElement[bool]]:
    return candidate_conditions_in(ctx_of(info), f)


def candidate_conditions_in(ctx: Context, f: CandidateFilter | None) -> list[ColumnElement[bool]]:
    """`candidate_conditions` outside a resolver (the ledger export). The filter only: the
    caller reads through `scope.scoped_select` or `scope.visible`."""
    f = f or CandidateFilter()
    conds: list[ColumnElement[bool]] = under_conditions(ctx, Candidate, f.under)
    if f.stage:
        conds.append(col(Candidate.stage).in_([s.value for s in f.stage]))
    if f.recommendation:
        conds.append(col(Candidate.recommendation).in_([r.value for r in f.recommendation]))
    if f.search and f.search.strip():
        conds.append(name_search(ctx, Candidate, f.search))
    if f.overdue is not None:
        # only open files can be late: the others never need their steps read
        active = col(Candidate.stage).in_([s.value for s in service.ACTIVE_STAGES])
        rows = ctx.session.execute(select(col(Candidate.id), col(Candidate.birth_date)).where(*conds, active)).all()
        late = service.overdue_ids(ctx, [(r[0], r[1]) for r in rows])
        conds.append(col(Candidate.id).in_(late) if f.overdue else col(Candidate.id).not_in(late))
    return conds


@strawberry.type
class CandidateQuery:
    @strawberry.field(description="Candidates in your scope, filtered; oldest application first.")
    def candidates(
        self,
        info: Info,
        filter: CandidateFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
    ) -> Connection[CandidateType]:
        sort = SortKey((col(Candidate.applied_on), col(Candidate.id)))
        return scoped_page(info, Candidate, candidate_conditions(info, filter), sort, first=first, after=after, offset=offset)

    @strawberry.field(
        description="Alerts for a subtree: every open file's alerts (talk overdue, stalled, approvals "
        "waiting, probation ending…), blank villages and villages where most members are 60 or older."
    )
    def alerts(self, info: Info, under: relay.GlobalID) -> list[AlertType]:
        ctx = ctx_of(info)
        org = under_org(ctx, under)
        if org is None:
            return []
        found = service.subtree_alerts(ctx, org.id)
        far = date.max
        found.sort(key=lambda s: (s.alert.due_on or far, s.alert.code, s.org_id, s.candidate_id or 0))
        return [AlertType.of(s.alert, s.org_id, s.candidate_id) for s in found]

    @strawberry.field(description="Who should attend with a vote: full members of the organisation's subtree on a date.")
    def voting_member_count(self, info: Info, org_id: relay.GlobalID, on: date) -> int:
        ctx = ctx_of(info)
        org = org_service.get(ctx, db_id(org_id, "Organization", "orgId"))
        return meetings.voting_members(ctx, org, on)

    @strawberry.field(description="The quorum arithmetic as the clerk types (no record is written).")
    def explain_vote(
        self, info: Info, should_attend: int, present: int, yes: int = 0, no: int = 0, abstain: int = 0, written_opinions: int = 0
    ) -> VoteExplanation:
        t = VoteTally(should_attend=should_attend, present=present, written_opinions=written_opinions, yes=yes, no=no, abstain=abstain)
        out = general_meeting_outcome(t)
        zh, en = explain_vote(t)
        return VoteExplanation(
            valid=out.valid,
            passed=out.passed,
            quorum_needed=out.quorum_needed,
            yes_needed=out.yes_needed,
            code=out.reason.code if out.reason else None,
            text=zh if ctx_of(info).lang == "zh" else en,
            text_zh=zh,
            text_en=en,
        )
