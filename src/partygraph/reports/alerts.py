"""Alert counts over a subtree, bucketed by child like the figures (`reports.stats`).

The rules decide what is an alert, so the four areas' alert services run and each alert is
placed, in Python, by the path of the organisation (or record) it is about. This module reads
through the services; the services never import it (no cycle).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from partygraph.context import Context
from partygraph.models.assistance import AssistanceCase, Loan, Pairing
from partygraph.models.evaluation import Flag, FollowUp
from partygraph.models.organization import Organization
from partygraph.reports.cache import cached
from partygraph.reports.stats import DIRECT, SEGMENT
from partygraph.services import assistance, branch_life, candidate, evaluation

# The four areas whose alerts `allAlerts` merges, in its order.
ALERT_AREAS = ("pipeline", "branch_life", "evaluation", "assistance")
ALERT_AREA_LABELS = {
    "pipeline": ("发展党员", "Developing members"),
    "branch_life": ("组织生活", "Branch life"),
    "evaluation": ("评议考核", "Evaluations"),
    "assistance": ("关怀帮扶", "Assistance"),
}

# What an alert is about, to find the path that places it in a bucket: ("org", organisation
# id), or a record kind and id when the alert names no organisation.
AlertRef = tuple[str, int]


@dataclass(frozen=True)
class AlertEntry:
    area: str
    code: str
    ref: AlertRef


@dataclass
class AlertBreakdown:
    """Alert counts by code over a subtree, bucketed like `Breakdown` (child path or DIRECT)."""

    total: Counter
    buckets: dict[str, Counter]
    areas: dict[str, str]  # code → area


def evaluation_ref(org_id: int | None, follow_up_id: int | None, flag_id: int | None) -> AlertRef:
    """An evaluation alert's organisation, or the follow-up or flag it is about when it names none."""
    if org_id is not None:
        return ("org", org_id)
    if follow_up_id is not None:
        return ("follow_up", follow_up_id)
    return ("flag", flag_id or 0)


def alert_entries(ctx: Context, org: Organization) -> list[AlertEntry]:
    """Every alert of the subtree from the services behind the four areas' alert fields (the
    rules decide, so this runs them, one pass per area, not a GROUP BY)."""
    if org.id is None:
        return []
    out = [
        AlertEntry("pipeline", s.alert.code, ("org", s.org_id))
        for s in candidate.subtree_alerts(ctx, org.id)
    ]
    out += [
        AlertEntry("branch_life", s.alert.code, ("org", s.org_id))
        for s in branch_life.branch_life_alerts(ctx, org.id)
    ]
    out += [
        AlertEntry("evaluation", e.code, evaluation_ref(e.org_id, e.follow_up_id, e.flag_id))
        for e in evaluation.alerts(ctx, org.path)
    ]
    out += [
        AlertEntry("assistance", a.alert.code, (a.object_type, a.object_id))
        for a in assistance.alerts(ctx, org_id=org.id)
    ]
    return out


# Where each kind of AlertRef finds its path(s).
_REF_COLUMNS: dict[str, tuple[Any, ...]] = {
    "org": (Organization.id, Organization.path),
    "follow_up": (FollowUp.id, FollowUp.org_path),
    "flag": (Flag.id, Flag.org_path),
    "AssistanceCase": (AssistanceCase.id, AssistanceCase.org_path),
    "Loan": (Loan.id, Loan.org_path),
    # the helped side first: a pairing's promises are about the members it helps
    "Pairing": (Pairing.id, Pairing.org_path, Pairing.agency_org_path),
}


def alert_paths(ctx: Context, refs: Any) -> dict[AlertRef, tuple[str, ...]]:
    """The path(s) of what each alert is about: one statement per kind of record (per 500 ids)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, rid in refs:
        wanted[kind].add(rid)
    out: dict[AlertRef, tuple[str, ...]] = {}
    for kind, ids in wanted.items():
        cols = _REF_COLUMNS.get(kind)
        if cols is None:
            continue
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            for row in ctx.session.execute(
                select(*cols).where(cols[0].in_(ordered[i : i + 500]))
            ).all():
                out[(kind, row[0])] = tuple(p for p in row[1:] if p)
    return out


def alert_bucket(paths: tuple[str, ...], parent_path: str) -> str:
    """The child path whose subtree holds the alert, or DIRECT (about the parent itself, or
    nothing found): every alert of the parent lands in exactly one bucket, so the sum holds."""
    width = len(parent_path) + SEGMENT
    for path in paths:
        if path.startswith(parent_path):
            return path[:width] if len(path) >= width else DIRECT
    return DIRECT


def alert_breakdown_of(ctx: Context, org: Organization) -> AlertBreakdown:
    entries = alert_entries(ctx, org)
    paths = alert_paths(ctx, (e.ref for e in entries))
    buckets: dict[str, Counter] = defaultdict(Counter)
    areas: dict[str, str] = {}
    for e in entries:
        buckets[alert_bucket(paths.get(e.ref, ()), org.path)][e.code] += 1
        areas.setdefault(e.code, e.area)
    total: Counter = Counter()
    for counter in buckets.values():
        total.update(counter)
    return AlertBreakdown(total, dict(buckets), areas)


def alert_breakdown(ctx: Context, org: Organization) -> AlertBreakdown:
    """The cached `alert_breakdown_of`: the org row must have been loaded in the viewer's scope
    (the subtree is then inside it, so the counts do not depend on the viewer)."""
    return cached(ctx, ("alerts", org.path, org.id), lambda: alert_breakdown_of(ctx, org))
