"""count flowing members

The roster rollup gains a figure, flowing members (流动党员, `member.flowing`): the members
already on file are counted into member_tally, at their organisation and every ancestor.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    # The SQL as it stands at this revision (the live rebuild may later count more). One
    # statement, no value read back, so that offline SQL (`alembic upgrade --sql`) works: each
    # member counts at its organisation and every ancestor, followed up through parent_id.
    op.execute(sa.text("DELETE FROM member_tally WHERE dim = 'flowing'"))
    op.execute(
        sa.text(
            "INSERT INTO member_tally (org_id, org_path, dim, value, n) "
            "WITH RECURSIVE up (org_id, below) AS ("
            " SELECT id, id FROM organization"
            " UNION ALL SELECT o.parent_id, up.below FROM up JOIN organization o ON o.id = up.org_id"
            " WHERE o.parent_id IS NOT NULL) "
            "SELECT a.id, a.path, 'flowing', CASE WHEN m.flowing THEN 'yes' ELSE 'no' END, count(*) "
            "FROM member m JOIN up ON up.below = m.org_id JOIN organization a ON a.id = up.org_id "
            "WHERE m.status IN ('full', 'probationary') GROUP BY a.id, a.path, 4"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM member_tally WHERE dim = 'flowing'"))
