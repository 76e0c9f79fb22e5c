"""The roster rollup (member_tally) stays equal to a recount after every kind of write."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from partygraph.models.member import Member
from partygraph.models.organization import Organization
from partygraph.reports import rollup
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests.conftest import system_context


def recount(session) -> dict[int, Counter]:  # type: ignore[no-untyped-def]
    """Subtree counts computed here from the member table, independently of the hook."""
    out: dict[int, Counter] = {o.id: Counter() for o in session.execute(select(Organization)).scalars()}
    for m in session.execute(select(Member)).scalars():
        values = {name: getattr(m, name) for name in rollup.TRACKED}
        for org_id in [o.id for o in session.execute(select(Organization)).scalars() if m.org_path.startswith(o.path)]:
            for key in rollup.figures(values):
                out[org_id][key] += 1
    return out


def stored(session) -> dict[int, Counter]:  # type: ignore[no-untyped-def]
    ids = list(session.execute(select(Organization.id)).scalars())
    return {k: +v for k, v in rollup.read(session, ids).items()}


def test_rollup_follows_every_write(world, session_factory, settings, clock):  # type: ignore[no-untyped-def]
    with session_factory() as s:
        assert stored(s) == recount(s)  # the world was built through the services
        ctx = system_context(s, settings, clock)
        new = members.register(
            ctx, org_id=world.ids["V2"], status="probationary", name="孙八", gender="male",
            birth_date=date(1990, 5, 1), education="bachelor", joined_on=date(2026, 3, 1),
        )  # fmt: skip
        s.commit()
        assert stored(s) == recount(s)

        members.update(ctx, new.id, version=None, changes={"gender": "female", "birth_date": date(1985, 1, 2), "rural": True})
        s.commit()
        assert stored(s) == recount(s)

        zhang = world.members["zhang"]
        members.change_status(ctx, zhang, to_status="deceased", on=date(2026, 10, 1), reason="病故", version=None)
        s.commit()
        assert stored(s) == recount(s)

        # a subtree moves under another township: its counts leave one spine and join the other
        orgs.move(ctx, world.ids["V1"], new_parent_id=world.ids["T2"], version=None)
        s.commit()
        assert stored(s) == recount(s)

        # a refused write leaves the rollup as it was
        before = stored(s)
        try:
            members.update(ctx, new.id, version=999, changes={"gender": "male"})
        except Exception:  # noqa: BLE001 - the conflict is the point
            s.rollback()
        assert stored(s) == before == recount(s)


def test_rebuild_gives_the_same_rollup(world, session_factory):  # type: ignore[no-untyped-def]
    with session_factory() as s:
        kept = stored(s)
        rollup.rebuild(s.connection())
        assert stored(s) == kept == recount(s)
        s.rollback()


def test_no_global_listener_keeps_the_rollup(world, db, session_factory, settings, clock):  # type: ignore[no-untyped-def]
    """The rollup and the cache are the write path's calls (partygraph.db.UnitOfWork), not
    listeners on SQLAlchemy's Session: a plain Session writes the member and nothing else."""
    from sqlalchemy.orm import Session

    from partygraph.reports import cache

    with session_factory() as s:
        kept = stored(s)
    version = cache._local_version
    with Session(db) as plain:
        zhang = plain.get(Member, world.members["zhang"])
        assert zhang is not None
        zhang.gender = "female" if zhang.gender == "male" else "male"
        plain.commit()
    assert cache._local_version == version  # nothing bumped the cache either
    with session_factory() as s:
        assert stored(s) == kept != recount(s)
        rollup.rebuild(s.connection())  # what bulk writers do after writing around the services
        assert stored(s) == recount(s)
        ctx = system_context(s, settings, clock)
        members.update(ctx, world.members["zhang"], version=None, changes={"rural": True})
        s.commit()
        assert stored(s) == recount(s)
    assert cache._local_version == version + 1  # a write through the factory's session does


def test_the_stats_type_serves_every_declared_figure(gql, world):  # type: ignore[no-untyped-def]
    """Each figure of reports/figures.py with a field is a [StatCount] field of Stats, and every
    listed one is in `figures`, with the same counts."""
    from partygraph.reports.figures import FIGURE_LIST

    named = [f for f in FIGURE_LIST if f.field]
    camel = {f.name: f.field.split("_")[0] + "".join(x.title() for x in f.field.split("_")[1:]) for f in named if f.field}
    fields = " ".join(f"{c} {{ key value }}" for c in camel.values())
    query = "query S($under: ID!) { stats(under: $under) { figures { name counts { key value } } " + fields + " } }"
    data = gql(query, {"under": world.gid("Organization", "C")})["stats"]
    listed = {f["name"]: f["counts"] for f in data["figures"]}
    assert list(listed) == [f.name for f in FIGURE_LIST if f.listed]
    for name, field in camel.items():
        assert data[field] == listed[name], name
