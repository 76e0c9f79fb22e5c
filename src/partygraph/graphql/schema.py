"""The schema: merged root types, limits and caches."""

from __future__ import annotations

from functools import lru_cache

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from partygraph.config import Settings
from partygraph.graphql.execution import ExecutionContext
from partygraph.graphql.limits import QueryLimits
from partygraph.graphql.mutations.account import AccountMutation
from partygraph.graphql.mutations.assistance import AssistanceMutation
from partygraph.graphql.mutations.branch_life import BranchLifeMutation
from partygraph.graphql.mutations.candidate import CandidateMutation
from partygraph.graphql.mutations.candidate_vote import CandidateVoteMutation
from partygraph.graphql.mutations.discipline import DisciplineMutation
from partygraph.graphql.mutations.evaluation import EvaluationMutation
from partygraph.graphql.mutations.job import JobMutation
from partygraph.graphql.mutations.member import MemberMutation
from partygraph.graphql.mutations.organization import OrganizationMutation
from partygraph.graphql.mutations.plan import PlanMutation
from partygraph.graphql.queries.access_log import AccessLogQuery
from partygraph.graphql.queries.account import AccountQuery
from partygraph.graphql.queries.alerts import AlertsQuery
from partygraph.graphql.queries.assistance import AssistanceQuery
from partygraph.graphql.queries.branch_life import BranchLifeQuery
from partygraph.graphql.queries.candidate import CandidateQuery
from partygraph.graphql.queries.core import CoreQuery
from partygraph.graphql.queries.evaluation import EvaluationQuery
from partygraph.graphql.queries.job import JobQuery
from partygraph.graphql.queries.labels import LabelsQuery
from partygraph.graphql.queries.plan import PlanQuery
from partygraph.graphql.queries.settings import SettingsQuery
from partygraph.graphql.queries.stats import StatsQuery
from partygraph.graphql.result_cache import CachingSchema
from partygraph.graphql.signin import SignInMutation, SignInQuery
from partygraph.graphql.types.account import NODE_TYPES as ACCOUNT_NODE_TYPES
from partygraph.graphql.types.assistance import FEN_SCALAR, Fen
from partygraph.graphql.types.assistance import NODE_TYPES as ASSISTANCE_NODE_TYPES
from partygraph.graphql.types.branch_life import NODE_TYPES as BRANCH_LIFE_NODE_TYPES
from partygraph.graphql.types.candidate import CandidateType, MeetingDecisionType, MeetingType
from partygraph.graphql.types.discipline import NODE_TYPES as DISCIPLINE_NODE_TYPES
from partygraph.graphql.types.evaluation import NODE_TYPES as EVALUATION_NODE_TYPES
from partygraph.graphql.types.member import MemberType, PositionType, TransferType
from partygraph.graphql.types.organization import OrganizationType
from partygraph.graphql.types.plan import NODE_TYPES as PLAN_NODE_TYPES
from partygraph.graphql.view import PerRequestIntrospection

Query = merge_types("Query", (CoreQuery, SettingsQuery, CandidateQuery, EvaluationQuery, AssistanceQuery, StatsQuery, BranchLifeQuery, AlertsQuery, PlanQuery, AccountQuery, AccessLogQuery, SignInQuery, LabelsQuery, JobQuery))
Mutation = merge_types("Mutation", (OrganizationMutation, MemberMutation, CandidateMutation, EvaluationMutation, AssistanceMutation, BranchLifeMutation, PlanMutation, DisciplineMutation, CandidateVoteMutation, AccountMutation, SignInMutation, JobMutation))

# Types reachable only through `node(id)` must be named here.
NODE_TYPES = [OrganizationType, MemberType, PositionType, TransferType, CandidateType, MeetingType, MeetingDecisionType, *EVALUATION_NODE_TYPES, *ASSISTANCE_NODE_TYPES, *BRANCH_LIFE_NODE_TYPES, *PLAN_NODE_TYPES, *DISCIPLINE_NODE_TYPES, *ACCOUNT_NODE_TYPES]


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The process's one schema. The query limits in ``settings`` apply per request
    (graphql.limits reads them from the request context), not per schema."""
    return _schema()


@lru_cache(maxsize=1)
def _schema() -> strawberry.Schema:
    return CachingSchema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        execution_context_class=ExecutionContext,
        config=StrawberryConfig(scalar_map={Fen: FEN_SCALAR}),
        # Factories, as Strawberry asks: one extension object per request. The parser and
        # validation caches live at module level (keyed by maxsize), so they are still shared.
        extensions=[
            QueryLimits,
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            # Introspection per request (the view decides): the validation cache keys on the rules.
            PerRequestIntrospection,
        ],
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
