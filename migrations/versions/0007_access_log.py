"""access log of sensitive reads

Who read a full national ID number, a phone, an address, a sanction or an assistance
case's details, when, which record and through which path.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (SQLModel types partygraph.db.migrate.render_item does not map)
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("field_group", sa.String(length=20), nullable=False),
        sa.Column("path", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"], unique=False)
    op.create_index("ix_access_log_object", "access_log", ["object_type", "object_id", "id"], unique=False)
    op.create_index("ix_access_log_account", "access_log", ["account_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_access_log_account", table_name="access_log")
    op.drop_index("ix_access_log_object", table_name="access_log")
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_table("access_log")
