"""account administration

Accounts administered in the product: a one-time password the clerk must change at
the next sign-in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (SQLModel types partygraph.db.migrate.render_item does not map)
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get their values through a server default, which is then dropped: the
    # models set these columns in Python, and the schema must equal create_all's.
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column("must_change_password", existing_type=sa.Boolean(), server_default=None)
        batch_op.alter_column("version", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("must_change_password")
