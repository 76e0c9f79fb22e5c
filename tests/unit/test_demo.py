"""The demo county: size, spreads, accounts, deliberate warnings, determinism."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel
from stdnum.cn import ric

import partygraph.models  # noqa: F401  (registers every table)
from partygraph.config import Settings
from partygraph.db import make_engine, make_session_factory
from partygraph.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoSummary, is_empty, load_demo
from partygraph.models.account import Account
from partygraph.models.member import (
    ACTIVE_STATUSES,
    COMMITTEE_KINDS,
    Member,
    Position,
    PositionKind,
    Transfer,
    TransferStatus,
)
from partygraph.models.organization import Organization, OrgKind
from partygraph.rules.base import add_months, age_on
from partygraph.rules.organization import Structure, compliance
from partygraph.services.account import authenticate

TODAY = date(2026, 11, 1)
SETTINGS = Settings(database_url="sqlite://", secret_key="test")
ACTIVE = [s.value for s in ACTIVE_STATUSES]


def _empty_session() -> Session:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    return make_session_factory(engine)()


@pytest.fixture(scope="module")
def demo() -> tuple[Session, DemoSummary, list[tuple[int, int]]]:
    session = _empty_session()
    assert is_empty(session)
    calls: list[tuple[int, int]] = []
    summary = load_demo(
        session, SETTINGS, today=TODAY, progress=lambda done, total: calls.append((done, total))
    )
    return session, summary, calls


@pytest.fixture(scope="module")
def session(demo) -> Session:
    return demo[0]


@pytest.fixture(scope="module")
def all_members(session) -> list[Member]:
    return list(session.execute(select(Member).order_by(Member.id)).scalars())


def test_size_and_summary(demo, session):
    _, summary, calls = demo
    n_members = session.execute(select(func.count()).select_from(Member)).scalar_one()
    n_orgs = session.execute(select(func.count()).select_from(Organization)).scalar_one()
    villages = session.execute(
        select(func.count())
        .select_from(Organization)
        .where(Organization.kind == "branch", Organization.branch_type == "village")
    ).scalar_one()
    assert n_members >= 2000
    assert 100 <= villages <= 130
    assert summary.members == n_members
    assert summary.organisations == n_orgs
    assert summary.villages == villages
    assert summary.accounts == 5
    assert not is_empty(session)
    assert calls and calls[-1][0] == calls[-1][1]


def test_tree_shape(session):
    orgs = list(session.execute(select(Organization)).scalars())
    by_id = {o.id: o for o in orgs}
    kinds = Counter(o.kind for o in orgs)
    types = Counter(o.branch_type for o in orgs if o.kind == "branch")
    assert kinds["county"] == 1
    assert kinds["committee"] >= 11
    assert kinds["general_branch"] >= 1
    for bt in (
        "community",
        "agency",
        "enterprise",
        "school",
        "hospital",
        "retired",
        "flowing",
        "two_new",
    ):
        assert types[bt] >= 1, bt
    assert types["enterprise"] == 2
    for o in orgs:
        if o.kind == "branch" and o.branch_type == "village":
            assert 600 <= (o.population or 0) <= 2500
            groups = [c for c in orgs if c.parent_id == o.id and c.kind == "group"]
            assert 2 <= len(groups) <= 3
        if o.parent_id is not None:
            parent = by_id[o.parent_id]
            assert o.code.startswith(parent.code + "-")
            assert o.path.startswith(parent.path)


def test_accounts_authenticate(session):
    assert (
        session.execute(select(func.count()).select_from(Account)).scalar_one()
        == len(DEMO_ACCOUNTS)
        == 5
    )
    for username, role, _ in DEMO_ACCOUNTS:
        account = authenticate(session, username, DEMO_PASSWORD)
        assert account is not None, username
        assert account.role == role
    assert authenticate(session, "county", "wrong-password") is None
    homes = {
        a.username: session.get(Organization, a.org_id)
        for a in session.execute(select(Account)).scalars()
    }
    assert homes["county"].kind == homes["viewer"].kind == "county"
    assert homes["township"].kind == "committee"
    assert (
        homes["village"].branch_type == "village"
        and homes["village"].parent_id == homes["township"].id
    )
    assert homes["group"].kind == "group" and homes["group"].parent_id == homes["village"].id


def test_dates_are_consistent(all_members):
    for m in all_members:
        assert age_on(m.birth_date, m.joined_on) >= 18, m.name
        assert m.joined_on <= TODAY and m.birth_date <= TODAY
        if m.converted_on is not None:
            assert m.converted_on == add_months(m.joined_on, 12)
            assert m.converted_on <= TODAY
        if m.pre_1949:
            assert m.birth_date.year <= 1930
    living = [m for m in all_members if m.status in ACTIVE]
    ages = [age_on(m.birth_date, TODAY) for m in living if not m.pre_1949]
    assert min(ages) >= 20 and max(ages) <= 95


def test_spreads(all_members):
    active = [m for m in all_members if m.status in ACTIVE]
    women = sum(m.gender == "female" for m in active) / len(active)
    assert 0.15 <= women <= 0.45
    ethnicities = Counter(m.ethnicity for m in active)
    assert ethnicities["羌族"] >= 50
    assert ethnicities["藏族"] >= 5
    assert ethnicities["汉族"] > ethnicities["羌族"]
    statuses = Counter(m.status for m in all_members)
    assert 0.015 <= statuses["probationary"] / len(all_members) <= 0.04
    assert statuses["deceased"] >= 3
    assert statuses["transferred_out"] >= 3
    assert statuses["suspended"] == 1
    for m in all_members:
        if m.status == "probationary":
            assert m.converted_on is None and (TODAY - m.joined_on).days <= 366
        elif m.status == "full":
            assert m.converted_on is not None
    assert sum(m.pre_1949 for m in all_members) >= 3
    assert (
        sum(
            m.flowing and bool(m.flow_destination) and bool(m.flow_certificate) for m in all_members
        )
        >= 2
    )
    assert sum(m.in_difficulty for m in all_members) >= 3
    assert any(m.lost_contact_since for m in all_members if m.status == "suspended")
    edu = Counter(m.education for m in active)
    assert edu["primary"] + edu["junior_high"] > edu["bachelor"]


def test_branch_types_shape_members(session):
    def rows(branch_type: str) -> list[Member]:
        paths = session.execute(
            select(Organization.path).where(
                Organization.kind == "branch", Organization.branch_type == branch_type
            )
        ).scalars()
        out: list[Member] = []
        for p in paths:
            out += session.execute(
                select(Member).where(Member.org_path.startswith(p), Member.status.in_(ACTIVE))
            ).scalars()
        return out

    village, agency = rows("village"), rows("agency")
    assert sum(m.gender == "male" for m in village) / len(village) > sum(
        m.gender == "male" for m in agency
    ) / len(agency)
    assert all(m.rural for m in village)
    assert not any(m.rural for m in agency)
    low = {"primary", "junior_high"}
    assert sum(m.education in low for m in village) / len(village) > 0.5
    assert (
        sum(m.education in {"junior_college", "bachelor", "postgraduate"} for m in agency)
        / len(agency)
        > 0.7
    )
    # Members of a village sit in its party groups or in the branch itself.
    assert any(session.get(Organization, m.org_id).kind == "group" for m in village)


def test_key_villages_show(session):
    """重点村: a few villages where over half of the members are over 60."""
    key = 0
    for path in session.execute(
        select(Organization.path).where(
            Organization.kind == "branch", Organization.branch_type == "village"
        )
    ).scalars():
        births = (
            session.execute(
                select(Member.birth_date).where(
                    Member.org_path.startswith(path), Member.status.in_(ACTIVE)
                )
            )
            .scalars()
            .all()
        )
        if births and sum(age_on(b, TODAY) > 60 for b in births) * 2 > len(births):
            key += 1
    assert key >= 2


def test_id_numbers(all_members):
    with_id = [m for m in all_members if m.id_number]
    assert 0.9 * len(all_members) <= len(with_id) < len(all_members)
    assert len({m.id_number for m in with_id}) == len(with_id)
    for m in with_id:
        assert ric.is_valid(m.id_number)
        assert ric.get_birth_date(m.id_number) == m.birth_date
        assert (int(m.id_number[16]) % 2 == 1) == (m.gender == "male")
    assert sum(1 for m in all_members if m.phone) > 0.8 * len(all_members)


def _structure(session: Session, org: Organization) -> Structure:
    status = session.execute(
        select(Member.status, func.count())
        .where(Member.org_path >= org.path, Member.org_path < org.path[:-1] + "/")
        .group_by(Member.status)
    ).all()
    counts = dict(status)
    posts = session.execute(
        select(Position.member_id, Position.kind).where(
            Position.org_id == org.id, Position.end_on.is_(None)
        )
    ).all()
    return Structure(
        kind=org.kind,
        members=sum(counts.get(s, 0) for s in ACTIVE),
        full_members=counts.get("full", 0),
        committee_size=len({mid for mid, kind in posts if kind in COMMITTEE_KINDS}),
        has_secretary=any(kind == PositionKind.secretary for _, kind in posts),
    )


def test_three_branches_deliberately_non_compliant(session):
    warned: dict[str, list[str]] = {}
    for org in session.execute(
        select(Organization).where(
            Organization.kind.in_([OrgKind.branch, OrgKind.general_branch, OrgKind.committee])
        )
    ).scalars():
        violations = compliance(_structure(session, org))
        if violations:
            warned[org.kind + ":" + org.name] = [v.code for v in violations]
    assert len(warned) == 3, warned
    assert all(k.startswith("branch:") for k in warned)
    codes = sorted(sorted(v) for v in warned.values())
    assert codes == [["R-ORG-03"], ["R-ORG-03"], ["R-ORG-05"]]


def test_groups_have_leaders_and_cadres_have_history(session):
    groups = (
        session.execute(select(Organization.id).where(Organization.kind == "group")).scalars().all()
    )
    led = set(
        session.execute(
            select(Position.org_id).where(
                Position.kind == "group_leader", Position.end_on.is_(None)
            )
        ).scalars()
    )
    assert set(groups) <= led
    kinds = Counter(
        session.execute(select(Position.kind).where(Position.end_on.is_(None))).scalars()
    )
    assert kinds["village_director"] >= 100 and kinds["village_cadre"] >= 50
    ended = (
        session.execute(
            select(Position).where(Position.kind == "village_cadre", Position.end_on.is_not(None))
        )
        .scalars()
        .all()
    )
    service: Counter[int] = Counter()
    for p in ended:
        service[p.member_id] += (p.end_on - p.start_on).days
    assert sum(days >= 30 * 365 for days in service.values()) >= 3


def test_transfers(session):
    pending = (
        session.execute(select(Transfer).where(Transfer.status == TransferStatus.pending))
        .scalars()
        .all()
    )
    assert len(pending) == 1
    t = pending[0]
    villages = (
        session.execute(
            select(Organization.path).where(
                Organization.kind == "branch", Organization.branch_type == "village"
            )
        )
        .scalars()
        .all()
    )

    def village_of(path: str) -> str:
        return next(v for v in villages if path.startswith(v))

    # Between two villages of the demo township; the receiving one is the village account's home.
    assert village_of(t.from_org_path) != village_of(t.to_org_path)
    home = session.execute(select(Account).where(Account.username == "village")).scalar_one()
    assert t.to_org_id == home.org_id
    external = (
        session.execute(select(Transfer).where(Transfer.status == TransferStatus.external))
        .scalars()
        .all()
    )
    assert len(external) >= 3
    assert all(x.letter_number and x.external_org_name for x in external)


def test_refuses_a_database_that_is_not_empty(session):
    with pytest.raises(ValueError):
        load_demo(session, SETTINGS, today=TODAY)


def test_same_seed_same_county(all_members):
    other = _empty_session()
    load_demo(other, SETTINGS, today=TODAY)
    names = other.execute(select(Member.name).order_by(Member.id).limit(50)).scalars().all()
    assert names == [m.name for m in all_members[:50]]
