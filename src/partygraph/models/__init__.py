"""SQLModel tables, one module per aggregate. Importing this registers them all."""

from partygraph.models.access_log import AccessLog
from partygraph.models.account import Account, ApiToken, Role
from partygraph.models.assistance import (
    AllowancePayment,
    AllowanceRoll,
    AllowanceRun,
    AssistanceCase,
    CaseStep,
    Fund,
    FundEntry,
    HelpEntry,
    Loan,
    Pairing,
    Promise,
    Repayment,
)
from partygraph.models.audit import AuditEvent
from partygraph.models.candidate import Candidate, CandidateStep
from partygraph.models.discipline import MemberSanction  # noqa: F401 - registers the sanction table
from partygraph.models.evaluation import EvaluationRound  # noqa: F401 - registers the evaluation tables
from partygraph.models.meeting import (  # noqa: F401 - branch life tables register here
    ContactAttempt,
    DutyLapse,
    Election,
    ElectionCandidate,
    FlowingProfile,
    FourStepItem,
    FourStepRecord,
    LostContactRecord,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MemberFlag,
    Term,
    TermMember,
)
from partygraph.models.member import Member, MemberEvent, Position, Transfer
from partygraph.models.organization import Organization
from partygraph.models.plan import DevelopmentPlan  # noqa: F401 - registers the plan table
from partygraph.models.rollup import MemberTally  # noqa: F401 - registers the roster rollup table
from partygraph.models.session import LoginSession, SignInAttempt, SignInLockout  # noqa: F401 - sign-in tables

__all__ = [
    "AccessLog",
    "AllowancePayment",
    "AllowanceRoll",
    "AllowanceRun",
    "AssistanceCase",
    "CaseStep",
    "Fund",
    "FundEntry",
    "HelpEntry",
    "Loan",
    "Pairing",
    "Promise",
    "Repayment",
    "Account",
    "ApiToken",
    "AuditEvent",
    "Candidate",
    "CandidateStep",
    "Meeting",
    "MeetingDecision",
    "Member",
    "MemberEvent",
    "Organization",
    "Position",
    "Role",
    "Transfer",
]
