"""access log of sensitive reads

Who read a full national ID number, a phone, an address, a sanction or an assistance
case's details, when, which record and through which path.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401  (SQLModel types partygraph.migrate.render_item does not map)
from alembic import op  # noqa: F401

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
