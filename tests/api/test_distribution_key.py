"""The distribution key: every table that grows with the members carries an organisation
path (`*org_path`), and every child row's path is its parent record's, after the writes
that create them, a member moved and transferred, and an organisation moved.

Table by table the parent is named here, independently of `services.base.PATH_PARENTS`
(which the transfer uses to rewrite the children), and each check is one SQL statement,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlmodel import SQLModel

import partygraph.models  # noqa: F401 - registers every table
from partygraph.models.member import Member
from partygraph.models.organization import Organization
from partygraph.reports import rollup
from partygraph.services import assistance as aid
from partygraph.services import branch_life as life
from partygraph.services import candidate as candidates
from partygraph.services import discipline
from partygraph.services import fund as funds
from partygraph.services import meeting as meetings
from partygraph.services import member as members
from partygraph.services import organization as orgs
from partygraph.services.base import PATH_PARENTS
from tests.conftest import system_context

# Tables that do not grow with the members: the organisation tree itself (its `path` is the
# key), the accounts of the people who use the system and their API tokens, and the security
# records of that use (sessions, sign-in attempts and lockouts, the access log), which grow
# with sign-ins and reads, are read by account or by the county as a whole, never by subtree.
NOT_DISTRIBUTED = {
    "organization",
    "account",
    "api_token",
    "login_session",
    "sign_in_attempt",
    "sign_in_lockout",
    "access_log",
}

# Every table that grows with the members (or the organisations' records), with its key
# column(s). A new table must be added here or to NOT_DISTRIBUTED, with an `*org_path`.
DISTRIBUTED = {
    "member": "org_path",
    "member_event": "org_path",
    "position": "org_path",
    "transfer": "from_org_path",
    "member_sanction": "org_path",
    "member_tally": "org_path",
    "candidate": "org_path",
    "candidate_step": "org_path",
    "meeting": "org_path",
    "meeting_decision": "org_path",
    "meeting_attendance": "member_org_path",
    "term": "org_path",
    "term_member": "org_path",
    "election": "org_path",
    "election_candidate": "org_path",
    "four_step_item": "org_path",
    "four_step_record": "org_path",
    "flowing_profile": "member_org_path",
    "lost_contact_record": "member_org_path",
    "contact_attempt": "org_path",
    "duty_lapse": "member_org_path",
    "member_flag": "member_org_path",
    "assistance_case": "org_path",
    "assistance_case_step": "org_path",
    "assistance_help": "org_path",
    "assistance_fund": "org_path",
    "assistance_fund_entry": "org_path",
    "assistance_loan": "org_path",
    "assistance_repayment": "org_path",
    "assistance_pairing": "org_path",
    "assistance_promise": "org_path",
    "allowance_run": "org_path",
    "allowance_payment": "org_path",
    "allowance_roll": "org_path",
    "evaluation_round": "org_path",
    "evaluation_subject": "org_path",
    "evaluation_source_result": "org_path",
    "evaluation_outcome": "org_path",
    "evaluation_follow_up": "org_path",
    "evaluation_flag": "org_path",
    "cadre_appointment": "org_path",
    "cadre_trial_checkpoint": "org_path",
    "cadre_assessment": "org_path",
    "cadre_career_event": "org_path",
    "org_assessment": "org_path",
    "model_site": "org_path",
    "development_plan": "org_path",
    "audit_event": "org_path",
}

# child table → (its foreign key, parent table, the parent's path column)
CHILDREN = {
    "member_event": ("member_id", "member", "org_path"),
    "position": ("member_id", "member", "org_path"),
    "member_sanction": ("member_id", "member", "org_path"),
    "candidate_step": ("candidate_id", "candidate", "org_path"),
    "meeting_decision": ("meeting_id", "meeting", "org_path"),
    "term_member": ("term_id", "term", "org_path"),
    "election_candidate": ("election_id", "election", "org_path"),
    "four_step_record": ("item_id", "four_step_item", "org_path"),
    "contact_attempt": ("record_id", "lost_contact_record", "member_org_path"),
    "assistance_case_step": ("case_id", "assistance_case", "org_path"),
    "assistance_promise": ("pairing_id", "assistance_pairing", "org_path"),
    "assistance_repayment": ("loan_id", "assistance_loan", "org_path"),
}


# --- (a) the schema ----------------------------------------------------------------------------


def _is_path_type(col) -> bool:  # type: ignore[no-untyped-def]
    pg = col.type.dialect_impl(postgresql.dialect())
    return getattr(col.type, "length", None) == 255 and getattr(pg, "collation", None) == "C"


def test_every_growing_table_carries_the_key() -> None:
    tables = SQLModel.metadata.tables
    assert set(DISTRIBUTED) | NOT_DISTRIBUTED == set(tables), (
        "a table is neither distributed nor allowed: "
        f"{sorted(set(tables) - set(DISTRIBUTED) - NOT_DISTRIBUTED)}"
    )
    for name, key in DISTRIBUTED.items():
        col = tables[name].columns[key]
        assert _is_path_type(col), (name, key, col.type)
        assert any(c.name.endswith("org_path") for c in tables[name].columns), name
    for name in NOT_DISTRIBUTED - {"organization"}:
        assert not any(c.name.endswith("org_path") for c in tables[name].columns), name
    # the children's keys are required and found by the organisation move's naming convention
    moved = {(t.name, c.name) for t, c in orgs.path_columns()}
    for name in [*CHILDREN, "member_tally"]:
        col = tables[name].columns["org_path"]
        assert col.nullable is False and (name, "org_path") in moved, name


def test_the_repath_registry_names_the_same_parents() -> None:
    registry = {
        child.__tablename__: (fk, parent.__tablename__, attr)  # type: ignore[attr-defined]
        for child, (fk, parent, attr) in PATH_PARENTS.items()
    }
    assert registry == CHILDREN


# --- (b) child rows follow their parents ------------------------------------------------------


def _mismatches(conn) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Per child table: (rows, rows whose org_path is not their parent's)."""
    out = {}
    for child, (fk, parent, col) in CHILDREN.items():
        total, wrong = conn.execute(
            text(
                f"SELECT count(*), coalesce(sum(CASE WHEN c.org_path = p.{col} THEN 0 ELSE 1 END), 0) "
                f'FROM "{child}" c JOIN "{parent}" p ON p.id = c.{fk}'
            )
        ).one()
        out[child] = (total, wrong)
    return out


def _tally_mismatches(conn) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return tuple(
        conn.execute(
            text(
                "SELECT count(*), coalesce(sum(CASE WHEN t.org_path = o.path THEN 0 ELSE 1 END), 0) "
                "FROM member_tally t JOIN organization o ON o.id = t.org_id"
            )
        ).one()
    )


def _plant(ctx, world) -> None:  # type: ignore[no-untyped-def]
    """One or more rows in every child table, through the services."""
    ids, who = world.ids, world.members
    members.add_position(
        ctx,
        member_id=who["zhang"],
        org_id=ids["V1"],
        kind="organisation_officer",
        start_on=date(2024, 1, 1),
    )
    members.add_position(
        ctx, member_id=who["li"], org_id=ids["V1"], kind="secretary", start_on=date(2023, 1, 1)
    )
    discipline.record_sanction(
        ctx,
        member_id=who["zhang"],
        kind="warning",
        decided_on=date(2026, 3, 1),
        decided_by="威州镇党委",
    )
    members.change_status(
        ctx, who["qian"], to_status="full", on=date(2026, 10, 1), reason="按期转正", version=None
    )

    cand = candidates.apply(
        ctx, org_id=ids["V1"], applied_on=date(2026, 2, 1), name="孙九", gender="male",
        birth_date=date(2000, 2, 2), education="senior_high", documents=["入党申请书"],
    )  # fmt: skip
    assert cand.id is not None
    meetings.record_meeting(
        ctx, org_id=ids["V2"], kind="general_meeting", held_on=date(2026, 9, 1),
        decisions=[meetings.DecisionInput(subject="other", title="村集体经济项目", should_attend=1, present=1, yes=1)],
    )  # fmt: skip
    life.record_election(
        ctx, org_id=ids["V2"], held_on=date(2026, 10, 20), seats=3, should_attend=5, present=5,
        candidates=[life.ElectionCandidateInput(votes=v, name=n) for n, v in (("甲", 5), ("乙", 4), ("丙", 3), ("丁", 3))],
    )  # fmt: skip
    life.start_term(
        ctx, org_id=ids["V1"], starts_on=date(2024, 12, 1),
        members_in=[life.TermMemberInput(post="secretary", member_id=who["li"])],
    )  # fmt: skip
    item = life.create_item(ctx, org_id=ids["V1"], title="村道硬化")
    life.record_four_step(ctx, item.id, step="proposal", on=date(2026, 3, 1), passed=True)  # type: ignore[arg-type]
    lost = life.mark_lost_contact(ctx, who["zhao"], lost_on=date(2026, 4, 1))
    life.add_contact_attempt(ctx, lost.id, on=date(2026, 6, 1), method="电话", outcome="空号")  # type: ignore[arg-type]

    case = aid.open_case(
        ctx,
        member_id=who["wang"],
        cause="illness",
        applied_on=date(2026, 1, 5),
        yearly_income_fen=1200_00,
        standard="rural_low_income",
        family_members=[{"name": "王妻", "relation": "配偶"}],
    )
    for step, on, extra in (
        ("appraise", date(2026, 1, 10), {"record_text": "支部大会评议"}),
        (
            "notice",
            date(2026, 1, 11),
            {"notice_starts_on": date(2026, 1, 11), "notice_ends_on": date(2026, 1, 17)},
        ),
        ("report", date(2026, 1, 18), {}),
        ("approve", date(2026, 1, 25), {"record_text": "党委会批准"}),
        ("file", date(2026, 2, 1), {"record_text": "县备 1 号"}),
    ):
        aid.advance(ctx, case.id, step=step, on=on, version=None, **extra)  # type: ignore[arg-type]
    fund = funds.create(ctx, org_id=ids["C"], name="县帮扶基金", established_on=date(2025, 1, 1))
    funds.record_inflow(
        ctx, fund.id, kind="budget", amount_fen=10_000_00, on=date(2025, 1, 2), approver="县委"
    )  # type: ignore[arg-type]
    loan = aid.lend(
        ctx,
        case.id,
        fund_id=fund.id,
        amount_fen=2000_00,
        on=date(2026, 3, 1),
        approver="县委",
        installments=2,
    )  # type: ignore[arg-type]
    aid.repay(ctx, loan.id, amount_fen=500_00, on=date(2026, 9, 1))  # type: ignore[arg-type]
    agency = orgs.create(
        ctx,
        parent_id=ids["T1"],
        code="A1",
        name="威州镇机关党支部",
        kind="branch",
        branch_type="agency",
    )
    helper = members.register(
        ctx, org_id=agency.id, name="周八", gender="male", birth_date=date(1985, 1, 1), education="bachelor",
        joined_on=date(2010, 7, 1), converted_on=date(2011, 7, 1),
    )  # fmt: skip
    pairing = aid.create_pairing(
        ctx,
        kind="members",
        started_on=date(2026, 2, 15),
        case_id=case.id,
        helper_member_id=helper.id,
    )
    aid.add_promise(
        ctx, pairing.id, text="帮助联系销路", made_on=date(2026, 3, 1), due_on=date(2026, 12, 31)
    )  # type: ignore[arg-type]


def test_child_rows_follow_their_parents(world, session_factory, settings, clock) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        _plant(ctx, world)
        s.commit()
        found = _mismatches(s.connection())
        assert all(total > 0 for total, _ in found.values()), found  # every child table was written
        assert {k: wrong for k, (_, wrong) in found.items() if wrong} == {}
        assert _tally_mismatches(s.connection())[1] == 0

        # a member moved to a group of their branch, then one transferred to another township
        li, zhang = world.members["li"], world.members["zhang"]
        members.update(ctx, li, version=None, changes={"org_id": world.ids["G1"]})
        s.commit()
        t = members.send_transfer(
            ctx, zhang, to_org_code="V3", on=date(2026, 10, 5), reason="回原籍"
        )
        members.decide_transfer(
            ctx, t.id, accept=True, on=date(2026, 10, 8), note=None, version=None
        )  # type: ignore[arg-type]
        s.commit()
        v3 = s.get(Organization, world.ids["V3"])
        assert s.get(Member, zhang).org_path == v3.path  # type: ignore[union-attr]
        rows = s.execute(
            text("SELECT DISTINCT org_path FROM member_event WHERE member_id = :m UNION SELECT DISTINCT org_path FROM position WHERE member_id = :m "
                 "UNION SELECT DISTINCT org_path FROM member_sanction WHERE member_id = :m"),
            {"m": zhang},
        ).scalars().all()  # fmt: skip
        assert rows == [v3.path]  # type: ignore[union-attr]
        found = _mismatches(s.connection())
        assert {k: wrong for k, (_, wrong) in found.items() if wrong} == {}

        # the branch (with its group, the moved member, candidate, term, item…) under the other township
        orgs.move(ctx, world.ids["V1"], new_parent_id=world.ids["T2"], version=None)
        s.commit()
        found = _mismatches(s.connection())
        assert {k: wrong for k, (_, wrong) in found.items() if wrong} == {}
        v1 = s.get(Organization, world.ids["V1"])
        assert s.execute(text("SELECT DISTINCT org_path FROM candidate_step")).scalars().all() == [
            v1.path
        ]  # type: ignore[union-attr]
        assert s.get(Member, li).org_path.startswith(v1.path)  # type: ignore[union-attr]


# --- (c) the rollup's rows ------------------------------------------------------------------------


def test_member_tally_path_is_its_organisations(world, session_factory, settings, clock) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ctx = system_context(s, settings, clock)
        total, wrong = _tally_mismatches(s.connection())
        assert total > 0 and wrong == 0
        # the move inserts T2's rows for figures only V1's members had (李四's birth year…)
        orgs.move(ctx, world.ids["V1"], new_parent_id=world.ids["T2"], version=None)
        s.commit()
        total, wrong = _tally_mismatches(s.connection())
        assert total > 0 and wrong == 0
        # members written after the move land under the new paths
        members.register(
            ctx, org_id=world.ids["G1"], name="吴十", gender="female", birth_date=date(1991, 1, 1),
            education="postgraduate", joined_on=date(2020, 7, 1), converted_on=date(2021, 7, 1),
        )  # fmt: skip
        s.commit()
        assert _tally_mismatches(s.connection())[1] == 0
        kept = s.execute(
            text(
                "SELECT org_id, org_path, dim, value, n FROM member_tally WHERE n != 0 ORDER BY 1, 3, 4"
            )
        ).all()
        rollup.rebuild(s.connection())
        assert _tally_mismatches(s.connection())[1] == 0
        assert (
            s.execute(
                text(
                    "SELECT org_id, org_path, dim, value, n FROM member_tally WHERE n != 0 ORDER BY 1, 3, 4"
                )
            ).all()
            == kept
        )
        s.rollback()


def test_ancestor_paths() -> None:
    assert rollup.ancestor_paths("00000001.00000007.00000042.") == {
        1: "00000001.",
        7: "00000001.00000007.",
        42: "00000001.00000007.00000042.",
    }
