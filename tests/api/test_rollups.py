"""The roster rollup (member_tally) stays equal to a recount after every kind of write."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from partygraph import rollups
from partygraph.models.member import Member
from partygraph.models.organization import Organization
from partygraph.services import member as members
from partygraph.services import organization as orgs
from tests.conftest import system_context


def recount(session) -> dict[int, Counter]:  # type: ignore[no-untyped-def]
    """Subtree counts computed here from the member table, independently of the hook."""
    out: dict[int, Counter] = {o.id: Counter() for o in session.execute(select(Organization)).scalars()}
    for m in session.execute(select(Member)).scalars():
        values = {name: getattr(m, name) for name in rollups.TRACKED}
        for org_id in [o.id for o in session.execute(select(Organization)).scalars() if m.org_path.startswith(o.path)]:
            for key in rollups.figures(values):
                out[org_id][key] += 1
    return out


def stored(session) -> dict[int, Counter]:  # type: ignore[no-untyped-def]
    ids = list(session.execute(select(Organization.id)).scalars())
    return {k: +v for k, v in rollups.read(session, ids).items()}


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
        rollups.rebuild(s.connection())
        assert stored(s) == kept == recount(s)
        s.rollback()
