"""distribution key on child tables

Every table that grows with members carries its organisation path (the distribution key,
README "Beyond one machine"): the records reached through a parent get the parent's path,
the roster rollup the path of its organisation. Added nullable, filled from the parent,
then made NOT NULL (C collation on PostgreSQL, like every path column).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:45:12.630970
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (SQLModel types partygraph.db.migrate.render_item does not map)
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# child table → (its reference column, parent table, the parent's path column)
PARENTS = {
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
    "member_tally": ("org_id", "organization", "path"),
}


def _path_type() -> sa.types.TypeEngine:
    return sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql")


def upgrade() -> None:
    for table, (ref, parent, column) in PARENTS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("org_path", _path_type(), nullable=True))
        op.execute(
            f"UPDATE {table} SET org_path = (SELECT p.{column} FROM {parent} p WHERE p.id = {table}.{ref})"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("org_path", existing_type=_path_type(), nullable=False)


def downgrade() -> None:
    for table in reversed(PARENTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("org_path")
